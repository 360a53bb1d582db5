"""A table of contents made in a single layout of the document: each section's heading
(`SectionHeading`) notes its page on the canvas as it is drawn, with a bookmark of the PDF's
outline and a link target; the contents (`Contents`) draw their entries with a dotted leader
and a link to the section, and leave their page numbers to the canvas, which writes them once
every page is laid out (`fund.reports.pdf.styles.NumberedCanvas`).

reportlab's own TableOfContents needs the document laid out at least twice (`multiBuild`): for
a report of thousands of programmes that doubles its time. Here the contents have one line per
entry, whatever the page numbers, so their height is known before the layout."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph

from fund.reports.pdf.styles import MUTED, REGULAR, display_text, markup


class SectionHeading(Paragraph):
    """A heading whose page is noted for the contents (`key`), with an entry in the PDF's
    outline (the bookmarks panel of a reader) at `level` (0: a section)."""

    def __init__(self, text: str, style: ParagraphStyle, key: str, level: int = 0) -> None:
        super().__init__(markup(text), style)
        self.key, self.title, self.level = key, text, level

    def draw(self) -> None:
        canv = self.canv
        anchors = getattr(canv, "anchors", None)
        if anchors is not None and self.key not in anchors:
            anchors[self.key] = canv.getPageNumber()
        canv.bookmarkHorizontal(self.key, 0, self.height + 4)
        canv.addOutlineEntry(display_text(self.title), self.key, level=self.level)
        super().draw()


class Contents(Flowable):
    """The entries (section key, title) one per line: the title, a dotted leader and the page
    number, the whole line a link to the section."""

    def __init__(self, entries: Sequence[tuple[str, str]], size: float = 9.5) -> None:
        super().__init__()
        self.entries = list(entries)
        self.size = size
        self.line = size * 1.9
        self.number_width = stringWidth("0000", REGULAR, size)

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        self.height = self.line * len(self.entries)
        return self.width, self.height

    def draw(self) -> None:
        canv = self.canv
        late = getattr(canv, "late", None)
        right = self.width
        title_room = right - self.number_width - 12
        canv.saveState()
        for index, (key, title) in enumerate(self.entries):
            y = self.height - self.line * (index + 1) + self.line * 0.35
            text = display_text(title)
            canv.setFont(REGULAR, self.size)
            canv.setFillColor(colors.black)
            canv.drawString(0, y, text)
            start = stringWidth(text, REGULAR, self.size) + 6
            if start < title_room:
                canv.setStrokeColor(MUTED)
                canv.setLineWidth(0.6)
                canv.setDash(0.6, 2.4)
                canv.line(start, y + 1, title_room, y + 1)
                canv.setDash()
            if late is not None:
                x, y_page = canv.absolutePosition(right, y)
                late.setdefault(canv.getPageNumber(), []).append((x, y_page, key))
            canv.linkRect("", key, (0, y - 3, right, y + self.size), relative=1, thickness=0)
        canv.restoreState()

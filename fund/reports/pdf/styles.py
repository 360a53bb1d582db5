"""How every PDF of the fund looks: the font, the page, its header and footer, the paragraph
styles and colours, and how amounts and dates are written.

The font is DejaVu Sans (regular and bold), shipped in fund/static/fonts/ with its licence.
The PDF standard fonts cover Latin-1 only; names of places, people and organizations in
French, Spanish, Turkish, Arabic script... need an embedded font that has their glyphs.
Arabic letters change shape with their position in a word and Arabic runs read right to left:
`display_text` joins the letters (Arabic presentation forms, which DejaVu Sans has) and puts
right-to-left runs in visual order before reportlab draws them.

Pages are A4 with the same margins; every page carries a header (the fund, what the document
is), a footer (where it comes from) and "Page N of M" (`PageFurniture`, `render`).
"""

from __future__ import annotations

import html
import io
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import arabic_reshaper
from bidi.algorithm import get_display  # mirrors brackets in right-to-left runs
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate
from reportlab.platypus.paragraph import cleanBlockQuotedText

from fund.coverage import model as coverage_model
from fund.i18n import direction
from fund.results import coverage as results_coverage

FONT_DIR = Path(__file__).resolve().parents[2] / "static" / "fonts"
FAMILY = "DejaVuSans"
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}
_lock = threading.Lock()

# Hebrew, Arabic, Syriac, Thaana, N'Ko..., and the Arabic presentation forms.
_RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
# The invisible marks that set a run apart for the bidirectional algorithm (an amount within an
# Arabic sentence on a page): dropped here, as the PDFs' reordering and fonts do not know them.
_ISOLATES = dict.fromkeys(range(0x2066, 0x206A))


def register_fonts() -> str:
    """Register the family with reportlab (once per process; safe to call again and from
    several threads) and return its name for styles."""
    with _lock:
        if REGULAR not in pdfmetrics.getRegisteredFontNames():
            for name, filename in _FILES.items():
                pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))
            # <b> in paragraphs picks the bold face; there is no italic face: upright is used.
            pdfmetrics.registerFontFamily(
                FAMILY, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD
            )
    return FAMILY


def visual_order(line: str) -> str:
    """One line of shaped text in the order reportlab draws it, left to right. In a
    right-to-left document (Arabic) every line reads from the right, even one that starts
    with a Latin word ("IOM منظمة مشاركة." has IOM at its right end and its full stop at the
    left); in another document a line takes the direction of its first letter."""
    return get_display(line, base_dir="R" if direction() == "rtl" else None)


def display_text(text: str) -> str:
    """Text as reportlab must draw it: unchanged unless it has right-to-left script, whose
    letters are then joined and whose runs are put in visual order.

    The reordering works on each line of `text` as a whole: text that reportlab will wrap
    goes through `TextParagraph`, which wraps first and reorders each line after.
    """
    text = text.translate(_ISOLATES)
    if not _RIGHT_TO_LEFT.search(text):
        return text
    return "\n".join(visual_order(arabic_reshaper.reshape(line)) for line in text.split("\n"))


def markup(text: str | None) -> str:
    """Plain text made safe for a reportlab Paragraph (escaped, line breaks kept)."""
    return html.escape(display_text(text or ""), quote=False).replace("\n", "<br/>")


def is_right_to_left(text: str) -> bool:
    return bool(_RIGHT_TO_LEFT.search(text))


class TextParagraph(Paragraph):
    """A paragraph of plain text (escaped, line breaks kept), after an optional `prefix` of
    markup (a bullet). Right-to-left text is wrapped in its reading order first and each line
    put in visual order after, so that a wrapped Arabic passage reads from its first line down
    (reordering the whole text first, then wrapping, would start it on its last line)."""

    def __init__(self, text: Any, style: ParagraphStyle, prefix: str = "", **parts: Any) -> None:
        # reportlab's split makes the pieces of a paragraph with `frags` (already laid out).
        given = "" if text is None or parts.get("frags") is not None else str(text)
        self.logical = given.translate(_ISOLATES)
        self.prefix = prefix
        self.visual_lines: list[str] = []
        self._wrapped_for: float | None = None
        if parts.get("frags") is not None:
            super().__init__(text, style, **parts)
        else:
            super().__init__(prefix + markup(self.logical), style)

    def wrap(self, availWidth: float, availHeight: float):
        if is_right_to_left(self.logical) and self._wrapped_for != availWidth:
            self._wrapped_for = availWidth
            style = self.style
            room = availWidth - style.leftIndent - style.rightIndent
            room -= stringWidth(self.prefix, style.fontName, style.fontSize) if self.prefix else 0
            self.visual_lines = [
                visual_order(line)
                for source in self.logical.split("\n")
                for line in simpleSplit(
                    arabic_reshaper.reshape(source), style.fontName, style.fontSize, room
                )
                or [""]
            ]
            body = "<br/>".join(html.escape(line, quote=False) for line in self.visual_lines)
            if style.alignment == TA_LEFT:  # right-to-left text starts at the right
                style = ParagraphStyle(f"{style.name}-rtl", parent=style, alignment=TA_RIGHT)
            self._setup(self.prefix + body, style, self.bulletText, None, cleanBlockQuotedText)
        return super().wrap(availWidth, availHeight)


# The page -----------------------------------------------------------------------------------

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
# The frame of SimpleDocTemplate pads its content by 6 points on each side.
TEXT_WIDTH = CONTENT_WIDTH - 12

# Colours ------------------------------------------------------------------------------------

BLUE = colors.HexColor("#1f4e79")  # headings, the header's fund name, table rules
LINE = colors.HexColor("#b8c4d0")  # thin rules
SOFT = colors.HexColor("#eef3f8")  # table headers
MUTED = colors.HexColor("#4a5560")  # notes, axis labels
META = colors.HexColor("#444444")  # the lines under a title
FLAG_COLOUR = colors.HexColor("#b3261e")  # warnings
# The flags of coverage and results, by their (English) label, in the colours their modules
# give them.
FLAG_COLOURS = {
    labels[flag]: colors.HexColor(colour)
    for labels, colours in (
        (coverage_model.FLAG_LABELS, coverage_model.FLAG_COLOURS),
        (results_coverage.FLAG_LABELS, results_coverage.FLAG_COLOURS),
    )
    for flag, colour in colours.items()
}


def flag_colour(text: str) -> colors.Color | None:
    """The colour of a cell listing flags (the first, the most serious, decides)."""
    return FLAG_COLOURS.get(text.split(",")[0].strip()) if text else None


@dataclass(frozen=True)
class PageFurniture:
    """What every page shows around its content."""

    header_left: str
    header_right: str
    footer_left: str


class NumberedCanvas(canvas.Canvas):
    """A canvas that draws the header and footer, with "Page N of M", once all pages are known;
    and the page numbers of a table of contents (`anchors`: the page of each section, noted as
    its heading is drawn; `late`: the numbers to write, each page's, by the section's key), so
    that the contents need a single layout of the document."""

    def __init__(self, *args: Any, furniture: PageFurniture, **kwargs: Any) -> None:
        # Not even the canvas's initial font may be a standard one (Latin-1 only).
        kwargs["initialFontName"] = kwargs.get("initialFontName") or register_fonts()
        super().__init__(*args, **kwargs)
        self._furniture = furniture
        self._pages: list[dict[str, Any]] = []
        self.anchors: dict[str, int] = {}
        self.late: dict[int, list[tuple[float, float, str]]] = {}

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._draw_furniture(total)
            self._draw_late_numbers()
            super().showPage()
        super().save()

    def _draw_furniture(self, total: int) -> None:
        f = self._furniture
        self.saveState()
        self.setStrokeColor(LINE)
        self.setLineWidth(0.5)
        top = PAGE_HEIGHT - 12 * mm
        self.setFont(BOLD, 8)
        self.setFillColor(BLUE)
        self.drawString(MARGIN, top, display_text(f.header_left))
        self.setFont(REGULAR, 8)
        self.setFillColor(colors.black)
        self.drawRightString(PAGE_WIDTH - MARGIN, top, display_text(f.header_right))
        self.line(MARGIN, top - 2.5 * mm, PAGE_WIDTH - MARGIN, top - 2.5 * mm)
        bottom = 10 * mm
        self.line(MARGIN, bottom + 4 * mm, PAGE_WIDTH - MARGIN, bottom + 4 * mm)
        page = display_text(_("Page %(page)s of %(total)s", page=self._pageNumber, total=total))
        left = display_text(f.footer_left)
        self.setFont(REGULAR, FOOTER_SIZE)
        self.drawRightString(PAGE_WIDTH - MARGIN, bottom, page)
        self.setFont(REGULAR, footer_size(left, page))
        self.drawString(MARGIN, bottom, left)
        self.restoreState()

    def _draw_late_numbers(self) -> None:
        """The page numbers of the contents on this page (right-aligned at absolute points)."""
        numbers = self.late.get(self._pageNumber)
        if not numbers:
            return
        self.saveState()
        self.setFont(REGULAR, 9.5)
        self.setFillColor(colors.black)
        for x, y, key in numbers:
            if key in self.anchors:
                self.drawRightString(x, y, str(self.anchors[key]))
        self.restoreState()


def numbered_canvas(furniture: PageFurniture) -> Callable[..., NumberedCanvas]:
    """A canvasmaker for SimpleDocTemplate.build."""
    return partial(NumberedCanvas, furniture=furniture)


def header_right(fund_name: str, candidates: Sequence[str]) -> str:
    """The first of `candidates` that fits beside the fund's name in the page header."""
    register_fonts()
    room = CONTENT_WIDTH - stringWidth(display_text(fund_name), BOLD, 8) - 24
    for text in candidates:
        if stringWidth(display_text(text), REGULAR, 8) <= room:
            return text
    return candidates[-1]


FOOTER_SIZE = 7.5
FOOTER_GAP = 4 * mm


def footer_size(left: str, page: str) -> float:
    """The font size at which the footer's left text (the audit trail's head, a long hash)
    ends at least FOOTER_GAP before the page number: FOOTER_SIZE, smaller only where a
    language's words or a page number of more digits would make them meet."""
    room = PAGE_WIDTH - 2 * MARGIN - pdfmetrics.stringWidth(page, REGULAR, FOOTER_SIZE) - FOOTER_GAP
    width = pdfmetrics.stringWidth(left, REGULAR, FOOTER_SIZE)
    return FOOTER_SIZE if width <= room else FOOTER_SIZE * room / width


def fund_furniture(fund_name: str, header: Sequence[str], footer_left: str) -> PageFurniture:
    """The pages of a report of the fund: its name at the left of the header, the first of the
    `header` candidates that fits at the right, and `footer_left`."""
    return PageFurniture(
        header_left=fund_name,
        header_right=header_right(fund_name, header),
        footer_left=footer_left,
    )


def audit_footer(newest: tuple[int, str] | None) -> str:
    """The audit trail's head, for the page footer (the full hash: it identifies the trail)."""
    if newest is None:
        return _("Audit trail empty")
    return _("Audit trail head #%(number)s %(hash)s", number=newest[0], hash=newest[1])


def render(
    story: list[Flowable], furniture: PageFurniture, *, title: str, author: str, subject: str
) -> bytes:
    """The PDF of `story` on A4 pages with the fund's margins, header and footer."""
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=22 * mm,
        bottomMargin=20 * mm,
        title=title,
        author=author,
        subject=subject,
    )
    doc.build(story, canvasmaker=numbered_canvas(furniture))
    return out.getvalue()


# Paragraph styles ---------------------------------------------------------------------------


def _heading(
    name: str, parent: ParagraphStyle, sizes: tuple[float, float, float, float], **more: Any
) -> ParagraphStyle:
    """A bold style of `sizes`: (font size, leading, space before, space after)."""
    size, leading, before, after = sizes
    return ParagraphStyle(
        name,
        parent=parent,
        fontName=BOLD,
        fontSize=size,
        leading=leading,
        spaceBefore=before,
        spaceAfter=after,
        **more,
    )


class PdfStyles:
    """The paragraph styles of a document. Reports (`report()`: the allocation report, the
    decision record) use smaller tables and larger headings than the proposal document
    (`document()`)."""

    def __init__(
        self,
        *,
        small: tuple[float, float],
        title: tuple[float, float, float, float],
        h2: tuple[float, float, float, float],
        h3: tuple[float, float],
        blank: bool = False,
    ) -> None:
        family = register_fonts()
        self.blank = blank
        self.body = ParagraphStyle("body", fontName=family, fontSize=9.5, leading=13)
        self.small = ParagraphStyle("small", parent=self.body, fontSize=small[0], leading=small[1])
        self.number = ParagraphStyle("number", parent=self.small, alignment=TA_RIGHT)
        self.head = ParagraphStyle("head", parent=self.small, fontName=BOLD)
        self.head_number = ParagraphStyle("head_number", parent=self.head, alignment=TA_RIGHT)
        self.note = ParagraphStyle(
            "note", parent=self.small, textColor=MUTED, spaceBefore=3, spaceAfter=3
        )
        self.warning = ParagraphStyle(
            "warning", parent=self.body, textColor=FLAG_COLOUR, fontName=BOLD
        )
        self.title = _heading("title", self.body, title)
        self.cover_title = ParagraphStyle(
            "cover_title", parent=self.title, fontSize=24, leading=30, textColor=BLUE
        )
        self.cover_subtitle = ParagraphStyle(
            "cover_subtitle", parent=self.body, fontName=BOLD, fontSize=12, leading=16
        )
        self.figure = ParagraphStyle(
            "figure", parent=self.body, fontName=BOLD, fontSize=13.5, leading=17, textColor=BLUE
        )
        self.figure_label = ParagraphStyle(
            "figure_label", parent=self.small, textColor=META, spaceBefore=2
        )
        self.meta = ParagraphStyle("meta", parent=self.body, textColor=META)
        self.h2 = _heading("h2", self.body, h2, textColor=BLUE)
        self.h3 = ParagraphStyle(
            "h3", parent=self.body, fontName=BOLD, fontSize=10, spaceBefore=h3[0], spaceAfter=h3[1]
        )

    @classmethod
    def report(cls) -> PdfStyles:
        """The styles of the allocation report and the decision record."""
        return cls(small=(8, 10), title=(18, 23, 0, 6), h2=(13, 16, 12, 5), h3=(8, 3))

    @classmethod
    def document(cls) -> PdfStyles:
        """The styles of the proposal document; an empty value is shown as a dash."""
        return cls(small=(8.5, 11), title=(16, 20, 0, 4), h2=(12, 15, 10, 4), h3=(6, 2), blank=True)

    def para(self, text: Any, style: ParagraphStyle | None = None) -> Paragraph:
        """`text` as a paragraph (a dash for nothing; with `blank`, for "" and [] too)."""
        empty = text is None or (self.blank and text in ("", []))
        return TextParagraph("—" if empty else str(text), style or self.body)


def with_heading(heading: Flowable, blocks: Sequence[Flowable]) -> list[Flowable]:
    """A heading kept on the page of the start of its content."""
    return [KeepTogether([heading, blocks[0]]), *blocks[1:]] if blocks else [heading]


# How values are written ---------------------------------------------------------------------

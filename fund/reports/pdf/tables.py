"""Tables that fit the page: plain-text tables for long lists (`data_table`), tables of
paragraphs for text that needs styling (`paragraph_table`), label-value pairs (`fact_table`),
and text cut to a width (`wrap_text`, `fit`).

In a right-to-left language (Arabic) every table is mirrored, as the pages' tables are: its first
column at the right, each cell's text (Latin text and figures too) set against the right of its
cell (`Mirrored`).

Words are never broken where a column can be widened: `data_table` gives each column at least
the width of its widest word, taken from the columns with room to spare ("Concentrated" and
"Programmes" stay whole); only a word wider than any column could be (a hash, an e-mail
address) is cut."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from fund.i18n import direction
from fund.reports.pdf.styles import (
    BLUE,
    BOLD,
    CONTENT_WIDTH,
    FLAG_COLOURS,
    LINE,
    REGULAR,
    SOFT,
    TEXT_WIDTH,
    PdfStyles,
    display_text,
    flag_colour,
    register_fonts,
)


def _flag_colour(text: str) -> Any:
    """The colour of a cell of flags written in the request's language (the first decides)."""
    first = text.split(",")[0].strip()
    english = {_(label): label for label in FLAG_COLOURS}.get(first, first)
    return flag_colour(english)


def _split_word(line: str, font: str, size: float, width: float) -> list[str]:
    """A line wider than `width` (one long word: an e-mail address, a hash) cut into pieces."""
    pieces = []
    while len(line) > 1 and stringWidth(line, font, size) > width:
        low, high = 1, len(line) - 1  # the longest prefix that fits, at least one character
        while low < high:
            middle = (low + high + 1) // 2
            if stringWidth(line[:middle], font, size) <= width:
                low = middle
            else:
                high = middle - 1
        pieces.append(line[:low])
        line = line[low:]
    return [*pieces, line]


def wrap_text(text: str, font: str, size: float, width: float, hard: float | None = None) -> str:
    """`text` broken at spaces into lines that fit `width` points, each ready to draw; a word
    wider than `hard` (default: `width`) is cut, so it never runs into the next column."""
    if "\n" not in text and stringWidth(text, font, size) <= width:
        return display_text(text)  # most cells: one line as it is
    lines = []
    for paragraph in text.split("\n"):
        for line in simpleSplit(paragraph, font, size, width) or [""]:
            lines += _split_word(line, font, size, hard or width)
    return "\n".join(display_text(line) for line in lines)


def fit(text: str, width: float, font: str = REGULAR, size: float = 8) -> str:
    """`text` shortened with an ellipsis to fit `width` points."""
    text = display_text(text)
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def widest_words(
    columns: int, lines: Sequence[tuple[Sequence[Any], str]], size: float
) -> list[float]:
    """The width of the widest word of each column over `lines` (cells, font)."""
    widest = [0.0] * columns
    for font in {font for _values, font in lines}:
        words: list[set[str]] = [set() for _column in range(columns)]
        for values, line_font in lines:
            if line_font == font:
                for column, value in enumerate(values):
                    if value is not None:
                        words[column].update(str(value).split())
        for column, found in enumerate(words):
            for word in found:
                widest[column] = max(widest[column], stringWidth(word, font, size))
    return widest


def fit_columns(room: Sequence[float], need: Sequence[float]) -> list[float]:
    """Widths (points) as close to `room` as lets each column hold `need` (its widest word):
    what columns lack is taken from those with room to spare, in proportion to their spare
    room. A column grows to at most twice its width (a longer word, a hash or an address, is
    cut rather than squeeze the others), and when the spare room is not enough the columns
    lacking least are served first."""
    widths = list(room)
    lacking = sorted(
        (min(n - r, r), column)
        for column, (r, n) in enumerate(zip(room, need, strict=True))
        if n > r
    )
    spare = [max(0.0, r - n) for r, n in zip(room, need, strict=True)]
    extra = sum(spare)
    if not lacking or not extra:
        return widths
    given = 0.0
    for lack, column in lacking:
        part = min(lack, extra - given)
        widths[column] += part
        given += part
    return [w - free * given / extra for w, free in zip(widths, spare, strict=True)]


def _rules(size: float, padding: float, bold_header: bool) -> list[tuple[Any, ...]]:
    """The look of every table: the font (the cell default is Helvetica), a tinted header
    ruled in blue, thin rules between rows, text at the top of its cell."""
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), REGULAR, size, size + 2)
        if bold_header
        else ("FONT", (0, 0), (-1, -1), REGULAR, size)
    ]
    if bold_header:
        commands.append(("FONT", (0, 0), (-1, 0), BOLD, size, size + 2))
    return [
        *commands,
        ("BACKGROUND", (0, 0), (-1, 0), SOFT),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, BLUE),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, LINE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), padding),
        ("BOTTOMPADDING", (0, 0), (-1, -1), padding),
    ]


class Mirrored:
    """A table's columns as it is laid out: in a right-to-left language, last first."""

    def __init__(self, columns: int) -> None:
        self.columns = columns
        self.right_to_left = direction() == "rtl"

    def row(self, values: Sequence[Any]) -> list[Any]:
        return list(values)[::-1] if self.right_to_left else list(values)

    def index(self, column: int) -> int:
        return self.columns - 1 - column if self.right_to_left else column

    def indexes(self, columns: Sequence[int]) -> list[int]:
        return [self.index(c) for c in columns]


def data_table(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    numeric: Sequence[int] = (),
    total: Sequence[Any] | None = None,
    size: float = 8,
    flags: int | None = None,
) -> Flowable:
    """A table filling the text width (`widths` are fractions of it, widened where a column's
    widest word needs it), its header repeated on every page, numbers right-aligned, None shown
    as a dash, the header and the total in bold, the flags of column `flags` in their colour.
    The total's figures may be wider than any row's (a fund's total of thousands of
    programmes): the total is then written smaller rather than widen its columns, which would
    take the room of the titles on every page.

    Cells are plain text broken into lines here, not paragraphs: a list of thousands of
    programmes is laid out in a second instead of ten. A cell of more than ROW_HEIGHT_LIMIT
    points of lines (a long comment) goes on in the rows below, without a rule between them, so
    that no row is taller than a page."""
    register_fonts()
    layout = Mirrored(len(widths))
    header, widths = layout.row(header), layout.row(widths)
    rows = [layout.row(row) for row in rows]
    total = None if total is None else layout.row(total)
    numeric = layout.indexes(numeric)
    flags = None if flags is None else layout.index(flags)
    padding = 3
    lines = [(header, BOLD), *((row, REGULAR) for row in rows)]
    room = fit_columns(
        [w * TEXT_WIDTH - 2 * padding for w in widths], widest_words(len(widths), lines, size)
    )
    total_size = size
    if total is not None:
        widest = widest_words(len(widths), [(total, BOLD)], size)
        # A hair under the room: the lines are measured again when split.
        total_size = min(
            [size] + [size * r / w * 0.98 for r, w in zip(room, widest, strict=True) if w > r]
        )

    def line(values: Sequence[Any], font: str, size: float = size) -> list[str]:
        cells = []
        for column, value in enumerate(values):
            text = "—" if value is None else str(value)
            # A word may use the cell's inner padding, not its neighbour's.
            cells.append(wrap_text(text, font, size, room[column], room[column] + padding))
        return cells

    # A row taller than a page cannot be laid out: a cell of more lines than a page holds goes
    # on in the rows below it (`_row_parts`).
    most = max(1, int(ROW_HEIGHT_LIMIT // (size + 2)))
    body: list[list[str]] = []
    colours: list[Any] = []
    continued: list[bool] = []  # whether the row below goes on with this one
    for row in rows:
        colour = None if flags is None else _flag_colour(str(row[flags] or ""))
        parts = _row_parts(line(row, REGULAR), most)
        body += parts
        colours += [colour] * len(parts)
        continued += [True] * (len(parts) - 1) + [False]
    data = [line(header, BOLD), *body]
    if total is not None:
        data.append(line(total, BOLD, total_size))
    # Each row as high as its most lines (the leading of `_rules`) and the cells' padding,
    # given to the table so that it does not measure every row again at each page it splits.
    vertical = 2.5
    heights = [
        (size + 2) * max(cell.count("\n") + 1 for cell in cells) + 2 * vertical for cells in data
    ]

    def styled(first: int, last: int, with_total: bool) -> Table:
        """The table of the header, the rows body[first:last] and, if asked, the total."""
        part = [data[0], *data[first + 1 : last + 1]]
        part_heights = [heights[0], *heights[first + 1 : last + 1]]
        if with_total:
            part.append(data[-1])
            part_heights.append(heights[-1])
        table = Table(
            part, colWidths=[r + 2 * padding for r in room], rowHeights=part_heights, repeatRows=1
        )
        commands = [
            *_rules(size, vertical, bold_header=True),
            ("LEFTPADDING", (0, 0), (-1, -1), padding),
            ("RIGHTPADDING", (0, 0), (-1, -1), padding),
        ]
        right = range(len(room)) if layout.right_to_left else numeric
        commands += [("ALIGN", (i, 0), (i, -1), "RIGHT") for i in right]
        if with_total:
            commands += [
                ("FONT", (0, -1), (-1, -1), BOLD, total_size, size + 2),
                ("LINEABOVE", (0, -1), (-1, -1), 0.8, BLUE),
            ]
        for index, colour in enumerate(colours[first:last], start=1):
            if colour is not None:
                commands.append(("TEXTCOLOR", (flags, index), (flags, index), colour))
        for index, goes_on in enumerate(continued[first:last], start=1):
            if goes_on:  # no rule between a row and the rest of its lines
                commands.append(("LINEBELOW", (0, index), (-1, index), 0.3, colors.white))
        table.setStyle(TableStyle(commands))
        return table

    if len(body) <= PAGED_FROM:
        return styled(0, len(body), total is not None)
    width = sum(r + 2 * padding for r in room)
    return PagedTable(styled, heights, len(body), total is not None, width)


# The tallest row of a `data_table` (points): a longer cell goes on in the rows below, so that
# a long text fills the rest of a page rather than leave it for the next.
ROW_HEIGHT_LIMIT = 200


def _row_parts(cells: list[str], most: int) -> list[list[str]]:
    """A row's cells (lines joined by line breaks) as one row or, where a cell has more than
    `most` lines, as several rows of at most `most` lines each: its cells' lines go on in the
    rows below."""
    lines = [cell.split("\n") for cell in cells]
    count = max((len(cell) for cell in lines), default=1)
    return [
        ["\n".join(cell[start : start + most]) for cell in lines] for start in range(0, count, most)
    ]


# A table of more rows than this is laid out a page at a time (`PagedTable`).
PAGED_FROM = 60


class PagedTable(Flowable):
    """A long `data_table` laid out a page at a time: each page gets a table of the header and
    the rows that fit, and the rest stays one flowable for the next page. A reportlab table
    split at every page copies all its remaining rows each time (thousands of programmes:
    seconds); this copies only the rows of the page. `styled(first, last, with_total)` makes
    the table of rows[first:last]; `heights` are the header's, each row's and the total's;
    `width` the table's."""

    def __init__(
        self,
        styled: Any,
        heights: Sequence[float],
        count: int,
        with_total: bool,
        width: float,
        first: int = 0,
    ) -> None:
        super().__init__()
        self.styled, self.heights, self.count = styled, heights, count
        self.with_total, self.first, self.width = with_total, first, width

    def _rows_height(self, first: int, last: int) -> float:
        return sum(self.heights[first + 1 : last + 1])

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        """The size of the whole rest, from the heights alone (no table is made to know it)."""
        self.height = self.heights[0] + self._rows_height(self.first, self.count)
        if self.with_total:
            self.height += self.heights[-1]
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Any]:
        room = available_height - self.heights[0]
        last = self.first
        while last < self.count and room >= self.heights[last + 1]:
            room -= self.heights[last + 1]
            last += 1
        if last == self.first:
            return []  # not even one row below the header: the next page
        if last == self.count:
            last -= 1  # the last row goes on with the total
            if last == self.first:
                return []
        rest = PagedTable(
            self.styled, self.heights, self.count, self.with_total, self.width, first=last
        )
        return [self.styled(self.first, last, False), rest]

    def draw(self) -> None:
        whole = self.styled(self.first, self.count, self.with_total)
        whole.wrapOn(self.canv, self.width, self.height)
        whole.drawOn(self.canv, 0, 0)


def paragraph_table(
    styles: PdfStyles,
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    numeric: Sequence[int] = (),
    total: Sequence[Any] | None = None,
) -> Table:
    """A table of paragraphs filling the content width (`widths` are fractions of it, widened
    where a column's widest word needs it), whose text wraps inside its columns, its header
    repeated on every page, numbers right-aligned, the header and the total in bold."""
    layout = Mirrored(len(widths))
    header, widths = layout.row(header), layout.row(widths)
    rows = [layout.row(row) for row in rows]
    total = None if total is None else layout.row(total)
    numeric = layout.indexes(numeric)

    def cell(value: Any, column: int, bold: bool = False) -> Paragraph:
        if column in numeric or layout.right_to_left:
            style = styles.head_number if bold else styles.number
        else:
            style = styles.head if bold else styles.small
        return styles.para(value, style)

    data = [[cell(h, i, bold=True) for i, h in enumerate(header)]]
    data += [[cell(v, i) for i, v in enumerate(row)] for row in rows]
    if total is not None:
        data.append([cell(v, i, bold=True) if v else "" for i, v in enumerate(total)])
    # Words stay whole: each column at least as wide as its widest word (the cells' padding
    # is reportlab's default, 6 points on each side).
    lines = [(header, BOLD), *((row, REGULAR) for row in rows)]
    if total is not None:
        lines.append((total, BOLD))
    room = fit_columns(
        [w * CONTENT_WIDTH - 12 for w in widths],
        widest_words(len(widths), lines, styles.small.fontSize),
    )
    columns = [r + 12 for r in room]
    table = Table(
        data, colWidths=columns, repeatRows=1, splitInRow=_taller_than_a_page(data, columns)
    )
    commands = _rules(styles.small.fontSize, 3, bold_header=False)
    if total is not None:
        commands.append(("LINEABOVE", (0, -1), (-1, -1), 0.8, BLUE))
    table.setStyle(TableStyle(commands))
    return table


# A row of paragraphs taller than this (points) cannot be moved whole to the next page.
PAGE_ROOM = 600


def _taller_than_a_page(data: Sequence[Sequence[Any]], columns: Sequence[float]) -> bool:
    """Whether a row of paragraphs is taller than a page: its table must then split it between
    pages (reportlab's `splitInRow`). Otherwise a row is kept whole, and moves to the next page
    when it does not fit the rest of this one."""
    for row in data:
        for cell, width in zip(row, columns, strict=True):
            if isinstance(cell, Flowable) and cell.wrap(width - 12, 1e9)[1] > PAGE_ROOM:
                return True
    return False


def fact_table(
    styles: PdfStyles,
    pairs: Sequence[tuple[str, Any]],
    label_width: float = 0.3,
    width: float = TEXT_WIDTH,
) -> Table:
    """Label-value pairs in two columns filling `width` (the labels at the right in a
    right-to-left language)."""
    layout = Mirrored(2)
    label_style, value_style = (
        (styles.head_number, styles.number) if layout.right_to_left else (styles.head, styles.small)
    )
    data = [
        layout.row([styles.para(label, label_style), styles.para(value, value_style)])
        for label, value in pairs
    ]
    columns = layout.row([label_width * width, (1 - label_width) * width])
    table = Table(data, colWidths=columns, splitInRow=_taller_than_a_page(data, columns))
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), REGULAR, styles.small.fontSize),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, LINE),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table

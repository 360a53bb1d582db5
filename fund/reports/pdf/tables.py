"""Tables that fit the page: plain-text tables for long lists (`data_table`), tables of
paragraphs for text that needs styling (`paragraph_table`), label-value pairs (`fact_table`),
and text cut to a width (`wrap_text`, `fit`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph, Table, TableStyle

from fund.reports.pdf.styles import (
    BLUE,
    BOLD,
    CONTENT_WIDTH,
    LINE,
    REGULAR,
    SOFT,
    TEXT_WIDTH,
    PdfStyles,
    display_text,
    register_fonts,
)


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


def data_table(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    numeric: Sequence[int] = (),
    total: Sequence[Any] | None = None,
    size: float = 8,
) -> Table:
    """A table filling the text width (`widths` are fractions of it), its header repeated on
    every page, numbers right-aligned, None shown as a dash, the header and the total in bold.

    Cells are plain text broken into lines here, not paragraphs: a list of thousands of
    programmes is laid out in a second instead of ten."""
    register_fonts()
    padding = 3
    room = [w * TEXT_WIDTH - 2 * padding for w in widths]

    def line(values: Sequence[Any], font: str) -> list[str]:
        cells = []
        for column, value in enumerate(values):
            text = "—" if value is None else str(value)
            # A word may use the cell's inner padding, not its neighbour's.
            cells.append(wrap_text(text, font, size, room[column], room[column] + padding))
        return cells

    data = [line(header, BOLD)] + [line(row, REGULAR) for row in rows]
    if total is not None:
        data.append(line(total, BOLD))
    table = Table(data, colWidths=[w * TEXT_WIDTH for w in widths], repeatRows=1)
    commands = [
        *_rules(size, 2.5, bold_header=True),
        ("LEFTPADDING", (0, 0), (-1, -1), padding),
        ("RIGHTPADDING", (0, 0), (-1, -1), padding),
    ]
    commands += [("ALIGN", (i, 0), (i, -1), "RIGHT") for i in numeric]
    if total is not None:
        commands += [
            ("FONT", (0, -1), (-1, -1), BOLD, size, size + 2),
            ("LINEABOVE", (0, -1), (-1, -1), 0.8, BLUE),
        ]
    table.setStyle(TableStyle(commands))
    return table


def paragraph_table(
    styles: PdfStyles,
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    numeric: Sequence[int] = (),
    total: Sequence[Any] | None = None,
) -> Table:
    """A table of paragraphs filling the content width (`widths` are fractions of it), whose
    text wraps inside its columns, its header repeated on every page, numbers right-aligned,
    the header and the total in bold."""

    def cell(value: Any, column: int, bold: bool = False) -> Paragraph:
        if column in numeric:
            style = styles.head_number if bold else styles.number
        else:
            style = styles.head if bold else styles.small
        return styles.para(value, style)

    data = [[cell(h, i, bold=True) for i, h in enumerate(header)]]
    data += [[cell(v, i) for i, v in enumerate(row)] for row in rows]
    if total is not None:
        data.append([cell(v, i, bold=True) if v else "" for i, v in enumerate(total)])
    table = Table(data, colWidths=[w * CONTENT_WIDTH for w in widths], repeatRows=1)
    commands = _rules(styles.small.fontSize, 3, bold_header=False)
    if total is not None:
        commands.append(("LINEABOVE", (0, -1), (-1, -1), 0.8, BLUE))
    table.setStyle(TableStyle(commands))
    return table


def fact_table(
    styles: PdfStyles,
    pairs: Sequence[tuple[str, Any]],
    label_width: float = 0.3,
    width: float = TEXT_WIDTH,
) -> Table:
    """Label-value pairs in two columns filling `width`."""
    data = [
        [styles.para(label, styles.head), styles.para(value, styles.small)]
        for label, value in pairs
    ]
    table = Table(data, colWidths=[label_width * width, (1 - label_width) * width])
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

"""Workbooks (XLSX: Office Open XML SpreadsheetML, ECMA-376) written row by row.

Every workbook the fund gives out is written here: the secretariat's data workbook and each
list's "export this view". A sheet is a header and rows of Python values; each value is written
by its type:

- text is always text, never a formula (`safe_cell`: a leading = + - @ gets an apostrophe,
  the rule the CSV files keep too); each character XML cannot hold (a control character
  pasted into a text area) is written as U+FFFD (`fund.xml_text`), so no text can stop a
  workbook being made;
- `Decimal` and `int` are numbers, written with their own digits (a NUMERIC(14, 2) amount keeps
  its cents exactly);
- `date` and `datetime` are dates (in UTC; one without a time zone is taken as UTC);
- `bool` is "Yes" or "No"; None is an empty cell.

A column may name its number format; otherwise a decimal is written as #,##0.00, a date as
yyyy-mm-dd and a datetime as yyyy-mm-dd hh:mm. The header is bold, frozen and filtered. A
sheet holds at most 1,048,576 rows, its header included: a longer table goes on in further
sheets, each with the header ("Budget lines (2)").

The sheets' XML is written in pieces straight into the compressed package, so a workbook of
hundreds of thousands of rows is made in seconds without its cells ever being held as
objects (bench/RESULTS.md, "Spreadsheets at scale").
"""

from __future__ import annotations

import io
import itertools
import math
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import IO, Any

from fund.xml_text import attributes_text, escaped

MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Text a spreadsheet program takes for a formula (or for the start of one).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
DECIMAL_FORMAT = "#,##0.00"
# A rate (an exchange rate) with every decimal it is kept with, up to 8: 0.0493, 1.08345678.
RATE_FORMAT = "#,##0.00######"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"

# The most characters a cell holds (a spreadsheet program refuses a longer text).
CELL_TEXT_LIMIT = 32_767
# The most rows a sheet holds, its header included.
MAX_ROWS = 1_048_576
# A sheet's title: at most 31 characters, none of these.
_NOT_IN_A_TITLE = re.compile(r"[\[\]:*?/\\]")
# Text that a spreadsheet program reads as an escaped character (_x000D_ is a carriage return):
# its underscore is itself escaped (_x005F_), so the text reads back as typed.
_LOOKS_ESCAPED = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
# Day 0 of the 1900 date system, as every spreadsheet program counts.
_EPOCH = datetime(1899, 12, 30, tzinfo=UTC)
_ROWS_A_PIECE = 2_000
_ROWS_SIZED = 200  # the rows a column without a given width is sized to
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEADER_STYLE = 1  # bold, wrapped, at the top of its cell; style 0 is the default


@dataclass(frozen=True)
class Sheet:
    """A sheet: its title, its header, its rows (any iterable, read once), and for each column
    optionally its width in characters (otherwise wide enough for its heading and its first
    rows' values) and its number format (None: by the value's type)."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]
    widths: Sequence[int] = ()
    formats: Sequence[str | None] = ()


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas: text starting with = + - @ (or tab, CR) stays text."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def cell_text(text: str) -> str:
    """`text` as a cell holds it: never a formula, and no longer than a cell takes."""
    return safe_cell(text)[:CELL_TEXT_LIMIT]


def sheet_title(title: str, taken: set[str]) -> str:
    """`title` as a sheet may be named: without the characters a title cannot hold, at most
    31 characters, and unlike the titles already `taken` (compared without case)."""
    base = _NOT_IN_A_TITLE.sub(" ", cell_text(title)).strip("' ")[:31] or "Sheet"
    name, number = base, 1
    while name.casefold() in taken:
        number += 1
        suffix = f" ({number})"
        name = base[: 31 - len(suffix)] + suffix
    taken.add(name.casefold())
    return name


def column_letters(index: int) -> str:
    """The letters of the column at `index` (0 is A, 26 is AA)."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def workbook(sheets: Sequence[Sheet]) -> bytes:
    """The XLSX package of `sheets`, in their order."""
    out = io.BytesIO()
    write_workbook(sheets, out)
    return out.getvalue()


def write_workbook(sheets: Sequence[Sheet], out: IO[bytes]) -> None:
    """Write the XLSX package of `sheets` to `out`. A sheet with more rows than a sheet holds
    goes on in further sheets, each with the header again ("Budget lines (2)")."""
    styles = _Styles()
    taken: set[str] = set()
    titles: list[str] = []
    ranges: list[str] = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=3) as package:
        for sheet in sheets:
            rows: Iterator[Sequence[Any]] | None = iter(sheet.rows)
            while rows is not None:
                titles.append(sheet_title(sheet.title, taken))
                part_name = f"xl/worksheets/sheet{len(titles)}.xml"
                with package.open(part_name, "w") as part:
                    cells, rows = _write_sheet(sheet, rows, styles, part)
                ranges.append(cells)
        package.writestr("[Content_Types].xml", _content_types(len(titles)))
        package.writestr("_rels/.rels", _package_relationships())
        package.writestr("xl/workbook.xml", _workbook_part(titles, ranges))
        package.writestr("xl/_rels/workbook.xml.rels", _workbook_relationships(len(titles)))
        package.writestr("xl/styles.xml", styles.part())


class _Styles:
    """The cell styles a workbook uses: the default, the header's, and one for each number
    format, numbered as they are first asked for."""

    def __init__(self) -> None:
        self.formats: dict[str, int] = {}

    def of(self, number_format: str) -> int:
        """The style of cells written in `number_format`."""
        if number_format not in self.formats:
            self.formats[number_format] = _HEADER_STYLE + 1 + len(self.formats)
        return self.formats[number_format]

    def part(self) -> str:
        # Custom number formats are numbered from 164; those below are built in.
        formats = "".join(
            f"<numFmt{attributes_text([('numFmtId', str(164 + i)), ('formatCode', code)])}/>"
            for i, code in enumerate(self.formats)
        )
        numbered = "".join(
            f'<xf numFmtId="{164 + i}" fontId="0" fillId="0" borderId="0" xfId="0" '
            'applyNumberFormat="1"/>'
            for i in range(len(self.formats))
        )
        return (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{_MAIN}">'
            f'<numFmts count="{len(self.formats)}">{formats}</numFmts>'
            '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
            '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
            "</borders>"
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
            "</cellStyleXfs>"
            f'<cellXfs count="{2 + len(self.formats)}">'
            '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" '
            'applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>'
            f"{numbered}</cellXfs>"
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            "</styleSheet>"
        )


def _xml_text(text: str) -> str:
    """A cell's text as XML content (`fund.xml_text.escaped`: a character XML cannot hold as
    U+FFFD, a carriage return kept)."""
    text = cell_text(text)
    if "_x" in text:
        text = _LOOKS_ESCAPED.sub(r"_x005F_\1", text)
    return escaped(text)


def _text_cell(reference: str, text: str, style: int = 0) -> str:
    styled = f' s="{style}"' if style else ""
    return (
        f'<c r="{reference}"{styled} t="inlineStr"><is><t xml:space="preserve">'
        f"{_xml_text(text)}</t></is></c>"
    )


def _serial(value: date) -> str:
    """A date or datetime as the number of days since the epoch (a fraction for the time)."""
    if isinstance(value, datetime):
        # A datetime without a time zone is already in UTC, as the fund stores every time.
        elapsed = (value if value.tzinfo else value.replace(tzinfo=UTC)) - _EPOCH
        seconds = elapsed.seconds + elapsed.microseconds / 1_000_000
        return repr(elapsed.days + seconds / 86_400) if seconds else str(elapsed.days)
    return str((value - _EPOCH.date()).days)


def _number(value: Any) -> str | None:
    """A number's digits as a cell holds them, or None for what is not a finite number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return format(value, "f") if value.is_finite() else None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    return None


def _cell(reference: str, value: Any, number_format: str | None, styles: _Styles) -> str:
    """A cell's XML, or "" for an empty cell."""
    # The kinds of almost every cell first, by their exact type (a workbook has millions).
    kind = type(value)
    if kind is str:
        return _text_cell(reference, value)
    if value is None:
        return ""
    if kind is int or (kind is Decimal and value.is_finite()):
        chosen = number_format or (DECIMAL_FORMAT if kind is Decimal else None)
        styled = f' s="{styles.of(chosen)}"' if chosen else ""
        digits = str(value) if kind is int else format(value, "f")
        return f'<c r="{reference}"{styled}><v>{digits}</v></c>'
    if isinstance(value, bool):
        return _text_cell(reference, "Yes" if value else "No")
    if isinstance(value, date):
        chosen = number_format or (DATETIME_FORMAT if isinstance(value, datetime) else DATE_FORMAT)
        return f'<c r="{reference}" s="{styles.of(chosen)}"><v>{_serial(value)}</v></c>'
    digits = _number(value)
    if digits is None:
        return _text_cell(reference, str(value))
    chosen = number_format or (DECIMAL_FORMAT if isinstance(value, Decimal) else None)
    styled = f' s="{styles.of(chosen)}"' if chosen else ""
    return f'<c r="{reference}"{styled}><v>{digits}</v></c>'


def _shown_length(value: Any) -> int:
    """About how many characters a spreadsheet program shows of `value`."""
    if value is None:
        return 0
    if isinstance(value, datetime):
        return len(DATETIME_FORMAT)
    if isinstance(value, date):
        return len(DATE_FORMAT)
    if isinstance(value, Decimal) and value.is_finite():
        return len(f"{value:,.2f}")
    return max(map(len, str(value).splitlines() or [""]))


def _widths(sheet: Sheet, first_rows: Sequence[Sequence[Any]]) -> list[int]:
    """Each column's width in characters: as the sheet gives it, or else wide enough for its
    heading and the values of its `first_rows` (8 to 50 characters)."""
    given = list(sheet.widths)
    found = []
    for index in range(len(given), len(sheet.header)):
        longest = max(
            (_shown_length(row[index]) for row in first_rows if index < len(row)), default=0
        )
        found.append(min(max(len(str(sheet.header[index])), longest, 6) + 2, 50))
    return given + found


def _write_sheet(
    sheet: Sheet, rows: Iterator[Sequence[Any]], styles: _Styles, part: IO[bytes]
) -> tuple[str, Iterator[Sequence[Any]] | None]:
    """Write a part of `sheet`: its header and as many of `rows` as a sheet holds. Answer the
    cells they cover, as a filter names them ($A$1:$W$20001), and the rows left for a further
    part (None when there are none)."""
    columns = len(sheet.header)
    letters = [column_letters(i) for i in range(max(columns, 1))]
    formats = list(sheet.formats) + [None] * (columns - len(sheet.formats))
    first_rows = list(itertools.islice(rows, _ROWS_SIZED))
    widths = _widths(sheet, first_rows)
    columns_xml = "".join(
        f'<col min="{i}" max="{i}" width="{width}" customWidth="1"/>'
        for i, width in enumerate(widths, start=1)
    )
    # The header's row is as tall as its longest heading wraps to in its column.
    lines = max(
        (
            math.ceil(len(str(h)) / max(w - 1, 1))
            for h, w in zip(sheet.header, widths, strict=False)
        ),
        default=1,
    )
    part.write(
        (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}">'
            '<sheetViews><sheetView workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
            '<sheetFormatPr defaultRowHeight="15"/>'
            + (f"<cols>{columns_xml}</cols>" if columns_xml else "")
            + f'<sheetData><row r="1" ht="{15 * max(lines, 1)}" customHeight="1">'
            + "".join(
                _text_cell(f"{letters[i]}1", str(heading), _HEADER_STYLE)
                for i, heading in enumerate(sheet.header)
            )
            + "</row>"
        ).encode()
    )
    number, piece = 1, []
    rows = itertools.chain(first_rows, rows)
    for number, row in enumerate(itertools.islice(rows, MAX_ROWS - 1), start=2):
        cells = "".join(
            _cell(f"{letters[i]}{number}", value, formats[i], styles) for i, value in enumerate(row)
        )
        piece.append(f'<row r="{number}">{cells}</row>')
        if len(piece) == _ROWS_A_PIECE:
            part.write("".join(piece).encode())
            piece = []
    last = letters[max(columns, 1) - 1]
    part.write(
        ("".join(piece) + f'</sheetData><autoFilter ref="A1:{last}{number}"/></worksheet>').encode()
    )
    following = next(rows, None)
    left = None if following is None else itertools.chain((following,), rows)
    return f"$A$1:${last}${number}", left


def _workbook_part(titles: Sequence[str], ranges: Sequence[str]) -> str:
    sheets = "".join(
        f'<sheet{attributes_text([("name", title)])} sheetId="{n}" r:id="rId{n}"/>'
        for n, title in enumerate(titles, start=1)
    )
    # Each sheet's filter names the range it filters, as spreadsheet programs expect.
    filters = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{n}" hidden="1">'
        f"{escaped(_quoted(title))}!{cells}</definedName>"
        for n, (title, cells) in enumerate(zip(titles, ranges, strict=True))
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<workbook xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}">'
        "<bookViews><workbookView/></bookViews>"
        f"<sheets>{sheets}</sheets>"
        + (f"<definedNames>{filters}</definedNames>" if filters else "")
        + "</workbook>"
    )


def _quoted(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def _workbook_relationships(count: int) -> str:
    worksheet = f"{_RELATIONSHIPS}/worksheet"
    links = "".join(
        f'<Relationship Id="rId{n}" Type="{worksheet}" Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, count + 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">{links}'
        f'<Relationship Id="rId{count + 1}" Type="{_RELATIONSHIPS}/styles" '
        'Target="styles.xml"/></Relationships>'
    )


def _package_relationships() -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">'
        f'<Relationship Id="rId1" Type="{_RELATIONSHIPS}/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'
    )


def _content_types(count: int) -> str:
    sheet = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    sheets = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{sheet}"/>'
        for n in range(1, count + 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        f"{sheets}"
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        "</Types>"
    )

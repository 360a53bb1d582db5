"""What every list page shares: its order chosen in the address (`?sort=column&dir=asc|desc`,
each column from the page's own whitelist) and "export this view" (`?export=csv|xlsx`: the rows
of the list as filtered and sorted, every page of them, as a download).

A sort the list does not offer, or a direction other than asc/desc, is the list's default order
(never an error: old bookmarks keep working). An export format other than csv or xlsx answers
400. Every order ends with the rows' ids, so rows that tie keep one order from page to page.
Cells of an export that start with = + - @ (or a tab or carriage return) would be read as a
formula by a spreadsheet: they are written as text, after an apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import Response, request, stream_with_context
from sqlalchemy.sql.elements import ColumnElement

from fund import xlsx
from fund.extensions import utcnow
from fund.labels import N_
from fund.query_args import BadQueryValue
from fund.xlsx import safe_cell

ASCENDING, DESCENDING = "asc", "desc"
EXPORT_FORMATS = {"csv": "CSV", "xlsx": "XLSX"}


@dataclass(frozen=True)
class SortColumn:
    """A column a list may be sorted by: its label (for the header's link) and the SQL it
    orders by (one expression or several, in that order)."""

    label: str
    expressions: tuple[Any, ...]
    # The direction a first click sorts in (dates and amounts: the largest first).
    first: str = ASCENDING


def column(label: str, *expressions: Any, first: str = ASCENDING) -> SortColumn:
    return SortColumn(label, expressions, first)


@dataclass(frozen=True)
class Sorting:
    """The order a list is shown in: `key` among its columns, ascending or not; `default`
    says whether it is the list's own order (the address then carries no sort)."""

    key: str
    direction: str
    columns: Mapping[str, SortColumn]
    default_key: str
    default_direction: str
    prefix: str = ""

    @property
    def descending(self) -> bool:
        return self.direction == DESCENDING

    @property
    def is_default(self) -> bool:
        return (self.key, self.direction) == (self.default_key, self.default_direction)

    def order_by(self, *tie_breakers: ColumnElement) -> list[Any]:
        """The ORDER BY: the chosen column's expressions in the direction, then the
        tie-breakers (the row's id) in the same direction."""
        chosen = self.columns[self.key].expressions
        turn = (lambda e: e.desc()) if self.descending else (lambda e: e.asc())
        return [turn(e) for e in (*chosen, *tie_breakers)]

    def args(self) -> dict[str, str | None]:
        """The query-string arguments that keep this order (none for the default one)."""
        if self.is_default:
            return {f"{self.prefix}sort": None, f"{self.prefix}dir": None}
        return {f"{self.prefix}sort": self.key, f"{self.prefix}dir": self.direction}

    def aria(self, key: str) -> str | None:
        """The header's aria-sort: on the sorted column only."""
        if key != self.key:
            return None
        return "descending" if self.descending else "ascending"

    def link_args(self, key: str) -> dict[str, str | None]:
        """The arguments of the header link of `key`: the other direction on the sorted
        column, the column's first direction on another one."""
        if key == self.key:
            direction = ASCENDING if self.descending else DESCENDING
        else:
            direction = self.columns[key].first
        if (key, direction) == (self.default_key, self.default_direction):
            return {f"{self.prefix}sort": None, f"{self.prefix}dir": None}
        return {f"{self.prefix}sort": key, f"{self.prefix}dir": direction}


def sort_arg(
    columns: Mapping[str, SortColumn],
    default: str,
    direction: str = ASCENDING,
    prefix: str = "",
) -> Sorting:
    """The order asked for in the query string (`sort`, `dir`, after `prefix` when a page
    holds more than one sortable list); the default for anything not offered."""
    key = request.args.get(f"{prefix}sort", "")
    chosen_direction = request.args.get(f"{prefix}dir", "")
    if key not in columns:
        key, chosen_direction = default, direction
    elif chosen_direction not in (ASCENDING, DESCENDING):
        chosen_direction = columns[key].first
    return Sorting(key, chosen_direction, columns, default, direction, prefix)


def choice_arg(name: str, choices: Iterable[str]) -> str:
    """A filter's value among `choices`, or "" (any) for anything else."""
    value = request.args.get(name, "")
    return value if value in set(choices) else ""


# The longest search a list reads (the API's `q` declares the same).
SEARCH_LIMIT = 200


def search_words(value: str, limit: int = SEARCH_LIMIT) -> str:
    """Free text to search for as a list reads it: one line, its spaces folded, at most
    `limit` characters."""
    return " ".join(value.split())[:limit]


def text_arg(name: str, limit: int = SEARCH_LIMIT) -> str:
    """A free-text filter of the query string, as `search_words` reads it."""
    return search_words(request.args.get(name, ""), limit)


# Export -------------------------------------------------------------------------------------


def export_arg(name: str = "export") -> str | None:
    """The export asked for: "csv", "xlsx", or None for the page itself."""
    value = request.args.get(name)
    if value is None or value == "":
        return None
    if value not in EXPORT_FORMATS:
        raise BadQueryValue(name, N_("An export is csv or xlsx."))
    return value


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return safe_cell(value)


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The CSV text of `header` then `rows`, a line at a time, after a byte order mark (so that
    spreadsheet programs read it as UTF-8 and accents right, as the report tables')."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells: Iterable[Any]) -> str:
        writer.writerow([_csv_value(cell) for cell in cells])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield "\ufeff" + line(header)
    for row in rows:
        yield line(row)


@dataclass(frozen=True)
class Export:
    """What a list exports: the file's name (before the date), the sheet's title, the header
    and a function from a row to its cells."""

    name: str
    title: str
    header: tuple[str, ...]
    cells: Callable[[Any], Sequence[Any]]
    # Each column's number format in the workbook (`fund.xlsx`); None or missing: by the
    # value's type (a decimal as money, #,##0.00). A rate says `xlsx.RATE_FORMAT`.
    formats: tuple[str | None, ...] = ()


def export_response(fmt: str, export: Export, rows: Iterable[Any]) -> Response:
    """The download of `rows` (every row of the view) as CSV (streamed) or XLSX (`fund.xlsx`)."""
    filename = f"{export.name}-{utcnow():%Y%m%d}.{fmt}"
    disposition = {"Content-Disposition": f"attachment; filename={filename}"}
    lines = (export.cells(row) for row in rows)
    if fmt == "csv":
        return Response(
            stream_with_context(csv_lines(export.header, lines)),
            mimetype="text/csv",
            headers=disposition,
        )
    return Response(
        xlsx.workbook([xlsx.Sheet(export.title, export.header, lines, formats=export.formats)]),
        mimetype=xlsx.MIMETYPE,
        headers=disposition,
    )

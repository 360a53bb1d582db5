"""What a report is made of, as data that a PDF and a web page lay out alike: sections (listed in
the contents), their subsections (`Part`: a chart, a table or a sentence, notes), tables of text
cells (`ReportTable`) and charts (`Chart`). The allocation report's are made by
`fund.reports.allocation_sections`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from fund.coverage.queries import (
    FLAG_LABELS,
    GLOBAL_LABEL,
    GLOBAL_REGION,
    MARKER_TITLES,
    NO_MARKER,
    NOT_SCORED,
    CoverageRow,
)
from fund.i18n import current_language
from fund.i18n import percent as i18n_percent
from fund.reference.translations import objective_numbered

_MARKER_TITLES = frozenset({*MARKER_TITLES.values(), NO_MARKER})


def share_words(share: Decimal | None) -> str:
    """A share as a percentage with two decimals, for the report's narrow columns: "12.50%" in
    English, "12,50%" in French."""
    return i18n_percent(share, 2, narrow=True)


def row_label(row: CoverageRow | Any) -> str:
    """A coverage row's label as shown: a marker's score, the row of the programmes without
    countries and an objective ("1. Data", by its short label in the language where the fund
    has it) in the request's language, the others (reference data) as they are."""
    if row.label == "Not scored" and row.key == NOT_SCORED:
        return _("Not scored")
    if row.label == f"Score {row.key}":
        return _("Score %(score)s", score=row.key)
    if row.key == GLOBAL_REGION and row.label == GLOBAL_LABEL:
        return _(GLOBAL_LABEL)
    if row.key.isdigit() and row.label.startswith(f"{row.key}. "):  # a GCM objective's
        return objective_numbered(row.key, current_language(), row.label)
    return row.label


def row_title(row: CoverageRow) -> str:
    """A coverage row's title as shown (a marker score's meaning translated)."""
    if row.title in _MARKER_TITLES:
        return _(row.title)
    if row.key == GLOBAL_REGION and row.title == GLOBAL_LABEL:
        return _(GLOBAL_LABEL)
    return row.title


def flag_words(flag: str | None) -> str:
    """A coverage row's flag as shown, in the request's language ("" without one)."""
    return _(FLAG_LABELS[flag]) if flag else ""


@dataclass(frozen=True)
class ReportTable:
    """A table as text cells: `widths` are the PDF's fractions of the text width, `numeric`
    the right-aligned columns, `flags` the column of flag labels (shown in their colour)."""

    caption: str
    header: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    widths: tuple[float, ...]
    numeric: tuple[int, ...] = ()
    total: tuple[Any, ...] | None = None
    size: float = 8
    flags: int | None = None


@dataclass(frozen=True)
class Chart:
    """A coverage bar chart of `rows` (with target ticks: `targets`; labelled with the rows'
    titles: `titled`)."""

    rows: Sequence[CoverageRow]
    targets: bool
    titled: bool


@dataclass
class Part:
    """A subsection: an optional subheading, then a chart, a table or a sentence, then notes;
    `points` are a bulleted list."""

    title: str | None = None
    chart: Chart | None = None
    table: ReportTable | None = None
    text: str | None = None
    notes: list[str] = field(default_factory=list)
    points: list[str] = field(default_factory=list)


@dataclass
class Section:
    """A numbered section of the report, listed in its contents (`key`: its anchor)."""

    key: str
    title: str
    parts: list[Part]

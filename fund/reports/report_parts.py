"""What a report is made of, as data that a PDF and a web page lay out alike: sections (listed in
the contents), their subsections (`Part`: a chart, a table or a sentence, notes), tables of text
cells (`ReportTable`) and charts (`Chart`). The allocation report's are made by
`fund.reports.allocation_sections`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fund.coverage.queries import CoverageRow


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

"""The coverage parts of the allocation report (by thematic area, objective, region,
organization and marker): the chart of the rows and their table of funded money, share,
target, approved, under review and programmes, with the flags (`fund.reports.allocation_sections`
places them)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from flask_babel import gettext as _

from fund.coverage.queries import CoverageRow
from fund.i18n import amount as format_amount
from fund.i18n import labelled
from fund.labels import N_
from fund.money import ZERO
from fund.reports.allocation_data import AllocationReport
from fund.reports.report_parts import (
    Chart,
    Part,
    ReportTable,
    flag_words,
    row_label,
    row_title,
)
from fund.reports.report_parts import share_words as percent


def coverage_table(
    r: AllocationReport,
    rows: Sequence[CoverageRow],
    first: str,
    caption: str,
    *,
    targets: bool = True,
    title: bool = False,
) -> ReportTable:
    """Funded, share, (target), approved, under review, programmes, (flag) per row, with the
    totals. The first column is wide enough for its labels: they wrap, never cut."""
    header = [first, _("Funded"), _("Share"), _("Target"), _("Approved"), _("Under review")]
    header += [_("Prog."), _("Flag")]
    widths = [0.25, 0.14, 0.08, 0.08, 0.14, 0.14, 0.06, 0.11]
    if title:  # labels with titles: the room of the amounts goes to them
        widths = [0.31, 0.125, 0.075, 0.075, 0.125, 0.125, 0.055, 0.11]
    if not targets:
        header, widths = header[:3] + header[4:7], [0.31, 0.16, 0.09, 0.16, 0.16, 0.12]
        header[-1] = _("Programmes")
    data = []
    for row in rows:
        label = row_label(row)
        if title and row.title != row.label:
            label = labelled(label, row_title(row))
        values = [label, format_amount(row.funded), percent(row.share)]
        if targets:
            values.append(percent(row.target))
        values += [format_amount(row.pipeline), format_amount(row.review), row.programmes]
        if targets:
            values.append(flag_words(row.flag))
        data.append(tuple(values))
    funded = r.coverage.totals.funded
    total = [_("Total"), format_amount(funded), percent(Decimal(1)) if funded else ""]
    if targets:
        total.append("")
    total += [
        format_amount(sum((x.pipeline or ZERO for x in rows), ZERO)),
        format_amount(sum((x.review or ZERO for x in rows), ZERO)),
        "",
    ]
    if targets:
        total.append("")
    return ReportTable(
        caption,
        tuple(header),
        data,
        tuple(widths),
        tuple(range(1, 7 if targets else 6)),
        total=tuple(total),
        size=7.5,
        flags=7 if targets else None,
    )


def coverage_part(
    r: AllocationReport,
    rows: Sequence[CoverageRow],
    first: str,
    caption: str,
    *notes: str,
    heading: str | None = None,
    chart: bool = True,
    targets: bool = True,
    titled: bool = False,
) -> Part:
    """A part on coverage: the chart of `rows` (unless `chart` is False) and their table
    (`coverage_table`), with targets or not, labelled with the rows' titles or not. Where a
    row has money indicated by concept notes in the pipeline, which the table has no column
    for, a note says where it is (a row may be "pipeline only" by them alone)."""
    if targets and any(row.notes for row in rows):
        notes = (*notes, _(NOTES_ELSEWHERE))
    return Part(
        heading,
        chart=Chart(rows, targets, titled) if chart else None,
        table=coverage_table(r, rows, first, caption, targets=targets, title=titled),
        notes=list(notes),
    )


NOTES_ELSEWHERE = N_(
    "The money concept notes in the pipeline indicate is not in these columns; it counts "
    "toward “Pipeline only”, and the coverage gaps below give it row by row."
)

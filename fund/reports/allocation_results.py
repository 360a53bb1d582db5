"""The allocation report's "Results" section: what the report's funded programmes measure, per
GCM objective and per fund-level outcome, with the results flags beside the money flag
(`fund.results.coverage`; the layout of the rest is `fund.reports.allocation_pdf`)."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, Paragraph, Table

from fund.reports.allocation_data import AllocationReport
from fund.reports.pdf.styles import PdfStyles, markup, percent
from fund.reports.pdf.tables import data_table
from fund.results.coverage import FLAG_LABELS, ResultsRow


def _on_track(row: ResultsRow) -> str:
    share = row.on_track_share
    return "—" if share is None else f"{percent(share)} of {row.reported}"


def results_table(
    rows: Sequence[ResultsRow],
    first: str,
    money_flags: dict[str, str] | None = None,
    *,
    titled: bool = False,
) -> Table:
    """One row per objective (with its money flag, `money_flags` by key) or fund outcome (with
    its title: `titled`)."""
    header = [first, "Indicators", "Prog.", "Baseline + target", "On track", "Results flags"]
    widths = [0.36, 0.1, 0.06, 0.1, 0.13, 0.25]
    if money_flags is not None:
        header.insert(1, "Money flag")
        widths = [0.22, 0.12, 0.1, 0.06, 0.1, 0.13, 0.27]
    data = []
    for row in rows:
        values: list[object] = [f"{row.label}: {row.title}" if titled else row.label]
        if money_flags is not None:
            values.append(money_flags.get(row.key, ""))
        values += [
            row.indicators,
            row.programmes_with_indicators,
            row.with_baseline_and_target,
            _on_track(row),
            ", ".join(row.flag_labels),
        ]
        data.append(values)
    first_number = 2 if money_flags is not None else 1
    numeric = tuple(range(first_number, first_number + 4))
    return data_table(header, data, widths, numeric=numeric, size=7.5)


def results_section(report: AllocationReport, styles: PdfStyles) -> list[Flowable]:
    """The "Results" heading, its table by objective, its table by fund-level outcome and a
    note on how they are counted."""
    results = report.results

    def note(text: str) -> Paragraph:
        return Paragraph(markup(text), styles.note)

    money_flags = {row.key: row.flag_label for row in report.coverage.objectives}
    legend = (
        f"{FLAG_LABELS['money_without_results']}: funded money on the row and no indicator of a "
        f"funded programme for it. {FLAG_LABELS['off_track']}: an indicator's latest reported "
        f"value reaches less than {percent(results.threshold)} of the way from its baseline "
        "(zero without one) to that year's target. "
        f"{FLAG_LABELS['no_baseline']}: an indicator without a baseline. Flags are listed the "
        "most serious first."
    )
    counted = (
        "Only the indicators of the programmes this report lists as funded count, with the "
        "values reported by the end of the day the figures stand at. An indicator counts for "
        "each objective of its outcome and for the fund-level outcome it serves; a fund-level "
        "outcome's money is that of its thematic area. “Prog.”: programmes with at least one "
        "indicator; “On track”: the share of the indicators reported for a year with a target."
    )
    return [
        CondPageBreak(90 * mm),
        Paragraph(markup("Results"), styles.h2),
        Paragraph(markup("Results by GCM objective"), styles.h3),
        results_table(results.objectives, "GCM objective", money_flags),
        note(legend),
        CondPageBreak(50 * mm),
        Paragraph(markup("Results by fund-level outcome"), styles.h3),
        results_table(results.fund_outcomes, "Fund-level outcome", titled=True),
        note(counted),
    ]

"""The allocation report's "Results" section: what the report's funded programmes measure, per
GCM objective and per fund-level outcome, with the results flags beside the money flag
(`fund.results.coverage`; the rest of the report is `fund.reports.allocation_sections`)."""

from __future__ import annotations

from collections.abc import Sequence

from fund.reports.allocation_data import AllocationReport
from fund.reports.pdf.styles import percent
from fund.reports.report_parts import Part, ReportTable
from fund.results.coverage import FLAG_LABELS, ResultsRow


def _on_track(row: ResultsRow) -> str:
    share = row.on_track_share
    return "—" if share is None else f"{percent(share)} of {row.reported}"


def results_table(
    rows: Sequence[ResultsRow],
    first: str,
    caption: str,
    money_flags: dict[str, str] | None = None,
    *,
    titled: bool = False,
) -> ReportTable:
    """One row per objective (with its money flag, `money_flags` by key) or fund outcome (with
    its title: `titled`)."""
    header = [first, "Indicators", "Prog.", "Baseline + target", "On track", "Results flags"]
    widths = [0.36, 0.1, 0.06, 0.1, 0.13, 0.25]
    if money_flags is not None:
        header.insert(1, "Money flag")
        widths = [0.2, 0.13, 0.1, 0.06, 0.1, 0.13, 0.28]
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
        data.append(tuple(values))
    first_number = 2 if money_flags is not None else 1
    return ReportTable(
        caption,
        tuple(header),
        data,
        tuple(widths),
        tuple(range(first_number, first_number + 4)),
        size=7.5,
        flags=1 if money_flags is not None else None,
    )


def results_parts(report: AllocationReport) -> list[Part]:
    """The table by objective, the table by fund-level outcome and notes on how they are
    counted."""
    results = report.results
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
        Part(
            "Results by GCM objective",
            table=results_table(
                results.objectives,
                "GCM objective",
                "Indicators and results flags by GCM objective",
                money_flags,
            ),
            notes=[legend],
        ),
        Part(
            "Results by fund-level outcome",
            table=results_table(
                results.fund_outcomes,
                "Fund-level outcome",
                "Indicators and results flags by fund-level outcome",
                titled=True,
            ),
            notes=[counted],
        ),
    ]

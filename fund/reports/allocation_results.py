"""The allocation report's "Results" section: what the report's funded programmes measure, per
GCM objective and per fund-level outcome, with the results flags beside the money flag
(`fund.results.coverage`; the rest of the report is `fund.reports.allocation_sections`)."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _

from fund.i18n import labelled
from fund.reports.allocation_data import AllocationReport
from fund.reports.report_parts import Part, ReportTable, flag_words, row_label
from fund.reports.report_parts import share_words as percent
from fund.results.coverage import FLAG_LABELS, ResultsRow
from fund.sentences import listed


def _on_track(row: ResultsRow) -> str:
    share = row.on_track_share
    if share is None:
        return "—"
    return _("%(share)s of %(reported)s", share=percent(share), reported=row.reported)


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
    header = [
        first,
        _("Indicators"),
        _("Prog."),
        _("Baseline + target"),
        _("On track"),
        _("Results flags"),
    ]
    widths = [0.36, 0.1, 0.06, 0.1, 0.13, 0.25]
    if money_flags is not None:
        header.insert(1, _("Money flag"))
        widths = [0.2, 0.13, 0.1, 0.06, 0.1, 0.13, 0.28]
    data = []
    for row in rows:
        values: list[object] = [labelled(row.label, row.title) if titled else row_label(row)]
        if money_flags is not None:
            values.append(money_flags.get(row.key, ""))
        values += [
            row.indicators,
            row.programmes_with_indicators,
            row.with_baseline_and_target,
            _on_track(row),
            listed(_(label) for label in row.flag_labels),
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
    money_flags = {row.key: flag_words(row.flag) for row in report.coverage.objectives}
    legend = _(
        "%(money_without_results)s: funded money on the row and no indicator of a funded "
        "programme for it. %(off_track)s: an indicator's latest reported value reaches less "
        "than %(threshold)s of the way from its baseline (zero without one) to that year's "
        "target. %(no_baseline)s: an indicator without a baseline. Flags are listed the most "
        "serious first.",
        money_without_results=_(FLAG_LABELS["money_without_results"]),
        off_track=_(FLAG_LABELS["off_track"]),
        threshold=percent(results.threshold),
        no_baseline=_(FLAG_LABELS["no_baseline"]),
    )
    counted = _(
        "Only the indicators of the programmes this report lists as funded count, with the "
        "values reported by the end of the day the figures stand at. An indicator counts for "
        "each objective of its outcome and for the fund-level outcome it serves; a fund-level "
        "outcome's money is that of its thematic area. “Prog.”: programmes with at least one "
        "indicator; “On track”: the share of the indicators reported for a year with a target."
    )
    return [
        Part(
            _("Results by GCM objective"),
            table=results_table(
                results.objectives,
                _("GCM objective"),
                _("Indicators and results flags by GCM objective"),
                money_flags,
            ),
            notes=[legend],
        ),
        Part(
            _("Results by fund-level outcome"),
            table=results_table(
                results.fund_outcomes,
                _("Fund-level outcome"),
                _("Indicators and results flags by fund-level outcome"),
                titled=True,
            ),
            notes=[counted],
        ),
    ]

"""`flask fund results`: the results coverage (`fund.results.coverage`) as JSON or a text table.

The `money_without_results` flag needs the coverage's funded money, which `fund.coverage` reads
(it lies above results in the layers): `fund.cli` gives `results_command` a function that reads
the funded coverage report."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from fund.cli_language import echo_report
from fund.cli_options import format_option
from fund.i18n import percent
from fund.labels import N_
from fund.results.coverage import ResultsCoverage, ResultsRow, funded_money, results_coverage

COLUMNS = (
    (N_("Indicators"), 10),
    (N_("Programmes"), 10),
    (N_("Baseline+target"), 15),
    (N_("On track"), 8),
)


def _table(
    title: str, rows: list[ResultsRow], width: int = 38, *, titled: bool = False
) -> list[str]:
    header = f"{'':<{width}}" + "".join(f" {_(name):>{size}}" for name, size in COLUMNS)
    header += f"  {_('Flags')}"
    lines = [title, header.rstrip()]
    for row in rows:
        figures = (
            row.indicators,
            row.programmes_with_indicators,
            row.with_baseline_and_target,
            percent(row.on_track_share),
        )
        label = f"{row.label} {row.title}" if titled else row.label
        if len(label) > width:
            label = label[: width - 1] + "…"
        line = f"{label:<{width}}" + "".join(
            f" {value!s:>{size}}" for value, (_, size) in zip(figures, COLUMNS, strict=True)
        )
        lines.append(f"{line}  {', '.join(row.flags)}".rstrip())
    return [*lines, ""]


def render_text(report: ResultsCoverage) -> str:
    """The results coverage as a text table, in the language of the moment (a command's: see
    `fund.cli_language`)."""
    lines = [
        _(
            "Results of the funded programmes: indicators, programmes with at least one, "
            "indicators with baseline and target, share of reported indicators on track (off "
            "track: the latest reported value reaches less than %(threshold)s of the way from "
            "its baseline, zero without one, to that year's target).",
            threshold=percent(report.threshold),
        ),
        _("Flags, most serious first: money_without_results, off_track, no_baseline."),
        "",
    ]
    lines += _table(_("GCM objectives"), report.objectives)
    lines += _table(_("Fund-level outcomes"), report.fund_outcomes, titled=True)
    lines += _table(_("Thematic areas"), report.areas)
    lines += _table(_("M49 regions"), report.regions)
    lines += _table(_("Organizations (responsible for the indicators)"), report.organizations)
    return "\n".join(lines).rstrip() + "\n"


def results_command(funded_report: Callable[[], Any]) -> click.Command:
    """The `results` command; `funded_report()` reads the coverage's funded figures
    (`fund.coverage.queries.coverage(include_pipeline=False)`)."""

    @click.command("results")
    @format_option(
        ["json", "text"],
        default="text",
        help="JSON (objectives, fund_outcomes, areas, regions, organizations) or a text table.",
    )
    @with_appcontext
    def command(output: str) -> None:
        """Results coverage: indicators of the funded programmes per GCM objective, fund-level
        outcome, thematic area, region and organization, with the results flags."""
        report = results_coverage(funded_money(funded_report()))
        echo_report(report, output, render_text)

    return command

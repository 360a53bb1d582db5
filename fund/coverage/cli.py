"""`flask fund coverage`: the coverage figures of the dashboard (full view, with the pipeline).

Its `--verify` and `--rebuild` are those of `flask fund caches`, given to `coverage_command` by
`fund.cli` (`fund.caches` lies above coverage in the layers)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from fund.calls.models import Call
from fund.cli_language import echo_report, refusal
from fund.cli_options import count_option, day_option, format_option
from fund.coverage.queries import Coverage, CoverageFilters, CoverageRow, coverage
from fund.extensions import db
from fund.i18n import amount, percent


def _money(value) -> str:
    return amount(value)


def _share(value) -> str:
    return f"{percent(value, 2):>7}"


def _table(title: str, rows: list[CoverageRow], with_target: bool = True) -> list[str]:
    header = (
        f"{'':<38} {_('Funded'):>16} {_('Approved'):>16} {_('Under review'):>16} "
        f"{_('Concept notes'):>16} {_('Prog.'):>5}"
    )
    header += f" {_('Share'):>7}" + (f" {_('Target'):>7}  {_('Flag')}" if with_target else "")
    lines = [title, header]
    for row in rows:
        line = (
            f"{row.label[:38]:<38} {_money(row.funded):>16} {_money(row.pipeline):>16} "
            f"{_money(row.review):>16} {_money(row.notes):>16} {row.programmes:>5} "
            f"{_share(row.share)}"
        )
        if with_target:
            target = "" if row.target is None else _share(row.target)
            line += f" {target:>7}  {row.flag or ''}"
        lines.append(line.rstrip())
    return [*lines, ""]


def render_table(report: Coverage) -> str:
    """The coverage as a text table, in the language of the moment (a command's: see
    `fund.cli_language`)."""
    totals = report.totals
    lines = [
        _(
            "Funded: USD %(funded)s in %(programmes)s (direct %(direct)s, indirect %(indirect)s)",
            funded=_money(totals.funded),
            programmes=ngettext("%(num)s programme", "%(num)s programmes", totals.programmes),
            direct=_money(totals.funded_direct),
            indirect=_money(totals.funded_indirect),
        ),
        _(
            "Approved (pipeline): USD %(pipeline)s · under committee review: USD %(review)s · "
            "concept notes in the pipeline (indicative): USD %(notes)s",
            pipeline=_money(totals.pipeline),
            review=_money(totals.review),
            notes=_money(totals.notes),
        ),
        "",
    ]
    lines += _table(_("GCM objectives"), report.objectives)
    lines += _table(
        _("Thematic areas (objective money split equally over its areas)"), report.areas
    )
    lines += _table(
        _("M49 regions (programme money split equally over its regions)"), report.regions
    )
    lines += _table(_("Gender marker"), report.gender_markers, with_target=False)
    lines += _table(_("Human rights marker"), report.human_rights_markers, with_target=False)
    lines += _table(_("Participating organizations"), report.organizations, with_target=False)
    return "\n".join(lines).rstrip() + "\n"


def checked_filters(
    call_id: int | None, date_from: date | None, date_to: date | None
) -> CoverageFilters:
    """The coverage filters a command was given (`--call`, `--from`, `--to`), refused when the
    call does not exist or the period ends before it starts."""
    if date_from and date_to and date_to < date_from:
        raise refusal(_l("must not be before --from"), param_hint="--to")
    if call_id and db.session.get(Call, call_id) is None:
        raise refusal(_l("there is no call %(id)s", id=call_id), param_hint="--call")
    return CoverageFilters(call_id=call_id, date_from=date_from, date_to=date_to)


def coverage_command(check_kept_figures: Callable[..., None]) -> click.Command:
    """The `coverage` command; `check_kept_figures(verify=..., rebuild=...)` does its --verify
    and --rebuild (`fund.caches.cli.check`)."""

    @click.command("coverage")
    @format_option(
        ["json", "table"],
        default="table",
        help="JSON (exact amounts as strings) or a text table.",
    )
    @count_option("--call", dest="call_id", help="Only this call's proposals.")
    @day_option("--from", "date_from", help="From this date.")
    @day_option("--to", "date_to", help="Up to this date.")
    @click.option(
        "--verify",
        is_flag=True,
        help="Compare the maintained totals (coverage, the approved proposals' totals, the money "
        "paid out of each pool) with a full recomputation; exit 1 if they differ.",
    )
    @click.option(
        "--rebuild",
        is_flag=True,
        help="Recompute the maintained totals, the approved proposals' totals and the money paid "
        "out of each pool (after a bulk load, an edit made outside the application, or a change "
        "of INDIRECT_SUPPORT_RATE).",
    )
    @with_appcontext
    def command(
        output: str,
        call_id: int | None,
        date_from: date | None,
        date_to: date | None,
        verify: bool,
        rebuild: bool,
    ) -> None:
        """Print the coverage of the GCM objectives: the dashboard's numbers, pipeline included.

        With --verify or --rebuild, check or rebuild the kept figures instead, as `flask fund
        caches` does (the coverage totals the dashboard reads among them)."""
        if verify or rebuild:
            check_kept_figures(verify=verify, rebuild=rebuild)
            return
        report = coverage(checked_filters(call_id, date_from, date_to), include_pipeline=True)
        echo_report(report, output, render_table)

    return command

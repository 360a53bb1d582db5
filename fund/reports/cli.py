"""`flask fund export ...` and `flask fund report ...`."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext, ngettext
from sqlalchemy import select

from fund.cli_language import in_command_language, refusal, say
from fund.cli_options import day_option
from fund.committee.meetings import get_meeting
from fund.committee.models import Meeting, RoundStatus
from fund.committee.queries import rounds_of
from fund.coverage.cli import checked_filters
from fund.extensions import db, utcnow
from fund.proposals.models import Proposal, proposal_id_of, proposal_reference
from fund.reports import spreadsheets
from fund.reports.allocation_data import build_allocation_report
from fund.reports.allocation_pdf import render_allocation_report
from fund.reports.decision_pdf import full_record, render_decision_record
from fund.reports.iati import SchemaMissing
from fund.reports.meeting_pdf import meeting_record, render_meeting_record
from fund.reports.open_data import OPEN_DATA_LABELS, open_data_exports
from fund.reports.pipeline_pdf import build_booklet, render_booklet

export_cli = AppGroup("export", help="Export spreadsheets and open data (IATI, 360Giving).")
report_cli = AppGroup("report", help="Produce PDF reports.")

_out = click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The file to write.",
)


def _open_data(kind: str, out: Path) -> None:
    try:
        export = open_data_exports(current_app.config, utcnow(), (kind,))[kind]
    except SchemaMissing as error:
        raise refusal(str(error)) from error
    for e in export.excluded:
        say(
            _l(
                "Left out %(reference)s “%(title)s”: %(reasons)s.",
                reference=proposal_reference(e.proposal_id),
                title=e.title,
                reasons="; ".join(e.reasons),
            ),
            err=True,
        )
    if export.empty:
        raise refusal(
            _l("No funded programme can be published: nothing written to %(path)s.", path=out)
        )
    out.write_bytes(export.content)
    count = len(export.published)
    with in_command_language():
        written = ngettext(
            "%(label)s: %(num)s programme written to %(path)s",
            "%(label)s: %(num)s programmes written to %(path)s",
            count,
            label=OPEN_DATA_LABELS[kind],
            path=out,
        )
        if export.excluded:
            written += _("; %(num)s left out (listed above)", num=len(export.excluded))
        click.echo(f"{written}.")


@export_cli.command("iati")
@_out
def export_iati(out: Path) -> None:
    """IATI 2.03 XML of the funded programmes (validated; invalid ones are listed and left out)."""
    _open_data("iati", out)


@export_cli.command("360giving")
@_out
def export_360giving(out: Path) -> None:
    """360Giving 1.4 JSON of the funded programmes (validated; invalid ones listed, left out)."""
    _open_data("360giving", out)


@export_cli.command("xlsx")
@_out
def export_xlsx(out: Path) -> None:
    """One workbook: proposals, budget lines, allocations, shares, disbursements, contributions."""
    with out.open("wb") as file:
        spreadsheets.write_workbook(current_app.config, file)
    say(_l("Workbook written to %(path)s.", path=out))


@export_cli.command("csv")
@click.option(
    "--table", "name", required=True, type=click.Choice(spreadsheets.TABLE_NAMES), help="Table."
)
@_out
def export_csv(name: str, out: Path) -> None:
    """One table as CSV (UTF-8)."""
    table = spreadsheets.build_table(name, current_app.config)
    with out.open("wb") as file:
        rows = spreadsheets.write_csv(table, file)
    say(
        lazy_ngettext(
            "%(table)s: %(num)s row written to %(path)s.",
            "%(table)s: %(num)s rows written to %(path)s.",
            rows,
            table=table.title,
            path=out,
        )
    )


@report_cli.command("allocation")
@_out
@click.option("--call", "call_id", type=click.IntRange(min=1), help="Only this call's programmes.")
@day_option("--from", "date_from", help="Programmes dated from this day.")
@day_option("--to", "date_to", help="Programmes dated up to this day.")
@day_option("--as-of", "as_of", help="The figures at the end of this day (default: now).")
def report_allocation(
    out: Path,
    call_id: int | None,
    date_from: date | None,
    date_to: date | None,
    as_of: date | None,
) -> None:
    """The fund allocation report (PDF), the same figures as the dashboard and the balance."""
    now = utcnow()
    filters = checked_filters(call_id, date_from, date_to)
    if as_of and as_of > now.date():
        raise refusal(_l("cannot be in the future"), param_hint="--as-of")
    with in_command_language():
        report = build_allocation_report(
            current_app.config,
            filters=filters,
            as_of=as_of,
            generated_at=now,
        )
        out.write_bytes(render_allocation_report(report))
        click.echo(
            ngettext(
                "Allocation report as of %(day)s (%(scope)s): %(num)s funded programme, "
                "written to %(path)s.",
                "Allocation report as of %(day)s (%(scope)s): %(num)s funded programmes, "
                "written to %(path)s.",
                len(report.programmes),
                day=report.day.isoformat(),
                scope=report.scope,
                path=out,
            )
        )


def _proposal_of(reference: str) -> Proposal:
    """The proposal of a reference as the pages show it (P-00008)."""
    proposal_id = proposal_id_of(reference)
    found = proposal_id is not None
    proposal = db.session.get(Proposal, proposal_id) if found else None
    if proposal is None:
        problem = (
            _l("there is no proposal %(reference)s", reference=reference)
            if found
            else _l(
                "%(reference)s is not a proposal reference such as P-00008",
                reference=repr(reference),
            )
        )
        raise refusal(problem, param_hint="--proposal")
    return proposal


@report_cli.command("decision")
@click.option(
    "--proposal",
    "reference",
    required=True,
    metavar="P-NNNNN",
    help="The proposal's reference, as the pages show it (P-00008).",
)
@click.option(
    "--round",
    "number",
    required=True,
    type=click.IntRange(min=1),
    help="The round's number on that proposal, as the pages show it (Round 1, 2, ...).",
)
@_out
def report_decision(reference: str, number: int, out: Path) -> None:
    """The decision record of a proposal's voting round (PDF), in full as the secretariat sees
    it."""
    proposal = _proposal_of(reference)
    ref = proposal.reference
    rounds = rounds_of(proposal.id)
    round_ = next((r for r in rounds if r.number == number), None)
    if round_ is None:
        held = ", ".join(str(r.number) for r in rounds)
        problem = (
            _l(
                "%(reference)s has no round %(number)s (its rounds: %(held)s)",
                reference=ref,
                number=number,
                held=held,
            )
            if rounds
            else _l("%(reference)s has had no voting round", reference=ref)
        )
        raise refusal(problem, param_hint="--round")
    with in_command_language():
        record = full_record(round_, current_app.config)
        out.write_bytes(render_decision_record(record, generated_at=utcnow()))
        values = {"reference": ref, "number": number, "path": out}
        click.echo(
            _("Decision record of %(reference)s, round %(number)s, written to %(path)s.", **values)
            if round_.status == RoundStatus.CLOSED
            else _(
                "Decision record of %(reference)s, round %(number)s (still open: the state so "
                "far), written to %(path)s.",
                **values,
            )
        )


@report_cli.command("pipeline")
@_out
@click.option("--public", is_flag=True, help="The public version: what the committee made public.")
def report_pipeline(out: Path, public: bool) -> None:
    """The pipeline booklet (PDF): the ranked concept notes and approved programmes with their
    purpose, money, duration, objectives, UN entities, national partners, countries and the
    committee's decision; every page carries the as-of date."""
    with in_command_language():
        booklet = build_booklet(current_app.config, public=public)
        out.write_bytes(render_booklet(booklet, generated_at=utcnow()))
        p = booklet.pipeline
        values = {
            "as_of": f"{p.as_of:%Y-%m-%d %H:%M}",
            "notes": ngettext("%(num)s concept note", "%(num)s concept notes", p.concept_notes),
            "programmes": ngettext("%(num)s programme", "%(num)s programmes", p.programmes),
            "path": out,
        }
        click.echo(
            _(
                "Pipeline public booklet as of %(as_of)s UTC: %(notes)s and %(programmes)s, "
                "written to %(path)s.",
                **values,
            )
            if public
            else _(
                "Pipeline booklet as of %(as_of)s UTC: %(notes)s and %(programmes)s, written to "
                "%(path)s.",
                **values,
            )
        )


_MEETING_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _meeting_of(given: str) -> Meeting:
    """The meeting of an id (as in the meeting page's address) or of the day it was held
    (YYYY-MM-DD, when only one meeting was held that day)."""
    text = given.strip()
    if text.isdigit():
        meeting = get_meeting(int(text))
        if meeting is None:
            raise refusal(_l("there is no meeting %(meeting)s", meeting=text), param_hint="MEETING")
        return meeting
    if not _MEETING_DATE.fullmatch(text):
        raise refusal(
            _l(
                "%(given)s is neither a meeting's number nor a date such as 2026-12-05",
                given=repr(given),
            ),
            param_hint="MEETING",
        )
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise refusal(_l("%(text)s is not a date", text=text), param_hint="MEETING") from None
    held = list(
        db.session.scalars(select(Meeting).where(Meeting.held_on == day).order_by(Meeting.id))
    )
    if not held:
        raise refusal(_l("no meeting was held on %(day)s", day=text), param_hint="MEETING")
    if len(held) > 1:
        which = "; ".join(f"{m.id}: {m.title}" for m in held)
        raise refusal(
            _l(
                "%(num)s meetings were held on %(day)s (%(which)s): give its number",
                num=len(held),
                day=text,
                which=which,
            ),
            param_hint="MEETING",
        )
    return get_meeting(held[0].id) or held[0]


@report_cli.command("meeting")
@click.argument("meeting", metavar="ID-OR-DATE")
@_out
def report_meeting(meeting: str, out: Path) -> None:
    """The record of a committee meeting (PDF), as *Record (PDF)* on its page: the facts and
    quorum, who was present for which seat, the agenda with each decision and its conditions,
    and the minutes. ID-OR-DATE is the meeting's number (/committee/meetings/<number>) or the
    day it was held (YYYY-MM-DD)."""
    found = _meeting_of(meeting)
    with in_command_language():
        record = meeting_record(found, current_app.config)
        out.write_bytes(render_meeting_record(record, generated_at=utcnow()))
        click.echo(
            ngettext(
                "Record of the meeting %(id)s “%(title)s” of %(day)s (%(num)s agenda item), "
                "written to %(path)s.",
                "Record of the meeting %(id)s “%(title)s” of %(day)s (%(num)s agenda items), "
                "written to %(path)s.",
                len(found.items),
                id=found.id,
                title=found.title,
                day=found.held_on.isoformat(),
                path=out,
            )
        )

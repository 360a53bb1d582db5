"""Changes to the programmes' reports: the schedule made at funding, a due date moved by the
secretariat, a report's content saved, and the report workflow's transitions (submit, accept,
return). Each takes the actor, writes its audit event and never commits.

Lock order: the report's row, then the allocation shares of its programme (in organization
order), so that two financial reports of one programme saved at once are checked one after the
other against what was transferred.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from fund.accounts.models import Organization, Role, User
from fund.audit.operations import record
from fund.extensions import db, utcnow
from fund.finance.locks import locked_shares
from fund.finance.models import Allocation, AllocationShare
from fund.i18n import Money
from fund.labels import N_
from fund.locking import locked_or_refused
from fund.money import read_amount
from fund.proposals.models import Proposal
from fund.proposals.results import IndicatorActual, ResultIndicator, ResultOutcome
from fund.refusals import Refused, workflow_refusal
from fund.reporting import schedule
from fund.reporting.models import (
    ProgrammeReport,
    ReportActual,
    ReportExpenditure,
    ReportNarrative,
    due_after_period,
)
from fund.reporting.workflow import ENGINE, reports_for
from fund.sentences import Listed, Sentence
from workflows import TransitionRefused
from workflows.report import REPORT_ACCEPTED, REPORT_EDITABLE_STATES, REPORT_SUBMITTED

CATEGORIES = range(1, 9)  # the UNSDG budget categories
_ACTIONS = {
    "submit": "report_submitted",
    "accept": "report_accepted",
    "return_for_changes": "report_returned",
}


class ReportRefused(Refused):
    """A change to a report that was refused; nothing was changed."""


# Why a report that is no longer due or returned cannot be changed, by its status.
_CLOSED = {
    REPORT_SUBMITTED: N_("The report is submitted: it can no longer be changed."),
    REPORT_ACCEPTED: N_("The report is accepted: it can no longer be changed."),
}
# What a report is, when the form sent was for the other kind.
_THIS_IS = {
    "annual_narrative": N_("This is an annual narrative report."),
    "annual_financial": N_("This is an annual financial report."),
    "final_narrative": N_("This is a final narrative report."),
    "final_financial": N_("This is a final financial report."),
}


# The schedule ---------------------------------------------------------------------------------


def make_schedule(
    proposal: Proposal,
    funded_on: date,
    actor: User | None = None,
    settings: schedule.Settings | None = None,
    now: datetime | None = None,
) -> list[ProgrammeReport]:
    """Write the programme's reporting schedule (nothing when it has one); audited."""
    exists = db.session.scalar(
        select(ProgrammeReport.id).where(ProgrammeReport.proposal_id == proposal.id).limit(1)
    )
    if exists is not None:
        return []
    settings = settings or schedule.settings_from(current_app.config)
    start, end = schedule.programme_dates(proposal, funded_on)
    reports = [planned.report(proposal.id) for planned in schedule.plan(start, end, settings)]
    db.session.add_all(reports)
    db.session.flush()
    record(
        "report_schedule_made",
        "proposal",
        proposal.id,
        actor,
        details={
            "start": start.isoformat(),
            "end": end.isoformat(),
            "reports": [f"{r.kind} {r.period} due {r.due_on.isoformat()}" for r in reports],
        },
        now=now,
    )
    return reports


def on_proposal_transitioned(sender: Proposal, *, trigger: str, actor: Any = None, **_: Any):
    """Receiver of `proposal_transitioned`: a programme just funded gets its schedule."""
    if trigger != "fund":
        return
    funded_on = db.session.scalar(
        select(Allocation.allocated_on).where(Allocation.proposal_id == sender.id)
    )
    make_schedule(sender, funded_on or utcnow().date(), actor)


def _report(report_id: int) -> ProgrammeReport:
    return locked_or_refused(
        ProgrammeReport, report_id, ReportRefused, N_("There is no such report.")
    )


def due_date_movable(report: ProgrammeReport) -> bool:
    """Whether the report's due date may still move: until it is accepted. The report's page
    offers the form by this rule, and `set_due_date` keeps it."""
    return report.status != REPORT_ACCEPTED


def set_due_date(
    actor: User, report_id: int, due_on: date, reason: str, now: datetime | None = None
) -> ProgrammeReport:
    """The secretariat moves a report's due date, with its reason, until the report is
    accepted; audited."""
    if not actor.has_role(Role.SECRETARIAT):
        raise ReportRefused(N_("Only the secretariat changes a report's due date."))
    reason = (reason or "").strip()
    if not reason:
        raise ReportRefused(N_("Give the reason for the new due date."), "reason")
    report = _report(report_id)
    if not due_date_movable(report):
        raise ReportRefused(
            N_("The report is accepted: its due date no longer moves."), "due_on", stale=True
        )
    if not due_after_period(due_on, report.period_end):
        raise ReportRefused(
            N_("A report is due after its period ends (%(date)s)."),
            "due_on",
            date=report.period_end,
        )
    if due_on == report.due_on:
        raise ReportRefused(N_("That is the report's due date already."), "due_on")
    old, report.due_on = report.due_on, due_on
    record(
        "report_due_date_changed",
        "programme_report",
        report.id,
        actor,
        comment=reason,
        details={"from": old.isoformat(), "to": due_on.isoformat(), "kind": report.kind},
        now=now,
    )
    return report


# Content --------------------------------------------------------------------------------------


def editable(actor: User, report_id: int, kind_check: str) -> ProgrammeReport:
    """The report locked, for the programme's staff to change while it is due or returned;
    `kind_check` is "narrative" or "financial"."""
    report = _report(report_id)
    if not reports_for(actor, report.proposal_id):
        raise ReportRefused(N_("Only the staff of the programme's organizations edit its reports."))
    if report.status not in REPORT_EDITABLE_STATES:
        if report.status in _CLOSED:
            raise ReportRefused(_CLOSED[report.status], stale=True)
        raise ReportRefused(
            N_("The report is %(status)s: it can no longer be changed."),
            stale=True,
            status=report.status,
        )
    if (kind_check == "narrative") != report.is_narrative:
        if report.kind in _THIS_IS:
            raise ReportRefused(_THIS_IS[report.kind])
        raise ReportRefused(
            N_("This report is of another kind: %(kind)s."), kind=Sentence(report.kind_label)
        )
    return report


def save_narrative(
    actor: User,
    report_id: int,
    actuals: Mapping[int, Decimal | None],
    narratives: Mapping[int, str],
    risks: str,
    now: datetime | None = None,
) -> ProgrammeReport:
    """Replace a narrative report's actuals (by indicator; None: not entered), narratives (by
    outcome; blank: not written) and risks."""
    now = now or utcnow()
    report = editable(actor, report_id, "narrative")
    outcomes = set(
        db.session.scalars(
            select(ResultOutcome.id).where(ResultOutcome.proposal_id == report.proposal_id)
        )
    )
    indicators = set(
        db.session.scalars(
            select(ResultIndicator.id).where(ResultIndicator.outcome_id.in_(outcomes))
        )
    )
    if unknown := (set(actuals) - indicators) | (set(narratives) - outcomes):
        raise ReportRefused(
            N_("Not part of the programme's results framework: %(items)s."),
            items=Listed(map(str, sorted(unknown))),
        )
    # Emptied and flushed first: the new rows take the same keys.
    report.actuals.clear()
    report.narratives.clear()
    db.session.flush()
    report.actuals.extend(
        ReportActual(indicator_id=indicator, value=value)
        for indicator, value in sorted(actuals.items())
        if value is not None
    )
    report.narratives.extend(
        ReportNarrative(outcome_id=outcome, text=text.strip())
        for outcome, text in sorted(narratives.items())
        if text and text.strip()
    )
    report.risks = (risks or "").strip()
    report.saved_at = now
    db.session.flush()
    record("report_saved", "programme_report", report.id, actor, now=now)
    return report


def _locked_shares(allocation_id: int) -> dict[int, Decimal]:
    """What was transferred to each participating organization, the shares locked."""
    rows = locked_shares(allocation_id, AllocationShare.organization_id, AllocationShare.disbursed)
    return {row.organization_id: read_amount(row.disbursed) for row in rows}


def spent_elsewhere(allocation_id: int, report_id: int) -> dict[int, Decimal]:
    """Each organization's expenditure in the programme's other financial reports."""
    rows = db.session.execute(
        select(ReportExpenditure.organization_id, func.sum(ReportExpenditure.amount))
        .where(
            ReportExpenditure.allocation_id == allocation_id,
            ReportExpenditure.report_id != report_id,
        )
        .group_by(ReportExpenditure.organization_id)
    ).all()
    return {organization: read_amount(total) for organization, total in rows}


def _name(organization_id: int) -> str:
    organization = db.session.get(Organization, organization_id)
    return organization.label if organization else "another organization"


def _others_unchanged(
    actor: User,
    lines: Mapping[tuple[int, int], Decimal | None],
    stored: Mapping[tuple[int, int], Decimal],
) -> None:
    """Each organization's staff fill their own organization's lines only: a line of another
    organization given with a value other than the one stored refuses the whole save."""
    for (organization, category), amount in sorted(lines.items()):
        if organization == actor.organization_id or amount == stored.get((organization, category)):
            continue
        name = _name(organization)
        raise ReportRefused(
            N_("Only the staff of %(name)s fill %(name)s's expenditure: nothing was saved."),
            f"organization-{organization}",
            name=name,
        )


def save_financial(
    actor: User,
    report_id: int,
    lines: Mapping[tuple[int, int], Decimal | None],
    now: datetime | None = None,
) -> ProgrammeReport:
    """Replace the actor's organization's expenditure in a financial report, by (organization,
    category); None: not entered. Every other organization's lines stay as they are: one given
    with another value is refused (each organization's staff fill their own lines). Refused when
    an organization's expenditure over the programme's reports would exceed what was
    transferred to it (checked under the shares' row locks; the database's triggers refuse it
    too)."""
    now = now or utcnow()
    report = editable(actor, report_id, "financial")
    allocation_id = db.session.scalar(
        select(Allocation.id).where(Allocation.proposal_id == report.proposal_id)
    )
    if allocation_id is None:
        raise ReportRefused(N_("The programme has no allocation."))
    transferred = _locked_shares(allocation_id)
    for (organization, category), amount in lines.items():
        if organization not in transferred or category not in CATEGORIES:
            raise ReportRefused(
                N_(
                    "Expenditure is reported by participating organization and UNSDG category "
                    "(1 to 8)."
                )
            )
        if amount is not None and amount < 0:
            raise ReportRefused(
                N_("An expenditure is never below zero."), f"e-{organization}-{category}"
            )
    stored = {
        (line.organization_id, line.category_code): read_amount(line.amount)
        for line in report.expenditures
    }
    _others_unchanged(actor, lines, stored)
    own = actor.organization_id
    entered = {key: amount for key, amount in stored.items() if key[0] != own} | {
        key: amount for key, amount in lines.items() if key[0] == own and amount is not None
    }
    before = spent_elsewhere(allocation_id, report.id)
    for organization, paid in transferred.items():
        period = sum(
            (amount for (org, _), amount in entered.items() if org == organization), Decimal(0)
        )
        total = before.get(organization, Decimal("0.00")) + period
        if total > paid:
            raise ReportRefused(
                N_(
                    "The expenditure of an organization over the programme's reports "
                    "(%(total)s) would exceed what was transferred to it (%(paid)s)."
                ),
                f"organization-{organization}",
                total=Money(total),
                paid=Money(paid),
            )
    report.expenditures.clear()
    db.session.flush()
    report.expenditures.extend(
        ReportExpenditure(
            allocation_id=allocation_id,
            organization_id=organization,
            category_code=category,
            amount=amount,
        )
        for (organization, category), amount in sorted(entered.items())
    )
    report.saved_at = now
    try:
        db.session.flush()
    except IntegrityError as error:
        raise ReportRefused(
            N_("The expenditure would exceed what was transferred: nothing was saved.")
        ) from error
    record(
        "report_saved",
        "programme_report",
        report.id,
        actor,
        details={f"{org}/{cat}": amount for (org, cat), amount in sorted(entered.items())},
        now=now,
    )
    return report


# Transitions ----------------------------------------------------------------------------------


def fire(
    actor: User,
    report_id: int,
    trigger: str,
    comment: str | None = None,
    now: datetime | None = None,
) -> ProgrammeReport:
    """Submit, accept or return a report through the report workflow; audited. Accepting a
    narrative report writes its actuals as the indicators' actuals of its year."""
    now = now or utcnow()
    report = _report(report_id)
    comment = (comment or "").strip() or None
    try:
        source, dest = ENGINE.fire(report, trigger, actor, comment=comment, context={"now": now})
    except TransitionRefused as refused:
        raise workflow_refusal(refused, ReportRefused) from refused
    if trigger == "submit":
        report.submitted_by_id, report.submitted_at = actor.id, now
    else:
        report.decided_by_id, report.decided_at = actor.id, now
        report.comment = comment or ""
    if trigger == "accept" and report.is_narrative:
        _write_actuals(report, now)
    record(
        _ACTIONS[trigger],
        "programme_report",
        report.id,
        actor,
        from_state=source,
        to_state=dest,
        comment=comment,
        details={"kind": report.kind, "period": report.period},
        now=now,
    )
    return report


def _write_actuals(report: ProgrammeReport, now: datetime) -> None:
    """The accepted report's actuals become the indicators' actuals of its year (replacing
    those an earlier report gave for that year)."""
    values = {actual.indicator_id: actual.value for actual in report.actuals}
    if not values:
        return
    existing = {
        actual.indicator_id: actual
        for actual in db.session.scalars(
            select(IndicatorActual).where(
                IndicatorActual.indicator_id.in_(values), IndicatorActual.year == report.year
            )
        )
    }
    for indicator, value in sorted(values.items()):
        if indicator in existing:
            existing[indicator].value, existing[indicator].recorded_at = value, now
        else:
            db.session.add(
                IndicatorActual(
                    indicator_id=indicator, year=report.year, value=value, recorded_at=now
                )
            )
    db.session.flush()

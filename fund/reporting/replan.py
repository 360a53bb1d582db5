"""A programme's reports planned again for new dates: after an approved revision changes its
duration (`fund.revisions.apply`), and when it is closed before its planned end (its last day
is then the day of closure: `after_closure`, given to `fund.finance.closure.REPORTS`).

The reports still due (never submitted) take the new period and due date of the same report (a
due date the secretariat moved stays while it still comes after the new period), or go when the
new plan has no such report; the new plan's reports the programme lacks are added. Submitted,
returned and accepted reports stay as they are. Each change is a sentence for the audit trail
and the pages.
"""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import select

from fund.days import SHORT_DAY
from fund.extensions import db, utcnow
from fund.finance.models import Allocation
from fund.labels import N_
from fund.proposals.models import Proposal
from fund.reporting import schedule
from fund.reporting.models import ProgrammeReport, ReportKind, due_after_period
from fund.sentences import OnDay, Sentence
from workflows.report import REPORT_DUE

FINAL_KINDS = frozenset({ReportKind.FINAL_NARRATIVE.value, ReportKind.FINAL_FINANCIAL.value})


def _text(kind: str, start: date, end: date, due: date) -> Sentence:
    return Sentence(
        N_("%(kind)s (%(start)s to %(end)s, due %(due)s)"),
        kind=Sentence(ReportKind(kind).label),
        start=OnDay(start, SHORT_DAY),
        end=OnDay(end, SHORT_DAY),
        due=OnDay(due, SHORT_DAY),
    )


def programme_dates(proposal: Proposal) -> tuple[date, date]:
    """The programme's first and last days as its reporting schedule counts them (from its
    funding date when it has no planned start)."""
    funded_on = db.session.scalar(
        select(Allocation.allocated_on).where(Allocation.proposal_id == proposal.id)
    )
    return schedule.programme_dates(proposal, funded_on or utcnow().date())


def replan(proposal_id: int, before: tuple[date, date], after: tuple[date, date]) -> list[Sentence]:
    """Plan the programme's reports again for the dates `after` (they were `before`); returns
    what changed, a sentence each."""
    settings = schedule.settings_from(current_app.config)
    planned = schedule.plan(*after, settings)
    planned_due = {(p.kind, p.period_start): p.due_on for p in schedule.plan(*before, settings)}
    existing = db.session.scalars(
        select(ProgrammeReport).where(ProgrammeReport.proposal_id == proposal_id)
    ).all()
    if not existing:
        return []
    by_key = {(r.kind, r.period_start): r for r in existing}
    wanted = {(p.kind, p.period_start): p for p in planned}
    changes = []
    for key, report in sorted(by_key.items()):
        if report.status != REPORT_DUE:
            continue
        plan = wanted.get(key)
        if plan is None:
            changes.append(
                Sentence(
                    N_("no longer due: %(report)s"),
                    report=_text(
                        report.kind, report.period_start, report.period_end, report.due_on
                    ),
                )
            )
            db.session.delete(report)
            continue
        # A due date the secretariat moved stays while it still comes after the new period.
        moved = planned_due.get(key) != report.due_on
        kept = moved and due_after_period(report.due_on, plan.period_end)
        due_on = report.due_on if kept else plan.due_on
        if (report.period_end, report.year, report.due_on) != (plan.period_end, plan.year, due_on):
            changes.append(
                Sentence(
                    N_("%(before)s now %(after)s"),
                    before=_text(
                        report.kind, report.period_start, report.period_end, report.due_on
                    ),
                    after=_text(report.kind, plan.period_start, plan.period_end, due_on),
                )
            )
            report.period_end, report.year, report.due_on = plan.period_end, plan.year, due_on
    db.session.flush()
    # A final report already submitted stays the programme's only one of its kind.
    sent = {r.kind for r in existing if r.status != REPORT_DUE and r.kind in FINAL_KINDS}
    for key, plan in sorted(wanted.items()):
        if key in by_key or plan.kind in sent:
            continue
        db.session.add(plan.report(proposal_id))
        changes.append(
            Sentence(
                N_("added: %(report)s"),
                report=_text(plan.kind, plan.period_start, plan.period_end, plan.due_on),
            )
        )
    db.session.flush()
    return changes


def after_closure(proposal_id: int, closed_on: date) -> list[Sentence]:
    """A programme closed before its planned end reports up to the day of closure: the
    annual reports of later years are no longer due, and the final reports cover the
    programme until that day (from that day, when it closed before it started)."""
    proposal = db.session.get(Proposal, proposal_id)
    start, end = programme_dates(proposal)
    if closed_on >= end:
        return []
    return replan(proposal_id, (start, end), (min(start, closed_on), closed_on))

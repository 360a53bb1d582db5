"""Reminders of the programmes' reports: 30, 7 and 1 days before a report's due date
(`REPORT_REMINDER_DAYS`) the staff of the programme's organizations are told it is due; once the
date has passed, they and the secretariat are told it is overdue. A report submitted or
accepted is not reminded of. Each step is told once per report and due date (a moved due date
starts again). Sent by `flask fund mail remind-reports` (daily); never commits.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select

from fund.dialects import one_at_a_time
from fund.extensions import db, utcnow
from fund.notifications.outbox import tell
from fund.notifications.recipients import SECRETARIAT, Recipients, add_programme_staff
from fund.notifications.recipients import secretariat as secretariat_users
from fund.notifications.render import day, path_for
from fund.proposals.models import Proposal
from fund.reporting.models import ProgrammeReport
from workflows.report import REPORT_EDITABLE_STATES


def _step(days_left: int, steps: tuple[int, ...]) -> int | None:
    """The reminder step a report `days_left` from its due date has reached (the nearest)."""
    reached = [step for step in steps if 0 <= days_left <= step]
    return min(reached) if reached else None


def _report_words(report: ProgrammeReport) -> LazyString:
    """The report's kind as a message names it, in the message's language ("annual report")."""
    return LazyString(lambda: gettext(report.kind_label).lower())


def remind_reports(now: datetime | None = None) -> int:
    """Write the reminders and overdue notices due now; returns the notifications written."""
    now = now or utcnow()
    today = now.date()
    one_at_a_time("fund.mail.remind-reports")  # run on every node: one after the other
    steps = tuple(sorted(current_app.config["REPORT_REMINDER_DAYS"]))
    horizon = today.toordinal() + max(steps, default=0)
    reports = db.session.scalars(
        select(ProgrammeReport)
        .where(ProgrammeReport.status.in_(REPORT_EDITABLE_STATES))
        .order_by(ProgrammeReport.due_on, ProgrammeReport.id)
    ).all()
    written = 0
    staff: dict[int, list] = {}
    for report in reports:
        if report.due_on.toordinal() > horizon:
            break
        days_left = (report.due_on - today).days
        overdue = report.overdue(today)
        step = None if overdue else _step(days_left, steps)
        if not overdue and step is None:
            continue
        proposal = db.session.get(Proposal, report.proposal_id)
        recipients = Recipients()
        add_programme_staff(recipients, report.proposal_id, staff)
        if overdue:
            recipients.add(secretariat_users(), SECRETARIAT)
        kind = "report_overdue" if overdue else "report_due"
        report_words = _report_words(report)
        if overdue:
            title = _l(
                "%(ref)s: the %(report)s is overdue", ref=proposal.reference, report=report_words
            )
        else:
            title = _l(
                "%(ref)s: the %(report)s is due on %(day)s",
                ref=proposal.reference,
                report=report_words,
                day=LazyString(day, report.due_on),
            )
        written += len(
            tell(
                kind,
                recipients,
                proposal,
                subject=("programme_report", report.id),
                title=title,
                link=path_for("reporting.report", report_id=report.id),
                context={"report": report, "days_left": days_left},
                dedupe_key=f"{kind}:{report.id}:{report.due_on.isoformat()}"
                + ("" if overdue else f":{step}"),
                now=now,
            )
        )
    return written

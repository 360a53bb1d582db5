"""The reporting part of the demo set: the funded demo programme's schedule (made when it is
funded) gets one accepted annual narrative report and one overdue report.

The programme starts after the demo is loaded, so no report of its schedule is late yet: the
demo sets its first annual financial report's due date ten days back, so that the secretariat's
overdue list and `flask fund reports-due` show one. Run once per programme, when the demo
programme is made (the demo skips programmes that exist), so loading again changes nothing.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from fund.accounts.models import User
from fund.extensions import db
from fund.proposals.models import Proposal
from fund.proposals.results import IndicatorActual, ResultIndicator, ResultOutcome
from fund.reporting import operations
from fund.reporting.models import ProgrammeReport


def _first(proposal: Proposal, kind: str) -> ProgrammeReport | None:
    return db.session.scalars(
        select(ProgrammeReport)
        .where(ProgrammeReport.proposal_id == proposal.id, ProgrammeReport.kind == kind)
        .order_by(ProgrammeReport.due_on)
    ).first()


def add_demo_reports(proposal: Proposal, author: User, secretariat: User, today: date) -> None:
    narrative = _first(proposal, "annual_narrative")
    if narrative is not None:
        outcomes = db.session.scalars(
            select(ResultOutcome).where(ResultOutcome.proposal_id == proposal.id)
        ).all()
        indicators = db.session.scalars(
            select(ResultIndicator).where(ResultIndicator.outcome_id.in_([o.id for o in outcomes]))
        ).all()
        reported = {
            actual.indicator_id: actual.value
            for actual in db.session.scalars(
                select(IndicatorActual).where(IndicatorActual.year == narrative.year)
            )
        }
        operations.save_narrative(
            author,
            narrative.id,
            {i.id: reported.get(i.id, i.baseline_value or Decimal("0")) for i in indicators},
            {o.id: f"Progress towards “{o.title}” as planned for the year." for o in outcomes},
            "Staff turnover in the partner ministries may delay the training.",
        )
        operations.fire(author, narrative.id, "submit")
        operations.fire(secretariat, narrative.id, "accept", "Clear and complete, thank you.")
    financial = _first(proposal, "annual_financial")
    if financial is not None:
        financial.due_on = today - timedelta(days=10)
    db.session.flush()

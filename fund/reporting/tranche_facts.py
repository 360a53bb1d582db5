"""What the tranche conditions (`fund.finance.tranche`) read of a programme's reports: the
reports of the years before a transfer request's not yet accepted, and an organization's
expenditure in the accepted financial reports. Registered by `fund.reporting.init_app`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from fund.dialects import cents_sum
from fund.extensions import db
from fund.finance.tranche import PendingReport
from fund.money import from_cents
from fund.reporting.models import (
    FINANCIAL_KINDS,
    NARRATIVE_KINDS,
    ProgrammeReport,
    ReportExpenditure,
    ReportKind,
)
from fund.reporting.queries import reports_accepted_through, status_label
from workflows.report import REPORT_ACCEPTED


def pending_reports(proposal_id: int, before_year: int, today: date) -> list[PendingReport]:
    """The programme's narrative and financial reports on a year before `before_year` that
    are not accepted, the earliest first (none when `reports_accepted_through` says so)."""
    if reports_accepted_through(proposal_id, before_year - 1):
        return []
    rows = db.session.execute(
        select(
            ProgrammeReport.year,
            ProgrammeReport.kind,
            ProgrammeReport.due_on,
            ProgrammeReport.status,
        )
        .where(
            ProgrammeReport.proposal_id == proposal_id,
            ProgrammeReport.year < before_year,
            ProgrammeReport.kind.in_(NARRATIVE_KINDS | FINANCIAL_KINDS),
            ProgrammeReport.status != REPORT_ACCEPTED,
        )
        .order_by(ProgrammeReport.year, ProgrammeReport.due_on, ProgrammeReport.kind)
    ).all()
    return [
        PendingReport(
            year=row.year,
            kind_label=ReportKind(row.kind).label,
            due_on=row.due_on,
            status_label=status_label(row.status, row.due_on, today),
        )
        for row in rows
    ]


def reported_spent(allocation_id: int, organization_id: int) -> Decimal:
    """The organization's expenditure summed over the programme's accepted financial
    reports, exact to the cent."""
    spent = db.session.scalar(
        select(cents_sum(ReportExpenditure.amount))
        .join(ProgrammeReport, ProgrammeReport.id == ReportExpenditure.report_id)
        .where(
            ReportExpenditure.allocation_id == allocation_id,
            ReportExpenditure.organization_id == organization_id,
            ProgrammeReport.status == REPORT_ACCEPTED,
            ProgrammeReport.kind.in_(FINANCIAL_KINDS),
        )
    )
    return from_cents(spent)

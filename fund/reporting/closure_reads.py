"""What a programme's closure reads of its reports (`fund.finance.closure.REPORTS`, given at
start-up by `fund.reporting.init_app`): each organization's expenditure over the accepted
financial reports (the final expenditure the close page proposes), and the final narrative and
financial reports with their status (the guard `final_reports_accepted_or_reason`)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from fund.dialects import cents_sum
from fund.extensions import db, utcnow
from fund.money import from_cents
from fund.reporting.models import FINANCIAL_KINDS, ProgrammeReport, ReportExpenditure, ReportKind
from fund.reporting.queries import status_label
from workflows.report import REPORT_ACCEPTED

FINAL_KINDS = (ReportKind.FINAL_NARRATIVE.value, ReportKind.FINAL_FINANCIAL.value)


def accepted_expenditure(proposal_id: int) -> dict[int, Decimal]:
    """organization id -> what it spent over the programme's accepted financial reports.
    One statement."""
    rows = db.session.execute(
        select(ReportExpenditure.organization_id, cents_sum(ReportExpenditure.amount).label("c"))
        .join(ProgrammeReport, ProgrammeReport.id == ReportExpenditure.report_id)
        .where(
            ProgrammeReport.proposal_id == proposal_id,
            ProgrammeReport.kind.in_(sorted(FINANCIAL_KINDS)),
            ProgrammeReport.status == REPORT_ACCEPTED,
        )
        .group_by(ReportExpenditure.organization_id)
    )
    return {row.organization_id: from_cents(row.c) for row in rows}


def final_reports(proposal_id: int) -> list[tuple[str, str, bool]]:
    """The programme's final reports as (kind label, status label, accepted), by due date.
    One statement."""
    today = utcnow().date()
    reports = db.session.scalars(
        select(ProgrammeReport)
        .where(ProgrammeReport.proposal_id == proposal_id, ProgrammeReport.kind.in_(FINAL_KINDS))
        .order_by(ProgrammeReport.due_on, ProgrammeReport.kind)
    )
    return [
        (
            report.kind_label,
            status_label(report.status, report.due_on, today),
            report.status == REPORT_ACCEPTED,
        )
        for report in reports
    ]

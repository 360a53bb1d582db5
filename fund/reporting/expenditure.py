"""The expenditure the funding status counts: each participating organization's spending in
each programme's accepted financial reports (`fund.finance.status`, registered by `init_app`)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from fund.dialects import cents_sum
from fund.extensions import db
from fund.money import from_cents
from fund.reporting.models import FINANCIAL_KINDS, ProgrammeReport, ReportExpenditure
from workflows.report import REPORT_ACCEPTED


def accepted_expenditure() -> dict[tuple[int, int], Decimal]:
    """(allocation id, organization id) -> what the organization's accepted financial reports
    of that programme spent."""
    rows = db.session.execute(
        select(
            ReportExpenditure.allocation_id,
            ReportExpenditure.organization_id,
            cents_sum(ReportExpenditure.amount).label("c"),
        )
        .join(ProgrammeReport, ProgrammeReport.id == ReportExpenditure.report_id)
        .where(
            ProgrammeReport.status == REPORT_ACCEPTED,
            ProgrammeReport.kind.in_(sorted(FINANCIAL_KINDS)),
        )
        .group_by(ReportExpenditure.allocation_id, ReportExpenditure.organization_id)
    )
    return {(row.allocation_id, row.organization_id): from_cents(row.c) for row in rows}

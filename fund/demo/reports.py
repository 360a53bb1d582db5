"""The reporting part of the demo set: the funded demo programme's schedule (made when it is
funded) gets, after its first year, one accepted annual report (its first annual financial
report: the lead organization spent part of its first tranche, entered and submitted by the
lead organization's staff) and one overdue report, its first annual narrative report, which
holds a field-visit note as evidence but was never submitted (`fund.demo.timeline` dates the
programme so that it is due before the demo is loaded). Each step runs once, on its day, when
the demo programme is made (the demo skips programmes that exist), so loading again changes
nothing.
"""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

from flask import current_app
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas
from sqlalchemy import select

from fund.accounts.models import Role, User, UserRole
from fund.audit.operations import record
from fund.demo.transfers import lead_transferred
from fund.extensions import db
from fund.finance.models import Allocation, AllocationShare
from fund.money import round_cents
from fund.proposals.models import Proposal
from fund.reporting import attachments, operations
from fund.reporting.models import ProgrammeReport, ReportExpenditure
from workflows.report import REPORT_SUBMITTED

# Of what was transferred to the lead organization: spent on staff (1) and supplies (2).
SPENT = ((1, Decimal("0.25")), (2, Decimal("0.10")))


def _first(proposal: Proposal, kind: str) -> ProgrammeReport | None:
    return db.session.scalars(
        select(ProgrammeReport)
        .where(ProgrammeReport.proposal_id == proposal.id, ProgrammeReport.kind == kind)
        .order_by(ProgrammeReport.due_on)
    ).first()


def _staff_of(organization_id: int | None) -> User | None:
    """An applicant of the organization (the first made), who reports for it."""
    return db.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.organization_id == organization_id, UserRole.role == Role.APPLICANT.value)
        .order_by(User.id)
    ).first()


def _field_visit_note(title: str) -> bytes:
    """A small, valid one-page PDF standing in for a report's evidence."""
    buffer = BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    page.setTitle("Field visit note")
    page.drawString(72, 770, "Field visit note")
    page.drawString(72, 740, title[:90])
    page.drawString(72, 710, "(Demo document.)")
    page.save()
    return buffer.getvalue()


def _enter_nothing_spent(financial: ProgrammeReport, allocation_id: int, organization: int):
    """A zero line of an organization the demo has no account of, entered as the demo set's own
    data (no one's action; audited so): the answer a financial report needs of it."""
    financial.expenditures.append(
        ReportExpenditure(
            allocation_id=allocation_id,
            organization_id=organization,
            category_code=1,
            amount=Decimal("0.00"),
        )
    )
    db.session.flush()
    record(
        "report_saved",
        "programme_report",
        financial.id,
        None,
        details={f"{organization}/1": Decimal("0.00")},
    )


def submit_demo_financial_report(proposal: Proposal) -> None:
    """The lead organization's staff enter what it spent of its first tranche; each other
    organization that was transferred money reports no expenditure yet (a zero, the answer a
    financial report needs of it: entered by its staff's demo account, else as the demo's own
    data); the lead organization's staff submit."""
    financial = _first(proposal, "annual_financial")
    lead = proposal.lead_organization_id
    staff = _staff_of(lead)
    paid = lead_transferred(proposal)
    if financial is None or paid is None or staff is None:
        return
    operations.save_financial(
        staff,
        financial.id,
        {(lead, category): round_cents(paid * share) for category, share in SPENT},
    )
    others = db.session.execute(
        select(AllocationShare.allocation_id, AllocationShare.organization_id)
        .join(Allocation, Allocation.id == AllocationShare.allocation_id)
        .where(
            Allocation.proposal_id == proposal.id,
            AllocationShare.disbursed > 0,
            AllocationShare.organization_id != lead,
        )
        .order_by(AllocationShare.organization_id)
    ).all()
    for allocation_id, organization in others:
        reporter = _staff_of(organization)
        if reporter is None:
            _enter_nothing_spent(financial, allocation_id, organization)
        else:
            operations.save_financial(reporter, financial.id, {(organization, 1): Decimal("0.00")})
    operations.fire(staff, financial.id, "submit")


def accept_demo_financial_report(proposal: Proposal, secretariat: User) -> None:
    financial = _first(proposal, "annual_financial")
    if financial is not None and financial.status == REPORT_SUBMITTED:
        operations.fire(secretariat, financial.id, "accept", "Clear and complete, thank you.")


def add_demo_evidence(proposal: Proposal, author: User) -> None:
    """A field-visit note attached to the first annual narrative report, not yet submitted."""
    narrative = _first(proposal, "annual_narrative")
    if narrative is None:
        return
    attachments.add_attachment(
        author,
        narrative.id,
        filename="field-visit-note.pdf",
        data=_field_visit_note(proposal.title),
        allowed_types=("pdf",),
        max_bytes=current_app.config["UPLOAD_MAX_BYTES"],
    )
    db.session.flush()

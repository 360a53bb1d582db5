"""Reads of the programmes' reports: the status a report shows (overdue derived from its due
date), the secretariat's list, an organization's programmes and their reports, a programme's
schedule, the schedule for `flask fund
reports-due`, and whether a programme's reports are accepted up to a year (for the tranche
conditions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, or_, select

from fund.extensions import db
from fund.finance.models import Allocation, AllocationShare
from fund.labels import N_
from fund.proposals.models import OfProposal, Proposal, proposal_participants, proposal_reference
from fund.reporting.models import (
    FINANCIAL_KINDS,
    NARRATIVE_KINDS,
    ProgrammeReport,
    is_overdue,
)
from fund.sentences import pN_
from workflows import FUNDED_STATES
from workflows.report import REPORT_ACCEPTED, REPORT_DUE, REPORT_RETURNED, REPORT_SUBMITTED

OVERDUE = "overdue"
OVERDUE_RETURNED = "overdue_returned"  # returned for changes, after its due date
OVERDUE_STATUSES = frozenset({OVERDUE, OVERDUE_RETURNED})
STATUS_LABELS = {
    REPORT_DUE: N_("Due"),
    OVERDUE: N_("Overdue"),
    OVERDUE_RETURNED: N_("Overdue, returned for changes"),
    # A report is "le rapport" in French ("Soumis") where a proposal is "la proposition".
    REPORT_SUBMITTED: pN_("programme report", "Submitted"),
    REPORT_ACCEPTED: N_("Accepted"),
    REPORT_RETURNED: N_("Returned"),
}


def display_status(status: str, due_on: date, today: date) -> str:
    """The stored status, but for an overdue report (`is_overdue`) `overdue`, or
    `overdue_returned` when it was returned for changes."""
    if not is_overdue(status, due_on, today):
        return status
    return OVERDUE_RETURNED if status == REPORT_RETURNED else OVERDUE


def status_label(status: str, due_on: date, today: date) -> str:
    """The label of the status a report shows (`display_status`): "Overdue", "Submitted"..."""
    return STATUS_LABELS[display_status(status, due_on, today)]


@dataclass(frozen=True)
class ReportRow(OfProposal):
    """A scheduled report of a programme as the lists of reports show it."""

    id: int
    proposal_id: int
    title: str
    kind: str
    kind_label: str
    period: str
    period_start: date
    period_end: date
    year: int
    due_on: date
    status: str  # as displayed: due, overdue, overdue_returned, submitted, accepted, returned
    content_language: str = "en"  # the language the programme's title is written in

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def overdue(self) -> bool:
        return self.status in OVERDUE_STATUSES


def _rows(statement, today: date) -> list[ReportRow]:
    rows = db.session.execute(statement).all()
    return [
        ReportRow(
            id=report.id,
            proposal_id=report.proposal_id,
            title=title,
            kind=report.kind,
            kind_label=report.kind_label,
            period=report.period,
            period_start=report.period_start,
            period_end=report.period_end,
            year=report.year,
            due_on=report.due_on,
            status=display_status(report.status, report.due_on, today),
            content_language=content_language,
        )
        for report, title, content_language in rows
    ]


def _base():
    return select(ProgrammeReport, Proposal.title, Proposal.content_language).join(
        Proposal, Proposal.id == ProgrammeReport.proposal_id
    )


def secretariat_list(today: date) -> list[ReportRow]:
    """The reports not yet accepted: the overdue ones first, then those submitted to review,
    then the others, each by due date. One statement."""
    order = case(
        (ProgrammeReport.overdue(today), 0),
        (ProgrammeReport.status == REPORT_SUBMITTED, 1),
        else_=2,
    )
    return _rows(
        _base()
        .where(ProgrammeReport.status != REPORT_ACCEPTED)
        .order_by(order, ProgrammeReport.due_on, ProgrammeReport.id),
        today,
    )


@dataclass(frozen=True)
class OwnProgramme:
    """A funded or closed programme an organization reports for."""

    id: int
    reference: str
    title: str
    status: str
    content_language: str = "en"  # the language its title is written in


def reports_for_organization(organization_id: int):
    """SQL condition on Proposal: the organization reports for it (it owns the programme or
    has an allocation share of it: `fund.reporting.workflow.reporting_organizations`)."""
    shares = (
        select(Allocation.proposal_id)
        .join(AllocationShare, AllocationShare.allocation_id == Allocation.id)
        .where(AllocationShare.organization_id == organization_id)
    )
    return or_(Proposal.organization_id == organization_id, Proposal.id.in_(shares))


def works_on_programme(organization_id: int):
    """SQL condition on Proposal: the organization's staff work on the programme (it reports
    for it, leads it or takes part in it: `fund.reporting.workflow.programme_organizations`)."""
    participates = select(proposal_participants.c.proposal_id).where(
        proposal_participants.c.organization_id == organization_id
    )
    return or_(
        reports_for_organization(organization_id),
        Proposal.lead_organization_id == organization_id,
        Proposal.id.in_(participates),
    )


def organization_programmes(organization_id: int) -> list[OwnProgramme]:
    """The funded or closed programmes an organization reports for, newest first. One
    statement."""
    rows = db.session.execute(
        select(Proposal.id, Proposal.title, Proposal.status, Proposal.content_language)
        .where(
            Proposal.status.in_(FUNDED_STATES),
            reports_for_organization(organization_id),
        )
        .order_by(Proposal.id.desc())
    )
    return [
        OwnProgramme(
            row.id, proposal_reference(row.id), row.title, row.status, row.content_language
        )
        for row in rows
    ]


def organization_list(organization_id: int, today: date) -> list[ReportRow]:
    """The reports not yet accepted of the programmes an organization reports for, by due
    date. One statement."""
    return _rows(
        _base()
        .where(
            ProgrammeReport.status != REPORT_ACCEPTED,
            reports_for_organization(organization_id),
        )
        .order_by(ProgrammeReport.due_on, ProgrammeReport.id),
        today,
    )


def programme_schedule(proposal_id: int, today: date) -> list[ReportRow]:
    """A programme's reports by due date. One statement."""
    return _rows(
        _base()
        .where(ProgrammeReport.proposal_id == proposal_id)
        .order_by(ProgrammeReport.due_on, ProgrammeReport.kind),
        today,
    )


def schedule(today: date) -> list[ReportRow]:
    """Every programme's reports, by due date then programme. One statement."""
    return _rows(
        _base().order_by(ProgrammeReport.due_on, ProgrammeReport.proposal_id, ProgrammeReport.kind),
        today,
    )


def existing_reports(ids: set[int]) -> set[int]:
    """Those of the reports `ids` that still exist (planning again removes reports still due);
    one statement."""
    if not ids:
        return set()
    return set(db.session.scalars(select(ProgrammeReport.id).where(ProgrammeReport.id.in_(ids))))


def reports_accepted_through(proposal_id: int, year: int) -> bool:
    """Every narrative and financial report of the programme on a year up to `year` is
    accepted (true when none is scheduled). A tranche condition reads it."""
    pending = db.session.scalar(
        select(ProgrammeReport.id)
        .where(
            ProgrammeReport.proposal_id == proposal_id,
            ProgrammeReport.year <= year,
            ProgrammeReport.kind.in_(NARRATIVE_KINDS | FINANCIAL_KINDS),
            ProgrammeReport.status != REPORT_ACCEPTED,
        )
        .limit(1)
    )
    return pending is None

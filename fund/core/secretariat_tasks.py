"""The secretariat's tasks on Home: proposals to screen, voting rounds to close, approved
programmes to fund, tranches to request, reports to review and overdue, revisions to decide.
Each task is one statement (`fund.core.tasks.oldest`)."""

from __future__ import annotations

from datetime import date, datetime

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import exists, func, or_, select

from fund.accounts.models import Role
from fund.committee.models import RoundStatus, VotingRound
from fund.committee.seating import every_seat_voted_sql
from fund.core.tasks import (
    Item,
    Section,
    Task,
    dated,
    day,
    oldest,
    proposal_item,
    proposal_label,
    reports_task,
    revision_item,
    task,
    tranche_label,
    tranche_rows,
)
from fund.finance.models import Allocation, AllocationShare, Disbursement
from fund.finance.schedule_models import PlannedTranche
from fund.finance.transfer_models import OPEN, TransferRequest
from fund.finance.transfer_schedule import tranche_position
from fund.i18n import money
from fund.labels import N_
from fund.proposals.models import Proposal, ProposalKind
from fund.reporting.models import ProgrammeReport
from fund.revisions.models import Revision
from workflows import SCREENING_STATES
from workflows.proposal import FUNDED_STATE, PIPELINE_STATE, SCREENING_STATE
from workflows.report import REPORT_SUBMITTED

# The secretariat -----------------------------------------------------------------------------


def _to_screen() -> Task:
    rows, count = oldest(
        select(Proposal.id, Proposal.title, Proposal.status, Proposal.submitted_at).where(
            Proposal.status.in_(SCREENING_STATES)
        ),
        Proposal.submitted_at,
        Proposal.id,
    )
    items = [
        proposal_item(
            pid,
            title,
            "screening.checklist",
            dated(N_("in screening %(day)s"), N_("in screening"), submitted)
            if status == SCREENING_STATE
            else dated(N_("submitted %(day)s"), N_("submitted"), submitted),
        )
        for pid, title, status, submitted in rows
    ]
    return task("to_screen", count, url_for("screening.queue"), _("Screening queue"), items)


def _rounds_to_close(now: datetime) -> Task:
    """Open rounds past their deadline, or in which every seat that counts has voted (the
    committee's rule, `every_seat_voted`)."""
    passed = VotingRound.past_deadline(now)
    rows, count = oldest(
        select(passed, VotingRound.deadline, Proposal.id, Proposal.title)
        .join(Proposal, Proposal.id == VotingRound.proposal_id)
        .where(
            VotingRound.status == RoundStatus.OPEN,
            or_(passed, every_seat_voted_sql(VotingRound.id)),
        ),
        VotingRound.opened_at,
        VotingRound.id,
    )
    items = [
        Item(
            proposal_label(pid, title),
            url_for("committee.meeting"),
            _("deadline passed %(day)s", day=day(deadline)) if late else _("every seat voted"),
            bool(late),
        )
        for late, deadline, pid, title in rows
    ]
    return task("rounds_to_close", count, url_for("committee.meeting"), _("The meeting"), items)


def _approved_to_fund() -> Task:
    rows, count = oldest(
        select(Proposal.id, Proposal.title, Proposal.approved_at).where(
            Proposal.status == PIPELINE_STATE, Proposal.kind == ProposalKind.PROPOSAL
        ),
        Proposal.approved_at,
        Proposal.id,
    )
    items = [
        proposal_item(
            pid, title, "finance.proposal", dated(N_("approved %(day)s"), N_("approved"), approved)
        )
        for pid, title, approved in rows
    ]
    approved = url_for("proposals.index", status=PIPELINE_STATE, kind=ProposalKind.PROPOSAL.value)
    return task("approved_to_fund", count, approved, _("Approved programmes"), items)


def _tranches_to_request(today: date) -> Task:
    """Each organization's next tranche (the planned tranche after as many as transfers were
    made: `fund.finance.transfer_schedule.next_tranche`), planned by today and not requested
    yet, of a funded programme."""
    transferred = (
        select(func.count(Disbursement.id))
        .where(
            Disbursement.allocation_id == PlannedTranche.allocation_id,
            Disbursement.organization_id == PlannedTranche.organization_id,
        )
        .scalar_subquery()
    )
    requested = exists().where(
        TransferRequest.allocation_id == PlannedTranche.allocation_id,
        TransferRequest.organization_id == PlannedTranche.organization_id,
        TransferRequest.status == OPEN,
    )
    # Something of the share remains to be paid (`check_within_share` refuses a request else).
    owed = exists().where(
        AllocationShare.allocation_id == PlannedTranche.allocation_id,
        AllocationShare.organization_id == PlannedTranche.organization_id,
        AllocationShare.disbursed < AllocationShare.amount,
    )
    rows, count = oldest(
        tranche_rows(
            PlannedTranche, PlannedTranche.number, PlannedTranche.planned_on, PlannedTranche.amount
        )
        .join(Proposal, Proposal.id == Allocation.proposal_id)
        .where(
            Proposal.status == FUNDED_STATE,
            PlannedTranche.planned_on <= today,
            tranche_position() == transferred,
            ~requested,
            owed,
        ),
        PlannedTranche.planned_on,
        PlannedTranche.id,
    )
    items = [
        Item(
            tranche_label(pid, number, organization),
            url_for("transfers.request_transfer", proposal_id=pid),
            _("%(amount)s, planned %(day)s", amount=money(amount), day=day(planned)),
        )
        for number, planned, amount, organization, pid in rows
    ]
    return task("tranches_to_request", count, url_for("finance.balance"), _("Finances"), items)


def _revisions_to_decide() -> Task:
    rows, count = oldest(
        select(Revision.id, Revision.number, Revision.submitted_at, Proposal.id, Proposal.title)
        .join(Proposal, Proposal.id == Revision.proposal_id)
        .where(Revision.awaits_secretariat),
        Revision.submitted_at,
        Revision.id,
    )
    items = [
        revision_item(rid, number, pid, dated(N_("submitted %(day)s"), N_("submitted"), submitted))
        for rid, number, submitted, pid, _title in rows
    ]
    return task("revisions_to_decide", count, url_for("revisions.index"), _("All revisions"), items)


def secretariat_section(now: datetime, today: date) -> Section:
    tasks = [
        _to_screen(),
        _rounds_to_close(now),
        _approved_to_fund(),
        _tranches_to_request(today),
        reports_task(
            ProgrammeReport.status == REPORT_SUBMITTED,
            (ProgrammeReport.submitted_at, ProgrammeReport.id),
            today,
            "reports_to_review",
        ),
        reports_task(
            ProgrammeReport.overdue(today),
            (ProgrammeReport.due_on, ProgrammeReport.id),
            today,
            "reports_overdue",
        ),
        _revisions_to_decide(),
    ]
    return Section(
        Role.SECRETARIAT,
        _("The secretariat's work"),
        tasks,
        _(
            "Nothing waits for the secretariat: the screening queue is empty, no round is ready "
            "to close, no approved programme waits for money and no report or revision waits."
        ),
    )

"""Read models for the proposal pages, each in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from fund.accounts.models import Organization, Role, User
from fund.calls.models import Call
from fund.extensions import db
from fund.pagination import Paging
from fund.proposals.access import COMMITTEE_VISIBLE
from fund.proposals.models import (
    Attachment,
    BudgetLine,
    IndicativeTotal,
    Proposal,
    ProposalPrinciple,
    ProposalVersion,
)
from fund.proposals.results_queries import FRAMEWORK
from workflows import PROPOSAL_WORKFLOW
from workflows.concept_note import CONCEPT_NOTE_WORKFLOW


@dataclass(frozen=True)
class ProposalFilters:
    status: str = ""
    call_id: int | None = None
    q: str = ""
    kind: str = ""  # a kind of row (proposal, concept_note), or "" for both


# The states the lists filter by: the proposal's, then those only a concept note has.
STATUS_CHOICES: dict[str, str] = {
    **{s: PROPOSAL_WORKFLOW.state_label(s) for s in PROPOSAL_WORKFLOW.states},
    **{
        s: CONCEPT_NOTE_WORKFLOW.state_label(s)
        for s in CONCEPT_NOTE_WORKFLOW.states
        if s not in PROPOSAL_WORKFLOW.states
    },
}


@dataclass
class ProposalPage(Paging):
    rows: list[Any] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.count


def _visible_to(query: Select, user: User) -> Select:
    if user.has_role(Role.SECRETARIAT):
        return query
    conditions = []
    if user.has_role(Role.APPLICANT) and user.organization_id:
        conditions.append(Proposal.organization_id == user.organization_id)
    if user.has_role(Role.COMMITTEE):
        conditions.append(Proposal.status.in_(COMMITTEE_VISIBLE))
    return query.where(or_(*conditions)) if conditions else query.where(False)


def list_proposals(
    user: User, filters: ProposalFilters, page: int = 1, per_page: int = 25
) -> ProposalPage:
    """Proposals the user may see, newest change first, in two queries."""
    query = _visible_to(select(Proposal), user)
    if filters.status:
        query = query.where(Proposal.status == filters.status)
    if filters.kind:
        query = query.where(Proposal.kind == filters.kind)
    if filters.call_id:
        query = query.where(Proposal.call_id == filters.call_id)
    if filters.q.strip():
        query = query.where(Proposal.title.ilike(f"%{filters.q.strip()}%"))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(
        query.options(joinedload(Proposal.organization), joinedload(Proposal.call))
        .order_by(Proposal.updated_at.desc(), Proposal.id.desc())
        .limit(per_page)
        .offset((max(page, 1) - 1) * per_page)
    ).all()
    return ProposalPage(total, max(page, 1), per_page, rows=list(rows))


def load_proposal(proposal_id: int) -> Proposal | None:
    """A proposal with everything its page shows, loaded eagerly."""
    return db.session.scalar(
        select(Proposal)
        .where(Proposal.id == proposal_id)
        .options(
            joinedload(Proposal.organization),
            joinedload(Proposal.call),
            joinedload(Proposal.lead_organization),
            joinedload(Proposal.primary_objective),
            selectinload(Proposal.participants),
            selectinload(Proposal.countries),
            selectinload(Proposal.endorsers),
            selectinload(Proposal.secondary_objectives),
            selectinload(Proposal.principles).joinedload(ProposalPrinciple.principle),
            selectinload(Proposal.contacts),
            selectinload(Proposal.budget_lines).joinedload(BudgetLine.organization),
            selectinload(Proposal.attachments).joinedload(Attachment.uploaded_by),
            selectinload(Proposal.national_partners),
            selectinload(Proposal.indicative_totals).joinedload(IndicativeTotal.organization),
            FRAMEWORK,
        )
    )


def versions(proposal_id: int) -> list[ProposalVersion]:
    return list(
        db.session.scalars(
            select(ProposalVersion)
            .where(ProposalVersion.proposal_id == proposal_id)
            .options(joinedload(ProposalVersion.submitted_by))
            .order_by(ProposalVersion.number)
        )
    )


def open_calls(today) -> list[Call]:
    return list(
        db.session.scalars(
            select(Call)
            .where(Call.opens_on <= today, Call.closes_on >= today)
            .order_by(Call.closes_on)
        )
    )


def organization_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = db.session.execute(
        select(Organization.id, Organization.acronym, Organization.name).where(
            Organization.id.in_(ids)
        )
    )
    return {row.id: row.acronym or row.name for row in rows}

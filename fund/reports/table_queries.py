"""What the secretariat's spreadsheets read (`fund.reports.spreadsheets`): every programme
proposal, budget line, allocation with its shares, disbursement and contribution.

Each function runs a fixed number of SQL queries, whatever the number of proposals. The two
large tables, the proposals and their budget lines, are read as plain columns: no ORM object
is made for a row that is only written out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, Table, select
from sqlalchemy.orm import aliased, joinedload

from fund.accounts.models import Organization
from fund.calls.models import Call
from fund.extensions import db
from fund.finance.models import Allocation, Contribution, Disbursement
from fund.finance.queries.lists import shares_loaded
from fund.proposals import status_rules
from fund.proposals.models import (
    BudgetLine,
    Proposal,
    proposal_countries,
    proposal_endorsers,
    proposal_participants,
    proposal_secondary_objectives,
)
from fund.reference.models import Country
from fund.reports.queries import plain_rows, to_proposal


@dataclass(frozen=True)
class ProposalRecord:
    """A programme proposal as the proposals table shows it: its own columns, the labels of
    its call and organizations, and what it links to (countries and governments by their
    ISO codes in the order of their names, secondary objectives by number)."""

    id: int
    title: str
    call: str
    status: str
    organization: str
    lead_organization: str | None
    scope: str | None
    primary_objective_number: int | None
    gender_marker: int | None
    human_rights_marker: int | None
    planned_start: date | None
    duration_months: int | None
    submission_number: int
    submitted_at: datetime | None
    participants: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    endorsers: tuple[str, ...] = ()
    secondary_objectives: tuple[int, ...] = ()


def _named(
    table: Table, value: Any, order: Any, joined: tuple[Any, Any] | None = None
) -> dict[int, tuple[Any, ...]]:
    """What each programme proposal names through the link `table`: `value`, in `order`;
    `joined` is the table `value` is read from and how it joins the link, if not the link."""
    query = select(table.c.proposal_id, value).join(Proposal, Proposal.id == table.c.proposal_id)
    if joined is not None:
        query = query.join(*joined)
    found: dict[int, list[Any]] = defaultdict(list)
    for proposal_id, named in plain_rows(
        query.where(status_rules.is_programme()).order_by(table.c.proposal_id, order)
    ):
        found[proposal_id].append(named)
    return {proposal_id: tuple(values) for proposal_id, values in found.items()}


def all_proposals() -> list[ProposalRecord]:
    """Every full programme proposal with what the proposals table shows but its budget, by
    id (five queries). Concept notes have no budget to export: they are left out."""
    lead = aliased(Organization)
    participants = _named(
        proposal_participants,
        Organization.label,
        Organization.acronym,
        (Organization, Organization.id == proposal_participants.c.organization_id),
    )
    countries, endorsers = (
        _named(link, Country.iso2, Country.name, (Country, Country.iso2 == link.c.country_iso2))
        for link in (proposal_countries, proposal_endorsers)
    )
    number = proposal_secondary_objectives.c.objective_number
    secondary = _named(proposal_secondary_objectives, number, number)
    rows = plain_rows(
        select(
            Proposal.id,
            Proposal.title,
            Call.title.label("call"),
            Proposal.status,
            Organization.label.label("organization"),
            lead.label.label("lead_organization"),
            Proposal.scope,
            Proposal.primary_objective_number,
            Proposal.gender_marker,
            Proposal.human_rights_marker,
            Proposal.planned_start,
            Proposal.duration_months,
            Proposal.submission_number,
            Proposal.submitted_at,
        )
        .join(Call, Call.id == Proposal.call_id)
        .join(Organization, Organization.id == Proposal.organization_id)
        .outerjoin(lead, lead.id == Proposal.lead_organization_id)
        .where(status_rules.is_programme())
        .order_by(Proposal.id)
    )
    return [
        ProposalRecord(
            **row._asdict(),
            participants=participants.get(row.id, ()),
            countries=countries.get(row.id, ()),
            endorsers=endorsers.get(row.id, ()),
            secondary_objectives=secondary.get(row.id, ()),
        )
        for row in rows
    ]


def allocations_by_proposal() -> dict[int, Allocation]:
    """Every allocation with its shares and their organizations (two queries)."""
    return {
        a.proposal_id: a
        for a in db.session.scalars(
            select(Allocation).options(shares_loaded()).order_by(Allocation.id)
        )
    }


def _with_proposal(entity: Any, load: Any, *order_by: Any) -> list[tuple[Any, Proposal]]:
    """Every row of `entity` with its proposal (a disbursement's through its allocation),
    loading `load` with it, in `order_by`."""
    query = to_proposal(select(entity, Proposal), entity).options(load).order_by(*order_by)
    return list(db.session.execute(query).all())


def all_budget_lines() -> Sequence[Row[Any]]:
    """Every budget line with its proposal's title and organization's label (plain columns)."""
    return plain_rows(
        select(
            BudgetLine.proposal_id,
            Proposal.title,
            Organization.label.label("organization"),
            BudgetLine.objective_number,
            BudgetLine.category_code,
            BudgetLine.year,
            BudgetLine.description,
            BudgetLine.amount,
        )
        .join(Proposal, Proposal.id == BudgetLine.proposal_id)
        .join(Organization, Organization.id == BudgetLine.organization_id)
        .order_by(BudgetLine.proposal_id, BudgetLine.id)
    )


def all_allocations() -> list[tuple[Allocation, Proposal]]:
    """Every allocation with its proposal and shares, by allocation (two queries)."""
    return _with_proposal(Allocation, shares_loaded(), Allocation.id)


def all_disbursements() -> list[tuple[Disbursement, Proposal]]:
    """Every disbursement with its proposal and organization, by payment date (one query)."""
    organization = joinedload(Disbursement.organization)
    return _with_proposal(Disbursement, organization, Disbursement.paid_on, Disbursement.id)


def all_contributions() -> list[Contribution]:
    """Every contribution, voided ones included, with donor and void (one query)."""
    return list(
        db.session.scalars(
            select(Contribution)
            .options(joinedload(Contribution.donor), joinedload(Contribution.void))
            .order_by(Contribution.received_on, Contribution.id)
        )
    )

"""What the secretariat's spreadsheets read (`fund.reports.spreadsheets`): every programme
proposal, budget line, allocation with its shares, disbursement and contribution.

Each function runs a fixed number of SQL queries, whatever the number of proposals. The
tables are read as plain columns (no ORM object is made for a row that is only written out),
and the large ones a batch at a time as they are written (`_streamed`): a million budget lines
are never held whole. Only the contributions, a few hundred, are read as records.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, Table, select
from sqlalchemy.orm import aliased, joinedload

from fund.accounts.models import Organization
from fund.calls.models import Call
from fund.dialects import cents_sum
from fund.extensions import db, plain_rows
from fund.finance.closure_models import ClosureShare, ProgrammeClosure, Refund
from fund.finance.models import Allocation, AllocationShare, Contribution, Disbursement
from fund.money import sql_cents
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
from fund.reports.queries import to_proposal

# The rows fetched from the database at a time while a table is written.
_BATCH = 2_000


def _streamed(query: Any) -> Iterator[Row[Any]]:
    """The rows of a query of plain columns, fetched a batch at a time as they are read, so
    that a table of a million budget lines is never held whole. The query runs when the first
    row is read."""
    yield from db.session.connection().execution_options(yield_per=_BATCH).execute(query)


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


def all_proposals() -> Iterator[ProposalRecord]:
    """Every full programme proposal with what the proposals table shows but its budget, by
    id (five queries, run when the first is read). Concept notes have no budget to export:
    they are left out."""
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
    rows = _streamed(
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
    for row in rows:
        yield ProposalRecord(
            **row._asdict(),
            participants=participants.get(row.id, ()),
            countries=countries.get(row.id, ()),
            endorsers=endorsers.get(row.id, ()),
            secondary_objectives=secondary.get(row.id, ()),
        )


def all_budget_lines() -> Iterator[Row[Any]]:
    """Every budget line with its proposal's title and organization's label (plain columns)."""
    yield from _streamed(
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


def all_allocations() -> Sequence[Row[Any]]:
    """Every allocation with its proposal's title, what its shares have paid out (`paid`),
    what its closure gave back to the pools (`released`, never paid; None unless closed) and
    the refunds received since (`refunded`), in cents, by allocation (one query of plain
    columns)."""
    paid = (
        select(
            AllocationShare.allocation_id,
            cents_sum(AllocationShare.disbursed).label("paid"),
        )
        .group_by(AllocationShare.allocation_id)
        .subquery()
    )
    refunded = (
        select(Refund.allocation_id, cents_sum(Refund.amount).label("refunded"))
        .group_by(Refund.allocation_id)
        .subquery()
    )
    return plain_rows(
        select(
            Allocation.id,
            Allocation.proposal_id,
            Proposal.title,
            Allocation.allocated_on,
            Allocation.amount,
            paid.c.paid,
            sql_cents(ProgrammeClosure.released).label("released"),
            refunded.c.refunded,
            Allocation.recorded_at,
        )
        .join(Proposal, Proposal.id == Allocation.proposal_id)
        .outerjoin(paid, paid.c.allocation_id == Allocation.id)
        .outerjoin(ProgrammeClosure, ProgrammeClosure.allocation_id == Allocation.id)
        .outerjoin(refunded, refunded.c.allocation_id == Allocation.id)
        .order_by(Allocation.id)
    )


def all_allocation_shares() -> Iterator[Row[Any]]:
    """Every allocation's shares with the allocation's proposal, the organization's label,
    whether the programme is closed (`closed`: what the share never paid went back to the
    pools) and the organization's refunds (`refunded`, None unless closed), by allocation then
    organization (one query of plain columns)."""
    yield from _streamed(
        select(
            AllocationShare.allocation_id,
            Allocation.proposal_id,
            Organization.label.label("organization"),
            AllocationShare.amount,
            AllocationShare.disbursed,
            ProgrammeClosure.proposal_id.is_not(None).label("closed"),
            ClosureShare.refunded,
        )
        .join(Allocation, Allocation.id == AllocationShare.allocation_id)
        .join(Organization, Organization.id == AllocationShare.organization_id)
        .outerjoin(ProgrammeClosure, ProgrammeClosure.allocation_id == Allocation.id)
        .outerjoin(
            ClosureShare,
            (ClosureShare.allocation_id == AllocationShare.allocation_id)
            & (ClosureShare.organization_id == AllocationShare.organization_id),
        )
        .order_by(AllocationShare.allocation_id, AllocationShare.organization_id)
    )


def all_disbursements() -> Iterator[Row[Any]]:
    """Every disbursement with its proposal and organization's label, by payment date (one
    query of plain columns)."""
    yield from _streamed(
        to_proposal(
            select(
                Disbursement.id,
                Disbursement.allocation_id,
                Allocation.proposal_id,
                Proposal.title,
                Organization.label.label("organization"),
                Disbursement.paid_on,
                Disbursement.amount,
                Disbursement.reference,
                Disbursement.recorded_at,
            ),
            Disbursement,
        )
        .join(Organization, Organization.id == Disbursement.organization_id)
        .order_by(Disbursement.paid_on, Disbursement.id)
    )


def all_contributions() -> list[Contribution]:
    """Every contribution, voided ones included, with donor and void (one query)."""
    return list(
        db.session.scalars(
            select(Contribution)
            .options(joinedload(Contribution.donor), joinedload(Contribution.void))
            .order_by(Contribution.received_on, Contribution.id)
        )
    )

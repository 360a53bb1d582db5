"""Reads of the programmes' closures: the close page, a closed programme's money (final
expenditure, refunds due and received by organization and by pool), the administrative agent's
list of refunds due, and the refunds of every programme for open data. Each in a fixed number
of statements."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from fund.accounts.models import Organization
from fund.dialects import cents_sum
from fund.extensions import db, record_from_row
from fund.finance import funding
from fund.finance.closure import REPORTS
from fund.finance.closure_models import ClosureShare, ProgrammeClosure, Refund, RefundFigures
from fund.finance.models import Allocation, AllocationShare, AllocationSource, unpaid_by_pool
from fund.finance.transfer_models import OPEN, TransferRequest
from fund.money import ZERO, from_cents, read_amount, sql_cents
from fund.proposals.models import OfProposal, Proposal

# The agent's list shows this many of the latest refunds received.
LATEST_REFUNDS = 25


@dataclass
class CloseShare:
    """An organization on the close page: its share, what it was transferred, what its
    accepted financial reports say it spent (the proposed final expenditure)."""

    organization_id: int
    name: str
    amount: Decimal
    transferred: Decimal
    reported: Decimal

    @property
    def not_transferred(self) -> Decimal:
        return self.amount - self.transferred


@dataclass
class OpenRequest:
    """A transfer request still open on the close page: closing cancels it."""

    code: str
    organization: str
    amount: Decimal
    tranche: int
    requested_at: datetime


@dataclass
class ClosePage:
    """What the close page shows of a funded programme before it is closed."""

    shares: list[CloseShare]
    sources: list[tuple[str, Decimal]]  # pool, what would go back to it (never transferred)
    final_reports: list[tuple[str, str, bool]]
    # The transfer requests still open, which closing cancels.
    open_requests: list[OpenRequest] = field(default_factory=list)

    @property
    def releasing(self) -> Decimal:
        return sum((amount for _, amount in self.sources), ZERO)


def close_page(proposal_id: int) -> ClosePage | None:
    """What the close page shows of a funded programme, or None without an allocation."""
    allocation = db.session.scalar(
        select(Allocation)
        .where(Allocation.proposal_id == proposal_id)
        .options(selectinload(Allocation.shares).joinedload(AllocationShare.organization))
        .options(selectinload(Allocation.sources))
    )
    if allocation is None:
        return None
    reported = REPORTS.expenditure(proposal_id)
    shares = [
        CloseShare(
            organization_id=share.organization_id,
            name=share.organization.label,
            amount=read_amount(share.amount),
            transferred=read_amount(share.disbursed),
            reported=read_amount(reported.get(share.organization_id)),
        )
        for share in allocation.shares
    ]
    unpaid = unpaid_by_pool(allocation.sources)
    sources = [(code, unpaid[code]) for code in funding.draw_order(unpaid) if unpaid[code] > 0]
    return ClosePage(
        shares, sources, REPORTS.final_reports(proposal_id), _open_requests(allocation.id)
    )


def _open_requests(allocation_id: int) -> list[OpenRequest]:
    """The allocation's transfer requests still open (those closing cancels), the oldest
    first."""
    rows = db.session.scalars(
        select(TransferRequest)
        .where(TransferRequest.allocation_id == allocation_id, TransferRequest.status == OPEN)
        .options(selectinload(TransferRequest.organization))
        .order_by(TransferRequest.id)
    ).all()
    return [
        OpenRequest(
            row.code, row.organization.label, read_amount(row.amount), row.tranche, row.requested_at
        )
        for row in rows
    ]


@dataclass
class ShareAtClosure(RefundFigures):
    """An organization's transfers, final expenditure and refunds at its programme's closure."""

    organization_id: int
    name: str
    transferred: Decimal
    final_expenditure: Decimal
    refunded: Decimal


@dataclass
class PoolAtClosure:
    """A pool's money in a closed programme: allocated, transferred, released and refunded."""

    code: str
    label: str
    allocated: Decimal
    transferred: Decimal
    released: Decimal
    refunded: Decimal


@dataclass
class RefundRow(OfProposal):
    """A refund received from an organization for a closed programme."""

    id: int
    proposal_id: int
    organization: str
    received_on: date
    amount: Decimal
    reference: str
    pools: list[tuple[str, Decimal]]
    recorded_by: str | None
    recorded_at: datetime


@dataclass
class ClosedProgramme:
    """A closed programme's money: its closure, each organization's final expenditure and
    refunds, each pool's money back (never transferred, refunded), the refunds received."""

    proposal_id: int
    closed_on: date
    reason: str
    closed_by: str | None
    released: Decimal
    shares: list[ShareAtClosure]
    pools: list[PoolAtClosure]
    refunds: list[RefundRow] = field(default_factory=list)

    def total(self, name: str) -> Decimal:
        return sum((getattr(share, name) for share in self.shares), ZERO)


def _refund_rows(query) -> list[RefundRow]:
    refunds = db.session.execute(
        query.options(
            selectinload(Refund.pools),
            selectinload(Refund.organization),
            selectinload(Refund.recorded_by),
        )
    ).all()
    return [
        RefundRow(
            id=refund.id,
            proposal_id=proposal_id,
            organization=refund.organization.label,
            received_on=refund.received_on,
            amount=read_amount(refund.amount),
            reference=refund.reference,
            pools=[(part.pool_code, read_amount(part.amount)) for part in refund.pools],
            recorded_by=refund.recorded_by.name if refund.recorded_by else None,
            recorded_at=refund.recorded_at,
        )
        for refund, proposal_id in refunds
    ]


def _refunds_query():
    return select(Refund, Allocation.proposal_id).join(
        Allocation, Allocation.id == Refund.allocation_id
    )


def closed_programme(proposal_id: int) -> ClosedProgramme | None:
    """The closed programme's money, or None when it has no closure recorded."""
    closure = db.session.scalar(
        select(ProgrammeClosure)
        .where(ProgrammeClosure.proposal_id == proposal_id)
        .options(selectinload(ProgrammeClosure.closed_by))
    )
    if closure is None:
        return None
    shares = db.session.execute(
        select(ClosureShare, Organization.label)
        .join(Organization, Organization.id == ClosureShare.organization_id)
        .where(ClosureShare.allocation_id == closure.allocation_id)
        .order_by(ClosureShare.organization_id)
    ).all()
    sources = db.session.scalars(
        select(AllocationSource).where(AllocationSource.allocation_id == closure.allocation_id)
    ).all()
    by_code = {source.pool_code: source for source in sources}
    return ClosedProgramme(
        proposal_id=proposal_id,
        closed_on=closure.closed_on,
        reason=closure.reason,
        closed_by=closure.closed_by.name if closure.closed_by else None,
        released=read_amount(closure.released),
        shares=[
            ShareAtClosure(
                organization_id=share.organization_id,
                name=label,
                transferred=read_amount(share.transferred),
                final_expenditure=read_amount(share.final_expenditure),
                refunded=read_amount(share.refunded),
            )
            for share, label in shares
        ],
        pools=[
            PoolAtClosure(
                code=code,
                label=funding.pool_label(code),
                allocated=read_amount(by_code[code].amount),
                transferred=read_amount(by_code[code].disbursed),
                released=read_amount(by_code[code].released),
                refunded=read_amount(by_code[code].refunded),
            )
            for code in funding.draw_order(by_code)
        ],
        refunds=_refund_rows(
            _refunds_query()
            .where(Refund.allocation_id == closure.allocation_id)
            .order_by(Refund.received_on, Refund.id)
        ),
    )


@dataclass
class RefundDue(RefundFigures, OfProposal):
    """A refund an organization still owes for a closed programme."""

    proposal_id: int
    title: str
    organization_id: int
    organization: str
    closed_on: date
    transferred: Decimal
    final_expenditure: Decimal
    refunded: Decimal
    content_language: str = "en"  # the language the title is written in


def refunds_due() -> list[RefundDue]:
    """The organizations that still owe a refund, the earliest closure first. One statement."""
    rows = db.session.execute(
        select(
            ProgrammeClosure.proposal_id,
            ProgrammeClosure.closed_on,
            Proposal.title,
            ClosureShare.organization_id,
            ClosureShare.transferred,
            ClosureShare.final_expenditure,
            ClosureShare.refunded,
            Organization.label.label("organization"),
            Proposal.content_language,
        )
        .join(ClosureShare, ClosureShare.allocation_id == ProgrammeClosure.allocation_id)
        .join(Proposal, Proposal.id == ProgrammeClosure.proposal_id)
        .join(Organization, Organization.id == ClosureShare.organization_id)
        .where(ClosureShare.owing())
        .order_by(ProgrammeClosure.closed_on, ProgrammeClosure.proposal_id, Organization.id)
    )
    return [
        record_from_row(
            RefundDue,
            row,
            transferred=read_amount(row.transferred),
            final_expenditure=read_amount(row.final_expenditure),
            refunded=read_amount(row.refunded),
        )
        for row in rows
    ]


def latest_refunds(limit: int = LATEST_REFUNDS) -> list[RefundRow]:
    """The latest refunds received, of every programme."""
    return _refund_rows(
        _refunds_query().order_by(Refund.recorded_at.desc(), Refund.id.desc()).limit(limit)
    )


@dataclass(frozen=True)
class ProgrammeRefunds:
    """For open data: what a closed programme is still owed, and the refunds received as
    (received on, amount, organization id, reference)."""

    outstanding: Decimal
    refunds: tuple[tuple[date, Decimal, int, str], ...]
    recorded_at: tuple[datetime, ...] = ()
    closed_on: date | None = None
    released: Decimal = ZERO  # allocated, never transferred: given back to the pools at closure


def refunds_by_proposal() -> dict[int, ProgrammeRefunds]:
    """Every closed programme's refunds due and received, and what its closure gave back, by
    proposal. Two statements."""
    owed = {
        row.proposal_id: row
        for row in db.session.execute(
            select(
                ProgrammeClosure.proposal_id,
                ProgrammeClosure.closed_on,
                ProgrammeClosure.released,
                outstanding_cents_sum().label("cents"),
            )
            .join(ClosureShare, ClosureShare.allocation_id == ProgrammeClosure.allocation_id)
            .group_by(
                ProgrammeClosure.proposal_id,
                ProgrammeClosure.closed_on,
                ProgrammeClosure.released,
            )
        )
    }
    received: dict[int, list] = {}
    for row in db.session.execute(
        select(
            Allocation.proposal_id,
            Refund.received_on,
            Refund.amount,
            Refund.organization_id,
            Refund.reference,
            Refund.recorded_at,
        )
        .join(Allocation, Allocation.id == Refund.allocation_id)
        .order_by(Refund.received_on, Refund.id)
    ):
        received.setdefault(row.proposal_id, []).append(row)
    return {
        proposal_id: ProgrammeRefunds(
            outstanding=from_cents(closure.cents),
            refunds=tuple(
                (r.received_on, read_amount(r.amount), r.organization_id, r.reference)
                for r in received.get(proposal_id, [])
            ),
            recorded_at=tuple(r.recorded_at for r in received.get(proposal_id, [])),
            closed_on=closure.closed_on,
            released=read_amount(closure.released),
        )
        for proposal_id, closure in owed.items()
    }


def allocation_refunds_cents() -> Any:
    """The refunds an allocation received, in cents: a scalar subquery correlated to
    `Allocation` (the public pages' "kept")."""
    return (
        select(cents_sum(Refund.amount))
        .where(Refund.allocation_id == Allocation.id)
        .correlate(Allocation)
        .scalar_subquery()
    )


def outstanding_cents_sum() -> Any:
    """SQL: the sum of the refunds still due of the closure shares, in cents (the open data's
    and the API's "still due")."""
    return cents_sum(ClosureShare.outstanding)


def closure_columns() -> tuple[Any, ...]:
    """The closure of the programme of `Allocation` (a query outer-joined to its
    `ProgrammeClosure`) as columns: the day of closure, what it gave back of the allocation
    never transferred, the refunds received and those still due, the amounts in cents (None
    for a programme not closed): what the public programme page and the API say of it."""
    still_due = (
        select(outstanding_cents_sum())
        .where(ClosureShare.allocation_id == Allocation.id)
        .correlate(Allocation)
        .scalar_subquery()
    )
    return (
        ProgrammeClosure.closed_on,
        sql_cents(ProgrammeClosure.released),
        allocation_refunds_cents(),
        still_due,
    )

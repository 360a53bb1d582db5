"""The lists of the finance pages: contributions, allocations (also a page at a time, with the
totals of all of them from SQL aggregates), a proposal's allocation and payments, donors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, select, true
from sqlalchemy.orm import joinedload, selectinload

from fund.accounts.models import Organization
from fund.dialects import cents_sum
from fund.extensions import db, record_from_row
from fund.finance.closure_models import ProgrammeClosure, still_to_pay
from fund.finance.models import (
    Allocation,
    AllocationShare,
    Contribution,
    ContributionVoid,
    Disbursement,
    to_pay,
)
from fund.finance.queries.balance import paid_by_allocation
from fund.finance.queries.kept import kept as kept_figures
from fund.labels import N_
from fund.listing import DESCENDING, Sorting, column
from fund.money import ZERO, from_cents, read_amount, sql_cents
from fund.pagination import PER_PAGE, Page, paging
from fund.proposals.models import Proposal
from fund.reference.models import ThematicArea
from workflows import PROPOSAL_WORKFLOW

# One page of a long list.
PAGE_SIZE = PER_PAGE  # its lists' pages: the fund's own (`fund.pagination.PER_PAGE`)


@dataclass
class AllocationSummary:
    """A programme's allocation as the lists of allocations show it."""

    proposal_id: int
    title: str
    status: str
    organization: str
    amount: Decimal
    disbursed: Decimal
    allocated_on: date
    released: Decimal = ZERO  # given back to the pools at closure, never paid
    content_language: str = "en"  # the language the title is written in

    @property
    def remaining(self) -> Decimal:
        return still_to_pay(self.amount, self.disbursed, self.released)

    @property
    def status_label(self) -> str:
        return PROPOSAL_WORKFLOW.state_label(self.status)

    @classmethod
    def of(
        cls, row: Any, amount: Decimal, disbursed: Decimal, released: Decimal
    ) -> AllocationSummary:
        """From a row of the `_LISTED` columns and the allocation's date."""
        return record_from_row(
            cls, row, proposal_id=row.id, amount=amount, disbursed=disbursed, released=released
        )


# The organization a list of allocations names: the programme's lead, as the public pages and
# the allocation report name it (the submitting one when none leads).
LEADING = Proposal.leading_organization_id

# What a list of allocations shows of each allocation's proposal.
_LISTED = (
    Proposal.id,
    Proposal.title,
    Proposal.status,
    Organization.label.label("organization"),
    Proposal.content_language,
)


@dataclass
class AllocationPage(Page[AllocationSummary]):
    """One page of the allocations, the latest first, with the totals of all of them."""

    amount: Decimal = ZERO  # allocated, all allocations
    disbursed: Decimal = ZERO  # paid out of them
    released: Decimal = ZERO  # given back to the pools at closure, never paid

    @property
    def remaining(self) -> Decimal:
        return still_to_pay(self.amount, self.disbursed, self.released)


# The allocations on the balance page: their order and filter carry this prefix in the address
# (the page holds the pipeline's list too).
ALLOCATION_PREFIX = "allocations_"
_PAID_CENTS = (
    select(cents_sum(AllocationShare.disbursed))
    .where(AllocationShare.allocation_id == Allocation.id)
    .correlate(Allocation)
    .scalar_subquery()
)
_RELEASED_CENTS = (
    select(sql_cents(ProgrammeClosure.released))
    .where(ProgrammeClosure.allocation_id == Allocation.id)
    .correlate(Allocation)
    .scalar_subquery()
)
ALLOCATION_SORT = {
    "proposal": column(N_("Proposal"), Proposal.id),
    "title": column(N_("Title"), func.lower(Proposal.title)),
    "organization": column(N_("Lead organization"), func.lower(Organization.label)),
    "status": column(N_("Status"), Proposal.status),
    "allocated_on": column(N_("Allocated on"), Allocation.allocated_on, first=DESCENDING),
    "amount": column(N_("Allocated"), Allocation.amount, first=DESCENDING),
    "disbursed": column(N_("Disbursed"), _PAID_CENTS, first=DESCENDING),
    "remaining": column(
        N_("Still to pay"),
        still_to_pay(
            sql_cents(Allocation.amount),
            func.coalesce(_PAID_CENTS, 0),
            func.coalesce(_RELEASED_CENTS, 0),
        ),
        first=DESCENDING,
    ),
}
ALLOCATION_DEFAULT_SORT = ("allocated_on", DESCENDING)


def _allocations_of(status: str) -> Any:
    """Allocations joined to their proposal and its organization, of proposals in `status`
    (any when "")."""
    query = (
        select(Allocation.id)
        .join(Proposal, Proposal.id == Allocation.proposal_id)
        .join(Organization, Organization.id == LEADING)
    )
    return query.where(Proposal.status == status) if status else query


def _allocation_rows(chosen: Any, order: list[Any]) -> list[AllocationSummary]:
    rows = db.session.execute(
        select(
            *_LISTED,
            sql_cents(Allocation.amount).label("amount"),
            Allocation.allocated_on,
            _PAID_CENTS.label("paid"),
            _RELEASED_CENTS.label("released"),
        )
        .select_from(chosen)
        .join(Allocation, Allocation.id == chosen.c.id)
        .join(Proposal, Proposal.id == Allocation.proposal_id)
        .join(Organization, Organization.id == LEADING)
        .order_by(*order)
    )
    return [
        AllocationSummary.of(
            row, from_cents(row.amount), from_cents(row.paid), from_cents(row.released)
        )
        for row in rows
    ]


def _allocation_order(sorting: Sorting | None) -> list[Any]:
    if sorting is None:
        return [Allocation.allocated_on.desc(), Allocation.id.desc()]
    return sorting.order_by(Allocation.id)


def allocations_page(
    page: int = 1,
    per_page: int = PAGE_SIZE,
    sorting: Sorting | None = None,
    status: str = "",
) -> AllocationPage:
    """One page of `allocations()` (of proposals in `status`, if given), in `sorting`'s order
    (by default the latest first), in two queries: the count and totals of all of them (SQL
    aggregates in cents), then the page's rows."""
    # Every allocation has its proposal and the proposal its organization (required keys), so
    # the totals need the proposals only to keep a status. The shares' payments are summed over
    # all of them at once (each share rounded to the cent on its own, as `_PAID_CENTS` does per
    # allocation): one pass over the shares, not a sum per allocation.
    kept = (
        Allocation.proposal_id.in_(select(Proposal.id).where(Proposal.status == status))
        if status
        else true()
    )
    paid = (
        select(cents_sum(AllocationShare.disbursed))
        .join(Allocation, Allocation.id == AllocationShare.allocation_id)
        .where(kept)
        .scalar_subquery()
    )
    released = (
        select(cents_sum(ProgrammeClosure.released))
        .join(Allocation, Allocation.id == ProgrammeClosure.allocation_id)
        .where(kept)
        .scalar_subquery()
    )

    def count_and_sum() -> tuple:
        return tuple(
            db.session.execute(
                select(func.count(), cents_sum(Allocation.amount), paid, released).where(kept)
            ).one()
        )

    # Every allocation's totals are kept while the allocations are unchanged; a status's are
    # made again (a proposal may change status without its allocation changing).
    totals = count_and_sum() if status else kept_figures("allocation totals", count_and_sum)
    found = paging(totals[0] or 0, page, per_page)
    result = AllocationPage(
        found.count,
        found.page,
        found.per_page,
        amount=from_cents(totals[1]),
        disbursed=from_cents(totals[2]),
        released=from_cents(totals[3]),
    )
    if not found.count:
        return result
    order = _allocation_order(sorting)
    chosen = (
        _allocations_of(status).order_by(*order).limit(found.per_page).offset(found.offset)
    ).subquery()
    result.rows = _allocation_rows(chosen, order)
    return result


def allocations_view(sorting: Sorting, status: str = "") -> list[AllocationSummary]:
    """Every allocation of the view (all pages), in its order, for an export: one query."""
    order = _allocation_order(sorting)
    return _allocation_rows(_allocations_of(status).subquery(), order)


def contributions(as_of: date | None = None) -> list[Contribution]:
    """Every contribution (received by the end of `as_of` if given), the latest received
    first, with its donor and any void (check `voided_at` against the date)."""
    query = (
        select(Contribution)
        .options(joinedload(Contribution.donor), joinedload(Contribution.void))
        .order_by(Contribution.received_on.desc(), Contribution.id.desc())
    )
    if as_of is not None:
        query = query.where(Contribution.received_on <= as_of)
    return list(db.session.scalars(query).unique())


@dataclass(frozen=True)
class ContributionFilters:
    """What the contributions list is narrowed to: a donor, a pool, active or voided."""

    donor_id: int | None = None
    pool: str = ""
    status: str = ""  # one of CONTRIBUTION_STATES, or "" for both

    def args(self) -> dict[str, object]:
        return {"donor": self.donor_id, "pool": self.pool or None, "status": self.status or None}


CONTRIBUTION_STATES = {"active": N_("Counted (not voided)"), "voided": N_("Voided")}
_DONOR_NAME = (
    select(func.lower(Organization.label))
    .where(Organization.id == Contribution.donor_id)
    .correlate(Contribution)
    .scalar_subquery()
)
# The columns the contributions list sorts by; the default: the latest received first.
CONTRIBUTION_SORT = {
    "id": column(N_("Contribution"), Contribution.id, first=DESCENDING),
    "donor": column(N_("Donor"), _DONOR_NAME),
    "received": column(N_("Received on"), Contribution.received_on, first=DESCENDING),
    "pool": column(N_("Earmark"), Contribution.pool_code),
    "gross": column(N_("Gross"), Contribution.gross, first=DESCENDING),
    "net": column(N_("Net"), Contribution.net, first=DESCENDING),
}
CONTRIBUTION_DEFAULT_SORT = ("received", DESCENDING)


# One page of the list of contributions.
ContributionPage = Page[Contribution]


def _contributions_query(filters: ContributionFilters) -> Any:
    voided = select(ContributionVoid.contribution_id).scalar_subquery()
    query = select(Contribution)
    if filters.donor_id:
        query = query.where(Contribution.donor_id == filters.donor_id)
    if filters.pool:
        query = query.where(Contribution.pool_code == filters.pool)
    if filters.status == "voided":
        query = query.where(Contribution.id.in_(voided))
    elif filters.status == "active":
        query = query.where(Contribution.id.not_in(voided))
    return query


def contributions_page(
    filters: ContributionFilters, sorting: Sorting, page: int = 1, per_page: int = PAGE_SIZE
) -> ContributionPage:
    """One page of the contributions the filters keep, in `sorting`'s order, with their
    donors and voids: two queries (the count, then the page with its joins)."""
    query = _contributions_query(filters)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    found = paging(total, page, per_page)
    rows = db.session.scalars(
        query.options(joinedload(Contribution.donor), joinedload(Contribution.void))
        .order_by(*sorting.order_by(Contribution.id))
        .limit(found.per_page)
        .offset(found.offset)
    ).unique()
    return ContributionPage(found.count, found.page, found.per_page, rows=list(rows))


def contribution_page_of(
    contribution_id: int,
    filters: ContributionFilters,
    sorting: Sorting,
    per_page: int = PAGE_SIZE,
) -> int:
    """The page of the contributions list (`filters`, in `sorting`'s order) that shows the
    contribution; the first when the list does not hold it. One query, of the ids alone."""
    ids = list(
        db.session.scalars(
            _contributions_query(filters)
            .with_only_columns(Contribution.id)
            .order_by(*sorting.order_by(Contribution.id))
        )
    )
    return ids.index(contribution_id) // per_page + 1 if contribution_id in ids else 1


def contributions_view(filters: ContributionFilters, sorting: Sorting) -> list[Contribution]:
    """Every contribution of the view (all pages), in its order, for an export."""
    query = _contributions_query(filters)
    return list(
        db.session.scalars(
            query.options(joinedload(Contribution.donor), joinedload(Contribution.void)).order_by(
                *sorting.order_by(Contribution.id)
            )
        ).unique()
    )


def contribution_donors() -> list[tuple[int, str]]:
    """The donors of recorded contributions, by name (the list's donor filter)."""
    return [
        (row.id, row.name)
        for row in db.session.execute(
            select(
                Organization.id,
                Organization.label.label("name"),
            )
            .where(Organization.id.in_(select(Contribution.donor_id)))
            .order_by(func.lower(Organization.label))
        )
    ]


def area_titles() -> dict[str, str]:
    return {
        row.code: row.title
        for row in db.session.execute(select(ThematicArea.code, ThematicArea.title))
    }


def donors() -> list[Organization]:
    return list(
        db.session.scalars(
            select(Organization).where(Organization.active.is_(True)).order_by(Organization.label)
        )
    )


def allocations(as_of: date | None = None) -> list[AllocationSummary]:
    """Every allocation with what has been paid out of it and what its closure gave back, the
    latest first: one query. With `as_of`: the allocations dated by then, and what was paid out
    of them and given back by then."""
    paid = paid_by_allocation(as_of)
    closed = ProgrammeClosure.allocation_id == Allocation.id
    query = (
        select(
            *_LISTED,
            Allocation.amount,
            Allocation.allocated_on,
            paid.c.paid,
            ProgrammeClosure.released,
        )
        .join(Allocation, Allocation.proposal_id == Proposal.id)
        .join(Organization, Organization.id == Proposal.organization_id)
        .outerjoin(paid, paid.c.allocation_id == Allocation.id)
        .outerjoin(
            ProgrammeClosure,
            closed if as_of is None else and_(closed, ProgrammeClosure.closed_on <= as_of),
        )
        .order_by(Allocation.allocated_on.desc(), Allocation.id.desc())
    )
    if as_of is not None:
        query = query.where(Allocation.allocated_on <= as_of)
    rows = db.session.execute(query)
    return [
        AllocationSummary.of(
            row, read_amount(row.amount), read_amount(row.paid), read_amount(row.released)
        )
        for row in rows
    ]


def shares_loaded() -> Any:
    """The loader option that reads an allocation's shares and their organizations with it
    (one more query)."""
    return selectinload(Allocation.shares).joinedload(AllocationShare.organization)


def allocation_for(proposal_id: int) -> Allocation | None:
    """The proposal's allocation with its sources and shares (and their organizations)."""
    return db.session.scalar(
        select(Allocation)
        .where(Allocation.proposal_id == proposal_id)
        .options(
            selectinload(Allocation.sources),
            shares_loaded(),
            joinedload(Allocation.allocated_by),
        )
    )


def disbursements(allocation_id: int) -> list[Disbursement]:
    return list(
        db.session.scalars(
            select(Disbursement)
            .where(Disbursement.allocation_id == allocation_id)
            .options(joinedload(Disbursement.organization))
            .order_by(Disbursement.paid_on, Disbursement.id)
        )
    )


def remaining_by_organization(proposal_id: int) -> list[tuple[str, Decimal]]:
    """(organization, amount still to pay) for each share of the proposal not fully paid."""
    rows = db.session.execute(
        select(
            Organization.label.label("organization"),
            AllocationShare.amount,
            AllocationShare.disbursed,
        )
        .join(Allocation, Allocation.id == AllocationShare.allocation_id)
        .join(Organization, Organization.id == AllocationShare.organization_id)
        .where(
            and_(
                Allocation.proposal_id == proposal_id,
                AllocationShare.disbursed < AllocationShare.amount,
            )
        )
        .order_by(Organization.acronym)
    )
    return [(row.organization, to_pay(row)) for row in rows if to_pay(row) > 0]


def has_allocation(proposal_id: int) -> bool:
    return (
        db.session.scalar(select(Allocation.id).where(Allocation.proposal_id == proposal_id))
        is not None
    )

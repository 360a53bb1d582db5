"""The balance: the fund's money in total and per pool, now or at the end of a day.

Totals are SQL aggregates (SUM ... GROUP BY) in whole cents; Python only adds up the handful
of pool rows. Money paid out is counted against the pools an allocation drew on, in the draw
order (`fund.finance.funding`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.sql import Subquery

from fund import dialects
from fund.accounts.models import Organization, User
from fund.dialects import cents_sum, greatest, least
from fund.extensions import db
from fund.finance.agent_models import DirectCost, InterestEntry
from fund.finance.closure_models import ProgrammeClosure, Refund, RefundPool
from fund.finance.funding import draw_key, drawn_before, pool_label
from fund.finance.models import (
    GENERAL_POOL,
    Allocation,
    AllocationShare,
    AllocationSource,
    Contribution,
    ContributionVoid,
    Disbursement,
    Pool,
    contribution_code,
)
from fund.finance.queries.as_of import contributions_by, end_of_day
from fund.finance.queries.kept import kept
from fund.money import ZERO, from_cents, read_amount, sql_cents
from fund.reference.models import ThematicArea


@dataclass
class PoolBalance:
    code: str
    label: str
    title: str = ""  # the thematic area's title, for an earmark
    gross: Decimal = ZERO
    fees: Decimal = ZERO
    net: Decimal = ZERO
    interest_less_costs: Decimal = ZERO  # the unearmarked pool's interest less direct costs
    allocated: Decimal = ZERO  # less what closures gave back (released, refunded)
    disbursed: Decimal = ZERO  # less what was refunded
    available: Decimal = ZERO
    contributions: int = 0
    # What programmes' closures gave back to the pool: allocated money never paid out, and
    # refunds of money paid out and not spent (left out of `allocated`, and out of `disbursed`).
    released: Decimal = ZERO
    refunded: Decimal = ZERO

    @property
    def committed(self) -> Decimal:
        """Allocated but not paid out yet."""
        return self.allocated - self.disbursed


@dataclass
class VoidedContribution:
    id: int
    donor: str
    received_on: date
    gross: Decimal
    net: Decimal
    pool_code: str
    reason: str
    voided_at: datetime
    voided_by: str | None

    @property
    def code(self) -> str:
        return contribution_code(self.id)


@dataclass
class Balance:
    pools: list[PoolBalance]
    total: PoolBalance
    voided: list[VoidedContribution]

    def available_by_pool(self) -> dict[str, Decimal]:
        return {p.code: p.available for p in self.pools}


def paid_by_allocation(as_of: date | None) -> Subquery:
    """allocation_id -> `paid`: what was paid out of it (by the end of `as_of`)."""
    if as_of is None:
        return (
            select(
                AllocationShare.allocation_id,
                func.sum(AllocationShare.disbursed).label("paid"),
            )
            .group_by(AllocationShare.allocation_id)
            .subquery()
        )
    return (
        select(Disbursement.allocation_id, func.sum(Disbursement.amount).label("paid"))
        .where(Disbursement.paid_on <= as_of)
        .group_by(Disbursement.allocation_id)
        .subquery()
    )


def _money_out_by_pool(
    as_of: date | None = None,
) -> dict[str, tuple[Decimal, Decimal, Decimal, Decimal]]:
    """pool -> (allocated, disbursed, released, refunded) out of it (by the end of `as_of`):
    one SQL query over the allocations' sources, in cents (today's kept between requests while
    the allocations are unchanged: `fund.finance.queries.kept`). Today's figures include what
    closures gave back (released, refunded, kept on the sources); at an earlier date those two
    are zero here (`_money_back_by_pool` reads them by their dates).

    Payments are attributed to each allocation's pools in the order they were drawn (earmarked
    first by code, then unearmarked). Today's figures sum the attribution kept on each source
    (`AllocationSource.disbursed`). At an earlier date each source is attributed `paid -
    before`, within 0 and its own amount, where `paid` is what was paid out of the allocation
    by then and `before` what its earlier sources hold. PostgreSQL gets both from joins (the
    paid amounts grouped by allocation, `before` a window sum); SQLite, much faster with
    lookups on the primary keys than with those joins, from correlated subqueries."""
    if as_of is None:
        return kept("money out by pool", _money_out_today)
    if dialects.name() == "sqlite":
        rows = db.session.execute(_money_out_by_lookups(as_of))
    else:
        rows = db.session.execute(_money_out_by_joins(as_of))
    return {
        row.pool_code: (from_cents(row.allocated), from_cents(row.disbursed), ZERO, ZERO)
        for row in rows
    }


def _money_out_today() -> dict[str, tuple[Decimal, Decimal, Decimal, Decimal]]:
    """pool -> (allocated, disbursed, released, refunded) out of it now (one query)."""
    rows = db.session.execute(
        select(
            AllocationSource.pool_code,
            cents_sum(AllocationSource.amount).label("allocated"),
            cents_sum(AllocationSource.disbursed).label("disbursed"),
            cents_sum(AllocationSource.released).label("released"),
            cents_sum(AllocationSource.refunded).label("refunded"),
        ).group_by(AllocationSource.pool_code)
    )
    return {
        row.pool_code: (
            from_cents(row.allocated),
            from_cents(row.disbursed),
            from_cents(row.released),
            from_cents(row.refunded),
        )
        for row in rows
    }


def _money_back_by_pool(as_of: date) -> dict[str, tuple[Decimal, Decimal]]:
    """pool -> (released, refunded): what programmes' closures gave back to it by the end of
    `as_of`: allocated money never paid out (by the closing date), and refunds of unspent money
    (by their receipt dates; `fund.finance.closure`). Two queries."""
    released = db.session.execute(
        select(AllocationSource.pool_code, cents_sum(AllocationSource.released).label("c"))
        .join(ProgrammeClosure, ProgrammeClosure.allocation_id == AllocationSource.allocation_id)
        .where(ProgrammeClosure.closed_on <= as_of)
        .group_by(AllocationSource.pool_code)
    )
    back = {row.pool_code: (from_cents(row.c), ZERO) for row in released}
    for row in db.session.execute(
        select(RefundPool.pool_code, cents_sum(RefundPool.amount).label("c"))
        .join(Refund, Refund.id == RefundPool.refund_id)
        .where(Refund.received_on <= as_of)
        .group_by(RefundPool.pool_code)
    ):
        back[row.pool_code] = (back.get(row.pool_code, (ZERO, ZERO))[0], from_cents(row.c))
    return back


def _interest_less_direct_costs(as_of: date | None) -> Any:
    """What the administrative agent's interest added to the unearmarked pool less what direct
    costs took from it (by the end of `as_of`, if given), in cents: a SQL expression."""
    interest = select(cents_sum(InterestEntry.amount))
    costs = select(cents_sum(DirectCost.amount))
    if as_of is not None:
        interest = interest.where(InterestEntry.earned_on <= as_of)
        costs = costs.where(DirectCost.charged_on <= as_of)
    return func.coalesce(interest.scalar_subquery(), 0) - func.coalesce(costs.scalar_subquery(), 0)


def paid_out_differences(today: date) -> list[str]:
    """The pools whose paid-out money kept on the allocations' sources differs from the
    payments recorded by `today` attributed again (2 queries; both read from the database,
    neither kept by the process)."""
    on_sources = _money_out_today()
    recomputed = _money_out_by_pool(today)
    return [
        f"pool {code}: paid out {on_sources.get(code, (ZERO, ZERO))[1]} kept, "
        f"{recomputed.get(code, (ZERO, ZERO))[1]} from the payments"
        for code in sorted(set(on_sources) | set(recomputed))
        if on_sources.get(code, (ZERO, ZERO))[1] != recomputed.get(code, (ZERO, ZERO))[1]
    ]


def _allocated_amount(query, source, as_of: date):
    """The query joined to what its sources' allocation amounts count for by `as_of`."""
    query = query.join(Allocation, Allocation.id == source.c.allocation_id)
    return query, case((Allocation.allocated_on <= as_of, source.c.amount), else_=None)


def _money_out_by_lookups(as_of: date):
    source = AllocationSource.__table__.alias("source")
    other = AllocationSource.__table__.alias("other")
    paid = select(cents_sum(Disbursement.amount)).where(
        Disbursement.allocation_id == source.c.allocation_id, Disbursement.paid_on <= as_of
    )
    before = select(cents_sum(other.c.amount)).where(
        other.c.allocation_id == source.c.allocation_id,
        drawn_before(other.c.pool_code, source.c.pool_code),
    )
    left = func.coalesce(paid.scalar_subquery(), 0) - func.coalesce(before.scalar_subquery(), 0)
    attributed = least(greatest(left, 0), sql_cents(source.c.amount))
    query, allocated = _allocated_amount(select(source.c.pool_code), source, as_of)
    return query.add_columns(
        func.coalesce(cents_sum(allocated), 0).label("allocated"),
        func.sum(attributed).label("disbursed"),
    ).group_by(source.c.pool_code)


def _money_out_by_joins(as_of: date):
    paid = paid_by_allocation(as_of)
    sources = select(
        AllocationSource.allocation_id,
        AllocationSource.pool_code,
        AllocationSource.amount,
        func.coalesce(
            func.sum(AllocationSource.amount).over(
                partition_by=AllocationSource.allocation_id,
                order_by=draw_key(AllocationSource.pool_code),
                rows=(None, -1),
            ),
            0,
        ).label("before"),
    ).subquery()
    left = func.coalesce(paid.c.paid, 0) - sources.c.before
    attributed = least(greatest(left, 0), sources.c.amount)
    query, allocated = _allocated_amount(select(sources.c.pool_code), sources, as_of)
    return (
        query.add_columns(
            func.coalesce(cents_sum(allocated), 0).label("allocated"),
            cents_sum(attributed).label("disbursed"),
        )
        .outerjoin(paid, paid.c.allocation_id == sources.c.allocation_id)
        .group_by(sources.c.pool_code)
    )


def balance(as_of: date | None = None) -> Balance:
    """The fund's money in total and by pool; voided contributions are left out of every sum
    and listed on their own; what closures gave back to a pool (allocated money never paid out,
    refunds) is no longer allocated, and a refund no longer paid out. A pool's available money
    is its net contributions plus `interest_less_costs` (the unearmarked pool's interest less
    its direct costs; nothing for an earmark) less its allocations. Four queries (six with
    `as_of`). With `as_of`, the money at the end of that day: the contributions, allocations,
    interest and direct costs recorded by then."""
    pools = db.session.execute(
        select(
            Pool.code,
            Pool.available,
            ThematicArea.title,
            _interest_less_direct_costs(as_of).label("interest_less_costs"),
        )
        .outerjoin(ThematicArea, ThematicArea.code == Pool.code)
        .order_by(case((Pool.code == GENERAL_POOL, 0), else_=1), Pool.code)
    ).all()
    received = contributions_by(
        Contribution.pool_code,
        as_of=as_of,
        gross=Contribution.gross,
        fees=Contribution.fee,
        net=Contribution.net,
    )
    money_out = _money_out_by_pool(as_of)
    if as_of is None:
        back = {code: (out[2], out[3]) for code, out in money_out.items()}
    else:
        back = _money_back_by_pool(as_of)
    none = (ZERO, ZERO)
    allocated = {code: out[0] - sum(back.get(code, none), ZERO) for code, out in money_out.items()}
    disbursed = {code: out[1] - back.get(code, none)[1] for code, out in money_out.items()}
    lines = []
    for row in pools:
        got = received.get(row.code)
        net = read_amount(got.net if got else None)
        pool_allocated = allocated.get(row.code, ZERO)
        # money neither contributed nor allocated: the unearmarked pool's
        extra = from_cents(row.interest_less_costs) if row.code == GENERAL_POOL else ZERO
        lines.append(
            PoolBalance(
                code=row.code,
                label=pool_label(row.code),
                title=row.title or "",
                gross=read_amount(got.gross if got else None),
                fees=read_amount(got.fees if got else None),
                net=net,
                interest_less_costs=extra,
                allocated=pool_allocated,
                disbursed=disbursed.get(row.code, ZERO),
                available=(
                    read_amount(row.available) if as_of is None else net + extra - pool_allocated
                ),
                contributions=got.n if got else 0,
                released=back.get(row.code, none)[0],
                refunded=back.get(row.code, none)[1],
            )
        )
    total = PoolBalance(code="", label="All money")
    for line in lines:
        for name in (
            "gross",
            "fees",
            "net",
            "interest_less_costs",
            "allocated",
            "disbursed",
            "available",
            "released",
            "refunded",
        ):
            setattr(total, name, getattr(total, name) + getattr(line, name))
        total.contributions += line.contributions
    return Balance(lines, total, voided_contributions(as_of))


def voided_contributions(as_of: date | None = None) -> list[VoidedContribution]:
    query = (
        select(
            Contribution.id,
            Organization.label.label("donor"),
            Contribution.received_on,
            Contribution.gross,
            Contribution.net,
            Contribution.pool_code,
            ContributionVoid.reason,
            ContributionVoid.voided_at,
            User.name.label("voided_by"),
        )
        .join(ContributionVoid, ContributionVoid.contribution_id == Contribution.id)
        .join(Organization, Organization.id == Contribution.donor_id)
        .outerjoin(User, User.id == ContributionVoid.voided_by_id)
        .order_by(ContributionVoid.voided_at.desc(), Contribution.id.desc())
    )
    if as_of is not None:
        query = query.where(
            Contribution.received_on <= as_of, ContributionVoid.voided_at < end_of_day(as_of)
        )
    rows = db.session.execute(query)
    return [
        VoidedContribution(
            id=row.id,
            donor=row.donor,
            received_on=row.received_on,
            gross=read_amount(row.gross),
            net=read_amount(row.net),
            pool_code=row.pool_code,
            reason=row.reason,
            voided_at=row.voided_at,
            voided_by=row.voided_by,
        )
        for row in rows
    ]

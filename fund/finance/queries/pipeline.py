"""Read models of the fund's money, each in a fixed number of SQL queries.

Totals are SQL aggregates (SUM ... GROUP BY); Python only adds up the handful of pool rows and
walks the pipeline it displays anyway.

`as_of` (optional, for reports): the money as it stood at the end of that day (UTC).
Contributions count from the day received until the moment voided; allocations from their
allocation date; disbursements from their payment date. A proposal's state on that day is the
state its last transition recorded in the audit trail before the day ended, except that a
proposal whose allocation is dated on or before the day counts as funded (the allocation date
is the financial fact; the `fund` event may be recorded later).

SQLite keeps NUMERIC values as binary floats, so every amount read back is rounded to the cent
(`money`); PostgreSQL returns exact decimals and the rounding changes nothing there. Sums over
many rows and running totals are taken in whole cents (`cents`, `cents_sum`: integers, exact
however many rows are added) and turned back into Decimals (`from_cents`).

The balance page lists long tables (the pipeline, the allocations) a page at a time; their
counts, totals and the running total at the top of a page come from SQL aggregates over the
whole list, never from the rows of the page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import BigInteger, String, and_, case, cast, exists, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.sql import ColumnElement, Subquery
from sqlalchemy.sql.functions import FunctionElement

from fund import money as money_rules
from fund.accounts.models import Organization, User
from fund.audit.models import AuditEvent
from fund.extensions import db
from fund.finance.models import (
    GENERAL_POOL,
    Allocation,
    AllocationShare,
    AllocationSource,
    Contribution,
    ContributionVoid,
    Disbursement,
    Pool,
)
from fund.money import format_usd
from fund.pagination import Paging, paging
from fund.proposals.budget import CENT, Line, indirect_costs, rate_key, summarise
from fund.proposals.models import BudgetLine, Proposal
from fund.reference.models import ThematicArea, objective_thematic_area
from workflows import PROPOSAL_WORKFLOW

ZERO = Decimal("0.00")
GENERAL_LABEL = "Unearmarked"


def money(value: Any) -> Decimal:
    """An amount read from the database as an exact Decimal of cents (None -> 0.00)."""
    if value is None:
        return ZERO
    if isinstance(value, float):
        return Decimal(f"{value:.2f}")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def cents(amount: Any) -> ColumnElement[int]:
    """SQL: an amount column as a whole number of cents (exact on both engines)."""
    return cast(func.round(amount * 100), BigInteger)


class cents_sum(FunctionElement):
    """SQL: the sum of an amount column in whole cents, exact on both engines.

    SQLite keeps amounts as binary floats: each is rounded to the cent before they are added
    (integers). PostgreSQL adds exact decimals: the sum is turned into cents once."""

    type = BigInteger()
    name = "cents_sum"
    inherit_cache = True


@compiles(cents_sum)
def _compile_cents_sum(element, compiler, **kw):
    return f"CAST(sum({compiler.process(element.clauses, **kw)}) * 100 AS BIGINT)"


@compiles(cents_sum, "sqlite")
def _compile_cents_sum_sqlite(element, compiler, **kw):
    return f"sum(CAST(round(({compiler.process(element.clauses, **kw)}) * 100) AS BIGINT))"


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def from_cents(value: Any) -> Decimal:
    """An integer number of cents read from the database as Decimal (None -> 0.00)."""
    return Decimal(int(value or 0)).scaleb(-2)


def indirect_cents(direct: ColumnElement[int], rate: Decimal) -> ColumnElement[int]:
    """SQL: the indirect costs of `direct` cents at `rate` (`fund.money.indirect_cents_sql`)."""
    if rate < 0:
        raise ValueError("the indirect cost rate cannot be negative")
    # An integer type for the database too (PostgreSQL sums bigints as numeric): `//` must be
    # integer division.
    return money_rules.indirect_cents_sql(cast(direct, BigInteger), rate)


def end_of_day(day: date) -> datetime:
    """The first moment after `day` (UTC): events of the day happened before it."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)


def proposal_state_as_of(as_of: date):
    """SQL expression on Proposal: its state at the end of `as_of`, the one its last transition
    recorded in the audit trail before then gave it (NULL if it did not exist yet). A lookup
    per proposal on the audit trail's subject index."""
    return (
        select(AuditEvent.to_state)
        .where(
            AuditEvent.subject_type == "proposal",
            AuditEvent.subject_id == cast(Proposal.id, String),
            AuditEvent.to_state.is_not(None),
            AuditEvent.occurred_at < end_of_day(as_of),
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
        .correlate(Proposal)
        .scalar_subquery()
    )


def allocated_by(as_of: date):
    """SQL condition on Proposal: it has an allocation dated on or before `as_of`."""
    return exists().where(Allocation.proposal_id == Proposal.id, Allocation.allocated_on <= as_of)


def _contribution_counted(as_of: date | None):
    """SQL condition on Contribution (outer-joined to its void): counted in the balance."""
    if as_of is None:
        return ContributionVoid.contribution_id.is_(None)
    return and_(
        Contribution.received_on <= as_of,
        or_(
            ContributionVoid.contribution_id.is_(None),
            ContributionVoid.voided_at >= end_of_day(as_of),
        ),
    )


def pool_label(code: str, titles: dict[str, str] | None = None) -> str:
    if code == GENERAL_POOL:
        return GENERAL_LABEL
    title = (titles or {}).get(code)
    return f"{code} earmark" + (f": {title}" if title else "")


def draw_order(codes: Iterable[str]) -> list[str]:
    """The order in which pools pay for a proposal: earmarked areas by code, then GENERAL."""
    codes = set(codes)
    return sorted(codes - {GENERAL_POOL}) + ([GENERAL_POOL] if GENERAL_POOL in codes else [])


def plan_draws(
    total: Decimal, pools: Sequence[tuple[str, Decimal]]
) -> tuple[list[tuple[str, Decimal]], Decimal]:
    """Take `total` from `pools` (already in draw order): the draws and what is still missing."""
    draws: list[tuple[str, Decimal]] = []
    missing = total
    for code, available in pools:
        if missing <= 0:
            break
        take = min(available, missing)
        if take > 0:
            draws.append((code, take))
            missing -= take
    return draws, max(missing, ZERO)


# Funding one proposal ---------------------------------------------------------------------


@dataclass
class FundingPlan:
    """What funding a proposal takes: its total, each organization's share, and the pools."""

    proposal_id: int
    total: Decimal
    shares: dict[int, Decimal]  # organization id -> direct + indirect
    pools: list[tuple[str, Decimal]]  # eligible pools in draw order, with what they hold
    areas: list[str] = field(default_factory=list)  # thematic areas of the primary objective

    @property
    def available(self) -> Decimal:
        return sum((amount for _, amount in self.pools), ZERO)

    @property
    def draws(self) -> list[tuple[str, Decimal]]:
        return plan_draws(self.total, self.pools)[0]

    @property
    def shortfall(self) -> Decimal:
        return plan_draws(self.total, self.pools)[1]

    @property
    def covered(self) -> bool:
        return self.total > 0 and self.shortfall == 0

    def problems(self) -> list[str]:
        if self.total <= 0:
            return ["The proposal has no budget: there is nothing to allocate."]
        if self.covered:
            return []
        by_pool = ", ".join(f"{code} {format_usd(amount)}" for code, amount in self.pools)
        where = (
            f"the earmarks for {', '.join(self.areas)} and the unearmarked money"
            if self.areas
            else "the unearmarked money (its primary objective lies in no thematic area)"
        )
        return [
            f"The proposal needs {format_usd(self.total)} but only "
            f"{format_usd(self.available)} is available to it ({by_pool}), from {where}: "
            f"{format_usd(self.shortfall)} short."
        ]


def eligible_areas(objective_number: int | None) -> list[str]:
    """The thematic areas whose earmarked money may fund a proposal with this primary objective."""
    if objective_number is None:
        return []
    return list(
        db.session.scalars(
            select(objective_thematic_area.c.thematic_area_code)
            .where(objective_thematic_area.c.objective_number == objective_number)
            .order_by(objective_thematic_area.c.thematic_area_code)
        )
    )


def proposal_budget(proposal: Proposal, rate: Decimal) -> tuple[Decimal, dict[int, Decimal]]:
    """The proposal's grand total and each organization's total (direct + indirect)."""
    summary = summarise(
        (
            Line(b.organization_id, b.objective_number, b.category_code, b.amount)
            for b in proposal.budget_lines
            if b.amount is not None
        ),
        rate,
    )
    shares = {org_id: b.total for org_id, b in sorted(summary.by_organization.items())}
    return summary.grand_total, shares


def funding_plan(proposal: Proposal, rate: Decimal, *, lock: bool = False) -> FundingPlan:
    """The plan to fund `proposal` from the pools as they are now.

    With `lock`, the eligible pool rows are locked (SELECT ... FOR UPDATE, in code order so that
    two funders never wait on each other in a cycle) until the transaction ends: a concurrent
    funder waits here and then reads what this one left.
    """
    total, shares = proposal_budget(proposal, rate)
    areas = eligible_areas(proposal.primary_objective_number)
    query = (
        select(Pool.code, Pool.available)
        .where(Pool.code.in_([*areas, GENERAL_POOL]))
        .order_by(Pool.code)
    )
    if lock:
        query = query.with_for_update()
    held = {row.code: money(row.available) for row in db.session.execute(query)}
    pools = [(code, held[code]) for code in draw_order(held)]
    return FundingPlan(proposal.id, total, shares, pools, [a for a in areas if a in held])


# The balance ------------------------------------------------------------------------------


@dataclass
class PoolBalance:
    code: str
    label: str
    title: str = ""  # the thematic area's title, for an earmark
    gross: Decimal = ZERO
    fees: Decimal = ZERO
    net: Decimal = ZERO
    allocated: Decimal = ZERO
    disbursed: Decimal = ZERO
    available: Decimal = ZERO
    contributions: int = 0

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


@dataclass
class Balance:
    pools: list[PoolBalance]
    total: PoolBalance
    voided: list[VoidedContribution]

    def available_by_pool(self) -> dict[str, Decimal]:
        return {p.code: p.available for p in self.pools}


def _paid_by_allocation(as_of: date | None) -> Subquery:
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


class greatest(FunctionElement):
    """GREATEST(a, b): the larger of two numbers (SQLite's scalar max)."""

    type = BigInteger()
    name = "greatest"
    inherit_cache = True


class least(FunctionElement):
    """LEAST(a, b): the smaller of two numbers (SQLite's scalar min)."""

    type = BigInteger()
    name = "least"
    inherit_cache = True


@compiles(greatest)
@compiles(least)
def _compile_extreme(element, compiler, **kw):
    return f"{element.name.upper()}({compiler.process(element.clauses, **kw)})"


@compiles(greatest, "sqlite")
@compiles(least, "sqlite")
def _compile_extreme_sqlite(element, compiler, **kw):
    name = "max" if element.name == "greatest" else "min"
    return f"{name}({compiler.process(element.clauses, **kw)})"


def _money_out_by_pool(as_of: date | None = None) -> dict[str, tuple[Decimal, Decimal]]:
    """pool -> (allocated, disbursed) out of it (by the end of `as_of`): one SQL query over
    the allocations' sources, in cents.

    Payments are attributed to each allocation's pools in the order they were drawn (earmarked
    first by code, then unearmarked). Today's figures sum the attribution kept on each source
    (`AllocationSource.disbursed`). At an earlier date each source is attributed `paid -
    before`, within 0 and its own amount, where `paid` is what was paid out of the allocation
    by then and `before` what its earlier sources hold. PostgreSQL gets both from joins (the
    paid amounts grouped by allocation, `before` a window sum); SQLite, much faster with
    lookups on the primary keys than with those joins, from correlated subqueries."""
    if as_of is None:
        rows = db.session.execute(
            select(
                AllocationSource.pool_code,
                cents_sum(AllocationSource.amount).label("allocated"),
                cents_sum(AllocationSource.disbursed).label("disbursed"),
            ).group_by(AllocationSource.pool_code)
        )
    elif _dialect() == "sqlite":
        rows = db.session.execute(_money_out_by_lookups(as_of))
    else:
        rows = db.session.execute(_money_out_by_joins(as_of))
    return {row.pool_code: (from_cents(row.allocated), from_cents(row.disbursed)) for row in rows}


def paid_out_differences(today: date) -> list[str]:
    """The pools whose paid-out money kept on the allocations' sources differs from the
    payments recorded by `today` attributed again (2 queries)."""
    kept = _money_out_by_pool()
    recomputed = _money_out_by_pool(today)
    return [
        f"pool {code}: paid out {kept.get(code, (ZERO, ZERO))[1]} kept, "
        f"{recomputed.get(code, (ZERO, ZERO))[1]} from the payments"
        for code in sorted(set(kept) | set(recomputed))
        if kept.get(code, (ZERO, ZERO))[1] != recomputed.get(code, (ZERO, ZERO))[1]
    ]


def _allocated_amount(query, source, as_of: date):
    """The query joined to what its sources' allocation amounts count for by `as_of`."""
    query = query.join(Allocation, Allocation.id == source.c.allocation_id)
    return query, case((Allocation.allocated_on <= as_of, source.c.amount), else_=None)


def _draw_rank(pool_code):
    """The order in which an allocation's pools are drawn: earmarks (by code), then GENERAL."""
    return case((pool_code == GENERAL_POOL, 1), else_=0)


def _money_out_by_lookups(as_of: date):
    source = AllocationSource.__table__.alias("source")
    other = AllocationSource.__table__.alias("other")
    paid = select(cents_sum(Disbursement.amount)).where(
        Disbursement.allocation_id == source.c.allocation_id, Disbursement.paid_on <= as_of
    )
    before = select(cents_sum(other.c.amount)).where(
        other.c.allocation_id == source.c.allocation_id,
        or_(
            _draw_rank(other.c.pool_code) < _draw_rank(source.c.pool_code),
            and_(
                _draw_rank(other.c.pool_code) == _draw_rank(source.c.pool_code),
                other.c.pool_code < source.c.pool_code,
            ),
        ),
    )
    left = func.coalesce(paid.scalar_subquery(), 0) - func.coalesce(before.scalar_subquery(), 0)
    attributed = least(greatest(left, 0), cents(source.c.amount))
    query, allocated = _allocated_amount(select(source.c.pool_code), source, as_of)
    return query.add_columns(
        func.coalesce(cents_sum(allocated), 0).label("allocated"),
        func.sum(attributed).label("disbursed"),
    ).group_by(source.c.pool_code)


def _money_out_by_joins(as_of: date):
    paid = _paid_by_allocation(as_of)
    sources = select(
        AllocationSource.allocation_id,
        AllocationSource.pool_code,
        AllocationSource.amount,
        func.coalesce(
            func.sum(AllocationSource.amount).over(
                partition_by=AllocationSource.allocation_id,
                order_by=(_draw_rank(AllocationSource.pool_code), AllocationSource.pool_code),
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
    and listed on their own. Four queries. With `as_of`, the money at the end of that day,
    a pool's available money being its net contributions less its allocations then."""
    pools = db.session.execute(
        select(Pool.code, Pool.available, ThematicArea.title)
        .outerjoin(ThematicArea, ThematicArea.code == Pool.code)
        .order_by(case((Pool.code == GENERAL_POOL, 0), else_=1), Pool.code)
    ).all()
    received = {
        row.pool_code: row
        for row in db.session.execute(
            select(
                Contribution.pool_code,
                func.count().label("n"),
                func.sum(Contribution.gross).label("gross"),
                func.sum(Contribution.fee).label("fees"),
                func.sum(Contribution.net).label("net"),
            )
            .outerjoin(ContributionVoid)
            .where(_contribution_counted(as_of))
            .group_by(Contribution.pool_code)
        )
    }
    money_out = _money_out_by_pool(as_of)
    allocated = {code: out[0] for code, out in money_out.items()}
    disbursed = {code: out[1] for code, out in money_out.items()}
    lines = []
    for row in pools:
        got = received.get(row.code)
        net = money(got.net if got else None)
        pool_allocated = allocated.get(row.code, ZERO)
        lines.append(
            PoolBalance(
                code=row.code,
                label=pool_label(row.code),
                title=row.title or "",
                gross=money(got.gross if got else None),
                fees=money(got.fees if got else None),
                net=net,
                allocated=pool_allocated,
                disbursed=disbursed.get(row.code, ZERO),
                available=money(row.available) if as_of is None else net - pool_allocated,
                contributions=got.n if got else 0,
            )
        )
    total = PoolBalance(code="", label="All money")
    for line in lines:
        for name in ("gross", "fees", "net", "allocated", "disbursed", "available"):
            setattr(total, name, getattr(total, name) + getattr(line, name))
        total.contributions += line.contributions
    return Balance(lines, total, voided_contributions(as_of))


def voided_contributions(as_of: date | None = None) -> list[VoidedContribution]:
    query = (
        select(
            Contribution.id,
            Organization.acronym,
            Organization.name,
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
            donor=row.acronym or row.name,
            received_on=row.received_on,
            gross=money(row.gross),
            net=money(row.net),
            pool_code=row.pool_code,
            reason=row.reason,
            voided_at=row.voided_at,
            voided_by=row.voided_by,
        )
        for row in rows
    ]


# The pipeline -----------------------------------------------------------------------------


@dataclass
class PipelineRow:
    proposal_id: int
    title: str
    organization: str
    primary_objective: int | None
    approved_at: datetime | None
    total: Decimal
    running_total: Decimal
    within_available: bool  # the running total is covered by the total available
    fundable: bool  # could be funded now, taking the pipeline in order and respecting earmarks
    areas: list[str]
    draws: list[tuple[str, Decimal]]
    shortfall: Decimal


@dataclass
class Pipeline:
    rows: list[PipelineRow]
    available: Decimal
    available_by_pool: dict[str, Decimal]

    @property
    def total(self) -> Decimal:
        return self.rows[-1].running_total if self.rows else ZERO

    @property
    def fundable_total(self) -> Decimal:
        return sum((r.total for r in self.rows if r.fundable), ZERO)


def organization_totals(proposal_filter, rate: Decimal) -> dict[int, dict[int, Decimal]]:
    """proposal id -> organization id -> direct + indirect, for the proposals matching
    `proposal_filter` (a SQL condition on Proposal): one grouped query."""
    rows = db.session.execute(
        select(
            BudgetLine.proposal_id,
            BudgetLine.organization_id,
            func.sum(BudgetLine.amount).label("direct"),
        )
        .join(Proposal, Proposal.id == BudgetLine.proposal_id)
        .where(proposal_filter)
        .group_by(BudgetLine.proposal_id, BudgetLine.organization_id)
    )
    totals: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for row in rows:
        direct = money(row.direct)
        totals[row.proposal_id][row.organization_id] = direct + indirect_costs(direct, rate)
    return totals


def pipeline(
    rate: Decimal,
    available_by_pool: dict[str, Decimal] | None = None,
    as_of: date | None = None,
) -> Pipeline:
    """Approved, unfunded proposals in order of approval, with a running total against the money
    available. `fundable` takes them in that order, each from its own pools (earmarks of its
    primary objective's areas, then unearmarked), skipping those the rest cannot cover.
    Four queries (three when the pool balances are given). With `as_of`: the proposals approved
    at the end of that day and not allocated by then, against the money available then."""
    approved_at = approved_at_expression()
    condition = Proposal.status == "approved"
    if as_of is not None:
        condition = and_(proposal_state_as_of(as_of) == "approved", ~allocated_by(as_of))
    proposals = db.session.execute(
        select(
            Proposal.id,
            Proposal.title,
            Proposal.primary_objective_number,
            Organization.acronym,
            Organization.name,
            approved_at.label("approved_at"),
        )
        .join(Organization, Organization.id == Proposal.organization_id)
        .where(condition)
        .order_by(approved_at, Proposal.id)
    ).all()
    totals = organization_totals(condition, rate)
    areas: dict[int, list[str]] = defaultdict(list)
    for row in db.session.execute(
        select(Proposal.id, objective_thematic_area.c.thematic_area_code)
        .join(
            objective_thematic_area,
            objective_thematic_area.c.objective_number == Proposal.primary_objective_number,
        )
        .where(condition)
        .order_by(Proposal.id, objective_thematic_area.c.thematic_area_code)
    ):
        areas[row.id].append(row.thematic_area_code)
    if available_by_pool is None and as_of is not None:
        available_by_pool = balance(as_of).available_by_pool()
    elif available_by_pool is None:
        available_by_pool = {
            row.code: money(row.available)
            for row in db.session.execute(select(Pool.code, Pool.available))
        }
    walk = _PoolWalk(available_by_pool)
    available = sum(available_by_pool.values(), ZERO)
    running = ZERO
    rows = []
    for row in proposals:
        total = sum(totals.get(row.id, {}).values(), ZERO)
        running += total
        own, draws, shortfall, fundable = walk.take(areas.get(row.id, []), int(total * 100))
        rows.append(
            PipelineRow(
                proposal_id=row.id,
                title=row.title,
                organization=row.acronym or row.name,
                primary_objective=row.primary_objective_number,
                approved_at=row.approved_at,
                total=total,
                running_total=running,
                within_available=running <= available,
                fundable=fundable,
                areas=list(own),
                draws=[(code, from_cents(take)) for code, take in draws],
                shortfall=from_cents(shortfall),
            )
        )
    return Pipeline(rows, available, dict(available_by_pool))


class _PoolWalk:
    """The pipeline taken in order against the money left in the pools, in whole cents: each
    proposal from its own pools (earmarks of its areas by code, then unearmarked), funded only
    if they cover all of it, its draws then taken out of what is left for the next ones."""

    def __init__(self, available_by_pool: Mapping[str, Decimal]) -> None:
        self.left = {code: int(amount * 100) for code, amount in available_by_pool.items()}
        self._orders: dict[tuple[str, ...], tuple[list[str], list[str]]] = {}

    def take(
        self, areas: Sequence[str], total: int
    ) -> tuple[list[str], list[tuple[str, int]], int, bool]:
        """(the proposal's own areas, its draws if it could be funded, what is missing, whether
        it could be funded), for a proposal of `total` cents in `areas`."""
        key = tuple(areas)
        if key not in self._orders:
            own = [a for a in areas if a in self.left]
            order = [c for c in draw_order([*own, GENERAL_POOL]) if c in self.left]
            self._orders[key] = (own, order)
        own, order = self._orders[key]
        missing, draws = total, []
        for code in order:
            if missing <= 0:
                break
            take = min(self.left[code], missing)
            if take > 0:
                draws.append((code, take))
                missing -= take
        if total <= 0 or missing > 0:
            return own, [], max(missing, 0), False
        for code, take in draws:
            self.left[code] -= take
        return own, draws, 0, True


# One page of a long list ------------------------------------------------------------------

PAGE_SIZE = 25


# The pipeline, a page at a time -----------------------------------------------------------


@dataclass
class PipelinePage(Paging):
    """One page of the pipeline with the figures of the whole pipeline."""

    rows: list[PipelineRow] = field(default_factory=list)
    total: Decimal = ZERO  # every approved proposal
    start: Decimal = ZERO  # the running total before the page's first row
    fundable_count: int = 0
    fundable_total: Decimal = ZERO
    available: Decimal = ZERO
    available_by_pool: dict[str, Decimal] = field(default_factory=dict)

    @property
    def page_total(self) -> Decimal:
        return sum((r.total for r in self.rows), ZERO)


def approved_at_expression():
    """SQL expression on Proposal: when its approval was recorded (kept at approval, the time
    of its `approve` event; its last change for a proposal approved without the workflow).
    A proposal is approved at most once: `approve` leads only out of committee review, and
    nothing leads back there from the pipeline."""
    return func.coalesce(Proposal.approved_at, Proposal.updated_at)


def objective_areas() -> dict[int, list[str]]:
    """GCM objective number -> the thematic areas it lies in, by code (a small table)."""
    areas: dict[int, list[str]] = defaultdict(list)
    for row in db.session.execute(
        select(
            objective_thematic_area.c.objective_number,
            objective_thematic_area.c.thematic_area_code,
        ).order_by(
            objective_thematic_area.c.objective_number,
            objective_thematic_area.c.thematic_area_code,
        )
    ):
        areas[row.objective_number].append(row.thematic_area_code)
    return areas


def pipeline_ledger(rate: Decimal):
    """SQL: every approved proposal in order of approval with its total (direct costs plus
    indirect costs per organization, rounded half-up as `proposal_budget` does) and the running
    total up to it, both in cents: a window sum over the whole pipeline.

    A proposal's total is the one kept at its approval (fund/proposals/approval.py) when it was
    computed at `rate`. Otherwise it is summed from the budget lines: grouped from the lines of
    all such proposals at once on SQLite; PostgreSQL, which would scan every budget line for
    that, sums each proposal's lines on the proposal index (a correlated subquery)."""
    approved = Proposal.status == "approved"
    kept = and_(  # never NULL, so that `~kept` holds for the others
        func.coalesce(Proposal.approved_rate, "") == rate_key(rate),
        Proposal.approved_total.is_not(None),
    )
    query = select(Proposal.id, Proposal.primary_objective_number.label("objective"))
    if _dialect() == "sqlite":
        by_organization = (
            select(
                BudgetLine.proposal_id,
                func.coalesce(cents_sum(BudgetLine.amount), 0).label("direct"),
            )
            .join(Proposal, Proposal.id == BudgetLine.proposal_id)
            .where(approved, ~kept)
            .group_by(BudgetLine.proposal_id, BudgetLine.organization_id)
            .subquery()
        )
        direct = by_organization.c.direct
        totals = (
            select(
                by_organization.c.proposal_id,
                func.sum(direct + indirect_cents(direct, rate)).label("total"),
            )
            .group_by(by_organization.c.proposal_id)
            .subquery()
        )
        query = query.outerjoin(totals, totals.c.proposal_id == Proposal.id)
        total = totals.c.total
    else:
        by_organization = (
            select(func.coalesce(cents_sum(BudgetLine.amount), 0).label("direct"))
            .where(BudgetLine.proposal_id == Proposal.id)
            .group_by(BudgetLine.organization_id)
            .correlate(Proposal)
            .subquery()
        )
        direct = by_organization.c.direct
        total = select(func.sum(direct + indirect_cents(direct, rate))).scalar_subquery()
    # Materialized: the window and the result read its rows once each (flattened, PostgreSQL
    # would run the correlated subqueries once for each).
    base = (
        query.add_columns(
            case((kept, cents(Proposal.approved_total)), else_=func.coalesce(total, 0)).label(
                "total"
            ),
            approved_at_expression().label("approved_at"),
        )
        .where(approved)
        .cte("approved")
        .prefix_with("MATERIALIZED")
    )
    order = (base.c.approved_at, base.c.id)
    running = func.sum(base.c.total).over(order_by=order, rows=(None, 0))
    return select(
        base.c.id,
        base.c.objective,
        cast(base.c.total, BigInteger).label("total"),
        cast(running, BigInteger).label("running"),
    ).order_by(*order)


def pipeline_page(
    rate: Decimal,
    available_by_pool: dict[str, Decimal],
    page: int = 1,
    per_page: int = PAGE_SIZE,
) -> PipelinePage:
    """One page of the pipeline (as `pipeline()` shows it all) in three queries: the ledger of
    the whole pipeline (totals and running totals from SQL, three integers a proposal), the
    objectives' areas, and the titles and organizations of the page's proposals.

    Whether a proposal could be funded now depends on every proposal before it (each takes
    money the next ones then lack), so that walk covers the whole ledger; it only adds and
    compares amounts. What a page shows beyond the ledger is read for that page only."""
    # Plain rows (Core, on the session's connection): thousands of them, only unpacked.
    ledger = db.session.connection().execute(pipeline_ledger(rate)).all()
    areas = objective_areas()
    found = paging(len(ledger), page, per_page)
    available = sum(available_by_pool.values(), ZERO)
    result = PipelinePage(
        found.count,
        found.page,
        found.per_page,
        total=from_cents(ledger[-1].running) if ledger else ZERO,
        available=available,
        available_by_pool=dict(available_by_pool),
    )
    walk = _PoolWalk(available_by_pool)
    fundable_cents = 0
    first, after = found.offset, found.offset + found.per_page
    shown: list[tuple[Any, list[str], list[tuple[str, int]], int, bool]] = []
    for index, entry in enumerate(ledger):
        _, objective, total, _ = entry
        own, draws, shortfall, fundable = walk.take(areas.get(objective, ()), total)
        if fundable:
            result.fundable_count += 1
            fundable_cents += total
        if first <= index < after:
            shown.append((entry, own, draws, shortfall, fundable))
    result.fundable_total = from_cents(fundable_cents)
    if shown:
        result.start = from_cents(shown[0][0].running - shown[0][0].total)
        details = {
            row.id: row
            for row in db.session.execute(
                select(
                    Proposal.id,
                    Proposal.title,
                    Organization.acronym,
                    Organization.name,
                    approved_at_expression().label("approved_at"),
                )
                .join(Organization, Organization.id == Proposal.organization_id)
                .where(Proposal.id.in_([entry.id for entry, *_ in shown]))
            )
        }
        for entry, own, draws, shortfall, fundable in shown:
            row = details[entry.id]
            running = from_cents(entry.running)
            result.rows.append(
                PipelineRow(
                    proposal_id=entry.id,
                    title=row.title,
                    organization=row.acronym or row.name,
                    primary_objective=entry.objective,
                    approved_at=row.approved_at,
                    total=from_cents(entry.total),
                    running_total=running,
                    within_available=running <= available,
                    fundable=fundable,
                    areas=list(own),
                    draws=[(code, from_cents(take)) for code, take in draws],
                    shortfall=from_cents(shortfall),
                )
            )
    return result


# Allocations, a page at a time ------------------------------------------------------------


@dataclass
class AllocationPage(Paging):
    """One page of the allocations, the latest first, with the totals of all of them."""

    rows: list[AllocationSummary] = field(default_factory=list)
    amount: Decimal = ZERO  # allocated, all allocations
    disbursed: Decimal = ZERO  # paid out of them

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.disbursed


def allocations_page(page: int = 1, per_page: int = PAGE_SIZE) -> AllocationPage:
    """One page of `allocations()`, the latest first, in two queries: the count and totals of
    all allocations (SQL aggregates in cents), then the page's rows."""
    totals = db.session.execute(
        select(
            func.count(),
            cents_sum(Allocation.amount),
            select(cents_sum(AllocationShare.disbursed)).scalar_subquery(),
        ).select_from(Allocation)
    ).one()
    found = paging(totals[0] or 0, page, per_page)
    result = AllocationPage(
        found.count,
        found.page,
        found.per_page,
        amount=from_cents(totals[1]),
        disbursed=from_cents(totals[2]),
    )
    if not found.count:
        return result
    order = (Allocation.allocated_on.desc(), Allocation.id.desc())
    chosen = (
        select(Allocation.id).order_by(*order).limit(found.per_page).offset(found.offset)
    ).subquery()
    paid = (
        select(cents_sum(AllocationShare.disbursed))
        .where(AllocationShare.allocation_id == Allocation.id)
        .correlate(Allocation)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(
            Proposal.id,
            Proposal.title,
            Proposal.status,
            Organization.acronym,
            Organization.name,
            cents(Allocation.amount).label("amount"),
            Allocation.allocated_on,
            paid.label("paid"),
        )
        .select_from(chosen)
        .join(Allocation, Allocation.id == chosen.c.id)
        .join(Proposal, Proposal.id == Allocation.proposal_id)
        .join(Organization, Organization.id == Proposal.organization_id)
        .order_by(*order)
    )
    result.rows = [
        AllocationSummary(
            proposal_id=row.id,
            title=row.title,
            status=row.status,
            organization=row.acronym or row.name,
            amount=from_cents(row.amount),
            disbursed=from_cents(row.paid),
            allocated_on=row.allocated_on,
        )
        for row in rows
    ]
    return result


# Contributions and allocations ------------------------------------------------------------


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


def area_titles() -> dict[str, str]:
    return {
        row.code: row.title
        for row in db.session.execute(select(ThematicArea.code, ThematicArea.title))
    }


def donors() -> list[Organization]:
    return list(
        db.session.scalars(
            select(Organization)
            .where(Organization.active.is_(True))
            .order_by(func.coalesce(Organization.acronym, Organization.name))
        )
    )


@dataclass
class AllocationSummary:
    proposal_id: int
    title: str
    status: str
    organization: str
    amount: Decimal
    disbursed: Decimal
    allocated_on: date

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.disbursed

    @property
    def status_label(self) -> str:
        return PROPOSAL_WORKFLOW.state_label(self.status)


def allocations(as_of: date | None = None) -> list[AllocationSummary]:
    """Every allocation with what has been paid out of it, the latest first: one query. With
    `as_of`: the allocations dated by then, and what was paid out of them by then."""
    paid = _paid_by_allocation(as_of)
    query = (
        select(
            Proposal.id,
            Proposal.title,
            Proposal.status,
            Organization.acronym,
            Organization.name,
            Allocation.amount,
            Allocation.allocated_on,
            paid.c.paid,
        )
        .join(Allocation, Allocation.proposal_id == Proposal.id)
        .join(Organization, Organization.id == Proposal.organization_id)
        .outerjoin(paid, paid.c.allocation_id == Allocation.id)
        .order_by(Allocation.allocated_on.desc(), Allocation.id.desc())
    )
    if as_of is not None:
        query = query.where(Allocation.allocated_on <= as_of)
    rows = db.session.execute(query)
    return [
        AllocationSummary(
            proposal_id=row.id,
            title=row.title,
            status=row.status,
            organization=row.acronym or row.name,
            amount=money(row.amount),
            disbursed=money(row.paid),
            allocated_on=row.allocated_on,
        )
        for row in rows
    ]


def allocation_for(proposal_id: int) -> Allocation | None:
    """The proposal's allocation with its sources and shares (and their organizations)."""
    return db.session.scalar(
        select(Allocation)
        .where(Allocation.proposal_id == proposal_id)
        .options(
            selectinload(Allocation.sources),
            selectinload(Allocation.shares).joinedload(AllocationShare.organization),
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
            Organization.acronym,
            Organization.name,
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
    return [
        (row.acronym or row.name, money(row.amount) - money(row.disbursed))
        for row in rows
        if money(row.amount) > money(row.disbursed)
    ]


def has_allocation(proposal_id: int) -> bool:
    return (
        db.session.scalar(select(Allocation.id).where(Allocation.proposal_id == proposal_id))
        is not None
    )

"""The pipeline: approved proposals awaiting funding, in order of approval, with a running total
against the money available and whether each could be funded now from its own pools.

Two readings of it: `pipeline_page` (the finance page, a page at a time: totals, running totals
and the walk over the pools from one SQL ledger in whole cents) and `pipeline` (the whole list,
also as it stood at the end of a day, for the allocation report).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import BigInteger, and_, case, cast, func, select
from sqlalchemy.sql import ColumnElement, Select

from fund import dialects
from fund import money as money_rules
from fund.accounts.models import Organization
from fund.dialects import cents_sum
from fund.extensions import db
from fund.finance.funding import draw_order, plan_draws
from fund.finance.models import GENERAL_POOL, Pool
from fund.finance.queries.as_of import allocated_by, proposal_state_as_of
from fund.finance.queries.balance import balance
from fund.finance.queries.lists import PAGE_SIZE
from fund.kept import KeptByKey
from fund.money import ZERO, cents, from_cents, read_amount, sql_cents, total_of
from fund.pagination import Paging, paging
from fund.proposals import status_rules
from fund.proposals.budget import organization_budgets, rate_key
from fund.proposals.models import BudgetLine, Proposal
from fund.proposals.queries import organization_directs
from fund.reference.models import objective_thematic_area


@dataclass
class PipelineRow:
    """An approved proposal awaiting funding, in the pipeline's order, with what it draws."""

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
    content_language: str = "en"  # the language its title is written in


def _described() -> Select:
    """The columns that describe a proposal's line (`_row`): its id, title, organization and
    approval time, and the language it is written in."""
    return select(
        Proposal.id,
        Proposal.title,
        Organization.label.label("organization"),
        Proposal.approved_at.label("approved_at"),
        Proposal.content_language,
    ).join(Organization, Organization.id == Proposal.organization_id)


def _row(
    row: Any,
    objective: int | None,
    total: Decimal,
    running: Decimal,
    available: Decimal,
    own: list[str],
    draws: list[tuple[str, int]],
    shortfall: int,
    fundable: bool,
) -> PipelineRow:
    """A proposal's line of the pipeline: `row` has its id, title, organization and approval
    time; the last four are what `_PoolWalk.take` found for it (amounts in cents)."""
    return PipelineRow(
        proposal_id=row.id,
        title=row.title,
        content_language=row.content_language,
        organization=row.organization,
        primary_objective=objective,
        approved_at=row.approved_at,
        total=total,
        running_total=running,
        within_available=running <= available,
        fundable=fundable,
        areas=list(own),
        draws=[(code, from_cents(take)) for code, take in draws],
        shortfall=from_cents(shortfall),
    )


@dataclass
class Pipeline:
    """The approved proposals awaiting funding, and the money available to fund them."""

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
    return {
        proposal_id: {
            organization_id: budget.total
            for organization_id, budget in organization_budgets(
                directs, rate
            ).by_organization.items()
        }
        for proposal_id, directs in organization_directs(proposal_filter).items()
    }


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
    # Kept at approval (the time of its `approve` event; a proposal is approved at most once:
    # `approve` leads only out of committee review, and nothing leads back there).
    approved_at = Proposal.approved_at
    condition = status_rules.in_pipeline()
    if as_of is not None:
        condition = and_(
            status_rules.in_pipeline(proposal_state_as_of(as_of)), ~allocated_by(as_of)
        )
    proposals = db.session.execute(
        _described()
        .add_columns(Proposal.primary_objective_number)
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
            row.code: read_amount(row.available)
            for row in db.session.execute(select(Pool.code, Pool.available))
        }
    walk = _PoolWalk(available_by_pool)
    available = sum(available_by_pool.values(), ZERO)
    running = ZERO
    rows = []
    for row in proposals:
        total = sum(totals.get(row.id, {}).values(), ZERO)
        running += total
        walked = walk.take(areas.get(row.id, []), cents(total))
        rows.append(_row(row, row.primary_objective_number, total, running, available, *walked))
    return Pipeline(rows, available, dict(available_by_pool))


class _PoolWalk:
    """The pipeline taken in order against the money left in the pools, in whole cents: each
    proposal from its own pools in the draw order (`fund.finance.funding`), funded only if they
    cover all of it, its draws then taken out of what is left for the next ones."""

    def __init__(self, available_by_pool: Mapping[str, Decimal]) -> None:
        self.left = {code: cents(amount) for code, amount in available_by_pool.items()}
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
        draws, missing = plan_draws(total, [(code, self.left[code]) for code in order])
        if total <= 0 or missing > 0:
            return own, [], missing, False
        for code, take in draws:
            self.left[code] -= take
        return own, draws, 0, True


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

    page_total = total_of("rows", "total")


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


def indirect_cents(direct: ColumnElement[int], rate: Decimal) -> ColumnElement[int]:
    """SQL: the indirect costs of `direct` cents at `rate` (`fund.money.indirect_cents_sql`)."""
    if rate < 0:
        raise ValueError("the indirect cost rate cannot be negative")
    # An integer type for the database too (PostgreSQL sums bigints as numeric): `//` must be
    # integer division.
    return money_rules.indirect_cents_sql(cast(direct, BigInteger), rate)


def pipeline_ledger(rate: Decimal):
    """SQL: every approved proposal in order of approval with its total (direct costs plus
    indirect costs per organization, rounded half-up as `proposal_budget` does) and the running
    total up to it, both in cents: a window sum over the whole pipeline.

    A proposal's total is the one kept at its approval (fund/proposals/approval.py) when it was
    computed at `rate`. Otherwise it is summed from the budget lines: grouped from the lines of
    all such proposals at once on SQLite; PostgreSQL, which would scan every budget line for
    that, sums each proposal's lines on the proposal index (a correlated subquery)."""
    approved = status_rules.in_pipeline()
    kept = and_(  # never NULL, so that `~kept` holds for the others
        func.coalesce(Proposal.approved_rate, "") == rate_key(rate),
        Proposal.approved_total.is_not(None),
    )
    query = select(Proposal.id, Proposal.primary_objective_number.label("objective"))
    if dialects.name() == "sqlite":
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
            case((kept, sql_cents(Proposal.approved_total)), else_=func.coalesce(total, 0)).label(
                "total"
            ),
            Proposal.approved_at,
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


@lru_cache(maxsize=16)
def _ledger_statement(rate: str, dialect: str):
    """`pipeline_ledger` at `rate` (as `rate_key` writes it) for the engine named `dialect`,
    built once: the statement is the same at every request, and building it (its clauses,
    then its cache key) costs more than SQLite takes to run it (at 5,000 proposals about 4 ms
    against 2.5 ms). A statement is immutable and may be shared by threads."""
    return pipeline_ledger(Decimal(rate))


@dataclass(frozen=True)
class _Walked:
    """The whole pipeline's ledger and its walk over the pools, as of one state of the records:
    for each entry (id, objective, total, running, in cents) the proposal's own areas, its
    draws, what is missing and whether it could be funded now."""

    ledger: list[tuple[int, int | None, int, int]]
    outcomes: list[tuple[list[str], list[tuple[str, int]], int, bool]]
    fundable_count: int
    fundable_cents: int


# The walks last made by this process, by the key of the records they were made from
# (`_state_key`, see `fund.kept`). A few: the pool balances are part of the key.
_WALKS: KeptByKey[_Walked] = KeptByKey(4)


def _state_key(
    connection: Any, rate: Decimal, available: Mapping[str, Decimal], areas: Mapping
) -> tuple:
    """What the pipeline's walk depends on, in one statement on the index of the proposals'
    status and update time: which proposals are in the pipeline (how many, the sum of their
    ids, the latest change to any of them: a proposal entering or leaving the pipeline is
    stamped then, and what it holds is frozen while it is there), the rate and the pools."""
    count, ids, changed = connection.execute(
        select(
            func.count(),
            func.coalesce(func.sum(Proposal.id), 0),
            func.max(Proposal.updated_at),
        ).where(status_rules.keyed_in((status_rules.PIPELINE_STATE,)))
    ).one()
    return (
        connection.engine.url.render_as_string(hide_password=True),
        rate_key(rate),
        count,
        ids,
        str(changed),
        tuple(sorted((code, str(amount)) for code, amount in available.items())),
        tuple(sorted((number, tuple(codes)) for number, codes in areas.items())),
    )


def _walked(rate: Decimal, available_by_pool: Mapping[str, Decimal]) -> _Walked:
    """The pipeline's walk for the records as they are now: kept from an earlier request of
    this process while they (and the objectives' areas) have not changed, else the ledger read
    (totals and running totals from SQL, four integers a proposal) and walked: whether a
    proposal could be funded now depends on every proposal before it (each takes money the
    next ones then lack)."""
    connection = db.session.connection()
    areas = objective_areas()  # a small table, read at every request: part of the key
    key = _state_key(connection, rate, available_by_pool, areas)

    def walked() -> _Walked:
        # Plain rows (Core, on the session's connection): thousands of them, only unpacked.
        ledger = [
            tuple(row)
            for row in connection.execute(
                _ledger_statement(rate_key(rate), dialects.name(connection))
            )
        ]
        walk = _PoolWalk(available_by_pool)
        outcomes = []
        count = cents = 0
        for _, objective, total, _ in ledger:
            outcome = walk.take(areas.get(objective, ()), total)
            outcomes.append(outcome)
            if outcome[3]:
                count += 1
                cents += total
        return _Walked(ledger, outcomes, count, cents)

    return _WALKS.get(key, walked)


def pipeline_page(
    rate: Decimal,
    available_by_pool: dict[str, Decimal],
    page: int = 1,
    per_page: int = PAGE_SIZE,
) -> PipelinePage:
    """One page of the pipeline (as `pipeline()` shows it all): the whole pipeline's ledger and
    walk (`_walked`: two statements while the records have not changed, three when they have),
    and the titles and organizations of the page's proposals."""
    walked = _walked(rate, available_by_pool)
    ledger = walked.ledger
    found = paging(len(ledger), page, per_page)
    available = sum(available_by_pool.values(), ZERO)
    result = PipelinePage(
        found.count,
        found.page,
        found.per_page,
        total=from_cents(ledger[-1][3]) if ledger else ZERO,
        available=available,
        available_by_pool=dict(available_by_pool),
        fundable_count=walked.fundable_count,
        fundable_total=from_cents(walked.fundable_cents),
    )
    first, after = found.offset, found.offset + found.per_page
    shown = list(zip(ledger[first:after], walked.outcomes[first:after], strict=True))
    if shown:
        result.start = from_cents(shown[0][0][3] - shown[0][0][2])
        details = {
            row.id: row
            for row in db.session.execute(
                _described().where(Proposal.id.in_([entry[0] for entry, _ in shown]))
            )
        }
        for (proposal_id, objective, total, running), outcome in shown:
            result.rows.append(
                _row(
                    details[proposal_id],
                    objective,
                    from_cents(total),
                    from_cents(running),
                    available,
                    *outcome,
                )
            )
    return result

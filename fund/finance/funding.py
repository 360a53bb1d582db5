"""Funding a proposal: which pools pay for it, in which order, and what is said when they cannot.

The draw order is the fund's rule for every use of the pools: a proposal is paid from the
earmarked pools of the thematic areas that contain its primary objective first (by area code),
then from the unearmarked pool. The same order attributes payments to the pools an allocation
drew on, and walks the pipeline. `draw_rank` and `draw_key` give it in Python (for a pool code)
and in SQL (for a pool-code column) from one definition; `plan_draws` takes an amount from
pools in that order, in Decimal amounts or whole cents alike.

`funding_plan` reads the pools a proposal may draw on, locked when the caller is about to
fund it (SELECT ... FOR UPDATE, in code order), and says why they do not cover it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from flask_babel import gettext
from sqlalchemy import and_, case, or_, select

from fund import i18n
from fund.extensions import db
from fund.finance.models import GENERAL_POOL, Pool
from fund.i18n import Money
from fund.labels import N_
from fund.money import ZERO, read_amount
from fund.proposals.budget import Line, summarise
from fund.proposals.models import Proposal
from fund.reference.models import objective_thematic_area
from fund.sentences import Listed, Sentence, listed

GENERAL_LABEL = N_("Unearmarked")
EARMARK_LABEL = N_("%(code)s earmark")

Amount = TypeVar("Amount", Decimal, int)


def pool_label(code: str, titles: dict[str, str] | None = None) -> str:
    """A pool as people read it: "Unearmarked", or "TA1 earmark: <the area's title>"."""
    if code == GENERAL_POOL:
        return GENERAL_LABEL
    title = (titles or {}).get(code)
    return f"{code} earmark" + (f": {title}" if title else "")  # stored in English


def pool_sentence(code: str) -> Sentence:
    """`pool_label` as a sentence a page shows in the reader's language (`fund.sentences.said`)."""
    if code == GENERAL_POOL:
        return Sentence(GENERAL_LABEL)
    return Sentence(EARMARK_LABEL, code=code)


def pool_name(code: str | None, titles: dict[str, str] | None = None) -> str:
    """`pool_label` in the reader's language, for the pages only (a request's): what is
    stored, audited or exported keeps `pool_label`."""
    if not code:
        return "—"
    if code == GENERAL_POOL:
        return gettext(GENERAL_LABEL)
    title = (titles or {}).get(code)
    earmark = gettext(EARMARK_LABEL, code=code)
    return i18n.labelled(earmark, title) if title else earmark


# The draw order ----------------------------------------------------------------------------


def draw_rank(pool_code: Any) -> Any:
    """Where a pool stands in the draw order: 0 for an earmark, 1 for the unearmarked pool
    (pools of the same rank are drawn by code). For a code, or an SQL pool-code column."""
    if isinstance(pool_code, str):
        return 1 if pool_code == GENERAL_POOL else 0
    return case((pool_code == GENERAL_POOL, 1), else_=0)


def draw_key(pool_code: Any) -> tuple[Any, Any]:
    """The draw order as a sort key (rank, code), for `sorted` or an SQL ORDER BY."""
    return draw_rank(pool_code), pool_code


def drawn_before(pool_code: Any, other: Any) -> Any:
    """Whether pool `pool_code` is drawn before pool `other`, for codes or SQL columns."""
    if isinstance(pool_code, str) and isinstance(other, str):
        return draw_key(pool_code) < draw_key(other)
    return or_(
        draw_rank(pool_code) < draw_rank(other),
        and_(draw_rank(pool_code) == draw_rank(other), pool_code < other),
    )


def draw_order(codes: Iterable[str]) -> list[str]:
    """The order in which pools pay for a proposal: earmarked areas by code, then GENERAL."""
    return sorted(set(codes), key=draw_key)


def plan_draws(
    total: Amount, pools: Sequence[tuple[str, Amount]]
) -> tuple[list[tuple[str, Amount]], Amount]:
    """Take `total` from `pools` (already in draw order): the draws (a pool that gives
    nothing has none) and what is still missing, never below zero. In Decimal amounts or in
    whole cents: what is returned is of the same kind as `total`."""
    draws: list[tuple[str, Amount]] = []
    missing = total
    for code, available in pools:
        if missing <= 0:
            break
        take = min(available, missing)
        if take > 0:
            draws.append((code, take))
            missing -= take
    return draws, max(missing, total - total)  # total - total: zero of total's own kind


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

    def problems(self, translated: bool = False) -> list[str]:
        """Why the pools do not cover the proposal; in the reader's language when `translated`
        (a page's), else as English sentences a page may still show translated
        (`fund.sentences.said`)."""
        say = gettext if translated else Sentence
        name = pool_name if translated else pool_sentence
        amount = i18n.money if translated else Money
        if self.total <= 0:
            return [say(N_("The proposal has no budget: there is nothing to allocate."))]
        if self.covered:
            return []
        # A pool and what it holds, "TA1 earmark USD 1,000.00": no words of its own to translate.
        pools = [
            say("%(pool)s %(amount)s", pool=name(code), amount=amount(value))
            for code, value in self.pools
        ]
        by_pool = listed(pools) if translated else Listed(pools)
        where = (
            say(
                N_("the earmarks for %(areas)s and the unearmarked money"),
                areas=listed(self.areas) if translated else Listed(self.areas),
            )
            if self.areas
            else say(N_("the unearmarked money (its primary objective lies in no thematic area)"))
        )
        return [
            say(
                N_(
                    "The proposal needs %(total)s but only %(available)s is available to it "
                    "(%(pools)s), from %(where)s: %(shortfall)s short."
                ),
                total=amount(self.total),
                available=amount(self.available),
                pools=by_pool,
                where=where,
                shortfall=amount(self.shortfall),
            )
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
    held = {row.code: read_amount(row.available) for row in db.session.execute(query)}
    pools = [(code, held[code]) for code in draw_order(held)]
    return FundingPlan(proposal.id, total, shares, pools, [a for a in areas if a in held])

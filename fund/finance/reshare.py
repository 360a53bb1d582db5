"""An allocation's shares after a budget reallocation: when an approved revision moves money
between participating organizations within the same total, each organization's share follows
its new budget (direct + indirect, rounded per organization as at funding), under the shares'
row locks; an organization joining gets a share, one leaving keeps what it was already
transferred. A new share below what an organization was already transferred, with its open
transfer request, is never written (the agent records a request against the share): the
shares stay as they were, and the caller says why.

A higher total approved by the committee is allocated from the pools as funding draws
(`top_up`: the eligible pools locked, earmarks first, then unearmarked money); the payments
already made are attributed to the allocation's pools again in draw order, as
`flask fund caches --verify` recomputes them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select, update

from fund.extensions import db
from fund.finance import funding
from fund.finance.locks import locked_shares, locked_sources
from fund.finance.models import Allocation, AllocationShare, AllocationSource
from fund.finance.operations import _add_to, draw_from_pool, rebuild_paid_out
from fund.finance.transfer_models import OPEN, TransferRequest
from fund.i18n import Money
from fund.labels import N_
from fund.money import ZERO, read_amount
from fund.proposals.models import Proposal
from fund.sentences import Listed, Sentence


@dataclass(frozen=True)
class Committed:
    """What of an organization's share is spoken for: transferred, and the amount and code of
    its open transfer request (which the agent records against the share)."""

    transferred: Decimal
    requested: Decimal = ZERO
    request: str | None = None

    @property
    def total(self) -> Decimal:
        return self.transferred + self.requested


@dataclass(frozen=True)
class Reshared:
    changed: dict[int, tuple[Decimal, Decimal]]  # organization -> (share before, share after)
    below_transferred: dict[int, tuple[Decimal, Committed]]  # organization -> (new, committed)

    @property
    def written(self) -> bool:
        return not self.below_transferred


def committed_shares(allocation_id: int) -> dict[int, Committed]:
    """Each organization's share as spoken for (`Committed`), the shares locked first as a
    payment locks them: a new share is never below it (`reshare`, `top_up`)."""
    rows = locked_shares(allocation_id, AllocationShare.organization_id, AllocationShare.disbursed)
    open_requests = {
        row.organization_id: row
        for row in db.session.scalars(
            select(TransferRequest).where(
                TransferRequest.allocation_id == allocation_id, TransferRequest.status == OPEN
            )
        )
    }
    found = {}
    for row in rows:
        request = open_requests.get(row.organization_id)
        found[row.organization_id] = Committed(
            read_amount(row.disbursed),
            read_amount(request.amount) if request else ZERO,
            request.code if request else None,
        )
    return found


def reshare(allocation: Allocation, shares: Mapping[int, Decimal]) -> Reshared:
    """Set the allocation's shares to `shares` (organization -> amount, adding up to the
    allocation's amount), unless one would fall below what that organization was transferred
    (then nothing is written). Locks the shares first, as a payment does."""
    total = sum(shares.values(), ZERO)
    if total != read_amount(allocation.amount):
        raise ValueError(f"the shares add up to {total}, not the allocation's {allocation.amount}")
    rows = {
        share.organization_id: share for (share,) in locked_shares(allocation.id, AllocationShare)
    }
    committed = committed_shares(allocation.id)
    changed: dict[int, tuple[Decimal, Decimal]] = {}
    below: dict[int, tuple[Decimal, Committed]] = {}
    for organization_id in sorted(set(rows) | set(shares)):
        row = rows.get(organization_id)
        before = read_amount(row.amount) if row else ZERO
        spoken_for = committed.get(organization_id, Committed(ZERO))
        after = read_amount(shares.get(organization_id, ZERO))
        if after < spoken_for.total:
            below[organization_id] = (after, spoken_for)
        elif after != before:
            changed[organization_id] = (before, after)
    if below:
        return Reshared({}, below)
    for organization_id, (_, after) in changed.items():
        row = rows.get(organization_id)
        if row is None:
            db.session.add(
                AllocationShare(
                    allocation_id=allocation.id,
                    organization_id=organization_id,
                    amount=after,
                    disbursed=ZERO,
                )
            )
        else:
            row.amount = after
    db.session.flush()
    return Reshared(changed, {})


def _below_transferred(allocation_id: int, shares: Mapping[int, Decimal]) -> list[str]:
    """The organizations whose new share would be below what was transferred and requested
    of it (`committed_shares`)."""
    return [
        str(organization_id)
        for organization_id, spoken_for in committed_shares(allocation_id).items()
        if read_amount(shares.get(organization_id, ZERO)) < spoken_for.total
    ]


def top_up(allocation: Allocation, proposal: Proposal, rate: Decimal) -> tuple[bool, Sentence]:
    """Allocate what the programme's budget now holds above its allocation, from the pools
    available to it, and move the shares with the budget. Returns whether it was done and what
    to say; nothing changes when the pools do not hold it or a share would fall below what was
    transferred."""
    plan = funding.funding_plan(proposal, rate, lock=True)
    before = read_amount(allocation.amount)
    extra = plan.total - before
    if extra <= 0:
        return False, Sentence("")
    draws, missing = funding.plan_draws(extra, plan.pools)
    if missing > 0:
        return False, Sentence(
            N_(
                "The allocation is unchanged at %(before)s: the pools available to the "
                "programme hold %(held)s of the %(extra)s more its budget needs."
            ),
            before=Money(before),
            held=Money(extra - missing),
            extra=Money(extra),
        )
    if _below_transferred(allocation.id, plan.shares):
        return False, Sentence(
            N_(
                "The allocation is unchanged at %(before)s: an organization's new share would be "
                "below what it was paid and its open transfer request."
            ),
            before=Money(before),
        )
    sources = {row.pool_code for row in locked_sources(allocation.id, AllocationSource.pool_code)}
    for code, amount in draws:
        draw_from_pool(code, amount)
        if code in sources:
            _add_to(
                AllocationSource.amount,
                amount,
                AllocationSource.allocation_id == allocation.id,
                AllocationSource.pool_code == code,
                refusal=Sentence(
                    N_("The database refused the pool's larger part of the allocation.")
                ),
            )
        else:
            db.session.add(
                AllocationSource(allocation_id=allocation.id, pool_code=code, amount=amount)
            )
    db.session.execute(
        update(Allocation).where(Allocation.id == allocation.id).values(amount=plan.total)
    )
    db.session.flush()
    rebuild_paid_out(allocation.id)  # what was paid, in the draw order of the new parts
    db.session.expire(allocation)
    reshare(allocation, plan.shares)
    drawn = Listed(
        Sentence(N_("%(pool)s %(amount)s"), pool=funding.pool_sentence(code), amount=Money(a))
        for code, a in draws
    )
    return True, Sentence(
        N_(
            "The allocation rises from %(before)s to %(after)s, the %(extra)s more drawn from "
            "%(drawn)s."
        ),
        before=Money(before),
        after=Money(plan.total),
        extra=Money(extra),
        drawn=drawn,
    )

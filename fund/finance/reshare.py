"""An allocation's shares after a budget reallocation: when an approved revision moves money
between participating organizations within the same total, each organization's share follows
its new budget (direct + indirect, rounded per organization as at funding), under the shares'
row locks; an organization joining gets a share, one leaving keeps what it was already
transferred. A new share below what an organization was already transferred is never written:
the shares stay as they were, and the caller says why."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from fund.extensions import db
from fund.finance.models import Allocation, AllocationShare
from fund.money import ZERO, read_amount


@dataclass(frozen=True)
class Reshared:
    changed: dict[int, tuple[Decimal, Decimal]]  # organization -> (share before, share after)
    below_transferred: dict[int, tuple[Decimal, Decimal]]  # organization -> (new, transferred)

    @property
    def written(self) -> bool:
        return not self.below_transferred


def reshare(allocation: Allocation, shares: Mapping[int, Decimal]) -> Reshared:
    """Set the allocation's shares to `shares` (organization -> amount, adding up to the
    allocation's amount), unless one would fall below what that organization was transferred
    (then nothing is written). Locks the shares first, as a payment does."""
    total = sum(shares.values(), ZERO)
    if total != read_amount(allocation.amount):
        raise ValueError(f"the shares add up to {total}, not the allocation's {allocation.amount}")
    rows = {
        row.organization_id: row
        for row in db.session.scalars(
            select(AllocationShare)
            .where(AllocationShare.allocation_id == allocation.id)
            .order_by(AllocationShare.organization_id)
            .with_for_update()
        )
    }
    changed: dict[int, tuple[Decimal, Decimal]] = {}
    below: dict[int, tuple[Decimal, Decimal]] = {}
    for organization_id in sorted(set(rows) | set(shares)):
        row = rows.get(organization_id)
        before = read_amount(row.amount) if row else ZERO
        paid = read_amount(row.disbursed) if row else ZERO
        after = read_amount(shares.get(organization_id, ZERO))
        if after < paid:
            below[organization_id] = (after, paid)
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

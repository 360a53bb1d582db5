"""The row locks an allocation's writers take, each set of rows in one fixed order.

Every change to an allocation's shares or pool sources locks the rows it reads (SELECT ... FOR
UPDATE) until the transaction ends. Two transactions that lock the same rows in different
orders can each hold a row the other waits for, and the database then breaks the deadlock by
failing one of them. So every writer locks the shares in organization order, then the sources
in pool code order: the second transaction waits for the first, then reads what it left. A
payment or a transfer request locks its one share alone (`fund.finance.operations.locked_share`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, select

from fund.extensions import db
from fund.finance.models import AllocationShare, AllocationSource


def _locked(order: Any, allocation_id: int, columns: tuple[Any, ...]) -> Sequence[Row]:
    """Rows of `columns` of the allocation's rows of `order`'s table, locked in that order."""
    return db.session.execute(
        select(*columns)
        .where(order.class_.allocation_id == allocation_id)
        .order_by(order)
        .with_for_update()
    ).all()


def locked_shares(allocation_id: int, *columns: Any) -> Sequence[Row]:
    """The allocation's shares as rows of `columns` (columns of `AllocationShare`, or the model
    itself), their rows locked in organization order until the transaction ends."""
    return _locked(AllocationShare.organization_id, allocation_id, columns)


def locked_sources(allocation_id: int, *columns: Any) -> Sequence[Row]:
    """The allocation's pool sources as rows of `columns` (columns of `AllocationSource`),
    their rows locked in pool code order until the transaction ends."""
    return _locked(AllocationSource.pool_code, allocation_id, columns)

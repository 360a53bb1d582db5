"""Finance figures over every allocation, kept by each process while the allocations do not
change (`fund.kept`).

The balance sums the allocations' sources by pool, and the allocations list totals every
allocation with its shares' payments: both read every allocation the fund ever made (34,000 at
100,000 proposals, about 13 ms each on SQLite), for figures that change only when money is
allocated, paid, given back or moved between organizations. Each is kept under the `money`
counter of `fund.changes`, which triggers on the allocations, their sources and their shares
move in the transaction of any change to them: one row read on its key, so no process, and no
node, serves a figure older than the records.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fund.changes import MONEY, kept_under
from fund.kept import KeptByKey

T = TypeVar("T")
_KEPT: KeptByKey[object] = KeptByKey(8)


def kept(what: str, make: Callable[[], T]) -> T:
    """`make()`'s figures named `what`, kept from an earlier request of this process while the
    `money` counter is unchanged (made at every request in a database without it)."""
    return kept_under(MONEY, _KEPT, (what,), make)  # type: ignore[arg-type]

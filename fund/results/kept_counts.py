"""The results coverage's counts of all funded programmes, kept by each process between
requests while the records they come from are unchanged.

The counts (`fund.results.coverage._counts`: one statement grouping every indicator of the
funded programmes by objective, area, region, organization and fund outcome) grow with the
indicators: about 8 ms at 2,000 proposals and 90 ms at 20,000 on SQLite. The coverage dashboard
and the allocation report read them for every request, though they change only when a
programme is funded or closed, a framework changes or an actual is recorded. So each process
keeps the counts it last made under the key of the records and makes them again when that
key changes. The key is read from the database at every request, so no process, and no node,
ever serves counts older than the records.

The key is the `results` counter of `fund.changes`, which triggers move at every change of the
records the counts read (the outcomes, their objectives, the indicators, their targets and
actuals, the objectives' thematic areas, a proposal entering, leaving or changing in a funded
state), and the off-track threshold: one row read on its key, whatever the fund's history. (It
was a statement of aggregates over those records, which grew with them: 26 ms of the
dashboard's 45 at 100,000 proposals. Before that it held the audit trail's head, and under load
every vote made the next dashboard request count everything again.)

Only the counts of every funded programme are kept: a call's, a period's or an earlier day's
are made at each request, as before.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from fund.changes import RESULTS, kept_under
from fund.kept import KeptByKey

_KEPT: KeptByKey[dict] = KeptByKey(4)


def kept_counts(threshold: Decimal, make: Callable[[], dict]) -> dict:
    """The counts of every funded programme at `threshold`: kept from an earlier request of
    this process while the `results` counter is unchanged, else `make()` (and kept)."""
    return kept_under(RESULTS, _KEPT, (str(threshold),), make)

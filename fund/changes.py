"""Counters of changes that the database itself moves, for values kept between requests.

A value a process keeps (`fund.kept`) is keyed by the state of the records it is made from.
Reading that state with aggregates costs what the records weigh: the results counts' key
summed every outcome, indicator and target, the finance figures every allocation, so those
pages slowed as the fund's history grew. Instead, triggers on the records' tables move a
counter in `change_counters` at every statement that inserts, updates or deletes their rows,
in the same transaction: the key is one row read on its primary key, whatever the history, a
value made after a change is never kept under the key from before it, and a change made
outside the application (a statement in `psql`) moves the counter too.

The triggers are created by the migrations (both engines; `change_counters` holds one row per
counter, never deleted). Which tables move which counter:

- `results` (the results counts of every funded programme, `fund.results.kept_counts`): the
  outcomes, their objectives, the indicators, their targets and actuals, which objectives lie
  in which thematic area; and a proposal inserted, updated or deleted in a funded state or out
  of one (a funded programme changes only through the workflow or a revision, both of which
  write its row).
- `money` (the finance balance's money out of each pool and the allocations' totals,
  `fund.finance.queries.kept`): the allocations, their sources and their shares.
- `committee` (a member's counts: open rounds awaiting the seat's vote, recusals, votes cast,
  `fund.committee.queries`): the voting rounds, their places and their votes.
- `listing` (the proposal lists' filter choices and totals by status,
  `fund.proposals.queries`): the proposals' countries, the organizations, the countries; and a
  proposal inserted or deleted, or whose status or organization is updated.

A value is kept only when made in a transaction that has not written. Made after a write of its
own transaction, it may hold that write: on PostgreSQL the counter moves only at the commit, so
the value would be kept under the key from before the write; and on both engines a rollback takes
the counter back, so the next change committed would move it to that same key. Such a value is
made and used, not kept (`init_app` watches each connection for a write). Each
counter row also has an `epoch`, drawn at random when the row is made: a database made again
at the same address (dropped and created, seeded anew) starts its counters again from zero, and
its epoch tells its values from the old database's.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import BigInteger, String, event, select
from sqlalchemy.orm import Mapped, mapped_column

from fund.extensions import db
from fund.kept import KeptByKey

T = TypeVar("T")

RESULTS = "results"
MONEY = "money"
COMMITTEE = "committee"
LISTING = "listing"
# The counters' tables as the triggers watch them (the migrations that create them hold the
# same lists, as they were when each was written).
WATCHED = {
    RESULTS: (
        "result_outcomes",
        "result_outcome_objectives",
        "result_indicators",
        "indicator_targets",
        "indicator_actuals",
        "objective_thematic_areas",
    ),
    MONEY: ("allocations", "allocation_sources", "allocation_shares"),
    COMMITTEE: ("voting_rounds", "round_members", "votes"),
    LISTING: ("proposal_countries", "organizations", "countries"),
}


class ChangeCounter(db.Model):
    """How many changing statements the tables of one kept value have seen (see the module)."""

    __tablename__ = "change_counters"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    epoch: Mapped[str] = mapped_column(String(32))
    changes: Mapped[int] = mapped_column(BigInteger, default=0)


# connection.info: whether the connection's current transaction has written.
_WROTE = "fund_changes_wrote"
_WRITES = ("INSERT", "UPDATE", "DELETE", "MERGE")


def _note_write(connection: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
    if not connection.info.get(_WROTE) and statement.lstrip().upper().startswith(_WRITES):
        connection.info[_WROTE] = True


def _transaction_ended(connection: Any) -> None:
    connection.info.pop(_WROTE, None)


def init_app(app: Any) -> None:
    """Watch the application's connections for a write in the current transaction, so that
    `kept_under` keeps no value made after one (see the module). Idempotent."""
    with app.app_context():
        engine = db.engine
    if event.contains(engine, "before_cursor_execute", _note_write):
        return
    event.listen(engine, "before_cursor_execute", _note_write)
    event.listen(engine, "commit", _transaction_ended)
    event.listen(engine, "rollback", _transaction_ended)


def changes(name: str) -> tuple[str, int] | None:
    """The counter `name` now, with its epoch (None if the database has no such counter: then
    nothing may be kept)."""
    row = db.session.execute(
        select(ChangeCounter.epoch, ChangeCounter.changes).where(ChangeCounter.name == name)
    ).first()
    return None if row is None else (row.epoch, row.changes)


def kept_under(
    name: str, values: KeptByKey[T], parts: tuple[Hashable, ...], make: Callable[[], T]
) -> T:
    """`make()`, kept in `values` while the counter `name` is unchanged, under the key of the
    database, `parts` and the counter (one statement); made at every call in a database
    without the counter, and after a write of the current transaction."""
    counter = changes(name)
    connection = db.session.connection()
    if counter is None or connection.info.get(_WROTE):
        return make()
    url = connection.engine.url.render_as_string(hide_password=True)
    return values.get((url, *parts, *counter), make)

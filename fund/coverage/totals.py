"""Coverage totals kept up to date: the money of every counted state per objective, thematic
area, region, marker and organization, so that the dashboard reads a few hundred rows instead
of aggregating every budget line.

Money only moves when a proposal changes state (budgets are edited only in draft or returned,
which count nowhere), so the totals are maintained at flush time, in the transaction that makes
the change: before a flush the contribution of the proposals it touches is aggregated from the
database as it was, after the flush as it is, and the difference is added to the totals with
`INSERT ... ON CONFLICT DO UPDATE SET amount = amount + ...` (atomic increments: two
transactions never lose each other's change). A proposal is touched when it is created,
deleted, changes state, markers or countries, or one of its budget lines changes, and only if
it is in a counted state before or after. A closed programme counts what it kept
(`fund.coverage.programme_money.kept_cents`): its closure, its closure shares and each refund
touch it too.

Concept notes approved into the pipeline count too, under the status `note:pipeline` (their
indicative totals split over their objectives: `fund.coverage.programme_money.note_lines`). A
concept note's indicative totals and objectives are edited only in draft or returned, like a
budget.

Each row: (status, dimension, key) -> amount, indirect, programmes. Dimensions:

- `total`, key "": direct cents in `amount`, indirect cents (rounded half-up per programme and
  organization, as everywhere) in `indirect`, number of programmes;
- `objective`, key the objective number: direct cents of the lines of that objective in
  `amount`, the organizations' indirect cents apportioned to it in `indirect`;
- `area`, key the area code: its cents (each programme's objective amounts split evenly over
  the objective's areas);
- `region`, key the M49 code ("001" for programmes without countries): its cents (each
  programme's total split evenly over its distinct regions);
- `gender`, `rights`, key the score or "none": programme totals;
- `organization`, key the organization id: its direct plus indirect cents.

Every amount is a sum of per-programme whole cents (`fund.coverage.programme_money`, from the
rules of `fund.money`), and `programmes` counts each programme once per key where it gives that
key money (more than nothing; markers and `total`: every programme), so the totals of
two sets of programmes add up. One more row, (`*`, `rate`, rate), says which
indirect support rate (and, in `amount`, which version of the method) the totals were built
with: the dashboard uses them only when they are the configured rate and the current method
(`built`), and falls back on the full aggregation otherwise (`fund.coverage.queries.coverage`
decides, in one place). `rebuild()` recomputes everything; `differences()` compares the table
with a full recomputation. Both, and the flush-time upkeep (`before_flush`, `after_flush`), are
connected by `fund.caches` (`flask fund caches --verify` / `--rebuild`).

Why they are kept (bench/RESULTS.md, "Caches: with and without"; SQLite, medians of two runs on
a busy machine): at 5,000 proposals (50,000 budget lines) the coverage dashboard takes 19-27 ms
with the totals and 323-465 ms aggregating the budget lines, the committee review page (its
coverage effect) 34-57 against 1,072-1,199 ms, the simulator 120-154 against 1,212-1,727 ms;
at 20,000 proposals the dashboard took 20 ms (41 ms on PostgreSQL) with them, 1,233 ms
(1,644 ms) without. The page target is 100 ms.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from decimal import Decimal
from functools import lru_cache
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import (
    BigInteger,
    Integer,
    String,
    bindparam,
    cast,
    delete,
    inspect,
    literal,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column

from fund import dialects
from fund.audit.models import AUDIT_LOCK
from fund.coverage.programme_money import (
    NO_INDIRECT,
    dimension_rows,
    kept_cents,
    note_lines,
    programme_money,
)
from fund.extensions import db
from fund.finance.closure_models import ClosureShare, ProgrammeClosure, Refund
from fund.finance.models import Allocation
from fund.money import configured_indirect_rate, sql_cents
from fund.proposals import status_rules
from fund.proposals.budget import rate_key
from fund.proposals.models import BudgetLine, IndicativeTotal, Proposal
from workflows import COUNTED_STATES

COUNTED_STATUSES = COUNTED_STATES  # the states counted, of full programmes (status_rules.counted)
# The status a concept note's rows are kept under: "note:" and its state (only the pipeline's
# are kept; the others are read when a simulation counts a note as funded).
NOTE_PREFIX = "note:"

META_STATUS, RATE_DIMENSION = "*", "rate"
# The meta row's `amount`: the version of the method the totals were built with. Totals of an
# earlier method (version 0: indirect costs apportioned over whole columns, regions in 1/60
# cents; version 2: without the concept notes in the pipeline; version 3: closed programmes by
# their whole budget, not by what they kept; version 4: a row's programmes counted even where
# they give it nothing, as an organization that kept nothing of a closed programme) are not
# read; `flask fund caches --rebuild` (or `flask fund seed`) rebuilds them.
METHOD = 5

Key = tuple[str, str, str]  # (status, dimension, key)
Figures = tuple[int, int, int]  # (amount, indirect, programmes)


class CoverageTotal(db.Model):
    __tablename__ = "coverage_totals"

    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    amount: Mapped[int] = mapped_column(BigInteger, default=0)
    indirect: Mapped[int] = mapped_column(BigInteger, default=0)
    programmes: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self) -> str:
        return f"<CoverageTotal {self.status} {self.dimension} {self.key}: {self.amount}>"


def aggregate(
    connection: Connection,
    rate: Decimal,
    proposal_ids: Collection[int] | None = None,
    *,
    counted_only: bool = True,
) -> dict[Key, Figures]:
    """The figures of the given proposals (all when None) grouped by their current status, in
    one statement. `counted_only` leaves out the states that count nowhere."""
    numerator, denominator = Decimal(rate).as_integer_ratio()
    statement = _aggregate_statement(
        numerator, denominator, counted_only=counted_only, by_ids=proposal_ids is not None
    )
    parameters = {} if proposal_ids is None else {"ids": sorted(set(proposal_ids))}
    return {
        (row[0], row[1], row[2]): (int(row[3] or 0), int(row[4] or 0), int(row[5] or 0))
        for row in connection.execute(statement, parameters)
    }


@lru_cache(maxsize=32)
def _aggregate_statement(
    numerator: int, denominator: int, *, counted_only: bool, by_ids: bool
) -> Any:
    """The statement of `aggregate` for the rate `numerator / denominator`, built once (it
    takes longer to build than the database takes to run it for a few proposals); with
    `by_ids`, for the proposal ids of the expanding parameter `ids`."""
    lines_query = select(
        BudgetLine.proposal_id.label("proposal_id"),
        BudgetLine.organization_id.label("organization_id"),
        BudgetLine.objective_number.label("objective_number"),
        Proposal.status.label("status"),
        sql_cents(BudgetLine.amount).label("cents"),
    ).join(Proposal, Proposal.id == BudgetLine.proposal_id)
    notes_query = select(
        Proposal.id.label("proposal_id"),
        cast(literal(NOTE_PREFIX, String) + Proposal.status, String(32)).label("status"),
    ).where(status_rules.is_concept_note())
    if counted_only:
        lines_query = lines_query.where(status_rules.counted())
        notes_query = notes_query.where(status_rules.note_in_pipeline())
    else:
        lines_query = lines_query.where(status_rules.is_programme())
    if by_ids:
        # On the proposals' key: the database then starts from the few proposals, not from
        # every proposal of a counted state.
        ids = bindparam("ids", expanding=True)
        lines_query = lines_query.where(Proposal.id.in_(ids))
        notes_query = notes_query.where(Proposal.id.in_(ids))
    lines = lines_query.cte("cov_lines")
    notes = note_lines(notes_query.cte("cov_notes"), "status", "cov")
    rate = Decimal(numerator) / Decimal(denominator)
    return dimension_rows(
        programme_money(lines, rate, "status", "cov", kept=kept_cents()),
        "status",
        also=[programme_money(notes, NO_INDIRECT, "status", "note")],
    )


def read(connection: Connection, rate: Decimal) -> dict[Key, Figures] | None:
    """The maintained totals (rows with programmes only), or None when they were not built with
    this indirect support rate (1 statement)."""
    table = CoverageTotal.__table__
    rows = connection.execute(
        select(
            table.c.status,
            table.c.dimension,
            table.c.key,
            table.c.amount,
            table.c.indirect,
            table.c.programmes,
        )
    ).all()
    wanted = rate_key(rate)
    if not any(
        r.status == META_STATUS
        and r.dimension == RATE_DIMENSION
        and r.key == wanted
        and r.amount == METHOD
        for r in rows
    ):
        return None
    return {
        (r.status, r.dimension, r.key): (int(r.amount), int(r.indirect), int(r.programmes))
        for r in rows
        if r.status != META_STATUS and r.programmes
    }


def built(connection: Connection, rate: Decimal) -> bool:
    """Whether the totals were built with `rate` by the current method (1 statement)."""
    return _built_rate(connection) == rate_key(rate)


def _built_rate(connection: Connection) -> str | None:
    """The rate the totals were built with by the current method (None: never built, or by an
    earlier method)."""
    table = CoverageTotal.__table__
    return connection.execute(
        select(table.c.key).where(
            table.c.status == META_STATUS,
            table.c.dimension == RATE_DIMENSION,
            table.c.amount == METHOD,
        )
    ).scalar()


def _subtract(new: Mapping[Key, Figures], old: Mapping[Key, Figures]) -> dict[Key, Figures]:
    change: dict[Key, list[int]] = defaultdict(lambda: [0, 0, 0])
    for sign, figures in ((1, new), (-1, old)):
        for key, values in figures.items():
            for i, value in enumerate(values):
                change[key][i] += sign * value
    return {key: (a, b, c) for key, (a, b, c) in change.items() if a or b or c}


def _upsert(connection: Connection, rows: list[dict[str, Any]]) -> Any:
    table = CoverageTotal.__table__
    statement = dialects.insert(connection, table).values(rows)
    return statement.on_conflict_do_update(
        index_elements=[table.c.status, table.c.dimension, table.c.key],
        set_={
            "amount": table.c.amount + statement.excluded.amount,
            "indirect": table.c.indirect + statement.excluded.indirect,
            "programmes": table.c.programmes + statement.excluded.programmes,
        },
    )


def apply(connection: Connection, change: Mapping[Key, Figures]) -> None:
    """Add `change` to the totals (sorted, so that concurrent writers lock rows in the same
    order) and drop the rows no programme counts in any more."""
    if not change:
        return
    # The audit trail's writer lock (fund.audit.operations; PostgreSQL), taken before any total
    # is locked: every state change records an audit event in the same transaction anyway,
    # and one lock order (audit, then totals) means two transitions never deadlock.
    dialects.advisory_lock(connection, AUDIT_LOCK)
    rows = [
        {"status": s, "dimension": d, "key": k, "amount": a, "indirect": i, "programmes": p}
        for (s, d, k), (a, i, p) in sorted(change.items())
    ]
    connection.execute(_upsert(connection, rows))
    table = CoverageTotal.__table__
    connection.execute(
        delete(table).where(
            table.c.status != META_STATUS,
            table.c.programmes == 0,
            table.c.amount == 0,
            table.c.indirect == 0,
        )
    )


def rebuild(connection: Connection, rate: Decimal) -> int:
    """Recompute every total from the budget lines; returns the number of rows written."""
    table = CoverageTotal.__table__
    figures = aggregate(connection, rate)
    connection.execute(delete(table))
    rows = [
        {"status": s, "dimension": d, "key": k, "amount": a, "indirect": i, "programmes": p}
        for (s, d, k), (a, i, p) in sorted(figures.items())
        if p
    ]
    rows.append(
        {
            "status": META_STATUS,
            "dimension": RATE_DIMENSION,
            "key": rate_key(rate),
            "amount": METHOD,
            "indirect": 0,
            "programmes": 0,
        }
    )
    connection.execute(table.insert(), rows)
    return len(rows)


def differences(connection: Connection, rate: Decimal) -> list[str]:
    """What the maintained totals get wrong against a full recomputation (empty when equal)."""
    built = _built_rate(connection)
    if built != rate_key(rate):
        return [
            f"the totals were built for the indirect support rate {built or '(never built)'}, "
            f"not {rate_key(rate)}"
        ]
    stored = read(connection, rate) or {}
    expected = {key: value for key, value in aggregate(connection, rate).items() if value[2]}
    problems = []
    for key in sorted(set(stored) | set(expected)):
        have, want = stored.get(key), expected.get(key)
        if have != want:
            problems.append(
                f"{'/'.join(key)}: kept {have or '(none)'}, recomputed {want or '(none)'} "
                "(amount, indirect, programmes)"
            )
    return problems


# Maintenance at flush time ------------------------------------------------------------------

_PENDING = "coverage_totals_pending"
_WATCHED = (
    "status",
    "gender_marker",
    "human_rights_marker",
    "countries",
    "budget_lines",
    # A concept note's lines come from these.
    "indicative_totals",
    "primary_objective_number",
    "secondary_objectives",
)


# What touches a proposal's figures when it is written.
_TOUCHING = (Proposal, BudgetLine, IndicativeTotal, ProgrammeClosure, ClosureShare, Refund)


def _status_before(proposal: Proposal) -> str | None:
    state = inspect(proposal)
    if state.pending or state.transient:
        return None
    history = state.attrs.status.history
    if history.deleted:
        return history.deleted[0]
    return proposal.status


def _configured_rate() -> Decimal | None:
    if not has_app_context():
        return None
    return configured_indirect_rate(current_app.config)


def _statuses(session: Session, proposal: Proposal) -> tuple[str | None, str | None]:
    """The proposal's state before this flush and after it (None: not in the database)."""
    return _status_before(proposal), None if proposal in session.deleted else proposal.status


def _counted(session: Session, proposal: Proposal) -> bool:
    """Whether the proposal counts in coverage before or after this flush."""
    return any(
        status_rules.counts_in_coverage(proposal.kind, status)
        for status in _statuses(session, proposal)
    )


def _touched(session: Session) -> tuple[set[int], list[Proposal], set[int]]:
    """(ids of proposals to recompute, new proposals in a counted state, ids of lines'
    proposals whose state is not known from the session). A closure, a closure share (what
    was transferred) or a refund touches its programme: they change what it kept."""
    ids: set[int] = set()
    new: list[Proposal] = []
    unknown: set[int] = set()
    allocations: set[int] = set()  # of a closure's rows: what a closed programme kept changed
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Proposal):
            before, after = _statuses(session, obj)
            if not _counted(session, obj):
                continue
            if obj.id is None:
                new.append(obj)
                continue
            state = inspect(obj)
            if (
                obj in session.deleted
                or before != after
                or any(state.attrs[name].history.has_changes() for name in _WATCHED)
            ):
                ids.add(obj.id)
        elif isinstance(obj, (BudgetLine, IndicativeTotal)):
            proposal_id = obj.proposal_id
            if proposal_id is None:
                proposal = obj.__dict__.get("proposal")
                proposal_id = proposal.id if proposal is not None else None
            if proposal_id is None:
                continue  # a line of a proposal being created: counted through the proposal
            parent = session.identity_map.get(
                inspect(Proposal).identity_key_from_primary_key((proposal_id,))
            )
            if parent is None:
                unknown.add(proposal_id)
            elif _counted(session, parent):
                ids.add(proposal_id)
        elif isinstance(obj, ProgrammeClosure):
            unknown.add(obj.proposal_id)
        elif isinstance(obj, (ClosureShare, Refund)):
            allocations.add(obj.allocation_id)
    if allocations:
        unknown |= set(
            session.execute(
                select(Allocation.proposal_id).where(Allocation.id.in_(sorted(allocations)))
            ).scalars()
        )
    return ids, new, unknown - ids


def before_flush(session: Session, _context: Any, _instances: Any) -> None:
    """The figures of the proposals this flush touches, as the database has them before it
    (connected to `db.session` by `fund.caches`)."""
    session.info.pop(_PENDING, None)
    changed = (*session.new, *session.dirty, *session.deleted)
    if not any(isinstance(o, _TOUCHING) for o in changed):
        return
    rate = _configured_rate()
    if rate is None:
        return
    with session.no_autoflush:
        ids, new, unknown = _touched(session)
        if not (ids or new or unknown):
            return
        connection = session.connection()
        if not built(connection, rate):
            return  # not in use: `flask fund caches --rebuild` builds them
        if unknown:
            ids |= set(
                connection.execute(
                    select(Proposal.id).where(
                        Proposal.id.in_(sorted(unknown)), status_rules.counted_in_coverage()
                    )
                ).scalars()
            )
        if not (ids or new):
            return
        before = aggregate(connection, rate, ids) if ids else {}
    session.info[_PENDING] = (rate, ids, new, before)


def after_flush(session: Session, _context: Any) -> None:
    """Add the difference the flush made to the figures of the proposals it touched."""
    pending = session.info.pop(_PENDING, None)
    if pending is None:
        return
    rate, ids, new, before = pending
    ids = set(ids) | {p.id for p in new if p.id is not None}
    connection = session.connection()
    apply(connection, _subtract(aggregate(connection, rate, ids), before))

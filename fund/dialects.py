"""SQL that SQLite and PostgreSQL write differently, each with both variants side by side.

The fund runs on both engines with the same queries. Where their SQL differs (how a sum of
amounts stays exact, the names of the scalar min and max, the upsert statement, advisory
locks), the construct
is defined here once, with the PostgreSQL and the SQLite form next to each other, and the rest
of the code uses the construct. Query plans that the code picks per engine for speed (the same
result either way) ask `name()` which engine they run on.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from fund.extensions import db, take_write_lock

POSTGRESQL = "postgresql"
SQLITE = "sqlite"


def name(connection: Any = None) -> str:
    """The engine the session (or `connection`) talks to: "postgresql" or "sqlite"."""
    if connection is not None:
        return connection.dialect.name
    return db.session.get_bind().dialect.name


# Exact sums of amounts ---------------------------------------------------------------------


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


@compiles(cents_sum, SQLITE)
def _compile_cents_sum_sqlite(element, compiler, **kw):
    return f"sum(CAST(round(({compiler.process(element.clauses, **kw)}) * 100) AS BIGINT))"


# The larger and the smaller of two numbers --------------------------------------------------


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


@compiles(greatest, SQLITE)
@compiles(least, SQLITE)
def _compile_extreme_sqlite(element, compiler, **kw):
    scalar = "max" if element.name == "greatest" else "min"
    return f"{scalar}({compiler.process(element.clauses, **kw)})"


# Upserts -----------------------------------------------------------------------------------


def insert(connection: Any, table: Any) -> Any:
    """An INSERT on `table` that takes `.on_conflict_do_update(...)` on this engine (both
    write `INSERT ... ON CONFLICT (...) DO UPDATE`, built by each dialect's own construct)."""
    if name(connection) == POSTGRESQL:
        return postgresql.insert(table)
    return sqlite.insert(table)


# Advisory locks -----------------------------------------------------------------------------


def advisory_lock(connection: Any, key: str) -> bool:
    """Take the advisory lock named `key` until the transaction ends and say so (PostgreSQL's
    `pg_advisory_xact_lock`). SQLite has no advisory locks: nothing is taken and the answer is
    False (there a transaction that writes holds the database's write lock instead,
    `fund.extensions.take_write_lock`)."""
    if name(connection) != POSTGRESQL:
        return False
    connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})
    return True


def one_at_a_time(key: str, session: Any = None) -> None:
    """Make the rest of the session's transaction the only one of its kind until it ends,
    whichever node or process runs the others: the advisory lock `key` on PostgreSQL, the
    database's write lock on SQLite (taken now, so what the transaction reads next is the latest
    committed state). For the scheduled jobs that read what to write (digests, reminders): run
    on every node at once, the second waits for the first's commit and then finds nothing left
    to do."""
    session = session or db.session
    if not advisory_lock(session.connection(), key):
        take_write_lock(session)

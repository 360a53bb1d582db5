"""Flask extensions, created unbound and initialised in the application factory."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import CheckConstraint, DateTime, Index, MetaData, TypeDecorator, event, text
from sqlalchemy.orm import DeclarativeBase

# Every constraint gets a predictable name: Alembic needs names for SQLite batch migrations.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every engine.

    SQLite keeps no offset, so values are stored as UTC and given back with tzinfo=UTC.
    Naive datetimes are refused: they are always a bug here.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC timestamp is needed")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def one_of(column: str, values: Iterable[str], *, nullable: bool = False) -> CheckConstraint:
    """The check that `column` holds one of `values` (strings, or string enums), or is null
    when `nullable`, named `<column>_valid`."""
    listed = ", ".join(f"'{value}'" for value in values)
    allowed = f"{column} IN ({listed})"
    if nullable:
        allowed = f"{column} IS NULL OR {allowed}"
    return CheckConstraint(allowed, name=f"{column}_valid")


def not_negative(column: str, name: str | None = None) -> CheckConstraint:
    """The check that `column` is never below zero, named `<column>_not_negative` unless
    `name` is given."""
    return CheckConstraint(f"{column} >= 0", name=name or f"{column}_not_negative")


def within(column: str, bound: str, name: str) -> CheckConstraint:
    """The check that `column` stays between zero and `bound` (a number, another column or an
    expression of the row's columns), both included."""
    return CheckConstraint(f"{column} >= 0 AND {column} <= {bound}", name=name)


def unique_where(name: str, column: str | tuple[str, ...], where: str) -> Index:
    """The unique index of `column` (or of several columns together) over the rows where
    `where` holds (a partial index, on SQLite and on PostgreSQL)."""
    condition = text(where)
    columns = (column,) if isinstance(column, str) else column
    return Index(name, *columns, unique=True, sqlite_where=condition, postgresql_where=condition)


# How far the clock is set back (`dated`): nothing but the demo set's history sets it.
_SET_BACK: ContextVar[timedelta] = ContextVar("clock_set_back", default=timedelta(0))


def utcnow() -> datetime:
    """The moment, in UTC: now, or the moment `dated` sets the clock to."""
    return datetime.now(UTC) - _SET_BACK.get()


@contextmanager
def dated(moment: datetime) -> Iterator[None]:
    """Within the block, `utcnow()` starts at `moment` and runs on from it: what the block
    records is dated then. The demo set writes its history so, each step on its day, in the
    order of their days; the audit trail stays in order of time. `moment` may not be later
    than now."""
    set_back = datetime.now(UTC) - moment
    if set_back < timedelta(0):
        raise ValueError(f"{moment.isoformat()} is later than now")
    token = _SET_BACK.set(set_back)
    try:
        yield
    finally:
        _SET_BACK.reset(token)


Record = TypeVar("Record")


def plain_rows(query: Any) -> Sequence[Any]:
    """All the rows of a query of plain columns, run on the session's connection (Core: no ORM
    loading machinery for rows that are only unpacked)."""
    return db.session.connection().execute(query).all()


def record_from_row(cls: type[Record], row: Any, **overrides: Any) -> Record:
    """The dataclass `cls` made from a result row: each field from the row's column of the same
    name (or label), except those given in `overrides`. Columns the record has no field for are
    left out."""
    columns = row._mapping
    values = {f.name: columns[f.name] for f in fields(cls) if f.init and f.name not in overrides}
    return cls(**values, **overrides)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
csrf = CSRFProtect()
login_manager = LoginManager()


SQLITE_CACHE_KIB = 65536  # per connection, allocated only as pages are read
# How long a transaction waits for another one's write lock before giving up. Writers queue
# behind each other: one that waits this long is answered 409, never 500.
SQLITE_BUSY_TIMEOUT_MS = 30_000
_WRITE_LOCKED = "fund_sqlite_write_locked"  # connection.info: None, False (begun), True
_READS = ("SELECT", "PRAGMA", "EXPLAIN")


def takes_write_lock(statement: str, context: Any) -> bool:
    """Whether a statement needs the write lock: anything but a read, and a read that locks
    rows (`with_for_update()`, which SQLite's SQL has no words for)."""
    if not statement.lstrip().upper().startswith(_READS):
        return True
    compiled = getattr(context, "compiled", None)
    return getattr(getattr(compiled, "statement", None), "_for_update_arg", None) is not None


def take_write_lock(session: Any = None) -> None:
    """On SQLite, take the database's write lock now if this transaction has not yet (for a
    read whose result a later write depends on, where PostgreSQL would use a row or advisory
    lock); elsewhere nothing."""
    connection = (session or db.session).connection()
    if connection.dialect.name == "sqlite" and connection.info.get(_WRITE_LOCKED) is False:
        cursor = connection.connection.cursor()
        try:
            cursor.execute("BEGIN IMMEDIATE")
        finally:
            cursor.close()
        connection.info[_WRITE_LOCKED] = True


def tune_sqlite(app: Any) -> None:
    """For each SQLite connection: a 64 MiB page cache (the default is 2 MiB: the whole-fund
    aggregates of the finance page and the reports read the same pages again and again),
    foreign keys enforced as on PostgreSQL (SQLite leaves them off unless a connection asks;
    the migrations switch them off while they run, `migrations/env.py`), and transactions that
    take the write lock before they change anything.

    SQLite has no row locks and ignores `SELECT ... FOR UPDATE`. So the driver's own implicit
    BEGIN is switched off (isolation_level None, the recipe SQLAlchemy documents for
    pysqlite) and a transaction issues `BEGIN IMMEDIATE`, which takes the database's write
    lock, right before its first write or its first read that locks rows, whether in a
    request, a `flask fund` command or a job. Transactions that write therefore run one after
    the other from the moment they lock, and every lock the code takes with
    `with_for_update()` holds on SQLite as it does on PostgreSQL: what is read after it cannot
    change before the commit. A busy timeout makes a transaction wait for the lock instead of
    failing with "database is locked". Reads before that point (and whole page loads that
    only read) take no lock and never wait behind a writer.
    """
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _pragmas(connection: Any, _record: Any) -> None:
        connection.isolation_level = None
        cursor = connection.cursor()
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.info[_WRITE_LOCKED] = False

    @event.listens_for(engine, "before_cursor_execute")
    def _lock_before_writing(connection, cursor, statement, parameters, context, executemany):
        if connection.info.get(_WRITE_LOCKED) is False and takes_write_lock(statement, context):
            cursor.execute("BEGIN IMMEDIATE")
            connection.info[_WRITE_LOCKED] = True

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _end(connection: Any) -> None:
        connection.info[_WRITE_LOCKED] = None

"""Flask extensions, created unbound and initialised in the application factory."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import has_request_context, request
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import DateTime, MetaData, TypeDecorator, event
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


def utcnow() -> datetime:
    return datetime.now(UTC)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
csrf = CSRFProtect()
login_manager = LoginManager()


SQLITE_CACHE_KIB = 65536  # per connection, allocated only as pages are read
# How long a transaction waits for another one's write lock before giving up. Writers queue
# behind each other: a request that waits this long is answered 409, never 500.
SQLITE_BUSY_TIMEOUT_MS = 30_000
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def sqlite_begin_statement() -> str:
    """How a transaction starts on SQLite.

    SQLite has no row locks and ignores `SELECT ... FOR UPDATE`; a transaction that reads and
    then writes would see data another one changes before it writes. So a transaction that may
    write takes the database's write lock when it begins (`BEGIN IMMEDIATE`): every request
    that changes something (POST, PUT, PATCH, DELETE) and everything outside a request (the
    command line, the operations run by jobs). Such transactions run one after the other,
    each waiting up to SQLITE_BUSY_TIMEOUT_MS for the one before, so every lock the code takes
    with `with_for_update()` holds on SQLite as it does on PostgreSQL. Page loads (GET, HEAD)
    begin a plain deferred transaction and do not wait behind writers.
    """
    if has_request_context() and request.method in READ_ONLY_METHODS:
        return "BEGIN"
    return "BEGIN IMMEDIATE"


def tune_sqlite(app: Any) -> None:
    """A 64 MiB page cache for each SQLite connection (the default is 2 MiB): the whole-fund
    aggregates of the finance page and the reports read the same pages again and again.

    And the transactions of `sqlite_begin_statement`: the driver's own implicit BEGIN is
    switched off (isolation_level None) and the engine's "begin" event issues the BEGIN, the
    recipe SQLAlchemy documents for pysqlite; a busy timeout makes a transaction wait for the
    write lock instead of failing with "database is locked".
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
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql(sqlite_begin_statement())

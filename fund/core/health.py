"""Database readiness: reachable within a bound, writable (not a standby in recovery), and the
schema at the newest migration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from fund.extensions import db


def migration_heads(app: Flask) -> set[str]:
    directory = Path(app.extensions["migrate"].directory)
    config = AlembicConfig()
    config.set_main_option("script_location", str(directory))
    return set(ScriptDirectory.from_config(config).get_heads())


def database_status(app: Flask) -> dict[str, Any]:
    expected = migration_heads(app)
    try:
        with db.engine.connect() as connection:
            read_only = _read_only(connection, app.config["READINESS_TIMEOUT_MS"])
            current = set(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as error:
        app.logger.warning("readiness check: database unreachable: %s", error.__class__.__name__)
        return {"ready": False, "database": "unreachable"}
    at_head = current == expected
    ready = at_head and not read_only
    return {
        "ready": ready,
        "database": "read-only" if read_only else "reachable",
        "migrations": "at head" if at_head else "behind",
        "current": sorted(current),
        "head": sorted(expected),
    }


def _read_only(connection: Any, timeout_ms: int) -> bool:
    """On PostgreSQL: the check's statements give up after `timeout_ms` (a database that hangs
    answers "unreachable" in time for the proxy), and whether the server is a standby in
    recovery, where nothing can be written (a node pointed at it is not ready). SQLite: False."""
    if connection.dialect.name != "postgresql":
        return False
    connection.execute(
        text("SELECT set_config('statement_timeout', :timeout, true)"),
        {"timeout": f"{int(timeout_ms)}ms"},
    )
    return bool(connection.scalar(text("SELECT pg_is_in_recovery()")))

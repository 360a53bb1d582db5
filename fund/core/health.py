"""Database readiness: reachable, and the schema at the newest migration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
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
            current = set(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as error:
        app.logger.warning("readiness check: database unreachable: %s", error.__class__.__name__)
        return {"ready": False, "database": "unreachable"}
    ready = current == expected
    return {
        "ready": ready,
        "database": "reachable",
        "migrations": "at head" if ready else "behind",
        "current": sorted(current),
        "head": sorted(expected),
    }

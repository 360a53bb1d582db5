"""`/readyz` as a proxy uses it: never cached, and an answer in time even when the database
hangs; the connection pool and the statement timeout set from the environment."""

from __future__ import annotations

import time

from sqlalchemy import create_engine, text

from config import engine_options
from fund import create_app
from fund.extensions import db


def test_readyz_on_postgresql_is_ready_and_never_cached(pg_app):
    response = pg_app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.json["ready"] is True and response.json["database"] == "reachable"
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_answers_in_time_when_the_database_hangs(pg_app):
    pg_app.config["READINESS_TIMEOUT_MS"] = 300
    blocker = create_engine(pg_app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with blocker.connect() as connection:
            # Another session holds the table the check reads: the check would wait forever.
            connection.execute(text("LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE"))
            started = time.monotonic()
            response = pg_app.test_client().get("/readyz")
            took = time.monotonic() - started
            connection.rollback()
    finally:
        blocker.dispose()
    assert response.status_code == 503
    assert response.json == {"ready": False, "database": "unreachable"}
    assert took < 5


def test_the_pool_and_the_statement_timeout_come_from_the_environment(pg_app, monkeypatch):
    monkeypatch.setenv("DB_POOL_SIZE", "3")
    monkeypatch.setenv("DB_MAX_OVERFLOW", "2")
    monkeypatch.setenv("DB_STATEMENT_TIMEOUT_MS", "1234")
    url = pg_app.config["SQLALCHEMY_DATABASE_URI"]
    options = engine_options(url)
    assert options["pool_size"] == 3 and options["max_overflow"] == 2
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": options})
    with app.app_context():
        assert db.session.scalar(text("SHOW statement_timeout")) == "1234ms"
        assert db.engine.pool.size() == 3
        db.session.remove()
        db.engine.dispose()
    assert "pool_size" not in engine_options("sqlite:///fund.sqlite3")

"""`/readyz` as a proxy uses it: never cached, and an answer in time even when the database
hangs."""

from __future__ import annotations

import time

from sqlalchemy import create_engine, text


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

"""The restore drill: `flask fund backup`, `flask fund restore` into a new database, then the
audit trail and the kept figures verify and every table holds as many rows as the original."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import func, inspect, select, table, text

from fund import create_app
from fund.extensions import db
from tests.conftest import _database_name
from tests.test_programme_reports import prepared_programme as prepared_programme
from tests.test_programme_reports import programme as programme


def _counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        names = inspect(db.engine).get_table_names()
        counts = {
            name: db.session.scalar(select(func.count()).select_from(table(name))) for name in names
        }
        db.session.remove()
        db.engine.dispose()
    return counts


def _empty_database(request, backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    postgres = request.getfixturevalue("postgres")
    name = _database_name(request) + "_restored"
    with postgres.admin().connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with postgres.admin().connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    request.addfinalizer(drop)
    return postgres.url(name)


def test_a_backup_restores_into_a_new_database(app, backend, programme, request, tmp_path):
    out = tmp_path / "fund.backup"
    result = app.test_cli_runner().invoke(args=["fund", "backup", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0
    original = _counts(app)
    assert original["audit_events"] > 0 and original["allocations"] > 0

    restored = create_app(
        "test", {"SQLALCHEMY_DATABASE_URI": _empty_database(request, backend, tmp_path)}
    )
    runner = restored.test_cli_runner()
    result = runner.invoke(args=["fund", "restore", "--from", str(out)])
    assert result.exit_code == 0, result.output

    assert _counts(restored) == original
    verified = runner.invoke(args=["fund", "audit", "verify"])
    assert verified.exit_code == 0 and "Audit trail intact" in verified.output, verified.output
    kept = runner.invoke(args=["fund", "coverage", "--verify"])
    assert kept.exit_code == 0, kept.output

    # A second restore is refused: the database is no longer empty, and nothing changes.
    again = runner.invoke(args=["fund", "restore", "--from", str(out)])
    assert again.exit_code != 0 and "not empty" in again.output
    assert _counts(restored) == original


def test_a_backup_never_overwrites_a_file(app, tmp_path):
    out = tmp_path / "taken.backup"
    out.write_text("keep me")
    result = app.test_cli_runner().invoke(args=["fund", "backup", "--out", str(out)])
    assert result.exit_code != 0 and "exists already" in result.output
    assert out.read_text() == "keep me"


def test_a_missing_pg_dump_is_named(pg_app, tmp_path):
    pg_app.config["PG_DUMP"] = str(tmp_path / "no-such-pg_dump")
    out = tmp_path / "fund.backup"
    result = pg_app.test_cli_runner().invoke(args=["fund", "backup", "--out", str(out)])
    assert result.exit_code != 0
    assert "pg_dump was not found" in result.output and "PG_DUMP" in result.output
    assert not out.exists()


def test_an_in_memory_database_has_nothing_to_back_up(tmp_path):
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    result = app.test_cli_runner().invoke(
        args=["fund", "backup", "--out", str(tmp_path / "x.backup")]
    )
    assert result.exit_code != 0 and "in memory" in result.output

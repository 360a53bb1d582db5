"""`flask fund backup` and `flask fund restore`: a copy of the whole database, taken while the
fund serves, and that copy put back into an empty database.

SQLite: the online backup API of SQLite (`sqlite3.Connection.backup`), a consistent copy of
the file even while other connections write; the backup is itself a SQLite database. PostgreSQL:
`pg_dump --format=custom --no-owner --no-privileges` (one snapshot of the whole database,
taken without stopping the writers), put back by `pg_restore`. Both programs come with the
PostgreSQL client (`apt-get install postgresql-client`), of the server's major version or a
newer one; `PG_DUMP` and `PG_RESTORE` name them if they are not on the PATH. The password of
the database address is given to them in the environment, never on their command line.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess  # nosec B404
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import inspect
from sqlalchemy.engine import URL, make_url

from fund.extensions import db


class BackupError(click.ClickException):
    """A backup or a restore that cannot be made: the message says why; nothing is written."""


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("The database is in memory: there is no file to back up or restore.")
    return Path(url.database)


def _libpq(url: URL) -> tuple[list[str], dict[str, str]]:
    """The connection arguments of pg_dump/pg_restore for `url`, and their environment (the
    password in PGPASSWORD, not on the command line where `ps` shows it)."""
    arguments = ["--dbname", url.database or "postgres"]
    if url.host:
        arguments += ["--host", url.host]
    if url.port:
        arguments += ["--port", str(url.port)]
    if url.username:
        arguments += ["--username", url.username]
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    for option, value in url.query.items():
        if option == "sslmode":
            environment["PGSSLMODE"] = str(value)
    return arguments, environment


def _program(setting: str, name: str) -> str:
    found = shutil.which(current_app.config.get(setting) or name)
    if found is None:
        raise BackupError(
            f"{name} was not found. Install the PostgreSQL client of the server's version "
            f"(apt-get install postgresql-client) or set {setting} to its path."
        )
    return found


def _run(command: list[str], environment: dict[str, str]) -> None:
    # pg_dump or pg_restore, run with a list of arguments and no shell.
    done = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)  # noqa: S603  # nosec B603
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()}")


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy the SQLite database `source` (opened read-only) into `target` with SQLite's online
    backup: page by page, consistent even while others write to `source`."""
    reading = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    writing = sqlite3.connect(target)
    try:
        reading.backup(writing)
    finally:
        writing.close()
        reading.close()


def backup(out: Path) -> None:
    """Write a backup of the configured database to `out` (which must not exist)."""
    if out.exists():
        raise BackupError(f"{out} exists already: choose a new file.")
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        _sqlite_copy(_sqlite_path(url), out)
        return
    arguments, environment = _libpq(url)
    command = [_program("PG_DUMP", "pg_dump"), "--format=custom", "--no-owner"]
    try:
        _run([*command, "--no-privileges", "--file", str(out), *arguments], environment)
    except BackupError:
        out.unlink(missing_ok=True)
        raise


def restore(source: Path) -> None:
    """Put the backup `source` into the configured database, which must hold no table."""
    if not source.is_file():
        raise BackupError(f"{source} is not a file.")
    tables = inspect(db.engine).get_table_names()
    if tables:
        raise BackupError(
            f"The database is not empty ({len(tables)} tables): restore only into a new, "
            "empty database."
        )
    db.engine.dispose()
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        _sqlite_copy(source, _sqlite_path(url))
        return
    arguments, environment = _libpq(url)
    command = [_program("PG_RESTORE", "pg_restore"), "--no-owner", "--no-privileges"]
    _run(
        [*command, "--exit-on-error", "--single-transaction", *arguments, str(source)], environment
    )


def _file(flag: str, dest: str, help: str) -> Any:
    return click.option(
        flag, dest, required=True, type=click.Path(dir_okay=False, path_type=Path), help=help
    )


@click.command("backup")
@_file("--out", "out", "The backup file to write (must not exist).")
@with_appcontext
def backup_command(out: Path) -> None:
    """Back up the whole database while the fund serves: SQLite's online backup, or pg_dump's
    custom format on PostgreSQL (restore it with `flask fund restore`)."""
    backup(out)
    click.echo(f"Backup written: {out} ({out.stat().st_size} bytes).")


@click.command("restore")
@_file("--from", "source", "A file written by `flask fund backup`.")
@with_appcontext
def restore_command(source: Path) -> None:
    """Put a backup into the configured database, which must be new and empty (a database with
    any table is refused). Check it afterwards with `flask fund audit verify` and `flask fund
    caches --verify`."""
    restore(source)
    click.echo(f"Restored {source}.")

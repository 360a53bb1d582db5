"""Fixtures: an application on SQLite or PostgreSQL with the migrated schema and reference
data, a client, factories for users, organizations and proposals (taken to their state through
the real workflow: tests/factories.py), and databases prepared once per module."""

from __future__ import annotations

import gc
import os
import re
import shutil
import sqlite3
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask, current_app
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from fund import create_app
from fund.accounts.models import Organization, User
from fund.demo import load_demo_history
from fund.extensions import db
from fund.seed import SeedReport, load_reference
from tests import compile_caches
from tests.concept_note_factories import two_stage_call as new_two_stage_call
from tests.factories import (  # noqa: F401 - the names the test modules import from here
    MINIMAL_PDF,
    fill_complete,
    new_open_call,
    new_proposal,
    take_to_committee,
)
from tests.helpers import (  # noqa: F401 - the names the test modules import from here
    PASSWORD,
    csrf_token,
    login,
    new_organization,
    new_user,
    next_number,
)
from tests.pg import PostgresServer, find_bindir

# The commands write in the language their environment asks for (`fund.cli_language`): the
# tests read them in English whatever the machine's locale; a test of another language sets it.
os.environ["FUND_LANGUAGE"] = "en"

ROOT = Path(__file__).resolve().parent.parent
compile_caches.install()  # URL rules, SQL statements and templates compiled once per session


@event.listens_for(Engine, "connect")
def _sqlite_without_syncing(connection: Any, _record: Any) -> None:
    """The tests' SQLite files are thrown away after the test: a commit does not wait for the
    disk (no fsync) and the rollback journal stays in memory (no file made and deleted per
    transaction). Transactions, rollbacks and locks work as in any other journal mode."""
    if isinstance(connection, sqlite3.Connection):
        cursor = connection.cursor()
        cursor.execute("PRAGMA synchronous = OFF")
        cursor.execute("PRAGMA journal_mode = MEMORY")
        cursor.close()


# The slowest files, longest first (measured on two workers: each file's total time). They are run
# before the others: with `--dist loadfile` each file goes whole to the next free worker, so
# a long file started last would keep one worker busy after the other has finished. (xdist
# would order the files by their number of tests instead: `make test` passes
# --no-loadscope-reorder.)
SLOW_FILES_FIRST = (
    "tests/test_browser_a11y_crawl_staff.py",
    "tests/test_browser_a11y_crawl_applicants.py",
    "tests/test_security_fuzz.py",
    "tests/test_browser_a11y.py",
    "tests/test_browser_languages.py",
    "tests/test_stored_text.py",
    "tests/test_finance.py",
    "tests/test_browser_concept_note_journey.py",
    "tests/test_coverage_totals.py",
    "tests/test_authorization_matrix.py",
    "tests/test_page_language.py",
    "tests/test_coverage.py",
    "tests/test_committee_recusal_pages.py",
    "tests/test_results_coverage.py",
    "tests/test_browser_dashboard.py",
    "tests/test_browser_editor.py",
    "tests/test_agent.py",
    "tests/test_browser_journey.py",
    "tests/test_concept_note_decisions.py",
    "tests/test_query_counts.py",
    "tests/test_coverage_rule.py",
    "tests/test_screening.py",
    "tests/test_links_demo.py",
    "tests/test_browser_portfolio.py",
    "tests/test_reports_pdf.py",
    "tests/test_closure.py",
    "tests/test_notifications.py",
    "tests/test_browser_programme_reports.py",
    "tests/test_pipeline.py",
    "tests/test_committee_race.py",
    "tests/test_finance_race.py",
    "tests/test_committee_pages_browser.py",
    "tests/test_concept_notes.py",
    "tests/test_lists.py",
    "tests/test_committee.py",
    "tests/test_browser_results_editor.py",
    "tests/test_browser_lists.py",
    "tests/test_seed.py",
    "tests/test_self_contained.py",
    "tests/test_scheduled_jobs_race.py",
    "tests/test_open_data.py",
    "tests/test_browser_revisions.py",
    "tests/test_committee_meetings.py",
    "tests/test_bad_input.py",
    "tests/test_meeting_order.py",
    "tests/test_commands.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow files first (SLOW_FILES_FIRST), then the others, those with the most tests
    first; the order within a file is kept."""
    rank = {path: i for i, path in enumerate(SLOW_FILES_FIRST)}
    counts = Counter(_file_of(item) for item in items)
    items.sort(key=lambda item: (rank.get(_file_of(item), len(rank)), -counts[_file_of(item)]))


def pytest_collection_finish(session: pytest.Session) -> None:
    """Once the tests are collected, what every test shares (the modules, the compiled
    caches) is moved out of the garbage collector's sight (`gc.freeze`), and the collector
    runs less often: each test makes an application and many rows, and the collector would
    otherwise walk the whole session's objects again and again (measured: 3 to 17 % of a
    file's CPU time).
    Cycles are still collected; nothing a test sees changes."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 10)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The browser the browser tests shared, closed (if any ran)."""
    support = sys.modules.get("tests.browser_support")
    if support is not None:
        support.close_browser()


def _file_of(item: pytest.Item) -> str:
    return item.nodeid.split("::")[0]


def _build_template(app: Flask) -> None:
    """Migrate to head and load the reference data: the state every test starts from."""
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
        load_reference(Path(app.config["SEED_DIR"]))
        db.session.commit()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.sqlite3"
    _build_template(create_app("test", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}))
    return path


@pytest.fixture(scope="session")
def demo_history_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`sqlite_template` with the demo set and its whole history, as `flask fund seed --demo`
    makes it: built once per worker, copied by each module that serves it
    (`tests.browser_support.demo_history_app`)."""
    from tests.browser_support import live_app

    directory = tmp_path_factory.mktemp("demo-history")
    app = live_app(sqlite_template, directory)
    with app.app_context():
        load_demo_history(Path(app.config["SEED_DIR"]), SeedReport())
        db.session.commit()
        db.engine.dispose()
    return directory / "live.sqlite3"


def in_memory_folder(needed: int = 2 * 1024**3) -> str | None:
    """The shared memory folder when it is a memory file system with `needed` bytes free, else
    None (the system's temporary folder). The throwaway server's files go there: on a virtual
    machine's disk, copying the template database for a test took 0.2 to 0.7 s; in memory,
    0.02 s (measured: 25 copies of each, `CREATE DATABASE ... TEMPLATE`)."""
    shm = Path("/dev/shm")  # noqa: S108 - mkdtemp makes a private folder inside it
    try:
        free = shutil.disk_usage(shm).free
    except OSError:
        return None
    return str(shm) if free >= needed and os.access(shm, os.W_OK | os.X_OK) else None


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    bindir = find_bindir()
    if bindir is None:
        message = "PostgreSQL server binaries not found (apt-get install postgresql)"
        if os.environ.get("CI"):
            pytest.fail(message + "; CI must run the PostgreSQL tests", pytrace=False)
        pytest.skip(message)
    # Not under pytest's private temp dir: the server's own user must be able to reach it.
    base = Path(tempfile.mkdtemp(prefix="fund-test-pg-", dir=in_memory_folder()))
    server = PostgresServer(bindir, base)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_template(postgres: PostgresServer) -> str:
    with postgres.admin().connect() as conn:
        conn.execute(text("CREATE DATABASE fund_template"))
    _build_template(create_app("test", {"SQLALCHEMY_DATABASE_URI": postgres.url("fund_template")}))
    return "fund_template"


def _postgres_database(postgres: PostgresServer, template: str, name: str) -> str:
    with postgres.admin().connect() as conn:
        # From PostgreSQL 15 on, a copy is written to the WAL page by page unless the files
        # are copied (with a checkpoint, cheap on this server without fsync).
        strategy = " STRATEGY FILE_COPY" if conn.dialect.server_version_info >= (15,) else ""
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE {template}{strategy}'))
    return postgres.url(name)


def _database_name(request: pytest.FixtureRequest) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", request.node.name.lower())[:40]
    return f"t{next_number()}_{slug}"


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """Parametrize a test over both database engines."""
    return request.param


def _make_app(
    request: pytest.FixtureRequest, engine: str, tmp_path: Path, template: Any = None
) -> Iterator[Flask]:
    """An application on a copy of `template` (a SQLite file or a PostgreSQL database name;
    by default the migrated schema with the reference data)."""
    if engine == "sqlite":
        path = tmp_path / "fund.sqlite3"
        shutil.copy(template or request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        postgres = request.getfixturevalue("postgres")
        template = template or request.getfixturevalue("postgres_template")
        name = _database_name(request)
        url = _postgres_database(postgres, template, name)
    app = create_app(
        "test",
        {"SQLALCHEMY_DATABASE_URI": url, "OPEN_DATA_CACHE_DIR": str(tmp_path / "open-data-cache")},
    )
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if engine != "sqlite":
        # Dropped at once: kept, the worker's databases reached gigabytes, written to disk and
        # removed only when the server stopped (tens of seconds at the end of the run).
        _drop_postgres_database(request.getfixturevalue("postgres"), name)


def _drop_postgres_database(postgres: PostgresServer, name: str) -> None:
    with postgres.admin().connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """The application on SQLite, or on the engine of the `backend` fixture if requested; on
    a copy of the prepared database the test asks for (a fixture named `prepared` or
    `prepared_...`, see PreparedDatabase), if any."""
    engine = engine_of(request)
    prepared = [n for n in request.fixturenames if n == "prepared" or n.startswith("prepared_")]
    if len(prepared) > 1:
        raise pytest.UsageError(f"a test starts from one prepared database, not {prepared}")
    template = request.getfixturevalue(prepared[0]).template(engine) if prepared else None
    yield from _make_app(request, engine, tmp_path, template)


def engine_of(request: pytest.FixtureRequest) -> str:
    """The test's database engine: the `backend` fixture's if it asks for it, else SQLite."""
    return request.getfixturevalue("backend") if "backend" in request.fixturenames else "sqlite"


@pytest.fixture
def pg_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """The application on PostgreSQL only."""
    yield from _make_app(request, "postgresql", tmp_path)


class PreparedDatabase:
    """Data made once per module and engine, read by the module's tests on a copy each.

    A module defines a module-scoped fixture `prepared` (or `prepared_<name>`) returning
    `PreparedDatabase(request, build)`, and lists it among a test's fixtures (directly or
    through another fixture): the test's `app` then starts from a copy of the database that
    `build()` filled (in an application context; `build` commits and returns what the tests
    need, as plain values or detached rows), made the first time an engine is asked for."""

    def __init__(self, request: pytest.FixtureRequest, build: Callable[[], Any]) -> None:
        self._request = request
        self._build = build
        self._templates: dict[str, Any] = {}
        self._data: dict[str, Any] = {}

    def template(self, engine: str) -> Any:
        if engine not in self._templates:
            self._make(engine)
        return self._templates[engine]

    def data(self, engine: str) -> Any:
        self.template(engine)
        return self._data[engine]

    def _make(self, engine: str) -> None:
        request = self._request
        if engine == "sqlite":
            folder = request.getfixturevalue("tmp_path_factory").mktemp("prepared")
            path = folder / "prepared.sqlite3"
            shutil.copy(request.getfixturevalue("sqlite_template"), path)
            url, template = f"sqlite:///{path}", path
        else:
            postgres = request.getfixturevalue("postgres")
            name = f"prepared{next_number()}"
            url = _postgres_database(postgres, request.getfixturevalue("postgres_template"), name)
            template = name
        app = create_app("test", {"SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            self._data[engine] = self._build()
            db.session.remove()
            db.engine.dispose()  # a PostgreSQL template takes no connection
        self._templates[engine] = template


def _seed_demo() -> Any:
    """`flask fund seed --demo` on the reference data; its exit code and output."""
    result = current_app.test_cli_runner().invoke(args=["fund", "seed", "--demo"])
    assert result.exit_code == 0, result.output
    return SimpleNamespace(exit_code=result.exit_code, output=result.output)


@pytest.fixture(scope="session")
def prepared_demo(request: pytest.FixtureRequest) -> PreparedDatabase:
    """The demo set as `flask fund seed --demo` loads it (the workflow taken for every demo
    proposal: seconds), seeded once per worker and engine; its data is the command's exit
    code and output. For the tests of a database already seeded; those of the first seed run
    the command themselves."""
    return PreparedDatabase(request, _seed_demo)


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    with app.app_context():
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


def detached(row: Any) -> Any:
    """A committed row read back whole and detached from the session."""
    db.session.refresh(row)
    db.session.expunge(row)
    return row


@pytest.fixture
def create_organization(app: Flask) -> Callable[..., Organization]:
    def factory(**values: Any) -> Organization:
        with app.app_context():
            organization = new_organization(**values)
            db.session.commit()
            return detached(organization)

    return factory


@pytest.fixture
def create_user(app: Flask) -> Callable[..., User]:
    """Create a committed user; returns a detached copy (use its id in the test)."""

    def factory(
        roles: tuple[str, ...] = ("applicant",),
        organization_acronym: str | None = "ILO",
        password: str = PASSWORD,
        **values: Any,
    ) -> User:
        with app.app_context():
            user = new_user(roles, organization_acronym, password, **values)
            db.session.commit()
            user_id = user.id
            db.session.expunge_all()
            user = db.session.get(User, user_id)
            db.session.expunge(user)
        return user

    return factory


@pytest.fixture
def login_as(client: FlaskClient, create_user) -> Callable[..., User]:
    def factory(*roles: str, **kwargs: Any) -> User:
        user = create_user(roles=roles or ("applicant",), **kwargs)
        response = login(client, user.email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return factory


@pytest.fixture
def author(create_user) -> User:
    """An applicant of ILO (not signed in)."""
    return create_user(roles=("applicant",), organization_acronym="ILO")


@pytest.fixture
def applicant(create_user) -> User:
    """An applicant of ILO with a name (not signed in)."""
    return create_user(roles=("applicant",), organization_acronym="ILO", name="Ana Applicant")


@pytest.fixture
def secretariat(login_as) -> User:
    """A secretariat member of IOM, signed in on `client`."""
    return login_as("secretariat", organization_acronym="IOM")


@pytest.fixture
def agent_user(create_user) -> User:
    """The administrative agent (the MPTF Office), of no organization."""
    return create_user(roles=("administrative_agent",), organization_acronym=None, name="Ada Agent")


@pytest.fixture
def agent_client(app: Flask, agent_user: User) -> FlaskClient:
    """A client of its own signed in as `agent_user`."""
    client = app.test_client()
    assert login(client, agent_user.email).status_code == 302
    return client


@pytest.fixture
def donor(create_organization) -> Organization:
    """A donor government's organization."""
    return create_organization(name="Kingdom of Donors", acronym="KDN", kind="other")


@pytest.fixture
def open_call(app: Flask) -> int:
    """An open call with the fund's default limits; returns its id."""
    with app.app_context():
        call = new_open_call()
        db.session.commit()
        return call.id


@pytest.fixture
def two_stage_call(app: Flask) -> int:
    """An open concept-note-first call (endorsement letters due with the full proposal); returns
    its id."""
    with app.app_context():
        call_id = new_two_stage_call()
        db.session.commit()
        return call_id


@pytest.fixture
def make_proposal(app: Flask, open_call: int) -> Callable[..., int]:
    """Create a proposal of `author`'s organization, complete unless complete=False, and take it
    to `status` through the real workflow (tests/factories.py: `new_proposal`, which also
    takes `lines`, `countries`, `submitted_at`, `decided_at` and `allocated_on`); returns its
    id."""

    def factory(author: User, status: str = "draft", complete: bool = True, **values: Any) -> int:
        with app.app_context():
            proposal = new_proposal(
                author,
                values.pop("call_id", open_call),
                status,
                complete=complete,
                **values,
            )
            db.session.commit()
            return proposal.id

    return factory

"""Fixtures: an application on SQLite or PostgreSQL with the migrated schema and reference
data, a client, and factories for users and organizations."""

from __future__ import annotations

import itertools
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from fund import create_app
from fund.accounts.models import Organization, User
from fund.accounts.passwords import hash_password
from fund.extensions import db, utcnow
from fund.seed import load_reference
from tests.pg import PostgresServer, find_bindir

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
_counter = itertools.count(1)


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
def postgres() -> Iterator[PostgresServer]:
    bindir = find_bindir()
    if bindir is None:
        message = "PostgreSQL server binaries not found (apt-get install postgresql)"
        if os.environ.get("CI"):
            pytest.fail(message + "; CI must run the PostgreSQL tests", pytrace=False)
        pytest.skip(message)
    # Not under pytest's private temp dir: the server's own user must be able to reach it.
    base = Path(tempfile.mkdtemp(prefix="fund-test-pg-"))
    server = PostgresServer(bindir, base)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_template(postgres: PostgresServer) -> str:
    admin = create_engine(postgres.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE fund_template"))
    admin.dispose()
    _build_template(create_app("test", {"SQLALCHEMY_DATABASE_URI": postgres.url("fund_template")}))
    return "fund_template"


def _postgres_database(postgres: PostgresServer, template: str, name: str) -> str:
    admin = create_engine(postgres.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE {template}'))
    admin.dispose()
    return postgres.url(name)


def _database_name(request: pytest.FixtureRequest) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", request.node.name.lower())[:40]
    return f"t{next(_counter)}_{slug}"


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """Parametrize a test over both database engines."""
    return request.param


def _make_app(request: pytest.FixtureRequest, engine: str, tmp_path: Path) -> Iterator[Flask]:
    if engine == "sqlite":
        path = tmp_path / "fund.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        postgres = request.getfixturevalue("postgres")
        template = request.getfixturevalue("postgres_template")
        url = _postgres_database(postgres, template, _database_name(request))
    app = create_app(
        "test",
        {"SQLALCHEMY_DATABASE_URI": url, "OPEN_DATA_CACHE_DIR": str(tmp_path / "open-data-cache")},
    )
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """The application on SQLite, or on the engine of the `backend` fixture if requested."""
    engine = request.getfixturevalue("backend") if "backend" in request.fixturenames else "sqlite"
    yield from _make_app(request, engine, tmp_path)


@pytest.fixture
def pg_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """The application on PostgreSQL only."""
    yield from _make_app(request, "postgresql", tmp_path)


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


_HASHES: dict[str, str] = {}


@pytest.fixture
def create_organization(app: Flask) -> Callable[..., Organization]:
    def factory(**values: Any) -> Organization:
        n = next(_counter)
        values.setdefault("name", f"Test Entity {n}")
        values.setdefault("acronym", f"TE{n}")
        values.setdefault("kind", "un_entity")
        with app.app_context():
            organization = Organization(**values)
            db.session.add(organization)
            db.session.commit()
            db.session.refresh(organization)
            db.session.expunge(organization)
        return organization

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
        n = next(_counter)
        values.setdefault("email", f"user{n}@example.org")
        values.setdefault("name", f"User {n}")
        if password not in _HASHES:
            _HASHES[password] = hash_password(password)
        with app.app_context():
            organization = None
            if organization_acronym:
                organization = db.session.scalar(
                    db.select(Organization).where(Organization.acronym == organization_acronym)
                )
            user = User(
                password_hash=_HASHES[password],
                organization=organization,
                password_changed_at=utcnow(),
                **values,
            )
            user.set_roles(set(roles))
            db.session.add(user)
            db.session.commit()
            user_id = user.id
            db.session.expunge_all()
            user = db.session.get(User, user_id)
            db.session.expunge(user)
        return user

    return factory


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """Fetch a page and read the CSRF token from its form."""
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def take_to_committee(proposal, author: User, secretariat: User, now=None) -> None:
    """Submit, screen (every criterion passes) and forward `proposal` through the real workflow,
    in the caller's application context: a round opens. The caller commits."""
    from fund.proposals import operations as proposal_operations
    from fund.screening import operations as screening_operations

    proposal_operations.fire(proposal, "submit", author, now=now)
    proposal_operations.fire(proposal, "start_screening", secretariat, now=now)
    criteria = screening_operations.ensure_criteria(proposal.call)
    screening_operations.record_checks(
        proposal, secretariat, {c.id: ("pass", "") for c in criteria}, now=now
    )
    proposal_operations.fire(proposal, "forward_to_committee", secretariat, now=now)


def login(client: FlaskClient, email: str, password: str = PASSWORD):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


@pytest.fixture
def login_as(client: FlaskClient, create_user) -> Callable[..., User]:
    def factory(*roles: str, **kwargs: Any) -> User:
        user = create_user(roles=roles or ("applicant",), **kwargs)
        response = login(client, user.email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return factory


MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def open_call(app: Flask) -> int:
    """An open call with the fund's default limits; returns its id."""
    from datetime import timedelta
    from decimal import Decimal

    from fund.calls.models import Call

    with app.app_context():
        today = utcnow().date()
        call = Call(
            title="Open call",
            opens_on=today - timedelta(days=10),
            closes_on=today + timedelta(days=10),
            envelope=Decimal("10000000.00"),
        )
        db.session.add(call)
        db.session.commit()
        return call.id


def fill_complete(proposal) -> None:
    """Give a draft everything a submission needs: a joint ILO-IOM programme in Chile."""
    import hashlib
    from datetime import timedelta
    from decimal import Decimal

    from fund.proposals.models import (
        Attachment,
        BudgetLine,
        ProposalContact,
        ProposalPrinciple,
    )
    from fund.reference.models import Country, GcmObjective

    def org(acronym: str) -> Organization:
        return db.session.scalar(db.select(Organization).where(Organization.acronym == acronym))

    chile = db.session.get(Country, "CL")
    proposal.rationale = proposal.rationale or "Migrant workers lack protection."
    proposal.scope = "national"
    proposal.countries = [chile]
    proposal.endorsers = [chile]
    proposal.planned_start = utcnow().date() + timedelta(days=60)
    proposal.duration_months = 24
    proposal.lead_organization = org("ILO")
    proposal.participants = [org("ILO"), org("IOM")]
    proposal.primary_objective_number = 6
    proposal.secondary_objectives = [db.session.get(GcmObjective, 18)]
    proposal.gender_marker = 2
    proposal.human_rights_marker = 2
    proposal.principles = [
        ProposalPrinciple(principle_code="gender_responsive", explanation="Women workers first."),
        ProposalPrinciple(principle_code="human_rights", explanation="Rights-based recruitment."),
    ]
    proposal.contacts = [ProposalContact(name="Focal Point", email="focal@ilo.org")]
    proposal.budget_lines = [
        BudgetLine(
            organization_id=org("ILO").id,
            objective_number=6,
            category_code=1,
            amount=Decimal("600000.00"),
        ),
        BudgetLine(
            organization_id=org("IOM").id,
            objective_number=18,
            category_code=4,
            amount=Decimal("400000.00"),
        ),
    ]
    proposal.attachments = [
        Attachment(
            kind="endorsement_letter",
            country_iso2="CL",
            filename="endorsement-chile.pdf",
            media_type="application/pdf",
            size=len(MINIMAL_PDF),
            sha256=hashlib.sha256(MINIMAL_PDF).hexdigest(),
            content=MINIMAL_PDF,
        )
    ]


@pytest.fixture
def make_proposal(app: Flask, open_call: int) -> Callable[..., int]:
    """Create a proposal of `author`'s organization, complete unless complete=False, put in
    `status`; returns its id."""
    from fund.proposals import operations

    def factory(author: User, status: str = "draft", complete: bool = True, **values: Any) -> int:
        with app.app_context():
            actor = db.session.get(User, author.id)
            proposal = operations.create_draft(
                actor,
                call_id=values.pop("call_id", open_call),
                title=values.pop("title", "Safe labour migration corridors"),
                summary=values.pop("summary", "Decent work for migrant workers."),
            )
            if complete:
                fill_complete(proposal)
            for key, value in values.items():
                setattr(proposal, key, value)
            proposal.status = status
            db.session.commit()
            return proposal.id

    return factory

"""Every model round-trips on SQLite and PostgreSQL; the migrations build the models' schema."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from fund.accounts.models import Organization, User
from fund.audit.models import AuditEvent
from fund.calls.models import Call
from fund.extensions import db
from fund.fulltext import include_object
from fund.reference.models import (
    BudgetCategory,
    Country,
    GcmObjective,
    GuidingPrinciple,
    ThematicArea,
)


def test_reference_models_roundtrip(app, backend):
    with app.app_context():
        objective = db.session.get(GcmObjective, 7)
        assert objective.short_label == "Reduce vulnerabilities"
        assert [a.code for a in objective.thematic_areas] == ["TA1", "TA2"]
        area = db.session.get(ThematicArea, "TA4")
        assert [o.number for o in area.objectives] == [5, 6, 18, 19, 20, 22]
        assert db.session.get(BudgetCategory, 8).computed is True
        assert db.session.get(BudgetCategory, 1).computed is False
        assert db.session.get(GuidingPrinciple, "gender_responsive").title == "Gender-responsive"
        chile = db.session.get(Country, "CL")
        assert (chile.iso3, chile.m49, chile.region) == ("CHL", "152", "Americas")


def test_organization_and_user_roundtrip(app, backend):
    with app.app_context():
        state = Organization(name="Government of Ghana", kind="member_state", country_iso2="GH")
        db.session.add(state)
        db.session.commit()
        user = User(email="a@b.org", name="Ama", password_hash="x", organization_id=state.id)
        user.set_roles({"applicant", "admin"})
        db.session.add(user)
        db.session.commit()
        user_id = user.id
        db.session.expunge_all()
        saved = db.session.get(User, user_id)
        assert saved.roles == {"applicant", "admin"}
        assert saved.organization.country.name == "Ghana"
        assert saved.active is True and saved.failed_login_count == 0
        assert saved.created_at.tzinfo is not None


def test_organization_label_is_the_same_in_python_and_sql(app, backend):
    with app.app_context():
        named = {
            "Fund for Tests": "FFT",
            "Office Without Acronym": "",
            "Some Foundation": None,
        }
        for name, acronym in named.items():
            db.session.add(Organization(name=name, acronym=acronym, kind="other"))
        db.session.commit()
        rows = db.session.execute(
            select(Organization, Organization.label).where(Organization.name.in_(named))
        ).all()
        assert {o.name: label for o, label in rows} == {o.name: o.label for o, _ in rows}
        assert {o.name: label for o, label in rows} == {
            "Fund for Tests": "FFT",
            "Office Without Acronym": "Office Without Acronym",
            "Some Foundation": "Some Foundation",
        }


def test_call_roundtrip_keeps_exact_money_and_dates(app, backend):
    with app.app_context():
        call = Call(
            title="Call",
            opens_on=date(2026, 1, 1),
            closes_on=date(2026, 6, 30),
            envelope=Decimal("12000000.01"),
            min_budget=Decimal("500000.00"),
            max_budget=Decimal("3000000.00"),
        )
        db.session.add(call)
        db.session.commit()
        call_id = call.id
        db.session.expunge_all()
        saved = db.session.get(Call, call_id)
        assert saved.envelope == Decimal("12000000.01")
        assert isinstance(saved.envelope, Decimal)
        assert saved.decision_rule == "consensus"
        assert saved.quorum is None and saved.quorum_for(8) == 5
        assert saved.is_open(date(2026, 6, 30)) and not saved.is_open(date(2026, 7, 1))


def test_timestamps_come_back_in_utc(app, backend):
    with app.app_context():
        moment = datetime(2026, 3, 1, 14, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))
        event = AuditEvent(
            id=1,
            occurred_at=moment,
            action="x",
            subject_type="t",
            subject_id="1",
            details={"amount": "1.10"},
            prev_hash="0" * 64,
            hash="1" * 64,
        )
        db.session.add(event)
        db.session.commit()
        db.session.expunge_all()
        saved = db.session.get(AuditEvent, 1)
        assert saved.occurred_at == moment
        assert saved.occurred_at.tzinfo == UTC
        assert saved.details == {"amount": "1.10"}


def test_naive_datetimes_are_refused(app):
    with app.app_context():
        db.session.add(
            AuditEvent(
                id=1,
                occurred_at=datetime(2026, 1, 1),  # noqa: DTZ001 - the point of the test
                action="x",
                subject_type="t",
                subject_id="1",
                prev_hash="0" * 64,
                hash="1" * 64,
            )
        )
        with pytest.raises(Exception, match="naive datetime"):
            db.session.commit()


@pytest.mark.parametrize(
    "values",
    [
        {"closes_on": date(2025, 12, 31)},
        {"envelope": Decimal("-1")},
        {"max_budget": Decimal("100")},
        {"decision_rule": "dictator"},
        {"quorum": 0},
    ],
    ids=["window", "envelope", "limits", "rule", "quorum"],
)
def test_call_constraints_are_enforced_by_the_database(app, backend, values):
    fields = {
        "title": "Call",
        "opens_on": date(2026, 1, 1),
        "closes_on": date(2026, 6, 30),
        "envelope": Decimal("10"),
    } | values
    with app.app_context():
        db.session.add(Call(**fields))
        with pytest.raises(IntegrityError):
            db.session.commit()


def test_user_email_is_unique_and_roles_are_checked(app, backend):
    with app.app_context():
        db.session.add(User(email="same@x.org", name="A", password_hash="x"))
        db.session.commit()
        db.session.add(User(email="same@x.org", name="B", password_hash="x"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        with pytest.raises(ValueError, match="unknown role"):
            User(email="c@x.org", name="C", password_hash="x").set_roles({"king"})


def test_member_state_needs_a_country(app, backend):
    with app.app_context():
        db.session.add(Organization(name="Nowhere", kind="member_state"))
        with pytest.raises(IntegrityError):
            db.session.commit()


def test_a_row_pointing_at_nothing_is_refused_by_the_database(app, backend):
    """Foreign keys hold on both engines (on SQLite the connection switches them on): a user of
    an organization that does not exist is refused, and so is deleting an organization its
    users still belong to."""
    with app.app_context():
        db.session.add(User(email="a@x.org", name="A", password_hash="x", organization_id=10**6))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        organization = Organization(name="Somewhere", acronym="SW", kind="other")
        db.session.add(organization)
        db.session.flush()
        db.session.add(
            User(email="b@x.org", name="B", password_hash="x", organization_id=organization.id)
        )
        db.session.commit()
        with pytest.raises(IntegrityError):
            db.session.execute(db.delete(Organization).where(Organization.id == organization.id))
            db.session.commit()


def test_the_migrations_leave_foreign_keys_on(app):
    """The migrations run with SQLite's foreign keys off (a batch change copies a table), and
    the connection they used goes back to the pool with them on."""
    from flask_migrate import upgrade

    directory = str(Path(__file__).resolve().parent.parent / "migrations")
    with app.app_context():
        db.session.remove()
        upgrade(directory=directory)
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_migrations_match_the_models(app, backend):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_object}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_migrations_downgrade_to_nothing_and_back(app, backend):
    from flask_migrate import downgrade, upgrade

    directory = str(Path(__file__).resolve().parent.parent / "migrations")
    with app.app_context():
        db.session.remove()
        downgrade(directory=directory, revision="base")
        tables = set(db.inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        upgrade(directory=directory)
        assert db.session.scalar(select(db.func.count()).select_from(GcmObjective)) == 0

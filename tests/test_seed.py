"""`flask fund seed` loads the reference data and the demo set, and is idempotent."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from fund.accounts.models import Organization, User
from fund.calls.models import Call
from fund.extensions import db
from fund.reference.models import (
    BudgetCategory,
    Country,
    GcmObjective,
    GuidingPrinciple,
    ThematicArea,
    objective_thematic_area,
)
from tests.conftest import login

TABLES = [
    GcmObjective,
    ThematicArea,
    GuidingPrinciple,
    BudgetCategory,
    Country,
    Organization,
    User,
    Call,
]


def _counts(app) -> dict[str, int]:
    with app.app_context():
        counts = {
            model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in TABLES
        }
        counts["objective_thematic_areas"] = db.session.scalar(
            select(func.count()).select_from(objective_thematic_area)
        )
        return counts


def test_reference_counts(app):
    counts = _counts(app)
    assert counts["gcm_objectives"] == 23
    assert counts["thematic_areas"] == 5
    assert counts["guiding_principles"] == 10
    assert counts["budget_categories"] == 8
    assert counts["countries"] == 193
    with app.app_context():
        committee = db.session.scalars(
            select(Organization.acronym)
            .where(Organization.committee_member)
            .order_by(Organization.acronym)
        ).all()
        assert committee == ["ILO", "IOM", "OHCHR", "UNDESA", "UNDP", "UNHCR", "UNICEF", "UNODC"]
        regions = set(db.session.scalars(select(Country.region)))
        assert regions == {"Africa", "Americas", "Asia", "Europe", "Oceania"}
        assert (
            db.session.scalar(select(Organization.iati_org_id).where(Organization.acronym == "IOM"))
            == "XM-DAC-47066"
        )
        assert (
            db.session.scalar(select(Organization.iati_org_id).where(Organization.acronym == "ILO"))
            is None
        )


def test_only_indirect_support_costs_are_computed_and_no_title_states_a_rate(app):
    """The indirect support rate is configurable (INDIRECT_SUPPORT_RATE): a category's title
    must not state one, or it is wrong wherever the fund sets another rate."""
    with app.app_context():
        rows = db.session.execute(
            select(BudgetCategory.code, BudgetCategory.title, BudgetCategory.computed)
        ).all()
    assert {code for code, _, computed in rows if computed} == {8}
    assert {code: title for code, title, _ in rows}[8] == "Indirect support costs"
    assert not [title for _, title, _ in rows if "%" in title or "(" in title]


def test_the_migration_takes_the_rate_out_of_a_seeded_title_and_back(app):
    """A database seeded with the old title has it replaced; downgrading puts it back."""
    from flask_migrate import downgrade, upgrade

    old = (
        "Indirect support costs (computed: 7% of categories 1-7 per participating "
        "organization; never entered by hand)"
    )
    directory = str(Path(__file__).resolve().parent.parent / "migrations")
    with app.app_context():
        db.session.remove()
        downgrade(directory=directory, revision="c8f3a6d2e917")
        assert _category_8(db) == old
        upgrade(directory=directory)
        assert _category_8(db) == "Indirect support costs"


def _category_8(db) -> str:
    title = db.session.scalar(select(BudgetCategory.title).where(BudgetCategory.code == 8))
    db.session.remove()
    return title


def test_seed_is_idempotent(app, runner, backend):
    before = _counts(app)
    result = runner.invoke(args=["fund", "seed"])
    assert result.exit_code == 0, result.output
    assert "nothing new" in result.output
    assert _counts(app) == before


def test_demo_seed_is_idempotent_and_its_accounts_sign_in(app, runner, backend, prepared_demo):
    first = prepared_demo.data(backend)  # `flask fund seed --demo`, run once per worker
    assert first.exit_code == 0, first.output
    assert "admin@demo.fund" in first.output
    after_first = _counts(app)
    assert after_first["users"] == 10  # the demo set's accounts (seed/demo.toml)
    second = runner.invoke(args=["fund", "seed", "--demo"])
    assert second.exit_code == 0
    assert _counts(app) == after_first
    with app.app_context():
        users = db.session.scalars(select(User)).all()
        assert set().union(*(u.roles for u in users)) == {
            "applicant",
            "secretariat",
            "committee",
            "admin",
            "administrative_agent",
        }
        call = db.session.scalar(select(Call))
        from fund.extensions import utcnow

        assert call.is_open(utcnow().date())
    with app.app_context():
        from fund.audit.queries import verify_chain
        from fund.proposals.models import Proposal

        states = sorted(db.session.scalars(select(Proposal.status)))
        assert states == sorted(
            [
                "committee_review",
                "funded",
                "closed",  # closed early, with a refund (fund/demo/closure.py)
                "approved",
                "returned",
                "submitted",
                "draft",
                "ineligible",
                # The concept notes of the two-stage call (seed/demo_concept_notes.toml).
                "selected",
                "submitted",
                "pipeline",
                "pipeline",
                "pipeline",
                "pipeline",
                "committee_review",
                "committee_review",
                "committee_review",
                "not_approved",
            ]
        )
        assert verify_chain().intact
    password = first.output.split("password for all: ")[1].split(")")[0]
    assert login(app.test_client(), "secretariat@demo.fund", password).status_code == 302


def test_seed_keeps_an_edited_thematic_mapping(app, runner):
    with app.app_context():
        area = db.session.get(ThematicArea, "TA1")
        area.objectives = area.objectives[:2]
        db.session.commit()
    runner.invoke(args=["fund", "seed"])
    with app.app_context():
        assert [o.number for o in db.session.get(ThematicArea, "TA1").objectives] == [1, 3]


def test_demo_seed_is_refused_in_production(tmp_path):
    from fund import create_app

    app = create_app(
        "production",
        {
            "SECRET_KEY": "x" * 40,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}",
            "FUND_BASE_URL": "https://fund.example.org",
        },
    )
    with app.app_context():
        db.create_all()
    result = app.test_cli_runner().invoke(args=["fund", "seed", "--demo"])
    assert result.exit_code != 0
    assert "not for production" in result.output


def test_a_demo_persons_name_does_not_repeat_their_organization() -> None:
    """Pages write a person with their organization, "Ursula Unger (UNHCR)": a demo name that
    carries it already would read "Ursula (UNHCR) (UNHCR)"."""
    import tomllib

    demo = tomllib.loads((Path(__file__).parent.parent / "seed/demo.toml").read_text())
    repeated = [u["name"] for u in demo["users"] if "(" in u["name"]]
    assert repeated == []

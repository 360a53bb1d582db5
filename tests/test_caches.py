"""The kept figures in one place (`fund.caches`): their upkeep listens on `db.session` only, once
however many applications are made; `flask fund caches --verify` / `--rebuild` check and
recompute every one of them; `flask fund seed` leaves them all built."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import delete, event, update
from sqlalchemy.orm import Session

from fund import caches, create_app
from fund.accounts.models import User
from fund.coverage import totals
from fund.coverage.totals import CoverageTotal
from fund.extensions import db, utcnow
from fund.proposals.approval import record_approval
from fund.proposals.models import BudgetLine, Proposal


@pytest.fixture
def author(create_user) -> User:
    return create_user(roles=("applicant",), organization_acronym="ILO")


def test_the_upkeep_listens_on_the_applications_session_once(app) -> None:
    create_app("test")  # another application: nothing is connected twice
    listeners = [listener for cache in caches.CACHES for listener in cache.listeners]
    assert [name for name, _ in listeners] == ["before_flush", "after_flush", "before_flush"]
    with app.app_context():
        session = db.session()
        for name, listener in listeners:
            assert event.contains(db.session, name, listener)
            assert not event.contains(Session, name, listener)
            assert list(getattr(session.dispatch, name)).count(listener) == 1
    with Session() as other:  # a session of its own keeps nothing
        assert totals.before_flush not in list(other.dispatch.before_flush)


def test_verify_and_rebuild_cover_every_kept_figure(app, make_proposal, author) -> None:
    runner = app.test_cli_runner()
    funded = make_proposal(author, status="funded")
    approved = make_proposal(author, status="approved")
    with app.app_context():
        record_approval(db.session.get(Proposal, approved), utcnow(), Decimal("0.07"))
        db.session.commit()
        assert caches.verify() == {cache.name: [] for cache in caches.CACHES}
    result = runner.invoke(args=["fund", "caches", "--verify"])
    assert result.exit_code == 0, result.output
    assert "equal a full recomputation" in result.output
    with app.app_context():  # behind the ORM: no upkeep
        db.session.execute(
            update(BudgetLine).where(BudgetLine.proposal_id == funded).values(amount=1)
        )
        db.session.execute(
            update(Proposal).where(Proposal.id == approved).values(approved_total=Decimal("5"))
        )
        db.session.commit()
        found = caches.verify()
        db.session.rollback()
    assert found["coverage totals"] and found["approved proposals' totals"]
    assert found["money paid out per pool"] == []
    result = runner.invoke(args=["fund", "caches", "--verify"])
    assert result.exit_code == 1
    assert "  coverage totals: funded/total/: kept" in result.output
    differ = re.search(r"differ from a full recomputation in (\d+) (place|places):", result.output)
    assert differ and differ.group(2) == ("place" if differ.group(1) == "1" else "places")
    assert f"  approved proposals' totals: proposal {approved}: kept 5.00" in result.output
    assert "flask fund caches --rebuild" in result.output
    result = runner.invoke(args=["fund", "caches", "--rebuild", "--verify"])
    assert result.exit_code == 0, result.output
    assert "Coverage totals built:" in result.output
    assert "Totals of the 1 approved proposal in the pipeline recomputed." in result.output
    assert "Money paid out of the 1 allocation source attributed again." in result.output
    assert "equal a full recomputation" in result.output
    assert runner.invoke(args=["fund", "caches"]).exit_code == 2  # neither option


def test_seed_builds_the_kept_figures_never_built(app) -> None:
    with app.app_context():
        db.session.execute(delete(CoverageTotal))
        db.session.commit()
        assert [cache.name for cache in caches.CACHES if not cache.built()] == ["coverage totals"]
    result = app.test_cli_runner().invoke(args=["fund", "seed"])
    assert result.exit_code == 0, result.output
    assert "Coverage totals built:" in result.output
    with app.app_context():
        assert all(cache.built() for cache in caches.CACHES)
        assert caches.ensure_built() == []
        assert caches.verify() == {cache.name: [] for cache in caches.CACHES}

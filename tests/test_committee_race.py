"""Concurrency on SQLite and PostgreSQL: a vote racing the closing of its round, and double votes.

Each thread has its own application context, so its own session and connection. A thread
that has taken the round's lock holds its transaction open for a moment, so the other one
really arrives while the lock is held.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from fund.accounts.models import User
from fund.committee import operations
from fund.committee.models import Vote, VotingRound
from fund.extensions import db, utcnow
from fund.proposals.models import Proposal
from tests.test_committee import _round, _vote
from tests.test_committee import people as people

HOLD_SECONDS = 0.6


def _run(app, work: Callable[[], Any], results: dict[str, Any], key: str) -> threading.Thread:
    def target() -> None:
        with app.app_context():
            try:
                results[key] = work()
            except Exception as error:
                db.session.rollback()
                results[key] = error
            finally:
                db.session.remove()

    thread = threading.Thread(target=target)
    thread.start()
    return thread


def _holding(locked: threading.Event, work: Callable[[], Any]) -> Callable[[], Any]:
    """Do `work`, signal that its locks are held, wait, then commit."""

    def run() -> Any:
        result = work()
        locked.set()
        time.sleep(HOLD_SECONDS)
        db.session.commit()
        return result

    return run


@pytest.fixture
def race(app, backend, people, make_proposal):
    """On each engine (SQLite on a file, so each thread has its own connection)."""
    proposal_id = make_proposal(people.author, status="committee_review")
    round_id = _round(app, proposal_id).id
    _vote(app, people.unhcr, round_id, "approve")
    return proposal_id, round_id


def test_a_vote_arriving_while_the_round_closes_is_refused(app, people, race):
    proposal_id, round_id = race
    locked, results = threading.Event(), {}

    def close():
        secretariat = db.session.get(User, people.secretariat.id)
        return operations.close_round(round_id, secretariat).outcome

    closer = _run(app, _holding(locked, close), results, "close")
    assert locked.wait(10)
    started = time.monotonic()

    def vote():
        operations.cast_vote(round_id, db.session.get(User, people.unicef.id), "approve")
        db.session.commit()

    voter = _run(app, vote, results, "vote")
    closer.join(10)
    voter.join(10)
    waited = time.monotonic() - started

    assert results["close"] == "no_quorum"  # one vote of three: quorum 2 not met
    assert isinstance(results["vote"], operations.CommitteeRefused), results["vote"]
    assert "no longer possible" in str(results["vote"])
    assert waited >= HOLD_SECONDS * 0.5  # the vote waited for the closing's lock
    with app.app_context():
        round_ = db.session.get(VotingRound, round_id)
        votes = db.session.scalar(
            select(func.count()).select_from(Vote).where(Vote.round_id == round_id)
        )
        assert votes == round_.tally["cast"] == 1
        assert db.session.get(Proposal, proposal_id).status == "committee_review"


def test_a_close_arriving_while_a_vote_is_cast_counts_it(app, people, race):
    proposal_id, round_id = race
    locked, results = threading.Event(), {}

    def vote():
        operations.cast_vote(round_id, db.session.get(User, people.unicef.id), "approve")
        return "voted"

    voter = _run(app, _holding(locked, vote), results, "vote")
    assert locked.wait(10)

    def close():
        secretariat = db.session.get(User, people.secretariat.id)
        outcome = operations.close_round(round_id, secretariat).outcome
        db.session.commit()
        return outcome

    closer = _run(app, close, results, "close")
    voter.join(10)
    closer.join(10)

    assert results["vote"] == "voted"
    assert results["close"] == "approved"  # the waiting close saw the second vote
    with app.app_context():
        assert db.session.get(VotingRound, round_id).tally["cast"] == 2
        assert db.session.get(Proposal, proposal_id).status == "approved"


def test_many_votes_racing_a_close_never_land_after_it(app, people, race, create_user):
    proposal_id, round_id = race
    # More members, all entitled: they join a fresh round after the first closes.
    extra = [create_user(roles=("committee",), organization_acronym="UNODC") for _ in range(4)]
    with app.app_context():
        secretariat = db.session.get(User, people.secretariat.id)
        operations.close_round(round_id, secretariat)
        db.session.commit()
        second = operations.open_new_round(proposal_id, secretariat)
        db.session.commit()
        second_id = second.id
    voters = [people.unicef, people.undp, *extra]
    barrier = threading.Barrier(len(voters) + 1)
    results: dict[str, Any] = {}

    def vote_as(user_id):
        def run():
            barrier.wait(10)
            operations.cast_vote(second_id, db.session.get(User, user_id), "approve")
            db.session.commit()
            return "voted"

        return run

    def close():
        barrier.wait(10)
        secretariat = db.session.get(User, people.secretariat.id)
        outcome = operations.close_round(second_id, secretariat).outcome
        db.session.commit()
        return outcome

    threads = [_run(app, vote_as(u.id), results, f"vote{u.id}") for u in voters]
    threads.append(_run(app, close, results, "close"))
    for thread in threads:
        thread.join(20)

    accepted = [k for k, v in results.items() if k.startswith("vote") and v == "voted"]
    refused = [
        k
        for k, v in results.items()
        if k.startswith("vote") and isinstance(v, operations.CommitteeRefused)
    ]
    assert len(accepted) + len(refused) == len(voters), results
    with app.app_context():
        round_ = db.session.get(VotingRound, second_id)
        stored = db.session.scalar(
            select(func.count()).select_from(Vote).where(Vote.round_id == second_id)
        )
        # Every accepted vote, and only those, is in the tally the closing computed.
        assert stored == len(accepted) == round_.tally["cast"]
        assert all(v.cast_at <= round_.closed_at for v in round_.votes)


def test_two_first_votes_of_one_member_make_one_vote(app, people, race):
    _, round_id = race
    barrier = threading.Barrier(2)
    results: dict[str, Any] = {}

    def vote(choice):
        def run():
            barrier.wait(10)
            _, what = operations.cast_vote(round_id, db.session.get(User, people.undp.id), choice)
            db.session.commit()
            return what

        return run

    threads = [_run(app, vote(c), results, c) for c in ("approve", "abstain")]
    for thread in threads:
        thread.join(10)
    assert sorted(results.values()) == ["cast", "changed"], results
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(Vote)
                .where(Vote.round_id == round_id, Vote.member_id == people.undp.id)
            )
            == 1
        )


def test_the_database_refuses_a_concurrent_double_vote(app, people, race):
    """Without the operation's lock, two inserts of the same member's vote: the unique
    constraint lets exactly one through."""
    _, round_id = race
    barrier = threading.Barrier(2)
    results: dict[str, Any] = {}

    def insert(choice):
        def run():
            barrier.wait(10)
            db.session.add(
                Vote(round_id=round_id, member_id=people.undp.id, choice=choice, cast_at=utcnow())
            )
            db.session.flush()
            time.sleep(0.2)
            db.session.commit()
            return "inserted"

        return run

    threads = [_run(app, insert(c), results, c) for c in ("approve", "abstain")]
    for thread in threads:
        thread.join(10)
    outcomes = sorted(type(v).__name__ if isinstance(v, Exception) else v for v in results.values())
    assert outcomes == ["IntegrityError", "inserted"], results
    assert any(isinstance(v, IntegrityError) for v in results.values())

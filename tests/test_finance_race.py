"""Two secretariat users acting on the money at the same moment, on SQLite and PostgreSQL: the
database never lets a pool go below zero or a share be paid beyond its amount."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from fund.accounts.models import Organization, User
from fund.extensions import db, utcnow
from fund.finance import funding, operations, queries
from fund.finance.models import Allocation, AllocationShare, AllocationSource, Disbursement, Pool
from fund.proposals.models import Proposal
from workflows import TransitionRefused

D = Decimal
TOTAL = D("1070000.00")
NET = D("1485000.00")  # a deposit of 1,500,000.00 less the 1% fee: one proposal, not two


@pytest.fixture
def race(app, backend, create_user, create_organization, make_proposal) -> dict[str, Any]:
    """Two approved proposals of USD 1,070,000.00 each; USD 1,485,000.00 unearmarked."""
    author = create_user(roles=("applicant",), organization_acronym="ILO")
    first = create_user(roles=("secretariat",), organization_acronym="IOM")
    second = create_user(roles=("secretariat",), organization_acronym="IOM")
    donor = create_organization(name="Donor Republic", acronym="DRP", kind="other")
    with app.app_context():
        operations.record_contribution(
            db.session.get(User, first.id),
            db.session.get(Organization, donor.id),
            utcnow().date(),
            D("1500000.00"),
        )
        db.session.commit()
    return {
        "users": [first.id, second.id],
        "proposals": [
            make_proposal(author, status="approved", title="First"),
            make_proposal(author, status="approved", title="Second"),
        ],
    }


def run_together(app, jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run each job in its own thread, app context and database session, released at the
    same moment; a job's exception is its result."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def work(index: int) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                results[index] = jobs[index]()
                db.session.commit()
            except Exception as error:  # the result to assert on
                db.session.rollback()
                results[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung (deadlock?)"
    return results


def funder(user_id: int, proposal_id: int) -> Callable[[], Any]:
    def job():
        return operations.fund_proposal(
            db.session.get(User, user_id), db.session.get(Proposal, proposal_id)
        ).id

    return job


def payer(
    user_id: int, allocation_id: int, organization_id: int, amount: Decimal
) -> Callable[[], Any]:
    """A job paying `amount` of the allocation to the organization today."""

    def job():
        return operations.record_disbursement(
            db.session.get(User, user_id),
            db.session.get(Allocation, allocation_id),
            organization_id,
            utcnow().date(),
            amount,
        ).id

    return job


def state(app, proposal_ids: list[int]) -> tuple[Decimal, int, list[str]]:
    with app.app_context():
        general = db.session.get(Pool, "GENERAL").available
        allocations = db.session.scalar(select(func.count()).select_from(Allocation))
        statuses = [db.session.get(Proposal, p).status for p in proposal_ids]
        lowest = db.session.scalar(select(func.min(Pool.available)))
        assert lowest >= 0
        return general, allocations, statuses


def test_two_funders_at_once_never_over_allocate(app, race, monkeypatch) -> None:
    """The pool rows are locked before the guard reads them: the second funder waits for the
    first to commit, then is refused with the numbers it sees."""
    plan_read_at: dict[int, float] = {}
    committing_at: list[float] = []
    original = funding.funding_plan

    def slow_plan(proposal, rate, *, lock=False):
        plan = original(proposal, rate, lock=lock)
        plan_read_at[proposal.id] = time.monotonic()
        time.sleep(0.3)  # hold the lock a while: the other thread must wait, not read
        return plan

    monkeypatch.setattr(funding, "funding_plan", slow_plan)

    def timed(job):
        def wrapped():
            result = job()
            committing_at.append(time.monotonic())
            db.session.commit()
            return result

        return wrapped

    users, proposals = race["users"], race["proposals"]
    results = run_together(
        app, [timed(funder(users[0], proposals[0])), timed(funder(users[1], proposals[1]))]
    )
    won = [r for r in results if isinstance(r, int)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 1 and len(lost) == 1, results
    assert isinstance(lost[0], TransitionRefused), repr(lost[0])
    assert "needs USD 1,070,000.00 but only USD 415,000.00 is available" in str(lost[0])
    # The loser could read the pool only once the winner had done all its work and committed
    # (without the lock, both would read at once, 0.3 s before either commits).
    assert len(committing_at) == 1
    assert max(plan_read_at.values()) >= committing_at[0]
    general, allocations, statuses = state(app, proposals)
    assert (general, allocations) == (NET - TOTAL, 1)
    assert sorted(statuses) == ["approved", "funded"]


@pytest.mark.parametrize("backend", ["postgresql"])
def test_without_the_lock_the_database_still_refuses(app, race, monkeypatch) -> None:
    """Both funders read the balance before either draws (the lock is switched off here): the
    check constraint `available >= 0` refuses the second draw. PostgreSQL only: on SQLite the
    second transaction cannot begin before the first ends, so both can never read at once."""
    barrier = threading.Barrier(2)
    original = funding.funding_plan

    def unlocked_plan(proposal, rate, *, lock=False):
        plan = original(proposal, rate, lock=False)
        barrier.wait(timeout=10)  # both have read 1,485,000.00 available
        return plan

    monkeypatch.setattr(funding, "funding_plan", unlocked_plan)
    users, proposals = race["users"], race["proposals"]
    results = run_together(app, [funder(users[0], proposals[0]), funder(users[1], proposals[1])])
    won = [r for r in results if isinstance(r, int)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 1 and len(lost) == 1, results
    assert isinstance(lost[0], operations.FinanceError), repr(lost[0])
    assert "Unearmarked pool no longer holds USD 1,070,000.00" in str(lost[0])
    with app.test_request_context("/?lang=fr"):  # the same refusal on a French page
        said = lost[0].said().replace("\u202f", " ").replace("\u00a0", " ")
    assert said.startswith("L'enveloppe Non préaffectée ne dispose plus de 1 070 000,00 $US"), said
    general, allocations, statuses = state(app, proposals)
    assert (general, allocations) == (NET - TOTAL, 1)
    assert sorted(statuses) == ["approved", "funded"]


def test_two_payments_at_once_never_exceed_a_share(app, race) -> None:
    users, proposals = race["users"], race["proposals"]
    with app.app_context():
        operations.fund_proposal(
            db.session.get(User, users[0]), db.session.get(Proposal, proposals[0])
        )
        db.session.commit()
        allocation_id = db.session.scalar(
            select(Allocation.id).where(Allocation.proposal_id == proposals[0])
        )
        ilo = db.session.scalar(select(Organization.id).where(Organization.acronym == "ILO"))

    results = run_together(
        app,
        [
            payer(users[0], allocation_id, ilo, D("400000.00")),
            payer(users[1], allocation_id, ilo, D("400000.00")),
        ],
    )
    won = [r for r in results if isinstance(r, int)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 1 and len(lost) == 1, results
    assert "Only USD 242,000.00 remains to be paid to ILO" in str(lost[0])
    with app.app_context():
        share = db.session.get(AllocationShare, (allocation_id, ilo))
        assert (share.amount, share.disbursed) == (D("642000.00"), D("400000.00"))
        assert db.session.scalar(select(func.count()).select_from(Disbursement)) == 1


def test_two_payments_of_one_allocation_at_once_fill_its_pools_in_turn(
    app, race, create_organization, monkeypatch
) -> None:
    """A TA1 earmark of USD 198,000.00 pays first. Two payments of USD 150,000.00 to different
    organizations, at once: each locks its own share, then both want the earmark. The second
    must see what the first took from it (its sources are locked), or it would attribute
    USD 150,000.00 to TA1 too and the database would refuse it."""
    users, proposals = race["users"], race["proposals"]
    with app.app_context():
        donor = db.session.scalar(select(Organization).where(Organization.acronym == "DRP"))
        operations.record_contribution(
            db.session.get(User, users[0]), donor, utcnow().date(), D("200000.00"), "TA1"
        )
        proposal = db.session.get(Proposal, proposals[0])
        proposal.primary_objective_number = 7  # TA1 and TA2
        operations.fund_proposal(db.session.get(User, users[0]), proposal)
        db.session.commit()
        allocation_id = db.session.scalar(
            select(Allocation.id).where(Allocation.proposal_id == proposals[0])
        )
        organizations = {
            acronym: db.session.scalar(
                select(Organization.id).where(Organization.acronym == acronym)
            )
            for acronym in ("ILO", "IOM")
        }
    original = funding.plan_draws

    def slow_draws(total, pools):
        time.sleep(0.3)  # between reading the sources and writing them
        return original(total, pools)

    monkeypatch.setattr(funding, "plan_draws", slow_draws)

    results = run_together(
        app,
        [
            payer(users[0], allocation_id, organizations["ILO"], D("150000.00")),
            payer(users[1], allocation_id, organizations["IOM"], D("150000.00")),
        ],
    )
    assert all(isinstance(r, int) for r in results), results
    with app.app_context():
        paid = dict(
            db.session.execute(
                select(AllocationSource.pool_code, AllocationSource.disbursed).where(
                    AllocationSource.allocation_id == allocation_id
                )
            ).all()
        )
        assert paid == {"TA1": D("198000.00"), "GENERAL": D("102000.00")}
        assert {p.code: p.disbursed for p in queries.balance().pools}["TA1"] == D("198000.00")

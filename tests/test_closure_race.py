"""Two refunds recorded at the same moment, on SQLite and PostgreSQL: an organization never
refunds more than it owes, and the pools get back exactly what was refunded, the last drawn
first."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from fund import caches
from fund.accounts.models import User
from fund.extensions import db, utcnow
from fund.finance import closure
from fund.finance.closure_models import ClosureShare, Refund
from fund.finance.models import Allocation, AllocationSource, Pool
from fund.money import read_amount
from fund.proposals.models import Proposal
from tests.helpers import org_id
from tests.test_closure import agent, close, programme, treasurer  # noqa: F401 (fixtures)
from tests.test_finance_race import run_together

D = Decimal


def refunder(user_id: int, proposal_id: int, organization_id: int, amount: Decimal):
    def job() -> Any:
        return closure.record_refund(
            db.session.get(User, user_id),
            db.session.get(Proposal, proposal_id),
            organization_id,
            utcnow().date(),
            amount,
        ).id

    return job


@pytest.fixture
def refund_due(app, backend, treasurer, create_user, programme) -> dict[str, Any]:  # noqa: F811
    """The programme closed with ILO owing USD 300,000.00 (GENERAL paid out 147,000.00 of it,
    TA2 297,000.00); two administrative agents."""
    close(app, treasurer, programme, "Ended.", ILO="342000.00", IOM="0.00")
    agents = [
        create_user(roles=("administrative_agent",), organization_acronym="UNDP", name=name)
        for name in ("First agent", "Second agent")
    ]
    with app.app_context():
        pools = {p.code: read_amount(p.available) for p in db.session.scalars(select(Pool))}
        ilo = org_id("ILO")
    return {"agents": [a.id for a in agents], "pools": pools, "ilo": ilo}


def _state(app, proposal_id: int) -> tuple[Decimal, int, dict[str, Decimal], dict[str, Decimal]]:
    with app.app_context():
        allocation_id = db.session.scalar(
            select(Allocation.id).where(Allocation.proposal_id == proposal_id)
        )
        share = db.session.get(ClosureShare, (allocation_id, org_id("ILO")))
        count = db.session.scalar(select(func.count()).select_from(Refund))
        refunded = {
            s.pool_code: read_amount(s.refunded)
            for s in db.session.scalars(
                select(AllocationSource).where(AllocationSource.allocation_id == allocation_id)
            )
        }
        pools = {p.code: read_amount(p.available) for p in db.session.scalars(select(Pool))}
        assert caches.verify()["money paid out per pool"] == []
        return read_amount(share.refunded), count, refunded, pools


def _jobs(refund_due, programme, amounts) -> list[Callable[[], Any]]:  # noqa: F811
    return [
        refunder(agent_id, programme, refund_due["ilo"], D(amount))
        for agent_id, amount in zip(refund_due["agents"], amounts, strict=True)
    ]


def test_two_refunds_of_the_whole_due_at_once_record_one(app, refund_due, programme) -> None:  # noqa: F811
    """Both agents record the whole USD 300,000.00 at once: the share's row lock makes the
    second wait, then see it owed nothing more."""
    results = run_together(app, _jobs(refund_due, programme, ("300000.00", "300000.00")))
    won = [r for r in results if isinstance(r, int)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 1 and len(lost) == 1, results
    assert "owes at most USD 0.00" in str(lost[0])
    refunded, count, by_pool, pools = _state(app, programme)
    assert (refunded, count) == (D("300000.00"), 1)
    assert by_pool == {"TA1": D("0.00"), "TA2": D("153000.00"), "GENERAL": D("147000.00")}
    before = refund_due["pools"]
    assert pools["GENERAL"] - before["GENERAL"] == D("147000.00")
    assert pools["TA2"] - before["TA2"] == D("153000.00")


def test_two_partial_refunds_at_once_fill_the_pools_in_turn(app, refund_due, programme) -> None:  # noqa: F811
    """Two refunds of USD 100,000.00 at once: both are recorded, one after the other; the
    first fills GENERAL's 147,000.00 up to 100,000.00, the second the rest of it and then
    53,000.00 of TA2, whichever comes first."""
    results = run_together(app, _jobs(refund_due, programme, ("100000.00", "100000.00")))
    assert all(isinstance(r, int) for r in results), results
    refunded, count, by_pool, pools = _state(app, programme)
    assert (refunded, count) == (D("200000.00"), 2)
    assert by_pool == {"TA1": D("0.00"), "TA2": D("53000.00"), "GENERAL": D("147000.00")}
    assert sum(pools.values()) - sum(refund_due["pools"].values()) == D("200000.00")

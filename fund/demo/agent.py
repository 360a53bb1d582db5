"""The administrative agent's part of the demo set: a donor's pledge in euros with its expected
payments, its first deposit received at the exchange rate used, the interest the fund earned
and a direct cost of the secretariat charged to the fund, each recorded by the demo's
administrative agent (agent@demo.fund). Made once, each on its day (`fund.demo.timeline`): a
second seed finds the pledge and changes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from fund.accounts.models import Organization, User
from fund.demo.timeline import Timeline
from fund.extensions import db
from fund.finance import agent
from fund.finance.agent_models import Pledge

DONOR = "Government of Germany"
PLEDGED = Decimal("3000000.00")  # EUR, in two payments
RATE = Decimal("1.0850")  # USD for one euro at the first payment


def demo_recorder() -> User | None:
    """Who records the demo's money: the administrative agent (the secretariat in an older
    demo set without one)."""
    for role in ("administrative_agent", "secretariat"):
        found = db.session.scalar(
            select(User).where(User.role_rows.any(role=role)).order_by(User.id).limit(1)
        )
        if found is not None:
            return found
    return None


def add_demo_agent_records(timeline: Timeline, today: date) -> None:
    """The pledge, its first deposit, interest and a direct cost, each recorded on its day
    (once)."""
    if db.session.scalar(select(Pledge.id).limit(1)) is not None:
        return
    actor = db.session.scalar(
        select(User).where(User.role_rows.any(role="administrative_agent")).order_by(User.id)
    )
    donor = db.session.scalar(select(Organization).where(Organization.name == DONOR))
    if actor is None or donor is None:
        return
    half = PLEDGED / 2
    pledged: list[Pledge] = []

    def day(days: int) -> date:
        return today - timedelta(days=days)

    timeline.on(
        day(150),
        lambda: pledged.append(
            agent.record_pledge(
                actor,
                donor,
                day(150),
                "EUR",
                PLEDGED,
                [(day(90), half), (today + timedelta(days=275), half)],
                "Multi-year pledge: two equal payments.",
            )
        ),
    )
    timeline.on(
        day(88),
        lambda: agent.record_deposit(
            actor, donor, day(88), "EUR", half, RATE, pledge=pledged[0], reference="DE-EUR-0001"
        ),
    )
    timeline.on(
        day(30), lambda: agent.record_interest(actor, day(30), Decimal("18450.32"), "INT-0001")
    )
    timeline.on(
        day(20),
        lambda: agent.record_direct_cost(
            actor,
            day(20),
            Decimal("42000.00"),
            "Secretariat staff and the committee's meetings, last quarter.",
        ),
    )

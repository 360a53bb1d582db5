"""The administrative agent's part of the demo set: a donor's pledge in euros with its expected
payments, its first deposit received at the exchange rate used, the interest the fund earned
and a direct cost of the secretariat charged to the fund, each recorded by the demo's
administrative agent (agent@demo.fund). Made once, after the demo's contributions: a second
seed finds the pledge and changes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from fund.accounts.models import Organization, User
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


def add_demo_agent_records(today: date) -> None:
    """The pledge, its first deposit, interest and a direct cost (once)."""
    if db.session.scalar(select(Pledge.id).limit(1)) is not None:
        return
    actor = db.session.scalar(
        select(User).where(User.role_rows.any(role="administrative_agent")).order_by(User.id)
    )
    donor = db.session.scalar(select(Organization).where(Organization.name == DONOR))
    if actor is None or donor is None:
        return
    half = PLEDGED / 2
    pledge = agent.record_pledge(
        actor,
        donor,
        today - timedelta(days=150),
        "EUR",
        PLEDGED,
        [(today - timedelta(days=90), half), (today + timedelta(days=275), half)],
        "Multi-year pledge: two equal payments.",
    )
    agent.record_deposit(
        actor,
        donor,
        today - timedelta(days=88),
        "EUR",
        half,
        RATE,
        pledge=pledge,
        reference="DE-2026-EUR-1",
    )
    agent.record_interest(actor, today - timedelta(days=30), Decimal("18450.32"), "INT-Q3")
    agent.record_direct_cost(
        actor,
        today - timedelta(days=20),
        Decimal("42000.00"),
        "Secretariat staff and the committee's meetings, third quarter.",
    )
    db.session.flush()

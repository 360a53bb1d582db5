"""What the administrative agent records beside the deposits: donors' pledges with their
expected payment schedule, the interest the fund earns and the direct costs charged to it.

A pledge is a promise in the donor's currency; the money counts only when a deposit
(`Contribution`, which may name its pledge) is received. Interest goes to the unearmarked pool
and direct costs come out of it, by the same SQL updates under the pool's CHECK (`available >=
0`) as every other movement of money.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fund.accounts.models import Organization
from fund.extensions import db
from fund.finance.models import Recorded
from fund.money import Money

CURRENCY_CHECK = "length(currency) = 3 AND upper(currency) = currency"


def pledge_code(pledge_id: int) -> str:
    """A pledge as people name it on pages and in messages: PL-3."""
    return f"PL-{pledge_id}"


class Pledge(Recorded, db.Model):
    """A donor's promise of an amount in a currency (ISO 4217), paid by the instalments of its
    schedule."""

    __tablename__ = "pledges"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(CURRENCY_CHECK, name="currency_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    donor_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    pledged_on: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(Money)
    note: Mapped[str] = mapped_column(Text, default="")

    donor: Mapped[Organization] = relationship()
    instalments: Mapped[list[PledgeInstalment]] = relationship(
        cascade="all, delete-orphan", order_by="PledgeInstalment.due_on, PledgeInstalment.id"
    )

    @property
    def code(self) -> str:
        """The pledge as people name it on pages and in messages: PL-3."""
        return pledge_code(self.id)


class PledgeInstalment(db.Model):
    """One line of a pledge's expected payment schedule: when, and how much in its currency."""

    __tablename__ = "pledge_instalments"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledges.id", ondelete="CASCADE"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)


class InterestEntry(Recorded, db.Model):
    """Interest the fund earned (USD), added to the unearmarked pool."""

    __tablename__ = "interest_entries"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    earned_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    reference: Mapped[str] = mapped_column(String(100), default="")


class DirectCost(Recorded, db.Model):
    """A cost of the secretariat charged to the fund (USD), taken from the unearmarked pool."""

    __tablename__ = "direct_costs"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("length(description) > 0", name="description_given"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    charged_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    description: Mapped[str] = mapped_column(Text)

"""A programme's closure and the refunds of its unspent balances.

At closure the secretariat records each participating organization's final expenditure (at
most what was transferred to it); what was transferred and not spent is the organization's
refund due (`ClosureShare`). The administrative agent records each refund as it is received
(`Refund`, never edited); the money goes back to the pools the allocation drew on, the last
drawn first (`AllocationSource.refunded`, fund/finance/closure.py).

The database has the last word on every figure: a final expenditure within what was
transferred, the refunds of an organization never above its refund due, a refund above zero.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fund.accounts.models import Organization, User
from fund.extensions import UTCDateTime, db, not_negative, within
from fund.finance.models import Recorded, share_key
from fund.money import ZERO, Money, sql_cents


def kept_of(allocated: Decimal, released: Decimal, refunded: Decimal) -> Decimal:
    """What a programme kept of its allocation: allocated, less what its closure gave back to
    the pools (never transferred) and the refunds received since. The same amount as coverage
    counts per organization (`fund.coverage.programme_money.kept_cents`: transferred less
    refunds), since a closure gives back what was not transferred."""
    return allocated - released - refunded


class ProgrammeClosure(db.Model):
    """The closure of a funded programme: when and by whom, the reason given (if any) and what
    was allocated but never transferred, given back to the pools (`released`)."""

    __tablename__ = "programme_closures"
    __table_args__ = (not_negative("released"),)

    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), primary_key=True)
    allocation_id: Mapped[int] = mapped_column(ForeignKey("allocations.id"), unique=True)
    closed_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    released: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    closed_by: Mapped[User | None] = relationship()


def still_to_pay(amount: Any, paid: Any, given_back: Any) -> Any:
    """What is still to pay of an allocation or of a share: what was allocated less what was
    paid, and less what the programme's closure gave back to the pools (all that was never
    paid: nothing is paid after closure). Of Decimal amounts, or of SQL expressions (in cents,
    for an order by it)."""
    return amount - paid - given_back


def released_at_closure(amount: Decimal, paid: Decimal, closed: bool) -> Decimal:
    """What a share's closure gave back to the pools: all it never paid (nothing is paid after
    closure); zero while the programme is not closed."""
    return amount - paid if closed else ZERO


class RefundFigures:
    """A share's refund figures from its transferred, final_expenditure and refunded: on a
    row in Python, and on `ClosureShare` as SQL expressions (`cents_sum(ClosureShare.due)`),
    from one definition; `owing()` says in SQL that a refund is still owed."""

    @hybrid_property
    def due(self) -> Decimal:
        """The refund due in all: what was transferred and not spent."""
        return self.transferred - self.final_expenditure

    @hybrid_property
    def outstanding(self) -> Decimal:
        """What of the refund due is still to be received."""
        return self.due - self.refunded

    @classmethod
    def outstanding_cents(cls) -> Any:
        """SQL: `outstanding` in whole cents (exact on SQLite too, whose arithmetic on amounts
        is binary floating point)."""
        due = sql_cents(cls.transferred) - sql_cents(cls.final_expenditure)
        return due - sql_cents(cls.refunded)

    @classmethod
    def owing(cls) -> Any:
        """SQL: part of the refund due is still to be received."""
        return cls.outstanding_cents() > 0


class ClosureShare(RefundFigures, db.Model):
    """An organization's final expenditure on a closed programme, and its refund due
    (`transferred - final_expenditure`) with what of it was refunded so far."""

    __tablename__ = "closure_shares"
    __table_args__ = (
        share_key("closure_shares"),
        within("final_expenditure", "transferred", "expenditure_within_transferred"),
        within("refunded", "transferred - final_expenditure", "refunded_within_due"),
    )

    allocation_id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), primary_key=True)
    transferred: Mapped[Decimal] = mapped_column(Money)
    final_expenditure: Mapped[Decimal] = mapped_column(Money)
    refunded: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))

    organization: Mapped[Organization] = relationship()


class Refund(Recorded, db.Model):
    """A refund received from a participating organization of a closed programme: a new row
    each time, never edited; its `pools` say where the money went (the last drawn first)."""

    __tablename__ = "refunds"
    __table_args__ = (
        share_key("refunds", "closure_shares"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    allocation_id: Mapped[int] = mapped_column(index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    received_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    reference: Mapped[str] = mapped_column(String(100), default="")

    organization: Mapped[Organization] = relationship()
    recorded_by: Mapped[User | None] = relationship()
    pools: Mapped[list[RefundPool]] = relationship(
        cascade="all, delete-orphan", order_by="RefundPool.position"
    )


class RefundPool(db.Model):
    """The part of a refund that went back to one pool (`position`: 0 for the pool refunded
    first, the last drawn)."""

    __tablename__ = "refund_pools"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    refund_id: Mapped[int] = mapped_column(
        ForeignKey("refunds.id", ondelete="CASCADE"), primary_key=True
    )
    pool_code: Mapped[str] = mapped_column(ForeignKey("pools.code"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money)

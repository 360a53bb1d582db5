"""The transfer schedule: the tranches planned for each participating organization of a funded
programme, one per programme year in which it has a budget (`fund.finance.transfer_schedule`).

A tranche is a plan, not money: what was transferred is the share's `disbursed`, and the
tranches it covers in their order are the ones transferred. Replanning keeps those.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fund.extensions import UTCDateTime, db
from fund.money import Money


class PlannedTranche(db.Model):
    """One planned transfer to one participating organization: its number is the programme
    year it pays for (a year without budget has none), its date and amount as planned."""

    __tablename__ = "planned_tranches"
    __table_args__ = (
        UniqueConstraint("allocation_id", "organization_id", "number"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    allocation_id: Mapped[int] = mapped_column(
        ForeignKey("allocations.id", ondelete="CASCADE"), index=True
    )
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    number: Mapped[int] = mapped_column()
    planned_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    planned_at: Mapped[datetime] = mapped_column(UTCDateTime)

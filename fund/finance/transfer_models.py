"""Transfer requests: the secretariat asks the administrative agent to transfer a tranche of an
organization's allocation share; the agent records the transfer (a `Disbursement`) against it.

The database keeps the rules that matter under concurrency: one open request per allocation
and organization (a partial unique index), an amount above zero, a tranche number from 1, a
status among the three. The amount within what remains of the share is checked by
`fund.finance.transfers.request_transfer` under the share's row lock.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fund.accounts.models import Organization, User
from fund.extensions import UTCDateTime, db, one_of, unique_where
from fund.labels import N_, LabelledEnum
from fund.money import Money


class TransferStatus(LabelledEnum):
    """Where a transfer request stands."""

    REQUESTED = "requested", N_("Requested")
    TRANSFERRED = "transferred", N_("Transferred")
    CANCELLED = "cancelled", N_("Cancelled")


OPEN = TransferStatus.REQUESTED.value


class TransferRequest(db.Model):
    """A tranche the secretariat requested for one participating organization, the tranche
    conditions as evaluated when it was requested (`conditions`: a list of {name, label,
    passed, problems}), the override's reason when a condition failed, and where it stands."""

    __tablename__ = "transfer_requests"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("tranche >= 1", name="tranche_positive"),
        one_of("status", TransferStatus),
        CheckConstraint(
            "override_reason IS NULL OR length(override_reason) > 0", name="override_given"
        ),
        unique_where(
            "uq_transfer_requests_one_open",
            ("allocation_id", "organization_id"),
            f"status = '{OPEN}'",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    allocation_id: Mapped[int] = mapped_column(ForeignKey("allocations.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    amount: Mapped[Decimal] = mapped_column(Money)
    tranche: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default=OPEN)
    override_reason: Mapped[str | None] = mapped_column(Text)
    conditions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    disbursement_id: Mapped[int | None] = mapped_column(ForeignKey("disbursements.id"), unique=True)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organization: Mapped[Organization] = relationship()
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])

    @property
    def code(self) -> str:
        """The request as people name it on pages and in messages: TR-7."""
        return f"TR-{self.id}"

    @property
    def status_label(self) -> str:
        return TransferStatus(self.status).label

    @property
    def is_open(self) -> bool:
        return self.status == OPEN

    @property
    def failed_conditions(self) -> list[dict[str, Any]]:
        return [c for c in self.conditions or [] if not c.get("passed")]

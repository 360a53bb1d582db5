"""Proposals for joint programmes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fund.accounts.models import Organization, User
from fund.calls.models import Call
from fund.extensions import UTCDateTime, db, utcnow
from workflows import PROPOSAL_WORKFLOW

_STATES_SQL = ", ".join(f"'{s}'" for s in PROPOSAL_WORKFLOW.states)


class Proposal(db.Model):
    """A joint programme proposed for a call, owned by the applicant's organization.

    `version` is a version counter: an UPDATE based on a stale read fails, so two people (or two
    clicks) acting on the same version cannot both succeed.
    """

    __tablename__ = "proposals"
    __table_args__ = (CheckConstraint(f"status IN ({_STATES_SQL})", name="status_valid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=PROPOSAL_WORKFLOW.initial, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    call: Mapped[Call] = relationship()
    organization: Mapped[Organization] = relationship()
    created_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def status_label(self) -> str:
        return PROPOSAL_WORKFLOW.state_label(self.status)

    def __repr__(self) -> str:
        return f"<Proposal {self.id} {self.status}>"

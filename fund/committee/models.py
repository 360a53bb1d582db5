"""Voting rounds, the members entitled or recused in each, and their votes."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fund.accounts.models import User
from fund.extensions import UTCDateTime, db


class RoundStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Outcome(enum.StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"
    NO_QUORUM = "no_quorum"
    RETURNED = "returned"  # the committee asked for revision
    CANCELLED = "cancelled"  # the proposal left committee review another way (e.g. withdrawn)


class Choice(enum.StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    ABSTAIN = "abstain"


CHOICE_LABELS = {
    Choice.APPROVE.value: "Approve",
    Choice.REJECT.value: "Reject",
    Choice.ABSTAIN.value: "Abstain",
}


class Recusal(enum.StrEnum):
    AUTOMATIC = "automatic"  # the member's organization takes part in the proposal
    DECLARED = "declared"  # the member declared a conflict of interest


def _sql_in(values: type[enum.StrEnum]) -> str:
    return ", ".join(f"'{v.value}'" for v in values)


class VotingRound(db.Model):
    """One round of committee voting on one proposal. At most one round per proposal is open."""

    __tablename__ = "voting_rounds"
    __table_args__ = (
        UniqueConstraint("proposal_id", "number"),
        CheckConstraint(f"status IN ({_sql_in(RoundStatus)})", name="status_valid"),
        CheckConstraint(
            f"outcome IS NULL OR outcome IN ({_sql_in(Outcome)})", name="outcome_valid"
        ),
        CheckConstraint(
            "decision_rule IN ('consensus', 'majority', 'two_thirds')", name="decision_rule_valid"
        ),
        CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name="closed_has_time"),
        CheckConstraint("(status = 'closed') = (outcome IS NOT NULL)", name="closed_has_outcome"),
        Index(
            "uq_voting_rounds_one_open_per_proposal",
            "proposal_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        # The latest decisions (meeting view): closed rounds, newest first.
        Index("ix_voting_rounds_status_closed_at", "status", "closed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    # The submitted version the committee decides on.
    version_number: Mapped[int] = mapped_column(Integer)
    decision_rule: Mapped[str] = mapped_column(String(20))
    # Fixed quorum of the call, or None for "a majority of the members entitled to vote".
    quorum_setting: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default=RoundStatus.OPEN.value)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str | None] = mapped_column(String(20))
    # The committee's summary: conditions of an approval, or what a revision must address.
    summary: Mapped[str] = mapped_column(Text, default="")
    # The tally as computed at closing, kept for the decision record.
    tally: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    members: Mapped[list[RoundMember]] = relationship(
        cascade="all, delete-orphan", order_by="RoundMember.user_id"
    )
    votes: Mapped[list[Vote]] = relationship(cascade="all, delete-orphan", order_by="Vote.id")


class RoundMember(db.Model):
    """A committee member in a round: entitled to vote, or recused (and why)."""

    __tablename__ = "round_members"
    __table_args__ = (
        CheckConstraint(
            f"recusal IS NULL OR recusal IN ({_sql_in(Recusal)})", name="recusal_valid"
        ),
        CheckConstraint("recusal IS NULL OR length(recusal_reason) > 0", name="recusal_has_reason"),
    )

    round_id: Mapped[int] = mapped_column(
        ForeignKey("voting_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    recusal: Mapped[str | None] = mapped_column(String(10))
    recusal_reason: Mapped[str] = mapped_column(Text, default="")
    recused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class Vote(db.Model):
    """A member's vote in a round: one per member per round, changeable while the round is open."""

    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint("round_id", "member_id"),
        CheckConstraint(f"choice IN ({_sql_in(Choice)})", name="choice_valid"),
        CheckConstraint(
            "choice <> 'reject' OR length(trim(comment)) > 0", name="reject_has_comment"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("voting_rounds.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    choice: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str] = mapped_column(Text, default="")
    conditions: Mapped[str] = mapped_column(Text, default="")
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member: Mapped[User] = relationship()

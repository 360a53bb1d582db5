"""Calls for proposals."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, Date, Integer, String, Text, and_
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column

from fund.extensions import UTCDateTime, db, one_of, utcnow
from fund.labels import N_, LabelledEnum
from fund.money import Money


class DecisionRule(LabelledEnum):
    """How the committee's votes in a round decide a proposal of the call."""

    CONSENSUS = "consensus", N_("Consensus (quorum met and no vote to reject)")
    MAJORITY = "majority", N_("Simple majority (more approve than reject)")
    TWO_THIRDS = "two_thirds", N_("Two-thirds of the votes cast to approve or reject")


class CallStage(LabelledEnum):
    """What a call takes: full proposals (one stage), or concept notes first (two stages)."""

    FULL_PROPOSAL = "full_proposal", N_("Full proposals")
    CONCEPT_NOTE_FIRST = (
        "concept_note_first",
        N_("Concept notes first, then full programmes by invitation"),
    )


class Stage(LabelledEnum):
    """A stage of a call: the concept note, or the full proposal (endorsements, screening).
    Its label says when the endorsement letters are due."""

    CONCEPT_NOTE = "concept_note", N_("With the concept note")
    FULL_PROPOSAL = "full_proposal", N_("With the full proposal")


class Call(db.Model):
    """A call for proposals, open between two dates (inclusive, UTC)."""

    __tablename__ = "calls"
    __table_args__ = (
        CheckConstraint("closes_on >= opens_on", name="window_order"),
        CheckConstraint("envelope >= 0", name="envelope_positive"),
        CheckConstraint("min_budget >= 0 AND max_budget >= min_budget", name="budget_limits"),
        CheckConstraint(
            "min_duration_months >= 1 AND max_duration_months >= min_duration_months",
            name="duration_limits",
        ),
        one_of("decision_rule", DecisionRule),
        CheckConstraint("quorum IS NULL OR quorum >= 1", name="quorum_positive"),
        one_of("stage", CallStage),
        one_of("endorsement_stage", Stage),
        # Endorsements come with the concept note only where there are concept notes.
        CheckConstraint(
            "stage = 'concept_note_first' OR endorsement_stage = 'full_proposal'",
            name="endorsement_stage_exists",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)
    envelope: Mapped[Decimal] = mapped_column(Money)
    min_budget: Mapped[Decimal] = mapped_column(Money, default=Decimal("500000.00"))
    max_budget: Mapped[Decimal] = mapped_column(Money, default=Decimal("3000000.00"))
    min_duration_months: Mapped[int] = mapped_column(Integer, default=12)
    max_duration_months: Mapped[int] = mapped_column(Integer, default=36)
    decision_rule: Mapped[str] = mapped_column(String(20), default=DecisionRule.CONSENSUS.value)
    # Votes needed for a valid decision; None means a majority of the members entitled to vote.
    quorum: Mapped[int | None] = mapped_column(Integer, default=None)
    # Two-stage calls take concept notes; their applicants are invited to full proposals later.
    stage: Mapped[str] = mapped_column(
        String(20), default=CallStage.FULL_PROPOSAL.value, server_default="full_proposal"
    )
    # When the governments' endorsement letters are due.
    endorsement_stage: Mapped[str] = mapped_column(
        String(20), default=Stage.FULL_PROPOSAL.value, server_default="full_proposal"
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def takes_concept_notes(self) -> bool:
        return self.stage == CallStage.CONCEPT_NOTE_FIRST

    @property
    def stage_label(self) -> str:
        return CallStage(self.stage).label

    @property
    def endorsement_stage_label(self) -> str:
        return Stage(self.endorsement_stage).label

    @hybrid_method
    def is_open(self, today: date) -> bool:
        """Whether the call takes proposals on `today` (its window, both days included); in
        SQL the same."""
        return self.opens_on <= today <= self.closes_on

    @is_open.expression
    def is_open(cls, today: date) -> Any:
        return and_(cls.opens_on <= today, cls.closes_on >= today)

    def quorum_for(self, entitled: int) -> int:
        """Votes needed for quorum when `entitled` members may vote."""
        if self.quorum is not None:
            return self.quorum
        return entitled // 2 + 1

    def __repr__(self) -> str:
        return f"<Call {self.id} {self.title!r}>"

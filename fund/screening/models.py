"""Screening criteria (per call, editable) and the recorded checks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fund.accounts.models import User
from fund.calls.models import Stage
from fund.extensions import UTCDateTime, db, one_of
from fund.labels import N_, LabelledEnum
from fund.proposals.models import ProposalPart


class CheckResult(LabelledEnum):
    """The secretariat's finding on one screening criterion."""

    PASS = "pass", N_("Pass")
    FAIL = "fail", N_("Fail")
    NOT_APPLICABLE = "not_applicable", N_("Not applicable")


# The findings that let a proposal pass screening: the checklist's verdict and the guard of
# forwarding read them here.
PASSING = frozenset({CheckResult.PASS.value, CheckResult.NOT_APPLICABLE.value})


class ScreeningCriterion(db.Model):
    """One eligibility criterion of a call, for its concept notes or its full proposals (`stage`).
    `automatic` names a check the system can pre-fill."""

    __tablename__ = "screening_criteria"
    __table_args__ = (
        UniqueConstraint("call_id", "code"),
        one_of("stage", Stage),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)
    automatic: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    stage: Mapped[str] = mapped_column(
        String(20), default=Stage.FULL_PROPOSAL.value, server_default="full_proposal"
    )


class ScreeningCheck(ProposalPart, db.Model):
    """The secretariat's finding on one criterion for one submitted version of a proposal."""

    __tablename__ = "screening_checks"
    __table_args__ = (
        UniqueConstraint("proposal_id", "version_number", "criterion_id"),
        one_of("result", CheckResult),
    )

    version_number: Mapped[int] = mapped_column(Integer)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("screening_criteria.id"))
    result: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime)

    criterion: Mapped[ScreeningCriterion] = relationship()
    checked_by: Mapped[User | None] = relationship()

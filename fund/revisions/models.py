"""A revision of a funded programme: what its staff ask to change (a new end date, new budget
lines, a revised summary of its scope, a new set of participating organizations), why, who
decides it (the routing and its reasons, written at submission) and where it stands in the
revision workflow (`workflows/revision.py`).

One revision per programme is open at a time (a partial unique index). Once approved, the
revision names the programme's version it made (`version_number`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fund.accounts.models import Organization, User
from fund.extensions import UTCDateTime, db, one_of, unique_where, utcnow
from fund.labels import N_, LabelledEnum
from fund.proposals.models import BudgetLineColumns
from workflows.revision import (
    REVISION_EDITABLE_STATES,
    REVISION_OPEN_STATES,
    REVISION_SUBMITTED,
    REVISION_WORKFLOW,
)


class Approver(LabelledEnum):
    """Who decides a revision: the secretariat, or the committee it is forwarded to."""

    SECRETARIAT = "secretariat", N_("The secretariat")
    COMMITTEE = "committee", N_("The committee")


_OPEN_SQL = ", ".join(f"'{state}'" for state in sorted(REVISION_OPEN_STATES))

revision_participants = Table(
    "revision_participants",
    db.metadata,
    Column("revision_id", ForeignKey("revisions.id", ondelete="CASCADE"), primary_key=True),
    Column("organization_id", ForeignKey("organizations.id"), primary_key=True),
)


class Revision(db.Model):
    """One revision requested for a funded programme (numbered 1, 2, ... per programme)."""

    __tablename__ = "revisions"
    __table_args__ = (
        UniqueConstraint("proposal_id", "number"),
        one_of("status", REVISION_WORKFLOW.states),
        one_of("approver", Approver, nullable=True),
        CheckConstraint("number > 0", name="number_positive"),
        CheckConstraint(
            "new_duration_months IS NULL OR new_duration_months >= 1", name="duration_positive"
        ),
        CheckConstraint(
            "(new_end_date IS NULL) = (new_duration_months IS NULL)", name="end_date_and_duration"
        ),
        unique_where(
            "uq_revisions_one_open_per_proposal", "proposal_id", f"status IN ({_OPEN_SQL})"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default=REVISION_WORKFLOW.initial)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    justification: Mapped[str] = mapped_column(Text, default="")
    # A no-cost extension: the new end date, and the duration in months it gives the programme
    # (the programme runs in whole months from its start).
    new_end_date: Mapped[date | None] = mapped_column(Date)
    new_duration_months: Mapped[int | None] = mapped_column(Integer)
    # A budget reallocation: the budget lines below replace the programme's.
    changes_budget: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # A scope change: the programme's summary as revised (None: unchanged).
    new_summary: Mapped[str | None] = mapped_column(Text)
    # A change of participating organizations: the organizations below replace them.
    changes_participants: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # Written at submission by the routing rules (fund/revisions/rules.py).
    approver: Mapped[str | None] = mapped_column(String(20))
    reasons: Mapped[list[str] | None] = mapped_column(JSON)
    # The same reasons as sentences (`fund.i18n.kept`), for the pages to say them in their
    # reader's language; None for a revision submitted before they were kept.
    reasons_kept: Mapped[list[Any] | None] = mapped_column(JSON)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    comment: Mapped[str] = mapped_column(Text, default="")  # the last decision's comment
    # The programme's version the approved revision made.
    version_number: Mapped[int | None] = mapped_column(Integer)
    # What applying it did besides the version (the schedule moved, the allocation unchanged).
    applied: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    organization: Mapped[Organization] = relationship(foreign_keys=[organization_id])
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    budget_lines: Mapped[list[RevisionBudgetLine]] = relationship(
        cascade="all, delete-orphan", order_by="RevisionBudgetLine.position"
    )
    participants: Mapped[list[Organization]] = relationship(
        secondary=revision_participants, order_by="Organization.acronym"
    )

    @property
    def status_label(self) -> str:
        return REVISION_WORKFLOW.state_label(self.status)

    @property
    def settled_approver(self) -> str | None:
        """Who decides the revision, once it is out of its staff's hands: the routing written
        at its submission; None while it is a draft or returned (edited, it is routed again
        when submitted: the page previews who would decide it as it stands)."""
        return None if self.status in REVISION_EDITABLE_STATES else self.approver

    @hybrid_property
    def awaits_secretariat(self) -> Any:
        """Submitted: the secretariat decides it (a minor revision) or forwards it to the
        committee. The secretariat's Home counts these and the revisions list shows them
        under "To decide"; in SQL, the same condition."""
        return self.status == REVISION_SUBMITTED

    @property
    def kinds(self) -> list[str]:
        """What the revision changes, in words."""
        found = []
        if self.new_end_date is not None:
            found.append(N_("No-cost extension"))
        if self.changes_budget:
            found.append(N_("Budget reallocation"))
        if self.new_summary is not None:
            found.append(N_("Scope change"))
        if self.changes_participants:
            found.append(N_("Change of participating organizations"))
        return found


class RevisionBudgetLine(BudgetLineColumns, db.Model):
    """One budget line as the revision asks it to be (direct costs, categories 1 to 7)."""

    __tablename__ = "revision_budget_lines"

    revision_id: Mapped[int] = mapped_column(
        ForeignKey("revisions.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)

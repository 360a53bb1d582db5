"""The programmes' reports after funding: the schedule (one row per report), and what each
report holds: a narrative report's actual per indicator, narrative per outcome and risks; a
financial report's expenditure per participating organization and UNSDG budget category; a
narrative report's attachments (its evidence: PDF, DOCX or XLSX files, judged by their content as
a proposal's are, with their SHA-256).

What an organization has spent, summed over the programme's financial reports, never exceeds
what was transferred to it (its allocation share's `disbursed`): `fund.reporting.operations`
checks it under the share's row lock, and the migration's triggers (SQLite and PostgreSQL) make
the database refuse any row that would go beyond it.
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
    Numeric,
    String,
    Text,
    UniqueConstraint,
    and_,
)
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fund.accounts.models import Organization, User
from fund.extensions import UTCDateTime, db, not_negative, one_of
from fund.finance.models import share_key
from fund.labels import N_, LabelledEnum
from fund.money import Money
from fund.proposals.models import StoredFile
from workflows.report import REPORT_EDITABLE_STATES, REPORT_WORKFLOW

VALUE = Numeric(16, 4)


class ReportKind(LabelledEnum):
    """The kind of a report a programme owes: annual or final, narrative or financial."""

    ANNUAL_NARRATIVE = "annual_narrative", N_("Annual narrative report")
    ANNUAL_FINANCIAL = "annual_financial", N_("Annual financial report")
    FINAL_NARRATIVE = "final_narrative", N_("Final narrative report")
    FINAL_FINANCIAL = "final_financial", N_("Final financial report")


NARRATIVE_KINDS = frozenset({ReportKind.ANNUAL_NARRATIVE.value, ReportKind.FINAL_NARRATIVE.value})
FINANCIAL_KINDS = frozenset({ReportKind.ANNUAL_FINANCIAL.value, ReportKind.FINAL_FINANCIAL.value})


def is_overdue(status: str, due_on: date, today: date) -> bool:
    """Whether a report is overdue on `today`: the programme still owes it (due, or returned
    for changes) after its due date. Never stored; `ProgrammeReport.overdue` says it of a
    report, in Python and in SQL, and every page, count and notice of an overdue report reads
    it."""
    return status in REPORT_EDITABLE_STATES and due_on < today


def due_after_period(due_on: date, period_end: date) -> bool:
    """A report is due once its period has ended (on its last day at the earliest): the rule
    a due date the secretariat moves keeps (`fund.reporting.operations.set_due_date`), and a
    moved date kept when the reports are planned again (`fund.reporting.replan`)."""
    return due_on >= period_end


class ProgrammeReport(db.Model):
    """One report a funded programme owes: its kind, the period it covers (`year`: the
    calendar year whose actuals and expenditure it reports), its due date and where it stands
    in the report workflow (`workflows/report.py`)."""

    __tablename__ = "programme_reports"
    __table_args__ = (
        UniqueConstraint("proposal_id", "kind", "period_start"),
        one_of("kind", ReportKind),
        one_of("status", REPORT_WORKFLOW.states),
        CheckConstraint("period_end >= period_start", name="period_ordered"),
        CheckConstraint("year BETWEEN 1990 AND 2100", name="year_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    year: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), default=REPORT_WORKFLOW.initial)
    risks: Mapped[str] = mapped_column(Text, default="")
    comment: Mapped[str] = mapped_column(Text, default="")  # the secretariat's last decision
    saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    actuals: Mapped[list[ReportActual]] = relationship(
        cascade="all, delete-orphan", order_by="ReportActual.indicator_id"
    )
    narratives: Mapped[list[ReportNarrative]] = relationship(
        cascade="all, delete-orphan", order_by="ReportNarrative.outcome_id"
    )
    expenditures: Mapped[list[ReportExpenditure]] = relationship(
        cascade="all, delete-orphan",
        order_by="(ReportExpenditure.organization_id, ReportExpenditure.category_code)",
    )
    attachments: Mapped[list[ReportAttachment]] = relationship(
        cascade="all, delete-orphan", order_by="ReportAttachment.id"
    )

    @property
    def is_narrative(self) -> bool:
        return self.kind in NARRATIVE_KINDS

    @property
    def is_financial(self) -> bool:
        return self.kind in FINANCIAL_KINDS

    @property
    def kind_label(self) -> str:
        return ReportKind(self.kind).label

    @property
    def period(self) -> str:
        return f"{self.period_start.isoformat()}/{self.period_end.isoformat()}"

    @hybrid_method
    def overdue(self, today: date) -> bool:
        return is_overdue(self.status, self.due_on, today)

    @overdue.expression
    def overdue(cls, today: date) -> Any:
        return and_(cls.status.in_(sorted(REPORT_EDITABLE_STATES)), cls.due_on < today)


def _key_deleted_with(target: str) -> Mapped[int]:
    """A column of the row's primary key naming the row (`target`, "table.column") it belongs
    to and is deleted with."""
    return mapped_column(ForeignKey(target, ondelete="CASCADE"), primary_key=True)


class ReportActual(db.Model):
    """A narrative report's actual value of one indicator of the programme for its year."""

    __tablename__ = "report_actuals"

    report_id: Mapped[int] = _key_deleted_with("programme_reports.id")
    indicator_id: Mapped[int] = _key_deleted_with("result_indicators.id")
    value: Mapped[Decimal] = mapped_column(VALUE)


class ReportNarrative(db.Model):
    """A narrative report's account of progress towards one outcome of the programme."""

    __tablename__ = "report_narratives"
    __table_args__ = (CheckConstraint("length(text) > 0", name="text_given"),)

    report_id: Mapped[int] = _key_deleted_with("programme_reports.id")
    outcome_id: Mapped[int] = _key_deleted_with("result_outcomes.id")
    text: Mapped[str] = mapped_column(Text)


class ReportExpenditure(db.Model):
    """What one participating organization spent in one UNSDG category in the report's period.

    `allocation_id` with `organization_id` names the organization's allocation share, whose
    `disbursed` bounds the organization's expenditure summed over the programme's reports."""

    __tablename__ = "report_expenditures"
    __table_args__ = (
        share_key("report_expenditures"),
        not_negative("amount"),
    )

    report_id: Mapped[int] = _key_deleted_with("programme_reports.id")
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), primary_key=True)
    category_code: Mapped[int] = mapped_column(
        ForeignKey("budget_categories.code"), primary_key=True
    )
    allocation_id: Mapped[int] = mapped_column(Integer, index=True)
    amount: Mapped[Decimal] = mapped_column(Money)

    organization: Mapped[Organization] = relationship()


class ReportAttachment(StoredFile, db.Model):
    """A file attached to a narrative report as evidence; its bytes live in the database with
    their SHA-256, as a proposal's attachments do."""

    __tablename__ = "report_attachments"
    __table_args__ = (CheckConstraint("size > 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("programme_reports.id", ondelete="CASCADE"), index=True
    )

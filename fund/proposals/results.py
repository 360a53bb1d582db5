"""A programme's results framework: outcomes -> outputs -> indicators, each indicator with its
baseline, yearly targets and end target; and the actuals reported against them.

Part of the full proposal (and, in outline, of a concept note): saved, versioned and deleted
with it. Each outcome maps to a fund-level outcome (`fund.reference.results.FundOutcome`), to
GCM objectives and to SDG targets."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ColumnElement,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    and_,
    exists,
    false,
    or_,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from fund.accounts.models import Organization
from fund.extensions import UTCDateTime, db, one_of, utcnow
from fund.labels import N_, LabelledEnum
from fund.money import read_decimal
from fund.proposals.models import ProposalPart
from fund.reference.models import GcmObjective
from fund.reference.results import (
    FundOutcome,
    MgiAssessment,
    MgiIndicator,
    MgiScoreValue,
    SdgTarget,
)
from fund.sentences import Sentence

# An indicator's values (baseline, targets, actuals): numbers in the indicator's own unit, of
# at most twelve digits before the point and four after.
VALUE = Numeric(16, 4)
VALUE_PLACES, VALUE_LIMIT = Decimal("0.0001"), Decimal("1e12")


VALUE_DIGITS, VALUE_DECIMALS = 12, 4  # before the point, after it

# The unit of an indicator scored as the Migration Governance Indicators score a country: one
# of its scores (`MgiScoreValue`) by its rank, 0 absent, 1 partial, 2 complete.
MGI_SCORE_UNIT = "mgi score"


def is_mgi_score(unit: str | None) -> bool:
    """The indicator's unit is the MGI score (as typed, whatever its case and spaces)."""
    return " ".join((unit or "").split()).casefold() == MGI_SCORE_UNIT


def allowed_by_unit(unit: str | None, value: Decimal) -> bool:
    """`value` is one the unit allows: an MGI score is a whole number from 0 to the highest
    score's rank (2, complete); any other unit takes any value."""
    if is_mgi_score(unit):
        return value == value.to_integral_value() and 0 <= value < len(MgiScoreValue)
    return True


def unit_refusal(unit: str | None, value: Decimal, typed: str) -> Sentence | None:
    """Why `value`, typed as `typed`, is not one the indicator's unit allows (`allowed_by_unit`);
    None when it is: a baseline, a target and a reported value alike."""
    if allowed_by_unit(unit, value):
        return None
    return Sentence(
        N_("“%(typed)s” is not an MGI score: enter 0 (absent), 1 (partial) or 2 (complete)."),
        typed=typed,
    )


def typed_value(text: str) -> Decimal:
    """An indicator's value (a baseline, a target, an actual) typed on a page, with its sign,
    as the page's language writes decimals ("12,5" in French) or in the plain form: read by
    `fund.money.read_decimal`, which raises `NumberError` for what is not a number. Its
    decimals are as typed: the caller refuses more than four (`VALUE_PLACES`) and a value of
    more than twelve digits before the point (`VALUE_LIMIT`)."""
    return read_decimal(text)


result_outcome_objectives = Table(
    "result_outcome_objectives",
    db.metadata,
    Column("outcome_id", ForeignKey("result_outcomes.id", ondelete="CASCADE"), primary_key=True),
    Column("objective_number", ForeignKey("gcm_objectives.number"), primary_key=True),
)
result_outcome_sdg_targets = Table(
    "result_outcome_sdg_targets",
    db.metadata,
    Column("outcome_id", ForeignKey("result_outcomes.id", ondelete="CASCADE"), primary_key=True),
    Column("sdg_code", ForeignKey("sdg_targets.code"), primary_key=True),
)


class ResultOutcome(ProposalPart, db.Model):
    """An outcome of a programme (the change it seeks), in the proposal's order."""

    __tablename__ = "result_outcomes"

    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(Text)
    fund_outcome_id: Mapped[int | None] = mapped_column(ForeignKey("fund_outcomes.id"))

    fund_outcome: Mapped[FundOutcome | None] = relationship()
    objectives: Mapped[list[GcmObjective]] = relationship(
        secondary=result_outcome_objectives, order_by="GcmObjective.number"
    )
    sdg_targets: Mapped[list[SdgTarget]] = relationship(
        secondary=result_outcome_sdg_targets, order_by="SdgTarget.position"
    )
    outputs: Mapped[list[ResultOutput]] = relationship(
        cascade="all, delete-orphan", order_by="ResultOutput.position"
    )
    indicators: Mapped[list[ResultIndicator]] = relationship(
        cascade="all, delete-orphan", order_by="ResultIndicator.position"
    )


class ResultOutput(db.Model):
    """An output of an outcome (what the programme delivers)."""

    __tablename__ = "result_outputs"

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(
        ForeignKey("result_outcomes.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(Text)


class BaselineSource(LabelledEnum):
    """Where the baseline value of a programme's indicator comes from."""

    MGI = "mgi", N_("Migration Governance Indicator (MGI) of the country")
    NATIONAL_STATISTIC = "national_statistic", N_("National statistic")
    PROGRAMME_SURVEY = "programme_survey", N_("Programme survey")
    OTHER = "other", N_("Other")


class ResultIndicator(db.Model):
    """An indicator of an outcome, or of one of its outputs (`output_id`).

    Its baseline has a value, a year and a source (an MGI indicator of one of the programme's
    countries in one assessment, a national statistic, a programme survey, other, with a link).
    Its yearly targets are `IndicatorTarget` rows; `end_target` is the value sought at the end.
    """

    __tablename__ = "result_indicators"
    __table_args__ = (
        one_of("baseline_source", BaselineSource, nullable=True),
        CheckConstraint(
            "baseline_year IS NULL OR baseline_year BETWEEN 1990 AND 2100",
            name="baseline_year_range",
        ),
        CheckConstraint(
            "(baseline_source = 'mgi') OR (mgi_indicator_id IS NULL AND mgi_assessment_id IS NULL)",
            name="mgi_reference_of_mgi_source",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(
        ForeignKey("result_outcomes.id", ondelete="CASCADE"), index=True
    )
    output_id: Mapped[int | None] = mapped_column(
        ForeignKey("result_outputs.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    definition: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(60), default="")
    baseline_value: Mapped[Decimal | None] = mapped_column(VALUE)
    baseline_year: Mapped[int | None] = mapped_column(Integer)
    baseline_source: Mapped[str | None] = mapped_column(String(20))
    baseline_link: Mapped[str] = mapped_column(String(500), default="")
    mgi_indicator_id: Mapped[int | None] = mapped_column(ForeignKey("mgi_indicators.id"))
    mgi_assessment_id: Mapped[int | None] = mapped_column(ForeignKey("mgi_assessments.id"))
    end_target: Mapped[Decimal | None] = mapped_column(VALUE)
    by_sex: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    by_age: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    by_migration_status: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    means_of_verification: Mapped[str] = mapped_column(Text, default="")
    responsible_organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))

    output: Mapped[ResultOutput | None] = relationship()
    mgi_indicator: Mapped[MgiIndicator | None] = relationship()
    mgi_assessment: Mapped[MgiAssessment | None] = relationship()
    responsible_organization: Mapped[Organization | None] = relationship()
    targets: Mapped[list[IndicatorTarget]] = relationship(
        cascade="all, delete-orphan", order_by="IndicatorTarget.year"
    )
    actuals: Mapped[list[IndicatorActual]] = relationship(
        cascade="all, delete-orphan", order_by="IndicatorActual.year"
    )

    @hybrid_property
    def has_baseline(self) -> bool:
        """A baseline value and its year are both given (in Python as in SQL)."""
        return self.baseline_value is not None and self.baseline_year is not None

    @has_baseline.inplace.expression
    @classmethod
    def _has_baseline_expression(cls) -> ColumnElement[bool]:
        return and_(cls.baseline_value.is_not(None), cls.baseline_year.is_not(None))

    @hybrid_property
    def has_target(self) -> bool:
        """An end target or a target for any year is given (in Python as in SQL)."""
        return self.end_target is not None or bool(self.targets)

    @has_target.inplace.expression
    @classmethod
    def _has_target_expression(cls) -> ColumnElement[bool]:
        return or_(
            cls.end_target.is_not(None),
            exists().where(IndicatorTarget.indicator_id == cls.id),
        )


class IndicatorYear:
    """An indicator's value for one calendar year of the programme (a target or an actual):
    one row per indicator and year, deleted with the indicator."""

    @declared_attr.directive
    def __table_args__(cls) -> tuple[CheckConstraint, ...]:
        return (CheckConstraint("year BETWEEN 1990 AND 2100", name="year_range"),)

    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("result_indicators.id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    value: Mapped[Decimal] = mapped_column(VALUE)


class IndicatorTarget(IndicatorYear, db.Model):
    """An indicator's target for one year of the programme (calendar year)."""

    __tablename__ = "indicator_targets"


class IndicatorActual(IndicatorYear, db.Model):
    """What was achieved on an indicator in one year, as accepted by the secretariat from a
    progress report (the reports write these rows; results coverage reads them)."""

    __tablename__ = "indicator_actuals"

    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

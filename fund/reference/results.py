"""Reference data for results: the SDG targets the fund uses, the six policy domains of the
Migration Governance Indicators (MGI), the fund's own results framework (fund-level outcomes and
their indicators) and the MGI indicators and country assessments the secretariat enters."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fund.extensions import db, one_of
from fund.labels import N_, LabelledEnum
from fund.reference.models import Country, GcmObjective, ListedTitle, ThematicArea


class SdgTarget(db.Model):
    """A migration-related Sustainable Development Goal target or indicator (seeded facts:
    seed/reference/sdg_targets.csv), e.g. target 10.7 or indicator 10.7.2."""

    __tablename__ = "sdg_targets"
    __table_args__ = (one_of("level", ("target", "indicator")),)

    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    level: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def label(self) -> str:
        return f"{self.code} {self.title}"


class MigofDomain(ListedTitle, db.Model):
    """One of the six policy domains of the Migration Governance Indicators (seeded facts)."""

    __tablename__ = "migof_domains"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)


class FundOutcome(db.Model):
    """An outcome of the fund's own results framework (editable by the secretariat; seeded with
    one outcome per thematic area as a default). Each programme outcome maps to one."""

    __tablename__ = "fund_outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    title: Mapped[str] = mapped_column(Text)
    thematic_area_code: Mapped[str | None] = mapped_column(ForeignKey("thematic_areas.code"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    thematic_area: Mapped[ThematicArea | None] = relationship()
    indicators: Mapped[list[FundIndicator]] = relationship(
        cascade="all, delete-orphan", order_by="FundIndicator.position"
    )

    @property
    def label(self) -> str:
        return f"{self.code} {self.title}"


class FundIndicator(db.Model):
    """An indicator of a fund-level outcome."""

    __tablename__ = "fund_indicators"

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_outcome_id: Mapped[int] = mapped_column(
        ForeignKey("fund_outcomes.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(60), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


mgi_indicator_objectives = Table(
    "mgi_indicator_objectives",
    db.metadata,
    Column(
        "mgi_indicator_id", ForeignKey("mgi_indicators.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("objective_number", ForeignKey("gcm_objectives.number"), primary_key=True),
)


class MgiIndicator(db.Model):
    """A Migration Governance Indicator, entered by the secretariat (the full list is not
    shipped): its code, text, policy domain and the GCM objectives it speaks to."""

    __tablename__ = "mgi_indicators"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    text: Mapped[str] = mapped_column(Text)
    domain_code: Mapped[str] = mapped_column(ForeignKey("migof_domains.code"))

    domain: Mapped[MigofDomain] = relationship()
    objectives: Mapped[list[GcmObjective]] = relationship(
        secondary=mgi_indicator_objectives, order_by="GcmObjective.number"
    )

    @property
    def label(self) -> str:
        return f"{self.code} {self.text}"


# The years an MGI assessment may be of: the table's CHECK, the operation and the form.
ASSESSMENT_YEARS = (2000, 2100)
ASSESSMENT_YEAR_MESSAGE = N_("Give the year of the assessment, from %(min)s to %(max)s.")


class MgiAssessment(db.Model):
    """A country's MGI assessment: its year and where it is published."""

    __tablename__ = "mgi_assessments"
    __table_args__ = (
        UniqueConstraint("country_iso2", "year"),
        CheckConstraint(
            f"year BETWEEN {ASSESSMENT_YEARS[0]} AND {ASSESSMENT_YEARS[1]}", name="year_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    country_iso2: Mapped[str] = mapped_column(ForeignKey("countries.iso2"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    link: Mapped[str] = mapped_column(String(500), default="")

    country: Mapped[Country] = relationship()
    scores: Mapped[list[MgiScore]] = relationship(cascade="all, delete-orphan")


class MgiScoreValue(LabelledEnum):
    """How far one MGI indicator is in place in a country's assessment."""

    ABSENT = "absent", N_("Absent")
    PARTIAL = "partial", N_("Partially in place")
    COMPLETE = "complete", N_("Complete")


class MgiScore(db.Model):
    """How one MGI indicator was scored in one country's assessment; absent or partial is a gap."""

    __tablename__ = "mgi_scores"
    __table_args__ = (one_of("score", MgiScoreValue),)

    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("mgi_assessments.id", ondelete="CASCADE"), primary_key=True
    )
    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("mgi_indicators.id", ondelete="CASCADE"), primary_key=True
    )
    score: Mapped[str] = mapped_column(String(10))

    indicator: Mapped[MgiIndicator] = relationship()

    @property
    def is_gap(self) -> bool:
        return self.score != MgiScoreValue.COMPLETE

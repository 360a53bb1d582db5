"""The fund's reference data: facts loaded from seed/, editable where the fund decides."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fund.extensions import db
from fund.labels import N_

# The UN M49 code of the world: where a programme without countries counts, and its label.
GLOBAL_REGION = "001"
GLOBAL_LABEL = N_("Global (no country)")

objective_thematic_area = Table(
    "objective_thematic_areas",
    db.metadata,
    Column("objective_number", ForeignKey("gcm_objectives.number"), primary_key=True),
    Column("thematic_area_code", ForeignKey("thematic_areas.code"), primary_key=True),
)


class GcmObjective(db.Model):
    """One of the 23 objectives of the Global Compact for Migration."""

    __tablename__ = "gcm_objectives"
    __table_args__ = (CheckConstraint("number BETWEEN 1 AND 23", name="number_range"),)

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    short_label: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(Text)

    thematic_areas: Mapped[list[ThematicArea]] = relationship(
        secondary=objective_thematic_area, back_populates="objectives", order_by="ThematicArea.code"
    )

    def __repr__(self) -> str:
        return f"<GcmObjective {self.number}>"


class ThematicArea(db.Model):
    """A cluster of objectives that donors can support (an objective may sit in several)."""

    __tablename__ = "thematic_areas"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    title: Mapped[str] = mapped_column(Text)

    objectives: Mapped[list[GcmObjective]] = relationship(
        secondary=objective_thematic_area,
        back_populates="thematic_areas",
        order_by="GcmObjective.number",
    )


class ListedTitle:
    """A row of a short seeded list (a guiding principle, an MGI policy domain): its title and
    its place in the list."""

    title: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)


class GuidingPrinciple(ListedTitle, db.Model):
    __tablename__ = "guiding_principles"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)


class BudgetCategory(db.Model):
    """UNSDG harmonized budget category; category 8 (indirect support costs) is computed only."""

    __tablename__ = "budget_categories"
    __table_args__ = (CheckConstraint("code BETWEEN 1 AND 8", name="code_range"),)

    code: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    title: Mapped[str] = mapped_column(Text)
    computed: Mapped[bool] = mapped_column(Boolean, default=False)


class Country(db.Model):
    """A UN member state with its UN M49 region and sub-region."""

    __tablename__ = "countries"

    iso2: Mapped[str] = mapped_column(String(2), primary_key=True)
    iso3: Mapped[str] = mapped_column(String(3), unique=True)
    m49: Mapped[str] = mapped_column(String(3), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    region_m49: Mapped[str] = mapped_column(String(3), index=True)
    region: Mapped[str] = mapped_column(String(40))
    subregion_m49: Mapped[str] = mapped_column(String(3))
    subregion: Mapped[str] = mapped_column(String(60))
    un_member: Mapped[bool] = mapped_column(Boolean, default=True)

    def __repr__(self) -> str:
        return f"<Country {self.iso2}>"

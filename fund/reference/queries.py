"""Read models for the public reference pages."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import String, cast, literal, select, union_all
from sqlalchemy.orm import selectinload

from fund.extensions import db
from fund.reference.models import (
    BudgetCategory,
    Country,
    GcmObjective,
    GuidingPrinciple,
    ThematicArea,
)


def thematic_areas_with_objectives() -> list[ThematicArea]:
    """Every thematic area with its objectives, in two queries."""
    query = (
        select(ThematicArea)
        .options(selectinload(ThematicArea.objectives))
        .order_by(ThematicArea.code)
    )
    return list(db.session.scalars(query))


def objectives_without_area() -> list[GcmObjective]:
    query = (
        select(GcmObjective).where(~GcmObjective.thematic_areas.any()).order_by(GcmObjective.number)
    )
    return list(db.session.scalars(query))


def guiding_principles() -> list[GuidingPrinciple]:
    return list(db.session.scalars(select(GuidingPrinciple).order_by(GuidingPrinciple.position)))


def objective_labels() -> dict[int, str]:
    """Objective number -> short label."""
    return {o.number: o.short_label for o in db.session.scalars(select(GcmObjective))}


def category_titles() -> dict[int, str]:
    """UNSDG budget category code -> title."""
    return {c.code: c.title for c in db.session.scalars(select(BudgetCategory))}


@dataclass(frozen=True)
class Labels:
    """The names the pages give to codes: thematic areas by code, budget categories and
    objectives by number."""

    areas: dict[str, str]
    categories: dict[int, str]
    objectives: dict[int, str]


def labels() -> Labels:
    """The three reference tables' names in one statement (a page naming pools, categories and
    objectives sends one, whatever it names)."""
    rows = db.session.execute(
        union_all(
            select(literal("a"), ThematicArea.code, ThematicArea.title),
            select(literal("c"), cast(BudgetCategory.code, String), BudgetCategory.title),
            select(literal("o"), cast(GcmObjective.number, String), GcmObjective.short_label),
        )
    ).all()
    found: dict[str, dict] = {"a": {}, "c": {}, "o": {}}
    for table, code, title in rows:
        found[table][code if table == "a" else int(code)] = title
    return Labels(areas=found["a"], categories=found["c"], objectives=found["o"])


def thematic_area_codes() -> list[str]:
    """Every thematic area's code, in order (TA1, TA2, ...)."""
    return list(db.session.scalars(select(ThematicArea.code).order_by(ThematicArea.code)))


def country_codes() -> set[str]:
    """Every country's ISO 3166-1 alpha-2 code (upper case)."""
    return set(db.session.scalars(select(Country.iso2)))

"""Read models for the public reference pages."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from fund.extensions import db
from fund.reference.models import BudgetCategory, GcmObjective, GuidingPrinciple, ThematicArea


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

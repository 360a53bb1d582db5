"""Public pages: the 23 objectives by thematic area, and the guiding principles."""

from __future__ import annotations

from flask import Blueprint, render_template

from fund.access import public
from fund.reference import queries

bp = Blueprint("reference", __name__)


@bp.route("/objectives")
@public
def objectives():
    return render_template(
        "reference/objectives.html",
        areas=queries.thematic_areas_with_objectives(),
        unassigned=queries.objectives_without_area(),
    )


@bp.route("/principles")
@public
def principles():
    return render_template("reference/principles.html", principles=queries.guiding_principles())

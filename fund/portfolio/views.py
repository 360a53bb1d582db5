"""The public portfolio's pages, open to everyone: the programmes (a list with filters and a
page each), the map of where the funded money goes, and the contributions.

Every page reads kept figures (`fund.portfolio.figures`): two statements for the key of the
records, and a build only when they changed. Filters are read from the query string: a value
the page cannot use answers 400 with what is accepted (`fund.query_args.BadQueryValue`).
"""

from __future__ import annotations

import string

from flask import Blueprint, abort, current_app, render_template
from flask_babel import lazy_gettext as _l

from fund.access import public
from fund.extensions import db
from fund.labels import N_
from fund.pagination import PER_PAGE, paging
from fund.portfolio import figures
from fund.portfolio.figures import Portfolio
from fund.portfolio.queries import ProgrammeFilters, PublicStatus
from fund.portfolio.world_map import world_map
from fund.proposals.models import Scope
from fund.query_args import BadQueryValue, one_value, page_arg, parse_whole_number
from fund.reference.models import Country
from fund.reports.queries import publisher_from_config

bp = Blueprint("portfolio", __name__, url_prefix="/portfolio")

FILTER_NAMES = ("objective", "area", "country", "status")


def read_filters(found: Portfolio, names=FILTER_NAMES) -> ProgrammeFilters:
    """The filters of the query string; BadQueryValue for a value that is none of the choices
    or for a filter given twice."""
    text = {name: one_value(name) for name in names}
    objective = None
    if text.get("objective"):
        try:
            objective = parse_whole_number(
                text["objective"],
                1,
                len(found.objectives),
                N_("Choose an objective from the list."),
            )
        except ValueError as error:
            raise BadQueryValue("objective", str(error)) from None
    # A code reads in either case (ta4 is TA4, tj is TJ). A country without a programme only
    # finds none (the list offers only the countries of programmes, and adds the one chosen);
    # a code that is no country is refused, as the API refuses it.
    area = (text.get("area") or "").upper() or None
    if area and area not in {a.key.upper() for a in found.areas}:
        raise BadQueryValue("area", N_("Choose a thematic area from the list."))
    country = (text.get("country") or "").upper() or None
    if country and not (
        len(country) == 2
        and set(country) <= set(string.ascii_uppercase)
        and db.session.get(Country, country) is not None
    ):
        raise BadQueryValue(
            "country", N_("Give a country as its two-letter ISO code, or choose one.")
        )
    status = None
    if text.get("status"):
        try:
            status = PublicStatus(text["status"])
        except ValueError:
            raise BadQueryValue("status", N_("Choose a status from the list.")) from None
    return ProgrammeFilters(objective=objective, thematic_area=area, country=country, status=status)


def _filter_args(filters: ProgrammeFilters) -> dict[str, str]:
    """The filters as query-string values, for links that keep them."""
    values = {
        "objective": str(filters.objective) if filters.objective else "",
        "area": filters.thematic_area or "",
        "country": filters.country or "",
        "status": filters.status.value if filters.status else "",
    }
    return {k: v for k, v in values.items() if v}


@bp.route("")
@public
def index():
    found = figures.portfolio()
    filters = read_filters(found)
    chosen = found.chosen(filters)
    page = paging(len(chosen), page_arg(), PER_PAGE)
    return render_template(
        "portfolio/index.html",
        portfolio=found,
        filters=filters,
        filter_args=_filter_args(filters),
        programmes=chosen[page.offset : page.offset + PER_PAGE],
        # A country chosen that no programme works in (read already: no query).
        chosen_country=db.session.get(Country, filters.country) if filters.country else None,
        count=len(chosen),
        page=page,
        statuses=PublicStatus,
    )


@bp.route("/programmes/<int:proposal_id>")
@public
def programme(proposal_id: int):
    detail = figures.programme(proposal_id)
    if detail is None:
        abort(404)
    return render_template(
        "portfolio/programme.html",
        detail=detail,
        programme=detail.programme,
        publisher=publisher_from_config(current_app.config),
    )


@bp.route("/map")
@public
def map_page():
    found = figures.portfolio()
    filters = read_filters(found, ("objective", "area"))
    money = figures.map_figures(found, filters)
    return render_template(
        "portfolio/map.html",
        portfolio=found,
        filters=filters,
        filter_args=_filter_args(filters),
        money=money,
        counted=figures.counted,
        drawn=world_map(money),
    )


@bp.route("/contributions")
@public
def contributions():
    return render_template("portfolio/contributions.html", found=figures.contributions())


@bp.context_processor
def labels() -> dict:
    return {
        "scope_labels": {scope.value: scope.label for scope in Scope},
        "portfolio_tabs": (
            ("portfolio.index", _l("Programmes")),
            ("portfolio.map_page", _l("Map")),
            ("portfolio.contributions", _l("Contributions")),
            ("reports.open_data", _l("Open data")),
        ),
    }

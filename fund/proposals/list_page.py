"""The proposals list: its filters, order and full-text search read from the address, the page
or "export this view" (CSV, XLSX) of the same rows. Who sees which proposals is the list's
query's (`queries.list_proposals`): an export holds exactly what the person may see."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from fund.calls.models import Call
from fund.extensions import db, utcnow
from fund.i18n import current_language
from fund.listing import Export, choice_arg, export_arg, export_response, sort_arg, text_arg
from fund.proposals import queries
from fund.proposals.models import ProposalKind
from fund.query_args import id_arg, page_arg
from fund.reference.translations import countries_named, objective_title
from workflows import PROPOSAL_WORKFLOW

OBJECTIVES = [str(n) for n in range(1, 24)]

# The first columns of an export of proposals (this list, the screening queue): which proposal.
PROPOSAL_HEADER = ("Reference", "Kind", "Title", "Organization", "Call")

EXPORT = Export(
    name="proposals",
    title="Proposals",
    header=(
        *PROPOSAL_HEADER,
        "Status",
        "Submitted (UTC)",
        "Last change (UTC)",
    ),
    cells=lambda p: (
        p.reference,
        p.kind_label,
        p.title,
        p.organization.display_name,
        p.call.title,
        p.status_label,
        p.submitted_at,
        p.updated_at,
    ),
)


def read_filters() -> queries.ProposalFilters:
    """The filters in the query string: a value not offered is no filter; an id no record
    can have answers 400 (fund.query_args)."""
    country = request.args.get("country", "").strip().upper()
    objective = choice_arg("objective", OBJECTIVES)
    return queries.ProposalFilters(
        status=choice_arg("status", queries.STATUS_CHOICES),
        call_id=id_arg("call"),
        q=text_arg("q"),
        kind=choice_arg("kind", ProposalKind.labels()),
        organization_id=id_arg("organization"),
        country=country if len(country) == 2 and country.isascii() and country.isalpha() else "",
        objective=int(objective) if objective else None,
    )


def _in_language(choices: dict[str, list[tuple[object, str]]]) -> dict[str, list]:
    """The filters' choices (kept for every language) with the countries named in the page's
    language and in its alphabetical order, and the objectives by their official titles."""
    language = current_language()
    countries = countries_named(choices["countries"], language)  # type: ignore[arg-type]
    objectives = [
        (number, objective_title(number, language, title))  # type: ignore[arg-type]
        for number, title in choices["objectives"]
    ]
    return {**choices, "countries": countries, "objectives": objectives}


def render():
    filters = read_filters()
    sorting = sort_arg(queries.SORT_COLUMNS, *queries.DEFAULT_SORT)
    if fmt := export_arg():
        rows = queries.export_proposals(current_user, filters, sorting)
        return export_response(fmt, EXPORT, rows)
    result = queries.list_proposals(current_user, filters, page_arg(), sorting=sorting)
    return render_template(
        "proposals/index.html",
        heading=queries.list_heading(current_user),
        result=result,
        filters=filters,
        sorting=sorting,
        view_args={**filters.args(), **sorting.args()},
        calls=db.session.scalars(db.select(Call).order_by(Call.opens_on.desc())).all(),
        choices=_in_language(queries.filter_choices(current_user)),
        workflow=PROPOSAL_WORKFLOW,
        statuses=queries.STATUS_CHOICES,
        kind_labels=ProposalKind.labels(),
        open_calls=queries.open_calls(utcnow().date()),
    )

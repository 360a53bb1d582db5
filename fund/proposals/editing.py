"""Between the proposal form and the draft: choices, filling the form, reading it back."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from wtforms import FieldList

from fund.accounts.models import Organization, OrganizationKind
from fund.extensions import db
from fund.forms import options
from fund.i18n import current_language, labelled
from fund.money import typed_amount
from fund.proposals.budget import MAX_PROGRAMME_YEARS, programme_years
from fund.proposals.forms import DraftForm, ProposalForm
from fund.proposals.models import MARKER_LABELS, Proposal, Scope
from fund.proposals.operations import DraftValues
from fund.reference.models import BudgetCategory, Country, GcmObjective, GuidingPrinciple
from fund.reference.translations import countries_named, objective_numbered, principle_title

EXTRA_BUDGET_ROWS = 3  # blank budget rows added by "Save and add budget rows"
MAX_BLANK_BUDGET_ROWS = 99  # the most blank rows the page offers at once


def set_shared_choices(form: DraftForm) -> tuple[list[Organization], list[GcmObjective]]:
    """Fill the selects a proposal's form and a concept note's share (a fixed number of
    queries); returns the UN entities and the objectives, for the selects of the form's rows."""
    entities = db.session.scalars(
        select(Organization)
        .where(Organization.kind == OrganizationKind.UN_ENTITY, Organization.active)
        .order_by(Organization.acronym)
    ).all()
    countries = db.session.execute(select(Country.iso2, Country.name)).all()
    objectives = db.session.scalars(select(GcmObjective).order_by(GcmObjective.number)).all()
    entity_pairs = [(o.id, labelled(o.acronym, o.name)) for o in entities]
    language = current_language()
    objective_pairs = [
        (o.number, objective_numbered(o.number, language, o.short_label)) for o in objectives
    ]
    country_pairs = countries_named(countries, language)
    form.lead_organization_id.choices = options([(0, _("— choose —")), *entity_pairs])
    form.participants.choices = options(entity_pairs)
    scopes = [(scope, _(label)) for scope, label in Scope.labels().items()]
    form.scope.choices = options([("", _("— choose —")), *scopes])
    form.countries.choices = options(country_pairs)
    form.endorsers.choices = options(country_pairs)
    form.primary_objective_number.choices = options([(0, _("— choose —")), *objective_pairs])
    form.secondary_objectives.choices = options(objective_pairs)
    markers = options([("", _("— choose —"))] + [(str(k), _(v)) for k, v in MARKER_LABELS.items()])
    form.gender_marker.choices = markers
    form.human_rights_marker.choices = list(markers)
    return list(entities), list(objectives)


def set_choices(form: ProposalForm) -> None:
    """Fill every select of the form (a fixed number of queries)."""
    entities, objectives = set_shared_choices(form)
    categories = db.session.scalars(
        select(BudgetCategory).where(~BudgetCategory.computed).order_by(BudgetCategory.code)
    ).all()
    budget_orgs = options([(0, "—"), *[(o.id, o.acronym) for o in entities]])
    budget_objectives = options([(0, "—"), *[(o.number, str(o.number)) for o in objectives]])
    budget_categories = options([(0, "—"), *[(c.code, f"{c.code}. {c.title}") for c in categories]])
    budget_years = year_choices(form)
    for row in form.budget:
        row.organization_id.choices = budget_orgs
        row.objective_number.choices = budget_objectives
        row.category_code.choices = budget_categories
        row.year.choices = budget_years


def year_choices(form: ProposalForm) -> list[Any]:
    """The programme's years (from the duration in the form, no more than the longest
    programme's), and any later year a row holds, marked as after the programme's end."""
    years = min(programme_years(form.duration_months.data), MAX_PROGRAMME_YEARS)
    typed = [
        row.form.year.data
        for row in form.budget
        if isinstance(row.form.year.data, int) and 1 <= row.form.year.data <= MAX_PROGRAMME_YEARS
    ]
    last = max([years, *typed])
    return options(
        (
            year,
            _("Year %(number)s", number=year)
            if year <= years
            else _("Year %(number)s (after the end)", number=year),
        )
        for year in range(1, last + 1)
    )


def principle_titles() -> dict[str, str]:
    """The guiding principles' headings, in the page's language where the fund has them."""
    rows = db.session.scalars(select(GuidingPrinciple).order_by(GuidingPrinciple.position))
    language = current_language()
    return {p.code: principle_title(p.code, language, p.title) for p in rows}


def ensure_principle_rows(form: DraftForm, titles: dict[str, str]) -> None:
    """One row per guiding principle, in the fund's order."""
    present = {row.form.code.data for row in form.principles}
    for code in titles:
        if code not in present:
            form.principles.append_entry({"code": code})


def refill(rows: FieldList, stored: list[dict[str, Any]], blank: int) -> None:
    """Replace the rows of a table in a form by the stored ones, then `blank` empty rows."""
    while len(rows):
        rows.pop_entry()
    for data in stored:
        rows.append_entry(data)
    for _row in range(blank):
        rows.append_entry()


def fill_shared(form: DraftForm, proposal: Proposal) -> None:
    """Show the parts a proposal and a concept note share (each has a summary and a
    rationale) in a fresh form, with a row per guiding principle."""
    form.version.data = str(proposal.version)
    form.title.data = proposal.title
    form.content_language.data = proposal.content_language
    form.summary.data = proposal.summary
    form.rationale.data = proposal.rationale
    form.lead_organization_id.data = proposal.lead_organization_id or 0
    form.participants.data = [o.id for o in proposal.participants]
    form.scope.data = proposal.scope or ""
    form.countries.data = [c.iso2 for c in proposal.countries]
    form.endorsers.data = [c.iso2 for c in proposal.endorsers]
    form.duration_months.data = proposal.duration_months
    form.primary_objective_number.data = proposal.primary_objective_number or 0
    form.secondary_objectives.data = [o.number for o in proposal.secondary_objectives]
    for marker in ("gender_marker", "human_rights_marker"):
        value = getattr(proposal, marker)
        form[marker].data = "" if value is None else str(value)
    explanations = {p.principle_code: p.explanation for p in proposal.principles}
    for code in principle_titles():
        form.principles.append_entry(
            {
                "code": code,
                "addressed": code in explanations,
                "explanation": explanations.get(code, ""),
            }
        )


def fill_form(form: ProposalForm, proposal: Proposal, blank_rows: int | None = None) -> None:
    """Show the stored draft in a fresh form, with `blank_rows` empty budget rows below its
    lines (at least EXTRA_BUDGET_ROWS, and at least five rows in all)."""
    fill_shared(form, proposal)
    form.planned_start.data = proposal.planned_start
    refill(
        form.contacts,
        [{"name": c.name, "email": c.email, "function": c.function} for c in proposal.contacts],
        max(1, 3 - len(proposal.contacts)),
    )
    refill(
        form.budget,
        [
            {
                "organization_id": line.organization_id,
                "objective_number": line.objective_number,
                "category_code": line.category_code,
                "year": line.year,
                "amount": typed_amount(line.amount),
                "description": line.description,
            }
            for line in proposal.budget_lines
        ],
        0,
    )
    wanted = min(blank_rows or 0, MAX_BLANK_BUDGET_ROWS)
    add_budget_rows(form, max(EXTRA_BUDGET_ROWS, 5 - len(form.budget), wanted))


def blank_budget_rows(form: ProposalForm) -> int:
    return sum(1 for row in form.budget if row.form.is_blank())


def add_budget_rows(form: ProposalForm, count: int = EXTRA_BUDGET_ROWS) -> None:
    """Append `count` blank budget rows; once the choices are set, the new rows get the same."""
    first = form.budget.entries[0].form if form.budget.entries else None
    for _row in range(count):
        row = form.budget.append_entry().form
        if first is not None and first.organization_id.choices is not None:
            row.organization_id.choices = first.organization_id.choices
            row.objective_number.choices = first.objective_number.choices
            row.category_code.choices = first.category_code.choices
            row.year.choices = first.year.choices


def _optional_int(text: str | None) -> int | None:
    return int(text) if text not in (None, "") else None


def shared_values(form: Any) -> dict[str, Any]:
    """The fields a proposal and a concept note share, as typed (after validation)."""
    return {
        "title": form.title.data or "",
        "content_language": form.content_language.data or None,
        "lead_organization_id": form.lead_organization_id.data or None,
        "participant_ids": list(form.participants.data or []),
        "scope": form.scope.data or None,
        "country_codes": list(form.countries.data or []),
        "endorser_codes": list(form.endorsers.data or []),
        "duration_months": form.duration_months.data,
        "primary_objective_number": form.primary_objective_number.data or None,
        "secondary_objective_numbers": list(form.secondary_objectives.data or []),
        "gender_marker": _optional_int(form.gender_marker.data),
        "human_rights_marker": _optional_int(form.human_rights_marker.data),
        "principles": {
            row.form.code.data: row.form.explanation.data or ""
            for row in form.principles
            if row.form.addressed.data
        },
    }


def values_from_form(form: ProposalForm) -> DraftValues:
    """The typed input as draft values; call only after the form validated."""
    return DraftValues(
        **shared_values(form),
        summary=form.summary.data or "",
        rationale=form.rationale.data or "",
        planned_start=form.planned_start.data,
        contacts=[
            (row.form.name.data or "", row.form.email.data or "", row.form.function.data or "")
            for row in form.contacts
            if (row.form.name.data or row.form.email.data or "").strip()
        ],
        budget=[
            (
                row.form.organization_id.data,
                row.form.objective_number.data,
                row.form.category_code.data,
                row.form.parsed_amount,
                row.form.description.data or "",
                row.form.year.data,
            )
            for row in form.budget
            if not row.form.is_blank()
        ],
    )

"""The concept note form: its fields, their choices, filling it from the draft and reading it
back. Saving a draft accepts gaps; only malformed input is refused, field by field."""

from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from fund.accounts.forms import MultiCheckboxField
from fund.accounts.models import Organization, OrganizationKind
from fund.extensions import db
from fund.forms import IntegerField, QuickSelect, StringField, int_or_zero, options
from fund.money import AmountError, parse_amount
from fund.proposals.concept_notes import ConceptNoteValues
from fund.proposals.editing import principle_titles, shared_values
from fund.proposals.forms import PrincipleRowForm
from fund.proposals.models import MARKER_LABELS, PARTNER_TYPE_LABELS, SCOPE_LABELS, Proposal
from fund.reference.models import Country, GcmObjective

BLANK_PARTNER_ROWS = 3  # blank national partner rows below those saved
BLANK_INDICATIVE_ROWS = 2  # blank indicative total rows below those saved
MIN_PARTNER_ROWS = 4
MIN_INDICATIVE_ROWS = 3


class PartnerRowForm(Form):
    """One national partner; a row left blank is ignored."""

    name = StringField("Name", validators=[Length(max=200)])
    partner_type = SelectField("Type", default="")

    def is_blank(self) -> bool:
        return not ((self.name.data or "").strip() or self.partner_type.data)

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if self.is_blank():
            return True
        ok = True
        if not (self.name.data or "").strip():
            self.name.errors.append("Give the partner's name.")
            ok = False
        if not self.partner_type.data:
            self.partner_type.errors.append("Choose the partner's type.")
            ok = False
        return ok


class IndicativeRowForm(Form):
    """The indicative total of one participating organization; a row left blank is ignored."""

    organization_id = SelectField(
        "Organization", coerce=int_or_zero, default=0, widget=QuickSelect()
    )
    amount = StringField("Indicative total (USD)", validators=[Length(max=30)])

    parsed_amount: Decimal | None = None

    def is_blank(self) -> bool:
        return not (self.organization_id.data or (self.amount.data or "").strip())

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if self.is_blank():
            return True
        ok = True
        if not self.organization_id.data:
            self.organization_id.errors.append("Choose the organization.")
            ok = False
        try:
            self.parsed_amount = parse_amount(self.amount.data)
        except AmountError as error:
            self.amount.errors.append(str(error))
            return False
        if self.parsed_amount <= 0:
            self.amount.errors.append("Give an amount of more than zero.")
            ok = False
        return ok


class ConceptNoteForm(FlaskForm):
    """The whole concept note (about two pages)."""

    version = HiddenField()
    title = StringField(
        "Title", validators=[DataRequired("Give the concept note a title."), Length(max=300)]
    )
    rationale = TextAreaField(
        "The problem",
        validators=[Length(max=5000, message="Keep the problem to 5,000 characters or fewer.")],
        description="The migration challenge the joint programme answers, and the evidence for "
        "it, in a few paragraphs.",
    )
    summary = TextAreaField(
        "The change sought",
        validators=[
            Length(max=5000, message="Keep the change sought to 5,000 characters or fewer.")
        ],
        description="What will be different at the end, for whom, and how the partners get there.",
    )
    lead_organization_id = SelectField(
        "Lead (convening) UN entity", coerce=int_or_zero, widget=QuickSelect()
    )
    participants = MultiCheckboxField(
        "Participating UN organizations",
        coerce=int,
        description="At least two, the lead included.",
    )
    endorsers = SelectMultipleField(
        "Endorsing governments",
        widget=QuickSelect(multiple=True),
        description="Hold Ctrl (or Cmd) to choose several.",
    )
    scope = SelectField("Scope")
    countries = SelectMultipleField(
        "Countries",
        widget=QuickSelect(multiple=True),
        description="Hold Ctrl (or Cmd) to choose several. Not needed for a global programme.",
    )
    duration_months = IntegerField(
        "Duration (months)",
        validators=[Optional(), NumberRange(1, 120, "Give a number of months between 1 and 120.")],
    )
    primary_objective_number = SelectField(
        "Primary GCM objective", coerce=int_or_zero, widget=QuickSelect()
    )
    secondary_objectives = MultiCheckboxField("Secondary GCM objectives", coerce=int)
    gender_marker = SelectField("Gender marker (self-scored)")
    human_rights_marker = SelectField("Human rights marker (self-scored)")
    principles = FieldList(FormField(PrincipleRowForm))
    partners = FieldList(FormField(PartnerRowForm), min_entries=MIN_PARTNER_ROWS)
    indicative = FieldList(FormField(IndicativeRowForm), min_entries=MIN_INDICATIVE_ROWS)
    save = SubmitField("Save draft")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        seen: set[int] = set()
        for row in self.indicative:
            organization = row.form.organization_id.data
            if organization and organization in seen:
                row.form.organization_id.errors.append(
                    "This organization already has an indicative total above."
                )
                ok = False
            seen.add(organization)
        return ok


# Between the form and the draft ----------------------------------------------------------------


def set_choices(form: ConceptNoteForm) -> None:
    """Fill every select of the form (a fixed number of queries)."""
    entities = db.session.scalars(
        select(Organization)
        .where(Organization.kind == OrganizationKind.UN_ENTITY, Organization.active)
        .order_by(Organization.acronym)
    ).all()
    countries = db.session.execute(select(Country.iso2, Country.name).order_by(Country.name)).all()
    objectives = db.session.scalars(select(GcmObjective).order_by(GcmObjective.number)).all()
    entity_pairs = [(o.id, f"{o.acronym}: {o.name}") for o in entities]
    objective_pairs = [(o.number, f"{o.number}. {o.short_label}") for o in objectives]
    country_pairs = [(c.iso2, c.name) for c in countries]
    form.lead_organization_id.choices = options([(0, "— choose —"), *entity_pairs])
    form.participants.choices = options(entity_pairs)
    form.endorsers.choices = options(country_pairs)
    form.scope.choices = options([("", "— choose —"), *SCOPE_LABELS.items()])
    form.countries.choices = options(country_pairs)
    form.primary_objective_number.choices = options([(0, "— choose —"), *objective_pairs])
    form.secondary_objectives.choices = options(objective_pairs)
    markers = options([("", "— choose —")] + [(str(k), v) for k, v in MARKER_LABELS.items()])
    form.gender_marker.choices = markers
    form.human_rights_marker.choices = list(markers)
    partner_types = options([("", "— choose —"), *PARTNER_TYPE_LABELS.items()])
    for row in form.partners:
        row.form.partner_type.choices = partner_types
    organizations = options([(0, "—"), *[(o.id, o.acronym or o.name) for o in entities]])
    for row in form.indicative:
        row.form.organization_id.choices = organizations


def ensure_principle_rows(form: ConceptNoteForm, titles: dict[str, str]) -> None:
    """One row per guiding principle, in the fund's order."""
    present = {row.form.code.data for row in form.principles}
    for code in titles:
        if code not in present:
            form.principles.append_entry({"code": code})


def fill_form(form: ConceptNoteForm, note: Proposal) -> None:
    """Show the stored draft in a fresh form, with blank rows for more partners and totals."""
    form.version.data = str(note.version)
    form.title.data = note.title
    form.rationale.data = note.rationale
    form.summary.data = note.summary
    form.lead_organization_id.data = note.lead_organization_id or 0
    form.participants.data = [o.id for o in note.participants]
    form.endorsers.data = [c.iso2 for c in note.endorsers]
    form.scope.data = note.scope or ""
    form.countries.data = [c.iso2 for c in note.countries]
    form.duration_months.data = note.duration_months
    form.primary_objective_number.data = note.primary_objective_number or 0
    form.secondary_objectives.data = [o.number for o in note.secondary_objectives]
    form.gender_marker.data = "" if note.gender_marker is None else str(note.gender_marker)
    form.human_rights_marker.data = (
        "" if note.human_rights_marker is None else str(note.human_rights_marker)
    )
    explanations = {p.principle_code: p.explanation for p in note.principles}
    for code in principle_titles():
        form.principles.append_entry(
            {
                "code": code,
                "addressed": code in explanations,
                "explanation": explanations.get(code, ""),
            }
        )
    while len(form.partners):
        form.partners.pop_entry()
    for partner in note.national_partners:
        form.partners.append_entry({"name": partner.name, "partner_type": partner.partner_type})
    for _ in range(max(BLANK_PARTNER_ROWS, MIN_PARTNER_ROWS - len(note.national_partners))):
        form.partners.append_entry()
    while len(form.indicative):
        form.indicative.pop_entry()
    for total in note.indicative_totals:
        form.indicative.append_entry(
            {"organization_id": total.organization_id, "amount": format(total.amount, "f")}
        )
    blank = max(BLANK_INDICATIVE_ROWS, MIN_INDICATIVE_ROWS - len(note.indicative_totals))
    for _ in range(blank):
        form.indicative.append_entry()


def values_from_form(form: ConceptNoteForm) -> ConceptNoteValues:
    """The typed input as draft values; call only after the form validated."""
    return ConceptNoteValues(
        **shared_values(form),
        problem=form.rationale.data or "",
        change_sought=form.summary.data or "",
        partners=[
            ((row.form.name.data or "").strip(), row.form.partner_type.data or "")
            for row in form.partners
            if not row.form.is_blank()
        ],
        indicative={
            row.form.organization_id.data: row.form.parsed_amount
            for row in form.indicative
            if not row.form.is_blank() and row.form.parsed_amount is not None
        },
    )

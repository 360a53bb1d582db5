"""The concept note form: its fields, their choices, filling it from the draft and reading it
back. Saving a draft accepts gaps; only malformed input is refused, field by field."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import FieldList, FormField, SelectField
from wtforms.validators import Length

from fund.forms import QuickSelect, StringField, int_or_zero, options
from fund.money import AmountError, parse_amount, typed_amount
from fund.proposals.concept_notes import ConceptNoteValues
from fund.proposals.editing import fill_shared, refill, set_shared_choices, shared_values
from fund.proposals.forms import (
    DraftForm,
    OptionalRowForm,
    endorsers_field,
    text_area,
    title_field,
)
from fund.proposals.models import PartnerType, Proposal

BLANK_PARTNER_ROWS = 3  # blank national partner rows below those saved
BLANK_INDICATIVE_ROWS = 2  # blank indicative total rows below those saved
MIN_PARTNER_ROWS = 4
MIN_INDICATIVE_ROWS = 3


class PartnerRowForm(OptionalRowForm):
    """One national partner; a row left blank is ignored."""

    name = StringField(_l("Name"), validators=[Length(max=200)])
    partner_type = SelectField(_l("Type"), default="")

    def is_blank(self) -> bool:
        return not ((self.name.data or "").strip() or self.partner_type.data)

    def check_row(self) -> bool:
        return self.require(
            (self.name, _("Give the partner's name.")),
            (self.partner_type, _("Choose the partner's type.")),
        )


class IndicativeRowForm(OptionalRowForm):
    """The indicative total of one participating organization; a row left blank is ignored."""

    organization_id = SelectField(
        _l("Organization"), coerce=int_or_zero, default=0, widget=QuickSelect()
    )
    amount = StringField(_l("Indicative total (USD)"), validators=[Length(max=30)])

    parsed_amount: Decimal | None = None

    def is_blank(self) -> bool:
        return not (self.organization_id.data or (self.amount.data or "").strip())

    def check_row(self) -> bool:
        ok = self.require((self.organization_id, _("Choose the organization.")))
        try:
            self.parsed_amount = parse_amount(self.amount.data)
        except AmountError as error:
            self.amount.errors.append(error.said())
            return False
        if self.parsed_amount <= 0:
            self.amount.errors.append(_("Give an amount of more than zero."))
            ok = False
        return ok


class ConceptNoteForm(DraftForm):
    """The whole concept note (about two pages)."""

    order = (
        "version title content_language rationale summary lead_organization_id participants "
        "endorsers scope countries duration_months primary_objective_number secondary_objectives "
        "gender_marker human_rights_marker principles partners indicative save"
    )

    title = title_field("concept note")
    rationale = text_area(
        _l("The problem"),
        5000,
        _l(
            "The migration challenge the joint programme answers, and the evidence for it, in a "
            "few paragraphs."
        ),
        _l("Keep the problem to 5,000 characters or fewer."),
    )
    summary = text_area(
        _l("The change sought"),
        5000,
        _l("What will be different at the end, for whom, and how the partners get there."),
        _l("Keep the change sought to 5,000 characters or fewer."),
    )
    endorsers = endorsers_field(_l("Tick each government that endorses the programme."))
    gender_marker = SelectField(_l("Gender marker (self-scored)"))
    human_rights_marker = SelectField(_l("Human rights marker (self-scored)"))
    partners = FieldList(FormField(PartnerRowForm), min_entries=MIN_PARTNER_ROWS)
    indicative = FieldList(FormField(IndicativeRowForm), min_entries=MIN_INDICATIVE_ROWS)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        seen: set[int] = set()
        for row in self.indicative:
            organization = row.form.organization_id.data
            if organization and organization in seen:
                row.form.organization_id.errors.append(
                    _("This organization already has an indicative total above.")
                )
                ok = False
            seen.add(organization)
        return ok


# Between the form and the draft ----------------------------------------------------------------


def set_choices(form: ConceptNoteForm) -> None:
    """Fill every select of the form (a fixed number of queries)."""
    entities, _objectives = set_shared_choices(form)
    partner_types = options(
        [("", _("— choose —")), *((k, _(v)) for k, v in PartnerType.labels().items())]
    )
    for row in form.partners:
        row.form.partner_type.choices = partner_types
    organizations = options([(0, "—"), *[(o.id, o.label) for o in entities]])
    for row in form.indicative:
        row.form.organization_id.choices = organizations


def fill_form(form: ConceptNoteForm, note: Proposal) -> None:
    """Show the stored draft in a fresh form, with blank rows for more partners and totals."""
    fill_shared(form, note)
    partners = note.national_partners
    refill(
        form.partners,
        [{"name": p.name, "partner_type": p.partner_type} for p in partners],
        max(BLANK_PARTNER_ROWS, MIN_PARTNER_ROWS - len(partners)),
    )
    totals = note.indicative_totals
    refill(
        form.indicative,
        [{"organization_id": t.organization_id, "amount": typed_amount(t.amount)} for t in totals],
        max(BLANK_INDICATIVE_ROWS, MIN_INDICATIVE_ROWS - len(totals)),
    )


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

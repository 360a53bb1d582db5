"""Forms of the proposal pages."""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from fund.forms import (
    DateField,
    IntegerField,
    MultiCheckboxField,
    QuickSelect,
    StringField,
    int_or_zero,
    long_text,
    options,
)
from fund.i18n import LANGUAGES, current_language
from fund.money import AmountError, parse_amount
from fund.proposals.budget import MAX_PROGRAMME_YEARS
from fund.proposals.models import AttachmentKind, Proposal
from fund.reference.translations import countries_named

EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class ActionForm(FlaskForm):
    """Fire one workflow action; `version` is the proposal version the user saw."""

    comment = long_text(_l("Comment"))
    version = IntegerField(validators=[DataRequired()])
    trigger = HiddenField(validators=[DataRequired()])


def _given(value) -> bool:
    return bool(value.strip() if isinstance(value, str) else value)


class OptionalRowForm(Form):
    """A row of a table in a form: a row left blank is ignored, a row begun must be complete."""

    def is_blank(self) -> bool:
        raise NotImplementedError

    def check_row(self) -> bool:
        """Whether a row begun is complete, with an error on each field that is not."""
        raise NotImplementedError

    def require(self, *fields: tuple[Any, str]) -> bool:
        """Whether each field is given; the message goes to each field that is not."""
        ok = True
        for field, message in fields:
            if not _given(field.data):
                field.errors.append(message)
                ok = False
        return ok

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        return self.is_blank() or self.check_row()


def year_or_first(value: Any) -> int:
    """Coerce the budget row's year; blank means the first year."""
    if value in (None, ""):
        return 1
    return int(value)


class BudgetRowForm(OptionalRowForm):
    """One budget line; a row left entirely blank is ignored (its year alone does not count:
    it always has one)."""

    organization_id = SelectField(_l("Organization"), coerce=int_or_zero, widget=QuickSelect())
    objective_number = SelectField(_l("Objective"), coerce=int_or_zero, widget=QuickSelect())
    category_code = SelectField(_l("Category"), coerce=int_or_zero, widget=QuickSelect())
    # Any year up to the longest programme is kept on a draft; the submission checks refuse a
    # year after the programme's end.
    year = SelectField(
        _l("Year"), coerce=year_or_first, default=1, validate_choice=False, widget=QuickSelect()
    )
    amount = StringField(_l("Amount (USD)"), validators=[Length(max=30)])
    description = StringField(_l("Description"), validators=[Length(max=300)])

    def is_blank(self) -> bool:
        return not any(
            _given(field.data)
            for field in (
                self.organization_id,
                self.objective_number,
                self.category_code,
                self.amount,
                self.description,
            )
        )

    def check_row(self) -> bool:
        ok = self.require(
            (self.organization_id, _("Choose the organization.")),
            (self.objective_number, _("Choose the objective.")),
            (self.category_code, _("Choose the category.")),
        )
        if not 1 <= (self.year.data or 0) <= MAX_PROGRAMME_YEARS:
            self.year.errors.append(
                _("Choose a year between 1 and %(max)s.", max=MAX_PROGRAMME_YEARS)
            )
            ok = False
        try:
            self.parsed_amount = parse_amount(self.amount.data)
        except AmountError as error:
            self.amount.errors.append(error.said())
            ok = False
        return ok


class PrincipleRowForm(Form):
    code = HiddenField()
    addressed = BooleanField(_l("Addressed"))
    explanation = TextAreaField(_l("How the programme addresses it"), validators=[Length(max=2000)])


class ContactRowForm(OptionalRowForm):
    name = StringField(_l("Name"), validators=[Length(max=200)])
    email = StringField(_l("Email"), validators=[Length(max=254)])
    function = StringField(_l("Function"), validators=[Length(max=200)])

    def is_blank(self) -> bool:
        return not any(_given(field.data) for field in (self.name, self.email, self.function))

    def check_row(self) -> bool:
        ok = self.require((self.name, _("Give the contact's name.")))
        if not EMAIL_PATTERN.fullmatch((self.email.data or "").strip()):
            self.email.errors.append(
                _("Give a valid email address, e.g. %(example)s.", example="name@organization.org")
            )
            ok = False
        return ok


def text_area(label: str, limit: int, description: str, message: str | None = None):
    """A field of several lines, of at most `limit` characters."""
    return TextAreaField(
        label, validators=[Length(max=limit, message=message)], description=description
    )


# The message of a missing title, by the noun of the form.
TITLE_MISSING = {
    "proposal": _l("Give the proposal a title."),
    "concept note": _l("Give the concept note a title."),
}


def title_field(noun: str):
    message = TITLE_MISSING.get(noun) or f"Give the {noun} a title."
    return StringField(_l("Title"), validators=[DataRequired(message), Length(max=300)])


def endorsers_field(description: str):
    return SelectMultipleField(
        _l("Endorsing governments"), widget=QuickSelect(multiple=True), description=description
    )


class DraftForm(FlaskForm):
    """The fields a proposal's form and a concept note's share; each adds its own (the title,
    texts, endorsing governments and markers differ in their words)."""

    version = HiddenField()
    # Not sent (a page from before the field): the language stays as it was.
    content_language = SelectField(
        _l("Written in"),
        choices=options(LANGUAGES.items()),
        validate_choice=False,
        description=_l("The language of the texts you write here: reviewers see it."),
    )

    def validate_content_language(self, field: SelectField) -> None:
        if field.data not in (None, "") and field.data not in LANGUAGES:
            raise ValidationError(_l("Choose one of the languages listed."))

    lead_organization_id = SelectField(
        _l("Lead (convening) UN entity"), coerce=int_or_zero, widget=QuickSelect()
    )
    participants = MultiCheckboxField(
        _l("Participating UN organizations"),
        coerce=int,
        description=_l("At least two, the lead included."),
    )
    scope = SelectField(_l("Scope"))
    countries = SelectMultipleField(
        _l("Countries"),
        widget=QuickSelect(multiple=True),
        description=_l("Tick each country of the programme. Not needed for a global programme."),
    )
    duration_months = IntegerField(
        _l("Duration (months)"),
        validators=[
            Optional(),
            NumberRange(1, 120, _l("Give a number of months between 1 and 120.")),
        ],
    )
    primary_objective_number = SelectField(
        _l("Primary GCM objective"), coerce=int_or_zero, widget=QuickSelect()
    )
    secondary_objectives = MultiCheckboxField(_l("Secondary GCM objectives"), coerce=int)
    principles = FieldList(FormField(PrincipleRowForm))
    save = SubmitField(_l("Save draft"))

    # Each form's field names in their order, separated by spaces (the error summary lists
    # their errors in it); any other field follows.
    order = ""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        first = self.order.split()
        names = [*first, *(name for name in self._fields if name not in first)]
        self._fields = OrderedDict((name, self._fields[name]) for name in names)


class ProposalForm(DraftForm):
    """The whole proposal. Saving a draft accepts gaps; only malformed input is refused."""

    order = (
        "version title content_language summary rationale lead_organization_id participants "
        "scope countries endorsers planned_start duration_months primary_objective_number "
        "secondary_objectives gender_marker human_rights_marker principles contacts budget save "
        "add_rows"
    )

    title = title_field("proposal")
    summary = text_area(
        _l("Summary"), 5000, _l("What the joint programme will do, for whom, in a few sentences.")
    )
    rationale = text_area(
        _l("Rationale"), 20000, _l("Why this programme is needed now, and the evidence for it.")
    )
    endorsers = endorsers_field(_l("Each needs its endorsement letter attached below."))
    planned_start = DateField(_l("Planned start"), validators=[Optional()], format="%Y-%m-%d")
    gender_marker = SelectField(_l("Gender marker"))
    human_rights_marker = SelectField(_l("Human rights marker"))
    contacts = FieldList(FormField(ContactRowForm), min_entries=3)
    budget = FieldList(FormField(BudgetRowForm), min_entries=5)
    add_rows = SubmitField(_l("Save and add budget rows"))


class NewProposalForm(FlaskForm):
    call_id = SelectField(_l("Call for proposals"), coerce=int)
    title = title_field("proposal")
    submit = SubmitField(_l("Create the draft"))


class UploadForm(FlaskForm):
    kind = SelectField(_l("Kind of document"))
    country_iso2 = SelectField(
        _l("Government (for an endorsement letter)"), validators=[Optional()], widget=QuickSelect()
    )
    file = FileField(_l("File"), validators=[DataRequired(_l("Choose a file to upload."))])
    upload = SubmitField(_l("Upload"))


def upload_form(proposal: Proposal) -> UploadForm:
    """The attachment form of a proposal's (or concept note's) page."""
    form = UploadForm(prefix="upload")
    # No kind until the applicant picks one: a default kind would contradict the default
    # government (an endorsement letter needs one; any other document must have none).
    form.kind.choices = options(
        [("", _("— choose —"))]
        + [(k.value, _(label)) for k, label in AttachmentKind.labels().items()]
    )
    governments = countries_named(
        ((c.iso2, c.name) for c in proposal.endorsers), current_language()
    )
    form.country_iso2.choices = options([("", _("— not an endorsement letter —")), *governments])
    return form

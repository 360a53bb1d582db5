"""Forms of the proposal pages."""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any

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
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from fund.accounts.forms import MultiCheckboxField
from fund.forms import DateField, IntegerField, QuickSelect, StringField, int_or_zero, options
from fund.money import AmountError, parse_amount
from fund.proposals.budget import MAX_PROGRAMME_YEARS
from fund.proposals.models import AttachmentKind, Proposal

EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class ActionForm(FlaskForm):
    """Fire one workflow action; `version` is the proposal version the user saw."""

    comment = TextAreaField("Comment", validators=[Length(max=5000)])
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

    organization_id = SelectField("Organization", coerce=int_or_zero, widget=QuickSelect())
    objective_number = SelectField("Objective", coerce=int_or_zero, widget=QuickSelect())
    category_code = SelectField("Category", coerce=int_or_zero, widget=QuickSelect())
    # Any year up to the longest programme is kept on a draft; the submission checks refuse a
    # year after the programme's end.
    year = SelectField(
        "Year", coerce=year_or_first, default=1, validate_choice=False, widget=QuickSelect()
    )
    amount = StringField("Amount (USD)", validators=[Length(max=30)])
    description = StringField("Description", validators=[Length(max=300)])

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
            (self.organization_id, "Choose the organization."),
            (self.objective_number, "Choose the objective."),
            (self.category_code, "Choose the category."),
        )
        if not 1 <= (self.year.data or 0) <= MAX_PROGRAMME_YEARS:
            self.year.errors.append(f"Choose a year between 1 and {MAX_PROGRAMME_YEARS}.")
            ok = False
        try:
            self.parsed_amount = parse_amount(self.amount.data)
        except AmountError as error:
            self.amount.errors.append(str(error))
            ok = False
        return ok


class PrincipleRowForm(Form):
    code = HiddenField()
    addressed = BooleanField("Addressed")
    explanation = TextAreaField("How the programme addresses it", validators=[Length(max=2000)])


class ContactRowForm(OptionalRowForm):
    name = StringField("Name", validators=[Length(max=200)])
    email = StringField("Email", validators=[Length(max=254)])
    function = StringField("Function", validators=[Length(max=200)])

    def is_blank(self) -> bool:
        return not any(_given(field.data) for field in (self.name, self.email, self.function))

    def check_row(self) -> bool:
        ok = self.require((self.name, "Give the contact's name."))
        if not EMAIL_PATTERN.fullmatch((self.email.data or "").strip()):
            self.email.errors.append("Give a valid email address, e.g. name@organization.org.")
            ok = False
        return ok


def text_area(label: str, limit: int, description: str, message: str | None = None):
    """A field of several lines, of at most `limit` characters."""
    return TextAreaField(
        label, validators=[Length(max=limit, message=message)], description=description
    )


def title_field(noun: str):
    return StringField(
        "Title", validators=[DataRequired(f"Give the {noun} a title."), Length(max=300)]
    )


def endorsers_field(description: str):
    return SelectMultipleField(
        "Endorsing governments", widget=QuickSelect(multiple=True), description=description
    )


class DraftForm(FlaskForm):
    """The fields a proposal's form and a concept note's share; each adds its own (the title,
    texts, endorsing governments and markers differ in their words)."""

    version = HiddenField()
    lead_organization_id = SelectField(
        "Lead (convening) UN entity", coerce=int_or_zero, widget=QuickSelect()
    )
    participants = MultiCheckboxField(
        "Participating UN organizations",
        coerce=int,
        description="At least two, the lead included.",
    )
    scope = SelectField("Scope")
    countries = SelectMultipleField(
        "Countries",
        widget=QuickSelect(multiple=True),
        description="Tick each country of the programme. Not needed for a global programme.",
    )
    duration_months = IntegerField(
        "Duration (months)",
        validators=[Optional(), NumberRange(1, 120, "Give a number of months between 1 and 120.")],
    )
    primary_objective_number = SelectField(
        "Primary GCM objective", coerce=int_or_zero, widget=QuickSelect()
    )
    secondary_objectives = MultiCheckboxField("Secondary GCM objectives", coerce=int)
    principles = FieldList(FormField(PrincipleRowForm))
    save = SubmitField("Save draft")

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
        "version title summary rationale lead_organization_id participants scope countries "
        "endorsers planned_start duration_months primary_objective_number secondary_objectives "
        "gender_marker human_rights_marker principles contacts budget save add_rows"
    )

    title = title_field("proposal")
    summary = text_area(
        "Summary", 5000, "What the joint programme will do, for whom, in a few sentences."
    )
    rationale = text_area(
        "Rationale", 20000, "Why this programme is needed now, and the evidence for it."
    )
    endorsers = endorsers_field("Each needs its endorsement letter attached below.")
    planned_start = DateField("Planned start", validators=[Optional()], format="%Y-%m-%d")
    gender_marker = SelectField("Gender marker")
    human_rights_marker = SelectField("Human rights marker")
    contacts = FieldList(FormField(ContactRowForm), min_entries=3)
    budget = FieldList(FormField(BudgetRowForm), min_entries=5)
    add_rows = SubmitField("Save and add budget rows")


class NewProposalForm(FlaskForm):
    call_id = SelectField("Call for proposals", coerce=int)
    title = title_field("proposal")
    submit = SubmitField("Create the draft")


class UploadForm(FlaskForm):
    kind = SelectField("Kind of document")
    country_iso2 = SelectField(
        "Government (for an endorsement letter)", validators=[Optional()], widget=QuickSelect()
    )
    file = FileField("File", validators=[DataRequired("Choose a file to upload.")])
    upload = SubmitField("Upload")


def upload_form(proposal: Proposal) -> UploadForm:
    """The attachment form of a proposal's (or concept note's) page."""
    form = UploadForm(prefix="upload")
    form.kind.choices = options((k.value, label) for k, label in AttachmentKind.labels().items())
    form.country_iso2.choices = options(
        [("", "— not an endorsement letter —")] + [(c.iso2, c.name) for c in proposal.endorsers]
    )
    return form

"""Forms of the proposal pages."""

from __future__ import annotations

import re

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
from fund.proposals.models import ATTACHMENT_KIND_LABELS, Proposal

EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class ActionForm(FlaskForm):
    """Fire one workflow action; `version` is the proposal version the user saw."""

    comment = TextAreaField("Comment", validators=[Length(max=5000)])
    version = IntegerField(validators=[DataRequired()])
    trigger = HiddenField(validators=[DataRequired()])


class BudgetRowForm(Form):
    """One budget line; a row left entirely blank is ignored."""

    organization_id = SelectField("Organization", coerce=int_or_zero, widget=QuickSelect())
    objective_number = SelectField("Objective", coerce=int_or_zero, widget=QuickSelect())
    category_code = SelectField("Category", coerce=int_or_zero, widget=QuickSelect())
    amount = StringField("Amount (USD)", validators=[Length(max=30)])
    description = StringField("Description", validators=[Length(max=300)])

    def is_blank(self) -> bool:
        return not (
            self.organization_id.data
            or self.objective_number.data
            or self.category_code.data
            or (self.amount.data or "").strip()
            or (self.description.data or "").strip()
        )

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if self.is_blank():
            return True
        ok = True
        for field, message in (
            (self.organization_id, "Choose the organization."),
            (self.objective_number, "Choose the objective."),
            (self.category_code, "Choose the category."),
        ):
            if not field.data:
                field.errors.append(message)
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


class ContactRowForm(Form):
    name = StringField("Name", validators=[Length(max=200)])
    email = StringField("Email", validators=[Length(max=254)])
    function = StringField("Function", validators=[Length(max=200)])

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        name, email = (self.name.data or "").strip(), (self.email.data or "").strip()
        if not name and not email and not (self.function.data or "").strip():
            return True
        ok = True
        if not name:
            self.name.errors.append("Give the contact's name.")
            ok = False
        if not EMAIL_PATTERN.fullmatch(email):
            self.email.errors.append("Give a valid email address, e.g. name@organization.org.")
            ok = False
        return ok


class ProposalForm(FlaskForm):
    """The whole proposal. Saving a draft accepts gaps; only malformed input is refused."""

    version = HiddenField()
    title = StringField(
        "Title", validators=[DataRequired("Give the proposal a title."), Length(max=300)]
    )
    summary = TextAreaField(
        "Summary",
        validators=[Length(max=5000)],
        description="What the joint programme will do, for whom, in a few sentences.",
    )
    rationale = TextAreaField(
        "Rationale",
        validators=[Length(max=20000)],
        description="Why this programme is needed now, and the evidence for it.",
    )
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
        description="Hold Ctrl (or Cmd) to choose several. Not needed for a global programme.",
    )
    endorsers = SelectMultipleField(
        "Endorsing governments",
        widget=QuickSelect(multiple=True),
        description="Each needs its endorsement letter attached below.",
    )
    planned_start = DateField("Planned start", validators=[Optional()], format="%Y-%m-%d")
    duration_months = IntegerField(
        "Duration (months)",
        validators=[Optional(), NumberRange(1, 120, "Give a number of months between 1 and 120.")],
    )
    primary_objective_number = SelectField(
        "Primary GCM objective", coerce=int_or_zero, widget=QuickSelect()
    )
    secondary_objectives = MultiCheckboxField("Secondary GCM objectives", coerce=int)
    gender_marker = SelectField("Gender marker")
    human_rights_marker = SelectField("Human rights marker")
    principles = FieldList(FormField(PrincipleRowForm))
    contacts = FieldList(FormField(ContactRowForm), min_entries=3)
    budget = FieldList(FormField(BudgetRowForm), min_entries=5)
    save = SubmitField("Save draft")
    add_rows = SubmitField("Save and add budget rows")


class NewProposalForm(FlaskForm):
    call_id = SelectField("Call for proposals", coerce=int)
    title = StringField(
        "Title", validators=[DataRequired("Give the proposal a title."), Length(max=300)]
    )
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
    form.kind.choices = options((k.value, label) for k, label in ATTACHMENT_KIND_LABELS.items())
    form.country_iso2.choices = options(
        [("", "— not an endorsement letter —")] + [(c.iso2, c.name) for c in proposal.endorsers]
    )
    return form

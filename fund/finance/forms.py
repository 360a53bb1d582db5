"""Forms of the finance pages. Amounts are text, read with parse_amount, so what was typed
stays on the page next to the message; dates are text inputs for the same reason."""

from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import TextInput

from fund.accounts.sensitive import SensitiveForm
from fund.forms import DateField, IntegerField, StringField, int_or_zero
from fund.money import AmountError, parse_amount

DATE_MESSAGE = "Enter a date as YYYY-MM-DD, for example 2026-03-31."


def _date_field(label: str, *, required: bool = True) -> DateField:
    return DateField(
        label,
        validators=[DataRequired(DATE_MESSAGE)] if required else [Optional()],
        invalid_value_message=DATE_MESSAGE,
        widget=TextInput(),
        render_kw={"placeholder": "YYYY-MM-DD", "inputmode": "numeric", "autocomplete": "off"},
    )


def _amount(form: FlaskForm, name: str) -> Decimal | None:
    """The field's amount, or None with the reason added to its errors."""
    field = form[name]
    try:
        value = parse_amount(field.data)
    except AmountError as error:
        field.errors.append(str(error))
        return None
    if value <= 0:
        field.errors.append("The amount must be more than zero.")
        return None
    return value


class ContributionForm(SensitiveForm):
    donor_id = SelectField(
        "Donor",
        coerce=int_or_zero,
        validate_choice=False,
        description="The organization that made the deposit.",
    )
    received_on = _date_field("Received on (UTC)")
    gross = StringField(
        "Gross amount (USD)",
        validators=[Length(max=30)],
        description="The deposit before the Administrative Agent's fee, e.g. 1,000,000.00.",
    )
    earmark = SelectField("Earmark", validate_choice=False)
    reference = StringField("Reference", validators=[Length(max=100)])
    note = TextAreaField("Note", validators=[Length(max=5000)])

    gross_amount: Decimal | None = None

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not self.donor_id.data:
            self.donor_id.errors.append("Choose the donor.")
            ok = False
        elif self.donor_id.data not in {value for value, _ in self.donor_id.choices}:
            self.donor_id.errors.append("Choose a donor from the list.")
            ok = False
        if self.earmark.data and self.earmark.data not in {v for v, _ in self.earmark.choices}:
            self.earmark.errors.append("Choose a thematic area from the list, or none.")
            ok = False
        self.gross_amount = _amount(self, "gross")
        return ok and self.gross_amount is not None


class VoidForm(SensitiveForm):
    reason = TextAreaField(
        "Reason for voiding",
        validators=[
            DataRequired("Give the reason for voiding the contribution."),
            Length(max=5000),
        ],
        description="Recorded in the audit log; the contribution stays listed as voided.",
    )


class VersionForm(SensitiveForm):
    """A button acting on a proposal; `version` is the proposal version the user saw."""

    version = IntegerField(validators=[DataRequired()])


class FundForm(VersionForm):
    allocated_on = _date_field("Allocation date (UTC)", required=False)
    comment = TextAreaField("Comment", validators=[Length(max=5000)])


def _usd_field() -> StringField:
    return StringField("Amount (USD)", validators=[Length(max=30)])


def _reference_field() -> StringField:
    return StringField("Reference", validators=[Length(max=100)])


class AmountForm(SensitiveForm):
    """A form whose `amount` field is an amount in US dollars: validation reads it into
    parsed_amount (None, with the reason on the field, when it is not one)."""

    parsed_amount: Decimal | None = None

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        self.parsed_amount = _amount(self, "amount")
        return ok and self.parsed_amount is not None


class DisbursementForm(AmountForm):
    """A tranche to one organization; build it with prefix=disbursement_prefix(org_id) so that
    the forms of several organizations can share a page."""

    paid_on = _date_field("Paid on (UTC)")
    amount = _usd_field()
    reference = _reference_field()


def disbursement_prefix(organization_id: int) -> str:
    return f"org{organization_id}"

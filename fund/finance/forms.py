"""Forms of the finance pages. Amounts are text, read with parse_amount, so what was typed
stays on the page next to the message; dates are the browser's date inputs, a payment's date
showing today on a new form."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField
from wtforms.utils import unset_value
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import DateInput

from fund.accounts.sensitive import SensitiveForm
from fund.extensions import utcnow
from fund.forms import (
    DATE_MESSAGE,
    DateField,
    IntegerField,
    StringField,
    chosen,
    int_or_zero,
    long_text,
)
from fund.money import AmountError, AmountExample, parse_amount


class PaymentDateField(DateField):
    """The date of a payment: today on a form shown before it is sent (a form sent without
    the date is refused as before)."""

    def process(self, formdata, data=unset_value, extra_filters=None):
        if formdata is None and data is unset_value:
            data = utcnow().date()
        super().process(formdata, data, extra_filters)


def _date_field(label: Any, *, required: bool = True, today: bool = False) -> DateField:
    """A native date input; `today`: a payment's date, today until changed."""
    return (PaymentDateField if today else DateField)(
        label,
        validators=[DataRequired(DATE_MESSAGE)] if required else [Optional()],
        widget=DateInput(),
        render_kw={"autocomplete": "off"},
    )


def amount_field(label: Any = None, description: Any = "") -> StringField:
    """An amount typed as text (read by `_amount`, so what was typed stays on the page)."""
    return StringField(
        label or _l("Amount (USD)"), validators=[Length(max=30)], description=description
    )


def check_donor(field: SelectField) -> bool:
    """The donor select holds one of its donors."""
    return chosen(field, _("Choose a donor from the list."), missing=_("Choose the donor."))


def check_earmark(field: SelectField) -> bool:
    """The earmark select holds one of its thematic areas, or none."""
    return chosen(field, _("Choose a thematic area from the list, or none."))


def _amount(form: FlaskForm, name: str, currency: str | None = None) -> Decimal | None:
    """The field's amount (in `currency`, when given: with no decimals it does not have), or
    None with the reason added to its errors."""
    field = form[name]
    try:
        value = parse_amount(field.data, currency=currency)
    except AmountError as error:
        field.errors.append(error.said())
        return None
    if value <= 0:
        field.errors.append(_("The amount must be more than zero."))
        return None
    return value


def new_donor_field() -> StringField:
    """A donor not yet in the list, typed by its name beside the list (`donor_id`)."""
    return StringField(
        _l("Or a new donor"),
        validators=[Length(max=200)],
        description=_l(
            "The donor's full name, when it is not in the list: it is added to the "
            "organizations with this contribution."
        ),
    )


def new_donor_name(form: FlaskForm) -> str:
    return (form.new_donor.data or "").strip()


def check_new_donor(form: FlaskForm) -> bool:
    """A donor chosen in the list, or a new donor's name typed, not both and not neither."""
    if not new_donor_name(form):
        return check_donor(form.donor_id)
    if form.donor_id.data:
        form.new_donor.errors.append(
            _("Choose a donor in the list or type a new donor's name, not both.")
        )
        return False
    return True


def repeated_reference_field() -> BooleanField:
    """A deposit's box saying that its reference, already on one of the donor's deposits, is
    right: shown once the deposit was refused for it (`fund.finance.deposit_references`)."""
    return BooleanField(_l("Record it anyway: this is a different deposit with the same reference"))


class ContributionForm(SensitiveForm):
    donor_id = SelectField(
        _l("Donor"),
        coerce=int_or_zero,
        validate_choice=False,
        description=_l("The organization that made the deposit."),
    )
    new_donor = new_donor_field()
    received_on = _date_field(_l("Received on (UTC)"), today=True)
    gross = amount_field(
        _l("Gross amount (USD)"),
        _l(
            "The deposit before the Administrative Agent's fee, e.g. %(example)s.",
            example=AmountExample("1000000"),
        ),
    )
    earmark = SelectField(_l("Earmark"), validate_choice=False)
    reference = StringField(_l("Reference"), validators=[Length(max=100)])
    repeated_reference = repeated_reference_field()
    note = long_text(_l("Note"))

    gross_amount: Decimal | None = None

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        ok = check_new_donor(self) and ok
        ok = check_earmark(self.earmark) and ok
        self.gross_amount = _amount(self, "gross")
        return ok and self.gross_amount is not None


class VoidForm(SensitiveForm):
    reason = long_text(
        _l("Reason for voiding"),
        _l("Give the reason for voiding the contribution."),
        description=_l("Recorded in the audit log; the contribution stays listed as voided."),
    )


class VersionForm(SensitiveForm):
    """A button acting on a proposal; `version` is the proposal version the user saw."""

    version = IntegerField(validators=[DataRequired()])


class FundForm(VersionForm):
    allocated_on = _date_field(_l("Allocation date (UTC)"), required=False)
    comment = long_text(_l("Comment"))


def _reference_field() -> StringField:
    return StringField(_l("Reference"), validators=[Length(max=100)])


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

    paid_on = _date_field(_l("Paid on (UTC)"), today=True)
    amount = amount_field()
    reference = _reference_field()


def disbursement_prefix(organization_id: int) -> str:
    return f"org{organization_id}"

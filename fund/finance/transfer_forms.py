"""Forms of the transfer requests: the secretariat's request (with the override's reason, shown
once the tranche conditions refused it) and its cancellation."""

from __future__ import annotations

from decimal import Decimal

from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from fund.accounts.sensitive import SensitiveForm
from fund.finance.forms import _amount
from fund.forms import StringField, int_or_zero


class TransferRequestForm(SensitiveForm):
    organization_id = SelectField(
        "Participating organization", coerce=int_or_zero, validate_choice=False
    )
    amount = StringField(
        "Amount (USD)",
        validators=[Length(max=30)],
        description="At most what remains of the organization's share, e.g. 250,000.00.",
    )
    override_reason = TextAreaField(
        "Reason for overriding the tranche conditions",
        validators=[Length(max=5000)],
        description="Recorded with the request and in the audit log.",
    )

    parsed_amount: Decimal | None = None

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not self.organization_id.data:
            self.organization_id.errors.append("Choose the organization.")
            ok = False
        elif self.organization_id.data not in {v for v, _ in self.organization_id.choices}:
            self.organization_id.errors.append("Choose an organization from the list.")
            ok = False
        self.parsed_amount = _amount(self, "amount")
        return ok and self.parsed_amount is not None


class CancelRequestForm(SensitiveForm):
    reason = TextAreaField(
        "Reason for cancelling",
        validators=[DataRequired("Give the reason for cancelling the request."), Length(max=5000)],
    )

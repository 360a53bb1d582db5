"""Forms of the transfer requests: the secretariat's request (with the override's reason, shown
once the tranche conditions refused it) and its cancellation."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from fund.accounts.sensitive import SensitiveForm
from fund.finance.forms import _amount, amount_field
from fund.forms import chosen, int_or_zero, long_text
from fund.money import AmountExample


class TransferRequestForm(SensitiveForm):
    organization_id = SelectField(
        _l("Participating organization"), coerce=int_or_zero, validate_choice=False
    )
    amount = amount_field(
        _l("Amount (USD)"),
        _l(
            "At most what remains of the organization's share, e.g. %(example)s.",
            example=AmountExample("250000"),
        ),
    )
    override_reason = long_text(
        _l("Reason for overriding the tranche conditions"),
        description=_l("Recorded with the request and in the audit log."),
    )

    parsed_amount: Decimal | None = None

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        organization = chosen(
            self.organization_id,
            _("Choose an organization from the list."),
            missing=_("Choose the organization."),
        )
        self.parsed_amount = _amount(self, "amount")
        return ok and organization and self.parsed_amount is not None


class CancelRequestForm(SensitiveForm):
    reason = long_text(
        _l("Reason for cancelling"), _l("Give the reason for cancelling the request.")
    )

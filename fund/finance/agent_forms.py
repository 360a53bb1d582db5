"""Forms of the administrative agent's pages: pledges with their schedule, deposits in a
currency, interest and direct costs. Amounts and rates are text, read here, so that what was
typed stays on the page next to its message."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import Length

from fund.accounts.sensitive import SensitiveForm
from fund.finance.agent import check_currency, parse_rate, schedule_problem
from fund.finance.forms import (
    AmountForm,
    _amount,
    _date_field,
    _reference_field,
    amount_field,
    check_donor,
    check_earmark,
    check_new_donor,
    new_donor_field,
    repeated_reference_field,
)
from fund.finance.operations import FinanceError
from fund.forms import StringField, chosen, int_or_zero, long_text
from fund.money import ZERO
from fund.sentences import said

SCHEDULE_LINES = 4  # lines of the pledge's schedule on the form; blank lines are left out
CURRENCY_HINT = _l("Its three-letter ISO 4217 code, e.g. EUR, GBP or USD.")
RATE_HINT = _l(
    "US dollars for one unit of the currency, as used at receipt (up to eight decimals; 1 for "
    "USD). The USD gross is the amount at this rate, rounded to the cent."
)


def _donor_field() -> SelectField:
    return SelectField(
        _l("Donor"),
        coerce=int_or_zero,
        validate_choice=False,
        description=_l("The donor organization."),
    )


def _currency(field) -> str | None:
    try:
        return check_currency(field.data, field.name)
    except FinanceError as error:
        field.errors.append(error.said())
        return None


class PledgeForm(SensitiveForm):
    donor_id = _donor_field()
    pledged_on = _date_field(_l("Pledged on (UTC)"), today=True)
    currency = StringField(_l("Currency"), validators=[Length(max=10)], description=CURRENCY_HINT)
    amount = amount_field(_l("Amount pledged"), _l("In the pledge's currency."))
    note = long_text(_l("Note"))

    parsed_amount: Decimal | None = None
    schedule: list[tuple[date, Decimal]]

    def lines(self) -> list[tuple[object, object]]:
        """The schedule's (date field, amount field) pairs, in order."""
        return [(self[f"due_{n}"], self[f"part_{n}"]) for n in range(1, SCHEDULE_LINES + 1)]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        ok = check_donor(self.donor_id) and ok
        currency = _currency(self.currency)
        self.parsed_amount = _amount(self, "amount", currency)
        self.schedule = []
        for due, part in self.lines():
            if not (part.data or "").strip() and due.data is None and not due.errors:
                continue
            if due.data is None and not due.errors:
                due.errors.append(_("Give the date of this expected payment."))
            value = _amount(self, part.name, currency)
            if due.data is not None and value is not None:
                self.schedule.append((due.data, value))
        line_errors = any(due.errors or part.errors for due, part in self.lines())
        first = self.lines()[0][1]
        # The schedule's own rule (`schedule_problem`) once its lines read: none given needs no
        # pledged amount; the total needs the amount and its currency.
        readable = not line_errors and (
            not self.schedule or (self.parsed_amount is not None and currency)
        )
        if readable and (
            problem := schedule_problem(
                self.parsed_amount or ZERO, self.schedule, currency or "", self.pledged_on.data
            )
        ):
            first.errors.append(said(problem))
        line_errors = any(due.errors or part.errors for due, part in self.lines())
        return ok and currency is not None and self.parsed_amount is not None and not line_errors


for _n in range(1, SCHEDULE_LINES + 1):
    setattr(
        PledgeForm,
        f"due_{_n}",
        _date_field(_l("Payment %(number)s: expected on (UTC)", number=_n), required=False),
    )
    setattr(
        PledgeForm,
        f"part_{_n}",
        amount_field(_l("Payment %(number)s: amount", number=_n)),
    )


class DepositForm(SensitiveForm):
    donor_id = _donor_field()
    new_donor = new_donor_field()
    received_on = _date_field(_l("Received on (UTC)"), today=True)
    currency = StringField(
        _l("Currency"), validators=[Length(max=10)], default="USD", description=CURRENCY_HINT
    )
    amount = amount_field(
        _l("Amount received"),
        _l("In the deposit's currency, before the Administrative Agent's fee."),
    )
    exchange_rate = StringField(
        _l("Exchange rate"), validators=[Length(max=30)], default="1", description=RATE_HINT
    )
    pledge_id = SelectField(_l("Pledge paid"), coerce=int_or_zero, validate_choice=False)
    earmark = SelectField(_l("Earmark"), validate_choice=False)
    reference = StringField(_l("Reference"), validators=[Length(max=100)])
    repeated_reference = repeated_reference_field()
    note = long_text(_l("Note"))

    parsed_amount: Decimal | None = None
    parsed_rate: Decimal | None = None
    parsed_currency: str | None = None

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        ok = check_new_donor(self) and ok
        ok = chosen(self.pledge_id, _("Choose a pledge from the list, or none.")) and ok
        ok = check_earmark(self.earmark) and ok
        self.parsed_currency = _currency(self.currency)
        self.parsed_amount = _amount(self, "amount", self.parsed_currency)
        try:
            self.parsed_rate = parse_rate(self.exchange_rate.data)
        except FinanceError as error:
            self.exchange_rate.errors.append(error.said())
            self.parsed_rate = None
        parsed = (self.parsed_currency, self.parsed_amount, self.parsed_rate)
        return ok and None not in parsed


class InterestForm(AmountForm):
    earned_on = _date_field(_l("Earned on (UTC)"), today=True)
    amount = amount_field()
    reference = _reference_field()


class DirectCostForm(AmountForm):
    charged_on = _date_field(_l("Charged on (UTC)"), today=True)
    amount = amount_field()
    description = long_text(_l("What the cost is for"), _l("Say what the cost is for."))

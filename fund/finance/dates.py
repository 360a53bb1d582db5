"""The dates of the money records, each rule once: a record is never dated in the future (UTC
today), nor before the record it follows (an allocation before the committee's approval, a
payment before the allocation or before the transfer request it answers, a deposit paying a
pledge before the pledge)."""

from __future__ import annotations

from datetime import date, datetime

from fund.days import DAY
from fund.finance.errors import FinanceError
from fund.labels import N_
from fund.sentences import OnDay

# The sentence refusing a date in the future, by what the date is of.
FUTURE_DATE = {
    "pledge": N_("The pledge date cannot be in the future (today is %(today)s, UTC)."),
    "interest": N_("The interest date cannot be in the future (today is %(today)s, UTC)."),
    "charge": N_("The charge date cannot be in the future (today is %(today)s, UTC)."),
    "received": N_("The received date cannot be in the future (today is %(today)s, UTC)."),
    "allocation": N_("The allocation date cannot be in the future (today is %(today)s, UTC)."),
    "payment": N_("The payment date cannot be in the future (today is %(today)s, UTC)."),
    "closing": N_("The closing date cannot be in the future (today is %(today)s, UTC)."),
}

# The sentence refusing a date before the record it follows, by what the two dates are of.
BEFORE = {
    ("allocation", "approval"): N_("The allocation date cannot be before the approval (%(date)s)."),
    ("payment", "allocation"): N_("The payment date cannot be before the allocation (%(date)s)."),
    ("payment", "request"): N_(
        "The payment date cannot be before the transfer request (%(date)s)."
    ),
    ("received", "pledge"): N_("The received date cannot be before the pledge (%(date)s)."),
}


def check_date(value: date, now: datetime, what: str, field: str) -> None:
    """`value` (the date of `what`, typed in `field`) is not after UTC today."""
    if value > now.date():
        raise FinanceError(FUTURE_DATE[what], field, today=OnDay(now.date(), DAY))


def check_not_before(value: date, what: str, field: str, earlier: date | None, of: str) -> None:
    """`value` (the date of `what`) is not before `earlier`, the date of `of` (none: no rule)."""
    if earlier is not None and value < earlier:
        raise FinanceError(BEFORE[(what, of)], field, date=OnDay(earlier, DAY))

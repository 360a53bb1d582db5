"""Reading numbers and dates from the query string, within bounds every database can hold.

A value outside them (a page or id of more digits than any record has, a date past the year
2999) is refused with 400 and a message saying what is accepted, before any query runs. Forms
read through `fund.forms`' fields, which apply the same bounds.
"""

from __future__ import annotations

from datetime import date

from flask import request
from werkzeug.exceptions import BadRequest

from fund.labels import N_
from fund.routing import MAX_ID
from fund.sentences import Sentence, english

# Pages of any list the fund shows are far below this; larger numbers are typing mistakes.
MAX_PAGE = MAX_ID
# Dates the fund accepts anywhere: a day added to the last one, or taken from the first, still
# is a date, and both databases store them.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)
DATE_RANGE_MESSAGE = N_("Give a date between 1900-01-01 and 2999-12-31.")
# What the 400 page says of a value the address got wrong: `message`, what is accepted; `name`,
# the value's name in the address.
IN_THE_ADDRESS = N_("%(message)s (“%(name)s” in the address.) Go back and use the page's links.")


class BadQueryValue(BadRequest):
    """A query-string value the page cannot use; `description` says what is accepted (in
    English; the error page says `message`, marked `N_` or a `Sentence`, in its language)."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(description=english(IN_THE_ADDRESS, message=message, name=name))
        self.parameter = name
        self.message = message


def parse_whole_number(text: str, minimum: int, maximum: int, message: str) -> int:
    """`text` as a whole number of `minimum`..`maximum`; ValueError(message) otherwise.

    The length is checked before converting, so no text is too long to read."""
    cleaned = text.strip()
    digits = cleaned[1:] if cleaned[:1] in "+-" else cleaned
    if not digits.isascii() or not digits.isdigit() or len(digits) > len(str(maximum)) + 1:
        raise ValueError(message)
    number = int(cleaned)
    if not minimum <= number <= maximum:
        raise ValueError(message)
    return number


def check_day(day: date) -> date:
    """`day` if within FIRST_DAY..LAST_DAY; ValueError(DATE_RANGE_MESSAGE) otherwise."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(DATE_RANGE_MESSAGE)
    return day


def one_value(name: str) -> str:
    """The query-string value `name`, stripped (blank when absent); a filter given twice is
    refused, as the API refuses it, rather than read by its first value."""
    given = request.args.getlist(name)
    if len(given) > 1:
        raise BadQueryValue(name, N_("Choose one value only: this filter is given twice."))
    return (given[0] if given else "").strip()


def page_arg(name: str = "page") -> int:
    """A page number. Missing, unreadable or below 1 is the first page (a page past the end
    of a list is for the list to clamp); a number beyond MAX_PAGE is refused."""
    text = (request.args.get(name) or "").strip()
    digits = text.lstrip("+")
    if not (digits.isascii() and digits.isdigit()):
        return 1
    if len(digits) > len(str(MAX_PAGE)) or int(digits) > MAX_PAGE:
        raise BadQueryValue(
            name,
            Sentence(N_("A page number is a whole number from 1 to %(last)s."), last=MAX_PAGE),
        )
    return max(1, int(digits))


def id_arg(name: str) -> int | None:
    """An optional record id (blank or 0 is none); anything else than 1..MAX_ID is refused."""
    text = (request.args.get(name) or "").strip()
    if text in ("", "0"):
        return None
    try:
        return parse_whole_number(text, 1, MAX_ID, N_("Choose from the list: no such record."))
    except ValueError as error:
        raise BadQueryValue(name, str(error)) from None

"""The fund's money rules, each written once, in whole cents.

Every rule that SQL needs too is written as one arithmetic definition over its operands, so
that the same function gives the Python value (called with integers) and the SQL expression
(called with column expressions): the database and the pages can never round differently.

The rules:

- **Indirect support costs** of a participating organization in a programme: the indirect
  support rate (default 7%) of its direct costs, rounded half-up to the cent.
- **Indirect costs by objective**: each programme's indirect costs of one organization are
  split over that organization's objectives in proportion to its direct costs on them, in whole
  cents, by largest remainder (the cents left over after rounding down go to the largest
  remainders; equal remainders: the lower objective number first).
- **Even splits** (a programme's money over the thematic areas of an objective, or over the
  regions of its countries; a concept note's indicative total of an organization over its
  objectives, the primary one first): equal whole-cent parts, the cents left over one each to
  the first keys in order.

Each programme's amounts are rounded on their own, so every total is a plain sum over
programmes: funding, approving or withdrawing one programme changes each figure by exactly that
programme's amount on it and no other figure.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

from babel import Locale, UnknownLocaleError
from babel.numbers import (
    format_decimal,
    get_currency_precision,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
)
from flask_babel import get_locale
from sqlalchemy import BigInteger, Numeric, case, cast, func, literal_column

from fund.sentences import N_, Figure, Unreadable

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999999.99")  # the largest that Money holds
# The column type of every amount in the database: exact, to the cent.
Money = Numeric(14, 2)
ZERO = Decimal("0.00")

K = TypeVar("K", bound=Hashable)


def configured_indirect_rate(config: Mapping[str, Any]) -> Decimal:
    """The fund's indirect support rate (the `INDIRECT_SUPPORT_RATE` setting) as every
    computation reads it: a Decimal from its text, so a setting given as a number (0.07) is
    read as written, never as the binary fraction it stands for (0.07000000000000000666...)."""
    return Decimal(str(config["INDIRECT_SUPPORT_RATE"]))


def sql_int(value: int) -> Any:
    """An integer constant written into the SQL, typed so that `//` stays integer division."""
    return literal_column(str(int(value)), BigInteger)


def rate_ratio(rate: Decimal | str) -> tuple[int, int]:
    """The rate as an exact fraction (numerator, denominator)."""
    return Decimal(rate).as_integer_ratio()


def _half_up_share(amount: Any, numerator: Any, denominator: Any) -> Any:
    """amount x numerator / denominator rounded half-up, for non-negative integers or SQL
    integer expressions alike."""
    return (amount * (numerator * 2) + denominator) // (denominator * 2)


def indirect_cents(direct_cents: int, rate: Decimal | str) -> int:
    """Indirect support costs (cents) of an organization's direct costs (cents); a negative
    amount (a correction) rounds away from zero, as Decimal's ROUND_HALF_UP does."""
    numerator, denominator = rate_ratio(rate)
    direct_cents = int(direct_cents)
    if direct_cents < 0:
        return -_half_up_share(-direct_cents, numerator, denominator)
    return _half_up_share(direct_cents, numerator, denominator)


def indirect_cents_sql(direct_cents: Any, rate: Decimal | str) -> Any:
    """The SQL expression of `indirect_cents` for an integer cents expression."""
    numerator, denominator = (sql_int(v) for v in rate_ratio(rate))
    return case(
        (direct_cents >= 0, _half_up_share(direct_cents, numerator, denominator)),
        else_=-_half_up_share(-direct_cents, numerator, denominator),
    )


def _floor_share(total: Any, part: Any, whole: Any) -> tuple[Any, Any]:
    """(total x part // whole, total x part % whole): the rounded-down share of `total` that
    `part` of `whole` gets, and what was left over, for integers or SQL integer expressions."""
    product = total * part
    return product // whole, product % whole


def largest_remainder(total: int, weights: Mapping[K, int], order: Sequence[K]) -> dict[K, int]:
    """Split `total` cents over the keys in proportion to their non-negative integer weights,
    in whole cents adding up to `total`: each key gets its share rounded down, and the cents
    left over go one each to the largest remainders (equal remainders: earlier in `order`).
    With all weights zero, every key gets zero."""
    whole = sum(weights.values())
    if whole <= 0:
        return dict.fromkeys(weights, 0)
    shares = {key: _floor_share(total, weights[key], whole) for key in weights}
    left = total - sum(base for base, _ in shares.values())
    position = {key: i for i, key in enumerate(order)}
    ranked = sorted(weights, key=lambda key: (-shares[key][1], position[key]))
    lucky = set(ranked[:left])
    return {key: shares[key][0] + (1 if key in lucky else 0) for key in weights}


def largest_remainder_sql(total: Any, weight: Any, whole: Any) -> tuple[Any, Any]:
    """The two SQL steps of `largest_remainder` for one row of a group: (rounded-down share,
    remainder). The caller ranks the rows of each group by remainder (descending, then the
    key's order) and adds one cent to the first `total - sum(shares)` of them."""
    zero = sql_int(0)
    base, remainder = _floor_share(total, weight, whole)
    return (
        case((whole > zero, base), else_=zero),
        case((whole > zero, remainder), else_=zero),
    )


def split_evenly(total: int, keys: Sequence[K]) -> dict[K, int]:
    """`total` cents in equal whole-cent parts over `keys`; the cents left over go one each to
    the first keys."""
    if not keys:
        return {}
    return {key: even_part(total, len(keys), rank) for rank, key in enumerate(keys, start=1)}


def even_part(total: Any, count: Any, rank: Any) -> Any:
    """The part of the `rank`-th key (from 1) in `split_evenly`, for integers or SQL integer
    expressions alike."""
    if isinstance(total, int) and isinstance(count, int) and isinstance(rank, int):
        return total // count + (1 if rank <= total % count else 0)
    one, zero = sql_int(1), sql_int(0)
    return total // count + case((rank <= total % count, one), else_=zero)


def round_cents(value: Decimal) -> Decimal:
    """A Decimal amount rounded half-up to the cent (a fee, a rate of an amount)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def cents(amount: Decimal) -> int:
    """A Decimal amount of dollars as whole cents."""
    return int((Decimal(amount) / CENT).to_integral_value())


def from_cents(value: int | None) -> Decimal:
    """Whole cents as a Decimal amount of dollars (None, as an empty SQL sum gives: 0.00)."""
    return (Decimal(int(value or 0)) * CENT).quantize(CENT)


def read_amount(value: Any) -> Decimal:
    """An amount read from the database as an exact Decimal of cents (None -> 0.00).

    SQLite keeps NUMERIC values as binary floats: the float is rounded to the cent.
    PostgreSQL returns exact decimals, which the rounding leaves as they are."""
    if value is None:
        return ZERO
    if isinstance(value, float):
        return Decimal(f"{value:.2f}")
    return round_cents(value)


def sql_cents(amount_column: Any) -> Any:
    """A NUMERIC(14, 2) amount column as whole cents in SQL."""
    return cast(func.round(amount_column * 100), BigInteger)


class total_of:
    """A read-only attribute of a record: one amount summed over a list of its rows.

    ``transfers = total_of("organizations", "transfers")`` reads as the sum of each
    organization's transfers. The sum starts at 0.00, so that a record with no rows shows an
    amount (0.00), never the integer 0."""

    def __init__(self, rows: str, amount: str) -> None:
        self.rows = rows
        self.amount = amount

    def __set_name__(self, owner: type, name: str) -> None:
        self.__doc__ = f"The sum of {self.amount} over {self.rows}."

    def __get__(self, record: Any, owner: type | None = None) -> Any:
        if record is None:
            return self
        rows = getattr(record, self.rows)
        return sum((getattr(row, self.amount) for row in rows), ZERO)


class AmountError(Unreadable):
    """An amount that is not a non-negative sum of dollars and cents."""


def _is_digits(part: str) -> bool:
    return part.isascii() and part.isdigit()


# Typed amounts. A person types an amount as the page's language writes it ("125 000,50" in
# French, "125.000,50" in Spanish, "125,000.50" in English and on Arabic pages,
# or in Arabic-Indic digits with the Arabic marks) or in the plain form every language reads
# ("125000.50"). An amount the two readings understand differently (Spanish "1.250": 1,250 or
# 1.25) is refused, never guessed.

SPACES = " \u00a0\u202f"  # a space, a no-break space, a narrow no-break space: all groups
PLAIN = (".", "")  # the plain form: a point before the decimals, no groups
# Invisible marks an amount copied from a right-to-left page carries around its digits.
_MARKS = dict.fromkeys(
    map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)
# The digits of a language's own numbering system (babel names it), read as 0-9.
NATIVE_DIGITS = {"arab": "٠١٢٣٤٥٦٧٨٩", "arabext": "۰۱۲۳۴۵۶۷۸۹"}
EXAMPLE = Decimal("125000.50")  # the amount a refusal shows as an example


@dataclass(frozen=True)
class Writing:
    """How a language writes numbers (babel's locale data): its readings, each a decimal mark
    and the marks it puts between groups of three digits (a space always among them); the
    digits of its own numbering system; the symbols of the dollar it writes."""

    language: str
    readings: tuple[tuple[str, str], ...]
    digits: dict[int, str]
    currencies: tuple[str, ...]


@functools.cache
def writing(language: str) -> Writing:
    """How `language` writes numbers (English for a language babel does not know)."""
    try:
        locale = Locale.parse(language)
    except (ValueError, UnknownLocaleError):
        locale, language = Locale.parse("en"), "en"
    native = locale.other_numbering_systems.get("native", "latn")
    readings = []
    for system in dict.fromkeys(("latn", native)):
        group = get_group_symbol(locale, numbering_system=system)
        groups = SPACES if group in SPACES else group + SPACES
        readings.append((get_decimal_symbol(locale, numbering_system=system), groups))
    own = NATIVE_DIGITS.get(native, "")
    digits = {ord(digit): str(value) for value, digit in enumerate(own)}
    symbols = {"USD", get_currency_symbol("USD", locale), "$"}
    # The longest first (a sign inside another is tried after it), then in one order always.
    return Writing(
        language, tuple(readings), digits, tuple(sorted(symbols, key=lambda s: (-len(s), s)))
    )


def latin_digits(text: str, language: str | None = None) -> str:
    """`text` as a number's reader reads its digits: without the invisible direction marks a
    right-to-left page puts around them and its surrounding spaces, the digits of `language`'s
    own numbering system (default: the page's) as 0-9 ("٢٠٢٤" -> "2024")."""
    return _latin(text, writing(language or page_language()))


def _latin(text: str, way: Writing) -> str:
    """`text` without invisible direction marks and surrounding spaces, the digits of `way`'s
    own numbering system as 0-9 (`latin_digits`)."""
    return text.translate(_MARKS).translate(way.digits).strip()


def _unsigned(cleaned: str) -> tuple[bool, str]:
    """Whether `cleaned` starts with a minus sign (a hyphen or the true minus), and what
    follows the sign."""
    if cleaned[:1] in ("-", "\u2212"):
        return True, cleaned[1:].lstrip()
    return False, cleaned


def page_language() -> str:
    """The language of the page being answered (flask-babel's), English outside a request."""
    locale = get_locale()
    return str(locale.language) if locale else "en"


def typed_amount(value: Decimal, language: str | None = None) -> str:
    """An amount as a person of `language` (default: the page's) types it: grouped, with its
    cents ("125 000,50" in French, "125.000,50" in Spanish, "125,000.50" in English); more
    decimals than cents when it has them."""
    places = max(2, -int(Decimal(value).normalize().as_tuple().exponent))
    pattern = "#,##0." + "0" * places
    return format_decimal(
        Decimal(value), format=pattern, locale=writing(language or page_language()).language
    )


class TypedAmount(Figure):
    """An amount within a sentence as a person types it: in English in what is kept
    ("125,000.50"), in the page's language where it is said ("125 000,50")."""

    kept_as = staticmethod(lambda value: typed_amount(value, "en"))
    said_as = staticmethod(typed_amount)


class AmountExample:
    """An amount in a field's hint ("e.g. %(example)s"): written when the hint is, in the
    page's language."""

    def __init__(self, value: str) -> None:
        self.value = Decimal(value)

    def __str__(self) -> str:
        return typed_amount(self.value)


def _not_an_amount(text: str | None) -> AmountError:
    return AmountError(
        N_("“%(text)s” is not an amount: use digits, e.g. %(example)s."),
        text=text or "",
        example=TypedAmount(EXAMPLE),
    )


def _bare(text: str, way: Writing) -> str:
    """`text` without its currency ("USD", "$US", "US$", "$", before or after), invisible
    direction marks and surrounding spaces, its language's own digits as 0-9."""
    cleaned = _latin(text, way)
    for symbol in way.currencies:
        if cleaned[: len(symbol)].upper() == symbol.upper():
            cleaned = cleaned[len(symbol) :].strip()
            break
    for symbol in way.currencies:
        if symbol and cleaned[-len(symbol) :].upper() == symbol.upper():
            cleaned = cleaned[: -len(symbol)].strip()
            break
    return cleaned


def _read(text: str, decimal: str, groups: str) -> Decimal | None:
    """`text` read with `decimal` before the decimals and one kind of `groups` between groups of
    three digits (the first of one to three, not starting with 0); None when it is not written
    that way."""
    whole, mark, fraction = text.partition(decimal)
    if mark and not _is_digits(fraction):
        return None
    if _is_digits(whole) or (not whole and mark):
        return Decimal(f"{whole or 0}.{fraction}" if mark else whole)
    marks = {c for c in whole if not _is_digits(c)}
    if not marks <= set(groups) or len({" " if c in SPACES else c for c in marks}) != 1:
        return None
    parts = re.split(f"[{re.escape(''.join(marks))}]", whole)
    well_grouped = (
        all(_is_digits(part) for part in parts)
        and 1 <= len(parts[0]) <= 3
        and parts[0][0] != "0"
        and all(len(part) == 3 for part in parts[1:])
    )
    if not well_grouped:
        return None
    digits = "".join(parts)
    return Decimal(f"{digits}.{fraction}" if mark else digits)


def _readings(cleaned: str, way: Writing) -> list[Decimal]:
    """The numbers `cleaned` (without sign) is as `way` writes numbers or in the plain form,
    each once: none (not a number), one, or two that the readings understand differently."""
    values: list[Decimal] = []
    for reading in (*way.readings, PLAIN):
        value = _read(cleaned, *reading)
        if value is not None and value not in values:
            values.append(value)
    return values


def currency_places(currency: str) -> int:
    """The decimals an amount in `currency` (ISO 4217) has, as Babel knows its minor unit: 2
    for USD or EUR, 0 for JPY; never more than the cents an amount is kept with."""
    return min(get_currency_precision(currency), 2)


def within_places(value: Decimal, currency: str) -> bool:
    """Whether `value` has no more decimals than `currency` has ("1000000.00" JPY has none
    that count; "1000000.50" JPY has one too many)."""
    places = currency_places(currency)
    return value == value.quantize(Decimal(1).scaleb(-places))


# The sentence refusing an amount with decimals its currency does not have (`within_places`:
# only a currency without a minor unit refuses decimals, the others have the cents).
TOO_MANY_PLACES = N_("An amount in %(currency)s has no decimals: type it in whole units.")


def parse_amount(
    text: str | None, language: str | None = None, currency: str | None = None
) -> Decimal:
    """Read an amount typed on a page in `language` (default: the page's): as the language
    writes it or in the plain form ("125000.50"), with "USD" or the language's dollar sign
    around it if at all. Refused: anything else (signs, exponents, misplaced groups: "1,5" is
    not 15 in English), an amount the two readings understand differently ("1.250" in
    Spanish), more than two decimals (never rounded: "12,500" in Spanish is not 12.50), and,
    given its `currency`, decimals the currency does not have ("1000000.50" in JPY)."""
    way = writing(language or page_language())
    cleaned = _bare(text or "", way)
    if not cleaned:
        raise AmountError(N_("Enter an amount."))
    negative, cleaned = _unsigned(cleaned)
    values = _readings(cleaned, way)
    if not values:
        raise _not_an_amount(text)
    if len(values) > 1:
        raise AmountError(
            N_(
                "“%(text)s” can be read as %(first)s or as %(second)s: type the amount with its "
                "cents, as %(first)s or %(second)s."
            ),
            text=text or "",
            first=TypedAmount(values[0]),
            second=TypedAmount(values[1]),
        )
    value = values[0]
    if negative:
        raise AmountError(N_("Amounts cannot be negative."))
    # Too large first: quantizing a value of more than 26 digits is itself an error.
    if value > MAX_AMOUNT:
        raise AmountError(N_("The amount is too large."))
    # Decimals as typed: "1.250" has three, even though its third is a zero.
    if int(value.as_tuple().exponent) < -2:
        raise AmountError(N_("Use at most two decimals (cents)."))
    if currency is not None and not within_places(value, currency):
        raise AmountError(TOO_MANY_PLACES, currency=currency)
    return value.quantize(CENT)


# Typed rates (an exchange rate): digits with at most one decimal mark, the page's language's
# ("1,085" in French and Spanish) or the plain form's point ("1.085" everywhere); a rate has
# no groups, so a mark that is only a group separator in the language ("1,085" in English) is
# refused, never read as 1085.


def read_rate(text: str | None, language: str | None = None) -> Decimal | None:
    """A rate typed on a page in `language` (default: the page's), or None when it is not
    digits with at most one decimal mark of the language or a point ("1 08", "1e2", "1,085" in
    English: None)."""
    way = writing(language or page_language())
    cleaned = _latin(text or "", way)
    marks = {decimal for decimal, _ in way.readings} | {"."}
    whole, mark, fraction = "", "", ""
    for decimal in marks:
        if decimal in cleaned:
            whole, mark, fraction = cleaned.partition(decimal)
            break
    else:
        whole = cleaned
    if mark and not _is_digits(fraction):
        return None
    if not (_is_digits(whole) or (not whole and mark)):
        return None
    return Decimal(f"{whole or 0}.{fraction}" if mark else whole)


def typed_rate(value: Decimal, language: str | None = None) -> str:
    """A rate as a person of `language` (default: the page's) types it: its digits, without
    trailing zeros or groups, with the language's decimal mark ("1,0825" in French)."""
    decimal = writing(language or page_language()).readings[0][0]
    return plain_number(value).replace(".", decimal)


class TypedRate(Figure):
    """A rate within a sentence as a person types it: "1.0825" in what is kept, in the page's
    language where it is said ("1,0825" in French)."""

    kept_as = staticmethod(lambda value: plain_number(value))  # defined further down
    said_as = staticmethod(typed_rate)


# Typed decimals (a baseline, a target, an indicator's value: any number that is not an amount
# or a rate): read as amounts are (the page's language's writing or the plain form, refused
# when the two differ), with a sign and without a currency; shown as rates are ("12,5").

NUMBER_EXAMPLE = Decimal("1250.5")  # the number a refusal shows as an example
typed_decimal = typed_rate  # a decimal as the page's language types it: "12,5" in French
TypedDecimal = TypedRate  # within a sentence: "12.5" in what is kept, "12,5" where it is said


class NumberError(Unreadable):
    """A typed decimal that is not a number."""


class AmbiguousNumber(NumberError):
    """A typed decimal that is a number, read differently by the language's writing and the
    plain form ("1.250" in Spanish): which one the person meant is asked, never guessed."""


def read_decimal(text: str | None, language: str | None = None) -> Decimal:
    """A decimal typed on a page in `language` (default: the page's), with its sign: "12,5" or
    "12.5" in French, "12.5" or "1,250.5" in English. Refused (`NumberError`, its example
    written as the page writes numbers): what is not a number, and a number the two readings
    understand differently ("1.250" in Spanish). Its decimals are as typed."""
    way = writing(language or page_language())
    cleaned = _latin(text or "", way)
    negative, cleaned = _unsigned(cleaned)
    values = _readings(cleaned, way) if cleaned else []
    if not values:
        raise NumberError(
            N_("“%(text)s” is not a number: use digits, e.g. %(example)s."),
            text=text or "",
            example=TypedDecimal(NUMBER_EXAMPLE),
        )
    if len(values) > 1:
        raise AmbiguousNumber(
            N_(
                "“%(text)s” can be read as %(first)s or as %(second)s: type %(first)s or "
                "%(second)s."
            ),
            text=text or "",
            first=TypedDecimal(values[0]),
            second=TypedDecimal(values[1]),
        )
    return -values[0] if negative else values[0]


# Amounts as text: for people with the currency (`format_usd`) or in a column of amounts
# (`format_amount`); on a chart's axis, short (`axis_amount`); for data files, exact digits
# (`amount_text`).


def format_usd(value: Decimal | int | None, currency: str = "USD") -> str:
    """An amount as pages, messages and reports show it: `USD 1,234.50` (an unknown amount:
    an em dash). The `money` template filter is this function."""
    if value is None:
        return "—"
    return f"{currency} {format_amount(value)}"


def format_amount(value: Decimal | int | None) -> str:
    """An amount in a table whose heading names the currency: `1,234.50` (unknown: an em
    dash)."""
    if value is None:
        return "—"
    return f"{Decimal(value):,.2f}"


def axis_amount(value: Decimal | int) -> str:
    """An amount on a chart's axis, short: 0, 250k, 1.5M (the page's and the PDF's charts)."""
    value = Decimal(value)
    if value >= 1_000_000:
        return f"{(value / 1_000_000).normalize():f}M"
    if value >= 1_000:
        return f"{(value / 1_000).normalize():f}k"
    return f"{value.normalize():f}"


def plain_number(value: Decimal | int | str) -> str:
    """A number's digits as a person types them: no exponent and no trailing zeros ("1.0825",
    "100", "0.07" for 0.0700). What a form shows again of a stored value, what a rate is kept
    under next to the figures computed with it, what a CSV cell of a rate or count holds."""
    return format(Decimal(value).normalize(), "f")


def amount_text(value: Decimal) -> str:
    """An amount as data files write it (IATI): digits, a point and the two decimals of the
    cents, without grouping (`1234.50`), never through a float."""
    return format(round_cents(value), "f")


# The administrative agent's fee rate as a deposit keeps it (contributions.fee_rate is
# NUMERIC(6, 4)): at least 0, below 1, in steps of 0.0001.
FEE_RATE_STEP = Decimal("0.0001")
FEE_RATE_RULE = "between 0 and 1 (1 excluded), with at most four decimals"


def fee_rate_fits(rate: Decimal) -> bool:
    """Whether a deposit can keep `rate` as its fee rate (`FEE_RATE_RULE`): one rule for
    recording a deposit and for the `ADMIN_AGENT_FEE_RATE` setting, checked at start."""
    return 0 <= rate < 1 and rate == rate.quantize(FEE_RATE_STEP)

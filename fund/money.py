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

from collections.abc import Hashable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, TypeVar

from sqlalchemy import BigInteger, Numeric, case, cast, func, literal_column

from fund.sentences import N_, Unreadable

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999999.99")  # the largest that Money holds
# The column type of every amount in the database: exact, to the cent.
Money = Numeric(14, 2)
ZERO = Decimal("0.00")

K = TypeVar("K", bound=Hashable)


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


def _not_an_amount(text: str | None) -> AmountError:
    return AmountError(
        N_("“%(text)s” is not an amount: use digits, e.g. 125000.50."), text=text or ""
    )


def _is_digits(part: str) -> bool:
    return part.isascii() and part.isdigit()


def typed_number(text: str) -> tuple[bool, Decimal | None]:
    """A number as people type it: digits, in groups of thousands separated by commas or
    (non-breaking) spaces or not at all, then a point and the decimals; a minus sign first.
    Returns (negative, the number without its sign), or (False, None) for anything else:
    exponents, NaN/Infinity, misplaced group separators ("1,5" is not read as 15, nor "12,5"
    as 125). The one reading of typed amounts (`parse_amount`) and indicators' values."""
    cleaned = text.strip()
    negative = cleaned[:1] in ("-", "\u2212")
    whole, dot, fraction = (cleaned[1:].lstrip() if negative else cleaned).partition(".")
    groups = whole.replace(",", " ").replace("\u00a0", " ").replace("\u202f", " ").split(" ")
    whole_ok = (
        _is_digits(whole) or (whole == "" and bool(dot))
        if len(groups) == 1
        else all(_is_digits(g) for g in groups)
        and 1 <= len(groups[0]) <= 3
        and all(len(g) == 3 for g in groups[1:])
    )
    if not whole_ok or (dot and not _is_digits(fraction)):
        return False, None
    try:
        digits = "".join(groups) or "0"
        return negative, Decimal(f"{digits}.{fraction}" if fraction else digits)
    except InvalidOperation:
        return False, None


def parse_amount(text: str | None) -> Decimal:
    """Read a typed amount such as "125000", "125,000.50", "125 000.5" or "USD 10"
    (`typed_number`); refuse anything else: signs, exponents, NaN/Infinity, misplaced group
    separators ("1,5" is not read as 15), more than two decimals."""
    cleaned = (text or "").strip()
    if cleaned[:3].upper() == "USD":
        cleaned = cleaned[3:].strip()
    if not cleaned:
        raise AmountError(N_("Enter an amount."))
    negative, value = typed_number(cleaned)
    if value is None:
        raise _not_an_amount(text)
    if negative:
        raise AmountError(N_("Amounts cannot be negative."))
    # Too large first: quantizing a value of more than 26 digits is itself an error.
    if value > MAX_AMOUNT:
        raise AmountError(N_("The amount is too large."))
    if value != round_cents(value):
        raise AmountError(N_("Use at most two decimals (cents)."))
    return value.quantize(CENT)


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

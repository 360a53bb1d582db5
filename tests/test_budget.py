"""Budget arithmetic: properties over random budgets, worked rounding examples, typed amounts."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fund.money import MAX_AMOUNT, AmountError, parse_amount, round_cents
from fund.proposals.budget import (
    INDIRECT_CATEGORY,
    BudgetSummary,
    Line,
    indirect_costs,
    summarise,
)

# No example database: the tests leave nothing behind in the working tree.
PROPERTY = settings(database=None, deadline=None, max_examples=200)

DEFAULT_RATE = Decimal("0.07")
ZERO = Decimal("0.00")

amounts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False)
rates = st.decimals(min_value=0, max_value=Decimal("0.2"), places=4, allow_nan=False)
lines_strategy = st.lists(
    st.builds(
        Line,
        organization_id=st.integers(1, 5),
        objective_number=st.integers(1, 23),
        category_code=st.integers(1, 7),
        amount=amounts,
    ),
    max_size=40,
)


def half_up_cents(value: Fraction) -> Decimal:
    """An oracle independent of the decimal module: round a non-negative exact value half-up
    to whole cents."""
    cents = math.floor(value * 100 + Fraction(1, 2))
    return Decimal(cents).scaleb(-2)


def is_cents(value: object) -> bool:
    return isinstance(value, Decimal) and value.as_tuple().exponent == -2


def all_amounts(summary: BudgetSummary) -> list[object]:
    values: list[object] = [summary.direct_total, summary.indirect_total, summary.grand_total]
    for budget in summary.by_organization.values():
        values += [budget.direct, budget.indirect, budget.total]
    values += list(summary.by_objective.values())
    values += list(summary.by_category.values())
    return values


# -- properties over random budgets ---------------------------------------------------------


@PROPERTY
@given(lines=lines_strategy, rate=st.one_of(st.just(DEFAULT_RATE), rates))
def test_grand_total_is_direct_plus_indirect_rounded_per_organization(lines, rate):
    summary = summarise(lines, rate)
    direct_by_org: dict[int, Fraction] = {}
    for line in lines:
        direct_by_org[line.organization_id] = direct_by_org.get(
            line.organization_id, Fraction(0)
        ) + Fraction(line.amount)
    expected_indirect = sum(
        (half_up_cents(direct * Fraction(rate)) for direct in direct_by_org.values()), ZERO
    )
    expected_direct = sum((line.amount for line in lines), ZERO)

    assert summary.direct_total == expected_direct
    assert summary.indirect_total == expected_indirect
    assert summary.grand_total == expected_direct + expected_indirect
    assert set(summary.by_organization) == set(direct_by_org)
    for organization_id, budget in summary.by_organization.items():
        assert Fraction(budget.direct) == direct_by_org[organization_id]
        assert budget.indirect == half_up_cents(direct_by_org[organization_id] * Fraction(rate))
        assert budget.total == budget.direct + budget.indirect


@PROPERTY
@given(direct=st.decimals(min_value=0, max_value=MAX_AMOUNT, places=2), rate=rates)
def test_indirect_is_the_rate_rounded_half_up_to_the_cent(direct, rate):
    for r in (DEFAULT_RATE, rate):
        indirect = indirect_costs(direct, r)
        assert is_cents(indirect)
        assert indirect == half_up_cents(Fraction(direct) * Fraction(r))
        assert abs(Fraction(indirect) - Fraction(direct) * Fraction(r)) <= Fraction(1, 200)
        assert indirect == round_cents(direct * r)


@PROPERTY
@given(lines=lines_strategy, rate=st.one_of(st.just(DEFAULT_RATE), rates))
def test_objective_and_category_totals_add_up_to_the_direct_total(lines, rate):
    summary = summarise(lines, rate)
    assert sum(summary.by_objective.values(), ZERO) == summary.direct_total
    direct_categories = {c: v for c, v in summary.by_category.items() if c != INDIRECT_CATEGORY}
    assert set(direct_categories) <= set(range(1, 8))
    assert set(summary.by_objective) <= set(range(1, 24))
    assert sum(direct_categories.values(), ZERO) == summary.direct_total
    for category in range(1, 8):
        expected = sum((line.amount for line in lines if line.category_code == category), ZERO)
        assert summary.by_category.get(category, ZERO) == expected
    for objective in range(1, 24):
        expected = sum((line.amount for line in lines if line.objective_number == objective), ZERO)
        assert summary.by_objective.get(objective, ZERO) == expected


@PROPERTY
@given(lines=lines_strategy, rate=st.one_of(st.just(DEFAULT_RATE), rates))
def test_category_8_holds_the_indirect_total(lines, rate):
    summary = summarise(lines, rate)
    if lines:
        assert summary.by_category[INDIRECT_CATEGORY] == summary.indirect_total
        assert sum(summary.by_category.values(), ZERO) == summary.grand_total
    else:
        assert INDIRECT_CATEGORY not in summary.by_category
        assert summary.grand_total == ZERO


@PROPERTY
@given(lines=lines_strategy, rate=st.one_of(st.just(DEFAULT_RATE), rates))
def test_every_amount_is_an_exact_decimal_in_cents(lines, rate):
    summary = summarise(lines, rate)
    for value in all_amounts(summary):
        assert not isinstance(value, float)
        assert is_cents(value), value


@PROPERTY
@given(lines=lines_strategy, rate=rates)
def test_the_order_of_lines_does_not_matter(lines, rate):
    forwards, backwards = summarise(lines, rate), summarise(list(reversed(lines)), rate)
    assert forwards.by_organization == backwards.by_organization
    assert forwards.by_objective == backwards.by_objective
    assert forwards.by_category == backwards.by_category


# -- worked examples --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("direct", "rate", "indirect"),
    [
        ("0.50", "0.07", "0.04"),  # 0.035 rounds half up
        ("1.50", "0.07", "0.11"),  # 0.105 rounds half up
        ("0.00", "0.07", "0.00"),
        ("0.07", "0.07", "0.00"),  # 0.0049
        ("1000000.00", "0.07", "70000.00"),
        ("10.00", "0", "0.00"),
        ("0.25", "0.2", "0.05"),
        ("333.33", "0.0725", "24.17"),  # 24.1664...
    ],
)
def test_indirect_examples(direct, rate, indirect):
    result = indirect_costs(Decimal(direct), Decimal(rate))
    assert result == Decimal(indirect)
    assert is_cents(result)


def test_indirect_costs_are_rounded_per_organization_not_on_the_total():
    lines = [Line(1, 6, 1, Decimal("0.50")), Line(2, 6, 1, Decimal("0.50"))]
    summary = summarise(lines, DEFAULT_RATE)
    assert [b.indirect for b in summary.by_organization.values()] == [Decimal("0.04")] * 2
    assert summary.indirect_total == Decimal("0.08")  # not round(1.00 * 7%) = 0.07
    assert summary.by_category == {1: Decimal("1.00"), INDIRECT_CATEGORY: Decimal("0.08")}
    assert summary.grand_total == Decimal("1.08")


def test_an_empty_budget_is_zero_in_cents():
    summary = summarise([], DEFAULT_RATE)
    assert (summary.direct_total, summary.indirect_total, summary.grand_total) == (ZERO,) * 3
    assert all(is_cents(v) for v in all_amounts(summary))
    assert summary.by_category == {}


# -- typed amounts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("125000", "125000.00"),
        ("125,000.50", "125000.50"),
        (" 1 000.5 ", "1000.50"),
        ("USD 10", "10.00"),
        ("usd10", "10.00"),
        ("0", "0.00"),
        ("0.5", "0.50"),
        (".75", "0.75"),
        ("1\u00a0234\u00a0567.89", "1234567.89"),
        ("12,345,678", "12345678.00"),
        ("999,999,999,999.99", "999999999999.99"),
    ],
)
def test_parse_amount_accepts(text, amount):
    parsed = parse_amount(text)
    assert parsed == Decimal(amount)
    assert is_cents(parsed)


NOT_AN_AMOUNT = "is not an amount: use digits, e.g. 125,000.50."


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter an amount."),
        ("   ", "Enter an amount."),
        (None, "Enter an amount."),
        ("USD", "Enter an amount."),
        ("abc", f"“abc” {NOT_AN_AMOUNT}"),
        ("-1", "Amounts cannot be negative."),
        ("- 1,000", "Amounts cannot be negative."),
        ("\u22125", "Amounts cannot be negative."),
        ("1.005", "Use at most two decimals (cents)."),
        ("1.500", "Use at most two decimals (cents)."),  # never read as 1.50 by dropping a 0
        ("NaN", f"“NaN” {NOT_AN_AMOUNT}"),
        ("Infinity", f"“Infinity” {NOT_AN_AMOUNT}"),
        ("1e3", f"“1e3” {NOT_AN_AMOUNT}"),  # nobody types exponents: refused, not 1000
        ("+5", f"“+5” {NOT_AN_AMOUNT}"),
        ("1_000", f"“1_000” {NOT_AN_AMOUNT}"),
        ("1,5", f"“1,5” {NOT_AN_AMOUNT}"),  # a decimal comma is not read as 15
        ("1000,50", f"“1000,50” {NOT_AN_AMOUNT}"),
        ("1,,000", f"“1,,000” {NOT_AN_AMOUNT}"),
        ("1.", f"“1.” {NOT_AN_AMOUNT}"),
        ("1.2.3", f"“1.2.3” {NOT_AN_AMOUNT}"),
        ("\u0663", f"“\u0663” {NOT_AN_AMOUNT}"),  # ARABIC-INDIC DIGIT THREE
        ("1000000000000", "The amount is too large."),
        ("1" + "0" * 26, "The amount is too large."),  # beyond the decimal context's precision
        ("9" * 40 + ".999", "The amount is too large."),
    ],
)
def test_parse_amount_refuses_with_a_message(text, message):
    with pytest.raises(AmountError) as refused:
        parse_amount(text)
    assert str(refused.value) == message


@PROPERTY
@given(amount=st.decimals(min_value=0, max_value=MAX_AMOUNT, places=2))
def test_parse_amount_reads_back_what_it_would_display(amount):
    assert parse_amount(f"{amount:,.2f}") == amount
    assert parse_amount(f"{amount:f}") == amount
    assert parse_amount(f"USD {amount:,.2f}".replace(",", " ")) == amount


@PROPERTY
@given(text=st.text(max_size=30))
def test_parse_amount_either_reads_cents_or_refuses_with_amount_error(text):
    try:
        value = parse_amount(text)
    except AmountError as refused:
        assert str(refused)
    else:
        assert is_cents(value)
        assert ZERO <= value <= MAX_AMOUNT

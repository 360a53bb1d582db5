"""Amounts typed in a page's language: French "107 000,00", Spanish "500.000,00", English
"125,000.50", Arabic in Western or Arabic-Indic digits, and the plain form "125000.50" in every
language; an amount the two readings understand differently is refused, never guessed."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from flask_babel import force_locale
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from fund.extensions import db, utcnow
from fund.finance.models import Contribution
from fund.money import MAX_AMOUNT, AmountError, parse_amount, typed_amount
from tests.helpers import csrf_token, grant_agent_role, org_id
from tests.test_closure import programme, treasurer  # noqa: F401  (fixtures)

NNBSP, NBSP = "\u202f", "\u00a0"  # narrow no-break space, no-break space

ACCEPTED = [
    # English: a comma (or a space) between groups, a point before the cents.
    ("en", "125000.50", "125000.50"),
    ("en", "125,000.50", "125000.50"),
    ("en", "125 000.5", "125000.50"),
    ("en", "USD 1,000", "1000.00"),
    ("en", "$1,000", "1000.00"),
    ("en", ".75", "0.75"),
    # French: spaces of any kind between groups, a comma before the cents.
    ("fr", "107 000,00", "107000.00"),
    ("fr", "107000,5", "107000.50"),
    ("fr", f"107{NBSP}000,00", "107000.00"),
    ("fr", f"1{NNBSP}250{NNBSP}000,75", "1250000.75"),
    ("fr", f"107{NNBSP}000,00{NBSP}$US", "107000.00"),  # as the page writes it
    ("fr", "1,5", "1.50"),
    ("fr", "125000.50", "125000.50"),  # the plain form
    ("fr", "125000", "125000.00"),
    # Spanish: a point between groups, a comma before the cents.
    ("es", "500.000,00", "500000.00"),
    ("es", "1250000,50", "1250000.50"),
    ("es", "1.250,00", "1250.00"),
    ("es", "1.250.000", "1250000.00"),  # two points: only groups
    ("es", f"500.000,00{NBSP}US$", "500000.00"),
    ("es", "1250.50", "1250.50"),  # the plain form: two decimals are not a group
    ("es", "1.25", "1.25"),
    ("es", "1250", "1250.00"),
    # Arabic pages write Western digits as English does; Arabic-Indic digits with the Arabic
    # decimal and group marks are read too.
    ("ar", "125,000.50", "125000.50"),
    ("ar", "125000.50", "125000.50"),
    ("ar", "\u0661\u0662\u0665\u066c\u0660\u0660\u0660\u066b\u0665\u0660", "125000.50"),
    ("ar", "\u0661\u0662\u0665\u0660\u0660\u0660\u066b\u0665", "125000.50"),
    ("ar", f"\u2066\u200f1,234,567.50{NBSP}US$\u2069", "1234567.50"),  # copied from a page
]


@pytest.mark.parametrize(("language", "text", "amount"), ACCEPTED)
def test_an_amount_typed_as_the_language_writes_it_is_read(language, text, amount):
    assert parse_amount(text, language) == Decimal(amount)


NOT_AN_AMOUNT = "is not an amount: use digits, e.g. 125,000.50."
TWO_DECIMALS = "Use at most two decimals (cents)."

REFUSED = [
    # Ambiguous: the language's reading and the plain form differ.
    ("es", "1.250", "“1.250” can be read as 1,250.00 or as 1.25: type the amount with its cents"),
    ("es", "12.500", "“12.500” can be read as 12,500.00 or as 12.50"),
    ("es", "125.000", "“125.000” can be read as 125,000.00 or as 125.00"),
    ("es", "1.255", "“1.255” can be read as 1,255.00 or as 1.255"),
    # More than two decimals, never read by dropping zeros.
    ("en", "1.250", TWO_DECIMALS),
    ("fr", "1,250", TWO_DECIMALS),
    ("fr", "1.250", TWO_DECIMALS),
    ("es", "12,500", TWO_DECIMALS),
    ("es", "0.500", TWO_DECIMALS),  # no group starts with 0: only the plain reading
    ("ar", "1.250", TWO_DECIMALS),
    # Not written the language's way nor the plain way.
    ("en", "1,5", f"“1,5” {NOT_AN_AMOUNT}"),
    ("en", "107 000,00", f"“107 000,00” {NOT_AN_AMOUNT}"),
    ("en", "\u0663", f"“\u0663” {NOT_AN_AMOUNT}"),
    ("fr", "1 250.50", f"“1 250.50” {NOT_AN_AMOUNT}"),  # French groups, the plain point
    ("fr", "125,000.50", f"“125,000.50” {NOT_AN_AMOUNT}"),
    ("fr", "1 25,00", f"“1 25,00” {NOT_AN_AMOUNT}"),  # groups of three digits
    ("fr", "1250 000", f"“1250 000” {NOT_AN_AMOUNT}"),
    ("fr", "012 000", f"“012 000” {NOT_AN_AMOUNT}"),
    ("fr", "1,5,0", f"“1,5,0” {NOT_AN_AMOUNT}"),
    ("fr", "107 000,", f"“107 000,” {NOT_AN_AMOUNT}"),
    ("es", "1.250 000", f"“1.250 000” {NOT_AN_AMOUNT}"),  # one kind of group mark
    ("es", "125,000.50", f"“125,000.50” {NOT_AN_AMOUNT}"),
    ("es", "1.25,00", f"“1.25,00” {NOT_AN_AMOUNT}"),
    ("es", "1.2.3", f"“1.2.3” {NOT_AN_AMOUNT}"),
    ("ar", "1,5", f"“1,5” {NOT_AN_AMOUNT}"),
    ("ar", "\u0661\u066c\u0665", f"“\u0661\u066c\u0665” {NOT_AN_AMOUNT}"),
    # The rules every language shares.
    ("fr", "", "Enter an amount."),
    ("fr", "$US", "Enter an amount."),
    ("fr", "-107 000,00", "Amounts cannot be negative."),
    ("es", "\u22121.250,00", "Amounts cannot be negative."),
    ("fr", "1 000 000 000 000,00", "The amount is too large."),
    ("es", "1.000.000.000.000", "The amount is too large."),
    ("fr", "1e3", f"“1e3” {NOT_AN_AMOUNT}"),
    ("es", "NaN", f"“NaN” {NOT_AN_AMOUNT}"),
]


@pytest.mark.parametrize(("language", "text", "reason"), REFUSED)
def test_an_amount_that_cannot_be_read_surely_is_refused(language, text, reason):
    with pytest.raises(AmountError) as refused:
        parse_amount(text, language)
    assert str(refused.value).startswith(reason)


@pytest.mark.parametrize(
    ("language", "example"),
    [("en", "125,000.50"), ("fr", f"125{NNBSP}000,50"), ("es", "125.000,50"), ("ar", "125,000.50")],
)
def test_the_example_is_written_as_the_language_writes_it_and_read_back(app, language, example):
    with app.test_request_context(), force_locale(language):
        assert typed_amount(Decimal("125000.50")) == example
        assert parse_amount(example) == Decimal("125000.50")  # the page's language by default
        with pytest.raises(AmountError) as refused:
            parse_amount("abc")
        said = refused.value.said()  # the typed text within the language's own quotes
        assert re.search(r"[“«]\s?abc\s?[”»]", said) and example in said


def test_an_ambiguous_amount_says_its_two_readings_in_the_pages_language(app):
    with app.test_request_context(), force_locale("es"):
        with pytest.raises(AmountError) as refused:
            parse_amount("1.250")
        said = refused.value.said()
    assert "1.250,00" in said and "1,25" in said


@settings(database=None, deadline=None, max_examples=150)
@given(
    amount=st.decimals(min_value=0, max_value=MAX_AMOUNT, places=2),
    language=st.sampled_from(["en", "fr", "es", "ar"]),
)
def test_what_a_page_writes_is_read_back_in_its_language(amount, language):
    assert parse_amount(typed_amount(amount, language), language) == amount
    assert parse_amount(f"{amount:f}", language) == amount  # the plain form


# One form end to end, in French -------------------------------------------------------------


def test_a_french_contribution_form_reads_french_amounts_and_keeps_a_refused_one(
    app, client, secretariat, donor
) -> None:
    grant_agent_role(app, secretariat)
    client.get("/finance/contributions?lang=fr")  # the language is kept in a cookie
    page = html.unescape(client.get("/finance/contributions").get_data(as_text=True))
    assert f"1{NNBSP}000{NNBSP}000,00" in page and "1,000,000.00" not in page  # the hint
    token = csrf_token(client, "/finance/contributions")
    today = utcnow().date().isoformat()
    form = {"csrf_token": token, "donor_id": donor.id, "received_on": today, "earmark": ""}
    answer = client.post("/finance/contributions", data={**form, "gross": "107 000,00.5"})
    assert answer.status_code == 400
    page = html.unescape(answer.get_data(as_text=True))
    assert 'value="107 000,00.5"' in page  # what was typed stays in the field
    assert f"125{NNBSP}000,50" in page and "125000.50" not in page  # the French example
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Contribution)) == 0
    answer = client.post("/finance/contributions", data={**form, "gross": "107 000,00"})
    assert answer.status_code in (302, 303)
    with app.app_context():
        assert db.session.scalars(select(Contribution.gross)).all() == [Decimal("107000.00")]


def test_the_close_page_proposes_expenditure_as_the_page_writes_amounts(
    app,
    client,
    login_as,
    programme,  # noqa: F811 - the fixture imported above
) -> None:
    """Sent back as it is, the proposed final expenditure reads in the page's language."""
    login_as("secretariat", organization_acronym="IOM")
    page = client.get(f"/finance/proposals/{programme}/close?lang=fr").get_data(as_text=True)
    with app.app_context():
        ilo = org_id("ILO")
    assert re.search(rf'name="expenditure_{ilo}"[^>]*value="0,00"', page)
    assert 'value="0.00"' not in page

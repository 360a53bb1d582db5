"""The coverage targets: the page and the operation behind it refuse a target share by one rule,
in the same words for the same fault, in every language."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from flask_babel import force_locale

from fund.coverage.forms import parse_percent
from fund.coverage.model import ShareError, checked_share
from fund.coverage.operations import TargetError, set_targets
from tests.conftest import csrf_token

D = Decimal

# The shares the page would send: objective 1 at 12%, the 22 others at 4%; the areas 30, 10,
# 20, 20, 20. Each case spoils objective 3, typed on the page and as the share it stands for.
TYPED = dict.fromkeys(range(1, 24), "4") | {1: "12"}
AREAS = {"TA1": "30", "TA2": "10", "TA3": "20", "TA4": "20", "TA5": "20"}


def _page_says(client, language: str, typed: str) -> str:
    data = {"csrf_token": csrf_token(client, "/coverage/targets")}
    data |= {f"objective_{n}": v for n, v in (TYPED | {3: typed}).items()}
    data |= {f"area_{k}": v for k, v in AREAS.items()}
    response = client.post(f"/coverage/targets?lang={language}", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    [said] = re.findall(r'id="objective_3-error"><span>(.*?)</span>', page)
    return html.unescape(said)


def _operation_says(app, language: str, share: Decimal | None) -> str:
    objectives = {str(n): D(v) / 100 for n, v in TYPED.items()}
    if share is None:
        del objectives["3"]
    else:
        objectives["3"] = share
    shares = {"objective": objectives, "area": {k: D(v) / 100 for k, v in AREAS.items()}}
    with (
        app.test_request_context("/"),
        force_locale(language),
        pytest.raises(TargetError) as refused,
    ):
        set_targets(None, shares)
    assert refused.value.dimension_errors == {}
    return refused.value.field_errors[("objective", "3")]


@pytest.mark.parametrize(
    ("typed", "share", "english"),
    [
        ("", None, "Give a target share in percent, e.g. 4.3478."),
        ("101", D("1.01"), "A share must be between 0% and 100%."),
        ("-1", D("-0.01"), "A share must be between 0% and 100%."),
        ("4.00001", D("0.0400001"), "Use at most four decimals, e.g. 4.3478."),
    ],
)
def test_the_page_and_the_operation_refuse_a_share_in_the_same_words(
    app, client, login_as, typed, share, english
):
    """The operation refused a missing share with "Give a target share." and one with too many
    decimals with "Use at most four decimals of a percent.", where the page said "Give a target
    share in percent, e.g. 4.3478." and "Use at most four decimals, e.g. 4.3478.": one rule now
    says both, its example as the page's language writes a decimal ("4,3478" in French)."""
    login_as("secretariat", organization_acronym="IOM")
    for language in ("en", "fr", "es", "ar"):
        on_page = _page_says(client, language, typed)
        assert on_page == _operation_says(app, language, share), language
        if language == "en":
            assert on_page == english
        if language in ("fr", "es") and "4" in english:
            assert "4,3478" in on_page and "4.3478" not in on_page, on_page


def test_the_pages_equal_share_is_the_example_in_the_pages_language(client, login_as):
    """The hint's equal share (4.3478%) is the example the refusals give, written as the
    page's language writes a share: "4,3478 %" on a French page."""
    login_as("secretariat", organization_acronym="IOM")
    english = html.unescape(client.get("/coverage/targets?lang=en").get_data(as_text=True))
    assert "Equal shares are 4.3478% each." in english
    french = html.unescape(client.get("/coverage/targets?lang=fr").get_data(as_text=True))
    assert "4,3478\u00a0%" in french
    assert "4.3478%" not in french


def test_a_typed_percentage_keeps_every_digit_it_was_typed_with(app):
    """A percentage is a share by moving its point, never by a division that would round a
    long one to 28 digits and let its extra decimals pass; "-0" is refused as "-1" is."""
    with app.test_request_context("/"):
        assert parse_percent("4.3478") == D("0.043478")
        assert parse_percent("4,3478 %") == D("0.043478")
        for typed, said in [
            ("4." + "0" * 30 + "1", "Use at most four decimals, e.g. 4.3478."),
            ("-0", "A share must be between 0% and 100%."),
        ]:
            with pytest.raises(ShareError) as refused:
                parse_percent(typed)
            assert str(refused.value) == said
        with pytest.raises(ShareError) as refused:
            checked_share(D("NaN"))
        assert str(refused.value) == "A share must be between 0% and 100%."


def test_text_that_is_no_number_gives_the_example_as_the_page_writes_it(client, login_as):
    """The page's own refusal (not a number at all) gives the same example, "4,3478" on a
    French page."""
    login_as("secretariat", organization_acronym="IOM")
    assert _page_says(client, "en", "abc") == "“abc” is not a percentage: use digits, e.g. 4.3478."
    french = _page_says(client, "fr", "abc")
    assert "4,3478" in french and "4.3478" not in french, french


def test_the_fields_are_filled_as_the_pages_language_types_a_decimal(client, login_as):
    """The shares in force fill the fields as the example writes them, "4,3478" on a French
    page, and the page reads them back as they were filled."""
    login_as("secretariat", organization_acronym="IOM")
    field = r'name="objective_1"[^>]*value="4%s3478"'
    french = client.get("/coverage/targets?lang=fr").get_data(as_text=True)
    assert re.search(field % ",", french)
    assert not re.search(field % r"\.", french)
    english = client.get("/coverage/targets?lang=en").get_data(as_text=True)
    assert re.search(field % r"\.", english)
    # Sent back as it was filled, the French form changes nothing and is not refused.
    values = dict(re.findall(r'name="((?:objective|area)_\w+)"[^>]*value="([^"]*)"', french))
    assert len(values) == 28 and values["objective_1"] == "4,3478"
    data = {"csrf_token": csrf_token(client, "/coverage/targets")} | values
    response = client.post("/coverage/targets?lang=fr", data=data)
    assert response.status_code == 302
    after = html.unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Rien n'a changé\u00a0: les cibles étaient déjà telles qu'affichées." in after


def _arabic(typed: str) -> str:
    """`typed` in Arabic-Indic digits, with the Arabic decimal mark and percent sign."""
    marks = {ord("."): "\u066b", ord("%"): "\u066a"}
    return typed.translate(marks | {ord(str(d)): chr(0x0660 + d) for d in range(10)})


def test_a_percentage_in_arabic_indic_digits_is_read_as_amounts_are(app):
    """On an Arabic page a share may be typed as amounts may: Arabic-Indic digits, the Arabic
    decimal mark and percent sign, the direction marks a copied number carries."""
    with app.test_request_context("/?lang=ar"), force_locale("ar"):
        assert parse_percent(_arabic("4.3478%")) == D("0.043478")
        assert parse_percent("\u200f" + _arabic("12.5 %") + "\u200f") == D("0.125")
        assert parse_percent(_arabic("100")) == D("1")

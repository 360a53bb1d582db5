"""Decimals that are not amounts (an indicator's baseline, targets and actuals) typed as the
page's language writes them ("12,5" in French) or in the plain form, read by the one reader of
`fund.money`; refusals and fields show them as the page writes numbers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fund.money import NumberError, read_decimal, typed_decimal
from fund.proposals.results_forms import _number


@pytest.mark.parametrize(
    ("language", "typed", "read"),
    [
        ("fr", "12,5", Decimal("12.5")),
        ("fr", "12.5", Decimal("12.5")),
        ("fr", "1 250,5", Decimal("1250.5")),
        ("fr", "-2,5", Decimal("-2.5")),
        ("es", "12,5", Decimal("12.5")),
        ("en", "1,250.5", Decimal("1250.5")),
        ("en", "12,5", None),  # never 125
        ("es", "1.250", None),  # 1250 or 1.25: never guessed
        ("fr", "1e3", None),
    ],
)
def test_a_decimal_is_read_as_the_pages_language_writes_it(app, language, typed, read):
    with app.test_request_context():
        if read is None:
            with pytest.raises(NumberError):
                read_decimal(typed, language)
        else:
            assert read_decimal(typed, language) == read


def test_the_results_editor_reads_a_french_decimal_comma_and_says_its_example_in_french(app):
    from types import SimpleNamespace

    with app.test_request_context("/?lang=fr"):
        field = SimpleNamespace(data="12,5", errors=[])
        assert _number(field, "the baseline") == Decimal("12.5")
        bad = SimpleNamespace(data="douze", errors=[])
        assert _number(bad, "the baseline") is None
        assert "12,5" in bad.errors[0] and "12.5" not in bad.errors[0]
        assert typed_decimal(Decimal("12.5000")) == "12,5"

"""The results framework editor's error summary names each yearly target by the year it is
for, so two bad targets give two different lines that say which year to correct."""

from __future__ import annotations

import html
import re
from decimal import Decimal

from fund.extensions import db, utcnow
from fund.proposals.models import Proposal
from tests.helpers import client_for
from tests.results_factories import add_framework
from tests.test_results_editor import _framework, _path, draft  # noqa: F401 - the fixture


def test_each_bad_target_is_named_by_its_year_in_the_summary(app, author, draft):  # noqa: F811
    owner = client_for(app, author)
    with app.app_context():
        add_framework(db.session.get(Proposal, draft))
        db.session.commit()
        data = _framework(
            owner,
            draft,
            outcomes__0__indicators__0__targets__0__value="ten",
            outcomes__0__indicators__0__targets__1__value="1e400",
        )
    response = owner.post(_path(draft), data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    for year in (2027, 2028):
        assert f"Outcome 1, indicator 1, target for {year}: Enter the target as a number" in page
    assert "target target" not in page
    for typed in ("ten", "1e400"):
        assert f'value="{typed}"' in page


def test_an_arabic_indic_year_is_read_as_the_value_beside_it(app, author, draft):  # noqa: F811
    """On an Arabic page a baseline year in Arabic-Indic digits is read as 2024, as the value
    beside it in the same digits is as 12.5; a year that is no year is refused with the years
    a baseline may have (up to this year), its field named with the language's comma."""
    owner = client_for(app, author)
    owner.get("/?lang=ar")
    with app.app_context():
        data = _framework(
            owner,
            draft,
            outcomes__0__indicators__0__baseline_value="\u0661\u0662\u066b\u0665",
            outcomes__0__indicators__0__baseline_year="٢٠٢٤",
        )
    assert owner.post(_path(draft), data=data).status_code == 302
    with app.app_context():
        (outcome,) = db.session.get(Proposal, draft).outcomes
        assert outcome.indicators[0].baseline_year == 2024
        assert outcome.indicators[0].baseline_value == Decimal("12.5")
        data = _framework(
            owner, draft, outcomes__0__indicators__0__baseline_year="\u0662\u0660x\u0664"
        )
    response = owner.post(_path(draft), data=data)
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert f"1990 و{utcnow().year}" in page
    # Read in the page's content: the header names the signed-in user, whose generated name
    # ("User 2100") may hold any number.
    assert "2100" not in page.split('<main id="main"', 1)[1]
    summary = re.findall(r"المؤشر 1[,،] [^<:]*", page)
    assert summary and all("،" in s for s in summary), summary


def test_a_target_two_readings_differ_on_is_refused_with_both(app, author, draft):  # noqa: F811
    """In Spanish "1.250" is 1250 or 1,25: the editor asks which, as the report form does,
    rather than saying a number was not typed."""
    owner = client_for(app, author)
    owner.get("/?lang=es")
    with app.app_context():
        data = _framework(owner, draft, outcomes__0__indicators__0__targets__0__value="1.250")
    response = owner.post(_path(draft), data=data)
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert "«1.250» puede leerse como 1250 o como 1,25: escriba 1250 o 1,25." in page
    assert "Introduzca la meta como número" not in page
    assert 'value="1.250"' in page

"""Exchange rates typed and written as the page's language writes decimals ("1,085" in French
and Spanish, "1.085" in English and in the plain form everywhere), and amounts in a currency
other than the dollar written one way per language."""

from __future__ import annotations

import html
import re
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from fund.extensions import db
from fund.finance import agent
from fund.finance.agent_models import Pledge
from fund.finance.models import Contribution
from fund.i18n import money
from fund.money import read_rate, typed_amount, typed_rate
from fund.proposals.models import Proposal
from fund.revisions.page import RevisionPage, _line_values
from tests.helpers import csrf_token, login, user

D = Decimal

READ = [
    ("en", "1.085", "1.085"),
    ("en", " 1.0825 ", "1.0825"),
    ("en", "2", "2"),
    ("fr", "1,085", "1.085"),  # no group in a rate: the French decimal comma
    ("fr", "1.0825", "1.0825"),  # the plain form
    ("fr", ",5", "0.5"),
    ("es", "1,085", "1.085"),
    ("es", "1.085", "1.085"),  # the plain form, never a group
    ("ar", "1.085", "1.085"),
    ("ar", "\u0661\u066b\u0660\u0668\u0665", "1.085"),  # Arabic-Indic digits and mark
]
REFUSED = [
    ("en", "1,085"),  # an English comma only separates groups: never read as 1085
    ("ar", "1,085"),
    ("en", "1 08"),
    ("fr", "1 085"),
    ("fr", "1,0,85"),
    ("fr", "1.0,85"),
    ("es", "1.000,5"),
    ("en", "1e2"),
    ("fr", ""),
    ("fr", "-1,08"),
]


@pytest.mark.parametrize(("language", "text", "rate"), READ)
def test_a_rate_is_read_as_the_language_writes_decimals(language, text, rate):
    assert read_rate(text, language) == D(rate)


@pytest.mark.parametrize(("language", "text"), REFUSED)
def test_a_rate_with_groups_or_foreign_marks_is_not_read(language, text):
    assert read_rate(text, language) is None


@pytest.mark.parametrize(
    ("language", "written"), [("en", "1.0825"), ("fr", "1,0825"), ("es", "1,0825")]
)
def test_a_rate_is_written_and_refused_in_the_pages_language(app, language, written):
    assert typed_rate(D("1.08250000"), language) == written
    with app.test_request_context(), force_locale(language):
        assert agent.parse_rate(written) == D("1.0825")
        with pytest.raises(agent.FinanceError) as refused:
            agent.parse_rate("abc")
        assert written in refused.value.said()


def _pledge(app, agent_user, donor) -> int:
    with app.app_context():
        pledge = agent.record_pledge(
            user(agent_user),
            _organization(donor),
            date(2026, 1, 5),
            "EUR",
            D("3000000.00"),
            [(date(2026, 6, 30), D("1500000.00")), (date(2027, 6, 30), D("1500000.00"))],
        )
        db.session.commit()
        return pledge.id


def _organization(donor):
    from fund.accounts.models import Organization

    return db.session.get(Organization, donor.id)


def test_a_french_deposit_from_a_pledge_reads_and_writes_french_rates_and_euros(
    app,
    agent_client,
    agent_user,
    donor,
):
    pledge_id = _pledge(app, agent_user, donor)
    with app.test_request_context(), force_locale("fr"):
        euros = money(D("3000000.00"), "EUR")
        instalment = typed_amount(D("1500000.00"))
    agent_client.get("/finance/pledges?lang=fr")  # the language is kept in a cookie
    pledge_page = html.unescape(agent_client.get(f"/finance/pledges/{pledge_id}").get_data(True))
    assert euros in pledge_page and "EUR 3" not in pledge_page
    url = f"/finance/deposits/new?pledge={pledge_id}"
    page = html.unescape(agent_client.get(url).get_data(as_text=True))
    assert euros in page  # the pledge's choice, as the pledge page writes it
    assert re.search(rf'name="amount"[^>]*value="{instalment}"', page), "the pre-filled amount"
    form = {
        "csrf_token": csrf_token(agent_client, url),
        "donor_id": donor.id,
        "received_on": "2026-06-30",
        "currency": "EUR",
        "amount": instalment,
        "pledge_id": pledge_id,
        "earmark": "",
    }
    refused = agent_client.post("/finance/deposits/new", data=form | {"exchange_rate": "abc"})
    assert refused.status_code == 400
    assert "1,0825" in html.unescape(refused.get_data(as_text=True))  # the French example
    answer = agent_client.post("/finance/deposits/new", data=form | {"exchange_rate": "1,085"})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    page = html.unescape(agent_client.get(answer.headers["Location"]).get_data(as_text=True))
    with app.test_request_context(), force_locale("fr"):
        received = money(D("1500000.00"), "EUR")
    assert f"{received} au taux de 1,085" in page
    with app.app_context():
        assert db.session.scalars(select(Contribution.exchange_rate)).all() == [D("1.085")]
        assert db.session.scalar(select(func.count()).select_from(Pledge)) == 1
    page = html.unescape(agent_client.get("/finance/contributions").get_data(as_text=True))
    assert received in page and "EUR 1" not in page


def test_an_english_page_refuses_a_rate_with_a_comma(app, agent_client, agent_user, donor):
    pledge_id = _pledge(app, agent_user, donor)
    url = f"/finance/deposits/new?pledge={pledge_id}"
    page = agent_client.get(url).get_data(as_text=True)
    assert 'value="1,500,000.00"' in page
    form = {
        "csrf_token": csrf_token(agent_client, url),
        "donor_id": donor.id,
        "received_on": "2026-06-30",
        "currency": "EUR",
        "amount": "1,500,000.00",
        "pledge_id": pledge_id,
        "earmark": "",
        "exchange_rate": "1,085",
    }
    answer = agent_client.post("/finance/deposits/new", data=form)
    assert answer.status_code == 400
    assert "“1,085” is not a rate: use digits, e.g. 1.0825." in html.unescape(
        answer.get_data(as_text=True)
    )


# Saved amounts put back in fields, as the page types amounts ---------------------------------


def test_the_proposal_editor_puts_saved_amounts_back_as_the_page_types_them(
    app, client, applicant, make_proposal
):
    proposal_id = make_proposal(applicant)
    with app.app_context():
        saved = [line.amount for line in db.session.get(Proposal, proposal_id).budget_lines]
    login(client, applicant.email)
    page = html.unescape(client.get(f"/proposals/{proposal_id}/edit?lang=fr").get_data(True))
    amounts = re.findall(r'name="budget-\d+-amount"[^>]*value="([^"]*)"', page)
    with app.test_request_context(), force_locale("fr"):
        assert [a for a in amounts if a] == [typed_amount(a) for a in saved]
    assert any("," in a for a in amounts if a)


def test_a_revisions_lines_are_put_back_as_the_page_types_amounts(app):
    line = SimpleNamespace(
        organization_id=1,
        objective_number=1,
        category_code="A",
        year=1,
        amount=D("10000.00"),
        description="",
    )
    with app.test_request_context(), force_locale("fr"):
        page = RevisionPage(revision=None, proposal=None)  # type: ignore[arg-type]
        _line_values(page, [line])
    assert page.row(0, "amount") == "10\u202f000,00"

"""Calls for proposals: the secretariat opens and changes them; applicants see them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from fund.audit.models import AuditEvent
from fund.calls.models import Call
from fund.extensions import db
from tests.conftest import csrf_token

VALID = {
    "title": "Second call 2027",
    "description": "Regional programmes.",
    "opens_on": "2027-01-01",
    "closes_on": "2027-03-31",
    "envelope": "5,000,000",
    "min_budget": "500000",
    "max_budget": "2000000",
    "min_duration_months": "12",
    "max_duration_months": "24",
    "decision_rule": "majority",
    "quorum": "",
}


def test_secretariat_opens_a_call(app, client, login_as, backend):
    login_as("secretariat", organization_acronym="IOM")
    token = csrf_token(client, "/calls/new")
    response = client.post("/calls/new", data=VALID | {"csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        call = db.session.scalar(select(Call).where(Call.title == "Second call 2027"))
        assert call.envelope == Decimal("5000000.00")
        assert (call.decision_rule, call.quorum, call.max_budget) == (
            "majority",
            None,
            Decimal("2000000.00"),
        )
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "call_created"))
        assert event.details["envelope"] == "5000000.00"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"closes_on": "2026-12-31"}, "cannot close before it opens"),
        ({"max_budget": "100"}, "must not be below the smallest"),
        ({"envelope": "lots"}, "is not an amount"),
        ({"title": ""}, "Give the call a title."),
    ],
)
def test_bad_call_input_keeps_it_and_saves_nothing(app, client, login_as, change, message):
    login_as("secretariat", organization_acronym="IOM")
    token = csrf_token(client, "/calls/new")
    response = client.post("/calls/new", data=VALID | change | {"csrf_token": token})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and "Regional programmes." in page
    with app.app_context():
        assert db.session.scalar(select(Call).where(Call.title == "Second call 2027")) is None


def test_editing_a_call_is_audited_with_changes(app, client, login_as, open_call):
    login_as("secretariat", organization_acronym="IOM")
    page = client.get(f"/calls/{open_call}").get_data(as_text=True)
    assert 'value="10,000,000.00"' in page
    token = csrf_token(client, f"/calls/{open_call}")
    with app.app_context():
        call = db.session.get(Call, open_call)
        data = VALID | {
            "title": call.title,
            "opens_on": call.opens_on.isoformat(),
            "closes_on": call.closes_on.isoformat(),
            "csrf_token": token,
        }
    assert client.post(f"/calls/{open_call}", data=data).status_code == 302
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "call_updated"))
        assert event.details["decision_rule"] == ["consensus", "majority"]


def test_only_the_secretariat_changes_calls(client, login_as, open_call):
    login_as("applicant", organization_acronym="ILO")
    assert client.get("/calls/").status_code == 200
    assert "Start a proposal" in client.get("/calls/").get_data(as_text=True)
    assert client.get("/calls/new").status_code == 403
    assert client.get(f"/calls/{open_call}").status_code == 403


def test_a_saved_call_and_a_repeated_form_are_told_in_the_pages_language(app, client, login_as):
    """The message after saving, and after the same form sent again, in French: the saved
    thing named in French, not an English phrase inside a French sentence."""
    import html
    import re

    login_as("secretariat", organization_acronym="IOM")
    french = {"Accept-Language": "fr"}
    form = client.get("/calls/new").get_data(as_text=True)
    keys = {
        name: re.search(rf'name="{name}"[^>]* value="([^"]+)"', form).group(1)
        for name in ("csrf_token", "form_key")
    }
    data = VALID | keys | {"envelope": "5 000 000"}  # as a French page writes amounts
    first = client.post("/calls/new", data=data, headers=french)
    assert first.status_code == 302
    page = html.unescape(client.get(first.headers["Location"], headers=french).get_data(True))
    assert "Enregistrement effectué\u00a0: appel « Second call 2027 »." in page
    assert "saved." not in page
    again = client.post("/calls/new", data=data, headers=french)
    assert again.status_code == 302
    page = html.unescape(client.get(again.headers["Location"], headers=french).get_data(True))
    assert (
        "Ce formulaire avait déjà été envoyé\u00a0; enregistré alors\u00a0: "
        "appel « Second call 2027 »." in page
    )
    with app.app_context():
        assert len(db.session.scalars(select(Call).where(Call.title == VALID["title"])).all()) == 1

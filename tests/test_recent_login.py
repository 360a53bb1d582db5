"""Voting, funding and paying out need a recent sign-in; a stale session is asked again."""

from __future__ import annotations

import time

import pytest

from fund.access import SIGNED_IN_AT
from tests.conftest import csrf_token


def _age_session(client, seconds: int) -> None:
    with client.session_transaction() as session:
        session[SIGNED_IN_AT] = int(time.time()) - seconds


@pytest.mark.parametrize(
    ("role", "org", "path"),
    [
        ("committee", "UNHCR", "/committee/rounds/1/vote"),
        ("secretariat", "IOM", "/finance/proposals/1/fund"),
        ("secretariat", "IOM", "/finance/proposals/1/organizations/1/disburse"),
    ],
)
def test_sensitive_actions_ask_for_the_password_again(client, login_as, role, org, path):
    login_as(role, organization_acronym=org)
    token = csrf_token(client, "/")
    _age_session(client, 3600)
    response = client.post(path, data={"csrf_token": token}, headers={"Referer": "/"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/confirm")


def test_a_recent_sign_in_goes_through_to_the_view(client, login_as):
    login_as("secretariat", organization_acronym="IOM")
    token = csrf_token(client, "/")
    response = client.post("/finance/proposals/999/fund", data={"csrf_token": token})
    assert response.status_code == 404  # reached the view, which finds no such proposal

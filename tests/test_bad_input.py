"""Addresses and values no record can have answer 404 or 400 with a message, never 5xx.

Ids are whole numbers of 1 to 2^63 - 1 in every route; page numbers, ids and dates in query
strings are read within bounds both databases hold; numbers typed in forms are checked
without ever being too large to compare.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from fund.routing import MAX_ID
from tests.conftest import csrf_token, login

# Any role, for the IOM (a committee member): every page below is reachable.
ALL_ROLES = ("applicant", "secretariat", "committee", "admin")
TOO_LARGE = [str(2**31), str(2**63), str(2**64), "9" * 400]


@pytest.fixture
def everyone(app: Flask, client: FlaskClient, create_user):
    user = create_user(roles=ALL_ROLES, organization_acronym="IOM")
    assert login(client, user.email).status_code == 302
    return user


ID_ROUTES = [
    "/proposals/{}",
    "/proposals/{}/edit",
    "/proposals/1/versions/{}",
    "/proposals/{}/versions/1.pdf",
    "/proposals/1/attachments/{}",
    "/committee/proposals/{}",
    "/committee/rounds/{}",
    "/committee/rounds/{}.pdf",
    "/finance/proposals/{}",
    "/finance/contributions/{}/void",
    "/screening/{}",
    "/calls/{}",
    "/admin/users/{}",
    "/admin/organizations/{}",
]


@pytest.mark.parametrize("value", [*TOO_LARGE, str(MAX_ID), "0", "00"])
def test_an_id_no_record_can_have_answers_404_on_every_route(app, backend, client, everyone, value):
    for route in ID_ROUTES:
        path = route.format(value)
        response = client.get(path)
        assert response.status_code == 404, (path, response.status_code)
    token = csrf_token(client, "/notifications/")
    response = client.post(f"/notifications/{value}/read", data={"csrf_token": token})
    assert response.status_code == 404


def test_the_largest_id_is_still_an_address(app, client):
    with app.test_request_context():
        from flask import url_for

        assert url_for("proposals.detail", proposal_id=MAX_ID) == f"/proposals/{MAX_ID}"
    adapter = app.url_map.bind("localhost")
    assert adapter.match(f"/proposals/{MAX_ID}") == ("proposals.detail", {"proposal_id": MAX_ID})

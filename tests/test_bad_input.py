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
from tests.helpers import csv_text

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


# Query strings ------------------------------------------------------------------------------

PAGE_MESSAGE = "A page number is a whole number from 1 to 2147483647."
RANGE_MESSAGE = "Give a date between 1900-01-01 and 2999-12-31."
REFUSED_QUERIES = [
    ("/proposals?page={}", PAGE_MESSAGE),
    ("/proposals?call={}", "Choose from the list: no such record."),
    ("/proposals/new?call={}", "Choose from the list: no such record."),
    ("/screening/?page={}", PAGE_MESSAGE),
    ("/finance/?pipeline_page={}", PAGE_MESSAGE),
    ("/finance/?allocations_page={}", PAGE_MESSAGE),
    ("/committee/?awaiting_page={}", PAGE_MESSAGE),
    ("/committee/?voted_page={}", PAGE_MESSAGE),
    ("/committee/meeting?page={}", PAGE_MESSAGE),
    ("/notifications/?page={}", PAGE_MESSAGE),
    ("/audit/?page={}", PAGE_MESSAGE),
    ("/audit/?actor={}", "Enter a user id (a whole number)."),
    ("/coverage/?call={}", "Choose a call from the list."),
    ("/coverage/chart.svg?call={}", "Choose a call from the list."),
    ("/reports/allocation.pdf?call={}", "Choose a call from the list."),
]
REFUSED_DATES = [
    ("/audit/?date_from={}", RANGE_MESSAGE),
    ("/audit/?date_to={}", RANGE_MESSAGE),
    ("/coverage/?date_to={}", RANGE_MESSAGE),
    ("/coverage/?date_from={}", RANGE_MESSAGE),
    ("/coverage/chart.svg?date_to={}", RANGE_MESSAGE),
    ("/reports/allocation.pdf?to={}", RANGE_MESSAGE),
    ("/reports/allocation.pdf?from={}", RANGE_MESSAGE),
    ("/reports/allocation.pdf?as_of={}", RANGE_MESSAGE),
]


@pytest.mark.parametrize("value", TOO_LARGE)
def test_a_number_in_the_query_no_record_or_page_can_have_answers_400_with_a_message(
    app, backend, client, everyone, value
):
    for route, message in REFUSED_QUERIES:
        path = route.format(value)
        response = client.get(path)
        assert response.status_code == 400, (path, response.status_code)
        assert message in response.get_data(as_text=True), path


@pytest.mark.parametrize("value", ["9999-12-31", "2999-12-31x", "1899-12-31", "0001-01-01"])
def test_a_date_out_of_range_answers_400_with_a_message(app, backend, client, everyone, value):
    for route, message in REFUSED_DATES:
        path = route.format(value)
        response = client.get(path)
        assert response.status_code == 400, (path, response.status_code)
        if value != "2999-12-31x":
            assert message in response.get_data(as_text=True), path
    # The last day accepted is still one a filter can read up to.
    assert client.get("/audit/?date_from=2999-12-31&date_to=2999-12-31").status_code == 200
    assert client.get("/coverage/?date_from=1900-01-01&date_to=2999-12-31").status_code == 200


def test_a_bad_query_value_is_said_in_the_pages_language(app, backend, client, everyone):
    """The 400 page says what the address got wrong in the page's language: a page number,
    an id, a date out of range (the date also at its filter's field)."""
    import html

    client.get("/?lang=fr")
    for path in ("/proposals?page=99999999999", "/proposals?call=99999999999"):
        page = html.unescape(client.get(path).get_data(as_text=True))
        assert "« page »" in page or "« call »" in page, page[-1500:]
        assert "A page number" not in page and "Choose from the list" not in page, path
        assert "Revenez en arrière" in page, path
    for path in ("/audit/?date_from=1899-12-31", "/coverage/?date_to=9999-12-31"):
        response = client.get(path)
        assert response.status_code == 400, path
        page = html.unescape(response.get_data(as_text=True))
        assert RANGE_MESSAGE not in page, path
        assert "Donnez une date entre le 1900-01-01 et le 2999-12-31." in page, path


@pytest.mark.parametrize("query", ["actor=" + str(2**63), "date_to=9999-12-31", "date_from=1-1-1"])
def test_the_audit_export_checks_every_filter_before_the_download_starts(
    app, backend, client, everyone, query
):
    response = client.get(f"/audit/export.csv?{query}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/audit/?{query}"
    assert client.get(response.headers["Location"]).status_code == 400
    whole = client.get("/audit/export.csv?date_to=2999-12-31")
    assert whole.status_code == 200
    assert csv_text(whole).startswith("id,occurred_at,")


def test_unreadable_page_numbers_still_show_the_first_page(app, client, everyone):
    for value in ("x", "0", "-1", "", "1.5", "\u0661"):
        response = client.get(f"/proposals?page={value}")
        assert response.status_code == 200, value


# Numbers typed in forms ---------------------------------------------------------------------


def test_a_huge_number_in_a_form_is_a_field_error(app, backend, client, everyone, make_proposal):
    proposal_id = make_proposal(everyone, complete=False)
    path = f"/proposals/{proposal_id}/edit"
    token = csrf_token(client, path)
    with app.app_context():
        from fund.extensions import db
        from fund.proposals.models import Proposal

        version = db.session.get(Proposal, proposal_id).version
    response = client.post(
        path,
        data={
            "csrf_token": token,
            "version": version,
            "title": "Kept as typed",
            "duration_months": "9" * 400,
        },
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Give a number of months between 1 and 120." in page
    assert "Kept as typed" in page and "9" * 400 in page
    with app.app_context():
        assert db.session.get(Proposal, proposal_id).duration_months is None

    token = csrf_token(client, "/calls/new")
    for name in ("quorum", "min_duration_months", "max_duration_months"):
        response = client.post(
            "/calls/new",
            data={
                "csrf_token": token,
                "title": "A call with absurd numbers",
                "opens_on": "2027-01-01",
                "closes_on": "2027-03-01",
                "envelope": "1000000.00",
                "decision_rule": "consensus",
                name: "9" * 400,
            },
        )
        assert response.status_code == 400, name
        page = response.get_data(as_text=True)
        # Once in the summary, once at the field: the range is not checked a second time.
        assert page.count("Number must be between 1 and") == 2, name
    with app.app_context():
        from fund.calls.models import Call

        assert db.session.scalar(db.select(Call).where(Call.title.like("A call with%"))) is None


# Organizations ------------------------------------------------------------------------------


def _organization_data(organization, **changes) -> dict[str, str]:
    data = {
        "name": organization.name,
        "acronym": organization.acronym or "",
        "kind": organization.kind,
        "country_iso2": organization.country_iso2 or "",
        "active": "y",
    }
    return data | changes


@pytest.mark.parametrize("renamed", ["earlier", "later"])
@pytest.mark.parametrize("field", ["name", "acronym"])
def test_taking_the_name_or_acronym_of_any_other_organization_is_a_field_error(
    app, backend, client, login_as, create_organization, renamed, field
):
    from sqlalchemy import select

    from fund.accounts.models import Organization
    from fund.extensions import db

    login_as("admin", organization_acronym=None)
    earlier, later = create_organization(), create_organization()
    target, other = (earlier, later) if renamed == "earlier" else (later, earlier)
    path = f"/admin/organizations/{target.id}"
    token = csrf_token(client, path)
    data = _organization_data(target, **{field: getattr(other, field)})
    response = client.post(path, data=data | {"csrf_token": token})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    label = {"name": "Name", "acronym": "Acronym"}[field]
    assert f"Another organization ({other.name}) already has this {field}." in page
    assert f'id="{field}-error"' in page or label in page
    with app.app_context():
        stored = db.session.scalar(select(Organization).where(Organization.id == target.id))
        assert (stored.name, stored.acronym) == (target.name, target.acronym)


def test_a_name_saved_meanwhile_is_refused_by_the_database_as_a_field_error(
    app, backend, client, login_as, create_organization, monkeypatch
):
    """The check before saving passes (the other organization does not exist yet); the
    database's unique constraint refuses the row, and the person sees which field."""
    from fund.accounts import operations

    login_as("admin", organization_acronym=None)
    target, other = create_organization(), create_organization()
    checks = iter([None])  # the first check (before saving) misses the other organization
    real = operations.organization_clash
    monkeypatch.setattr(
        operations,
        "organization_clash",
        lambda *args, **kwargs: next(checks, "real") and real(*args, **kwargs),
    )
    path = f"/admin/organizations/{target.id}"
    token = csrf_token(client, path)
    response = client.post(
        path, data=_organization_data(target, acronym=other.acronym) | {"csrf_token": token}
    )
    assert response.status_code == 400
    assert f"Another organization ({other.name}) already has this acronym." in response.get_data(
        as_text=True
    )
    checks = iter([None])
    response = client.post(
        "/admin/organizations/new",
        data=_organization_data(other, acronym="NEW") | {"csrf_token": token},
    )
    assert response.status_code == 400
    assert f"Another organization ({other.name}) already has this name." in response.get_data(
        as_text=True
    )


@pytest.mark.parametrize("value", ["abc", "1.5", "-3"])
def test_letters_where_a_call_number_goes_answer_400_in_words(
    app, backend, client, everyone, value
):
    """Not a number at all, where the address takes a call's number: the same 400 and message
    as a number that names no call, never the form library's "could not coerce"."""
    for route, message in REFUSED_QUERIES:
        if "call=" not in route:
            continue
        path = route.format(value)
        response = client.get(path)
        page = response.get_data(as_text=True)
        assert response.status_code == 400, (path, response.status_code)
        assert "coerce" not in page, path
        if path.startswith(("/coverage", "/reports")):
            assert message in page, path

"""The JSON API (fund.api): its OpenAPI document, problem details, tokens, cursors, ETags and
the rate limit. Who sees what through it is in the authorization matrix
(tests/test_authorization_matrix.py); the property-based run is tests/test_api_schemathesis.py."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from openapi_spec_validator import validate
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from fund.accounts import tokens
from fund.accounts.models import Organization
from fund.accounts.tokens import ApiToken
from fund.api import http
from fund.extensions import db, utcnow
from fund.finance import operations as finance_operations
from tests.helpers import audit_events, csrf_token, user

PROBLEM = "application/problem+json"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_token(app, person, **options) -> str:
    with app.app_context():
        made = tokens.create_token(user(person), "test", now=utcnow(), **options)
        db.session.commit()
        return made.token


# The document -----------------------------------------------------------------------------


def test_the_openapi_document_validates_and_declares_every_api_route(app, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    validate(document)
    assert document["openapi"].startswith("3.1")
    routes = {
        re.sub(r"<(?:[^:>]+:)?(\w+)>", r"{\1}", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
    }
    assert routes == set(document["paths"])
    assert len(routes) >= 12


API_DOCUMENTATION = (
    '<p>The API\'s documentation is its OpenAPI 3.1 document, <a href="/api/v1/openapi.json">'
    "<code>/api/v1/openapi.json</code></a>: a description of every operation"
)


def test_the_openapi_document_gives_the_configured_rate_limits(app, client):
    """The document says the rate limits as numbers, never the names of the settings."""
    app.config.update(API_RATE_LIMIT=75, API_ANONYMOUS_RATE_LIMIT=30)
    description = client.get("/api/v1/openapi.json").get_json()["info"]["description"]
    assert "Rate limit: 75 requests a minute per token, 30 per address without one" in description
    assert "RATE_LIMIT" not in description


def test_the_account_page_links_the_api_s_documentation(client, login_as):
    """Where tokens are made, the page says where the API is described."""
    login_as("applicant")
    page = client.get("/account")
    assert page.status_code == 200
    assert API_DOCUMENTATION in page.text.replace("&#39;", "'")
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_every_public_operation_answers_json_without_a_token(client):
    for path in ("/objectives", "/coverage", "/pipeline", "/contributions"):
        response = client.get("/api/v1" + path)
        assert response.status_code == 200, path
        assert response.mimetype == "application/json"
        assert response.headers["ETag"]
    objectives = client.get("/api/v1/coverage").get_json()["objectives"]
    assert [row["number"] for row in objectives] == list(range(1, 24))


# Problems ---------------------------------------------------------------------------------


def test_problem_details_are_english_whatever_the_callers_language(client):
    """The API speaks English to every caller (README): a French caller's refusal of a value
    given twice, an unknown one and a missing page are said in English."""
    french = {"Accept-Language": "fr"}
    for path, detail in (
        ("/programmes?status=funded&status=closed", "“status” is given more than once."),
        ("/programmes?objective=99", "“objective” is a whole number from 1 to 23."),
    ):
        response = client.get("/api/v1" + path, headers=french)
        assert response.status_code == 400 and response.mimetype == PROBLEM
        body = response.get_json(force=True)
        assert (body["title"], body["detail"]) == ("Bad request", detail)
    missing = client.get("/api/v1/nowhere", headers=french).get_json(force=True)
    assert missing["title"] == "Page not found"


def test_a_protected_operation_without_a_token_answers_401_problem(client):
    response = client.get("/api/v1/proposals")
    assert response.status_code == 401
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert body["status"] == 401 and body["title"] and body["detail"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_session_cookie_alone_does_not_open_the_api(client, secretariat):
    assert client.get("/account").status_code == 200  # signed in on the pages
    response = client.get("/api/v1/proposals")
    assert response.status_code == 401
    assert response.mimetype == PROBLEM


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/objectives?colour=blue",
        "/api/v1/openapi.json?format=yaml",
        "/api/v1/proposals?cursor=not-a-cursor",
        "/api/v1/proposals?cursor=djE6MA",  # v1:0
        "/api/v1/proposals?limit=0",
        "/api/v1/proposals?limit=99999999999999999999",
        "/api/v1/proposals?status=nonsense",
        "/api/v1/proposals?limit=1&limit=2",
        "/api/v1/audit/events?action=" + "x" * 61,
    ],
)
def test_unusable_query_strings_answer_400_problem(app, client, create_user, path):
    token = make_token(app, create_user(roles=("secretariat",), organization_acronym="IOM"))
    response = client.get(path, headers=bearer(token))
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    assert response.get_json(force=True)["status"] == 400


def test_unknown_paths_and_methods_answer_problems(client):
    missing = client.get("/api/v1/nothing-here")
    assert (missing.status_code, missing.mimetype) == (404, PROBLEM)
    posted = client.post("/api/v1/objectives")  # read-only: no CSRF token asked, refused
    assert (posted.status_code, posted.mimetype) == (405, PROBLEM)
    nul = client.get("/api/v1/objectives?x=%00")
    assert (nul.status_code, nul.mimetype) == (400, PROBLEM)


def test_a_proposal_the_user_may_not_see_is_not_found(app, client, create_user, make_proposal):
    owner = create_user(roles=("applicant",), organization_acronym="ILO")
    draft = make_proposal(owner)
    other = make_token(app, create_user(roles=("applicant",), organization_acronym="UNDP"))
    response = client.get(f"/api/v1/proposals/{draft}", headers=bearer(other))
    assert (response.status_code, response.mimetype) == (404, PROBLEM)
    mine = client.get(f"/api/v1/proposals/{draft}", headers=bearer(make_token(app, owner)))
    assert mine.status_code == 200
    assert mine.get_json()["id"] == draft


def test_a_role_without_the_operation_gets_403(app, client, create_user):
    token = make_token(app, create_user(roles=("applicant",), organization_acronym="ILO"))
    response = client.get("/api/v1/finance", headers=bearer(token))
    assert (response.status_code, response.mimetype) == (403, PROBLEM)


def test_a_token_reads_only_within_its_scopes(app, client, create_user):
    person = create_user(roles=("secretariat",), organization_acronym="IOM")
    token = make_token(app, person, scopes=frozenset({"finance"}))
    assert client.get("/api/v1/finance", headers=bearer(token)).status_code == 200
    refused = client.get("/api/v1/audit/events", headers=bearer(token))
    assert refused.status_code == 403
    assert "audit" in refused.get_json(force=True)["detail"]


# Cursors and ETags --------------------------------------------------------------------------


def test_the_cursor_walks_every_proposal_once(app, backend, client, create_user, make_proposal):
    owner = create_user(roles=("applicant",), organization_acronym="ILO")
    made = [make_proposal(owner, title=f"Programme {n}") for n in range(5)]
    token = make_token(app, create_user(roles=("secretariat",), organization_acronym="IOM"))
    seen, path = [], "/api/v1/proposals?limit=2"
    while path:
        body = client.get(path, headers=bearer(token)).get_json()
        assert len(body["items"]) <= 2
        seen += [item["id"] for item in body["items"]]
        path = f"/api/v1/proposals?limit=2&cursor={body['next']}" if body["next"] else None
    assert seen == sorted(made)
    # A row added meanwhile does not move the pages already read: the cursor is an id.
    assert http.decode_cursor(http.encode_cursor(made[1])) == made[1]


def test_the_search_words_find_what_the_proposals_list_finds(
    app, client, create_user, make_proposal
):
    """The API's `q` reads the words as the proposals list does: spaces folded, as long as the
    list's search box allows (no refusal of a query the page would run)."""
    owner = create_user(roles=("applicant",), organization_acronym="ILO")
    found = make_proposal(owner, title="Safe labour migration corridors")
    make_proposal(owner, title="Something else")
    secretariat = create_user(roles=("secretariat",), organization_acronym="IOM")
    token = make_token(app, secretariat)
    words = "  labour    migration  "
    api = client.get("/api/v1/proposals", query_string={"q": words}, headers=bearer(token))
    assert api.status_code == 200
    assert [item["id"] for item in api.get_json()["items"]] == [found]
    longer = "labour " + "x" * 150
    answer = client.get("/api/v1/proposals", query_string={"q": longer}, headers=bearer(token))
    assert answer.status_code == 200 and answer.get_json()["items"] == []


def test_an_unchanged_answer_is_304_with_its_etag(client):
    first = client.get("/api/v1/objectives")
    etag = first.headers["ETag"]
    again = client.get("/api/v1/objectives", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    other = client.get("/api/v1/objectives", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200


# Rate limit -------------------------------------------------------------------------------


def test_past_the_rate_limit_a_token_gets_429_with_retry_after(app, client, create_user):
    app.config["API_RATE_LIMIT"] = 3
    token = make_token(app, create_user(roles=("secretariat",), organization_acronym="IOM"))
    answers = [client.get("/api/v1/objectives", headers=bearer(token)) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0].headers["X-RateLimit-Remaining"] == "2"
    refused = answers[-1]
    assert refused.mimetype == PROBLEM
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    # Another token has its own count.
    other = make_token(app, create_user(roles=("secretariat",), organization_acronym="IOM"))
    assert client.get("/api/v1/objectives", headers=bearer(other)).status_code == 200


# Tokens -----------------------------------------------------------------------------------


def _stored(app) -> list[ApiToken]:
    with app.app_context():
        rows = list(db.session.scalars(select(ApiToken).order_by(ApiToken.id)))
        db.session.expunge_all()
        return rows


def test_a_token_made_on_the_account_page_is_shown_once_and_kept_hashed(app, client, login_as):
    person = login_as("secretariat", organization_acronym="IOM")
    token = csrf_token(client, "/account")
    page = client.post(
        "/account/tokens",
        data={"csrf_token": token, "name": "Monthly report", "days": "30", "scopes": ["audit"]},
    )
    assert page.status_code == 200
    shown = re.search(r'id="new-token" class="token">(fund_[A-Za-z0-9_-]+)<', page.text)
    assert shown, page.text
    secret = shown.group(1)
    (row,) = _stored(app)
    assert row.token_hash == tokens.digest(secret) and secret not in (row.token_hash, row.shown)
    assert row.scopes == "audit" and row.name == "Monthly report"
    assert timedelta(days=29) < row.expires_at - row.created_at <= timedelta(days=30)
    # Not shown again; listed by its first characters.
    again = client.get("/account").text
    assert secret not in again and row.shown in again
    (event,) = audit_events(app, "api_token_created")
    assert event.actor_id == person.id and event.details["name"] == "Monthly report"
    assert event.details["made_with"] == "account page"
    assert secret not in json.dumps(event.details)
    # It works, and its use is recorded.
    used = app.test_client().get("/api/v1/audit/events", headers=bearer(secret))
    assert used.status_code == 200
    assert _stored(app)[0].last_used_at is not None


def test_the_account_page_refuses_a_token_without_name_or_scope(app, client, login_as):
    login_as("applicant")
    token = csrf_token(client, "/account")
    page = client.post(
        "/account/tokens", data={"csrf_token": token, "name": " ", "days": "0", "scopes": []}
    )
    assert page.status_code == 400
    assert "Give the token a name" in page.text and "from 1 to 366 days" in page.text
    assert _stored(app) == []


def test_a_revoked_token_is_refused_and_the_revocation_audited(app, client, login_as, create_user):
    person = login_as("secretariat", organization_acronym="IOM")
    secret = make_token(app, person)
    assert client.get("/api/v1/proposals", headers=bearer(secret)).status_code == 200
    (row,) = _stored(app)
    token = csrf_token(client, "/account")
    revoked = client.post(f"/account/tokens/{row.id}/revoke", data={"csrf_token": token})
    assert revoked.status_code == 302
    answer = app.test_client().get("/api/v1/proposals", headers=bearer(secret))
    assert (answer.status_code, answer.mimetype) == (401, PROBLEM)
    (event,) = audit_events(app, "api_token_revoked", row.id)
    assert event.actor_id == person.id
    # Another user's token cannot be revoked from one's own page.
    other = make_token(app, create_user(roles=("applicant",)))
    other_id = _stored(app)[-1].id
    token = csrf_token(client, "/account")
    assert (
        client.post(f"/account/tokens/{other_id}/revoke", data={"csrf_token": token}).status_code
        == 404
    )
    assert app.test_client().get("/api/v1/objectives", headers=bearer(other)).status_code == 200


def test_an_expired_token_and_a_forged_one_are_refused(app, backend, client, create_user):
    person = create_user(roles=("secretariat",), organization_acronym="IOM")
    secret = make_token(app, person, days=1)
    with app.app_context():
        row = db.session.scalar(select(ApiToken))
        row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    for header in (bearer(secret), bearer("fund_forged"), {"Authorization": "Basic abc"}):
        answer = client.get("/api/v1/objectives", headers=header)
        assert (answer.status_code, answer.mimetype) == (401, PROBLEM), header


def test_a_deactivated_users_token_is_refused(app, client, create_user):
    person = create_user(roles=("secretariat",), organization_acronym="IOM")
    secret = make_token(app, person)
    with app.app_context():
        user(person).active = False
        db.session.commit()
    assert client.get("/api/v1/proposals", headers=bearer(secret)).status_code == 401


def test_the_command_prints_the_token_once_and_keeps_its_hash(app, backend, create_user):
    person = create_user(roles=("secretariat",), organization_acronym="IOM")
    result = app.test_cli_runner().invoke(
        args=["fund", "api-token", "create", "--email", person.email, "--name", "Script"]
    )
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert secret.startswith("fund_") and "\n" not in secret
    assert "not shown again" in result.stderr
    (row,) = _stored(app)
    assert row.token_hash == tokens.digest(secret) and row.user_id == person.id
    assert set(row.scopes.split()) == set(tokens.SCOPES)
    (event,) = audit_events(app, "api_token_created")
    assert event.actor_name == "system" and event.details["user_id"] == person.id
    assert event.details["made_with"] == "flask fund api-token create"
    assert app.test_client().get("/api/v1/finance", headers=bearer(secret)).status_code == 200
    unknown = app.test_cli_runner().invoke(
        args=["fund", "api-token", "create", "--email", "nobody@example.org", "--name", "x"]
    )
    assert unknown.exit_code != 0 and "No user" in unknown.output


# Programmes ---------------------------------------------------------------------------------


def test_the_public_programmes_are_the_portfolios(app, client, create_user, make_proposal):
    owner = create_user(roles=("applicant",), organization_acronym="ILO")
    funded = make_proposal(owner, status="funded", title="Decent work for migrants")
    approved = make_proposal(owner, status="approved", title="Not public yet")
    body = client.get("/api/v1/programmes").get_json()
    assert [item["id"] for item in body["items"]] == [funded]
    assert body["items"][0]["status"] == "funded" and body["next"] is None
    assert body["items"][0]["kept"] is None  # a closed programme's only
    detail = client.get(f"/api/v1/programmes/{funded}").get_json()
    assert detail["programme"]["title"] == "Decent work for migrants"
    assert Decimal(detail["budget_total"]) > 0
    assert Decimal(detail["programme"]["funded"]) == sum(
        Decimal(share["amount"]) for share in detail["shares"]
    )
    hidden = client.get(f"/api/v1/programmes/{approved}")
    assert (hidden.status_code, hidden.mimetype) == (404, PROBLEM)
    assert client.get("/api/v1/programmes?status=closed").get_json()["items"] == []
    assert client.get("/api/v1/programmes?objective=24").status_code == 400


def test_the_programmes_country_and_area_are_known_codes_in_either_case(
    app, client, create_user, make_proposal
):
    owner = create_user(roles=("applicant",), organization_acronym="ILO")
    make_proposal(owner, status="funded", title="Decent work for migrants")
    for query in ("country=é", "country=1!", "country=ZZ", "thematic_area=ZZ", "thematic_area=é"):
        response = client.get(f"/api/v1/programmes?{query}")
        assert (response.status_code, response.mimetype) == (400, PROBLEM), query
        detail = response.get_json()["detail"]
        name = query.split("=")[0]
        assert f"“{name}” is" in detail and "either case" in detail, detail
        assert ("ISO 3166-1 alpha-2" if name == "country" else "TA1, TA2") in detail, detail
    # One case rule for both: upper or lower case, the same answer.
    for name, code in (("country", "tj"), ("thematic_area", "ta4")):
        lower = client.get(f"/api/v1/programmes?{name}={code}")
        upper = client.get(f"/api/v1/programmes?{name}={code.upper()}")
        assert lower.status_code == upper.status_code == 200, name
        assert lower.get_json() == upper.get_json()


def test_the_contributions_are_the_public_pages_figures(app, client, create_user, donor):
    secretariat = create_user(roles=("secretariat",), organization_acronym="IOM")
    with app.app_context():
        finance_operations.record_contribution(
            user(secretariat),
            db.session.get(Organization, donor.id),
            date(2026, 3, 1),
            Decimal("5000000.00"),
            None,
        )
        db.session.commit()
    body = client.get("/api/v1/contributions").get_json()
    assert body["donors"] == [
        {"name": "Kingdom of Donors", "deposits": "5000000.00", "contributions": 1}
    ]
    assert body["deposits_by_year"] == [
        {"year": 2026, "deposits": "5000000.00", "contributions": 1}
    ]
    status = {line["figure"]: line["amount"] for line in body["status"]}
    assert status["deposits"] == "5000000.00"
    assert Decimal(status["balance_with_administrative_agent"]) == Decimal("5000000.00") - Decimal(
        status["administrative_agent_fee"]
    )


def test_a_busy_database_does_not_refuse_a_call_for_its_last_use(
    app, client, create_user, monkeypatch
):
    """The last use is written as the token is checked; a write lock held by another request
    (SQLite's "database is locked") leaves it for the next call, and this one is answered."""
    token = make_token(app, create_user(roles=("secretariat",), organization_acronym="IOM"))

    def busy() -> None:
        raise OperationalError("UPDATE api_tokens", {}, Exception("database is locked"))

    monkeypatch.setattr(db.session, "commit", busy)
    response = client.get("/api/v1/proposals", headers=bearer(token))
    assert response.status_code == 200
    monkeypatch.undo()
    assert _stored(app)[0].last_used_at is None


def test_the_finance_pools_give_the_interest_less_the_direct_costs(app, client, create_user):
    from fund.finance import agent

    person = create_user(roles=("administrative_agent",), organization_acronym=None)
    with app.app_context():
        agent.record_interest(user(person.id), utcnow().date(), Decimal("12.34"))
        db.session.commit()
    response = client.get("/api/v1/finance", headers=bearer(make_token(app, person)))
    assert response.status_code == 200, response.get_data(as_text=True)
    pools = {p["code"]: p for p in response.get_json()["pools"]}
    assert pools["GENERAL"]["interest_less_direct_costs"] == "12.34"
    assert pools["GENERAL"]["available"] == "12.34"
    assert {p["interest_less_direct_costs"] for c, p in pools.items() if c != "GENERAL"} == {"0.00"}


def test_the_audit_events_are_filtered_as_the_audit_log_filters_them(app, client, create_user):
    from fund.audit.models import AuditEvent
    from fund.audit.operations import record
    from fund.auditlog.queries import EventFilters, filtered
    from fund.extensions import db

    secretariat = create_user(roles=("secretariat",), organization_acronym=None)
    token = make_token(app, secretariat)
    with app.app_context():
        record("note", "proposal", 1, None)
        record("note", "call", 2, None)
        record("other", "proposal", 3, None)
        db.session.commit()
        chosen = EventFilters(action="note", subject_type="proposal")
        expected = db.session.scalars(
            filtered(db.select(AuditEvent.id), chosen).order_by(AuditEvent.id.desc())
        ).all()
    body = client.get(
        "/api/v1/audit/events?action=note&subject_type=proposal", headers=bearer(token)
    ).get_json()
    assert [item["id"] for item in body["items"]] == expected
    assert len(expected) == 1 and body["items"][0]["subject_type"] == "proposal"

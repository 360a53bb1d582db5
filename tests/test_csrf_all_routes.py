"""Every state-changing route refuses a request without a valid CSRF token.

The routes come from the application's URL map, so a route added later is covered without
touching this file. The requests are made by a user holding every role (of IOM, which sits on
the committee) and by an anonymous visitor, against real rows: nothing may change.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, inspect, select
from werkzeug.routing import Rule

from config import config_for
from fund.accounts.models import User
from fund.audit.models import AuditEvent
from fund.extensions import csrf, db
from fund.proposals.models import Attachment, Proposal, ProposalVersion
from tests.conftest import csrf_token, login

STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")
CSRF_MESSAGE = "missing its security token"


@pytest.fixture
def world(app: Flask, create_user, make_proposal) -> dict[str, int]:
    """Real rows for the routes' parameters: a user, a call, a proposal with an attachment
    and a version."""
    everyone = create_user(
        roles=("applicant", "secretariat", "committee", "admin"), organization_acronym="IOM"
    )
    proposal_id = make_proposal(everyone, status="submitted")
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        attachment_id = db.session.scalar(
            select(Attachment.id).where(Attachment.proposal_id == proposal_id)
        )
        version = db.session.scalar(
            select(func.max(ProposalVersion.number)).where(
                ProposalVersion.proposal_id == proposal_id
            )
        )
        ids = {
            "user_id": everyone.id,
            "proposal_id": proposal_id,
            "call_id": proposal.call_id,
            "organization_id": everyone.organization_id,
            "attachment_id": attachment_id,
            "number": version or 1,
        }
    return ids


def _state_changing_rules(app: Flask) -> Iterator[tuple[Rule, str]]:
    for rule in app.url_map.iter_rules():
        for method in sorted(set(rule.methods or ()) & set(STATE_CHANGING)):
            yield rule, method


def _path(app: Flask, rule: Rule, ids: dict[str, int]) -> str:
    """The rule's URL for the world's rows; 1 for a parameter the world has no row for (the
    token is checked before the view looks anything up)."""
    values = {name: ids.get(name, 1) for name in rule.arguments}
    return app.url_map.bind("localhost").build(rule.endpoint, values)


def _counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        present = set(inspect(db.engine).get_table_names())
        return {
            table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
            if table.name in present
        }


def _audit_head(app: Flask) -> str | None:
    with app.app_context():
        return db.session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))


def test_the_url_map_has_state_changing_routes(app):
    endpoints = {rule.endpoint for rule, _ in _state_changing_rules(app)}
    # A sample of what must be found; the walk below covers every one of them.
    assert {"accounts.login", "accounts.logout", "admin.edit_user", "proposals.act"} <= endpoints


@pytest.mark.parametrize("token", [None, "forged-token", ""], ids=["missing", "forged", "empty"])
@pytest.mark.parametrize("who", ["everyone", "anonymous"])
def test_every_state_changing_route_refuses_a_request_without_token(app, client, world, who, token):
    if who == "everyone":
        with app.app_context():
            email = db.session.get(User, world["user_id"]).email
        assert login(client, email).status_code == 302
    counts, head = _counts(app), _audit_head(app)
    tried, wrong = [], []
    for rule, method in _state_changing_rules(app):
        path = _path(app, rule, world)
        data = {"csrf_token": token} if token is not None else {}
        # Plausible content, so that only the missing token can be the reason for refusal.
        data |= {"comment": "x", "version": "1", "trigger": "submit", "password": "p" * 20}
        response = client.open(path, method=method, data=data)
        tried.append(f"{method} {path}")
        body = response.get_data(as_text=True)
        if response.status_code != 400 or CSRF_MESSAGE not in body:
            wrong.append(f"{method} {path}: {response.status_code}")
    assert tried, "no state-changing route found"
    assert wrong == [], f"accepted or refused for another reason: {wrong}"
    assert _counts(app) == counts
    assert _audit_head(app) == head
    if who == "everyone":  # not even signed out by the refused POST /logout
        with client.session_transaction() as session:
            assert session["_user_id"].startswith(f"{world['user_id']}:")


def test_a_valid_token_is_not_refused_as_missing(app, client, world):
    """The walk's check is meaningful: with a token the CSRF refusal does not happen."""
    token = csrf_token(client)
    response = client.post("/login", data={"csrf_token": token, "email": "", "password": ""})
    assert CSRF_MESSAGE not in response.get_data(as_text=True)


def test_no_view_is_exempt_from_csrf(app):
    assert not csrf._exempt_views
    assert not csrf._exempt_blueprints
    assert app.config.get("WTF_CSRF_ENABLED", True) is not False
    assert app.config.get("WTF_CSRF_CHECK_DEFAULT", True) is True
    assert set(STATE_CHANGING) <= set(app.config.get("WTF_CSRF_METHODS", STATE_CHANGING))
    for name in ("development", "production"):
        settings = config_for(name)
        assert getattr(settings, "WTF_CSRF_ENABLED", True) is True
        assert getattr(settings, "WTF_CSRF_CHECK_DEFAULT", True) is True

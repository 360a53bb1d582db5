"""Sensitive actions need a recent sign-in: when it is stale, the form itself asks for the
password, keeps everything typed, and does the action in the same post once it is given."""

from __future__ import annotations

import time

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import select

from fund.access import SIGNED_IN_AT, recent_login_required, roles_required, sensitive_post
from fund.accounts.models import User
from fund.audit.models import AuditEvent
from fund.audit.operations import record
from fund.committee import operations as committee_operations
from fund.committee.models import Vote
from fund.extensions import db
from tests.helpers import PASSWORD, client_for, count_rows, csrf_token, login
from tests.test_committee import people as people

COMMENT = "Sound programme; the budget for Chile needs a second look."
MISSING = "Enter your password: you signed in more than 15 minutes ago"
WRONG = "Your password is not correct."


def _age_session(client, seconds: int = 3600) -> None:
    with client.session_transaction() as session:
        session[SIGNED_IN_AT] = int(time.time()) - seconds


def _votes(app, round_id: int) -> list[tuple[str, str]]:
    with app.app_context():
        return [
            (v.choice, v.comment)
            for v in db.session.scalars(select(Vote).where(Vote.round_id == round_id))
        ]


def test_a_stale_vote_keeps_what_was_typed_and_is_cast_with_the_password(
    app, backend, people, make_proposal
):
    proposal_id = make_proposal(people.author, status="committee_review")
    with app.app_context():
        round_id = committee_operations.open_round_of(proposal_id).id
    client = client_for(app, people.unhcr)
    page = f"/committee/proposals/{proposal_id}"
    assert 'name="confirm_with_password"' not in client.get(page).get_data(as_text=True)
    token = csrf_token(client, page)
    _age_session(client)
    shown = client.get(page).get_data(as_text=True)
    assert 'name="confirm_with_password"' in shown  # asked on the form, before posting
    assert 'autocomplete="current-password"' in shown
    vote = {"csrf_token": token, "choice": "approve", "comment": COMMENT, "conditions": ""}

    refused = client.post(f"/committee/rounds/{round_id}/vote", data=vote)
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert MISSING in text
    assert COMMENT in text  # the comment is kept in its field
    assert 'value="approve" checked' in text
    assert _votes(app, round_id) == []

    wrong = client.post(
        f"/committee/rounds/{round_id}/vote", data=vote | {"confirm_with_password": "not mine!!"}
    )
    assert wrong.status_code == 400
    assert WRONG in wrong.get_data(as_text=True) and COMMENT in wrong.get_data(as_text=True)
    assert "not mine!!" not in wrong.get_data(as_text=True)  # never echoed
    assert _votes(app, round_id) == []
    with app.app_context():  # counts like a failed sign-in
        assert db.session.get(User, people.unhcr.id).failed_login_count == 1

    cast = client.post(
        f"/committee/rounds/{round_id}/vote", data=vote | {"confirm_with_password": PASSWORD}
    )
    assert cast.status_code == 302
    assert _votes(app, round_id) == [("approve", COMMENT)]
    with app.app_context():
        assert db.session.get(User, people.unhcr.id).failed_login_count == 0
    # The sign-in is fresh again: the next change needs no password.
    assert 'name="confirm_with_password"' not in client.get(page).get_data(as_text=True)
    changed = client.post(
        f"/committee/rounds/{round_id}/vote", data=vote | {"choice": "abstain", "comment": ""}
    )
    assert changed.status_code == 302
    assert _votes(app, round_id) == [("abstain", "")]


def test_a_stale_conflict_declaration_keeps_the_reason(app, backend, people, make_proposal):
    proposal_id = make_proposal(people.author, status="committee_review")
    with app.app_context():
        round_id = committee_operations.open_round_of(proposal_id).id
    client = client_for(app, people.unhcr)
    token = csrf_token(client, f"/committee/proposals/{proposal_id}")
    _age_session(client)
    audit = count_rows(AuditEvent, app)
    data = {"csrf_token": token, "reason": "I advised the applicant on this budget."}
    refused = client.post(f"/committee/rounds/{round_id}/conflict", data=data)
    assert refused.status_code == 400
    assert MISSING in refused.get_data(as_text=True)
    assert "I advised the applicant on this budget." in refused.get_data(as_text=True)
    assert count_rows(AuditEvent, app) == audit
    done = client.post(
        f"/committee/rounds/{round_id}/conflict", data=data | {"confirm_with_password": PASSWORD}
    )
    assert done.status_code == 302
    assert count_rows(AuditEvent, app) > audit


@pytest.mark.parametrize(
    ("roles", "org", "page", "path", "data", "kept"),
    [
        (
            ("secretariat", "administrative_agent"),  # the agent records the contributions
            None,
            "/finance/contributions",
            "/finance/contributions",
            {"gross": "1,234,567.89", "received_on": "2026-03-01", "reference": "DEP-77"},
            "DEP-77",
        ),
        (
            ("secretariat",),
            None,
            "/calls/new",
            "/calls/new",
            {"title": "Second call for climate mobility", "envelope": "5000000"},
            "Second call for climate mobility",
        ),
        (
            ("admin",),
            None,
            "/admin/organizations/new",
            "/admin/organizations/new",
            {"name": "Agency for Sensible Tests", "acronym": "AST", "kind": "un_entity"},
            "Agency for Sensible Tests",
        ),
        (
            ("admin",),
            None,
            "/admin/users/new",
            "/admin/users/new",
            {"email": "new.person@undp.org", "name": "Newly Named", "roles": ["admin"]},
            "Newly Named",
        ),
    ],
)
def test_other_sensitive_forms_ask_on_the_form_and_change_nothing(
    app, client, login_as, roles, org, page, path, data, kept
):
    login_as(*roles, organization_acronym=org)
    token = csrf_token(client, page)
    _age_session(client)
    assert 'name="confirm_with_password"' in client.get(page).get_data(as_text=True)
    audit = count_rows(AuditEvent, app)
    response = client.post(path, data=data | {"csrf_token": token})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert MISSING in text and kept in text
    assert count_rows(AuditEvent, app) == audit


def test_a_recent_sign_in_goes_through_to_the_view(client, login_as):
    login_as("secretariat", organization_acronym="IOM")
    token = csrf_token(client, "/")
    response = client.post("/finance/proposals/999/fund", data={"csrf_token": token})
    assert response.status_code == 404  # reached the view, which finds no such proposal


def test_a_sensitive_view_whose_form_does_not_ask_cannot_commit(app, client, create_user):
    """Fails closed: the password is owed, so the commit is refused (403) and nothing kept."""

    @app.route("/forgetful", methods=["POST"])
    @roles_required("admin")
    @recent_login_required()
    def forgetful():
        form = FlaskForm()
        if form.validate_on_submit():
            record("forgetful_action", "user", None, None)
            db.session.commit()
        return "done"

    admin = create_user(roles=("admin",), organization_acronym=None)
    login(client, admin.email)
    token = csrf_token(client, "/")
    assert client.post("/forgetful", data={"csrf_token": token}).status_code == 200
    audit = count_rows(AuditEvent, app)
    _age_session(client)
    assert client.post("/forgetful", data={"csrf_token": token}).status_code == 403
    assert count_rows(AuditEvent, app) == audit


def test_a_sensitive_post_is_posted_by_its_roles_only_and_asks_again(app, client, create_user):
    @sensitive_post(app, "/sensitive-post", "admin")
    def sensitive_view():
        record("sensitive_action", "user", None, None)
        db.session.commit()
        return "done"

    applicant = create_user(roles=("applicant",), organization_acronym="ILO")
    login(client, applicant.email)
    token = csrf_token(client, "/")
    assert client.post("/sensitive-post", data={"csrf_token": token}).status_code == 403
    client.post("/logout", data={"csrf_token": token})
    admin = create_user(roles=("admin",), organization_acronym=None)
    login(client, admin.email)
    token = csrf_token(client, "/")
    assert client.get("/sensitive-post").status_code == 405
    assert client.post("/sensitive-post", data={"csrf_token": token}).status_code == 200
    audit = count_rows(AuditEvent, app)
    _age_session(client)
    assert client.post("/sensitive-post", data={"csrf_token": token}).status_code == 403
    assert count_rows(AuditEvent, app) == audit


def test_a_stale_close_keeps_the_summary_and_links_the_message_to_the_field(
    app, people, make_proposal
):
    proposal_id = make_proposal(people.author, status="committee_review")
    with app.app_context():
        round_id = committee_operations.open_round_of(proposal_id).id
        fingerprint = committee_operations.fingerprint(
            committee_operations.open_round_of(proposal_id)
        )
    client = client_for(app, people.secretariat)
    token = csrf_token(client, "/committee/meeting")
    _age_session(client)
    summary = "The committee asks for a clearer exit strategy."
    data = {"csrf_token": token, "fingerprint": fingerprint, "summary": summary}
    refused = client.post(f"/committee/rounds/{round_id}/close", data=data)
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert MISSING in text and summary in text
    anchor = f"close-confirm_with_password-{round_id}"
    assert f'href="#{anchor}"' in text and f'id="{anchor}"' in text
    closed = client.post(
        f"/committee/rounds/{round_id}/close", data=data | {"confirm_with_password": PASSWORD}
    )
    assert closed.status_code == 302

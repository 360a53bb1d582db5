"""A sign-in lasts at most SESSION_LIFETIME_SECONDS however active the session, and signed-in
pages are never kept in a cache."""

from __future__ import annotations

import time

import pytest

from fund.access import SESSION_STARTED_AT, SIGNED_IN_AT
from tests.conftest import csrf_token

EIGHT_HOURS = 8 * 3600


def _started(client, seconds_ago: int) -> None:
    with client.session_transaction() as session:
        session[SESSION_STARTED_AT] = int(time.time()) - seconds_ago


def test_a_session_ends_eight_hours_after_the_sign_in_however_active(app, client, login_as):
    assert app.permanent_session_lifetime.total_seconds() == EIGHT_HOURS
    login_as("applicant")
    _started(client, EIGHT_HOURS - 60)
    assert client.get("/proposals").status_code == 200  # active all along: still signed in
    with client.session_transaction() as session:  # a password given recently changes nothing
        session[SIGNED_IN_AT] = int(time.time())
    _started(client, EIGHT_HOURS + 1)
    response = client.get("/proposals")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your session has ended: a sign-in lasts at most 8 hours. Sign in again." in page
    with client.session_transaction() as session:
        assert "_user_id" not in session and SESSION_STARTED_AT not in session
    assert client.get("/proposals").status_code == 302  # and it stays signed out


def test_the_end_of_a_session_is_told_in_the_pages_language(client, login_as):
    import html

    login_as("applicant")
    _started(client, EIGHT_HOURS + 1)
    french = {"Accept-Language": "fr"}
    response = client.get("/proposals", headers=french)
    assert response.status_code == 302
    page = html.unescape(client.get(response.headers["Location"], headers=french).get_data(True))
    assert (
        "Votre session a pris fin\u00a0: une connexion dure au plus 8 heures. Reconnectez-vous."
        in page
    )


def test_the_lifetime_is_the_setting(app, client, login_as):
    app.permanent_session_lifetime = 600
    login_as("applicant")
    _started(client, 601)
    assert client.get("/proposals").status_code == 302


def test_an_expired_session_cannot_post(app, client, login_as):
    login_as("applicant")
    token = csrf_token(client, "/account/password")
    _started(client, EIGHT_HOURS + 1)
    response = client.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": "correct horse battery",
            "new_password": "another long passphrase",
            "confirm_password": "another long passphrase",
        },
    )
    assert response.status_code == 401


@pytest.mark.parametrize("key", [None, "not a time", True])
def test_a_session_without_a_sign_in_time_is_signed_out(client, login_as, key):
    """As a session restored from a remember-me cookie would be: none is honoured."""
    login_as("applicant")
    with client.session_transaction() as session:
        if key is None:
            del session[SESSION_STARTED_AT]
        else:
            session[SESSION_STARTED_AT] = key
    assert client.get("/proposals").status_code == 302


def test_a_remember_me_cookie_does_not_sign_in(app, client, create_user):
    from flask_login import login_user

    user = create_user()
    with app.test_request_context("/"):
        from fund.accounts.models import User
        from fund.extensions import db

        login_user(db.session.get(User, user.id), remember=True)
        response = app.make_response("")
        app.login_manager._set_cookie(response)
    remember = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember")]
    assert remember
    client.set_cookie("remember_token", remember[0].split(";")[0].split("=", 1)[1])
    assert client.get("/proposals").status_code == 302


@pytest.mark.parametrize("path", ["/", "/proposals", "/calls/", "/account/password"])
def test_signed_in_pages_are_not_stored(client, login_as, path):
    login_as("applicant")
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert response.headers["Cache-Control"] == "no-store"


def test_public_pages_and_files_are_not_marked(client):
    assert "no-store" not in client.get("/objectives").headers.get("Cache-Control", "")

"""Sign-in, sign-out, lockout, password change, deactivation and CSRF."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from fund.accounts.limits import AttemptLimit
from fund.accounts.models import User
from fund.accounts.operations import LoginRefused, authenticate
from fund.audit.models import AuditEvent
from fund.extensions import db, utcnow
from tests.helpers import PASSWORD, csrf_token, detached_user, login


def test_login_and_logout(client, create_user):
    user = create_user(roles=("applicant",))
    response = login(client, user.email.upper())  # email is case-insensitive
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert user.name in page and "Sign out" in page
    token = csrf_token(client, "/")
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/account/password").status_code == 302  # back to sign-in


def test_wrong_password_is_refused_with_a_clear_message_and_keeps_the_email(client, create_user):
    user = create_user()
    response = login(client, user.email, "wrong password!!")
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert "The email address or password is not correct." in page
    assert f'value="{user.email}"' in page
    assert "There is a problem" in page


def test_unknown_email_gets_the_same_message(client):
    response = login(client, "nobody@example.org", "whatever password")
    assert response.status_code == 401
    assert "The email address or password is not correct." in response.get_data(as_text=True)


def test_session_is_renewed_at_login(client, create_user):
    user = create_user()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    login(client, user.email)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].startswith(f"{user.id}:")


def test_lockout_after_repeated_failures(app, client, create_user):
    app.config["LOGIN_LOCKOUT_ATTEMPTS"] = 3
    user = create_user()
    for _ in range(3):
        assert login(client, user.email, "wrong password!!").status_code == 401
    response = login(client, user.email, PASSWORD)  # even the right password
    assert response.status_code == 401
    # The same answer as for an unknown address (tests/test_lockout.py), which says how
    # accounts lock.
    assert "After 3 failed attempts an account is locked for up to 15 minutes" in (
        response.get_data(as_text=True)
    )
    with app.app_context():
        assert (
            db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account_locked"))
            is not None
        )


def test_lockout_window_expires_and_success_resets_the_count(app, create_user):
    user = create_user()
    policy = AttemptLimit(attempts=2, window=timedelta(minutes=15))
    now = utcnow()
    with app.app_context():
        for _ in range(2):
            try:
                authenticate(user.email, "bad password!!", now=now, policy=policy)
            except LoginRefused as refused:
                assert refused.reason == "invalid"
        db.session.commit()
        try:
            authenticate(user.email, PASSWORD, now=now + timedelta(minutes=14), policy=policy)
            raise AssertionError("should be locked")
        except LoginRefused as refused:
            assert refused.reason == "locked"
        signed_in = authenticate(
            user.email, PASSWORD, now=now + timedelta(minutes=16), policy=policy
        )
        assert signed_in.failed_login_count == 0
        assert signed_in.last_login_at == now + timedelta(minutes=16)


def test_failures_spread_over_time_do_not_lock(app, create_user):
    user = create_user()
    policy = AttemptLimit(attempts=2, window=timedelta(minutes=15))
    now = utcnow()
    with app.app_context():
        for minutes in (0, 20, 40):
            try:
                authenticate(
                    user.email,
                    "bad password!!",
                    now=now + timedelta(minutes=minutes),
                    policy=policy,
                )
            except LoginRefused as refused:
                assert refused.reason == "invalid"
        assert authenticate(user.email, PASSWORD, now=now + timedelta(minutes=41), policy=policy)


def test_deactivated_user_is_refused(client, create_user):
    user = create_user(active=False)
    response = login(client, user.email)
    assert response.status_code == 401
    assert "deactivated" in response.get_data(as_text=True)


def test_deactivation_ends_an_open_session(app, client, login_as):
    user = login_as("applicant")
    assert client.get("/account/password").status_code == 200
    with app.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()
    assert client.get("/account/password").status_code == 302


def test_password_change(app, client, login_as):
    user = login_as("applicant")
    token = csrf_token(client, "/account/password")
    new = "a much longer new passphrase"
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": new,
            "confirm_password": new,
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    assert client.get("/account/password").status_code == 200  # still signed in
    other = app.test_client()
    assert login(other, user.email, PASSWORD).status_code == 401
    assert login(other, user.email, new).status_code == 302
    assert detached_user(app, user.id).password_hash.startswith("$argon2id$")


def test_password_change_refuses_short_and_wrong_current(app, client, login_as):
    user = login_as("applicant")
    before = detached_user(app, user.id).password_hash
    token = csrf_token(client, "/account/password")
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "short",
            "confirm_password": "short",
            "csrf_token": token,
        },
    )
    assert response.status_code == 400
    assert "Use at least 12 characters" in response.get_data(as_text=True)
    response = client.post(
        "/account/password",
        data={
            "current_password": "not my password",
            "new_password": "long enough password",
            "confirm_password": "long enough password",
            "csrf_token": token,
        },
    )
    assert "Your current password is not correct." in response.get_data(as_text=True)
    assert detached_user(app, user.id).password_hash == before


def test_password_change_signs_out_other_sessions(app, client, login_as):
    user = login_as("applicant")
    other = app.test_client()
    login(other, user.email)
    assert other.get("/account/password").status_code == 200
    token = csrf_token(client, "/account/password")
    new = "another long passphrase"
    client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": new,
            "confirm_password": new,
            "csrf_token": token,
        },
    )
    assert other.get("/account/password").status_code == 302


def test_post_without_csrf_token_is_refused(client, create_user):
    user = create_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "missing its security token" in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_logout_without_csrf_token_is_refused(client, login_as):
    login_as("applicant")
    assert client.post("/logout").status_code == 400
    assert client.get("/account/password").status_code == 200


def test_next_parameter_cannot_redirect_off_site(client, create_user):
    user = create_user()
    token = csrf_token(client)
    response = client.post(
        "/login?next=https://evil.example/phish",
        data={"email": user.email, "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/"


def test_next_parameter_returns_to_the_page_asked_for(client, create_user):
    user = create_user()
    assert client.get("/account/password").headers["Location"].startswith("/login?next=")
    token = csrf_token(client)
    response = client.post(
        "/login?next=/account/password",
        data={"email": user.email, "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/account/password"


def test_default_hash_cost_is_an_owasp_setting_on_one_lane():
    from config import Config

    # OWASP Password Storage Cheat Sheet: argon2id, 19 MiB, 2 passes, 1 degree of parallelism.
    assert Config.PASSWORD_HASH_MEMORY_KIB >= 19456
    assert Config.PASSWORD_HASH_TIME_COST >= 2
    assert Config.PASSWORD_HASH_PARALLELISM == 1


def test_a_hash_made_with_other_settings_is_replaced_at_sign_in(app, client, create_user):
    from argon2 import PasswordHasher, extract_parameters

    user = create_user(roles=("applicant",))
    old = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=4).hash(PASSWORD)
    with app.app_context():
        db.session.get(User, user.id).password_hash = old
        db.session.commit()
    assert login(client, user.email).status_code == 302
    stored = detached_user(app, user.id).password_hash
    assert stored != old
    parameters = extract_parameters(stored)
    assert (parameters.time_cost, parameters.memory_cost, parameters.parallelism) == (
        app.config["PASSWORD_HASH_TIME_COST"],
        app.config["PASSWORD_HASH_MEMORY_KIB"],
        app.config["PASSWORD_HASH_PARALLELISM"],
    )

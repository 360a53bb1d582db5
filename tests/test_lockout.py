"""A locked account answers like an unknown one; its owner unlocks it with the emailed link,
an administrator with a button; both are audited."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from fund.accounts import operations
from fund.accounts.limits import AttemptLimit
from fund.accounts.models import User
from fund.extensions import db, utcnow
from fund.notifications.models import OutboxMessage
from tests.helpers import PASSWORD, audit_events, csrf_token, detached_user, login

WRONG = "wrong password!!"


def _lock(app, client, user, attempts: int = 3) -> None:
    app.config["LOGIN_LOCKOUT_ATTEMPTS"] = attempts
    for _ in range(attempts):
        assert login(client, user.email, WRONG).status_code == 401


def _unlock_link(app, user) -> str:
    with app.app_context():
        mail = db.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.to_email == user.email, OutboxMessage.kind == "account_locked"
            )
        ).all()
    assert len(mail) == 1, "one email when the lockout starts"
    assert "your account is locked" in mail[0].subject
    match = re.search(r"http://fund\.test(/account/unlock/\S+)", mail[0].text_body)
    assert match, mail[0].text_body
    assert f'href="http://fund.test{match.group(1)}"' in mail[0].html_body
    return match.group(1)


def _body(response) -> str:
    """The page without its CSRF token (which differs from one response to the next)."""
    return re.sub(r'name="csrf_token"[^>]*>', "", response.get_data(as_text=True))


def test_a_locked_account_answers_like_an_unknown_one(app, backend, client, create_user):
    user = create_user()
    _lock(app, client, user)
    locked = login(client, user.email, PASSWORD)  # the right password, too late
    unknown = login(client, "nobody@example.org", PASSWORD)
    assert locked.status_code == unknown.status_code == 401
    assert _body(locked).replace(user.email, "X") == _body(unknown).replace(
        "nobody@example.org", "X"
    )
    assert "The email address or password is not correct." in _body(locked)


def test_every_refusal_computes_a_password_hash(app, backend, create_user, monkeypatch):
    """Unknown, wrong, locked: the same work, so the time taken does not tell them apart."""
    user = create_user()
    policy = AttemptLimit(attempts=2, window=timedelta(minutes=15))
    calls: list[str] = []
    real = operations.verify_password
    monkeypatch.setattr(operations, "verify_password", lambda h, p: calls.append(h) or real(h, p))
    now = utcnow()
    with app.app_context():
        for email, password in [
            ("nobody@example.org", PASSWORD),
            (user.email, WRONG),
            (user.email, WRONG),  # locks
            (user.email, PASSWORD),  # locked
            (user.email, WRONG),  # locked
        ]:
            calls.clear()
            with pytest.raises(operations.LoginRefused) as refused:
                operations.authenticate(email, password, now=now, policy=policy)
            assert len(calls) == 1, (email, password)
            assert str(refused.value) == operations.refusal_message(policy)
        db.session.rollback()


def test_the_owner_unlocks_with_the_emailed_link_once(app, backend, client, create_user):
    user = create_user()
    _lock(app, client, user)
    assert len(audit_events(app, "account_locked")) == 1
    link = _unlock_link(app, user)
    assert login(client, user.email, PASSWORD).status_code == 401

    response = app.test_client().get(link)
    assert response.status_code == 200
    assert "Account unlocked" in response.get_data(as_text=True)
    assert detached_user(app, user.id).failed_login_count == 0
    (event,) = audit_events(app, "account_unlocked")
    assert event.actor_id == user.id and event.details["by"] == "owner"

    again = app.test_client().get(link)  # single use: nothing more happens
    assert again.status_code == 400
    assert "Link not valid" in again.get_data(as_text=True)
    assert len(audit_events(app, "account_unlocked")) == 1
    assert login(client, user.email, PASSWORD).status_code == 302


def test_a_link_of_an_earlier_lockout_does_not_unlock_a_later_one(app, client, create_user):
    user = create_user()
    _lock(app, client, user)
    link = _unlock_link(app, user)
    with app.app_context():  # the lockout ends; later failures lock it again
        db.session.get(User, user.id).failed_login_window_start -= timedelta(minutes=16)
        db.session.commit()
    for _ in range(3):
        login(client, user.email, WRONG)
    assert app.test_client().get(link).status_code == 400
    assert detached_user(app, user.id).failed_login_count == 3


@pytest.mark.parametrize("tamper", ["forged", "expired", "other secret"])
def test_a_forged_or_expired_link_changes_nothing(app, client, create_user, tamper, monkeypatch):
    user = create_user()
    _lock(app, client, user)
    link = _unlock_link(app, user)
    if tamper == "forged":
        link = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    elif tamper == "expired":
        monkeypatch.setattr(operations, "UNLOCK_LINK_MAX_AGE", timedelta(seconds=-1))
    else:
        app.config["SECRET_KEY"] = "another secret key of sufficient length!"
    response = app.test_client().get(link)
    assert response.status_code == 400
    assert detached_user(app, user.id).failed_login_count == 3
    assert audit_events(app, "account_unlocked") == []


def test_an_administrator_unlocks_an_account(app, backend, client, create_user):
    user = create_user()
    _lock(app, app.test_client(), user)
    admin = create_user(roles=("admin",), organization_acronym=None)
    assert login(client, admin.email).status_code == 302
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "Locked" in page and "Unlock the account" in page
    with app.app_context():  # until when, written as every page writes a moment
        policy = AttemptLimit.account_lockout(app.config)
        until = operations.locked_until(db.session.get(User, user.id), policy, utcnow())
    assert f"until {until.day} {until:%b %Y, %H:%M} UTC." in page, page
    token = csrf_token(client, f"/admin/users/{user.id}")
    response = client.post(f"/admin/users/{user.id}/unlock", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/users/{user.id}"
    assert "is unlocked" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert detached_user(app, user.id).failed_login_count == 0
    (event,) = audit_events(app, "account_unlocked")
    assert event.actor_id == admin.id and event.details["by"] == "admin"
    assert login(app.test_client(), user.email, PASSWORD).status_code == 302


def test_only_an_administrator_unlocks(app, client, create_user, login_as):
    user = create_user()
    _lock(app, app.test_client(), user)
    login_as("secretariat", organization_acronym=None)
    token = csrf_token(client, "/")
    response = client.post(f"/admin/users/{user.id}/unlock", data={"csrf_token": token})
    assert response.status_code == 403
    assert detached_user(app, user.id).failed_login_count == 3

"""A number the fund's configuration sets (a lock-out's attempts and minutes, a sensitive
action's minutes, a revision's days and months) is written with the singular or the plural its
value takes, in every language: "1 minute", never "1 minutes"."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from fund.accounts import operations
from fund.accounts.limits import AttemptLimit
from fund.accounts.throttle import Throttled
from fund.extensions import db, utcnow
from fund.notifications.models import OutboxMessage
from fund.revisions import workflow
from fund.sentences import said
from fund.signals import account_locked
from tests.helpers import csrf_token, user
from tests.test_recent_login import _age_session

ONE = AttemptLimit(attempts=1, window=timedelta(minutes=1))
MANY = AttemptLimit(attempts=10, window=timedelta(minutes=15))


def test_the_sign_in_refusal_follows_the_lockout_setting(app):
    one, many = operations.refusal_message(ONE), operations.refusal_message(MANY)
    assert "After 1 failed attempt an account is locked for up to 1 minute;" in one
    assert "After 10 failed attempts an account is locked for up to 15 minutes;" in many
    with app.test_request_context("/"), force_locale("fr"):
        assert "Après 1 tentative échouée" in said(one) and "jusqu'à 1 minute\u00a0;" in said(one)
        assert "Après 10 tentatives échouées" in said(many)


def test_the_throttle_says_its_window_by_its_length(app):
    one, many = Throttled(ONE, 30), Throttled(MANY, 90)
    assert "(1 within 1 minute). Wait 1 minute, then try again." in str(one)
    assert "(10 within 15 minutes). Wait 2 minutes, then try again." in str(many)
    with app.test_request_context("/"), force_locale("es"):
        assert "(1 en 1 minuto)" in one.said() and "(10 en 15 minutos)" in many.said()


@pytest.mark.parametrize(("attempts", "english"), [(1, "1 time."), (5, "5 times.")])
def test_the_lockout_email_counts_the_attempts(app, create_user, attempts, english):
    person = create_user(roles=("applicant",))
    with app.app_context():
        now = utcnow()
        account_locked.send(
            user(person), attempts=attempts, until=now + timedelta(minutes=15), now=now
        )
        db.session.flush()
        mail = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.user_id == person.id)
        ).one()
        for body in (mail.text_body, mail.html_body):
            assert f"with a wrong password {english} For your security" in body
        db.session.rollback()


@pytest.mark.parametrize(("seconds", "english"), [(60, "1 minute"), (900, "15 minutes")])
def test_a_stale_sign_in_is_told_its_age_by_the_setting(app, client, login_as, seconds, english):
    app.config["SENSITIVE_ACTION_MAX_AGE_SECONDS"] = seconds
    login_as("admin")
    page = "/admin/organizations/new"
    token = csrf_token(client, page)
    _age_session(client)
    hint = f"You signed in more than {english} ago: give your password to confirm this action."
    assert hint in client.get(page).get_data(as_text=True)
    refused = client.post(page, data={"csrf_token": token, "name": "Kept name"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert f"Enter your password: you signed in more than {english} ago" in text
    assert "Kept name" in text


@pytest.mark.parametrize(("days", "english"), [(1, "1 day"), (30, "30 days")])
def test_a_revision_too_late_counts_the_days_set(app, monkeypatch, days, english):
    end = date(2027, 6, 30)
    last = end - timedelta(days=days)
    monkeypatch.setattr(workflow, "request_deadline", lambda proposal: (days, end, last))
    problem = workflow.too_late(None, last + timedelta(days=1))
    assert problem.startswith(f"A revision is requested at least {english} before the")
    with app.test_request_context("/"), force_locale("fr"):
        french = "1 jour" if days == 1 else "30 jours"
        assert f"au moins {french} avant" in said(problem)

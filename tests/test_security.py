"""Security promises of SECURITY.md: sign-in throttling per address, recent sign-in for
sensitive actions, sessions, cookie flags, security headers and safe downloads."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from fund import create_app
from fund.access import SIGNED_IN_AT, public, recent_login_required, signed_in
from fund.accounts import throttle
from fund.accounts.limits import AttemptLimit
from fund.accounts.models import LoginAttempt, Organization, User
from fund.accounts.sensitive import SensitiveForm
from fund.audit.models import AuditEvent
from fund.extensions import db, utcnow
from fund.proposals.models import Attachment
from tests.helpers import PASSWORD, count_rows, csrf_token, detached_user, login, upload

OTHER_ADDRESS = "198.51.100.7"


def _client(app: Flask, address: str = "127.0.0.1", forwarded_for: str | None = None):
    """A client whose requests come from `address` (optionally through a proxy)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    if forwarded_for is not None:
        client.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client


# Throttling per client address ----------------------------------------------------------


def test_failures_on_many_accounts_from_one_address_are_throttled(app, backend, create_user):
    app.config["LOGIN_ADDRESS_ATTEMPTS"] = 3
    users = [create_user() for _ in range(4)]
    attacker = _client(app)
    for user in users[:3]:  # one failure per account: far from any account's lockout
        assert login(attacker, user.email, "wrong password!!").status_code == 401
    response = login(attacker, users[3].email, PASSWORD)  # even the right password
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Too many failed sign-in attempts came from your network address" in page
    assert "3 within 15 minutes" in page
    assert 1 <= int(response.headers["Retry-After"]) <= 15 * 60 + 1
    with attacker.session_transaction() as session:
        assert "_user_id" not in session
    # The refused attempt was not checked, so it counts against nobody.
    assert detached_user(app, users[3].id).failed_login_count == 0
    assert count_rows(LoginAttempt, app) == 3
    # Another address is not affected; neither are the accounts themselves.
    assert login(_client(app, OTHER_ADDRESS), users[3].email).status_code == 302
    assert login(_client(app, OTHER_ADDRESS), users[0].email).status_code == 302


def test_the_count_is_shared_by_every_worker(app, create_user):
    """Two application instances on one database stand for two gunicorn workers."""
    app.config["LOGIN_ADDRESS_ATTEMPTS"] = 2
    user = create_user()
    other_worker = create_app(
        "test",
        {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]}
        | {"LOGIN_ADDRESS_ATTEMPTS": 2},
    )
    assert login(_client(app), user.email, "wrong password!!").status_code == 401
    assert login(_client(other_worker), user.email, "wrong password!!").status_code == 401
    assert login(_client(app), user.email).status_code == 429
    assert login(_client(other_worker), user.email).status_code == 429
    with other_worker.app_context():
        db.engine.dispose()


def test_a_success_does_not_reset_the_address_count(app, create_user):
    app.config["LOGIN_ADDRESS_ATTEMPTS"] = 2
    mine, target = create_user(), create_user()
    client = _client(app)
    assert login(client, target.email, "wrong password!!").status_code == 401
    assert login(_client(app), mine.email).status_code == 302  # the attacker's own account
    assert login(client, target.email, "wrong password!!").status_code == 401
    assert login(_client(app), target.email).status_code == 429


def test_throttle_window_and_old_attempts_are_forgotten(app):
    policy = AttemptLimit(attempts=2, window=timedelta(minutes=15))
    now = utcnow()
    with app.app_context():
        for minutes in (0, 5):
            throttle.record(
                "192.0.2.1", succeeded=False, now=now + timedelta(minutes=minutes), policy=policy
            )
        db.session.commit()
        with pytest.raises(throttle.Throttled) as refused:
            throttle.check("192.0.2.1", now=now + timedelta(minutes=10), policy=policy)
        assert refused.value.retry_after == 5 * 60 + 1  # when the first failure leaves the window
        throttle.check("192.0.2.2", now=now + timedelta(minutes=10), policy=policy)
        throttle.check("192.0.2.1", now=now + timedelta(minutes=15, seconds=1), policy=policy)
        # A new attempt after the window deletes the rows that left it.
        throttle.record("192.0.2.3", succeeded=True, now=now + timedelta(minutes=17), policy=policy)
        db.session.commit()
        kept = db.session.scalars(select(LoginAttempt.address)).all()
        assert sorted(kept) == ["192.0.2.1", "192.0.2.3"]


def test_a_zero_limit_turns_the_throttle_off(app, create_user):
    app.config["LOGIN_ADDRESS_ATTEMPTS"] = 0
    user = create_user()
    client = _client(app)
    for _ in range(3):
        assert login(client, user.email, "wrong password!!").status_code == 401
    assert login(client, user.email).status_code == 302


def test_forwarded_for_is_ignored_without_a_configured_proxy(app, create_user):
    user = create_user()
    client = _client(app, forwarded_for="203.0.113.9")
    login(client, user.email, "wrong password!!")
    with app.app_context():
        assert db.session.scalars(select(LoginAttempt.address)).all() == ["127.0.0.1"]


def test_forwarded_for_is_used_behind_a_configured_proxy(app, create_user):
    user = create_user()
    behind_proxy = create_app(
        "test",
        {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "PROXY_FIX_X_FOR": 1},
    )
    client = _client(behind_proxy, "10.0.0.2", forwarded_for="192.0.2.200, 203.0.113.9")
    login(client, user.email, "wrong password!!")
    with behind_proxy.app_context():
        # One trusted proxy: the last address it added, not one the client may have forged.
        assert db.session.scalars(select(LoginAttempt.address)).all() == ["203.0.113.9"]
        db.engine.dispose()


# Recent sign-in for sensitive actions ----------------------------------------------------


def _age_the_sign_in(client, seconds: int = 3600) -> None:
    with client.session_transaction() as session:
        session[SIGNED_IN_AT] -= seconds


def _roles(app: Flask, user_id: int) -> set[str]:
    with app.app_context():
        return set(db.session.get(User, user_id).roles)


def _user_form(app, user: User, roles: list[str], token: str) -> dict:
    return {
        "email": user.email,
        "name": user.name,
        "organization_id": user.organization_id or 0,
        "roles": roles,
        "active": "y",
        "csrf_token": token,
    }


def test_sign_in_time_is_kept_in_the_session(client, login_as):
    before = int(utcnow().timestamp())
    login_as("applicant")
    with client.session_transaction() as session:
        assert before <= session[SIGNED_IN_AT] <= int(utcnow().timestamp())


def test_role_change_with_a_fresh_sign_in_goes_through(app, client, login_as, create_user):
    login_as("admin", organization_acronym=None)
    target = create_user(roles=("applicant",), organization_acronym="IOM")
    token = csrf_token(client, f"/admin/users/{target.id}")
    response = client.post(
        f"/admin/users/{target.id}", data=_user_form(app, target, ["secretariat"], token)
    )
    assert response.status_code == 302
    assert _roles(app, target.id) == {"secretariat"}


def test_role_change_after_an_old_sign_in_asks_for_the_password(app, client, login_as, create_user):
    admin = login_as("admin", organization_acronym=None)
    target = create_user(roles=("applicant",), organization_acronym="IOM")
    page = f"/admin/users/{target.id}"
    token = csrf_token(client, page)
    _age_the_sign_in(client)
    audit_before = count_rows(AuditEvent, app)

    response = client.post(
        page,
        data=_user_form(app, target, ["admin"], token),
        headers={"Referer": f"http://localhost{page}"},
    )
    assert response.status_code == 400  # the same form again, asking for the password
    assert _roles(app, target.id) == {"applicant"}
    assert count_rows(AuditEvent, app) == audit_before
    text = response.get_data(as_text=True)
    assert "this action needs it again" in text
    assert 'autocomplete="current-password"' in text
    assert re.search(r'<input checked[^>]*value="admin"', text)  # the choice is kept

    form = _user_form(app, target, ["admin"], token)
    wrong = client.post(page, data=form | {"confirm_with_password": "not my password"})
    assert wrong.status_code == 400
    assert "Your password is not correct." in wrong.get_data(as_text=True)
    assert detached_user(app, admin.id).failed_login_count == 1  # counts towards the lockout
    assert _roles(app, target.id) == {"applicant"}

    right = client.post(page, data=form | {"confirm_with_password": PASSWORD})
    assert right.status_code == 302 and right.headers["Location"] == "/admin/users"
    assert _roles(app, target.id) == {"admin"}


def test_opening_a_sensitive_page_after_an_old_sign_in_asks_on_the_page(client, login_as):
    login_as("admin", organization_acronym=None)
    _age_the_sign_in(client)
    response = client.get("/admin/users/new")
    assert response.status_code == 200
    assert 'name="confirm_with_password"' in response.get_data(as_text=True)
    listing = client.get("/admin/users")  # not sensitive: never asked
    assert listing.status_code == 200
    assert 'name="confirm_with_password"' not in listing.get_data(as_text=True)


def test_a_session_without_a_sign_in_time_is_not_recent(client, login_as):
    login_as("admin", organization_acronym=None)
    with client.session_transaction() as session:
        del session[SIGNED_IN_AT]
    page = client.get("/admin/users/new").get_data(as_text=True)
    assert 'name="confirm_with_password"' in page


@pytest.mark.parametrize(
    "referer", [None, "https://evil.example/admin/users", "javascript:alert(1)", "//evil.example/"]
)
def test_a_stale_sensitive_post_goes_nowhere_else(client, login_as, referer):
    login_as("admin", organization_acronym=None)
    token = csrf_token(client, "/admin/users/new")
    _age_the_sign_in(client)
    headers = {"Referer": referer} if referer else {}
    response = client.post("/admin/users/new", data={"csrf_token": token}, headers=headers)
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_the_password_of_a_sensitive_form_is_for_signed_in_users_only(client):
    token = csrf_token(client)
    response = client.post(
        "/admin/users/new", data={"csrf_token": token, "confirm_with_password": PASSWORD}
    )
    assert response.status_code == 401


def test_the_password_of_a_sensitive_form_counts_against_the_address_throttle(
    app, client, login_as
):
    app.config["LOGIN_ADDRESS_ATTEMPTS"] = 2
    login_as("admin", organization_acronym=None)
    token = csrf_token(client, "/admin/organizations/new")
    _age_the_sign_in(client)
    data = {"csrf_token": token, "name": "Agency", "kind": "un_entity"}
    for _ in range(2):
        response = client.post(
            "/admin/organizations/new", data=data | {"confirm_with_password": "wrong password!!"}
        )
        assert response.status_code == 400
        assert "Your password is not correct." in response.get_data(as_text=True)
    response = client.post(
        "/admin/organizations/new", data=data | {"confirm_with_password": PASSWORD}
    )
    assert response.status_code == 400
    assert "Too many failed sign-in attempts" in response.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(Organization).where(Organization.name == "Agency")
            )
            == 0
        )


def test_the_decorator_takes_its_own_age_and_keeps_the_audience(app, client, create_user):
    @app.route("/very-sensitive", methods=["GET", "POST"])
    @signed_in
    @recent_login_required(60)
    def very_sensitive():
        form = SensitiveForm()
        if form.validate_on_submit():
            return "done"
        return "asked" if form.needs_password else "refused", 400

    @app.route("/sensitive-public")
    @recent_login_required()
    @public
    def outer_order():
        return "done"

    user = create_user()
    assert client.get("/very-sensitive").status_code == 302  # signed_in still applies
    assert client.get("/sensitive-public").status_code == 401  # never without a user
    login(client, user.email)
    token = csrf_token(client, "/")
    assert client.post("/very-sensitive", data={"csrf_token": token}).get_data(as_text=True) == (
        "done"
    )
    _age_the_sign_in(client, 120)  # older than the view's 60 seconds, not the default 15 min
    assert client.post("/very-sensitive", data={"csrf_token": token}).get_data(as_text=True) == (
        "asked"
    )
    assert client.get("/sensitive-public").get_data(as_text=True) == "done"


# Sessions ---------------------------------------------------------------------------------


def test_session_is_renewed_at_login_and_holds_only_the_new_identity(client, create_user):
    user = create_user()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
        session["_user_id"] = "999:1"
    login(client, user.email)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == f"{user.id}:1"
        assert SIGNED_IN_AT in session


def test_session_is_cleared_at_logout(client, login_as):
    login_as("applicant")
    with client.session_transaction() as session:
        session["draft_note"] = "left over"
    token = csrf_token(client, "/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    with client.session_transaction() as session:
        assert "_user_id" not in session
        assert SIGNED_IN_AT not in session
        assert "draft_note" not in session
        assert "csrf_token" not in session
    assert client.get("/account/password").status_code == 302


@pytest.fixture
def production(app: Flask) -> Flask:
    """The production configuration on the test database."""
    production = create_app(
        "production",
        {
            "SECRET_KEY": "a-production-secret-of-sufficient-length-0123456789",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "FUND_BASE_URL": "https://fund.example.org",
        },
    )
    yield production
    with production.app_context():
        db.engine.dispose()


def _session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, response.headers
    return cookies[-1]


def test_production_cookies_are_secure_httponly_and_samesite(production, create_user):
    user = create_user()
    client = production.test_client()
    page = client.get("/login")
    for cookie in (_session_cookie(page), _session_cookie(login(client, user.email))):
        flags = [part.strip().lower() for part in cookie.split(";")]
        assert "secure" in flags
        assert "httponly" in flags
        assert "samesite=lax" in flags
        assert not any(part.startswith("domain=") for part in flags)


def test_production_sends_hsts_and_the_test_config_does_not(production, client):
    response = production.test_client().get("/login")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in client.get("/login").headers


# Security headers ---------------------------------------------------------------------------

ANONYMOUS_PAGES = ["/login", "/workflow", "/objectives", "/no-such-page", "/healthz"]
SIGNED_IN_PAGES = ["/", "/proposals", "/calls/", "/account/password", "/screening/", "/audit/"]


def _assert_security_headers(response) -> None:
    csp = response.headers["Content-Security-Policy"]
    directives = {d.strip().split(" ")[0]: d.strip() for d in csp.split(";")}
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert directives["default-src"] == "default-src 'self'"
    assert directives["script-src"] == "script-src 'self'"
    assert directives["object-src"] == "object-src 'none'"
    assert directives["frame-ancestors"] == "frame-ancestors 'none'"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize("path", ANONYMOUS_PAGES)
def test_security_headers_on_public_pages(client, path):
    _assert_security_headers(client.get(path))


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_security_headers_on_signed_in_pages(client, login_as, path):
    login_as("applicant", "secretariat", "admin", organization_acronym="IOM")
    response = client.get(path)
    assert response.status_code == 200
    _assert_security_headers(response)


def test_security_headers_on_refusals_and_redirects(client, login_as):
    _assert_security_headers(client.get("/admin/users"))  # redirect to sign in
    login_as("applicant")
    _assert_security_headers(client.get("/admin/users"))  # 403
    _assert_security_headers(client.post("/logout"))  # CSRF refusal


# Uploads are never served as a page -------------------------------------------------------

PDF_WITH_HTML = (
    b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n"
    b"1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
)


def test_a_pdf_holding_html_is_served_as_a_pdf_download(app, client, create_user, make_proposal):
    author = create_user(roles=("applicant",), organization_acronym="ILO")
    proposal_id = make_proposal(author)
    login(client, author.email)
    response = upload(client, proposal_id, PDF_WITH_HTML, "notes.pdf")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    with app.app_context():
        attachment_id = db.session.scalar(
            select(Attachment.id).where(Attachment.filename == "notes.pdf")
        )
    download = client.get(f"/proposals/{proposal_id}/attachments/{attachment_id}")
    assert download.status_code == 200
    assert download.data == PDF_WITH_HTML
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"] == "attachment; filename=notes.pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    csp = [d.strip() for d in download.headers["Content-Security-Policy"].split(";")]
    assert "sandbox" in csp and "default-src 'none'" in csp
    assert download.headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("filename", ["notes.html", "notes.htm", "notes.svg", "notes.pdf.html"])
def test_a_pdf_cannot_be_stored_under_a_page_name(
    app, client, create_user, make_proposal, filename
):
    author = create_user(roles=("applicant",), organization_acronym="ILO")
    proposal_id = make_proposal(author)
    login(client, author.email)
    before = count_rows(Attachment, app)
    response = upload(client, proposal_id, PDF_WITH_HTML, filename)
    assert response.status_code == 400
    assert count_rows(Attachment, app) == before


def test_an_html_page_is_not_accepted_whatever_its_name(app, client, create_user, make_proposal):
    author = create_user(roles=("applicant",), organization_acronym="ILO")
    proposal_id = make_proposal(author)
    login(client, author.email)
    before = count_rows(Attachment, app)
    for name in ("page.pdf", "page.docx", "page"):
        response = upload(client, proposal_id, b"<!doctype html><script>alert(1)</script>", name)
        assert response.status_code == 400
    assert count_rows(Attachment, app) == before

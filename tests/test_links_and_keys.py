"""Absolute links come from FUND_BASE_URL only, never from the request's Host header; the
secret key is never the published development key."""

from __future__ import annotations

import stat
import time
from decimal import Decimal

import pytest
from flask.sessions import SecureCookieSessionInterface
from flask_login.utils import _create_identifier
from sqlalchemy import select

from config import DEFAULT_SECRET_KEY, DEVELOPMENT_BASE_URL
from fund import create_app
from fund.extensions import db
from fund.notifications.models import OutboxMessage
from fund.notifications.render import absolute, path_for
from fund.proposals.models import Proposal
from tests.conftest import csrf_token, login

PRODUCTION = {"SECRET_KEY": "x" * 48, "SQLALCHEMY_DATABASE_URI": "sqlite://"}


# Links ------------------------------------------------------------------------------------


def test_email_links_ignore_the_host_header(app, backend, create_user, make_proposal):
    """A submission sent with `Host: evil.example` emails links to the configured address."""
    author = create_user(roles=("applicant",), organization_acronym="ILO")
    create_user(roles=("secretariat",), organization_acronym=None)
    proposal_id = make_proposal(author)
    client = app.test_client()
    client.environ_base["HTTP_HOST"] = "evil.example"
    assert login(client, author.email).status_code == 302
    token = csrf_token(client, f"/proposals/{proposal_id}")
    with app.app_context():
        version = db.session.get(Proposal, proposal_id).version
    response = client.post(
        f"/proposals/{proposal_id}/actions",
        data={"csrf_token": token, "version": str(version), "trigger": "submit", "comment": ""},
    )
    assert response.status_code == 302
    with app.app_context():
        bodies = [
            m.text_body + m.html_body for m in db.session.scalars(select(OutboxMessage)).all()
        ]
    assert len(bodies) == 2  # the author's receipt and the secretariat's
    for body in bodies:
        assert "evil.example" not in body
        assert f"http://fund.test/proposals/{proposal_id}" in body


def test_links_outside_a_request_come_from_the_setting(app):
    app.config["FUND_BASE_URL"] = "https://fund.example.org/mptf/"
    with app.app_context():
        assert absolute(path_for("proposals.detail", proposal_id=3)) == (
            "https://fund.example.org/mptf/proposals/3"
        )


def test_development_links_default_to_the_local_server():
    app = create_app(
        "development", {"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "k" * 40}
    )
    assert app.config["FUND_BASE_URL"] == DEVELOPMENT_BASE_URL == "http://127.0.0.1:5000"
    with app.test_request_context("/", headers={"Host": "evil.example"}):
        assert absolute("/proposals/3") == "http://127.0.0.1:5000/proposals/3"


def test_production_refuses_to_start_without_the_base_url():
    with pytest.raises(RuntimeError, match="FUND_BASE_URL"):
        create_app("production", {**PRODUCTION, "FUND_BASE_URL": ""})
    app = create_app("production", {**PRODUCTION, "FUND_BASE_URL": "https://fund.example.org"})
    assert app.config["FUND_BASE_URL"] == "https://fund.example.org"


@pytest.mark.parametrize("url", ["fund.example.org", "javascript:alert(1)", "https://", "ftp://x"])
def test_a_malformed_base_url_is_refused(url):
    with pytest.raises(RuntimeError, match="FUND_BASE_URL"):
        create_app("test", {"FUND_BASE_URL": url})


# The secret key ---------------------------------------------------------------------------


def _development(tmp_path, **overrides):
    return create_app(
        "development",
        {
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "SECRET_KEY": "",
            "SECRET_KEY_FILE": str(tmp_path / "instance" / "secret_key"),
            **overrides,
        },
    )


def test_without_a_key_a_random_one_is_made_once_and_kept(tmp_path):
    first = _development(tmp_path)
    key_file = tmp_path / "instance" / "secret_key"
    key = first.config["SECRET_KEY"]
    assert key != DEFAULT_SECRET_KEY and len(key) >= 32
    assert key_file.read_text().strip() == key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert _development(tmp_path).config["SECRET_KEY"] == key  # the next start reuses it
    assert _development(tmp_path / "other").config["SECRET_KEY"] != key


def test_the_published_key_is_never_used(tmp_path):
    app = _development(tmp_path, SECRET_KEY=DEFAULT_SECRET_KEY)
    assert app.config["SECRET_KEY"] != DEFAULT_SECRET_KEY
    assert app.config["SECRET_KEY"] == (tmp_path / "instance" / "secret_key").read_text().strip()


def test_a_truncated_key_file_is_replaced(tmp_path):
    key_file = tmp_path / "instance" / "secret_key"
    key_file.parent.mkdir()
    key_file.write_text("short\n")
    key = _development(tmp_path).config["SECRET_KEY"]
    assert len(key) >= 32 and key_file.read_text().strip() == key


def test_a_cookie_forged_with_the_published_key_gives_nothing(app, backend, create_user, tmp_path):
    """An administrator's session cookie signed with the old default key: anonymous."""
    admin = create_user(roles=("admin",), organization_acronym=None)
    # The server runs with the development settings as they were: the published key.
    served = _development(
        tmp_path,
        SECRET_KEY=DEFAULT_SECRET_KEY,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
    )
    forger = create_app("test", {"SECRET_KEY": DEFAULT_SECRET_KEY})
    serializer = SecureCookieSessionInterface().get_signing_serializer(forger)
    environ = {"REMOTE_ADDR": "127.0.0.1", "HTTP_USER_AGENT": "forger"}
    with forger.test_request_context("/", environ_base=environ):
        identifier = _create_identifier()  # what "strong" session protection compares
    now = int(time.time())
    cookie = serializer.dumps(
        {
            "_user_id": f"{admin.id}:1",
            "_fresh": True,
            "_id": identifier,
            "signed_in_at": now,
            "session_started_at": now,
        }
    )
    client = served.test_client()
    client.environ_base.update(environ)
    client.set_cookie("session", cookie)
    response = client.get("/admin/users")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    with served.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("rate", ["0.00125", "1", "-0.01"])
def test_a_fee_rate_no_deposit_could_take_stops_the_start(rate):
    """A deposit keeps its fee rate with four decimals, between 0 and 1: a setting outside
    that would refuse every deposit while the pages announced it; the application says so at
    its start instead."""
    with pytest.raises(RuntimeError, match="ADMIN_AGENT_FEE_RATE"):
        create_app("test", {"ADMIN_AGENT_FEE_RATE": Decimal(rate)})
    assert create_app("test", {"ADMIN_AGENT_FEE_RATE": Decimal("0.0125")})

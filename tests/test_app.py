"""The factory, configuration, error pages, security headers and health endpoints."""

from __future__ import annotations

import pytest

from config import DEFAULT_SECRET_KEY, config_for
from fund import create_app
from fund.access import access_of


def test_factory_uses_the_named_config():
    app = create_app("test")
    assert app.testing
    assert app.config["ENV_NAME"] == "test"


def test_unknown_environment_is_refused():
    with pytest.raises(ValueError, match="Unknown FUND_ENV"):
        config_for("staging-typo")


@pytest.mark.parametrize("key", [DEFAULT_SECRET_KEY, "", "short"])
def test_production_refuses_a_default_or_weak_secret_key(key):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(
            "production",
            {
                "SECRET_KEY": key,
                "SQLALCHEMY_DATABASE_URI": "sqlite://",
                "FUND_BASE_URL": "https://fund.example.org",
            },
        )


def test_production_starts_with_a_real_secret_key_and_secure_cookies():
    app = create_app(
        "production",
        {
            "SECRET_KEY": "x" * 48,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "FUND_BASE_URL": "https://fund.example.org",
        },
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_database_url_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:////tmp/elsewhere.sqlite3")
    import importlib

    import config

    try:
        importlib.reload(config)
        assert (
            config.DevelopmentConfig.SQLALCHEMY_DATABASE_URI == "sqlite:////tmp/elsewhere.sqlite3"
        )
    finally:
        monkeypatch.delenv("DATABASE_URL")
        importlib.reload(config)


def test_every_route_declares_who_may_use_it(app):
    undeclared = [
        rule.endpoint for rule in app.url_map.iter_rules() if access_of(app, rule.endpoint) is None
    ]
    assert undeclared == []


def test_a_route_without_declaration_is_refused(app, client):
    @app.route("/forgotten")
    def forgotten():
        return "should never be served"

    response = client.get("/forgotten")
    assert response.status_code == 403
    assert b"should never be served" not in response.data


def test_error_pages_use_the_layout(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Page not found" in page
    assert 'class="site-header"' in page


def test_server_error_page(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    from fund.access import public

    @app.route("/boom")
    @public
    def boom():
        raise RuntimeError("boom")

    response = client.get("/boom")
    assert response.status_code == 500
    assert "Something went wrong" in response.get_data(as_text=True)


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_pages_have_no_inline_script(client):
    page = client.get("/login").get_data(as_text=True)
    assert "<script>" not in page
    assert "onclick=" not in page


def test_healthz_needs_no_database():
    app = create_app(
        "test", {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/x"}
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_when_migrated(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["ready"] is True


def test_readyz_when_database_is_not_migrated(tmp_path):
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.db'}"})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["migrations"] == "behind"


def test_readyz_when_database_is_unreachable():
    app = create_app(
        "test", {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/x"}
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_public_reference_pages(client):
    objectives = client.get("/objectives").get_data(as_text=True)
    assert "Objective 23: International cooperation" in objectives
    assert objectives.count('class="area"') == 5
    principles = client.get("/principles").get_data(as_text=True)
    assert principles.count("<li>") >= 10
    assert "Whole-of-society approach" in principles


def test_sqlite_connections_get_a_larger_page_cache(app):
    from fund.extensions import SQLITE_CACHE_KIB, db

    with app.app_context():
        size = db.session.execute(db.text("PRAGMA cache_size")).scalar()
    assert size == -SQLITE_CACHE_KIB


def test_an_empty_database_url_means_the_default_sqlite_file():
    import subprocess
    import sys

    code = "import config; print(config.Config.SQLALCHEMY_DATABASE_URI)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**__import__("os").environ, "DATABASE_URL": ""},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip().startswith("sqlite:///")
    assert result.stdout.strip().endswith("instance/fund.sqlite3")


def test_the_mail_timeout_is_a_setting_of_its_own():
    """MAIL_TIMEOUT_SECONDS is read from the environment as the other mail settings are, and
    the SMTP transport waits that long."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from fund.notifications.mail import SMTPTransport

    root = Path(__file__).resolve().parent.parent
    script = "from config import Config; print(Config.MAIL_TIMEOUT_SECONDS)"
    env = {**os.environ, "MAIL_TIMEOUT_SECONDS": "3"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=root
    )
    assert done.stdout.strip() == "3", done.stderr
    config = {"MAIL_SERVER": "mail.example", "MAIL_PORT": 25, "MAIL_DEFAULT_SENDER": "f@x"}
    assert SMTPTransport({**config, "MAIL_TIMEOUT_SECONDS": 4}).timeout == 4.0
    assert SMTPTransport(config).timeout == 10.0

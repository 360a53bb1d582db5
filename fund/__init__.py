"""The fund application: grant management for the Migration Multi-Partner Trust Fund."""

from __future__ import annotations

import logging
import os
import secrets
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask

from config import DEFAULT_SECRET_KEY, config_for

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_name: str | None = None, overrides: dict[str, Any] | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, error pages, CLI."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=instance_path(overrides),
    )
    app.config.from_object(config_for(config_name))
    if overrides:
        app.config.update(overrides)
    _check_secret_key(app)
    _check_base_url(app)
    _check_fee_rate(app)
    _trust_proxies(app)
    from fund.accounts import passwords

    passwords.configure(
        app.config["PASSWORD_HASH_TIME_COST"],
        app.config["PASSWORD_HASH_MEMORY_KIB"],
        app.config["PASSWORD_HASH_PARALLELISM"],
    )
    _configure_logging(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from fund import access, errors, extensions, idempotency, models, routing, security  # noqa: F401 - models

    extensions.db.init_app(app)
    extensions.tune_sqlite(app)
    extensions.migrate.init_app(app, extensions.db, directory=str(ROOT / "migrations"))
    extensions.csrf.init_app(app)
    extensions.login_manager.init_app(app)
    from fund import caches, changes, i18n

    i18n.init_app(app)

    caches.init_app(app)
    changes.init_app(app)
    access.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    from fund import api

    api.init_app(app)
    idempotency.init_app(app)
    routing.init_app(app)
    _register_blueprints(app)
    _register_workflow_guards(app)
    _connect_signal_receivers(app)

    from fund import cli, results, templating

    results.init_app(app)  # the audit log's names of the results reference's records
    cli.init_app(app)
    templating.init_app(app)
    return app


def instance_path(overrides: dict[str, Any] | None = None) -> str:
    """The node's own folder (the open-data files it keeps, the development secret key):
    `INSTANCE_PATH` of the overrides, else the environment's FUND_INSTANCE_PATH, else
    `instance` beside the code. Nothing in it is needed by another node: what it holds is
    rebuilt from the database."""
    chosen = (overrides or {}).get("INSTANCE_PATH") or os.environ.get("FUND_INSTANCE_PATH")
    return str(Path(chosen).resolve()) if chosen else str(ROOT / "instance")


def _check_secret_key(app: Flask) -> None:
    """Production needs SECRET_KEY: a random value of 32+ characters. Elsewhere, without one,
    a random key is made on first start and kept in the instance folder (see
    `instance_secret_key`); the published development key is never used to sign anything."""
    key = app.config.get("SECRET_KEY") or ""
    if app.config["ENV_NAME"] == "production":
        if key == DEFAULT_SECRET_KEY or len(key) < 32:
            raise RuntimeError(
                "SECRET_KEY must be set to a random value of at least 32 characters in production"
            )
        return
    if not key or key == DEFAULT_SECRET_KEY:
        path = Path(app.config.get("SECRET_KEY_FILE") or Path(app.instance_path) / "secret_key")
        app.config["SECRET_KEY"] = instance_secret_key(path)


def instance_secret_key(path: Path) -> str:
    """The key kept in `path`, made (random, readable by the owner only) if there is none."""
    try:
        key = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        key = ""
    if len(key) >= 32:
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(key + "\n")
    try:
        # Two processes starting at once: the first key written wins, both use it.
        os.link(temporary, path)
    except FileExistsError:
        kept = path.read_text(encoding="ascii").strip()
        if len(kept) >= 32:
            key = kept
        else:  # an empty or truncated file: replaced
            os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return key


def _check_base_url(app: Flask) -> None:
    """Absolute links come from FUND_BASE_URL only: production refuses to start without it,
    and anywhere it must be an http(s) address."""
    url = app.config.get("FUND_BASE_URL") or ""
    if not url:
        if app.config["ENV_NAME"] == "production":
            raise RuntimeError(
                "FUND_BASE_URL must be set in production to the address the fund is served at, "
                "e.g. https://fund.example.org (links in emails are built from it)"
            )
        return
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise RuntimeError(
            "FUND_BASE_URL must be an http(s) address such as https://fund.example.org, "
            f"not {url!r}"
        )


def _check_fee_rate(app: Flask) -> None:
    """Every deposit keeps the fee rate set (`ADMIN_AGENT_FEE_RATE`): one no deposit could
    keep (`fund.money.fee_rate_fits`) would refuse them all, so the application does not start."""
    from fund.money import FEE_RATE_RULE, fee_rate_fits

    rate = Decimal(str(app.config["ADMIN_AGENT_FEE_RATE"]))
    if not fee_rate_fits(rate):
        raise RuntimeError(f"ADMIN_AGENT_FEE_RATE must be {FEE_RATE_RULE}, not {rate}")


def _trust_proxies(app: Flask) -> None:
    """Behind reverse proxies, take the client address from X-Forwarded-For.

    PROXY_FIX_X_FOR is the number of proxies that append to the header; only then is the
    header trusted (a client could otherwise choose its own address and escape the
    sign-in throttle).
    """
    hops = int(app.config.get("PROXY_FIX_X_FOR") or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops)  # type: ignore[method-assign]


def _configure_logging(app: Flask) -> None:
    if app.config.get("TESTING"):
        return
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    app.logger.handlers[:] = [handler]
    app.logger.setLevel(logging.INFO)


def _register_workflow_guards(app: Flask) -> None:
    """Screening, the committee, finance and revisions register their guards of the proposal
    workflow; the application does not start unless the workflow table's every guard is there."""
    from fund import committee, finance, revisions, screening
    from fund.proposals import guards, operations

    for package in (screening, committee, finance):
        package.init_app(app)
    revisions.register_proposal_guards()
    guards.check_complete()
    operations.ENGINE.check_guards()
    operations.CONCEPT_NOTE_ENGINE.check_guards()


def _connect_signal_receivers(app: Flask) -> None:
    """Connect the receivers of the domain signals (`fund/signals.py`) and the session hooks,
    here and never at import time, once every domain is set up: the committee's receiver (a
    round opens and closes with the proposal's transitions) by `fund.committee.init_app` in
    `_register_workflow_guards` above, the reporting schedule made at funding (with the report
    workflow's guards) by `fund.reporting.init_app`, then the notifications' receivers and the
    hooks that send the outbox after each commit. Receivers run in no fixed order, so none relies on
    another having run. Connecting again changes nothing (tests create many applications)."""
    from fund import notifications, reporting, revisions

    reporting.init_app(app)
    revisions.init_app(app)
    notifications.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from fund.accounts.admin_views import bp as admin_bp
    from fund.accounts.views import bp as accounts_bp
    from fund.api.views import bp as api_bp
    from fund.auditlog.views import bp as audit_bp
    from fund.calls.views import bp as calls_bp
    from fund.committee.meeting_views import bp as meetings_bp
    from fund.committee.seat_views import bp as seats_bp
    from fund.committee.views import bp as committee_bp
    from fund.core.views import bp as core_bp
    from fund.coverage.views import bp as coverage_bp
    from fund.finance.agent_views import bp as agent_bp
    from fund.finance.closure_views import bp as closure_bp
    from fund.finance.transfer_views import bp as transfers_bp
    from fund.finance.views import bp as finance_bp
    from fund.notifications.outbox_views import bp as outbox_bp
    from fund.notifications.views import bp as notifications_bp
    from fund.pipeline.views import bp as pipeline_bp
    from fund.portfolio.views import bp as portfolio_bp
    from fund.proposals.concept_note_views import bp as concept_notes_bp
    from fund.proposals.invitation_views import bp as invitations_bp
    from fund.proposals.results_views import bp as results_editor_bp
    from fund.proposals.views import bp as proposals_bp
    from fund.reference.views import bp as reference_bp
    from fund.reporting.views import bp as reporting_bp
    from fund.reports.views import bp as reports_bp
    from fund.results.views import bp as results_bp
    from fund.revisions.views import bp as revisions_bp
    from fund.screening.views import bp as screening_bp

    for bp in (
        core_bp,
        accounts_bp,
        admin_bp,
        reference_bp,
        audit_bp,
        calls_bp,
        proposals_bp,
        concept_notes_bp,
        invitations_bp,
        results_editor_bp,
        screening_bp,
        committee_bp,
        meetings_bp,
        seats_bp,
        finance_bp,
        closure_bp,
        agent_bp,
        transfers_bp,
        coverage_bp,
        results_bp,
        reporting_bp,
        revisions_bp,
        pipeline_bp,
        reports_bp,
        portfolio_bp,
        notifications_bp,
        outbox_bp,
        api_bp,
    ):
        app.register_blueprint(bp)

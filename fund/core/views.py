"""Home page (the task dashboards), the emails not delivered, and the health endpoints used
by load balancers and deploy checks."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template
from flask_login import current_user

from fund.access import public, roles_required
from fund.accounts.models import Role
from fund.core.dashboard import dashboard
from fund.core.health import database_status
from fund.extensions import utcnow
from fund.notifications.queries import OutboxState, outbox_page
from fund.query_args import page_arg

bp = Blueprint("core", __name__)


@bp.route("/")
@public
def index():
    """Home: to a signed-in person, what waits for them in each of their roles."""
    sections = dashboard(current_user, utcnow()) if current_user.is_authenticated else []
    return render_template("core/index.html", user=current_user, sections=sections)


@bp.route("/admin/emails")
@roles_required(Role.ADMIN)
def failed_emails_page():
    """The emails given up on after their last attempt, the oldest first, with the error."""
    page = outbox_page(OutboxState.GIVEN_UP, page=page_arg(), oldest_first=True)
    return render_template("core/failed_emails.html", page=page)


@bp.route("/healthz")
@public
def healthz():
    """The process answers; touches no database."""
    return jsonify(status="ok")


@bp.route("/readyz")
@public
def readyz():
    """Ready to serve: the database answers in time, takes writes (not a standby) and its
    schema is at the migrations' head; 503 otherwise."""
    status = database_status(current_app)
    response = jsonify(status)
    response.status_code = 200 if status["ready"] else 503
    response.headers["Cache-Control"] = "no-store"  # a proxy's check always reaches the node
    return response

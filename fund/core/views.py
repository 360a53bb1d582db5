"""Home page and the health endpoints used by load balancers and deploy checks."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template
from flask_login import current_user

from fund.access import public
from fund.core.health import database_status

bp = Blueprint("core", __name__)


@bp.route("/")
@public
def index():
    return render_template("core/index.html", user=current_user)


@bp.route("/healthz")
@public
def healthz():
    """The process answers; touches no database."""
    return jsonify(status="ok")


@bp.route("/readyz")
@public
def readyz():
    """Ready to serve: the database answers and its schema is at the migrations' head."""
    status = database_status(current_app)
    return jsonify(status), 200 if status["ready"] else 503

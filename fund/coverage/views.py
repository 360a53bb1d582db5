"""Pages of the coverage domain."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("coverage", __name__, url_prefix="/coverage")

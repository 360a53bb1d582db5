"""The secretariat's reports page and the public open-data page."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reports", __name__)

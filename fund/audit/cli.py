"""`flask fund audit ...`."""

from __future__ import annotations

from flask.cli import AppGroup

audit_cli = AppGroup("audit", help="Check the tamper-evident audit trail.")

"""`flask fund export ...` and `flask fund report ...`."""

from __future__ import annotations

from flask.cli import AppGroup

export_cli = AppGroup("export", help="Export spreadsheets and open data (IATI, 360Giving).")
report_cli = AppGroup("report", help="Produce PDF reports.")

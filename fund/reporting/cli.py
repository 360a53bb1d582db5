"""`flask fund reports-due`: every programme's reporting schedule with each report's status
(due, overdue, overdue_returned, submitted, accepted, returned), as JSON or a text table."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from fund.cli_language import in_command_language
from fund.cli_options import format_option
from fund.extensions import utcnow
from fund.reporting.queries import schedule
from fund.sentences import said_marked


@click.command("reports-due")
@format_option(("json", "text"), default="text", help="JSON for programs, a table for people.")
@with_appcontext
def reports_due_command(output: str) -> None:
    """Print the reports the funded programmes owe, by due date, with their status."""
    rows = schedule(utcnow().date())
    if output == "json":
        reports = [
            {
                "programme": row.programme,
                "kind": row.kind,
                "period": row.period,
                "due": row.due_on.isoformat(),
                "status": row.status,
            }
            for row in rows
        ]
        click.echo(json.dumps({"reports": reports}, indent=2))
        return
    with in_command_language():
        click.echo(
            f"{_('Programme'):<12} {_('Report'):<24} {_('Period'):<22} {_('Due'):<10}  "
            f"{_('Status')}"
        )
        for row in rows:
            click.echo(
                f"{row.programme:<12} {said_marked(row.kind_label):<24} {row.period:<22} "
                f"{row.due_on.isoformat():<10}  {said_marked(row.status_label).lower()}"
            )
        if not rows:
            click.echo(_("No programme owes a report."))

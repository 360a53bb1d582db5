"""`flask fund reports-due`: every programme's reporting schedule with each report's status
(due, overdue, submitted, accepted, returned), as JSON or a text table."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from fund.cli_options import format_option
from fund.extensions import utcnow
from fund.reporting.queries import schedule


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
    click.echo(f"{'Programme':<12} {'Report':<24} {'Period':<22} {'Due':<10}  Status")
    for row in rows:
        click.echo(
            f"{row.programme:<12} {row.kind_label:<24} {row.period:<22} "
            f"{row.due_on.isoformat():<10}  {row.status}"
        )
    if not rows:
        click.echo("No programme owes a report.")

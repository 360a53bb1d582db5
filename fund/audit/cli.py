"""`flask fund audit ...`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from fund.audit.queries import verify_chain
from fund.cli_options import count_option

audit_cli = AppGroup("audit", help="Check the tamper-evident audit trail.")


@audit_cli.command("verify")
@count_option("--batch-size", default=1000, help="Events read per query.")
def verify_command(batch_size: int) -> None:
    """Recompute every link of the chain; exit 1 at the first broken one."""
    report = verify_chain(batch_size=batch_size)
    if report.intact:
        head = report.head_hash or "(empty)"
        click.echo(f"Audit trail intact: {report.count} events, head {head}")
        return
    click.echo(f"Audit trail BROKEN at event {report.broken_at_id}: {report.problem}", err=True)
    click.get_current_context().exit(1)

"""`flask fund audit ...`."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from fund.audit.queries import verify_chain
from fund.cli_language import say
from fund.cli_options import count_option

audit_cli = AppGroup("audit", help="Check the tamper-evident audit trail.")


@audit_cli.command("verify")
@count_option("--batch-size", default=1000, help="Events read per query.")
def verify_command(batch_size: int) -> None:
    """Recompute every link of the chain; exit 1 at the first broken one."""
    report = verify_chain(batch_size=batch_size)
    if report.intact:
        if report.head_hash:
            say(
                lazy_ngettext(
                    "Audit trail intact: %(num)s event, head %(head)s",
                    "Audit trail intact: %(num)s events, head %(head)s",
                    report.count,
                    head=report.head_hash,
                )
            )
        else:
            say(_l("Audit trail intact: %(count)s events, head (empty)", count=report.count))
        return
    say(
        _l(
            "Audit trail BROKEN at event %(event)s: %(problem)s",
            event=report.broken_at_id,
            problem=report.problem,
        ),
        err=True,
    )
    click.get_current_context().exit(1)

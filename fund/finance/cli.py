"""`flask fund finance status`: the funding status (fund.finance.status), as JSON for programs
or a text table for people."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from fund.cli_language import in_command_language
from fund.cli_options import format_option
from fund.finance.status import FundingStatus, funding_status
from fund.i18n import amount


@click.group("finance")
def finance_cli() -> None:
    """The fund's money."""


def status_text(status: FundingStatus) -> list[str]:
    """The funding status as lines of text, in the language of the moment (a command's: see
    `fund.cli_language`): the fund's statement, line by line as the pages state it
    (`fund.finance.status.STATEMENT`), then each organization's figures."""
    stated = [(_(line.label), line.amount) for line in status.statement]
    width = max(42, *(len(label) for label, _amount in stated))
    lines = [f"{label:<{width}} {amount(figure):>20}" for label, figure in stated]
    lines.append("")
    heading = (_("Organization"), _("Transfers"), _("Refunds"), _("Expenditure"), _("Balance"))
    lines.append(f"{heading[0]:<14}" + "".join(f"{h:>18}" for h in heading[1:]))
    for o in status.organizations:
        figures = (o.transfers, o.refunds, o.expenditure, o.participating_balance)
        lines.append(f"{o.label[:14]:<14}" + "".join(f"{amount(f):>18}" for f in figures))
    if not status.organizations:
        lines.append(_("No money has been transferred to a participating organization yet."))
    return lines


@finance_cli.command("status")
@format_option(("json", "text"), default="text", help="JSON for programs, a table for people.")
@with_appcontext
def status_command(output: str) -> None:
    """Print the funding status (USD): deposits, fee, interest, transfers, refunds, direct
    costs, the balances, and the same per participating organization."""
    status = funding_status()
    if output == "json":
        click.echo(json.dumps(status.to_dict(), indent=2))
        return
    with in_command_language():
        for line in status_text(status):
            click.echo(line.rstrip())

"""`flask fund finance status`: the funding status (fund.finance.status), as JSON for programs
or a text table for people."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from fund.cli_options import format_option
from fund.finance.status import FundingStatus, funding_status
from fund.money import format_amount

ROWS = (
    ("deposits", "Deposits"),
    ("administrative_agent_fee", "Administrative agent's fee"),
    ("interest", "Interest"),
    ("refunds", "Refunds"),
    ("transfers", "Transfers"),
    ("direct_costs", "Direct costs"),
    ("balance_with_administrative_agent", "Balance with the administrative agent"),
    ("expenditure", "Expenditure"),
    ("participating_balance", "Balance with participating organizations"),
)


@click.group("finance")
def finance_cli() -> None:
    """The fund's money."""


def status_text(status: FundingStatus) -> list[str]:
    """The funding status as lines of text: the fund's figures, then each organization's."""
    lines = [f"{label:<42} {format_amount(getattr(status, name)):>20}" for name, label in ROWS]
    lines.append("")
    heading = ("Organization", "Transfers", "Refunds", "Expenditure", "Balance")
    lines.append(f"{heading[0]:<14}" + "".join(f"{h:>18}" for h in heading[1:]))
    for o in status.organizations:
        figures = (o.transfers, o.refunds, o.expenditure, o.participating_balance)
        lines.append(
            f"{(o.acronym or o.name)[:14]:<14}"
            + "".join(f"{format_amount(f):>18}" for f in figures)
        )
    if not status.organizations:
        lines.append("No money has been transferred to a participating organization yet.")
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
    for line in status_text(status):
        click.echo(line.rstrip())

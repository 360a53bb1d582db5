"""`flask fund ...`: commands for operators."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from fund.cli_language import in_command_language, refusal, say
from fund.extensions import db
from fund.labels import N_
from workflows import PROPOSAL_WORKFLOW, to_mermaid
from workflows.concept_note import CONCEPT_NOTE_WORKFLOW
from workflows.report import REPORT_WORKFLOW
from workflows.revision import REVISION_WORKFLOW
from workflows.voting_round import VOTING_ROUND_WORKFLOW

fund_cli = AppGroup("fund", help="Fund operations: seed data, diagrams, audit checks.")

# The transition tables `flask fund diagram` draws, by name.
DIAGRAMS = {
    "proposal": PROPOSAL_WORKFLOW,
    "concept_note": CONCEPT_NOTE_WORKFLOW,
    "voting_round": VOTING_ROUND_WORKFLOW,
    "report": REPORT_WORKFLOW,
    "revision": REVISION_WORKFLOW,
}


# What `flask fund seed` counts as added, by kind.
SEED_KINDS = {
    "budget_categories": N_("budget categories"),
    "calls": N_("calls for proposals"),
    "contributions": N_("contributions"),
    "countries": N_("countries"),
    "fund_outcomes": N_("fund-level outcomes"),
    "guiding_principles": N_("guiding principles"),
    "migof_domains": N_("MiGOF domains"),
    "objectives": N_("GCM objectives"),
    "organizations": N_("organizations"),
    "pools": N_("pools"),
    "proposals": N_("proposals"),
    "sdg_targets": N_("SDG targets"),
    "thematic_areas": N_("thematic areas"),
    "un_entities": N_("UN entities"),
    "users": N_("users"),
}


@fund_cli.command("seed")
@click.option("--demo", is_flag=True, help="Also add demo organizations, users and an open call.")
def seed_command(demo: bool) -> None:
    """Load the reference data (idempotent); with --demo, the demo set too.

    The demo proposals go through the real workflow, so their notifications are written like
    any other; their emails stay in the outbox, unsent (`flask fund mail send-pending` would
    deliver them). The demo accounts are printed last."""
    from fund.demo import load_demo, load_demo_history
    from fund.notifications.outbox import keep_in_outbox
    from fund.seed import load_reference

    seed_dir = Path(current_app.config["SEED_DIR"])
    report = load_reference(seed_dir)
    kept = 0
    if demo:
        if current_app.config["ENV_NAME"] == "production":
            raise refusal(_l("The demo set is not for production databases."))
        load_demo(seed_dir, report)
        load_demo_history(seed_dir, report)
        kept = keep_in_outbox(db.session)
    from fund import caches

    for line in caches.ensure_built():
        say(line)
    db.session.commit()
    with in_command_language():
        added = ", ".join(
            f"{n} {_(SEED_KINDS.get(kind, kind))}" for kind, n in sorted(report.added.items())
        )
        click.echo(
            _("Seed loaded: %(added)s.", added=added) if added else _("Seed loaded: nothing new.")
        )
        if kept:
            click.echo(
                _(
                    "Emails of the demo set: %(kept)s kept in the outbox, not sent "
                    "(flask fund mail send-pending sends them).",
                    kept=kept,
                )
            )
        if demo:
            click.echo("")
            click.echo(
                _("Demo accounts (password for all: %(password)s):", password=report.demo_password)
            )
            for line in accounts_table(report.demo_accounts):
                click.echo(f"  {line}".rstrip())


def accounts_table(accounts: list[tuple[str, str, str]]) -> list[str]:
    """The demo accounts as a plain-text table: email, role, organization."""
    rows = [(_("Email"), _("Role"), _("Organization")), *accounts]
    widths = [max(len(row[column]) for row in rows) for column in range(2)]
    rule = ("-" * widths[0], "-" * widths[1], "-" * max(len(row[2]) for row in rows))
    return [
        f"{email:<{widths[0]}}  {role:<{widths[1]}}  {organization}"
        for email, role, organization in (rows[0], rule, *rows[1:])
    ]


@fund_cli.command("create-admin")
@click.option("--email", required=True, help="The administrator's email address.")
@click.option("--name", required=True, help="The administrator's full name.")
@click.password_option(help="At least PASSWORD_MIN_LENGTH characters; prompted if omitted.")
def create_admin_command(email: str, name: str, password: str) -> None:
    """Create an administrator account (e.g. the first one of a new installation)."""
    from fund.accounts.operations import AccountError, create_user
    from fund.extensions import utcnow

    try:
        user = create_user(
            None,
            email=email,
            name=name,
            password=password,
            roles={"admin"},
            organization=None,
            min_length=current_app.config["PASSWORD_MIN_LENGTH"],
            now=utcnow(),
        )
    except AccountError as error:
        db.session.rollback()
        raise refusal(error) from error
    db.session.commit()
    say(_l("Administrator %(email)s created.", email=user.email))


@fund_cli.command("diagram")
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="Write to this file.")
@click.option(
    "--workflow",
    "name",
    type=click.Choice(sorted(DIAGRAMS)),
    default="proposal",
    show_default=True,
    help="The transition table to draw.",
)
def diagram_command(out: str | None, name: str) -> None:
    """Print a workflow (the proposal's, the concept note's, a voting round's or a programme
    report's) as a Mermaid state diagram."""
    text = to_mermaid(DIAGRAMS[name])
    if out:
        Path(out).write_text(text + "\n", encoding="utf-8")
        say(_l("Diagram written to %(path)s.", path=out))
    else:
        click.echo(text)


def init_app(app: Flask) -> None:
    from fund.accounts.cli import api_token_cli
    from fund.audit.cli import audit_cli
    from fund.backup import backup_command, restore_command
    from fund.caches.cli import caches_command, check
    from fund.coverage.cli import coverage_command
    from fund.coverage.queries import coverage
    from fund.finance.cli import finance_cli
    from fund.notifications.cli import mail_cli
    from fund.pipeline.cli import pipeline_command
    from fund.reporting.cli import reports_due_command
    from fund.reports.cli import export_cli, report_cli
    from fund.results.cli import results_command

    fund_cli.add_command(api_token_cli)
    fund_cli.add_command(audit_cli)
    fund_cli.add_command(backup_command)
    fund_cli.add_command(restore_command)
    fund_cli.add_command(caches_command)
    fund_cli.add_command(coverage_command(check))
    fund_cli.add_command(export_cli)
    fund_cli.add_command(finance_cli)
    fund_cli.add_command(report_cli)
    fund_cli.add_command(mail_cli)
    fund_cli.add_command(pipeline_command)
    fund_cli.add_command(reports_due_command)
    fund_cli.add_command(results_command(lambda: coverage(include_pipeline=False)))
    app.cli.add_command(fund_cli)

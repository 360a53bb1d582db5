"""`flask fund ...`: commands for operators."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from fund.extensions import db

fund_cli = AppGroup("fund", help="Fund operations: seed data, diagrams, audit checks.")


@fund_cli.command("seed")
@click.option("--demo", is_flag=True, help="Also add demo organizations, users and an open call.")
def seed_command(demo: bool) -> None:
    """Load the reference data (idempotent); with --demo, the demo set too."""
    from fund.reference.seed import load_demo, load_reference

    seed_dir = Path(current_app.config["SEED_DIR"])
    report = load_reference(seed_dir)
    if demo:
        if current_app.config["ENV_NAME"] == "production":
            raise click.ClickException("The demo set is not for production databases.")
        load_demo(seed_dir, report)
    db.session.commit()
    added = ", ".join(f"{n} {kind}" for kind, n in sorted(report.added.items())) or "nothing new"
    click.echo(f"Seed loaded: {added}.")
    if demo:
        click.echo("")
        click.echo(f"Demo accounts (password for all: {report.demo_password}):")
        for email, roles, organization in report.demo_accounts:
            click.echo(f"  {email:<30} {roles:<12} {organization}")


def init_app(app: Flask) -> None:
    from fund.audit.cli import audit_cli

    fund_cli.add_command(audit_cli)
    app.cli.add_command(fund_cli)

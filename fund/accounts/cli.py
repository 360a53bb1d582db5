"""`flask fund api-token create`: a personal API token made by an operator for a user."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from fund.accounts import tokens
from fund.accounts.operations import find_user_by_email
from fund.extensions import db, utcnow

api_token_cli = AppGroup("api-token", help="Personal API tokens of the JSON API.")


@api_token_cli.command("create")
@click.option("--email", required=True, help="The email address of the token's user.")
@click.option("--name", required=True, help="A name to recognise the token by.")
@click.option(
    "--days",
    type=click.IntRange(1, tokens.MAX_DAYS),
    default=tokens.DEFAULT_DAYS,
    show_default=True,
    help="Days before the token expires.",
)
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    type=click.Choice(sorted(tokens.SCOPES)),
    help="What the token may read (repeat the option); every scope if none is given.",
)
def create_command(email: str, name: str, days: int, scopes: tuple[str, ...]) -> None:
    """Make a token for the user with EMAIL and print it, once: only its SHA-256 is kept."""
    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No user has the email address {email}.")
    try:
        made = tokens.create_token(
            user,
            name,
            now=utcnow(),
            days=days,
            scopes=frozenset(scopes) or None,
            by_command=True,
        )
    except tokens.TokenRefused as refused:
        db.session.rollback()
        raise click.ClickException(refused.message) from None
    db.session.commit()
    click.echo(
        f"Token {made.row.name!r} of {user.email}, scopes {made.row.scopes}, expires "
        f"{made.row.expires_at:%Y-%m-%d %H:%M} UTC. Copy it now, it is not shown again:",
        err=True,
    )
    click.echo(made.token)

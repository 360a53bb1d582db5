"""`flask fund coverage`."""

from __future__ import annotations

import click


@click.command("coverage")
def coverage_command() -> None:
    """Print the coverage of the GCM objectives."""
    raise click.ClickException("Coverage is not available yet.")

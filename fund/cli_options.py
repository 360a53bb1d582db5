"""Command-line options that several `flask fund ...` commands take in the same form."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

import click


def count_option(
    name: str, *, help: str, default: int | None = None, dest: str | None = None
) -> Callable[[Any], Any]:
    """A whole number of 1 or more (`--batch-size`, `--hours`, `--limit`, `--call`); its default,
    if it has one, is shown in the help."""
    return click.option(
        name,
        *([dest] if dest else []),
        type=click.IntRange(min=1),
        default=default,
        show_default=default is not None,
        help=help,
    )


def _as_day(_ctx: click.Context, _param: click.Parameter, value: datetime | None) -> date | None:
    return value.date() if value else None


def day_option(name: str, dest: str, *, help: str) -> Callable[[Any], Any]:
    """A day written YYYY-MM-DD (`--from`, `--to`, `--as-of`), passed to the command as a
    date."""
    return click.option(
        name, dest, type=click.DateTime(formats=["%Y-%m-%d"]), callback=_as_day, help=help
    )


def format_option(
    choices: Sequence[str], *, default: str, help: str, dest: str = "output"
) -> Callable[[Any], Any]:
    """`--format`, one of `choices` (passed to the command as `dest`), `default` shown in the
    help."""
    return click.option(
        "--format",
        dest,
        type=click.Choice(list(choices)),
        default=default,
        show_default=True,
        help=help,
    )

"""`flask fund caches --verify` / `--rebuild`: the kept figures against a full recomputation.

`flask fund coverage --verify` / `--rebuild` run the same (`check`)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from fund import caches
from fund.cli_language import in_command_language, say, translated
from fund.extensions import db


def check(*, verify: bool, rebuild: bool) -> None:
    """With `rebuild`, recompute every kept figure and commit; with `verify` (after the
    rebuild, if both), compare each with a full recomputation and exit 1 if any differs."""
    if rebuild:
        done = caches.rebuild()
        db.session.commit()
        for line in done:
            say(line)
        if not verify:
            return
    found = caches.verify()
    db.session.rollback()
    problems = [(name, problem) for name, listed in found.items() for problem in listed]
    with in_command_language():
        if problems:
            click.echo(
                ngettext(
                    "Kept figures differ from a full recomputation in %(num)s place:",
                    "Kept figures differ from a full recomputation in %(num)s places:",
                    len(problems),
                ),
                err=True,
            )
            for name, problem in problems:
                click.echo(f"  {_(name)}: {problem}", err=True)
            click.echo(_("Run `flask fund caches --rebuild` to recompute them."), err=True)
            raise SystemExit(1)
        names = [_(cache.name) for cache in caches.CACHES]
        click.echo(
            _(
                "%(names)s and %(last)s equal a full recomputation.",
                names=", ".join(names[:-1]).capitalize(),
                last=names[-1],
            )
        )


@click.command("caches")
@click.option(
    "--verify",
    is_flag=True,
    help="Compare every kept figure (coverage totals, the approved proposals' totals, the money "
    "paid out of each pool) with a full recomputation; exit 1 if one differs.",
)
@click.option(
    "--rebuild",
    is_flag=True,
    help="Recompute every kept figure (after a bulk load, an edit made outside the application, "
    "or a change of INDIRECT_SUPPORT_RATE); with --verify, check them afterwards.",
)
@with_appcontext
def caches_command(verify: bool, rebuild: bool) -> None:
    """Check or recompute the figures the fund keeps instead of recomputing them per page."""
    if not (verify or rebuild):
        raise click.UsageError(translated(_l("Give --verify, --rebuild or both.")))
    check(verify=verify, rebuild=rebuild)

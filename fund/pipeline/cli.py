"""`flask fund pipeline`: the ranked pipeline, as text or JSON."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import ngettext

from fund.cli_language import in_command_language
from fund.cli_options import format_option
from fund.i18n import money
from fund.pipeline.queries import as_json, config_rate, iso_utc, ranked_pipeline


@click.command("pipeline")
@format_option(
    ["text", "json"], default="text", help="A table for people, or JSON.", dest="output_format"
)
@click.option("--public", is_flag=True, help="Only what the committee made public.")
@with_appcontext
def pipeline_command(output_format: str, public: bool) -> None:
    """The ranked pipeline: the concept notes approved into it, in the committee's order, then
    the approved programmes awaiting funds; with JSON, {"entries": [...]} each with its
    reference, title, kind, rank, indicative_total, objectives, countries, organizations,
    national_partners and decided_at (ISO 8601, UTC)."""
    pipeline = ranked_pipeline(config_rate(current_app.config), public_only=public)
    if output_format == "json":
        click.echo(json.dumps(as_json(pipeline), indent=2, ensure_ascii=False))
        return
    with in_command_language():
        counts = {
            "as_of": iso_utc(pipeline.as_of),
            "notes": ngettext(
                "%(num)s concept note", "%(num)s concept notes", pipeline.concept_notes
            ),
            "programmes": ngettext("%(num)s programme", "%(num)s programmes", pipeline.programmes),
        }
        if pipeline.public_only:  # without the pools' money, as the public booklet and the API
            click.echo(_("The pipeline as of %(as_of)s: %(notes)s, %(programmes)s.", **counts))
        else:
            click.echo(
                _(
                    "The pipeline as of %(as_of)s: %(notes)s, %(programmes)s; %(available)s "
                    "available.",
                    available=money(pipeline.available),
                    **counts,
                )
            )
        beyond = _("(beyond the money available)")
        for e in pipeline.entries:
            money_left = ""
            if not pipeline.public_only:
                mark = "" if e.within_available else f"  {beyond}"
                money_left = _("running %(total)s", total=money(e.running_total)) + mark + "  "
            click.echo(
                f"{e.rank:>3}. {e.reference} {_(e.kind_label):<14} {money(e.amount):>18}  "
                f"{money_left}{e.title}"
            )

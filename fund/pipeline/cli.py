"""`flask fund pipeline`: the ranked pipeline, as text or JSON."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from fund.cli_options import format_option
from fund.money import format_usd
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
    click.echo(
        f"The pipeline as of {iso_utc(pipeline.as_of)}: {pipeline.concept_notes} concept "
        f"note(s), {pipeline.programmes} programme(s); {format_usd(pipeline.available)} "
        "available."
    )
    for e in pipeline.entries:
        mark = "" if e.within_available else "  (beyond the money available)"
        click.echo(
            f"{e.rank:>3}. {e.reference} {e.kind_label:<14} {format_usd(e.amount):>18}  "
            f"running {format_usd(e.running_total)}{mark}  {e.title}"
        )

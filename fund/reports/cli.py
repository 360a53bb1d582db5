"""`flask fund export ...` and `flask fund report ...`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from fund.extensions import utcnow
from fund.reports import spreadsheets
from fund.reports.iati import SchemaMissing
from fund.reports.views import OPEN_DATA_LABELS, open_data_exports

export_cli = AppGroup("export", help="Export spreadsheets and open data (IATI, 360Giving).")
report_cli = AppGroup("report", help="Produce PDF reports.")

_out = click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The file to write.",
)


def _open_data(kind: str, out: Path) -> None:
    try:
        export = open_data_exports(current_app.config, utcnow(), (kind,))[kind]
    except SchemaMissing as error:
        raise click.ClickException(str(error)) from error
    label = OPEN_DATA_LABELS[kind]
    for e in export.excluded:
        click.echo(f"Left out P-{e.proposal_id:05d} “{e.title}”: {'; '.join(e.reasons)}.", err=True)
    if export.empty:
        raise click.ClickException(
            f"No funded programme can be published: nothing written to {out}."
        )
    out.write_bytes(export.content)
    count = len(export.published)
    excluded = f"; {len(export.excluded)} left out (listed above)" if export.excluded else ""
    click.echo(f"{label}: {count} programme{'s' if count != 1 else ''} written to {out}{excluded}.")


@export_cli.command("iati")
@_out
def export_iati(out: Path) -> None:
    """IATI 2.03 XML of the funded programmes (validated; invalid ones are listed and left out)."""
    _open_data("iati", out)


@export_cli.command("360giving")
@_out
def export_360giving(out: Path) -> None:
    """360Giving 1.4 JSON of the funded programmes (validated; invalid ones listed, left out)."""
    _open_data("360giving", out)


@export_cli.command("xlsx")
@_out
def export_xlsx(out: Path) -> None:
    """One workbook: proposals, budget lines, allocations, shares, disbursements, contributions."""
    out.write_bytes(spreadsheets.build_workbook(current_app.config))
    click.echo(f"Workbook written to {out}.")


@export_cli.command("csv")
@click.option(
    "--table", "name", required=True, type=click.Choice(spreadsheets.TABLE_NAMES), help="Table."
)
@_out
def export_csv(name: str, out: Path) -> None:
    """One table as CSV (UTF-8)."""
    table = spreadsheets.build_table(name, current_app.config)
    out.write_bytes(spreadsheets.to_csv(table))
    click.echo(f"{table.title}: {len(table.rows)} rows written to {out}.")

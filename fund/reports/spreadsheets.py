"""Spreadsheets for the secretariat: proposals, budget lines, allocations (and their shares),
disbursements and contributions, as CSV (one table a file) or one XLSX workbook.

Amounts are exact: written from the stored decimals, as plain decimal text in CSV and as
numbers with a two-decimal currency format in XLSX. Text that a spreadsheet program would take
for a formula (starting with = + - @, or a tab or carriage return) gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from fund.labels import N_
from fund.listing import safe_cell
from fund.proposals.budget import Line, summarise
from fund.proposals.models import Scope, proposal_reference
from fund.reference.queries import category_titles, objective_labels
from fund.reports import queries
from workflows import PROPOSAL_WORKFLOW

TEXT, MONEY, DATE, DATETIME, INTEGER, RATE = "text", "money", "date", "datetime", "int", "rate"
NUMBER = "number"  # an exact decimal in no currency of its own (an amount in EUR, a rate)
MONEY_FORMAT = '"USD" #,##0.00'
ZERO = Decimal("0.00")


# Table name (for CSV files and the command line) -> sheet title, in workbook order.
TABLE_TITLES = {
    "proposals": N_("Proposals"),
    "budget_lines": N_("Budget lines"),
    "allocations": N_("Allocations"),
    "allocation_shares": N_("Allocation shares"),
    "disbursements": N_("Disbursements"),
    "contributions": N_("Contributions"),
}
TABLE_NAMES = tuple(TABLE_TITLES)


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = TEXT
    width: int = 16


# Columns that several tables share.
PROPOSAL_REF = Column("Proposal ref", width=10)
PROPOSAL_TITLE = Column("Proposal title", width=36)
ORGANIZATION = Column("Organization", width=14)
ALLOCATION_ID = Column("Allocation ID", INTEGER, 10)
AMOUNT = Column("Amount (USD)", MONEY, 18)
DISBURSED = Column("Disbursed (USD)", MONEY, 18)
UNDISBURSED = Column("Undisbursed (USD)", MONEY, 18)
RECORDED_AT = Column("Recorded at (UTC)", DATETIME, 18)


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    columns: tuple[Column, ...]
    rows: list[tuple[Any, ...]]


def _table(name: str, columns: tuple[Column, ...], rows: list[tuple[Any, ...]]) -> Table:
    return Table(name, TABLE_TITLES[name], columns, rows)


def neutralise(text: str) -> str:
    """Text a spreadsheet program shows as text, never runs as a formula (the lists' exports'
    rule, `fund.listing.safe_cell`)."""
    return safe_cell(text)


def _join(values) -> str:
    return "; ".join(values)


def _proposals(rate: Decimal) -> Table:
    allocations = queries.allocations_by_proposal()
    columns = (
        PROPOSAL_REF,
        Column("Title", width=40),
        Column("Call", width=24),
        Column("Status", width=14),
        Column("Submitting organization", width=14),
        Column("Lead organization", width=12),
        Column("Participating organizations", width=24),
        Column("Scope", width=12),
        Column("Countries (ISO)", width=16),
        Column("Endorsing governments (ISO)", width=16),
        Column("Primary GCM objective", INTEGER, 10),
        Column("Secondary GCM objectives", width=14),
        Column("Gender marker", INTEGER, 8),
        Column("Human rights marker", INTEGER, 8),
        Column("Planned start", DATE, 12),
        Column("Duration (months)", INTEGER, 10),
        Column("Direct costs (USD)", MONEY, 18),
        Column("Indirect support costs (USD)", MONEY, 18),
        Column("Total budget (USD)", MONEY, 18),
        Column("Allocated (USD)", MONEY, 18),
        DISBURSED,
        Column("Submitted versions", INTEGER, 10),
        Column("Last submitted (UTC)", DATETIME, 18),
    )
    rows = []
    for p in queries.all_proposals():
        budget = summarise(
            (
                Line(b.organization_id, b.objective_number, b.category_code, b.amount)
                for b in p.budget_lines
            ),
            rate,
        )
        allocation = allocations.get(p.id)
        rows.append(
            (
                proposal_reference(p.id),
                p.title,
                p.call.title,
                PROPOSAL_WORKFLOW.state_label(p.status),
                p.organization.label,
                p.lead_organization.label if p.lead_organization else None,
                _join(o.label for o in p.participants),
                Scope.labels().get(p.scope, p.scope) if p.scope else None,
                _join(c.iso2 for c in p.countries),
                _join(c.iso2 for c in p.endorsers),
                p.primary_objective_number,
                _join(str(o.number) for o in p.secondary_objectives),
                p.gender_marker,
                p.human_rights_marker,
                p.planned_start,
                p.duration_months,
                budget.direct_total,
                budget.indirect_total,
                budget.grand_total,
                allocation.amount if allocation else None,
                _disbursed(allocation) if allocation else None,
                p.submission_number,
                p.submitted_at,
            )
        )
    return _table("proposals", columns, rows)


def _disbursed(allocation) -> Decimal:
    """What an allocation has paid out: its shares' disbursements together."""
    return sum((s.disbursed for s in allocation.shares), ZERO)


def _budget_lines() -> Table:
    objectives = objective_labels()
    categories = category_titles()
    columns = (
        PROPOSAL_REF,
        PROPOSAL_TITLE,
        ORGANIZATION,
        Column("GCM objective", INTEGER, 10),
        Column("Objective", width=24),
        Column("Budget category", INTEGER, 10),
        Column("Category", width=28),
        Column("Programme year", INTEGER, 10),
        Column("Description", width=36),
        AMOUNT,
    )
    rows = [
        (
            proposal_reference(p.id),
            p.title,
            b.organization.label,
            b.objective_number,
            objectives.get(b.objective_number, ""),
            b.category_code,
            categories.get(b.category_code, ""),
            b.year,
            b.description,
            b.amount,
        )
        for b, p in queries.all_budget_lines()
    ]
    return _table("budget_lines", columns, rows)


def _allocations() -> Table:
    columns = (
        ALLOCATION_ID,
        PROPOSAL_REF,
        PROPOSAL_TITLE,
        Column("Allocated on", DATE, 12),
        AMOUNT,
        DISBURSED,
        UNDISBURSED,
        RECORDED_AT,
    )
    rows = []
    for a, p in queries.all_allocations():
        disbursed = _disbursed(a)
        rows.append(
            (
                a.id,
                proposal_reference(p.id),
                p.title,
                a.allocated_on,
                a.amount,
                disbursed,
                a.amount - disbursed,
                a.recorded_at,
            )
        )
    return _table("allocations", columns, rows)


def _allocation_shares() -> Table:
    columns = (
        ALLOCATION_ID,
        PROPOSAL_REF,
        ORGANIZATION,
        Column("Share (USD)", MONEY, 18),
        DISBURSED,
        UNDISBURSED,
    )
    rows = [
        (
            a.id,
            proposal_reference(p.id),
            s.organization.label,
            s.amount,
            s.disbursed,
            s.amount - s.disbursed,
        )
        for a, p in queries.all_allocations()
        for s in a.shares
    ]
    return _table("allocation_shares", columns, rows)


def _disbursements() -> Table:
    columns = (
        Column("Disbursement ID", INTEGER, 10),
        ALLOCATION_ID,
        PROPOSAL_REF,
        PROPOSAL_TITLE,
        ORGANIZATION,
        Column("Paid on", DATE, 12),
        AMOUNT,
        Column("Reference", width=18),
        RECORDED_AT,
    )
    rows = [
        (
            d.id,
            d.allocation_id,
            proposal_reference(p.id),
            p.title,
            d.organization.label,
            d.paid_on,
            d.amount,
            d.reference,
            d.recorded_at,
        )
        for d, p in queries.all_disbursements()
    ]
    return _table("disbursements", columns, rows)


def _contributions() -> Table:
    columns = (
        Column("Contribution ID", INTEGER, 10),
        Column("Donor", width=28),
        Column("Received on", DATE, 12),
        Column("Gross (USD)", MONEY, 18),
        Column("Fee rate", RATE, 8),
        Column("Fee (USD)", MONEY, 16),
        Column("Net (USD)", MONEY, 18),
        Column("Currency", width=9),
        Column("Amount in currency", NUMBER, 18),
        Column("Exchange rate (USD per unit)", NUMBER, 14),
        Column("Pool", width=10),
        Column("Pledge ID", INTEGER, 10),
        Column("Reference", width=18),
        Column("Voided", width=8),
        Column("Void reason", width=28),
        RECORDED_AT,
    )
    rows = [
        (
            c.id,
            c.donor.name,
            c.received_on,
            c.gross,
            c.fee_rate,
            c.fee,
            c.net,
            c.currency,
            c.currency_amount,
            c.exchange_rate,
            c.pool_code,
            c.pledge_id,
            c.reference,
            "yes" if c.void else "no",
            c.void.reason if c.void else "",
            c.recorded_at,
        )
        for c in queries.all_contributions()
    ]
    return _table("contributions", columns, rows)


def table_builders(config: Mapping[str, Any]) -> dict[str, Callable[[], Table]]:
    """The tables by name, in workbook order; each is built only when asked for."""
    rate = Decimal(config["INDIRECT_SUPPORT_RATE"])
    return {
        "proposals": lambda: _proposals(rate),
        "budget_lines": _budget_lines,
        "allocations": _allocations,
        "allocation_shares": _allocation_shares,
        "disbursements": _disbursements,
        "contributions": _contributions,
    }


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)


def _csv_cell(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if kind == MONEY:
        return format(Decimal(value), "f")
    if kind in (RATE, NUMBER):
        return format(Decimal(value).normalize(), "f")
    if kind == DATETIME:
        return _utc(value).isoformat(sep=" ", timespec="seconds")
    if kind == DATE:
        return value.isoformat()
    if kind == INTEGER:
        return str(value)
    return neutralise(str(value))


def to_csv(table: Table) -> bytes:
    """UTF-8 with a byte order mark, so that spreadsheet programs read accents right."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow([c.header for c in table.columns])
    for row in table.rows:
        writer.writerow([_csv_cell(v, c.kind) for v, c in zip(row, table.columns, strict=True)])
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(tables: list[Table]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    for table in tables:
        sheet = workbook.create_sheet(table.title[:31])
        sheet.append([c.header for c in table.columns])
        for cell in sheet[1]:
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in table.rows:
            sheet.append([_xlsx_value(v, c.kind) for v, c in zip(row, table.columns, strict=True)])
        for index, column in enumerate(table.columns, start=1):
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = column.width
            number_format = {
                MONEY: MONEY_FORMAT,
                DATE: "yyyy-mm-dd",
                DATETIME: "yyyy-mm-dd hh:mm:ss",
                RATE: "0.00%",
                NUMBER: "#,##0.00######",
            }.get(column.kind)
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                if number_format and cell.value is not None:
                    cell.number_format = number_format
                if column.kind == TEXT and cell.value is not None:
                    cell.data_type = "s"  # never a formula, whatever the text
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _xlsx_value(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind in (MONEY, RATE, NUMBER):
        # openpyxl writes 16 significant digits: every NUMERIC(14, 2) amount exactly.
        return Decimal(value)
    if kind == DATETIME:
        return _utc(value)
    if kind in (DATE, INTEGER):
        return value
    return neutralise(str(value))


def build_table(name: str, config: Mapping[str, Any]) -> Table:
    return table_builders(config)[name]()


def build_workbook(config: Mapping[str, Any]) -> bytes:
    return to_xlsx([build() for build in table_builders(config).values()])

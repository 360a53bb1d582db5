"""Spreadsheets for the secretariat: proposals, budget lines, allocations (and their shares),
disbursements and contributions, as CSV (one table a file) or one XLSX workbook.

Amounts are exact: written from the stored decimals, as plain decimal text in CSV and as
numbers with a two-decimal currency format in XLSX. Text that a spreadsheet program would take
for a formula (starting with = + - @, or a tab or carriage return) gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import IO, Any

from fund import xlsx
from fund.finance.closure_models import released_at_closure, still_to_pay
from fund.labels import N_
from fund.money import ZERO, configured_indirect_rate, from_cents, plain_number, read_amount
from fund.proposals import status_rules
from fund.proposals.budget import organization_budgets
from fund.proposals.models import Scope, proposal_reference
from fund.proposals.queries import organization_directs
from fund.reference.queries import category_titles, objective_labels
from fund.reports import table_queries
from workflows import PROPOSAL_WORKFLOW

TEXT, MONEY, DATE, DATETIME, INTEGER, RATE = "text", "money", "date", "datetime", "int", "rate"
NUMBER = "number"  # an exact decimal in no currency of its own (an amount in EUR, a rate)
MONEY_FORMAT = '"USD" #,##0.00'


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
    """A column of a table: its heading, the kind of its values (how they are written), its
    width in the workbook, and `value`, which gives the column's cell from the parts of a row of
    the table's query."""

    header: str
    kind: str = TEXT
    width: int = 16
    value: Callable[..., Any] | None = None

    def reading(self, value: Callable[..., Any]) -> Column:
        """This column, its cell given by `value`."""
        return replace(self, value=value)


# Columns that several tables share, each table saying how its rows give their cells.
PROPOSAL_REF = Column("Proposal ref", width=10)
PROPOSAL_TITLE = Column("Proposal title", width=36)
ORGANIZATION = Column("Organization", width=14)
ALLOCATION_ID = Column("Allocation ID", INTEGER, 10)
AMOUNT = Column("Amount (USD)", MONEY, 18)
DISBURSED = Column("Disbursed (USD)", MONEY, 18)
# What closure gave back to the pools (never transferred), the refunds received since, and what
# is still to pay: allocated less paid less given back, as the balance page counts them
# (`fund.finance.closure_models.still_to_pay`).
RELEASED = Column("Released at closure (USD)", MONEY, 18)
REFUNDED = Column("Refunded (USD)", MONEY, 18)
STILL_TO_PAY = Column("Still to pay (USD)", MONEY, 18)
RECORDED_AT = Column("Recorded at (UTC)", DATETIME, 18)


@dataclass(frozen=True)
class Table:
    """A table to write: its rows are read once, as they are written (the large tables come
    from the database a batch at a time)."""

    name: str
    title: str
    columns: tuple[Column, ...]
    rows: Iterable[tuple[Any, ...]]


def _table(name: str, rows: Iterable[tuple[Any, ...]], columns: tuple[Column, ...]) -> Table:
    """The table `name`: for each row of its query (a tuple of records), the cells its
    `columns` read from the row's records."""
    cells = (tuple(column.value(*row) for column in columns) for row in rows)
    return Table(name, TABLE_TITLES[name], columns, cells)


def neutralise(text: str) -> str:
    """Text a spreadsheet program shows as text, never runs as a formula (the rule of every
    export, `fund.xlsx.safe_cell`)."""
    return xlsx.safe_cell(text)


def _join(values) -> str:
    return "; ".join(values)


def _proposals(rate: Decimal) -> Table:
    allocations = {
        a.proposal_id: (a.amount, from_cents(a.paid)) for a in table_queries.all_allocations()
    }
    directs = organization_directs(status_rules.is_programme())
    rows = [
        (p, organization_budgets(directs.get(p.id, {}), rate), allocations.get(p.id))
        for p in table_queries.all_proposals()
    ]
    return _table(
        "proposals",
        rows,
        (
            PROPOSAL_REF.reading(lambda p, *_: proposal_reference(p.id)),
            Column("Title", width=40, value=lambda p, *_: p.title),
            Column("Call", width=24, value=lambda p, *_: p.call),
            Column("Status", width=14, value=lambda p, *_: PROPOSAL_WORKFLOW.state_label(p.status)),
            Column("Submitting organization", width=14, value=lambda p, *_: p.organization),
            Column(
                "Lead organization",
                width=12,
                value=lambda p, *_: p.lead_organization,
            ),
            Column(
                "Participating organizations",
                width=24,
                value=lambda p, *_: _join(p.participants),
            ),
            Column(
                "Scope",
                width=12,
                value=lambda p, *_: Scope.labels().get(p.scope, p.scope) if p.scope else None,
            ),
            Column("Countries (ISO)", width=16, value=lambda p, *_: _join(p.countries)),
            Column(
                "Endorsing governments (ISO)",
                width=16,
                value=lambda p, *_: _join(p.endorsers),
            ),
            Column(
                "Primary GCM objective", INTEGER, 10, value=lambda p, *_: p.primary_objective_number
            ),
            Column(
                "Secondary GCM objectives",
                width=14,
                value=lambda p, *_: _join(map(str, p.secondary_objectives)),
            ),
            Column("Gender marker", INTEGER, 8, value=lambda p, *_: p.gender_marker),
            Column("Human rights marker", INTEGER, 8, value=lambda p, *_: p.human_rights_marker),
            Column("Planned start", DATE, 12, value=lambda p, *_: p.planned_start),
            Column("Duration (months)", INTEGER, 10, value=lambda p, *_: p.duration_months),
            Column(
                "Direct costs (USD)", MONEY, 18, value=lambda _p, budget, _a: budget.direct_total
            ),
            Column(
                "Indirect support costs (USD)",
                MONEY,
                18,
                value=lambda _p, budget, _a: budget.indirect_total,
            ),
            Column(
                "Total budget (USD)", MONEY, 18, value=lambda _p, budget, _a: budget.grand_total
            ),
            Column(
                "Allocated (USD)",
                MONEY,
                18,
                value=lambda _p, _b, allocation: allocation[0] if allocation else None,
            ),
            DISBURSED.reading(lambda _p, _b, allocation: allocation[1] if allocation else None),
            Column("Submitted versions", INTEGER, 10, value=lambda p, *_: p.submission_number),
            Column("Last submitted (UTC)", DATETIME, 18, value=lambda p, *_: p.submitted_at),
        ),
    )


def _budget_lines() -> Table:
    objectives = objective_labels()
    categories = category_titles()
    return _table(
        "budget_lines",
        ((line,) for line in table_queries.all_budget_lines()),
        (
            PROPOSAL_REF.reading(lambda b: proposal_reference(b.proposal_id)),
            PROPOSAL_TITLE.reading(lambda b: b.title),
            ORGANIZATION.reading(lambda b: b.organization),
            Column("GCM objective", INTEGER, 10, value=lambda b: b.objective_number),
            Column("Objective", width=24, value=lambda b: objectives.get(b.objective_number, "")),
            Column("Budget category", INTEGER, 10, value=lambda b: b.category_code),
            Column("Category", width=28, value=lambda b: categories.get(b.category_code, "")),
            Column("Programme year", INTEGER, 10, value=lambda b: b.year),
            Column("Description", width=36, value=lambda b: b.description),
            AMOUNT.reading(lambda b: read_amount(b.amount)),
        ),
    )


def _allocations() -> Table:
    def money(a: Any) -> tuple[Any, Decimal, Decimal, Decimal]:
        return a, from_cents(a.paid), from_cents(a.released), from_cents(a.refunded)

    return _table(
        "allocations",
        (money(a) for a in table_queries.all_allocations()),
        (
            ALLOCATION_ID.reading(lambda a, *_: a.id),
            PROPOSAL_REF.reading(lambda a, *_: proposal_reference(a.proposal_id)),
            PROPOSAL_TITLE.reading(lambda a, *_: a.title),
            Column("Allocated on", DATE, 12, value=lambda a, *_: a.allocated_on),
            AMOUNT.reading(lambda a, *_: a.amount),
            DISBURSED.reading(lambda _a, disbursed, *_: disbursed),
            RELEASED.reading(lambda _a, _d, released, _r: released),
            REFUNDED.reading(lambda *row: row[3]),
            STILL_TO_PAY.reading(
                lambda a, paid, released, _r: still_to_pay(a.amount, paid, released)
            ),
            RECORDED_AT.reading(lambda a, *_: a.recorded_at),
        ),
    )


def _share_released(share: Any) -> Decimal:
    return released_at_closure(share.amount, share.disbursed, share.closed)


def _allocation_shares() -> Table:
    return _table(
        "allocation_shares",
        ((s,) for s in table_queries.all_allocation_shares()),
        (
            ALLOCATION_ID.reading(lambda s: s.allocation_id),
            PROPOSAL_REF.reading(lambda s: proposal_reference(s.proposal_id)),
            ORGANIZATION.reading(lambda s: s.organization),
            Column("Share (USD)", MONEY, 18, value=lambda s: s.amount),
            DISBURSED.reading(lambda s: s.disbursed),
            RELEASED.reading(_share_released),
            REFUNDED.reading(lambda s: s.refunded if s.closed else ZERO),
            STILL_TO_PAY.reading(lambda s: still_to_pay(s.amount, s.disbursed, _share_released(s))),
        ),
    )


def _disbursements() -> Table:
    return _table(
        "disbursements",
        ((d,) for d in table_queries.all_disbursements()),
        (
            Column("Disbursement ID", INTEGER, 10, value=lambda d: d.id),
            ALLOCATION_ID.reading(lambda d: d.allocation_id),
            PROPOSAL_REF.reading(lambda d: proposal_reference(d.proposal_id)),
            PROPOSAL_TITLE.reading(lambda d: d.title),
            ORGANIZATION.reading(lambda d: d.organization),
            Column("Paid on", DATE, 12, value=lambda d: d.paid_on),
            AMOUNT.reading(lambda d: d.amount),
            Column("Reference", width=18, value=lambda d: d.reference),
            RECORDED_AT.reading(lambda d: d.recorded_at),
        ),
    )


def _contributions() -> Table:
    return _table(
        "contributions",
        [(c,) for c in table_queries.all_contributions()],
        (
            Column("Contribution ID", INTEGER, 10, value=lambda c: c.id),
            Column("Donor", width=28, value=lambda c: c.donor.name),
            Column("Received on", DATE, 12, value=lambda c: c.received_on),
            Column("Gross (USD)", MONEY, 18, value=lambda c: c.gross),
            Column("Fee rate", RATE, 8, value=lambda c: c.fee_rate),
            Column("Fee (USD)", MONEY, 16, value=lambda c: c.fee),
            Column("Net (USD)", MONEY, 18, value=lambda c: c.net),
            Column("Currency", width=9, value=lambda c: c.currency),
            Column("Amount in currency", NUMBER, 18, value=lambda c: c.currency_amount),
            Column("Exchange rate (USD per unit)", NUMBER, 14, value=lambda c: c.exchange_rate),
            Column("Pool", width=10, value=lambda c: c.pool_code),
            Column("Pledge ID", INTEGER, 10, value=lambda c: c.pledge_id),
            Column("Reference", width=18, value=lambda c: c.reference),
            Column("Voided", width=8, value=lambda c: "yes" if c.void else "no"),
            Column("Void reason", width=28, value=lambda c: c.void.reason if c.void else ""),
            RECORDED_AT.reading(lambda c: c.recorded_at),
        ),
    )


def table_builders(config: Mapping[str, Any]) -> dict[str, Callable[[], Table]]:
    """The tables by name, in workbook order; each is built only when asked for."""
    rate = configured_indirect_rate(config)
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
        return plain_number(value)
    if kind == DATETIME:
        return _utc(value).isoformat(sep=" ", timespec="seconds")
    if kind == DATE:
        return value.isoformat()
    if kind == INTEGER:
        return str(value)
    return neutralise(str(value))


def write_csv(table: Table, out: IO[bytes]) -> int:
    """Write `table` to `out` as CSV in UTF-8 with a byte order mark (so that spreadsheet
    programs read accents right); answer how many rows it has."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow([c.header for c in table.columns])
    count = 0
    for count, row in enumerate(table.rows, start=1):  # noqa: B007 (the count is answered)
        writer.writerow([_csv_cell(v, c.kind) for v, c in zip(row, table.columns, strict=True)])
    text.flush()
    text.detach()  # `out` stays open for its owner
    return count


# The number format of each kind of column in the workbook; other kinds by their values' type.
NUMBER_FORMATS = {
    MONEY: MONEY_FORMAT,
    DATETIME: "yyyy-mm-dd hh:mm:ss",
    RATE: "0.00%",
    NUMBER: xlsx.RATE_FORMAT,
}


def _sheets(tables: list[Table]) -> list[xlsx.Sheet]:
    return [
        xlsx.Sheet(
            table.title,
            [c.header for c in table.columns],
            table.rows,
            widths=[c.width for c in table.columns],
            formats=[NUMBER_FORMATS.get(c.kind) for c in table.columns],
        )
        for table in tables
    ]


def build_table(name: str, config: Mapping[str, Any]) -> Table:
    return table_builders(config)[name]()


def write_workbook(config: Mapping[str, Any], out: IO[bytes]) -> None:
    """Write the workbook of every table to `out`, each table read as its sheet is written."""
    xlsx.write_workbook(_sheets([build() for build in table_builders(config).values()]), out)

"""What the pipeline reads of an approved proposal without summing its budget lines again.

When the approval is recorded (`fire(..., "approve")`) the proposal keeps when it was approved
and its total (direct plus indirect costs, as funding computes it) at the indirect support rate
of that moment, with that rate. The finance pipeline reads the total only while the configured
rate is the same; otherwise it sums the budget lines, as it does for a proposal without one.

Budget lines cannot be edited once a proposal is submitted. Should a line of a proposal with a
kept total change all the same (through the ORM), the total is cleared in the same flush, so it
is never counted stale (`clear_totals_of_changed_budgets`, connected to `db.session` by
`fund.caches`, which also runs `differences` and `refresh`: `flask fund caches --verify` /
`--rebuild`).

Why it is kept (bench/RESULTS.md, "Caches: with and without"; SQLite, medians of two runs): the
pipeline ledger of the finance page takes 16-22 ms with the kept totals and 27-34 ms summing the
lines at 5,000 proposals (475 approved; the page: 61-63 against 69-74 ms), 18-39 against 43-79
ms at 20,000 (1,978 approved); on PostgreSQL at 20,000 the ledger went from 38 to 9 ms when the
totals were first kept, the finance page being at 67 ms with them. Under the 100 ms page target
at 5,000 proposals without them, at its edge at 20,000: kept, with the least margin of the
kept figures.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect, select, update
from sqlalchemy.orm import Session

from fund.extensions import db
from fund.proposals import status_rules
from fund.proposals.budget import Line, rate_key, summarise
from fund.proposals.models import BudgetLine, Proposal


def record_approval(proposal: Proposal, now: datetime, rate: Decimal) -> None:
    """Keep the approval time and the total at `rate` on the proposal."""
    summary = summarise(
        (
            Line(line.organization_id, line.objective_number, line.category_code, line.amount)
            for line in proposal.budget_lines
            if line.amount is not None
        ),
        rate,
    )
    proposal.approved_at = now
    proposal.approved_total = summary.grand_total
    proposal.approved_rate = rate_key(rate)


def _summed_totals(rate: Decimal) -> dict[int, tuple[Decimal | None, str | None, Decimal]]:
    """approved proposal id -> (kept total, its rate, the total summed from the budget lines
    at `rate`): two queries."""
    kept = {
        row.id: (row.approved_total, row.approved_rate)
        for row in db.session.execute(
            select(Proposal.id, Proposal.approved_total, Proposal.approved_rate).where(
                status_rules.in_pipeline()
            )
        )
    }
    lines: dict[int, list[Line]] = {proposal_id: [] for proposal_id in kept}
    for row in db.session.execute(
        select(BudgetLine)
        .join(Proposal, Proposal.id == BudgetLine.proposal_id)
        .where(status_rules.in_pipeline(), BudgetLine.amount.is_not(None))
    ).scalars():
        lines[row.proposal_id].append(
            Line(row.organization_id, row.objective_number, row.category_code, row.amount)
        )
    return {
        proposal_id: (*kept[proposal_id], summarise(found, rate).grand_total)
        for proposal_id, found in lines.items()
    }


def differences(rate: Decimal) -> list[str]:
    """The approved proposals whose total kept at `rate` is not the sum of their lines."""
    return [
        f"proposal {proposal_id}: kept {kept_total}, summed {summed}"
        for proposal_id, (kept_total, kept_rate, summed) in sorted(_summed_totals(rate).items())
        if kept_total is not None and kept_rate == rate_key(rate) and kept_total != summed
    ]


def refresh(rate: Decimal) -> int:
    """Keep the total at `rate` of every approved proposal (after a change of the rate, or an
    edit behind the application); the caller commits. Returns how many were set."""
    found = _summed_totals(rate)
    for proposal_id, (_, _, summed) in found.items():
        db.session.execute(
            update(Proposal)
            .where(Proposal.id == proposal_id)
            .values(approved_total=summed, approved_rate=rate_key(rate)),
            execution_options={"synchronize_session": False},
        )
    return len(found)


def clear_totals_of_changed_budgets(session: Session, _context: Any, _instances: Any) -> None:
    """A change to the budget lines of a proposal clears the total kept at its approval."""
    unloaded: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Proposal):
            if obj.approved_total is not None and (
                inspect(obj).attrs.budget_lines.history.has_changes()
            ):
                obj.approved_total = None
        elif isinstance(obj, BudgetLine):
            parent = obj.__dict__.get("proposal")
            if parent is None and obj.proposal_id is not None:
                parent = session.identity_map.get(
                    inspect(Proposal).identity_key_from_primary_key((obj.proposal_id,))
                )
            if parent is not None:
                if parent.approved_total is not None:
                    parent.approved_total = None
            elif obj.proposal_id is not None:
                unloaded.add(obj.proposal_id)
    if unloaded:
        session.connection().execute(
            update(Proposal)
            .where(Proposal.id.in_(sorted(unloaded)), Proposal.approved_total.is_not(None))
            .values(approved_total=None),
            execution_options={"synchronize_session": False},
        )

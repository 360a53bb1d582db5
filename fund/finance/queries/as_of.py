"""The fund's records as they stood at the end of a day (UTC), for reports.

Contributions count from the day received until the moment voided; allocations from their
allocation date; disbursements from their payment date. A proposal's state on that day is the
state its last transition recorded in the audit trail before the day ended, except that a
proposal whose allocation is dated on or before the day counts as funded (the allocation date
is the financial fact; the `fund` event may be recorded later).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import String, and_, cast, exists, func, or_, select

from fund.audit.models import AuditEvent
from fund.extensions import db
from fund.finance.models import NOT_VOIDED, Allocation, Contribution, ContributionVoid
from fund.proposals.models import Proposal


def end_of_day(day: date) -> datetime:
    """The first moment after `day` (UTC): events of the day happened before it."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)


def proposal_state_as_of(as_of: date):
    """SQL expression on Proposal: its state at the end of `as_of`, the one its last transition
    recorded in the audit trail before then gave it (NULL if it did not exist yet). A lookup
    per proposal on the audit trail's subject index."""
    return (
        select(AuditEvent.to_state)
        .where(
            AuditEvent.subject_type == "proposal",
            AuditEvent.subject_id == cast(Proposal.id, String),
            AuditEvent.to_state.is_not(None),
            AuditEvent.occurred_at < end_of_day(as_of),
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
        .correlate(Proposal)
        .scalar_subquery()
    )


def allocated_by(as_of: date):
    """SQL condition on Proposal: it has an allocation dated on or before `as_of`."""
    return exists().where(Allocation.proposal_id == Proposal.id, Allocation.allocated_on <= as_of)


def contribution_counted(as_of: date | None):
    """SQL condition on Contribution (outer-joined to its void): counted in the balance."""
    if as_of is None:
        return NOT_VOIDED
    return and_(
        Contribution.received_on <= as_of,
        or_(
            NOT_VOIDED,
            ContributionVoid.voided_at >= end_of_day(as_of),
        ),
    )


def contributions_by(key, *where, as_of: date | None = None, **sums) -> dict[Any, Any]:
    """The contributions counted (`contribution_counted`: not voided, or as they stood at the
    end of `as_of`) that match `where`, grouped by the column `key`: per key one row with `n`
    (how many) and each of `sums` (name=column) summed under its name. One query."""
    rows = db.session.execute(
        select(key, func.count().label("n"), *(func.sum(c).label(n) for n, c in sums.items()))
        .outerjoin(ContributionVoid)
        .where(contribution_counted(as_of), *where)
        .group_by(key)
    )
    return {row[0]: row for row in rows}

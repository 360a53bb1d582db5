"""Reading the audit trail as stored: chain verification, its head and its length.

The log pages, timelines and the export read it with the actors' organizations: `fund.auditlog`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, func, select

from fund.audit.models import GENESIS_HASH, AuditEvent
from fund.audit.operations import compute_hash
from fund.audit.operations import head as head  # the trail's head: read where it is written
from fund.extensions import db

_EVENT_COLUMNS = tuple(AuditEvent.__table__.c)


@dataclass(frozen=True)
class ChainReport:
    intact: bool
    count: int
    head_hash: str | None
    broken_at_id: int | None = None
    problem: str | None = None


def _event_rows(batch_size: int, last_id: int) -> list[Row[Any]]:
    # Plain columns, not ORM objects: verification must see what the database holds, never
    # an object still cached in the session, and nothing accumulates in the identity map.
    query = (
        select(*_EVENT_COLUMNS)
        .where(AuditEvent.id > last_id)
        .order_by(AuditEvent.id)
        .limit(batch_size)
    )
    return list(db.session.execute(query))


def _broken(count: int, head_hash: str | None, event_id: int, problem: str) -> ChainReport:
    return ChainReport(False, count, head_hash, event_id, problem)


def verify_chain(batch_size: int = 1000) -> ChainReport:
    """Walk the chain in id order, in keyset pages, and report the first broken link.

    A deletion at the very end leaves a shorter but consistent chain; only comparing the head
    hash with one noted earlier reveals it.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be positive")
    last_id, last_hash, count = 0, GENESIS_HASH, 0
    while rows := _event_rows(batch_size, last_id):
        for row in rows:
            expected = last_id + 1
            if row.id != expected:
                return _broken(
                    count, last_hash, expected, f"event {expected} is missing (deleted?)"
                )
            if row.prev_hash != last_hash:
                previous = f"event {last_id}" if last_id else "the start of the trail"
                problem = f"event {row.id} does not follow {previous} (reordered or deleted)"
                return _broken(count, last_hash, row.id, problem)
            if compute_hash(row.prev_hash, row) != row.hash:  # type: ignore[arg-type]
                problem = f"event {row.id} was altered: its content does not match its hash"
                return _broken(count, last_hash, row.id, problem)
            last_id, last_hash, count = row.id, row.hash, count + 1
    return ChainReport(True, count, last_hash if count else None)


def count_events() -> int:
    """How many events the trail holds: its last event's id. The ids run from 1 without a gap
    (each event takes the one after the head's; `verify_chain` reports a missing one), so this
    is one index lookup however long the trail has grown, not a count of its rows."""
    return db.session.scalar(select(func.coalesce(func.max(AuditEvent.id), 0))) or 0

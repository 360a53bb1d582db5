"""Appending to the audit trail. Never commits: the event joins the caller's transaction."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import select

from fund import dialects
from fund.audit.models import AUDIT_LOCK, GENESIS_HASH, AuditEvent
from fund.extensions import db, take_write_lock, utcnow

T = TypeVar("T")


def _jsonable(value: Any) -> Any:
    """Details are stored as JSON; Decimals and dates become exact strings."""
    return json.loads(json.dumps(value or {}, default=_json_default, sort_keys=True))


def _json_default(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def canonical_content(event: AuditEvent) -> str:
    """The event's content as canonical JSON: the bytes its hash covers."""
    payload = {
        "id": event.id,
        "occurred_at": event.occurred_at.isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "actor_org_id": event.actor_org_id,
        "action": event.action,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "comment": event.comment,
        "details": event.details,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def compute_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256((prev_hash + canonical_content(event)).encode("utf-8")).hexdigest()


def _lock_head() -> None:
    """Serialise writers so that each reads the true head: an advisory lock on PostgreSQL,
    the database's write lock on SQLite.

    The unique prev_hash and primary key stop a fork even without this lock; the lock turns
    what would be a failed insert into a short wait.
    """
    if not dialects.advisory_lock(db.session.connection(), AUDIT_LOCK):
        take_write_lock(db.session)


def head() -> tuple[int, str] | None:
    """The id and hash of the newest event, or None when the trail is empty: what the next
    event follows, and what a document notes of the trail."""
    row = db.session.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    return (row.id, row.hash) if row else None


def record(
    action: str,
    subject_type: str,
    subject_id: Any,
    actor: Any = None,
    *,
    from_state: str | None = None,
    to_state: str | None = None,
    comment: str | None = None,
    details: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> AuditEvent:
    """Append one event after the current head of the chain and return it (flushed)."""
    _lock_head()
    prev_id, prev_hash = head() or (0, GENESIS_HASH)
    occurred = now or utcnow()
    event = AuditEvent(
        id=prev_id + 1,
        occurred_at=occurred,
        actor_id=getattr(actor, "id", None),
        actor_name=getattr(actor, "name", "") or "system",
        actor_org_id=getattr(actor, "organization_id", None),
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        from_state=from_state,
        to_state=to_state,
        comment=comment or None,
        details=_jsonable(details),
        prev_hash=prev_hash,
    )
    event.hash = compute_hash(prev_hash, event)
    db.session.add(event)
    db.session.flush()
    return event


def add_recorded(
    row: T,
    action: str,
    subject_type: str,
    actor: Any = None,
    *,
    subject_id: Any = None,
    details: dict[str, Any] | Callable[[T], dict[str, Any]] | None = None,
    **event: Any,
) -> T:
    """Add `row` to the caller's transaction, flush it (so it has its id) and record `action`
    about it; returns the row. The event's subject is `subject_type` with `subject_id`, by
    default the row's own id; `details` is a dict or a function of the flushed row; `event`
    holds `record`'s other keywords (`from_state`, `to_state`, `comment`, `now`)."""
    db.session.add(row)
    db.session.flush()
    record(
        action,
        subject_type,
        row.id if subject_id is None else subject_id,  # type: ignore[attr-defined]
        actor,
        details=details(row) if callable(details) else details,
        **event,
    )
    return row

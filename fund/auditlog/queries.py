"""Reading the audit trail for people: the secretariat's log with its filters, a subject's
timeline and the CSV export, each event with its actor's organization."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Row, Select, func, or_, select

from fund.accounts.models import Organization, User
from fund.audit.models import AuditEvent
from fund.audit.queries import count_events
from fund.extensions import db
from fund.labels import N_
from fund.listing import DESCENDING, Sorting, column
from fund.pagination import Page, paging

_EVENT_COLUMNS = tuple(AuditEvent.__table__.c)


@dataclass(frozen=True)
class EventFilters:
    """What the log page and the CSV export filter on; empty values filter nothing."""

    action: str | None = None
    subject_type: str | None = None
    subject_id: str | None = None
    actor: int | None = None
    actor_match: str | None = None  # part of the actor's name or email
    date_from: date | None = None
    date_to: date | None = None
    q: str | None = None


# One page of the log. Each row has the event's columns plus `actor_organization`.
EventPage = Page[Row[Any]]


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filtered(query: Select[Any], filters: EventFilters) -> Select[Any]:
    """`query` of audit events limited to those `filters` choose (the log page, its export and
    the API's events)."""
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.subject_type:
        query = query.where(AuditEvent.subject_type == filters.subject_type)
    if filters.subject_id:
        query = query.where(AuditEvent.subject_id == str(filters.subject_id))
    if filters.actor is not None:
        query = query.where(AuditEvent.actor_id == filters.actor)
    if filters.actor_match and filters.actor_match.strip():
        pattern = f"%{_escape_like(filters.actor_match.strip())}%"
        people = select(User.id).where(
            or_(User.name.ilike(pattern, escape="\\"), User.email.ilike(pattern, escape="\\"))
        )
        query = query.where(
            or_(AuditEvent.actor_name.ilike(pattern, escape="\\"), AuditEvent.actor_id.in_(people))
        )
    if filters.date_from:
        query = query.where(AuditEvent.occurred_at >= _day_start(filters.date_from))
    if filters.date_to:
        end = _day_start(filters.date_to + timedelta(days=1))
        query = query.where(AuditEvent.occurred_at < end)
    if filters.q and filters.q.strip():
        pattern = f"%{_escape_like(filters.q.strip())}%"
        query = query.where(
            or_(
                AuditEvent.comment.ilike(pattern, escape="\\"),
                AuditEvent.actor_name.ilike(pattern, escape="\\"),
            )
        )
    return query


def _with_organization() -> Select[Any]:
    return select(*_EVENT_COLUMNS, Organization.acronym.label("actor_organization")).outerjoin(
        Organization, Organization.id == AuditEvent.actor_org_id
    )


# The columns the log sorts by; the default: the newest event first.
SORT_COLUMNS = {
    "id": column(N_("Event number"), AuditEvent.id, first=DESCENDING),
    "when": column(N_("When (UTC)"), AuditEvent.occurred_at, first=DESCENDING),
    "actor": column(N_("Actor"), func.lower(AuditEvent.actor_name)),
    "action": column(N_("Action"), AuditEvent.action),
    "subject": column(N_("Subject"), AuditEvent.subject_type, AuditEvent.subject_id),
}
DEFAULT_SORT = ("id", DESCENDING)


def _ordered(query: Select[Any], sorting: Sorting | None) -> Select[Any]:
    if sorting is None:
        return query.order_by(AuditEvent.id.desc())
    return query.order_by(*sorting.order_by(AuditEvent.id))


def search_events(
    filters: EventFilters, page: int = 1, per_page: int = 50, sorting: Sorting | None = None
) -> EventPage:
    """One page of matching events, in `sorting`'s order (by default the newest first), in
    two queries (count, then the page). The unfiltered log's count is the trail's
    (`fund.audit.queries.count_events`: one index lookup however long the trail has grown)."""
    if filters == EventFilters():
        total = count_events()
    else:
        total = db.session.scalar(filtered(select(func.count(AuditEvent.id)), filters)) or 0
    at = paging(total, page, per_page)  # past the end: the last page
    query = (
        _ordered(filtered(_with_organization(), filters), sorting).limit(per_page).offset(at.offset)
    )
    return EventPage(total, at.page, per_page, rows=list(db.session.execute(query)))


def one_event(event_id: int) -> Row[Any] | None:
    """One event with its `actor_organization`, or None."""
    return db.session.execute(_with_organization().where(AuditEvent.id == event_id)).first()


def hash_of(event_id: int) -> str | None:
    """The hash recorded by one event, or None when there is no such event."""
    return db.session.scalar(select(AuditEvent.hash).where(AuditEvent.id == event_id))


def iter_events_sorted(filters: EventFilters, sorting: Sorting) -> Iterator[Row[Any]]:
    """Matching events in the log's order (an export of the view): one query, its rows
    fetched a thousand at a time."""
    query = _ordered(filtered(_with_organization(), filters), sorting)
    yield from db.session.execute(query.execution_options(yield_per=1000))


def timeline(subject_type: str, subject_id: Any) -> list[Row[Any]]:
    """The events of one subject, oldest first, each with its `actor_organization`."""
    query = (
        _with_organization()
        .where(AuditEvent.subject_type == subject_type, AuditEvent.subject_id == str(subject_id))
        .order_by(AuditEvent.id)
    )
    return list(db.session.execute(query))


def iter_events_for_export(filters: EventFilters, batch_size: int = 1000) -> Iterator[Row[Any]]:
    """Matching events in id order, fetched in keyset pages so memory stays constant."""
    last_id = 0
    while True:
        query = (
            filtered(_with_organization(), filters)
            .where(AuditEvent.id > last_id)
            .order_by(AuditEvent.id)
            .limit(batch_size)
        )
        rows = list(db.session.execute(query))
        yield from rows
        if len(rows) < batch_size:
            return
        last_id = rows[-1].id


def summarise_details(details: dict[str, Any] | None, limit: int = 120) -> str:
    """A one-line summary of an event's details for the log table."""
    if not details:
        return ""
    parts = []
    for key, value in sorted(details.items()):
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        parts.append(f"{key}: {shown}")
    text = "; ".join(parts)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"

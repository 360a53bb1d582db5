"""Reading a user's notifications and the outbox (marking them read is an operation)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from fund.extensions import db
from fund.labels import N_, LabelledEnum
from fund.notifications.models import Notification, OutboxMessage
from fund.pagination import PER_PAGE, Page, paging

log = logging.getLogger("fund.notifications")


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )


class UnreadCount:
    """The signed-in user's unread count for the layout, read once and only when shown.

    Nothing is read for visitors; a database that fails (an error page) shows no count rather
    than a second error.
    """

    def __init__(self, user) -> None:
        self._user = user
        self._value: int | None = None

    @property
    def value(self) -> int:
        if self._value is None:
            self._value = 0
            if getattr(self._user, "is_authenticated", False):
                try:
                    self._value = unread_count(self._user.id)
                except SQLAlchemyError:
                    log.warning("unread notifications could not be counted", exc_info=True)
        return self._value

    def __bool__(self) -> bool:
        return self.value > 0

    def __int__(self) -> int:
        return self.value

    def __str__(self) -> str:
        return str(self.value)


@dataclass
class NotificationPage(Page[Notification]):
    """One page of a person's notifications, and how many of all of them are unread."""

    unread: int = 0


def notifications_of(
    user_id: int, *, unread_only: bool = False, page: int = 1, per_page: int = PER_PAGE
) -> NotificationPage:
    """One page of the user's notifications, newest first."""
    mine = Notification.user_id == user_id
    counts = db.session.execute(
        select(
            func.count(),
            func.count(Notification.id).filter(Notification.read_at.is_(None)),
        ).where(mine)
    ).one()
    total, unread = counts[0], counts[1]
    shown_total = unread if unread_only else total
    query = select(Notification).where(mine)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    at = paging(shown_total, page, per_page)  # past the end: the last page
    rows = db.session.scalars(
        query.order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(per_page)
        .offset(at.offset)
    ).all()
    return NotificationPage(shown_total, at.page, per_page, rows=list(rows), unread=unread)


def outbox_status() -> dict[str, int]:
    """Counts for the CLI: sent, waiting (to be tried or retried) and given up."""
    rows = db.session.execute(
        select(
            func.count(OutboxMessage.id).filter(OutboxState.SENT.condition),
            func.count(OutboxMessage.id).filter(OutboxState.WAITING.condition),
            func.count(OutboxMessage.id).filter(OutboxState.GIVEN_UP.condition),
        )
    ).one()
    return {"sent": rows[0], "waiting": rows[1], "given_up": rows[2]}


class OutboxState(LabelledEnum):
    """Where an email of the outbox stands: waiting to be sent (or retried), sent, or given up
    on after its last attempt (it keeps its error)."""

    WAITING = "waiting", N_("Waiting")
    SENT = "sent", N_("Sent")
    GIVEN_UP = "given-up", N_("Given up")

    @classmethod
    def of(cls, message: OutboxMessage) -> OutboxState:
        if message.sent_at is not None:
            return cls.SENT
        return cls.WAITING if message.next_attempt_at is not None else cls.GIVEN_UP

    @property
    def condition(self) -> Any:
        """The SQL condition of the messages in this state."""
        unsent = OutboxMessage.sent_at.is_(None)
        if self is OutboxState.SENT:
            return OutboxMessage.sent_at.is_not(None)
        if self is OutboxState.WAITING:
            return unsent & OutboxMessage.next_attempt_at.is_not(None)
        return unsent & OutboxMessage.next_attempt_at.is_(None)


# The longest address an email can have: a longer recipient filter finds nothing.
MAX_EMAIL = 254


def _outbox_query(state: OutboxState | None, to: str) -> Any:
    """The outbox messages in `state` (any when None) whose address holds `to` (any case)."""
    query = select(OutboxMessage)
    if state is not None:
        query = query.where(state.condition)
    if to.strip():
        query = query.where(
            func.lower(OutboxMessage.to_email).contains(to.strip().lower(), autoescape=True)
        )
    return query


def outbox_page(
    state: OutboxState | None = None,
    to: str = "",
    *,
    page: int = 1,
    per_page: int = PER_PAGE,
    oldest_first: bool = False,
) -> Page[OutboxMessage]:
    """One page of the outbox, the newest first (or the oldest: the emails given up on, as
    Home lists them): two statements whatever its size."""
    query = _outbox_query(state, to)
    count = db.session.scalar(select(func.count()).select_from(query.subquery()))
    paged = paging(count, page, per_page)
    order = (
        (OutboxMessage.created_at, OutboxMessage.id)
        if oldest_first
        else (OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    )
    rows = db.session.scalars(query.order_by(*order).limit(per_page).offset(paged.offset)).all()
    return Page(count, paged.page, per_page, rows=list(rows))


def outbox_messages(
    state: OutboxState | None = None, to: str = "", *, limit: int | None = None
) -> list[OutboxMessage]:
    """The outbox messages, the newest first (at most `limit`), for `flask fund mail list`."""
    query = _outbox_query(state, to).order_by(
        OutboxMessage.created_at.desc(), OutboxMessage.id.desc()
    )
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))

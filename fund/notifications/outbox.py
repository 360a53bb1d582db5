"""The outbox: each notification written with its email, and the email's delivery.

Everything is written in the current transaction and never committed here. Email is attempted
only after the commit (the session hooks below, connected by `fund.notifications.init_app`),
with a session of its own, and never raises into the caller; what could not be sent stays in
the outbox for `flask fund mail send-pending`. An email given up on is reported to the
secretariat, by email only at other addresses than the one that failed, and a report that
fails in turn is not reported.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, has_app_context
from flask_babel import gettext
from flask_babel.speaklater import LazyString
from sqlalchemy import select, update
from sqlalchemy.orm import Session, aliased

from fund.accounts.models import User
from fund.extensions import db, utcnow
from fund.notifications import mail
from fund.notifications.models import Delivery, Notification, OutboxMessage
from fund.notifications.recipients import SECRETARIAT, Recipients, delivery_for, secretariat
from fund.notifications.render import absolute, path_for, proposal_context, proposal_page, render
from fund.proposals.models import Proposal

log = logging.getLogger("fund.notifications")

# Delivery attempts: a claimed message is not due again for LEASE (a crashed sender's message
# comes back); failures wait RETRY_BASE * 2**(attempts-1), at most RETRY_MAX; after
# MAX_ATTEMPTS the message is given up on (it stays in the outbox with its error).
LEASE = timedelta(minutes=10)
RETRY_BASE = timedelta(minutes=1)
RETRY_MAX = timedelta(hours=6)
MAX_ATTEMPTS = 20


# Writing notifications ------------------------------------------------------------------


def queued_email(
    user: User, kind: str, subject: str, text_body: str, html_body: str, now: datetime
) -> OutboxMessage:
    """The outbox message of one email of `kind` to `user`, due at once (not added to any
    session: the caller adds it to its own)."""
    return OutboxMessage(
        user_id=user.id,
        kind=kind,
        to_email=user.email,
        subject=subject,
        text_body=text_body,
        html_body=html_body,
        created_at=now,
        next_attempt_at=now,
    )


def notify(
    kind: str,
    recipients: Recipients,
    *,
    subject_type: str,
    subject_id: int | None,
    title: Any,
    link: str,
    context: Mapping[str, Any],
    dedupe_key: str | None = None,
    now: datetime | None = None,
    session: Session | None = None,
    email: Callable[[User], bool] | None = None,
) -> list[Notification]:
    """Write the notifications (and, for immediate delivery, the outbox messages) of one event
    in the current transaction (of `session`, by default the application's). Returns the
    notifications written. `email(user)` False keeps a recipient's message in the app only.
    Each recipient's message is written in their language: `title` is a text, or a lazy text
    (`lazy_gettext`) that reads in each one's language."""
    now = now or utcnow()
    session = session or db.session
    user_ids = list(recipients.users)
    if dedupe_key and user_ids:
        told = set(
            session.scalars(
                select(Notification.user_id).where(
                    Notification.dedupe_key == dedupe_key, Notification.user_id.in_(user_ids)
                )
            )
        )
        user_ids = [uid for uid in user_ids if uid not in told]
    deliveries = delivery_for(user_ids, kind, session)
    written: list[Notification] = []
    outbox: list[OutboxMessage] = []
    for user_id in user_ids:
        delivery = deliveries[user_id]
        if delivery == Delivery.OFF:
            continue
        user = recipients.users[user_id]
        emailed = email is None or email(user)
        if not emailed:
            delivery = Delivery.IMMEDIATE  # in the app only: never waits for a digest either
        values = {**context, "audience": recipients.audience[user_id], "link_url": absolute(link)}
        rendered = render(kind, title, values, user)
        written.append(
            Notification(
                user_id=user_id,
                kind=kind,
                subject_type=subject_type,
                subject_id=subject_id,
                title=rendered.subject,
                body=rendered.summary,
                link=link,
                created_at=now,
                delivery=delivery.value,
                dedupe_key=dedupe_key,
            )
        )
        if delivery == Delivery.IMMEDIATE and emailed:
            outbox.append(
                queued_email(user, kind, rendered.subject, rendered.text, rendered.html, now)
            )
    session.add_all(written)
    session.add_all(outbox)
    return written


def tell(
    kind: str,
    recipients: Recipients,
    proposal: Proposal,
    *,
    title: Any,
    context: Mapping[str, Any] | None = None,
    link: str | None = None,
    subject: tuple[str, int] | None = None,
    dedupe_key: str | None = None,
    now: datetime | None = None,
) -> list[Notification]:
    """`recipients` are told of a change on the proposal, or on `subject` (one of its records:
    its type and id): the message has the proposal's context and `context`, and its link opens
    the proposal's page unless another is given. Returns the notifications written."""
    subject_type, subject_id = subject or ("proposal", proposal.id)
    return notify(
        kind,
        recipients,
        subject_type=subject_type,
        subject_id=subject_id,
        title=title,
        link=link or proposal_page(proposal.id),
        context={**proposal_context(proposal), **(context or {})},
        dedupe_key=dedupe_key,
        now=now,
    )


# Delivery -------------------------------------------------------------------------------


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0  # will be retried
    given_up: int = 0
    errors: list[str] = field(default_factory=list)


def retry_delay(attempts: int) -> timedelta:
    return min(RETRY_BASE * 2 ** max(attempts - 1, 0), RETRY_MAX)


def deliver(
    ids: Iterable[int] | None = None,
    *,
    now: datetime | None = None,
    limit: int | None = None,
    include_waiting: bool = False,
    resume_after_outage: bool = False,
) -> DeliveryReport:
    """Send the due outbox messages (only `ids` if given), each claimed first so that two
    senders never send the same message. Uses a session of its own and commits it.

    `include_waiting` tries every unsent message now, due or not. `resume_after_outage` then
    also tries, at once, the messages waiting because the mail server could not be reached, but
    only if it answers now (a message of this run went out, or a connection opens): after an
    outage nothing waits out its back-off, and while it lasts no attempt is spent.

    A message given up on (refused for good, or after its last attempt) is reported to the
    secretariat (`warn_undelivered`), and those warnings are sent in the same run.
    """
    now = now or utcnow()
    report = DeliveryReport()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with Session(db.engine) as session:
        due = OutboxMessage.sent_at.is_(None) & OutboxMessage.next_attempt_at.is_not(None)
        if not include_waiting:
            due = due & (OutboxMessage.next_attempt_at <= now)
        query = select(OutboxMessage.id).where(due).order_by(OutboxMessage.id)
        if ids is not None:
            query = query.where(OutboxMessage.id.in_(list(ids)))
        if limit is not None:
            query = query.limit(limit)
        queue: list[tuple[int, Any]] = [(message_id, due) for message_id in session.scalars(query)]
        transport = mail.open_transport(app.config)
        broken: str | None = None
        resumed = not resume_after_outage
        try:
            position = 0
            while True:
                if position == len(queue) and not resumed:
                    resumed = True
                    if broken is None:
                        queue.extend(_after_outage(session, transport, report, now, ids, limit))
                if position == len(queue):
                    break
                message_id, claimable = queue[position]
                position += 1
                claimed = session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == message_id, claimable, _unlocked(message_id))
                    .values(
                        attempts=OutboxMessage.attempts + 1,
                        next_attempt_at=now + LEASE,
                        unreachable=False,
                    )
                    .execution_options(synchronize_session=False)
                ).rowcount
                session.commit()
                if not claimed:
                    continue
                message = session.get(OutboxMessage, message_id)
                error, permanent, unreachable = broken, False, broken is not None
                if error is None:
                    try:
                        transport.send(
                            mail.Email(
                                to=message.to_email,
                                subject=message.subject,
                                text=message.text_body,
                                html=message.html_body,
                                message_id=message.id,
                            )
                        )
                    except mail.ConnectionFailure as failure:
                        error = broken = str(failure)
                        unreachable = True
                    except mail.PermanentFailure as failure:
                        error, permanent = str(failure), True
                    except Exception as failure:
                        error = f"{type(failure).__name__}: {failure}"
                warnings = _record(session, message, now, error, permanent, unreachable, report)
                sent_or_due = OutboxMessage.sent_at.is_(None) & (
                    OutboxMessage.next_attempt_at <= now
                )
                queue.extend((warning_id, sent_or_due) for warning_id in warnings)
        finally:
            transport.close()
    return report


def _unlocked(message_id: int) -> Any:
    """The message's row is not being claimed by another sender this moment: on PostgreSQL
    `SELECT ... FOR UPDATE SKIP LOCKED` (another node's sender claiming it is passed over, not
    waited for); SQLite writes one transaction at a time and ignores the clause. The claim's own
    condition, read again under the row lock, keeps a message from being sent twice."""
    row = aliased(OutboxMessage)
    return OutboxMessage.id.in_(
        select(row.id).where(row.id == message_id).with_for_update(skip_locked=True)
    )


def _after_outage(
    session: Session,
    transport: mail.Transport,
    report: DeliveryReport,
    now: datetime,
    ids: Iterable[int] | None,
    limit: int | None,
) -> list[tuple[int, Any]]:
    """The messages waiting because the mail server could not be reached, to try now if the
    server answers; none while it does not (no attempt is spent on them)."""
    waiting = (
        OutboxMessage.sent_at.is_(None)
        & OutboxMessage.next_attempt_at.is_not(None)
        & OutboxMessage.unreachable.is_(True)
    )
    query = select(OutboxMessage.id).where(waiting).order_by(OutboxMessage.id)
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(list(ids)))
    if limit is not None:
        query = query.limit(max(limit - report.sent - report.failed - report.given_up, 0))
    found = list(session.scalars(query))
    if not found:
        return []
    if report.sent == 0:
        try:
            transport.check()
        except mail.ConnectionFailure as failure:
            log.info("the mail server still does not answer (%s): %d waiting", failure, len(found))
            return []
    return [(message_id, waiting) for message_id in found]


def _record(
    session: Session,
    message: OutboxMessage,
    now: datetime,
    error: str | None,
    permanent: bool,
    unreachable: bool,
    report: DeliveryReport,
) -> list[int]:
    """Record the attempt and commit; returns the ids of the warnings written (to send)."""
    warnings: list[int] = []
    if error is None:
        message.sent_at, message.next_attempt_at, message.last_error = now, None, None
        report.sent += 1
    elif permanent or message.attempts >= MAX_ATTEMPTS:
        message.next_attempt_at = None
        attempts = "1 attempt" if message.attempts == 1 else f"{message.attempts} attempts"
        message.last_error = f"given up after {attempts}: {error}"
        report.given_up += 1
        report.errors.append(f"#{message.id} to {message.to_email}: {error}")
        log.error("mail #%s to %s given up: %s", message.id, message.to_email, error)
        session.commit()  # given up, whatever becomes of the warning
        try:
            warnings = warn_undelivered(session, message, now)
            session.commit()
        except Exception:
            session.rollback()
            log.exception("warning the secretariat of mail #%s failed", message.id)
            warnings = []
    else:
        message.next_attempt_at = now + retry_delay(message.attempts)
        message.last_error = error
        message.unreachable = unreachable
        report.failed += 1
        report.errors.append(f"#{message.id} to {message.to_email}: {error}")
        log.warning("mail #%s to %s failed (will retry): %s", message.id, message.to_email, error)
    session.commit()
    return warnings


def warn_undelivered(session: Session, message: OutboxMessage, now: datetime) -> list[int]:
    """Tell the secretariat that `message` was given up on, naming its recipient and subject:
    in the app, and by email to each member whose address is not the one that failed. Nothing
    is said about a warning that fails in turn. Written in `session`, not committed; returns
    the ids of the emails written."""
    if message.kind == "mail_undelivered":
        return []
    failed_to = message.to_email.strip().lower()
    person = session.get(User, message.user_id) if message.user_id is not None else None
    recipients = Recipients()
    recipients.add(secretariat(session), SECRETARIAT)
    notify(
        "mail_undelivered",
        recipients,
        subject_type="outbox_message",
        subject_id=message.id,
        title=LazyString(
            lambda: gettext(
                "Email not delivered to %(email)s: %(subject)s",
                email=message.to_email,
                subject=message.subject,
            )[:300]
        ),
        link=path_for("notifications.index"),
        context={
            "failed_to": message.to_email,
            "failed_name": person.name if person is not None else "",
            "failed_subject": message.subject,
            "failed_written": message.created_at,
            "failed_attempts": message.attempts,
            "failed_error": message.last_error or "",
        },
        dedupe_key=f"mail_undelivered:{message.id}",
        now=now,
        session=session,
        email=lambda user: user.email.strip().lower() != failed_to,
    )
    emails = [row for row in session.new if isinstance(row, OutboxMessage)]
    session.flush()
    return sorted(row.id for row in emails)


# After the commit -----------------------------------------------------------------------

_PENDING = "fund_outbox_pending"


def _remember_outbox(session: Session, flush_context: Any) -> None:
    ids = [obj.id for obj in session.new if isinstance(obj, OutboxMessage)]
    if ids:
        session.info.setdefault(_PENDING, set()).update(ids)


def _forget_outbox(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)


def _deliver_after_commit(session: Session) -> None:
    """Try to send what this transaction put in the outbox. Never raises: a failure leaves
    the messages in the outbox for `send-pending`."""
    ids = session.info.pop(_PENDING, None)
    if not ids or not has_app_context():
        return
    try:
        deliver(sorted(ids))
    except Exception:
        log.exception("delivering outbox messages %s after commit failed", sorted(ids))


def keep_in_outbox(session: Session) -> int:
    """The messages this transaction has written so far are not sent after its commit: they
    wait in the outbox for `flask fund mail send-pending` (the demo set is loaded this way, so
    loading it sends and logs no email). Returns how many are kept."""
    session.flush()
    return len(session.info.pop(_PENDING, None) or ())


# The session hooks `fund.notifications.init_app` connects to `db.session`.
SESSION_LISTENERS: tuple[tuple[str, Callable[..., None]], ...] = (
    ("after_flush", _remember_outbox),
    ("after_soft_rollback", _forget_outbox),
    ("after_commit", _deliver_after_commit),
)

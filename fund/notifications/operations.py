"""What people and the scheduled commands do with notifications: mark them read, choose how
each kind reaches them, remind members of a vote's deadline, write the digests. Never commits.

Who is told is `recipients`, what they are told `render`, when the domains change `receivers`,
and how the email leaves `outbox`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_babel.speaklater import LazyString
from sqlalchemy import select, update

from fund.accounts.models import User
from fund.committee.queries import yet_to_vote
from fund.dialects import one_at_a_time
from fund.extensions import db, utcnow
from fund.labels import N_
from fund.notifications.models import (
    KINDS,
    Delivery,
    Notification,
    NotificationPreference,
)
from fund.notifications.outbox import notify, queued_email
from fund.notifications.recipients import COMMITTEE, Recipients
from fund.notifications.render import (
    absolute,
    day,
    in_language_of,
    mail_environment,
    path_for,
    proposal_context,
    proposal_page,
)
from fund.proposals.models import Proposal
from fund.refusals import Refused
from fund.sentences import Sentence

# Marking read ---------------------------------------------------------------------------


def mark_read(user_id: int, notification_id: int | None, now: datetime) -> int:
    """Mark one (or, with None, every) unread notification of the user read; returns how
    many changed. Never commits."""
    query = (
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    return db.session.execute(query).rowcount


# Preferences ----------------------------------------------------------------------------


def preferences_of(user: User) -> dict[str, Delivery]:
    """The user's choice for every kind (mandatory kinds: immediately)."""
    stored = dict(
        db.session.execute(
            select(NotificationPreference.kind, NotificationPreference.delivery).where(
                NotificationPreference.user_id == user.id
            )
        ).all()
    )
    return {
        code: Delivery.IMMEDIATE if kind.mandatory else Delivery(stored.get(code, "immediate"))
        for code, kind in KINDS.items()
    }


class PreferenceRefused(Refused, ValueError):
    """A choice the fund does not allow (a mandatory kind turned down, an unknown kind)."""


def set_preferences(user: User, choices: Mapping[str, str]) -> list[str]:
    """Store the user's choices; returns the kinds that changed. Never commits."""
    current = preferences_of(user)
    for code, value in choices.items():
        if code not in KINDS:
            raise PreferenceRefused(N_("Unknown kind of notification: %(code)s."), code=code)
        if value not in {d.value for d in Delivery}:
            raise PreferenceRefused(N_("Unknown delivery choice: %(value)s."), value=value)
        if KINDS[code].mandatory and value != Delivery.IMMEDIATE:
            raise PreferenceRefused(
                N_(
                    "“%(kind)s” is a message the fund must send: it cannot be delayed or "
                    "turned off."
                ),
                kind=Sentence(KINDS[code].label),
            )
    rows = {
        row.kind: row
        for row in db.session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user.id)
        )
    }
    changed = []
    for code, value in choices.items():
        if KINDS[code].mandatory or current[code] == value:
            continue
        row = rows.get(code)
        if row is None:
            db.session.add(NotificationPreference(user_id=user.id, kind=code, delivery=value))
        else:
            row.delivery = value
        changed.append(code)
    return changed


# Vote deadlines -------------------------------------------------------------------------


def remind_deadlines(within: timedelta, now: datetime | None = None) -> int:
    """Tell the entitled members who have not voted that an open round's deadline falls
    within `within`; each member is reminded once per round. Never commits; returns the
    number of reminders written."""
    from fund.committee.models import RoundStatus, VotingRound

    now = now or utcnow()
    one_at_a_time("fund.mail.remind-deadlines")  # run on every node: one after the other
    rounds = db.session.scalars(
        select(VotingRound)
        .where(
            VotingRound.status == RoundStatus.OPEN.value,
            VotingRound.deadline.is_not(None),
            VotingRound.deadline > now,
            VotingRound.deadline <= now + within,
        )
        .order_by(VotingRound.deadline, VotingRound.id)
    ).all()
    written = 0
    for voting_round in rounds:
        proposal = db.session.get(Proposal, voting_round.proposal_id)
        # A seat votes once: its member and alternates are reminded until one of them has.
        recipients = Recipients()
        recipients.add(yet_to_vote(voting_round), COMMITTEE)
        written += len(
            notify(
                "vote_deadline",
                recipients,
                subject_type="voting_round",
                subject_id=voting_round.id,
                title=_l(
                    "%(ref)s: your vote is due by %(day)s, %(time)s UTC",
                    ref=proposal.reference,
                    day=LazyString(day, voting_round.deadline),
                    time=voting_round.deadline.strftime("%H:%M"),
                ),
                link=proposal_page(proposal.id, committee=True),
                context={**proposal_context(proposal), "voting_round": voting_round},
                dedupe_key=f"vote_deadline:{voting_round.id}",
                now=now,
            )
        )
    return written


# Digests --------------------------------------------------------------------------------


def write_digests(now: datetime | None = None) -> int:
    """One email per user listing their unread notifications waiting for the digest; every
    waiting notification (read or not) is marked digested. Never commits; returns the number
    of digests written."""
    now = now or utcnow()
    one_at_a_time("fund.mail.digest")  # run on every node: one after the other
    waiting = db.session.scalars(
        select(Notification)
        .where(Notification.delivery == Delivery.DIGEST.value, Notification.digested_at.is_(None))
        .order_by(Notification.user_id, Notification.created_at, Notification.id)
    ).all()
    by_user: dict[int, list[Notification]] = {}
    for notification in waiting:
        notification.digested_at = now
        if notification.read_at is None:
            by_user.setdefault(notification.user_id, []).append(notification)
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(list(by_user))))}
    env = mail_environment(current_app)
    written = 0
    for user_id, items in by_user.items():
        user = users[user_id]
        if not user.active:
            continue
        values = {
            "recipient": user,
            "items": [(n, absolute(n.link) if n.link else None) for n in items],
            "fund_name": current_app.config["FUND_NAME"],
            "preferences_url": absolute(path_for("notifications.preferences")),
            "notifications_url": absolute(path_for("notifications.index")),
        }
        with in_language_of(user):
            subject = ngettext(
                "%(fund)s: %(num)s update",
                "%(fund)s: %(num)s updates",
                len(items),
                fund=current_app.config["FUND_NAME"],
            )
            text_body = env.get_template("mail/digest.txt").render(values)
            html_body = env.get_template("mail/digest.html").render(values)
        db.session.add(queued_email(user, "digest", subject, text_body, html_body, now))
        written += 1
    return written

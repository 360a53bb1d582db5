"""Who is told what, and how the email leaves.

The receivers of the domain signals run inside the sender's transaction: they write
notifications and outbox messages and never commit. Email is attempted only after the commit
(`after_commit` hook below), with a session of its own, and never raises into the caller; what
could not be sent stays in the outbox for `flask fund mail send-pending`.

Rules:
- the applicant's organization hears about its proposals (its active applicants, the person
  who acted included: a submission receipt is worth having);
- the secretariat and the committee never hear about their own action;
- a committee member recused on a proposal hears nothing about it: when a round is open its
  member rows decide, otherwise the rule of automatic recusal is applied (the member's
  organization is the lead or a participating organization);
- a kind marked mandatory (see `models.KINDS`) is always emailed at once, whatever the user
  chose;
- a member who votes or declares a conflict has answered: their notifications asking for that
  vote (the forward, the deadline reminders) are marked read;
- an email given up on is reported to the secretariat, by email only at other addresses than
  the one that failed, and a report that fails in turn is not reported.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import Flask, current_app, has_app_context
from jinja2 import Environment, StrictUndefined, select_autoescape
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from config import DEVELOPMENT_BASE_URL
from fund.accounts.models import Role, User, UserRole
from fund.extensions import db, utcnow
from fund.notifications import mail
from fund.notifications.models import (
    KINDS,
    Delivery,
    Notification,
    NotificationPreference,
    OutboxMessage,
)
from fund.proposals.models import Proposal, proposal_participants
from fund.signals import (
    conflict_declared,
    disbursement_recorded,
    proposal_transitioned,
    round_closed,
    vote_cast,
)

log = logging.getLogger("fund.notifications")

# Delivery attempts: a claimed message is not due again for LEASE (a crashed sender's message
# comes back); failures wait RETRY_BASE * 2**(attempts-1), at most RETRY_MAX; after
# MAX_ATTEMPTS the message is given up on (it stays in the outbox with its error).
LEASE = timedelta(minutes=10)
RETRY_BASE = timedelta(minutes=1)
RETRY_MAX = timedelta(hours=6)
MAX_ATTEMPTS = 20

APPLICANT, SECRETARIAT, COMMITTEE = "applicant", "secretariat", "committee"


# Links ----------------------------------------------------------------------------------


def base_url() -> str:
    """The site's address for absolute links (emails): FUND_BASE_URL, never the Host header
    of the current request, which the sender of the request chooses."""
    return (current_app.config.get("FUND_BASE_URL") or DEVELOPMENT_BASE_URL).rstrip("/")


def path_for(endpoint: str, **values: Any) -> str:
    """The path of a page inside the site, built without a request (CLI commands too)."""
    adapter = current_app.url_map.bind("localhost", script_name="/")
    return adapter.build(endpoint, values)


def first_path(*candidates: tuple[str, dict[str, Any]]) -> str:
    """The path of the first page that exists (the committee's pages, else the proposal's)."""
    for endpoint, values in candidates:
        if endpoint in current_app.view_functions:
            return path_for(endpoint, **values)
    raise LookupError(f"none of {[c[0] for c in candidates]} is a page")


def _proposal_page(proposal_id: int, committee: bool = False) -> str:
    values = {"proposal_id": proposal_id}
    if committee:
        return first_path(("committee.review", values), ("proposals.detail", values))
    return path_for("proposals.detail", **values)


def absolute(path: str) -> str:
    return base_url() + path


# Rendering ------------------------------------------------------------------------------


def mail_environment(app: Flask) -> Environment:
    """Jinja for mail bodies: the app's templates folder, autoescaping only HTML, and
    trimmed blocks so that plain-text templates read naturally."""
    env = app.extensions.get("fund_mail_jinja")
    if env is None:
        env = Environment(
            loader=app.jinja_loader,
            autoescape=select_autoescape(["html"], default_for_string=False),
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=StrictUndefined,
            keep_trailing_newline=True,
        )
        env.filters.update(app.jinja_env.filters)
        app.extensions["fund_mail_jinja"] = env
    return env


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    summary: str  # the message without greeting and footer, for the in-app list


def render(kind: str, title: str, context: Mapping[str, Any], recipient: User) -> Rendered:
    env = mail_environment(current_app)
    values = {
        **context,
        "title": title,
        "recipient": recipient,
        "fund_name": current_app.config["FUND_NAME"],
        "decision_body": current_app.config["DECISION_BODY_NAME"],
        "preferences_url": absolute(path_for("notifications.preferences")),
        "notifications_url": absolute(path_for("notifications.index")),
        "mandatory": KINDS[kind].mandatory if kind in KINDS else False,
    }
    text_template = env.get_template(f"mail/{kind}.txt")
    summary = "".join(text_template.blocks["body"](text_template.new_context(values))).strip()
    return Rendered(
        subject=f"{title}",
        text=text_template.render(values),
        html=env.get_template(f"mail/{kind}.html").render(values),
        summary=summary,
    )


# Recipients -----------------------------------------------------------------------------


@dataclass
class Recipients:
    """People to tell, each with the audience they are told as (first one wins)."""

    audience: dict[int, str] = field(default_factory=dict)
    users: dict[int, User] = field(default_factory=dict)

    def add(self, users: Iterable[User], audience: str, *, exclude: User | None = None) -> None:
        for user in users:
            if exclude is not None and user.id == exclude.id:
                continue
            if user.id not in self.users:
                self.users[user.id] = user
                self.audience[user.id] = audience


def _active_with_role(role: str):
    return (
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.active.is_(True), UserRole.role == role)
        .order_by(User.id)
    )


def applicants_of(organization_id: int) -> list[User]:
    return list(
        db.session.scalars(
            _active_with_role(Role.APPLICANT).where(User.organization_id == organization_id)
        )
    )


def secretariat(session: Session | None = None) -> list[User]:
    return list((session or db.session).scalars(_active_with_role(Role.SECRETARIAT)))


def committee_for(proposal: Proposal) -> list[User]:
    """The committee members entitled to review `proposal`.

    With an open round, its members without a recusal. Before the round exists, the same rule
    the round will apply: active members, less those whose organization submitted the
    proposal, leads it or takes part in it, and those who declared a conflict on it in an
    earlier round.
    """
    from fund.committee.models import Recusal, RoundMember, RoundStatus, VotingRound

    open_round = db.session.scalar(
        select(VotingRound).where(
            VotingRound.proposal_id == proposal.id, VotingRound.status == RoundStatus.OPEN.value
        )
    )
    if open_round is not None:
        return entitled_members(open_round.id)
    involved = {proposal.organization_id, proposal.lead_organization_id}
    involved.update(
        db.session.scalars(
            select(proposal_participants.c.organization_id).where(
                proposal_participants.c.proposal_id == proposal.id
            )
        )
    )
    involved.discard(None)
    declared = (
        select(RoundMember.user_id)
        .join(VotingRound, VotingRound.id == RoundMember.round_id)
        .where(
            VotingRound.proposal_id == proposal.id,
            RoundMember.recusal == Recusal.DECLARED.value,
        )
    )
    return list(
        db.session.scalars(
            _active_with_role(Role.COMMITTEE).where(
                User.organization_id.is_(None) | User.organization_id.not_in(involved),
                User.id.not_in(declared),
            )
        )
    )


def entitled_members(round_id: int) -> list[User]:
    """Active committee members of a round without a recusal."""
    from fund.committee.models import RoundMember

    return list(
        db.session.scalars(
            _active_with_role(Role.COMMITTEE)
            .join(RoundMember, RoundMember.user_id == User.id)
            .where(RoundMember.round_id == round_id, RoundMember.recusal.is_(None))
        )
    )


# Preferences ----------------------------------------------------------------------------


def delivery_for(
    user_ids: Iterable[int], kind: str, session: Session | None = None
) -> dict[int, Delivery]:
    """How each user gets `kind`: their choice, immediately by default, always immediately
    when the kind is mandatory."""
    ids = list(user_ids)
    result = dict.fromkeys(ids, Delivery.IMMEDIATE)
    if KINDS[kind].mandatory or not ids:
        return result
    rows = (session or db.session).execute(
        select(NotificationPreference.user_id, NotificationPreference.delivery).where(
            NotificationPreference.kind == kind, NotificationPreference.user_id.in_(ids)
        )
    )
    for user_id, delivery in rows:
        result[user_id] = Delivery(delivery)
    return result


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


class PreferenceRefused(ValueError):
    """A choice the fund does not allow (a mandatory kind turned down, an unknown kind)."""


def set_preferences(user: User, choices: Mapping[str, str]) -> list[str]:
    """Store the user's choices; returns the kinds that changed. Never commits."""
    current = preferences_of(user)
    for code, value in choices.items():
        if code not in KINDS:
            raise PreferenceRefused(f"Unknown kind of notification: {code}.")
        if value not in {d.value for d in Delivery}:
            raise PreferenceRefused(f"Unknown delivery choice: {value}.")
        if KINDS[code].mandatory and value != Delivery.IMMEDIATE:
            raise PreferenceRefused(
                f"“{KINDS[code].label}” is a message the fund must send: it cannot be "
                "delayed or turned off."
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


# Writing notifications ------------------------------------------------------------------


def notify(
    kind: str,
    recipients: Recipients,
    *,
    subject_type: str,
    subject_id: int | None,
    title: str,
    link: str,
    context: Mapping[str, Any],
    dedupe_key: str | None = None,
    now: datetime | None = None,
    session: Session | None = None,
    email: Callable[[User], bool] | None = None,
) -> list[Notification]:
    """Write the notifications (and, for immediate delivery, the outbox messages) of one event
    in the current transaction (of `session`, by default the application's). Returns the
    notifications written. `email(user)` False keeps a recipient's message in the app only."""
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
                title=title,
                body=rendered.summary,
                link=link,
                created_at=now,
                delivery=delivery.value,
                dedupe_key=dedupe_key,
            )
        )
        if delivery == Delivery.IMMEDIATE and emailed:
            outbox.append(
                OutboxMessage(
                    user_id=user_id,
                    kind=kind,
                    to_email=user.email,
                    subject=rendered.subject,
                    text_body=rendered.text,
                    html_body=rendered.html,
                    created_at=now,
                    next_attempt_at=now,
                )
            )
    session.add_all(written)
    session.add_all(outbox)
    return written


def _proposal_context(proposal: Proposal) -> dict[str, Any]:
    return {
        "proposal": proposal,
        "reference": proposal.reference,
        "organization": proposal.organization.acronym or proposal.organization.name,
    }


# Receivers ------------------------------------------------------------------------------


def on_proposal_transitioned(proposal: Proposal, **kwargs: Any) -> None:
    handler = _TRANSITION_HANDLERS.get(kwargs["trigger"])
    if handler is None or not isinstance(proposal, Proposal):
        return
    handler(proposal, kwargs.get("actor"), kwargs.get("comment"), kwargs.get("event"))


def _on_submit(proposal: Proposal, actor: User | None, comment: str | None, event: Any) -> None:
    recipients = Recipients()
    recipients.add(applicants_of(proposal.organization_id), APPLICANT)
    recipients.add(secretariat(), SECRETARIAT, exclude=actor)
    ref = proposal.reference
    notify(
        "submission_received",
        recipients,
        subject_type="proposal",
        subject_id=proposal.id,
        title=f"{ref} submitted: {proposal.title}",
        link=path_for("proposals.detail", proposal_id=proposal.id),
        context={**_proposal_context(proposal), "submission": proposal.submission_number},
    )


def _to_applicants(kind: str, title: str, dedupe_key: str | None = None, **extra: Any):
    def handler(proposal: Proposal, actor: User | None, comment: str | None, event: Any) -> None:
        recipients = Recipients()
        recipients.add(applicants_of(proposal.organization_id), APPLICANT)
        notify(
            kind,
            recipients,
            subject_type="proposal",
            subject_id=proposal.id,
            title=title.format(ref=proposal.reference, title=proposal.title),
            link=path_for("proposals.detail", proposal_id=proposal.id),
            context={**_proposal_context(proposal), "comment": comment, **extra},
            dedupe_key=dedupe_key.format(id=proposal.id) if dedupe_key else None,
        )

    return handler


def _on_forward(proposal: Proposal, actor: User | None, comment: str | None, event: Any) -> None:
    """The entitled members are asked to review and vote; the applicant organization hears
    that its proposal passed screening and is with the committee (not the secretariat's note,
    which is for the committee)."""
    recipients = Recipients()
    recipients.add(committee_for(proposal), COMMITTEE, exclude=actor)
    ref = proposal.reference
    notify(
        "forwarded_to_committee",
        recipients,
        subject_type="proposal",
        subject_id=proposal.id,
        title=f"{ref} for committee review: {proposal.title}",
        link=_proposal_page(proposal.id, committee=True),
        context={**_proposal_context(proposal), "comment": comment},
    )
    applicants = Recipients()
    applicants.add(applicants_of(proposal.organization_id), APPLICANT)
    notify(
        "proposal_with_committee",
        applicants,
        subject_type="proposal",
        subject_id=proposal.id,
        title=f"{ref} forwarded to the committee: {proposal.title}",
        link=path_for("proposals.detail", proposal_id=proposal.id),
        context=_proposal_context(proposal),
    )


def _on_closed(proposal: Proposal, actor: User | None, comment: str | None, event: Any) -> None:
    """The project is closed; what was left unpaid (per organization) is in the event."""
    unpaid = dict(((getattr(event, "details", None) or {}).get("not_disbursed")) or {})
    _to_applicants(
        "project_closed",
        "{ref} closed: {title}",
        dedupe_key="closed:{id}",
        not_disbursed=[(name, Decimal(str(amount))) for name, amount in sorted(unpaid.items())],
    )(proposal, actor, comment, event)


def _on_funded(proposal: Proposal, actor: User | None, comment: str | None, event: Any) -> None:
    """The allocation may be written after the transition: its amount is in the event."""
    from fund.finance.models import Allocation

    amount = db.session.scalar(
        select(Allocation.amount).where(Allocation.proposal_id == proposal.id)
    )
    if amount is None and event is not None and (event.details or {}).get("amount"):
        amount = Decimal(str(event.details["amount"]))
    _to_applicants(
        "proposal_funded", "{ref} funded: {title}", dedupe_key="funded:{id}", amount=amount
    )(proposal, actor, comment, event)


_TRANSITION_HANDLERS = {
    "submit": _on_submit,
    "return_for_revision": _to_applicants(
        "returned_for_revision", "{ref} returned for revision: {title}"
    ),
    "declare_ineligible": _to_applicants("declared_ineligible", "{ref} declared ineligible"),
    "forward_to_committee": _on_forward,
    # The committee's decision is told here alone, once the proposal is decided; the key makes
    # the applicant hear it once even if the transition were announced twice.
    "approve": _to_applicants(
        "proposal_decision",
        "{ref} approved by the committee: {title}",
        dedupe_key="decision:{id}:approved",
        outcome="approved",
    ),
    "reject": _to_applicants(
        "proposal_decision",
        "{ref} not approved by the committee: {title}",
        dedupe_key="decision:{id}:rejected",
        outcome="rejected",
    ),
    "fund": _on_funded,
    "close": _on_closed,
}

# What the applicant is told of a round's outcome when the round closes: only that there was
# no quorum. An approval or rejection is told by the `approve`/`reject` transition that
# follows, "returned" by the return for revision (with the committee's message); "cancelled"
# follows the applicant's own withdrawal.
_NO_QUORUM_TITLE = "{ref}: no committee decision yet (no quorum)"


def on_round_closed(voting_round: Any, **kwargs: Any) -> None:
    outcome = str(kwargs.get("outcome") or voting_round.outcome or "")
    actor = kwargs.get("actor")
    proposal = db.session.get(Proposal, voting_round.proposal_id)
    if proposal is None:
        return
    ref = proposal.reference
    link = _proposal_page(proposal.id)
    context = {
        **_proposal_context(proposal),
        "voting_round": voting_round,
        "outcome": outcome,
        "summary": voting_round.summary or "",
        "comment": voting_round.summary or None,
    }
    if outcome == "no_quorum":
        applicants = Recipients()
        applicants.add(applicants_of(proposal.organization_id), APPLICANT)
        notify(
            "proposal_decision",
            applicants,
            subject_type="proposal",
            subject_id=proposal.id,
            title=_NO_QUORUM_TITLE.format(ref=ref, title=proposal.title),
            link=link,
            context=context,
            dedupe_key=f"decision:{proposal.id}:{outcome}:{voting_round.id}",
        )
    others = Recipients()
    others.add(entitled_members(voting_round.id), COMMITTEE, exclude=actor)
    others.add(secretariat(), SECRETARIAT, exclude=actor)
    notify(
        "round_closed",
        others,
        subject_type="voting_round",
        subject_id=voting_round.id,
        title=f"{ref}: voting round {voting_round.number} closed ({outcome.replace('_', ' ')})",
        link=first_path(
            ("committee.record", {"round_id": voting_round.id}),
            ("proposals.detail", {"proposal_id": proposal.id}),
        ),
        context=context,
        dedupe_key=f"round_closed:{voting_round.id}",
    )


def on_disbursement_recorded(allocation: Any, **kwargs: Any) -> None:
    disbursement = kwargs["disbursement"]
    proposal = db.session.get(Proposal, allocation.proposal_id)
    if proposal is None:
        return
    recipients = Recipients()
    recipients.add(applicants_of(proposal.organization_id), APPLICANT)
    paid_to = disbursement.organization
    notify(
        "disbursement_recorded",
        recipients,
        subject_type="proposal",
        subject_id=proposal.id,
        title=f"{proposal.reference}: disbursement to "
        f"{paid_to.acronym or paid_to.name if paid_to else 'a participating organization'}",
        link=path_for("proposals.detail", proposal_id=proposal.id),
        context={
            **_proposal_context(proposal),
            "allocation": allocation,
            "disbursement": disbursement,
            "paid_to": paid_to,
        },
    )


# A member's vote ---------------------------------------------------------------------------


def _awaited_read(voting_round: Any, member: User, now: datetime) -> int:
    """The member's unread notifications asking for their vote on the round's proposal (the
    forward and the deadline reminders) are read: they answered them."""
    query = (
        update(Notification)
        .where(
            Notification.user_id == member.id,
            Notification.read_at.is_(None),
            (
                (Notification.kind == "forwarded_to_committee")
                & (Notification.subject_type == "proposal")
                & (Notification.subject_id == voting_round.proposal_id)
            )
            | (
                (Notification.kind == "vote_deadline")
                & (Notification.subject_type == "voting_round")
                & (Notification.subject_id == voting_round.id)
            ),
        )
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    return db.session.execute(query).rowcount


def _tell_if_everyone_voted(voting_round: Any, actor: User | None) -> None:
    """Tell the secretariat, once per round, when every member entitled to vote in the open
    round has voted. Who is entitled, and what counts, is the committee's tally."""
    from fund.committee.operations import round_tally

    counted = round_tally(voting_round)
    if counted.entitled == 0 or counted.cast < counted.entitled:
        return
    proposal = db.session.get(Proposal, voting_round.proposal_id)
    if proposal is None:
        return
    recipients = Recipients()
    recipients.add(secretariat(), SECRETARIAT, exclude=actor)
    notify(
        "votes_complete",
        recipients,
        subject_type="voting_round",
        subject_id=voting_round.id,
        title=f"{proposal.reference}: every member has voted in round {voting_round.number}",
        link=_proposal_page(proposal.id, committee=True),
        context={**_proposal_context(proposal), "voting_round": voting_round, "tally": counted},
        dedupe_key=f"votes_complete:{voting_round.id}",
    )


def on_vote_cast(voting_round: Any, **kwargs: Any) -> None:
    member = kwargs["member"]
    _awaited_read(voting_round, member, utcnow())
    if kwargs.get("change") == "cast":  # a changed vote changes nobody's count
        _tell_if_everyone_voted(voting_round, member)


def on_conflict_declared(voting_round: Any, **kwargs: Any) -> None:
    """A member who declares a conflict answered the call to vote too; the others may now all
    have voted."""
    member = kwargs["member"]
    _awaited_read(voting_round, member, utcnow())
    _tell_if_everyone_voted(voting_round, member)


def remind_deadlines(within: timedelta, now: datetime | None = None) -> int:
    """Tell the entitled members who have not voted that an open round's deadline falls
    within `within`; each member is reminded once per round. Never commits; returns the
    number of reminders written."""
    from fund.committee.models import RoundStatus, Vote, VotingRound

    now = now or utcnow()
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
        voted = set(
            db.session.scalars(select(Vote.member_id).where(Vote.round_id == voting_round.id))
        )
        recipients = Recipients()
        recipients.add(
            (m for m in entitled_members(voting_round.id) if m.id not in voted), COMMITTEE
        )
        written += len(
            notify(
                "vote_deadline",
                recipients,
                subject_type="voting_round",
                subject_id=voting_round.id,
                title=f"{proposal.reference}: your vote is due by "
                f"{voting_round.deadline:%d %B %Y, %H:%M} UTC",
                link=_proposal_page(proposal.id, committee=True),
                context={**_proposal_context(proposal), "voting_round": voting_round},
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
        count = len(items)
        subject = f"{current_app.config['FUND_NAME']}: {count} update{'s' if count != 1 else ''}"
        db.session.add(
            OutboxMessage(
                user_id=user_id,
                kind="digest",
                to_email=user.email,
                subject=subject,
                text_body=env.get_template("mail/digest.txt").render(values),
                html_body=env.get_template("mail/digest.html").render(values),
                created_at=now,
                next_attempt_at=now,
            )
        )
        written += 1
    return written


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
                    .where(OutboxMessage.id == message_id, claimable)
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
        message.last_error = f"given up after {message.attempts} attempt(s): {error}"
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
        title=f"Email not delivered to {message.to_email}: {message.subject}"[:300],
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


# After-commit hook ----------------------------------------------------------------------

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


event.listen(db.session, "after_flush", _remember_outbox)
event.listen(db.session, "after_soft_rollback", _forget_outbox)
event.listen(db.session, "after_commit", _deliver_after_commit)
proposal_transitioned.connect(on_proposal_transitioned, weak=False)
round_closed.connect(on_round_closed, weak=False)
disbursement_recorded.connect(on_disbursement_recorded, weak=False)
vote_cast.connect(on_vote_cast, weak=False)
conflict_declared.connect(on_conflict_declared, weak=False)

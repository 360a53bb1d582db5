"""Notifications, the email outbox and each user's delivery preferences.

A notification is one message to one user about one event. How it reaches the user by email
is chosen per kind of event (`NotificationPreference`): at once (an `OutboxMessage` written in
the same transaction as the event), in the daily digest (the notification waits with
`delivery = 'digest'` until `flask fund mail digest` collects it) or not at all (nothing is
written). Kinds the fund must send (`Kind.mandatory`) are always sent at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fund.accounts.models import Role, User
from fund.extensions import UTCDateTime, db, not_negative, one_of, utcnow
from fund.labels import N_, LabelledEnum
from fund.sentences import Sentence, either, said


class Delivery(LabelledEnum):
    """How a user receives one kind of notification by email."""

    IMMEDIATE = "immediate", N_("Immediately")
    DIGEST = "digest", N_("In the daily digest")
    OFF = "off", N_("Not at all")


@dataclass(frozen=True)
class Kind:
    """A kind of event people are told about."""

    code: str
    label: str
    description: str
    audience: frozenset[str]  # the roles that receive it (for the preferences page)
    mandatory: bool = False  # the fund must send it: always immediately, cannot be turned off
    template: str = ""  # its message's templates in templates/mail/ when kinds share them
    # The values of its description's placeholders, from the settings (None: it has none).
    settings: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None

    @property
    def message(self) -> str:
        """The name of its message's templates, mail/NAME.txt and mail/NAME.html."""
        return self.template or self.code

    def described(self) -> str:
        """Its description in the page's language, with the settings it states."""
        if self.settings is None:
            return said(Sentence(self.description))
        return said(Sentence(self.description, **self.settings(current_app.config)))


def _reminder_days(config: Mapping[str, Any]) -> dict[str, Any]:
    """The days before a report's due date its reminders are sent (`REPORT_REMINDER_DAYS`)."""
    return {
        "days": either(str(days) for days in sorted(config["REPORT_REMINDER_DAYS"], reverse=True))
    }


def _owed_to_applicants(code: str, label: str, description: str, template: str = "") -> Kind:
    """A message the fund owes the applicant organizations about their own proposal or
    programme: the only kind the fund must send (`mandatory`)."""
    return Kind(
        code, label, description, frozenset({Role.APPLICANT}), mandatory=True, template=template
    )


KINDS: dict[str, Kind] = {
    kind.code: kind
    for kind in (
        Kind(
            "submission_received",
            N_("Proposal submitted"),
            N_(
                "A receipt when your organization submits a proposal; for the secretariat, each "
                "new submission to screen."
            ),
            frozenset({Role.APPLICANT, Role.SECRETARIAT}),
        ),
        _owed_to_applicants(
            "returned_for_revision",
            N_("Returned for revision"),
            N_("Your organization's proposal is returned for revision, with what to change."),
        ),
        _owed_to_applicants(
            "declared_ineligible",
            N_("Declared ineligible"),
            N_("Your organization's proposal is declared ineligible, with the reason."),
        ),
        Kind(
            "forwarded_to_committee",
            N_("Proposal for committee review"),
            N_(
                "A proposal is forwarded to the committee for your review and vote (never one "
                "you are recused from)."
            ),
            frozenset({Role.COMMITTEE}),
        ),
        Kind(
            "proposal_with_committee",
            N_("Proposal forwarded to the committee"),
            N_(
                "Your organization's proposal passed screening and is with the committee for its "
                "decision."
            ),
            frozenset({Role.APPLICANT}),
        ),
        Kind(
            "votes_complete",
            N_("Every member has voted"),
            N_(
                "Every member entitled to vote in an open round has voted: the round can be closed "
                "(told once per round)."
            ),
            frozenset({Role.SECRETARIAT}),
        ),
        Kind(
            "vote_deadline",
            N_("Vote deadline approaching"),
            N_("The deadline of a round you have not voted in yet is near."),
            frozenset({Role.COMMITTEE}),
        ),
        _owed_to_applicants(
            "proposal_decision",
            N_("Committee decision on your proposal"),
            N_("The outcome of the committee's vote on your organization's proposal."),
        ),
        Kind(
            "round_closed",
            N_("Voting round closed"),
            N_("A committee voting round closed, with its outcome."),
            frozenset({Role.COMMITTEE, Role.SECRETARIAT}),
        ),
        _owed_to_applicants(
            "proposal_funded",
            N_("Proposal funded"),
            N_("Your organization's proposal is funded: the allocation is recorded."),
        ),
        Kind(
            "disbursement_recorded",
            N_("Disbursement"),
            N_("A tranche of a funded proposal of your organization is paid."),
            frozenset({Role.APPLICANT}),
        ),
        _owed_to_applicants(
            "project_closed",
            N_("Project closed"),
            N_(
                "A funded programme your organization reports for is closed: the refunds due and "
                "the reports still to submit, with the reason when money was left unpaid."
            ),
        ),
        Kind(
            "mail_undelivered",
            N_("Email not delivered"),
            N_(
                "An email the fund gave up on after its last attempt, naming its recipient and "
                "subject."
            ),
            frozenset({Role.SECRETARIAT}),
        ),
        _owed_to_applicants(
            "invited_to_full_programme",
            N_("Invitation to a full programme"),
            N_(
                "The secretariat invites your organization to develop its concept note into a full "
                "programme, with the deadline."
            ),
        ),
        Kind(
            "report_due",
            N_("Programme report due"),
            N_("A report your organization's funded programme owes is due in %(days)s days."),
            frozenset({Role.APPLICANT}),
            mandatory=True,
            settings=_reminder_days,
        ),
        Kind(
            "report_overdue",
            N_("Programme report overdue"),
            N_(
                "A report a funded programme owes is past its due date (for the programme's "
                "organizations and the secretariat)."
            ),
            frozenset({Role.APPLICANT, Role.SECRETARIAT}),
            mandatory=True,
        ),
        Kind(
            "transfer_requested",
            N_("Transfer requested"),
            N_(
                "The secretariat requested a transfer to a participating organization: it waits "
                "to be recorded."
            ),
            frozenset({Role.ADMINISTRATIVE_AGENT}),
        ),
        Kind(
            "refund_due",
            N_("Refund due"),
            N_(
                "A programme was closed and its participating organizations owe refunds of what "
                "they were transferred and did not spend: each waits to be recorded."
            ),
            frozenset({Role.ADMINISTRATIVE_AGENT}),
        ),
        Kind(
            "revision_submitted",
            N_("Revision submitted"),
            N_(
                "A programme's staff submitted a revision (an extension, a reallocation, a change "
                "of scope or of organizations) for the secretariat to decide or forward."
            ),
            frozenset({Role.SECRETARIAT}),
            template="revision",
        ),
        _owed_to_applicants(
            "revision_decided",
            N_("Revision decided"),
            N_(
                "A revision of your organization's programme was approved, rejected or returned, "
                "went to the committee, or got no decision there (no quorum)."
            ),
            template="revision",
        ),
    )
}

MANDATORY_KINDS = frozenset(code for code, kind in KINDS.items() if kind.mandatory)


class Notification(db.Model):
    """One message to one user about one event; it stays in the user's list once read.

    `delivery` says how its email goes: `immediate` (an outbox message was written with it) or
    `digest` (it waits for the next digest: `digested_at` is set when the digest is written).
    `dedupe_key` names the event when the same event may be reported twice (a round's
    outcome, a deadline reminder): a user gets at most one notification per key.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        one_of("kind", KINDS),
        CheckConstraint("delivery IN ('immediate', 'digest')", name="delivery_valid"),
        Index("ix_notifications_user_unread", "user_id", "read_at"),
        Index("ix_notifications_digest_pending", "delivery", "digested_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    subject_type: Mapped[str] = mapped_column(String(30))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(500), default="")  # a path inside the site
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    delivery: Mapped[str] = mapped_column(String(10), default=Delivery.IMMEDIATE.value)
    digested_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    dedupe_key: Mapped[str | None] = mapped_column(String(120), index=True)

    user: Mapped[User] = relationship()

    @property
    def kind_label(self) -> str:
        kind = KINDS.get(self.kind)
        return kind.label if kind else self.kind


class OutboxMessage(db.Model):
    """An email waiting to be sent, or sent.

    Written in the transaction of the event, so a rolled-back change leaves none. Delivery is
    attempted after the commit and retried by `flask fund mail send-pending`: a message is due
    while `sent_at` is null and `next_attempt_at` has passed; a message given up on (refused
    for good by the server, or too many attempts) keeps `next_attempt_at` null and its error.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        not_negative("attempts"),
        Index("ix_outbox_messages_due", "sent_at", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(40))  # a notification kind, or 'digest'
    to_email: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    # The last attempt could not reach the mail server: the message is retried as soon as the
    # server answers again, without waiting out its back-off.
    unreachable: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class NotificationPreference(db.Model):
    """How a user wants to hear about one kind of event; no row means immediately."""

    __tablename__ = "notification_preferences"
    __table_args__ = (
        UniqueConstraint("user_id", "kind"),
        one_of("kind", KINDS),
        one_of("delivery", Delivery),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    delivery: Mapped[str] = mapped_column(String(10))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

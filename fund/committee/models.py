"""The committee's seats and alternates, its voting rounds (the seats entitled or recused in
each, and their votes) and its meetings."""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    func,
    select,
)
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fund.accounts.models import Organization, User
from fund.calls.models import DecisionRule
from fund.extensions import UTCDateTime, db, not_negative, one_of, unique_where
from fund.i18n import from_kept
from fund.labels import N_, LabelledEnum
from fund.proposals.models import Proposal
from workflows import REVIEW_STATE
from workflows.voting_round import ROUND_CLOSED, ROUND_OPEN


class RoundStatus(enum.StrEnum):
    # The states of the voting round's table, named there (workflows/voting_round.py).
    OPEN = ROUND_OPEN
    CLOSED = ROUND_CLOSED


class Outcome(LabelledEnum):
    """How a voting round ended, recorded when it closes."""

    APPROVED = "approved", N_("Approved")
    REJECTED = "rejected", N_("Rejected")
    NO_QUORUM = "no_quorum", N_("No quorum")
    RETURNED = "returned", N_("Returned for revision")  # the committee asked for revision
    # The proposal left committee review another way (e.g. withdrawn).
    CANCELLED = "cancelled", N_("Cancelled")
    # A round on a concept note: the decision rule's approval is recorded as the committee's
    # choice between selecting it for development and approving it into the pipeline; its
    # rejection as "not approved".
    SELECTED = "selected", N_("Selected for development")
    PIPELINE = "pipeline", N_("Approved into the pipeline")
    NOT_APPROVED = "not_approved", N_("Not approved")


class Choice(LabelledEnum):
    """A seat's vote in a round."""

    APPROVE = "approve", N_("Approve")
    REJECT = "reject", N_("Reject")
    ABSTAIN = "abstain", N_("Abstain")


# A vote to reject gives its reasons: the vote form and `cast_vote` refuse one without.
REJECT_NEEDS_COMMENT = N_("Give your reasons: a vote to reject needs a comment.")


def needs_comment(choice: str | None, comment: str | None) -> bool:
    """Whether a vote lacks the comment it needs (REJECT_NEEDS_COMMENT)."""
    return choice == Choice.REJECT and not (comment or "").strip()


class Recusal(enum.StrEnum):
    AUTOMATIC = "automatic"  # the member's organization takes part in the proposal
    DECLARED = "declared"  # the member declared a conflict of interest


def _one_current(name: str, column: str) -> Index:
    """The unique index of `column` over the rows still current (not ended): one current row
    per value."""
    return unique_where(name, column, "ended_at IS NULL")


class _Term:
    """A row that holds from `started_at` until `ended_at` (none while it still holds); an
    ended row is history."""

    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class _SeatTerm(_Term):
    """A person's term at a seat (the person's column is the table's, between these two and
    the dates)."""

    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-1)
    seat_id: Mapped[int] = mapped_column(
        ForeignKey("committee_seats.id"), index=True, sort_order=-1
    )


class Seat(_Term, db.Model):
    """A seat on the committee: the entity it represents and the member who holds it, one of
    them the chair's. A round counts seats: one vote per seat, the member's or, when the member
    does not vote, an alternate's. A retired seat (`ended_at`) sits in no new round; the rounds
    it sat in keep it."""

    __tablename__ = "committee_seats"
    __table_args__ = (
        # A member holds one seat at a time.
        _one_current("uq_committee_seats_member_current", "member_id"),
        # One chair.
        unique_where("uq_committee_seats_one_chair", "chair", "chair AND ended_at IS NULL"),
        CheckConstraint("NOT (chair AND ended_at IS NOT NULL)", name="retired_not_chair"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The entity the seat represents (none only for a member of no organization).
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    chair: Mapped[bool] = mapped_column(Boolean, default=False)

    member: Mapped[User] = relationship(foreign_keys=[member_id])
    organization: Mapped[Organization | None] = relationship()
    # The alternates named now (an ended one is history).
    alternates: Mapped[list[SeatAlternate]] = relationship(
        primaryjoin=lambda: and_(
            SeatAlternate.seat_id == Seat.id, SeatAlternate.ended_at.is_(None)
        ),
        order_by=lambda: SeatAlternate.id,
        viewonly=True,
    )

    @property
    def entity(self) -> str:
        """The entity's short name, as the pages and records write it."""
        if self.organization is None:
            return "no entity"
        return self.organization.label

    @property
    def voter_ids(self) -> list[int]:
        """The ids of who may vote for the seat: its member, then its alternates (nobody once
        retired); `voters` are these people."""
        if self.ended_at is not None:
            return []
        return [self.member_id, *(a.user_id for a in self.alternates)]

    @property
    def voters(self) -> list[User]:
        """Who may vote for the seat (`voter_ids`): its member, then its alternates."""
        if not self.voter_ids:
            return []
        return [self.member, *(a.user for a in self.alternates)]


class SeatTerm(_SeatTerm, db.Model):
    """Who held a seat, from when until when: the history behind `Seat.member_id`."""

    __tablename__ = "committee_seat_terms"
    __table_args__ = (_one_current("uq_committee_seat_terms_seat_current", "seat_id"),)

    member_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)


class SeatAlternate(_SeatTerm, db.Model):
    """A person named to vote for a seat when its member does not. An alternate stands in for
    one seat at a time; an ended row is history."""

    __tablename__ = "committee_seat_alternates"
    __table_args__ = (_one_current("uq_committee_seat_alternates_user_current", "user_id"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)

    user: Mapped[User] = relationship()


# How near a round's deadline is near: the members yet to vote are reminded of it (`flask fund
# mail remind-deadlines`, by default) and their Home marks the vote.
DEADLINE_NEAR = timedelta(hours=48)


def deadline_near(deadline: datetime | None, now: datetime) -> bool:
    """Whether a round's deadline, if it has one, is within DEADLINE_NEAR of `now` (or passed)."""
    return deadline is not None and deadline <= now + DEADLINE_NEAR


def under_review(proposal: Any) -> bool:
    """The proposal is in committee review: the secretariat may open a round on it or return it
    for revision. (A funded programme the meeting lists for its revision's round is not.)"""
    return proposal.status == REVIEW_STATE


def deadline_passed(deadline: datetime | None, now: datetime) -> bool:
    """Whether a round's deadline, if it has one, has passed at `now`: votes are no longer
    taken. `VotingRound.past_deadline` says it of a round, in Python and in SQL."""
    return deadline is not None and now > deadline


class VotingRound(db.Model):
    """One round of committee voting on one proposal. At most one round per proposal is open."""

    __tablename__ = "voting_rounds"
    __table_args__ = (
        UniqueConstraint("proposal_id", "number"),
        one_of("status", RoundStatus),
        one_of("outcome", Outcome, nullable=True),
        one_of("decision_rule", DecisionRule),
        CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name="closed_has_time"),
        CheckConstraint("(status = 'closed') = (outcome IS NOT NULL)", name="closed_has_outcome"),
        CheckConstraint(
            "pipeline_place IS NULL OR (outcome = 'pipeline' AND pipeline_place > 0)",
            name="pipeline_place_of_pipeline",
        ),
        unique_where("uq_voting_rounds_one_open_per_proposal", "proposal_id", "status = 'open'"),
        # The latest decisions (meeting view): closed rounds, newest first.
        Index("ix_voting_rounds_status_closed_at", "status", "closed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    # The submitted version the committee decides on.
    version_number: Mapped[int] = mapped_column(Integer)
    decision_rule: Mapped[str] = mapped_column(String(20))
    # Fixed quorum of the call, or None for "a majority of the members entitled to vote".
    quorum_setting: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default=RoundStatus.OPEN.value)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str | None] = mapped_column(String(20))
    # The committee's summary: conditions of an approval, or what a revision must address.
    summary: Mapped[str] = mapped_column(Text, default="")
    # The tally as computed at closing, kept for the decision record.
    tally: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # A concept note approved into the pipeline: the place (1..n) the committee gave it.
    pipeline_place: Mapped[int | None] = mapped_column(Integer)
    # A round about a revision of the funded programme (fund/revisions), not the proposal
    # itself: its outcome approves or rejects the revision, never the proposal.
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("revisions.id"), index=True)

    members: Mapped[list[RoundMember]] = relationship(
        cascade="all, delete-orphan", order_by="RoundMember.user_id"
    )
    votes: Mapped[list[Vote]] = relationship(cascade="all, delete-orphan", order_by="Vote.id")

    @hybrid_method
    def past_deadline(self, now: datetime) -> bool:
        """Whether the round has a deadline and `now` is after it (`deadline_passed`); in SQL
        the same (a round without a deadline compares as NULL, never true)."""
        return deadline_passed(self.deadline, now)

    @past_deadline.expression
    def past_deadline(cls, now: datetime) -> Any:
        return cls.deadline < now


class RoundMember(db.Model):
    """A seat in a round, with its member when the round opened: entitled to vote, or recused
    (and why). A recusal is the seat's: nobody votes for it."""

    __tablename__ = "round_members"
    __table_args__ = (
        UniqueConstraint("round_id", "seat_id"),
        # A seat's rounds, recused from or not: the member's page reads the open rounds
        # awaiting the seat's vote and those it is recused from by this index, not by joining
        # every seat's place in every open round.
        Index("ix_round_members_seat_recusal_round", "seat_id", "recusal", "round_id"),
        one_of("recusal", Recusal, nullable=True),
        CheckConstraint("recusal IS NULL OR length(recusal_reason) > 0", name="recusal_has_reason"),
    )

    round_id: Mapped[int] = mapped_column(
        ForeignKey("voting_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    seat_id: Mapped[int] = mapped_column(ForeignKey("committee_seats.id"))
    # The seat's entity when the round opened.
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    recusal: Mapped[str | None] = mapped_column(String(10))
    recusal_reason: Mapped[str] = mapped_column(Text, default="")  # English, as recorded
    # The reason as a sentence to say in the reader's language (`fund.i18n.kept`): an automatic
    # recusal's; None for a reason the member typed, and for recusals recorded before.
    recusal_kept: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    recused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
    seat: Mapped[Seat] = relationship()

    @property
    def recusal_sentence(self) -> str:
        """The reason of the recusal, English, said in the reader's language on a page."""
        return reason_sentence(self.recusal_reason, self.recusal_kept)


def reason_sentence(reason: str, kept: dict[str, Any] | None) -> str:
    """A recusal's reason as a sentence (`said` on a page): the one kept, else the English
    recorded, or the words the member typed, as they are."""
    return from_kept(kept) if kept else reason


def _seat_of_member(context: Any) -> int | None:
    """A vote written without its seat is the member's own: their seat in the round."""
    values = context.get_current_parameters()
    return context.connection.scalar(
        select(RoundMember.seat_id).where(
            RoundMember.round_id == values["round_id"],
            RoundMember.user_id == values["member_id"],
        )
    )


class Vote(db.Model):
    """A seat's vote in a round, cast by its member or an alternate: one per seat and one per
    person in a round, changeable by whoever cast it while the round is open."""

    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint("round_id", "member_id"),
        UniqueConstraint("round_id", "seat_id"),
        one_of("choice", Choice),
        CheckConstraint(
            "choice <> 'reject' OR length(trim(comment)) > 0", name="reject_has_comment"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("voting_rounds.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    seat_id: Mapped[int] = mapped_column(
        ForeignKey("committee_seats.id"), index=True, default=_seat_of_member
    )
    choice: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str] = mapped_column(Text, default="")
    conditions: Mapped[str] = mapped_column(Text, default="")
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member: Mapped[User] = relationship()


# A member's votes, the latest cast or changed first (the member's page): read in that order
# from the index, as far as the page shown, instead of sorting all of them at each request.
VOTE_TIME = func.coalesce(Vote.changed_at, Vote.cast_at)
Index("ix_votes_member_time", Vote.member_id, VOTE_TIME, Vote.id)

# The rounds of one status by deadline, rounds without one last, then the oldest (the member's
# lists and the meeting): their first page is read in that order from the index, as far as the
# page shown, instead of sorting every open round. The meeting's figures count the open rounds,
# those past their deadline and those about a revision from the same index alone.
ROUNDS_BY_DEADLINE = (
    VotingRound.deadline.is_(None),
    VotingRound.deadline,
    VotingRound.opened_at,
    VotingRound.id,
)
Index(
    "ix_voting_rounds_status_deadline",
    VotingRound.status,
    *ROUNDS_BY_DEADLINE,
    VotingRound.revision_id,
)


# Meetings -------------------------------------------------------------------------------------


class Capacity(enum.StrEnum):
    MEMBER = "member"
    ALTERNATE = "alternate"


class ItemKind(LabelledEnum):
    """What an item of a meeting's agenda is about."""

    PROPOSAL = "proposal", N_("Proposal or concept note")  # a proposal or a concept note
    PIPELINE = "pipeline", N_("Pipeline ranking")  # the ranking of the pipeline
    OTHER = "other", N_("Any other business")


class ItemOutcome(LabelledEnum):
    """The committee's decision on an item of a meeting's agenda."""

    APPROVED = "approved", N_("Approved")
    NOT_APPROVED = "not_approved", N_("Not approved")
    RETURNED = "returned", N_("Returned for revision")
    SELECTED = "selected", N_("Selected for development")  # a concept note
    PIPELINE = "pipeline", N_("Approved into the pipeline")  # a concept note
    DEFERRED = "deferred", N_("Deferred")
    AGREED = "agreed", N_("Agreed")
    NOTED = "noted", N_("Taken note of")


class Meeting(db.Model):
    """A meeting of the committee: when and where, who attended (members and alternates, by
    seat), its agenda with a decision per item, and its minutes. Decisions taken between
    meetings are the written voting rounds'."""

    __tablename__ = "committee_meetings"
    __table_args__ = (
        CheckConstraint("length(trim(title)) > 0", name="title_not_blank"),
        not_negative("seats"),
        CheckConstraint("version > 0", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date, index=True)
    place: Mapped[str] = mapped_column(String(200), default="")
    # The seats of the committee when the attendance was recorded: the quorum's basis.
    seats: Mapped[int] = mapped_column(Integer, default=0)
    chaired_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Others present (the secretariat, observers), as written.
    also_present: Mapped[str] = mapped_column(Text, default="")
    minutes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Raised by every change: a form sent from an older page is refused.
    version: Mapped[int] = mapped_column(Integer, default=1)

    chaired_by: Mapped[User | None] = relationship(foreign_keys=[chaired_by_id])
    attendees: Mapped[list[MeetingAttendee]] = relationship(
        cascade="all, delete-orphan", order_by="MeetingAttendee.user_id"
    )
    items: Mapped[list[MeetingItem]] = relationship(
        cascade="all, delete-orphan", order_by=lambda: [MeetingItem.position, MeetingItem.id]
    )


class MeetingAttendee(db.Model):
    """A member or alternate present at a meeting, and the seat they sat for."""

    __tablename__ = "committee_meeting_attendees"
    __table_args__ = (one_of("capacity", Capacity),)

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("committee_meetings.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    seat_id: Mapped[int] = mapped_column(ForeignKey("committee_seats.id"), index=True)
    capacity: Mapped[str] = mapped_column(String(10))

    user: Mapped[User] = relationship()
    seat: Mapped[Seat] = relationship()


class MeetingItem(db.Model):
    """An item of a meeting's agenda (a proposal or concept note, the pipeline's ranking, any
    other business) and the committee's decision on it, with its conditions. A proposal's item
    may name the voting round that carries the decision."""

    __tablename__ = "committee_meeting_items"
    __table_args__ = (
        one_of("kind", ItemKind),
        one_of("outcome", ItemOutcome, nullable=True),
        CheckConstraint(
            "(kind = 'proposal') = (proposal_id IS NOT NULL)", name="proposal_item_names_it"
        ),
        CheckConstraint("round_id IS NULL OR proposal_id IS NOT NULL", name="round_of_proposal"),
        CheckConstraint("position > 0", name="position_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("committee_meetings.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"), index=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("voting_rounds.id"))
    title: Mapped[str] = mapped_column(String(300), default="")
    outcome: Mapped[str | None] = mapped_column(String(20))
    decision: Mapped[str] = mapped_column(Text, default="")
    conditions: Mapped[str] = mapped_column(Text, default="")

    proposal: Mapped[Proposal | None] = relationship()
    round: Mapped[VotingRound | None] = relationship()

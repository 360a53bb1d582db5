"""The committee's meetings: creating and changing one (date, place, who attended, who chaired,
minutes), its agenda items and the decision on each. The secretariat makes every change, each
audited; callers commit. The reads of the pages and the record are at the end.

A meeting records what the committee decided at it. A proposal's or concept note's state still
changes only through its voting round (the members present vote in it); the item may name that
round, and then its recorded outcome must agree with the round's; without a round, it records
only the decision already taken (`fund.committee.meeting_checks`, which also keeps the agenda to
what was before the committee by the meeting's day). Decisions taken between meetings are the
written rounds alone.

Every change raises the meeting's `version`: a form sent from a page showing an older version is
refused, so two people editing the same meeting never overwrite each other unseen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from fund.accounts.models import Role, User
from fund.audit.operations import add_recorded, record
from fund.committee.decisions import agreed_outcome
from fund.committee.meeting_checks import (
    MeetingRefused,
    check_agrees,
    check_dated,
    check_may_decide,
    check_on_agenda,
    check_round_closed,
    check_still_decided,
    check_without_round,
)
from fund.committee.meeting_checks import quorum_of as quorum_of  # re-exported for the pages
from fund.committee.models import (
    Capacity,
    ItemKind,
    ItemOutcome,
    Meeting,
    MeetingAttendee,
    MeetingItem,
    Outcome,
    RoundStatus,
    Seat,
    SeatAlternate,
    VotingRound,
)
from fund.committee.operations import close_round
from fund.committee.rounds import open_round_of, round_tally
from fund.committee.seating import can_vote, current_seats, seats_that_vote
from fund.committee.workflow import CommitteeRefused
from fund.extensions import db, utcnow
from fund.labels import N_
from fund.locking import locked_current
from fund.pagination import paging
from fund.proposals.models import Proposal, proposal_id_of
from fund.sentences import Sentence
from workflows import REVIEW_STATE

SUBJECT = "committee_meeting"

# What an item on a concept note may record: the committee's three outcomes (recorded on the
# note through its voting round, `fund.committee.decisions`), or no decision yet.
NOTE_DECISIONS = (ItemOutcome.SELECTED, ItemOutcome.PIPELINE, ItemOutcome.NOT_APPROVED)
NOTE_OUTCOMES = (*NOTE_DECISIONS, ItemOutcome.RETURNED, ItemOutcome.DEFERRED, ItemOutcome.NOTED)


@dataclass
class MeetingInput:
    """What the meeting's form gives."""

    title: str
    held_on: date | None
    place: str = ""
    present: set[int] = field(default_factory=set)
    chaired_by_id: int | None = None
    also_present: str = ""
    minutes: str = ""


@dataclass(frozen=True)
class SeatPerson:
    """Someone who may attend for a seat: its member or an alternate."""

    user: User
    seat: Seat
    capacity: str

    @property
    def label(self) -> str:
        # Shown in the meeting form's list of those present, in the reader's language.
        words = {"name": self.user.name, "entity": self.seat.entity}
        if self.capacity == Capacity.MEMBER:
            if can_vote(self.user):
                return gettext("%(name)s (member for %(entity)s)", **words)
            return gettext(
                "%(name)s (member for %(entity)s, deactivated or no longer on the committee)",
                **words,
            )
        if can_vote(self.user):
            return gettext("%(name)s (alternate for %(entity)s)", **words)
        return gettext(
            "%(name)s (alternate for %(entity)s, deactivated or no longer on the committee)",
            **words,
        )


# Who may attend -----------------------------------------------------------------------------


def seat_people(meeting: Meeting | None = None) -> list[SeatPerson]:
    """Who may be recorded as present: the members and alternates of the seats now, seat by
    seat (the chair's first), and, for a meeting already recorded, those it records as present
    for the seat they sat for then (a seat handed over or an alternate removed since leaves a
    past meeting's attendance as it was)."""
    recorded = {
        a.user_id: SeatPerson(a.user, a.seat, a.capacity)
        for a in (meeting.attendees if meeting is not None else [])
    }
    people = []
    for seat in current_seats():
        people.append(SeatPerson(seat.member, seat, Capacity.MEMBER.value))
        people += [SeatPerson(a.user, seat, Capacity.ALTERNATE.value) for a in seat.alternates]
    people = [recorded.pop(p.user.id, p) for p in people]
    return people + sorted(recorded.values(), key=lambda p: p.user.name)


def seats_now() -> int:
    """The seats a round would count now: the quorum's basis of a meeting held today."""
    return len(seats_that_vote(current_seats()))


def seats_of_meeting(present: list[SeatPerson]) -> int:
    """The quorum's basis of a meeting with `present`: the seats a round would count now, and
    every seat someone present represents (a seat whose only people are deactivated or left the
    committee since is represented at the meeting all the same), so the seats represented
    never count beyond the basis."""
    return len(
        {seat.id for seat in seats_that_vote(current_seats())} | {p.seat.id for p in present}
    )


# Changes ------------------------------------------------------------------------------------


def _require_secretariat(actor: User) -> None:
    if not actor.has_role(Role.SECRETARIAT):
        raise MeetingRefused(N_("Only the secretariat can record the committee's meetings."))


def _opened(
    actor: User, meeting_id: int, expected_version: int | None, now: datetime | None
) -> tuple[Meeting, datetime]:
    """The meeting to change, locked, and the time of the change: the secretariat's alone, from
    a page showing the meeting's current version."""
    _require_secretariat(actor)
    now = now or utcnow()
    meeting = locked_current(
        Meeting,
        meeting_id,
        expected_version,
        MeetingRefused,
        missing=N_("There is no such meeting."),
        changed=N_(
            "Someone changed this meeting since you opened the page. Nothing of yours was "
            "saved; your input is kept below. Review the meeting, then try again."
        ),
    )
    return meeting, now


def _changed(
    meeting: Meeting, actor: User, action: str, details: dict[str, Any], now: datetime
) -> None:
    """A change of the meeting done: its version raised (pages showing the older one are
    refused), flushed and audited."""
    meeting.version += 1
    meeting.updated_at = now
    db.session.flush()
    record(action, SUBJECT, meeting.id, actor, details=details, now=now)


def _checked(data: MeetingInput, meeting: Meeting | None = None) -> tuple[str, list[SeatPerson]]:
    title = " ".join((data.title or "").split())
    if not title:
        raise MeetingRefused(N_("Give the meeting a title."), "title")
    if data.held_on is None:
        raise MeetingRefused(N_("Give the date of the meeting."), "held_on")
    people = {p.user.id: p for p in seat_people(meeting)}
    unknown = sorted(data.present - set(people))
    if unknown:
        raise MeetingRefused(
            N_(
                "Only the members and alternates of the committee's seats can be recorded as "
                "present; list anyone else under “Also present”."
            ),
            "present",
        )
    present = [people[i] for i in sorted(data.present)]
    if data.chaired_by_id and data.chaired_by_id not in data.present:
        raise MeetingRefused(
            N_("The person who chaired must be among those present."), "chaired_by"
        )
    return title, present


def _default_chair(present: list[SeatPerson]) -> int | None:
    """The chair's seat's member, if present."""
    return next(
        (p.user.id for p in present if p.seat.chair and p.capacity == Capacity.MEMBER), None
    )


def _attendance(meeting: Meeting, present: list[SeatPerson]) -> None:
    meeting.attendees = [
        MeetingAttendee(user_id=p.user.id, seat_id=p.seat.id, capacity=p.capacity) for p in present
    ]


def _attendance_details(meeting: Meeting) -> list[dict[str, Any]]:
    return [
        {"user": a.user_id, "seat": a.seat_id, "capacity": a.capacity} for a in meeting.attendees
    ]


def _fields(meeting: Meeting) -> dict[str, Any]:
    return {
        "title": meeting.title,
        "held_on": meeting.held_on,
        "place": meeting.place,
        "chaired_by": meeting.chaired_by_id,
        "also_present": meeting.also_present,
        "minutes": meeting.minutes,
        "seats": meeting.seats,
        "present": _attendance_details(meeting),
    }


def create_meeting(actor: User, data: MeetingInput, *, now: datetime | None = None) -> Meeting:
    _require_secretariat(actor)
    now = now or utcnow()
    title, present = _checked(data)
    meeting = Meeting(
        title=title,
        held_on=data.held_on,
        place=(data.place or "").strip(),
        seats=seats_of_meeting(present),
        chaired_by_id=data.chaired_by_id or _default_chair(present),
        also_present=(data.also_present or "").strip(),
        minutes=(data.minutes or "").strip(),
        created_at=now,
        created_by_id=actor.id,
        updated_at=now,
        version=1,
    )
    _attendance(meeting, present)
    return add_recorded(
        meeting, "committee_meeting_created", SUBJECT, actor, details=_fields, now=now
    )


def update_meeting(
    actor: User,
    meeting_id: int,
    data: MeetingInput,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> bool:
    """Change the meeting's details, attendance and minutes. True if anything changed."""
    meeting, now = _opened(actor, meeting_id, expected_version, now)
    title, present = _checked(data, meeting)
    check_dated((i.proposal for i in meeting.items if i.proposal is not None), data.held_on)
    before = _fields(meeting)
    attendance = sorted((p.user.id, p.seat.id, p.capacity) for p in present)
    kept = sorted((a.user_id, a.seat_id, a.capacity) for a in meeting.attendees)
    meeting.title = title
    meeting.held_on = data.held_on  # type: ignore[assignment]
    meeting.place = (data.place or "").strip()
    meeting.chaired_by_id = data.chaired_by_id or None
    meeting.also_present = (data.also_present or "").strip()
    meeting.minutes = (data.minutes or "").strip()
    if attendance != kept:
        _attendance(meeting, present)
        meeting.seats = seats_of_meeting(present)
    check_still_decided(meeting, now.date())
    after = _fields(meeting)
    if after == before:
        return False
    changed = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    _changed(meeting, actor, "committee_meeting_changed", changed, now)
    return True


def proposal_of_reference(reference: str) -> Proposal:
    proposal_id = proposal_id_of(reference)
    if proposal_id is None:
        raise MeetingRefused(N_("Give a reference such as P-00042."), "proposal")
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None:
        raise MeetingRefused(
            N_("There is no proposal or concept note %(ref)s."), "proposal", ref=reference.strip()
        )
    if proposal.submitted_at is None:
        raise MeetingRefused(
            N_("%(ref)s has never been submitted: the committee has nothing to decide on it."),
            "proposal",
            ref=proposal.reference,
        )
    return proposal


def _item_details(item: MeetingItem) -> dict[str, Any]:
    round_ = db.session.get(VotingRound, item.round_id) if item.round_id else None
    return {
        "item": item.id,
        "position": item.position,
        "kind": item.kind,
        "proposal": item.proposal_id,
        "round": item.round_id,
        "title": item.title,
        "outcome": item.outcome,
        "decision": item.decision,
        "conditions": item.conditions,
        "place": round_.pipeline_place if round_ is not None else None,
    }


def add_item(
    actor: User,
    meeting_id: int,
    kind: str,
    *,
    reference: str = "",
    title: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> MeetingItem:
    """Add an item at the end of the agenda: a proposal or concept note (by its reference),
    the pipeline's ranking or any other business (with a title)."""
    meeting, now = _opened(actor, meeting_id, expected_version, now)
    title = " ".join((title or "").split())
    if kind not in ItemKind.labels():
        raise MeetingRefused(N_("Choose what the item is."), "kind")
    proposal = proposal_of_reference(reference) if kind == ItemKind.PROPOSAL else None
    if proposal is None and not title:
        raise MeetingRefused(N_("Give the item a title."), "title")
    if proposal is not None and any(i.proposal_id == proposal.id for i in meeting.items):
        raise MeetingRefused(
            N_("%(ref)s is already on the agenda."), "proposal", ref=proposal.reference
        )
    if proposal is not None:
        check_on_agenda(proposal, meeting.held_on)
    position = max((i.position for i in meeting.items), default=0) + 1
    item = MeetingItem(
        meeting_id=meeting.id,
        position=position,
        kind=kind,
        proposal_id=proposal.id if proposal else None,
        title=title,
        decision="",
        conditions="",
    )
    meeting.items.append(item)
    db.session.flush()  # the item's id, for the audit trail
    _changed(meeting, actor, "committee_meeting_item_added", _item_details(item), now)
    return item


def _item(meeting: Meeting, item_id: int) -> MeetingItem:
    item = next((i for i in meeting.items if i.id == item_id), None)
    if item is None:
        raise MeetingRefused(N_("That item is no longer on the agenda."), stale=True)
    return item


def _renumber(meeting: Meeting, item: MeetingItem, position: int) -> None:
    """Move `item` to `position` (1 to the number of items), the others keeping their order."""
    others = [i for i in sorted(meeting.items, key=lambda i: (i.position, i.id)) if i is not item]
    position = min(max(position, 1), len(others) + 1)
    others.insert(position - 1, item)
    for number, each in enumerate(others, start=1):
        each.position = number


def rounds_for(item: MeetingItem) -> list[VotingRound]:
    """The voting rounds an item of a proposal may name, the latest first."""
    if item.proposal_id is None:
        return []
    return list(
        db.session.scalars(
            select(VotingRound)
            .where(VotingRound.proposal_id == item.proposal_id)
            .order_by(VotingRound.number.desc())
        )
    )


def _on_note(item: MeetingItem) -> bool:
    return item.proposal is not None and item.proposal.is_concept_note


def outcomes_for(item: MeetingItem) -> list[str]:
    """The outcomes an item may record: on a concept note, the committee's three (and returned,
    deferred, taken note of); on a full proposal, all but a concept note's two (selected,
    approved into the pipeline); on any other item, every outcome."""
    if _on_note(item):
        return [o.value for o in NOTE_OUTCOMES]
    if item.proposal is not None:
        notes_only = {ItemOutcome.SELECTED, ItemOutcome.PIPELINE}
        return [o for o in ItemOutcome.labels() if o not in notes_only]
    return list(ItemOutcome.labels())


def _decide_note(
    actor: User,
    item: MeetingItem,
    round_: VotingRound | None,
    outcome: str,
    place: int | None,
    summary: str,
    now: datetime,
) -> VotingRound:
    """Record the committee's outcome on the item's concept note as a written round's closing
    does (`fund.committee.operations.close_round`, `fund.committee.decisions`): the note's open
    round closes with it, when its votes give it, and the note moves. Refused otherwise."""
    note = item.proposal
    if note.status != REVIEW_STATE:
        raise MeetingRefused(
            N_(
                "%(ref)s is not in committee review (it is “%(status)s”): the committee's "
                "decision on it cannot be recorded now."
            ),
            "outcome",
            ref=note.reference,
            status=Sentence(note.status_label),
        )
    round_ = round_ or open_round_of(note.id)
    if round_ is None:
        raise MeetingRefused(N_("%(ref)s has no open voting round."), "round", ref=note.reference)
    try:
        agreed_outcome(round_tally(round_), outcome, round_.number)
        close_round(
            round_.id,
            actor,
            summary=summary,
            decision=outcome if outcome != Outcome.NOT_APPROVED else None,
            place=place,
            now=now,
        )
    except CommitteeRefused as refused:
        field = "rank" if refused.field == "rank" else "outcome"
        raise MeetingRefused(refused.sentence, field) from refused
    return round_


def update_item(
    actor: User,
    meeting_id: int,
    item_id: int,
    *,
    position: int,
    title: str,
    outcome: str | None,
    decision: str,
    conditions: str,
    round_id: int | None,
    rank: int | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> bool:
    """Record the committee's decision on an item (its outcome, the decision's text and its
    conditions, the round that carries it) and its place on the agenda. True if it changed.
    On a concept note in committee review, one of the committee's three outcomes (with the
    place `rank` in the pipeline) closes its open round and moves the note (`_decide_note`)."""
    meeting, now = _opened(actor, meeting_id, expected_version, now)
    item = _item(meeting, item_id)
    title = " ".join((title or "").split())
    outcome = outcome or None
    if outcome is not None and outcome not in outcomes_for(item):
        raise MeetingRefused(N_("Choose one of the outcomes."), "outcome")
    if item.kind != ItemKind.PROPOSAL and not title:
        raise MeetingRefused(N_("Give the item a title."), "title")
    round_ = None
    if round_id:
        round_ = next((r for r in rounds_for(item) if r.id == round_id), None)
        if round_ is None:
            raise MeetingRefused(N_("Choose one of this proposal's voting rounds."), "round")
        if round_.status == RoundStatus.CLOSED and outcome:
            check_agrees(round_, outcome)
    before = _item_details(item)
    undecided = round_ is None or round_.status == RoundStatus.OPEN
    deciding = outcome in NOTE_DECISIONS and undecided and _on_note(item)
    if not deciding and round_ is None and item.proposal is not None:
        check_without_round(item.proposal, outcome)
    elif not deciding and round_ is not None and round_.status == RoundStatus.OPEN:
        check_round_closed(round_, outcome)
    if outcome != item.outcome:  # a meeting held, with quorum, decides
        check_may_decide(meeting, outcome, now.date())
    if deciding:
        round_ = _decide_note(actor, item, round_, outcome, rank, (decision or "").strip(), now)
    item.title = title
    item.outcome = outcome
    item.decision = (decision or "").strip()
    item.conditions = (conditions or "").strip()
    item.round_id = round_.id if round_ else None
    _renumber(meeting, item, position)
    after = _item_details(item)
    if after == before:
        return False
    _changed(
        meeting, actor, "committee_meeting_item_changed", {"before": before, "after": after}, now
    )
    return True


def remove_item(
    actor: User,
    meeting_id: int,
    item_id: int,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> None:
    meeting, now = _opened(actor, meeting_id, expected_version, now)
    item = _item(meeting, item_id)
    details = _item_details(item)
    meeting.items.remove(item)
    for number, each in enumerate(sorted(meeting.items, key=lambda i: (i.position, i.id)), 1):
        each.position = number
    _changed(meeting, actor, "committee_meeting_item_removed", details, now)


# Reads ----------------------------------------------------------------------------------------


def _meeting_options():
    return (
        joinedload(Meeting.chaired_by),
        selectinload(Meeting.attendees).joinedload(MeetingAttendee.user),
        selectinload(Meeting.attendees)
        .joinedload(MeetingAttendee.seat)
        .joinedload(Seat.organization),
        selectinload(Meeting.items).joinedload(MeetingItem.proposal),
        selectinload(Meeting.items).joinedload(MeetingItem.round),
    )


def get_meeting(meeting_id: int) -> Meeting | None:
    return db.session.scalar(
        select(Meeting).where(Meeting.id == meeting_id).options(*_meeting_options())
    )


def meetings(page: int, per_page: int) -> tuple[list[tuple[Meeting, int]], int, int]:
    """Page `page` of the meetings (the last one past the end), the latest first, each with
    its number of agenda items; how many meetings there are; and the page shown."""
    total = db.session.scalar(select(func.count()).select_from(Meeting)) or 0
    at = paging(total, page, per_page)
    items = (
        select(func.count(MeetingItem.id))
        .where(MeetingItem.meeting_id == Meeting.id)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Meeting, items)
        .order_by(Meeting.held_on.desc(), Meeting.id.desc())
        .limit(per_page)
        .offset(at.offset)
    ).all()
    return [(m, n) for m, n in rows], total, at.page


def alternates_present(meeting: Meeting) -> list[MeetingAttendee]:
    return [a for a in meeting.attendees if a.capacity == Capacity.ALTERNATE]


def members_present(meeting: Meeting) -> list[MeetingAttendee]:
    return [a for a in meeting.attendees if a.capacity == Capacity.MEMBER]


def people_by_id(ids: set[int | None]) -> dict[int, User]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(wanted)))}


def standing_in(user_id: int) -> SeatAlternate | None:
    return db.session.scalar(
        select(SeatAlternate).where(
            SeatAlternate.user_id == user_id, SeatAlternate.ended_at.is_(None)
        )
    )

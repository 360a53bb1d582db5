"""The committee's part of the demo set: its seats, chair and alternates, a round's deadline
and the members' votes in it, and a meeting of the committee with its agenda and
decisions."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from fund.accounts.models import Organization, User
from fund.committee import meetings, rounds, seats
from fund.committee import operations as committee
from fund.committee.models import ItemKind, Meeting, Outcome, RoundStatus, Seat, VotingRound
from fund.extensions import db, utcnow
from fund.proposals.models import proposal_reference


def add_demo_seats(demo: dict[str, Any], secretariat: User) -> None:
    """The committee's seats, chair and alternates (before any round opens; once)."""
    if db.session.scalar(select(Seat.id).limit(1)) is not None:
        return
    people = {u.email: u.id for u in db.session.scalars(select(User))}
    organizations = {o.acronym: o.id for o in db.session.scalars(select(Organization))}
    for item in demo.get("seats", []):
        seat = seats.assign_seat(
            secretariat, organizations[item["organization"]], people[item["member"]]
        )
        for email in item.get("alternates", []):
            seats.name_alternate(secretariat, seat.id, people[email])
        if item.get("chair"):
            seats.set_chair(secretariat, seat.id)


_ITEM_OUTCOMES = {Outcome.APPROVED.value: "approved", Outcome.REJECTED.value: "not_approved"}


# The days the members have to vote in a round the demo opens.
VOTING_DAYS = 21
# The rounds a meeting's agenda takes: those open, and those closed so many days before it.
MEETING_TAKES_DAYS = 60


def add_demo_meeting(demo: dict[str, Any], secretariat: User, held_on: date) -> None:
    """One meeting with its agenda: the proposals before the committee since a while (their
    latest round open, or closed lately), each with its round's decision, the pipeline and
    any other business (once)."""
    item = demo.get("meeting")
    if not item or db.session.scalar(select(Meeting.id).limit(1)) is not None:
        return
    people = {u.email: u.id for u in db.session.scalars(select(User))}
    meeting = meetings.create_meeting(
        secretariat,
        meetings.MeetingInput(
            title=item["title"],
            held_on=held_on,
            place=item.get("place", ""),
            present={people[email] for email in item.get("present", [])},
            also_present=item.get("also_present", ""),
            minutes=item.get("minutes", ""),
        ),
    )
    latest = db.session.scalars(
        select(VotingRound).order_by(VotingRound.proposal_id, VotingRound.number.desc())
    ).all()
    rounds_by_proposal: dict[int, VotingRound] = {}
    since = held_on - timedelta(days=MEETING_TAKES_DAYS)
    for round_ in latest:
        rounds_by_proposal.setdefault(round_.proposal_id, round_)
    rounds_by_proposal = {
        proposal_id: round_
        for proposal_id, round_ in rounds_by_proposal.items()
        if round_.closed_at is None or round_.closed_at.date() >= since
    }
    for proposal_id, round_ in rounds_by_proposal.items():
        added = meetings.add_item(
            secretariat, meeting.id, ItemKind.PROPOSAL, reference=proposal_reference(proposal_id)
        )
        closed = round_.status == RoundStatus.CLOSED
        meetings.update_item(
            secretariat,
            meeting.id,
            added.id,
            position=added.position,
            title="",
            outcome=_ITEM_OUTCOMES.get(round_.outcome or "") if closed else "deferred",
            decision=(
                round_.summary or "Decided in its voting round."
                if closed
                else "Discussed; the members vote in the round by its deadline."
            ),
            conditions="",
            round_id=round_.id,
        )
    for title, text, outcome in (
        ("Pipeline ranking", item.get("pipeline", ""), "agreed"),
        (item.get("other_business", ""), item.get("other_decision", ""), "noted"),
    ):
        if not title:
            continue
        kind = ItemKind.PIPELINE if outcome == "agreed" else ItemKind.OTHER
        added = meetings.add_item(secretariat, meeting.id, kind, title=title)
        meetings.update_item(
            secretariat,
            meeting.id,
            added.id,
            position=added.position,
            title=title,
            outcome=outcome,
            decision=text,
            conditions="",
            round_id=None,
        )


def vote_all(proposal_id: int, choice: str, comment: str = "") -> None:
    """Every entitled member votes `choice` in the proposal's open round."""
    round_ = rounds.open_round_of(proposal_id)
    for member in rounds.entitled_members(round_):
        committee.cast_vote(round_.id, member.user, choice, comment)


def open_for_votes(proposal_id: int, secretariat: User) -> None:
    """The deadline of the proposal's open round: `VOTING_DAYS` after it opened."""
    round_ = rounds.open_round_of(proposal_id)
    day = utcnow().date() + timedelta(days=VOTING_DAYS)
    committee.set_deadline(round_.id, secretariat, rounds.end_of_day(day))

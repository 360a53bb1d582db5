"""What a meeting's record may say about a proposal or concept note, checked before anything
changes (`fund.committee.meetings` calls these; each refusal names its field).

- An agenda item names only what was before the committee: a proposal or concept note forwarded
  to it (in committee review or decided by it: `workflows.COMMITTEE_STATES`,
  `workflows.NOTE_COMMITTEE_STATES`; or one that left its review later, returned by the
  committee or withdrawn, which a voting round of it shows), first submitted by the day of the
  meeting. A meeting dated before the first submission of a proposal on its agenda is refused.
- The decision on an item agrees with the committee's: with a round, the round's outcome (a
  closed one's); without a round, the item records that it was deferred, agreed or taken note
  of, or else the decision the proposal's latest closed round took.
- A decision is recorded only at a meeting held (dated today or before) and quorate: a majority
  of the committee's seats represented (`quorum_of`, the one definition of a meeting's quorum,
  which its page and record show). Without quorum an item records only that it was deferred or
  taken note of; a meeting with decisions recorded keeps its date and its quorum.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import func, select

from fund.committee.models import ItemOutcome, Meeting, Outcome, RoundStatus, VotingRound
from fund.committee.rounds import outcome_label
from fund.extensions import db
from fund.labels import N_
from fund.proposals.models import Proposal, ProposalVersion
from fund.refusals import Refused
from fund.sentences import OnDay, Sentence
from workflows import COMMITTEE_STATES, NOTE_COMMITTEE_STATES

# The item outcomes that agree with each outcome of a closed round.
AGREEING = {
    Outcome.APPROVED.value: {ItemOutcome.APPROVED, ItemOutcome.SELECTED, ItemOutcome.PIPELINE},
    Outcome.REJECTED.value: {ItemOutcome.NOT_APPROVED},
    Outcome.RETURNED.value: {ItemOutcome.RETURNED},
    Outcome.NO_QUORUM.value: {ItemOutcome.DEFERRED},
    Outcome.CANCELLED.value: {ItemOutcome.NOTED, ItemOutcome.DEFERRED},
    Outcome.SELECTED.value: {ItemOutcome.SELECTED},
    Outcome.PIPELINE.value: {ItemOutcome.PIPELINE},
    Outcome.NOT_APPROVED.value: {ItemOutcome.NOT_APPROVED},
}
# The item outcomes that say what the committee decided on the proposal or concept note itself:
# without a round, they must be its decision already. The others (deferred, agreed, taken note
# of) record the meeting's handling of the item alone.
DECIDING = frozenset(
    {
        ItemOutcome.APPROVED,
        ItemOutcome.NOT_APPROVED,
        ItemOutcome.RETURNED,
        ItemOutcome.SELECTED,
        ItemOutcome.PIPELINE,
    }
)


# What an item may record at a meeting without quorum, or not yet held: no decision.
NOT_DECIDING = frozenset({ItemOutcome.DEFERRED, ItemOutcome.NOTED})


class MeetingRefused(Refused):
    """A change of a meeting that was refused; nothing was changed. `stale` when the page the
    form came from shows an older version of the meeting."""


def quorum_of(meeting: Meeting) -> tuple[int, int, bool]:
    """(seats represented, seats needed, met): a majority of the committee's seats, each
    represented by its member or an alternate."""
    represented = len({a.seat_id for a in meeting.attendees})
    needed = meeting.seats // 2 + 1
    return represented, needed, meeting.seats > 0 and represented >= needed


def _decides(outcome: str | None) -> bool:
    return outcome is not None and outcome not in NOT_DECIDING


def check_may_decide(meeting: Meeting, outcome: str | None, today: date) -> None:
    """Refused, at the outcome, when the item would record a decision at a meeting dated after
    `today` (it has not been held) or without quorum."""
    if not _decides(outcome):
        return
    if meeting.held_on > today:
        raise MeetingRefused(
            N_(
                "This meeting is dated %(held)s, after today: a meeting not yet held cannot "
                "have decided. Record the decision once it is held, or correct its date."
            ),
            "outcome",
            held=OnDay(meeting.held_on),
        )
    represented, needed, met = quorum_of(meeting)
    if not met:
        raise MeetingRefused(
            N_(
                "Without quorum the meeting cannot decide (seats represented: %(represented)s "
                "of %(seats)s; quorum: %(needed)s). The item can only record that it was "
                "deferred or taken note of; if the quorum was reached, record who was present "
                "first."
            ),
            "outcome",
            represented=represented,
            seats=meeting.seats,
            needed=needed,
        )


def check_still_decided(meeting: Meeting, today: date) -> None:
    """A meeting whose agenda records decisions, changed: refused, at the date, when it is
    dated after `today`, or at those present, when its quorum is no longer reached."""
    if not any(_decides(item.outcome) for item in meeting.items):
        return
    if meeting.held_on > today:
        raise MeetingRefused(
            N_("Decisions are recorded on this meeting's agenda: it cannot be dated after today."),
            "held_on",
        )
    _represented, needed, met = quorum_of(meeting)
    if not met:
        raise MeetingRefused(
            N_(
                "Decisions are recorded on this meeting's agenda: those present must represent "
                "its quorum (seats: %(needed)s of %(seats)s)."
            ),
            "present",
            needed=needed,
            seats=meeting.seats,
        )


def _has_round(proposal_id: int) -> bool:
    """Forwarding opens a voting round: one exists for whatever was before the committee."""
    found = select(VotingRound.id).where(VotingRound.proposal_id == proposal_id).limit(1)
    return db.session.scalar(found) is not None


def before_the_committee(proposal: Proposal) -> bool:
    """Forwarded to the committee: in its review or decided by it, or returned by it or
    withdrawn since (a round of it shows it was forwarded)."""
    states = NOTE_COMMITTEE_STATES if proposal.is_concept_note else COMMITTEE_STATES
    return proposal.status in states or _has_round(proposal.id)


def first_submitted(proposal: Proposal) -> date | None:
    """The day (UTC) of the proposal's first submission: its first version's, else its own."""
    first = db.session.scalar(
        select(func.min(ProposalVersion.submitted_at)).where(
            ProposalVersion.proposal_id == proposal.id
        )
    )
    first = first or proposal.submitted_at
    return first.date() if first is not None else None


def check_on_agenda(proposal: Proposal, held_on: date) -> None:
    """Refused, at the reference, unless the proposal was before the committee and first
    submitted by the day of the meeting."""
    if not before_the_committee(proposal):
        raise MeetingRefused(
            N_(
                "%(ref)s was never forwarded to the committee (it is “%(status)s”): only a "
                "proposal or concept note in committee review, or decided by the committee, can "
                "be on the agenda."
            ),
            "proposal",
            ref=proposal.reference,
            status=Sentence(proposal.status_label),
        )
    submitted = first_submitted(proposal)
    if submitted is not None and submitted > held_on:
        raise MeetingRefused(
            N_(
                "%(ref)s was submitted on %(submitted)s, after the meeting of %(held)s: it cannot "
                "be on this meeting's agenda."
            ),
            "proposal",
            ref=proposal.reference,
            submitted=OnDay(submitted),
            held=OnDay(held_on),
        )


def check_dated(proposals: Iterable[Proposal], held_on: date) -> None:
    """Refused, at the date, when a proposal on the agenda was first submitted after it."""
    for proposal in proposals:
        submitted = first_submitted(proposal)
        if submitted is not None and submitted > held_on:
            raise MeetingRefused(
                N_(
                    "%(ref)s, on the agenda, was submitted on %(submitted)s: the meeting cannot "
                    "be dated before that day."
                ),
                "held_on",
                ref=proposal.reference,
                submitted=OnDay(submitted),
            )


def latest_decision(proposal_id: int) -> VotingRound | None:
    """The proposal's latest closed round: the committee's decision on it, if any."""
    return db.session.scalar(
        select(VotingRound)
        .where(VotingRound.proposal_id == proposal_id, VotingRound.status == RoundStatus.CLOSED)
        .order_by(VotingRound.number.desc())
        .limit(1)
    )


def check_agrees(round_: VotingRound, outcome: str) -> None:
    """Refused, at the outcome, when the closed `round_` took another decision."""
    if outcome not in AGREEING.get(round_.outcome or "", set()):
        raise MeetingRefused(
            N_(
                "Round %(number)s closed “%(outcome)s”: the outcome recorded here must agree "
                "with it."
            ),
            "outcome",
            number=round_.number,
            outcome=Sentence(outcome_label(round_.outcome)),
        )


def check_without_round(proposal: Proposal, outcome: str | None) -> None:
    """An item naming no round: refused, at the outcome, when it records a decision on the
    proposal that is not the one its latest closed round took (none taken yet included)."""
    if outcome not in DECIDING:
        return
    decided = latest_decision(proposal.id)
    if decided is None:
        raise MeetingRefused(
            N_(
                "The committee has taken no decision on %(ref)s yet (no voting round of it has "
                "closed): without a round, the item can only record that it was deferred, agreed "
                "or taken note of."
            ),
            "outcome",
            ref=proposal.reference,
        )
    check_agrees(decided, outcome)


def check_round_closed(round_: VotingRound, outcome: str | None) -> None:
    """An item naming a round still open: refused, at the outcome, when it records a decision
    on the proposal; the round's outcome is the decision, once the round is closed."""
    if outcome in DECIDING:
        raise MeetingRefused(
            N_(
                "Round %(number)s is still open: the item records the committee's decision once "
                "the round is closed; until then, it can only record that it was deferred, "
                "agreed or taken note of."
            ),
            "outcome",
            number=round_.number,
        )

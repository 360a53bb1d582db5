"""Reading a voting round: its quorum, tally and fingerprint, the labels of its outcome, the
committee's members and the conflicts of interest a proposal brings. Reads only; the changes
are in `fund.committee.operations`, the pages' queries in `fund.committee.queries`.

A round counts seats (`fund.committee.seating`): its members are seats, one vote each."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from types import SimpleNamespace
from typing import Any

from sqlalchemy import exists, false, or_, select

from fund.accounts.models import Role, User
from fund.accounts.queries import active_users_with_role
from fund.calls.models import Call
from fund.committee.models import Outcome, Recusal, RoundMember, RoundStatus, VotingRound
from fund.committee.seating import (
    counted_members,
    member_key,
    seats_that_vote,
    vacant_keys,
    vote_key,
)
from fund.committee.tally import Tally, tally
from fund.extensions import db
from fund.labels import N_
from fund.proposals.models import Proposal, proposal_participants
from fund.sentences import Sentence


def quorum_needed(round_: VotingRound, entitled: int) -> int:
    """The round's quorum: the call's fixed quorum as it was at opening, else a majority of the
    seats entitled to vote now (recusals, and seats nobody can vote for any more, lower it)."""
    return Call.quorum_for(SimpleNamespace(quorum=round_.quorum_setting), entitled)  # type: ignore[arg-type]


def entitled_members(round_: VotingRound) -> list[RoundMember]:
    """The seats of the round that count: not recused, with a vote or someone who may still
    cast it (`fund.committee.seating.counted_members`)."""
    return counted_members(round_)


def round_tally(round_: VotingRound, entitled: list[RoundMember] | None = None) -> Tally:
    """The round's tally from its current seats and votes (a closed round keeps its own);
    `entitled`: the round's `entitled_members`, when the caller has them."""
    if entitled is None:
        entitled = entitled_members(round_)
    keys = {member_key(m) for m in entitled}
    choices = [v.choice for v in round_.votes if vote_key(v) in keys]
    return tally(round_.decision_rule, quorum_needed(round_, len(entitled)), len(entitled), choices)


def fingerprint(round_: VotingRound, vacant: list[tuple[str, int]] | None = None) -> str:
    """A short digest of the round's votes, recusals and the seats nobody can vote for any
    more (`vacant`: the round's `vacant_keys`, when the caller has them): a page showing an
    older state of the round cannot close it."""
    parts = sorted(
        (vote_key(v), v.member_id, v.choice, (v.changed_at or v.cast_at).isoformat())
        for v in round_.votes
    )
    recusals = sorted((m.user_id, m.recusal or "") for m in round_.members)
    if vacant is None:
        vacant = vacant_keys(round_)
    digest = hashlib.sha256(repr((round_.id, parts, recusals, vacant)).encode()).hexdigest()
    return digest[:16]


def vote_fingerprint(vote: Any | None) -> str:
    """A short digest of a member's vote as a page shows it ("none" before they vote): a
    vote form sent from a page showing another vote (another tab's, since) is refused."""
    if vote is None:
        return "none"
    seen = (vote.id, vote.choice, vote.comment or "", vote.conditions or "")
    return hashlib.sha256(repr(seen).encode()).hexdigest()[:16]


def outcome_label(outcome: str | None) -> str:
    return Outcome.labels().get(outcome, outcome or "Open")  # type: ignore[call-overload]


def decision_sentence(round_: VotingRound, *, place: bool = True) -> Sentence:
    """A closed round's outcome in words, with the place in the pipeline the committee gave a
    concept note it approved into the pipeline (not with `place` false: a list whose places
    are not the pipeline's, the public one): English where it is recorded, in the reader's
    language where it is said."""
    outcome = Sentence(outcome_label(round_.outcome))
    if place and round_.outcome == Outcome.PIPELINE and round_.pipeline_place:
        return Sentence(
            N_("%(outcome)s, at place %(place)s"), outcome=outcome, place=round_.pipeline_place
        )
    return outcome


def open_round_of(proposal_id: int) -> VotingRound | None:
    return db.session.scalar(
        select(VotingRound).where(
            VotingRound.proposal_id == proposal_id, VotingRound.status == RoundStatus.OPEN
        )
    )


def committee_members() -> list[User]:
    """Active users holding the committee role: the members entitled to vote in a new round."""
    return active_users_with_role(Role.COMMITTEE)


# Why a seat is recused automatically: its organization takes part in, submitted or leads
# what the round decides on, a proposal or a concept note.
_REASONS = {
    ("participant", "proposal"): N_(
        "%(organization)s is a participating organization of this proposal."
    ),
    ("participant", "concept note"): N_(
        "%(organization)s is a participating organization of this concept note."
    ),
    ("applicant", "proposal"): N_("%(organization)s submitted this proposal."),
    ("applicant", "concept note"): N_("%(organization)s submitted this concept note."),
    ("lead", "proposal"): N_("%(organization)s is the lead UN entity of this proposal."),
    ("lead", "concept note"): N_("%(organization)s is the lead UN entity of this concept note."),
}
# A conflict a seat declared in an earlier round of the proposal, carried over to a new one.
DECLARED_IN = N_("%(reason)s (declared in round %(number)s)")


def organization_conflicts(proposal: Proposal) -> dict[int, Sentence]:
    """The organizations taking part in the proposal, each with the recusal reason."""
    reasons: dict[int, Sentence] = {}
    noun = "concept note" if getattr(proposal, "is_concept_note", False) else "proposal"
    for organization in proposal.participants:
        reasons[organization.id] = Sentence(
            _REASONS["participant", noun], organization=organization.label
        )
    if proposal.organization is not None and proposal.organization_id not in reasons:
        reasons[proposal.organization_id] = Sentence(
            _REASONS["applicant", noun], organization=proposal.organization.label
        )
    if proposal.lead_organization is not None:
        reasons[proposal.lead_organization_id] = Sentence(  # type: ignore[index]
            _REASONS["lead", noun], organization=proposal.lead_organization.label
        )
    return reasons


def round_proposal(round_: VotingRound) -> Proposal:
    """What `round_` decides on (from the session's identity map when already loaded)."""
    return db.session.get(Proposal, round_.proposal_id)


def own_conflict(user: Any, proposal: Proposal) -> Sentence | None:
    """Why `user` has a conflict on `proposal` through their own organization (it submitted,
    leads or takes part in it), or None. It holds whichever seat they would vote for: such a
    person neither votes on the proposal nor sees the others' votes (`visibility`)."""
    if user.organization_id is None:
        return None
    return organization_conflicts(proposal).get(user.organization_id)


def own_conflict_sql(organization_id: int | None) -> Any:
    """SQL on `VotingRound`: what the round decides on was submitted, is led or is taken part
    in by `organization_id` (`own_conflict` for a list: its person does not vote in it)."""
    if organization_id is None:
        return false()
    return exists().where(
        Proposal.id == VotingRound.proposal_id,
        or_(
            Proposal.organization_id == organization_id,
            Proposal.lead_organization_id == organization_id,
            exists().where(
                proposal_participants.c.proposal_id == Proposal.id,
                proposal_participants.c.organization_id == organization_id,
            ),
        ),
    )


def declared_conflicts(proposal_id: int) -> dict[int, tuple[int, str]]:
    """Conflicts declared in earlier rounds of the proposal: seat id -> (round number, reason).
    A declared conflict holds for the seat on the whole proposal, so it carries over to new
    rounds."""
    rows = db.session.execute(
        select(RoundMember.seat_id, VotingRound.number, RoundMember.recusal_reason)
        .join(VotingRound, VotingRound.id == RoundMember.round_id)
        .where(VotingRound.proposal_id == proposal_id, RoundMember.recusal == Recusal.DECLARED)
        .order_by(VotingRound.number)
    )
    found: dict[int, tuple[int, str]] = {}
    for seat_id, number, reason in rows:
        found.setdefault(seat_id, (number, reason))
    return found


def end_of_day(day: date | None) -> datetime | None:
    """A round's deadline given as a date ends at 23:59 UTC that day."""
    if day is None:
        return None
    return datetime.combine(day, time(23, 59), tzinfo=UTC)


@dataclass(frozen=True)
class SeatAtOpening:
    """A seat a new round on a proposal counts, and its recusal (None: it may vote)."""

    seat: Any
    recusal: str | None = None
    reason: Sentence | None = None  # English; said in the reader's language on a page


def seats_at_opening(
    proposal: Proposal, seats: Iterable[Any], joining: Mapping[int, Sentence] | None = None
) -> list[SeatAtOpening]:
    """The seats among `seats` a round opened now on `proposal` counts (those someone may vote
    for: an active committee member or alternate), each with its recusal: automatic for an
    organization taking part in the proposal, declared when the seat declared a conflict in an
    earlier round. The one rule of who may vote, read by the round's opening and by who is
    told before it (`fund.committee.queries.entitled_to_vote`). `joining`: organizations a
    revision about the round would add to the programme (id -> reason), recused as well."""
    conflicts = {**(joining or {}), **organization_conflicts(proposal)}
    declared = declared_conflicts(proposal.id)
    found = []
    for seat in seats_that_vote(seats):
        if seat.organization_id in conflicts:
            found.append(
                SeatAtOpening(seat, Recusal.AUTOMATIC.value, conflicts[seat.organization_id])
            )
        elif seat.id is not None and seat.id in declared:
            earlier, reason = declared[seat.id]
            found.append(
                SeatAtOpening(
                    seat,
                    Recusal.DECLARED.value,
                    Sentence(DECLARED_IN, reason=reason, number=earlier),
                )
            )
        else:
            found.append(SeatAtOpening(seat))
    return found

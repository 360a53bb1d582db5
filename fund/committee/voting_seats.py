"""How many of a round's seats can vote, once the recused and the seats nobody can vote for any
more are set aside, and the secretariat's warning when that leaves fewer than the fund's minimum
(COMMITTEE_MINIMUM_VOTING_SEATS).

The seats that can vote are the ones the quorum counts (`fund.committee.seating.
counted_members`; a closed round's, as its tally kept them): the record's seat count and the
tally's "Entitled" are one number. A round where two of three seats are recused meets its quorum
with one vote; the warning tells the secretariat so before it closes the round, and the decision
record says how many seats were recused."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from flask import current_app

from fund.committee.models import RoundStatus, VotingRound
from fund.committee.seating import counted_members, member_key, uncounted_members, vacant_keys
from fund.committee.tally import Tally
from fund.sentences import N_, Sentence

# How the record names the seats not recused that the quorum does not count, by the round's state.
UNCOUNTED_HEADINGS = {
    False: N_("Not counted toward the quorum, as nobody can vote for their seat any more:"),
    True: N_(
        "Not counted toward the quorum, as nobody could vote for their seat when the round closed:"
    ),
}


@dataclass(frozen=True)
class SeatCount:
    seats: int  # the seats of the round
    recused: int  # recused from it, automatically or by a declared conflict
    voting: int  # the seats that can vote: the ones the quorum counts
    vacant: int = 0  # the others: not recused, nobody left who can vote for them

    @property
    def sentence(self) -> Sentence:
        """The count in words, as the decision record states it."""
        said = (
            N_(
                "%(seats)s in the round: %(voting)s entitled to vote, %(recused)s recused, "
                "%(vacant)s with nobody left who can vote"
            )
            if self.vacant
            else N_("%(seats)s in the round: %(voting)s entitled to vote, %(recused)s recused")
        )
        return Sentence(said, **asdict(self))


def seat_count(round_: VotingRound) -> SeatCount:
    """The round's seats: recused, able to vote (as the quorum counts them: a closed round's as
    its kept tally says) and the rest, nobody left who can vote for them."""
    seats = len(round_.members)
    recused = sum(1 for m in round_.members if m.recusal is not None)
    kept = round_.tally if round_.status == RoundStatus.CLOSED else None
    voting = int(kept["entitled"]) if kept else len(counted_members(round_))
    vacant = max(seats - recused - voting, 0)
    return SeatCount(seats=seats, recused=recused, voting=voting, vacant=vacant)


def kept_tally(round_: VotingRound, counted: Tally) -> dict[str, Any]:
    """The tally a round keeps when it closes: its counts, and the seats not recused that nobody
    could vote for then (`vacant`, as `member_key`s), so that its record lists later the seats its
    count says could vote."""
    return counted.as_dict() | {"vacant": [list(key) for key in vacant_keys(round_)]}


def listed_seats(round_: VotingRound, counted: list[Any] | None = None) -> tuple[list, list]:
    """The members the decision record lists as entitled to vote, and those it names apart as
    not counted (`counted`: the round's `counted_members`, when the caller has them). An open
    round's: the seats the quorum counts, then the seats nobody can vote for any more, as its
    seat count says. A closed round's: the seats not recused, those nobody could vote for when
    it closed (as its kept tally says; a round closed before the tally kept them lists none)
    named apart."""
    if round_.status == RoundStatus.CLOSED:
        vacant = {tuple(key) for key in (round_.tally or {}).get("vacant", ())}
        seated = [m for m in round_.members if m.recusal is None]
        return (
            [m for m in seated if member_key(m) not in vacant],
            [m for m in seated if member_key(m) in vacant],
        )
    counted = counted_members(round_) if counted is None else counted
    return counted, uncounted_members(round_, counted)


def uncounted_heading(round_: VotingRound) -> str:
    """How the record names the seats it lists apart (`listed_seats`), as a message to say."""
    return UNCOUNTED_HEADINGS[round_.status == RoundStatus.CLOSED]


def minimum_voting_seats() -> int:
    return int(current_app.config["COMMITTEE_MINIMUM_VOTING_SEATS"])


def few_seats_warning(round_: VotingRound, minimum: int | None = None) -> Sentence | None:
    """The warning when recusals, or seats nobody can vote for any more, leave fewer seats
    able to vote than `minimum` (the configured one by default), else None."""
    minimum = minimum_voting_seats() if minimum is None else minimum
    count = seat_count(round_)
    if count.voting >= minimum or not (count.recused or count.vacant):
        return None
    said = (
        N_(
            "Only %(voting)s of %(seats)s seats can vote in this round: %(recused)s recused, "
            "%(vacant)s with nobody left who can vote. The fund expects at least %(minimum)s "
            "seats to vote on a decision: check with the committee before closing the round."
        )
        if count.vacant
        else N_(
            "Only %(voting)s of %(seats)s seats can vote in this round: %(recused)s recused. "
            "The fund expects at least %(minimum)s seats to vote on a decision: check with the "
            "committee before closing the round."
        )
    )
    return Sentence(said, minimum=minimum, **asdict(count))

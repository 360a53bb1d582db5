"""How many of a round's seats can vote, once the recused are set aside, and the secretariat's
warning when recusals leave fewer than the fund's minimum (COMMITTEE_MINIMUM_VOTING_SEATS).

The quorum rule is not changed by it: the quorum still counts the seats entitled to vote
(README, "Executive Committee review and voting"). A round where two of three seats are recused
meets its quorum with one vote; the warning tells the secretariat so before it closes the
round, and the decision record says how many seats were recused."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from fund.committee.models import VotingRound
from fund.sentences import N_, Sentence


@dataclass(frozen=True)
class SeatCount:
    seats: int  # the seats of the round
    recused: int  # recused from it, automatically or by a declared conflict
    voting: int  # the others: the seats that can vote

    @property
    def sentence(self) -> Sentence:
        """The count in words, as the decision record states it."""
        return Sentence(
            N_("%(seats)s in the round: %(voting)s entitled to vote, %(recused)s recused"),
            seats=self.seats,
            voting=self.voting,
            recused=self.recused,
        )


def seat_count(round_: VotingRound) -> SeatCount:
    seats = len(round_.members)
    recused = sum(1 for m in round_.members if m.recusal is not None)
    return SeatCount(seats=seats, recused=recused, voting=seats - recused)


def minimum_voting_seats() -> int:
    return int(current_app.config["COMMITTEE_MINIMUM_VOTING_SEATS"])


def few_seats_warning(round_: VotingRound, minimum: int | None = None) -> Sentence | None:
    """The warning when recusals leave fewer seats able to vote than `minimum` (the
    configured one by default), else None."""
    minimum = minimum_voting_seats() if minimum is None else minimum
    count = seat_count(round_)
    if not count.recused or count.voting >= minimum:
        return None
    return Sentence(
        N_(
            "Only %(voting)s of %(seats)s seats can vote in this round: %(recused)s recused. "
            "The fund expects at least %(minimum)s seats to vote on a decision: check with the "
            "committee before closing the round."
        ),
        voting=count.voting,
        seats=count.seats,
        recused=count.recused,
        minimum=minimum,
    )

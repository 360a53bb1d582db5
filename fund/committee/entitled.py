"""Who may vote in a round or on a proposal, for the other packages (the notifications ask
`fund.committee.queries`, which gives these names): the committee's own rule, read once."""

from __future__ import annotations

from typing import Any

from fund.accounts.models import User
from fund.committee.models import VotingRound
from fund.proposals.models import Proposal


def _voters(seats: list[Any], proposal: Proposal) -> list[User]:
    """The people who may vote for `seats` on `proposal` now (members and alternates), in id
    order: not those whose own organization takes part in it (`own_conflict`)."""
    from fund.committee.rounds import organization_conflicts
    from fund.committee.seating import can_vote, voters_of

    conflicts = organization_conflicts(proposal)
    found = {
        user.id: user
        for member in seats
        for user in voters_of(member)
        if can_vote(user) and user.organization_id not in conflicts
    }
    return [found[i] for i in sorted(found)]


def entitled_in_round(round_: VotingRound) -> list[User]:
    """The people who may vote in `round_` now, in id order: the members and alternates of
    its seats entitled to vote (not recused), active and still on the committee."""
    from fund.committee.rounds import entitled_members, round_proposal

    return _voters(entitled_members(round_), round_proposal(round_))


def yet_to_vote(round_: VotingRound) -> list[User]:
    """The people who may still vote in `round_`: those of its counted seats (members and
    alternates) whose seat has no vote yet, in id order."""
    from fund.committee.rounds import entitled_members, round_proposal
    from fund.committee.seating import member_key, vote_key

    voted = {vote_key(v) for v in round_.votes}
    return _voters(
        [m for m in entitled_members(round_) if member_key(m) not in voted], round_proposal(round_)
    )


def entitled_to_vote(proposal: Proposal) -> list[User]:
    """The people entitled to vote on `proposal`, in id order: with an open round, those of
    its seats without a recusal; before the round exists, those of the seats its opening
    (`fund.committee.operations.open_round`) will leave without a recusal, that is the seats
    less those of an organization taking part in the proposal and those that declared a
    conflict on it in an earlier round (committee members without a seat get their own)."""
    from types import SimpleNamespace

    from fund.committee.rounds import open_round_of, seats_at_opening
    from fund.committee.seating import current_seats, seated_at_opening

    round_ = open_round_of(proposal.id)
    if round_ is not None:
        return entitled_in_round(round_)
    # Committee members whom no seat names get their own organization's at the opening, one
    # per entity that holds none.
    pending = [
        SimpleNamespace(id=None, organization_id=u.organization_id, voters=[u], user=u)
        for u in seated_at_opening()
    ]
    counted = seats_at_opening(proposal, [*current_seats(), *pending])
    return _voters([SimpleNamespace(seat=c.seat) for c in counted if c.recusal is None], proposal)

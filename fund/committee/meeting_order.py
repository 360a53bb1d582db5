"""The committee meeting's proposals, their order and their figures, read from the indexes.

The meeting's proposals are those of the open rounds and those in committee review without
one. A round is open only while its proposal is in committee review (the committee's receiver
of the proposal's transitions ends it when the proposal leaves) or while it is about a revision
of a funded programme: so every open round is on the meeting, and the rounds' index by deadline
gives the meeting's first pages without sorting every proposal under review. The pages
themselves are `fund.committee.queries.meeting`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select, tuple_, union_all
from sqlalchemy.orm import aliased

from fund.committee.models import ROUNDS_BY_DEADLINE, RoundStatus, VotingRound
from fund.extensions import db
from fund.proposals.models import Proposal
from workflows import REVIEW_STATE


def _without_open_round() -> Any:
    """A proposal in committee review without an open round (its last one closed without
    quorum, and no new one is open yet)."""
    return and_(
        Proposal.status == REVIEW_STATE,
        ~exists().where(
            VotingRound.proposal_id == Proposal.id, VotingRound.status == RoundStatus.OPEN
        ),
    )


def meeting_query(columns: Callable[[Any], tuple]) -> tuple[Select, tuple]:
    """The proposals of the meeting joined to their open round (if any), selecting
    `columns(open_round)`; and the meeting's order: the open rounds in the order of the member's
    lists (the nearest deadline first, rounds without one next, then the oldest round), then
    the proposals in review without an open round, the earliest submitted first."""
    open_round = aliased(VotingRound, name="open_round")
    query = (
        select(*columns(open_round))
        .select_from(Proposal)
        .outerjoin(
            open_round,
            and_(
                open_round.proposal_id == Proposal.id,
                open_round.status == RoundStatus.OPEN,
            ),
        )
        .where(or_(open_round.id.is_not(None), Proposal.status == REVIEW_STATE))
    )
    order = (
        open_round.id.is_(None),
        open_round.deadline.is_(None),
        open_round.deadline,
        open_round.opened_at,
        open_round.id,
        Proposal.submitted_at.is_(None),
        Proposal.submitted_at,
        Proposal.id,
    )
    return query, order


def first_of_meeting(wanted: int, open_rounds: int) -> Select:
    """The ids among which the first `wanted` proposals of the meeting are, read in order from
    the indexes: the first open rounds by deadline, then (only when the page reaches past the
    `open_rounds`) the first proposals without an open round, with a submission date and
    without. Not every proposal under review is sorted at each request."""
    rest = max(0, wanted - open_rounds)
    walks = (
        select(VotingRound.proposal_id.label("id"))
        .where(VotingRound.status == RoundStatus.OPEN)
        .order_by(*ROUNDS_BY_DEADLINE)
        .limit(wanted),
        select(Proposal.id)
        .where(_without_open_round(), Proposal.submitted_at.is_not(None))
        .order_by(Proposal.submitted_at, Proposal.id)
        .limit(rest),
        select(Proposal.id)
        .where(_without_open_round(), Proposal.submitted_at.is_(None))
        .order_by(Proposal.id)
        .limit(rest),
    )
    return union_all(*(select(walk.subquery().c.id) for walk in walks))


def meeting_figures(now: datetime) -> tuple[int, int, int]:
    """(proposals on the meeting, open rounds, open rounds past their deadline): counts read
    from the indexes of the proposals' and the rounds' status, in one statement."""

    def counted(*conditions: Any) -> Any:
        return select(func.count()).where(*conditions).scalar_subquery()

    is_open = VotingRound.status == RoundStatus.OPEN
    in_review, revisions, rounds, past = db.session.execute(
        select(
            counted(Proposal.status == REVIEW_STATE),
            counted(is_open, VotingRound.revision_id.is_not(None)),
            counted(is_open),
            counted(is_open, VotingRound.past_deadline(now)),
        )
    ).one()
    # A round about a revision is on a funded programme: never one in review.
    return in_review + revisions, rounds, past


def _before(theirs: tuple[Any, ...], mine: tuple[Any, ...]) -> Any:
    """Whether a row whose sort keys are `theirs` comes before the row whose keys are `mine`,
    in an order by the first key with NULLs last, then by the others."""
    their_first, mine_first = theirs[0].is_(None), mine[0].is_(None)
    return or_(
        and_(~mine_first, ~their_first, tuple_(*theirs) < tuple_(*mine)),
        and_(mine_first, ~their_first),
        and_(mine_first, their_first, tuple_(*theirs[1:]) < tuple_(*mine[1:])),
    )


def meeting_position(proposal_id: int) -> int | None:
    """Where `proposal_id` stands on the meeting (1 for the first), or None when it is not on
    it: the rows before it counted from the indexes, not every proposal numbered."""
    other, mine = aliased(VotingRound), aliased(VotingRound)
    earlier_rounds = (
        select(func.count(other.id))
        .where(
            other.status == RoundStatus.OPEN,
            _before(
                (other.deadline, other.opened_at, other.id),
                (mine.deadline, mine.opened_at, mine.id),
            ),
        )
        .scalar_subquery()
    )
    found = db.session.execute(
        select(earlier_rounds).where(
            mine.proposal_id == proposal_id, mine.status == RoundStatus.OPEN
        )
    ).scalar()
    if found is not None:
        return found + 1
    them, me = aliased(Proposal), aliased(Proposal)
    earlier_proposals = (
        select(func.count(them.id))
        .where(
            them.status == REVIEW_STATE,
            ~exists().where(
                VotingRound.proposal_id == them.id, VotingRound.status == RoundStatus.OPEN
            ),
            _before((them.submitted_at, them.id), (me.submitted_at, me.id)),
        )
        .scalar_subquery()
    )
    rounds = select(func.count()).where(VotingRound.status == RoundStatus.OPEN).scalar_subquery()
    found = db.session.execute(
        select(rounds + earlier_proposals).where(me.id == proposal_id, me.status == REVIEW_STATE)
    ).scalar()
    return None if found is None else found + 1

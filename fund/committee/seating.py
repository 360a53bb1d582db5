"""Who sits on the committee: its seats, the members and alternates who vote for them, and a
seat's place in a round. Reads only; assigning seats is `fund.committee.seats`.

A round counts seats, not people. A seat votes once: by its member, or by one of its alternates
when the member does not. Who may vote for a seat is asked when they vote: the seat's member and
alternates then, active and holding the committee role. A seat of a round whose people can no
longer vote (the member deactivated or no longer on the committee, and no alternate who can)
stops counting toward the round's quorum, unless its vote was already cast.

A committee member whom no seat names, as member or alternate, now or before, sits for their own
organization: the next round's opening gives them a seat (`seated_at_opening`), unless the
organization holds one already (one seat per entity: they wait to be named an alternate or
handed the seat). Every member had a seat of their own when seats began, so the committee kept
its votes.

The functions reading a round take its members and votes as they are loaded, so that the
workflow's guards also run on plain objects in tests: a member without a seat is counted by
its user, a vote without a seat by its voter.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, exists, or_, select, union
from sqlalchemy.orm import joinedload, selectinload

from fund.accounts.models import Role, User
from fund.accounts.queries import active_holders_of
from fund.committee.models import RoundMember, Seat, SeatAlternate, SeatTerm, Vote, VotingRound
from fund.extensions import db


def can_vote(user: Any) -> bool:
    """Whether the person may vote for a seat now: active, on the committee. (A plain object
    without those attributes, in tests of the guards, may.)"""
    if not getattr(user, "active", True):
        return False
    has_role = getattr(user, "has_role", None)
    return has_role is None or has_role(Role.COMMITTEE)


# A seat in a round -----------------------------------------------------------------------------


def member_key(member: Any) -> tuple[str, int]:
    """The seat of a round's member, or its user for a member without a seat."""
    seat_id = getattr(member, "seat_id", None)
    return ("seat", seat_id) if seat_id is not None else ("user", member.user_id)


def vote_key(vote: Any) -> tuple[str, int]:
    """The seat a vote was cast for, or its voter for a vote without a seat."""
    seat_id = getattr(vote, "seat_id", None)
    return ("seat", seat_id) if seat_id is not None else ("user", vote.member_id)


def voters_of(member: Any) -> list[Any]:
    """Who may vote for the seat of a round's member now: the seat's member and alternates
    (the member of the round alone when it has no seat)."""
    seat = getattr(member, "seat", None)
    if seat is None:
        user = getattr(member, "user", None)
        return [user] if user is not None else []
    return seat.voters


def voter_ids(member: Any) -> set[int]:
    """The ids of `voters_of(member)`, without loading them: nobody for a retired seat."""
    seat = getattr(member, "seat", None)
    if seat is None:
        return {member.user_id}
    return set(seat.voter_ids)


def seat_in_round(round_: VotingRound, user_id: int) -> Any | None:
    """The member of the round whose seat `user_id` may vote for (as its member or an
    alternate), or None."""
    return next((m for m in round_.members if user_id in voter_ids(m)), None)


def seat_vote(round_: VotingRound, member: Any) -> Any | None:
    """The vote cast for the seat of `member` in the round, by whoever cast it."""
    key = member_key(member)
    return next((v for v in round_.votes if vote_key(v) == key), None)


def can_still_vote(member: Any) -> bool:
    """Whether someone may still vote for the seat: a plain member without a user counts."""
    seat = getattr(member, "seat", None)
    if seat is None and getattr(member, "user", None) is None:
        return True
    return any(can_vote(user) for user in voters_of(member))


def counted_members(round_: VotingRound) -> list[Any]:
    """The seats entitled to vote in the round that count toward its quorum: not recused, and
    with a vote cast or someone who may still cast it."""
    voted = {vote_key(v) for v in round_.votes}
    return [
        m
        for m in round_.members
        if m.recusal is None and (member_key(m) in voted or can_still_vote(m))
    ]


def uncounted_members(round_: VotingRound, counted: list[Any] | None = None) -> list[Any]:
    """The seats of the round not recused that nobody can vote for any more, without a vote
    (`counted`: the round's `counted_members`, when the caller has them)."""
    keys = {member_key(m) for m in (counted_members(round_) if counted is None else counted)}
    return [m for m in round_.members if m.recusal is None and member_key(m) not in keys]


def vacant_keys(round_: VotingRound) -> list[tuple[str, int]]:
    return sorted(member_key(m) for m in uncounted_members(round_))


def every_seat_voted(round_: VotingRound, counted: list[Any] | None = None) -> bool:
    """Whether every seat that counts in the round (`counted_members`, when the caller has
    them) has voted, and there is one: what the secretariat is told and its Home lists.
    `every_seat_voted_sql` says the same in SQL."""
    counted = counted_members(round_) if counted is None else counted
    voted = {vote_key(v) for v in round_.votes}
    return bool(counted) and all(member_key(m) in voted for m in counted)


def every_seat_voted_sql(round_id: Any) -> Any:
    """SQL: `every_seat_voted` of the round whose id is `round_id` (a column the statement
    correlates): a seat not recused has voted, and none that is not recused and without a vote
    has someone who may still vote for it (an active committee member: its member, or one of
    its alternates now, the seat not retired)."""
    voters = active_holders_of(Role.COMMITTEE).with_only_columns(User.id)
    voted = exists().where(
        Vote.round_id == RoundMember.round_id, Vote.seat_id == RoundMember.seat_id
    )
    someone = exists().where(
        Seat.id == RoundMember.seat_id,
        Seat.ended_at.is_(None),
        or_(
            Seat.member_id.in_(voters),
            exists().where(
                SeatAlternate.seat_id == Seat.id,
                SeatAlternate.ended_at.is_(None),
                SeatAlternate.user_id.in_(voters),
            ),
        ),
    )
    seats = (RoundMember.round_id == round_id, RoundMember.recusal.is_(None))
    return and_(exists().where(*seats, voted), ~exists().where(*seats, ~voted, someone))


# The committee's seats ----------------------------------------------------------------------------


def _seat_options():
    return (
        joinedload(Seat.member),
        joinedload(Seat.organization),
        selectinload(Seat.alternates).joinedload(SeatAlternate.user),
    )


def current_seats() -> list[Seat]:
    """The seats now (not retired), the chair first, then by entity and member."""
    return list(
        db.session.scalars(
            select(Seat)
            .where(Seat.ended_at.is_(None))
            .options(*_seat_options())
            .order_by(Seat.chair.desc(), Seat.organization_id.is_(None), Seat.id)
        ).unique()
    )


def chair_seat() -> Seat | None:
    return db.session.scalar(
        select(Seat).where(Seat.chair.is_(True), Seat.ended_at.is_(None)).options(*_seat_options())
    )


def seat_of(user_id: int) -> Seat | None:
    """The seat `user_id` holds now as its member, else the one they stand in for."""
    held = db.session.scalar(select(Seat).where(Seat.member_id == user_id, Seat.ended_at.is_(None)))
    if held is not None:
        return held
    return db.session.scalar(
        select(Seat)
        .join(SeatAlternate, SeatAlternate.seat_id == Seat.id)
        .where(SeatAlternate.user_id == user_id, SeatAlternate.ended_at.is_(None))
    )


def seat_ids_of(user_id: int):
    """SQL: the ids of the seats `user_id` may vote for now (held, or stood in for)."""
    return union(
        select(Seat.id).where(Seat.member_id == user_id, Seat.ended_at.is_(None)),
        select(SeatAlternate.seat_id).where(
            SeatAlternate.user_id == user_id, SeatAlternate.ended_at.is_(None)
        ),
    )


def pending_members() -> list[User]:
    """Active committee members whom no seat names, as member or alternate, now or before:
    each sits for their own organization from the next round's opening."""
    named = exists().where(SeatTerm.member_id == User.id)
    standing_in = exists().where(SeatAlternate.user_id == User.id)
    return list(
        db.session.scalars(
            active_holders_of(Role.COMMITTEE).where(~named, ~standing_in).order_by(User.id)
        ).unique()
    )


def seated_at_opening(pending: Iterable[User] | None = None) -> list[User]:
    """The members among `pending` (by default `pending_members`) the next round's opening
    gives a seat: one per entity holding none now, its first member by id (one seat per
    entity, as the seats page assigns them); a member of no organization gets one of their
    own. The others wait for a seat."""
    held = set(db.session.scalars(select(Seat.organization_id).where(Seat.ended_at.is_(None))))
    found = []
    for person in pending_members() if pending is None else pending:
        if person.organization_id is not None:
            if person.organization_id in held:
                continue
            held.add(person.organization_id)
        found.append(person)
    return found


def seats_that_vote(seats: Iterable[Seat]) -> list[Seat]:
    """The seats among `seats` someone may vote for now: those a new round counts."""
    return [seat for seat in seats if any(can_vote(user) for user in seat.voters)]


def votes_by_seat(round_: VotingRound) -> dict[tuple[str, int], Vote]:
    return {vote_key(v): v for v in round_.votes}


def round_member_of_seat(round_: VotingRound, seat_id: int) -> RoundMember | None:
    return next((m for m in round_.members if getattr(m, "seat_id", None) == seat_id), None)

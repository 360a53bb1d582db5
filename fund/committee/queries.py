"""Reading the committee's work for its pages: the member's lists, the meeting view and the
latest decisions, a page at a time.

A round as one viewer may see it (and who sees what) is `fund.committee.visibility`; the
decision record and the secretariat's notes are `fund.committee.record`. The pages and the
other packages read those through this module too (the names imported below).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from fund.accounts.models import Role, User
from fund.changes import COMMITTEE, kept_under
from fund.committee.entitled import entitled_in_round, entitled_to_vote, yet_to_vote
from fund.committee.meeting_order import (
    first_of_meeting,
    meeting_figures,
    meeting_position,
    meeting_query,
)
from fund.committee.models import (
    ROUNDS_BY_DEADLINE,
    VOTE_TIME,
    RoundMember,
    RoundStatus,
    Vote,
    VotingRound,
    under_review,
)
from fund.committee.record import (
    FORWARD_ACTION,
    approval_conditions,
    deciding_meeting,
    forwarding_notes,
    organization_names,
    users_by_id,
    version_of,
)
from fund.committee.rounds import own_conflict, own_conflict_sql
from fund.committee.seating import seat_ids_of
from fund.committee.visibility import (
    RoundView,
    conflict_in_rounds,
    conflict_of,
    conflicted_proposals,
    current_round,
    get_round,
    record_access,
    record_view,
    records_closed_to,
    recusals_by_proposal,
    round_options,
    round_view,
    rounds_of,
    sees_votes,
    with_people,
)
from fund.extensions import db, utcnow
from fund.kept import KeptByKey
from fund.labels import N_
from fund.listing import DESCENDING, Sorting, column
from fund.pagination import (
    PER_PAGE,  # its lists' pages (tests shrink it here)
    Page,
    paging,
)
from fund.proposals.models import Proposal

__all__ = [
    "FORWARD_ACTION",
    "PER_PAGE",
    "MeetingPage",
    "MeetingRow",
    "MemberCounts",
    "RoundRow",
    "RoundView",
    "approval_conditions",
    "conflict_in_rounds",
    "conflict_of",
    "conflicted_proposals",
    "current_round",
    "deciding_meeting",
    "entitled_in_round",
    "entitled_to_vote",
    "forwarding_notes",
    "get_round",
    "meeting",
    "meeting_page_of",
    "member_counts",
    "member_rounds",
    "my_votes",
    "open_round_count",
    "organization_names",
    "recent_decisions",
    "record_access",
    "record_view",
    "records_closed_to",
    "recusals_by_proposal",
    "round_view",
    "rounds_of",
    "seats_now",
    "sees_votes",
    "users_by_id",
    "version_of",
    "yet_to_vote",
]


# Pages of a list ----------------------------------------------------------------------------


T = TypeVar("T")


# The member's lists ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundRow:
    round: VotingRound
    proposal: Proposal
    vote: Vote | None = None
    member: RoundMember | None = None  # the viewer's place in the round (recusals)


def seats_now(user: User) -> tuple[int, ...]:
    """The seats `user` may vote for now (one small statement). The member's lists take them
    as values, so that the planner knows how few of the rounds' places they pick: a page
    with both lists reads them once and gives them to each (`seats=`)."""
    return tuple(db.session.scalars(seat_ids_of(user.id)))


def _open_rounds_of_seat(seats: tuple[int, ...], *, recused: bool, unvoted: bool = False) -> Select:
    """The ids of the open rounds with one of `seats`, recused from them or not (`unvoted`:
    and without the seat's vote).

    The search starts from the open rounds and looks each one's places up on its key: a
    seat's places in every round it ever sat in grow with the fund's history, the open
    rounds with its work."""
    recusal = RoundMember.recusal.is_not(None) if recused else RoundMember.recusal.is_(None)
    place = exists().where(
        RoundMember.round_id == VotingRound.id,
        RoundMember.seat_id.in_(seats),
        recusal,
    )
    if unvoted:
        place = place.where(
            ~exists().where(
                Vote.round_id == RoundMember.round_id, Vote.seat_id == RoundMember.seat_id
            )
        )
    return select(VotingRound.id).where(VotingRound.status == RoundStatus.OPEN, place)


def _awaiting(seats: tuple[int, ...], organization_id: int | None) -> Select:
    """Open rounds with one of `seats`, not recused, without the seat's vote, on nothing the
    person's own organization takes part in (`own_conflict`: they may not vote in them)."""
    query = _open_rounds_of_seat(seats, recused=False, unvoted=True)
    return query.where(~own_conflict_sql(organization_id))


# The nearest deadline first, rounds without a deadline last, then the oldest round: read in
# that order from the index on the rounds' status and deadline.
_BY_DEADLINE = ROUNDS_BY_DEADLINE


@dataclass(frozen=True)
class MemberCounts:
    """The sizes of a member's lists, and the open rounds of the whole committee."""

    awaiting: int
    recused: int
    votes: int
    open_rounds: int


_KEPT_COUNTS: KeptByKey[MemberCounts] = KeptByKey(512)


def member_counts(user: User, seats: tuple[int, ...] | None = None) -> MemberCounts:
    """How many open rounds await the vote of `user`'s seats, how many they are recused from,
    how many votes `user` cast, and how many rounds are open (`seats`: `seats_now(user)`).

    Counting the rounds that await a seat looks at every open round, as many as the
    committee's work; the counts are kept (`fund.changes.kept_under`) while no round, place or
    vote changes, so a page read again is not counted again."""
    seats = seats_now(user) if seats is None else seats

    def counted(query: Select) -> Any:
        return select(func.count()).select_from(query.subquery()).scalar_subquery()

    def make() -> MemberCounts:
        row = db.session.execute(
            select(
                counted(_awaiting(seats, user.organization_id)),
                counted(_open_rounds_of_seat(seats, recused=True)),
                counted(select(Vote.id).where(Vote.member_id == user.id)),
                counted(select(VotingRound.id).where(VotingRound.status == RoundStatus.OPEN)),
            )
        ).one()
        return MemberCounts(*row)

    key = ("member", user.id, user.organization_id, seats)
    return kept_under(COMMITTEE, _KEPT_COUNTS, key, make)


def _one_page(
    ids: Select,
    order: tuple,
    read: Callable[[Any], Select],
    page: int,
    per_page: int,
    total: int,
) -> tuple[list[Any], int, int]:
    """Page `page` of the list whose ids `ids` selects, in `order`, of `total` rows (counted
    or kept by the caller): (rows, total, page). The page is chosen on the narrow rows of
    `ids`, then `read(chosen)` reads it with what each row shows, in one statement."""
    at = paging(total, page, per_page)
    chosen = ids.order_by(*order).limit(per_page).offset(at.offset).subquery()
    return list(db.session.execute(read(chosen))), total, at.page


def _rounds_page(
    ids: Select, total: int, page: int, per_page: int | None, places_of: tuple[int, ...] = ()
) -> Page[RoundRow]:
    """A page of the open rounds `ids` selects, the nearest deadline first, each with its
    proposal (and the place in it of the seat among `places_of`, the seats' recusals)."""
    per_page = per_page or PER_PAGE

    def read(chosen: Any) -> Select:
        query = (
            select(VotingRound, Proposal)
            .join(chosen, chosen.c.id == VotingRound.id)
            .join(Proposal, Proposal.id == VotingRound.proposal_id)
            .order_by(*_BY_DEADLINE)
        )
        if not places_of:
            return query
        return query.add_columns(RoundMember).join(
            RoundMember,
            and_(RoundMember.round_id == VotingRound.id, RoundMember.seat_id.in_(places_of)),
        )

    rows, total, page = _one_page(ids, _BY_DEADLINE, read, page, per_page, total)
    rows = [RoundRow(row[0], row[1], member=row[2] if places_of else None) for row in rows]
    return Page(total, page, per_page, rows=rows)


def member_rounds(
    user: User,
    listed: str,
    page: int = 1,
    per_page: int | None = None,
    seats: tuple[int, ...] | None = None,
    counts: MemberCounts | None = None,
) -> Page[RoundRow]:
    """One of a member's lists of open rounds, the nearest deadline first: `listed` is
    "awaiting" (the rounds where `user` may vote for their seat and nobody has) or "recused"
    (the rounds from which their seat is recused). `seats`: `seats_now(user)`, `counts`:
    `member_counts(user, seats)`, when the caller has read them."""
    seats = seats_now(user) if seats is None else seats
    counts = counts or member_counts(user, seats)
    if listed == "recused":
        recused = _open_rounds_of_seat(seats, recused=True)
        return _rounds_page(recused, counts.recused, page, per_page, places_of=seats)
    return _rounds_page(_awaiting(seats, user.organization_id), counts.awaiting, page, per_page)


# The columns the member's votes sort by; the default: the latest cast or changed first.
VOTE_SORT = {
    "proposal": column(N_("Proposal"), Proposal.id),
    "title": column(N_("Title"), func.lower(Proposal.title)),
    "round": column(N_("Round"), VotingRound.number),
    "choice": column(N_("Your vote"), Vote.choice),
    "cast": column(N_("Cast"), VOTE_TIME, first=DESCENDING),
    "status": column(N_("Round status"), VotingRound.status, VotingRound.outcome),
}
VOTE_DEFAULT_SORT = ("cast", DESCENDING)


def _vote_order(sorting: Sorting | None) -> tuple:
    if sorting is None:
        return (VOTE_TIME.desc(), Vote.id.desc())
    return tuple(sorting.order_by(Vote.id))


# The orders read from the votes alone: their ids are chosen on the index of the member's votes
# by time (`ix_votes_member_time`), as far as the page shown, without the rounds and proposals.
_VOTE_ONLY_SORTS = frozenset({"cast", "choice"})


def _votes_of(user: User, sorting: Sorting | None = None) -> Select:
    votes = select(Vote.id).where(Vote.member_id == user.id)
    if sorting is None or sorting.key in _VOTE_ONLY_SORTS:
        return votes
    return votes.join(VotingRound, VotingRound.id == Vote.round_id).join(
        Proposal, Proposal.id == VotingRound.proposal_id
    )


def _read_votes(chosen: Any, order: tuple) -> Select:
    return (
        select(Vote, VotingRound, Proposal)
        .join(chosen, chosen.c.id == Vote.id)
        .join(VotingRound, VotingRound.id == Vote.round_id)
        .join(Proposal, Proposal.id == VotingRound.proposal_id)
        .order_by(*order)
    )


def my_votes(
    user: User,
    page: int = 1,
    per_page: int | None = None,
    sorting: Sorting | None = None,
    counts: MemberCounts | None = None,
) -> Page[RoundRow]:
    """The votes `user` cast, in `sorting`'s order (by default the latest cast or changed
    first), with their rounds (`counts`: `member_counts(user)`, when the caller has read
    them)."""
    per_page = per_page or PER_PAGE
    order = _vote_order(sorting)
    counts = counts or member_counts(user)
    rows, total, page = _one_page(
        _votes_of(user, sorting),
        order,
        lambda chosen: _read_votes(chosen, order),
        page,
        per_page,
        total=counts.votes,
    )
    return Page(total, page, per_page, rows=[RoundRow(r, p, v) for v, r, p in rows])


def my_votes_view(user: User, sorting: Sorting) -> list[RoundRow]:
    """Every vote of `user` in the list's order (all pages), for an export: one query."""
    order = _vote_order(sorting)
    chosen = _votes_of(user, sorting).subquery()
    return [RoundRow(r, p, v) for v, r, p in db.session.execute(_read_votes(chosen, order))]


def open_round_count() -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(VotingRound)
            .where(VotingRound.status == RoundStatus.OPEN)
        )
        or 0
    )


# The meeting ---------------------------------------------------------------------------------


@dataclass
class MeetingRow:
    proposal: Proposal
    view: RoundView | None  # the open round, else the latest one
    round_count: int
    opens_record: bool = False  # the viewer may open that round's decision record

    @property
    def can_open_round(self) -> bool:
        return under_review(self.proposal) and (self.view is None or not self.view.is_open)

    @property
    def can_return(self) -> bool:
        """As `return_for_revision` allows: the proposal is under review."""
        return under_review(self.proposal)


@dataclass
class MeetingPage(Page[MeetingRow]):
    """One page of the meeting; the figures count every proposal under review."""

    open_rounds: int = 0
    past_deadline: int = 0

    @property
    def without_open_round(self) -> int:
        return self.count - self.open_rounds


def meeting_page_of(proposal_id: int, per_page: int | None = None) -> int | None:
    """The page of the meeting that shows `proposal_id`, or None when it is not under review."""
    position = meeting_position(proposal_id)
    return None if position is None else (position - 1) // (per_page or PER_PAGE) + 1


def meeting(
    user: User,
    *,
    visible_before_own_vote: bool,
    page: int = 1,
    per_page: int | None = None,
    now: datetime | None = None,
) -> MeetingPage:
    """One page of the proposals in committee review, each with its current round as `user`
    may see it, and the figures of all of them."""
    per_page = per_page or PER_PAGE
    now = now or utcnow()
    total, open_rounds, past_deadline = meeting_figures(now)
    at = paging(total, page, per_page)

    # The page's ids are chosen from narrow rows; only those proposals are read in full.
    query, order = meeting_query(lambda _: (Proposal.id.label("id"),))
    chosen = (
        query.where(Proposal.id.in_(first_of_meeting(at.offset + per_page, open_rounds)))
        .add_columns(func.row_number().over(order_by=order).label("position"))
        .order_by(*order)
        .limit(per_page)
        .offset(at.offset)
        .subquery("chosen")
    )
    proposals = list(
        db.session.scalars(
            select(Proposal)
            .join(chosen, chosen.c.id == Proposal.id)
            .options(
                joinedload(Proposal.organization),
                joinedload(Proposal.lead_organization),
                selectinload(Proposal.participants),
            )
            .order_by(chosen.c.position)
        )
    )
    ids = [p.id for p in proposals]

    # The current round of each proposal of the page (the open one, else the latest) with its
    # members and votes, and how many rounds the proposal had.
    other = aliased(VotingRound)
    latest = (
        select(func.max(other.number))
        .where(other.proposal_id == VotingRound.proposal_id)
        .scalar_subquery()
    )
    count = (
        select(func.count(other.id))
        .where(other.proposal_id == VotingRound.proposal_id)
        .scalar_subquery()
    )
    current: dict[int, VotingRound] = {}
    counts: dict[int, int] = {}
    for round_, rounds in db.session.execute(
        select(VotingRound, count)
        .where(
            VotingRound.proposal_id.in_(ids),
            or_(VotingRound.status == RoundStatus.OPEN, VotingRound.number == latest),
        )
        .options(*round_options())
    ):
        counts[round_.proposal_id] = rounds
        if round_.status == RoundStatus.OPEN or round_.proposal_id not in current:
            current[round_.proposal_id] = round_
    with_people(list(current.values()))
    # The viewer's conflicts: their organization takes part, or they were recused from any
    # round of the proposal (one query for the page).
    recused = recusals_by_proposal(user, set(ids))

    rows = []
    for proposal in proposals:
        round_ = current.get(proposal.id)
        view, opens_record = None, False
        if round_ is not None:
            conflict = own_conflict(user, proposal) or recused.get(proposal.id)
            view = round_view(
                round_,
                user,
                proposal,
                visible_before_own_vote=visible_before_own_vote,
                now=now,
                conflict=conflict,
            )
            opens_record = record_access(user, round_, proposal, conflict=conflict)[0]
        rows.append(MeetingRow(proposal, view, counts.get(proposal.id, 0), opens_record))
    return MeetingPage(
        total, at.page, per_page, rows=rows, open_rounds=open_rounds, past_deadline=past_deadline
    )


def recent_decisions(user: User, limit: int = 20) -> list[RoundRow]:
    """The latest closed rounds whose record `user` may open. The secretariat may open every
    one: its list needs no organizations (a committee member's needs them for the conflicts)."""
    secretariat = user.has_role(Role.SECRETARIAT)
    query = (
        select(VotingRound, Proposal)
        .join(Proposal, Proposal.id == VotingRound.proposal_id)
        .where(VotingRound.status == RoundStatus.CLOSED)
        .order_by(VotingRound.closed_at.desc(), VotingRound.id.desc())
        .limit(limit)
    )
    if not secretariat:
        query = query.options(
            joinedload(Proposal.organization),
            joinedload(Proposal.lead_organization),
            selectinload(Proposal.participants),
        )
    rows = [RoundRow(r, p) for r, p in db.session.execute(query)]
    if secretariat:
        return rows
    # conflict_of for every row, in one query rather than one per row.
    recused = recusals_by_proposal(user, {row.proposal.id for row in rows})

    def conflicted(proposal: Proposal) -> bool:
        return own_conflict(user, proposal) is not None or proposal.id in recused

    return [row for row in rows if not conflicted(row.proposal)]

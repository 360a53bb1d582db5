"""Reading the committee's work: rounds as one viewer may see them, the member's lists, the
meeting view and the decision record.

Who sees what in a round:

- the secretariat sees everything;
- a committee member with a conflict on the proposal (their organization takes part in it, or
  they were recused from any of its rounds) never sees the others' votes, comments or tally;
- any other committee member sees the votes of a closed round; in an open round they see them
  once they have voted themselves, or always when COMMITTEE_VOTES_VISIBLE_BEFORE_OWN_VOTE is
  set, and only if they are a member of that round;
- the applicant sees the outcome, the committee's summary and the conditions of a closed round
  of their own proposal, never the individual votes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from fund.accounts.models import Organization, Role, User
from fund.audit.models import AuditEvent
from fund.committee.models import Choice, RoundMember, RoundStatus, Vote, VotingRound
from fund.committee.rounds import (
    REVIEW_STATE,
    fingerprint,
    organization_conflicts,
    round_tally,
)
from fund.committee.tally import Tally
from fund.extensions import db, utcnow
from fund.pagination import Paging, clamp_page
from fund.proposals.models import Proposal, ProposalVersion, proposal_participants


def _round_options():
    # The members and voters of all rounds are a few committee members: their users are
    # loaded once each (selectin), not joined again to every member and vote row.
    return (
        selectinload(VotingRound.members)
        .selectinload(RoundMember.user)
        .joinedload(User.organization),
        selectinload(VotingRound.votes).selectinload(Vote.member),
    )


def get_round(round_id: int) -> VotingRound | None:
    return db.session.scalar(
        select(VotingRound).where(VotingRound.id == round_id).options(*_round_options())
    )


def rounds_of(proposal_id: int) -> list[VotingRound]:
    return list(
        db.session.scalars(
            select(VotingRound)
            .where(VotingRound.proposal_id == proposal_id)
            .options(*_round_options())
            .order_by(VotingRound.number)
        )
    )


def current_round(rounds: list[VotingRound]) -> VotingRound | None:
    """The open round, else the latest one."""
    for round_ in rounds:
        if round_.status == RoundStatus.OPEN:
            return round_
    return rounds[-1] if rounds else None


def conflict_of(user: User, proposal: Proposal) -> str | None:
    """Why `user` has a conflict of interest on `proposal`, or None."""
    if user.organization_id is not None:
        reason = organization_conflicts(proposal).get(user.organization_id)
        if reason:
            return reason
    return db.session.scalar(
        select(RoundMember.recusal_reason)
        .join(VotingRound, VotingRound.id == RoundMember.round_id)
        .where(
            VotingRound.proposal_id == proposal.id,
            RoundMember.user_id == user.id,
            RoundMember.recusal.is_not(None),
        )
        .order_by(VotingRound.number.desc())
        .limit(1)
    )


def conflict_in_rounds(user: User, proposal: Proposal, rounds: list[VotingRound]) -> str | None:
    """`conflict_of` computed without a query, from the proposal (with its organizations) and
    all of its rounds already loaded with their members: for pages that list many proposals."""
    if user.organization_id is not None:
        reason = organization_conflicts(proposal).get(user.organization_id)
        if reason:
            return reason
    for round_ in sorted(rounds, key=lambda r: r.number, reverse=True):
        for member in round_.members:
            if member.user_id == user.id and member.recusal is not None:
                return member.recusal_reason
    return None


def recusals_by_proposal(user: User, proposal_ids: set[int]) -> dict[int, str]:
    """The reason of `user`'s latest recusal on each of the proposals (one query)."""
    if not proposal_ids:
        return {}
    rows = db.session.execute(
        select(VotingRound.proposal_id, RoundMember.recusal_reason)
        .join(VotingRound, VotingRound.id == RoundMember.round_id)
        .where(
            VotingRound.proposal_id.in_(proposal_ids),
            RoundMember.user_id == user.id,
            RoundMember.recusal.is_not(None),
        )
        .order_by(VotingRound.number.desc())
    )
    found: dict[int, str] = {}
    for proposal_id, reason in rows:
        found.setdefault(proposal_id, reason)
    return found


def sees_votes(
    round_: VotingRound,
    user: User,
    member: RoundMember | None,
    my_vote: Vote | None,
    conflict: str | None,
    visible_before_own_vote: bool,
) -> bool:
    """Whether `user` may see the other members' votes, comments and the tally of `round_`."""
    if user.has_role(Role.SECRETARIAT):
        return True
    if not user.has_role(Role.COMMITTEE) or conflict is not None:
        return False
    if round_.status == RoundStatus.CLOSED:
        return True
    if member is None or member.recusal is not None:
        return False
    return my_vote is not None or visible_before_own_vote


def record_access(
    user: User,
    round_: VotingRound,
    proposal: Proposal,
    *,
    conflict: str | None = None,
    conflict_known: bool = False,
) -> tuple[bool, bool]:
    """(may open the decision record of `round_`, sees it in full).

    The secretariat sees every record in full; a committee member without a conflict on the
    proposal sees the whole record once the round is closed; the applicant organization sees
    the outcome, the summary and the conditions of a closed round. Nobody else opens it, so no
    page links to it for them."""
    if user.has_role(Role.SECRETARIAT):
        return True, True
    closed = round_.status == RoundStatus.CLOSED
    if not closed:
        return False, False
    if user.has_role(Role.COMMITTEE):
        if not conflict_known:
            conflict = conflict_of(user, proposal)
        if conflict is None:
            return True, True
    applicant_may = (
        user.has_role(Role.APPLICANT) and user.organization_id == proposal.organization_id
    )
    return applicant_may, False


def conflicted_proposals(user: User, proposals: list[Proposal]) -> set[int]:
    """The ids of `proposals` on which `user` has a conflict (`conflict_of`): their
    organization submits, leads or takes part in it, or they were recused from one of its
    rounds. Two queries, whatever the number of proposals."""
    if not proposals:
        return set()
    ids = {p.id for p in proposals}
    found = set(recusals_by_proposal(user, ids))
    organization = user.organization_id
    if organization is not None:
        takes_part = exists().where(
            proposal_participants.c.proposal_id == Proposal.id,
            proposal_participants.c.organization_id == organization,
        )
        found.update(
            db.session.scalars(
                select(Proposal.id).where(
                    Proposal.id.in_(ids),
                    or_(
                        Proposal.organization_id == organization,
                        Proposal.lead_organization_id == organization,
                        takes_part,
                    ),
                )
            )
        )
    return found


def records_closed_to(user: User, round_ids: set[int]) -> set[int]:
    """The ids among `round_ids` whose decision record `user` may not open (now: a conflict
    may have been declared since), for pages that link to records by round (notifications)."""
    if not round_ids or user.has_role(Role.SECRETARIAT):
        return set()
    rows = list(
        db.session.execute(
            select(VotingRound, Proposal)
            .join(Proposal, Proposal.id == VotingRound.proposal_id)
            .where(VotingRound.id.in_(round_ids))
        )
    )
    conflicted = conflicted_proposals(user, [proposal for _, proposal in rows])
    closed = set(round_ids) - {round_.id for round_, _ in rows}  # rounds that no longer exist
    for round_, proposal in rows:
        conflict = "conflict" if proposal.id in conflicted else None
        if not record_access(user, round_, proposal, conflict=conflict, conflict_known=True)[0]:
            closed.add(round_.id)
    return closed


@dataclass
class RoundView:
    """One round as one viewer may see it."""

    round: VotingRound
    tally: Tally
    member: RoundMember | None  # the viewer's place in the round
    my_vote: Vote | None
    conflict: str | None  # the viewer's conflict on the proposal
    sees_votes: bool
    deadline_passed: bool
    fingerprint: str
    entitled: list[RoundMember] = field(default_factory=list)
    recused: list[RoundMember] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.round.status == RoundStatus.OPEN

    @property
    def is_recused(self) -> bool:
        return self.conflict is not None or (
            self.member is not None and self.member.recusal is not None
        )

    @property
    def recusal_reason(self) -> str:
        """Why the viewer is recused ("" when they are not)."""
        if self.conflict is not None:
            return self.conflict
        if self.member is not None and self.member.recusal is not None:
            return self.member.recusal_reason
        return ""

    @property
    def shows_recusal_only(self) -> bool:
        """Whether the viewer sees nothing of the round but that they are recused: no counts,
        quorum, tally, votes or comments."""
        return self.is_recused and not self.sees_votes

    @property
    def can_vote(self) -> bool:
        return (
            self.is_open
            and self.member is not None
            and self.member.recusal is None
            and not self.deadline_passed
        )

    @property
    def can_declare(self) -> bool:
        return self.is_open and self.member is not None and self.member.recusal is None

    @property
    def others_votes(self) -> list[Vote]:
        """The other members' votes, empty unless the viewer may see them."""
        if not self.sees_votes:
            return []
        return [
            v for v in self.round.votes if self.member is None or v.member_id != self.member.user_id
        ]

    @property
    def not_voted(self) -> list[RoundMember]:
        voted = {v.member_id for v in self.round.votes}
        return [m for m in self.entitled if m.user_id not in voted]


def round_view(
    round_: VotingRound,
    user: User,
    proposal: Proposal,
    *,
    visible_before_own_vote: bool,
    now: datetime | None = None,
    conflict: str | None = None,
    conflict_known: bool = False,
) -> RoundView:
    now = now or utcnow()
    user_id = user.id  # read once: `user` is often the request's current_user proxy
    member = next((m for m in round_.members if m.user_id == user_id), None)
    my_vote = next((v for v in round_.votes if v.member_id == user_id), None)
    if not conflict_known:
        conflict = conflict_of(user, proposal)
    counted = (
        Tally(**round_.tally)
        if round_.status == RoundStatus.CLOSED and round_.tally
        else round_tally(round_)
    )
    return RoundView(
        round=round_,
        tally=counted,
        member=member,
        my_vote=my_vote,
        conflict=conflict,
        sees_votes=sees_votes(round_, user, member, my_vote, conflict, visible_before_own_vote),
        deadline_passed=round_.deadline is not None and now > round_.deadline,
        fingerprint=fingerprint(round_),
        entitled=[m for m in round_.members if m.recusal is None],
        recused=[m for m in round_.members if m.recusal is not None],
    )


# Pages of a list ----------------------------------------------------------------------------

PER_PAGE = 25

T = TypeVar("T")


@dataclass
class Page(Paging, Generic[T]):
    """One page of a list; `count` counts the whole list (SQL COUNT)."""

    rows: list[T] = field(default_factory=list)


def _count(query: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


# The member's lists ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundRow:
    round: VotingRound
    proposal: Proposal
    vote: Vote | None = None
    member: RoundMember | None = None  # the viewer's place in the round (recusals)


def _awaiting(user: User) -> Select:
    voted = exists().where(Vote.round_id == VotingRound.id, Vote.member_id == user.id)
    return (
        select(VotingRound.id)
        .join(RoundMember, RoundMember.round_id == VotingRound.id)
        .where(
            VotingRound.status == RoundStatus.OPEN,
            RoundMember.user_id == user.id,
            RoundMember.recusal.is_(None),
            ~voted,
        )
    )


# The nearest deadline first, rounds without a deadline last, then the oldest round.
_BY_DEADLINE = (
    VotingRound.deadline.is_(None),
    VotingRound.deadline,
    VotingRound.opened_at,
    VotingRound.id,
)


def _one_page(
    ids: Select,
    order: tuple,
    read: Callable[[Any], Select],
    page: int,
    per_page: int,
    total: int | None = None,
) -> tuple[list[Any], int, int]:
    """Page `page` of the list whose ids `ids` selects, in `order`: (rows, total, page).

    The page is chosen on the narrow rows of `ids`, then `read(chosen)` reads it with what each
    row shows, in one statement. Without `total` (a COUNT the caller made), that statement also
    brings the list's total, a window count over every row before the LIMIT: no COUNT of its
    own. Only a page past the end then costs a COUNT and a second read, of the last page."""

    def fetch(number: int, counting: bool) -> list[Any]:
        chosen = (
            (ids.add_columns(func.count().over().label("total")) if counting else ids)
            .order_by(*order)
            .limit(per_page)
            .offset((number - 1) * per_page)
            .subquery()
        )
        query = read(chosen)
        return list(db.session.execute(query.add_columns(chosen.c.total) if counting else query))

    if total is None:
        rows = fetch(page, counting=True)
        if rows or page == 1:
            return [tuple(row)[:-1] for row in rows], rows[0][-1] if rows else 0, page
        total = _count(ids)
    page = clamp_page(page, total, per_page)
    return fetch(page, counting=False), total, page


def awaiting_vote(user: User, page: int = 1, per_page: int | None = None) -> Page[RoundRow]:
    """Open rounds where `user` may vote and has not: the nearest deadline first."""
    per_page = per_page or PER_PAGE
    rows, total, page = _one_page(
        _awaiting(user),
        _BY_DEADLINE,
        lambda chosen: (
            select(VotingRound, Proposal)
            .join(chosen, chosen.c.id == VotingRound.id)
            .join(Proposal, Proposal.id == VotingRound.proposal_id)
            .order_by(*_BY_DEADLINE)
        ),
        page,
        per_page,
    )
    return Page(total, page, per_page, rows=[RoundRow(r, p) for r, p in rows])


def my_votes(user: User, page: int = 1, per_page: int | None = None) -> Page[RoundRow]:
    """The votes `user` cast, the latest cast or changed first, with their rounds."""
    per_page = per_page or PER_PAGE
    latest = (func.coalesce(Vote.changed_at, Vote.cast_at).desc(), Vote.id.desc())
    votes = select(Vote.id).where(Vote.member_id == user.id)
    # Counted on the index of the member's votes: cheaper here than a window count over them.
    rows, total, page = _one_page(
        votes,
        latest,
        lambda chosen: (
            select(Vote, VotingRound, Proposal)
            .join(chosen, chosen.c.id == Vote.id)
            .join(VotingRound, VotingRound.id == Vote.round_id)
            .join(Proposal, Proposal.id == VotingRound.proposal_id)
            .order_by(*latest)
        ),
        page,
        per_page,
        total=_count(votes),
    )
    return Page(total, page, per_page, rows=[RoundRow(r, p, v) for v, r, p in rows])


def my_recusals(user: User, page: int = 1, per_page: int | None = None) -> Page[RoundRow]:
    """Open rounds from which `user` is recused: the nearest deadline first."""
    per_page = per_page or PER_PAGE
    rows, total, page = _one_page(
        select(VotingRound.id)
        .join(RoundMember, RoundMember.round_id == VotingRound.id)
        .where(
            VotingRound.status == RoundStatus.OPEN,
            RoundMember.user_id == user.id,
            RoundMember.recusal.is_not(None),
        ),
        _BY_DEADLINE,
        lambda chosen: (
            select(VotingRound, Proposal, RoundMember)
            .join(chosen, chosen.c.id == VotingRound.id)
            .join(
                RoundMember,
                and_(RoundMember.round_id == VotingRound.id, RoundMember.user_id == user.id),
            )
            .join(Proposal, Proposal.id == VotingRound.proposal_id)
            .order_by(*_BY_DEADLINE)
        ),
        page,
        per_page,
    )
    return Page(total, page, per_page, rows=[RoundRow(r, p, member=m) for r, p, m in rows])


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

    @property
    def can_open_round(self) -> bool:
        return self.proposal.status == REVIEW_STATE and (self.view is None or not self.view.is_open)


@dataclass
class MeetingPage(Page[MeetingRow]):
    """One page of the meeting; the figures count every proposal under review."""

    open_rounds: int = 0
    past_deadline: int = 0

    @property
    def without_open_round(self) -> int:
        return self.count - self.open_rounds


def _meeting_query(columns: Callable[[Any], tuple]) -> tuple[Select, tuple]:
    """Proposals in committee review joined to their open round (if any), selecting
    `columns(open_round)`; and the meeting's order: the rounds closing soonest first, open
    rounds without a deadline next, proposals without an open round last; then the earliest
    submitted."""
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
        .where(Proposal.status == REVIEW_STATE)
    )
    order = (
        open_round.id.is_(None),
        open_round.deadline.is_(None),
        open_round.deadline,
        Proposal.submitted_at.is_(None),
        Proposal.submitted_at,
        Proposal.id,
    )
    return query, order


def meeting_page_of(proposal_id: int, per_page: int | None = None) -> int | None:
    """The page of the meeting that shows `proposal_id`, or None when it is not under review."""
    per_page = per_page or PER_PAGE
    query, order = _meeting_query(lambda _: (Proposal.id,))
    numbered = query.add_columns(func.row_number().over(order_by=order).label("position"))
    ranked = numbered.subquery()
    position = db.session.scalar(select(ranked.c.position).where(ranked.c.id == proposal_id))
    return None if position is None else (position - 1) // per_page + 1


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
    figures, _ = _meeting_query(
        lambda open_round: (
            func.count(Proposal.id),
            func.count(open_round.id),
            func.coalesce(func.sum(case((open_round.deadline < now, 1), else_=0)), 0),
        )
    )
    total, open_rounds, past_deadline = db.session.execute(figures).one()
    page = clamp_page(page, total, per_page)

    # The page's ids are chosen from narrow rows; only those proposals are read in full.
    query, order = _meeting_query(lambda _: (Proposal.id.label("id"),))
    chosen = (
        query.add_columns(func.row_number().over(order_by=order).label("position"))
        .order_by(*order)
        .limit(per_page)
        .offset((page - 1) * per_page)
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
        .options(selectinload(VotingRound.members), selectinload(VotingRound.votes))
    ):
        counts[round_.proposal_id] = rounds
        if round_.status == RoundStatus.OPEN or round_.proposal_id not in current:
            current[round_.proposal_id] = round_
    # The viewer's conflicts: their organization takes part, or they were recused from any
    # round of the proposal (one query for the page).
    recused = recusals_by_proposal(user, set(ids))

    rows = []
    for proposal in proposals:
        round_ = current.get(proposal.id)
        view = None
        if round_ is not None:
            conflict = None
            if user.organization_id is not None:
                conflict = organization_conflicts(proposal).get(user.organization_id)
            view = round_view(
                round_,
                user,
                proposal,
                visible_before_own_vote=visible_before_own_vote,
                now=now,
                conflict=conflict or recused.get(proposal.id),
                conflict_known=True,
            )
        rows.append(MeetingRow(proposal, view, counts.get(proposal.id, 0)))
    return MeetingPage(
        total, page, per_page, rows=rows, open_rounds=open_rounds, past_deadline=past_deadline
    )


def recent_decisions(user: User, limit: int = 20) -> list[RoundRow]:
    """The latest closed rounds whose record `user` may open."""
    query = (
        select(VotingRound, Proposal)
        .join(Proposal, Proposal.id == VotingRound.proposal_id)
        .where(VotingRound.status == RoundStatus.CLOSED)
        .options(
            joinedload(Proposal.organization),
            joinedload(Proposal.lead_organization),
            selectinload(Proposal.participants),
        )
        .order_by(VotingRound.closed_at.desc(), VotingRound.id.desc())
        .limit(limit)
    )
    rows = [RoundRow(r, p) for r, p in db.session.execute(query)]
    if user.has_role(Role.SECRETARIAT):
        return rows
    # conflict_of for every row, in one query rather than one per row.
    recused = recusals_by_proposal(user, {row.proposal.id for row in rows})
    organization = user.organization_id

    def conflicted(proposal: Proposal) -> bool:
        if organization is not None and organization in organization_conflicts(proposal):
            return True
        return proposal.id in recused

    return [row for row in rows if not conflicted(row.proposal)]


# The secretariat's notes ----------------------------------------------------------------------

FORWARD_ACTION = "forward_to_committee"


def forwarding_notes(proposal_id: int) -> list[Any]:
    """The notes the secretariat wrote for the committee when forwarding the proposal, the
    latest first: rows of (occurred_at, actor_name, comment)."""
    return list(
        db.session.execute(
            select(AuditEvent.occurred_at, AuditEvent.actor_name, AuditEvent.comment)
            .where(
                AuditEvent.subject_type == "proposal",
                AuditEvent.subject_id == str(proposal_id),
                AuditEvent.action == FORWARD_ACTION,
                AuditEvent.comment.is_not(None),
                AuditEvent.comment != "",
            )
            .order_by(AuditEvent.id.desc())
        )
    )


# The decision record ------------------------------------------------------------------------


def version_of(proposal_id: int, number: int) -> ProposalVersion | None:
    return db.session.scalar(
        select(ProposalVersion)
        .where(ProposalVersion.proposal_id == proposal_id, ProposalVersion.number == number)
        .options(joinedload(ProposalVersion.submitted_by))
    )


def users_by_id(ids: set[int | None]) -> dict[int, User]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(wanted)))}


def organization_names(ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = db.session.execute(
        select(Organization.id, Organization.acronym, Organization.name).where(
            Organization.id.in_(wanted)
        )
    )
    return {row.id: row.acronym or row.name for row in rows}


def approval_conditions(round_: VotingRound) -> list[str]:
    """The conditions attached to votes to approve, without their authors, in text order."""
    return sorted(
        {
            v.conditions.strip()
            for v in round_.votes
            if v.choice == Choice.APPROVE and (v.conditions or "").strip()
        }
    )


# Who may vote, for the other packages (notifications) -------------------------------------------


def entitled_in_round(round_: VotingRound) -> list[User]:
    """The members of `round_` entitled to vote in it (not recused) who are still active
    members of the committee, in id order."""
    from fund.committee.rounds import committee_members, entitled_members

    entitled = {member.user_id for member in entitled_members(round_)}
    return [user for user in committee_members() if user.id in entitled]


def entitled_to_vote(proposal: Proposal) -> list[User]:
    """The active committee members entitled to vote on `proposal`, in id order: with an open
    round, its members without a recusal; before the round exists, those its opening
    (`fund.committee.operations.open_round`) will leave without a recusal, that is the members
    less those of an organization taking part in the proposal and those who declared a
    conflict on it in an earlier round."""
    from fund.committee.rounds import committee_members, declared_conflicts, open_round_of

    round_ = open_round_of(proposal.id)
    if round_ is not None:
        return entitled_in_round(round_)
    conflicts = organization_conflicts(proposal)
    declared = declared_conflicts(proposal.id)
    return [
        user
        for user in committee_members()
        if user.organization_id not in conflicts and user.id not in declared
    ]

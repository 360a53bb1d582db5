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

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import exists, func, select
from sqlalchemy.orm import joinedload, selectinload

from fund.accounts.models import Organization, Role, User
from fund.committee.models import Choice, RoundMember, RoundStatus, Vote, VotingRound
from fund.committee.operations import (
    REVIEW_STATE,
    fingerprint,
    organization_conflicts,
    round_tally,
)
from fund.committee.tally import Tally
from fund.extensions import db, utcnow
from fund.proposals.models import Proposal, ProposalVersion


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
    member = next((m for m in round_.members if m.user_id == user.id), None)
    my_vote = next((v for v in round_.votes if v.member_id == user.id), None)
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


# The member's lists ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundRow:
    round: VotingRound
    proposal: Proposal
    vote: Vote | None = None


def awaiting_vote(user: User) -> list[RoundRow]:
    """Open rounds where `user` may vote and has not: the nearest deadline first."""
    voted = exists().where(Vote.round_id == VotingRound.id, Vote.member_id == user.id)
    query = (
        select(VotingRound, Proposal)
        .join(RoundMember, RoundMember.round_id == VotingRound.id)
        .join(Proposal, Proposal.id == VotingRound.proposal_id)
        .where(
            VotingRound.status == RoundStatus.OPEN,
            RoundMember.user_id == user.id,
            RoundMember.recusal.is_(None),
            ~voted,
        )
        .order_by(VotingRound.deadline.is_(None), VotingRound.deadline, VotingRound.opened_at)
    )
    return [RoundRow(r, p) for r, p in db.session.execute(query)]


def my_votes(user: User, limit: int = 50) -> list[RoundRow]:
    """The votes `user` cast, the latest first, with their rounds."""
    query = (
        select(Vote, VotingRound, Proposal)
        .join(VotingRound, VotingRound.id == Vote.round_id)
        .join(Proposal, Proposal.id == VotingRound.proposal_id)
        .where(Vote.member_id == user.id)
        .order_by(func.coalesce(Vote.changed_at, Vote.cast_at).desc(), Vote.id.desc())
        .limit(limit)
    )
    return [RoundRow(r, p, v) for v, r, p in db.session.execute(query)]


def my_recusals(user: User) -> list[tuple[RoundRow, RoundMember]]:
    """Open rounds from which `user` is recused."""
    query = (
        select(VotingRound, Proposal, RoundMember)
        .join(RoundMember, RoundMember.round_id == VotingRound.id)
        .join(Proposal, Proposal.id == VotingRound.proposal_id)
        .where(
            VotingRound.status == RoundStatus.OPEN,
            RoundMember.user_id == user.id,
            RoundMember.recusal.is_not(None),
        )
        .order_by(VotingRound.opened_at)
    )
    return [(RoundRow(r, p), m) for r, p, m in db.session.execute(query)]


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


def meeting(
    user: User, *, visible_before_own_vote: bool, now: datetime | None = None
) -> list[MeetingRow]:
    """Every proposal in committee review with its current round, as `user` may see it."""
    now = now or utcnow()
    proposals = list(
        db.session.scalars(
            select(Proposal)
            .where(Proposal.status == REVIEW_STATE)
            .options(
                joinedload(Proposal.organization),
                joinedload(Proposal.lead_organization),
                selectinload(Proposal.participants),
            )
            .order_by(Proposal.submitted_at, Proposal.id)
        )
    )
    by_proposal: dict[int, list[VotingRound]] = {p.id: [] for p in proposals}
    if proposals:
        for round_ in db.session.scalars(
            select(VotingRound)
            .where(VotingRound.proposal_id.in_(by_proposal))
            .options(*_round_options())
            .order_by(VotingRound.number)
        ):
            by_proposal[round_.proposal_id].append(round_)
    rows = []
    for proposal in proposals:
        rounds = by_proposal[proposal.id]
        current = current_round(rounds)
        view = (
            round_view(
                current,
                user,
                proposal,
                visible_before_own_vote=visible_before_own_vote,
                now=now,
                conflict=conflict_in_rounds(user, proposal, rounds),
                conflict_known=True,
            )
            if current is not None
            else None
        )
        rows.append(MeetingRow(proposal, view, len(rounds)))
    # The rounds closing soonest first; proposals without an open round last.
    rows.sort(
        key=lambda row: (
            row.view is None or not row.view.is_open,
            row.view is None or row.view.round.deadline is None,
            row.view.round.deadline if row.view and row.view.round.deadline else now,
        )
    )
    return rows


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

"""Rounds as one viewer may see them: loading a proposal's rounds, the viewer's conflicts of
interest, whether they see the votes or open the decision record, and what they may do now.

Who sees what in a round:

- the secretariat sees everything;
- a committee member with a conflict on the proposal (their organization takes part in it, or
  they were recused from any of its rounds) never sees the others' votes, comments or tally;
- any other committee member sees the votes of a closed round; in an open round they see them
  once they have voted themselves, or always when COMMITTEE_VOTES_VISIBLE_BEFORE_OWN_VOTE is
  set, and only if they are a member of that round;
- the applicant sees the outcome, the committee's summary and the conditions of a closed round
  of their own proposal, never the individual votes.

What the viewer may do in the round (vote, declare a conflict, set the deadline, close it) is
the voting round workflow's answer, `fund.committee.workflow.allowed`: the same check the
operations make.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from flask import abort, current_app
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import selectinload

from fund.accounts.models import Role, User
from fund.committee.models import (
    RoundMember,
    RoundStatus,
    Seat,
    Vote,
    VotingRound,
    reason_sentence,
    under_review,
)
from fund.committee.rounds import fingerprint, own_conflict, round_tally
from fund.committee.seating import (
    counted_members,
    member_key,
    seat_ids_of,
    seat_in_round,
    seat_vote,
    uncounted_members,
    vote_key,
)
from fund.committee.tally import Tally
from fund.committee.voting_seats import listed_seats, uncounted_heading
from fund.committee.workflow import allowed
from fund.extensions import db, utcnow
from fund.proposals.models import Proposal, proposal_participants
from fund.proposals.queries import load_proposal
from fund.sentences import said

# The round's actions a page offers, each shown only when `allowed`.
PAGE_ACTIONS = ("vote", "declare_conflict", "set_deadline", "close", "close_without_quorum")


def round_options():
    """Loader options of a round as the pages read it: its members with their seats and the
    seats' alternates, and its votes. The people (the members, the seats' members and
    alternates, the voters) are a few committee members: `with_people` reads them all in one
    statement afterwards, and each reference to them is then found in the session."""
    seat = selectinload(VotingRound.members).selectinload(RoundMember.seat)
    return (seat.selectinload(Seat.alternates), selectinload(VotingRound.votes))


PEOPLE = "fund_committee_people"  # db session info: the people read by `with_people`


def with_people(rounds: list[VotingRound]) -> list[VotingRound]:
    """`rounds` (read with `round_options`) with the people they name: the members, the seats'
    members and alternates, the voters; read in one statement with their roles, whatever the
    number of rounds, seats and votes. The session keeps them (its identity map holds objects
    only while referenced), so each reference to them is found there without a statement."""
    ids: set[int] = set()
    for round_ in rounds:
        for member in round_.members:
            ids.add(member.user_id)
            if member.seat is not None:
                ids.add(member.seat.member_id)
                ids.update(alternate.user_id for alternate in member.seat.alternates)
        ids.update(vote.member_id for vote in round_.votes)
    kept = db.session.info.setdefault(PEOPLE, {})
    ids -= kept.keys()
    ids.discard(None)  # type: ignore[arg-type]
    if ids:
        kept.update(
            (user.id, user)
            for user in db.session.scalars(select(User).where(User.id.in_(ids))).unique()
        )
    return rounds


def get_round(round_id: int) -> VotingRound | None:
    round_ = db.session.scalar(
        select(VotingRound).where(VotingRound.id == round_id).options(*round_options())
    )
    if round_ is not None:
        with_people([round_])
    return round_


def rounds_of(proposal_id: int) -> list[VotingRound]:
    return with_people(
        list(
            db.session.scalars(
                select(VotingRound)
                .where(VotingRound.proposal_id == proposal_id)
                .options(*round_options())
                .order_by(VotingRound.number)
            )
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
    if (reason := own_conflict(user, proposal)) is not None:
        return reason
    latest = db.session.execute(
        _recusals(user, proposal.id, RoundMember.recusal_reason, RoundMember.recusal_kept)
        .order_by(VotingRound.number.desc())
        .limit(1)
    ).first()
    return reason_sentence(*latest) if latest else None


def _recusals(user: User, proposal_id, *columns):
    """SQL: `columns` of the user's recused memberships in the rounds of the proposal
    `proposal_id` (an id, or a column to correlate with)."""
    return (
        select(*columns)
        .join(VotingRound, VotingRound.id == RoundMember.round_id)
        .where(
            VotingRound.proposal_id == proposal_id,
            _sits_in(user),
            RoundMember.recusal.is_not(None),
        )
    )


def _sits_in(user: User):
    """SQL: the round's member is the user's: they held it when the round opened, or they may
    vote for its seat now (its member or an alternate)."""
    return or_(RoundMember.user_id == user.id, RoundMember.seat_id.in_(seat_ids_of(user.id)))


def conflict_in_rounds(user: User, proposal: Proposal, rounds: list[VotingRound]) -> str | None:
    """`conflict_of` computed without a query, from the proposal (with its organizations) and
    all of its rounds already loaded with their members: for pages that list many proposals."""
    if (reason := own_conflict(user, proposal)) is not None:
        return reason
    for round_ in sorted(rounds, key=lambda r: r.number, reverse=True):
        for member in round_.members:
            if member.recusal is not None and (
                member.user_id == user.id or member is seat_in_round(round_, user.id)
            ):
                return member.recusal_sentence
    return None


def recusals_by_proposal(user: User, proposal_ids: set[int]) -> dict[int, str]:
    """The reason of `user`'s latest recusal on each of the proposals (one query)."""
    if not proposal_ids:
        return {}
    rows = db.session.execute(
        select(VotingRound.proposal_id, RoundMember.recusal_reason, RoundMember.recusal_kept)
        .join(VotingRound, VotingRound.id == RoundMember.round_id)
        .where(
            VotingRound.proposal_id.in_(proposal_ids),
            _sits_in(user),
            RoundMember.recusal.is_not(None),
        )
        .order_by(VotingRound.number.desc())
    )
    found: dict[int, str] = {}
    for proposal_id, reason, kept in rows:
        if proposal_id not in found:
            found[proposal_id] = reason_sentence(reason, kept)
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


class Unknown(Enum):
    """A value the caller has not looked up: `conflict` of `record_access` and `round_view`
    (the viewer's conflict on the proposal, None when there is none) is then looked up."""

    NOT_LOOKED_UP = "not looked up"


NOT_LOOKED_UP = Unknown.NOT_LOOKED_UP


def reviewed_by_committee(proposal: Proposal, rounds: Sequence[VotingRound]) -> bool:
    """The committee has the proposal before it, or had it: a round was opened on it, or it is
    under review (without a round only after a data migration). Its review page and the API's
    rounds answer 404 otherwise, as for a proposal that does not exist."""
    return bool(rounds) or under_review(proposal)


def record_access(
    user: User,
    round_: VotingRound,
    proposal: Proposal,
    *,
    conflict: str | Unknown | None = NOT_LOOKED_UP,
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
        if conflict is NOT_LOOKED_UP:
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
    rounds. One statement, whatever the number of proposals."""
    if not proposals:
        return set()
    recused = exists(_recusals(user, Proposal.id, RoundMember.round_id))
    conflicts = [recused]
    organization = user.organization_id
    if organization is not None:
        takes_part = exists().where(
            proposal_participants.c.proposal_id == Proposal.id,
            proposal_participants.c.organization_id == organization,
        )
        conflicts += [
            Proposal.organization_id == organization,
            Proposal.lead_organization_id == organization,
            takes_part,
        ]
    ids = {p.id for p in proposals}
    return set(db.session.scalars(select(Proposal.id).where(Proposal.id.in_(ids), or_(*conflicts))))


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
        if not record_access(user, round_, proposal, conflict=conflict)[0]:
            closed.add(round_.id)
    return closed


@dataclass
class RoundView:
    """One round as one viewer may see it."""

    round: VotingRound
    tally: Tally
    member: RoundMember | None  # the viewer's seat in the round (as its member or an alternate)
    my_vote: Vote | None  # the vote of the viewer's seat, by whoever cast it
    conflict: str | None  # the viewer's conflict on the proposal
    sees_votes: bool
    deadline_passed: bool
    fingerprint: str
    entitled: list[RoundMember] = field(default_factory=list)
    recused: list[RoundMember] = field(default_factory=list)
    # Seats not recused that no longer count: nobody can vote for them any more, no vote cast.
    uncounted: list[RoundMember] = field(default_factory=list)
    uncounted_heading: str = ""  # how the record names them (`uncounted_heading`), to say
    # The round's actions (`PAGE_ACTIONS`) the viewer may take now.
    actions: frozenset[str] = frozenset()

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
            return self.member.recusal_sentence
        return ""

    @property
    def explanation(self) -> str:
        """The tally in words, in the reader's language."""
        return said(self.tally.explanation)

    @property
    def shows_recusal_only(self) -> bool:
        """Whether the viewer sees nothing of the round but that they are recused: no counts,
        quorum, tally, votes or comments."""
        return self.is_recused and not self.sees_votes

    @property
    def can_vote(self) -> bool:
        return "vote" in self.actions

    @property
    def can_declare(self) -> bool:
        return "declare_conflict" in self.actions

    @property
    def can_set_deadline(self) -> bool:
        return "set_deadline" in self.actions

    @property
    def can_close(self) -> bool:
        """With the outcome of the rule or without quorum, whichever the tally gives."""
        return not self.actions.isdisjoint({"close", "close_without_quorum"})

    @property
    def others_votes(self) -> list[Vote]:
        """The other seats' votes, empty unless the viewer may see them."""
        if not self.sees_votes:
            return []
        own = member_key(self.member) if self.member is not None else None
        return [v for v in self.round.votes if vote_key(v) != own]

    @property
    def not_voted(self) -> list[RoundMember]:
        """The seats entitled to vote without a vote."""
        voted = {vote_key(v) for v in self.round.votes}
        return [m for m in self.entitled if member_key(m) not in voted]

    def seat_vote_by_other(self, user_id: int) -> Vote | None:
        """The vote of the viewer's seat when someone else cast it (the member or an
        alternate), else None."""
        if self.my_vote is not None and self.my_vote.member_id != user_id:
            return self.my_vote
        return None


def round_view(
    round_: VotingRound,
    user: User,
    proposal: Proposal,
    *,
    visible_before_own_vote: bool,
    now: datetime | None = None,
    conflict: str | Unknown | None = NOT_LOOKED_UP,
) -> RoundView:
    now = now or utcnow()
    # The request's current_user proxy resolved once: every guard below reads the user.
    user = getattr(user, "_get_current_object", lambda: user)()
    user_id = user.id
    member = seat_in_round(round_, user_id)
    my_vote = (
        seat_vote(round_, member)
        if member is not None
        else next((v for v in round_.votes if v.member_id == user_id), None)
    )
    if conflict is NOT_LOOKED_UP:
        conflict = conflict_of(user, proposal)
    closed = round_.status == RoundStatus.CLOSED
    # The seats that count, found once for the tally, the fingerprint and the vacant seats.
    entitled = counted_members(round_)
    uncounted = uncounted_members(round_, entitled)
    counted = Tally.kept(round_.tally) if closed and round_.tally else round_tally(round_, entitled)
    listed = listed_seats(round_, entitled)
    return RoundView(
        round=round_,
        tally=counted,
        member=member,
        my_vote=my_vote,
        conflict=conflict,
        sees_votes=sees_votes(round_, user, member, my_vote, conflict, visible_before_own_vote),
        deadline_passed=round_.past_deadline(now),
        fingerprint=fingerprint(round_, sorted(member_key(m) for m in uncounted)),
        entitled=listed[0],
        recused=[m for m in round_.members if m.recusal is not None],
        uncounted=listed[1],
        uncounted_heading=uncounted_heading(round_),
        actions=frozenset(
            action
            for action in PAGE_ACTIONS
            if allowed(round_, action, user, now=now, counted=counted)
        ),
    )


@dataclass(frozen=True)
class RecordView:
    """A round's decision record as one reader may open it."""

    proposal: Proposal
    view: RoundView
    full: bool  # the whole record, or the applicant's part (outcome, summary, conditions)


def record_view(user: User, round_id: int, *, visible_before_own_vote: bool) -> RecordView | None:
    """The decision record of round `round_id` as `user` may open it (`record_access`), or
    None when there is no such round or they may not (the page and the JSON API answer 404)."""
    round_ = get_round(round_id)
    if round_ is None:
        return None
    proposal = load_proposal(round_.proposal_id)
    conflict = conflict_of(user, proposal)
    may_open, full = record_access(user, round_, proposal, conflict=conflict)
    if not may_open:
        return None
    view = round_view(
        round_, user, proposal, visible_before_own_vote=visible_before_own_vote, conflict=conflict
    )
    return RecordView(proposal, view, full)


def votes_visible_before_own_vote() -> bool:
    """The application's COMMITTEE_VOTES_VISIBLE_BEFORE_OWN_VOTE: whether a member may see the
    others' votes before casting their own."""
    return bool(current_app.config["COMMITTEE_VOTES_VISIBLE_BEFORE_OWN_VOTE"])


def opened_record(user: User, round_id: int) -> RecordView:
    """The decision record of round `round_id` as `user` may open it under the application's
    setting (`record_view`), or 404, as the page and the JSON API answer."""
    found = record_view(user, round_id, visible_before_own_vote=votes_visible_before_own_vote())
    if found is None:
        abort(404)
    return found

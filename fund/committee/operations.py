"""Committee rounds: opening, recusals, votes, closing. Callers commit.

A round opens when a proposal enters committee review (`on_proposal_transitioned` at the end of
this module, connected to the proposal's signal by `fund.committee.init_app`) or when the
secretariat opens a new one after a round without quorum. It ends when the secretariat closes it
(the outcome fires `approve` or `reject`), returns the proposal for revision, or when the
proposal leaves committee review another way (withdrawn).

Every change of a round passes the voting round's workflow (`fund.committee.workflow.fire_round`:
state, role and guards of `workflows/voting_round.py`), the check the pages make with
`allowed` to show their buttons.

Locks, to refuse a vote that races the closing and to avoid deadlocks on PostgreSQL: every
change takes the proposal row, then the round row (`SELECT ... FOR UPDATE`), then the audit
head, always in that order. A workflow transition updates the proposal row before anything
else, so the receiver below keeps the same order.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from fund.accounts.models import Role, User
from fund.audit.operations import add_recorded, record
from fund.committee.decisions import Decision, decision_for, record_decision
from fund.committee.models import (
    REJECT_NEEDS_COMMENT,
    Choice,
    Outcome,
    Recusal,
    RoundMember,
    RoundStatus,
    Vote,
    VotingRound,
    needs_comment,
    under_review,
)
from fund.committee.rounds import fingerprint as fingerprint  # re-exported for the pages
from fund.committee.rounds import open_round_of, round_tally, seats_at_opening
from fund.committee.rounds import vote_fingerprint as vote_fingerprint  # for the vote form
from fund.committee.seating import current_seats, seat_vote
from fund.committee.seats import seat_pending_members
from fund.committee.tally import Tally
from fund.committee.voting_seats import kept_tally
from fund.committee.workflow import (
    RETURN_SUMMARY_NEEDED,
    CommitteeRefused,
    closing_trigger,
    fire_round,
    member_of,
    only_said,
)
from fund.extensions import db, utcnow
from fund.i18n import kept
from fund.labels import N_
from fund.locking import locked, locked_current
from fund.proposals.models import Proposal
from fund.sentences import Sentence
from fund.signals import conflict_declared, round_closed, round_opened, vote_cast
from workflows import REVIEW_STATE
from workflows.concept_note import COMMITTEE_OUTCOMES
from workflows.voting_round import ROUND_OUTCOMES

SUBJECT = "voting_round"
_CHOICES = frozenset(c.value for c in Choice)
STALE_VOTE = N_(
    "Your vote changed since you opened the page (in another tab, perhaps). Nothing of yours "
    "was saved; your input is kept below. Review your vote above, then try again."
)


# Locks ----------------------------------------------------------------------------------


def _lock_proposal(proposal_id: int, expected_version: int | None = None) -> Proposal:
    """The proposal, locked; refused as stale when it is no longer at `expected_version` (the
    version the page showed), if given."""
    return locked_current(
        Proposal,
        proposal_id,
        expected_version,
        CommitteeRefused,
        missing=N_("There is no such proposal."),
        changed=N_("The proposal changed since you opened the page."),
    )


def _lock_round(round_id: int, *, lock_proposal: bool = True) -> tuple[VotingRound, Proposal]:
    """The round and its proposal, both locked, with the round's members and votes read
    afresh under the lock. `lock_proposal=False` when the caller already holds the proposal
    row (a transition updated it)."""
    proposal_id = db.session.scalar(
        select(VotingRound.proposal_id).where(VotingRound.id == round_id)
    )
    if proposal_id is None:
        raise CommitteeRefused(N_("There is no such voting round."))
    proposal = (
        _lock_proposal(proposal_id) if lock_proposal else db.session.get(Proposal, proposal_id)
    )
    round_ = locked(VotingRound, round_id)
    db.session.expire(round_, ["members", "votes"])
    for model in (RoundMember, Vote):
        db.session.scalars(
            select(model)
            .where(model.round_id == round_id)
            .execution_options(populate_existing=True)
        ).all()
    return round_, proposal  # type: ignore[return-value]


def _locked_open_round(proposal_id: int) -> VotingRound | None:
    round_id = db.session.scalar(
        select(VotingRound.id).where(
            VotingRound.proposal_id == proposal_id, VotingRound.status == RoundStatus.OPEN
        )
    )
    if round_id is None:
        return None
    return _lock_round(round_id, lock_proposal=False)[0]


def _round_for(
    round_id: int, trigger: str, actor: User, now: datetime | None
) -> tuple[VotingRound, datetime]:
    """The round, locked with its proposal, once the workflow allows the actor `trigger` on it;
    with the time of the change, taken after the lock (later than anything it waited for)."""
    round_, _ = _lock_round(round_id)
    now = now or utcnow()
    fire_round(round_, trigger, actor, now=now)
    return round_, now


def _require_secretariat(actor: User, said: str) -> None:
    """Refused with `said` (marked where it is written) but for the secretariat."""
    if not actor.has_role(Role.SECRETARIAT):
        raise CommitteeRefused(said)


# Opening ----------------------------------------------------------------------------------


def _check_deadline(deadline: datetime | None, now: datetime) -> None:
    """A round's deadline, when it has one, is in the future: when it is opened and when the
    secretariat moves it."""
    if deadline is not None and deadline <= now:
        raise CommitteeRefused(N_("The deadline must be in the future."), field="deadline")


def open_round(
    proposal: Proposal,
    actor: User | None,
    *,
    deadline: datetime | None = None,
    now: datetime | None = None,
    revision_id: int | None = None,
    joining: Mapping[int, Sentence] | None = None,
) -> VotingRound:
    """Open the next round on a proposal in committee review, with the call's rule and quorum
    and a snapshot of the committee's seats that someone may vote for: the seats of an
    organization taking part in the proposal, and those whose member or alternate declared a
    conflict in an earlier round, are recused. With `revision_id`, the round is about that
    revision of the funded programme (the caller's check), not the proposal itself; the
    organizations it would add (`joining`: id -> reason) are recused too."""
    now = now or utcnow()
    if revision_id is None and not under_review(proposal):
        raise CommitteeRefused(
            N_(
                "A round can only be opened while the proposal is in committee review; it is "
                "“%(status)s”."
            ),
            status=Sentence(proposal.status_label),
        )
    current = open_round_of(proposal.id)
    if current is not None:
        raise CommitteeRefused(
            N_("Round %(number)s is still open."), stale=True, number=current.number
        )
    _check_deadline(deadline, now)
    number = (
        db.session.scalar(
            select(func.max(VotingRound.number)).where(VotingRound.proposal_id == proposal.id)
        )
        or 0
    ) + 1
    round_ = VotingRound(
        proposal_id=proposal.id,
        number=number,
        version_number=proposal.submission_number,
        decision_rule=proposal.call.decision_rule,
        quorum_setting=proposal.call.quorum,
        status=RoundStatus.OPEN.value,
        deadline=deadline,
        opened_at=now,
        opened_by_id=getattr(actor, "id", None),
        summary="",
        revision_id=revision_id,
    )
    # Committee members whom no seat names yet sit for their own organization from now on.
    seat_pending_members(now)
    recused: list[dict[str, Any]] = []
    for counted in seats_at_opening(proposal, current_seats(), joining):
        seat = counted.seat
        member = RoundMember(
            user_id=seat.member_id, seat_id=seat.id, organization_id=seat.organization_id
        )
        if counted.recusal:
            member.recusal = counted.recusal
            member.recusal_reason = counted.reason
            member.recusal_kept = kept(counted.reason) if counted.reason else None
            member.recused_at = now
            recused.append(
                {
                    "user": seat.member_id,
                    "seat": seat.id,
                    "recusal": member.recusal,
                    "reason": member.recusal_reason,
                }
            )
        round_.members.append(member)
    add_recorded(
        round_,
        "committee_round_opened",
        SUBJECT,
        actor,
        to_state=RoundStatus.OPEN.value,
        details=lambda opened: (
            {
                "proposal": proposal.id,
                "round": number,
                "version": opened.version_number,
                "decision_rule": opened.decision_rule,
                "quorum_setting": opened.quorum_setting,
                "deadline": deadline,
                "members": [m.user_id for m in opened.members],
                "seats": [m.seat_id for m in opened.members],
                "recused": recused,
            }
            | ({"revision": revision_id} if revision_id else {})
        ),
        now=now,
    )
    return round_


def open_new_round(
    proposal_id: int,
    actor: User,
    *,
    deadline: datetime | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> VotingRound:
    """The secretariat opens a new round, e.g. after a round without quorum; the members
    entitled to vote in it are told (`round_opened`)."""
    _require_secretariat(actor, N_("Only the secretariat can open a voting round."))
    proposal = _lock_proposal(proposal_id, expected_version)
    round_ = open_round(proposal, actor, deadline=deadline, now=now)
    round_opened.send(round_, proposal=proposal, actor=actor)
    return round_


def set_deadline(
    round_id: int, actor: User, deadline: datetime | None, *, now: datetime | None = None
) -> bool:
    """Set, move or clear the deadline of an open round. True if it changed."""
    round_, now = _round_for(round_id, "set_deadline", actor, now)
    _check_deadline(deadline, now)
    if round_.deadline == deadline:
        return False
    before = round_.deadline
    round_.deadline = deadline
    db.session.flush()
    record(
        "committee_deadline_set",
        SUBJECT,
        round_.id,
        actor,
        details={"proposal": round_.proposal_id, "before": before, "after": deadline},
        now=now,
    )
    return True


# Members' actions -----------------------------------------------------------------------------


def _vote_of(round_: VotingRound, user_id: int) -> Vote | None:
    return next((v for v in round_.votes if v.member_id == user_id), None)


def _vote_details(vote: Vote) -> dict[str, str]:
    return {"choice": vote.choice, "comment": vote.comment, "conditions": vote.conditions}


def cast_vote(
    round_id: int,
    actor: User,
    choice: str,
    comment: str = "",
    conditions: str = "",
    *,
    expected: str | None = None,
    now: datetime | None = None,
) -> tuple[Vote, str]:
    """Cast or change the actor's vote for their seat (as its member or an alternate); returns
    the vote and "cast", "changed" or "unchanged".

    Refused when the round is closed (also when the closing wins a race: the round row is
    locked), the deadline passed, the actor's seat is recused or not in the round, someone else
    already voted for the seat, or a vote to reject has no comment; refused as stale when
    `expected` (the `vote_fingerprint` of the seat's vote the page showed) is not the one now.
    """
    comment, conditions = (comment or "").strip(), (conditions or "").strip()
    # Open; the actor's seat, not recused, nobody else's vote on it; before the deadline.
    round_, now = _round_for(round_id, "vote", actor, now)
    seat = member_of(round_, actor.id)
    if seat is None:  # the workflow's guard `entitled_member` refused already
        raise CommitteeRefused(N_("You are not a member of this round."))
    if choice not in _CHOICES:
        raise CommitteeRefused(N_("Choose approve, reject or abstain."), field="choice")
    if needs_comment(choice, comment):
        raise CommitteeRefused(REJECT_NEEDS_COMMENT, field="comment")
    vote = _vote_of(round_, actor.id)
    if expected is not None and expected != vote_fingerprint(seat_vote(round_, seat)):
        raise CommitteeRefused(STALE_VOTE, stale=True)
    details: dict[str, Any] = {
        "proposal": round_.proposal_id,
        "round": round_.number,
        "seat": seat.seat_id,
    }
    if seat.user_id != actor.id:
        details["alternate_for"] = seat.user_id
    if vote is None:
        vote = Vote(
            round_id=round_.id,
            member_id=actor.id,
            seat_id=seat.seat_id,
            choice=choice,
            comment=comment,
            conditions=conditions,
            cast_at=now,
        )
        round_.votes.append(vote)
        change, action = "cast", "committee_vote_cast"
        details |= _vote_details(vote)
    else:
        before = _vote_details(vote)
        if before == {"choice": choice, "comment": comment, "conditions": conditions}:
            return vote, "unchanged"
        vote.choice, vote.comment, vote.conditions = choice, comment, conditions
        vote.changed_at = now
        change, action = "changed", "committee_vote_changed"
        details |= {"before": before, "after": _vote_details(vote)}
    db.session.flush()
    record(action, SUBJECT, round_.id, actor, details=details, now=now)
    vote_cast.send(round_, member=actor, vote=vote, change=change)
    return vote, change


def declare_conflict(
    round_id: int, actor: User, reason: str, *, now: datetime | None = None
) -> Vote | None:
    """The actor declares a conflict of interest and their seat is recused from the proposal.
    The vote already cast for the seat in the round is removed; returns it (detached) or
    None."""
    reason = (reason or "").strip()
    # Open; the actor a member of the round, not recused.
    round_, now = _round_for(round_id, "declare_conflict", actor, now)
    member = member_of(round_, actor.id)
    if member is None:  # the workflow's guard `entitled_member` refused already
        raise CommitteeRefused(N_("You are not a member of this round."))
    if not reason:
        raise CommitteeRefused(N_("Say what the conflict of interest is."), field="reason")
    removed = seat_vote(round_, member)  # the seat's vote, whoever cast it
    details: dict[str, Any] = {
        "proposal": round_.proposal_id,
        "round": round_.number,
        "seat": member.seat_id,
    }
    if removed is not None:
        round_.votes.remove(removed)
        db.session.flush()
        record(
            "committee_vote_removed",
            SUBJECT,
            round_.id,
            actor,
            comment="Removed because the member declared a conflict of interest.",
            details={
                **details,
                **_vote_details(removed),
                "cast_by": removed.member_id,
                "cast_at": removed.cast_at,
            },
            now=now,
        )
    member.recusal = Recusal.DECLARED.value
    member.recusal_reason = reason
    member.recused_at = now
    db.session.flush()
    record(
        "committee_conflict_declared",
        SUBJECT,
        round_.id,
        actor,
        comment=reason,
        details={**details, "vote_removed": removed is not None},
        now=now,
    )
    conflict_declared.send(round_, member=actor, reason=reason)
    return removed


# Ending a round -----------------------------------------------------------------------------


def _finish(
    round_: VotingRound,
    trigger: str,
    actor: User | None,
    *,
    summary: str,
    counted: Tally,
    now: datetime,
    expected: str | None = None,
    decision: Decision | None = None,
) -> Outcome:
    """Close the round by the workflow's rule `trigger`, with the outcome the rule records
    (`close`: the decision rule's, or on a concept note the committee's `decision`), the
    summary and the tally at closing."""
    from_state, to_state = fire_round(
        round_,
        trigger,
        actor,
        now=now,
        comment=summary or None,
        expected=expected,
        counted=counted,
    )
    outcome = Outcome(ROUND_OUTCOMES.get(trigger) or counted.outcome)
    if trigger == "close" and decision is not None:
        outcome = decision.outcome
        round_.pipeline_place = decision.place
    round_.outcome = outcome.value
    round_.closed_at = now
    round_.closed_by_id = getattr(actor, "id", None)
    round_.summary = summary
    round_.tally = kept_tally(round_, counted)
    db.session.flush()
    record(
        "committee_round_closed",
        SUBJECT,
        round_.id,
        actor,
        from_state=from_state,
        to_state=to_state,
        comment=summary or None,
        details={
            "proposal": round_.proposal_id,
            "round": round_.number,
            "outcome": outcome.value,
            "tally": round_.tally,
        }
        | ({"place": round_.pipeline_place} if round_.pipeline_place else {}),
        now=now,
    )
    round_closed.send(round_, outcome=outcome.value, actor=actor)
    return outcome


def close_round(
    round_id: int,
    actor: User,
    *,
    summary: str = "",
    expected: str | None = None,
    decision: str | None = None,
    place: int | None = None,
    now: datetime | None = None,
) -> VotingRound:
    """The secretariat closes a round. With quorum, the outcome of the rule fires `approve` or
    `reject` on the proposal (the summary is its comment); without, the round is recorded
    without quorum and the proposal stays in committee review for a new round. On a concept
    note, an approval is recorded as the secretariat's `decision` (`selected`, or `pipeline`
    at `place`) and a rejection as not approved (`fund.committee.decisions`).

    `expected` is the fingerprint of the round as the secretariat saw it: a vote or recusal
    since then refuses the closing, so nobody closes on a tally they have not seen.
    """
    from fund.proposals.operations import fire

    summary = (summary or "").strip()
    round_, proposal = _lock_round(round_id)
    now = now or utcnow()  # after the lock: later than anything it waited for
    counted = round_tally(round_)
    chosen = decision_for(counted, decision, place) if proposal.is_concept_note else None
    outcome = _finish(
        round_,
        closing_trigger(counted),
        actor,
        summary=summary,
        counted=counted,
        now=now,
        expected=expected,
        decision=chosen,
    )
    if chosen is not None:
        record_decision(proposal, round_, chosen, actor, summary=summary, now=now)
    elif round_.revision_id is None and outcome in (Outcome.APPROVED, Outcome.REJECTED):
        # (A round about a revision decides the revision: its receiver of `round_closed`.)
        trigger = "approve" if outcome == Outcome.APPROVED else "reject"
        fire(
            proposal,
            trigger,
            actor,
            comment=summary or None,
            details={"round": round_.number, "round_id": round_.id},
            now=now,
        )
    return round_


def return_for_revision(
    proposal_id: int,
    actor: User,
    summary: str,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> VotingRound | None:
    """The secretariat returns the proposal to the applicant with the committee's summary; the
    open round closes as "returned" (by the receiver below). Returns that round, if any."""
    from fund.proposals.operations import fire

    _require_secretariat(actor, only_said("return_for_revision"))
    now = now or utcnow()
    summary = (summary or "").strip()
    if not summary:
        raise CommitteeRefused(RETURN_SUMMARY_NEEDED, field="summary")
    proposal = _lock_proposal(proposal_id, expected_version)
    if not under_review(proposal):
        raise CommitteeRefused(
            N_("The proposal is “%(status)s”, no longer in committee review."),
            stale=True,
            status=Sentence(proposal.status_label),
        )
    round_ = _locked_open_round(proposal_id)
    fire(proposal, "return_for_revision", actor, comment=summary, now=now)
    return round_


# The workflow's signal ----------------------------------------------------------------------


def on_proposal_transitioned(
    proposal: Proposal,
    *,
    trigger: str,
    from_state: str,
    to_state: str,
    actor: User | None = None,
    comment: str | None = None,
    event: Any = None,
    **_: Any,
) -> None:
    """Open a round when a proposal enters committee review; close the open round as
    "returned" or "cancelled" when it leaves other than by the committee's decision."""
    now = getattr(event, "occurred_at", None) or utcnow()
    if to_state == REVIEW_STATE and from_state != REVIEW_STATE:
        if open_round_of(proposal.id) is None:
            open_round(proposal, actor, now=now)
        return
    if from_state == REVIEW_STATE and to_state != REVIEW_STATE:
        if trigger in ("approve", "reject", *COMMITTEE_OUTCOMES):
            return  # close_round closed the round before firing
        round_ = _locked_open_round(proposal.id)
        if round_ is None:
            return
        # The round closes returned (the secretariat returned the proposal) or cancelled.
        ending = "return_for_revision" if trigger == "return_for_revision" else "cancel"
        _finish(
            round_,
            ending,
            actor,
            summary=(comment or "").strip(),
            counted=round_tally(round_),
            now=now,
        )

"""The voting round's workflow (`workflows/voting_round.py`) in the application: its guards,
its engine, and `allowed`, the one answer to "may this person do this to the round now?".

The pages ask `allowed` which buttons and forms to show (`RoundView`); the operations change a
round only through `fire`, which the same engine check guards, and which turns a refusal into
the `CommitteeRefused` the pages show.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from fund.committee.models import RoundMember, VotingRound, deadline_passed, reason_sentence
from fund.committee.rounds import (
    fingerprint,
    outcome_label,
    own_conflict,
    round_proposal,
    round_tally,
)
from fund.committee.seating import can_vote, seat_in_round, seat_vote
from fund.committee.tally import APPROVED, Tally
from fund.days import MOMENT
from fund.extensions import utcnow
from fund.labels import N_
from fund.refusals import REASON_SENTENCES, Refused, action_problems
from fund.sentences import OnDay, Sentence
from workflows import Engine, TransitionRefused
from workflows.voting_round import VOTING_ROUND_WORKFLOW


class CommitteeRefused(Refused):
    """An action on a round that was refused; nothing was changed (`field` and `stale`: as
    every `Refused`)."""


def when(moment: datetime) -> OnDay:
    """A UTC moment within a sentence: "5 March 2026, 17:00 UTC" in English."""
    return OnDay(moment, MOMENT)


def member_of(round_: VotingRound, user_id: int) -> RoundMember | None:
    """The seat of the round `user_id` may vote for (its member or an alternate), or None."""
    return seat_in_round(round_, user_id)


# Guards -------------------------------------------------------------------------------------


def entitled_member(round_: VotingRound, actor: Any, context: Mapping[str, Any]) -> list[str]:
    """The actor may vote for a seat of the round (the seats of the committee when it opened),
    as its member or an alternate, and the seat is not recused."""
    member = member_of(round_, actor.id)
    if member is None or not can_vote(actor):
        return [
            Sentence(
                N_(
                    "You are not among the members entitled to vote in round %(number)s: the "
                    "members are those of the committee when the round opened."
                ),
                number=round_.number,
            )
        ]
    if member.recusal is not None:
        reason = reason_sentence(member.recusal_reason, member.recusal_kept)
        return [Sentence(N_("You are recused from this proposal: %(reason)s"), reason=reason)]
    return []


def no_own_conflict(round_: VotingRound, actor: Any, context: Mapping[str, Any]) -> list[str]:
    """The actor's own organization does not take part in what the round decides on, whichever
    seat they would vote for (`own_conflict`, the rule the pages hide the votes by)."""
    if getattr(actor, "organization_id", None) is None:
        return []
    reason = own_conflict(actor, round_proposal(round_))
    if reason is None:
        return []
    return [Sentence(N_("You are recused from this proposal: %(reason)s"), reason=reason)]


def seat_not_taken(round_: VotingRound, actor: Any, context: Mapping[str, Any]) -> list[str]:
    """Nobody else voted for the actor's seat in the round: one vote per seat, changed only
    by whoever cast it."""
    member = member_of(round_, actor.id)
    vote = seat_vote(round_, member) if member is not None else None
    if vote is None or vote.member_id == actor.id:
        return []
    voter = getattr(getattr(vote, "member", None), "name", None) or Sentence(N_("Another person"))
    return [
        Sentence(
            N_(
                "%(name)s already voted for your seat in round %(number)s: a seat has one vote, "
                "which only whoever cast it may change."
            ),
            name=voter,
            number=round_.number,
        )
    ]


def before_deadline(round_: VotingRound, actor: Any, context: Mapping[str, Any]) -> list[str]:
    """The round's deadline, if any, has not passed (at `context["now"]`)."""
    now = context.get("now") or utcnow()
    if deadline_passed(round_.deadline, now):
        return [
            Sentence(
                N_(
                    "The deadline of round %(number)s passed on %(when)s: votes are no longer "
                    "accepted. The secretariat can move the deadline."
                ),
                number=round_.number,
                when=when(round_.deadline),
            )
        ]
    return []


def tally_as_seen(round_: VotingRound, actor: Any, context: Mapping[str, Any]) -> list[str]:
    """No vote or recusal since the page the closing was sent from (`context["expected"]`, the
    round's fingerprint as shown; nothing to compare without it)."""
    expected = context.get("expected")
    if expected is not None and expected != fingerprint(round_):
        return [
            Sentence(
                N_(
                    "Votes or recusals changed since you opened the page. Review the tally below, "
                    "then close the round again."
                )
            )
        ]
    return []


def _tally(round_: VotingRound, context: Mapping[str, Any]) -> Tally:
    counted = context.get("tally")
    return counted if counted is not None else round_tally(round_)


def quorum_met(round_: VotingRound, actor: Any, context: Mapping[str, Any]) -> list[str]:
    counted = _tally(round_, context)
    if counted.quorum_met:
        return []
    words = {"number": round_.number, "explanation": counted.explanation}
    return [Sentence(N_("Round %(number)s: %(explanation)s"), **words)]


def quorum_missed(round_: VotingRound, actor: Any, context: Mapping[str, Any]) -> list[str]:
    counted = _tally(round_, context)
    if counted.quorum_met and counted.outcome == APPROVED:
        return [
            Sentence(
                N_("The quorum of round %(number)s is met: the round closes approved."),
                number=round_.number,
            )
        ]
    if counted.quorum_met:
        return [
            Sentence(
                N_("The quorum of round %(number)s is met: the round closes rejected."),
                number=round_.number,
            )
        ]
    return []


ROUND_GUARDS = {
    "entitled_member": entitled_member,
    "no_own_conflict": no_own_conflict,
    "seat_not_taken": seat_not_taken,
    "before_deadline": before_deadline,
    "tally_as_seen": tally_as_seen,
    "quorum_met": quorum_met,
    "quorum_missed": quorum_missed,
}
ROUND_ENGINE = Engine(VOTING_ROUND_WORKFLOW, ROUND_GUARDS)

# Refusals marking the page as showing an older state of the round.
_STALE_GUARDS = frozenset({"tally_as_seen"})

# Per trigger: what a closed round no longer allows, and who alone may do it, whole sentences
# to be translated; a trigger not named says the general sentence.
_CLOSING = N_(
    "Round %(number)s closed on %(closed)s (%(outcome)s): closing it is no longer possible."
)
_CLOSED_SAID = {
    "vote": N_(
        "Round %(number)s closed on %(closed)s (%(outcome)s): voting is no longer possible."
    ),
    "declare_conflict": N_(
        "Round %(number)s closed on %(closed)s (%(outcome)s): declaring a conflict in this round "
        "is no longer possible."
    ),
    "set_deadline": N_(
        "Round %(number)s closed on %(closed)s (%(outcome)s): changing the deadline is no longer "
        "possible."
    ),
    "close": _CLOSING,
    "close_without_quorum": _CLOSING,
    "return_for_revision": N_(
        "Round %(number)s closed on %(closed)s (%(outcome)s): returning it is no longer possible."
    ),
    "cancel": N_(
        "Round %(number)s closed on %(closed)s (%(outcome)s): cancelling it is no longer possible."
    ),
}
_CLOSED_GENERALLY = N_(
    "Round %(number)s closed on %(closed)s (%(outcome)s): this action is no longer possible."
)
_CLOSING_ONLY = N_("Only the secretariat can close a voting round.")
_ONLY_SAID = {
    "vote": N_("Only committee members can vote."),
    "declare_conflict": N_("Only committee members can declare a conflict of interest."),
    "set_deadline": N_("Only the secretariat can set a deadline."),
    "close": _CLOSING_ONLY,
    "close_without_quorum": _CLOSING_ONLY,
    "return_for_revision": N_("Only the secretariat can return a proposal for revision."),
    "cancel": N_("Only the applicant can withdraw the proposal."),
}


# The committee's summary a return for revision needs: its form and `return_for_revision` say it.
RETURN_SUMMARY_NEEDED = N_("Write the committee's summary: what the revision must address.")


def only_said(trigger: str) -> str:
    """What a person refused `trigger` for their role is told (the refusal's sentence)."""
    return _ONLY_SAID.get(trigger, REASON_SENTENCES["role"])


def closing_trigger(counted: Tally) -> str:
    """The rule that closes a round with this tally: with its outcome, or without quorum."""
    return "close" if counted.quorum_met else "close_without_quorum"


def _context(
    now: datetime | None, expected: str | None = None, counted: Tally | None = None
) -> dict[str, Any]:
    return {"now": now or utcnow(), "expected": expected, "tally": counted}


def allowed(
    round_: VotingRound,
    trigger: str,
    actor: Any,
    *,
    now: datetime | None = None,
    counted: Tally | None = None,
) -> bool:
    """Whether `actor` may `trigger` on the round now: state, role and guards of the table,
    exactly as `fire` checks them (`counted`: the round's tally, when the caller has it)."""
    try:
        ROUND_ENGINE.check(round_, trigger, actor, context=_context(now, counted=counted))
    except TransitionRefused:
        return False
    return True


def refusal(round_: VotingRound, refused: TransitionRefused) -> CommitteeRefused:
    """The engine's refusal as the pages say it."""
    if refused.reason == "state":
        closed = when(round_.closed_at) if round_.closed_at else Sentence(N_("earlier"))
        outcome = Sentence(outcome_label(round_.outcome))
        said = _CLOSED_SAID.get(refused.trigger, _CLOSED_GENERALLY)
        return CommitteeRefused(
            said, stale=True, number=round_.number, closed=closed, outcome=outcome
        )
    if refused.reason == "role":
        return CommitteeRefused(only_said(refused.trigger))
    if refused.reason == "guard":
        return CommitteeRefused(
            refused.problems[0], stale=bool(_STALE_GUARDS & set(refused.failed_guards))
        )
    return CommitteeRefused(action_problems(refused)[0])  # a comment missing: its sentence


def fire_round(
    round_: VotingRound,
    trigger: str,
    actor: Any,
    *,
    now: datetime,
    comment: str | None = None,
    expected: str | None = None,
    counted: Tally | None = None,
) -> tuple[str, str]:
    """Check and make the change of `trigger` on the round (its status follows the table), or
    raise CommitteeRefused; returns the status before and after. `expected` is the round's
    fingerprint as the closing page showed it; `counted` its tally, when the caller has it."""
    try:
        return ROUND_ENGINE.fire(
            round_, trigger, actor, comment=comment, context=_context(now, expected, counted)
        )
    except TransitionRefused as refused:
        raise refusal(round_, refused) from refused

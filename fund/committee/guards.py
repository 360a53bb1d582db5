"""Guards of the proposal workflow owned by the committee.

`approve` and `reject` pass only when the proposal's latest voting round, held on its current
submitted version, is closed with that outcome. Closing a round (fund.committee.operations)
records the outcome first and then fires the transition, so the two always agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from fund.committee.models import Outcome, RoundStatus, VotingRound
from fund.extensions import db

_LABELS = {
    Outcome.APPROVED: "approved",
    Outcome.REJECTED: "rejected",
    Outcome.NO_QUORUM: "without quorum",
    Outcome.RETURNED: "returned for revision",
    Outcome.CANCELLED: "cancelled",
}


def latest_round(proposal) -> VotingRound | None:
    return db.session.scalar(
        select(VotingRound)
        .where(VotingRound.proposal_id == proposal.id)
        .order_by(VotingRound.number.desc())
        .limit(1)
    )


def _decided(proposal, wanted: Outcome) -> list[str]:
    round_ = latest_round(proposal)
    if round_ is None:
        return ["The committee has not voted on this proposal: no voting round was held."]
    if round_.status == RoundStatus.OPEN:
        return [f"Committee round {round_.number} is still open: the committee has not decided."]
    if round_.version_number != proposal.submission_number:
        return [
            f"The latest committee round decided on version {round_.version_number}, not on "
            f"the current version {proposal.submission_number}."
        ]
    if round_.outcome != wanted:
        outcome = _LABELS.get(round_.outcome, round_.outcome)  # type: ignore[call-overload]
        return [
            f"Committee round {round_.number} closed {outcome}, not {_LABELS[wanted]}.",
        ]
    return []


def committee_approved(proposal, actor, context: Mapping[str, Any]) -> list[str]:
    return _decided(proposal, Outcome.APPROVED)


def committee_rejected(proposal, actor, context: Mapping[str, Any]) -> list[str]:
    return _decided(proposal, Outcome.REJECTED)


def concept_note_decided(note, actor, context: Mapping[str, Any]) -> list[str]:
    """The committee's outcomes on a concept note (selected for development, approved into the
    pipeline, not approved) are not recorded by its rounds yet: every one is refused."""
    return ["The committee's decisions on concept notes cannot be recorded yet."]

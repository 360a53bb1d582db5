"""Guards of the proposal's and the concept note's workflows owned by the committee.

`approve` and `reject` pass only when the proposal's latest voting round, held on its current
submitted version, is closed with that outcome; a concept note's `select_for_development`,
`place_in_pipeline` and `decline` likewise (`fund.committee.decisions`). Closing a round
(fund.committee.operations) records the outcome first and then fires the transition, so the two
always agree.
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
    Outcome.SELECTED: "selected for development",
    Outcome.PIPELINE: "approved into the pipeline",
    Outcome.NOT_APPROVED: "not approved",
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
        noun = "concept note" if getattr(proposal, "is_concept_note", False) else "proposal"
        return [f"The committee has not voted on this {noun}: no voting round was held."]
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


# A concept note's three outcomes: its latest round, on its current version, closed with it.


def committee_selected(note, actor, context: Mapping[str, Any]) -> list[str]:
    return _decided(note, Outcome.SELECTED)


def committee_placed_in_pipeline(note, actor, context: Mapping[str, Any]) -> list[str]:
    return _decided(note, Outcome.PIPELINE)


def committee_not_approved(note, actor, context: Mapping[str, Any]) -> list[str]:
    return _decided(note, Outcome.NOT_APPROVED)

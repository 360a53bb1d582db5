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
from fund.labels import N_
from fund.sentences import Sentence, Within

_LABELS = {
    Outcome.APPROVED: N_("approved"),
    Outcome.REJECTED: N_("rejected"),
    Outcome.NO_QUORUM: N_("without quorum"),
    Outcome.RETURNED: N_("returned for revision"),
    Outcome.CANCELLED: N_("cancelled"),
    Outcome.SELECTED: N_("selected for development"),
    Outcome.PIPELINE: N_("approved into the pipeline"),
    Outcome.NOT_APPROVED: N_("not approved"),
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
        if getattr(proposal, "is_concept_note", False):
            return [
                Sentence(
                    N_(
                        "The committee has not voted on this concept note: no voting round was "
                        "held."
                    )
                )
            ]
        return [
            Sentence(N_("The committee has not voted on this proposal: no voting round was held."))
        ]
    if round_.status == RoundStatus.OPEN:
        return [
            Sentence(
                N_("Committee round %(number)s is still open: the committee has not decided."),
                number=round_.number,
            )
        ]
    if round_.version_number != proposal.submission_number:
        return [
            Sentence(
                N_(
                    "The latest committee round decided on version %(decided)s, not on the "
                    "current version %(current)s."
                ),
                decided=round_.version_number,
                current=proposal.submission_number,
            )
        ]
    if round_.outcome != wanted:
        outcome = _LABELS.get(round_.outcome)  # type: ignore[call-overload]
        return [
            Sentence(
                N_("Committee round %(number)s closed %(outcome)s, not %(wanted)s."),
                number=round_.number,
                outcome=Within(outcome) if outcome else round_.outcome,
                wanted=Within(_LABELS[wanted]),
            )
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

"""The committee's three outcomes on a concept note, recorded when its voting round closes.

Members vote on a concept note as on a proposal (the call's decision rule and quorum). When the
secretariat closes the round with the quorum met:

- the rule approves: the secretariat records the committee's choice, **selected for
  development** (the concept note may be invited to a full programme now) or **approved into
  the pipeline** at the place 1..n the committee set (the notes from that place on move down
  one, in one statement: `fund.proposals.ranking.place_at`);
- the rule does not approve: the concept note is **not approved**.

The round keeps the outcome (and the place); then the concept note moves through its own table
(`workflows/concept_note.py`) by the outcome's trigger, whose guard (`fund.committee.guards`)
passes only when the latest round closed with that outcome. Callers commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from fund.accounts.models import User
from fund.committee.models import Outcome, VotingRound
from fund.committee.tally import APPROVED, Tally
from fund.committee.workflow import CommitteeRefused
from fund.dialects import advisory_lock
from fund.extensions import db, take_write_lock
from fund.labels import N_
from fund.proposals import status_rules
from fund.proposals.models import Proposal
from fund.proposals.operations import fire
from fund.proposals.ranking import place_at
from fund.sentences import Counted, Np_, Sentence

SELECT = Outcome.SELECTED.value
PIPELINE = Outcome.PIPELINE.value

# The secretariat's choice when the committee approves a concept note, as the closing form asks.
DECISION_LABELS = {
    SELECT: N_("Select for development: the applicant may be invited to a full programme now"),
    PIPELINE: N_("Approve into the pipeline, at the place the committee set"),
}

# The concept note's trigger for each outcome of its round.
TRIGGERS = {
    Outcome.SELECTED: "select_for_development",
    Outcome.PIPELINE: "place_in_pipeline",
    Outcome.NOT_APPROVED: "decline",
}

# The lock every change of the pipeline's order takes (PostgreSQL; SQLite's write lock).
PIPELINE_ORDER_LOCK = "pipeline_order"


@dataclass(frozen=True)
class Decision:
    """The outcome a closing records on a concept note, and its place in the pipeline."""

    outcome: Outcome
    place: int | None = None


def pipeline_size() -> int:
    """How many concept notes are in the pipeline now."""
    return (
        db.session.scalar(select(func.count(Proposal.id)).where(status_rules.note_in_pipeline()))
        or 0
    )


def lock_pipeline_order() -> None:
    """Take the lock of the pipeline's order until the transaction ends: two decisions placing
    concept notes at the same moment take their places one after the other."""
    connection = db.session.connection()
    if not advisory_lock(connection, PIPELINE_ORDER_LOCK):
        take_write_lock()


def _places_text(size: int) -> Sentence:
    if size == 0:
        return Sentence(N_("The pipeline is empty: the concept note's place is 1."))
    return Counted(
        Np_(
            "There is %(num)s concept note in the pipeline: the place is a whole number from 1 "
            "(first) to %(last)s (last).",
            "There are %(num)s concept notes in the pipeline: the place is a whole number from 1 "
            "(first) to %(last)s (last).",
        ),
        size,
        last=size + 1,
    )


def decision_for(counted: Tally, choice: str | None, place: int | None) -> Decision | None:
    """The outcome of closing a concept note's round with this tally, the secretariat's choice
    (`selected` or `pipeline`) and the place given; None without quorum. Refused, on its field,
    when the committee approved and the choice or the place is missing or out of range."""
    if not counted.quorum_met:
        return None
    if counted.outcome != APPROVED:
        return Decision(Outcome.NOT_APPROVED)
    if choice == SELECT:
        return Decision(Outcome.SELECTED)
    if choice != PIPELINE:
        raise CommitteeRefused(
            N_(
                "The committee approved the concept note: choose whether it is selected for "
                "development or approved into the pipeline."
            ),
            field="decision",
        )
    lock_pipeline_order()
    size = pipeline_size()
    if place is None:
        raise CommitteeRefused(
            N_("Give the concept note's place in the pipeline. %(places)s"),
            field="rank",
            places=_places_text(size),
        )
    if not 1 <= place <= size + 1:
        raise CommitteeRefused(_places_text(size), field="rank")
    return Decision(Outcome.PIPELINE, place)


def agreed_outcome(counted: Tally, outcome: str, number: int) -> None:
    """A decision recorded at a meeting closes the concept note's round `number` as the closing
    form does (`decision_for`): refused, on its field, unless the round's votes give that
    outcome (quorum met; approved for selected or pipeline, not approved otherwise)."""
    if not counted.quorum_met:
        raise CommitteeRefused(
            N_(
                "Round %(number)s has no quorum yet: the members present vote in it before the "
                "committee's decision is recorded."
            ),
            field="outcome",
            number=number,
        )
    approved = counted.outcome == APPROVED
    if approved != (outcome in (SELECT, PIPELINE)):
        said = (
            N_(
                "The votes of round %(number)s approve the concept note: the decision recorded "
                "must agree with them."
            )
            if approved
            else N_(
                "The votes of round %(number)s do not approve the concept note: the decision "
                "recorded must agree with them."
            )
        )
        raise CommitteeRefused(said, field="outcome", number=number)


def record_decision(
    note: Proposal,
    round_: VotingRound,
    decision: Decision,
    actor: User,
    *,
    summary: str,
    now: datetime,
) -> None:
    """Move the concept note by the outcome its closed round records: into the pipeline at the
    round's place (the others from that place on move down one), selected, or not approved."""
    details: dict[str, int] = {"round": round_.number, "round_id": round_.id}
    if decision.outcome == Outcome.PIPELINE:
        if decision.place is None:  # decision_for asks for it
            raise ValueError("A place in the pipeline is needed for this decision.")
        place_at(note.id, decision.place)
        details["place"] = decision.place
    fire(
        note,
        TRIGGERS[decision.outcome],
        actor,
        comment=summary or None,
        details=details,
        now=now,
    )

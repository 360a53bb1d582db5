"""Creating and changing calls for proposals (audited). Callers commit."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import column, select, table

from fund.accounts.models import User
from fund.audit.operations import add_recorded, record
from fund.calls.models import Call, CallStage, Stage
from fund.extensions import db, utcnow
from fund.labels import N_
from fund.refusals import Refused


class CallRefused(Refused, ValueError):
    """A call's values the fund does not accept; `field` names the form field."""


@dataclass(frozen=True)
class CallValues:
    title: str
    description: str
    opens_on: date
    closes_on: date
    envelope: Decimal
    min_budget: Decimal
    max_budget: Decimal
    min_duration_months: int
    max_duration_months: int
    decision_rule: str
    quorum: int | None
    stage: str = CallStage.FULL_PROPOSAL.value
    endorsement_stage: str = Stage.FULL_PROPOSAL.value


def _check_stages(call: Call | None, values: CallValues) -> None:
    if values.stage not in {s.value for s in CallStage}:
        raise CallRefused(N_("Choose what the call takes."), "stage")
    if values.endorsement_stage not in {s.value for s in Stage}:
        raise CallRefused(N_("Choose when the endorsement letters are due."), "endorsement_stage")
    if (
        values.endorsement_stage == Stage.CONCEPT_NOTE
        and values.stage != CallStage.CONCEPT_NOTE_FIRST
    ):
        raise CallRefused(
            N_(
                "Endorsement letters can be due with the concept note only in a concept-note-first "
                "call."
            ),
            "endorsement_stage",
        )
    if (
        call is not None
        and call.stage == CallStage.CONCEPT_NOTE_FIRST
        and values.stage != CallStage.CONCEPT_NOTE_FIRST
        and has_concept_notes(call)
    ):
        raise CallRefused(
            N_("This call has concept notes: it stays a concept-note-first call."), "stage"
        )


# The columns of `proposals` this package reads (fund.proposals, a higher layer, owns the table).
_PROPOSALS = table("proposals", column("id"), column("call_id"), column("kind"))


def has_concept_notes(call: Call) -> bool:
    """Whether concept notes were made in the call."""
    return (
        db.session.scalar(
            select(_PROPOSALS.c.id)
            .where(_PROPOSALS.c.call_id == call.id, _PROPOSALS.c.kind == "concept_note")
            .limit(1)
        )
        is not None
    )


def _check(values: CallValues) -> None:
    if values.closes_on < values.opens_on:
        raise CallRefused(N_("The call cannot close before it opens."), "closes_on")
    if values.max_budget < values.min_budget:
        raise CallRefused(N_("The largest budget must not be below the smallest."), "max_budget")
    if values.max_duration_months < values.min_duration_months:
        raise CallRefused(
            N_("The longest duration must not be below the shortest."), "max_duration_months"
        )


def save_call(
    actor: User, call: Call | None, values: CallValues, *, now: datetime | None = None
) -> Call:
    """Create (call=None) or update a call; every change is audited with before and after."""
    _check(values)
    _check_stages(call, values)
    new = asdict(values)
    if call is None:
        return add_recorded(
            Call(**new), "call_created", "call", actor, details=new, now=now or utcnow()
        )
    changes = {k: [getattr(call, k), v] for k, v in new.items() if getattr(call, k) != v}
    for key, value in new.items():
        setattr(call, key, value)
    if changes:
        db.session.flush()
        record("call_updated", "call", call.id, actor, details=changes, now=now or utcnow())
    return call

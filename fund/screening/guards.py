"""The screening gates of the proposal and concept note workflows.

Both read the active criteria of the call for the row's stage (a concept note's criteria, or a
full proposal's) and the checks recorded for its current submission (checks of an earlier
submission never count). They change nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from fund.calls.models import Stage
from fund.extensions import db
from fund.screening.models import CheckResult, ScreeningCheck, ScreeningCriterion

_PASSING = frozenset({CheckResult.PASS.value, CheckResult.NOT_APPLICABLE.value})


def active_criteria(
    call_id: int, stage: str = Stage.FULL_PROPOSAL.value
) -> list[ScreeningCriterion]:
    """The call's active criteria of `stage` in checklist order."""
    return list(
        db.session.scalars(
            select(ScreeningCriterion)
            .where(
                ScreeningCriterion.call_id == call_id,
                ScreeningCriterion.stage == stage,
                ScreeningCriterion.active.is_(True),
            )
            .order_by(ScreeningCriterion.position, ScreeningCriterion.id)
        )
    )


def criteria_of(proposal) -> list[ScreeningCriterion]:
    """The active criteria a proposal (or concept note) is screened against."""
    return active_criteria(proposal.call_id, proposal.stage)


def current_checks(proposal) -> dict[int, ScreeningCheck]:
    """The checks recorded for the proposal's current submission, by criterion id."""
    checks = db.session.scalars(
        select(ScreeningCheck).where(
            ScreeningCheck.proposal_id == proposal.id,
            ScreeningCheck.version_number == proposal.submission_number,
        )
    )
    return {check.criterion_id: check for check in checks}


def _no_criteria(proposal) -> list[str]:
    which = "concept-note " if proposal.is_concept_note else ""
    return [
        f"The call “{proposal.call.title}” has no active {which}screening criteria, so no "
        "screening can be recorded yet."
    ]


def _not_checked(criterion: ScreeningCriterion, submission: int) -> str:
    return f"Not checked yet for submission {submission}: {criterion.label}"


def screening_recorded(proposal, actor, context: Mapping[str, Any]) -> list[str]:
    """Every active criterion has a check for the current submission (whatever the result)."""
    criteria = criteria_of(proposal)
    if not criteria:
        return _no_criteria(proposal)
    checks = current_checks(proposal)
    return [
        _not_checked(criterion, proposal.submission_number)
        for criterion in criteria
        if criterion.id not in checks
    ]


def screening_passed(proposal, actor, context: Mapping[str, Any]) -> list[str]:
    """Every active criterion is checked for the current submission and passes or is N/A."""
    criteria = criteria_of(proposal)
    if not criteria:
        return _no_criteria(proposal)
    checks = current_checks(proposal)
    problems = []
    for criterion in criteria:
        check = checks.get(criterion.id)
        if check is None:
            problems.append(_not_checked(criterion, proposal.submission_number))
        elif check.result not in _PASSING:
            note = (check.note or "").strip()
            problems.append(f"Failed: {criterion.label}" + (f" ({note})" if note else ""))
    return problems

"""The screening gates of the proposal and concept note workflows.

Both read the active criteria of the call for the row's stage (a concept note's criteria, or a
full proposal's) and the checks recorded for its current submission (checks of an earlier
submission never count). They change nothing. They say what is missing in English (the
workflow's refusal); `recorded_problems` and `passed_problems` say it in a page's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from fund.calls.models import Stage
from fund.extensions import db
from fund.i18n import seed_text
from fund.labels import N_
from fund.screening.models import PASSING, ScreeningCheck, ScreeningCriterion
from fund.sentences import Translate, english


# A sentence in a language: the English declared, or its translation (`flask_babel.gettext`),
# its named placeholders filled.
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


def _no_criteria(proposal, translate: Translate) -> list[str]:
    if proposal.is_concept_note:
        text = N_(
            "The call “%(call)s” has no active concept-note screening criteria, so no "
            "screening can be recorded yet."
        )
    else:
        text = N_(
            "The call “%(call)s” has no active screening criteria, so no screening can be "
            "recorded yet."
        )
    return [translate(text, call=proposal.call.title)]


def _label(criterion: ScreeningCriterion, translate: Translate) -> str:
    """The criterion's label as `translate`'s language reads it (`fund.i18n.seed_text`)."""
    return criterion.label if translate is english else seed_text(criterion.label)


def _not_checked(criterion: ScreeningCriterion, submission: int, translate: Translate) -> str:
    return translate(
        N_("Not checked yet for submission %(submission)s: %(criterion)s"),
        submission=submission,
        criterion=_label(criterion, translate),
    )


def recorded_problems(proposal, translate: Translate = english) -> list[str]:
    """The active criteria without a check for the current submission (whatever the
    result)."""
    criteria = criteria_of(proposal)
    if not criteria:
        return _no_criteria(proposal, translate)
    checks = current_checks(proposal)
    return [
        _not_checked(criterion, proposal.submission_number, translate)
        for criterion in criteria
        if criterion.id not in checks
    ]


def passed_problems(proposal, translate: Translate = english) -> list[str]:
    """The active criteria not checked for the current submission, or checked and failed."""
    criteria = criteria_of(proposal)
    if not criteria:
        return _no_criteria(proposal, translate)
    checks = current_checks(proposal)
    problems = []
    for criterion in criteria:
        check = checks.get(criterion.id)
        if check is None:
            problems.append(_not_checked(criterion, proposal.submission_number, translate))
        elif check.result not in PASSING:
            note = (check.note or "").strip()
            if note:
                failed = translate(
                    N_("Failed: %(criterion)s (%(note)s)"),
                    criterion=_label(criterion, translate),
                    note=note,
                )
            else:
                failed = translate(
                    N_("Failed: %(criterion)s"), criterion=_label(criterion, translate)
                )
            problems.append(failed)
    return problems


def screening_recorded(proposal, actor, context: Mapping[str, Any]) -> list[str]:
    """Every active criterion has a check for the current submission (whatever the result)."""
    return recorded_problems(proposal)


def screening_passed(proposal, actor, context: Mapping[str, Any]) -> list[str]:
    """Every active criterion is checked for the current submission and passes or is N/A."""
    return passed_problems(proposal)

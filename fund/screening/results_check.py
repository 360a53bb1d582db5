"""The screening's finding on a full proposal's results framework (the automatic criterion
`results_framework`): some outcome of the proposal maps to its primary objective and has an
indicator with a baseline (value and year) and a target (an end target or a yearly target).

Read in one statement whatever the framework's size; a concept note is not asked for it."""

from __future__ import annotations

from sqlalchemy import and_, func, select

from fund.extensions import db
from fund.labels import N_
from fund.proposals.checks import Rules, criterion_results
from fund.proposals.models import Proposal
from fund.proposals.results import (
    ResultIndicator,
    ResultOutcome,
    result_outcome_objectives,
)
from fund.sentences import Sentence

RESULTS_CRITERION = "results_framework"


def results_framework_problems(proposal: Proposal) -> list[str]:
    """Why the framework has no indicator with a baseline and a target for the primary
    objective (an empty list: it has one)."""
    number = proposal.primary_objective_number
    if number is None:
        return [
            Sentence(
                N_("No primary GCM objective is chosen, so no outcome can be read against it.")
            )
        ]
    has_baseline, has_target = ResultIndicator.has_baseline, ResultIndicator.has_target
    outcomes, baselines, complete = db.session.execute(
        select(
            func.count(ResultOutcome.id.distinct()),
            func.count(ResultIndicator.id).filter(has_baseline),
            func.count(ResultIndicator.id).filter(and_(has_baseline, has_target)),
        )
        .select_from(ResultOutcome)
        .join(
            result_outcome_objectives,
            and_(
                result_outcome_objectives.c.outcome_id == ResultOutcome.id,
                result_outcome_objectives.c.objective_number == number,
            ),
        )
        .outerjoin(ResultIndicator, ResultIndicator.outcome_id == ResultOutcome.id)
        .where(ResultOutcome.proposal_id == proposal.id)
    ).one()
    if complete:
        return []
    if not outcomes:
        return [
            Sentence(
                N_(
                    "No outcome of the results framework maps to the primary objective "
                    "(objective %(number)s)."
                ),
                number=number,
            )
        ]
    if not baselines:
        return [
            Sentence(
                N_(
                    "No indicator of the outcomes for the primary objective (objective "
                    "%(number)s) has a baseline (value and year)."
                ),
                number=number,
            )
        ]
    return [
        Sentence(
            N_(
                "No indicator of the outcomes for the primary objective (objective %(number)s) "
                "with a baseline has a target (an end target or a yearly target)."
            ),
            number=number,
        )
    ]


def findings(proposal: Proposal, rules: Rules) -> dict[str, list[str]]:
    """What the system finds for each automatic criterion of the proposal's kind (an empty list:
    the criterion passes): the submission checks, and for a full proposal its results
    framework."""
    found = criterion_results(proposal, rules)
    if not proposal.is_concept_note:
        found[RESULTS_CRITERION] = results_framework_problems(proposal)
    return found

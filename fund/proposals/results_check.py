"""The check of a full proposal's results framework that the fund's screening makes (the
automatic criterion `results_framework`) and that the applicant's editor and page show before
submission, as a warning that never stops it: some outcome of the proposal maps to its primary
objective and has an indicator with a baseline (value and year) and a target (an end target or a
yearly target). A concept note is not asked for it.

Read from the proposal's framework as loaded: the submission checks (`fund.proposals.checks`)
read the same rows, so the pages that show both send no more statements for it."""

from __future__ import annotations

from fund.labels import N_
from fund.proposals.models import Proposal
from fund.sentences import Sentence


def results_framework_problems(proposal: Proposal) -> list[Sentence]:
    """Why the framework has no indicator with a baseline and a target for the primary
    objective (an empty list: it has one)."""
    number = proposal.primary_objective_number
    if number is None:
        return [
            Sentence(
                N_("No primary GCM objective is chosen, so no outcome can be read against it.")
            )
        ]
    outcomes = [
        outcome
        for outcome in proposal.outcomes
        if any(objective.number == number for objective in outcome.objectives)
    ]
    with_baseline = [i for outcome in outcomes for i in outcome.indicators if i.has_baseline]
    if any(indicator.has_target for indicator in with_baseline):
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
    if not with_baseline:
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


def results_warnings(proposal: Proposal) -> list[Sentence]:
    """What screening will find in the proposal's results framework, shown to the applicant
    before submitting without stopping it. Nothing for a concept note, nor while no primary
    objective is chosen: the framework is read against it, and submission asks for it first."""
    if proposal.is_concept_note or proposal.primary_objective_number is None:
        return []
    return results_framework_problems(proposal)

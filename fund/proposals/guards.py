"""The named guards of the proposal workflow.

Each guard returns the problems it finds (an empty list lets the transition pass). Guards read;
they never change anything. The context carries `today` (a UTC date) and the comment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from fund.proposals.checks import submission_problems
from fund.screening.guards import screening_passed, screening_recorded
from workflows import PROPOSAL_GUARD_NAMES

Guard = Callable[[Any, Any, Mapping[str, Any]], Iterable[str]]


def own_organization(proposal, actor, context: Mapping[str, Any]) -> list[str]:
    if actor.organization_id is not None and actor.organization_id == proposal.organization_id:
        return []
    return [f"Only people of {proposal.organization.name} can do this for their proposal."]


def call_open(proposal, actor, context: Mapping[str, Any]) -> list[str]:
    call, today = proposal.call, context["today"]
    if today < call.opens_on:
        return [f"The call “{call.title}” opens on {call.opens_on:%d %B %Y}."]
    if today > call.closes_on:
        return [f"The call “{call.title}” closed on {call.closes_on:%d %B %Y}."]
    return []


def submission_complete(proposal, actor, context: Mapping[str, Any]) -> list[str]:
    return [problem.message for problem in submission_problems(proposal, context["rules"])]


def _not_yet_available(step: str) -> Guard:
    """A gate whose records do not exist yet in this version: it stays closed, never open."""

    def guard(proposal, actor, context: Mapping[str, Any]) -> list[str]:
        return [f"This step needs {step}, which this version of the fund does not record yet."]

    guard.__name__ = f"requires_{step.replace(' ', '_')}"
    return guard


GUARDS: dict[str, Guard] = {
    "own_organization": own_organization,
    "call_open": call_open,
    "submission_complete": submission_complete,
    "screening_recorded": screening_recorded,
    "screening_passed": screening_passed,
    "committee_approved": _not_yet_available("a closed committee vote"),
    "committee_rejected": _not_yet_available("a closed committee vote"),
    "funds_available": _not_yet_available("the fund's balance"),
    "fully_disbursed_or_reason": _not_yet_available("the disbursement records"),
}

assert set(GUARDS) == set(PROPOSAL_GUARD_NAMES), "every guard of the table has a predicate"

"""The named guards of the proposal workflow.

Each guard returns the problems it finds (an empty list lets the transition pass). Guards read;
they never change anything. The context carries `today` (a UTC date) and the comment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from fund.committee.guards import committee_approved, committee_rejected
from fund.finance.guards import fully_disbursed_or_reason, funds_available
from fund.proposals.checks import submission_problems
from fund.proposals.snapshots import unchanged_since
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


def revised_since_last_version(proposal, actor, context: Mapping[str, Any]) -> list[str]:
    """A proposal submitted before goes in again only with something changed."""
    last = unchanged_since(proposal, context["rules"].indirect_rate)
    if last is None:
        return []
    return [
        f"Nothing has changed since version {last.number} was submitted. Revise the proposal "
        "as requested, then submit it again."
    ]


GUARDS: dict[str, Guard] = {
    "own_organization": own_organization,
    "call_open": call_open,
    "submission_complete": submission_complete,
    "revised_since_last_version": revised_since_last_version,
    "screening_recorded": screening_recorded,
    "screening_passed": screening_passed,
    "committee_approved": committee_approved,
    "committee_rejected": committee_rejected,
    "funds_available": funds_available,
    "fully_disbursed_or_reason": fully_disbursed_or_reason,
}

# A real check, not an assert: `python -O` strips asserts, and a guard without a predicate
# must stop the application from starting.
if set(GUARDS) != set(PROPOSAL_GUARD_NAMES):
    raise RuntimeError("every guard of the workflow table needs a predicate in GUARDS")

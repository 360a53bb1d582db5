"""The named guards of the proposal workflow and the registry the workflow engine reads.

Each guard returns the problems it finds (an empty list lets the transition pass). Guards read;
they never change anything. The context carries `today` (a UTC date) and the comment.

The proposal's own guards are here; screening, the committee and finance register theirs in
GUARDS from their package's `init_app` (they depend on proposals, never the other way round).
A concept note follows its own table, whose guards are in CONCEPT_NOTE_GUARDS, filled the same
way. `create_app` then checks that every guard of both tables has its predicate.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select

from fund.days import DAY
from fund.extensions import db
from fund.labels import N_
from fund.proposals.checks import submission_problems, submission_window
from fund.proposals.models import Proposal
from fund.proposals.snapshots import unchanged_since
from fund.sentences import OnDay, Sentence
from workflows import PROPOSAL_GUARD_NAMES, GuardRegistry
from workflows.concept_note import CONCEPT_NOTE_GUARD_NAMES


def own_organization(proposal, actor, context: Mapping[str, Any]) -> list[str]:
    if actor.organization_id is not None and actor.organization_id == proposal.organization_id:
        return []
    return [
        Sentence(
            N_("Only people of %(organization)s can do this for their proposal."),
            organization=proposal.organization.name,
        )
    ]


def call_open(proposal, actor, context: Mapping[str, Any]) -> list[str]:
    """The call takes submissions today (`submission_window`, which the pages read too)."""
    return submission_window(proposal, context["today"])


def submission_complete(proposal, actor, context: Mapping[str, Any]) -> list[str]:
    return [
        Sentence(problem.text, **(problem.values or {}))
        for problem in submission_problems(proposal, context["rules"])
    ]


def revised_since_last_version(proposal, actor, context: Mapping[str, Any]) -> list[str]:
    """A proposal submitted before goes in again only with something changed."""
    last = unchanged_since(proposal, context["rules"].indirect_rate)
    if last is None:
        return []
    return [
        Sentence(
            N_(
                "Nothing has changed since version %(number)s was submitted. Revise the "
                "proposal as requested, then submit it again."
            ),
            number=last.number,
        )
    ]


# The guards of the applicant's own steps, named alike in both tables.
APPLICANT_GUARDS = {
    "own_organization": own_organization,
    "call_open": call_open,
    "revised_since_last_version": revised_since_last_version,
}

GUARDS = GuardRegistry()
GUARDS.register(**APPLICANT_GUARDS, submission_complete=submission_complete)


def invitation_deadline_problem(deadline: date | None, today: date) -> Sentence | None:
    """Why `deadline` cannot be the deadline of an invitation to a full programme on `today`
    (none given, or not after today), or None: one rule for the invitation's form and for the
    workflow's guard."""
    if deadline is None:
        return Sentence(N_("Give the date by which the full proposal is due."))
    if deadline <= today:
        return Sentence(
            N_("The deadline must be a date after today (%(today)s)."), today=OnDay(today, DAY)
        )
    return None


def invitation_recorded(note, actor, context: Mapping[str, Any]) -> list[str]:
    """The invitation to a full programme has its deadline, after today
    (`fund.proposals.invitations.invite` records it)."""
    problem = invitation_deadline_problem(note.invited_until, context["today"])
    return [problem] if problem is not None else []


def full_proposal_created(note, actor, context: Mapping[str, Any]) -> list[str]:
    """A concept note is converted once its full proposal exists (made from the invitation:
    `fund.proposals.invitations.start_full_proposal`)."""
    made = db.session.scalar(select(Proposal.id).where(Proposal.concept_note_id == note.id))
    if made is None:
        return [Sentence(N_("No full proposal has been created from this concept note."))]
    return []


CONCEPT_NOTE_GUARDS = GuardRegistry()
CONCEPT_NOTE_GUARDS.register(
    **APPLICANT_GUARDS,
    concept_note_complete=submission_complete,
    invitation_recorded=invitation_recorded,
    full_proposal_created=full_proposal_created,
)


def check_complete() -> None:
    """Stop the application from starting unless every guard of each workflow table has a
    predicate, and nothing else is registered. A real check, not an assert: `python -O`
    strips asserts."""
    for registry, needed, table in (
        (GUARDS, PROPOSAL_GUARD_NAMES, "proposal"),
        (CONCEPT_NOTE_GUARDS, CONCEPT_NOTE_GUARD_NAMES, "concept note"),
    ):
        if set(registry) != set(needed):
            missing = sorted(set(needed) - set(registry))
            unknown = sorted(set(registry) - set(needed))
            raise RuntimeError(
                f"every guard of the {table} workflow table needs a predicate in its registry "
                f"(missing: {', '.join(missing) or 'none'}; "
                f"unknown: {', '.join(unknown) or 'none'})"
            )

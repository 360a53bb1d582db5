"""What the concept note's and the proposal's pages show of the invitation to a full programme:
the links to the next step (inviting, starting the full programme) and between a concept note
and the full proposal made from it, and the full budget against the indicative total."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import url_for
from flask_babel import gettext as _

from fund.accounts.models import Role
from fund.extensions import utcnow
from fund.labels import N_
from fund.proposals.access import can_view
from fund.proposals.conversion import TotalComparison, compare_totals, snapshot_budget
from fund.proposals.invitations import full_proposal_of, invitation_expired
from fund.proposals.models import Proposal
from workflows import NOTE_INVITABLE_STATES
from workflows.concept_note import NOTE_CONVERTED_STATE, NOTE_INVITED_STATE

Link = tuple[str, str]


def links(user: Any, proposal: Proposal) -> list[Link]:
    """The invitation's links on a concept note's page for this viewer: to invite it, or to
    give its invitation a new deadline (the secretariat), to start its full programme (its
    applicants) and to the full proposal made from it. (A full proposal's page links its
    concept note in its panel: `origin`.)"""
    found: list[Link] = []
    if not proposal.is_concept_note:
        return found
    if proposal.status in NOTE_INVITABLE_STATES and user.has_role(Role.SECRETARIAT):
        found.append(
            (
                url_for("invitations.invite", note_id=proposal.id),
                N_("Invite to a full programme"),
            )
        )
    if proposal.status == NOTE_INVITED_STATE and user.has_role(Role.SECRETARIAT):
        found.append(
            (
                url_for("invitations.invite", note_id=proposal.id),
                N_("Extend the invitation's deadline, or invite again"),
            )
        )
    if (
        proposal.status == NOTE_INVITED_STATE
        and user.has_role(Role.APPLICANT)
        and user.organization_id == proposal.organization_id
        and not invitation_expired(proposal, utcnow().date())  # the start refuses it then
    ):
        found.append(
            (
                url_for("invitations.full_proposal", note_id=proposal.id),
                N_("Start the full programme"),
            )
        )
    if proposal.status == NOTE_CONVERTED_STATE:
        full = full_proposal_of(proposal.id)
        if full is not None and can_view(user, full):
            found.append(
                (
                    url_for("proposals.detail", proposal_id=full.id),
                    _("The full programme %(reference)s", reference=full.reference),
                )
            )
    return found


@dataclass(frozen=True)
class Origin:
    """The concept note a full proposal was made from, and the budget against its total."""

    note: Proposal
    comparison: TotalComparison
    may_view_note: bool


def origin(user: Any, proposal: Proposal, budget_total: Decimal | None) -> Origin | None:
    """For a full proposal made from a concept note: the note and the comparison of
    `budget_total` (None: no budget lines) with its indicative total."""
    note = None if proposal.is_concept_note else proposal.concept_note
    if note is None:
        return None
    return Origin(note, compare_totals(note, budget_total), can_view(user, note))


def origin_of_version(user: Any, proposal: Proposal, snapshot: Mapping[str, Any]) -> Origin | None:
    """The same, for a submitted version of the full proposal (its stored budget total)."""
    return origin(user, proposal, snapshot_budget(snapshot))

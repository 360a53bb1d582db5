"""Who may see a proposal: object-level rules on top of the route's role check."""

from __future__ import annotations

from flask import abort

from fund.accounts.models import Role, User
from fund.proposals.models import Proposal
from workflows import COMMITTEE_STATES, NOTE_COMMITTEE_STATES

# From the committee's review onward, the committee sees a proposal or a concept note.
COMMITTEE_VISIBLE = frozenset((*COMMITTEE_STATES, *NOTE_COMMITTEE_STATES))


def can_view(user: User, proposal: Proposal) -> bool:
    if not user.is_authenticated:
        return False
    if user.has_role(Role.SECRETARIAT):
        return True
    if user.has_role(Role.APPLICANT) and user.organization_id == proposal.organization_id:
        return True
    return user.has_role(Role.COMMITTEE) and proposal.status in COMMITTEE_VISIBLE


def seen_by(user: User, proposal: Proposal | None, *, concept_note: bool | None = None) -> Proposal:
    """`proposal` when `user` may see it (and, given `concept_note`, it is a concept note or a
    full proposal as asked); otherwise 404, as for one that does not exist, so that a page or an
    API answer never reveals that it does."""
    if (
        proposal is None
        or not can_view(user, proposal)
        or (concept_note is not None and proposal.is_concept_note != concept_note)
    ):
        abort(404)
    return proposal

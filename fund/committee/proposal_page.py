"""The committee's part of the proposal page, registered with `fund.proposals.page.PAGE` by
the package's `init_app`: the link to the committee's decision and who reads the notes for the
committee."""

from __future__ import annotations

from flask import url_for

from fund.accounts.models import Role, User
from fund.committee.models import RoundStatus
from fund.committee.queries import conflict_of, record_access, rounds_of
from fund.committee.visibility import NOT_LOOKED_UP, Unknown
from fund.labels import N_
from fund.proposals.models import Proposal


def decision_link(user: User, proposal: Proposal) -> list[tuple[str, str]]:
    """The record of the last closed round, linked only when the viewer may open it (a recused
    member may not)."""
    closed = [r for r in rounds_of(proposal.id) if r.status == RoundStatus.CLOSED]
    if closed and record_access(user, closed[-1], proposal)[0]:
        href = url_for("committee.record", round_id=closed[-1].id)
        return [(href, N_("The committee's decision"))]
    return []


def reads_notes(
    user: User, proposal: Proposal, *, conflict: str | Unknown | None = NOT_LOOKED_UP
) -> bool:
    """Whether the viewer reads the secretariat's notes for the committee: the secretariat and
    the committee members without a conflict on the proposal (`conflict`: the viewer's, when
    the caller looked it up, as `record_access` takes it)."""
    if user.has_role(Role.SECRETARIAT):
        return True
    if not user.has_role(Role.COMMITTEE):
        return False
    if conflict is NOT_LOOKED_UP:
        conflict = conflict_of(user, proposal)
    return conflict is None

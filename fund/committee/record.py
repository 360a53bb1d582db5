"""Reading a closed round's decision record and the notes the committee reads: the version
decided on, the people and organizations it names, the conditions of approval, and the
secretariat's notes written when forwarding the proposal."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from fund.accounts.models import User
from fund.audit.models import AuditEvent
from fund.committee.models import Choice, Meeting, MeetingItem, VotingRound
from fund.extensions import db
from fund.proposals.models import ProposalVersion
from fund.proposals.queries import organization_names as proposal_organization_names

# The secretariat's notes ----------------------------------------------------------------------

FORWARD_ACTION = "forward_to_committee"


def forwarding_notes(proposal_id: int) -> list[Any]:
    """The notes the secretariat wrote for the committee when forwarding the proposal, the
    latest first: rows of (occurred_at, actor_name, comment)."""
    return list(
        db.session.execute(
            select(AuditEvent.occurred_at, AuditEvent.actor_name, AuditEvent.comment)
            .where(
                AuditEvent.subject_type == "proposal",
                AuditEvent.subject_id == str(proposal_id),
                AuditEvent.action == FORWARD_ACTION,
                AuditEvent.comment.is_not(None),
                AuditEvent.comment != "",
            )
            .order_by(AuditEvent.id.desc())
        )
    )


# The decision record ------------------------------------------------------------------------


def version_of(proposal_id: int, number: int) -> ProposalVersion | None:
    return db.session.scalar(
        select(ProposalVersion)
        .where(ProposalVersion.proposal_id == proposal_id, ProposalVersion.number == number)
        .options(joinedload(ProposalVersion.submitted_by))
    )


def users_by_id(ids: set[int | None]) -> dict[int, User]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(wanted)))}


def organization_names(ids: set[int | None]) -> dict[int, str]:
    """Each organization's acronym, or its name without one (`fund.proposals.queries`)."""
    return proposal_organization_names({i for i in ids if i is not None})


def approval_conditions(round_: VotingRound) -> list[str]:
    """The conditions attached to votes to approve, without their authors, in text order."""
    return sorted(
        {
            v.conditions.strip()
            for v in round_.votes
            if v.choice == Choice.APPROVE and (v.conditions or "").strip()
        }
    )


def deciding_meeting(round_id: int) -> Meeting | None:
    """The meeting whose agenda item carries the round's decision (the earliest, if several):
    its record names it."""
    return db.session.scalar(
        select(Meeting)
        .join(MeetingItem, MeetingItem.meeting_id == Meeting.id)
        .where(MeetingItem.round_id == round_id)
        .order_by(Meeting.held_on, Meeting.id)
        .limit(1)
    )

"""Reading a closed round's decision record and the notes the committee reads: the version
decided on, the people and organizations it names, the conditions of approval, and the
secretariat's notes written when forwarding the proposal."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from fund.accounts.models import User
from fund.audit.models import AuditEvent
from fund.committee.meeting_checks import NOT_DECIDING
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


def deciding_items(round_ids: Iterable[int]) -> dict[int, tuple[MeetingItem, Meeting]]:
    """The agenda item that took each round's decision, with its meeting: the earliest held
    whose item names the round with an outcome that decides (not deferred nor noted,
    `NOT_DECIDING`); a meeting that only deferred the round did not decide it. One rule for
    the round's record and the pipeline (its page and booklet)."""
    found: dict[int, tuple[MeetingItem, Meeting]] = {}
    ids = sorted(set(round_ids))
    if not ids:
        return found
    rows = db.session.execute(
        select(MeetingItem, Meeting)
        .join(Meeting, Meeting.id == MeetingItem.meeting_id)
        .where(
            MeetingItem.round_id.in_(ids),
            MeetingItem.outcome.is_not(None),
            MeetingItem.outcome.not_in([o.value for o in NOT_DECIDING]),
        )
        .order_by(Meeting.held_on, Meeting.id, MeetingItem.id)
    )
    for item, meeting in rows:
        found.setdefault(item.round_id, (item, meeting))
    return found


def deciding_meeting(round_id: int) -> Meeting | None:
    """The meeting whose agenda item took the round's decision (`deciding_items`): its record
    names it."""
    found = deciding_items([round_id]).get(round_id)
    return found[1] if found else None

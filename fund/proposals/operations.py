"""The only place where a proposal changes state. Callers commit."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask import current_app

from fund.accounts.models import User
from fund.audit.models import AuditEvent
from fund.audit.operations import record
from fund.extensions import db, utcnow
from fund.proposals.checks import Rules
from fund.proposals.guards import GUARDS
from fund.proposals.models import Proposal
from fund.signals import proposal_transitioned
from workflows import PROPOSAL_WORKFLOW, Engine, Rule, TransitionRefused

ENGINE = Engine(PROPOSAL_WORKFLOW, GUARDS)

__all__ = ["ENGINE", "TransitionRefused", "allowed_actions", "fire"]


def rules_from_config(config: Mapping[str, Any]) -> Rules:
    return Rules(
        indirect_rate=Decimal(config["INDIRECT_SUPPORT_RATE"]),
        gender_minimum=int(config["GENDER_MARKER_MINIMUM"]),
    )


def workflow_context(now: datetime, extra: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "now": now,
        "today": now.date(),
        "rules": rules_from_config(current_app.config),
        **(extra or {}),
    }


def fire(
    proposal: Proposal,
    trigger: str,
    actor: User,
    *,
    comment: str | None = None,
    details: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> AuditEvent:
    """Check and perform `trigger` on `proposal` for `actor`, in the caller's transaction.

    Order: workflow checks (state, role, comment, guards) -> state change -> flush (the
    version counter refuses a stale update) -> audit event -> signal. Raises TransitionRefused
    with nothing changed.
    """
    now = now or utcnow()
    from_state, to_state = ENGINE.fire(
        proposal, trigger, actor, comment=comment, context=workflow_context(now, context)
    )
    if trigger == "submit":
        proposal.submitted_at = now
    db.session.flush()
    event = record(
        trigger,
        "proposal",
        proposal.id,
        actor,
        from_state=from_state,
        to_state=to_state,
        comment=(comment or "").strip() or None,
        details=details,
        now=now,
    )
    proposal_transitioned.send(
        proposal,
        trigger=trigger,
        from_state=from_state,
        to_state=to_state,
        actor=actor,
        comment=event.comment,
        event=event,
    )
    return event


def allowed_actions(proposal: Proposal, actor: User, now: datetime | None = None) -> list[Rule]:
    """The actions `actor` may take on `proposal` now (drives the buttons)."""
    if not actor.is_authenticated:
        return []
    return ENGINE.allowed(proposal, actor, context=workflow_context(now or utcnow(), None))


def create_draft(
    actor: User, *, call_id: int, title: str, summary: str = "", now: datetime | None = None
) -> Proposal:
    """A new draft for the actor's organization."""
    if actor.organization_id is None:
        raise ValueError("only a member of an organization can create a proposal")
    proposal = Proposal(
        call_id=call_id,
        organization_id=actor.organization_id,
        title=title.strip(),
        summary=summary.strip(),
        created_by_id=actor.id,
    )
    db.session.add(proposal)
    db.session.flush()
    record(
        "create",
        "proposal",
        proposal.id,
        actor,
        to_state=proposal.status,
        details={"title": proposal.title, "call": call_id},
        now=now,
    )
    return proposal

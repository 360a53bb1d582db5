"""The only place where a proposal changes state. Callers commit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask import current_app
from sqlalchemy import select

from fund.accounts.models import Organization, User
from fund.audit.models import AuditEvent
from fund.audit.operations import record
from fund.calls.models import Call
from fund.extensions import db, utcnow
from fund.labels import N_
from fund.money import configured_indirect_rate
from fund.proposals.approval import record_approval
from fund.proposals.checks import Rules
from fund.proposals.guards import CONCEPT_NOTE_GUARDS, GUARDS
from fund.proposals.models import (
    BudgetLine,
    Proposal,
    ProposalContact,
    ProposalKind,
    ProposalPrinciple,
    ProposalVersion,
)
from fund.proposals.snapshots import same_part, snapshot
from fund.reference.models import Country, GcmObjective
from fund.refusals import Refused
from fund.sentences import Sentence, Within
from fund.signals import proposal_transitioned
from workflows import EDITABLE_STATES, PROPOSAL_WORKFLOW, Engine, Rule
from workflows.concept_note import CONCEPT_NOTE_WORKFLOW

ENGINE = Engine(PROPOSAL_WORKFLOW, GUARDS)
CONCEPT_NOTE_ENGINE = Engine(CONCEPT_NOTE_WORKFLOW, CONCEPT_NOTE_GUARDS)
_ENGINES = {ProposalKind.PROPOSAL: ENGINE, ProposalKind.CONCEPT_NOTE: CONCEPT_NOTE_ENGINE}


def engine_for(proposal: Proposal) -> Engine:
    """The engine of the row's own transition table, chosen by its kind (the one place)."""
    return _ENGINES[proposal.kind]


def rules_from_config(config: Mapping[str, Any], today: date | None = None) -> Rules:
    """The fund's rules of submission; `today` (UTC): the day a planned start is judged on
    (without it, as in screening, it is not)."""
    return Rules(
        indirect_rate=configured_indirect_rate(config),
        gender_minimum=int(config["GENDER_MARKER_MINIMUM"]),
        today=today,
        start_horizon_months=int(config["PLANNED_START_HORIZON_MONTHS"]),
    )


def workflow_context(now: datetime, extra: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "now": now,
        "today": now.date(),
        "rules": rules_from_config(current_app.config, now.date()),
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
    send_signal: bool = True,
) -> AuditEvent:
    """Check and perform `trigger` on `proposal` for `actor`, in the caller's transaction.

    Order: workflow checks (state, role, comment, guards) -> state change -> flush (the
    version counter refuses a stale update) -> audit event -> signal. Raises TransitionRefused
    with nothing changed. A caller whose operation goes on after the transition passes
    `send_signal=False` and calls `announce_transition` once it is complete (funding: after
    the allocation is written), so that receivers see the whole change.
    """
    now = now or utcnow()
    from_state, to_state = engine_for(proposal).fire(
        proposal, trigger, actor, comment=comment, context=workflow_context(now, context)
    )
    if trigger == "submit":
        proposal.submitted_at = now
        _store_version(proposal, actor, now)
    elif trigger == "approve":
        record_approval(proposal, now, rules_from_config(current_app.config).indirect_rate)
    db.session.flush()
    event = record(
        trigger,
        "proposal",
        proposal.id,
        actor,
        from_state=from_state,
        to_state=to_state,
        comment=(comment or "").strip() or None,
        details={**(details or {}), "version": proposal.submission_number}
        if trigger == "submit"
        else details,
        now=now,
    )
    if send_signal:
        announce_transition(proposal, actor, event)
    return event


def announce_transition(proposal: Proposal, actor: User, event: AuditEvent) -> None:
    """Send `proposal_transitioned` for the transition `event` recorded."""
    proposal_transitioned.send(
        proposal,
        trigger=event.action,
        from_state=event.from_state,
        to_state=event.to_state,
        actor=actor,
        comment=event.comment,
        event=event,
    )


def allowed_actions(proposal: Proposal, actor: User, now: datetime | None = None) -> list[Rule]:
    """The actions `actor` may take on `proposal` now (drives the buttons)."""
    if not actor.is_authenticated:
        return []
    return engine_for(proposal).allowed(
        proposal, actor, context=workflow_context(now or utcnow(), None)
    )


def draft_kind(call: Call) -> ProposalKind:
    """What a new draft in `call` is: a concept note where the call takes concept notes first
    (its full proposals are made from the notes it invites), else a full proposal."""
    return ProposalKind.CONCEPT_NOTE if call.takes_concept_notes else ProposalKind.PROPOSAL


def create_draft(
    actor: User,
    *,
    call_id: int,
    title: str,
    summary: str = "",
    kind: str | None = None,
    now: datetime | None = None,
) -> Proposal:
    """A new draft for the actor's organization, of the call's kind (`draft_kind`) unless
    `kind` names it: a concept note in a call that takes concept notes first, else a full
    proposal; a kind the call does not take is refused."""
    if actor.organization is None:
        raise ValueError("only a member of an organization can create a proposal")
    call = db.session.get(Call, call_id)
    if call is None:
        raise EditRefused(N_("This call does not exist."))
    expected = draft_kind(call)
    if kind is not None and kind != expected:
        raise EditRefused(
            N_("This call does not take concept notes.")
            if kind == ProposalKind.CONCEPT_NOTE
            else N_(
                "This call takes concept notes first: it takes full proposals only from the "
                "concept notes it invites."
            )
        )
    kind = expected.value
    proposal = Proposal(
        call_id=call_id,
        kind=kind,
        organization=actor.organization,
        title=title.strip(),
        summary=summary.strip(),
        created_by_id=actor.id,
        # Written, to begin with, in the language its author reads the fund in.
        content_language=actor.language or "en",
    )
    db.session.add(proposal)
    db.session.flush()
    record(
        "create",
        "proposal",
        proposal.id,
        actor,
        to_state=proposal.status,
        details={"title": proposal.title, "call": call_id}
        | ({"kind": kind} if kind != ProposalKind.PROPOSAL else {}),
        now=now,
    )
    return proposal


class EditRefused(Refused):
    """An edit the proposal's state or the actor's organization does not allow."""


@dataclass
class SharedValues:
    """What the applicant typed in the parts a proposal and a concept note share, already
    parsed; None or empty means not given yet."""

    title: str
    lead_organization_id: int | None = None
    participant_ids: list[int] = field(default_factory=list)
    scope: str | None = None
    country_codes: list[str] = field(default_factory=list)
    endorser_codes: list[str] = field(default_factory=list)
    duration_months: int | None = None
    primary_objective_number: int | None = None
    secondary_objective_numbers: list[int] = field(default_factory=list)
    gender_marker: int | None = None
    human_rights_marker: int | None = None
    principles: dict[str, str] = field(default_factory=dict)  # code -> explanation
    content_language: str | None = None  # None: unchanged


@dataclass
class DraftValues(SharedValues):
    """A proposal's draft as typed: the shared parts, then the proposal's own."""

    summary: str = ""
    rationale: str = ""
    planned_start: date | None = None
    contacts: list[tuple[str, str, str]] = field(default_factory=list)  # name, email, function
    # organization, objective, category, amount, description and, optionally, the programme
    # year (1 when not given)
    budget: list[tuple[Any, ...]] = field(default_factory=list)


def refusal_to_edit(
    proposal: Proposal, actor: User, *, closed: str | None = None, foreign: str | None = None
) -> EditRefused | None:
    """Why `actor` may not edit the proposal now (None: they may): only a draft or one
    returned for revision, only by people of its organization. The pages offer the editor by
    the same rule (`fund.proposals.draft_pages.editable`), its files change by it
    (`fund.proposals.attachments`, whose refusals are its own sentences: `closed`, with the
    status as its placeholder, and `foreign`, to another organization's people)."""
    if proposal.status not in EDITABLE_STATES:
        if closed is not None:
            return EditRefused(closed, status=Within(proposal.status_label))
        said = (
            N_(
                "This concept note is “%(status)s”: it can only be edited as a draft or when "
                "returned for revision."
            )
            if proposal.is_concept_note
            else N_(
                "This proposal is “%(status)s”: it can only be edited as a draft or when "
                "returned for revision."
            )
        )
        return EditRefused(said, status=Sentence(proposal.status_label))
    if actor.organization_id != proposal.organization_id:
        if foreign is not None:
            return EditRefused(foreign)
        return EditRefused(
            N_("Only people of the concept note's organization can edit it.")
            if proposal.is_concept_note
            else N_("Only people of the proposal's organization can edit it.")
        )
    return None


def check_editable(proposal: Proposal, actor: User) -> None:
    """Refuse the edit `refusal_to_edit` refuses."""
    if (refused := refusal_to_edit(proposal, actor)) is not None:
        raise refused


def _one(model: type, key: Any) -> Any:
    """The row of `model` with this key, or None when no key is given."""
    return db.session.get(model, key) if key else None


def set_shared_parts(proposal: Proposal, values: SharedValues) -> None:
    """Store the parts a proposal and a concept note share. Relationships are set, not only
    keys, so that checks in this same transaction see them."""
    proposal.title = values.title.strip()
    proposal.lead_organization = _one(Organization, values.lead_organization_id)
    proposal.scope = values.scope
    if values.content_language:
        proposal.content_language = values.content_language
    proposal.duration_months = values.duration_months
    proposal.primary_objective = _one(GcmObjective, values.primary_objective_number)
    proposal.gender_marker = values.gender_marker
    proposal.human_rights_marker = values.human_rights_marker
    proposal.participants = many(Organization, values.participant_ids)
    proposal.countries = many(Country, values.country_codes)
    proposal.endorsers = many(Country, values.endorser_codes)
    proposal.secondary_objectives = many(GcmObjective, values.secondary_objective_numbers)
    proposal.principles = [
        ProposalPrinciple(principle_code=code, explanation=text.strip())
        for code, text in values.principles.items()
    ]


def record_saved(
    proposal: Proposal, actor: User, before: dict[str, Any], now: datetime
) -> list[str]:
    """Finish saving a draft whose snapshot was `before`: touch the row (so the version counter
    moves), record the parts changed and return their names."""
    proposal.updated_at = now
    db.session.flush()
    after = snapshot(proposal)
    changed = [key for key in after if not same_part(key, before.get(key), after.get(key))]
    record("draft_saved", "proposal", proposal.id, actor, details={"changed": changed}, now=now)
    return changed


def save_draft(
    proposal: Proposal, actor: User, values: DraftValues, *, now: datetime | None = None
) -> list[str]:
    """Store the applicant's input (gaps allowed); returns the names of the parts changed."""
    now = now or utcnow()
    if proposal.is_concept_note:
        raise EditRefused(N_("This is a concept note: it is edited on the concept note's page."))
    check_editable(proposal, actor)
    before = snapshot(proposal)
    set_shared_parts(proposal, values)
    proposal.summary = values.summary.strip()
    proposal.rationale = values.rationale.strip()
    proposal.planned_start = values.planned_start
    proposal.contacts = [
        ProposalContact(name=name.strip(), email=email.strip(), function=function.strip())
        for name, email, function in values.contacts
    ]
    proposal.budget_lines = [
        BudgetLine(
            organization_id=organization_id,
            objective_number=objective,
            category_code=category,
            amount=amount,
            description=description.strip(),
            year=year[0] if year else 1,
        )
        for organization_id, objective, category, amount, description, *year in values.budget
    ]
    return record_saved(proposal, actor, before, now)


def many(model: type, keys: list[Any]) -> list[Any]:
    """The rows of `model` with these keys, in their order; refused if one does not exist."""
    if not keys:
        return []
    key_column = model.__mapper__.primary_key[0]
    rows = db.session.scalars(select(model).where(key_column.in_(keys))).all()
    if len(rows) != len(set(keys)):
        raise EditRefused(N_("Some of the chosen items do not exist."))
    return sorted(rows, key=lambda row: keys.index(getattr(row, key_column.key)))


def _store_version(proposal: Proposal, actor: User, now: datetime) -> ProposalVersion:
    proposal.submission_number += 1
    version = ProposalVersion(
        proposal_id=proposal.id,
        number=proposal.submission_number,
        submitted_at=now,
        submitted_by_id=actor.id,
        snapshot=snapshot(proposal),
    )
    db.session.add(version)
    return version

"""Writing a concept note: what its applicant types, stored in the draft. Callers commit.

A concept note is a row of `proposals` of kind `concept_note`: it keeps the proposal's columns
and tables where they mean the same (title, scope and countries, lead and participating UN
organizations, endorsing governments, objectives, duration, markers, guiding principles), the
problem in `rationale` and the change sought in `summary`, and has two tables of its own:
national partners and an indicative total per participating organization.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from fund.accounts.models import Organization, User
from fund.audit.operations import record
from fund.extensions import db, utcnow
from fund.proposals.models import (
    IndicativeTotal,
    NationalPartner,
    PartnerType,
    Proposal,
    ProposalPrinciple,
)
from fund.proposals.operations import EditRefused, check_editable, many
from fund.proposals.snapshots import same_part, snapshot
from fund.reference.models import Country, GcmObjective

_PARTNER_TYPES = frozenset(t.value for t in PartnerType)


@dataclass
class ConceptNoteValues:
    """What the applicant typed, already parsed; None or empty means not given yet."""

    title: str
    problem: str = ""
    change_sought: str = ""
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
    principles: dict[str, str] = field(default_factory=dict)  # code -> a sentence
    partners: list[tuple[str, str]] = field(default_factory=list)  # name, type
    indicative: dict[int, Decimal] = field(default_factory=dict)  # organization id -> USD


def _check_values(values: ConceptNoteValues) -> None:
    """Refuse what the database would refuse, with the applicant's words."""
    for name, partner_type in values.partners:
        if not name.strip():
            raise EditRefused("Every national partner needs a name.")
        if partner_type not in _PARTNER_TYPES:
            raise EditRefused(f"Choose the type of the national partner “{name.strip()}”.")
    for amount in values.indicative.values():
        if not isinstance(amount, Decimal) or amount <= 0:
            raise EditRefused("An indicative total must be more than zero.")


def save_concept_note(
    note: Proposal, actor: User, values: ConceptNoteValues, *, now: datetime | None = None
) -> list[str]:
    """Store the applicant's input (gaps allowed); returns the names of the parts changed."""
    now = now or utcnow()
    if not note.is_concept_note:
        raise EditRefused("This is a full proposal, not a concept note.")
    check_editable(note, actor)
    _check_values(values)
    before = snapshot(note)
    note.title = values.title.strip()
    note.rationale = values.problem.strip()
    note.summary = values.change_sought.strip()
    note.lead_organization = (
        db.session.get(Organization, values.lead_organization_id)
        if values.lead_organization_id
        else None
    )
    note.scope = values.scope
    note.duration_months = values.duration_months
    note.primary_objective = (
        db.session.get(GcmObjective, values.primary_objective_number)
        if values.primary_objective_number
        else None
    )
    note.gender_marker = values.gender_marker
    note.human_rights_marker = values.human_rights_marker
    note.participants = many(Organization, values.participant_ids)
    note.countries = many(Country, values.country_codes)
    note.endorsers = many(Country, values.endorser_codes)
    note.secondary_objectives = many(GcmObjective, values.secondary_objective_numbers)
    note.principles = [
        ProposalPrinciple(principle_code=code, explanation=text.strip())
        for code, text in values.principles.items()
    ]
    note.national_partners = [
        NationalPartner(name=name.strip(), partner_type=partner_type)
        for name, partner_type in values.partners
    ]
    organizations = {o.id: o for o in many(Organization, list(values.indicative))}
    note.indicative_totals = [
        IndicativeTotal(organization=organizations[organization_id], amount=amount)
        for organization_id, amount in values.indicative.items()
    ]
    note.updated_at = now  # always touches the row, so the version counter moves
    db.session.flush()
    after = snapshot(note)
    changed = [key for key in after if not same_part(key, before.get(key), after.get(key))]
    record("draft_saved", "proposal", note.id, actor, details={"changed": changed}, now=now)
    return changed

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
from fund.extensions import utcnow
from fund.labels import N_
from fund.proposals.models import (
    IndicativeTotal,
    NationalPartner,
    PartnerType,
    Proposal,
)
from fund.proposals.operations import (
    EditRefused,
    SharedValues,
    check_editable,
    many,
    record_saved,
    set_shared_parts,
)
from fund.proposals.snapshots import snapshot

_PARTNER_TYPES = frozenset(t.value for t in PartnerType)


@dataclass
class ConceptNoteValues(SharedValues):
    """A concept note as typed: the parts it shares with a proposal, then its own."""

    problem: str = ""
    change_sought: str = ""
    partners: list[tuple[str, str]] = field(default_factory=list)  # name, type
    indicative: dict[int, Decimal] = field(default_factory=dict)  # organization id -> USD


def _check_values(values: ConceptNoteValues) -> None:
    """Refuse what the database would refuse, with the applicant's words."""
    for name, partner_type in values.partners:
        if not name.strip():
            raise EditRefused(N_("Every national partner needs a name."))
        if partner_type not in _PARTNER_TYPES:
            raise EditRefused(
                N_("Choose the type of the national partner “%(name)s”."), name=name.strip()
            )
    for amount in values.indicative.values():
        if not isinstance(amount, Decimal) or amount <= 0:
            raise EditRefused(N_("An indicative total must be more than zero."))


def save_concept_note(
    note: Proposal, actor: User, values: ConceptNoteValues, *, now: datetime | None = None
) -> list[str]:
    """Store the applicant's input (gaps allowed); returns the names of the parts changed."""
    now = now or utcnow()
    if not note.is_concept_note:
        raise EditRefused(N_("This is a full proposal, not a concept note."))
    check_editable(note, actor)
    _check_values(values)
    before = snapshot(note)
    set_shared_parts(note, values)
    note.rationale = values.problem.strip()
    note.summary = values.change_sought.strip()
    note.national_partners = [
        NationalPartner(name=name.strip(), partner_type=partner_type)
        for name, partner_type in values.partners
    ]
    organizations = {o.id: o for o in many(Organization, list(values.indicative))}
    note.indicative_totals = [
        IndicativeTotal(organization=organizations[organization_id], amount=amount)
        for organization_id, amount in values.indicative.items()
    ]
    return record_saved(note, actor, before, now)

"""What a submitted version holds, and how two versions compare.

A snapshot is everything the applicant submits, as plain JSON values, stored with each
submitted version and never changed. Parts holding several values in no meaningful order
(participants, countries, objectives, principles, budget lines, attachments) compare as sets:
ordering alone is not a change.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import select

from fund.extensions import db
from fund.labels import N_
from fund.money import configured_indirect_rate
from fund.proposals.budget import Line, summarise
from fund.proposals.models import Proposal, ProposalVersion
from fund.proposals.results_versions import FRAMEWORK_KEY, framework_snapshot


def snapshot(proposal: Proposal, indirect_rate: Decimal | None = None) -> dict[str, Any]:
    """Everything the applicant submits, as plain JSON-ready values (amounts as strings), with
    indirect support costs at `indirect_rate` (by default the configured rate)."""
    if proposal.is_concept_note:
        return concept_note_snapshot(proposal)
    if indirect_rate is None:
        indirect_rate = configured_indirect_rate(current_app.config)
    summary = summarise(
        (
            Line(b.organization_id, b.objective_number, b.category_code, b.amount)
            for b in proposal.budget_lines
        ),
        indirect_rate,
    )
    acronyms = {o.id: o.label for o in proposal.participants}
    for line in proposal.budget_lines:
        acronyms.setdefault(line.organization_id, line.organization.label)
    planned = proposal.planned_start.isoformat() if proposal.planned_start else None
    # A full proposal made from a concept note keeps the note's national partners; the others
    # have none, and their snapshots no such part.
    partners = {"national_partners": _partners(proposal)} if proposal.national_partners else {}
    return (
        partners
        | _shared_parts(proposal, {"planned_start": planned})
        | {
            "contacts": [
                {"name": c.name, "email": c.email, "function": c.function}
                for c in proposal.contacts
            ],
            "budget_lines": [
                {
                    "organization": acronyms[b.organization_id],
                    "objective": b.objective_number,
                    "category": b.category_code,
                    "amount": format(b.amount, "f") if b.amount is not None else None,
                    "description": b.description,
                    "year": b.year or 1,
                }
                for b in proposal.budget_lines
            ],
            "indirect_rate": format(indirect_rate, "f"),
            "budget_total": format(summary.grand_total, "f"),
            "attachments": _attachments(proposal),
        }
        | _framework(proposal)
    )


def _shared_parts(proposal: Proposal, when: dict[str, Any]) -> dict[str, Any]:
    """The parts a proposal and a concept note share, under the same keys; `when` (a full
    proposal's planned start) stands among them after the endorsing governments."""
    lead = proposal.lead_organization
    return {
        "title": proposal.title,
        "summary": proposal.summary,
        "rationale": proposal.rationale,
        "lead_organization": lead.label if lead else None,
        "participants": [o.label for o in proposal.participants],
        "scope": proposal.scope,
        "countries": [c.iso2 for c in proposal.countries],
        "endorsers": [c.iso2 for c in proposal.endorsers],
        **when,
        "duration_months": proposal.duration_months,
        "primary_objective": proposal.primary_objective_number,
        "secondary_objectives": [o.number for o in proposal.secondary_objectives],
        "gender_marker": proposal.gender_marker,
        "human_rights_marker": proposal.human_rights_marker,
        "principles": {p.principle_code: p.explanation for p in proposal.principles},
    }


def _framework(proposal: Proposal) -> dict[str, Any]:
    """The results framework, under its key when the proposal has one (older versions and a
    proposal without outcomes have no such part)."""
    outcomes = framework_snapshot(proposal.outcomes)
    return {FRAMEWORK_KEY: outcomes} if outcomes else {}


def _partners(proposal: Proposal) -> list[dict[str, Any]]:
    return [{"name": p.name, "type": p.partner_type} for p in proposal.national_partners]


def _attachments(proposal: Proposal) -> list[dict[str, Any]]:
    return [
        {"filename": a.filename, "kind": a.kind, "country": a.country_iso2, "sha256": a.sha256}
        for a in proposal.attachments
    ]


def concept_note_snapshot(note: Proposal) -> dict[str, Any]:
    """Everything a concept note's applicant submits, as plain JSON-ready values: the parts it
    shares with a proposal under the same keys, then its national partners and indicative
    totals (amounts as strings)."""
    return (
        _shared_parts(note, {})
        | {
            "national_partners": _partners(note),
            "indicative_totals": {
                t.organization.label: format(t.amount, "f") for t in note.indicative_totals
            },
            "indicative_total": format(note.indicative_total, "f"),
            "attachments": _attachments(note),
        }
        | _framework(note)
    )


SNAPSHOT_LABELS = {
    "title": N_("Title"),
    "summary": N_("Summary"),
    "rationale": N_("Rationale"),
    "lead_organization": N_("Lead UN entity"),
    "participants": N_("Participating UN organizations"),
    "scope": N_("Scope"),
    "countries": N_("Countries"),
    "endorsers": N_("Endorsing governments"),
    "planned_start": N_("Planned start"),
    "duration_months": N_("Duration (months)"),
    "primary_objective": N_("Primary objective"),
    "secondary_objectives": N_("Secondary objectives"),
    "gender_marker": N_("Gender marker"),
    "human_rights_marker": N_("Human rights marker"),
    "principles": N_("Guiding principles"),
    "contacts": N_("Contact persons"),
    "budget_lines": N_("Budget lines"),
    "indirect_rate": N_("Indirect support cost rate"),
    "budget_total": N_("Total budget (USD)"),
    "attachments": N_("Attachments"),
    "national_partners": N_("National partners"),
    "indicative_totals": N_("Indicative total per organization (USD)"),
    "indicative_total": N_("Indicative total (USD)"),
    FRAMEWORK_KEY: N_("Results framework"),
}


# Parts whose values form a set: neither their order nor a repeated value is a change. Budget
# lines and attachments compare as multisets (two identical lines are two lines).
SET_PARTS = frozenset({"participants", "countries", "endorsers", "secondary_objectives"})
MULTISET_PARTS = frozenset({"budget_lines", "attachments", "national_partners"})
# Parts the fund computes from the others (the rate is a setting), not the applicant's content.
COMPUTED_PARTS = frozenset({"indirect_rate", "budget_total", "indicative_total"})


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _line_year(line: Any) -> Any:
    """A budget line with its year; a version stored before budgets had years is in year 1."""
    return {"year": 1, **line} if isinstance(line, dict) else line


def _comparable(key: str, value: Any) -> Any:
    if key == "budget_lines" and isinstance(value, list):
        value = [_line_year(line) for line in value]
    if isinstance(value, list):
        if key in SET_PARTS:
            return frozenset(_key(v) for v in value)
        if key in MULTISET_PARTS:
            return Counter(_key(v) for v in value)
    if key == FRAMEWORK_KEY:
        return _key(value or [])
    if key in SET_PARTS | MULTISET_PARTS and value is None:
        return _comparable(key, [])
    return value


def same_part(key: str, old: Any, new: Any) -> bool:
    """Whether one part holds the same in two snapshots (sets compared as sets)."""
    return _comparable(key, old) == _comparable(key, new)


def _parts(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The labelled parts in their order, then any other part either snapshot has."""
    extra = sorted((set(old) | set(new)) - set(SNAPSHOT_LABELS))
    return [*SNAPSHOT_LABELS, *extra]


@dataclass(frozen=True)
class Change:
    key: str
    label: str
    before: Any
    after: Any


def diff_snapshots(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Every part that differs between two versions, in the order of the labels."""
    return [
        Change(
            key,
            SNAPSHOT_LABELS.get(key, key.replace("_", " ").capitalize()),
            old.get(key),
            new.get(key),
        )
        for key in _parts(old, new)
        if not same_part(key, old.get(key), new.get(key))
    ]


def content_changed(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Whether the applicant's content differs (what the fund computes is left aside)."""
    return any(
        not same_part(key, old.get(key), new.get(key))
        for key in _parts(old, new)
        if key not in COMPUTED_PARTS
    )


def latest_version(proposal: Proposal) -> ProposalVersion | None:
    """The last version submitted, if any."""
    if not proposal.submission_number:
        return None
    return db.session.scalar(
        select(ProposalVersion).where(
            ProposalVersion.proposal_id == proposal.id,
            ProposalVersion.number == proposal.submission_number,
        )
    )


def unchanged_since(
    proposal: Proposal, indirect_rate: Decimal | None = None
) -> ProposalVersion | None:
    """The last submitted version if the proposal holds the same content as it; else None."""
    last = latest_version(proposal)
    if last is None or content_changed(last.snapshot, snapshot(proposal, indirect_rate)):
        return None
    return last

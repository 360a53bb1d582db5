"""The public programmes: the list with its filters and one programme's detail, read from the
public portfolio (`fund.portfolio.queries`: funded and closed programmes, and the pipeline's
rows the committee made public)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import abort

from fund.api.registry import Param, operation, paged_body
from fund.api.schemas import maybe_amount
from fund.money import amount_text
from fund.portfolio import figures
from fund.portfolio.queries import (
    ClosureFacts,
    ProgrammeDetail,
    ProgrammeFilters,
    ProgrammeSummary,
    PublicStatus,
)
from fund.reference.queries import country_codes, thematic_area_codes


def _number(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _summary(row: ProgrammeSummary) -> dict[str, Any]:
    return {
        "id": row.id,
        "reference": row.reference,
        "title": row.title,
        "status": row.status.value,
        "is_concept_note": row.is_concept_note,
        "scope": row.scope,
        "lead": row.lead.label if row.lead else None,
        "countries": [country.iso2 for country in row.countries],
        "primary_objective": row.primary_objective,
        "objectives": list(row.objectives),
        "thematic_areas": list(row.thematic_areas),
        "amount": amount_text(row.amount),
        "funded": amount_text(row.funded),
        "kept": maybe_amount(row.kept),
        "planned_start": row.planned_start.isoformat() if row.planned_start else None,
        "duration_months": row.duration_months,
    }


@operation(
    "/programmes",
    summary="The public programmes",
    tag="programmes",
    schema="ProgrammePage",
    params=(
        Param("objective", "A GCM objective's number.", kind="integer", maximum=23),
        Param(
            "thematic_area",
            "A thematic area's code (TA1, ...), in either case.",
            kind="code",
            max_length=8,
            known=thematic_area_codes,
        ),
        Param(
            "country",
            "A country of the programme (ISO 3166 alpha-2), in either case.",
            kind="code",
            max_length=2,
            known=country_codes,
            accepted="the ISO 3166-1 alpha-2 code of a country, such as TJ",
        ),
        Param(
            "status",
            "Funded, closed, or in the pipeline.",
            kind="enum",
            choices=tuple(status.value for status in PublicStatus),
        ),
    ),
    paged=True,
)
def programmes(*, user, objective, thematic_area, country, status, cursor, limit):
    """The programmes the public may follow (funded, closed, and those of the pipeline the
    committee made public), by id, filtered by objective, thematic area, country and status."""
    filters = ProgrammeFilters(
        objective=objective,
        thematic_area=thematic_area or None,
        country=country or None,
        status=PublicStatus(status) if status else None,
    )
    rows = figures.portfolio().chosen(filters, after_id=cursor, limit=limit + 1)
    return paged_body(rows, limit, _summary)


def _closure(closure: ClosureFacts | None) -> dict[str, Any] | None:
    """A closed programme's closure as the public page says it, and the refunds still due."""
    if closure is None:
        return None
    return {
        "closed_on": closure.closed_on.isoformat(),
        "released": amount_text(closure.released),
        "refunded": amount_text(closure.refunded),
        "still_due": amount_text(closure.still_due),
    }


def _detail(found: ProgrammeDetail) -> dict[str, Any]:
    return {
        "programme": _summary(found.programme),
        "summary": found.summary,
        "call": found.call_title,
        "participants": [o.label for o in found.participants],
        "national_partners": [
            {"name": p.name, "type": p.partner_type} for p in found.national_partners
        ],
        "budget_by_organization": [
            {
                "organization": b.organization.label,
                "direct": amount_text(b.direct),
                "indirect": amount_text(b.indirect),
                "total": amount_text(b.total),
            }
            for b in found.budget_by_organization
        ],
        "budget_by_objective": [
            {"objective": b.objective.number, "amount": amount_text(b.amount)}
            for b in found.budget_by_objective
        ],
        "budget_total": amount_text(found.budget_total),
        "allocated_on": found.allocated_on.isoformat() if found.allocated_on else None,
        "shares": [
            {
                "organization": s.organization.label,
                "amount": amount_text(s.amount),
                "disbursed": amount_text(s.disbursed),
            }
            for s in found.shares
        ],
        "transfers": [
            {
                "organization": t.organization.label,
                "paid_on": t.paid_on.isoformat(),
                "amount": amount_text(t.amount),
            }
            for t in found.transfers
        ],
        "closure": _closure(found.closure),
        "results": [
            {
                "title": outcome.title,
                "indicators": [
                    {
                        "definition": i.definition,
                        "unit": i.unit,
                        "baseline": _number(i.baseline),
                        "end_target": _number(i.end_target),
                        "latest_year": i.latest_year,
                        "latest_actual": _number(i.latest_actual),
                    }
                    for i in outcome.indicators
                ],
            }
            for outcome in found.results
        ],
        "iati_identifier": found.iati_identifier,
    }


@operation(
    "/programmes/<int:proposal_id>",
    summary="One public programme",
    tag="programmes",
    schema="Programme",
)
def programme(*, user, proposal_id: int) -> dict[str, Any]:
    """A public programme with its budget, allocation, transfers, closure (a closed one's: the
    day, what it gave back, the refunds received and still due) and results (404 for any id
    that is not a public programme's), as the programme's public page keeps it."""
    found = figures.programme(proposal_id)
    if found is None:
        abort(404)
    return _detail(found)

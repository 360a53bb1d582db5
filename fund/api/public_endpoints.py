"""The public operations: what anyone may read without a token (the objectives, the coverage
the public dashboard shows, the pipeline the committee made public, the contributions and
the funding status). Programmes are `programme_endpoints`."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import extract, func, select

from fund.accounts.models import Organization
from fund.api.registry import operation
from fund.api.schemas import money
from fund.coverage.queries import coverage
from fund.dialects import cents_sum
from fund.extensions import db
from fund.finance.models import Contribution, ContributionVoid
from fund.finance.status import funding_status
from fund.money import from_cents
from fund.pipeline.queries import config_rate, iso_utc, ranked_pipeline
from fund.reference.models import GcmObjective


@operation("/objectives", summary="The 23 GCM objectives", tag="reference", schema="ObjectiveList")
def objectives(*, user) -> dict[str, Any]:
    """The objectives of the Global Compact for Migration, each with its thematic areas."""
    rows = db.session.scalars(select(GcmObjective).order_by(GcmObjective.number))
    return {
        "items": [
            {
                "number": row.number,
                "title": row.title,
                "areas": sorted(area.code for area in row.thematic_areas),
            }
            for row in rows
        ]
    }


@operation("/coverage", summary="Coverage of the objectives", tag="coverage", schema="Coverage")
def coverage_of_objectives(*, user) -> dict[str, Any]:
    """The funded money on each of the 23 objectives, its share of the funded total, the
    target and the flag: the public dashboard's figures (funded programmes only)."""
    found = coverage(include_pipeline=False)
    return {
        "funded": money(found.totals.funded),
        "programmes": found.totals.programmes,
        "objectives": [
            {
                "number": int(row.key),
                "title": row.title,
                "funded": money(row.funded),
                "programmes": row.programmes,
                "share": format(row.share, "f"),
                "target": format(row.target, "f") if row.target is not None else None,
                "flag": row.flag,
            }
            for row in found.objectives
        ],
    }


@operation("/pipeline", summary="The public pipeline", tag="pipeline", schema="Pipeline")
def public_pipeline(*, user) -> dict[str, Any]:
    """The ranked pipeline as the committee made it public (`pipeline_public`), ranked among
    themselves, without the pools' money: the public booklet's entries."""
    found = ranked_pipeline(config_rate(current_app.config), public_only=True)
    return {
        "entries": [
            {
                "rank": entry.rank,
                "reference": entry.reference,
                "kind": entry.kind,
                "title": entry.title,
                "summary": entry.summary,
                "applicant": entry.applicant,
                "amount": money(entry.amount),
                "duration_months": entry.duration_months,
                "objectives": [number for number, _ in entry.objectives],
                "countries": [code for code, _ in entry.countries],
                "organizations": list(entry.organizations),
                "decided_at": iso_utc(entry.decided_at),
            }
            for entry in found.entries
        ]
    }


def _deposits(*columns: Any) -> Any:
    """The contributions not voided, summed in cents by `columns`."""
    return (
        select(*columns, cents_sum(Contribution.gross).label("cents"), func.count().label("n"))
        .select_from(Contribution)
        .outerjoin(ContributionVoid)
        .where(ContributionVoid.contribution_id.is_(None))
        .group_by(*columns)
        .order_by(*columns)
    )


@operation(
    "/contributions",
    summary="Contributions and the funding status",
    tag="contributions",
    schema="Contributions",
)
def contributions(*, user) -> dict[str, Any]:
    """The donors and what each deposited (USD gross, voided contributions left out), the
    deposits by year, by pool (unearmarked or earmarked to a thematic area) and the funding
    status lines the administrative agent reports."""
    year = extract("year", Contribution.received_on).label("year")
    donors = db.session.execute(
        _deposits(Organization.id, Organization.name, Organization.acronym).join(
            Organization, Organization.id == Contribution.donor_id
        )
    )
    return {
        "donors": [
            {
                "id": row.id,
                "name": row.name,
                "acronym": row.acronym or "",
                "deposits": money(from_cents(row.cents)),
            }
            for row in donors
        ],
        "deposits_by_year": [
            {"year": int(row.year), "deposits": money(from_cents(row.cents)), "count": row.n}
            for row in db.session.execute(_deposits(year))
        ],
        "earmarks": [
            {"pool": row.pool_code, "deposits": money(from_cents(row.cents))}
            for row in db.session.execute(_deposits(Contribution.pool_code))
        ],
        "status": funding_status().to_dict(),
    }

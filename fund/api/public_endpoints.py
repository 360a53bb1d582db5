"""The public operations: what anyone may read without a token (the objectives, the coverage
the public dashboard shows, the pipeline the committee made public, the contributions and
the funding status). Programmes are `programme_endpoints`."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from fund.api.registry import operation
from fund.coverage.queries import coverage
from fund.extensions import db
from fund.money import amount_text
from fund.pipeline.queries import config_rate, iso_utc, ranked_pipeline
from fund.portfolio import figures as portfolio_figures
from fund.reference.models import GcmObjective


@operation("/objectives", summary="The 23 GCM objectives", tag="reference", schema="ObjectiveList")
def objectives(*, user) -> dict[str, Any]:
    """The objectives of the Global Compact for Migration, each with its thematic areas."""
    rows = db.session.scalars(
        select(GcmObjective)
        .options(selectinload(GcmObjective.thematic_areas))
        .order_by(GcmObjective.number)
    )
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
        "funded": amount_text(found.totals.funded),
        "programmes": found.totals.programmes,
        "objectives": [
            {
                "number": int(row.key),
                "title": row.title,
                "funded": amount_text(row.funded),
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
                "amount": amount_text(entry.amount),
                "duration_months": entry.duration_months,
                "objectives": [number for number, _ in entry.objectives],
                "countries": [code for code, _ in entry.countries],
                "organizations": list(entry.organizations),
                "decided_at": iso_utc(entry.decided_at),
            }
            for entry in found.entries
        ]
    }


@operation(
    "/contributions",
    summary="Contributions and the funding status",
    tag="contributions",
    schema="Contributions",
)
def contributions(*, user) -> dict[str, Any]:
    """The public contributions page's figures: the donors and what each deposited (USD
    gross, voided contributions left out), the deposits by year, by pool (unearmarked or
    earmarked to a thematic area) and the funding status lines the administrative agent
    reports (`fund.finance.status`)."""
    found = portfolio_figures.contributions()
    return {
        "donors": [
            {"name": d.name, "deposits": amount_text(d.deposits), "contributions": d.contributions}
            for d in found.donors
        ],
        "deposits_by_year": [
            {"year": y.year, "deposits": amount_text(y.deposits), "contributions": y.contributions}
            for y in found.years
        ],
        "earmarks": [
            {"pool": e.pool, "thematic_area": e.label or None, "deposits": amount_text(e.deposits)}
            for e in found.earmarks
        ],
        "status": [
            {"figure": line.name, "amount": amount_text(line.amount)} for line in found.status
        ],
    }

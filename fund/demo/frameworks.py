"""The demo set's results: demo MGI entries (indicators, one assessment per country with its
scores) and the results frameworks of the demo proposals and concept notes.

The MGI entries of seed/demo.toml are demo entries, not IOM's indicators: their codes are
`DEMO-n` and their texts plain words; each assessment links to IOM's MGI overview. A framework
(`outcomes` of an entry of seed/demo_proposals.toml or seed/demo_concept_notes.toml) is added to
the draft before it is submitted, so its versions hold it; yearly targets and actuals are given
by programme year (the first is the year of the planned start, or next year for a concept
note), baseline years as years ago (an MGI baseline takes the year of the country's
assessment)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from fund.extensions import db
from fund.proposals.models import Proposal
from fund.proposals.results import (
    BaselineSource,
    IndicatorActual,
    IndicatorTarget,
    ResultIndicator,
    ResultOutcome,
    ResultOutput,
)
from fund.reference.models import GcmObjective
from fund.reference.results import FundOutcome, MgiAssessment, MgiIndicator, MgiScore, SdgTarget
from fund.seed import existing_by_key

MGI_OVERVIEW = "https://www.migrationdataportal.org/overviews/mgi"
DISAGGREGATION = {"sex": "by_sex", "age": "by_age", "migration_status": "by_migration_status"}


def load_demo_mgi(demo: dict[str, Any], today: date) -> None:
    """The demo MGI indicators (matched on their code) and one demo assessment per country
    (skipped for a country that has one), with its scores."""
    indicators = existing_by_key(MgiIndicator, "code")
    for item in demo.get("mgi_indicators", []):
        if item["code"] in indicators:
            continue
        indicator = MgiIndicator(
            code=item["code"],
            text=item["text"],
            domain_code=item["domain"],
            objectives=[db.session.get(GcmObjective, n) for n in item.get("objectives", [])],
        )
        db.session.add(indicator)
        indicators[item["code"]] = indicator
    assessed = set(db.session.scalars(select(MgiAssessment.country_iso2)))
    for item in demo.get("mgi_assessments", []):
        if item["country"] in assessed:
            continue
        db.session.add(
            MgiAssessment(
                country_iso2=item["country"],
                year=today.year - item.get("years_ago", 2),
                link=item.get("link", MGI_OVERVIEW),
                scores=[
                    MgiScore(indicator=indicators[code], score=score)
                    for code, score in item.get("scores", {}).items()
                ],
            )
        )
        assessed.add(item["country"])
    db.session.flush()


def first_year(proposal: Proposal, today: date) -> int:
    """The calendar year of the programme's first year."""
    return proposal.planned_start.year if proposal.planned_start else today.year + 1


def add_framework(
    proposal: Proposal, outcomes: list[dict[str, Any]], organizations: dict[str, int], today: date
) -> None:
    """The results framework of a demo draft, from its `outcomes` in the TOML."""
    if not outcomes:
        return
    fund_outcomes = existing_by_key(FundOutcome, "code")
    mgi = existing_by_key(MgiIndicator, "code")
    countries = [c.iso2 for c in proposal.countries]
    assessments = {
        a.country_iso2: a
        for a in db.session.scalars(
            select(MgiAssessment)
            .where(MgiAssessment.country_iso2.in_(countries))
            .order_by(MgiAssessment.year)
        )
    }
    start = first_year(proposal, today)
    for position, item in enumerate(outcomes, start=1):
        outcome = ResultOutcome(
            position=position,
            title=item["title"],
            fund_outcome=fund_outcomes.get(item.get("fund_outcome")),
            objectives=[db.session.get(GcmObjective, n) for n in item["objectives"]],
            sdg_targets=[db.session.get(SdgTarget, code) for code in item.get("sdg", [])],
            outputs=[
                ResultOutput(position=n, title=title)
                for n, title in enumerate(item.get("outputs", []), start=1)
            ],
        )
        for n, spec in enumerate(item.get("indicators", []), start=1):
            indicator = ResultIndicator(
                position=n,
                definition=spec["definition"],
                unit=spec.get("unit", ""),
                end_target=_value(spec.get("end_target")),
                means_of_verification=spec.get("verification", ""),
                responsible_organization_id=organizations.get(spec.get("responsible", "")),
                targets=[
                    IndicatorTarget(year=start + i, value=Decimal(v))
                    for i, v in enumerate(spec.get("targets", []))
                ],
                **{DISAGGREGATION[by]: True for by in spec.get("by", [])},
            )
            _baseline(indicator, spec, today, mgi, [assessments.get(c) for c in countries])
            if "output" in spec:
                indicator.output = outcome.outputs[spec["output"] - 1]
            outcome.indicators.append(indicator)
        proposal.outcomes.append(outcome)
    db.session.flush()


def _value(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _baseline(
    indicator: ResultIndicator,
    spec: dict[str, Any],
    today: date,
    mgi: dict[str, MgiIndicator],
    assessments: list[MgiAssessment | None],
) -> None:
    """The indicator's baseline: none without a `baseline`; from MGI, the assessment of the
    first of the programme's countries that has one."""
    if spec.get("baseline") is None:
        return
    indicator.baseline_value = Decimal(spec["baseline"])
    indicator.baseline_source = spec.get("source", BaselineSource.NATIONAL_STATISTIC.value)
    indicator.baseline_year = today.year - spec.get("baseline_years_ago", 1)
    indicator.baseline_link = spec.get("link", "")
    assessment = next((a for a in assessments if a is not None), None)
    if indicator.baseline_source == BaselineSource.MGI and assessment is not None:
        indicator.mgi_indicator = mgi[spec["mgi"]]
        indicator.mgi_assessment = assessment
        indicator.baseline_year = assessment.year
        indicator.baseline_link = assessment.link


def add_actuals(proposal: Proposal, outcomes: list[dict[str, Any]], today: date) -> None:
    """What a funded demo programme reports: each indicator's `actuals` by programme year."""
    start = first_year(proposal, today)
    for outcome, item in zip(proposal.outcomes, outcomes, strict=False):
        for indicator, spec in zip(outcome.indicators, item.get("indicators", []), strict=False):
            indicator.actuals.extend(
                IndicatorActual(year=start + i, value=Decimal(v))
                for i, v in enumerate(spec.get("actuals", []))
            )
    db.session.flush()

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

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from fund.extensions import db
from fund.proposals.models import Proposal
from fund.proposals.results import BaselineSource, IndicatorActual
from fund.proposals.results_editing import IndicatorValues, OutcomeValues, framework_rows
from fund.reference.models import GcmObjective
from fund.reference.results import FundOutcome, MgiAssessment, MgiIndicator, MgiScore
from fund.seed import add_missing, existing_by_key

MGI_OVERVIEW = "https://www.migrationdataportal.org/overviews/mgi"
DISAGGREGATION = {"sex": "by_sex", "age": "by_age", "migration_status": "by_migration_status"}


def load_demo_mgi(demo: dict[str, Any], today: date) -> None:
    """The demo MGI indicators (matched on their code) and one demo assessment per country
    (skipped for a country that has one), with its scores."""
    indicators = existing_by_key(MgiIndicator, "code")
    add_missing(indicators, demo.get("mgi_indicators", []), "code", _mgi_indicator)

    def assessment(item: Mapping[str, Any]) -> MgiAssessment:
        return MgiAssessment(
            country_iso2=item["country"],
            year=today.year - item.get("years_ago", 2),
            link=item.get("link", MGI_OVERVIEW),
            scores=[
                MgiScore(indicator=indicators[code], score=score)
                for code, score in item.get("scores", {}).items()
            ],
        )

    assessed = existing_by_key(MgiAssessment, "country_iso2")
    add_missing(assessed, demo.get("mgi_assessments", []), "country", assessment)
    db.session.flush()


def _mgi_indicator(item: Mapping[str, Any]) -> MgiIndicator:
    return MgiIndicator(
        code=item["code"],
        text=item["text"],
        domain_code=item["domain"],
        objectives=[db.session.get(GcmObjective, n) for n in item.get("objectives", [])],
    )


def first_year(proposal: Proposal, today: date) -> int:
    """The calendar year of the programme's first year."""
    return proposal.planned_start.year if proposal.planned_start else today.year + 1


def add_framework(
    proposal: Proposal, outcomes: list[dict[str, Any]], organizations: dict[str, int], today: date
) -> None:
    """The results framework of a demo draft, from its `outcomes` in the TOML: the rows the
    editor would save from the same values."""
    if not outcomes:
        return
    fund_outcomes = {o.code: o.id for o in db.session.scalars(select(FundOutcome))}
    mgi = {i.code: i.id for i in db.session.scalars(select(MgiIndicator))}
    countries = [c.iso2 for c in proposal.countries]
    assessments = {
        a.country_iso2: a
        for a in db.session.scalars(
            select(MgiAssessment)
            .where(MgiAssessment.country_iso2.in_(countries))
            .order_by(MgiAssessment.year)
        )
    }
    # From MGI, a baseline is the assessment of the first of the programme's countries with one.
    assessment = next((assessments[c] for c in countries if c in assessments), None)
    start = first_year(proposal, today)
    values = [
        OutcomeValues(
            title=item["title"],
            fund_outcome_id=fund_outcomes.get(item.get("fund_outcome")),
            objective_numbers=item["objectives"],
            sdg_codes=item.get("sdg", []),
            outputs=item.get("outputs", []),
            indicators=[
                _indicator(spec, start, organizations, today, mgi, assessment)
                for spec in item.get("indicators", [])
            ],
        )
        for item in outcomes
    ]
    proposal.outcomes.extend(framework_rows(values))
    db.session.flush()


def _value(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _indicator(
    spec: dict[str, Any],
    start: int,
    organizations: dict[str, int],
    today: date,
    mgi: dict[str, int],
    assessment: MgiAssessment | None,
) -> IndicatorValues:
    """An indicator of the TOML: its targets by programme year (from `start`), its output by
    number (from 1); its baseline none without a `baseline`, from MGI `assessment`'s."""
    values = IndicatorValues(
        definition=spec["definition"],
        unit=spec.get("unit", ""),
        output=spec["output"] - 1 if "output" in spec else None,
        targets={start + i: Decimal(v) for i, v in enumerate(spec.get("targets", []))},
        end_target=_value(spec.get("end_target")),
        means_of_verification=spec.get("verification", ""),
        responsible_organization_id=organizations.get(spec.get("responsible", "")),
        **{DISAGGREGATION[by]: True for by in spec.get("by", [])},
    )
    if spec.get("baseline") is None:
        return values
    values.baseline_value = Decimal(spec["baseline"])
    values.baseline_source = spec.get("source", BaselineSource.NATIONAL_STATISTIC.value)
    values.baseline_year = today.year - spec.get("baseline_years_ago", 1)
    values.baseline_link = spec.get("link", "")
    if values.baseline_source == BaselineSource.MGI and assessment is not None:
        values.mgi_indicator_id = mgi[spec["mgi"]]
        values.mgi_assessment_id = assessment.id
        values.baseline_year = assessment.year
        values.baseline_link = assessment.link
    return values


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

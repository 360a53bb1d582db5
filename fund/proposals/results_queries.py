"""Reads of a programme's results framework for its pages, each in a fixed number of statements:
the whole framework loaded with the proposal (`FRAMEWORK`), and the MGI gaps of its countries
for its objectives (`mgi_gaps`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import exists, func, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from fund.extensions import db
from fund.proposals.models import Proposal
from fund.proposals.results import ResultIndicator, ResultOutcome
from fund.proposals.results_versions import OutcomeView, outcome_views, web_link
from fund.reference.models import Country
from fund.reference.results import (
    MgiAssessment,
    MgiIndicator,
    MgiScore,
    MgiScoreValue,
    MigofDomain,
    mgi_indicator_objectives,
)

# The proposal's outcomes with everything their section shows: six statements with a framework
# (outcomes, their objectives, SDG targets, outputs, indicators, the indicators' targets), one
# without, whatever the number of outcomes and indicators.
FRAMEWORK = selectinload(Proposal.outcomes).options(
    joinedload(ResultOutcome.fund_outcome),
    selectinload(ResultOutcome.objectives),
    selectinload(ResultOutcome.sdg_targets),
    selectinload(ResultOutcome.outputs),
    selectinload(ResultOutcome.indicators).options(
        joinedload(ResultIndicator.output),
        joinedload(ResultIndicator.mgi_indicator),
        joinedload(ResultIndicator.mgi_assessment).joinedload(MgiAssessment.country),
        joinedload(ResultIndicator.responsible_organization),
        selectinload(ResultIndicator.targets),
    ),
)


def objective_numbers(proposal: Proposal) -> list[int]:
    """The proposal's objectives: primary, secondary and those its outcomes map to, in order."""
    numbers = {o.number for o in proposal.secondary_objectives}
    numbers |= {o.number for outcome in proposal.outcomes for o in outcome.objectives}
    if proposal.primary_objective_number:
        numbers.add(proposal.primary_objective_number)
    return sorted(numbers)


@dataclass(frozen=True)
class Gap:
    """An MGI indicator the country's latest assessment scored absent or partial."""

    code: str
    text: str
    domain: str
    score: str

    @property
    def score_label(self) -> str:
        return MgiScoreValue(self.score).label


@dataclass
class CountryGaps:
    """One of the proposal's countries: its latest MGI assessment (None when none is entered)
    and the gaps of that assessment on the proposal's objectives."""

    country: Country
    year: int | None = None
    link: str = ""
    gaps: list[Gap] = field(default_factory=list)


def mgi_gaps(proposal: Proposal) -> list[CountryGaps]:
    """For each of the proposal's countries (by name), the gaps of its latest MGI assessment
    among the MGI indicators mapped to the proposal's objectives: two statements (none without
    countries)."""
    countries = list(proposal.countries)
    if not countries:
        return []
    by_country = {c.iso2: CountryGaps(c) for c in countries}
    later = aliased(MgiAssessment)
    latest = db.session.execute(
        select(MgiAssessment.id, MgiAssessment.country_iso2, MgiAssessment.year, MgiAssessment.link)
        .where(MgiAssessment.country_iso2.in_(by_country))
        .where(
            MgiAssessment.year
            == select(func.max(later.year))
            .where(later.country_iso2 == MgiAssessment.country_iso2)
            .scalar_subquery()
        )
    ).all()
    country_of = {}
    for row in latest:
        entry = by_country[row.country_iso2]
        entry.year, entry.link = row.year, web_link(row.link)
        country_of[row.id] = entry
    objectives = objective_numbers(proposal)
    if country_of and objectives:
        mapped = exists().where(
            mgi_indicator_objectives.c.mgi_indicator_id == MgiIndicator.id,
            mgi_indicator_objectives.c.objective_number.in_(objectives),
        )
        rows = db.session.execute(
            select(
                MgiScore.assessment_id,
                MgiIndicator.code,
                MgiIndicator.text,
                MigofDomain.title,
                MgiScore.score,
            )
            .join(MgiIndicator, MgiIndicator.id == MgiScore.indicator_id)
            .join(MigofDomain, MigofDomain.code == MgiIndicator.domain_code)
            .where(MgiScore.assessment_id.in_(country_of))
            .where(MgiScore.score != MgiScoreValue.COMPLETE.value)
            .where(mapped)
            .order_by(MgiIndicator.code)
        ).all()
        for row in rows:
            country_of[row.assessment_id].gaps.append(
                Gap(code=row.code, text=row.text, domain=row.title, score=row.score)
            )
    return sorted(by_country.values(), key=lambda entry: entry.country.name)


@dataclass(frozen=True)
class ResultsSection:
    """What the proposal's and the concept note's pages show of the results framework."""

    outcomes: list[OutcomeView]
    gaps: list[CountryGaps]


def results_section(proposal: Proposal) -> ResultsSection:
    """The framework of a proposal loaded with `FRAMEWORK`, in words, and its MGI gaps."""
    return ResultsSection(outcomes=outcome_views(proposal.outcomes), gaps=mgi_gaps(proposal))

"""Reading the results reference for its pages, each in a fixed number of statements: the
fund's framework with how many programme outcomes map to each outcome, the MGI indicators by
policy domain (paged), the countries' assessments (paged) and one assessment's scores."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from fund.extensions import db
from fund.i18n import current_language
from fund.pagination import Page, Paging, paging
from fund.proposals.results import ResultOutcome
from fund.reference.models import Country, GcmObjective, ThematicArea
from fund.reference.results import (
    FundOutcome,
    MgiAssessment,
    MgiIndicator,
    MgiScore,
    MgiScoreValue,
    MigofDomain,
)
from fund.reference.translations import countries_named

MGI_PAGE_SIZE = 50
ASSESSMENT_PAGE_SIZE = 50


@dataclass(frozen=True)
class FrameworkRow:
    outcome: FundOutcome
    programme_outcomes: int  # programme outcomes mapped to it: it is deactivated, not removed


def framework() -> list[FrameworkRow]:
    """The fund-level outcomes in order, with their indicators and thematic area (3 statements)."""
    used = dict(
        db.session.execute(
            select(ResultOutcome.fund_outcome_id, func.count())
            .where(ResultOutcome.fund_outcome_id.is_not(None))
            .group_by(ResultOutcome.fund_outcome_id)
        ).all()
    )
    outcomes = db.session.scalars(
        select(FundOutcome)
        .options(joinedload(FundOutcome.thematic_area), selectinload(FundOutcome.indicators))
        .order_by(FundOutcome.position, FundOutcome.id)
    ).unique()
    return [FrameworkRow(outcome, used.get(outcome.id, 0)) for outcome in outcomes]


def thematic_areas() -> list[ThematicArea]:
    return list(db.session.scalars(select(ThematicArea).order_by(ThematicArea.code)))


def domains() -> list[MigofDomain]:
    return list(db.session.scalars(select(MigofDomain).order_by(MigofDomain.position)))


def objectives() -> list[GcmObjective]:
    return list(db.session.scalars(select(GcmObjective).order_by(GcmObjective.number)))


def countries() -> list[tuple[str, str]]:
    """Every country, named in the page's language and in its alphabetical order."""
    rows = db.session.execute(select(Country.iso2, Country.name)).all()
    return countries_named(rows, current_language())


@dataclass
class MgiPage(Paging):
    """A page of MGI indicators, grouped by policy domain in the domains' order."""

    groups: list[tuple[MigofDomain, list[MgiIndicator]]] = field(default_factory=list)


def mgi_indicators(page: int = 1, per_page: int = MGI_PAGE_SIZE) -> MgiPage:
    """One page of the MGI indicators by domain then code (3 statements: count, page, their
    objectives)."""
    count = db.session.scalar(select(func.count()).select_from(MgiIndicator)) or 0
    at = paging(count, page, per_page)
    rows = db.session.scalars(
        select(MgiIndicator)
        .join(MigofDomain, MigofDomain.code == MgiIndicator.domain_code)
        .options(joinedload(MgiIndicator.domain), selectinload(MgiIndicator.objectives))
        .order_by(MigofDomain.position, MgiIndicator.code, MgiIndicator.id)
        .limit(per_page)
        .offset(at.offset)
    ).unique()
    groups: list[tuple[MigofDomain, list[MgiIndicator]]] = []
    for indicator in rows:
        if not groups or groups[-1][0].code != indicator.domain_code:
            groups.append((indicator.domain, []))
        groups[-1][1].append(indicator)
    return MgiPage(at.count, at.page, at.per_page, groups=groups)


@dataclass(frozen=True)
class AssessmentRow:
    id: int
    country: str
    iso2: str
    year: int
    link: str
    scored: int
    gaps: int


AssessmentPage = Page[AssessmentRow]


def assessments(
    page: int = 1, country: str | None = None, per_page: int = ASSESSMENT_PAGE_SIZE
) -> AssessmentPage:
    """One page of the MGI assessments (of one country, if given) by country then latest year,
    with how many indicators each scored and how many of those are gaps (2 statements)."""
    where = [MgiAssessment.country_iso2 == country] if country else []
    count = db.session.scalar(select(func.count()).select_from(MgiAssessment).where(*where)) or 0
    at = paging(count, page, per_page)
    scores = (
        select(
            MgiScore.assessment_id,
            func.count().label("scored"),
            func.count().filter(MgiScore.score != MgiScoreValue.COMPLETE.value).label("gaps"),
        )
        .group_by(MgiScore.assessment_id)
        .subquery()
    )
    query = (
        select(
            MgiAssessment.id,
            Country.name.label("country"),
            Country.iso2,
            MgiAssessment.year,
            MgiAssessment.link,
            func.coalesce(scores.c.scored, 0).label("scored"),
            func.coalesce(scores.c.gaps, 0).label("gaps"),
        )
        .join(Country, Country.iso2 == MgiAssessment.country_iso2)
        .outerjoin(scores, scores.c.assessment_id == MgiAssessment.id)
        .where(*where)
        .order_by(Country.name, MgiAssessment.year.desc(), MgiAssessment.id)
        .limit(per_page)
        .offset(at.offset)
    )
    rows = [AssessmentRow(**row._asdict()) for row in db.session.execute(query)]
    return AssessmentPage(at.count, at.page, at.per_page, rows=rows)


def assessment(assessment_id: int) -> MgiAssessment | None:
    return db.session.scalars(
        select(MgiAssessment)
        .options(joinedload(MgiAssessment.country), selectinload(MgiAssessment.scores))
        .where(MgiAssessment.id == assessment_id)
    ).first()


def indicators_to_score() -> list[MgiIndicator]:
    """Every MGI indicator, by domain then code, for an assessment's scores form (the MGI has
    about 90: the form holds them all)."""
    return list(
        db.session.scalars(
            select(MgiIndicator)
            .join(MigofDomain, MigofDomain.code == MgiIndicator.domain_code)
            .options(joinedload(MgiIndicator.domain))
            .order_by(MigofDomain.position, MgiIndicator.code, MgiIndicator.id)
        )
    )

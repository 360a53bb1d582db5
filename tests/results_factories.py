"""Results frameworks for tests: a programme's outcomes, outputs and indicators, and the MGI
reference rows the secretariat enters."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from fund.extensions import db
from fund.proposals.models import Proposal
from fund.proposals.results import (
    IndicatorActual,
    IndicatorTarget,
    ResultIndicator,
    ResultOutcome,
    ResultOutput,
)
from fund.reference.models import Country, GcmObjective
from fund.reference.results import (
    FundOutcome,
    MgiAssessment,
    MgiIndicator,
    MgiScore,
    SdgTarget,
)


def fund_outcome(code: str = "FO4") -> FundOutcome:
    return db.session.scalars(select(FundOutcome).where(FundOutcome.code == code)).one()


def add_outcome(
    proposal: Proposal,
    title: str = "Migrant workers are recruited fairly",
    *,
    objectives: tuple[int, ...] = (6,),
    fund_outcome_code: str | None = "FO4",
    sdg: tuple[str, ...] = ("8.8", "10.7.1"),
    outputs: tuple[str, ...] = ("Recruitment agencies trained",),
) -> ResultOutcome:
    """An outcome of `proposal` (added last), mapped to `objectives`, a fund outcome and SDGs."""
    outcome = ResultOutcome(
        title=title,
        position=len(proposal.outcomes) + 1,
        fund_outcome=fund_outcome(fund_outcome_code) if fund_outcome_code else None,
        objectives=[db.session.get(GcmObjective, n) for n in objectives],
        sdg_targets=[db.session.get(SdgTarget, code) for code in sdg],
        outputs=[ResultOutput(title=t, position=i) for i, t in enumerate(outputs, start=1)],
    )
    proposal.outcomes.append(outcome)
    db.session.flush()
    return outcome


def add_indicator(
    outcome: ResultOutcome,
    definition: str = "Share of migrant workers who paid no recruitment fee",
    *,
    unit: str = "%",
    baseline: Decimal | None = Decimal("20"),
    baseline_year: int | None = 2025,
    source: str | None = "national_statistic",
    targets: dict[int, Decimal] | None = None,
    end_target: Decimal | None = Decimal("60"),
    output: ResultOutput | None = None,
    actuals: dict[int, Decimal] | None = None,
) -> ResultIndicator:
    """An indicator of `outcome` (or of its `output`), with a baseline and targets by default."""
    targets = {2027: Decimal("40"), 2028: Decimal("60")} if targets is None else targets
    indicator = ResultIndicator(
        definition=definition,
        unit=unit,
        position=len(outcome.indicators) + 1,
        baseline_value=baseline,
        baseline_year=baseline_year if baseline is not None else None,
        baseline_source=source if baseline is not None else None,
        end_target=end_target,
        output=output,
        targets=[IndicatorTarget(year=y, value=v) for y, v in sorted(targets.items())],
        actuals=[IndicatorActual(year=y, value=v) for y, v in sorted((actuals or {}).items())],
    )
    outcome.indicators.append(indicator)
    db.session.flush()
    return indicator


def add_framework(proposal: Proposal, objective: int | None = None) -> ResultIndicator:
    """One outcome for the proposal's primary objective (or `objective`) with one output and one
    indicator with baseline and targets; returns the indicator."""
    number = objective or proposal.primary_objective_number or 6
    outcome = add_outcome(proposal, objectives=(number,))
    if proposal.planned_start is None:
        return add_indicator(outcome)
    # The targets of the programme's first two years, whatever today is.
    first = proposal.planned_start.year
    return add_indicator(outcome, targets={first: Decimal("40"), first + 1: Decimal("60")})


def mgi_gap(
    iso2: str = "CL",
    code: str = "MGI-1.1",
    *,
    objectives: tuple[int, ...] = (6,),
    domain: str = "D1",
    year: int = 2023,
    score: str = "partial",
) -> MgiScore:
    """An MGI indicator scored `score` in the country's assessment of `year` (made if missing)."""
    indicator = db.session.scalars(select(MgiIndicator).where(MgiIndicator.code == code)).first()
    if indicator is None:
        indicator = MgiIndicator(
            code=code,
            text="Migrant workers have equal access to labour rights",
            domain_code=domain,
            objectives=[db.session.get(GcmObjective, n) for n in objectives],
        )
        db.session.add(indicator)
    assessment = db.session.scalars(
        select(MgiAssessment).where(MgiAssessment.country_iso2 == iso2, MgiAssessment.year == year)
    ).first()
    if assessment is None:
        assessment = MgiAssessment(
            country=db.session.get(Country, iso2),
            year=year,
            link=f"https://example.org/mgi/{iso2.lower()}-{year}",
        )
        db.session.add(assessment)
    row = MgiScore(indicator=indicator, score=score)
    assessment.scores.append(row)
    db.session.flush()
    return row

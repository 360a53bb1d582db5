"""The results frameworks of the funded programmes, as open data publishes them.

Six queries of plain columns for every funded and closed programme at once (no ORM objects,
nothing batched by key, so the number of statements stays the same at any size): the outcomes
with their fund-level outcome, their GCM objectives, their SDG targets, the outputs, the
indicators (with the MGI reference of their baseline) and the yearly targets and actuals.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import literal, null, select, type_coerce, union_all

from fund.extensions import UTCDateTime, plain_rows, record_from_row
from fund.proposals import status_rules
from fund.proposals.models import Proposal
from fund.proposals.results import (
    BaselineSource,
    IndicatorActual,
    IndicatorTarget,
    ResultIndicator,
    ResultOutcome,
    ResultOutput,
    result_outcome_objectives,
    result_outcome_sdg_targets,
)
from fund.reference.results import FundOutcome, MgiAssessment, MgiIndicator, SdgTarget


@dataclass(frozen=True)
class PeriodValues:
    """An indicator's target and what was achieved in one calendar year (either may be None)."""

    year: int
    target: Decimal | None
    actual: Decimal | None
    actual_recorded_at: datetime | None = None


@dataclass(frozen=True)
class IndicatorData:
    """An indicator of a funded programme's results framework, as open data publishes it."""

    definition: str
    unit: str
    baseline_value: Decimal | None
    baseline_year: int | None
    baseline_source: str | None
    baseline_link: str
    mgi_code: str | None  # the MGI indicator of an MGI baseline
    mgi_year: int | None  # and the year of the country's assessment
    mgi_country: str | None
    end_target: Decimal | None
    disaggregated_by: tuple[str, ...]  # "sex", "age", "migration status"
    means_of_verification: str
    responsible: str | None  # the participating organization's name
    periods: tuple[PeriodValues, ...]  # by year

    @property
    def source_label(self) -> str | None:
        try:
            return BaselineSource(self.baseline_source).label
        except ValueError:
            return None


@dataclass(frozen=True)
class OutputData:
    """An output of a programme's outcome, with its indicators."""

    title: str
    indicators: tuple[IndicatorData, ...]


@dataclass(frozen=True)
class OutcomeData:
    """An outcome of a programme: its own indicators (those of no output) and its outputs."""

    title: str
    fund_outcome_code: str | None
    fund_outcome_title: str | None
    objectives: tuple[int, ...]
    sdg_targets: tuple[str, ...]
    indicators: tuple[IndicatorData, ...]
    outputs: tuple[OutputData, ...]

    @property
    def all_indicators(self) -> tuple[IndicatorData, ...]:
        """Its own indicators, then those of its outputs."""
        return self.indicators + tuple(i for o in self.outputs for i in o.indicators)

    @property
    def actuals_recorded_at(self) -> list[datetime]:
        """When each of its actuals was recorded."""
        return [
            period.actual_recorded_at
            for indicator in self.all_indicators
            for period in indicator.periods
            if period.actual_recorded_at is not None
        ]


def _of_funded(query, outcome_id) -> Any:
    """`query` limited to the rows of funded programmes' outcomes (`outcome_id` the column that
    names the outcome, or the outcome's own id when the query reads the outcomes)."""
    if outcome_id is not ResultOutcome.id:
        query = query.join(ResultOutcome, ResultOutcome.id == outcome_id)
    return query.join(Proposal, Proposal.id == ResultOutcome.proposal_id).where(
        status_rules.funded()
    )


def _periods() -> dict[int, tuple[PeriodValues, ...]]:
    """Targets and actuals of the funded programmes' indicators, by indicator and year."""
    values: dict[int, dict[int, dict[str, Any]]] = defaultdict(lambda: defaultdict(dict))
    target_columns = (IndicatorTarget.value, type_coerce(null(), UTCDateTime))
    query = union_all(
        *(
            _of_funded(
                select(table.indicator_id, table.year, *columns, literal(kind).label("kind")).join(
                    ResultIndicator, ResultIndicator.id == table.indicator_id
                ),
                ResultIndicator.outcome_id,
            )
            # The actuals first: their timestamps type the union's column.
            for table, columns, kind in (
                (IndicatorActual, (IndicatorActual.value, IndicatorActual.recorded_at), "actual"),
                (IndicatorTarget, target_columns, "target"),
            )
        )
    )
    for indicator_id, year, value, recorded_at, kind in plain_rows(query):
        values[indicator_id][year][kind] = value
        if recorded_at is not None:
            values[indicator_id][year]["recorded_at"] = recorded_at
    return {
        indicator_id: tuple(
            PeriodValues(year, found.get("target"), found.get("actual"), found.get("recorded_at"))
            for year, found in sorted(years.items())
        )
        for indicator_id, years in values.items()
    }


def programme_results(organizations: Mapping[int, Any]) -> dict[int, tuple[OutcomeData, ...]]:
    """The frameworks of the funded and closed programmes, by proposal id, each outcome in the
    programme's order; `organizations` names the responsible organizations (by id, with a
    `name`)."""
    outcomes = plain_rows(
        _of_funded(
            select(
                ResultOutcome.id,
                ResultOutcome.proposal_id,
                ResultOutcome.title,
                FundOutcome.code,
                FundOutcome.title,
            ).outerjoin(FundOutcome, FundOutcome.id == ResultOutcome.fund_outcome_id),
            ResultOutcome.id,
        ).order_by(ResultOutcome.proposal_id, ResultOutcome.position, ResultOutcome.id)
    )
    objectives: dict[int, list[int]] = defaultdict(list)
    link = result_outcome_objectives.c
    for outcome_id, number in plain_rows(
        _of_funded(select(link.outcome_id, link.objective_number), link.outcome_id).order_by(
            link.outcome_id, link.objective_number
        )
    ):
        objectives[outcome_id].append(number)
    targets: dict[int, list[str]] = defaultdict(list)
    sdg = result_outcome_sdg_targets.c
    for outcome_id, code in plain_rows(
        _of_funded(select(sdg.outcome_id, sdg.sdg_code), sdg.outcome_id)
        .join(SdgTarget, SdgTarget.code == sdg.sdg_code)
        .order_by(sdg.outcome_id, SdgTarget.position, SdgTarget.code)
    ):
        targets[outcome_id].append(code)
    outputs: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for output_id, outcome_id, title in plain_rows(
        _of_funded(
            select(ResultOutput.id, ResultOutput.outcome_id, ResultOutput.title),
            ResultOutput.outcome_id,
        ).order_by(ResultOutput.outcome_id, ResultOutput.position, ResultOutput.id)
    ):
        outputs[outcome_id].append((output_id, title))
    periods = _periods()
    indicators: dict[tuple[int, int | None], list[IndicatorData]] = defaultdict(list)
    i = ResultIndicator
    for row in plain_rows(
        _of_funded(
            select(
                i.id,
                i.outcome_id,
                i.output_id,
                i.definition,
                i.unit,
                i.baseline_value,
                i.baseline_year,
                i.baseline_source,
                i.baseline_link,
                MgiIndicator.code.label("mgi_code"),
                MgiAssessment.year.label("mgi_year"),
                MgiAssessment.country_iso2.label("mgi_country"),
                i.end_target,
                i.by_sex,
                i.by_age,
                i.by_migration_status,
                i.means_of_verification,
                i.responsible_organization_id,
            )
            .outerjoin(MgiIndicator, MgiIndicator.id == i.mgi_indicator_id)
            .outerjoin(MgiAssessment, MgiAssessment.id == i.mgi_assessment_id),
            i.outcome_id,
        ).order_by(i.outcome_id, i.position, i.id)
    ):
        disaggregation = (
            ("sex", row.by_sex),
            ("age", row.by_age),
            ("migration status", row.by_migration_status),
        )
        responsible = row.responsible_organization_id
        indicators[(row.outcome_id, row.output_id)].append(
            record_from_row(
                IndicatorData,
                row,
                definition=row.definition or "",
                unit=row.unit or "",
                baseline_link=row.baseline_link or "",
                disaggregated_by=tuple(name for name, flag in disaggregation if flag),
                means_of_verification=row.means_of_verification or "",
                responsible=organizations[responsible].name if responsible else None,
                periods=periods.get(row.id, ()),
            )
        )
    found: dict[int, list[OutcomeData]] = defaultdict(list)
    for outcome_id, proposal_id, title, fund_code, fund_title in outcomes:
        found[proposal_id].append(
            OutcomeData(
                title=title or "",
                fund_outcome_code=fund_code,
                fund_outcome_title=fund_title,
                objectives=tuple(objectives.get(outcome_id, ())),
                sdg_targets=tuple(targets.get(outcome_id, ())),
                indicators=tuple(indicators.get((outcome_id, None), ())),
                outputs=tuple(
                    OutputData(output_title or "", tuple(indicators.get((outcome_id, o_id), ())))
                    for o_id, output_title in outputs.get(outcome_id, ())
                ),
            )
        )
    return {proposal_id: tuple(items) for proposal_id, items in found.items()}

"""Results coverage: what the funded programmes measure, by GCM objective, thematic area, region,
participating organization and fund-level outcome, with its flags.

Which programmes count: the funded programmes, the same group as the funded money of the
coverage (`fund.proposals.status_rules.funded`: full programmes funded or closed). Indicators of
drafts, of proposals in screening or review, approved but not funded, rejected or withdrawn, and
of concept notes do not count. A report may name the programmes instead (`programme_ids`: the
allocation report's programmes of its call, period and date).

Where an indicator counts (an indicator belongs to an outcome of a programme):
- objectives: each objective its outcome maps to;
- thematic areas: each area of those objectives (once per area, even when two of its
  objectives lie in the same area);
- regions: each distinct UN M49 region of the programme's countries, "Global" (M49 001) for a
  programme without countries;
- organizations: the organization responsible for the indicator, else the programme's lead
  organization (else the applicant organization);
- fund-level outcomes: the fund outcome its outcome maps to.

Figures per row:
- `indicators`: the indicators counted there; `programmes_with_indicators`: the programmes
  with at least one of them;
- `with_baseline_and_target`: indicators with a baseline (value and year) and a target (an end
  target or a yearly target); `without_baseline`: indicators without a baseline;
- `reported`: indicators with an actual for a year that has a target; for each, its latest such
  year decides whether it is on track;
- `on_track_share`: of the reported indicators, the share on track (four decimals, half up);
  None when none is reported.

On track: with B the baseline value (0 when there is none: progress is then actual / target),
T the target of the latest reported year and A the actual of that year, the progress
(A - B) / (T - B) reaches at least RESULTS_OFF_TRACK_BELOW (a setting, default 0.50). A
baseline value without its year is still B, though the indicator counts as without baseline. This
works for indicators meant to go down as well as up: a target below the baseline asks A to
fall at least that share of the way from B to T. When T equals B (nothing to move), the
indicator is on track only when A equals T. Compared exactly, in whole ten-thousandths of the
indicator's unit (the values' precision), on SQLite and PostgreSQL alike.

Flags (`flags`: every flag of the row, most serious first; `flag`: the first one or None):
1. `money_without_results`: funded money on the row and no indicator of a funded programme
   for it (the money is the coverage's funded money, given by the caller: `FundedMoney`; a
   fund-level outcome reads the money of its thematic area);
2. `off_track`: at least one reported indicator below the threshold;
3. `no_baseline`: at least one indicator without a baseline.

Statements: one for every count of every dimension (a UNION ALL grouped once), and five reads
of the rows' names (objectives, areas, regions, fund outcomes, organizations), whatever the
number of programmes and indicators.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import (
    BigInteger,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql import Select

from fund.accounts.models import Organization
from fund.extensions import db
from fund.labels import N_
from fund.money import sql_int
from fund.proposals import status_rules
from fund.proposals.models import Proposal, proposal_countries
from fund.proposals.results import (
    IndicatorActual,
    IndicatorTarget,
    ResultIndicator,
    ResultOutcome,
    result_outcome_objectives,
)
from fund.reference.models import (
    GLOBAL_LABEL,
    GLOBAL_REGION,
    Country,
    GcmObjective,
    ThematicArea,
    objective_thematic_area,
)
from fund.reference.results import FundOutcome
from fund.results.kept_counts import kept_counts

MONEY_WITHOUT_RESULTS = "money_without_results"
OFF_TRACK = "off_track"
NO_BASELINE = "no_baseline"
# Most serious first: money nobody measures, then results falling short, then results that
# cannot show progress.
FLAG_ORDER = (MONEY_WITHOUT_RESULTS, OFF_TRACK, NO_BASELINE)
FLAG_LABELS = {
    MONEY_WITHOUT_RESULTS: N_("Money without results"),
    OFF_TRACK: N_("Off track"),
    NO_BASELINE: N_("No baseline"),
}
# As `fund.coverage.model.FLAG_COLOURS`: the PDF tables' colour of each flag, beside its words.
FLAG_COLOURS = {MONEY_WITHOUT_RESULTS: "#b3261e", OFF_TRACK: "#7a4b00", NO_BASELINE: "#37474f"}

OBJECTIVE, AREA, REGION, ORGANIZATION, FUND_OUTCOME = (
    "objective",
    "area",
    "region",
    "organization",
    "fund_outcome",
)
SHARE_PLACES = Decimal("0.0001")
UNITS = 10_000  # an indicator's values have four decimals

# The coverage's funded money by dimension ("objective", "area", "region", "organization") and
# row key (the coverage rows' keys: "6", "TA1", "002", an organization's id).
FundedMoney = Mapping[str, Mapping[str, Decimal]]


def funded_money(report: Any) -> dict[str, dict[str, Decimal]]:
    """The funded money of a coverage report (`fund.coverage.queries.Coverage`, given by a
    higher layer: its rows' `key` and `funded`), by dimension."""
    return {
        dimension: {row.key: row.funded for row in getattr(report, attribute)}
        for dimension, attribute in (
            (OBJECTIVE, "objectives"),
            (AREA, "areas"),
            (REGION, "regions"),
            (ORGANIZATION, "organizations"),
        )
    }


# Rows ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultsRow:
    """One objective (key: its number), thematic area (its code), region (its M49 code),
    organization (its id) or fund-level outcome (its code)."""

    key: str
    label: str
    title: str
    indicators: int
    programmes_with_indicators: int
    with_baseline_and_target: int
    without_baseline: int
    reported: int
    on_track: int
    funded: Decimal | None  # the coverage's funded money; None when not given
    flags: tuple[str, ...]

    @property
    def flag(self) -> str | None:
        return self.flags[0] if self.flags else None

    @property
    def flag_labels(self) -> list[str]:
        return [FLAG_LABELS[flag] for flag in self.flags]

    @property
    def on_track_share(self) -> Decimal | None:
        return on_track_share(self.on_track, self.reported)

    def to_dict(self) -> dict[str, Any]:
        share = self.on_track_share
        return {
            "key": self.key,
            "label": self.label,
            "title": self.title,
            "indicators": self.indicators,
            "programmes_with_indicators": self.programmes_with_indicators,
            "with_baseline_and_target": self.with_baseline_and_target,
            "without_baseline": self.without_baseline,
            "reported": self.reported,
            "on_track_share": None if share is None else float(share),
            "funded": None if self.funded is None else format(self.funded, "f"),
            "flag": self.flag,
            "flags": list(self.flags),
        }


@dataclass(frozen=True)
class ResultsCoverage:
    threshold: Decimal
    objectives: list[ResultsRow]
    areas: list[ResultsRow]
    regions: list[ResultsRow]
    organizations: list[ResultsRow]
    fund_outcomes: list[ResultsRow]

    def objective(self, number: int | str) -> ResultsRow:
        return next(row for row in self.objectives if row.key == str(number))

    def to_dict(self) -> dict[str, Any]:
        return {
            "off_track_below": format(self.threshold, "f"),
            "objectives": [row.to_dict() for row in self.objectives],
            "fund_outcomes": [row.to_dict() for row in self.fund_outcomes],
            "areas": [row.to_dict() for row in self.areas],
            "regions": [row.to_dict() for row in self.regions],
            "organizations": [row.to_dict() for row in self.organizations],
        }


# Pure rules ----------------------------------------------------------------------------------


def off_track_below(config: Mapping[str, Any] | None = None) -> Decimal:
    """The share of the way to the year's target below which a reported indicator is off track:
    the setting RESULTS_OFF_TRACK_BELOW of `config` (by default the application's), as a
    Decimal."""
    if config is None:
        from flask import current_app

        config = current_app.config
    return Decimal(str(config["RESULTS_OFF_TRACK_BELOW"]))


def on_track_share(on_track: int, reported: int) -> Decimal | None:
    """The share of reported indicators on track, four decimals rounded half up; None when
    nothing is reported."""
    if reported <= 0:
        return None
    return (Decimal(on_track) / Decimal(reported)).quantize(SHARE_PLACES, ROUND_HALF_UP)


def flags_for(
    funded: Decimal | None, indicators: int, without_baseline: int, reported: int, on_track: int
) -> tuple[str, ...]:
    """Every flag of a row, most serious first (see the module's rules)."""
    flags = []
    if funded is not None and funded > 0 and indicators == 0:
        flags.append(MONEY_WITHOUT_RESULTS)
    if reported > on_track:
        flags.append(OFF_TRACK)
    if without_baseline > 0:
        flags.append(NO_BASELINE)
    return tuple(flags)


# SQL -----------------------------------------------------------------------------------------


def _units(value: Any) -> Any:
    """A value of an indicator (four decimals) as whole ten-thousandths."""
    return cast(func.round(value * UNITS), BigInteger)


def indicator_facts(
    threshold: Decimal | None = None,
    *,
    programme_ids: Collection[int] | None = None,
    reported_before: datetime | None = None,
) -> Select:
    """One row per indicator of the counted programmes: its programme, outcome, fund outcome
    and organization, and 0/1 columns `with_baseline`, `with_baseline_and_target`,
    `reported` and `on_track` (see the module's rules; `threshold`: RESULTS_OFF_TRACK_BELOW by
    default). `reported_before`: actuals recorded from that moment on are left out."""
    ratio = Fraction(off_track_below() if threshold is None else threshold)
    numerator, denominator = sql_int(ratio.numerator), sql_int(ratio.denominator)

    reported_years = (
        select(IndicatorActual.indicator_id, func.max(IndicatorActual.year).label("year"))
        .join(
            IndicatorTarget,
            and_(
                IndicatorTarget.indicator_id == IndicatorActual.indicator_id,
                IndicatorTarget.year == IndicatorActual.year,
            ),
        )
        .group_by(IndicatorActual.indicator_id)
    )
    if reported_before is not None:
        reported_years = reported_years.where(IndicatorActual.recorded_at < reported_before)
    latest = reported_years.subquery("latest")
    actual, target = aliased(IndicatorActual), aliased(IndicatorTarget)

    has_baseline, has_target = ResultIndicator.has_baseline, ResultIndicator.has_target
    base = func.coalesce(_units(ResultIndicator.baseline_value), sql_int(0))
    reached, wanted = _units(actual.value), _units(target.value)
    progress, distance = reached - base, wanted - base
    on_track = case(
        (and_(distance > 0, progress * denominator >= numerator * distance), 1),
        (and_(distance < 0, progress * denominator <= numerator * distance), 1),
        (and_(distance == 0, reached == wanted), 1),
        else_=0,
    )
    counted = (
        status_rules.funded()
        if programme_ids is None
        else and_(status_rules.is_programme(), Proposal.id.in_(sorted(set(programme_ids))))
    )
    return (
        select(
            ResultIndicator.id.label("indicator_id"),
            ResultIndicator.outcome_id.label("outcome_id"),
            ResultOutcome.proposal_id.label("proposal_id"),
            ResultOutcome.fund_outcome_id.label("fund_outcome_id"),
            func.coalesce(
                ResultIndicator.responsible_organization_id,
                Proposal.lead_organization_id,
                Proposal.organization_id,
            ).label("organization_id"),
            case((has_baseline, 1), else_=0).label("with_baseline"),
            case((and_(has_baseline, has_target), 1), else_=0).label("with_baseline_and_target"),
            case((latest.c.year.is_not(None), 1), else_=0).label("reported"),
            on_track.label("on_track"),
        )
        .join(ResultOutcome, ResultOutcome.id == ResultIndicator.outcome_id)
        .join(Proposal, Proposal.id == ResultOutcome.proposal_id)
        .outerjoin(latest, latest.c.indicator_id == ResultIndicator.id)
        .outerjoin(
            actual, and_(actual.indicator_id == latest.c.indicator_id, actual.year == latest.c.year)
        )
        .outerjoin(
            target, and_(target.indicator_id == latest.c.indicator_id, target.year == latest.c.year)
        )
        .where(counted)
    )


def _counts(facts: Select) -> dict[tuple[str, str], Any]:
    """The figures of every (dimension, key) with indicators, in one statement."""
    f = facts.cte("facts")
    measures = (f.c.proposal_id, f.c.with_baseline, f.c.with_baseline_and_target)
    measures += (f.c.reported, f.c.on_track)

    def pairs(dimension: str, key: Any, *joins: Any, distinct: bool = False) -> Select:
        query = select(
            literal(dimension, String).label("dimension"),
            cast(key, String).label("key"),
            f.c.indicator_id,
            *measures,
        ).select_from(f)
        for join in joins:
            query = join(query)
        return query.distinct() if distinct else query

    links = result_outcome_objectives
    membership = objective_thematic_area
    by_objective = pairs(
        OBJECTIVE,
        links.c.objective_number,
        lambda q: q.join(links, links.c.outcome_id == f.c.outcome_id),
    )
    by_area = pairs(
        AREA,
        membership.c.thematic_area_code,
        lambda q: q.join(links, links.c.outcome_id == f.c.outcome_id),
        lambda q: q.join(membership, membership.c.objective_number == links.c.objective_number),
        distinct=True,
    )
    by_region = pairs(
        REGION,
        func.coalesce(Country.region_m49, GLOBAL_REGION),
        lambda q: q.outerjoin(
            proposal_countries, proposal_countries.c.proposal_id == f.c.proposal_id
        ),
        lambda q: q.outerjoin(Country, Country.iso2 == proposal_countries.c.country_iso2),
        distinct=True,
    )
    by_organization = pairs(ORGANIZATION, f.c.organization_id)
    by_fund_outcome = pairs(FUND_OUTCOME, f.c.fund_outcome_id).where(
        f.c.fund_outcome_id.is_not(None)
    )
    every = union_all(by_objective, by_area, by_region, by_organization, by_fund_outcome).subquery(
        "pairs"
    )
    grouped = select(
        every.c.dimension,
        every.c.key,
        func.count().label("indicators"),
        func.count(func.distinct(every.c.proposal_id)).label("programmes"),
        func.sum(every.c.with_baseline).label("with_baseline"),
        func.sum(every.c.with_baseline_and_target).label("with_baseline_and_target"),
        func.sum(every.c.reported).label("reported"),
        func.sum(every.c.on_track).label("on_track"),
    ).group_by(every.c.dimension, every.c.key)
    return {(row.dimension, row.key): row for row in db.session.execute(grouped)}


def results_coverage(
    money: FundedMoney | None = None,
    *,
    threshold: Decimal | None = None,
    programme_ids: Collection[int] | None = None,
    reported_before: datetime | None = None,
) -> ResultsCoverage:
    """The results coverage of every objective, thematic area, region, organization (those with
    indicators or funded money) and fund-level outcome (the active ones and any with
    indicators), in seven statements (six while the counts of every funded programme are kept:
    `fund.results.kept_counts`). `money`: the coverage's funded money (without it, no row is
    flagged `money_without_results`); `threshold`: RESULTS_OFF_TRACK_BELOW by default."""
    threshold = off_track_below() if threshold is None else threshold
    money = money or {}
    if programme_ids is None and reported_before is None:
        counts = kept_counts(threshold, lambda: _counts(indicator_facts(threshold)))
    else:
        counts = _counts(
            indicator_facts(threshold, programme_ids=programme_ids, reported_before=reported_before)
        )

    def make(
        dimension: str,
        key: str,
        label: str,
        title: str,
        funded: Decimal | None,
        counted_as: str | None = None,
    ) -> ResultsRow:
        """The row of `key`, its figures those counted under `counted_as` (default: `key`)."""
        row = counts.get((dimension, counted_as or key))
        figures = (
            (0, 0, 0, 0, 0, 0)
            if row is None
            else (
                int(row.indicators),
                int(row.programmes),
                int(row.with_baseline),
                int(row.with_baseline_and_target),
                int(row.reported),
                int(row.on_track),
            )
        )
        indicators, programmes, with_baseline, complete, reported, on_track = figures
        return ResultsRow(
            key=key,
            label=label,
            title=title,
            indicators=indicators,
            programmes_with_indicators=programmes,
            with_baseline_and_target=complete,
            without_baseline=indicators - with_baseline,
            reported=reported,
            on_track=on_track,
            funded=funded,
            flags=flags_for(funded, indicators, indicators - with_baseline, reported, on_track),
        )

    def funded_in(dimension: str, key: str | None) -> Decimal | None:
        if key is None or dimension not in money:
            return None
        return money[dimension].get(key, Decimal("0.00"))

    execute = db.session.execute
    objectives = [
        make(
            OBJECTIVE,
            str(r.number),
            f"{r.number}. {r.short_label}",
            r.title,
            funded_in(OBJECTIVE, str(r.number)),
        )
        for r in execute(
            select(GcmObjective.number, GcmObjective.short_label, GcmObjective.title).order_by(
                GcmObjective.number
            )
        )
    ]
    areas = [
        make(AREA, r.code, r.code, r.title, funded_in(AREA, r.code))
        for r in execute(select(ThematicArea.code, ThematicArea.title).order_by(ThematicArea.code))
    ]
    region_names = [
        (r.region_m49, r.region)
        for r in execute(
            select(Country.region_m49, Country.region).distinct().order_by(Country.region)
        )
    ]
    regions = [
        make(REGION, key, name, name, funded_in(REGION, key))
        for key, name in [*region_names, (GLOBAL_REGION, GLOBAL_LABEL)]
    ]
    fund_outcomes = [
        make(
            FUND_OUTCOME,
            r.code,
            r.code,
            r.title,
            funded_in(AREA, r.thematic_area_code),
            counted_as=str(r.id),
        )
        for r in execute(
            select(
                FundOutcome.id,
                FundOutcome.code,
                FundOutcome.title,
                FundOutcome.thematic_area_code,
                FundOutcome.active,
            ).order_by(FundOutcome.position, FundOutcome.code)
        )
        if r.active or (FUND_OUTCOME, str(r.id)) in counts
    ]
    organization_keys = {key for (dimension, key) in counts if dimension == ORGANIZATION}
    organization_keys |= {key for key, amount in money.get(ORGANIZATION, {}).items() if amount > 0}
    organizations = sorted(
        (
            make(
                ORGANIZATION,
                str(r.id),
                r.label,
                r.name,
                funded_in(ORGANIZATION, str(r.id)),
            )
            for r in execute(
                select(Organization.id, Organization.label, Organization.name).where(
                    Organization.id.in_(sorted(int(key) for key in organization_keys))
                )
            )
        ),
        key=lambda row: (row.label.lower(), row.key),
    )
    return ResultsCoverage(
        threshold=threshold,
        objectives=objectives,
        areas=areas,
        regions=regions,
        organizations=organizations,
        fund_outcomes=fund_outcomes,
    )

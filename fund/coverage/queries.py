"""Coverage of the GCM objectives by the fund's money: the read model behind the dashboard, the
simulator, `flask fund coverage` and the reports.

Everything is aggregated by the database (GROUP BY over budget lines joined to proposals) in a
fixed number of queries, whatever the number of proposals; Python only walks the result rows
(23 objectives, the thematic areas, regions, marker scores and organizations).

Method (also explained on the dashboard):

- Money of a programme: its budget total, i.e. direct costs plus indirect support costs, the
  latter being `INDIRECT_SUPPORT_RATE` of each participating organization's direct costs,
  rounded half-up to the cent per organization (as in `fund.proposals.budget`).
- Buckets: *funded* = status funded or closed; *pipeline* = approved (awaiting money);
  *review* = committee_review. Other states count nowhere.
- Objectives: each programme's indirect costs of one organization are split over that
  organization's objectives in proportion to its direct costs there, by largest remainder, in
  whole cents (`fund.money`); a programme's amount on an objective is its direct costs there
  plus those cents.
- Thematic areas: each programme's amount on an objective that lies in k areas is split evenly
  over them in whole cents (the cents left over to the first area codes).
- Regions: a programme's money is split evenly over the distinct M49 regions of its countries
  in whole cents (the cents left over to the first region codes); a programme without
  countries counts under "Global" (M49 001).
- Every figure is the sum of these per-programme cents (`fund.coverage.programme_money`), so
  the objectives, areas and regions each add up to the total, and funding or moving one
  programme changes each figure by exactly that programme's amount on it.
- Markers and organizations: exact sums of programme (resp. organization) budget totals.
- Flags (at most one per row, the most severe): `uncovered` (target above zero, no funded money,
  nothing approved or under review), `pipeline_only` (target above zero, no funded money, but
  money approved or under committee review), `under_target` (funded share strictly below
  COVERAGE_UNDER_TARGET_FRACTION x target), `concentrated` (funded share strictly above
  COVERAGE_CONCENTRATED_MULTIPLE x target). Rows without a target (markers, organizations,
  "Global") get no flag.
- Period: a programme's date is its allocation date when it has an allocation, else the date it
  was (last) submitted; programmes without either are left out when a period is chosen.
- As of a date (`as_of`, for reports): *funded* = an allocation dated on or before it; the other
  buckets follow the state each proposal had at the end of that day according to the audit
  trail (`fund.finance.queries.proposal_state_as_of`); allocations dated later are ignored,
  also by the period. Amounts are the proposals' budgets as they are now.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import BigInteger, and_, case, cast, func, literal_column, or_, select
from sqlalchemy.sql import Select, Subquery

from fund.accounts.models import Organization
from fund.calls.models import Call
from fund.coverage import totals as totals_store
from fund.coverage.programme_money import dimension_rows, programme_money
from fund.extensions import db
from fund.finance.models import Allocation, CoverageTarget, Pool
from fund.finance.queries import proposal_state_as_of
from fund.money import indirect_cents_sql, sql_cents
from fund.proposals.models import BudgetLine, Proposal
from fund.reference.models import Country, GcmObjective, ThematicArea, objective_thematic_area

FUNDED_STATUSES = ("funded", "closed")
PIPELINE_STATUS = "approved"
REVIEW_STATUS = "committee_review"
SIMULATION_STATUSES = (PIPELINE_STATUS, REVIEW_STATUS)

FUNDED, PIPELINE, REVIEW = "funded", "pipeline", "review"
BUCKETS = (FUNDED, PIPELINE, REVIEW)

UNCOVERED = "uncovered"
PIPELINE_ONLY = "pipeline_only"
UNDER_TARGET = "under_target"
CONCENTRATED = "concentrated"
FLAGS = (UNCOVERED, PIPELINE_ONLY, UNDER_TARGET, CONCENTRATED)  # most severe first
FLAG_LABELS = {
    UNCOVERED: "Uncovered",
    PIPELINE_ONLY: "Pipeline only",
    UNDER_TARGET: "Under target",
    CONCENTRATED: "Concentrated",
}

GLOBAL_REGION = "001"  # M49 code of the world: programmes without countries
GLOBAL_LABEL = "Global (no country)"
NOT_SCORED = "none"
MARKER_TITLES = {
    "0": "Not expected to contribute",
    "1": "Contributes in a limited way",
    "2": "Significant objective",
    "3": "Principal objective",
}
TARGET_TOLERANCE = Decimal("0.0001")  # targets of a dimension must add up to 1 within this

CENT = Decimal("0.01")
SHARE_PLACES = Decimal("0.000001")
ZERO = Decimal("0.00")


# Inputs --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageFilters:
    """Restrict the programmes counted: to one call, to a period (inclusive dates)."""

    call_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None

    @property
    def active(self) -> bool:
        return bool(self.call_id or self.date_from or self.date_to)

    def as_args(self) -> dict[str, str]:
        """The filters as query-string arguments (for links to the chart and the simulator)."""
        args = {}
        if self.call_id:
            args["call"] = str(self.call_id)
        if self.date_from:
            args["date_from"] = self.date_from.isoformat()
        if self.date_to:
            args["date_to"] = self.date_to.isoformat()
        return args


@dataclass(frozen=True)
class CoverageSettings:
    indirect_rate: Decimal = Decimal("0.07")
    under_target_fraction: Decimal = Decimal("0.5")
    concentrated_multiple: Decimal = Decimal("3")

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> CoverageSettings:
        return cls(
            indirect_rate=Decimal(str(config["INDIRECT_SUPPORT_RATE"])),
            under_target_fraction=Decimal(str(config["COVERAGE_UNDER_TARGET_FRACTION"])),
            concentrated_multiple=Decimal(str(config["COVERAGE_CONCENTRATED_MULTIPLE"])),
        )


def _settings(settings: CoverageSettings | None) -> CoverageSettings:
    if settings is not None:
        return settings
    from flask import current_app

    return CoverageSettings.from_config(current_app.config)


# Results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageRow:
    """One objective, thematic area, region, marker score or organization.

    Amounts are USD with cents; `pipeline`/`review` (and their programme counts) are None when
    the viewer may only see funded money. `share` is of the funded total (0..1, six decimals);
    `target` likewise, None where the dimension has no target.
    """

    key: str
    label: str
    title: str
    funded: Decimal
    pipeline: Decimal | None
    review: Decimal | None
    programmes: int
    pipeline_programmes: int | None
    review_programmes: int | None
    share: Decimal
    target: Decimal | None
    flag: str | None
    areas: tuple[str, ...] = ()  # objectives: the thematic areas they lie in
    objectives: tuple[int, ...] = ()  # thematic areas: their objectives

    @property
    def flag_label(self) -> str:
        return FLAG_LABELS[self.flag] if self.flag else ""

    @property
    def pending(self) -> Decimal:
        return (self.pipeline or ZERO) + (self.review or ZERO)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["areas"] = list(self.areas)
        data["objectives"] = list(self.objectives)
        return {key: _jsonable(value) for key, value in data.items()}


@dataclass(frozen=True)
class CoverageTotals:
    funded: Decimal
    funded_direct: Decimal
    funded_indirect: Decimal
    pipeline: Decimal | None
    review: Decimal | None
    programmes: int
    pipeline_programmes: int | None
    review_programmes: int | None

    def to_dict(self) -> dict[str, Any]:
        return {key: _jsonable(value) for key, value in asdict(self).items()}


@dataclass(frozen=True)
class AreaGroup:
    area: CoverageRow
    objectives: list[CoverageRow]


@dataclass(frozen=True)
class Coverage:
    filters: CoverageFilters
    settings: CoverageSettings
    include_pipeline: bool
    simulated: tuple[int, ...]
    totals: CoverageTotals
    objectives: list[CoverageRow]
    areas: list[CoverageRow]
    regions: list[CoverageRow]
    gender_markers: list[CoverageRow]
    human_rights_markers: list[CoverageRow]
    organizations: list[CoverageRow]

    def objective(self, number: int) -> CoverageRow:
        return next(row for row in self.objectives if row.key == str(number))

    def objectives_by_area(self) -> list[AreaGroup]:
        """The objectives under each thematic area (an objective in two areas appears twice)."""
        by_number = {row.key: row for row in self.objectives}
        return [
            AreaGroup(area, [by_number[str(n)] for n in area.objectives if str(n) in by_number])
            for area in self.areas
        ]

    def flagged(self, flag: str) -> list[CoverageRow]:
        return [row for row in self.objectives if row.flag == flag]

    def to_dict(self) -> dict[str, Any]:
        return {
            "filters": {
                "call_id": self.filters.call_id,
                "date_from": _jsonable(self.filters.date_from),
                "date_to": _jsonable(self.filters.date_to),
            },
            "settings": {key: _jsonable(v) for key, v in asdict(self.settings).items()},
            "include_pipeline": self.include_pipeline,
            "simulated": list(self.simulated),
            "totals": self.totals.to_dict(),
            "objectives": [row.to_dict() for row in self.objectives],
            "areas": [row.to_dict() for row in self.areas],
            "regions": [row.to_dict() for row in self.regions],
            "gender_markers": [row.to_dict() for row in self.gender_markers],
            "human_rights_markers": [row.to_dict() for row in self.human_rights_markers],
            "organizations": [row.to_dict() for row in self.organizations],
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return value


# Pure rules ----------------------------------------------------------------------------------


def flag_for(
    funded: Decimal,
    pending: Decimal,
    total: Decimal,
    target: Fraction | Decimal | None,
    *,
    under_target_fraction: Decimal,
    concentrated_multiple: Decimal,
) -> str | None:
    """The most severe flag of a row with `funded` money out of a funded `total`, `pending`
    money approved or under review, and a target share; compared exactly (no rounding)."""
    if target is None:
        return None
    target = Fraction(target)
    if funded <= 0:
        if target == 0:
            return None  # nothing wanted, nothing given: no gap
        return PIPELINE_ONLY if pending > 0 else UNCOVERED
    funded_f, total_f = Fraction(funded), Fraction(total)
    if funded_f < Fraction(under_target_fraction) * target * total_f:
        return UNDER_TARGET
    if funded_f > Fraction(concentrated_multiple) * target * total_f:
        return CONCENTRATED
    return None


def _cents(value: Fraction | int) -> Decimal:
    return (Decimal(int(value)) * CENT).quantize(CENT)


def _share(part: Decimal, total: Decimal) -> Decimal:
    if total <= 0:
        return Decimal("0.000000")
    return (part / total).quantize(SHARE_PLACES)


def _shown_target(target: Fraction | None) -> Decimal | None:
    if target is None:
        return None
    return (Decimal(target.numerator) / Decimal(target.denominator)).quantize(SHARE_PLACES)


# Targets -------------------------------------------------------------------------------------


def effective_targets(
    objective_numbers: Sequence[int], area_codes: Sequence[str]
) -> tuple[dict[int, Fraction], dict[str, Fraction]]:
    """Target shares per objective and per area: the stored ones, equal shares otherwise
    (one query)."""
    stored = db.session.execute(
        select(CoverageTarget.dimension, CoverageTarget.key, CoverageTarget.share)
    ).all()
    saved = {(row.dimension, row.key): Fraction(row.share) for row in stored}
    objectives = {
        n: saved.get(("objective", str(n)), Fraction(1, max(len(objective_numbers), 1)))
        for n in objective_numbers
    }
    areas = {
        code: saved.get(("area", code), Fraction(1, max(len(area_codes), 1))) for code in area_codes
    }
    return objectives, areas


# SQL -----------------------------------------------------------------------------------------


def _int(text: int) -> Any:
    """An integer constant written into the SQL, typed so that `//` stays integer division."""
    return literal_column(str(int(text)), BigInteger)


def _lines(
    filters: CoverageFilters,
    include_pipeline: bool,
    simulate: Collection[int],
    as_of: date | None = None,
) -> Select:
    """Budget lines of the counted proposals, each with its bucket and its amount in cents."""
    if as_of is None:
        status, funded = Proposal.status, Proposal.status.in_(FUNDED_STATUSES)
    else:
        status, funded = proposal_state_as_of(as_of), Allocation.id.is_not(None)
    bucket = case(
        *([(Proposal.id.in_(list(simulate)), FUNDED)] if simulate else []),
        (funded, FUNDED),
        (status == PIPELINE_STATUS, PIPELINE),
        else_=REVIEW,
    )
    counted = or_(funded, status.in_(SIMULATION_STATUSES)) if include_pipeline else funded
    if simulate:
        counted = or_(counted, Proposal.id.in_(list(simulate)))
    query = (
        select(
            BudgetLine.proposal_id.label("proposal_id"),
            BudgetLine.organization_id.label("organization_id"),
            BudgetLine.objective_number.label("objective_number"),
            bucket.label("bucket"),
            sql_cents(BudgetLine.amount).label("cents"),
        )
        .join(Proposal, Proposal.id == BudgetLine.proposal_id)
        .where(counted)
    )
    if as_of is not None:
        query = query.outerjoin(
            Allocation,
            and_(Allocation.proposal_id == Proposal.id, Allocation.allocated_on <= as_of),
        )
    if filters.call_id:
        query = query.where(Proposal.call_id == filters.call_id)
    if filters.date_from or filters.date_to:
        if as_of is None:
            query = query.outerjoin(Allocation, Allocation.proposal_id == Proposal.id)
        allocated, not_allocated = Allocation.id.is_not(None), Allocation.id.is_(None)
        if filters.date_from:
            start = datetime.combine(filters.date_from, time.min, tzinfo=UTC)
            query = query.where(
                or_(
                    and_(allocated, Allocation.allocated_on >= filters.date_from),
                    and_(not_allocated, Proposal.submitted_at >= start),
                )
            )
        if filters.date_to:
            end = datetime.combine(filters.date_to + timedelta(days=1), time.min, tzinfo=UTC)
            query = query.where(
                or_(
                    and_(allocated, Allocation.allocated_on <= filters.date_to),
                    and_(not_allocated, Proposal.submitted_at < end),
                )
            )
    return query


def _by_organization(lines: Subquery, rate: Decimal) -> Subquery:
    """Direct and indirect cents per (bucket, proposal, organization): the indirect costs are
    rounded half-up to the cent per organization, in integer arithmetic on every engine."""
    direct = cast(func.sum(lines.c.cents), BigInteger)
    indirect = indirect_cents_sql(direct, rate)
    return (
        select(
            lines.c.bucket,
            lines.c.proposal_id,
            lines.c.organization_id,
            direct.label("direct"),
            indirect.label("indirect"),
        )
        .group_by(lines.c.bucket, lines.c.proposal_id, lines.c.organization_id)
        .subquery("by_organization")
    )


def _by_proposal(by_org: Subquery) -> Subquery:
    return (
        select(
            by_org.c.bucket,
            by_org.c.proposal_id,
            func.sum(by_org.c.direct + by_org.c.indirect).label("total"),
        )
        .group_by(by_org.c.bucket, by_org.c.proposal_id)
        .subquery("by_proposal")
    )


# The report ----------------------------------------------------------------------------------


@dataclass
class _Sums:
    """Money (whole cents) and programme counts per bucket of one row."""

    cents: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    programmes: dict[str, int] = field(default_factory=lambda: defaultdict(int))


@dataclass(frozen=True)
class _BucketTotal:
    direct: int
    indirect: int
    programmes: int


@dataclass
class _Raw:
    """What the coverage is computed from: sums per bucket of each dimension's keys."""

    totals: dict[str, _BucketTotal] = field(default_factory=dict)
    objective_sums: dict[int, _Sums] = field(default_factory=lambda: defaultdict(_Sums))
    area_sums: dict[str, _Sums] = field(default_factory=lambda: defaultdict(_Sums))
    region_sums: dict[str, _Sums] = field(default_factory=lambda: defaultdict(_Sums))
    gender: dict[str, _Sums] = field(default_factory=lambda: defaultdict(_Sums))
    rights: dict[str, _Sums] = field(default_factory=lambda: defaultdict(_Sums))
    organizations: dict[str, _Sums] = field(default_factory=lambda: defaultdict(_Sums))
    organization_names: dict[str, tuple[str, str]] = field(default_factory=dict)


def _raw_from_lines(
    filters: CoverageFilters,
    include_pipeline: bool,
    simulate: Collection[int],
    rate: Decimal,
    as_of: date | None,
) -> _Raw:
    """The sums of the per-programme cents aggregated from the budget lines (1 statement, 1
    more for the organizations' names)."""
    lines = _lines(filters, include_pipeline, simulate, as_of).cte("lines")
    statement = dimension_rows(programme_money(lines, rate, "bucket", "cov"), "bucket")
    return _raw_from_sums(
        {
            (row[0], row[1], row[2]): (int(row[3] or 0), int(row[4] or 0), int(row[5] or 0))
            for row in db.session.execute(statement)
        }
    )


_STATUS_BUCKETS = {
    **dict.fromkeys(FUNDED_STATUSES, FUNDED),
    PIPELINE_STATUS: PIPELINE,
    REVIEW_STATUS: REVIEW,
}


_UNREAD: Any = object()  # the maintained totals were not read yet


_OBJECTIVE_DIMENSIONS = frozenset({"total", "objective", "area"})


def _raw_from_totals(
    include_pipeline: bool,
    simulate: Collection[int],
    rate: Decimal,
    kept: Any = _UNREAD,
    objectives_only: bool = False,
) -> _Raw | None:
    """The sums from the maintained totals (1 statement unless `kept` is what
    `totals_store.read` gave, 1 more for simulated proposals, 1 for the organizations' names),
    or None when the totals are not built for this rate. `objectives_only` leaves out the
    regions, markers and organizations (and the names)."""
    connection = db.session.connection()
    if kept is _UNREAD:
        kept = totals_store.read(connection, rate)
    if kept is None:
        return None
    moves: list[tuple[str | None, tuple[str, str, str], tuple[int, int, int], int]] = [
        (_STATUS_BUCKETS.get(status), (status, d, k), values, 1)
        for (status, d, k), values in kept.items()
    ]
    if simulate:
        # The simulated proposals leave their bucket (if they count) and count as funded.
        moved = totals_store.aggregate(connection, rate, simulate, counted_only=False)
        for key, values in moved.items():
            moves.append((_STATUS_BUCKETS.get(key[0]), key, values, -1))
            moves.append((FUNDED, key, values, 1))
    sums: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for bucket, (_, dimension, key), values, sign in moves:
        if bucket is None or (bucket != FUNDED and not include_pipeline):
            continue
        if objectives_only and dimension not in _OBJECTIVE_DIMENSIONS:
            continue
        target = sums[(bucket, dimension, key)]
        for i, value in enumerate(values):
            target[i] += sign * value

    return _raw_from_sums(sums)


def _raw_from_sums(sums: Mapping[tuple[str, str, str], Sequence[int]]) -> _Raw:
    """The sums per (bucket, dimension, key), each given once, as a _Raw (1 statement for the
    organizations' names, when there are organizations)."""
    raw = _Raw()
    for (bucket, dimension, key), (amount, indirect, programmes) in sums.items():
        if not programmes:
            continue
        if dimension == "total":
            raw.totals[bucket] = _BucketTotal(amount, indirect, programmes)
            continue
        if dimension == "objective":
            target = raw.objective_sums[int(key)]
        elif dimension == "area":
            target = raw.area_sums[key]
        elif dimension == "region":
            target = raw.region_sums[key]
        elif dimension in ("gender", "rights"):
            target = (raw.gender if dimension == "gender" else raw.rights)[key]
        else:  # organization
            target = raw.organizations[key]
        target.cents[bucket] = amount + indirect
        target.programmes[bucket] = programmes
    if raw.organizations:
        for row in db.session.execute(
            select(Organization.id, Organization.acronym, Organization.name).where(
                Organization.id.in_(sorted(int(key) for key in raw.organizations))
            )
        ):
            raw.organization_names[str(row.id)] = (row.acronym or row.name, row.name)
    return raw


@dataclass
class _Reference:
    """What every report reads first: objectives, areas and their membership, regions, and the
    target shares (5 queries)."""

    objectives: list[Any]
    areas: list[Any]
    membership: list[Any]
    regions: list[Any]
    objective_targets: dict[int, Fraction]
    area_targets: dict[str, Fraction]


def _reference() -> _Reference:
    execute = db.session.execute
    objectives = execute(
        select(GcmObjective.number, GcmObjective.short_label, GcmObjective.title).order_by(
            GcmObjective.number
        )
    ).all()
    areas = execute(select(ThematicArea.code, ThematicArea.title).order_by(ThematicArea.code)).all()
    membership = execute(
        select(
            objective_thematic_area.c.thematic_area_code, objective_thematic_area.c.objective_number
        ).order_by(
            objective_thematic_area.c.thematic_area_code,
            objective_thematic_area.c.objective_number,
        )
    ).all()
    regions = execute(
        select(Country.region_m49, Country.region).distinct().order_by(Country.region)
    ).all()
    objective_targets, area_targets = effective_targets(
        [row.number for row in objectives], [row.code for row in areas]
    )
    return _Reference(objectives, areas, membership, regions, objective_targets, area_targets)


def coverage_pair(
    simulate_funded: Iterable[int],
    settings: CoverageSettings | None = None,
    *,
    objectives_only: bool = False,
) -> tuple[Coverage, Coverage]:
    """The full coverage now, and if `simulate_funded` were funded: the two reports read the
    reference data and the maintained totals once (nothing is written between them).
    `objectives_only`: the objectives, areas and totals only (regions, markers and
    organizations are left empty), when the maintained totals are in use."""
    settings = _settings(settings)
    reference = _reference()
    kept = totals_store.read(db.session.connection(), settings.indirect_rate)
    shared = (reference, kept, objectives_only)
    before = coverage(settings=settings, _shared=shared)
    after = coverage(settings=settings, simulate_funded=simulate_funded, _shared=shared)
    return before, after


def coverage(
    filters: CoverageFilters | None = None,
    *,
    include_pipeline: bool = True,
    simulate_funded: Iterable[int] = (),
    settings: CoverageSettings | None = None,
    as_of: date | None = None,
    use_totals: bool = True,
    _shared: tuple[_Reference, Any, bool] | None = None,
) -> Coverage:
    """The coverage figures, in a fixed number of queries.

    `include_pipeline=False` gives the public view: only funded money, and flags that ignore
    the pipeline. `simulate_funded` counts these proposals as funded whatever their status.
    `as_of` gives the figures at the end of that day (see the module's method).

    Without filters and `as_of`, the figures come from the maintained totals
    (`fund.coverage.totals`, 1 statement, plus one for the simulated proposals) when they were
    built with the configured indirect support rate; otherwise, or with `use_totals=False`,
    from the budget lines (7 statements). Both give the same figures.
    """
    filters = filters or CoverageFilters()
    settings = _settings(settings)
    simulate = tuple(sorted(set(simulate_funded)))
    reference, kept, objectives_only = (
        _shared if _shared is not None else (_reference(), _UNREAD, False)
    )
    objectives, areas, membership, regions = (
        reference.objectives,
        reference.areas,
        reference.membership,
        reference.regions,
    )
    objective_targets, area_targets = reference.objective_targets, reference.area_targets

    raw = None
    if use_totals and as_of is None and not filters.active:
        raw = _raw_from_totals(
            include_pipeline, simulate, settings.indirect_rate, kept, objectives_only
        )
    if raw is None:
        objectives_only = False  # the budget lines give every dimension at once
        raw = _raw_from_lines(filters, include_pipeline, simulate, settings.indirect_rate, as_of)
    totals = raw.totals
    total_cents = {
        b: int(totals[b].direct + totals[b].indirect) if b in totals else 0 for b in BUCKETS
    }

    # Every figure is a sum of per-programme whole cents (see the module's method).
    objective_sums, area_sums, region_sums = raw.objective_sums, raw.area_sums, raw.region_sums
    areas_of: dict[int, list[str]] = defaultdict(list)
    objectives_of: dict[str, list[int]] = defaultdict(list)
    for row in membership:
        areas_of[row.objective_number].append(row.thematic_area_code)
        objectives_of[row.thematic_area_code].append(row.objective_number)
    gender, rights = raw.gender, raw.rights
    organizations, organization_names = raw.organizations, raw.organization_names

    # Assembling the rows (no more queries).
    funded_total = _cents(total_cents[FUNDED])

    def make_row(
        key: str,
        label: str,
        title: str,
        cents: Mapping[str, int | Fraction],
        programmes: Mapping[str, int],
        target: Fraction | None,
        **extra: Any,
    ) -> CoverageRow:
        funded = _cents(cents.get(FUNDED, 0))
        pipeline = _cents(cents.get(PIPELINE, 0)) if include_pipeline else None
        review = _cents(cents.get(REVIEW, 0)) if include_pipeline else None
        pending = (pipeline or ZERO) + (review or ZERO)
        return CoverageRow(
            key=key,
            label=label,
            title=title,
            funded=funded,
            pipeline=pipeline,
            review=review,
            programmes=programmes.get(FUNDED, 0),
            pipeline_programmes=programmes.get(PIPELINE, 0) if include_pipeline else None,
            review_programmes=programmes.get(REVIEW, 0) if include_pipeline else None,
            share=_share(funded, funded_total),
            target=_shown_target(target),
            flag=flag_for(
                funded,
                pending,
                funded_total,
                target,
                under_target_fraction=settings.under_target_fraction,
                concentrated_multiple=settings.concentrated_multiple,
            ),
            **extra,
        )

    objective_rows = [
        make_row(
            str(row.number),
            f"{row.number}. {row.short_label}",
            row.title,
            objective_sums[row.number].cents,
            objective_sums[row.number].programmes,
            objective_targets[row.number],
            areas=tuple(areas_of.get(row.number, ())),
        )
        for row in objectives
    ]
    area_rows = [
        make_row(
            row.code,
            row.code,
            row.title,
            area_sums[row.code].cents,
            area_sums[row.code].programmes,
            area_targets[row.code],
            objectives=tuple(objectives_of.get(row.code, ())),
        )
        for row in areas
    ]
    region_target = Fraction(1, len(regions)) if regions else None
    region_rows = [
        make_row(
            key,
            label,
            label,
            region_sums[key].cents,
            region_sums[key].programmes,
            region_target if key != GLOBAL_REGION else None,
        )
        for key, label in [(r.region_m49, r.region) for r in regions]
        + [(GLOBAL_REGION, GLOBAL_LABEL)]
    ]

    def marker_rows(table: dict[str, _Sums]) -> list[CoverageRow]:
        keys = ["0", "1", "2", "3"] + ([NOT_SCORED] if NOT_SCORED in table else [])
        return [
            make_row(
                key,
                f"Score {key}" if key != NOT_SCORED else "Not scored",
                MARKER_TITLES.get(key, "No marker given"),
                table[key].cents,
                table[key].programmes,
                None,
            )
            for key in keys
        ]

    organization_rows = sorted(
        (
            make_row(
                key,
                organization_names[key][0],
                organization_names[key][1],
                sums.cents,
                sums.programmes,
                None,
            )
            for key, sums in organizations.items()
        ),
        key=lambda row: (-row.funded, -(row.pending), row.label),
    )

    def bucket_total(bucket: str) -> Decimal | None:
        return _cents(total_cents[bucket]) if include_pipeline else None

    def bucket_programmes(bucket: str) -> int | None:
        if not include_pipeline:
            return None
        return int(totals[bucket].programmes) if bucket in totals else 0

    funded_row = totals.get(FUNDED)
    return Coverage(
        filters=filters,
        settings=settings,
        include_pipeline=include_pipeline,
        simulated=simulate,
        totals=CoverageTotals(
            funded=funded_total,
            funded_direct=_cents(funded_row.direct if funded_row else 0),
            funded_indirect=_cents(funded_row.indirect if funded_row else 0),
            pipeline=bucket_total(PIPELINE),
            review=bucket_total(REVIEW),
            programmes=int(funded_row.programmes) if funded_row else 0,
            pipeline_programmes=bucket_programmes(PIPELINE),
            review_programmes=bucket_programmes(REVIEW),
        ),
        objectives=objective_rows,
        areas=area_rows,
        regions=[] if objectives_only else region_rows,
        gender_markers=[] if objectives_only else marker_rows(gender),
        human_rights_markers=[] if objectives_only else marker_rows(rights),
        organizations=[] if objectives_only else organization_rows,
    )


# Filters, targets, simulator, committee ------------------------------------------------------


def target_dimensions() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(key, label) of every objective and every thematic area, which carry targets."""
    objectives = db.session.execute(
        select(GcmObjective.number, GcmObjective.short_label).order_by(GcmObjective.number)
    ).all()
    areas = db.session.execute(
        select(ThematicArea.code, ThematicArea.title).order_by(ThematicArea.code)
    ).all()
    return (
        [(str(row.number), f"{row.number}. {row.short_label}") for row in objectives],
        [(row.code, f"{row.code}: {row.title}") for row in areas],
    )


@dataclass(frozen=True)
class CallChoice:
    id: int
    title: str


def call_choices() -> list[CallChoice]:
    rows = db.session.execute(select(Call.id, Call.title).order_by(Call.id.desc())).all()
    return [CallChoice(row.id, row.title) for row in rows]


@dataclass(frozen=True)
class Candidate:
    """A proposal the simulator may pretend to fund."""

    id: int
    title: str
    status: str
    organization: str
    call_title: str
    primary_objective_number: int | None
    total: Decimal

    @property
    def reference(self) -> str:
        return f"P-{self.id:05d}"


def simulation_candidates(settings: CoverageSettings | None = None) -> list[Candidate]:
    """Approved and under-review proposals with their budget totals, approved first (1 query)."""
    settings = _settings(settings)
    lines = _lines(CoverageFilters(), True, ()).subquery("lines")
    by_proposal = _by_proposal(_by_organization(lines, settings.indirect_rate))
    rows = db.session.execute(
        select(
            Proposal.id,
            Proposal.title,
            Proposal.status,
            Proposal.primary_objective_number,
            Organization.acronym,
            Organization.name,
            Call.title.label("call_title"),
            by_proposal.c.total,
        )
        .join(Organization, Organization.id == Proposal.organization_id)
        .join(Call, Call.id == Proposal.call_id)
        .outerjoin(by_proposal, by_proposal.c.proposal_id == Proposal.id)
        .where(Proposal.status.in_(SIMULATION_STATUSES))
        .order_by(Proposal.status, Proposal.id)
    ).all()
    return [
        Candidate(
            id=row.id,
            title=row.title,
            status=row.status,
            organization=row.acronym or row.name,
            call_title=row.call_title,
            primary_objective_number=row.primary_objective_number,
            total=_cents(row.total or 0),
        )
        for row in rows
    ]


def available_balance() -> Decimal:
    """Money available to allocate: the sum of every pool's `available` (1 query)."""
    value = db.session.scalar(select(func.coalesce(func.sum(Pool.available), 0)))
    return Decimal(str(value or 0)).quantize(CENT)


@dataclass(frozen=True)
class ObjectiveChange:
    """One objective before and after funding some proposals."""

    number: int
    label: str
    funded_now: Decimal
    funded_after: Decimal
    share_now: Decimal
    share_after: Decimal
    target: Decimal | None
    flag_now: str | None
    flag_after: str | None

    @property
    def change(self) -> Decimal:
        return self.funded_after - self.funded_now

    @property
    def flag_now_label(self) -> str:
        return FLAG_LABELS[self.flag_now] if self.flag_now else ""

    @property
    def flag_after_label(self) -> str:
        return FLAG_LABELS[self.flag_after] if self.flag_after else ""


# The name the committee review page uses.
EffectRow = ObjectiveChange


def _changes(before: Coverage, after: Coverage) -> list[ObjectiveChange]:
    after_by_key = {row.key: row for row in after.objectives}
    return [
        ObjectiveChange(
            number=int(row.key),
            label=row.label,
            funded_now=row.funded,
            funded_after=after_by_key[row.key].funded,
            share_now=row.share,
            share_after=after_by_key[row.key].share,
            target=row.target,
            flag_now=row.flag,
            flag_after=after_by_key[row.key].flag,
        )
        for row in before.objectives
    ]


@dataclass(frozen=True)
class Simulation:
    candidates: list[Candidate]
    picked: list[Candidate]
    before: Coverage
    after: Coverage
    changes: list[ObjectiveChange]
    balance_before: Decimal

    @property
    def picked_total(self) -> Decimal:
        return sum((c.total for c in self.picked), ZERO)

    @property
    def balance_after(self) -> Decimal:
        return self.balance_before - self.picked_total

    @property
    def exceeds_balance(self) -> bool:
        return self.picked_total > self.balance_before


def simulate(
    picked_ids: Iterable[int],
    *,
    candidates: list[Candidate] | None = None,
    settings: CoverageSettings | None = None,
) -> Simulation:
    """Coverage and balance now and if the picked approved/under-review proposals were funded
    (ids that are not candidates are ignored); a fixed number of queries."""
    settings = _settings(settings)
    if candidates is None:
        candidates = simulation_candidates(settings)
    wanted = set(picked_ids)
    picked = [c for c in candidates if c.id in wanted]
    before, after = coverage_pair([c.id for c in picked], settings)
    return Simulation(
        candidates=candidates,
        picked=picked,
        before=before,
        after=after,
        changes=_changes(before, after),
        balance_before=available_balance(),
    )


def coverage_effect(
    proposal_id: int, settings: CoverageSettings | None = None
) -> list[ObjectiveChange]:
    """For each of the 23 objectives: funded money, share and flag now, and if this proposal
    were funded (for the committee's review page). A proposal already funded changes nothing."""
    before, after = coverage_pair([proposal_id], settings, objectives_only=True)
    return _changes(before, after)

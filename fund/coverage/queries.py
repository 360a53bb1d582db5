"""Coverage of the GCM objectives by the fund's money: the read model behind the dashboard, the
simulator, `flask fund coverage` and the reports.

Everything is aggregated by the database (GROUP BY over budget lines joined to proposals) in a
fixed number of queries, whatever the number of proposals; Python only walks the result rows
(23 objectives, the thematic areas, regions, marker scores and organizations).

Method (also explained on the dashboard):

- Money of a programme: its budget total, i.e. direct costs plus indirect support costs, the
  latter being `INDIRECT_SUPPORT_RATE` of each participating organization's direct costs,
  rounded half-up to the cent per organization (as in `fund.proposals.budget`); of a closed
  programme, what it kept (transferred less refunds), apportioned as its budget
  (`fund.coverage.programme_money.kept_cents`).
- Buckets: *funded* = status funded or closed; *pipeline* = approved (awaiting money);
  *review* = committee_review; *notes* = concept notes approved into the pipeline, by their
  indicative totals. Other states count nowhere.
- Money of a concept note: its indicative total per organization (all costs, no indirect
  costs added), split evenly over its objectives (the primary one first, then the secondary
  ones by number) in whole cents; areas, regions and organizations then as for budgets
  (`fund.coverage.programme_money.note_lines`).
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
  nothing approved, under review or in a concept note of the pipeline), `pipeline_only` (target
  above zero, no funded money, but money approved, under committee review or indicated by a
  concept note in the pipeline), `under_target` (funded share strictly below
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

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import select

from fund.calls.models import Call
from fund.coverage import totals as totals_store
from fund.coverage.model import (
    BUCKETS,
    CONCENTRATED,
    FLAG_LABELS,
    FUNDED,
    FUNDED_STATUSES,
    MARKER_TITLES,
    NO_MARKER,
    NOT_SCORED,
    NOTE_PIPELINE_STATUS,
    NOTES,
    PIPELINE,
    PIPELINE_ONLY,
    PIPELINE_STATUS,
    REVIEW,
    REVIEW_STATUS,
    SIMULATION_STATUSES,
    TARGET_TOLERANCE,
    UNCOVERED,
    UNDER_TARGET,
    ZERO,
    AreaGroup,
    Coverage,
    CoverageFilters,
    CoverageRow,
    CoverageSettings,
    CoverageTotals,
    _settings,
    _share,
    flag_for,
    target_share,
)
from fund.coverage.sources import (
    _UNREAD,
    _raw_from_lines,
    _raw_from_totals,
    _Reference,
    _reference,
    _Sums,
    effective_targets,
)
from fund.extensions import db
from fund.i18n import current_language, labelled
from fund.money import from_cents
from fund.reference.models import GLOBAL_LABEL, GLOBAL_REGION, GcmObjective, ThematicArea
from fund.reference.translations import objective_numbered

__all__ = [
    "BUCKETS",
    "CONCENTRATED",
    "FLAG_LABELS",
    "FUNDED",
    "FUNDED_STATUSES",
    "GLOBAL_LABEL",
    "GLOBAL_REGION",
    "MARKER_TITLES",
    "NOTES",
    "NOTE_PIPELINE_STATUS",
    "NOT_SCORED",
    "NO_MARKER",
    "PIPELINE",
    "PIPELINE_ONLY",
    "PIPELINE_STATUS",
    "REVIEW",
    "REVIEW_STATUS",
    "SIMULATION_STATUSES",
    "TARGET_TOLERANCE",
    "UNCOVERED",
    "UNDER_TARGET",
    "ZERO",
    "AreaGroup",
    "CallChoice",
    "Coverage",
    "CoverageFilters",
    "CoverageRow",
    "CoverageSettings",
    "CoverageTotals",
    "call_choices",
    "coverage",
    "coverage_pair",
    "effective_targets",
    "flag_for",
    "target_dimensions",
]


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
    funded_total = from_cents(total_cents[FUNDED])

    def make_row(
        key: str,
        label: str,
        title: str,
        sums: _Sums,
        target: Fraction | None,
        **extra: Any,
    ) -> CoverageRow:
        cents, programmes = sums.cents, sums.programmes
        funded = from_cents(cents.get(FUNDED, 0))
        pipeline = from_cents(cents.get(PIPELINE, 0)) if include_pipeline else None
        review = from_cents(cents.get(REVIEW, 0)) if include_pipeline else None
        notes = from_cents(cents.get(NOTES, 0)) if include_pipeline else None
        pending = (pipeline or ZERO) + (review or ZERO) + (notes or ZERO)
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
            notes=notes,
            notes_programmes=programmes.get(NOTES, 0) if include_pipeline else None,
            share=_share(funded, funded_total),
            target=None if target is None else target_share(target),
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
            objective_sums[row.number],
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
            area_sums[row.code],
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
            region_sums[key],
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
                MARKER_TITLES.get(key, NO_MARKER),
                table[key],
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
                sums,
                None,
            )
            for key, sums in organizations.items()
        ),
        key=lambda row: (-row.funded, -(row.pending), row.label),
    )

    def bucket_total(bucket: str) -> Decimal | None:
        return from_cents(total_cents[bucket]) if include_pipeline else None

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
            funded_direct=from_cents(funded_row.direct if funded_row else 0),
            funded_indirect=from_cents(funded_row.indirect if funded_row else 0),
            pipeline=bucket_total(PIPELINE),
            review=bucket_total(REVIEW),
            programmes=int(funded_row.programmes) if funded_row else 0,
            pipeline_programmes=bucket_programmes(PIPELINE),
            review_programmes=bucket_programmes(REVIEW),
            notes=bucket_total(NOTES),
            notes_programmes=bucket_programmes(NOTES),
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
    language = current_language()
    return (
        [
            (
                str(row.number),
                objective_numbered(row.number, language, row.short_label),
            )
            for row in objectives
        ],
        [(row.code, labelled(row.code, row.title)) for row in areas],
    )


@dataclass(frozen=True)
class CallChoice:
    id: int
    title: str


def call_choices() -> list[CallChoice]:
    rows = db.session.execute(select(Call.id, Call.title).order_by(Call.id.desc())).all()
    return [CallChoice(row.id, row.title) for row in rows]

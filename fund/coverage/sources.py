"""Where the coverage figures come from: the target shares, the totals kept at flush time
(`fund.coverage.totals`) or the budget lines (`fund.coverage.programme_money`), each read in a
fixed number of statements into the same sums."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import and_, case, literal_column, or_, select
from sqlalchemy.sql import Select

from fund.accounts.models import Organization
from fund.coverage import totals as totals_store
from fund.coverage.model import (
    FUNDED,
    FUNDED_STATUSES,
    NOTE_PIPELINE_STATUS,
    NOTES,
    PIPELINE,
    PIPELINE_STATUS,
    REVIEW,
    REVIEW_STATUS,
    SIMULATION_STATUSES,
    CoverageFilters,
)
from fund.coverage.programme_money import (
    NO_INDIRECT,
    ProgrammeMoney,
    dimension_rows,
    kept_cents,
    note_lines,
    programme_money,
)
from fund.extensions import db
from fund.finance.models import Allocation, CoverageTarget
from fund.finance.queries import proposal_state_as_of
from fund.money import sql_cents
from fund.proposals import status_rules
from fund.proposals.models import BudgetLine, Proposal
from fund.reference.models import Country, GcmObjective, ThematicArea, objective_thematic_area

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


def _lines(
    filters: CoverageFilters,
    include_pipeline: bool,
    simulate: Collection[int],
    as_of: date | None = None,
) -> Select:
    """Budget lines of the counted proposals, each with its bucket and its amount in cents."""
    if as_of is None:
        status, funded = Proposal.status, status_rules.funded()
    else:
        status = proposal_state_as_of(as_of)
        funded = and_(status_rules.is_programme(), Allocation.id.is_not(None))
    bucket = case(
        *([(Proposal.id.in_(list(simulate)), FUNDED)] if simulate else []),
        (funded, FUNDED),
        (status == PIPELINE_STATUS, PIPELINE),
        else_=REVIEW,
    )
    pending = status_rules.programme_in(SIMULATION_STATUSES, status)
    counted = or_(funded, pending) if include_pipeline else funded
    if simulate:
        counted = or_(counted, and_(status_rules.is_programme(), Proposal.id.in_(list(simulate))))
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


def _notes(
    filters: CoverageFilters,
    include_pipeline: bool,
    simulate: Collection[int],
    as_of: date | None = None,
) -> Select | None:
    """The concept notes counted, each with its bucket: those in the pipeline (at the end of
    `as_of`), and those simulated as funded; None when none can count."""
    status = Proposal.status if as_of is None else proposal_state_as_of(as_of)
    counted = [status_rules.note_in_pipeline(status)] if include_pipeline else []
    if simulate:
        counted.append(and_(status_rules.is_concept_note(), Proposal.id.in_(list(simulate))))
        bucket: Any = case((Proposal.id.in_(list(simulate)), FUNDED), else_=NOTES)
    else:
        bucket = literal_column(f"'{NOTES}'")
    if not counted:
        return None
    query = select(Proposal.id.label("proposal_id"), bucket.label("bucket")).where(or_(*counted))
    if filters.call_id:
        query = query.where(Proposal.call_id == filters.call_id)
    # A concept note has no allocation: its date is its submission's.
    if filters.date_from:
        query = query.where(
            Proposal.submitted_at >= datetime.combine(filters.date_from, time.min, tzinfo=UTC)
        )
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time.min, tzinfo=UTC)
        query = query.where(Proposal.submitted_at < end)
    return query


def _note_money(notes: Select | None) -> list[ProgrammeMoney]:
    if notes is None:
        return []
    lines = note_lines(notes.cte("note_rows"), "bucket", "cov")
    return [programme_money(lines, NO_INDIRECT, "bucket", "note")]


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
    notes = _notes(filters, include_pipeline, simulate, as_of)
    statement = dimension_rows(
        programme_money(lines, rate, "bucket", "cov", kept=kept_cents(as_of)),
        "bucket",
        also=_note_money(notes),
    )
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
    NOTE_PIPELINE_STATUS: NOTES,
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
            select(Organization.id, Organization.label, Organization.name).where(
                Organization.id.in_(sorted(int(key) for key in raw.organizations))
            )
        ):
            raw.organization_names[str(row.id)] = (row.label, row.name)
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

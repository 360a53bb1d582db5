"""Each programme's money on every coverage dimension, in whole cents, in SQL.

The one SQL definition behind the coverage totals kept at flush time
(`fund.coverage.totals`) and the coverage aggregated from the budget lines
(`fund.coverage.queries`), built from the rules of `fund.money`:

- by organization: direct costs, and indirect costs rounded half-up per organization;
- by objective: direct costs plus the organization's indirect costs split over its objectives
  in proportion to direct costs by largest remainder (`fund.money.largest_remainder`);
- by thematic area: each (programme, objective) amount split evenly over the objective's
  areas, in area-code order (`fund.money.split_evenly`);
- by region: the programme's total split evenly over the distinct M49 regions of its
  countries, in region-code order; without countries, all of it under "Global" (001).

Concept notes in the pipeline have no budget lines: each one's indicative total of an
organization (all costs, nothing added) is split evenly over the note's objectives, the primary
one first and then the secondary ones by number (`fund.money.split_evenly`), which makes its
lines (`note_lines`); the same rules then give its amounts by objective, area, region and
organization, at an indirect support rate of zero.

Every figure is a sum of these per-programme cents, so each programme's move changes each
figure by exactly its own amount.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    String,
    case,
    cast,
    distinct,
    func,
    literal,
    or_,
    select,
    union_all,
)

from fund.dialects import cents_sum
from fund.finance.closure_models import ClosureShare, ProgrammeClosure, Refund
from fund.money import (
    even_part,
    indirect_cents_sql,
    largest_remainder_sql,
    sql_cents,
    sql_int,
)
from fund.proposals.models import (
    BudgetLine,
    IndicativeTotal,
    Proposal,
    proposal_countries,
    proposal_secondary_objectives,
)
from fund.reference.models import GLOBAL_REGION, Country, objective_thematic_area

NOT_SCORED = "none"  # the key of programmes without a marker score
# Indicative totals are all costs: no indirect support costs are added to them.
NO_INDIRECT = Decimal("0")


@dataclass(frozen=True)
class ProgrammeMoney:
    """CTEs of per-programme cents; `group` is the lines' grouping column (a status or a
    bucket), kept under the same name in each."""

    by_organization: Any  # group, proposal_id, organization_id, direct, indirect
    by_proposal: Any  # group, proposal_id, direct, indirect, total
    by_objective: Any  # group, proposal_id, objective_number, direct, indirect
    by_area: Any  # group, proposal_id, area, cents
    by_region: Any  # group, proposal_id, region, cents


def _sum(column: Any) -> Any:
    return cast(func.sum(column), BigInteger)


def _summed(split: Any, group: str, name: str, *keys: str, total: bool = False) -> Any:
    """The CTE `name`: the direct and indirect cents of `split` (and their `total`) summed by
    group, programme and `keys`, in that order."""
    by = [split.c[group], split.c.proposal_id, *(split.c[key] for key in keys)]
    sums = [_sum(split.c.direct).label("direct"), _sum(split.c.indirect).label("indirect")]
    if total:
        sums.append(_sum(split.c.direct + split.c.indirect).label("total"))
    return select(*by, *sums).group_by(*by).cte(name)


# The money columns of `_summed`'s CTEs: the others say whose money a row is.
_SUMS = ("direct", "indirect", "total")


def _split_evenly(joined: Any, amount: Any, key: Any, *, group: str, prefix: str, name: str) -> Any:
    """The CTE `<prefix>_by_<name>`: the `amount` of each row of a CTE of `_summed` split
    evenly over its `key`s, in `key` order (`fund.money.split_evenly`); `joined`: that CTE
    joined to its keys. Its columns: `group`, proposal_id, `name` (the key as text) and
    cents."""
    money = joined.left
    row = [column for column in money.c if column.name not in _SUMS]
    parts = (
        select(
            money.c[group],
            money.c.proposal_id,
            cast(key, String(32)).label(name),
            amount.label("amount"),
            func.count().over(partition_by=row).label("parts"),
            func.row_number().over(partition_by=row, order_by=key).label("rank"),
        )
        .select_from(joined)
        .cte(f"{prefix}_{name}_parts")
    )
    return select(
        parts.c[group],
        parts.c.proposal_id,
        parts.c[name],
        even_part(parts.c.amount, parts.c.parts, parts.c.rank).label("cents"),
    ).cte(f"{prefix}_by_{name}")


def programme_money(
    lines: Any, rate: Decimal, group: str, prefix: str, kept: Any = None
) -> ProgrammeMoney:
    """The per-programme cents of `lines` (a subquery or CTE with the columns `group`,
    proposal_id, organization_id, objective_number and cents) at the indirect support `rate`.
    `prefix` names the CTEs (one statement may hold several sets). `kept` (`kept_cents`): what
    each organization of a closed programme kept, which replaces its budget (`_kept_split`)."""
    g = lines.c[group]
    cells = (
        select(
            g.label(group),
            lines.c.proposal_id,
            lines.c.organization_id,
            lines.c.objective_number,
            _sum(lines.c.cents).label("direct"),
        )
        .group_by(g, lines.c.proposal_id, lines.c.organization_id, lines.c.objective_number)
        .cte(f"{prefix}_cells")
    )

    # Each window function in a layer of its own, named, so that the database computes it
    # once (an expression repeating a window function has it computed at each use).
    def by_organization_of(table: Any) -> tuple[Any, ...]:
        return (table.c[group], table.c.proposal_id, table.c.organization_id)

    summed = select(
        cells,
        cast(
            func.sum(cells.c.direct).over(partition_by=by_organization_of(cells)), BigInteger
        ).label("organization_direct"),
    ).cte(f"{prefix}_summed")
    rated = select(
        summed,
        indirect_cents_sql(summed.c.organization_direct, rate).label("organization_indirect"),
    ).cte(f"{prefix}_rated")
    base, remainder = largest_remainder_sql(
        rated.c.organization_indirect, rated.c.direct, rated.c.organization_direct
    )
    shares = select(rated, base.label("base"), remainder.label("remainder")).cte(f"{prefix}_shares")
    ranked = select(
        shares,
        cast(
            func.sum(shares.c.base).over(partition_by=by_organization_of(shares)), BigInteger
        ).label("based"),
        func.row_number()
        .over(
            partition_by=by_organization_of(shares),
            order_by=(shares.c.remainder.desc(), shares.c.objective_number),
        )
        .label("rank"),
    ).cte(f"{prefix}_ranked")
    one, zero = literal(1, BigInteger), literal(0, BigInteger)
    left_over = ranked.c.organization_indirect - ranked.c.based
    indirect = ranked.c.base + case((ranked.c.rank <= left_over, one), else_=zero)
    split = select(
        ranked.c[group],
        ranked.c.proposal_id,
        ranked.c.organization_id,
        ranked.c.objective_number,
        ranked.c.direct,
        indirect.label("indirect"),
    ).cte(f"{prefix}_split")
    if kept is not None:
        split = _kept_split(split, kept, group, prefix)

    by_organization = _summed(split, group, f"{prefix}_by_org", "organization_id")
    by_proposal = _summed(split, group, f"{prefix}_by_proposal", total=True)
    by_objective = _summed(split, group, f"{prefix}_by_objective", "objective_number")

    area_code = objective_thematic_area.c.thematic_area_code
    by_area = _split_evenly(
        by_objective.join(
            objective_thematic_area,
            objective_thematic_area.c.objective_number == by_objective.c.objective_number,
        ),
        by_objective.c.direct + by_objective.c.indirect,
        area_code,
        group=group,
        prefix=prefix,
        name="area",
    )

    # A programme's regions share its total, which needs no objective: from its organizations'
    # totals (`programme_totals`), so that a statement asking only for regions reads no more.
    totals = programme_totals(lines, rate, group, prefix, kept=kept)
    regions = (
        select(proposal_countries.c.proposal_id, Country.region_m49)
        .join(Country, Country.iso2 == proposal_countries.c.country_iso2)
        .where(proposal_countries.c.proposal_id.in_(select(totals.c.proposal_id)))
        .distinct()
        .cte(f"{prefix}_region_pairs")
    )
    region = func.coalesce(regions.c.region_m49, _text(GLOBAL_REGION))
    by_region = _split_evenly(
        totals.outerjoin(regions, regions.c.proposal_id == totals.c.proposal_id),
        totals.c.total,
        region,
        group=group,
        prefix=prefix,
        name="region",
    )
    return ProgrammeMoney(by_organization, by_proposal, by_objective, by_area, by_region)


def programme_totals(lines: Any, rate: Decimal, group: str, prefix: str, kept: Any = None) -> Any:
    """The CTE `<prefix>_totals` (`group`, proposal_id, total): each programme's cents of
    `lines` (as `programme_money` takes them), the sum of its organizations' direct costs and
    indirect costs at `rate`, rounded half-up per organization; an organization of a closed
    programme counts what it kept instead (`kept`, as `_kept_split` replaces it: when its budget
    is not nil). The same totals as `programme_money`'s by programme, which splits each
    organization's costs over its objectives without changing their sum."""
    g = lines.c[group]
    direct = cast(func.sum(lines.c.cents), BigInteger)
    organizations = (
        select(
            g.label(group),
            lines.c.proposal_id,
            lines.c.organization_id,
            (direct + indirect_cents_sql(direct, rate)).label("whole"),
        )
        .group_by(g, lines.c.proposal_id, lines.c.organization_id)
        .cte(f"{prefix}_organization_totals")
    )
    whole = organizations.c.whole
    counted: Any = whole
    source: Any = organizations
    if kept is not None:
        source = organizations.outerjoin(
            kept,
            (kept.c.proposal_id == organizations.c.proposal_id)
            & (kept.c.organization_id == organizations.c.organization_id),
        )
        replaced = kept.c.cents.is_not(None) & (whole > literal(0, BigInteger))
        counted = case((replaced, kept.c.cents), else_=whole)
    return (
        select(
            organizations.c[group],
            organizations.c.proposal_id,
            cast(func.sum(counted), BigInteger).label("total"),
        )
        .select_from(source)
        .group_by(organizations.c[group], organizations.c.proposal_id)
        .cte(f"{prefix}_totals")
    )


def kept_cents(as_of: date | None = None) -> Any:
    """The CTE of what each organization of a closed programme kept (proposal_id,
    organization_id, cents): what was transferred to it less its refunds (the public pages'
    "kept"), at the end of `as_of` when given (the closures and refunds of that day or before).
    A closed programme counts this in coverage instead of its budget: what closure gave back of
    the allocation (never transferred) and the refunds went back to the fund."""
    refunds = select(cents_sum(Refund.amount)).where(
        Refund.allocation_id == ClosureShare.allocation_id,
        Refund.organization_id == ClosureShare.organization_id,
    )
    if as_of is not None:
        refunds = refunds.where(Refund.received_on <= as_of)
    refunded = func.coalesce(refunds.correlate(ClosureShare).scalar_subquery(), sql_int(0))
    query = select(
        ProgrammeClosure.proposal_id.label("proposal_id"),
        ClosureShare.organization_id.label("organization_id"),
        (sql_cents(ClosureShare.transferred) - refunded).label("cents"),
    ).join(ClosureShare, ClosureShare.allocation_id == ProgrammeClosure.allocation_id)
    if as_of is not None:
        query = query.where(ProgrammeClosure.closed_on <= as_of)
    return query.cte("kept_cents")


def _kept_split(split: Any, kept: Any, group: str, prefix: str) -> Any:
    """`split` with the cents of each organization of a closed programme replaced by what it
    kept (`kept_cents`), apportioned as its budget is: over its objectives in proportion to
    their direct plus indirect cents, by largest remainder (`fund.money`), the indirect part of
    each in the same proportion, rounded down. The rows of the other programmes are as they
    were."""
    by_organization = (split.c[group], split.c.proposal_id, split.c.organization_id)
    weighed = (
        select(
            split,
            kept.c.cents.label("kept"),
            cast(
                func.sum(split.c.direct + split.c.indirect).over(partition_by=by_organization),
                BigInteger,
            ).label("whole"),
        )
        .outerjoin(
            kept,
            (kept.c.proposal_id == split.c.proposal_id)
            & (kept.c.organization_id == split.c.organization_id),
        )
        .cte(f"{prefix}_kept_weighed")
    )
    base, remainder = largest_remainder_sql(
        weighed.c.kept, weighed.c.direct + weighed.c.indirect, weighed.c.whole
    )
    shares = select(weighed, base.label("base"), remainder.label("remainder")).cte(
        f"{prefix}_kept_shares"
    )
    of_organization = (shares.c[group], shares.c.proposal_id, shares.c.organization_id)
    ranked = select(
        shares,
        cast(func.sum(shares.c.base).over(partition_by=of_organization), BigInteger).label("based"),
        func.row_number()
        .over(
            partition_by=of_organization,
            order_by=(shares.c.remainder.desc(), shares.c.objective_number),
        )
        .label("rank"),
    ).cte(f"{prefix}_kept_ranked")
    one, zero = literal(1, BigInteger), literal(0, BigInteger)
    replaced = (ranked.c.kept.is_not(None)) & (ranked.c.whole > zero)
    total = ranked.c.base + case((ranked.c.rank <= ranked.c.kept - ranked.c.based, one), else_=zero)
    indirect = case(
        (replaced, ranked.c.indirect * ranked.c.kept // ranked.c.whole), else_=ranked.c.indirect
    )
    direct = case((replaced, total), else_=ranked.c.direct + ranked.c.indirect) - indirect
    return select(
        ranked.c[group],
        ranked.c.proposal_id,
        ranked.c.organization_id,
        ranked.c.objective_number,
        direct.label("direct"),
        indirect.label("indirect"),
    ).cte(f"{prefix}_kept_split")


def budget_lines(group: Any) -> Any:
    """The budget lines as `programme_money` takes them: the proposal, organization, objective,
    `group` (a labelled expression on the proposal) and the amount in cents, each line joined to
    its proposal (for the caller's conditions)."""
    return select(
        BudgetLine.proposal_id.label("proposal_id"),
        BudgetLine.organization_id.label("organization_id"),
        BudgetLine.objective_number.label("objective_number"),
        group,
        sql_cents(BudgetLine.amount).label("cents"),
    ).join(Proposal, Proposal.id == BudgetLine.proposal_id)


def note_lines(notes: Any, group: str, prefix: str) -> Any:
    """The lines of concept notes, as `programme_money` takes them: `notes` (a subquery or CTE
    of proposal_id and `group`) gives the notes and their group; each indicative total of an
    organization is split evenly over the note's objectives, the primary one first, then the
    secondary ones by number. A note without objectives has no lines."""
    primary = select(
        Proposal.id.label("proposal_id"),
        Proposal.primary_objective_number.label("objective_number"),
        sql_int(0).label("place"),
    ).where(
        Proposal.id.in_(select(notes.c.proposal_id)),
        Proposal.primary_objective_number.is_not(None),
    )
    secondary = (
        select(
            proposal_secondary_objectives.c.proposal_id,
            proposal_secondary_objectives.c.objective_number,
            sql_int(1).label("place"),
        )
        .join(Proposal, Proposal.id == proposal_secondary_objectives.c.proposal_id)
        .where(
            proposal_secondary_objectives.c.proposal_id.in_(select(notes.c.proposal_id)),
            or_(
                Proposal.primary_objective_number.is_(None),
                proposal_secondary_objectives.c.objective_number
                != Proposal.primary_objective_number,
            ),
        )
    )
    objectives = union_all(primary, secondary).cte(f"{prefix}_note_objectives")
    note = objectives.c.proposal_id
    numbered = select(
        objectives.c.proposal_id,
        objectives.c.objective_number,
        func.count().over(partition_by=note).label("parts"),
        func.row_number()
        .over(partition_by=note, order_by=(objectives.c.place, objectives.c.objective_number))
        .label("rank"),
    ).cte(f"{prefix}_note_parts")
    return (
        select(
            notes.c[group].label(group),
            IndicativeTotal.proposal_id.label("proposal_id"),
            IndicativeTotal.organization_id.label("organization_id"),
            numbered.c.objective_number.label("objective_number"),
            even_part(sql_cents(IndicativeTotal.amount), numbered.c.parts, numbered.c.rank).label(
                "cents"
            ),
        )
        .join(notes, notes.c.proposal_id == IndicativeTotal.proposal_id)
        .join(numbered, numbered.c.proposal_id == IndicativeTotal.proposal_id)
        .cte(f"{prefix}_note_lines")
    )


def _text(value: str) -> Any:
    return cast(literal(value, String), String(32))


def dimension_rows(money: ProgrammeMoney, group: str, also: Sequence[ProgrammeMoney] = ()) -> Any:
    """One statement of (group, dimension, key, amount, indirect, programmes) rows summing the
    per-programme cents: `total` (direct, indirect), `objective` (direct, indirect), `area`,
    `region`, `gender`, `rights` (by score, "none" unscored) and `organization` (by id), each
    with its number of distinct programmes. One statement, so the database computes the
    per-programme cents once. The sets of `also` (concept notes) add their rows, under groups
    of their own."""
    return union_all(*(part for each in (money, *also) for part in _dimension_parts(each, group)))


def _dimension_parts(money: ProgrammeMoney, group: str) -> list[Any]:
    by_org, by_proposal = money.by_organization, money.by_proposal
    by_objective, by_area, by_region = money.by_objective, money.by_area, money.by_region
    zero = sql_int(0)

    def marker(column: Any, dimension: str) -> Any:
        key = func.coalesce(cast(column, String(32)), _text(NOT_SCORED))
        return (
            select(
                by_proposal.c[group],
                _text(dimension),
                key,
                _sum(by_proposal.c.total),
                zero,
                func.count(by_proposal.c.proposal_id),
            )
            .join(Proposal, Proposal.id == by_proposal.c.proposal_id)
            .group_by(by_proposal.c[group], key)
        )

    def summed(
        cte: Any, dimension: str, key: Any, amount: Any, indirect: Any, money: Any = None
    ) -> Any:
        """The row's sums; its programmes are those whose `money` (by default `amount`) in it
        is more than nothing: a closed programme's organization that kept nothing is not
        counted in its row."""
        given = case(((amount if money is None else money) > zero, cte.c.proposal_id))
        return select(
            cte.c[group],
            _text(dimension),
            cast(key, String(32)),
            _sum(amount),
            indirect,
            func.count(distinct(given)),
        ).group_by(cte.c[group], key)

    return [
        select(
            by_proposal.c[group],
            _text("total"),
            _text(""),
            _sum(by_proposal.c.direct),
            _sum(by_proposal.c.indirect),
            func.count(by_proposal.c.proposal_id),
        ).group_by(by_proposal.c[group]),
        summed(
            by_objective,
            "objective",
            by_objective.c.objective_number,
            by_objective.c.direct,
            _sum(by_objective.c.indirect),
            by_objective.c.direct + by_objective.c.indirect,
        ),
        summed(by_area, "area", by_area.c.area, by_area.c.cents, zero),
        summed(by_region, "region", by_region.c.region, by_region.c.cents, zero),
        marker(Proposal.gender_marker, "gender"),
        marker(Proposal.human_rights_marker, "rights"),
        summed(
            by_org,
            "organization",
            by_org.c.organization_id,
            by_org.c.direct + by_org.c.indirect,
            zero,
        ),
    ]

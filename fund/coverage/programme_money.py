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

Every figure is a sum of these per-programme cents, so each programme's move changes each
figure by exactly its own amount.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, String, and_, case, cast, func, literal, select

from fund.money import even_part, indirect_cents_sql, largest_remainder_sql
from fund.proposals.models import proposal_countries
from fund.reference.models import Country, objective_thematic_area

GLOBAL_REGION = "001"  # M49 code of the world: programmes without countries


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


def programme_money(lines: Any, rate: Decimal, group: str, prefix: str) -> ProgrammeMoney:
    """The per-programme cents of `lines` (a subquery or CTE with the columns `group`,
    proposal_id, organization_id, objective_number and cents) at the indirect support `rate`.
    `prefix` names the CTEs (one statement may hold several sets)."""
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
    organization = (cells.c[group], cells.c.proposal_id, cells.c.organization_id)
    organization_direct = cast(func.sum(cells.c.direct).over(partition_by=organization), BigInteger)
    organization_indirect = indirect_cents_sql(organization_direct, rate)
    base, remainder = largest_remainder_sql(
        organization_indirect, cells.c.direct, organization_direct
    )
    shares = select(
        cells,
        organization_indirect.label("organization_indirect"),
        base.label("base"),
        remainder.label("remainder"),
    ).cte(f"{prefix}_shares")
    organization = (shares.c[group], shares.c.proposal_id, shares.c.organization_id)
    ranked = select(
        shares,
        (
            shares.c.organization_indirect
            - cast(func.sum(shares.c.base).over(partition_by=organization), BigInteger)
        ).label("left_over"),
        func.row_number()
        .over(
            partition_by=organization,
            order_by=(shares.c.remainder.desc(), shares.c.objective_number),
        )
        .label("rank"),
    ).cte(f"{prefix}_ranked")
    one, zero = literal(1, BigInteger), literal(0, BigInteger)
    indirect = ranked.c.base + case((ranked.c.rank <= ranked.c.left_over, one), else_=zero)
    split = select(
        ranked.c[group],
        ranked.c.proposal_id,
        ranked.c.organization_id,
        ranked.c.objective_number,
        ranked.c.direct,
        indirect.label("indirect"),
    ).cte(f"{prefix}_split")

    by_organization = (
        select(
            split.c[group],
            split.c.proposal_id,
            split.c.organization_id,
            _sum(split.c.direct).label("direct"),
            _sum(split.c.indirect).label("indirect"),
        )
        .group_by(split.c[group], split.c.proposal_id, split.c.organization_id)
        .cte(f"{prefix}_by_org")
    )
    by_proposal = (
        select(
            split.c[group],
            split.c.proposal_id,
            _sum(split.c.direct).label("direct"),
            _sum(split.c.indirect).label("indirect"),
            _sum(split.c.direct + split.c.indirect).label("total"),
        )
        .group_by(split.c[group], split.c.proposal_id)
        .cte(f"{prefix}_by_proposal")
    )
    by_objective = (
        select(
            split.c[group],
            split.c.proposal_id,
            split.c.objective_number,
            _sum(split.c.direct).label("direct"),
            _sum(split.c.indirect).label("indirect"),
        )
        .group_by(split.c[group], split.c.proposal_id, split.c.objective_number)
        .cte(f"{prefix}_by_objective")
    )

    cell = (by_objective.c[group], by_objective.c.proposal_id, by_objective.c.objective_number)
    area_code = objective_thematic_area.c.thematic_area_code
    area_part = even_part(
        by_objective.c.direct + by_objective.c.indirect,
        func.count().over(partition_by=cell),
        func.row_number().over(partition_by=cell, order_by=area_code),
    )
    by_area = (
        select(
            by_objective.c[group],
            by_objective.c.proposal_id,
            cast(area_code, String(32)).label("area"),
            area_part.label("cents"),
        )
        .join(
            objective_thematic_area,
            objective_thematic_area.c.objective_number == by_objective.c.objective_number,
        )
        .cte(f"{prefix}_by_area")
    )

    regions = (
        select(proposal_countries.c.proposal_id, Country.region_m49)
        .join(Country, Country.iso2 == proposal_countries.c.country_iso2)
        .where(proposal_countries.c.proposal_id.in_(select(by_proposal.c.proposal_id)))
        .distinct()
        .cte(f"{prefix}_region_pairs")
    )
    programme = (by_proposal.c[group], by_proposal.c.proposal_id)
    region = func.coalesce(regions.c.region_m49, cast(literal(GLOBAL_REGION), String(32)))
    region_part = even_part(
        by_proposal.c.total,
        func.count().over(partition_by=programme),
        func.row_number().over(partition_by=programme, order_by=region),
    )
    by_region = (
        select(
            by_proposal.c[group],
            by_proposal.c.proposal_id,
            cast(region, String(32)).label("region"),
            region_part.label("cents"),
        )
        .outerjoin(regions, and_(regions.c.proposal_id == by_proposal.c.proposal_id))
        .cte(f"{prefix}_by_region")
    )
    return ProgrammeMoney(by_organization, by_proposal, by_objective, by_area, by_region)

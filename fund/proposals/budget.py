"""Budget arithmetic: exact decimals, indirect support costs per organization.

Indirect support costs are a rate (default 7%) of each participating organization's direct
costs, rounded half-up to the cent per organization; they are never typed in. Each line falls
in a programme year (1 to `programme_years`); the budget by year (`by_year`) shows each
organization-year with its indirect costs rounded on their own, while the totals stay per
organization over all years.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Generic, TypeVar

from fund import money
from fund.money import ZERO

K = TypeVar("K")

INDIRECT_CATEGORY = 8
MAX_PROGRAMME_YEARS = 10  # a programme lasts at most 120 months


def programme_years(duration_months: int | None) -> int:
    """How many programme years a duration spans: ceil(months / 12), at least 1."""
    return max(1, -(-(duration_months or 0) // 12))


def rate_key(rate: Decimal) -> str:
    """The indirect support rate as stored next to figures computed with it: "0.07" for 0.07
    and 0.0700 alike."""
    return money.plain_number(rate)


def indirect_costs(direct: Decimal, rate: Decimal) -> Decimal:
    """The rate of `direct`, half-up to the cent (the rule of `fund.money.indirect_cents`)."""
    return money.from_cents(money.indirect_cents(money.cents(direct), rate))


@dataclass(frozen=True)
class Line:
    organization_id: int
    objective_number: int
    category_code: int
    amount: Decimal
    year: int = 1


@dataclass(frozen=True)
class OrganizationBudget(Generic[K]):
    """A participating organization's part of a programme's budget: its direct costs and its
    indirect support costs. `organization` is its id, or what a page names it by."""

    organization: K
    direct: Decimal
    indirect: Decimal

    @property
    def total(self) -> Decimal:
        return self.direct + self.indirect


@dataclass
class BudgetSummary:
    rate: Decimal
    by_organization: dict[int, OrganizationBudget[int]] = field(default_factory=dict)
    by_objective: dict[int, Decimal] = field(default_factory=dict)
    # Each organization's indirect costs split over its objectives as coverage counts them
    # (`fund.money`: in proportion to direct costs, largest remainder, whole cents).
    indirect_by_objective: dict[int, Decimal] = field(default_factory=dict)
    by_category: dict[int, Decimal] = field(default_factory=dict)
    # Direct costs by organization, then by programme year.
    direct_by_year: dict[int, dict[int, Decimal]] = field(default_factory=dict)

    @property
    def direct_total(self) -> Decimal:
        return sum((b.direct for b in self.by_organization.values()), Decimal("0.00"))

    @property
    def indirect_total(self) -> Decimal:
        return sum((b.indirect for b in self.by_organization.values()), Decimal("0.00"))

    @property
    def grand_total(self) -> Decimal:
        return self.direct_total + self.indirect_total

    def objective_total(self, number: int) -> Decimal:
        """The programme's money on an objective as coverage counts it."""
        return self.by_objective.get(number, ZERO) + self.indirect_by_objective.get(number, ZERO)


def organization_budgets(directs: Mapping[int, Decimal], rate: Decimal) -> BudgetSummary:
    """A budget's totals from each organization's direct costs alone (organization id ->
    direct costs, as a grouped query gives them): by organization, with indirect costs, and no
    split by objective, category or year."""
    return BudgetSummary(
        rate=rate,
        by_organization={
            organization_id: OrganizationBudget(
                organization_id, direct, indirect_costs(direct, rate)
            )
            for organization_id, direct in directs.items()
        },
    )


def summarise(lines: Iterable[Line], rate: Decimal) -> BudgetSummary:
    """Totals by organization (with indirect costs), by objective and category (direct), and
    category 8 holding the indirect costs."""
    direct_by_org: dict[int, Decimal] = defaultdict(lambda: Decimal("0.00"))
    cells: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    by_objective: dict[int, Decimal] = defaultdict(lambda: Decimal("0.00"))
    by_category: dict[int, Decimal] = defaultdict(lambda: Decimal("0.00"))
    by_year: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for line in lines:
        direct_by_org[line.organization_id] += line.amount
        by_year[line.organization_id][line.year] += line.amount
        cells[line.organization_id][line.objective_number] += money.cents(line.amount)
        by_objective[line.objective_number] += line.amount
        by_category[line.category_code] += line.amount
    summary = organization_budgets(direct_by_org, rate)
    summary.by_objective = dict(sorted(by_objective.items()))
    indirect_cents: dict[int, int] = dict.fromkeys(summary.by_objective, 0)
    for organization_id, weights in cells.items():
        indirect = money.cents(summary.by_organization[organization_id].indirect)
        for number, share in money.largest_remainder(indirect, weights, sorted(weights)).items():
            indirect_cents[number] += share
    summary.indirect_by_objective = {n: money.from_cents(c) for n, c in indirect_cents.items()}
    if summary.by_organization:
        by_category[INDIRECT_CATEGORY] = summary.indirect_total
    summary.by_category = dict(sorted(by_category.items()))
    summary.direct_by_year = {org: dict(sorted(years.items())) for org, years in by_year.items()}
    return summary


@dataclass(frozen=True)
class BudgetByYear:
    """The budget by organization and programme year, each cell its direct costs plus their
    indirect costs rounded half-up on their own; `totals` are each organization's total (its
    indirect costs computed over all its years), so a row's years may differ from its total by
    a cent or so."""

    years: list[int]
    cells: dict[int, dict[int, Decimal]]  # organization id -> year -> amount
    totals: dict[int, Decimal]  # organization id -> its total (direct + indirect)
    year_totals: dict[int, Decimal]  # year -> the sum of its cells
    grand_total: Decimal


def by_year(summary: BudgetSummary, years: int = 1) -> BudgetByYear:
    """The summary's budget by organization and year, over years 1 to `years` (and any later
    year a line is in)."""
    shown = set(range(1, years + 1))
    for org_years in summary.direct_by_year.values():
        shown.update(org_years)
    ordered = sorted(shown)
    cells = {
        org: {
            year: direct + indirect_costs(direct, summary.rate)
            for year, direct in summary.direct_by_year.get(org, {}).items()
        }
        for org in summary.by_organization
    }
    year_totals = {
        year: sum((row.get(year, ZERO) for row in cells.values()), ZERO) for year in ordered
    }
    return BudgetByYear(
        years=ordered,
        cells=cells,
        totals={org: b.total for org, b in summary.by_organization.items()},
        year_totals=year_totals,
        grand_total=summary.grand_total,
    )

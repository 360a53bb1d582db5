"""The coverage rule, checked against a plain implementation written here from its text:

    Each programme's indirect cost per participating organization (7%, half-up to the cent) is
    split over that organization's objectives in proportion to its direct costs, by largest
    remainder, in whole cents (equal remainders: the lower objective first). A programme's
    amount on an objective is its direct costs there plus those cents; on a thematic area, each
    objective amount split evenly over the objective's areas (left-over cents to the first
    area codes); on a region, its total split evenly over its distinct regions (left-over cents
    to the first M49 codes; no country: Global). Every figure is the sum of these per-programme
    cents, so funding one programme changes each figure by exactly that programme's amount.

Random programmes with awkward cents, on SQLite and PostgreSQL, through both ways the coverage
is read (the totals kept at flush time and the aggregation of budget lines).
"""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from fund import money
from fund.accounts.models import Organization, User
from fund.coverage import queries
from fund.extensions import db
from fund.proposals.models import BudgetLine, Proposal
from fund.reference.models import Country, objective_thematic_area
from tests.conftest import login, take_to_committee

ORGANIZATIONS = ("ILO", "IOM", "UNHCR", "UNDP")
COUNTRIES = ("CL", "MA", "PH", "DE", "FJ", "MX", "SN")  # four regions among them
BUCKET_OF = {"funded": "funded", "closed": "funded", "approved": "pipeline"}
BUCKET_OF["committee_review"] = "review"
RATE = Decimal("0.07")

amounts = st.integers(min_value=0, max_value=40_000_000)  # cents: up to USD 400,000 a line
line = st.tuples(st.sampled_from(ORGANIZATIONS), st.integers(1, 23), amounts)
programme = st.fixed_dictionaries(
    {
        "status": st.sampled_from(["funded", "closed", "approved", "committee_review", "draft"]),
        "lines": st.lists(line, min_size=1, max_size=7),
        "countries": st.lists(st.sampled_from(COUNTRIES), max_size=4, unique=True),
    }
)
programmes = st.lists(programme, min_size=1, max_size=5)


# The rule, written plainly -------------------------------------------------------------------


def _largest_remainder(total: int, weights: dict[int, int]) -> dict[int, int]:
    whole = sum(weights.values())
    if whole == 0:
        return dict.fromkeys(weights, 0)
    exact = {key: Fraction(total * weight, whole) for key, weight in weights.items()}
    result = {key: int(value) for key, value in exact.items()}  # non-negative: int() floors
    left = total - sum(result.values())
    for key in sorted(weights, key=lambda k: (-(exact[k] - result[k]), k))[:left]:
        result[key] += 1
    return result


def _even(total: int, keys: list[str]) -> dict[str, int]:
    part, left = divmod(total, len(keys))
    return {key: part + (1 if i < left else 0) for i, key in enumerate(sorted(keys))}


def reference_amounts(spec: dict, areas_of: dict[int, list[str]], region_of: dict[str, str]):
    """One programme's cents by objective, area and region, and its total."""
    direct: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for organization, objective, cents in spec["lines"]:
        direct[organization][objective] += cents
    objectives: dict[int, int] = defaultdict(int)
    for by_objective in direct.values():
        organization_direct = sum(by_objective.values())
        dollars = Decimal(organization_direct) / 100 * RATE
        indirect = int(dollars.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) * 100)
        for objective, share in _largest_remainder(indirect, dict(by_objective)).items():
            objectives[objective] += by_objective[objective] + share
    areas: dict[str, int] = defaultdict(int)
    for objective, cents in objectives.items():
        if areas_of.get(objective):
            for area, part in _even(cents, areas_of[objective]).items():
                areas[area] += part
    total = sum(objectives.values())
    regions = sorted({region_of[iso2] for iso2 in spec["countries"]}) or ["001"]
    return dict(objectives), dict(areas), _even(total, regions), total


# Helpers -------------------------------------------------------------------------------------


def _lookups():
    areas_of: dict[int, list[str]] = defaultdict(list)
    for row in db.session.execute(select(objective_thematic_area)):
        areas_of[row.objective_number].append(row.thematic_area_code)
    region_of = dict(db.session.execute(select(Country.iso2, Country.region_m49)).all())
    organizations = dict(db.session.execute(select(Organization.acronym, Organization.id)).all())
    return areas_of, region_of, organizations


def _add(spec: dict, call_id: int, organizations: dict[str, int]) -> Proposal:
    """A programme written straight into the tables in its state: the rule is arithmetic over
    budgets the submission checks would refuse (zero lines, any organization and objective),
    and the state only picks the bucket it counts in."""
    proposal = Proposal(
        call_id=call_id,
        organization_id=organizations["ILO"],
        title="Property programme",
        status=spec["status"],
        countries=[db.session.get(Country, iso2) for iso2 in spec["countries"]],
        budget_lines=[
            BudgetLine(
                organization_id=organizations[org],
                objective_number=objective,
                category_code=1,
                amount=money.from_cents(cents),
            )
            for org, objective, cents in spec["lines"]
        ],
    )
    db.session.add(proposal)
    return proposal


def _figures(coverage: queries.Coverage) -> dict[tuple[str, str, str], Decimal]:
    figures = {}
    for dimension, rows in (
        ("objective", coverage.objectives),
        ("area", coverage.areas),
        ("region", coverage.regions),
    ):
        for row in rows:
            for bucket in ("funded", "pipeline", "review"):
                figures[(dimension, row.key, bucket)] = getattr(row, bucket)
    t = coverage.totals
    for bucket, value in (("funded", t.funded), ("pipeline", t.pipeline), ("review", t.review)):
        figures[("total", "", bucket)] = value
    return figures


def _expected(specs, lookups) -> dict[tuple[str, str, str], Decimal]:
    areas_of, region_of, _ = lookups
    cents: dict[tuple[str, str, str], int] = defaultdict(int)
    for spec in specs:
        bucket = BUCKET_OF.get(spec["status"])
        if bucket is None:
            continue
        objectives, areas, regions, total = reference_amounts(spec, areas_of, region_of)
        for dimension, parts in (("objective", objectives), ("area", areas), ("region", regions)):
            for key, value in parts.items():
                cents[(dimension, str(key), bucket)] += value
        cents[("total", "", bucket)] += total
    return {key: money.from_cents(value) for key, value in cents.items()}


def _check(coverage: queries.Coverage, expected: dict) -> None:
    figures = _figures(coverage)
    for key, value in figures.items():
        assert value == expected.get(key, Decimal("0.00")), key


# The properties ------------------------------------------------------------------------------


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=programmes)
def test_every_figure_is_the_sum_of_each_programmes_cents(app, backend, open_call, specs):
    with app.app_context():
        lookups = _lookups()
        try:
            for spec in specs:
                _add(spec, open_call, lookups[2])
            db.session.flush()
            expected = _expected(specs, lookups)
            _check(queries.coverage(), expected)  # the totals kept at flush time
            _check(queries.coverage(use_totals=False), expected)  # the budget lines
        finally:
            db.session.rollback()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(others=programmes, moved=programme)
def test_funding_one_programme_moves_each_objective_by_exactly_its_amount(
    app, backend, open_call, others, moved
):
    moved = {**moved, "status": "approved"}
    with app.app_context():
        lookups = _lookups()
        areas_of, region_of, organizations = lookups
        try:
            for spec in others:
                _add(spec, open_call, organizations)
            proposal = _add(moved, open_call, organizations)
            db.session.flush()
            before = [queries.coverage(), queries.coverage(use_totals=False)]
            proposal.status = "funded"  # as `_add` writes it: the bucket, not the workflow
            db.session.flush()
            after = [queries.coverage(), queries.coverage(use_totals=False)]
            objectives, areas, regions, total = reference_amounts(moved, areas_of, region_of)
            own = {("objective", str(k)): v for k, v in objectives.items()}
            own |= {("area", k): v for k, v in areas.items()}
            own |= {("region", k): v for k, v in regions.items()}
            own[("total", "")] = total
            for was, now in zip(before, after, strict=True):
                old, new = _figures(was), _figures(now)
                for key in old:
                    dimension, row_key, bucket = key
                    amount = money.from_cents(own.get((dimension, row_key), 0))
                    change = {"funded": amount, "pipeline": -amount, "review": 0}[bucket]
                    assert new[key] - old[key] == change, key
        finally:
            db.session.rollback()


def test_a_programme_alone_on_an_objective_gets_exactly_its_own_amount(app, backend, open_call):
    """Two organizations with awkward cents: objective 1 holds only programme A's money, and
    shows its lines plus its share of A's indirect costs, whatever B adds elsewhere."""
    with app.app_context():
        lookups = _lookups()
        a = {
            "status": "funded",
            "countries": ["CL"],
            "lines": [("ILO", 1, 12_345_67), ("ILO", 3, 10_000_01), ("IOM", 23, 33_333_33)],
        }
        b = {
            "status": "funded",
            "countries": [],
            "lines": [("UNDP", 5, 1_000_03), ("UNHCR", 3, 2_000_05), ("UNHCR", 5, 7)],
        }
        for spec in (a, b):
            _add(spec, open_call, lookups[2])
        db.session.commit()
        coverage = queries.coverage()
        # ILO: direct 22,345.68; indirect 7% = 1,564.1976 -> 1,564.20 (156,420 cents), split
        # 12,345.67 : 10,000.01 -> 86,419.82 and 70,000.18 cents: rounded down 86,419 and
        # 70,000, the cent left over to the larger remainder (objective 1).
        assert coverage.objective(1).funded == Decimal("12345.67") + Decimal("864.20")
        assert coverage.objective(1).programmes == 1
        assert sum(row.funded for row in coverage.objectives) == coverage.totals.funded
        assert sum(row.funded for row in coverage.areas) == coverage.totals.funded
        assert sum(row.funded for row in coverage.regions) == coverage.totals.funded


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        (100, {1: 1, 2: 1, 3: 1}, {1: 34, 2: 33, 3: 33}),
        (7, {5: 3, 2: 3}, {5: 3, 2: 4}),
        (0, {1: 5}, {1: 0}),
        (10, {1: 0, 2: 0}, {1: 0, 2: 0}),
    ],
)
def test_largest_remainder_in_fund_money(total, weights, expected):
    assert money.largest_remainder(total, weights, sorted(weights)) == expected
    assert sum(expected.values()) == (total if any(weights.values()) else 0)


def test_the_proposal_page_shows_each_objective_as_coverage_counts_it(
    app, client, create_user, make_proposal
):
    author = create_user(roles=("applicant",), organization_acronym="ILO")
    secretariat = create_user(roles=("secretariat",), organization_acronym=None)
    proposal_id = make_proposal(author)
    with app.app_context():
        _, _, organizations = _lookups()
        proposal = db.session.get(Proposal, proposal_id)
        proposal.budget_lines = [
            BudgetLine(
                organization_id=organizations[org],
                objective_number=objective,
                category_code=1,
                amount=Decimal(amount),
            )
            for org, objective, amount in (
                ("ILO", 6, "100000.01"),
                ("ILO", 18, "50000.02"),
                ("IOM", 18, "400000.00"),
                ("IOM", 6, "0.33"),
            )
        ]
        take_to_committee(
            proposal,
            db.session.get(User, author.id),
            db.session.get(User, secretariat.id),
        )
        db.session.commit()
        coverage = queries.coverage()
        counted = {n: coverage.objective(n).review for n in (6, 18)}
    login(client, secretariat.email)
    page = client.get(f"/proposals/{proposal_id}").get_data(as_text=True)
    for number, amount in counted.items():
        row = re.search(rf'<th scope="row">{number}\. [^<]*</th>((?:<td[^>]*>[^<]*</td>)+)', page)
        assert row, f"no row for objective {number}"
        cells = re.findall(r"<td[^>]*>([^<]*)</td>", row.group(1))
        assert cells[-1] == f"USD {amount:,.2f}"
    # ILO: 150,000.03 direct, 10,500.00 indirect split 100,000.01 : 50,000.02 -> 6,999.9993
    # and 3,500.0007: rounded down 6,999.99 and 3,500.00, the cent to the larger remainder
    # (objective 6). IOM: 400,000.33 direct, 28,000.02 indirect -> 27,999.9969 and 0.0231:
    # 27,999.99 and 0.02, the cent to objective 18.
    assert counted == {6: Decimal("107000.36"), 18: Decimal("481500.02")}

"""Coverage of the GCM objectives: hand-computed figures, flags at their thresholds, the public
view, targets, the simulator, the CLI and a fixed number of queries."""

from __future__ import annotations

import base64
import html
import itertools
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import event, insert, select

from fund.calls.models import Call
from fund.coverage import queries, simulator, totals
from fund.coverage.charts import nice_scale, objectives_chart
from fund.coverage.forms import parse_percent
from fund.coverage.queries import (
    CONCENTRATED,
    PIPELINE_ONLY,
    UNCOVERED,
    UNDER_TARGET,
    CoverageFilters,
    flag_for,
)
from fund.extensions import db, utcnow
from fund.finance.models import Allocation, CoverageTarget, Pool
from fund.proposals.budget import Line, summarise
from fund.proposals.models import BudgetLine, Proposal, proposal_countries
from fund.reference.models import Country
from tests.conftest import PreparedDatabase, csrf_token, engine_of
from tests.factories import budget_lines, new_open_call, new_proposal
from tests.helpers import audit_events, new_user, org_id

D = Decimal


# Fixture data ----------------------------------------------------------------------------------


def _reshape(proposal_id: int, lines=None, countries=None, **attrs) -> None:
    """Replace a proposal's budget lines [(org, objective, amount)] and countries, whatever its
    state (the figures below need budgets that a call's limits would refuse)."""
    proposal = db.session.get(Proposal, proposal_id)
    if lines is not None:
        proposal.budget_lines = budget_lines(lines)
    if countries is not None:
        proposal.countries = [db.session.get(Country, iso2) for iso2 in countries]
    for key, value in attrs.items():
        setattr(proposal, key, value)


def _shape(app, proposal_id: int, lines=None, countries=None, **attrs) -> None:
    with app.app_context():
        _reshape(proposal_id, lines, countries, **attrs)
        db.session.commit()


def _other_call() -> int:
    call = Call(
        title="Second call",
        opens_on=date(2025, 1, 1),
        closes_on=date(2025, 2, 1),
        envelope=D("5000000.00"),
    )
    db.session.add(call)
    db.session.flush()
    return call.id


def _allocated_on(app, proposal_id: int, on: date) -> None:
    """The allocation dated `on`, as if the secretariat had entered that date when funding."""
    with app.app_context():
        allocation = db.session.scalar(
            select(Allocation).where(Allocation.proposal_id == proposal_id)
        )
        allocation.allocated_on = on
        db.session.commit()


@dataclass
class Fund:
    p1: int  # funded: ILO 600,000 obj 6, IOM 400,000 obj 18; Chile; markers 2/2
    p2: int  # closed: ILO 100,000 obj 6, OHCHR 50,000 obj 7; Chile + Morocco; markers 3/1
    p3: int  # funded, second call, global: IOM 200,000 obj 23; markers 1/3
    p4: int  # approved: ILO 300,000 obj 1; Morocco
    p5: int  # committee_review: IOM 100,000 obj 2; Philippines
    call2: int
    open_call: int


def _fund() -> Fund:
    """Proposals in every state, taken there through the workflow, then given the budgets the
    figures are computed from. Allocated on 1 March (P1), 1 April (P2) and 1 June 2025 (P3)."""
    author = new_user(("applicant",), "ILO")
    call = new_open_call().id
    call2 = _other_call()
    p1 = new_proposal(author, call, "funded", allocated_on=date(2025, 3, 1)).id
    p2 = new_proposal(author, call, "closed", allocated_on=date(2025, 4, 1)).id
    _reshape(
        p2,
        [("ILO", 6, "100000.00"), ("OHCHR", 7, "50000.00")],
        ["CL", "MA"],
        gender_marker=3,
        human_rights_marker=1,
    )
    p3 = new_proposal(
        author,
        call2,
        "funded",
        submitted_at=datetime(2025, 1, 15, tzinfo=UTC),
        allocated_on=date(2025, 6, 1),
    ).id
    _reshape(p3, [("IOM", 23, "200000.00")], [], gender_marker=1, human_rights_marker=3)
    p4 = new_proposal(author, call, "approved").id
    _reshape(p4, [("ILO", 1, "300000.00")], ["MA"])
    p5 = new_proposal(author, call, "committee_review").id
    _reshape(p5, [("IOM", 2, "100000.00")], ["PH"])
    # Never counted: a draft, a proposal in screening, a rejected and a withdrawn one.
    for status in ("draft", "screening", "rejected", "withdrawn"):
        other = new_proposal(author, call, status).id
        _reshape(other, [("ILO", 3, "999999.00")])
    db.session.commit()
    return Fund(p1, p2, p3, p4, p5, call2, call)


@pytest.fixture(scope="module")
def prepared(request) -> PreparedDatabase:
    """The proposals of `_fund`, made once per engine: each test reads a copy."""
    return PreparedDatabase(request, _fund)


@pytest.fixture
def fund(request, prepared) -> Fund:
    return prepared.data(engine_of(request))


def _coverage(app, **kwargs) -> queries.Coverage:
    with app.app_context():
        return queries.coverage(**kwargs)


def _row(rows, key) -> queries.CoverageRow:
    return next(row for row in rows if row.key == str(key))


# Hand-computed figures -------------------------------------------------------------------------


def test_figures_equal_hand_computed_values(app, backend, fund):
    c = _coverage(app)
    t = c.totals
    # P1 1,070,000 + P2 (107,000 + 53,500) + P3 214,000; 7% indirect on every organization.
    assert (t.funded, t.funded_direct, t.funded_indirect) == (
        D("1444500.00"),
        D("1350000.00"),
        D("94500.00"),
    )
    assert (t.pipeline, t.review) == (D("321000.00"), D("107000.00"))
    assert (t.programmes, t.pipeline_programmes, t.review_programmes) == (3, 1, 1)

    objectives = {row.key: row for row in c.objectives}
    assert len(objectives) == 23
    assert (objectives["6"].funded, objectives["6"].programmes) == (D("749000.00"), 2)
    assert objectives["18"].funded == D("428000.00")
    assert objectives["7"].funded == D("53500.00")
    assert objectives["23"].funded == D("214000.00")
    assert objectives["1"].pipeline == D("321000.00")
    assert objectives["2"].review == D("107000.00")
    assert objectives["3"].funded == objectives["3"].pipeline == objectives["3"].review == 0
    assert sum(row.funded for row in c.objectives) == t.funded
    assert objectives["6"].share == D("0.518519")  # 749,000 / 1,444,500
    assert objectives["6"].target == D("0.043478")  # 1/23
    assert {key: row.flag for key, row in objectives.items() if row.flag != UNCOVERED} == {
        "6": CONCENTRATED,  # 51.9% > 3 x 4.35%
        "18": CONCENTRATED,  # 29.6%
        "23": CONCENTRATED,  # 14.8%
        "7": None,  # 3.7%: between half and three times the target
        "1": PIPELINE_ONLY,  # approved only
        "2": PIPELINE_ONLY,  # under review only
    }
    assert objectives["3"].flag == UNCOVERED  # only a draft, rejected... proposals
    assert objectives["7"].areas == ("TA1", "TA2")

    # Areas: objective 7 (53,500) is split between TA1 and TA2.
    areas = {row.key: row for row in c.areas}
    assert {k: r.funded for k, r in areas.items()} == {
        "TA1": D("240750.00"),  # 214,000 (obj 23) + 26,750
        "TA2": D("26750.00"),
        "TA3": D("0.00"),
        "TA4": D("1177000.00"),  # objectives 6 and 18
        "TA5": D("0.00"),
    }
    assert {k: r.flag for k, r in areas.items()} == {
        "TA1": None,  # 16.7% of a 20% target
        "TA2": UNDER_TARGET,  # 1.9% < 10%
        "TA3": UNCOVERED,
        "TA4": CONCENTRATED,  # 81.5% > 60%
        "TA5": UNCOVERED,
    }
    assert (areas["TA1"].pipeline, areas["TA2"].review) == (D("321000.00"), D("107000.00"))
    assert (areas["TA1"].programmes, areas["TA2"].programmes, areas["TA4"].programmes) == (2, 1, 2)

    # Regions: P2 is split between the Americas and Africa; P3 has no country.
    regions = {row.label: row for row in c.regions}
    assert {k: r.funded for k, r in regions.items()} == {
        "Africa": D("80250.00"),
        "Americas": D("1150250.00"),
        "Asia": D("0.00"),
        "Europe": D("0.00"),
        "Oceania": D("0.00"),
        queries.GLOBAL_LABEL: D("214000.00"),
    }
    assert regions["Africa"].pipeline == D("321000.00")
    assert regions["Asia"].review == D("107000.00")
    assert (regions["Americas"].programmes, regions["Africa"].programmes) == (2, 1)
    assert {k: r.flag for k, r in regions.items()} == {
        "Africa": UNDER_TARGET,  # 5.6% < half of 20%
        "Americas": CONCENTRATED,  # 79.6% > 60%
        "Asia": PIPELINE_ONLY,
        "Europe": UNCOVERED,
        "Oceania": UNCOVERED,
        queries.GLOBAL_LABEL: None,
    }

    gender = {row.key: row for row in c.gender_markers}
    assert {k: r.funded for k, r in gender.items()} == {
        "0": D("0.00"),
        "1": D("214000.00"),
        "2": D("1070000.00"),
        "3": D("160500.00"),
    }
    assert (gender["2"].pipeline, gender["2"].review, gender["2"].flag) == (
        D("321000.00"),
        D("107000.00"),
        None,
    )
    rights = {row.key: row.funded for row in c.human_rights_markers}
    assert rights == {"0": 0, "1": D("160500.00"), "2": D("1070000.00"), "3": D("214000.00")}

    organizations = {row.label: row for row in c.organizations}
    assert {k: (r.funded, r.programmes) for k, r in organizations.items()} == {
        "ILO": (D("749000.00"), 2),
        "IOM": (D("642000.00"), 2),
        "OHCHR": (D("53500.00"), 1),
    }
    assert (organizations["ILO"].pipeline, organizations["IOM"].review) == (
        D("321000.00"),
        D("107000.00"),
    )
    assert [row.label for row in c.organizations] == ["ILO", "IOM", "OHCHR"]


def test_call_and_period_filters(app, backend, fund):
    by_call = _coverage(app, filters=CoverageFilters(call_id=fund.call2))
    assert by_call.totals.funded == D("214000.00")
    assert _row(by_call.objectives, 23).share == 1
    without_p3 = _coverage(app, filters=CoverageFilters(call_id=fund.open_call))
    assert without_p3.totals.funded == D("1230500.00")

    # The allocation date wins over the submission date; without allocation, submission.
    def submitted(proposal_id, when):
        _shape(app, proposal_id, submitted_at=datetime.combine(when, datetime.min.time(), UTC))

    submitted(fund.p1, date(2024, 11, 1))
    _allocated_on(app, fund.p1, date(2025, 3, 1))
    submitted(fund.p2, date(2025, 12, 31))  # allocated on 1 April 2025
    submitted(fund.p3, date(2025, 2, 1))
    _allocated_on(app, fund.p3, date(2024, 12, 1))
    submitted(fund.p4, date(2026, 1, 1))
    year = _coverage(
        app, filters=CoverageFilters(date_from=date(2025, 1, 1), date_to=date(2025, 12, 31))
    )
    assert year.totals.funded == D("1230500.00")  # P1 (allocated 2025) + P2 (submitted 2025)
    assert year.totals.pipeline == 0  # P4 submitted 2026, P5 never submitted
    since = _coverage(app, filters=CoverageFilters(date_from=date(2025, 3, 2)))
    assert since.totals.funded == D("160500.00")  # P2 only
    assert since.totals.pipeline == D("321000.00")


def test_indirect_costs_spread_and_rounding(app, backend, make_proposal, author):
    """ILO 1.00 (obj 1) + 0.50 (obj 2): indirect 7% of 1.50 = 0.105 -> 0.11 (half-up);
    IOM 0.50 (obj 3): 0.035 -> 0.04. Total 2.15; by objective 1.07 + 0.535 + 0.535 = 2.14
    before rounding: the extra cent goes to the largest remainders (objectives 2 and 3)."""
    pid = make_proposal(author, status="funded")
    lines = [("ILO", 1, "1.00"), ("ILO", 2, "0.50"), ("IOM", 3, "0.50")]
    _shape(app, pid, lines)
    c = _coverage(app)
    assert (c.totals.funded, c.totals.funded_indirect) == (D("2.15"), D("0.15"))
    assert [_row(c.objectives, n).funded for n in (1, 2, 3)] == [D("1.07"), D("0.54"), D("0.54")]
    assert {r.label: r.funded for r in c.organizations} == {"ILO": D("1.61"), "IOM": D("0.54")}
    with app.app_context():
        budget = summarise(
            [Line(org_id(a), n, 1, D(x)) for a, n, x in lines], D("0.07")
        )  # the proposal pages' arithmetic
    assert budget.grand_total == c.totals.funded


# Flags at their thresholds ---------------------------------------------------------------------


SETTINGS = {"under_target_fraction": D("0.5"), "concentrated_multiple": D("3")}


@pytest.mark.parametrize(
    ("funded", "pending", "target", "expected"),
    [
        (D("0"), D("0"), Fraction(1, 23), UNCOVERED),
        (D("0"), D("0.01"), Fraction(1, 23), PIPELINE_ONLY),
        (D("0"), D("0"), D("0"), None),  # nothing wanted, nothing given
        (D("0.01"), D("0"), D("0"), CONCENTRATED),
        (D("50.00"), D("0"), D("0.1"), None),  # exactly half the target share
        (D("49.99"), D("0"), D("0.1"), UNDER_TARGET),
        (D("300.00"), D("0"), D("0.1"), None),  # exactly three times
        (D("300.01"), D("0"), D("0.1"), CONCENTRATED),
        (D("0"), D("5"), None, None),  # no target, no flag
    ],
)
def test_flag_rule_at_its_boundaries(funded, pending, target, expected):
    assert flag_for(funded, pending, D("1000.00"), target, **SETTINGS) == expected


def test_under_target_exactly_at_its_threshold_with_the_equal_default(app, make_proposal, author):
    """Target 1/23 and half of it: a share of exactly 1/46 is not under target."""
    pid = make_proposal(author, status="funded")
    _shape(app, pid, [("ILO", 1, "100.00"), ("ILO", 2, "4500.00")])  # 1/46 and 45/46
    assert _row(_coverage(app).objectives, 1).flag is None
    _shape(app, pid, [("ILO", 1, "99.99"), ("ILO", 2, "4500.01")])
    assert _row(_coverage(app).objectives, 1).flag == UNDER_TARGET


def _set_target(app, dimension: str, key: str, share: str) -> None:
    with app.app_context():
        db.session.merge(
            CoverageTarget(dimension=dimension, key=key, share=D(share), updated_at=utcnow())
        )
        db.session.commit()


@pytest.mark.parametrize(
    ("target", "config", "expected"),
    [
        ("0.1", {}, None),  # share 0.3 = 3 x 0.1: not above
        ("0.099999", {}, CONCENTRATED),
        ("0.1", {"COVERAGE_CONCENTRATED_MULTIPLE": D("2.99")}, CONCENTRATED),
        ("0.6", {}, None),  # share 0.3 = 0.5 x 0.6: not below
        ("0.600001", {}, UNDER_TARGET),
        ("0.6", {"COVERAGE_UNDER_TARGET_FRACTION": D("0.51")}, UNDER_TARGET),
    ],
)
def test_flags_use_the_targets_and_the_threshold_settings(
    app, backend, make_proposal, author, target, config, expected
):
    pid = make_proposal(author, status="funded")
    _shape(app, pid, [("ILO", 6, "300000.00"), ("IOM", 18, "700000.00")])  # shares 0.3 / 0.7
    _set_target(app, "objective", "6", target)
    app.config.update(config)
    row = _row(_coverage(app).objectives, 6)
    assert row.share == D("0.3")
    assert row.flag == expected


def test_area_targets_drive_area_flags(app, make_proposal, author):
    pid = make_proposal(author, status="funded")  # objectives 6 and 18: all in TA4
    assert _row(_coverage(app).areas, "TA4").flag == CONCENTRATED  # 100% > 3 x 20%
    _set_target(app, "area", "TA4", "1")
    assert _row(_coverage(app).areas, "TA4").flag is None
    assert pid


# Who sees what ---------------------------------------------------------------------------------


def _cells(page: str, attribute: str, key: str) -> list[str]:
    """The text of each cell of the first table row with data-<attribute>="key"."""
    match = re.search(rf'<tr data-{attribute}="{re.escape(key)}"[^>]*>(.*?)</tr>', page, re.S)
    assert match, f"no row {attribute}={key}"
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", match.group(1), re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split()) for cell in cells]


def test_public_sees_only_the_funded_part(app, client, fund):
    response = client.get("/coverage/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Approved (pipeline)" not in page
    assert "Under committee review" not in page
    assert "321,000.00" not in page and "107,000.00" not in page
    assert "Allocation simulator" not in page and "How these figures are computed" in page
    # Objective 1 has only approved money: to the public it is simply uncovered.
    assert _cells(page, "objective", "1") == ["1. Data", "0.00", "0", "0.0%", "4.3%", "Uncovered"]
    assert _cells(page, "objective", "6")[1:] == [
        "749,000.00",
        "2",
        "51.9%",
        "4.3%",
        "Concentrated",
    ]
    assert "pipeline_only" not in page.replace("flag-pipeline_only", "")
    chart = client.get("/coverage/chart.svg")
    assert chart.mimetype == "image/svg+xml"
    svg = chart.get_data(as_text=True)
    assert "Approved (pipeline)" not in svg and "Objective 6 funded: USD 749,000.00" in svg
    assert "Objective 1 approved" not in svg


def test_applicants_see_the_public_view_and_no_simulator(app, client, login_as, fund):
    login_as("applicant", organization_acronym="ILO")
    page = client.get("/coverage/").get_data(as_text=True)
    assert "321,000.00" not in page
    assert client.get("/coverage/simulator").status_code == 403
    assert client.get("/coverage/targets").status_code == 403


def test_the_method_says_a_closed_programme_counts_what_it_kept(client):
    page = " ".join(client.get("/coverage/").get_data(as_text=True).split())
    assert (
        "A closed programme counts what it kept: what was transferred to it less its refunds"
        in page
    )


def test_committee_sees_the_pipeline_and_the_simulator(app, client, login_as, fund):
    login_as("committee", organization_acronym="IOM")
    page = client.get("/coverage/").get_data(as_text=True)
    assert _cells(page, "objective", "1")[1:] == [
        "0.00",
        "321,000.00",
        "0.00",
        "0.00",  # concept notes in the pipeline
        "0",
        "0.0%",
        "4.3%",
        "Pipeline only",
    ]
    assert "Allocation simulator" in page and "Edit target shares" not in page
    svg = client.get("/coverage/chart.svg").get_data(as_text=True)
    assert "Objective 1 approved: USD 321,000.00" in svg
    assert "Objective 2 under review: USD 107,000.00" in svg
    assert client.get("/coverage/simulator").status_code == 200
    assert client.get("/coverage/targets").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in_for_the_simulator_and_targets(client):
    for path in ("/coverage/simulator", "/coverage/targets"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post("/coverage/targets").status_code in (400, 401)


def test_dashboard_filters_and_their_errors(app, client, login_as, fund):
    login_as("secretariat", organization_acronym="IOM")
    page = client.get(f"/coverage/?call={fund.call2}").get_data(as_text=True)
    assert 'id="total-funded">USD 214,000.00' in page
    assert f"call={fund.call2}" in page  # the chart follows the filters
    bad = client.get("/coverage/?call=99999&date_to=someday").get_data(as_text=True)
    # Every date field says how to write a date (`fund.forms.DATE_MESSAGE`).
    assert "Choose a call from the list." in bad and "Enter a date as YYYY-MM-DD" in bad
    assert 'id="total-funded">USD 1,444,500.00' in bad  # invalid filters are ignored
    reversed_dates = client.get("/coverage/?date_from=2025-05-01&date_to=2025-01-01")
    assert "The end date must not be before the start date." in reversed_dates.get_data(
        as_text=True
    )
    _shape(app, fund.p3, submitted_at=datetime(2025, 6, 1, tzinfo=UTC))
    page = client.get("/coverage/?date_from=2025-05-01").get_data(as_text=True)
    assert 'id="total-funded">USD 214,000.00' in page
    assert "date_from=2025-05-01" in page  # the chart follows the filters


def test_chart_is_a_standalone_svg_without_styles(app, client, fund):
    response = client.get("/coverage/chart.svg")
    svg = response.get_data(as_text=True)
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert "style" not in svg.lower() and "<script" not in svg
    assert '<title id="chart-title">' in svg and "GCM objective" in svg and "US dollars" in svg
    assert svg.count("Uncovered") >= 2  # the legend and the flagged rows
    page = client.get("/coverage/").get_data(as_text=True)
    assert re.search(r'<img src="/coverage/chart.svg"[^>]* alt="Bar chart', page)
    assert 'aria-describedby="chart-summary"' in page


def test_nice_scale():
    assert nice_scale(D("1444500")) == (D("1500000"), D("500000"))
    assert nice_scale(D("0")) == (D("1"), D("0.25"))
    assert nice_scale(D("1000")) == (D("1000"), D("200"))


def test_chart_renders_without_money(app):
    with app.app_context():
        svg = objectives_chart(queries.coverage())
    assert svg.count("✕ Uncovered") == 24  # the legend and the 23 objectives


# Targets ---------------------------------------------------------------------------------------


def _targets_data(client, objective: dict[int, str] | None = None, area=None) -> dict[str, str]:
    data = {"csrf_token": csrf_token(client, "/coverage/targets")}
    shares = dict.fromkeys(range(1, 24), "4") | {1: "12"}  # 12 + 22 x 4 = 100
    shares |= objective or {}
    data |= {f"objective_{n}": v for n, v in shares.items()}
    areas = {"TA1": "30", "TA2": "10", "TA3": "20", "TA4": "20", "TA5": "20"} | (area or {})
    data |= {f"area_{k}": v for k, v in areas.items()}
    return data


def _stored_targets(app) -> dict[tuple[str, str], Decimal]:
    with app.app_context():
        return {(t.dimension, t.key): t.share for t in db.session.scalars(select(CoverageTarget))}


def test_secretariat_edits_targets_with_an_audit_event(app, client, login_as, fund):
    user = login_as("secretariat", organization_acronym="IOM")
    page = client.get("/coverage/targets").get_data(as_text=True)
    assert re.search(r'id="objective_6"[^>]* value="4.3478"', page)
    assert re.search(r'id="area_TA1"[^>]* value="20"', page)
    response = client.post("/coverage/targets", data=_targets_data(client))
    assert response.status_code == 302
    stored = _stored_targets(app)
    assert stored[("objective", "1")] == D("0.12")
    assert stored[("objective", "6")] == D("0.04")
    assert stored[("area", "TA1")] == D("0.3")
    assert ("area", "TA3") not in stored  # unchanged: still the equal default
    [event] = audit_events(app, "coverage.targets_set")
    assert event.actor_id == user.id
    changes = {(c["dimension"], c["key"]): (c["from"], c["to"]) for c in event.details["changes"]}
    assert changes[("objective", "1")] == ("0.043478", "0.120000")
    assert changes[("area", "TA2")] == ("0.200000", "0.100000")
    assert len(changes) == 23 + 2
    with app.app_context():
        c = queries.coverage()
    assert _row(c.objectives, 1).target == D("0.12")
    assert _row(c.areas, "TA2").target == D("0.1")
    # Saving the same values again changes nothing and records nothing.
    client.post("/coverage/targets", data=_targets_data(client))
    assert len(audit_events(app, "coverage.targets_set")) == 1
    # Restore equal shares.
    data = {"csrf_token": csrf_token(client, "/coverage/targets"), "reset": "1"}
    assert client.post("/coverage/targets", data=data).status_code == 302
    assert _stored_targets(app) == {}
    assert len(audit_events(app, "coverage.targets_reset")) == 1


@pytest.mark.parametrize(
    ("objective", "area", "message"),
    [
        ({2: "5"}, None, "must add up to 100%; they add up to 101%"),
        (None, {"TA1": "25"}, "The targets of the thematic areas must add up to 100%"),
        ({3: "abc"}, None, "“abc” is not a percentage"),
        ({3: "101"}, None, "A share must be between 0% and 100%."),
        ({3: "-1"}, None, "A share must be between 0% and 100%."),
        ({3: "4.00001"}, None, "Use at most four decimals"),
        ({3: ""}, None, "Give a target share in percent"),
    ],
)
def test_invalid_targets_are_refused_and_the_input_kept(
    app, client, login_as, objective, area, message
):
    login_as("secretariat", organization_acronym="IOM")
    data = _targets_data(client, objective, area)
    response = client.post("/coverage/targets", data=data)
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert message in page
    assert 'value="12"' in page  # what was typed is still there
    if objective and 3 in objective and objective[3]:
        assert f'value="{objective[3]}"' in page
    assert _stored_targets(app) == {}
    assert audit_events(app, "coverage.targets_set") == []


def test_targets_need_the_secretariat_and_a_csrf_token(app, client, login_as):
    login_as("committee", organization_acronym="IOM")
    token = csrf_token(client, "/coverage/")
    assert client.post("/coverage/targets", data={"csrf_token": token}).status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/coverage/")})
    login_as("secretariat", organization_acronym="IOM")
    data = _targets_data(client)
    del data["csrf_token"]
    assert client.post("/coverage/targets", data=data).status_code == 400
    assert _stored_targets(app) == {}


def test_parse_percent():
    assert parse_percent("4.3478") == D("0.043478")
    assert parse_percent(" 12,5 % ") == D("0.125")
    for bad in ("", "1e2", "NaN", "100.01", "abc"):
        with pytest.raises(ValueError):
            parse_percent(bad)


# Simulator and committee -----------------------------------------------------------------------


def _pools(app, **available: str) -> None:
    with app.app_context():
        for code, amount in available.items():
            db.session.merge(Pool(code=code, received_net=D(amount), available=D(amount)))
        db.session.commit()


def test_simulator_adds_the_picked_proposals(app, client, login_as, fund):
    _pools(app, GENERAL="400000.00", TA4="100000.00")
    login_as("secretariat", organization_acronym="IOM")
    page = client.get("/coverage/simulator").get_data(as_text=True)
    assert f'name="pick" value="{fund.p4}"' in page and f'name="pick" value="{fund.p5}"' in page
    assert f'value="{fund.p1}"' not in page  # funded: not a candidate

    page = client.get(f"/coverage/simulator?pick={fund.p4}&pick={fund.p5}").get_data(as_text=True)
    assert _cells(page, "objective", "1")[1:] == [
        "0.00",
        "0.0%",
        "Pipeline only",
        "321,000.00",
        "17.1%",  # 321,000 / 1,872,500
        "Concentrated",
        "+321,000.00",
    ]
    assert _cells(page, "objective", "2")[4] == "107,000.00"
    assert _cells(page, "objective", "6")[1:3] == ["749,000.00", "51.9%"]
    assert _cells(page, "objective", "6")[4:6] == ["749,000.00", "40.0%"]
    assert "USD 500,000.00" in page and "2, USD 428,000.00" in page
    assert "USD 72,000.00" in page and 'id="over-balance"' not in page

    with app.app_context():
        sim = simulator.simulate([fund.p4, fund.p5, fund.p1, 987654])
        assert [c.id for c in sim.picked] == [fund.p4, fund.p5]  # funded/unknown ids ignored
        assert sim.after.totals.funded == sim.before.totals.funded + D("428000.00")
        assert sim.after.totals.pipeline == 0 and sim.after.totals.review == 0
        assert sim.balance_after == D("72000.00") and not sim.exceeds_balance


def test_simulator_warns_beyond_the_balance_and_works_for_the_committee(
    app, client, login_as, fund
):
    _pools(app, GENERAL="400000.00")
    login_as("committee", organization_acronym="IOM")
    page = client.get(f"/coverage/simulator?pick={fund.p4}&pick={fund.p5}&pick=x")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="over-balance"' in text and "USD 28,000.00 is missing" in text
    stale = client.get(f"/coverage/simulator?pick={fund.p1}").get_data(as_text=True)
    assert "no longer approved or under review" in stale


def test_coverage_effect_of_one_proposal(app, fund):
    with app.app_context():
        rows = simulator.coverage_effect(fund.p4)
        unchanged = simulator.coverage_effect(fund.p1)  # already funded
    assert len(rows) == 23
    one = rows[0]
    assert (one.number, one.funded_now, one.funded_after) == (1, D("0.00"), D("321000.00"))
    assert (one.flag_now, one.flag_after) == (PIPELINE_ONLY, CONCENTRATED)
    assert rows[6 - 1].funded_after == rows[6 - 1].funded_now == D("749000.00")
    assert rows[7 - 1].share_after < rows[7 - 1].share_now
    assert all(r.funded_now == r.funded_after for r in unchanged)
    # The partial the committee's review page includes.
    with app.test_request_context():
        from flask import render_template_string

        page = render_template_string(
            '{% from "coverage/_effect.html" import effect_table %}{{ effect_table(rows) }}',
            rows=rows,
        )
    assert _cells(page, "objective", "1")[1:] == [
        "0.00",
        "0.0%",
        "Pipeline only",
        "321,000.00",
        "18.2%",  # 321,000 / 1,765,500
        "Concentrated",
        "+321,000.00",
    ]


# The command line ------------------------------------------------------------------------------


def test_cli_json_equals_the_page(app, client, login_as, fund):
    result = app.test_cli_runner().invoke(args=["fund", "coverage", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["totals"]["funded"] == "1444500.00"
    login_as("secretariat", organization_acronym="IOM")
    page = client.get("/coverage/").get_data(as_text=True)

    def money(text: str) -> str:
        return f"{D(text):,.2f}"

    def pct(text: str | None) -> str:
        return "—" if text is None else f"{D(text) * 100:.1f}%"

    labels = {None: "—", **dict(queries.FLAG_LABELS.items())}
    for row in data["objectives"]:
        assert _cells(page, "objective", row["key"])[1:] == [
            money(row["funded"]),
            money(row["pipeline"]),
            money(row["review"]),
            money(row["notes"]),
            str(row["programmes"]),
            pct(row["share"]),
            pct(row["target"]),
            labels[row["flag"]].replace("—", "— no flag"),
        ]
    for section, rows in (("areas", data["areas"]), ("regions", data["regions"])):
        for row in rows:
            assert _cells(page, "key", f"{section}-{row['key']}")[1:4] == [
                money(row["funded"]),
                money(row["pipeline"]),
                money(row["review"]),
            ]
    for row in data["organizations"]:
        assert _cells(page, "key", f"organizations-{row['key']}")[1] == money(row["funded"])


def test_cli_table_and_options(app, fund):
    runner = app.test_cli_runner()
    table = runner.invoke(args=["fund", "coverage"])
    assert table.exit_code == 0, table.output
    assert "Funded: USD 1,444,500.00 in 3 programmes" in table.output
    assert re.search(r"6\. Recruitment and decent work\s+749,000.00\s+0.00", table.output)
    by_call = runner.invoke(
        args=["fund", "coverage", "--format", "json", "--call", str(fund.call2)]
    )
    assert json.loads(by_call.output)["totals"]["funded"] == "214000.00"
    period = runner.invoke(args=["fund", "coverage", "--format", "json", "--from", "2030-01-01"])
    assert json.loads(period.output)["totals"]["funded"] == "0.00"
    assert runner.invoke(args=["fund", "coverage", "--call", "99999"]).exit_code != 0
    bad = runner.invoke(args=["fund", "coverage", "--from", "2025-02-01", "--to", "2025-01-01"])
    assert bad.exit_code != 0 and "--to" in bad.output


# A fixed number of queries ---------------------------------------------------------------------


def _add_proposals(app, count: int, call_id: int, author_id: int) -> None:
    """Bulk-insert `count` proposals in every counted state, with lines and countries: rows
    at scale written as `bench.generate` loads a database (the workflow would take minutes),
    so the funded ones have no allocation, which coverage does not read."""
    statuses = ["funded", "closed", "approved", "committee_review", "draft"]
    with app.app_context():
        organization_id = org_id("ILO")
        iom = org_id("IOM")
        first = (db.session.scalar(select(db.func.max(Proposal.id))) or 0) + 1
        now = utcnow()
        db.session.execute(
            insert(Proposal),
            [
                {
                    "id": first + i,
                    "call_id": call_id,
                    "organization_id": organization_id,
                    "title": f"Programme {i}",
                    "status": statuses[i % len(statuses)],
                    "created_by_id": author_id,
                    "submitted_at": now,
                    "gender_marker": i % 4,
                    "human_rights_marker": (i + 1) % 4,
                }
                for i in range(count)
            ],
        )
        db.session.execute(
            insert(BudgetLine),
            [
                {
                    "proposal_id": first + i,
                    "organization_id": organization_id if j == 0 else iom,
                    "objective_number": (i + j * 7) % 23 + 1,
                    "category_code": 1,
                    "amount": D("1000.00") + i,
                }
                for i in range(count)
                for j in range(2)
            ],
        )
        countries = ["CL", "MA", "PH", "FR"]
        db.session.execute(
            insert(proposal_countries),
            [
                {"proposal_id": first + i, "country_iso2": countries[i % 4]}
                for i in range(count)
                if i % 5
            ],
        )
        # Bulk inserts bypass the ORM, hence the flush-time upkeep of the totals: rebuild them,
        # as bench.generate does.
        totals.rebuild(db.session.connection(), app.config["INDIRECT_SUPPORT_RATE"])
        db.session.commit()


def _count_queries(app, client, path: str) -> int:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(statements)


def test_the_same_number_of_queries_for_10_and_1000_proposals(
    app, client, login_as, open_call, author
):
    login_as("secretariat", organization_acronym="IOM")
    paths = ["/coverage/", "/coverage/chart.svg", "/coverage/?date_from=2020-01-01"]
    _add_proposals(app, 10, open_call, author.id)
    with app.app_context():
        few = list(db.session.scalars(select(Proposal.id).where(Proposal.status == "approved")))
    paths.append("/coverage/simulator?" + "&".join(f"pick={p}" for p in few[:1]))
    small = [_count_queries(app, client, path) for path in paths]
    _add_proposals(app, 990, open_call, author.id)
    large = [_count_queries(app, client, path) for path in paths]
    assert small == large
    with app.app_context():
        c = queries.coverage()
    assert c.totals.programmes == 400  # funded + closed: 2 of every 5
    assert sum(row.funded for row in c.objectives) == c.totals.funded
    assert sum(row.funded for row in c.regions) == c.totals.funded
    assert sum(row.funded for row in c.areas) == c.totals.funded
    assert sum(row.funded for row in c.organizations) == c.totals.funded
    assert sum(row.funded for row in c.gender_markers) == c.totals.funded


def test_the_chart_reads_in_the_pages_language(app, client, login_as, fund):
    """The chart's objectives, amounts and words are in the page's language, on the dashboard
    and on the allocation report's page (which drew it in English)."""
    login_as("secretariat", organization_acronym="IOM")
    client.get("/coverage/?lang=fr")
    svg = client.get("/coverage/chart.svg").get_data(as_text=True)
    assert "Objectif 6, financé\u00a0: 749\u202f000,00\u00a0$US" in svg
    assert "6. Recrutement et travail décent" in svg  # the official French short name
    assert "USD 749,000.00" not in svg and "Decent work" not in svg
    # The French words are longer: the chart widens so that none is cut off at its edge.
    width = int(re.search(r'<svg [^>]*width="(\d+)"', svg).group(1))
    flag_x = max(int(float(x)) for x in re.findall(r'<text x="(\d+)"[^>]*font-weight="bold"', svg))
    longest = max(len(t) for t in re.findall(r'font-weight="bold">([^<]+)<', svg))
    assert width >= flag_x + 7 * longest, (width, flag_x, longest)
    dashboard = client.get("/coverage/").get_data(as_text=True)
    assert "</strong>\u00a0: " in dashboard and "</strong>: " not in dashboard  # French colons
    report = client.get("/reports/allocation").get_data(as_text=True)
    drawn = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', report)
    assert drawn is not None, report[:500]
    chart = base64.b64decode(drawn.group(1)).decode()
    assert "Objectif 6, financé" in chart and "Objective 6 funded" not in chart


def test_targets_that_do_not_add_up_say_their_total_as_the_pages_language_writes_it(
    client, login_as
):
    login_as("secretariat", organization_acronym="IOM")
    data = _targets_data(client, {2: "5.5"})  # 12 + 21 x 4 + 5.5 = 101.5
    response = client.post("/coverage/targets", data=data, headers={"Accept-Language": "fr"})
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert "elles totalisent 101,5\u00a0%." in page
    assert "101.5" not in page.replace('value="5.5"', "")
    english = html.unescape(client.post("/coverage/targets", data=data).get_data(as_text=True))
    assert "they add up to 101.5%." in english


def test_the_phones_chart_writes_its_figures_as_the_pages_language_does(client, login_as, fund):
    """The list that stands for the chart on a narrow screen: amounts and shares written as
    the page's language writes them ("1 234 USD", "12,5 %"), as in the table beside it."""
    login_as("secretariat")
    french = html.unescape(client.get("/coverage/?lang=fr").get_data(as_text=True))
    figures = re.findall(r'<span class="bar-figures">(.*?)</span>', french, re.S)
    assert figures
    for said in figures:
        assert not re.search(r"\d,\d{3}|\d\.\d", said), said
        assert re.search(r"\d(,\d)?\u00a0%", said), said
    english = html.unescape(client.get("/coverage/?lang=en").get_data(as_text=True))
    assert re.search(r'<span class="bar-figures">Funded USD [\d,]+\.\d{2} · \d+\.\d%', english)


def test_the_phones_chart_writes_its_amounts_as_every_other_amount_on_the_page(
    client, login_as, fund
):
    """The list's amounts are money as the page's language writes it, to the cent, as in the
    table beside it: never rounded to whole dollars."""
    login_as("secretariat")
    spanish = html.unescape(client.get("/coverage/?lang=es").get_data(as_text=True))
    figures = re.findall(r'<span class="bar-figures">(.*?)</span>', spanish, re.S)
    assert figures
    for said in figures:
        # "Financiado: 145.520,00 US$", never "145.520 USD"
        assert re.match(r"\D*\d{1,3}(\.\d{3})*,\d{2}\xa0US\$ ", said), said
        assert "USD" not in said, said
    english = html.unescape(client.get("/coverage/?lang=en").get_data(as_text=True))
    assert re.search(r'<span class="bar-figures">Funded USD [\d,]+\.\d{2} · ', english)


def test_a_target_for_an_unknown_objective_or_area_is_refused_in_the_pages_language(app):
    """A share for a key the fund does not have (a form built by hand) is refused by name, in
    the page's language, and nothing is stored."""
    from flask_babel import force_locale

    from fund.coverage.operations import TargetError, set_targets

    shares = {"objective": {"99": Decimal(1)}, "area": {"XX": Decimal(1)}}
    with app.test_request_context("/"), force_locale("fr"), pytest.raises(TargetError) as refused:
        set_targets(None, shares)
    said = refused.value.dimension_errors
    assert said["objective"] == "Objectif inconnu\u00a0: 99."
    assert said["area"] == "Domaine thématique inconnu\u00a0: XX."
    with app.app_context():
        assert db.session.scalar(select(CoverageTarget).limit(1)) is None


@pytest.mark.parametrize("language", ["en", "fr", "es", "ar"])
@pytest.mark.parametrize("role", [None, "committee"])
def test_the_charts_legend_items_do_not_overlap_in_any_language(client, login_as, language, role):
    """In Arabic the legend's "القيمة المستهدفة" (Target) was drawn over "✕ غير مغطى"
    (Uncovered): each item now starts after the words of the one before, by the chart's
    estimate of their width, and the chart is wide enough for the last. In Arabic the legend
    reads from the right: its positions are measured from the chart's right edge."""
    if role:
        login_as(role, organization_acronym="IOM")
    svg = client.get(f"/coverage/chart.svg?lang={language}").get_data(as_text=True)
    width = int(re.search(r'<svg [^>]*width="(\d+)"', svg).group(1))

    def read(x: str) -> float:
        return width - float(x) if language == "ar" else float(x)

    items = [
        (read(x), html.unescape(words))
        for x, words in re.findall(r'<text x="([\d.]+)" y="70"[^>]*>([^<]+)<', svg)
    ]
    assert len(items) >= 5, items  # funded (and the pipeline's), the target, the flags
    for (x, words), (next_x, _) in itertools.pairwise(items):
        assert next_x >= x + 7 * len(words) + 10, (language, words, x, next_x)
    x, words = items[-1]
    assert width >= x + 7 * len(words), (width, items[-1])


def test_cli_table_writes_shares_as_the_language_does(app, fund):
    """`flask fund coverage` writes the shares as `fund.i18n.percent` writes them in the
    command's language: "51.90%" in English, "51,90 %" (a no-break space) in French."""
    runner = app.test_cli_runner()
    english = runner.invoke(args=["fund", "coverage"], env={"FUND_LANGUAGE": "en"})
    french = runner.invoke(args=["fund", "coverage"], env={"FUND_LANGUAGE": "fr"})
    assert english.exit_code == 0 and french.exit_code == 0, english.output + french.output
    assert re.search(r"\d\.\d{2}%", english.output), english.output
    assert re.search(r"\d,\d{2}\u00a0%", french.output), french.output
    assert not re.search(r"\d,\d{2}%", french.output), french.output

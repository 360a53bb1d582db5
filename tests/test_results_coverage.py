"""Results coverage: the on-track rule at its thresholds, the flags and their order, which
programmes count, the figures of `flask fund results` worked out by hand, a fixed number of
statements, and the coverage page's results flags; on SQLite and PostgreSQL."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, select

from fund.extensions import db, utcnow
from fund.proposals.models import Proposal
from fund.proposals.results import IndicatorActual
from fund.reports.allocation_data import build_allocation_report
from fund.reports.allocation_pdf import render_allocation_report
from fund.results.coverage import (
    MONEY_WITHOUT_RESULTS,
    NO_BASELINE,
    OFF_TRACK,
    flags_for,
    indicator_facts,
    on_track_share,
    results_coverage,
)
from tests.conftest import PreparedDatabase, engine_of
from tests.factories import budget_lines, new_open_call, new_proposal
from tests.helpers import new_user, org_id, pdf_text
from tests.results_factories import add_indicator, add_outcome, fund_outcome

D = Decimal


def _programme(author, call: int, status: str, lines=None, countries=None) -> Proposal:
    """A proposal taken to `status` by the workflow, then without any results framework (the
    tests add theirs), and with other budget lines [(org, objective, amount)] or countries."""
    proposal = new_proposal(author, call, status)
    proposal.outcomes.clear()
    if lines is not None:
        proposal.budget_lines = budget_lines(lines)
    if countries is not None:
        from fund.reference.models import Country

        proposal.countries = [db.session.get(Country, iso2) for iso2 in countries]
    db.session.flush()
    return proposal


# Pure rules ------------------------------------------------------------------------------------


def test_flags_most_serious_first():
    assert flags_for(D("10.00"), 0, 0, 0, 0) == (MONEY_WITHOUT_RESULTS,)
    assert flags_for(D("0.00"), 0, 0, 0, 0) == ()
    assert flags_for(None, 0, 0, 0, 0) == ()  # money not given: never money_without_results
    assert flags_for(D("10.00"), 2, 1, 2, 1) == (OFF_TRACK, NO_BASELINE)
    assert flags_for(D("10.00"), 2, 0, 2, 2) == ()
    assert flags_for(D("0.00"), 3, 3, 0, 0) == (NO_BASELINE,)
    assert flags_for(D("0.00"), 1, 0, 1, 0) == (OFF_TRACK,)


def test_on_track_share_rounds_half_up_and_is_none_without_reports():
    assert on_track_share(0, 0) is None
    assert on_track_share(1, 3) == D("0.3333")
    assert on_track_share(2, 3) == D("0.6667")
    assert on_track_share(1, 8) == D("0.1250")
    assert on_track_share(3, 3) == D("1.0000")


# The on-track rule, in SQL -------------------------------------------------------------------


# (name, baseline, {year: target}, {year: actual}, reported, on track at 0.50)
CASES = [
    ("up, exactly half way", D("20"), {2027: D("40")}, {2027: D("30")}, 1, 1),
    ("up, just short", D("20"), {2027: D("40")}, {2027: D("29.9999")}, 1, 0),
    ("down, exactly half way", D("50"), {2027: D("10")}, {2027: D("30")}, 1, 1),
    ("down, just short", D("50"), {2027: D("10")}, {2027: D("30.0001")}, 1, 0),
    ("no baseline, half the target", None, {2027: D("100")}, {2027: D("50")}, 1, 1),
    ("no baseline, short", None, {2027: D("100")}, {2027: D("49.9999")}, 1, 0),
    ("target equals baseline, met", D("10"), {2027: D("10")}, {2027: D("10")}, 1, 1),
    ("target equals baseline, other", D("10"), {2027: D("10")}, {2027: D("11")}, 1, 0),
    (
        "latest year decides",
        D("0"),
        {2026: D("10"), 2027: D("100")},
        {2026: D("10"), 2027: D("40")},
        1,
        0,
    ),
    (
        "a year without target is ignored",
        D("0"),
        {2027: D("10")},
        {2026: D("0"), 2027: D("9")},
        1,
        1,
    ),
    ("no actual for a target year", D("0"), {2028: D("10")}, {2026: D("50")}, 0, 0),
    ("nothing reported", D("0"), {2027: D("10")}, {}, 0, 0),
]


@pytest.fixture
def cases(app, backend):
    """One funded programme with one indicator per case; {name: indicator id}."""
    with app.app_context():
        author = new_user(("applicant",), "ILO")
        proposal = _programme(author, new_open_call().id, "funded")
        outcome = add_outcome(proposal, objectives=(6,))
        ids = {}
        for name, baseline, targets, actuals, _, _ in CASES:
            ids[name] = add_indicator(
                outcome, name, baseline=baseline, targets=targets, actuals=actuals
            ).id
        db.session.commit()
        return ids


def _facts(app, **kwargs) -> dict[int, tuple[int, int]]:
    with app.app_context():
        rows = db.session.execute(indicator_facts(**kwargs)).all()
        return {row.indicator_id: (row.reported, row.on_track) for row in rows}


def test_on_track_rule_at_its_thresholds(app, cases):
    facts = _facts(app)
    found = {name: facts[cases[name]] for name, *_ in CASES}
    assert found == {name: (reported, on) for name, _, _, _, reported, on in CASES}


def test_threshold_is_a_setting(app, cases):
    assert app.config["RESULTS_OFF_TRACK_BELOW"] == D("0.50")
    # 40% of the way: off track at 0.50, on track at 0.40.
    assert _facts(app)[cases["latest year decides"]] == (1, 0)
    assert _facts(app, threshold=D("0.40"))[cases["latest year decides"]] == (1, 1)
    assert _facts(app, threshold=D("0.30"))[cases["up, just short"]] == (1, 1)


def test_actuals_recorded_later_are_left_out(app, cases):
    with app.app_context():
        later = utcnow() + timedelta(days=1)
        actual = db.session.get(IndicatorActual, (cases["latest year decides"], 2027))
        actual.recorded_at = later
        db.session.commit()
    before = _facts(app, reported_before=later - timedelta(hours=1))
    # Without the 2027 value, 2026 (10 of 10) is the latest reported year: on track.
    assert before[cases["latest year decides"]] == (1, 1)
    assert _facts(app)[cases["latest year decides"]] == (1, 0)


# A small fund worked out by hand ---------------------------------------------------------------


@dataclass
class Fund:
    p1: int
    p2: int
    p3: int


def _fund() -> Fund:
    """Three funded programmes, an approved one and a draft, each with its own framework.

    P1 funded (ILO 600,000 obj 6, IOM 400,000 obj 18; Chile; lead ILO):
      outcome A (objectives 6 and 18, FO4):
        i1 baseline 20, targets 2027: 40, 2028: 60, actual 2027: 30 -> (30-20)/(40-20) = 0.5 on
        i2 no baseline, targets 2026: 10, 2027: 100, actuals 2026: 10, 2027: 40 -> 0.4 off;
           responsible IOM
      outcome B (objective 7, no fund outcome):
        i3 baseline 50, target 2027: 10 (going down), actual 2027: 30 -> 20/40 = 0.5 on
    P2 closed (same budget; Chile and Morocco):
      outcome C (objective 6, FO4):
        i4 baseline 10, target 2027: 20, actuals 2026: 50 (no target that year), 2027: 14 -> 0.4
           off
        i5 no baseline, no target at all
        i7 baseline 5, target 2028: 10, actual 2026: 1 -> not reported (no target in 2026)
    P3 funded (IOM 200,000 obj 23; no country): no framework.
    Approved P4 (an indicator on objective 1) and a draft (objectives 3 and 23, off track):
    not funded, never counted."""
    author = new_user(("applicant",), "ILO")
    call = new_open_call().id
    p1 = _programme(author, call, "funded")
    outcome_a = add_outcome(p1, "A", objectives=(6, 18))
    add_indicator(outcome_a, "i1", actuals={2027: D("30")})
    i2 = add_indicator(
        outcome_a,
        "i2",
        baseline=None,
        targets={2026: D("10"), 2027: D("100")},
        end_target=None,
        actuals={2026: D("10"), 2027: D("40")},
    )
    i2.responsible_organization_id = org_id("IOM")
    outcome_b = add_outcome(p1, "B", objectives=(7,), fund_outcome_code=None)
    add_indicator(
        outcome_b,
        "i3",
        baseline=D("50"),
        targets={2027: D("10")},
        end_target=D("10"),
        actuals={2027: D("30")},
    )

    p2 = _programme(author, call, "closed", countries=["CL", "MA"])
    outcome_c = add_outcome(p2, "C", objectives=(6,))
    add_indicator(
        outcome_c,
        "i4",
        baseline=D("10"),
        targets={2027: D("20")},
        end_target=D("30"),
        actuals={2026: D("50"), 2027: D("14")},
    )
    add_indicator(outcome_c, "i5", baseline=None, targets={}, end_target=None)
    add_indicator(
        outcome_c,
        "i7",
        baseline=D("5"),
        targets={2028: D("10")},
        end_target=None,
        actuals={2026: D("1")},
    )

    p3 = _programme(author, call, "funded", lines=[("IOM", 23, "200000.00")], countries=[])

    p4 = _programme(author, call, "approved")
    add_indicator(add_outcome(p4, "Approved", objectives=(1,)), "i6")
    draft = _programme(author, call, "draft")
    add_indicator(add_outcome(draft, "Draft", objectives=(3, 23)), "i8", actuals={2027: D("0")})
    db.session.commit()
    return Fund(p1.id, p2.id, p3.id)


@pytest.fixture(scope="module")
def prepared(request) -> PreparedDatabase:
    return PreparedDatabase(request, _fund)


@pytest.fixture
def fund(request, prepared) -> Fund:
    return prepared.data(engine_of(request))


def _row(rows, key):
    return next(row for row in rows if row["key"] == key)


def _figures(row) -> tuple:
    return (
        row["indicators"],
        row["programmes_with_indicators"],
        row["with_baseline_and_target"],
        row["on_track_share"],
        row["flag"],
        row["flags"],
    )


def test_cli_json_equals_hand_counted_figures(app, backend, fund):
    result = app.test_cli_runner().invoke(args=["fund", "results", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    objectives = data["objectives"]
    assert len(objectives) == 23
    assert set(objectives[0]) >= {
        "key",
        "title",
        "indicators",
        "programmes_with_indicators",
        "with_baseline_and_target",
        "on_track_share",
        "flag",
    }
    # Objective 6: i1, i2 (P1) and i4, i5, i7 (P2); baseline and target: i1, i4, i7; reported:
    # i1 (on), i2 (off), i4 (off) -> 1/3; i2 and i5 have no baseline.
    assert _figures(_row(objectives, "6")) == (5, 2, 3, 0.3333, OFF_TRACK, [OFF_TRACK, NO_BASELINE])
    # Objective 18: i1 and i2 of P1; i1 on, i2 off -> 1/2; i2 without baseline.
    assert _figures(_row(objectives, "18")) == (2, 1, 1, 0.5, OFF_TRACK, [OFF_TRACK, NO_BASELINE])
    # Objective 7: i3 of P1, on track; no money on objective 7 (P1's budget is on 6 and 18).
    assert _figures(_row(objectives, "7")) == (1, 1, 1, 1.0, None, [])
    # Objective 23: P3's money, no indicator of a funded programme (the draft's does not count).
    assert _figures(_row(objectives, "23")) == (
        0,
        0,
        0,
        None,
        MONEY_WITHOUT_RESULTS,
        [MONEY_WITHOUT_RESULTS],
    )
    # Objective 1 (the approved proposal's) and 3 (the draft's): nothing counted, no money.
    assert _figures(_row(objectives, "1")) == (0, 0, 0, None, None, [])
    assert _figures(_row(objectives, "3")) == (0, 0, 0, None, None, [])
    flagged = {row["key"] for row in objectives if row["flag"]}
    assert flagged == {"6", "18", "23"}

    outcomes = {row["label"]: row for row in data["fund_outcomes"]}
    assert sorted(outcomes) == ["FO1", "FO2", "FO3", "FO4", "FO5"]
    assert all(row["key"] == label for label, row in outcomes.items())
    # FO4: outcomes A and C (i1, i2, i4, i5, i7), as objective 6.
    assert _figures(outcomes["FO4"]) == (5, 2, 3, 0.3333, OFF_TRACK, [OFF_TRACK, NO_BASELINE])
    # FO1 serves TA1, where objective 23 has P3's money; nothing maps to FO1.
    assert _figures(outcomes["FO1"]) == (
        0,
        0,
        0,
        None,
        MONEY_WITHOUT_RESULTS,
        [MONEY_WITHOUT_RESULTS],
    )
    for code in ("FO2", "FO3", "FO5"):  # no money in TA2 (objective 7 has none), TA3, TA5
        assert _figures(outcomes[code]) == (0, 0, 0, None, None, [])

    areas = {row["key"]: row for row in data["areas"]}
    # TA4 (objectives 6 and 18): i1 and i2 counted once though both their objectives lie there.
    assert _figures(areas["TA4"]) == (5, 2, 3, 0.3333, OFF_TRACK, [OFF_TRACK, NO_BASELINE])
    # TA1 (objectives 7 and 23): i3 through objective 7, on track; the area has money (P3's on
    # objective 23) and an indicator: no money_without_results at the area's level.
    assert _figures(areas["TA1"]) == (1, 1, 1, 1.0, None, [])
    assert _figures(areas["TA2"]) == (1, 1, 1, 1.0, None, [])  # i3 through objective 7

    regions = {row["key"]: row for row in data["regions"]}
    # Americas: every indicator of P1 (Chile) and P2 (Chile, Morocco): i1, i2, i3, i4, i5, i7;
    # baseline and target: i1, i3, i4, i7; reported: i1 on, i2 off, i3 on, i4 off -> 2/4.
    assert _figures(regions["019"]) == (6, 2, 4, 0.5, OFF_TRACK, [OFF_TRACK, NO_BASELINE])
    # Africa: P2's i4 (off), i5, i7 -> 0/1.
    assert _figures(regions["002"]) == (3, 1, 2, 0.0, OFF_TRACK, [OFF_TRACK, NO_BASELINE])
    # Global: P3's money, no indicator.
    assert regions["001"]["flag"] == MONEY_WITHOUT_RESULTS

    organizations = {row["label"]: row for row in data["organizations"]}
    # ILO leads P1 and P2: i1, i3, i4, i5, i7 (i2 is IOM's); reported i1 on, i3 on, i4 off.
    assert _figures(organizations["ILO"]) == (5, 2, 4, 0.6667, OFF_TRACK, [OFF_TRACK, NO_BASELINE])
    assert _figures(organizations["IOM"]) == (1, 1, 0, 0.0, OFF_TRACK, [OFF_TRACK, NO_BASELINE])


def test_cli_text_table(app, fund):
    result = app.test_cli_runner().invoke(args=["fund", "results"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    six = next(line for line in lines if line.startswith("6. "))
    assert six.split()[-6:] == ["5", "2", "3", "33.3%", "off_track,", "no_baseline"]
    twenty_three = next(line for line in lines if line.startswith("23. "))
    assert twenty_three.endswith("—  money_without_results")
    assert "Fund-level outcomes" in result.output
    # The rule in the pages' and the report's words: the way from the baseline to the target.
    assert "reaches less than 50.0% of the way from its baseline" in result.output


def test_indicators_of_a_programme_count_once_it_is_funded(app, fund):
    with app.app_context():
        before = results_coverage({}).objective(1)
        assert before.indicators == 0
        approved = db.session.scalars(select(Proposal).where(Proposal.status == "approved")).one()
        approved.status = "funded"
        db.session.flush()
        after = results_coverage({}).objective(1)
        db.session.rollback()
    assert (after.indicators, after.with_baseline_and_target) == (1, 1)


def test_named_programmes_and_the_yearly_target_only(app, fund):
    with app.app_context():
        only_p2 = results_coverage({}, programme_ids=[fund.p2]).objective(6)
    # i4, i5, i7; i7 has a yearly target and no end target: it has a target.
    assert (only_p2.indicators, only_p2.with_baseline_and_target, only_p2.reported) == (3, 2, 1)


def test_baseline_value_without_year_is_progress_from_it_but_no_baseline(app, fund):
    with app.app_context():
        author = new_user(("applicant",), "ILO")
        proposal = _programme(author, new_open_call().id, "funded")
        outcome = add_outcome(proposal, objectives=(9,))
        indicator = add_indicator(
            outcome, "yearless", targets={2027: D("40")}, actuals={2027: D("30")}
        )
        indicator.baseline_year = None
        db.session.flush()
        row = results_coverage({}).objective(9)
        db.session.rollback()
    # (30 - 20) / (40 - 20) = 0.5: on track; but no baseline year: without baseline.
    assert (row.indicators, row.with_baseline_and_target, row.on_track_share) == (1, 0, D("1"))
    assert row.flags == (NO_BASELINE,)


def test_inactive_fund_outcomes_show_only_with_indicators(app, fund):
    with app.app_context():
        for code in ("FO4", "FO5"):
            fund_outcome(code).active = False
        db.session.flush()
        labels = [row.label for row in results_coverage({}).fund_outcomes]
        db.session.rollback()
    assert labels == ["FO1", "FO2", "FO3", "FO4"]  # FO4 keeps its indicators, FO5 has none


# A fixed number of statements ----------------------------------------------------------------


def _statements() -> int:
    counted = [0]

    def count(*_args) -> None:
        counted[0] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        results_coverage({"objective": {}, "organization": {}})
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return counted[0]


def test_statements_do_not_grow_with_the_programmes(app, backend):
    with app.app_context():
        author = new_user(("applicant",), "ILO")
        call = new_open_call().id
        for n in range(1, 6):
            proposal = _programme(author, call, "funded")
            outcome = add_outcome(proposal, objectives=(6, 18, 7))
            add_indicator(outcome, f"indicator {n}", actuals={2027: D("30")})
            add_indicator(outcome, f"other {n}", baseline=None)
            db.session.commit()
            if n == 1:
                one = _statements()
        five = _statements()
        assert results_coverage({}).objective(6).programmes_with_indicators == 5
        again = _statements()  # nothing changed: the counts kept, the key read instead
    assert five == one == 7
    assert again == 6


def test_the_kept_counts_follow_every_change_of_their_records(app, backend):
    """The counts of every funded programme are kept between requests (`kept_counts`), never
    stale: an actual recorded, an actual's value or a baseline changed in place, a programme
    funded are all seen at the next reading."""
    from fund.proposals.results import IndicatorActual, ResultIndicator

    with app.app_context():
        author = new_user(("applicant",), "ILO")
        call = new_open_call().id
        proposal = _programme(author, call, "funded")
        outcome = add_outcome(proposal, objectives=(6,))
        indicator = add_indicator(
            outcome, "indicator", targets={2027: D("60")}, actuals={2027: D("60")}
        )
        db.session.commit()
        row = results_coverage({}).objective(6)
        assert (row.indicators, row.reported, row.on_track, row.without_baseline) == (1, 1, 1, 0)
        assert results_coverage({}).objective(6) == row  # kept
        # an actual's value changed in place: from the target to the baseline, off track
        db.session.get(IndicatorActual, (indicator.id, 2027)).value = D("20")
        db.session.commit()
        assert results_coverage({}).objective(6).on_track == 0
        # a baseline removed in place: the indicator no longer counts as having one
        db.session.get(ResultIndicator, indicator.id).baseline_value = None
        db.session.commit()
        assert results_coverage({}).objective(6).without_baseline == 1
        # a second programme funded
        other = _programme(author, call, "funded")
        add_indicator(add_outcome(other, objectives=(6,)), "second")
        db.session.commit()
        assert results_coverage({}).objective(6).programmes_with_indicators == 2


def test_the_kept_counts_are_not_made_again_after_a_change_elsewhere(app, backend, monkeypatch):
    """A vote, a draft saved or any other audited change outside the funded programmes' results
    keeps the counts of every funded programme: they are not made again at the next reading."""
    from fund.audit.operations import record
    from fund.results import coverage as results_module

    with app.app_context():
        author = new_user(("applicant",), "ILO")
        call = new_open_call().id
        proposal = _programme(author, call, "funded")
        add_indicator(add_outcome(proposal, objectives=(6,)), "indicator", targets={2027: D("60")})
        draft = new_proposal(author, call_id=call)
        db.session.commit()
        first = results_coverage({}).objective(6)
        made = []
        real = results_module._counts
        monkeypatch.setattr(results_module, "_counts", lambda facts: made.append(1) or real(facts))
        record("proposal_saved", "proposal", draft.id, author)  # the trail moves on elsewhere
        db.session.commit()
        assert results_coverage({}).objective(6) == first
        assert made == []


def test_the_kept_counts_follow_an_outcome_moved_to_another_objective_in_place(app, backend):
    """An outcome's objective changed behind the application (no audit event, no other count
    changed) is seen at the next reading."""
    from fund.proposals.results import result_outcome_objectives as links

    with app.app_context():
        author = new_user(("applicant",), "ILO")
        proposal = _programme(author, new_open_call().id, "funded")
        outcome = add_outcome(proposal, objectives=(6,))
        add_indicator(outcome, "indicator", targets={2027: D("60")})
        db.session.commit()
        assert (
            results_coverage({}).objective(6).indicators,
            results_coverage({}).objective(7).indicators,
        ) == (1, 0)
        db.session.execute(
            links.update().where(links.c.outcome_id == outcome.id).values(objective_number=7)
        )
        db.session.commit()
        moved = results_coverage({})
        assert (moved.objective(6).indicators, moved.objective(7).indicators) == (0, 1)


# The coverage page -----------------------------------------------------------------------------


def test_coverage_page_shows_the_results_flags(app, backend, fund):
    page = app.test_client().get("/coverage/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert '<h2 id="results-title">Results</h2>' in text
    assert "Results flags" in text
    results = text[text.index('id="results-objectives"') :]
    results = results[: results.index("</table>")]

    def cells(key: str) -> list[str]:
        row = results[results.index(f'data-key="results-objectives-{key}"') :]
        row = row[: row.index("</tr>")]
        found = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", c)).split()) for c in found]

    # Objective, funded, money flag, indicators, programmes, baseline and target, on track,
    # results flags: the money flag and the results flags side by side.
    assert cells("23") == [
        "23. International cooperation",
        "214,000.00",  # 9.1% of 2,354,000: between half and three times the target, no flag
        "— no flag",
        "0",
        "0",
        "0",
        "— none reported",
        "Money without results",
    ]
    assert cells("6")[3:] == ["5", "2", "3", "33.3% of 3", "Off track No baseline"]
    assert cells("7")[3:] == ["1", "1", "1", "100.0% of 1", "— no results flag"]
    outcomes = text[text.index('id="results-fund-outcomes"') :]
    assert "flag-money_without_results" in outcomes[: outcomes.index("</table>")]
    # The legend in words.
    assert "no funded programme has an indicator for it" in text
    assert "less than 50.0% of the way from its baseline" in text
    # With a filter the page still answers, the results counted over every funded programme.
    filtered = app.test_client().get("/coverage/?date_from=2099-01-01")
    assert filtered.status_code == 200
    assert "flag-money_without_results" in filtered.get_data(as_text=True)


# The allocation report -------------------------------------------------------------------------


def test_allocation_report_has_a_results_table(app, fund):
    with app.app_context():
        report = build_allocation_report(app.config, generated_at=utcnow())
        pdf = render_allocation_report(report)
    assert report.results.objective(6).indicators == 5
    assert report.results.objective(23).flags == (MONEY_WITHOUT_RESULTS,)
    _, text = pdf_text(pdf)
    section = text[text.index("Results by GCM objective") : text.index("Results by fund-level")]
    flat = " ".join(section.split())
    # Objective 6: no money flag, 5 indicators, 2 programmes, 3 with baseline and target, 1 of
    # the 3 reported on track, off track and without baseline.
    assert "5 2 3 33.33% of 3 Off track, No baseline" in flat
    assert "Money without results" in flat
    assert "of the way from its baseline" in " ".join(text.split())


def test_cli_text_table_writes_a_share_as_the_language_does(app, fund):
    """The command's table writes the share on track as `fund.i18n.percent` writes it in the
    command's language: in French a no-break space before the sign, as on the pages."""
    result = app.test_cli_runner().invoke(args=["fund", "results"], env={"FUND_LANGUAGE": "fr"})
    assert result.exit_code == 0, result.output
    six = next(line for line in result.output.splitlines() if line.startswith("6. "))
    assert "33,3\u00a0%" in six, six

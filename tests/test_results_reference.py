"""The results reference the secretariat keeps: the fund's results framework (fund-level
outcomes and their indicators) and the Migration Governance Indicators (the indicators, each
country's assessments and their scores). Every change is audited; bad input keeps what was
typed and changes nothing; a code is unique by the database's index."""

from __future__ import annotations

import re
from html import unescape

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from fund.extensions import db
from fund.proposals.models import Proposal
from fund.reference.models import GcmObjective
from fund.reference.results import (
    FundIndicator,
    FundOutcome,
    MgiAssessment,
    MgiIndicator,
    MgiScore,
)
from fund.results import operations
from tests.helpers import audit_events, client_for, counted_get, csrf_token, user
from tests.results_factories import add_indicator, add_outcome, mgi_gap
from tests.test_security_fuzz import _submit, field, fields, fuzz, many


def _outcome(app, code: str) -> FundOutcome | None:
    with app.app_context():
        found = db.session.scalar(select(FundOutcome).where(FundOutcome.code == code))
        if found is not None:
            db.session.expunge(found)
        return found


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _value(html: str, name: str) -> str | None:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', html
    )
    return match.group(1) if match else None


def _key(html: str) -> str:
    return _value(html, "form_key") or ""


def _post_form(client, path: str, data: dict[str, object]):
    """Post `data` to the form of `path` with its token and its one-time key (if it has one)."""
    html = client.get(path).get_data(as_text=True)
    fields = {"csrf_token": csrf_token(client, path)}
    if key := _key(html):
        fields["form_key"] = key
    return client.post(path, data=fields | data)


# The fund's results framework --------------------------------------------------------------


def test_framework_page_lists_the_seeded_outcomes_with_their_indicators(app, client, secretariat):
    page = client.get("/results/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    with app.app_context():
        outcomes = db.session.scalars(select(FundOutcome).order_by(FundOutcome.position)).all()
        assert outcomes, "the seed has one outcome per thematic area"
        for outcome in outcomes:
            assert outcome.code in html
            for indicator in outcome.indicators:
                assert indicator.text in html
    assert "Add a fund-level outcome" in html
    assert '<a href="/results/"' in html  # the navigation's one Results entry


def test_the_committee_reads_the_framework_without_editing(app, client, login_as):
    login_as("committee", organization_acronym="UNHCR")
    html = client.get("/results/").get_data(as_text=True)
    assert "Add a fund-level outcome" not in html and "/results/outcomes/" not in html
    assert client.get("/results/outcomes/new").status_code == 403
    assert client.get("/results/mgi/").status_code == 403


def test_adding_and_editing_an_outcome_is_audited(app, client, secretariat):
    added = _post_form(
        client,
        "/results/outcomes/new",
        {
            "code": "FO9",
            "title": "Returns are safe and dignified",
            "thematic_area_code": "",
            "active": "y",
        },
    )
    assert added.status_code == 302 and added.headers["Location"].endswith("/results/")
    outcome = _outcome(app, "FO9")
    assert (outcome.title, outcome.thematic_area_code, outcome.active) == (
        "Returns are safe and dignified",
        None,
        True,
    )
    (event,) = audit_events(app, "fund_outcome_added", outcome.id)
    assert event.details["code"] == [None, "FO9"] and event.actor_id == secretariat.id

    with app.app_context():
        area = db.session.scalar(
            select(FundOutcome.thematic_area_code).where(FundOutcome.code == "FO4")
        )
    changed = _post_form(
        client,
        f"/results/outcomes/{outcome.id}",
        {"code": "FO9", "title": "Returns are safe", "thematic_area_code": area},  # active unticked
    )
    assert changed.status_code == 302
    outcome = _outcome(app, "FO9")
    assert (outcome.title, outcome.thematic_area_code, outcome.active) == (
        "Returns are safe",
        area,
        False,
    )
    (event,) = audit_events(app, "fund_outcome_changed", outcome.id)
    assert event.details == {
        "title": ["Returns are safe and dignified", "Returns are safe"],
        "thematic_area_code": [None, area],
        "active": [True, False],
    }


def test_a_duplicate_code_is_refused_at_its_field_keeping_what_was_typed(
    app, backend, client, secretariat
):
    before = _count(app, FundOutcome)
    refused = _post_form(
        client,
        "/results/outcomes/new",
        {"code": "FO4", "title": "A second outcome with a taken code", "active": "y"},
    )
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "Another fund-level outcome has the code “FO4”." in html
    assert 'id="code-error"' in html
    assert "A second outcome with a taken code</textarea>" in html
    assert _count(app, FundOutcome) == before
    assert audit_events(app, "fund_outcome_added") == []

    # The same on the edit form: another outcome's code.
    fo1 = _outcome(app, "FO1")
    refused = _post_form(
        client, f"/results/outcomes/{fo1.id}", {"code": "FO4", "title": fo1.title, "active": "y"}
    )
    assert refused.status_code == 400
    assert "Another fund-level outcome has the code “FO4”." in refused.get_data(as_text=True)
    assert _outcome(app, "FO1").title == fo1.title


def test_a_duplicate_code_is_refused_by_the_database(app, backend, secretariat):
    """The code's uniqueness is the database's: the operation has no check of its own."""
    with app.app_context():
        values = operations.OutcomeValues("FO4", "Twin", None, True)
        with pytest.raises(operations.ResultsRefused) as refused:
            operations.save_fund_outcome(user(secretariat), None, values)
        assert refused.value.field == "code"
        db.session.rollback()


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"code": "", "title": "Something"}, "code", "Give the outcome a code."),
        ({"code": "FO8", "title": "  "}, "title", "Give the outcome a title."),
        ({"code": "F" * 13, "title": "Something"}, "code", "at most 12"),
        (
            {"code": "FO8", "title": "Something", "thematic_area_code": "NOPE"},
            "thematic_area_code",
            "list",
        ),
        ({"code": "FO\n8", "title": "Something"}, "code", "Keep this on one line"),
    ],
)
def test_bad_outcome_input_is_shown_at_its_field(app, client, secretariat, data, field, message):
    before = _count(app, FundOutcome)
    refused = _post_form(client, "/results/outcomes/new", data)
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert f'id="{field}-error"' in html and message in html
    assert _count(app, FundOutcome) == before


def test_an_outcome_programmes_map_to_is_deactivated_not_removed(
    app, client, author, secretariat, make_proposal
):
    proposal_id = make_proposal(author)  # its framework maps to FO4
    fo4 = _outcome(app, "FO4")
    page = client.get(f"/results/outcomes/{fo4.id}").get_data(as_text=True)
    assert "1 programme outcome maps to FO4" in page
    assert f"/results/outcomes/{fo4.id}/remove" not in page

    token = csrf_token(client, "/results/")
    refused = client.post(f"/results/outcomes/{fo4.id}/remove", data={"csrf_token": token})
    assert refused.status_code == 400
    assert "Deactivate it instead." in refused.get_data(as_text=True)
    assert _outcome(app, "FO4") is not None
    assert audit_events(app, "fund_outcome_removed") == []

    # Once no programme outcome maps to it, it goes, with its indicators.
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        proposal.outcomes.clear()
        db.session.commit()
        indicators = db.session.scalar(
            select(func.count())
            .select_from(FundIndicator)
            .where(FundIndicator.fund_outcome_id == fo4.id)
        )
    removed = client.post(f"/results/outcomes/{fo4.id}/remove", data={"csrf_token": token})
    assert removed.status_code == 302
    assert _outcome(app, "FO4") is None
    (event,) = audit_events(app, "fund_outcome_removed", fo4.id)
    assert event.details["code"] == "FO4" and len(event.details["indicators"]) == indicators
    with app.app_context():
        assert not db.session.scalar(
            select(func.count())
            .select_from(FundIndicator)
            .where(FundIndicator.fund_outcome_id == fo4.id)
        )


def test_indicators_of_an_outcome_are_added_edited_and_removed(app, client, secretariat):
    fo1 = _outcome(app, "FO1")
    before = _count(app, FundIndicator)
    path = f"/results/outcomes/{fo1.id}/indicators/new"

    empty = _post_form(client, path, {"text": " ", "unit": "people"})
    assert empty.status_code == 400
    html = empty.get_data(as_text=True)
    assert "Say what the indicator measures." in html and _value(html, "unit") == "people"
    assert _count(app, FundIndicator) == before

    added = _post_form(client, path, {"text": "Migrants reached by services", "unit": "people"})
    assert added.status_code == 302 and added.headers["Location"].endswith(
        f"/results/outcomes/{fo1.id}"
    )
    with app.app_context():
        indicator = db.session.scalar(
            select(FundIndicator).where(FundIndicator.text == "Migrants reached by services")
        )
        indicator_id, position = indicator.id, indicator.position
        last = db.session.scalar(
            select(func.max(FundIndicator.position)).where(FundIndicator.fund_outcome_id == fo1.id)
        )
    assert position == last
    (event,) = audit_events(app, "fund_indicator_added", fo1.id)
    assert event.details == {
        "indicator": indicator_id,
        "text": [None, "Migrants reached by services"],
        "unit": [None, "people"],
    }
    assert "Migrants reached by services" in client.get("/results/").get_data(as_text=True)

    edited = _post_form(
        client,
        f"/results/indicators/{indicator_id}",
        {"text": "Migrants reached", "unit": "people"},
    )
    assert edited.status_code == 302
    (event,) = audit_events(app, "fund_indicator_changed", fo1.id)
    assert event.details == {
        "indicator": indicator_id,
        "text": ["Migrants reached by services", "Migrants reached"],
    }

    token = csrf_token(client, "/results/")
    removed = client.post(f"/results/indicators/{indicator_id}/remove", data={"csrf_token": token})
    assert removed.status_code == 302
    with app.app_context():
        assert db.session.get(FundIndicator, indicator_id) is None
    (event,) = audit_events(app, "fund_indicator_removed", fo1.id)
    assert event.details["text"] == "Migrants reached"


def test_a_new_outcome_sent_twice_is_made_once(app, client, secretariat):
    path = "/results/outcomes/new"
    html = client.get(path).get_data(as_text=True)
    data = {
        "csrf_token": csrf_token(client, path),
        "form_key": _key(html),
        "code": "FO10",
        "title": "Sent twice",
        "active": "y",
    }
    assert client.post(path, data=data).status_code == 302
    again = client.post(path, data=data)
    assert again.status_code == 302
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(FundOutcome).where(FundOutcome.code == "FO10")
            )
            == 1
        )


# MGI indicators ----------------------------------------------------------------------------


def test_mgi_indicators_are_entered_and_listed_by_domain(app, client, secretariat):
    assert "No MGI indicator entered yet" in client.get("/results/mgi/").get_data(as_text=True)
    added = _post_form(
        client,
        "/results/mgi/new",
        {
            "code": "2.1.1",
            "text": "Migrants have equal access to health care",
            "domain_code": "D2",
            "objectives": ["15", "7"],
        },
    )
    assert added.status_code == 302
    _post_form(
        client,
        "/results/mgi/new",
        {"code": "1.1.1", "text": "Labour rights apply to migrant workers", "domain_code": "D1"},
    )
    with app.app_context():
        indicator = db.session.scalar(select(MgiIndicator).where(MgiIndicator.code == "2.1.1"))
        assert [o.number for o in indicator.objectives] == [7, 15]
        indicator_id = indicator.id
    (event,) = audit_events(app, "mgi_indicator_added", indicator_id)
    assert event.details["objectives"] == [[], [7, 15]]
    assert event.details["domain_code"] == [None, "D2"]

    html = client.get("/results/mgi/").get_data(as_text=True)
    # Grouped by domain, in the domains' order: D1 before D2.
    assert html.index("1.1.1") < html.index('id="domain-D2"') < html.index("2.1.1")
    assert "7, 15" in html

    changed = _post_form(
        client,
        f"/results/mgi/{indicator_id}",
        {
            "code": "2.1.1",
            "text": "Migrants have equal access to health care",
            "domain_code": "D2",
            "objectives": ["15"],
        },
    )
    assert changed.status_code == 302
    (event,) = audit_events(app, "mgi_indicator_changed", indicator_id)
    assert event.details == {"objectives": [[7, 15], [15]]}


def test_bad_mgi_indicator_input_keeps_what_was_typed(app, backend, client, secretariat):
    mgi_path = "/results/mgi/new"
    first = _post_form(client, mgi_path, {"code": "3.1", "text": "First", "domain_code": "D3"})
    assert first.status_code == 302
    duplicate = _post_form(
        client,
        mgi_path,
        {"code": "3.1", "text": "A twin of the first", "domain_code": "D3", "objectives": ["4"]},
    )
    assert duplicate.status_code == 400
    html = duplicate.get_data(as_text=True)
    assert "Another MGI indicator has the code “3.1”." in html and 'id="code-error"' in html
    assert "A twin of the first</textarea>" in html
    assert re.search(r'value="4"[^>]*checked|checked[^>]*value="4"', html)
    assert _count(app, MgiIndicator) == 1

    no_domain = _post_form(client, mgi_path, {"code": "3.2", "text": "Second", "domain_code": ""})
    assert no_domain.status_code == 400
    assert "Choose the policy domain." in no_domain.get_data(as_text=True)
    bad_objective = _post_form(
        client,
        mgi_path,
        {"code": "3.2", "text": "Second", "domain_code": "D3", "objectives": ["24"]},
    )
    assert bad_objective.status_code == 400
    assert _count(app, MgiIndicator) == 1


def test_an_mgi_indicator_named_by_a_baseline_stays(
    app, client, author, secretariat, make_proposal
):
    proposal_id = make_proposal(author)
    with app.app_context():
        score = mgi_gap()
        indicator_id, assessment_id = score.indicator_id, score.assessment_id
        outcome = db.session.get(Proposal, proposal_id).outcomes[0]
        add_indicator(outcome, "MGI baseline", source="mgi").mgi_indicator_id = indicator_id
        db.session.commit()
    token = csrf_token(client, "/results/")
    refused = client.post(f"/results/mgi/{indicator_id}/remove", data={"csrf_token": token})
    assert refused.status_code == 400
    assert "takes its baseline" in refused.get_data(as_text=True)
    refused = client.post(
        f"/results/mgi/assessments/{assessment_id}/remove", data={"csrf_token": token}
    )
    assert refused.status_code == 302  # no baseline names the assessment: removable
    assert _count(app, MgiAssessment) == 0
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        proposal.outcomes.clear()
        db.session.commit()
    removed = client.post(f"/results/mgi/{indicator_id}/remove", data={"csrf_token": token})
    assert removed.status_code == 302
    assert _count(app, MgiIndicator) == 0
    assert len(audit_events(app, "mgi_indicator_removed", indicator_id)) == 1


def test_an_assessment_named_by_a_baseline_stays(app, client, author, secretariat, make_proposal):
    proposal_id = make_proposal(author)
    with app.app_context():
        score = mgi_gap()
        outcome = db.session.get(Proposal, proposal_id).outcomes[0]
        baseline = add_indicator(outcome, "MGI baseline", source="mgi")
        baseline.mgi_indicator_id, baseline.mgi_assessment_id = (
            score.indicator_id,
            score.assessment_id,
        )
        db.session.commit()
        assessment_id = score.assessment_id
    token = csrf_token(client, "/results/")
    refused = client.post(
        f"/results/mgi/assessments/{assessment_id}/remove", data={"csrf_token": token}
    )
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "1 programme indicator takes its baseline from this assessment" in html
    assert 'name="link" type="text" value="https://example.org/mgi/cl-2023"' in html
    assert _count(app, MgiAssessment) == 1
    assert audit_events(app, "mgi_assessment_removed") == []


def test_the_assessment_page_offers_removal_only_when_no_baseline_names_it(
    app, client, author, secretariat, make_proposal
):
    """The page offers "Remove this assessment" by the rule the removal refuses by (`uses`),
    as the outcome's and the MGI indicator's pages do."""
    proposal_id = make_proposal(author)
    with app.app_context():
        score = mgi_gap()
        named = (score.indicator_id, score.assessment_id)
        assessment_id = score.assessment_id
        db.session.commit()
    path = f"/results/mgi/assessments/{assessment_id}"
    assert "Remove this assessment" in client.get(path).get_data(as_text=True)
    with app.app_context():
        outcome = db.session.get(Proposal, proposal_id).outcomes[0]
        baseline = add_indicator(outcome, "MGI baseline", source="mgi")
        baseline.mgi_indicator_id, baseline.mgi_assessment_id = named
        db.session.commit()
    page = client.get(path).get_data(as_text=True)
    assert "Remove this assessment" not in page
    assert "1 programme indicator takes its baseline from this assessment, so it stays." in page


# MGI assessments and scores ----------------------------------------------------------------


def test_assessments_are_recorded_once_per_country_and_year(app, backend, client, secretariat):
    path = "/results/mgi/assessments"
    added = _post_form(
        client, path, {"country": "CL", "year": "2023", "link": "https://example.org/mgi/cl"}
    )
    assert added.status_code == 302
    with app.app_context():
        assessment = db.session.scalar(select(MgiAssessment))
        assert (assessment.country_iso2, assessment.year) == ("CL", 2023)
        assessment_id = assessment.id
    (event,) = audit_events(app, "mgi_assessment_added", assessment_id)
    assert event.details == {"country": "CL", "year": 2023, "link": "https://example.org/mgi/cl"}

    twice = _post_form(client, path, {"country": "CL", "year": "2023", "link": "https://x.org"})
    assert twice.status_code == 400
    html = twice.get_data(as_text=True)
    assert "Chile already has an MGI assessment of 2023." in html and 'id="year-error"' in html
    assert _value(html, "link") == "https://x.org"
    assert _count(app, MgiAssessment) == 1

    for data, message in [
        ({"country": "", "year": "2023"}, "Choose the country."),
        ({"country": "CL", "year": "1999"}, "from 2000 to 2100"),
        ({"country": "CL", "year": "2021", "link": "ftp://x"}, "starting with https://"),
        ({"country": "ZZ", "year": "2021"}, "Choose the country from the list."),
    ]:
        refused = _post_form(client, path, data)
        assert refused.status_code == 400, data
        assert message in refused.get_data(as_text=True), data
    assert _count(app, MgiAssessment) == 1

    listing = client.get(path, query_string={"country": "CL"}).get_data(as_text=True)
    assert "Chile" in listing and "2023" in listing
    assert "No MGI assessment recorded for this country" in client.get(
        path, query_string={"country": "PE"}
    ).get_data(as_text=True)


def test_an_assessment_scores_each_indicator_on_one_form(app, client, secretariat):
    with app.app_context():
        gap = mgi_gap("CL", "1.1", score="partial")
        other = MgiIndicator(code="4.2", text="Diaspora engagement", domain_code="D4")
        db.session.add(other)
        db.session.commit()
        assessment_id, first_id, other_id = gap.assessment_id, gap.indicator_id, other.id
    path = f"/results/mgi/assessments/{assessment_id}"
    html = client.get(path).get_data(as_text=True)
    assert re.search(r'<option selected value="partial">', html)
    assert "Not assessed" in html

    bad = _post_form(
        client,
        path,
        {
            "link": "https://example.org/new",
            f"score_{first_id}": "nonsense",
            f"score_{other_id}": "complete",
        },
    )
    assert bad.status_code == 400
    assert _value(bad.get_data(as_text=True), "link") == "https://example.org/new"
    with app.app_context():
        assert db.session.get(MgiScore, (assessment_id, first_id)).score == "partial"
        assert db.session.get(MgiScore, (assessment_id, other_id)) is None

    saved = _post_form(
        client,
        path,
        {"link": "https://example.org/new", f"score_{first_id}": "", f"score_{other_id}": "absent"},
    )
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.get(MgiScore, (assessment_id, first_id)) is None  # not assessed
        assert db.session.get(MgiScore, (assessment_id, other_id)).score == "absent"
        assert db.session.get(MgiAssessment, assessment_id).link == "https://example.org/new"
    (event,) = audit_events(app, "mgi_scores_recorded", assessment_id)
    assert event.details["scores"] == {"1.1": ["partial", None], "4.2": [None, "absent"]}
    assert event.details["link"] == ["https://example.org/mgi/cl-2023", "https://example.org/new"]

    listing = client.get("/results/mgi/assessments").get_data(as_text=True)
    assert re.search(r'<td class="num">1</td>\s*<td class="num">1</td>', listing)


def test_the_results_pages_refuse_other_roles(app, create_user):
    for roles in (("applicant",), ("admin",)):
        person = create_user(
            roles=roles, organization_acronym="ILO" if "applicant" in roles else None
        )
        client = client_for(app, person)
        for path in (
            "/results/",
            "/results/mgi/",
            "/results/mgi/assessments",
            "/results/outcomes/new",
        ):
            assert client.get(path).status_code == 403, (roles, path)


def test_operations_are_the_secretariat_s(app, create_user):
    committee = create_user(roles=("committee",), organization_acronym="UNHCR")
    with app.app_context():
        outcome = db.session.scalar(select(FundOutcome).where(FundOutcome.code == "FO1"))
        with pytest.raises(operations.ResultsRefused):
            operations.save_fund_outcome(
                user(committee), outcome, operations.OutcomeValues("FO1", "x", None, True)
            )
        with pytest.raises(operations.ResultsRefused):
            operations.add_assessment(user(committee), "CL", 2024, "")


def test_a_programme_outcome_can_map_to_a_new_fund_outcome(app, author, make_proposal):
    """The framework page counts the programme outcomes mapped to each fund outcome."""
    from fund.results.reference_queries import framework

    proposal_id = make_proposal(author)
    with app.app_context():
        add_outcome(db.session.get(Proposal, proposal_id), "Second", fund_outcome_code="FO4")
        counts = {row.outcome.code: row.programme_outcomes for row in framework()}
    assert counts["FO4"] == 2 and counts["FO1"] == 0


# Statements ----------------------------------------------------------------------------------


def _statements(app, client, path: str) -> int:
    with app.app_context():
        engine = db.engine
    response, counted = counted_get(client, engine, path)
    assert response.status_code == 200
    return counted


def _grow(app, start: int, count: int) -> None:
    """`count` more MGI indicators (across the domains, each with two objectives), Chilean
    assessments scoring every one, and indicators of the fund's outcomes."""
    with app.app_context():
        objectives = [db.session.get(GcmObjective, n) for n in (3, 17)]
        indicators = [
            MgiIndicator(
                code=f"9.{start + n}",
                text=f"Indicator {start + n}",
                domain_code=f"D{n % 6 + 1}",
                objectives=objectives,
            )
            for n in range(count)
        ]
        db.session.add_all(indicators)
        for outcome in db.session.scalars(select(FundOutcome)):
            outcome.indicators.extend(
                FundIndicator(text=f"Measure {start + n}", unit="%") for n in range(count)
            )
        for year in range(2000 + start, 2000 + start + count):
            assessment = MgiAssessment(country_iso2="CL", year=year, link="https://example.org")
            assessment.scores = [MgiScore(indicator=i, score="partial") for i in indicators]
            db.session.add(assessment)
        db.session.commit()


def test_the_pages_send_as_many_statements_whatever_the_data(
    app, client, secretariat, author, make_proposal
):
    make_proposal(author)
    paths = ["/results/", "/results/mgi/", "/results/mgi/assessments?country=CL"]
    _grow(app, 0, 2)
    with app.app_context():
        first = db.session.scalar(select(MgiAssessment.id).order_by(MgiAssessment.id))
        fo4 = db.session.scalar(select(FundOutcome.id).where(FundOutcome.code == "FO4"))
    paths += [f"/results/mgi/assessments/{first}", f"/results/outcomes/{fo4}"]
    small = {path: _statements(app, client, path) for path in paths}
    _grow(app, 2, 30)
    large = {path: _statements(app, client, path) for path in paths}
    assert small == large
    assert max(large.values()) <= 8, large


# Hostile input --------------------------------------------------------------------------------


def test_the_results_forms_take_any_input_without_a_server_error(app, backend, client, secretariat):
    """Whatever is sent: never 5xx; refused, nothing changes; accepted, audited."""
    with app.app_context():
        score = mgi_gap()
        fo1 = db.session.scalar(select(FundOutcome.id).where(FundOutcome.code == "FO1"))
        db.session.commit()
        indicator, assessment = score.indicator_id, score.assessment_id
    token = csrf_token(client, "/results/")

    @fuzz(backend)
    @given(
        st.sampled_from(
            [
                (
                    ["/results/outcomes/new", f"/results/outcomes/{fo1}"],
                    fields(
                        code=field("FO11", "FO4"),
                        title=field("An outcome"),
                        thematic_area_code=field("", "TA1", "TA9"),
                        active=field("y", ""),
                    ),
                ),
                (
                    [f"/results/outcomes/{fo1}/indicators/new"],
                    fields(text=field("Measure"), unit=field("%")),
                ),
                (
                    ["/results/mgi/new", f"/results/mgi/{indicator}"],
                    fields(
                        code=field("7.7", "MGI-1.1"),
                        text=field("Text"),
                        domain_code=field("D1", "D7", ""),
                        objectives=many("1", "23", "24", "0"),
                    ),
                ),
                (
                    ["/results/mgi/assessments"],
                    fields(
                        country=field("PE", "CL", "XX"),
                        year=field("2024", "2023", "1999"),
                        link=field("https://example.org", "javascript:alert(1)"),
                    ),
                ),
                (
                    [f"/results/mgi/assessments/{assessment}"],
                    fields(
                        link=field("https://example.org"),
                        **{f"score_{indicator}": field("absent", "partial", "complete", "")},
                    ),
                ),
            ]
        ).flatmap(lambda form: st.tuples(st.sampled_from(form[0]), form[1]))
    )
    def run(sent):
        path, data = sent
        _submit(app, client, path, data | {"csrf_token": token})

    run()


def test_a_duplicate_code_is_refused_in_the_pages_language(app, client, secretariat):
    client.get("/?lang=fr")  # the language is kept in a cookie for the next pages
    refused = _post_form(
        client, "/results/outcomes/new", {"code": "FO4", "title": "Taken", "active": "y"}
    )
    assert refused.status_code == 400
    html = unescape(refused.get_data(as_text=True))
    assert "Un autre résultat au niveau du fonds porte le code « FO4 »." in html
    assert "Another fund-level outcome" not in html


def test_a_sentence_that_follows_a_number_takes_the_languages_plural(app):
    from flask_babel import force_locale

    from fund.sentences import Counted, Np_, said

    forms = Np_(
        "%(num)s programme outcome maps to “%(code)s”: it cannot be removed. Deactivate it "
        "instead.",
        "%(num)s programme outcomes map to “%(code)s”: it cannot be removed. Deactivate it "
        "instead.",
    )
    one, two = Counted(forms, 1, code="FO4"), Counted(forms, 2, code="FO4")
    assert one.startswith("1 programme outcome maps to “FO4”")
    assert two.startswith("2 programme outcomes map to “FO4”")
    with app.test_request_context("/"), force_locale("fr"):
        assert said(one).startswith("1 résultat de programme se rattache à « FO4 »")
        assert said(two).startswith("2 résultats de programme se rattachent à « FO4 »")


def test_an_mgi_indicators_objectives_are_named_in_the_pages_language(client, secretariat):
    """The choice of GCM objectives shows each objective's official title in the page's
    language, as every other page names them."""
    page = unescape(
        client.get("/results/mgi/new", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    )
    assert "1. Collecter et utiliser des données précises et ventilées" in page
    assert "1. Collect and utilize accurate and disaggregated data" not in page
    english = unescape(client.get("/results/mgi/new").get_data(as_text=True))
    assert "1. Collect and utilize accurate and disaggregated data" in english


def test_the_form_and_the_operation_say_the_assessment_years_alike(app, secretariat):
    """One rule for the years of an assessment (`ASSESSMENT_YEARS`): the operation refuses a
    year out of it with the form's sentence, in every language, its years written plainly."""
    from fund.results.forms import AssessmentForm

    for lang, expected in (
        ("en", "Give the year of the assessment, from 2000 to 2100."),
        ("fr", "Indiquez l'année de l'évaluation, de 2000 à 2100."),
    ):
        with app.test_request_context(f"/?lang={lang}"):
            with pytest.raises(operations.ResultsRefused) as refused:
                operations.add_assessment(user(secretariat), "CL", 1999, "")
            assert unescape(refused.value.said()) == expected
            form = AssessmentForm(data={"country": "CL", "year": 1999}, meta={"csrf": False})
            form.validate()
            assert [str(e) for e in form.year.errors] == [expected]

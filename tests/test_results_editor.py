"""The applicant's results framework editor: a draft's outcomes, outputs and indicators saved
without JavaScript, rows added and removed, bad input kept with nothing changed, a stale form
refused, who may use it, and the submission checks of a framework."""

from __future__ import annotations

import html
import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from fund.extensions import db, utcnow
from fund.proposals import operations
from fund.proposals.checks import submission_problems
from fund.proposals.models import Proposal
from fund.proposals.results import (
    IndicatorTarget,
    ResultIndicator,
    ResultOutcome,
    ResultOutput,
)
from fund.proposals.results_editing import OutcomeValues, StaleFramework, save_framework
from tests.factories import new_open_call
from tests.helpers import audit_events, client_for, counted_get, csrf_token, org_id, user
from tests.results_factories import add_framework, add_indicator, add_outcome, fund_outcome, mgi_gap

START = date(2027, 3, 1)  # with 24 months: targets for 2027, 2028 and 2029


@pytest.fixture
def draft(app: Flask, author, make_proposal) -> int:
    """A complete draft of ILO (with IOM), in Chile, starting 1 March 2027 for 24 months,
    without a results framework yet."""
    proposal_id = make_proposal(author, planned_start=START, duration_months=24)
    with app.app_context():
        db.session.get(Proposal, proposal_id).outcomes = []
        db.session.commit()
    return proposal_id


@pytest.fixture
def owner(app: Flask, author) -> FlaskClient:
    return client_for(app, author)


def _path(proposal_id: int) -> str:
    return f"/proposals/{proposal_id}/results"


def _form(client: FlaskClient, proposal_id: int) -> dict[str, Any]:
    """The fields of the editor as the page shows them (text, hidden, selected options,
    ticked boxes), ready to post back."""
    page = client.get(_path(proposal_id)).get_data(as_text=True)
    data: dict[str, Any] = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        if not name or (kind and kind.group(1) in ("submit",)):
            continue
        value = re.search(r'value="([^"]*)"', tag)
        if kind and kind.group(1) == "checkbox":
            if "checked" in tag:
                data.setdefault(name.group(1), []).append(value.group(1) if value else "y")
            continue
        data[name.group(1)] = value.group(1) if value else ""
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option selected value="([^"]*)"', body)
        data[name] = chosen.group(1) if chosen else ""
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S):
        data[name] = body.strip()
    return data


def _framework(client: FlaskClient, proposal_id: int, **changes: Any) -> dict[str, Any]:
    """The page's form filled with one outcome, one output and one indicator with a baseline
    and targets, then `changes` (field names with `__` for `-`)."""
    data = _form(client, proposal_id)
    o, i = "outcomes-0-", "outcomes-0-indicators-0-"
    data |= {
        f"{o}title": "Migrant workers are recruited fairly",
        f"{o}fund_outcome_id": str(_fund_outcome_id()),
        f"{o}objectives": ["6"],
        f"{o}sdg_targets": ["8.8", "10.7.1"],
        f"{o}outputs-0-title": "Recruitment agencies trained",
        f"{i}definition": "Share of migrant workers who paid no recruitment fee",
        f"{i}unit": "%",
        f"{i}output": "1",
        f"{i}baseline_value": "12.5",
        f"{i}baseline_year": "2025",
        f"{i}baseline_source": "national_statistic",
        f"{i}baseline_link": "https://example.org/survey",
        f"{i}targets-0-value": "20",
        f"{i}targets-1-value": "35.25",
        f"{i}targets-2-value": "",
        f"{i}end_target": "60",
        f"{i}by_sex": "y",
        f"{i}means_of_verification": "Survey of recruited workers",
        f"{i}responsible_organization_id": str(org_id("ILO")),
    }
    for key, value in changes.items():
        data[key.replace("__", "-")] = value
    return data


def _fund_outcome_id() -> int:
    return fund_outcome("FO4").id


def _counts(app: Flask, proposal_id: int) -> tuple[int, int, int, int, int]:
    """Outcomes, outputs, indicators and targets of the proposal, and its version."""
    with app.app_context():
        outcomes = select(ResultOutcome.id).where(ResultOutcome.proposal_id == proposal_id)
        indicators = select(ResultIndicator.id).where(ResultIndicator.outcome_id.in_(outcomes))
        return (
            db.session.scalar(select(func.count()).select_from(outcomes.subquery())),
            db.session.scalar(select(func.count()).where(ResultOutput.outcome_id.in_(outcomes))),
            db.session.scalar(select(func.count()).select_from(indicators.subquery())),
            db.session.scalar(
                select(func.count()).where(IndicatorTarget.indicator_id.in_(indicators))
            ),
            db.session.get(Proposal, proposal_id).version,
        )


# Saving --------------------------------------------------------------------------------------


def test_the_framework_is_saved_with_decimal_values_and_the_programme_years(
    app, backend, author, draft
):
    owner = client_for(app, author)
    page = owner.get(_path(draft)).get_data(as_text=True)
    assert "Outcome 1" in page and "Target of indicator 1.1 for 2029" in page
    before = _counts(app, draft)
    with app.app_context():
        data = _framework(owner, draft)
    response = owner.post(_path(draft), data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/proposals/{draft}")
    with app.app_context():
        proposal = db.session.get(Proposal, draft)
        (outcome,) = proposal.outcomes
        assert outcome.title == "Migrant workers are recruited fairly"
        assert outcome.fund_outcome.code == "FO4"
        assert [o.number for o in outcome.objectives] == [6]
        assert sorted(s.code for s in outcome.sdg_targets) == ["10.7.1", "8.8"]
        (output,) = outcome.outputs
        (indicator,) = outcome.indicators
        assert indicator.output_id == output.id
        assert indicator.baseline_value == Decimal("12.5")
        assert isinstance(indicator.baseline_value, Decimal)
        assert (indicator.baseline_year, indicator.baseline_source) == (2025, "national_statistic")
        assert {t.year: t.value for t in indicator.targets} == {
            2027: Decimal("20"),
            2028: Decimal("35.25"),
        }
        assert indicator.end_target == Decimal("60")
        assert (indicator.by_sex, indicator.by_age, indicator.by_migration_status) == (
            True,
            False,
            False,
        )
        assert indicator.responsible_organization.acronym == "ILO"
        assert indicator.mgi_indicator_id is None
    after = _counts(app, draft)
    assert after[:4] == (1, 1, 1, 2) and after[4] == before[4] + 1
    (event,) = audit_events(app, "proposal_results_saved", draft)
    assert event.details == {"outcomes": 1, "outputs": 1, "indicators": 1}
    # Shown again as saved: the values as typed.
    page = owner.get(_path(draft)).get_data(as_text=True)
    assert 'value="12.5"' in page and 'value="35.25"' in page


def test_bad_input_keeps_what_was_typed_says_why_at_each_field_and_changes_nothing(
    app, backend, author, draft
):
    owner = client_for(app, author)
    with app.app_context():
        add_framework(db.session.get(Proposal, draft))
        db.session.commit()
    before = _counts(app, draft)
    with app.app_context():
        data = _framework(
            owner,
            draft,
            outcomes__0__title="A new title typed",
            outcomes__0__indicators__0__baseline_value="12,5",
            outcomes__0__indicators__0__baseline_year="20x5",
            outcomes__0__indicators__0__baseline_link="ftp://files",
            outcomes__0__indicators__0__targets__1__value="lots",
            outcomes__0__indicators__0__end_target="1e3",
        )
    response = owner.post(_path(draft), data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Enter the baseline as a number, e.g. 12.5" in page
    assert f"Enter the baseline year as a year between 1990 and {utcnow().year}, e.g. 2024." in page
    assert "Enter the link as a web address starting with https://" in page
    assert "Enter the target as a number" in page and "Enter the end target as a number" in page
    assert "Outcome 1, indicator 1, baseline value:" in page  # the summary names the row
    for typed in ("A new title typed", "12,5", "20x5", "ftp://files", "lots", "1e3"):
        assert f'value="{typed}"' in page
    assert 'aria-invalid="true"' in page
    assert _counts(app, draft) == before
    assert audit_events(app, "proposal_results_saved", draft) == []


def test_a_baseline_year_after_this_year_is_refused_at_its_field(app, author, draft, owner):
    """A baseline is a measurement already made: its year is this year (UTC) at the latest."""
    this_year = utcnow().year
    before = _counts(app, draft)
    with app.app_context():
        data = _framework(owner, draft, outcomes__0__indicators__0__baseline_year="2035")
        if this_year >= 2035:  # the test outlives its example
            data["outcomes-0-indicators-0-baseline_year"] = str(this_year + 1)
        typed = data["outcomes-0-indicators-0-baseline_year"]
    response = owner.post(_path(draft), data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    said = (
        "A baseline is a measurement already made: enter the year it was made, between 1990 "
        f"and {this_year}."
    )
    error = re.search(r'id="outcomes-0-indicators-0-baseline_year-error"[^>]*>(.*?)</', page, re.S)
    assert error and said in error.group(1)
    assert f'value="{typed}"' in page
    assert _counts(app, draft) == before
    with app.app_context():
        data = _framework(owner, draft, outcomes__0__indicators__0__baseline_year=str(this_year))
    assert owner.post(_path(draft), data=data).status_code == 302
    with app.app_context():
        (outcome,) = db.session.get(Proposal, draft).outcomes
        assert outcome.indicators[0].baseline_year == this_year


def test_a_stale_form_is_refused_with_the_edit_pages_message(app, backend, author, draft):
    owner = client_for(app, author)
    with app.app_context():
        data = _framework(owner, draft)
        proposal = db.session.get(Proposal, draft)
        proposal.title = "Changed by a colleague"
        db.session.commit()
    before = _counts(app, draft)
    response = owner.post(_path(draft), data=data)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "This proposal changed since you opened it" in page
    assert 'value="Recruitment agencies trained"' in page
    assert _counts(app, draft) == before
    with app.app_context(), pytest.raises(StaleFramework):
        save_framework(db.session.get(Proposal, draft), [], user(author), before[4] - 1)


def test_save_and_add_buttons_add_rows_and_blank_or_removed_rows_are_dropped(
    app, author, draft, owner
):
    with app.app_context():
        data = _framework(owner, draft)
    response = owner.post(_path(draft), data=data | {"outcomes-0-add_output": "y"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/results?add=output-1#outcome-1-outputs")
    page = owner.get(response.headers["Location"]).get_data(as_text=True)
    assert 'name="outcomes-0-outputs-1-title"' in page  # a blank output row below the saved one
    response = owner.post(
        _path(draft), data=_form(owner, draft) | {"outcomes-0-add_indicator": "y"}
    )
    page = owner.get(response.headers["Location"]).get_data(as_text=True)
    assert 'name="outcomes-0-indicators-1-definition"' in page
    response = owner.post(_path(draft), data=_form(owner, draft) | {"add_outcome": "y"})
    assert response.headers["Location"].endswith("/results?add=outcome#outcome-2")
    page = owner.get(response.headers["Location"]).get_data(as_text=True)
    assert 'name="outcomes-1-title"' in page
    assert _counts(app, draft)[:3] == (1, 1, 1)  # the blank rows offered were not saved
    # A second output, then the first removed: the indicator now measures the outcome.
    data = _form(owner, draft) | {"outcomes-0-outputs-1-title": "Inspectors trained"}
    assert owner.post(_path(draft), data=data).status_code == 302
    data = _form(owner, draft) | {
        "outcomes-0-outputs-0-remove": "y",
        "outcomes-0-indicators-0-output": "2",
    }
    assert owner.post(_path(draft), data=data).status_code == 302
    with app.app_context():
        (outcome,) = db.session.get(Proposal, draft).outcomes
        assert [o.title for o in outcome.outputs] == ["Inspectors trained"]
        assert outcome.indicators[0].output.title == "Inspectors trained"


def test_a_save_and_add_refused_keeps_what_was_typed_with_the_row_asked_for(
    app, author, draft, owner
):
    with app.app_context():
        data = _framework(owner, draft, outcomes__0__indicators__0__baseline_year="soon")
    response = owner.post(_path(draft), data=data | {"outcomes-0-add_output": "y"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'value="soon"' in page and 'value="Recruitment agencies trained"' in page
    assert 'name="outcomes-0-outputs-1-title" type="text" value=""' in page
    assert _counts(app, draft)[:3] == (0, 0, 0)


def test_an_indicator_of_a_removed_output_is_refused_and_a_removed_outcome_goes(
    app, author, draft, owner
):
    with app.app_context():
        data = _framework(owner, draft)
    assert owner.post(_path(draft), data=data).status_code == 302
    before = _counts(app, draft)
    data = _form(owner, draft) | {"outcomes-0-outputs-0-remove": "y"}
    response = owner.post(_path(draft), data=data)
    assert response.status_code == 400
    assert "The output chosen is removed or empty" in response.get_data(as_text=True)
    assert _counts(app, draft) == before
    # Removing the outcome takes its outputs and indicators, whatever they hold.
    data = _form(owner, draft) | {
        "outcomes-0-remove": "y",
        "outcomes-0-indicators-0-baseline_value": "not checked",
    }
    assert owner.post(_path(draft), data=data).status_code == 302
    assert _counts(app, draft)[:4] == (0, 0, 0, 0)


def test_an_mgi_score_indicator_takes_only_scores_as_baseline_and_targets(
    app, backend, author, draft
):
    """An indicator in MGI scores takes 0, 1 or 2 as its baseline and targets, as its reported
    values are (`unit_refusal`): a target of 3 could never be reached. Refused at each field,
    what was typed kept, nothing saved."""
    owner = client_for(app, author)
    before = _counts(app, draft)
    with app.app_context():
        data = _framework(
            owner,
            draft,
            outcomes__0__indicators__0__unit="MGI score",
            outcomes__0__indicators__0__baseline_value="1",
            outcomes__0__indicators__0__targets__0__value="1.5",
            outcomes__0__indicators__0__targets__1__value="2",
            outcomes__0__indicators__0__end_target="3",
        )
    response = owner.post(_path(draft), data=data)
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    for typed in ("1.5", "3"):
        assert f"“{typed}” is not an MGI score: enter 0 (absent), 1 (partial) or 2" in page
        assert f'value="{typed}"' in page
    assert "“2” is not an MGI score" not in page and "“1” is not an MGI score" not in page
    assert _counts(app, draft) == before
    with app.app_context():
        data["outcomes-0-indicators-0-targets-0-value"] = "1"
        data["outcomes-0-indicators-0-end_target"] = "2"
    assert owner.post(_path(draft), data=data).status_code == 302


def test_the_mgi_references_are_kept_only_with_an_mgi_baseline(app, author, draft, owner):
    with app.app_context():
        score = mgi_gap("CL", year=2023)
        db.session.commit()
        indicator_id, assessment_id = score.indicator_id, score.assessment_id
        i = "outcomes__0__indicators__0__"
        data = _framework(
            owner,
            draft,
            **{
                f"{i}baseline_source": "mgi",
                f"{i}mgi_indicator_id": str(indicator_id),
                f"{i}mgi_assessment_id": str(assessment_id),
            },
        )
    page = owner.get(_path(draft)).get_data(as_text=True)
    assert "Chile, 2023" in page and "MGI-1.1" in page
    assert owner.post(_path(draft), data=data).status_code == 302
    with app.app_context():
        indicator = db.session.get(Proposal, draft).outcomes[0].indicators[0]
        assert (indicator.mgi_indicator_id, indicator.mgi_assessment_id) == (
            indicator_id,
            assessment_id,
        )
    data = _form(owner, draft) | {"outcomes-0-indicators-0-baseline_source": "programme_survey"}
    assert data["outcomes-0-indicators-0-mgi_indicator_id"] == str(indicator_id)  # still shown
    assert owner.post(_path(draft), data=data).status_code == 302
    with app.app_context():
        indicator = db.session.get(Proposal, draft).outcomes[0].indicators[0]
        assert indicator.baseline_source == "programme_survey"
        assert (indicator.mgi_indicator_id, indicator.mgi_assessment_id) == (None, None)


def test_a_concept_note_gets_the_outline_with_free_year_and_value_pairs(app, author):
    from tests.test_concept_notes import new_concept_note

    with app.app_context():
        call = new_open_call(title="Concept notes first", stage="concept_note_first")
        db.session.commit()
        note = new_concept_note(author, call.id, title="Fair recruitment note")
        db.session.commit()
        note_id = note.id
    owner = client_for(app, author)
    page = owner.get(_path(note_id)).get_data(as_text=True)
    assert "In a concept note the framework is an outline" in page
    assert f'href="/concept-notes/{note_id}"' in page  # back to the concept note's page
    assert 'name="outcomes-0-indicators-0-targets-0-year"' in page  # years typed
    data = _form(owner, note_id) | {
        "outcomes-0-title": "Fees are no longer charged",
        "outcomes-0-objectives": ["6"],
        "outcomes-0-indicators-0-targets-0-year": "2028",
        "outcomes-0-indicators-0-targets-0-value": "40",
        "outcomes-0-indicators-0-targets-1-year": "2028",
        "outcomes-0-indicators-0-targets-1-value": "50",
    }
    response = owner.post(_path(note_id), data=data)
    assert response.status_code == 400
    assert "Give 2028 one target only." in response.get_data(as_text=True)
    data["outcomes-0-indicators-0-targets-1-year"] = "2029"
    response = owner.post(_path(note_id), data=data)
    assert response.headers["Location"].endswith(f"/concept-notes/{note_id}")
    with app.app_context():
        (outcome,) = db.session.get(Proposal, note_id).outcomes
        assert outcome.title == "Fees are no longer charged" and outcome.fund_outcome is None
        assert {t.year: t.value for t in outcome.indicators[0].targets} == {
            2028: Decimal("40"),
            2029: Decimal("50"),
        }
        # Nothing of the outline is required of a concept note.
        problems = submission_problems(db.session.get(Proposal, note_id), _rules(app))
        assert not [p for p in problems if p.field == "results"]


# Who may use it --------------------------------------------------------------------------------


def test_only_the_owners_applicants_edit_the_framework_of_a_draft(
    app, author, create_user, make_proposal, draft
):
    other = create_user(roles=("applicant",), organization_acronym="UNDP")
    secretariat = create_user(roles=("secretariat",), organization_acronym="IOM")
    assert client_for(app, other).get(_path(draft)).status_code == 404
    assert client_for(app, secretariat).get(_path(draft)).status_code == 403
    assert app.test_client().get(_path(draft)).status_code == 302  # to sign in
    submitted = make_proposal(author, status="submitted")
    owner = client_for(app, author)
    response = owner.get(_path(submitted))
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/proposals/{submitted}"
    )
    with app.app_context():
        data = {"csrf_token": csrf_token(owner, _path(draft)), "version": "2"}
    before = _counts(app, submitted)
    assert owner.post(_path(submitted), data=data).status_code == 302
    assert _counts(app, submitted) == before
    with app.app_context(), pytest.raises(operations.EditRefused):
        save_framework(
            db.session.get(Proposal, submitted), [OutcomeValues(title="x")], user(author), 1
        )


def test_the_edit_pages_and_the_draft_page_link_to_the_editor(app, author, draft, owner):
    link = f'href="/proposals/{draft}/results"'
    assert link in owner.get(f"/proposals/{draft}/edit").get_data(as_text=True)
    assert link in owner.get(f"/proposals/{draft}").get_data(as_text=True)


# Submission checks ---------------------------------------------------------------------------


def _rules(app: Flask):
    return operations.rules_from_config(app.config)


def test_a_framework_entered_must_be_complete_to_submit(app, author, draft):
    with app.app_context():
        proposal = db.session.get(Proposal, draft)
        assert submission_problems(proposal, _rules(app)) == []  # no framework: not required
        add_framework(proposal)
        assert submission_problems(proposal, _rules(app)) == []
        outcome = add_outcome(proposal, title=" ", objectives=(), fund_outcome_code=None)
        add_indicator(outcome, definition="", unit="", baseline_year=None)
        outcome.indicators[0].baseline_year = None
        mgi = add_indicator(outcome, definition="Laws on recruitment fees", source="mgi")
        assert mgi.mgi_indicator_id is None
        messages = [p.message for p in submission_problems(proposal, _rules(app))]
        assert messages == [
            "Give outcome 2 of the results framework a title.",
            "Choose the fund's outcome that outcome 2 serves.",
            "Tick at least one GCM objective of outcome 2.",
            "Give the definition of indicator 2.1.",
            "Give the unit of indicator 2.1.",
            "Give the year and the source of the baseline of indicator 2.1.",
            "Choose the MGI indicator and the assessment of the baseline of indicator 2.2.",
        ]
        assert {p.field for p in submission_problems(proposal, _rules(app))} == {"results"}


# Statements ----------------------------------------------------------------------------------


def test_the_editor_reads_a_fixed_number_of_statements_whatever_the_framework(
    app, backend, author, draft, owner
):
    def statements() -> int:
        with app.app_context():
            engine = db.engine
        response, counted = counted_get(owner, engine, _path(draft))
        assert response.status_code == 200
        return counted

    with app.app_context():
        add_framework(db.session.get(Proposal, draft))
        db.session.commit()
    small = statements()
    with app.app_context():
        proposal = db.session.get(Proposal, draft)
        for _ in range(3):
            outcome = add_outcome(proposal, outputs=("One", "Two"))
            add_indicator(outcome, output=outcome.outputs[1])
            add_indicator(outcome, source="mgi", baseline=Decimal("1"))
        db.session.commit()
    assert statements() == small


# Whatever is typed -----------------------------------------------------------------------------


def test_whatever_is_typed_the_editor_answers_without_a_server_error(
    app, backend, client, create_user, make_proposal
):
    """The form fuzzed (tests/test_security_fuzz.py): never a server error; refused, nothing
    changes; saved, it is audited."""
    from hypothesis import given
    from hypothesis import strategies as st

    from tests.test_security_fuzz import _org_ids, _submit, field, fields, fuzz, many

    app.config["LOGIN_ADDRESS_ATTEMPTS"] = 100_000
    person = create_user(roles=("applicant",), organization_acronym="IOM")
    proposal_id = make_proposal(person, planned_start=START, duration_months=24)
    client = client_for(app, person)
    path = _path(proposal_id)
    token = csrf_token(client, path)
    org_ids = [str(i) for i in _org_ids(app)[:3]]
    with app.app_context():
        fund_outcomes = [str(_fund_outcome_id()), "0", "999"]

    def current_version() -> str:
        with app.app_context():
            return str(db.session.get(Proposal, proposal_id).version)

    o, i = "outcomes-0-", "outcomes-0-indicators-0-"
    strategies = {
        f"{o}title": field("Fair recruitment"),
        f"{o}fund_outcome_id": field(*fund_outcomes),
        f"{o}objectives": many("6", "18", "24"),
        f"{o}sdg_targets": many("8.8", "10.7.1", "99.9"),
        f"{o}remove": field("y"),
        f"{o}outputs-0-title": field("Agencies trained"),
        f"{o}outputs-0-remove": field("y"),
        f"{o}outputs-1-title": field("Inspectors trained"),
        f"{i}definition": field("Share of workers"),
        f"{i}unit": field("%"),
        f"{i}output": field("", "1", "2", "3"),
        f"{i}baseline_value": field("12.5", "-3", "1e3"),
        f"{i}baseline_year": field("2025", "1989"),
        f"{i}baseline_source": field("", "mgi", "national_statistic", "bogus"),
        f"{i}mgi_indicator_id": field("0", "1", "999"),
        f"{i}mgi_assessment_id": field("0", "1", "999"),
        f"{i}baseline_link": field("https://example.org", "javascript:alert(1)"),
        f"{i}targets-0-year": field("2027", "1800"),
        f"{i}targets-0-value": field("20", "twenty"),
        f"{i}targets-1-year": field("2027", "2028"),
        f"{i}targets-1-value": field("35.5"),
        f"{i}end_target": field("60"),
        f"{i}by_sex": field("y"),
        f"{i}means_of_verification": field("Survey"),
        f"{i}responsible_organization_id": field("0", *org_ids),
        f"{i}remove": field("y"),
        "outcomes-1-title": field("Second outcome"),
        "add_outcome": field("y"),
        f"{o}add_indicator": field("y"),
    }

    @fuzz(backend)
    @given(fields(**strategies), st.one_of(st.just("current"), field("1", "0")))
    def run(data, version):
        data["version"] = current_version() if version == "current" else version
        _submit(app, client, path, data | {"csrf_token": token})

    run()


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("12.5", Decimal("12.5")),
        ("1,250.5", Decimal("1250.5")),
        ("1 250", Decimal("1250")),
        ("-3", Decimal("-3")),
        ("0.1234", Decimal("0.1234")),
        ("999999999999.9999", Decimal("999999999999.9999")),
        ("12,5", None),  # a decimal comma: refused, never 125
        ("12 50", None),  # a misplaced group: refused, never 1250
        ("0.12345", None),
        ("1000000000000", None),
        ("1e3", None),
        ("lots", None),
    ],
)
def test_an_indicator_value_is_read_as_typed_or_refused(app, typed, read):
    from types import SimpleNamespace

    from fund.proposals.results_forms import _number

    field = SimpleNamespace(data=typed, errors=[])
    with app.test_request_context():
        assert _number(field, "the baseline") == read
    assert bool(field.errors) is (read is None)

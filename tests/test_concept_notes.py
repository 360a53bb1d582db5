"""Two-stage calls and the concept note, from the call to the committee's review.

A concept note is a row of `proposals` of kind `concept_note` with its own transition table
(workflows/concept_note.py). These tests take concept notes through the applicant's and the
secretariat's pages and operations, and check that the status rules of full programmes
(coverage, finance, open data, reports) never count one.
"""

from __future__ import annotations

import re
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from fund.calls.models import Call
from fund.committee.models import VotingRound
from fund.extensions import db
from fund.proposals import operations
from fund.proposals.checks import criterion_results
from fund.proposals.guards import CONCEPT_NOTE_GUARDS, GUARDS
from fund.proposals.models import (
    NationalPartner,
    Proposal,
    ProposalVersion,
)
from fund.screening import operations as screening_operations
from tests.concept_note_factories import closed_two_stage_call, fill_concept_note
from tests.factories import new_open_call
from tests.helpers import audit_events, client_for, csrf_token, organization, user
from workflows import TransitionRefused
from workflows.concept_note import CONCEPT_NOTE_GUARD_NAMES, CONCEPT_NOTE_WORKFLOW

# Set-up -------------------------------------------------------------------------------------


def new_concept_note(author, call_id: int, *, complete: bool = True, title: str = "") -> Proposal:
    """A concept note of the author's organization made by the operation the "new" page
    uses, filled in (a joint ILO-IOM programme in Chile) unless complete=False; flushed."""
    note = operations.create_draft(
        user(author),
        call_id=call_id,
        title=title or "Fair recruitment corridors",
        kind="concept_note",
    )
    if complete:
        fill_concept_note(note)
    db.session.flush()
    return note


def screen(note: Proposal, secretariat, result: str = "pass") -> None:
    """The secretariat starts the screening and records one result for every criterion."""
    operations.fire(note, "start_screening", user(secretariat))
    criteria = screening_operations.criteria_for(note)
    note_text = "" if result == "pass" else "Not met."
    screening_operations.record_checks(
        note, user(secretariat), {c.id: (result, note_text) for c in criteria}
    )


def to_committee(note: Proposal, author, secretariat) -> None:
    operations.fire(note, "submit", user(author))
    screen(note, secretariat)
    operations.fire(note, "forward_to_committee", user(secretariat))


@pytest.fixture
def people(create_user) -> dict[str, Any]:
    return {
        "author": create_user(roles=("applicant",), organization_acronym="ILO"),
        "other": create_user(roles=("applicant",), organization_acronym="UNDP"),
        "secretariat": create_user(roles=("secretariat",), organization_acronym="IOM"),
        "committee": create_user(roles=("committee",), organization_acronym="UNHCR"),
    }


class _Labels(HTMLParser):
    """The form controls of a page and the ids its labels name."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[str] = []
        self.labelled: set[str] = set()
        self.headings: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "label" and found.get("for"):
            self.labelled.add(found["for"] or "")
        if tag in ("select", "textarea") or (
            tag == "input" and found.get("type") not in ("hidden", "submit")
        ):
            self.controls.append(found.get("id") or "")
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(tag)


def _labels_of(page: str) -> _Labels:
    parser = _Labels()
    parser.feed(page)
    return parser


# The transition table ---------------------------------------------------------------------------


def test_the_concept_note_has_its_own_table_with_the_proposals_state_names():
    assert CONCEPT_NOTE_WORKFLOW.states == (
        "draft",
        "submitted",
        "screening",
        "returned",
        "ineligible",
        "committee_review",
        "selected",
        "pipeline",
        "not_approved",
        "withdrawn",
        "invited",
        "converted",
    )
    outcomes = {
        rule.trigger: (rule.sources, rule.dest, rule.guards)
        for rule in CONCEPT_NOTE_WORKFLOW.rules
        if rule.sources == ("committee_review",) and rule.dest != "returned"
    }
    assert outcomes == {
        "select_for_development": (
            ("committee_review",),
            "selected",
            ("committee_selected",),
        ),
        "place_in_pipeline": (
            ("committee_review",),
            "pipeline",
            ("committee_placed_in_pipeline",),
        ),
        "decline": (("committee_review",), "not_approved", ("committee_not_approved",)),
    }
    assert CONCEPT_NOTE_WORKFLOW.rule("forward_to_committee", "screening").guards == (
        "screening_passed",
    )
    assert "concept_note_complete" in CONCEPT_NOTE_WORKFLOW.rule("submit", "draft").guards


def test_every_guard_of_the_table_is_registered_at_start_up(app):
    assert set(CONCEPT_NOTE_GUARDS) == set(CONCEPT_NOTE_GUARD_NAMES)
    # The screening's and the committee's predicates are registered by their packages.
    assert CONCEPT_NOTE_GUARDS["screening_passed"] is GUARDS["screening_passed"]
    assert CONCEPT_NOTE_GUARDS["committee_selected"].__module__ == "fund.committee.guards"


def test_the_application_refuses_to_start_without_a_guard(app, monkeypatch):
    from fund.proposals import guards

    monkeypatch.setattr(
        guards, "CONCEPT_NOTE_GUARD_NAMES", frozenset({*CONCEPT_NOTE_GUARD_NAMES, "unheard_of"})
    )
    with pytest.raises(RuntimeError, match=r"concept note workflow table.*missing: unheard_of"):
        guards.check_complete()


def test_the_engine_is_chosen_by_the_kind(app, people, two_stage_call, open_call):
    with app.app_context():
        note = new_concept_note(people["author"], two_stage_call)
        proposal = operations.create_draft(user(people["author"]), call_id=open_call, title="P")
        assert operations.engine_for(note).workflow is CONCEPT_NOTE_WORKFLOW
        assert operations.engine_for(proposal).workflow.name == "proposal"
        assert note.status_label == "Draft" and note.kind_label == "Concept note"


def test_flask_fund_diagram_draws_the_concept_note(runner):
    result = runner.invoke(args=["fund", "diagram", "--workflow", "concept_note"])
    assert result.exit_code == 0, result.output
    assert 'title: "concept note workflow"' in result.output
    assert "committee_review --> pipeline: place_in_pipeline [secretariat]" in result.output
    assert 'state "Selected for development" as selected' in result.output
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert result.output.strip() in readme, "README diagram is out of date: run flask fund diagram"


# Calls ------------------------------------------------------------------------------------------


def test_the_secretariat_opens_a_concept_note_first_call(app, backend, client, login_as):
    login_as("secretariat", organization_acronym="IOM")
    token = csrf_token(client, "/calls/new")
    form = {
        "title": "Concept notes 2027",
        "opens_on": "2027-01-01",
        "closes_on": "2027-03-31",
        "envelope": "12,000,000",
        "min_budget": "500000",
        "max_budget": "3000000",
        "min_duration_months": "12",
        "max_duration_months": "36",
        "decision_rule": "consensus",
        "stage": "concept_note_first",
        "endorsement_stage": "concept_note",
        "csrf_token": token,
    }
    page = client.get("/calls/new").get_data(as_text=True)
    assert "What the call takes" in page and "Government endorsement letters are due" in page
    assert client.post("/calls/new", data=form).status_code == 302
    with app.app_context():
        call = db.session.scalar(select(Call).where(Call.title == "Concept notes 2027"))
        assert (call.stage, call.endorsement_stage) == ("concept_note_first", "concept_note")
        assert call.takes_concept_notes
    listed = client.get("/calls/").get_data(as_text=True)
    assert "Concept notes first" in listed and "with the concept note" in listed


def test_endorsements_with_the_concept_note_need_a_two_stage_call(app, client, login_as):
    login_as("secretariat", organization_acronym="IOM")
    token = csrf_token(client, "/calls/new")
    response = client.post(
        "/calls/new",
        data={
            "title": "One stage",
            "opens_on": "2027-01-01",
            "closes_on": "2027-03-31",
            "envelope": "1000000",
            "decision_rule": "consensus",
            "stage": "full_proposal",
            "endorsement_stage": "concept_note",
            "csrf_token": token,
        },
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "only in a concept-note-first call" in page and 'value="One stage"' in page
    with app.app_context():
        assert db.session.scalar(select(Call).where(Call.title == "One stage")) is None


def test_a_call_with_concept_notes_stays_concept_note_first(
    app, client, login_as, people, two_stage_call
):
    with app.app_context():
        new_concept_note(people["author"], two_stage_call)
        db.session.commit()
        call = db.session.get(Call, two_stage_call)
        dates = (call.opens_on.isoformat(), call.closes_on.isoformat())
    login_as("secretariat", organization_acronym="IOM")
    path = f"/calls/{two_stage_call}"
    response = client.post(
        path,
        data={
            "title": "First call: concept notes",
            "opens_on": dates[0],
            "closes_on": dates[1],
            "envelope": "10000000",
            "decision_rule": "consensus",
            "stage": "full_proposal",
            "endorsement_stage": "full_proposal",
            "csrf_token": csrf_token(client, path),
        },
    )
    assert response.status_code == 400
    assert "stays a concept-note-first call" in response.get_data(as_text=True)


# The applicant's pages ---------------------------------------------------------------------------


def test_the_new_button_of_a_two_stage_call_makes_a_concept_note(
    app, backend, people, two_stage_call, open_call
):
    client = client_for(app, people["author"])
    calls = client.get("/calls/").get_data(as_text=True)
    assert f'href="/proposals/new?call={two_stage_call}">Start a concept note' in calls
    assert f'href="/proposals/new?call={open_call}">Start a proposal' in calls
    token = csrf_token(client, f"/proposals/new?call={two_stage_call}")
    made = client.post(
        "/proposals/new",
        data={"call_id": two_stage_call, "title": "Safe corridors", "csrf_token": token},
    )
    assert made.status_code == 302
    with app.app_context():
        note = db.session.scalar(select(Proposal).where(Proposal.title == "Safe corridors"))
        assert (note.kind, note.status) == ("concept_note", "draft")
        assert made.headers["Location"] == f"/concept-notes/{note.id}/edit"
        note_id = note.id
    # The proposal's own pages send a concept note to its pages.
    assert client.get(f"/proposals/{note_id}").headers["Location"] == f"/concept-notes/{note_id}"
    assert (
        client.get(f"/proposals/{note_id}/edit").headers["Location"]
        == f"/concept-notes/{note_id}/edit"
    )
    token = csrf_token(client, f"/proposals/new?call={open_call}")
    made = client.post(
        "/proposals/new", data={"call_id": open_call, "title": "Full one", "csrf_token": token}
    )
    with app.app_context():
        proposal = db.session.scalar(select(Proposal).where(Proposal.title == "Full one"))
        assert proposal.kind == "proposal"
    assert made.headers["Location"] == f"/proposals/{proposal.id}/edit"


def test_a_concept_note_only_in_a_two_stage_call(app, people, open_call):
    with app.app_context(), pytest.raises(operations.EditRefused, match="not take concept"):
        operations.create_draft(
            user(people["author"]), call_id=open_call, title="X", kind="concept_note"
        )


def test_a_two_stage_call_takes_full_proposals_only_by_invitation(
    app, people, two_stage_call, open_call
):
    """The draft's kind is the call's, for the operation as for the "new" page: a call that
    takes concept notes first makes a concept note, and refuses a full proposal typed directly
    (its full proposals are made from invited concept notes)."""
    author = people["author"]
    with app.app_context():
        made = operations.create_draft(user(author), call_id=two_stage_call, title="Note")
        assert made.kind == "concept_note"
        assert operations.create_draft(user(author), call_id=open_call, title="P").kind == (
            "proposal"
        )
        with pytest.raises(operations.EditRefused, match="full proposals only from"):
            operations.create_draft(
                user(author), call_id=two_stage_call, title="Direct", kind="proposal"
            )


def _edit_form(note_id: int, token: str, version: int, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "csrf_token": token,
        "version": str(version),
        "title": "Fair recruitment corridors",
        "rationale": "Recruitment fees trap migrant workers in debt.",
        "summary": "Workers recruited fairly.",
        "lead_organization_id": "0",
        "scope": "",
        "duration_months": "",
        "primary_objective_number": "0",
        "gender_marker": "",
        "human_rights_marker": "",
    }
    data.update(changes)
    return data


def test_a_draft_saves_incomplete_and_bad_input_keeps_what_was_typed(
    app, backend, people, two_stage_call
):
    with app.app_context():
        note = new_concept_note(people["author"], two_stage_call, complete=False)
        db.session.commit()
        note_id, version = note.id, note.version
    client = client_for(app, people["author"])
    path = f"/concept-notes/{note_id}/edit"
    token = csrf_token(client, path)
    saved = client.post(path, data=_edit_form(note_id, token, version))
    assert saved.status_code == 302 and saved.headers["Location"] == f"/concept-notes/{note_id}"
    with app.app_context():
        note = db.session.get(Proposal, note_id)
        assert note.rationale.startswith("Recruitment fees") and note.national_partners == []
        version = note.version
    bad = client.post(
        path,
        data=_edit_form(
            note_id,
            token,
            version,
            title="A better title",
            **{
                "partners-0-name": "Ministry of Labour",
                "partners-0-partner_type": "",
                "partners-1-name": "",
                "partners-1-partner_type": "civil_society",
                "indicative-0-organization_id": str(organization_id(app, "ILO")),
                "indicative-0-amount": "lots",
                "indicative-1-organization_id": str(organization_id(app, "IOM")),
                "indicative-1-amount": "0",
                "duration_months": "500",
            },
        ),
    )
    assert bad.status_code == 400
    page = bad.get_data(as_text=True)
    for message in (
        "Choose the partner&#39;s type.",
        "Give the partner&#39;s name.",
        "“lots” is not an amount",
        "Give an amount of more than zero.",
        "Give a number of months between 1 and 120.",
    ):
        assert message in page, message
    assert 'value="A better title"' in page and 'value="Ministry of Labour"' in page
    assert 'value="lots"' in page
    assert "There is a problem" in page or "cannot be saved yet" in page
    with app.app_context():
        note = db.session.get(Proposal, note_id)
        assert note.title == "Fair recruitment corridors" and note.version == version


def test_saving_stores_partners_and_indicative_totals(app, backend, people, two_stage_call):
    with app.app_context():
        note = new_concept_note(people["author"], two_stage_call, complete=False)
        db.session.commit()
        note_id, version = note.id, note.version
    ilo, iom = organization_id(app, "ILO"), organization_id(app, "IOM")
    client = client_for(app, people["author"])
    path = f"/concept-notes/{note_id}/edit"
    token = csrf_token(client, path)
    response = client.post(
        path,
        data=_edit_form(
            note_id,
            token,
            version,
            lead_organization_id=str(ilo),
            participants=[str(ilo), str(iom)],
            scope="national",
            countries=["CL"],
            duration_months="24",
            primary_objective_number="6",
            secondary_objectives=["18"],
            gender_marker="2",
            human_rights_marker="1",
            **{
                "partners-0-name": "Ministry of Labour",
                "partners-0-partner_type": "line_ministry",
                "partners-1-name": "Diaspora Network",
                "partners-1-partner_type": "migrant_or_diaspora_organization",
                "indicative-0-organization_id": str(ilo),
                "indicative-0-amount": "1,250,000.50",
                "indicative-1-organization_id": str(iom),
                "indicative-1-amount": "750000",
                "principles-0-code": "gender_responsive",
                "principles-0-addressed": "y",
                "principles-0-explanation": "Women workers first.",
            },
        ),
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with app.app_context():
        note = db.session.get(Proposal, note_id)
        assert [(p.name, p.partner_type) for p in note.national_partners] == [
            ("Ministry of Labour", "line_ministry"),
            ("Diaspora Network", "migrant_or_diaspora_organization"),
        ]
        amounts = {t.organization.acronym: t.amount for t in note.indicative_totals}
        assert amounts == {"ILO": Decimal("1250000.50"), "IOM": Decimal("750000.00")}
        assert all(isinstance(a, Decimal) for a in amounts.values())
        assert note.indicative_total == Decimal("2000000.50")
        assert [p.principle_code for p in note.principles] == ["gender_responsive"]
    events = audit_events(app, "draft_saved", note_id)
    assert "national_partners" in events[-1].details["changed"]


def test_two_rows_for_one_organization_are_refused(app, people, two_stage_call):
    with app.app_context():
        note = new_concept_note(people["author"], two_stage_call, complete=False)
        db.session.commit()
        note_id, version = note.id, note.version
    ilo = str(organization_id(app, "ILO"))
    client = client_for(app, people["author"])
    path = f"/concept-notes/{note_id}/edit"
    response = client.post(
        path,
        data=_edit_form(
            note_id,
            csrf_token(client, path),
            version,
            **{
                "indicative-0-organization_id": ilo,
                "indicative-0-amount": "100",
                "indicative-1-organization_id": ilo,
                "indicative-1-amount": "200",
            },
        ),
    )
    assert response.status_code == 400
    assert "already has an indicative total above" in response.get_data(as_text=True)


def test_a_stale_form_is_refused_and_kept(app, people, two_stage_call):
    with app.app_context():
        note = new_concept_note(people["author"], two_stage_call, complete=False)
        db.session.commit()
        note_id, version = note.id, note.version
    client = client_for(app, people["author"])
    path = f"/concept-notes/{note_id}/edit"
    token = csrf_token(client, path)
    assert client.post(path, data=_edit_form(note_id, token, version)).status_code == 302
    stale = client.post(path, data=_edit_form(note_id, token, version, title="Late"))
    assert stale.status_code == 409
    assert "changed since you opened it" in stale.get_data(as_text=True)


def test_submission_lists_every_problem_at_once(app, backend, people, two_stage_call):
    with app.app_context():
        note = new_concept_note(people["author"], two_stage_call, complete=False)
        db.session.commit()
        note_id, version = note.id, note.version
    client = client_for(app, people["author"])
    page = client.get(f"/concept-notes/{note_id}").get_data(as_text=True)
    assert "Before you can submit, fix these" in page
    response = client.post(
        f"/concept-notes/{note_id}/actions",
        data={
            "csrf_token": csrf_token(client, f"/concept-notes/{note_id}"),
            "version": version,
            "trigger": "submit",
        },
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    for message in (
        "Give a summary of the problem.",
        "Give a summary of the change sought.",
        "Choose the scope of the programme.",
        "Choose the lead (convening) UN entity.",
        "A joint programme needs at least two participating UN organizations.",
        "Choose the primary GCM objective.",
        "Give the duration in months.",
        "Give the gender marker.",
        "Say which guiding principles you address.",
    ):
        assert message in page, message
    # Endorsement letters are due with the full proposal in this call: not asked for now.
    assert "endorsement letter" not in page
    with app.app_context():
        assert db.session.get(Proposal, note_id).status == "draft"


def test_endorsement_letters_due_with_the_concept_note(app, people):
    with app.app_context():
        call = new_open_call(
            title="Letters first", stage="concept_note_first", endorsement_stage="concept_note"
        )
        note = new_concept_note(people["author"], call.id)
        problems = [p.message for p in operations_problems(note)]
        assert problems == ["Attach the endorsement letter of the Government of Chile."]


def operations_problems(note: Proposal):
    from flask import current_app

    from fund.proposals.checks import submission_problems

    return submission_problems(note, operations.rules_from_config(current_app.config))


def test_the_indicative_total_must_be_within_the_call_limits(app, people, two_stage_call):
    with app.app_context():
        note = new_concept_note(people["author"], two_stage_call)
        note.indicative_totals[0].amount = Decimal("3000000.00")
        messages = [p.message for p in operations_problems(note)]
        assert messages == [
            "The indicative total (USD 3,500,000.00) must be between USD 500,000.00 and "
            "USD 3,000,000.00 for this call."
        ]
        note.indicative_totals = note.indicative_totals[:1]
        messages = [p.message for p in operations_problems(note)]
        assert "Give the indicative total of IOM." in messages


def test_submit_then_withdraw(app, backend, people, two_stage_call):
    with app.app_context():
        note = new_concept_note(people["author"], two_stage_call)
        db.session.commit()
        note_id, version = note.id, note.version
    client = client_for(app, people["author"])
    path = f"/concept-notes/{note_id}"
    page = client.get(path).get_data(as_text=True)
    assert "Everything the fund checks is in place. You can submit." in page
    submitted = client.post(
        f"{path}/actions",
        data={"csrf_token": csrf_token(client, path), "version": version, "trigger": "submit"},
    )
    assert submitted.status_code == 302
    with app.app_context():
        note = db.session.get(Proposal, note_id)
        assert note.status == "submitted" and note.submission_number == 1
        stored = db.session.scalar(
            select(ProposalVersion).where(ProposalVersion.proposal_id == note_id)
        )
        assert stored.snapshot["indicative_totals"] == {"ILO": "700000.00", "IOM": "500000.00"}
        assert {"name": "Ministry of Labour", "type": "line_ministry"} in stored.snapshot[
            "national_partners"
        ]
        version = note.version
    version_page = client.get(f"/proposals/{note_id}/versions/1")
    assert version_page.status_code == 200
    text = version_page.get_data(as_text=True)
    for part in ("Ministry of Labour (Line ministry)", "USD 700,000.00", "USD 1,200,000.00"):
        assert part in text, part
    refused = client.post(
        f"{path}/actions",
        data={"csrf_token": csrf_token(client, path), "version": version, "trigger": "withdraw"},
    )
    assert refused.status_code == 400
    assert "a comment is required" in refused.get_data(as_text=True)
    withdrawn = client.post(
        f"{path}/actions",
        data={
            "csrf_token": csrf_token(client, path),
            "version": version,
            "trigger": "withdraw",
            "comment": "We join another programme.",
        },
    )
    assert withdrawn.status_code == 302
    with app.app_context():
        assert db.session.get(Proposal, note_id).status == "withdrawn"


def test_the_concept_note_page_shows_every_part(app, backend, people, two_stage_call):
    with app.app_context():
        note = new_concept_note(people["author"], two_stage_call)
        db.session.commit()
        note_id = note.id
        reference = note.reference
    client = client_for(app, people["author"])
    page = client.get(f"/concept-notes/{note_id}").get_data(as_text=True)
    assert re.search(r"P-\d{5}", reference) and reference in page
    for text in (
        "Fair recruitment corridors",
        "Recruitment fees trap migrant workers in debt.",
        "Workers recruited fairly, with no fees, through public services.",
        "National",
        "Chile",
        "M49 152",
        "ILO",
        "IOM",
        "Ministry of Labour",
        "Line ministry",
        "Municipality of Santiago",
        "Local government",
        "Civil-society organization",
        "24 months",
        "6. ",
        "18. ",
        "2: significant objective",
        "Women first.",
        "Rights-based.",
        "USD 700,000.00",
        "USD 500,000.00",
        "USD 1,200,000.00",
    ):
        assert text in page, text
    labels = _labels_of(page)
    assert labels.headings.count("h1") == 1
    assert set(labels.controls) <= labels.labelled  # the action form's comment has a label
    form = client.get(f"/concept-notes/{note_id}/edit").get_data(as_text=True)
    labels = _labels_of(form)
    unlabelled = [c for c in labels.controls if c not in labels.labelled]
    assert not unlabelled, unlabelled
    assert labels.headings.count("h1") == 1 and "h2" in labels.headings
    # Countries and governments are checkboxes in the picker, not a Ctrl-click list.
    for name in ("countries", "endorsers"):
        assert re.search(rf'<input type="checkbox" [^>]*name="{name}"', form), name
    assert 'name="countries" multiple' not in form and "Ctrl" not in form
    assert "js/editor.js" in form  # the picker's filter


def test_others_do_not_see_a_draft_concept_note(app, people, two_stage_call):
    with app.app_context():
        note = new_concept_note(people["author"], two_stage_call)
        db.session.commit()
        note_id = note.id
    assert client_for(app, people["other"]).get(f"/concept-notes/{note_id}").status_code == 404
    assert client_for(app, people["committee"]).get(f"/concept-notes/{note_id}").status_code == 404
    secretariat = client_for(app, people["secretariat"])
    assert secretariat.get(f"/concept-notes/{note_id}").status_code == 200
    assert secretariat.get(f"/concept-notes/{note_id}/edit").status_code == 403


def test_a_full_proposal_is_not_found_among_concept_notes(app, people, make_proposal):
    proposal_id = make_proposal(people["author"])
    client = client_for(app, people["author"])
    assert client.get(f"/concept-notes/{proposal_id}").status_code == 404
    assert client.get(f"/concept-notes/{proposal_id}/edit").status_code == 404


# Screening --------------------------------------------------------------------------------------


def test_the_seed_has_the_concept_notes_criteria(app, two_stage_call, open_call):
    defaults = screening_operations.default_criteria(app.config["SEED_DIR"])
    by_stage = {row["stage"] for row in defaults}
    assert by_stage == {"full_proposal", "concept_note"}
    partners = next(row for row in defaults if row["code"] == "cn_partners")
    assert partners["label"] == (
        "More than one government entity or a local government, and at least one "
        "civil-society or migrant organization"
    )
    with app.app_context():
        two_stage = db.session.get(Call, two_stage_call)
        every = screening_operations.ensure_criteria(
            two_stage, stage=screening_operations.ALL_STAGES
        )
        assert {c.stage for c in every} == {"concept_note", "full_proposal"}
        # By default, the full proposals' criteria: a call's checklist as it always was.
        assert {c.stage for c in screening_operations.ensure_criteria(two_stage)} == {
            "full_proposal"
        }
        one_stage = db.session.get(Call, open_call)
        assert {c.stage for c in screening_operations.ensure_criteria(one_stage)} == {
            "full_proposal"
        }


@pytest.mark.parametrize(
    ("partners", "finding"),
    [
        ((("line_ministry", "civil_society"),), ["neither more than one government entity"]),
        ((("line_ministry", "line_ministry", "civil_society"),), []),
        ((("local_government", "migrant_or_diaspora_organization"),), []),
        ((("local_government", "other"),), ["no civil-society or migrant"]),
        (((),), ["neither more than one", "no civil-society or migrant"]),
    ],
)
def test_the_national_partners_criterion(app, people, two_stage_call, partners, finding):
    with app.app_context():
        note = new_concept_note(people["author"], two_stage_call)
        note.national_partners = [
            NationalPartner(name=f"Partner {n}", partner_type=kind)
            for n, kind in enumerate(partners[0])
        ]
        from flask import current_app

        found = criterion_results(note, operations.rules_from_config(current_app.config))
        assert len(found["cn_partners"]) == len(finding)
        for problem, expected in zip(found["cn_partners"], finding, strict=True):
            assert expected in problem
        assert all(not found[code] for code in found if code != "cn_partners")


def test_the_secretariat_screens_a_concept_note_against_its_criteria(
    app, backend, people, two_stage_call
):
    with app.app_context():
        note = new_concept_note(people["author"], two_stage_call)
        note.national_partners = note.national_partners[:1]  # the ministry only
        operations.fire(note, "submit", user(people["author"]))
        db.session.commit()
        note_id = note.id
    client = client_for(app, people["secretariat"])
    queue = client.get("/screening/").get_data(as_text=True)
    assert "Concept note" in queue and "Fair recruitment corridors" in queue
    assert "Fair recruitment corridors" not in client.get("/screening/?kind=proposal").get_data(
        as_text=True
    )
    assert "Fair recruitment corridors" in client.get("/screening/?kind=concept_note").get_data(
        as_text=True
    )
    with app.app_context():
        version = db.session.get(Proposal, note_id).version
    started = client.post(
        f"/screening/{note_id}/start",
        data={"csrf_token": csrf_token(client, "/screening/"), "version": version},
    )
    assert started.status_code == 302
    checklist = client.get(f"/screening/{note_id}").get_data(as_text=True)
    # Mid-sentence the kind is written in lower case; the form names the concept note.
    assert "Screening of concept note P-" in checklist
    assert "Reason the concept note is ineligible" in checklist
    assert "More than one government entity or a local government" in checklist
    assert "Budget within the call&#39;s limits" not in checklist  # a full proposal's criterion
    with app.app_context():
        note = db.session.get(Proposal, note_id)
        codes = [c.code for c in screening_operations.criteria_for(note)]
        assert codes[:2] == ["cn_joint_programme", "cn_partners"]
        suggested = screening_operations.prefill(note, operations.rules_from_config(app.config))
        partners = next(
            c for c in screening_operations.criteria_for(note) if c.code == "cn_partners"
        )
        assert suggested[partners.id][0] == "fail"


def test_return_ineligible_and_forward(app, backend, people, two_stage_call):
    secretariat = people["secretariat"]
    with app.app_context():
        returned = new_concept_note(people["author"], two_stage_call, title="Returned")
        ineligible = new_concept_note(people["author"], two_stage_call, title="Ineligible")
        forwarded = new_concept_note(people["author"], two_stage_call, title="Forwarded")
        for note in (returned, ineligible, forwarded):
            operations.fire(note, "submit", user(people["author"]))
        operations.fire(returned, "start_screening", user(secretariat))
        with pytest.raises(TransitionRefused):
            operations.fire(returned, "return_for_revision", user(secretariat))
        operations.fire(
            returned, "return_for_revision", user(secretariat), comment="Name the partners."
        )
        operations.fire(ineligible, "start_screening", user(secretariat))
        with pytest.raises(TransitionRefused) as refused:
            operations.fire(ineligible, "declare_ineligible", user(secretariat), comment="No.")
        assert refused.value.guard == "screening_recorded"
        screening_operations.record_checks(
            ineligible,
            user(secretariat),
            {
                c.id: ("fail", "Out of scope.")
                for c in screening_operations.criteria_for(ineligible)
            },
        )
        with pytest.raises(TransitionRefused) as refused:
            operations.fire(ineligible, "forward_to_committee", user(secretariat))
        assert refused.value.guard == "screening_passed"
        operations.fire(ineligible, "declare_ineligible", user(secretariat), comment="No.")
        screen(forwarded, secretariat)
        operations.fire(forwarded, "forward_to_committee", user(secretariat))
        db.session.commit()
        assert (returned.status, ineligible.status, forwarded.status) == (
            "returned",
            "ineligible",
            "committee_review",
        )
        # The committee decides on concept notes in the existing rounds: one is open.
        assert db.session.scalar(
            select(VotingRound.id).where(VotingRound.proposal_id == forwarded.id)
        )
        # Its three outcomes wait for the committee's decision records: refused until then.
        for trigger in ("select_for_development", "place_in_pipeline", "decline"):
            with pytest.raises(TransitionRefused) as refused:
                operations.fire(forwarded, trigger, user(secretariat))
            assert refused.value.reason == "guard"
        returned_id = returned.id
    # The applicant revises the returned concept note: the request is on its page.
    page = client_for(app, people["author"]).get(f"/concept-notes/{returned_id}")
    assert "Name the partners." in page.get_data(as_text=True)


def test_screening_pages_act_on_a_concept_note(app, people, two_stage_call):
    with app.app_context():
        note = new_concept_note(people["author"], two_stage_call)
        operations.fire(note, "submit", user(people["author"]))
        screen(note, people["secretariat"])
        db.session.commit()
        note_id, version = note.id, note.version
    client = client_for(app, people["secretariat"])
    response = client.post(
        f"/screening/{note_id}/actions",
        data={
            "csrf_token": csrf_token(client, f"/screening/{note_id}"),
            "version": version,
            "trigger": "forward_to_committee",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Proposal, note_id).status == "committee_review"
    page = client.get(f"/concept-notes/{note_id}").get_data(as_text=True)
    assert "Committee review" in page
    committee = client_for(app, people["committee"])
    assert committee.get(f"/concept-notes/{note_id}").status_code == 200


# Lists ------------------------------------------------------------------------------------------


def test_the_lists_show_the_kind_and_filter_by_it(app, people, two_stage_call, make_proposal):
    make_proposal(people["author"], title="A full programme")
    with app.app_context():
        note = new_concept_note(people["author"], two_stage_call, title="A concept")
        db.session.commit()
        reference = note.reference
    for who in ("author", "secretariat"):
        client = client_for(app, people[who])
        page = client.get("/proposals").get_data(as_text=True)
        assert "A full programme" in page and "A concept" in page
        assert '<span class="kind kind-concept-note">Concept note</span>' in page
        assert reference in page
        notes = client.get("/proposals?kind=concept_note").get_data(as_text=True)
        assert "A concept" in notes and "A full programme" not in notes
        full = client.get("/proposals?kind=proposal").get_data(as_text=True)
        assert "A full programme" in full and "A concept" not in full
        assert client.get("/proposals?kind=nonsense").status_code == 200
    selected = client_for(app, people["author"]).get("/proposals?status=selected")
    assert selected.status_code == 200


# The kind rule: full programmes only -------------------------------------------------------------


def _figures() -> dict[str, Any]:
    """Every figure that means full programmes: coverage (all columns, the public view, the
    simulator's candidates), the finance pipeline and balance, open data."""
    from fund.caches import verify
    from fund.coverage import simulator
    from fund.coverage.queries import coverage
    from fund.finance.queries import balance, pipeline
    from fund.reports.queries import funded_programmes

    rate = Decimal(app_config("INDIRECT_SUPPORT_RATE"))
    both = coverage()
    return {
        "coverage": both.to_dict(),
        "computed": coverage(use_totals=False).to_dict(),
        "public": coverage(include_pipeline=False).to_dict(),
        "candidates": [c.id for c in simulator.simulation_candidates()],
        "pipeline": [(row.id, row.total) for row in pipeline(rate).rows],
        "balance": repr(balance()),
        "open_data": [p.id for p in funded_programmes()],
        "kept": verify(),
    }


def app_config(name: str) -> str:
    from flask import current_app

    return str(current_app.config[name])


def test_a_concept_note_under_review_changes_no_programme_figure(
    app, backend, people, two_stage_call, make_proposal
):
    """A concept note in committee review (the proposal's review state by name) leaves the
    coverage's review column, the simulator, the finance and the open data as they were. It is
    given budget lines here, which the application never writes for a concept note, so that
    only the kind rule keeps it out."""
    make_proposal(people["author"], status="committee_review", title="Programme in review")
    with app.app_context():
        from fund import caches

        caches.rebuild()
        db.session.commit()
        before = _figures()
        assert before["coverage"]["totals"]["review_programmes"] == 1
        note = new_concept_note(people["author"], two_stage_call)
        to_committee(note, people["author"], people["secretariat"])
        from fund.proposals.models import BudgetLine

        note.budget_lines = [
            BudgetLine(
                organization_id=organization("ILO").id,
                objective_number=6,
                category_code=1,
                amount=Decimal("900000.00"),
            )
        ]
        db.session.commit()
        assert db.session.get(Proposal, note.id).status == "committee_review"
        after = _figures()
    assert after == before
    assert all(not problems for problems in after["kept"].values())


def organization_id(app: Flask, acronym: str) -> int:
    with app.app_context():
        return organization(acronym).id


def test_the_call_window_applies(app, people):
    with app.app_context():
        call = closed_two_stage_call()
        note = new_concept_note(people["author"], call.id)
        with pytest.raises(TransitionRefused) as refused:
            operations.fire(note, "submit", user(people["author"]))
        assert refused.value.guard == "call_open"


def test_a_returned_concept_note_goes_in_again_only_revised(app, people, two_stage_call):
    secretariat = people["secretariat"]
    with app.app_context():
        note = new_concept_note(people["author"], two_stage_call)
        operations.fire(note, "submit", user(people["author"]))
        operations.fire(note, "start_screening", user(secretariat))
        operations.fire(note, "return_for_revision", user(secretariat), comment="More partners.")
        with pytest.raises(TransitionRefused) as refused:
            operations.fire(note, "submit", user(people["author"]))
        assert refused.value.guard == "revised_since_last_version"
        note.national_partners.append(
            NationalPartner(
                name="Diaspora Council", partner_type="migrant_or_diaspora_organization"
            )
        )
        operations.fire(note, "submit", user(people["author"]))
        db.session.commit()
        note_id = note.id
    client = client_for(app, people["author"])
    page = client.get(f"/proposals/{note_id}/versions/2").get_data(as_text=True)
    assert "What changed since version 1" in page
    assert "Diaspora Council (Migrant or diaspora organization)" in page
    assert client.get(f"/proposals/{note_id}/versions/2.pdf").status_code < 500


def test_a_concept_notes_version_pdf_names_its_partners_and_indicative_totals(
    app, people, two_stage_call
):
    """The version PDF is the note as submitted: its national partners (each with its kind) and
    the indicative total of each UN entity, with their sum, are in it as on the page."""
    from tests.concept_note_factories import new_concept_note
    from tests.helpers import pdf_text

    with app.app_context():
        note = new_concept_note(
            people["author"],
            two_stage_call,
            indicative={"ILO": Decimal("600000"), "IOM": Decimal("250000.5")},
        )
        operations.fire(note, "submit", user(people["author"]))
        db.session.commit()
        note_id, reference = note.id, note.reference
    response = client_for(app, people["author"]).get(f"/proposals/{note_id}/versions/1.pdf")
    assert response.status_code == 200
    _, text = pdf_text(response.data)
    flat = " ".join(text.split())
    for partner in (
        "Ministry of Labour Line ministry",
        "Municipality of Santiago Local government",
        "Migrant Workers' Union Civil-society organization",
    ):
        assert partner in flat, flat
    for total in ("600,000.00", "250,000.50", "850,000.50"):
        assert total in flat, flat
    # It is called what it is, and has no budget lines to miss.
    assert f"Concept note {reference} · version 1" in flat, flat
    assert "Proposal P-" not in flat and "No budget lines" not in flat, flat

"""The applicant's pages: the edit form's budget rows and error messages, the revision request
on a returned proposal, the submitted version's page and what changed between versions."""

from __future__ import annotations

import html
import json
import re

import pytest
from sqlalchemy import func, select

from fund.accounts.models import Organization, User
from fund.committee import operations as committee_operations
from fund.extensions import db, utcnow
from fund.proposals import operations
from fund.proposals.models import Attachment, BudgetLine, Proposal, ProposalVersion
from fund.proposals.snapshots import snapshot
from fund.reference.models import Country, GcmObjective
from tests.factories import take_to_committee
from tests.helpers import csrf_token, edit_form, edit_form_from, login, org_id
from workflows import TransitionRefused


def _budget_rows(page: str) -> int:
    return len(re.findall(r'name="budget-\d+-amount"', page))


# Save and add budget rows ----------------------------------------------------------------


def test_save_and_add_budget_rows_adds_rows_whatever_is_blank(
    app, client, applicant, make_proposal
):
    proposal_id = make_proposal(applicant)  # two budget lines
    login(client, applicant.email)
    page = client.get(f"/proposals/{proposal_id}/edit").get_data(as_text=True)
    assert _budget_rows(page) == 5  # two lines and three blank rows
    form = edit_form_from(page)
    for expected in (8, 11):  # three more blank rows each time, though three are blank already
        response = client.post(
            f"/proposals/{proposal_id}/edit", data=form | {"add_rows": "Save and add budget rows"}
        )
        assert response.status_code == 302, re.findall(
            r"<li><a href=\"#[^<]*", response.get_data(as_text=True)
        )[:20]
        assert response.headers["Location"].endswith("#budget")
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert _budget_rows(page) == expected
        form = edit_form_from(page)
    with app.app_context():
        assert len(db.session.get(Proposal, proposal_id).budget_lines) == 2


def _first_budget_row(app, amount: str) -> dict[str, str]:
    """The editor's first budget row for ILO on objective 6, category 1, with `amount` typed."""
    return {
        "budget-0-organization_id": str(org_id("ILO", app)),
        "budget-0-objective_number": "6",
        "budget-0-category_code": "1",
        "budget-0-amount": amount,
    }


def test_add_budget_rows_with_a_mistake_keeps_the_input_and_adds_rows(
    app, client, applicant, make_proposal
):
    proposal_id = make_proposal(applicant, complete=False)
    login(client, applicant.email)
    form = (
        edit_form(client, proposal_id)
        | _first_budget_row(app, "12.345")
        | {"add_rows": "Save and add budget rows"}
    )
    response = client.post(f"/proposals/{proposal_id}/edit", data=form)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'value="12.345"' in page
    assert _budget_rows(page) == 8
    with app.app_context():
        assert db.session.get(Proposal, proposal_id).budget_lines == []


def test_the_number_of_blank_rows_asked_for_is_bounded(app, client, applicant, make_proposal):
    proposal_id = make_proposal(applicant)
    login(client, applicant.email)
    for asked, shown in (("abc", 5), ("-4", 5), ("7", 9), ("100000", 101)):
        page = client.get(f"/proposals/{proposal_id}/edit?rows={asked}")
        assert page.status_code == 200
        assert _budget_rows(page.get_data(as_text=True)) == shown, asked


# Error messages name the fields as the page shows them ------------------------------------


def test_row_errors_name_the_field_as_labelled(app, client, applicant, make_proposal):
    proposal_id = make_proposal(applicant, complete=False)
    login(client, applicant.email)
    form = (
        edit_form(client, proposal_id)
        | _first_budget_row(app, "abc")
        | {
            "contacts-0-name": "Focal Point",
            "contacts-0-email": "not-an-address",
            "save": "Save draft",
        }
    )
    page = client.post(f"/proposals/{proposal_id}/edit", data=form).get_data(as_text=True)
    assert "Budget row 1, Amount (USD): “abc” is not an amount" in page
    assert "Contact 1, Email: Give a valid email address" in page
    assert "amount (usd)" not in page and ", email:" not in page


def test_form_error_summaries_use_the_labels_as_shown(app, client, login_as):
    login_as("secretariat", organization_acronym="IOM")
    token = csrf_token(client, "/calls/new")
    page = client.post(
        "/calls/new", data={"csrf_token": token, "title": "A call", "envelope": ""}
    ).get_data(as_text=True)
    assert "Envelope (USD): Give the envelope." in page


# A returned proposal: the revision request, and no unchanged resubmission ------------------


def _returned(app, applicant, create_user, make_proposal, comment="Raise the gender marker."):
    """A proposal submitted once (version 1), then returned by the secretariat."""
    proposal_id = make_proposal(applicant)
    secretariat = create_user(
        roles=("secretariat",), organization_acronym="IOM", name="Sam Secretariat"
    )
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        staff = db.session.get(User, secretariat.id)
        operations.fire(proposal, "submit", db.session.get(User, applicant.id))
        operations.fire(proposal, "start_screening", staff)
        operations.fire(proposal, "return_for_revision", staff, comment=comment)
        db.session.commit()
    return proposal_id


def test_an_unchanged_resubmission_is_refused(app, backend, applicant, create_user, make_proposal):
    proposal_id = _returned(app, applicant, create_user, make_proposal)
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        with pytest.raises(TransitionRefused) as refused:
            operations.fire(proposal, "submit", db.session.get(User, applicant.id))
        assert refused.value.failed_guards == ("revised_since_last_version",)
        assert refused.value.problems == [
            "Nothing has changed since version 1 was submitted. Revise the proposal as "
            "requested, then submit it again."
        ]
        db.session.rollback()
        proposal = db.session.get(Proposal, proposal_id)
        assert (proposal.status, proposal.submission_number) == ("returned", 1)
        assert db.session.scalar(select(func.count()).select_from(ProposalVersion)) == 1
        # Saving the same content again changes nothing either.
        proposal.budget_lines = [
            BudgetLine(
                organization_id=line.organization_id,
                objective_number=line.objective_number,
                category_code=line.category_code,
                amount=line.amount,
                description=line.description,
            )
            for line in reversed(proposal.budget_lines)
        ]
        db.session.flush()
        with pytest.raises(TransitionRefused):
            operations.fire(proposal, "submit", db.session.get(User, applicant.id))
        db.session.rollback()
        proposal = db.session.get(Proposal, proposal_id)
        proposal.gender_marker = 3
        operations.fire(proposal, "submit", db.session.get(User, applicant.id))
        db.session.commit()
        assert (proposal.status, proposal.submission_number) == ("submitted", 2)


def test_a_returned_proposal_shows_the_request_at_the_top(
    app, client, applicant, create_user, make_proposal
):
    proposal_id = _returned(app, applicant, create_user, make_proposal)
    login(client, applicant.email)
    page = client.get(f"/proposals/{proposal_id}").get_data(as_text=True)
    request_at = page.index("Revision requested")
    assert request_at < page.index("Ready to submit?") < page.index("Timeline")
    panel = page[request_at : page.index("Ready to submit?")]
    assert "Raise the gender marker." in panel
    assert "Sam Secretariat (IOM)" in panel and "UTC" in panel
    assert "Everything the fund checks is in place" not in page
    assert "Nothing has changed since version 1 was submitted" in page
    # Submitting anyway is refused with the reason, and nothing changes.
    token = csrf_token(client, f"/proposals/{proposal_id}")
    with app.app_context():
        version = db.session.get(Proposal, proposal_id).version
    response = client.post(
        f"/proposals/{proposal_id}/actions",
        data={"trigger": "submit", "version": version, "csrf_token": token},
    )
    assert response.status_code == 400
    assert "Nothing has changed since version 1 was submitted" in response.get_data(as_text=True)
    assert "revised_since_last_version" not in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Proposal, proposal_id).status == "returned"
        db.session.get(Proposal, proposal_id).summary = "Revised: a higher gender marker."
        db.session.commit()
    page = client.get(f"/proposals/{proposal_id}").get_data(as_text=True)
    assert "Revision requested" in page  # until the proposal is submitted again
    assert "You have changed the proposal since version 1" in page
    response = client.post(
        f"/proposals/{proposal_id}/actions",
        data={"trigger": "submit", "version": version + 1, "csrf_token": token},
    )
    assert response.status_code == 302
    page = client.get(f"/proposals/{proposal_id}").get_data(as_text=True)
    assert "Revision requested" not in page
    assert "Raise the gender marker." in page  # still in the timeline


def test_a_request_after_the_committees_review_says_so(
    app, client, applicant, create_user, make_proposal
):
    proposal_id = make_proposal(applicant)
    secretariat = create_user(roles=("secretariat",), organization_acronym="IOM")
    with app.app_context():
        staff = db.session.get(User, secretariat.id)
        take_to_committee(
            db.session.get(Proposal, proposal_id), db.session.get(User, applicant.id), staff
        )
        db.session.commit()
        committee_operations.return_for_revision(proposal_id, staff, "Sharpen the targets.")
        db.session.commit()
    login(client, applicant.email)
    page = client.get(f"/proposals/{proposal_id}").get_data(as_text=True)
    panel = page[page.index("Revision requested") : page.index("Ready to submit?")]
    assert "After the Executive Committee's review" in panel
    assert "Sharpen the targets." in panel


# The page of a submitted version ----------------------------------------------------------


def _two_versions(app, applicant, make_proposal, change) -> int:
    """A proposal with versions 1 and 2 stored as submitted; version 2 is version 1 changed by
    `change(snapshot)`."""
    proposal_id = make_proposal(applicant, status="submitted")
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        proposal.participants = [
            *proposal.participants,
            db.session.scalar(select(Organization).where(Organization.acronym == "UNDP")),
        ]
        proposal.countries = [db.session.get(Country, iso2) for iso2 in ("CL", "PE", "AR")]
        db.session.flush()
        first = snapshot(proposal)
        second = change(json.loads(json.dumps(first)))
        # The stored snapshots are the subject: version 1 as submitted is given this content
        # (which the submission checks would refuse) and version 2 stored beside it, as a
        # second submission would store it.
        version = db.session.scalar(
            select(ProposalVersion).where(ProposalVersion.proposal_id == proposal_id)
        )
        version.snapshot = first
        db.session.add(
            ProposalVersion(
                proposal_id=proposal_id,
                number=2,
                submitted_at=utcnow(),
                submitted_by_id=applicant.id,
                snapshot=second,
            )
        )
        proposal.submission_number = 2
        db.session.commit()
    return proposal_id


def _changes(page: str) -> str:
    return page[page.index('id="changes"') : page.index('id="content"')]


def test_ordering_alone_is_not_a_change(app, backend, client, applicant, make_proposal):
    def reorder(snap):
        snap["participants"] = list(reversed(snap["participants"]))
        snap["countries"] = list(reversed(snap["countries"]))
        snap["endorsers"] = list(reversed(snap["endorsers"]))
        snap["secondary_objectives"] = list(reversed(snap["secondary_objectives"]))
        snap["budget_lines"] = list(reversed(snap["budget_lines"]))
        snap["principles"] = dict(reversed(list(snap["principles"].items())))
        snap["summary"] = "A sharper summary."
        return snap

    proposal_id = _two_versions(app, applicant, make_proposal, reorder)
    login(client, applicant.email)
    changes = _changes(client.get(f"/proposals/{proposal_id}/versions/2").get_data(as_text=True))
    assert "A sharper summary." in changes
    for label in ("Participating UN organizations", "Countries", "Budget lines", "Secondary"):
        assert label not in changes, label


def test_a_changed_set_marks_what_was_added_and_removed(app, client, applicant, make_proposal):
    def swap(snap):
        snap["participants"] = [p for p in snap["participants"] if p != "UNDP"] + ["UNHCR"]
        return snap

    proposal_id = _two_versions(app, applicant, make_proposal, swap)
    login(client, applicant.email)
    changes = _changes(client.get(f"/proposals/{proposal_id}/versions/2").get_data(as_text=True))
    assert re.search(r"Removed</strong>: United Nations Development Programme \(UNDP\)", changes)
    assert re.search(r"Added</strong>: [^<]*\(UNHCR\)", changes)
    assert not re.search(r"(Added|Removed)</strong>: International Labour", changes)


def test_the_version_page_reads_like_the_proposal_document(app, client, applicant, make_proposal):
    proposal_id = _two_versions(app, applicant, make_proposal, lambda snap: snap)
    with app.app_context():
        letter = db.session.scalar(select(Attachment).where(Attachment.proposal_id == proposal_id))
        objective_6 = db.session.get(GcmObjective, 6).short_label
    login(client, applicant.email)
    page = client.get(f"/proposals/{proposal_id}/versions/1").get_data(as_text=True)
    content = page[page.index('id="content"') :]
    for shown in (
        "International Labour Organization (ILO)",
        "Chile",
        "Peru",
        "National",
        f"Objective 6: {objective_6}",
        "2: significant objective",
        "7% of each organization",
        "USD 1,070,000.00",
        "USD 600,000.00",
        "Government endorsement letter (Chile)",
        f'href="/proposals/{proposal_id}/attachments/{letter.id}"',
        "24 months",
        'role="region" tabindex="0" aria-labelledby="budget-lines-caption"',
    ):
        assert shown in content, shown
    for stored in ("endorsement_letter", "0.07", "1070000.00", "Primary objective 6", ">CL<"):
        assert stored not in content, stored
    assert "Nothing changed." in client.get(f"/proposals/{proposal_id}/versions/2").get_data(
        as_text=True
    )


def test_a_file_removed_since_is_named_without_a_link(app, client, applicant, make_proposal):
    proposal_id = _two_versions(app, applicant, make_proposal, lambda snap: snap)
    with app.app_context():
        db.session.get(Proposal, proposal_id).attachments = []
        db.session.commit()
    login(client, applicant.email)
    page = client.get(f"/proposals/{proposal_id}/versions/1").get_data(as_text=True)
    assert 'endorsement-chile.pdf <span class="muted">(no longer attached)</span>' in page
    assert f"/proposals/{proposal_id}/attachments/" not in page


def test_an_amount_that_is_not_one_is_refused_in_the_pages_language(
    app, client, applicant, make_proposal
):
    proposal_id = make_proposal(applicant, complete=False)
    login(client, applicant.email)
    form = edit_form(client, proposal_id) | _first_budget_row(app, "abc") | {"save": "Save draft"}
    answer = client.post(
        f"/proposals/{proposal_id}/edit", data=form, headers={"Accept-Language": "fr"}
    )
    page = answer.get_data(as_text=True)
    assert "«\u00a0abc\u00a0» n'est pas un montant" in html.unescape(page)
    assert "is not an amount" not in page


def test_a_budget_rows_caption_on_a_phone_is_in_the_pages_language(
    app, client, applicant, make_proposal
):
    proposal_id = make_proposal(applicant, complete=False)
    login(client, applicant.email)
    page = client.get(f"/proposals/{proposal_id}/edit", headers={"Accept-Language": "fr"})
    assert 'data-row="Ligne budgétaire">1</td>' in page.get_data(as_text=True)
    css = client.get("/static/css/fund.css").get_data(as_text=True)
    assert 'content: attr(data-row) " "' in css and "Budget row" not in css


def test_the_budget_limit_problem_is_whole_in_the_pages_language(
    app, client, applicant, make_proposal
):
    proposal_id = make_proposal(applicant, complete=False)
    login(client, applicant.email)
    page = client.get(f"/proposals/{proposal_id}/edit", headers={"Accept-Language": "fr"})
    shown = html.unescape(page.get_data(as_text=True))
    assert "Le budget total (" in shown and "coûts indirects d'appui compris) doit" in shown
    assert "The total budget" not in shown


def test_submitting_says_what_happens_next(app, client, applicant, make_proposal):
    proposal_id = make_proposal(applicant)
    login(client, applicant.email)
    token = csrf_token(client, f"/proposals/{proposal_id}")
    with app.app_context():
        version = db.session.get(Proposal, proposal_id).version
    response = client.post(
        f"/proposals/{proposal_id}/actions",
        data={"trigger": "submit", "version": version, "csrf_token": token},
        follow_redirects=True,
    )
    page = html.unescape(response.get_data(as_text=True))
    assert "Done: the proposal is now “Submitted”." in page
    assert "Next, the secretariat screens it for eligibility" in page
    # Said to the applicant who submitted it: "you are told", not "the applicant is told".
    assert "you are told when it is forwarded to the committee" in page


def test_every_state_a_step_leads_to_says_what_happens_next():
    from workflows import CONCEPT_NOTE_WORKFLOW, PROPOSAL_WORKFLOW

    for workflow in (PROPOSAL_WORKFLOW, CONCEPT_NOTE_WORKFLOW):
        reached = {rule.dest for rule in workflow.rules}
        onward = {s for rule in workflow.rules if rule.trigger != "withdraw" for s in rule.sources}
        for state in sorted(reached & onward):
            assert workflow.next_step(state), f"{workflow.name}: {state} says no next step"


def test_a_lead_entity_without_an_acronym_is_named_in_the_stored_version(
    app, applicant, make_proposal
):
    """The acronym is optional: the version and its PDF name the lead by its label (its name
    then), as the live page does, not "—"."""
    proposal_id = make_proposal(applicant, status="draft")
    with app.app_context():
        network = Organization(name="United Nations Network on Migration", kind="un_entity")
        db.session.add(network)
        proposal = db.session.get(Proposal, proposal_id)
        proposal.lead_organization = network
        proposal.participants = [*proposal.participants, network]
        db.session.flush()
        taken = snapshot(proposal)
        assert taken["lead_organization"] == "United Nations Network on Migration"
        assert taken["lead_organization"] in taken["participants"]
        db.session.rollback()

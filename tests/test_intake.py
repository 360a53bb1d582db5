"""The applicant's journey: create, save partial drafts, fix errors, submit, revise, resubmit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from fund.accounts.models import Organization, User
from fund.calls.models import Call
from fund.extensions import db
from fund.proposals import operations
from fund.proposals.checks import submission_problems
from fund.proposals.models import BudgetLine, Proposal, ProposalVersion
from tests.factories import fill_complete
from tests.helpers import csrf_token, edit_form, login, org_id


def _proposal(app, proposal_id: int) -> Proposal:
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        db.session.expunge(proposal)
        return proposal


def test_create_a_draft_for_an_open_call(app, client, applicant, open_call):
    login(client, applicant.email)
    token = csrf_token(client, "/proposals/new")
    response = client.post(
        "/proposals/new", data={"call_id": open_call, "title": "Decent work", "csrf_token": token}
    )
    assert response.status_code == 302
    proposal_id = int(response.headers["Location"].split("/")[2])
    proposal = _proposal(app, proposal_id)
    assert (proposal.title, proposal.status) == ("Decent work", "draft")
    assert proposal.organization_id == org_id("ILO", app)


def test_closed_call_accepts_no_new_proposal(app, client, applicant):
    with app.app_context():
        closed = Call(
            title="Old call", opens_on=date(2024, 1, 1), closes_on=date(2024, 2, 1), envelope=1
        )
        db.session.add(closed)
        db.session.commit()
        closed_id = closed.id
    login(client, applicant.email)
    page = client.get("/proposals/new").get_data(as_text=True)
    assert "Old call" not in page
    token = csrf_token(client, "/proposals/new") if "csrf_token" in page else ""
    response = client.post(
        "/proposals/new", data={"call_id": closed_id, "title": "Late", "csrf_token": token}
    )
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Proposal)) == 0


def test_save_a_partial_draft_and_come_back(app, client, applicant, make_proposal):
    proposal_id = make_proposal(applicant, complete=False)
    login(client, applicant.email)
    form = edit_form(client, proposal_id)
    form |= {
        "summary": "Half-written summary",
        "participants": [str(org_id("ILO", app))],
        "budget-0-organization_id": str(org_id("ILO", app)),
        "budget-0-objective_number": "6",
        "budget-0-category_code": "1",
        "budget-0-amount": "125,000.50",
        "save": "Save draft",
    }
    response = client.post(f"/proposals/{proposal_id}/edit", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        assert proposal.summary == "Half-written summary"
        assert [line.amount for line in proposal.budget_lines] == [Decimal("125000.50")]
        assert proposal.status == "draft"
    page = client.get(f"/proposals/{proposal_id}/edit").get_data(as_text=True)
    assert "Half-written summary" in page and 'value="125,000.50"' in page


def test_bad_amount_keeps_input_and_saves_nothing(app, client, applicant, make_proposal):
    proposal_id = make_proposal(applicant, complete=False)
    login(client, applicant.email)
    form = edit_form(client, proposal_id) | {
        "summary": "Typed but not saved",
        "budget-0-organization_id": str(org_id("ILO", app)),
        "budget-0-objective_number": "6",
        "budget-0-category_code": "1",
        "budget-0-amount": "12.345",
        "budget-1-amount": "-5",
        "save": "Save draft",
    }
    response = client.post(f"/proposals/{proposal_id}/edit", data=form)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Use at most two decimals" in page
    assert "Budget row 2, Organization: Choose the organization." in page
    assert 'href="#budget-0-amount"' in page
    assert "Typed but not saved" in page and 'value="12.345"' in page
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        assert proposal.summary == "Decent work for migrant workers."
        assert proposal.budget_lines == []


def test_two_people_editing_the_same_draft(app, applicant, create_user, make_proposal):
    colleague = create_user(roles=("applicant",), organization_acronym="ILO")
    proposal_id = make_proposal(applicant, complete=False)
    first, second = app.test_client(), app.test_client()
    login(first, applicant.email)
    login(second, colleague.email)
    form_first = edit_form(first, proposal_id) | {"summary": "First save", "save": "Save draft"}
    form_second = edit_form(second, proposal_id) | {"summary": "Second, stale", "save": "Save"}
    assert first.post(f"/proposals/{proposal_id}/edit", data=form_first).status_code == 302
    response = second.post(f"/proposals/{proposal_id}/edit", data=form_second)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "changed since you opened it" in page and "Second, stale" in page
    assert _proposal(app, proposal_id).summary == "First save"


def test_other_organizations_get_404(app, client, applicant, create_user, make_proposal):
    proposal_id = make_proposal(applicant)
    outsider = create_user(roles=("applicant",), organization_acronym="UNDP")
    login(client, outsider.email)
    for path in ("", "/edit", "/attachments/1", "/versions/1"):
        assert client.get(f"/proposals/{proposal_id}{path}").status_code == 404, path
    listing = client.get("/proposals").get_data(as_text=True)
    assert "Safe labour migration corridors" not in listing


def test_edit_only_in_draft_or_returned(app, client, applicant, make_proposal):
    proposal_id = make_proposal(applicant, status="submitted")
    login(client, applicant.email)
    response = client.get(f"/proposals/{proposal_id}/edit")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "can only be edited as a draft" in page


def test_each_submission_check_alone(app, applicant, make_proposal):
    """Each problem is reported on its own: breaking one thing gives exactly its message."""
    proposal_id = make_proposal(applicant)
    rules = operations.Rules(indirect_rate=Decimal("0.07"), gender_minimum=2)
    breakages = {
        "gender": (lambda p: setattr(p, "gender_marker", 1), "gender marker must be at least 2"),
        "duration": (lambda p: setattr(p, "duration_months", 48), "between 12 and 36 months"),
        "participants": (
            lambda p: setattr(p, "participants", p.participants[:1]),
            "at least two participating UN organizations",
        ),
        "letter": (
            lambda p: setattr(p, "attachments", []),
            "endorsement letter of the Government of Chile",
        ),
        "objective": (
            lambda p: setattr(p, "secondary_objectives", []),
            "budget uses objective 18, which is not among",
        ),
        "total": (
            lambda p: setattr(p.budget_lines[0], "amount", Decimal("5000000")),
            "must be between USD 500,000.00 and USD 3,000,000.00",
        ),
        "explanation": (
            lambda p: setattr(p.principles[0], "explanation", " "),
            "Explain how the programme addresses",
        ),
        "lead": (
            lambda p: setattr(p, "lead_organization_id", org_id("UNDP", app)),
            "lead UN entity must be among",
        ),
    }
    with app.app_context():
        assert submission_problems(db.session.get(Proposal, proposal_id), rules) == []
        for name, (breaker, expected) in breakages.items():
            proposal = db.session.get(Proposal, proposal_id)
            breaker(proposal)
            db.session.flush()
            db.session.expire(proposal)
            messages = [
                p.message for p in submission_problems(db.session.get(Proposal, proposal_id), rules)
            ]
            assert len(messages) >= 1 and any(expected in m for m in messages), (name, messages)
            db.session.rollback()


def test_all_problems_at_once(app, client, applicant, make_proposal):
    proposal_id = make_proposal(applicant, complete=False, summary="")
    login(client, applicant.email)
    page = client.get(f"/proposals/{proposal_id}").get_data(as_text=True)
    for expected in (
        "Give a summary.",
        "Choose the lead (convening) UN entity.",
        "Name the endorsing government(s).",
        "Give the gender marker.",
        "Choose the primary GCM objective.",
    ):
        assert expected in page
    assert f'href="/proposals/{proposal_id}/edit#summary"' in page
    token = csrf_token(client, f"/proposals/{proposal_id}")
    version = _proposal(app, proposal_id).version
    response = client.post(
        f"/proposals/{proposal_id}/actions",
        data={"trigger": "submit", "version": version, "csrf_token": token},
    )
    assert response.status_code == 400
    assert "needs the following first" in response.get_data(as_text=True)
    assert _proposal(app, proposal_id).status == "draft"


def test_member_state_applicant_must_endorse(app, create_user, open_call):
    with app.app_context():
        chile = Organization(name="Government of Chile", kind="member_state", country_iso2="CL")
        db.session.add(chile)
        db.session.commit()
    minister = create_user(roles=("applicant",), organization_acronym=None)
    with app.app_context():
        user = db.session.get(User, minister.id)
        user.organization = db.session.scalar(
            select(Organization).where(Organization.country_iso2 == "CL")
        )
        proposal = operations.create_draft(user, call_id=open_call, title="Chile JP", summary="S")
        fill_complete(proposal)
        rules = operations.Rules(indirect_rate=Decimal("0.07"), gender_minimum=2)
        assert submission_problems(proposal, rules) == []
        proposal.endorsers = []
        messages = [p.message for p in submission_problems(proposal, rules)]
        assert any(
            "Government of Chile must be among the endorsing governments" in m for m in messages
        )


def test_submit_return_resubmit_makes_a_second_version_with_differences(
    app, client, applicant, create_user, make_proposal
):
    proposal_id = make_proposal(applicant)
    secretariat = create_user(roles=("secretariat",), organization_acronym="IOM")
    with app.app_context():
        author = db.session.get(User, applicant.id)
        staff = db.session.get(User, secretariat.id)
        proposal = db.session.get(Proposal, proposal_id)
        operations.fire(proposal, "submit", author)
        operations.fire(proposal, "start_screening", staff)
        operations.fire(proposal, "return_for_revision", staff, comment="Raise the gender marker.")
        proposal.gender_marker = 3
        proposal.budget_lines[0].amount = Decimal("650000.00")
        db.session.flush()
        operations.fire(proposal, "submit", author)
        db.session.commit()
        numbers = db.session.scalars(
            select(ProposalVersion.number).where(ProposalVersion.proposal_id == proposal_id)
        ).all()
        assert numbers == [1, 2]
        assert proposal.submission_number == 2
    login(client, applicant.email)
    page = client.get(f"/proposals/{proposal_id}/versions/2").get_data(as_text=True)
    assert "What changed since version 1" in page
    assert "Gender marker" in page and "Budget lines" in page and "Total budget (USD)" in page
    assert "Rationale" not in page.split("What changed")[1].split("Content as submitted")[0]
    detail = client.get(f"/proposals/{proposal_id}").get_data(as_text=True)
    assert "Raise the gender marker." in detail


def test_version_snapshot_never_changes(app, applicant, make_proposal):
    proposal_id = make_proposal(applicant)
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        operations.fire(proposal, "submit", db.session.get(User, applicant.id))
        db.session.commit()
        stored = db.session.scalar(select(ProposalVersion))
        assert stored.snapshot["budget_total"] == "1070000.00"  # 1,000,000 direct + 7%
        assert stored.snapshot["participants"] == ["ILO", "IOM"]
        proposal.title = "Changed afterwards"
        db.session.commit()
        assert db.session.scalar(select(ProposalVersion)).snapshot["title"] != "Changed afterwards"


def test_double_submission_is_refused_by_the_database(app, backend, applicant, make_proposal):
    """Two submissions racing from the same read: the unique version number stops the second."""
    proposal_id = make_proposal(applicant)
    with app.app_context():
        db.session.add(
            ProposalVersion(
                proposal_id=proposal_id, number=1, submitted_at=db.func.now(), snapshot={}
            )
        )
        db.session.commit()
        db.session.add(
            ProposalVersion(
                proposal_id=proposal_id, number=1, submitted_at=db.func.now(), snapshot={}
            )
        )
        from sqlalchemy.exc import IntegrityError

        with pytest.raises(IntegrityError):
            db.session.commit()


def test_detail_page_shows_budget_tables(app, client, applicant, make_proposal):
    proposal_id = make_proposal(applicant)
    login(client, applicant.email)
    page = client.get(f"/proposals/{proposal_id}").get_data(as_text=True)
    assert "USD 600,000.00" in page and "USD 42,000.00" in page  # ILO direct and 7%
    assert "USD 1,070,000.00" in page
    assert "Everything the fund checks is in place" in page


def test_budget_lines_cannot_be_negative_in_the_database(app, backend, applicant, make_proposal):
    proposal_id = make_proposal(applicant)
    with app.app_context():
        line = db.session.scalar(select(BudgetLine).where(BudgetLine.proposal_id == proposal_id))
        line.amount = Decimal("-1.00")
        from sqlalchemy.exc import IntegrityError

        with pytest.raises(IntegrityError):
            db.session.commit()


def test_list_shows_own_organization_and_filters(app, client, applicant, make_proposal):
    make_proposal(applicant, title="Alpha programme")
    make_proposal(applicant, title="Beta programme", status="submitted")
    login(client, applicant.email)
    page = client.get("/proposals").get_data(as_text=True)
    assert "Alpha programme" in page and "Beta programme" in page
    filtered = client.get("/proposals?status=submitted").get_data(as_text=True)
    assert "Beta programme" in filtered and "Alpha programme" not in filtered
    searched = client.get("/proposals?q=alpha").get_data(as_text=True)
    assert "Alpha programme" in searched and "Beta programme" not in searched

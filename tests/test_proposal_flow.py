"""The workflow engine wired into the application: operations, audit events, signals, pages."""

from __future__ import annotations

import html
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from fund.accounts.models import Organization, User
from fund.audit.models import AuditEvent
from fund.calls.models import Call
from fund.extensions import db, utcnow
from fund.proposals import operations
from fund.proposals.models import Proposal
from fund.signals import proposal_transitioned
from tests.conftest import csrf_token
from tests.factories import new_open_call
from tests.helpers import client_for, user
from workflows import PROPOSAL_WORKFLOW, TransitionRefused

ROOT = Path(__file__).resolve().parent.parent


def _load(proposal_id: int) -> Proposal:
    return db.session.get(Proposal, proposal_id)


def test_fire_changes_state_writes_audit_and_signals(app, backend, create_user, make_proposal):
    author = create_user(roles=("applicant",), organization_acronym="ILO")
    proposal_id = make_proposal(author)
    received = []

    def listener(sender, **kwargs):
        received.append((sender.id, kwargs["trigger"], kwargs["from_state"], kwargs["to_state"]))

    with app.app_context(), proposal_transitioned.connected_to(listener):
        proposal = _load(proposal_id)
        actor = db.session.get(User, author.id)
        event = operations.fire(proposal, "submit", actor)
        db.session.commit()
        assert proposal.status == "submitted"
        assert proposal.submitted_at is not None
        assert (event.action, event.from_state, event.to_state) == ("submit", "draft", "submitted")
        assert event.actor_id == author.id and event.actor_org_id == actor.organization_id
    assert received == [(proposal_id, "submit", "draft", "submitted")]


def test_refused_transition_changes_nothing_and_says_why(app, backend, create_user, make_proposal):
    author = create_user(roles=("applicant",), organization_acronym="ILO")
    outsider = create_user(roles=("applicant",), organization_acronym="UNDP")
    proposal_id = make_proposal(author)
    with app.app_context():
        events_before = db.session.scalar(select(db.func.count()).select_from(AuditEvent))
        proposal = _load(proposal_id)
        with pytest.raises(TransitionRefused) as refused:
            operations.fire(proposal, "submit", db.session.get(User, outsider.id))
        assert refused.value.reason == "guard"
        assert refused.value.guard == "own_organization"
        with pytest.raises(TransitionRefused) as refused:
            operations.fire(proposal, "start_screening", db.session.get(User, author.id))
        assert refused.value.reason == "state"
        db.session.rollback()
        assert _load(proposal_id).status == "draft"
        assert db.session.scalar(select(db.func.count()).select_from(AuditEvent)) == events_before


def test_submit_is_refused_when_the_call_is_closed(app, create_user, make_proposal):
    author = create_user(roles=("applicant",), organization_acronym="ILO")
    with app.app_context():
        closed = Call(
            title="Last year's call",
            opens_on=date(2025, 1, 1),
            closes_on=date(2025, 3, 31),
            envelope=Decimal("1"),
        )
        db.session.add(closed)
        db.session.commit()
        closed_id = closed.id
    proposal_id = make_proposal(author, call_id=closed_id)
    with app.app_context():
        with pytest.raises(TransitionRefused) as refused:
            operations.fire(_load(proposal_id), "submit", db.session.get(User, author.id))
        assert "closed on 31 March 2025" in str(refused.value)


def test_a_proposal_returned_after_the_call_closed_goes_in_again(app, create_user, make_proposal):
    """Screening and the committee return proposals after the call's closing day: the one
    returned goes in again whatever the call's dates (it was first submitted within them), and
    its page offers it so; a draft never submitted stays refused."""
    author = create_user(roles=("applicant",), organization_acronym="ILO")
    today = utcnow().date()
    with app.app_context():
        call_id = new_open_call(title="This year's call").id
        db.session.commit()
    returned_id = make_proposal(author, call_id=call_id, status="returned")
    with app.app_context():
        db.session.get(Call, call_id).closes_on = today - timedelta(days=1)  # closed since
        returned = _load(returned_id)
        returned.summary = returned.summary + " Revised."
        db.session.commit()
        client = client_for(app, user(author))
    page = client.get(f"/proposals/{returned_id}").get_data(as_text=True)
    assert "can no longer be submitted" not in page
    with app.app_context():
        operations.fire(_load(returned_id), "submit", db.session.get(User, author.id))
        db.session.commit()
        assert _load(returned_id).status == "submitted"


def test_a_draft_before_its_call_opens_is_told_when_it_can_go_in(app, create_user, make_proposal):
    """Before the call opens, the page says the day it opens and that the draft can be
    submitted from then, not that it can no longer be."""
    author = create_user(roles=("applicant",), organization_acronym="ILO")
    with app.app_context():
        today = utcnow().date()
        later = new_open_call(
            title="Next year's call",
            opens_on=today + timedelta(days=30),
            closes_on=today + timedelta(days=90),
        )
        db.session.commit()
        later_id = later.id
    draft_id = make_proposal(author, call_id=later_id)
    with app.app_context():
        client = client_for(app, user(author))
    page = html.unescape(client.get(f"/proposals/{draft_id}").get_data(as_text=True))
    readiness = page.split('id="readiness"')[1].split("</section>")[0]
    assert "The call “Next year's call” opens on" in readiness
    assert "It can be submitted from that day." in readiness
    assert "can no longer be submitted" not in readiness


def test_submit_lists_every_missing_piece(app, create_user, make_proposal):
    author = create_user(roles=("applicant",), organization_acronym="ILO")
    proposal_id = make_proposal(author, title=" ", summary="")
    with app.app_context():
        with pytest.raises(TransitionRefused) as refused:
            operations.fire(_load(proposal_id), "submit", db.session.get(User, author.id))
        assert refused.value.problems == ["Give a title.", "Give a summary."]


@pytest.mark.parametrize(
    ("trigger", "status"),
    [
        ("forward_to_committee", "screening"),
        ("declare_ineligible", "screening"),
        ("approve", "committee_review"),
        ("reject", "committee_review"),
        ("fund", "approved"),
        ("close", "funded"),
    ],
)
def test_gates_of_later_steps_stay_closed(app, create_user, make_proposal, trigger, status):
    author = create_user(roles=("applicant",), organization_acronym="ILO")
    secretariat = create_user(roles=("secretariat",), organization_acronym="IOM")
    proposal_id = make_proposal(author, status=status)
    with app.app_context():
        # A reason would let a funded project close unpaid: its gate is full disbursement.
        comment = None if trigger == "close" else "x"
        with pytest.raises(TransitionRefused) as refused:
            operations.fire(
                _load(proposal_id), trigger, db.session.get(User, secretariat.id), comment=comment
            )
        assert refused.value.reason == "guard"
        assert _load(proposal_id).status == status


def test_stale_update_is_refused_by_the_version_counter(app, backend, create_user, make_proposal):
    """Two requests that read the same version: only the first write lands."""
    author = create_user(roles=("applicant",), organization_acronym="ILO")
    proposal_id = make_proposal(author)
    with app.app_context():
        first = _load(proposal_id)
        actor = db.session.get(User, author.id)
        version = first.version
        # Another request moves the proposal on behind our back (a withdrawal, in SQL).
        with db.engine.begin() as other:
            other.execute(
                Proposal.__table__.update()
                .where(Proposal.id == proposal_id)
                .values(status="withdrawn", version=version + 1)
            )
        operations.ENGINE.fire(
            first, "submit", actor, context=operations.workflow_context(utcnow(), None)
        )
        with pytest.raises(StaleDataError):
            db.session.flush()
        db.session.rollback()
        assert _load(proposal_id).status == "withdrawn"


def test_attaching_the_engine_keeps_the_stored_state(app, create_user, make_proposal):
    author = create_user(roles=("applicant",), organization_acronym="ILO")
    proposal_id = make_proposal(author, status="committee_review")
    with app.app_context():
        proposal = _load(proposal_id)
        operations.ENGINE.attach(proposal)
        actions = operations.allowed_actions(proposal, db.session.get(User, author.id))
        assert proposal.status == "committee_review"
        assert [rule.trigger for rule in actions] == ["withdraw"]


def test_page_shows_actions_and_timeline_and_fires_them(app, client, create_user, make_proposal):
    author = create_user(roles=("applicant",), organization_acronym="ILO", name="Ana Author")
    proposal_id = make_proposal(author)
    from tests.conftest import login

    login(client, author.email)
    page = client.get(f"/proposals/{proposal_id}").get_data(as_text=True)
    # Submit among the actions; the withdrawal apart, confirmed on its own page.
    assert 'value="submit"' in page and f'href="/proposals/{proposal_id}/withdraw"' in page
    assert "Create" in page and "Ana Author" in page
    token = csrf_token(client, f"/proposals/{proposal_id}")
    with app.app_context():
        version = _load(proposal_id).version
    response = client.post(
        f"/proposals/{proposal_id}/actions",
        data={"trigger": "submit", "version": version, "csrf_token": token, "comment": "Ready."},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(f"/proposals/{proposal_id}").get_data(as_text=True)
    assert "Submitted" in page and "Ready." in page
    assert 'value="submit"' not in page


def test_page_refusal_keeps_the_comment_and_explains(app, client, create_user, make_proposal):
    author = create_user(roles=("applicant",), organization_acronym="ILO")
    proposal_id = make_proposal(author, status="submitted")
    from tests.conftest import login

    login(client, author.email)
    token = csrf_token(client, f"/proposals/{proposal_id}")
    with app.app_context():
        version = _load(proposal_id).version
    response = client.post(
        f"/proposals/{proposal_id}/actions",
        data={"trigger": "withdraw", "version": version, "csrf_token": token, "comment": "  "},
    )
    assert response.status_code == 400
    assert "a comment is required" in response.get_data(as_text=True)
    with app.app_context():
        assert _load(proposal_id).status == "submitted"


def test_double_submit_from_a_stale_page_gets_a_friendly_conflict(
    app, client, create_user, make_proposal
):
    author = create_user(roles=("applicant",), organization_acronym="ILO")
    proposal_id = make_proposal(author)
    from tests.conftest import login

    login(client, author.email)
    token = csrf_token(client, f"/proposals/{proposal_id}")
    with app.app_context():
        version = _load(proposal_id).version
    form = {"trigger": "submit", "version": version, "csrf_token": token}
    assert client.post(f"/proposals/{proposal_id}/actions", data=form).status_code == 302
    second = client.post(f"/proposals/{proposal_id}/actions", data=form)
    assert second.status_code == 409
    assert "changed since you opened it" in second.get_data(as_text=True)
    with app.app_context():
        submits = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "submit")).all()
        assert len(submits) == 1


@pytest.mark.parametrize(
    ("role", "org", "status", "expected"),
    [
        ("applicant", "ILO", "draft", 200),
        ("applicant", "UNDP", "draft", 404),
        ("secretariat", "IOM", "draft", 200),
        ("committee", "UNHCR", "screening", 404),
        ("committee", "UNHCR", "committee_review", 200),
        ("admin", None, "draft", 403),
        ("applicant", None, "draft", 404),
    ],
)
def test_who_sees_a_proposal(app, client, create_user, make_proposal, role, org, status, expected):
    author = create_user(roles=("applicant",), organization_acronym="ILO")
    proposal_id = make_proposal(author, status=status)
    viewer = create_user(roles=(role,), organization_acronym=org)
    from tests.conftest import login

    login(client, viewer.email)
    assert client.get(f"/proposals/{proposal_id}").status_code == expected


def test_anonymous_visitors_are_sent_to_sign_in(client, create_user, make_proposal):
    author = create_user(roles=("applicant",), organization_acronym="ILO")
    proposal_id = make_proposal(author)
    assert "/login" in client.get(f"/proposals/{proposal_id}").headers["Location"]


def test_workflow_page_lists_every_transition(client, login_as):
    login_as("secretariat", organization_acronym=None)  # the technical view names the codes
    page = client.get("/workflow").get_data(as_text=True)
    for rule in PROPOSAL_WORKFLOW.rules:
        assert f"<code>{rule.trigger}</code>" in page
    for state in PROPOSAL_WORKFLOW.states:
        assert PROPOSAL_WORKFLOW.state_label(state) in page
    assert "stateDiagram-v2" in page


@pytest.mark.parametrize("language", ["en", "fr", "es", "ar"])
def test_the_public_workflow_says_each_step_in_words_without_code_names(client, language):
    """A visitor reads each step's label, who takes it and its conditions as sentences, in
    the page's language: no action or guard code, no diagram source, no command."""
    from flask_babel import force_locale, gettext

    from workflows.proposal import GUARD_CONDITIONS

    page = html.unescape(client.get(f"/workflow?lang={language}").get_data(as_text=True))
    for rule in PROPOSAL_WORKFLOW.rules:
        assert f"<code>{rule.trigger}</code>" not in page
        for guard in rule.guards:
            assert guard not in page, guard
    for code in ("stateDiagram", "classDef", "-->", "flask fund diagram", "README", "guard"):
        assert code not in page, code
    with client.application.test_request_context(), force_locale(language):
        for rule in PROPOSAL_WORKFLOW.rules:
            assert gettext(rule.label) in page, rule.label
        for condition in GUARD_CONDITIONS.values():
            assert gettext(condition) in page, condition


def test_every_guard_of_the_proposal_workflow_has_its_condition_in_words():
    from workflows.proposal import GUARD_CONDITIONS

    assert set(GUARD_CONDITIONS) == {g for rule in PROPOSAL_WORKFLOW.rules for g in rule.guards}


@pytest.mark.parametrize(
    ("roles", "technical"),
    [
        (("applicant",), False),
        (("committee",), False),
        (("administrative_agent",), False),
        (("secretariat",), True),
        (("admin",), True),
    ],
)
def test_only_the_secretariat_and_administrators_see_the_workflow_s_codes(
    client, login_as, roles, technical
):
    login_as(*roles, organization_acronym="ILO" if roles == ("applicant",) else None)
    page = client.get("/workflow").get_data(as_text=True)
    assert ("<code>start_screening</code>" in page) is technical
    assert ("stateDiagram-v2" in page) is technical
    assert "Submit the proposal to the secretariat" in page


def test_diagram_command_matches_the_readme(runner, tmp_path):
    result = runner.invoke(args=["fund", "diagram"])
    assert result.exit_code == 0
    assert "stateDiagram-v2" in result.output
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert result.output.strip() in readme, "README diagram is out of date: run flask fund diagram"
    out = tmp_path / "d.mmd"
    assert runner.invoke(args=["fund", "diagram", "--out", str(out)]).exit_code == 0
    assert out.read_text(encoding="utf-8").strip() == result.output.strip()


def test_create_admin_command(app, runner):
    result = runner.invoke(
        args=["fund", "create-admin", "--email", "Root@Fund.org", "--name", "Root"],
        input="a long admin password\na long admin password\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "root@fund.org"))
        assert user.roles == {"admin"}
    again = runner.invoke(
        args=[
            "fund",
            "create-admin",
            "--email",
            "root@fund.org",
            "--name",
            "Root",
            "--password",
            "x" * 20,
        ]
    )
    assert again.exit_code != 0 and "already exists" in again.output
    short = runner.invoke(
        args=["fund", "create-admin", "--email", "b@fund.org", "--name", "B", "--password", "short"]
    )
    assert short.exit_code != 0 and "at least 12" in short.output
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Organization)) > 0

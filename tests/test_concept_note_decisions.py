"""The committee's three outcomes on a concept note, the invitation to a full programme and the
full proposal made from the concept note.

The committee votes on a concept note with the existing rounds and rules; the secretariat
closing the round records the outcome: selected for development, approved into the pipeline at
a place (the others from that place on move down one, in one statement; the database keeps the
places unique), or not approved. The secretariat invites a selected or pipeline concept note
with a deadline; the applicant starts the full programme, filled in from the concept note and
linked to it (one per concept note, however many clicks); its version page shows what changed
since the concept note, and the full budget is compared with the indicative total: a
difference of more than 20% (INDICATIVE_TOTAL_TOLERANCE) is flagged, exactly 20% is not.
"""

from __future__ import annotations

import html
import re
import threading
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, func, select, update
from sqlalchemy.exc import IntegrityError

from fund.audit.models import AuditEvent
from fund.committee import operations as committee_operations
from fund.committee.models import VotingRound
from fund.committee.rounds import fingerprint, open_round_of
from fund.extensions import db, utcnow
from fund.notifications.models import OutboxMessage
from fund.proposals import invitations
from fund.proposals import operations as proposal_operations
from fund.proposals.conversion import TotalComparison
from fund.proposals.models import BudgetLine, Proposal, ProposalContact
from fund.proposals.ranking import ranked_ids
from fund.screening import operations as screening_operations
from tests.concept_note_factories import (
    INDICATIVE,
    advance_note,
    closed_two_stage_call,
    new_concept_note,
    two_stage_call,
    vote_all,
)
from tests.factories import endorsement_letter, ensure_a_voter
from tests.helpers import audit_events, client_for, csrf_token, organization, pdf_text, user
from workflows import TransitionRefused

# Set-up -------------------------------------------------------------------------------------


@pytest.fixture
def people(create_user) -> dict[str, Any]:
    return {
        "author": create_user(roles=("applicant",), organization_acronym="ILO", name="Ana"),
        "other": create_user(roles=("applicant",), organization_acronym="UNDP"),
        "secretariat": create_user(roles=("secretariat",), organization_acronym="IOM"),
        "committee": create_user(roles=("committee",), organization_acronym="UNHCR"),
    }


@pytest.fixture
def call(app: Flask) -> int:
    with app.app_context():
        call_id = two_stage_call()
        db.session.commit()
        return call_id


def _note(app: Flask, people, call: int, status: str, **values: Any) -> int:
    with app.app_context():
        note = new_concept_note(people["author"], call, status, **values)
        db.session.commit()
        return note.id


def _get(app: Flask, model, row_id: int):
    with app.app_context():
        row = db.session.get(model, row_id)
        db.session.expunge(row)
        return row


def _round(app: Flask, note_id: int) -> VotingRound:
    with app.app_context():
        found = db.session.scalar(
            select(VotingRound)
            .where(VotingRound.proposal_id == note_id)
            .order_by(VotingRound.number.desc())
            .limit(1)
        )
        db.session.expunge(found)
        return found


def _vote(app: Flask, note_id: int, choice: str = "approve") -> int:
    with app.app_context():
        round_ = vote_all(db.session.get(Proposal, note_id), choice)
        db.session.commit()
        return round_.id


def _close(app: Flask, client, round_id: int, **data: str):
    """The secretariat's closing form on the meeting page, with the round's fingerprint."""
    with app.app_context():
        shown = fingerprint(db.session.get(VotingRound, round_id))
    token = csrf_token(client, "/committee/meeting")
    return client.post(
        f"/committee/rounds/{round_id}/close",
        data={"csrf_token": token, "fingerprint": shown, **data},
    )


def _audit_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEvent))


def _mails(app: Flask, kind: str) -> list[OutboxMessage]:
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
            )
        )
        db.session.expunge_all()
        return rows


def _events(app: Flask, action: str, subject_id: int) -> list[AuditEvent]:
    return audit_events(app, action, subject_id)


# The committee's decision -------------------------------------------------------------------


def test_a_round_opens_when_a_concept_note_enters_committee_review(app, backend, people, call):
    note_id = _note(app, people, call, "committee_review")
    with app.app_context():
        round_ = open_round_of(note_id)
        note = db.session.get(Proposal, note_id)
        assert round_ is not None and round_.number == 1
        assert round_.decision_rule == note.call.decision_rule
        assert round_.version_number == note.submission_number == 1
    # The messages of the way there name a concept note, not a proposal.
    reference = f"P-{note_id:05d}"
    for kind in ("submission_received", "proposal_with_committee", "forwarded_to_committee"):
        mails = _mails(app, kind)
        assert mails, kind
        for mail in mails:
            assert f"concept note {reference}" in mail.text_body, kind
            assert f"proposal {reference}" not in mail.text_body, kind


def test_select_for_development_with_conditions(app, backend, people, call):
    note_id = _note(app, people, call, "committee_review")
    with app.app_context():
        round_ = open_round_of(note_id)
        round_id = round_.id
        for member in round_.members:
            if member.recusal is None:
                committee_operations.cast_vote(
                    round_id, member.user, "approve", conditions="A gender analysis first."
                )
        db.session.commit()
    # The review page shows the concept note as submitted: its partners and indicative total.
    member = client_for(app, people["committee"])
    review = html.unescape(member.get(f"/committee/proposals/{note_id}").get_data(as_text=True))
    assert "Indicative budget" in review and "USD 700,000.00" in review
    assert "Ministry of Labour" in review and "USD 1,200,000.00" in review
    assert re.search(r"Ministry of Labour\s*<span[^>]*>\(Line ministry\)</span>", review)
    secretariat = client_for(app, people["secretariat"])
    meeting = html.unescape(secretariat.get("/committee/meeting").get_data(as_text=True))
    assert "Select for development" in meeting and "Approve into the pipeline" in meeting
    response = _close(
        app, secretariat, round_id, decision="selected", summary="Develop it with UN Women."
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    note, round_ = _get(app, Proposal, note_id), _round(app, note_id)
    assert note.status == "selected" and note.pipeline_rank is None
    assert round_.outcome == "selected" and round_.pipeline_place is None
    closed = _events(app, "committee_round_closed", round_id)
    assert closed[-1].details["outcome"] == "selected"
    moved = _events(app, "select_for_development", note_id)
    assert moved[-1].to_state == "selected" and moved[-1].comment == "Develop it with UN Women."
    assert moved[-1].details == {"round": 1, "round_id": round_id}

    # The decision record says the outcome in words, with the conditions.
    page = html.unescape(secretariat.get(f"/committee/rounds/{round_id}").get_data(as_text=True))
    assert "Selected for development" in page and "A gender analysis first." in page
    assert "Concept note" in page
    _, text = pdf_text(secretariat.get(f"/committee/rounds/{round_id}.pdf").data)
    assert "Selected for development" in text and "Concept note" in text
    applicant = client_for(app, people["author"])
    seen = html.unescape(applicant.get(f"/committee/rounds/{round_id}").get_data(as_text=True))
    assert "Selected for development" in seen and "A gender analysis first." in seen

    # The applicant hears it once, in words that speak of a concept note.
    mails = [m for m in _mails(app, "proposal_decision") if "selected" in m.subject]
    assert len(mails) == 1
    assert "selected your organization's concept note" in mails[0].text_body
    assert "for development" in mails[0].text_body
    assert "Develop it with UN Women." in mails[0].text_body
    assert "your organization's proposal" not in mails[0].text_body


def test_not_approved(app, backend, people, call):
    note_id = _note(app, people, call, "committee_review")
    round_id = _vote(app, note_id, "reject")
    secretariat = client_for(app, people["secretariat"])
    meeting = html.unescape(secretariat.get("/committee/meeting").get_data(as_text=True))
    assert "closing records the outcome, <strong>not approved</strong>" in meeting
    # A choice sent with a rejection is not an approval: the round closes not approved.
    response = _close(app, secretariat, round_id, decision="pipeline", rank="1")
    assert response.status_code == 302
    assert _get(app, Proposal, note_id).status == "not_approved"
    round_ = _round(app, note_id)
    assert round_.outcome == "not_approved" and round_.pipeline_place is None
    assert _events(app, "decline", note_id)
    page = html.unescape(secretariat.get(f"/committee/rounds/{round_id}").get_data(as_text=True))
    assert "<strong>Not approved</strong>" in page
    mail = [m for m in _mails(app, "proposal_decision") if "not approved" in m.subject][-1]
    assert "did not approve your organization's concept note" in mail.text_body


def test_approve_into_the_pipeline_at_a_place_moves_the_others_down(app, backend, people, call):
    first = _note(app, people, call, "pipeline", title="First")
    second = _note(app, people, call, "pipeline", title="Second")
    third = _note(app, people, call, "pipeline", title="Third")
    with app.app_context():
        assert ranked_ids() == [first, second, third]
    newcomer = _note(app, people, call, "committee_review", title="Newcomer")
    round_id = _vote(app, newcomer)
    secretariat = client_for(app, people["secretariat"])
    meeting = html.unescape(secretariat.get("/committee/meeting").get_data(as_text=True))
    assert "3 concept notes are in the pipeline: 1 is first, 4 last." in meeting

    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("UPDATE proposals SET") and "pipeline_rank=" in statement:
            statements.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = _close(app, secretariat, round_id, decision="pipeline", rank="2")
    finally:
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 302, response.get_data(as_text=True)
    # One statement gave every note of the pipeline its new place.
    assert len(statements) == 1
    with app.app_context():
        assert ranked_ids() == [first, newcomer, second, third]
        ranks = db.session.scalars(
            select(Proposal.pipeline_rank).where(Proposal.status == "pipeline")
        ).all()
        assert len(set(ranks)) == 4
    round_ = _round(app, newcomer)
    assert round_.outcome == "pipeline" and round_.pipeline_place == 2
    assert _events(app, "place_in_pipeline", newcomer)[-1].details["place"] == 2
    page = html.unescape(secretariat.get(f"/committee/rounds/{round_id}").get_data(as_text=True))
    assert "Approved into the pipeline, at place 2" in page
    # The same decision in the reader's language: the page and its PDF.
    french = secretariat.get(f"/committee/rounds/{round_id}?lang=fr").get_data(as_text=True)
    assert "Approuvée dans la réserve de projets, à la place 2" in html.unescape(french)
    _, record = pdf_text(secretariat.get(f"/committee/rounds/{round_id}.pdf").data)
    record = " ".join(record.split())
    assert "Approuvée dans la réserve de projets, à la place 2" in record
    assert "Approved into the pipeline" not in record
    secretariat.get("/?lang=en")
    mail = [m for m in _mails(app, "proposal_decision") if "pipeline" in m.subject][-1]
    assert "concept note" in mail.text_body and "into the pipeline, at place 2" in mail.text_body


def test_a_closing_without_a_decision_or_a_good_place_changes_nothing(app, backend, people, call):
    note_id = _note(app, people, call, "committee_review")
    round_id = _vote(app, note_id)
    secretariat = client_for(app, people["secretariat"])
    before = _audit_count(app)
    cases = [
        ({"summary": "Kept summary."}, "choose whether it is selected for development"),
        ({"decision": "pipeline", "summary": "Kept summary."}, "the concept note's place is 1"),
        ({"decision": "pipeline", "rank": "9", "summary": "Kept summary."}, "place is 1"),
        ({"decision": "pipeline", "rank": "0", "summary": "Kept summary."}, "from 1 (first)"),
        ({"decision": "pipeline", "rank": "first", "summary": "Kept summary."}, "integer"),
        ({"decision": "select", "summary": "Kept summary."}, "Choose one of the decisions."),
    ]
    for data, message in cases:
        response = _close(app, secretariat, round_id, **data)
        page = html.unescape(response.get_data(as_text=True))
        assert response.status_code == 400, (data, response.status_code)
        assert message in page, data
        assert "Kept summary." in page
        if "rank" in data:
            assert f'name="rank" min="1" max="1" inputmode="numeric" value="{data["rank"]}"' in page
    assert _get(app, Proposal, note_id).status == "committee_review"
    assert _round(app, note_id).status == "open"
    assert _audit_count(app) == before


def test_the_database_keeps_the_places_unique(app, backend, people, call):
    first = _note(app, people, call, "pipeline", title="First")
    second = _note(app, people, call, "pipeline", title="Second")
    with app.app_context():
        rank = db.session.get(Proposal, first).pipeline_rank
        with pytest.raises(IntegrityError):
            db.session.execute(
                update(Proposal).where(Proposal.id == second).values(pipeline_rank=rank)
            )
            db.session.flush()
        db.session.rollback()


def test_two_decisions_placing_notes_at_the_same_moment(app, backend, people, call):
    """The rank race: two rounds closed at once, both at place 1. The pipeline order's lock
    takes them one after the other: both notes are in the pipeline, with distinct places."""
    already = _note(app, people, call, "pipeline", title="Already there")
    notes = [_note(app, people, call, "committee_review", title=f"Racer {n}") for n in (1, 2)]
    rounds = [_vote(app, note_id) for note_id in notes]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def close(round_id: int) -> None:
        try:
            with app.app_context():
                secretariat = user(people["secretariat"])
                barrier.wait(timeout=10)
                committee_operations.close_round(
                    round_id, secretariat, decision="pipeline", place=1
                )
                db.session.commit()
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=close, args=(r,)) for r in rounds]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    with app.app_context():
        order = ranked_ids()
        assert sorted(order[:2]) == sorted(notes) and order[2] == already
        places = {r.proposal_id: r.pipeline_place for r in db.session.scalars(select(VotingRound))}
        assert places[notes[0]] == places[notes[1]] == 1


# The invitation ------------------------------------------------------------------------------


def test_the_secretariat_invites_a_pipeline_concept_note(app, backend, people, call):
    first = _note(app, people, call, "pipeline", title="First")
    invited = _note(app, people, call, "pipeline", title="Second")
    third = _note(app, people, call, "pipeline", title="Third")
    secretariat = client_for(app, people["secretariat"])
    path = f"/concept-notes/{invited}/invitation"
    page = html.unescape(secretariat.get(path).get_data(as_text=True))
    assert "Approved into the pipeline, at place 2 of 3" in page
    note_page = html.unescape(secretariat.get(f"/concept-notes/{invited}").get_data(as_text=True))
    assert "Invite to a full programme" in note_page and path in note_page
    token = csrf_token(secretariat, path)
    version = _get(app, Proposal, invited).version
    before = _audit_count(app)
    today = utcnow().date()
    for deadline, message in (
        ("", "Give the date by which the full proposal is due."),
        (today.isoformat(), "The deadline must be a date after today"),
        ((today - timedelta(days=3)).isoformat(), "The deadline must be a date after today"),
        ("2027-02-30", "Enter a date as YYYY-MM-DD"),  # fund.forms.DATE_MESSAGE
    ):
        response = secretariat.post(
            path,
            data={
                "csrf_token": token,
                "version": version,
                "deadline": deadline,
                "message": "Kept message.",
            },
        )
        body = html.unescape(response.get_data(as_text=True))
        assert response.status_code == 400, deadline
        assert message in body and "Kept message." in body
        assert f'value="{deadline}"' in body
    assert _get(app, Proposal, invited).status == "pipeline"
    assert _audit_count(app) == before

    due = today + timedelta(days=45)
    response = secretariat.post(
        path,
        data={
            "csrf_token": token,
            "version": version,
            "deadline": due.isoformat(),
            "message": "Budget by output, please.",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/concept-notes/{invited}")
    note = _get(app, Proposal, invited)
    assert note.status == "invited" and note.invited_until == due and note.pipeline_rank is None
    with app.app_context():
        assert ranked_ids() == [first, third]  # the third moved up to place 2
    event_ = _events(app, "invite", invited)[-1]
    assert event_.details == {"deadline": due.isoformat(), "place": 2}
    assert event_.comment == "Budget by output, please."
    mails = _mails(app, "invited_to_full_programme")
    assert len(mails) == 1
    assert f"by {due.day} {due:%B %Y}" in mails[0].text_body
    assert (
        "concept note" in mails[0].text_body and "Budget by output, please." in mails[0].text_body
    )
    assert f"/concept-notes/{invited}/full-proposal" in mails[0].text_body

    # The same form sent again (a double click): refused, nothing changes.
    before = _audit_count(app)
    again = secretariat.post(
        path, data={"csrf_token": token, "version": version, "deadline": due.isoformat()}
    )
    assert again.status_code == 409
    assert _audit_count(app) == before


def test_the_invitation_says_when_it_departs_from_the_pipelines_order(app, people, call):
    """The applicants are told invitations follow the pipeline's order: inviting a note the
    committee placed after others says so, naming those before it; the first says nothing."""
    first = _note(app, people, call, "pipeline", title="First")
    second = _note(app, people, call, "pipeline", title="Second")
    secretariat = client_for(app, people["secretariat"])
    page = html.unescape(
        secretariat.get(f"/concept-notes/{second}/invitation").get_data(as_text=True)
    )
    assert (
        f"The committee placed 1 concept note before this one (P-{first:05d}): the applicants "
        "were told that invitations follow the pipeline's order" in page
    )
    page = secretariat.get(f"/concept-notes/{first}/invitation").get_data(as_text=True)
    assert 'id="before-it"' not in page


def test_only_a_selected_or_pipeline_note_is_invited(app, people, call):
    review = _note(app, people, call, "committee_review")
    secretariat = client_for(app, people["secretariat"])
    path = f"/concept-notes/{review}/invitation"
    page = html.unescape(secretariat.get(path).get_data(as_text=True))
    assert "this one is “Committee review”" in page and 'name="deadline"' not in page
    due = (utcnow().date() + timedelta(days=30)).isoformat()
    response = secretariat.post(
        path,
        data={"csrf_token": csrf_token(secretariat, path), "version": "1", "deadline": due},
    )
    assert response.status_code in (400, 409)
    assert _get(app, Proposal, review).status == "committee_review"
    # The applicant may not invite.
    applicant = client_for(app, people["author"])
    assert applicant.get(path).status_code == 403


# The full programme --------------------------------------------------------------------------


def _complete_full(full: Proposal) -> None:
    """What the applicant adds to the prefilled draft before submitting it."""
    ilo, iom = organization("ILO"), organization("IOM")
    full.planned_start = utcnow().date() + timedelta(days=90)
    full.contacts = [ProposalContact(name="Focal Point", email="focal@ilo.org")]
    full.budget_lines = [
        BudgetLine(
            organization_id=ilo.id, objective_number=6, category_code=1, amount=Decimal("700000")
        ),
        BudgetLine(
            organization_id=iom.id, objective_number=18, category_code=4, amount=Decimal("500000")
        ),
    ]
    full.attachments = [endorsement_letter(c) for c in full.endorsers]


def test_the_applicant_starts_the_full_programme_once(app, backend, people, call):
    note_id = _note(app, people, call, "invited")
    applicant = client_for(app, people["author"])
    path = f"/concept-notes/{note_id}/full-proposal"
    note_page = html.unescape(applicant.get(f"/concept-notes/{note_id}").get_data(as_text=True))
    assert "Start the full programme" in note_page and "Invited to a full programme" in note_page
    page = html.unescape(applicant.get(path).get_data(as_text=True))
    assert "National partners" in page and "Start the full programme" in page
    token = csrf_token(applicant, path)
    response = applicant.post(path, data={"csrf_token": token})
    assert response.status_code == 302
    with app.app_context():
        full = db.session.scalar(select(Proposal).where(Proposal.concept_note_id == note_id))
        note = db.session.get(Proposal, note_id)
        assert response.headers["Location"].endswith(f"/proposals/{full.id}/edit")
        assert note.status == "converted"
        assert full.kind == "proposal" and full.status == "draft"
        assert full.call_id == note.call_id and full.organization_id == note.organization_id
        for name in (
            "title",
            "summary",
            "rationale",
            "scope",
            "duration_months",
            "primary_objective_number",
            "gender_marker",
            "human_rights_marker",
            "lead_organization_id",
        ):
            assert getattr(full, name) == getattr(note, name), name
        assert [o.id for o in full.participants] == [o.id for o in note.participants]
        assert [c.iso2 for c in full.countries] == [c.iso2 for c in note.countries]
        assert [c.iso2 for c in full.endorsers] == [c.iso2 for c in note.endorsers]
        assert [o.number for o in full.secondary_objectives] == [18]
        assert {p.principle_code: p.explanation for p in full.principles} == {
            p.principle_code: p.explanation for p in note.principles
        }
        assert [(p.name, p.partner_type) for p in full.national_partners] == [
            (p.name, p.partner_type) for p in note.national_partners
        ]
        assert not full.budget_lines
        full_id = full.id
    created = _events(app, "create", full_id)[-1]
    assert created.details["concept_note"] == note_id
    assert _events(app, "convert", note_id)[-1].details == {"proposal": full_id}

    # A second click finds the full programme: still one.
    again = applicant.post(path, data={"csrf_token": token})
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/proposals/{full_id}")
    assert applicant.get(path).headers["Location"].endswith(f"/proposals/{full_id}")
    with app.app_context():
        made = db.session.scalar(
            select(func.count()).select_from(Proposal).where(Proposal.concept_note_id == note_id)
        )
        assert made == 1
        # The database itself refuses a second full proposal of the concept note.
        db.session.add(
            Proposal(
                call_id=call,
                organization_id=full.organization_id,
                title="Twin",
                concept_note_id=note_id,
            )
        )
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
    # The pages link the two.
    page = html.unescape(applicant.get(f"/proposals/{full_id}").get_data(as_text=True))
    assert "From the concept note" in page and f"/concept-notes/{note_id}" in page
    note_page = html.unescape(applicant.get(f"/concept-notes/{note_id}").get_data(as_text=True))
    assert f"/proposals/{full_id}" in note_page


def test_two_clicks_at_the_same_moment_make_one_full_programme(app, backend, people, call):
    note_id = _note(app, people, call, "invited")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def start() -> None:
        with app.app_context():
            author = user(people["author"])
            barrier.wait(timeout=10)
            try:
                invitations.start_full_proposal(note_id, author)
                db.session.commit()
                outcomes.append("made")
            except invitations.AlreadyStarted:
                db.session.rollback()
                outcomes.append("found")
            except IntegrityError:
                db.session.rollback()
                outcomes.append("refused by the database")

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes.count("made") == 1, outcomes
    with app.app_context():
        made = db.session.scalar(
            select(func.count()).select_from(Proposal).where(Proposal.concept_note_id == note_id)
        )
        assert made == 1


def test_who_may_start_the_full_programme(app, people, call, create_user):
    invited = _note(app, people, call, "invited")
    selected = _note(app, people, call, "selected")
    other = client_for(app, people["other"])
    assert other.get(f"/concept-notes/{invited}/full-proposal").status_code == 404
    secretariat = client_for(app, people["secretariat"])
    assert secretariat.get(f"/concept-notes/{invited}/full-proposal").status_code == 403
    applicant = client_for(app, people["author"])
    path = f"/concept-notes/{selected}/full-proposal"
    page = html.unescape(applicant.get(path).get_data(as_text=True))
    assert "started only from a concept note the secretariat invited" in page
    response = applicant.post(path, data={"csrf_token": csrf_token(applicant, path)})
    assert response.status_code == 409
    # The refusal says what the page says (`invitations.NOT_INVITED`), in the same words.
    refused = html.unescape(response.get_data(as_text=True))
    assert "concept note invited to one" not in refused
    assert refused.count("started only from a concept note the secretariat invited") >= 2
    assert _get(app, Proposal, selected).status == "selected"
    # Past the invitation's deadline, nothing is started.
    with app.app_context():
        db.session.get(Proposal, invited).invited_until = utcnow().date() - timedelta(days=1)
        db.session.commit()
    path = f"/concept-notes/{invited}/full-proposal"
    response = applicant.post(path, data={"csrf_token": csrf_token(applicant, path)})
    assert response.status_code == 400
    assert "has passed" in response.get_data(as_text=True)
    # The page says it as the refusal does, with the day (`invitations.expired_sentence`).
    passed = (utcnow().date() - timedelta(days=1)).strftime("%-d %B %Y")
    said = f"The invitation's deadline, {passed}, has passed. Ask the secretariat about it."
    for page in (response, applicant.get(path)):
        assert said in html.unescape(page.get_data(as_text=True))
    assert _get(app, Proposal, invited).status == "invited"


def test_the_concept_note_page_stops_offering_an_invitation_past_its_deadline(app, people, call):
    """The note's page offers "Start the full programme" while the start page would start it;
    past the invitation's deadline it says what the start page says instead."""
    invited = _note(app, people, call, "invited")
    applicant = client_for(app, people["author"])
    page = html.unescape(applicant.get(f"/concept-notes/{invited}").get_data(as_text=True))
    assert "Start the full programme" in page and "the full proposal is due by" in page
    with app.app_context():
        passed = utcnow().date() - timedelta(days=1)
        db.session.get(Proposal, invited).invited_until = passed
        db.session.commit()
    page = html.unescape(applicant.get(f"/concept-notes/{invited}").get_data(as_text=True))
    assert "Start the full programme" not in page and "the full proposal is due by" not in page
    said = f"The invitation's deadline, {passed.day} {passed:%B %Y}, has passed."
    assert f"{said} Ask the secretariat about it." in page
    # The secretariat, who extends it, reads that it passed, not to ask itself.
    staff = client_for(app, people["secretariat"])
    page = html.unescape(staff.get(f"/concept-notes/{invited}").get_data(as_text=True))
    assert "Ask the secretariat" not in page
    assert f"its deadline, {passed.day} {passed:%B %Y}, has passed" in page


def test_the_start_page_lists_the_letters_the_full_proposal_takes(app, people, call):
    """In a call that wants the endorsement letters with the concept note, the full proposal
    takes them (`carried_letters`), and the start page says so with the rest it takes; in a
    call that wants them with the full proposal, it takes none and says none."""
    with app.app_context():
        letters_first = two_stage_call(title="Letters first", endorsement_stage="concept_note")
        note = new_concept_note(people["author"], letters_first)
        note.attachments = [endorsement_letter(c) for c in note.endorsers]
        db.session.flush()
        advance_note(note, "invited", people["author"])
        db.session.commit()
        with_letters = note.id
    without = _note(app, people, call, "invited")
    applicant = client_for(app, people["author"])
    said = "The governments' endorsement letters"
    page = html.unescape(
        applicant.get(f"/concept-notes/{with_letters}/full-proposal").get_data(as_text=True)
    )
    assert said in page
    page = html.unescape(
        applicant.get(f"/concept-notes/{without}/full-proposal").get_data(as_text=True)
    )
    assert said not in page and "What the full proposal starts with" in page


def test_the_full_proposal_is_submitted_until_the_invitation_deadline(app, people, call):
    note_id = _note(app, people, call, "converted")
    with app.app_context():
        full = invitations.full_proposal_of(note_id)
        _complete_full(full)
        full.call.closes_on = utcnow().date() - timedelta(days=30)  # the call closed since
        db.session.flush()
        proposal_operations.fire(full, "submit", user(people["author"]))
        assert full.status == "submitted"
        db.session.rollback()
        full = invitations.full_proposal_of(note_id)
        _complete_full(full)
        full.concept_note.invited_until = utcnow().date() - timedelta(days=1)
        db.session.flush()
        with pytest.raises(TransitionRefused) as refused:
            proposal_operations.fire(full, "submit", user(people["author"]))
        assert refused.value.problems == [
            f"The invitation to submit this full programme closed on "
            f"{full.concept_note.invited_until.day} {full.concept_note.invited_until:%B %Y}."
        ]
        db.session.rollback()


def test_past_its_deadline_the_pages_say_the_proposal_can_no_longer_be_submitted(app, people, call):
    """Past the invitation's deadline, the full proposal's page and editor say why it can no
    longer be submitted, as the submission's refusal does (`submission_window`), and never
    "You can submit"; the Submit button is disabled. Before it, they offer the submission."""
    note_id = _note(app, people, call, "converted")
    with app.app_context():
        full = invitations.full_proposal_of(note_id)
        _complete_full(full)
        db.session.commit()
        full_id = full.id
    applicant = client_for(app, people["author"])
    page = html.unescape(applicant.get(f"/proposals/{full_id}").get_data(as_text=True))
    assert "You can submit" in page
    assert "can no longer be submitted" not in page
    with app.app_context():
        passed = utcnow().date() - timedelta(days=1)
        invitations.full_proposal_of(note_id).concept_note.invited_until = passed
        db.session.commit()
    said = f"The invitation to submit this full programme closed on {passed.day} {passed:%B %Y}."
    page = html.unescape(applicant.get(f"/proposals/{full_id}").get_data(as_text=True))
    readiness = page.split('id="readiness"')[1].split("</section>")[0]
    assert said in readiness and "The proposal can no longer be submitted" in readiness
    assert "You can submit" not in readiness
    assert re.search(r'<button type="submit" name="trigger" value="submit"[^>]* disabled', page)
    editor = html.unescape(applicant.get(f"/proposals/{full_id}/edit").get_data(as_text=True))
    submit = editor.split('id="s-submit"')[1].split("</section>")[0]
    assert said in submit and "Everything the fund checks is in place" not in submit
    assert re.search(r'value="submit" class="button" disabled', submit)


def test_a_concept_note_past_its_call_says_it_can_no_longer_be_submitted(app, people):
    """A concept note's page after its call closed: the call's closing day, as the refusal
    says it, instead of "You can submit"."""
    with app.app_context():
        closed = closed_two_stage_call()
        note = new_concept_note(people["author"], closed.id)
        db.session.commit()
        note_id, day = note.id, closed.closes_on
    page = html.unescape(
        client_for(app, people["author"]).get(f"/concept-notes/{note_id}").get_data(as_text=True)
    )
    readiness = page.split('id="readiness"')[1].split("</section>")[0]
    assert f"The call “Closed two-stage” closed on {day.day} {day:%B %Y}." in readiness
    assert "The concept note can no longer be submitted; you can withdraw it." in readiness
    assert "You can submit" not in readiness


def test_the_version_page_shows_what_changed_since_the_concept_note(app, backend, people, call):
    note_id = _note(app, people, call, "converted")
    with app.app_context():
        full = invitations.full_proposal_of(note_id)
        _complete_full(full)
        full.title = "Fair recruitment corridors, Chile and Peru"
        full.duration_months = 36
        proposal_operations.fire(full, "submit", user(people["author"]))
        db.session.commit()
        full_id = full.id
    applicant = client_for(app, people["author"])
    page = html.unescape(applicant.get(f"/proposals/{full_id}/versions/1").get_data(as_text=True))
    assert "What changed since the concept note" in page
    section = page.split('id="since-note"')[1].split("</section>")[0]
    assert "Fair recruitment corridors, Chile and Peru" in section
    assert "Fair recruitment corridors" in section
    assert "Duration (months)" in section and "36" in section
    # Unchanged parts are not listed.
    assert "Countries" not in section and "National partners" not in section
    # The budget against the indicative total (USD 1,200,000): USD 1,284,000 with 7% indirect
    # costs is 7% above, within 20%.
    assert (
        "The full budget, USD 1,284,000.00, is 7% above the concept note's indicative total, "
        "USD 1,200,000.00, within 20%." in section
    )
    assert "Flagged" not in section


# The indicative total against the full budget ------------------------------------------------


@pytest.mark.parametrize(
    ("budget", "flagged", "words"),
    [
        ("1199900.00", False, "is 19.99% above"),  # just under: not flagged
        ("1200000.00", False, "is 20% above"),  # exactly the tolerance: not flagged
        ("1200100.00", True, "is 20.01% above"),  # just over: flagged
        ("800000.00", False, "is 20% below"),
        ("799900.00", True, "is 20.01% below"),
        ("1200000.01", True, "is 20.000001% above"),  # a cent over shows as more than 20%
        ("1000000.00", False, "equals"),
    ],
)
def test_the_twenty_percent_flag(budget, flagged, words):
    comparison = TotalComparison(Decimal("1000000.00"), Decimal(budget), Decimal("0.20"))
    assert comparison.flagged is flagged
    assert words in comparison.text
    assert "USD 1,000,000.00" in comparison.text
    if budget != "1000000.00":
        assert f"USD {Decimal(budget):,.2f}" in comparison.text
    assert ("more than 20%" in comparison.text) is flagged


def test_the_flag_on_the_committee_review_and_proposal_pages(app, backend, people, call):
    """Indicative USD 1,200,000; the full budget USD 1,500,000 with indirect costs: 25% above,
    flagged on the committee's review page and the proposal page with both figures."""
    note_id = _note(app, people, call, "converted")
    with app.app_context():
        full = invitations.full_proposal_of(note_id)
        _complete_full(full)
        full.budget_lines[0].amount = Decimal("901869.16")  # 1,401,869.16 direct: 1,500,000.00
        proposal_operations.fire(full, "submit", user(people["author"]))
        secretariat = user(people["secretariat"])
        proposal_operations.fire(full, "start_screening", secretariat)
        criteria = screening_operations.criteria_for(full)
        screening_operations.record_checks(
            full, secretariat, {c.id: ("pass", "") for c in criteria}
        )
        ensure_a_voter(full)
        proposal_operations.fire(full, "forward_to_committee", secretariat)
        db.session.commit()
        full_id = full.id
    expected = (
        "The full budget, USD 1,500,000.00, is 25% above the concept note's indicative total, "
        "USD 1,200,000.00: a difference of more than 20%."
    )
    member = client_for(app, people["committee"])
    review = html.unescape(member.get(f"/committee/proposals/{full_id}").get_data(as_text=True))
    assert "Flagged for the Executive Committee:" in review and expected in review
    assert f"/proposals/{full_id}/versions/1#since-note" in review
    applicant = client_for(app, people["author"])
    page = html.unescape(applicant.get(f"/proposals/{full_id}").get_data(as_text=True))
    assert "Flagged for the Executive Committee:" in page and expected in page


def test_the_tolerance_is_a_setting(app, people, call):
    app.config["INDICATIVE_TOTAL_TOLERANCE"] = Decimal("0.05")
    note_id = _note(app, people, call, "converted")
    with app.app_context():
        full = invitations.full_proposal_of(note_id)
        _complete_full(full)  # USD 1,284,000: 7% above the indicative total
        db.session.commit()
        full_id = full.id
    page = html.unescape(
        client_for(app, people["author"]).get(f"/proposals/{full_id}").get_data(as_text=True)
    )
    assert "is 7% above" in page and "a difference of more than 5%" in page
    assert sum(INDICATIVE.values()) == Decimal("1200000.00")


# Bad input on the new forms -----------------------------------------------------------------


def test_the_forms_answer_junk_without_a_server_error(app, backend, people, call):
    from hypothesis import given
    from hypothesis import strategies as st

    from tests.test_security_fuzz import _submit, field, fields, fuzz

    invited = _note(app, people, call, "pipeline")
    extended = _note(app, people, call, "invited", title="Extended")
    review = _note(app, people, call, "committee_review")
    round_id = _vote(app, review)
    secretariat = client_for(app, people["secretariat"])
    token = csrf_token(secretariat, "/committee/meeting")
    with app.app_context():
        shown = fingerprint(db.session.get(VotingRound, round_id))
        version = str(db.session.get(Proposal, invited).version)
        extended_version = str(db.session.get(Proposal, extended).version)
    tomorrow = (utcnow().date() + timedelta(days=1)).isoformat()
    later = (utcnow().date() + timedelta(days=400)).isoformat()

    @fuzz(backend)
    @given(
        fields(
            deadline=field(tomorrow, "2027-02-30", "yesterday", ""),
            message=field("Please."),
            version=field(version, "0"),
        )
    )
    def invitation(data):
        _submit(
            app,
            secretariat,
            f"/concept-notes/{invited}/invitation",
            data | {"csrf_token": token},
        )

    @fuzz(backend)
    @given(
        fields(
            decision=field("selected", "pipeline", "not_approved"),
            rank=field("1", "2", "0", "-1"),
            summary=field("Conditions."),
        ),
        st.sampled_from([shown, "stale"]),
    )
    def closing(data, seen):
        _submit(
            app,
            secretariat,
            f"/committee/rounds/{round_id}/close",
            data | {"csrf_token": token, "fingerprint": seen},
        )

    @fuzz(backend)
    @given(
        fields(
            deadline=field(later, "2027-02-30", tomorrow, ""),
            message=field("More time."),
            version=field(extended_version, "0"),
        )
    )
    def new_deadline(data):
        _submit(
            app,
            secretariat,
            f"/concept-notes/{extended}/invitation",
            data | {"csrf_token": token},
        )

    invitation()
    new_deadline()
    closing()


@pytest.mark.parametrize(
    ("language", "share", "limit", "amount"),
    [
        ("fr", "20,01\u00a0%", "20\u00a0%", "1\u202f200\u202f100,00\u00a0$US"),
        ("es", "20,01\u00a0%", "20\u00a0%", "1.200.100,00\u00a0US$"),
    ],
)
def test_the_comparison_says_its_figures_in_the_pages_language(app, language, share, limit, amount):
    """The shares and amounts within the comparison are written as the page's language writes
    them, not in English inside a translated sentence."""
    comparison = TotalComparison(Decimal("1000000.00"), Decimal("1200100.00"), Decimal("0.20"))
    with app.test_request_context(f"/?lang={language}"):
        text = comparison.text
    assert "20.01%" not in text and "USD" not in text, text
    assert share in text and limit in text and amount in text, text

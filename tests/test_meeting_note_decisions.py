"""A meeting's decision on a concept note: the agenda item offers the committee's three outcomes
(selected for development, approved into the pipeline at a place, not approved) and records
the one taken through the written rounds' code (`fund.committee.decisions`): the note's open
round closes with it, the note moves, both audited, and the meeting's record says it. Bad input
(no place, a place out of range, a note not in committee review, votes that say otherwise) is
refused at its field with what was typed kept, and changes nothing."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from fund.audit.models import AuditEvent
from fund.committee import meetings
from fund.committee.models import MeetingItem, VotingRound
from fund.committee.rounds import open_round_of
from fund.extensions import db
from fund.proposals.models import Proposal, proposal_reference
from fund.proposals.ranking import ranked_ids
from tests.factories import submitted_on
from tests.helpers import audit_events, client_for, csrf_token, pdf_text, user
from tests.test_concept_note_decisions import _get, _note, _vote
from tests.test_concept_note_decisions import call as call
from tests.test_concept_note_decisions import people as people


def _agenda(app, people, note_id: int) -> tuple[int, int]:
    """A meeting with the concept note, submitted before it, on its agenda: (meeting, item)."""
    with app.app_context():
        submitted_on(note_id, datetime(2026, 1, 15, 9, 30, tzinfo=UTC))
        secretariat = user(people["secretariat"])
        meeting = meetings.create_meeting(
            secretariat,
            meetings.MeetingInput(
                title="Fifth meeting",
                held_on=date(2026, 11, 20),
                present={people["committee"].id},  # the committee's one seat: quorate
            ),
        )
        item = meetings.add_item(
            secretariat, meeting.id, "proposal", reference=proposal_reference(note_id)
        )
        db.session.commit()
        return meeting.id, item.id


def _decide(app, people, meeting_id: int, item_id: int, outcome: str, **values):
    with app.app_context():
        changed = meetings.update_item(
            user(people["secretariat"]),
            meeting_id,
            item_id,
            position=1,
            title="",
            outcome=outcome,
            decision=values.pop("decision", "Decided at the meeting."),
            conditions=values.pop("conditions", ""),
            round_id=values.pop("round_id", None),
            **values,
        )
        db.session.commit()
        return changed


def _refused(app, people, meeting_id: int, item_id: int, outcome: str, **values):
    with app.app_context(), pytest.raises(meetings.MeetingRefused) as refused:
        meetings.update_item(
            user(people["secretariat"]),
            meeting_id,
            item_id,
            position=1,
            title="",
            outcome=outcome,
            decision="Typed.",
            conditions="",
            round_id=values.pop("round_id", None),
            **values,
        )
    with app.app_context():
        db.session.rollback()
    return refused.value


def _audit_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEvent))


def _record_text(app, people, meeting_id: int) -> str:
    client = client_for(app, people["secretariat"])
    return " ".join(pdf_text(client.get(f"/committee/meetings/{meeting_id}.pdf").data)[1].split())


def test_the_item_offers_the_three_outcomes_and_the_place(app, people, call):
    note_id = _note(app, people, call, "committee_review")
    meeting_id, item_id = _agenda(app, people, note_id)
    secretariat = client_for(app, people["secretariat"])
    page = html.unescape(
        secretariat.get(f"/committee/meetings/{meeting_id}/items/{item_id}").get_data(as_text=True)
    )
    for offered in ("Selected for development", "Approved into the pipeline", "Not approved"):
        assert f">{offered}</option>" in page
    assert ">Approved</option>" not in page and ">Agreed</option>" not in page
    assert 'name="rank"' in page and "The pipeline is empty: the place is 1." in page


def test_selected_for_development_at_a_meeting(app, people, call):
    note_id = _note(app, people, call, "committee_review")
    round_id = _vote(app, note_id, "approve")
    meeting_id, item_id = _agenda(app, people, note_id)
    assert _decide(
        app,
        people,
        meeting_id,
        item_id,
        "selected",
        conditions="A budget by output.",
    )
    assert _get(app, Proposal, note_id).status == "selected"
    round_ = _get(app, VotingRound, round_id)
    assert (round_.status, round_.outcome) == ("closed", "selected")
    assert round_.summary == "Decided at the meeting."
    item = _get(app, MeetingItem, item_id)
    assert (item.outcome, item.round_id) == ("selected", round_id)
    (moved,) = audit_events(app, "select_for_development", note_id)
    assert moved.details["round_id"] == round_id
    (changed,) = audit_events(app, "committee_meeting_item_changed", meeting_id)
    assert changed.details["after"]["outcome"] == "selected"
    text = _record_text(app, people, meeting_id)
    assert "Selected for development" in text and "A budget by output." in text


def test_approved_into_the_pipeline_at_a_place_at_a_meeting(app, people, call):
    first = _note(app, people, call, "pipeline", title="First")
    second = _note(app, people, call, "pipeline", title="Second")
    note_id = _note(app, people, call, "committee_review", title="New")
    round_id = _vote(app, note_id, "approve")
    meeting_id, item_id = _agenda(app, people, note_id)
    # Place 1 is held: the note takes it and the others move down one, as on a written round.
    assert _decide(app, people, meeting_id, item_id, "pipeline", rank=1)
    assert _get(app, Proposal, note_id).status == "pipeline"
    with app.app_context():
        assert ranked_ids() == [note_id, first, second]
    assert _get(app, VotingRound, round_id).pipeline_place == 1
    (moved,) = audit_events(app, "place_in_pipeline", note_id)
    assert moved.details["place"] == 1
    (changed,) = audit_events(app, "committee_meeting_item_changed", meeting_id)
    assert changed.details["after"]["place"] == 1
    assert "Approved into the pipeline, at place 1" in _record_text(app, people, meeting_id)


def test_not_approved_at_a_meeting(app, people, call):
    note_id = _note(app, people, call, "committee_review")
    round_id = _vote(app, note_id, "reject")
    meeting_id, item_id = _agenda(app, people, note_id)
    assert _decide(app, people, meeting_id, item_id, "not_approved")
    assert _get(app, Proposal, note_id).status == "not_approved"
    assert _get(app, VotingRound, round_id).outcome == "not_approved"
    assert audit_events(app, "decline", note_id)
    assert "Not approved" in _record_text(app, people, meeting_id)


def test_a_missing_place_is_refused_on_the_form_with_the_input_kept(app, people, call):
    note_id = _note(app, people, call, "committee_review")
    _vote(app, note_id, "approve")
    meeting_id, item_id = _agenda(app, people, note_id)
    refused = _refused(app, people, meeting_id, item_id, "pipeline")
    assert refused.field == "rank" and "Give the concept note's place" in str(refused)
    before = _audit_count(app)
    secretariat = client_for(app, people["secretariat"])
    path = f"/committee/meetings/{meeting_id}/items/{item_id}"
    with app.app_context():
        version = meetings.get_meeting(meeting_id).version
    response = secretariat.post(
        path,
        data={
            "csrf_token": csrf_token(secretariat, path),
            "version": version,
            "position": "1",
            "outcome": "pipeline",
            "round": "0",
            "rank": "",
            "decision": "Kept decision.",
            "conditions": "Kept condition.",
        },
    )
    body = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "Give the concept note's place in the pipeline" in body
    assert "Kept decision." in body and "Kept condition." in body
    assert _get(app, Proposal, note_id).status == "committee_review"
    with app.app_context():
        assert open_round_of(note_id) is not None
    assert _audit_count(app) == before


def test_a_place_out_of_range_is_refused(app, people, call):
    _note(app, people, call, "pipeline", title="Held")
    note_id = _note(app, people, call, "committee_review")
    _vote(app, note_id, "approve")
    meeting_id, item_id = _agenda(app, people, note_id)
    before = _audit_count(app)
    for rank in (0, 3, -1):
        refused = _refused(app, people, meeting_id, item_id, "pipeline", rank=rank)
        assert refused.field == "rank" and "from 1 (first) to 2 (last)" in str(refused)
    assert _get(app, Proposal, note_id).status == "committee_review"
    assert _audit_count(app) == before


def test_a_note_not_in_committee_review_is_refused(app, people, call):
    note_id = _note(app, people, call, "selected")
    meeting_id, item_id = _agenda(app, people, note_id)
    before = _audit_count(app)
    refused = _refused(app, people, meeting_id, item_id, "pipeline", rank=1)
    assert refused.field == "outcome"
    assert "is not in committee review (it is “Selected for development”)" in str(refused)
    assert _get(app, Proposal, note_id).status == "selected"
    assert _audit_count(app) == before
    # Naming the round that decided it, the agreeing outcome is recorded, nothing moves.
    with app.app_context():
        round_id = db.session.scalar(
            select(VotingRound.id).where(VotingRound.proposal_id == note_id)
        )
    refused = _refused(app, people, meeting_id, item_id, "pipeline", round_id=round_id)
    assert refused.field == "outcome" and "must agree" in str(refused)
    assert _decide(app, people, meeting_id, item_id, "selected", round_id=round_id)
    assert _get(app, Proposal, note_id).status == "selected"


def test_votes_that_say_otherwise_or_no_quorum_are_refused(app, people, call):
    note_id = _note(app, people, call, "committee_review")
    meeting_id, item_id = _agenda(app, people, note_id)
    refused = _refused(app, people, meeting_id, item_id, "selected")
    assert refused.field == "outcome" and "no quorum yet" in str(refused)
    _vote(app, note_id, "reject")
    before = _audit_count(app)
    for outcome, rank in (("selected", None), ("pipeline", 1)):
        refused = _refused(app, people, meeting_id, item_id, outcome, rank=rank)
        assert refused.field == "outcome" and "do not approve" in str(refused)
    assert _get(app, Proposal, note_id).status == "committee_review"
    assert _audit_count(app) == before
    # An outcome of another kind of item is not offered on a concept note.
    refused = _refused(app, people, meeting_id, item_id, "approved")
    assert refused.field == "outcome"


def test_the_pipeline_names_the_meeting_and_its_day_in_the_pages_language(app, people, call):
    note_id = _note(app, people, call, "committee_review", title="New")
    _vote(app, note_id, "approve")
    meeting_id, item_id = _agenda(app, people, note_id)
    assert _decide(app, people, meeting_id, item_id, "pipeline", rank=1)
    client = client_for(app, people["secretariat"])
    english = html.unescape(client.get("/pipeline/").get_data(as_text=True))
    french = html.unescape(client.get("/pipeline/?lang=fr").get_data(as_text=True))
    assert "meeting Fifth meeting, 20 November 2026" in english
    assert "réunion Fifth meeting, 20 novembre 2026" in french
    assert "2026-11-20" not in english + french


def test_a_meeting_not_yet_held_or_without_quorum_cannot_decide(app, people, call):
    """A meeting dated after today has not decided, and one without quorum cannot: the
    decision is refused at the outcome, the round stays open and the note where it was. A
    meeting held with quorum decides; the round's record names it, and the meeting keeps its
    date and its quorum while decisions are recorded on it."""
    note_id = _note(app, people, call, "committee_review")
    round_id = _vote(app, note_id, "approve")
    meeting_id, item_id = _agenda(app, people, note_id)
    today = datetime.now(UTC).date()
    member = people["committee"].id

    def dated(held_on, present) -> None:
        with app.app_context():
            meetings.update_meeting(
                user(people["secretariat"]),
                meeting_id,
                meetings.MeetingInput(title="Fifth meeting", held_on=held_on, present=present),
            )
            db.session.commit()

    dated(date.fromordinal(today.toordinal() + 1), {member})  # tomorrow
    before = _audit_count(app)
    future = _refused(app, people, meeting_id, item_id, "pipeline", rank=1)
    assert future.field == "outcome" and "a meeting not yet held cannot have decided" in str(future)
    dated(today, set())  # nobody present: 0 of 1 seat
    before = _audit_count(app)
    unquorate = _refused(app, people, meeting_id, item_id, "pipeline", rank=1)
    assert unquorate.field == "outcome"
    assert "Without quorum the meeting cannot decide (seats represented: 0 of 1" in str(unquorate)
    assert _audit_count(app) == before
    assert _get(app, Proposal, note_id).status == "committee_review"
    assert _get(app, VotingRound, round_id).status == "open"
    assert _decide(app, people, meeting_id, item_id, "deferred")  # what it may record
    assert _get(app, VotingRound, round_id).status == "open"

    dated(today, {member})
    assert _decide(app, people, meeting_id, item_id, "pipeline", rank=1)
    assert _get(app, VotingRound, round_id).status == "closed"
    page = client_for(app, people["secretariat"]).get(f"/committee/rounds/{round_id}")
    text = html.unescape(page.get_data(as_text=True))
    assert f'href="/committee/meetings/{meeting_id}">Fifth meeting</a>' in text
    with app.app_context(), pytest.raises(meetings.MeetingRefused) as moved:
        meetings.update_meeting(
            user(people["secretariat"]),
            meeting_id,
            meetings.MeetingInput(
                title="Fifth meeting",
                held_on=date.fromordinal(today.toordinal() + 1),
                present={member},
            ),
        )
    assert moved.value.field == "held_on"
    with app.app_context(), pytest.raises(meetings.MeetingRefused) as emptied:
        meetings.update_meeting(
            user(people["secretariat"]),
            meeting_id,
            meetings.MeetingInput(title="Fifth meeting", held_on=today, present=set()),
        )
    assert emptied.value.field == "present"


def test_the_meeting_that_decided_is_the_one_whose_item_took_the_decision(app, people, call):
    """A first meeting defers the note, naming its open round; a second decides it. The
    round's record and the pipeline both name the second (the one rule `deciding_items`), not
    the meeting that only deferred it."""
    note_id = _note(app, people, call, "committee_review", title="Deferred first")
    round_id = _vote(app, note_id, "approve")
    first, first_item = _agenda(app, people, note_id)
    assert _decide(app, people, first, first_item, "deferred", round_id=round_id)
    with app.app_context():
        secretariat = user(people["secretariat"])
        second = meetings.create_meeting(
            secretariat,
            meetings.MeetingInput(
                title="Sixth meeting", held_on=date(2026, 11, 27), present={people["committee"].id}
            ),
        )
        item = meetings.add_item(
            secretariat, second.id, "proposal", reference=proposal_reference(note_id)
        )
        db.session.commit()
        second_id, second_item = second.id, item.id
    assert _decide(app, people, second_id, second_item, "pipeline", rank=1, round_id=round_id)
    client = client_for(app, people["secretariat"])
    record = html.unescape(client.get(f"/committee/rounds/{round_id}").get_data(as_text=True))
    assert f'href="/committee/meetings/{second_id}">Sixth meeting</a>' in record
    assert f'href="/committee/meetings/{first}"' not in record
    pipeline = html.unescape(client.get("/pipeline/").get_data(as_text=True))
    assert "meeting Sixth meeting, 27 November 2026" in pipeline
    assert "Fifth meeting" not in pipeline
    # The record as a PDF names it too, as the record's page does.
    _, pdf = pdf_text(client.get(f"/committee/rounds/{round_id}.pdf").data)
    assert "Sixth meeting, 27 November 2026" in " ".join(pdf.split()), pdf

"""A meeting's record says only what the committee had before it and decided: an agenda item
names a proposal forwarded to the committee (in its review or decided by it) and submitted by
the meeting's day, and an item without a voting round records a decision on the proposal only
when its latest closed round took that decision. Each refusal is at its field, keeps what was
typed and changes nothing."""

from __future__ import annotations

import html
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from fund.audit.models import AuditEvent
from fund.committee import meetings
from fund.committee.meeting_checks import (
    AGREEING,
    DECIDING,
    before_the_committee,
    first_submitted,
)
from fund.committee.models import Meeting, MeetingItem
from fund.extensions import db
from fund.proposals import operations as proposal_operations
from fund.proposals.models import Proposal, proposal_reference
from tests.factories import submitted_on
from tests.helpers import client_for, csrf_token, pdf_text, user
from tests.test_committee import _close, _round, _vote
from tests.test_committee import people as people
from tests.test_committee import prepared_review as prepared_review
from tests.test_committee_meetings import DAY, _meeting
from tests.test_committee_meetings import seated as seated
from tests.test_committee_meetings import under_review as under_review


def _changes(app, meeting_id: int) -> tuple[int, int]:
    """(the meeting's version, its audit events): what a refusal must leave as it was."""
    with app.app_context():
        events = db.session.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.subject_type == "committee_meeting",
                AuditEvent.subject_id == str(meeting_id),
            )
        )
        return meetings.get_meeting(meeting_id).version, events


def submitted_on_day(app, proposal_id: int, when: datetime) -> None:
    with app.app_context():
        submitted_on(proposal_id, when)
        db.session.commit()


def _add_refused(app, people, meeting_id: int, proposal_id: int) -> meetings.MeetingRefused:
    with app.app_context(), pytest.raises(meetings.MeetingRefused) as refused:
        meetings.add_item(
            user(people.secretariat),
            meeting_id,
            "proposal",
            reference=proposal_reference(proposal_id),
        )
    with app.app_context():
        db.session.rollback()
    return refused.value


def _add(app, people, meeting_id: int, proposal_id: int) -> int:
    with app.app_context():
        item = meetings.add_item(
            user(people.secretariat),
            meeting_id,
            "proposal",
            reference=proposal_reference(proposal_id),
        )
        db.session.commit()
        return item.id


def _decide(app, people, meeting_id: int, item_id: int, outcome: str, round_id=None) -> bool:
    with app.app_context():
        changed = meetings.update_item(
            user(people.secretariat),
            meeting_id,
            item_id,
            position=1,
            title="",
            outcome=outcome,
            decision="Typed.",
            conditions="",
            round_id=round_id,
        )
        db.session.commit()
        return changed


def _decide_refused(app, people, meeting_id: int, item_id: int, outcome: str, round_id=None):
    with pytest.raises(meetings.MeetingRefused) as refused:
        _decide(app, people, meeting_id, item_id, outcome, round_id)
    with app.app_context():
        db.session.rollback()
    return refused.value


def test_only_what_was_forwarded_to_the_committee_is_on_the_agenda(
    app, people, seated, under_review, make_proposal
):
    ineligible = make_proposal(people.author, status="ineligible")
    screening = make_proposal(people.author, status="screening")
    for proposal_id in (ineligible, screening):
        submitted_on_day(app, proposal_id, datetime(2026, 11, 2, 9, tzinfo=UTC))
    meeting_id = _meeting(app, people, [people.iom])
    before = _changes(app, meeting_id)
    refused = _add_refused(app, people, meeting_id, ineligible)
    assert refused.field == "proposal"
    assert f"{proposal_reference(ineligible)} was never forwarded to the committee" in str(refused)
    assert "“Ineligible”" in str(refused)
    refused = _add_refused(app, people, meeting_id, screening)
    assert refused.field == "proposal" and "“In screening”" in str(refused)
    assert _changes(app, meeting_id) == before
    # In committee review: on the agenda.
    _add(app, people, meeting_id, under_review)


def _meeting_after_a_return(app, people, proposal_id: int) -> int:
    """A meeting of three members, and the proposal returned for revision since."""
    meeting_id = _meeting(app, people, [people.iom, people.unhcr, people.unicef])
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        proposal_operations.fire(
            proposal, "return_for_revision", user(people.secretariat), comment="Rework the budget."
        )
        db.session.commit()
    return meeting_id


def test_a_proposal_returned_by_the_committee_stays_on_the_agenda(
    app, people, seated, under_review
):
    meeting_id = _meeting_after_a_return(app, people, under_review)
    item_id = _add(app, people, meeting_id, under_review)
    # Without a round, the decision its round took (returned) and no other.
    refused = _decide_refused(app, people, meeting_id, item_id, "approved")
    assert refused.field == "outcome" and "closed “Returned for revision”" in str(refused)
    assert _decide(app, people, meeting_id, item_id, "returned")


def test_the_agenda_links_a_proposal_only_for_those_who_may_open_its_review(
    app, people, seated, under_review
):
    """Returned for revision, the proposal is no longer the committee's to read: its members see
    the item without a link (which would answer 404); the secretariat keeps the link."""
    meeting_id = _meeting_after_a_return(app, people, under_review)
    _add(app, people, meeting_id, under_review)
    review = f'href="/committee/proposals/{under_review}"'
    member = client_for(app, people.unhcr)
    assert member.get(f"/committee/proposals/{under_review}").status_code == 404
    page = member.get(f"/committee/meetings/{meeting_id}").get_data(as_text=True)
    assert proposal_reference(under_review) in page and review not in page
    secretariat = client_for(app, people.secretariat)
    assert review in secretariat.get(f"/committee/meetings/{meeting_id}").get_data(as_text=True)
    assert secretariat.get(f"/committee/proposals/{under_review}").status_code == 200


def test_what_was_submitted_after_the_meeting_is_not_on_its_agenda(
    app, people, seated, under_review, make_proposal
):
    late = make_proposal(people.author, status="committee_review")
    submitted_on_day(app, late, datetime(2026, 11, 21, 8, tzinfo=UTC))  # the day after DAY
    meeting_id = _meeting(app, people, [people.iom])
    before = _changes(app, meeting_id)
    refused = _add_refused(app, people, meeting_id, late)
    assert refused.field == "proposal"
    assert (
        f"{proposal_reference(late)} was submitted on 21 November 2026, after the meeting of "
        "20 November 2026"
    ) in str(refused)
    assert _changes(app, meeting_id) == before
    # Submitted on the meeting's day: on its agenda.
    submitted_on_day(app, late, datetime(2026, 11, 20, 7, tzinfo=UTC))
    _add(app, people, meeting_id, late)
    # The meeting cannot then be dated before that day; the date kept is the meeting's.
    before = _changes(app, meeting_id)
    with app.app_context(), pytest.raises(meetings.MeetingRefused) as moved:
        meetings.update_meeting(
            user(people.secretariat),
            meeting_id,
            meetings.MeetingInput(
                title="Third meeting",
                held_on=DAY.replace(day=19),
                present={people.iom.id},
            ),
        )
    assert moved.value.field == "held_on"
    assert "was submitted on 20 November 2026: the meeting cannot be dated before" in str(
        moved.value
    )
    with app.app_context():
        db.session.rollback()
        assert meetings.get_meeting(meeting_id).held_on == DAY
    assert _changes(app, meeting_id) == before


def test_without_a_round_an_item_records_only_the_committees_decision(
    app, people, seated, under_review
):
    meeting_id = _meeting(app, people, [people.iom, people.unhcr, people.unicef])
    item_id = _add(app, people, meeting_id, under_review)
    before = _changes(app, meeting_id)
    # Still under review, its round open: no decision to record without the round.
    for outcome in ("approved", "not_approved", "returned"):
        refused = _decide_refused(app, people, meeting_id, item_id, outcome)
        assert refused.field == "outcome"
        assert "The committee has taken no decision on" in str(refused), outcome
    assert _changes(app, meeting_id) == before
    with app.app_context():
        assert db.session.get(MeetingItem, item_id).outcome is None
    # What the meeting did with the item: recorded without a round.
    for outcome in ("deferred", "noted", "agreed"):
        assert _decide(app, people, meeting_id, item_id, outcome)

    round_id = _round(app, under_review).id
    _vote(app, people.unhcr, round_id, "approve")
    _vote(app, people.unicef, round_id, "approve")
    assert _close(app, people, round_id) == "approved"
    refused = _decide_refused(app, people, meeting_id, item_id, "not_approved")
    assert refused.field == "outcome" and "Round 1 closed “Approved”" in str(refused)
    assert _decide(app, people, meeting_id, item_id, "approved")


def test_the_pages_refuse_at_the_field_and_keep_what_was_typed(
    app, people, seated, under_review, make_proposal
):
    ineligible = make_proposal(people.author, status="ineligible")
    meeting_id = _meeting(app, people, [people.iom])
    item_id = _add(app, people, meeting_id, under_review)
    client = client_for(app, people.secretariat)
    token = csrf_token(client, f"/committee/meetings/{meeting_id}")
    before = _changes(app, meeting_id)
    added = client.post(
        f"/committee/meetings/{meeting_id}/items",
        data={
            "csrf_token": token,
            "version": str(before[0]),
            "kind": "proposal",
            "proposal": proposal_reference(ineligible),
        },
    )
    assert added.status_code == 400
    text = html.unescape(added.get_data(as_text=True))
    assert 'aria-invalid="true"' in text
    assert f'value="{proposal_reference(ineligible)}"' in text
    assert "was never forwarded to the committee (it is “Ineligible”)" in text
    decided = client.post(
        f"/committee/meetings/{meeting_id}/items/{item_id}",
        data={
            "csrf_token": token,
            "version": str(before[0]),
            "position": "1",
            "outcome": "approved",
            "round": "0",
            "decision": "Approved by consensus.",
            "conditions": "Kept condition.",
        },
    )
    assert decided.status_code == 400
    text = html.unescape(decided.get_data(as_text=True))
    assert 'aria-invalid="true"' in text
    assert "Approved by consensus." in text and "Kept condition." in text
    assert "The committee has taken no decision on" in text
    assert _changes(app, meeting_id) == before
    _, record = pdf_text(client.get(f"/committee/meetings/{meeting_id}.pdf").data)
    assert "Approved by consensus." not in record
    assert proposal_reference(ineligible) not in record


def test_the_demo_meeting_records_only_what_the_committee_had_and_decided(
    app, backend, prepared_demo
):
    prepared_demo.data(backend)
    with app.app_context():
        (meeting,) = db.session.scalars(select(Meeting)).all()
        on_agenda = [i for i in meeting.items if i.proposal is not None]
        assert on_agenda
        for item in on_agenda:
            reference = item.proposal.reference
            assert before_the_committee(item.proposal), reference
            assert first_submitted(item.proposal) <= meeting.held_on, reference
            if item.outcome in DECIDING:
                assert item.round is not None and item.round.status == "closed", reference
                assert item.outcome in AGREEING[item.round.outcome], reference


def test_a_full_proposals_item_records_no_concept_note_outcome(app, people, seated, under_review):
    """ "Selected for development" and "approved into the pipeline" are a concept note's: on a
    full proposal's item, even one whose round closed approved, they are refused."""
    meeting_id = _meeting(app, people, [people.iom, people.unhcr, people.unicef])
    item_id = _add(app, people, meeting_id, under_review)
    round_id = _round(app, under_review).id
    _vote(app, people.unhcr, round_id, "approve")
    _vote(app, people.unicef, round_id, "approve")
    assert _close(app, people, round_id) == "approved"
    before = _changes(app, meeting_id)
    for outcome in ("selected", "pipeline"):
        for round_ in (round_id, None):
            refused = _decide_refused(app, people, meeting_id, item_id, outcome, round_)
            assert refused.field == "outcome" and "Choose one of the outcomes" in str(refused)
    assert _changes(app, meeting_id) == before
    assert _decide(app, people, meeting_id, item_id, "approved", round_id)

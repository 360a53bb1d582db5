"""The committee's meetings: attendance by seat and the quorum, the agenda with a decision per item
and its conditions, the minutes, the record as a PDF, the pages (the secretariat writes, members
read), every change audited; and the name of the decision body as a setting."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from fund.committee import meetings, seats
from fund.committee.models import Meeting, MeetingItem, Seat
from fund.extensions import db
from fund.notifications.models import OutboxMessage
from fund.proposals.models import proposal_reference
from tests.conftest import engine_of
from tests.factories import submitted_on
from tests.helpers import audit_events, client_for, csrf_token, pdf_text, user
from tests.test_committee import _close, _round, _vote
from tests.test_committee import people as people
from tests.test_committee import prepared_review as prepared_review
from tests.test_security_fuzz import _submit, field, fields, fuzz, many

DAY = date(2026, 11, 20)
# When the proposals on the meetings' agendas were submitted: before the meetings (DAY).
SUBMITTED = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)


@pytest.fixture
def under_review(request, app, people, prepared_review) -> int:
    """The id of the prepared proposal under review (its round open), submitted on SUBMITTED:
    before the meetings on whose agendas it is."""
    proposal_id = prepared_review.data(engine_of(request)).proposal_id
    with app.app_context():
        submitted_on(proposal_id, SUBMITTED)
        db.session.commit()
    return proposal_id


def _seat_of(member) -> Seat:
    return db.session.scalar(
        select(Seat).where(Seat.member_id == member.id, Seat.ended_at.is_(None))
    )


@pytest.fixture
def seated(app, people, under_review, create_user):
    """The four members' seats (their own, from the round's opening), IOM's the chair, and an
    alternate for UNHCR's. Returns the alternate."""
    alternate = create_user(roles=("committee",), organization_acronym="UNHCR", name="Amal Alt")
    with app.app_context():
        secretariat = user(people.secretariat)
        seats.set_chair(secretariat, _seat_of(people.iom).id)
        seats.name_alternate(secretariat, _seat_of(people.unhcr).id, alternate.id)
        db.session.commit()
    return alternate


def _meeting(app, people, present, **values) -> int:
    with app.app_context():
        meeting = meetings.create_meeting(
            user(people.secretariat),
            meetings.MeetingInput(
                title=values.pop("title", "Third meeting"),
                held_on=values.pop("held_on", DAY),
                present={p.id for p in present},
                **values,
            ),
        )
        db.session.commit()
        return meeting.id


# Attendance and quorum ------------------------------------------------------------------------


def test_a_meeting_counts_the_seats_represented(app, people, seated):
    meeting_id = _meeting(app, people, [people.iom, seated, people.unhcr], place="Geneva")
    with app.app_context():
        meeting = meetings.get_meeting(meeting_id)
        by_person = {a.user_id: (a.seat_id, a.capacity) for a in meeting.attendees}
        unhcr_seat = _seat_of(people.unhcr).id
        assert by_person[seated.id] == (unhcr_seat, "alternate")
        assert by_person[people.unhcr.id] == (unhcr_seat, "member")
        # Two seats of four represented (UNHCR once, by its member and its alternate): a
        # majority is three.
        assert meetings.quorum_of(meeting) == (2, 3, False)
        assert meeting.chaired_by_id == people.iom.id  # the chair's seat's member, present
        assert meeting.seats == 4
    (created,) = audit_events(app, "committee_meeting_created", meeting_id)
    assert created.details["present"][0]["seat"]
    with app.app_context():
        changed = meetings.update_meeting(
            user(people.secretariat),
            meeting_id,
            meetings.MeetingInput(
                title="Third meeting",
                held_on=DAY,
                place="Geneva",
                present={people.iom.id, seated.id, people.unicef.id},
                chaired_by_id=people.iom.id,
                minutes="The chair opened the meeting.",
            ),
            expected_version=1,
        )
        db.session.commit()
        assert changed is True
        meeting = meetings.get_meeting(meeting_id)
        assert meetings.quorum_of(meeting) == (3, 3, True)
        assert meeting.version == 2
    (edited,) = audit_events(app, "committee_meeting_changed", meeting_id)
    assert edited.details["minutes"] == ["", "The chair opened the meeting."]


def test_a_seat_represented_by_someone_deactivated_counts_in_the_basis_too(app, people, seated):
    """UNDP's member is deactivated (no alternate): today a round counts three seats. Present
    with IOM's member, they represent UNDP's seat at the meeting, so the basis is four seats:
    two of four is no majority (it read "2 of 3: met")."""
    from fund.accounts.models import User

    with app.app_context():
        db.session.get(User, people.undp.id).active = False
        db.session.commit()
        assert meetings.seats_now() == 3
    meeting_id = _meeting(app, people, [people.iom, people.undp])
    with app.app_context():
        meeting = meetings.get_meeting(meeting_id)
        assert meeting.seats == 4
        assert meetings.quorum_of(meeting) == (2, 3, False)


def test_a_past_meetings_attendance_keeps_those_no_longer_on_a_seat(app, people, seated):
    """Amal sat for UNHCR as its alternate and chaired; named alternate no more, she stays on
    the meeting's form, checked, and as its chair, and a correction of the minutes keeps her
    and her seat (the form offered today's seats only: she vanished and the chair was lost)."""
    meeting_id = _meeting(app, people, [people.iom, seated], chaired_by_id=seated.id)
    with app.app_context():
        seat_id = _seat_of(people.unhcr).id
        seats.remove_alternate(user(people.secretariat), seat_id, seated.id)
        db.session.commit()
    client = client_for(app, people.secretariat)
    form = client.get(f"/committee/meetings/{meeting_id}/edit").get_data(as_text=True)
    assert re.search(rf'<input[^>]*checked[^>]*value="{seated.id}"', form) or re.search(
        rf'<input[^>]*value="{seated.id}"[^>]*checked', form
    ), form
    assert f'<option selected value="{seated.id}">' in form
    with app.app_context():
        meetings.update_meeting(
            user(people.secretariat),
            meeting_id,
            meetings.MeetingInput(
                title="Third meeting",
                held_on=DAY,
                present={people.iom.id, seated.id},
                chaired_by_id=seated.id,
                minutes="Corrected.",
            ),
        )
        db.session.commit()
        meeting = meetings.get_meeting(meeting_id)
        kept = {a.user_id: (a.seat_id, a.capacity) for a in meeting.attendees}
        assert kept[seated.id] == (seat_id, "alternate")
        assert meeting.chaired_by_id == seated.id and meeting.minutes == "Corrected."


def test_only_seat_people_attend_and_the_chair_is_present(app, people, seated, create_user):
    outsider = create_user(roles=("applicant",), organization_acronym="ILO")
    with app.app_context():
        secretariat = user(people.secretariat)
        with pytest.raises(meetings.MeetingRefused, match="Also present") as refused:
            meetings.create_meeting(
                secretariat,
                meetings.MeetingInput(title="M", held_on=DAY, present={outsider.id}),
            )
        assert refused.value.field == "present"
        with pytest.raises(meetings.MeetingRefused, match="among those present"):
            meetings.create_meeting(
                secretariat,
                meetings.MeetingInput(
                    title="M", held_on=DAY, present={people.unhcr.id}, chaired_by_id=people.iom.id
                ),
            )
        with pytest.raises(meetings.MeetingRefused, match="title"):
            meetings.create_meeting(secretariat, meetings.MeetingInput(title="  ", held_on=DAY))
        with pytest.raises(meetings.MeetingRefused, match="Only the secretariat"):
            meetings.create_meeting(
                user(people.unhcr), meetings.MeetingInput(title="M", held_on=DAY)
            )


# The agenda -----------------------------------------------------------------------------------


def test_the_agenda_its_decisions_and_their_checks(app, people, seated, under_review):
    round_id = _round(app, under_review).id
    meeting_id = _meeting(app, people, [people.iom, people.unhcr, people.unicef])
    reference = proposal_reference(under_review)
    with app.app_context():
        secretariat = user(people.secretariat)
        first = meetings.add_item(secretariat, meeting_id, "proposal", reference=reference)
        pipeline = meetings.add_item(secretariat, meeting_id, "pipeline", title="Pipeline ranking")
        other = meetings.add_item(secretariat, meeting_id, "other", title="Next meeting")
        db.session.commit()
        first_id, pipeline_id, other_id = first.id, pipeline.id, other.id
        with pytest.raises(meetings.MeetingRefused, match="already on the agenda"):
            meetings.add_item(secretariat, meeting_id, "proposal", reference=reference)
        with pytest.raises(meetings.MeetingRefused, match="no proposal or concept note P-99999"):
            meetings.add_item(secretariat, meeting_id, "proposal", reference="P-99999")
        with pytest.raises(meetings.MeetingRefused, match="such as P-00042"):
            meetings.add_item(secretariat, meeting_id, "proposal", reference="hello")
        with pytest.raises(meetings.MeetingRefused, match="title"):
            meetings.add_item(secretariat, meeting_id, "other", title=" ")
        # A page showing an older version of the meeting changes nothing.
        with pytest.raises(meetings.MeetingRefused, match="changed this meeting") as stale:
            meetings.add_item(secretariat, meeting_id, "other", title="Late", expected_version=1)
        assert stale.value.stale
        db.session.rollback()

    # The round is still open: the item cannot record a decision against it yet.
    with app.app_context():
        with pytest.raises(meetings.MeetingRefused, match="Round 1 is still open") as early:
            meetings.update_item(
                user(people.secretariat),
                meeting_id,
                first_id,
                position=1,
                title="",
                outcome="approved",
                decision="",
                conditions="",
                round_id=round_id,
            )
        assert early.value.field == "outcome"
        db.session.rollback()
    _vote(app, people.unhcr, round_id, "approve")
    _vote(app, people.unicef, round_id, "approve")
    assert _close(app, people, round_id, "Subject to a revised workplan.") == "approved"
    with app.app_context():
        secretariat = user(people.secretariat)
        with pytest.raises(meetings.MeetingRefused, match="must agree") as disagreeing:
            meetings.update_item(
                secretariat,
                meeting_id,
                first_id,
                position=1,
                title="",
                outcome="not_approved",
                decision="",
                conditions="",
                round_id=round_id,
            )
        assert disagreeing.value.field == "outcome"
        db.session.rollback()
        assert meetings.update_item(
            secretariat,
            meeting_id,
            first_id,
            position=3,  # moved to the end
            title="",
            outcome="approved",
            decision="Approved by consensus.",
            conditions="A revised workplan within a month.",
            round_id=round_id,
        )
        meetings.update_item(
            secretariat,
            meeting_id,
            pipeline_id,
            position=1,
            title="Pipeline ranking",
            outcome="agreed",
            decision="The committee took note of the pipeline.",
            conditions="",
            round_id=None,
        )
        db.session.commit()
        meeting = meetings.get_meeting(meeting_id)
        assert [(i.id, i.position) for i in meeting.items] == [
            (pipeline_id, 1),
            (other_id, 2),
            (first_id, 3),
        ]
        meetings.remove_item(secretariat, meeting_id, other_id)
        db.session.commit()
        meeting = meetings.get_meeting(meeting_id)
        assert [(i.id, i.position) for i in meeting.items] == [(pipeline_id, 1), (first_id, 2)]
        decided = meeting.items[1]
        assert (decided.outcome, decided.round_id) == ("approved", round_id)
    assert len(audit_events(app, "committee_meeting_item_added", meeting_id)) == 3
    (removed,) = audit_events(app, "committee_meeting_item_removed", meeting_id)
    assert removed.details["title"] == "Next meeting"
    changes = audit_events(app, "committee_meeting_item_changed", meeting_id)
    assert changes[0].details["after"]["conditions"] == "A revised workplan within a month."


def test_a_draft_cannot_be_on_the_agenda(app, people, seated, make_proposal):
    draft = make_proposal(people.author)
    meeting_id = _meeting(app, people, [])
    with app.app_context(), pytest.raises(meetings.MeetingRefused, match="never been submitted"):
        meetings.add_item(
            user(people.secretariat),
            meeting_id,
            "proposal",
            reference=proposal_reference(draft),
        )


# The pages ------------------------------------------------------------------------------------


def test_the_secretariat_records_a_meeting_and_members_read_it(app, people, seated, under_review):
    secretariat = client_for(app, people.secretariat)
    form = secretariat.get("/committee/meetings/new").get_data(as_text=True)
    assert "Amal Alt (alternate for UNHCR)" in form
    token = csrf_token(secretariat, "/committee/meetings/new")
    # Bad input: what was typed is kept, the message is at the field, nothing is saved.
    bad = secretariat.post(
        "/committee/meetings/new",
        data={
            "csrf_token": token,
            "title": "Fourth meeting",
            "held_on": "2026-02-30",
            "minutes": "Kept minutes",
            "present": [str(people.iom.id)],
        },
    )
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "Fourth meeting" in text and "Kept minutes" in text
    assert 'aria-invalid="true"' in text
    with app.app_context():
        assert db.session.scalar(select(Meeting.id)) is None
    made = secretariat.post(
        "/committee/meetings/new",
        data={
            "csrf_token": token,
            "title": "Fourth meeting",
            "held_on": "2026-11-20",
            "place": "Online",
            "present": [str(people.iom.id), str(seated.id)],
            "chaired_by": "0",
            "minutes": "Opened at 10:00.",
        },
    )
    assert made.status_code == 302, made.get_data(as_text=True)
    page_path = made.location
    meeting_id = int(page_path.rstrip("/").split("/")[-1])
    added = secretariat.post(
        f"/committee/meetings/{meeting_id}/items",
        data={
            "csrf_token": token,
            "version": "1",
            "kind": "proposal",
            "proposal": proposal_reference(under_review),
        },
    )
    assert added.status_code == 302
    # A form from an older page: 409, the input kept.
    stale = secretariat.post(
        f"/committee/meetings/{meeting_id}/items",
        data={"csrf_token": token, "version": "1", "kind": "other", "title": "Late business"},
    )
    assert stale.status_code == 409
    assert "Late business" in stale.get_data(as_text=True)
    with app.app_context():
        item_id = db.session.scalar(select(MeetingItem.id))
    wrong = secretariat.post(
        f"/committee/meetings/{meeting_id}/items/{item_id}",
        data={"csrf_token": token, "version": "2", "position": "zero", "decision": "Kept text"},
    )
    assert wrong.status_code == 400
    assert "Kept text" in wrong.get_data(as_text=True)
    recorded = secretariat.post(
        f"/committee/meetings/{meeting_id}/items/{item_id}",
        data={
            "csrf_token": token,
            "version": "2",
            "position": "1",
            "outcome": "deferred",
            "round": "0",
            "decision": "Deferred to the written round.",
            "conditions": "Budget clarified first.",
        },
    )
    assert recorded.status_code == 302

    member = client_for(app, people.unicef)
    assert member.get("/committee/meetings/").status_code == 200
    page = member.get(f"/committee/meetings/{meeting_id}").get_data(as_text=True)
    for expected in ("Fourth meeting", "Amal Alt", "Alternate", "Deferred", "Budget clarified"):
        assert expected in page
    assert "Record the decision" not in page  # members read; the secretariat writes
    assert member.get("/committee/meetings/new").status_code == 403
    applicant = client_for(app, people.author)
    assert applicant.get(f"/committee/meetings/{meeting_id}").status_code == 403
    assert applicant.get(f"/committee/meetings/{meeting_id}.pdf").status_code == 403

    # The record as a PDF.
    response = member.get(f"/committee/meetings/{meeting_id}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    _, text = pdf_text(response.data)
    for expected in (
        "Record of the meeting: Fourth meeting",
        "Executive Committee",
        "Amal Alt",
        "Alternate",
        "Deferred to the written round.",
        "Budget clarified first.",
        "Opened at 10:00.",
        "2 of 4 seats represented",
    ):
        assert expected in " ".join(text.split()), expected


def test_the_record_renders_to_an_image(app, people, seated, under_review, tmp_path):
    """The PDF is a real document: pdftoppm draws its first page."""
    if shutil.which("pdftoppm") is None:
        message = "pdftoppm is not installed (apt-get install poppler-utils)"
        if os.environ.get("CI"):
            pytest.fail(message + "; CI must draw the PDF", pytrace=False)
        pytest.skip(message)
    meeting_id = _meeting(app, people, [people.iom, seated], minutes="Minutes.\n" * 80)
    with app.app_context():
        meetings.add_item(
            user(people.secretariat),
            meeting_id,
            "proposal",
            reference=proposal_reference(under_review),
        )
        db.session.commit()
    data = client_for(app, people.secretariat).get(f"/committee/meetings/{meeting_id}.pdf").data
    reader, _ = pdf_text(data)
    assert len(reader.pages) >= 2  # the long minutes run onto a second page
    (tmp_path / "record.pdf").write_bytes(data)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "50",
            "-f",
            "1",
            "-l",
            "1",
            str(tmp_path / "record.pdf"),
            str(tmp_path / "page"),
        ],
        check=True,
    )
    assert list(tmp_path.glob("page*.png"))


# The name of the decision body -----------------------------------------------------------------


def test_the_decision_body_is_named_by_the_setting(app, people, make_proposal, create_user):
    app.config["DECISION_BODY_NAME"] = "Steering Committee"
    proposal_id = make_proposal(people.author, status="committee_review")
    with app.app_context():
        bodies = db.session.scalars(
            select(OutboxMessage.text_body).where(OutboxMessage.kind == "forwarded_to_committee")
        ).all()
    assert bodies and all("Steering Committee" in body for body in bodies)
    assert not any("Executive Committee" in body for body in bodies)
    meeting_id = _meeting(app, people, [people.unhcr])
    member = client_for(app, people.unhcr)
    for path in ("/committee/", "/committee/meetings/", "/committee/seats/"):
        text = member.get(path).get_data(as_text=True)
        assert "Steering Committee" in text and "Executive Committee" not in text, path
    _, text = pdf_text(member.get(f"/committee/meetings/{meeting_id}.pdf").data)
    assert "Steering Committee" in text
    round_id = _round(app, proposal_id).id
    _vote(app, people.unhcr, round_id, "approve")
    _vote(app, people.unicef, round_id, "approve")
    _close(app, people, round_id)
    _, text = pdf_text(member.get(f"/committee/rounds/{round_id}.pdf").data)
    assert "Steering Committee" in text and "Executive Committee" not in text


# Any input --------------------------------------------------------------------------------------


def test_the_meeting_forms_take_any_input(app, backend, people, seated, under_review):
    client = client_for(app, people.secretariat)
    meeting_id = _meeting(app, people, [people.iom])
    with app.app_context():
        item = meetings.add_item(
            user(people.secretariat),
            meeting_id,
            "proposal",
            reference=proposal_reference(under_review),
        )
        db.session.commit()
        item_id = item.id
        round_id = _round(app, under_review).id
    token = csrf_token(client, "/committee/meetings/new")
    present = [str(people.iom.id), str(seated.id), str(people.author.id)]

    @fuzz(backend)
    @given(
        fields(
            version=field("1", "2", "3"),
            title=field("Fuzz meeting"),
            held_on=field("2026-11-20", "2026-13-01"),
            place=field("Geneva"),
            present=many(*present),
            chaired_by=field("0", *present),
            also_present=field("The secretariat."),
            minutes=field("Minutes."),
            kind=field("proposal", "pipeline", "other"),
            proposal=field(proposal_reference(under_review), "P-1"),
            position=field("1", "2", "0"),
            outcome=field("", "approved", "deferred", "noted"),
            round=field("0", str(round_id)),
            decision=field("Decided."),
            conditions=field("None."),
        ),
        st.sampled_from(
            [
                "/committee/meetings/new",
                f"/committee/meetings/{meeting_id}/edit",
                f"/committee/meetings/{meeting_id}/items",
                f"/committee/meetings/{meeting_id}/items/{item_id}",
            ]
        ),
    )
    def run(data, path):
        _submit(app, client, path, data | {"csrf_token": token})

    run()


def test_the_seat_forms_take_any_input(app, backend, people, seated, create_user):
    admin = create_user(roles=("admin",), organization_acronym=None)
    client = client_for(app, admin)
    with app.app_context():
        seat_id = _seat_of(people.unicef).id
        organizations = [str(s.organization_id) for s in db.session.scalars(select(Seat))]
    token = csrf_token(client, "/committee/seats/")
    people_ids = [str(p.id) for p in (people.iom, people.undp, seated, people.author)]

    @fuzz(backend)
    @given(
        fields(
            organization=field("0", *organizations),
            member=field("0", *people_ids),
            alternate=field("0", *people_ids),
            seat=field("0", str(seat_id)),
        ),
        st.sampled_from(
            [
                "/committee/seats/",
                f"/committee/seats/{seat_id}/member",
                f"/committee/seats/{seat_id}/alternates",
                "/committee/seats/chair",
            ]
        ),
    )
    def run(data, path):
        _submit(app, client, path, data | {"csrf_token": token})

    run()


def test_meetings_list_pages(app, people, seated):
    for number in range(27):
        _meeting(app, people, [], title=f"Meeting {number}", held_on=DAY - timedelta(days=number))
    client = client_for(app, people.unhcr)
    first = client.get("/committee/meetings/").get_data(as_text=True)
    assert "Meeting 0" in first and "Meeting 26" not in first
    last = client.get("/committee/meetings/?page=9").get_data(as_text=True)  # past the end
    assert "Meeting 26" in last and "Meeting 0<" not in last

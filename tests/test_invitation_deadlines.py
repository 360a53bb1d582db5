"""An invitation's new deadline: the secretariat extends an open invitation (a later date), or
invites a concept note again once its invitation has passed (a date after today). Each change is
audited and the applicant is told as of the first invitation; bad input is refused at its field
with what was typed kept, and changes nothing."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest

from fund.extensions import db, utcnow
from fund.proposals import invitations
from fund.proposals.models import Proposal
from tests.helpers import client_for, csrf_token, user
from tests.test_concept_note_decisions import (
    _audit_count,
    _events,
    _get,
    _mails,
    _note,
)
from tests.test_concept_note_decisions import call as call
from tests.test_concept_note_decisions import people as people


def _path(note_id: int) -> str:
    return f"/concept-notes/{note_id}/invitation"


def _post(client, note_id: int, version: int, deadline: str, message: str = ""):
    return client.post(
        _path(note_id),
        data={
            "csrf_token": csrf_token(client, _path(note_id)),
            "version": version,
            "deadline": deadline,
            "message": message,
        },
    )


def _expire(app, note_id: int, days: int = 1) -> None:
    with app.app_context():
        db.session.get(Proposal, note_id).invited_until = utcnow().date() - timedelta(days=days)
        db.session.commit()


def test_the_secretariat_extends_an_open_invitation(app, backend, people, call):
    note_id = _note(app, people, call, "invited")
    secretariat = client_for(app, people["secretariat"])
    note_page = html.unescape(secretariat.get(f"/concept-notes/{note_id}").get_data(as_text=True))
    assert _path(note_id) in note_page
    page = html.unescape(secretariat.get(_path(note_id)).get_data(as_text=True))
    assert "Extend the deadline" in page and 'name="deadline"' in page
    note = _get(app, Proposal, note_id)
    first = note.invited_until
    told = len(_mails(app, "invited_to_full_programme"))
    later = first + timedelta(days=30)
    response = _post(secretariat, note_id, note.version, later.isoformat(), "Thirty more days.")
    assert response.status_code == 302
    note = _get(app, Proposal, note_id)
    assert note.status == "invited" and note.invited_until == later
    (event_,) = _events(app, "invitation_extended", note_id)
    assert event_.details == {"deadline": later.isoformat(), "previous": first.isoformat()}
    assert event_.comment == "Thirty more days."
    mails = _mails(app, "invited_to_full_programme")
    assert len(mails) == told + 1
    assert f"by {later.day} {later:%B %Y}" in mails[-1].text_body
    assert "Thirty more days." in mails[-1].text_body
    assert f"/concept-notes/{note_id}/full-proposal" in mails[-1].text_body


def test_an_extension_refuses_bad_dates_and_keeps_the_input(app, backend, people, call):
    note_id = _note(app, people, call, "invited")
    secretariat = client_for(app, people["secretariat"])
    note = _get(app, Proposal, note_id)
    today = utcnow().date()
    before = _audit_count(app)
    for deadline, message in (
        ("", "Give the date by which the full proposal is due."),
        (today.isoformat(), "The deadline must be a date after today"),
        ("2027-02-30", "Enter a date as YYYY-MM-DD"),  # fund.forms.DATE_MESSAGE
        (note.invited_until.isoformat(), "an extension is a later date"),
        ((note.invited_until - timedelta(days=1)).isoformat(), "an extension is a later date"),
    ):
        response = _post(secretariat, note_id, note.version, deadline, "Kept message.")
        body = html.unescape(response.get_data(as_text=True))
        assert response.status_code == 400, deadline
        assert message in body and "Kept message." in body
        assert f'value="{deadline}"' in body
    assert _get(app, Proposal, note_id).invited_until == note.invited_until
    assert _audit_count(app) == before
    # A page showing an older version of the note (a double click) changes nothing.
    later = (note.invited_until + timedelta(days=10)).isoformat()
    assert _post(secretariat, note_id, note.version, later).status_code == 302
    before = _audit_count(app)
    assert _post(secretariat, note_id, note.version, later).status_code == 409
    assert _audit_count(app) == before


def test_an_expired_invitation_is_invited_again(app, backend, people, call):
    note_id = _note(app, people, call, "invited")
    _expire(app, note_id, days=3)
    applicant = client_for(app, people["author"])
    start = f"/concept-notes/{note_id}/full-proposal"
    assert "has passed" in html.unescape(
        applicant.post(start, data={"csrf_token": csrf_token(applicant, start)}).get_data(
            as_text=True
        )
    )
    secretariat = client_for(app, people["secretariat"])
    page = html.unescape(secretariat.get(_path(note_id)).get_data(as_text=True))
    assert "Invite again" in page and "has passed" in page
    note = _get(app, Proposal, note_id)
    # Before today is refused, even though it is later than the passed deadline.
    yesterday = (utcnow().date() - timedelta(days=1)).isoformat()
    refused = _post(secretariat, note_id, note.version, yesterday)
    assert refused.status_code == 400
    assert "The deadline must be a date after today" in html.unescape(
        refused.get_data(as_text=True)
    )
    told = len(_mails(app, "invited_to_full_programme"))
    due = utcnow().date() + timedelta(days=20)
    assert _post(secretariat, note_id, note.version, due.isoformat()).status_code == 302
    assert _get(app, Proposal, note_id).invited_until == due
    (event_,) = _events(app, "invitation_reinvited", note_id)
    assert event_.details == {
        "deadline": due.isoformat(),
        "previous": note.invited_until.isoformat(),
    }
    assert len(_mails(app, "invited_to_full_programme")) == told + 1
    # The applicant can start the full programme again.
    assert applicant.post(start, data={"csrf_token": csrf_token(applicant, start)}).status_code == (
        302
    )
    assert _get(app, Proposal, note_id).status == "converted"


def test_only_an_invited_note_gets_a_new_deadline_and_only_from_the_secretariat(app, people, call):
    converted = _note(app, people, call, "converted")
    secretariat = client_for(app, people["secretariat"])
    page = html.unescape(secretariat.get(_path(converted)).get_data(as_text=True))
    assert "Extend the deadline" not in page and 'name="deadline"' not in page
    note = _get(app, Proposal, converted)
    due = (note.invited_until + timedelta(days=30)).isoformat()
    before = _audit_count(app)
    response = _post(secretariat, converted, note.version, due)
    assert response.status_code == 409
    assert _get(app, Proposal, converted).invited_until == note.invited_until
    assert _audit_count(app) == before
    invited = _note(app, people, call, "invited", title="Invited")
    assert client_for(app, people["author"]).get(_path(invited)).status_code == 403
    assert client_for(app, people["committee"]).get(_path(invited)).status_code == 403
    with app.app_context(), pytest.raises(invitations.InvitationRefused, match="secretariat"):
        invitations.invite(invited, user(people["author"]), utcnow().date() + timedelta(days=90))


def test_the_form_and_the_workflow_refuse_a_deadline_by_one_rule():
    from datetime import date
    from types import SimpleNamespace

    from fund.proposals import guards

    today = date(2025, 4, 9)
    for deadline in (None, today, today - timedelta(days=1)):
        guard = guards.invitation_recorded(
            SimpleNamespace(invited_until=deadline), None, {"today": today}
        )
        with pytest.raises(invitations.InvitationRefused) as refused:
            invitations._checked(SimpleNamespace(version=1), deadline, None, today)
        assert [refused.value.message] == [str(problem) for problem in guard]
        assert refused.value.field == "deadline"
    assert str(guard[0]) == "The deadline must be a date after today (9 April 2025)."
    later = today + timedelta(days=1)
    assert (
        guards.invitation_recorded(SimpleNamespace(invited_until=later), None, {"today": today})
        == []
    )
    assert invitations._checked(SimpleNamespace(version=1), later, None, today) == later

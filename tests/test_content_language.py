"""The language a proposal is written in: chosen in the editor (at first, the language its
author reads the fund in), kept with the proposal, shown to whoever reads it (the committee's
reviewers included), and its texts marked with it for screen readers."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from fund.extensions import db
from fund.proposals import operations
from fund.proposals.models import Proposal
from tests.factories import committee_people, new_open_call, new_proposal
from tests.helpers import client_for, edit_form, user
from tests.test_committee import detached_people


def test_a_new_draft_is_written_in_its_authors_language(app, author, open_call):
    with app.app_context():
        person = user(author)
        english = operations.create_draft(person, call_id=open_call, title="In English")
        person.language = "fr"
        french = operations.create_draft(person, call_id=open_call, title="En français")
        db.session.commit()
        assert (english.content_language, french.content_language) == ("en", "fr")


def test_the_editor_keeps_the_language_chosen_and_the_pages_show_it(app, author, make_proposal):
    proposal_id = make_proposal(author, complete=False)
    client = client_for(app, author)
    form = edit_form(client, proposal_id) | {"content_language": "es", "summary": "Hola."}
    response = client.post(f"/proposals/{proposal_id}/edit", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    with app.app_context():
        assert db.session.get(Proposal, proposal_id).content_language == "es"
    page = client.get(f"/proposals/{proposal_id}").get_data(as_text=True)
    assert '<dt>Written in</dt><dd lang="es">Español</dd>' in page
    assert '<p class="prose" lang="es" dir="auto">Hola.</p>' in page
    editor = client.get(f"/proposals/{proposal_id}/edit").get_data(as_text=True)
    assert '<option selected value="es">Español</option>' in editor


def test_a_language_the_fund_does_not_list_is_refused_and_nothing_changes(
    app, author, make_proposal
):
    proposal_id = make_proposal(author, complete=False)
    client = client_for(app, author)
    form = edit_form(client, proposal_id) | {"content_language": "de", "summary": "Changed."}
    response = client.post(f"/proposals/{proposal_id}/edit", data=form)
    assert response.status_code == 400
    assert "Choose one of the languages listed." in response.get_data(as_text=True)
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        assert proposal.content_language == "en" and proposal.summary != "Changed."


def test_the_committees_reviewers_see_the_language(app):
    with app.app_context():
        people = committee_people()
        proposal = new_proposal(people.author, new_open_call().id, "committee_review")
        proposal.content_language = "ar"
        proposal_id = proposal.id
        people = detached_people(people)
    page = client_for(app, people.unhcr).get(f"/committee/proposals/{proposal_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<dt>Written in</dt><dd lang="ar">العربية</dd>' in html


def test_the_database_refuses_an_unknown_language(app, backend, author, open_call):
    with app.app_context():
        draft = operations.create_draft(user(author), call_id=open_call, title="Checked")
        db.session.commit()
        with pytest.raises(Exception, match=r"(?i)check|constraint"):
            db.session.execute(
                text("UPDATE proposals SET content_language = 'de' WHERE id = :id"),
                {"id": draft.id},
            )
            db.session.flush()
        db.session.rollback()
        stored = db.session.scalar(select(Proposal.content_language).where(Proposal.id == draft.id))
        assert stored == "en"

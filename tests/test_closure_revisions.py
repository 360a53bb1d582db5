"""A programme closes with no revision open: a revision decided after the closing would change
a closed programme (draw more money into an allocation nobody can pay, plan reports after the
end). The close page says which revision waits and offers no closing until it is decided or
withdrawn."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import func, select

from fund.extensions import db
from fund.finance import closure
from fund.proposals.models import Proposal
from fund.revisions import operations
from fund.revisions.models import Revision
from tests.helpers import client_for, csrf_token, user
from tests.test_finance_race import run_together
from tests.test_revisions import _draft, _extension, _job
from tests.test_revisions import prepared_programme as prepared_programme
from tests.test_revisions import programme as programme
from workflows import TransitionRefused

OPEN = "Revision 1 of this programme is still open (Draft)"


def test_a_programme_with_a_revision_open_closes_once_it_is_withdrawn(app, programme):
    with app.app_context():
        revision_id = _draft(programme, _extension(programme, 30))
        with pytest.raises(TransitionRefused) as caught:
            closure.close_programme(
                user(programme["secretariat"]),
                db.session.get(Proposal, programme["proposal"]),
                {},
                "The government ended the programme.",
            )
        db.session.rollback()
        assert OPEN in " ".join(caught.value.problems)

    secretariat = client_for(app, programme["secretariat"])
    address = f"/finance/proposals/{programme['proposal']}/close"
    page = html.unescape(secretariat.get(address).get_data(as_text=True))
    assert OPEN in page
    assert f'href="/revisions/programme/{programme["proposal"]}"' in page
    assert 'id="close-button" disabled' in page
    # Sent anyway (a page opened before the revision began): refused at the top of the form,
    # with what was typed kept, and nothing closed.
    reason = "The government ended the programme early."
    with app.app_context():
        version = db.session.get(Proposal, programme["proposal"]).version
    sent = secretariat.post(
        address,
        data={"csrf_token": csrf_token(secretariat, address), "version": version, "reason": reason},
    )
    answer = html.unescape(sent.get_data(as_text=True))
    assert sent.status_code == 400 and OPEN in answer and reason in answer
    assert 'id="reason-error"' not in answer  # the reason is not what is wrong
    with app.app_context():
        assert db.session.get(Proposal, programme["proposal"]).status == "funded"

    with app.app_context():
        operations.fire(user(programme["ilo"]), revision_id, "withdraw")
        db.session.commit()
    page = html.unescape(secretariat.get(address).get_data(as_text=True))
    assert OPEN not in page and 'id="close-button" disabled' not in page
    with app.app_context():
        closure.close_programme(
            user(programme["secretariat"]),
            db.session.get(Proposal, programme["proposal"]),
            {},
            "The government ended the programme.",
        )
        db.session.commit()
        assert db.session.get(Proposal, programme["proposal"]).status == "closed"


def test_a_revision_started_while_the_programme_closes_leaves_one_of_them(app, backend, programme):
    """Both lock the programme's row first: the closing sees the revision begun, or the start
    sees the programme closed; never a revision open on a closed programme."""
    proposal_id = programme["proposal"]

    def closing(actor):
        proposal = db.session.get(Proposal, proposal_id)
        return closure.close_programme(actor, proposal, {}, "Ended early.").proposal_id

    results = run_together(
        app,
        [
            _job(programme["ilo"].id, lambda actor: operations.start(actor, proposal_id).id),
            _job(programme["secretariat"].id, closing),
        ],
    )
    done = [r for r in results if isinstance(r, int)]
    assert len(done) == 1, results
    with app.app_context():
        status = db.session.get(Proposal, proposal_id).status
        opened = db.session.scalar(
            select(func.count()).select_from(Revision).where(Revision.proposal_id == proposal_id)
        )
        assert (status, opened) in {("funded", 1), ("closed", 0)}

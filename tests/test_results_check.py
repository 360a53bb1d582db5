"""One rule for a full proposal's results framework (`fund.proposals.results_check`): some
outcome maps to the primary objective and has an indicator with a baseline and a target.
Screening flags a framework that breaks it (criterion `results_framework`); the applicant's
editor and proposal page show the same finding before submission, as a warning that does not
stop it (the results framework's section is not "Complete" meanwhile). Both pages say the
finding in their reader's language, and the secretariat's note is pre-filled in theirs.

The proposal: a complete draft (tests/factories.py, primary objective 6) whose only outcome
maps to objective 18."""

from __future__ import annotations

import re
from html import unescape

from fund.extensions import db
from fund.proposals import operations as proposal_operations
from fund.proposals.models import Proposal
from fund.screening import operations as screening_operations
from tests.helpers import client_for, user
from tests.results_factories import add_indicator, add_outcome

FINDING = "No outcome of the results framework maps to the primary objective (objective 6)."
FRENCH = "Aucun effet du cadre de résultats ne se rattache à l'objectif principal (objectif 6)."
SUBMIT = "Submit the proposal to the secretariat"


def _off_objective(app, proposal_id: int) -> None:
    """Set-up: the framework's only outcome maps to objective 18, not to the primary one."""
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        proposal.outcomes.clear()
        db.session.flush()
        add_indicator(add_outcome(proposal, objectives=(18,)))
        db.session.commit()


def _text(response) -> str:
    assert response.status_code == 200
    return unescape(response.get_data(as_text=True))


def test_the_editor_warns_of_what_screening_will_find_without_stopping_submission(
    app, applicant, make_proposal
):
    proposal_id = make_proposal(applicant)
    _off_objective(app, proposal_id)
    owner = client_for(app, applicant)
    page = _text(owner.get(f"/proposals/{proposal_id}/edit"))
    nav = page[page.index('class="editor-nav"') :]
    entry = nav[nav.index('href="#s-results"') :]
    entry = entry[: entry.index("</li>")]
    assert "Complete" not in entry and "1 to check" in entry
    section = page[page.index('id="s-results"') : page.index('id="s-submit"')]
    assert FINDING in section
    submit = page[page.index('id="s-submit"') :]
    assert "Everything the fund checks is in place" not in submit
    assert FINDING in submit[: submit.index("</ul>")]
    button = re.search(r"<button[^>]*>" + re.escape(SUBMIT), page).group(0)
    assert "disabled" not in button
    # The proposal's page says it too.
    detail = _text(owner.get(f"/proposals/{proposal_id}"))
    assert FINDING in detail and "Everything the fund checks is in place" not in detail
    # In the reader's language.
    french = _text(owner.get(f"/proposals/{proposal_id}/edit?lang=fr"))
    assert FRENCH in french and FINDING not in french
    owner.get("/?lang=en")
    # Submission is not stopped by it.
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        proposal_operations.fire(proposal, "submit", user(applicant))
        db.session.commit()
        assert db.session.get(Proposal, proposal_id).status == "submitted"


def test_a_framework_screening_passes_leaves_the_section_complete(app, applicant, make_proposal):
    proposal_id = make_proposal(applicant)  # its outcome maps to objective 6
    page = _text(client_for(app, applicant).get(f"/proposals/{proposal_id}/edit"))
    assert "to check" not in page and FINDING not in page
    assert "Everything the fund checks is in place, as last saved." in page


def test_screening_says_the_finding_and_drafts_the_note_in_the_members_language(
    app, author, create_user, make_proposal
):
    proposal_id = make_proposal(author, status="screening")
    _off_objective(app, proposal_id)
    member = client_for(app, create_user(roles=("secretariat",), organization_acronym=None))
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        criterion = next(
            c.id
            for c in screening_operations.ensure_criteria(proposal.call)
            if c.code == "results_framework"
        )
        db.session.commit()
    note = re.compile(rf'<textarea[^>]*name="note_{criterion}"[^>]*>(.*?)</textarea>', re.S)
    english = _text(member.get(f"/screening/{proposal_id}"))
    assert f"The system found: {FINDING}" in english
    assert note.search(english).group(1) == FINDING
    french = _text(member.get(f"/screening/{proposal_id}?lang=fr"))
    assert "Le système a relevé" in french and FRENCH in french
    assert note.search(french).group(1) == FRENCH
    assert FINDING not in french


def test_screening_reads_the_proposals_rule():
    from fund.proposals import results_check as rule
    from fund.screening import results_check as screening

    assert screening.results_framework_problems is rule.results_framework_problems

"""The coverage context on the committee's review page says what "funded" means: a proposal
by its budget, a concept note (which has no budget yet) by its indicative total."""

from __future__ import annotations

import html
import re

from fund.extensions import db
from tests.concept_note_factories import new_concept_note, two_stage_call
from tests.helpers import client_for


def _coverage_section(page: str) -> str:
    found = re.search(r'<section[^>]*id="coverage-context".*?</section>', page, re.S)
    assert found, "no coverage context on the review page"
    return html.unescape(re.sub(r"\s+", " ", found.group(0)))


def _objective_row(section: str, number: int) -> str:
    found = re.search(rf'<tr data-objective="{number}".*?</tr>', section, re.S)
    assert found, number
    return found.group(0)


def test_a_concept_notes_coverage_context_is_its_indicative_total(app, create_user):
    author = create_user(roles=("applicant",), organization_acronym="ILO")
    member = create_user(roles=("committee",), organization_acronym="UNHCR")
    with app.app_context():
        call_id = two_stage_call()
        note = new_concept_note(author, call_id, "committee_review")
        db.session.commit()
        note_id = note.id

    page = client_for(app, member).get(f"/committee/proposals/{note_id}")
    assert page.status_code == 200
    section = _coverage_section(page.get_data(as_text=True))
    assert "if this concept note were funded at its indicative total (USD 1,200,000.00" in section
    assert "If this concept note were funded at its indicative total of USD 1,200,000.00" in (
        section
    )
    assert "this proposal" not in section
    # ILO's USD 700,000 and IOM's USD 500,000, each split evenly over objectives 6 and 18.
    for objective in (6, 18):
        row = _objective_row(section, objective)
        assert 'class="changed"' in row and "+600,000.00" in row, row
    assert 'class="changed"' not in _objective_row(section, 1)


def test_a_proposals_coverage_context_keeps_its_wording(app, create_user, make_proposal):
    author = create_user(roles=("applicant",), organization_acronym="ILO")
    member = create_user(roles=("committee",), organization_acronym="UNHCR")
    proposal_id = make_proposal(author, "committee_review")

    page = client_for(app, member).get(f"/committee/proposals/{proposal_id}")
    assert page.status_code == 200
    section = _coverage_section(page.get_data(as_text=True))
    assert "If this proposal were funded" in section
    assert "concept note" not in section

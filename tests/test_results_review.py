"""The results framework where a proposal is read for a decision: the committee's review page
shows the framework of the version it reviews (from the version's snapshot) and the MGI gaps
of the proposal's countries, in a fixed number of statements; the start of a full programme
lists the framework among what it takes from the concept note only when the note has one."""

from __future__ import annotations

import html
import re

from flask import Flask

from fund.extensions import db
from fund.proposals.models import Proposal
from fund.reference.results import MgiAssessment
from tests.concept_note_factories import advance_note, new_concept_note, two_stage_call
from tests.factories import advance, committee_people, new_open_call, new_proposal
from tests.helpers import client_for, counted_get
from tests.results_factories import add_indicator, add_outcome, mgi_gap
from tests.test_committee import detached_people
from tests.test_results_display import _framework


def _text(response) -> str:
    body = html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))
    return " ".join(body.split())


def _section(page: str) -> str:
    """The review page's results section: from its heading to the coverage that follows."""
    start = page.index("Results framework")
    return page[start : page.index("Coverage", start)]


def _in_review(app: Flask, frame=_framework, **values) -> tuple[int, object]:
    """A proposal framed by `frame`, taken to committee review; its id and the people."""
    with app.app_context():
        people = committee_people()
        proposal = new_proposal(people.author, new_open_call().id, **values)
        frame(proposal)
        advance(proposal, "committee_review", people.author)
        proposal_id = proposal.id
        return proposal_id, detached_people(people)


def test_the_review_page_shows_the_framework_of_the_version(app: Flask) -> None:
    proposal_id, people = _in_review(app)
    with app.app_context():
        # Changed since it was submitted (directly: the proposal cannot be edited in review).
        proposal = db.session.get(Proposal, proposal_id)
        proposal.outcomes[0].title = "A title never submitted"
        db.session.commit()
    response = client_for(app, people.unhcr).get(f"/committee/proposals/{proposal_id}")
    assert response.status_code == 200
    page = _text(response)
    assert page.index("Budget") < page.index("Results framework")
    section = _section(page)
    assert "Outcome 1: Migrant workers are recruited fairly" in section
    assert "A title never submitted" not in section
    assert "Fund outcome FO4" in section
    assert "Recruitment agencies trained" in section
    assert "Indicators of outcome 1" in section
    assert "Share of migrant workers who paid no recruitment fee" in section
    assert "20 % (2025)" in section and "2027: 40 %" in section
    assert "MGI MGI-1.1 Migrant workers have equal access to labour rights" in section
    # The MGI gaps of its country (Chile, whose 2023 assessment scores MGI-1.1 partial).
    gaps = section[section.index("MGI gaps") :]
    assert "Chile 2023 MGI assessment of Chile MGI-1.1" in gaps
    assert "Partially in place" in gaps
    body = response.get_data(as_text=True)
    assert '<h2 id="s-results">Results framework</h2>' in body
    assert 'aria-labelledby="results-o1-caption"' in body  # the table's focusable region


def test_a_version_without_framework_says_so(app: Flask) -> None:
    def none(proposal: Proposal) -> None:
        proposal.outcomes = []

    # The call's results criterion is recorded as passing by the factory's screening.
    proposal_id, people = _in_review(app, none)
    page = _text(client_for(app, people.secretariat).get(f"/committee/proposals/{proposal_id}"))
    section = _section(page)
    assert "Version 1 gives no results framework." in section
    assert "Chile: no MGI assessment entered." in section


def test_a_concept_note_in_review_shows_its_outline(app: Flask) -> None:
    with app.app_context():
        people = committee_people()
        note = new_concept_note(people.author, two_stage_call())
        add_outcome(note, "Fair recruitment in the corridor", sdg=("10.7.2",))
        db.session.flush()
        advance_note(note, "committee_review", people.author)
        note_id = note.id
        people = detached_people(people)
    page = _text(client_for(app, people.unhcr).get(f"/committee/proposals/{note_id}"))
    section = _section(page)
    assert page.index("Indicative budget") < page.index("Results framework")
    assert "Outcome 1: Fair recruitment in the corridor" in section
    assert "No indicator for this outcome yet." in section
    assert "concept note's objectives" in section


def _framed(people, outcomes: int, indicators: int, gap) -> int:
    """A proposal in review with `outcomes` outcomes of `indicators` indicators each, half of
    them with the MGI baseline `gap`."""
    proposal = new_proposal(people.author, new_open_call().id, title=f"Framed {outcomes}")
    proposal.outcomes = []
    assessment = db.session.get(MgiAssessment, gap.assessment_id)
    for n in range(outcomes):
        outcome = add_outcome(proposal, f"Outcome {n}", objectives=(6, n % 23 + 1))
        for m in range(indicators):
            indicator = add_indicator(outcome, f"Indicator {n}.{m}", output=outcome.outputs[0])
            if m % 2:
                indicator.baseline_source = "mgi"
                indicator.mgi_indicator, indicator.mgi_assessment = gap.indicator, assessment
    db.session.flush()
    advance(proposal, "committee_review", people.author)
    return proposal.id


def test_the_review_page_reads_the_framework_in_fixed_statements(app: Flask, backend) -> None:
    """A version with one outcome of one indicator and one with five outcomes of four
    indicators send as many statements."""
    sizes = {"small": (1, 1), "large": (5, 4)}
    with app.app_context():
        people = committee_people()
        gap = mgi_gap("CL", "MGI-1.1", objectives=(6,), year=2023)
        mgi_gap("CL", "MGI-2.1", objectives=(7,), year=2023, score="absent")
        ids = {name: _framed(people, *size, gap) for name, size in sizes.items()}
        people = detached_people(people)
        engine = db.engine
    client = client_for(app, people.unhcr)
    found = {}
    for name, proposal_id in ids.items():
        response, found[name] = counted_get(client, engine, f"/committee/proposals/{proposal_id}")
        assert response.status_code == 200
        assert f"Indicator {sizes[name][0] - 1}.{sizes[name][1] - 1}" in _text(response)
    assert found["small"] == found["large"], found


# The start of the full programme --------------------------------------------------------------


def _invited_note(app: Flask, outline: bool) -> tuple[int, object]:
    with app.app_context():
        people = committee_people()
        note = new_concept_note(people.author, two_stage_call())
        if outline:
            add_outcome(note, "Fair recruitment in the corridor")
            db.session.flush()
        advance_note(note, "invited", people.author)
        note_id = note.id
        return note_id, detached_people(people)


def _prefilled(app: Flask, outline: bool) -> list[str]:
    note_id, people = _invited_note(app, outline)
    body = client_for(app, people.author).get(f"/concept-notes/{note_id}/full-proposal")
    assert body.status_code == 200
    listed = body.get_data(as_text=True).split('aria-labelledby="prefilled-title">', 1)[1]
    return [html.unescape(i) for i in re.findall(r"<li>(.*?)</li>", listed.split("</ul>")[0])]


def test_the_start_lists_the_framework_only_when_the_note_has_one(app: Flask) -> None:
    assert "Results framework" in _prefilled(app, outline=True)
    without = _prefilled(app, outline=False)
    assert "Results framework" not in without
    assert "National partners" in without and "Title" in without

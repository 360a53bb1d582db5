"""The results framework on the proposal's and the concept note's pages, the MGI gaps of a
proposal's countries, the framework in submitted versions and their differences, and its copy
when a concept note becomes a full proposal."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from decimal import Decimal

from flask import Flask
from sqlalchemy import select

from fund.extensions import db, utcnow
from fund.proposals import invitations
from fund.proposals.conversion import changes_since_concept_note
from fund.proposals.models import BudgetLine, Proposal, ProposalContact, ProposalVersion
from fund.proposals.results import IndicatorTarget, ResultOutcome
from fund.proposals.results_queries import mgi_gaps, objective_numbers
from fund.proposals.results_versions import (
    FRAMEWORK_KEY,
    framework_changes,
    framework_snapshot,
)
from fund.proposals.snapshots import concept_note_snapshot, snapshot
from fund.reference.models import Country, GcmObjective
from fund.reference.results import MgiAssessment
from tests.concept_note_factories import advance_note, new_concept_note, two_stage_call
from tests.factories import advance, endorsement_letter, new_proposal, submit
from tests.helpers import client_for, organization, user
from tests.results_factories import add_indicator, add_outcome, mgi_gap


def _text(response) -> str:
    """The page's text, tags removed and spaces collapsed."""
    body = html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))
    return " ".join(body.split())


def _without_framework(proposal: Proposal) -> Proposal:
    proposal.outcomes = []
    db.session.flush()
    return proposal


def _framework(proposal: Proposal) -> ResultOutcome:
    """One outcome with two outputs and two indicators: one from a national statistic, one
    whose baseline is an MGI indicator of Chile's 2023 assessment."""
    outcome = add_outcome(
        _without_framework(proposal),
        "Migrant workers are recruited fairly",
        objectives=(6, 10),
        outputs=("Recruitment agencies trained", "Complaints desk opened"),
    )
    first = add_indicator(outcome, output=outcome.outputs[0])
    first.by_sex = first.by_migration_status = True
    first.means_of_verification = "Labour force survey"
    first.responsible_organization = organization("ILO")
    first.baseline_link = "https://example.org/statistic"
    score = mgi_gap("CL", "MGI-1.1", objectives=(6,), year=2023)
    mgi = add_indicator(
        outcome,
        "Recruitment law in force",
        unit="laws",
        baseline=Decimal("0"),
        baseline_year=2023,
        source="mgi",
        targets={2027: Decimal("1")},
        end_target=Decimal("1"),
    )
    mgi.mgi_indicator = score.indicator
    mgi.mgi_assessment = db.session.get(MgiAssessment, score.assessment_id)
    db.session.flush()
    return outcome


# The section on the pages ---------------------------------------------------------------------


def test_the_proposal_page_shows_the_framework(app: Flask, open_call: int, author) -> None:
    with app.app_context():
        proposal = new_proposal(author, open_call)
        _framework(proposal)
        db.session.commit()
        url = f"/proposals/{proposal.id}"
    page = _text(client_for(app, author).get(url))
    section = page[page.index("Results framework") :]
    assert "Outcome 1: Migrant workers are recruited fairly" in section
    assert "Fund outcome FO4" in section
    assert "6. " in section and "10. " in section
    assert "8.8" in section and "10.7.1" in section
    assert "Recruitment agencies trained" in section and "Complaints desk opened" in section
    assert "Indicators of outcome 1" in section
    assert "Share of migrant workers who paid no recruitment fee" in section
    assert "20 % (2025)" in section
    assert "National statistic" in section
    assert "2027: 40 %" in section and "2028: 60 %" in section
    assert "By sex, migration status" in section
    assert "Labour force survey" in section
    assert "ILO" in section
    # A one-word unit after exactly 1 in the singular.
    assert "1 law (2027)" not in section and "2027: 1 law" in section
    assert "1 laws" not in section
    assert "0 laws (2023)" in section
    assert "MGI MGI-1.1 Migrant workers have equal access to labour rights" in section
    assert "assessment of Chile (2023)" in section


def test_the_table_of_indicators_is_a_focusable_region(app, open_call, author) -> None:
    with app.app_context():
        proposal = new_proposal(author, open_call)
        _framework(proposal)
        db.session.commit()
        url = f"/proposals/{proposal.id}"
    body = client_for(app, author).get(url).get_data(as_text=True)
    assert (
        '<div class="table-wrap" role="region" tabindex="0" '
        'aria-labelledby="results-o1-caption">' in body
    )
    assert '<caption id="results-o1-caption">Indicators of outcome 1</caption>' in body
    assert '<a href="https://example.org/statistic" rel="noopener noreferrer">' in body
    assert '<abbr title="International Labour Organization">ILO</abbr>' in body
    assert "<li>2027:\u00a040\u00a0%</li>" in body  # a target is never broken over two lines


def test_a_link_that_is_no_web_address_is_not_a_link(app, open_call, author) -> None:
    with app.app_context():
        proposal = new_proposal(author, open_call)
        indicator = _framework(proposal).indicators[0]
        indicator.baseline_link = "javascript:alert(1)"
        db.session.commit()
        url = f"/proposals/{proposal.id}"
    body = client_for(app, author).get(url).get_data(as_text=True)
    assert "javascript:" not in body


def test_without_a_framework_the_page_says_so(app, open_call, author) -> None:
    with app.app_context():
        proposal = _without_framework(new_proposal(author, open_call))
        db.session.commit()
        url = f"/proposals/{proposal.id}"
    page = _text(client_for(app, author).get(url))
    assert "Results framework No results framework yet." in page


def test_the_concept_note_page_shows_its_outline(app, author) -> None:
    with app.app_context():
        note = new_concept_note(author, two_stage_call())
        db.session.commit()
        url = f"/concept-notes/{note.id}"
    client = client_for(app, author)
    assert "No results framework yet. A concept note may outline one" in _text(client.get(url))
    with app.app_context():
        note = db.session.get(Proposal, note.id)
        add_outcome(note, "Fair recruitment in the corridor", sdg=("10.7.2",))
        db.session.commit()
    page = _text(client.get(url))
    assert "Outcome 1: Fair recruitment in the corridor" in page
    assert "No indicator for this outcome yet." in page


# The MGI gaps ---------------------------------------------------------------------------------


def _gaps_case(proposal: Proposal) -> None:
    """Chile: an old assessment (2021) and the latest (2023); Mexico without any."""
    proposal.countries = [db.session.get(Country, "CL"), db.session.get(Country, "MX")]
    proposal.primary_objective_number = 6
    proposal.secondary_objectives = [db.session.get(GcmObjective, 18)]
    mgi_gap("CL", "MGI-9.9", objectives=(6,), year=2021, score="absent")  # old assessment only
    mgi_gap("CL", "MGI-1.1", objectives=(6,), year=2021, score="absent")
    mgi_gap("CL", "MGI-1.1", objectives=(6,), year=2023, score="partial")  # primary
    mgi_gap("CL", "MGI-2.1", objectives=(18,), year=2023, score="absent", domain="D2")
    mgi_gap("CL", "MGI-3.1", objectives=(6,), year=2023, score="complete")  # no gap
    mgi_gap("CL", "MGI-4.1", objectives=(1,), year=2023, score="absent")  # not its objective
    mgi_gap("CL", "MGI-5.1", objectives=(10,), year=2023, score="absent")  # an outcome's
    db.session.flush()


def test_gaps_of_the_latest_assessment_on_the_proposals_objectives(app, open_call, author):
    with app.app_context():
        proposal = _without_framework(new_proposal(author, open_call))
        _gaps_case(proposal)
        found = {c.country.iso2: c for c in mgi_gaps(proposal)}
        assert list(found) == ["CL", "MX"]
        assert found["CL"].year == 2023
        assert found["CL"].link == "https://example.org/mgi/cl-2023"
        assert [(g.code, g.score) for g in found["CL"].gaps] == [
            ("MGI-1.1", "partial"),
            ("MGI-2.1", "absent"),
        ]
        assert found["MX"].year is None and found["MX"].gaps == []
        # An outcome mapped to objective 10 brings that objective's gaps.
        add_outcome(proposal, objectives=(10,))
        assert objective_numbers(proposal) == [6, 10, 18]
        codes = [g.code for g in mgi_gaps(proposal)[0].gaps]
        assert codes == ["MGI-1.1", "MGI-2.1", "MGI-5.1"]


def test_the_page_shows_the_gaps_and_the_countries_without_assessment(app, open_call, author):
    with app.app_context():
        proposal = _without_framework(new_proposal(author, open_call))
        _gaps_case(proposal)
        db.session.commit()
        url = f"/proposals/{proposal.id}"
    response = client_for(app, author).get(url)
    body, page = response.get_data(as_text=True), _text(response)
    gaps = page[page.index("MGI gaps") :]
    assert "Chile 2023 MGI assessment of Chile MGI-1.1" in gaps
    assert "Partially in place" in gaps and "Absent" in gaps
    assert "Migrants' rights" in gaps
    assert "MGI-3.1" not in gaps and "MGI-4.1" not in gaps and "MGI-9.9" not in gaps
    assert "Mexico: no MGI assessment entered." in gaps
    assert 'href="https://example.org/mgi/cl-2023"' in body
    assert "https://example.org/mgi/cl-2021" not in body


def test_without_countries_the_gaps_say_so(app, open_call, author) -> None:
    with app.app_context():
        proposal = new_proposal(author, open_call, countries=[])
        db.session.commit()
        url = f"/proposals/{proposal.id}"
    assert "The proposal names no country yet." in _text(client_for(app, author).get(url))


# Versions -------------------------------------------------------------------------------------


def test_the_snapshot_holds_the_framework(app, open_call, author) -> None:
    with app.app_context():
        proposal = new_proposal(author, open_call)
        _framework(proposal)
        stored = snapshot(proposal)[FRAMEWORK_KEY]
        assert stored == [
            {
                "title": "Migrant workers are recruited fairly",
                "fund_outcome": "FO4",
                "objectives": [6, 10],
                "sdg_targets": ["8.8", "10.7.1"],
                "outputs": ["Recruitment agencies trained", "Complaints desk opened"],
                "indicators": [
                    {
                        "definition": "Share of migrant workers who paid no recruitment fee",
                        "unit": "%",
                        "output": "Recruitment agencies trained",
                        "baseline": "20",
                        "baseline_year": 2025,
                        "baseline_source": "national_statistic",
                        "baseline_link": "https://example.org/statistic",
                        "mgi_indicator": None,
                        "mgi_assessment": None,
                        "targets": {"2027": "40", "2028": "60"},
                        "end_target": "60",
                        "disaggregation": ["sex", "migration_status"],
                        "means_of_verification": "Labour force survey",
                        "responsible_organization": "ILO",
                    },
                    {
                        "definition": "Recruitment law in force",
                        "unit": "laws",
                        "output": None,
                        "baseline": "0",
                        "baseline_year": 2023,
                        "baseline_source": "mgi",
                        "baseline_link": "",
                        "mgi_indicator": "MGI-1.1",
                        "mgi_assessment": {"country": "CL", "year": 2023},
                        "targets": {"2027": "1"},
                        "end_target": "1",
                        "disaggregation": [],
                        "means_of_verification": "",
                        "responsible_organization": None,
                    },
                ],
            }
        ]
        assert FRAMEWORK_KEY not in snapshot(_without_framework(proposal))


def test_framework_changes_in_words() -> None:
    indicator = {
        "definition": "Share paying no fee",
        "unit": "%",
        "baseline": "20",
        "baseline_year": 2025,
        "targets": {"2027": "40"},
        "end_target": "60",
    }
    old = [
        {"title": "Fair recruitment", "objectives": [6], "indicators": [indicator]},
        {"title": "Dropped outcome", "indicators": []},
    ]
    new = [
        {
            "title": "Fairly recruited workers",
            "objectives": [6, 10],
            "indicators": [
                indicator | {"baseline": "25", "targets": {"2027": "45"}},
                {"definition": "Agencies licensed", "unit": "agencies"},
            ],
        },
        {"title": "A new outcome", "indicators": [indicator]},
    ]
    assert [s.replace("\u00a0", " ") for s in framework_changes(old, new)] == [
        "Outcome 1 renamed: “Fair recruitment” → “Fairly recruited workers”.",
        "Outcome 1 “Fairly recruited workers”, GCM objectives: added Objective 10.",
        "Outcome 1 “Fairly recruited workers”, indicator “Share paying no fee”: "
        "Baseline 20 % (2025) → 25 % (2025); Targets 2027: 40 % → 2027: 45 %.",
        "Outcome 1 “Fairly recruited workers”: indicator “Agencies licensed” added.",
        "Outcome 2 renamed: “Dropped outcome” → “A new outcome”.",
        "Outcome 2 “A new outcome”: indicator “Share paying no fee” added.",
    ]
    assert framework_changes(old, new[:1]) == [
        *framework_changes(old[:1], new[:1]),
        "Outcome “Dropped outcome” removed.",
    ]
    assert framework_changes(None, new[1:]) == ["Outcome 1 added: “A new outcome” (1 indicator)."]
    assert framework_changes(old, old) == []


def _resubmitted(app: Flask, author, open_call: int, change) -> int:
    """A proposal submitted with the framework, returned for revision, changed by `change`
    and submitted again; returns its id."""
    with app.app_context():
        proposal = new_proposal(author, open_call)
        _framework(proposal)
        db.session.flush()
        advance(proposal, "returned", author)
        change(proposal)
        db.session.flush()
        submit(proposal, author)
        db.session.commit()
        return proposal.id


def _revise(proposal: Proposal) -> None:
    outcome = proposal.outcomes[0]
    outcome.title = "Migrant workers are recruited fairly and safely"
    outcome.indicators[0].baseline_value = Decimal("25")
    outcome.indicators[0].targets = [IndicatorTarget(year=2027, value=Decimal("45"))]
    add_outcome(proposal, "Employers know the rules", objectives=(6,))


def test_the_version_page_says_what_changed_in_the_framework(app, open_call, author) -> None:
    proposal_id = _resubmitted(app, author, open_call, _revise)
    client = client_for(app, author)
    page = _text(client.get(f"/proposals/{proposal_id}/versions/2"))
    changes = page[page.index("What changed since version 1") : page.index("Content as submitted")]
    assert (
        "Results framework Outcome 1 renamed: “Migrant workers are recruited fairly” → "
        "“Migrant workers are recruited fairly and safely”." in changes
    )
    assert "Baseline 20 % (2025) → 25 % (2025)" in changes
    assert "Targets 2027: 40 %; 2028: 60 % → 2027: 45 %" in changes
    assert "Outcome 2 added: “Employers know the rules” (0 indicators)." in changes
    content = page[page.index("Content as submitted") :]
    assert "Outcome 2: Employers know the rules" in content
    assert "25 % (2025)" in content
    version_one = _text(client.get(f"/proposals/{proposal_id}/versions/1"))
    assert "20 % (2025)" in version_one and "Employers know the rules" not in version_one


def test_an_old_version_without_a_framework_still_renders(app, open_call, author) -> None:
    proposal_id = _resubmitted(app, author, open_call, lambda p: setattr(p, "summary", "Revised."))
    with app.app_context():
        # A version submitted before frameworks existed: its snapshot has no such part.
        first = db.session.scalar(
            select(ProposalVersion).where(
                ProposalVersion.proposal_id == proposal_id, ProposalVersion.number == 1
            )
        )
        first.snapshot = {k: v for k, v in first.snapshot.items() if k != FRAMEWORK_KEY}
        db.session.commit()
    client = client_for(app, author)
    response = client.get(f"/proposals/{proposal_id}/versions/1")
    assert response.status_code == 200
    page = _text(response)
    assert "Results framework None given." in page
    second = _text(client.get(f"/proposals/{proposal_id}/versions/2"))
    assert (
        "Results framework Outcome 1 added: “Migrant workers are recruited fairly” "
        "(2 indicators)." in second
    )
    assert client.get(f"/proposals/{proposal_id}/versions/2.pdf").status_code == 200


def test_a_concept_note_version_shows_its_outline(app, author) -> None:
    with app.app_context():
        note = new_concept_note(author, two_stage_call())
        add_outcome(note, "Fair recruitment in the corridor")
        db.session.flush()
        submit(note, author)
        db.session.commit()
        url = f"/concept-notes/{note.id}"
        version_url = f"/proposals/{note.id}/versions/1"
    client = client_for(app, author)
    assert client.get(url).status_code == 200
    page = _text(client.get(version_url))
    assert "Results framework Outcome 1: Fair recruitment in the corridor" in page


# From a concept note to a full proposal -------------------------------------------------------


def _invited_note_with_outline(author) -> Proposal:
    note = new_concept_note(author, two_stage_call())
    outcome = add_outcome(note, "Fair recruitment in the corridor", objectives=(6, 10))
    add_indicator(outcome, output=outcome.outputs[0])
    db.session.flush()
    from tests.concept_note_factories import advance_note

    advance_note(note, "invited", author)
    return note


def test_the_full_proposal_starts_with_the_notes_framework(app, author) -> None:
    with app.app_context():
        note = _invited_note_with_outline(author)
        full = invitations.start_full_proposal(note.id, user(author))
        db.session.commit()
        assert framework_snapshot(full.outcomes) == framework_snapshot(note.outcomes)
        assert [o.id for o in full.outcomes] != [o.id for o in note.outcomes]
        copied = full.outcomes[0].indicators[0]
        assert copied.output is full.outcomes[0].outputs[0]
        assert copied.actuals == []


def test_what_changed_since_the_concept_note_names_the_framework(app, author) -> None:
    with app.app_context():
        note = _invited_note_with_outline(author)
        full = invitations.start_full_proposal(note.id, user(author))
        taken = concept_note_snapshot(full) | {"budget_lines": []}
        assert changes_since_concept_note(note, taken) == []
        full.outcomes[0].indicators[0].end_target = Decimal("70")
        changed = changes_since_concept_note(note, concept_note_snapshot(full))
        assert [(c.label, [s.replace("\u00a0", " ") for s in c.sentences]) for c in changed] == [
            (
                "Results framework",
                [
                    "Outcome 1 “Fair recruitment in the corridor”, indicator “Share of migrant "
                    "workers who paid no recruitment fee”: End target 60 % → 70 %."
                ],
            )
        ]


def test_a_note_without_an_outline_gives_a_full_proposal_without_framework(app, author):
    with app.app_context():
        note = new_concept_note(author, two_stage_call())
        advance_note(note, "invited", author)
        full = invitations.start_full_proposal(note.id, user(author))
        db.session.flush()
        assert full.outcomes == []


def test_the_version_page_lists_framework_changes_since_the_concept_note(app, author) -> None:
    with app.app_context():
        note = _invited_note_with_outline(author)
        full = invitations.start_full_proposal(note.id, user(author))
        ilo, iom = organization("ILO"), organization("IOM")
        full.planned_start = utcnow().date() + timedelta(days=90)
        full.contacts = [ProposalContact(name="Focal Point", email="focal@ilo.org")]
        full.budget_lines = [
            BudgetLine(organization_id=o.id, objective_number=6, category_code=1, amount=amount)
            for o, amount in ((ilo, Decimal("700000")), (iom, Decimal("500000")))
        ]
        full.attachments = [endorsement_letter(c) for c in full.endorsers]
        full.outcomes[0].indicators[0].baseline_value = Decimal("25")
        db.session.flush()
        submit(full, author)
        db.session.commit()
        url = f"/proposals/{full.id}/versions/1"
    page = _text(client_for(app, author).get(url))
    since = page[page.index("What changed since the concept note") : page.index("Content as")]
    assert (
        "Results framework Outcome 1 “Fair recruitment in the corridor”, indicator “Share of "
        "migrant workers who paid no recruitment fee”: Baseline 20 % (2025) → 25 % (2025)." in since
    )

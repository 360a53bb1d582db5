"""The results framework in the proposal document (the PDF of a submitted version): each
outcome with its fund outcome, objectives, SDG targets and outputs, and its indicators' table,
from the version's snapshot; a version without a framework says it has none."""

from __future__ import annotations

from decimal import Decimal

from flask import Flask

from fund.extensions import db
from fund.proposals.models import Proposal
from tests.factories import new_proposal, submit
from tests.helpers import client_for, pdf_text
from tests.results_factories import add_indicator, add_outcome
from tests.test_results_display import _framework

LONG_TITLE = (
    "Migrant workers in the corridor between the two countries are recruited fairly, without "
    "paying recruitment fees or related costs, and know where to complain when they are not"
)
LONG_DEFINITION = (
    "Share of migrant workers placed by licensed recruitment agencies who report having paid "
    "no recruitment fee or related cost at any stage of their recruitment and placement"
)


def _words(text: str) -> str:
    """The PDF's text with its line breaks and no-break spaces as plain spaces."""
    return " ".join(text.replace("\u00a0", " ").split())


def _document(app: Flask, author, open_call: int, frame) -> tuple[int, str]:
    with app.app_context():
        proposal = new_proposal(author, open_call)
        frame(proposal)
        submit(proposal, author)
        # Changed after submission: the document is the version as submitted.
        for outcome in proposal.outcomes:
            outcome.title = "Never submitted"
        db.session.commit()
        proposal_id = proposal.id
    response = client_for(app, author).get(f"/proposals/{proposal_id}/versions/1.pdf")
    assert response.status_code == 200
    return proposal_id, _words(pdf_text(response.data)[1])


def test_the_document_has_the_results_framework(app: Flask, open_call: int, author) -> None:
    _, text = _document(app, author, open_call, _framework)
    section = text[text.index("Results framework") : text.index("Attachments")]
    assert text.index("Budget") < text.index("Results framework")
    assert "Outcome 1: Migrant workers are recruited fairly" in section
    assert "Never submitted" not in text
    assert "Fund outcome FO4" in section
    assert "6. " in section and "10. " in section  # the GCM objectives, named
    assert "8.8" in section and "10.7.1" in section
    assert "1. Recruitment agencies trained" in section and "2. Complaints desk opened" in section
    assert "Indicators of outcome 1" in section
    assert "Share of migrant workers who paid no recruitment fee" in section
    # Values without their unit, which has its column.
    assert "% 20 (2025) National statistic" in section
    assert "https://example.org/statistic" in section.replace(" ", "")  # wrapped in its column
    assert "2027: 40 2028: 60 60 ILO" in section
    assert "ILO: International Labour Organization" in section
    assert "Disaggregated by sex, migration status" in section
    assert "Verified by: Labour force survey" in section
    assert "Recruitment law in force laws 0 (2023)" in section
    assert "MGI MGI-1.1" in section and "assessment of Chile (2023)" in section


def test_long_texts_wrap_inside_the_page(app: Flask, open_call: int, author) -> None:
    def frame(proposal: Proposal) -> None:
        _framework(proposal)
        outcome = add_outcome(proposal, LONG_TITLE, objectives=(6, 10, 18, 23), outputs=())
        for n in range(12):
            indicator = add_indicator(
                outcome,
                f"{LONG_DEFINITION} ({n})",
                unit="people",
                baseline=Decimal("1250000"),
                targets={2027: Decimal("1500000"), 2028: Decimal("1750000")},
                end_target=Decimal("2000000"),
            )
            indicator.baseline_link = "https://example.org/" + "statistics/" * 12
        add_outcome(proposal, "An outcome without indicators", outputs=())

    _, text = _document(app, author, open_call, frame)
    assert _words(LONG_TITLE) in text
    assert f"{LONG_DEFINITION} (11)" in text
    assert "people 1,250,000 (2025)" in text and "2027: 1,500,000" in text
    assert "Outcome 3: An outcome without indicators" in text and "No indicator." in text


def test_without_a_framework_the_section_says_none(app: Flask, open_call: int, author) -> None:
    def none(proposal: Proposal) -> None:
        proposal.outcomes = []

    _, text = _document(app, author, open_call, none)
    assert "Results framework None given." in text

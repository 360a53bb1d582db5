"""A proposal has one reference, P-00042, wherever people read it: pages, emails, spreadsheets.
The open-data identifiers keep the form they were first published in."""

from __future__ import annotations

import csv
import io

from flask import render_template_string
from openpyxl import load_workbook

from fund.extensions import db
from fund.proposals.models import Proposal, proposal_reference


def test_a_proposal_reference_is_its_id_in_five_digits(app, backend, create_user, make_proposal):
    author = create_user(roles=("applicant",))
    proposal_id = make_proposal(author, status="submitted")
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        assert proposal.reference == proposal_reference(proposal_id) == f"P-{proposal_id:05d}"
        with app.test_request_context():
            shown = render_template_string(
                "{{ proposal|reference }} {{ proposal.id|reference }}", proposal=proposal
            )
        assert shown == f"{proposal.reference} {proposal.reference}"
    assert proposal_reference(7) == "P-00007"
    assert proposal_reference(123456) == "P-123456"


def test_spreadsheets_write_the_reference_the_pages_show(
    app, backend, client, login_as, create_user, make_proposal
):
    author = create_user(roles=("applicant",))
    proposal_id = make_proposal(author, status="submitted")
    login_as("secretariat")
    reference = proposal_reference(proposal_id)

    page = client.get(f"/proposals/{proposal_id}").get_data(as_text=True)
    assert f"Proposal {reference}" in page

    data = client.get("/reports/tables/proposals.csv").data
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert [row["Proposal ref"] for row in rows] == [reference]
    lines = client.get("/reports/tables/budget_lines.csv").data.decode("utf-8-sig")
    assert {row["Proposal ref"] for row in csv.DictReader(io.StringIO(lines))} == {reference}

    workbook = load_workbook(io.BytesIO(client.get("/reports/workbook.xlsx").data))
    assert [r[0] for r in workbook["Proposals"].iter_rows(min_row=2, values_only=True)] == [
        reference
    ]

"""A proposal has one reference, P-00042, wherever people read it: pages, emails, spreadsheets.
The open-data identifiers keep the form they were first published in."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

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


# A contribution, a pledge and a transfer request are named by one rule each -----------------

# Where a code is written out: C-{id}, C-%(id)s, C-{{ c.id }}, 'C-' ~ c.id (and PL-, TR-).
WRITTEN_CODE = re.compile(r"""\b(C|PL|TR)-(\{|%\(|['"]\s*[~+])""")
# Its one home for each kind: the function of the contribution's, the pledge's and the
# request's `code` property.
CODE_HOMES = {
    "fund/finance/models.py": 'return f"C-{contribution_id}"',
    "fund/finance/agent_models.py": 'return f"PL-{pledge_id}"',
    "fund/finance/transfer_models.py": 'return f"TR-{self.id}"',
}


def test_record_codes_are_written_in_one_place_each() -> None:
    root = Path(__file__).resolve().parent.parent
    found = []
    for path in sorted([*root.glob("fund/**/*.py"), *root.glob("templates/**/*.*")]):
        name = path.relative_to(root).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            home = CODE_HOMES.get(name)
            if WRITTEN_CODE.search(line) and not (home and home in line):
                found.append(f"{name}:{number}: {line.strip()}")
    assert not found, "Write the record's `code` instead:\n" + "\n".join(found)


def test_a_contribution_a_pledge_and_a_request_are_named_by_their_code(app) -> None:
    from fund.finance.agent_models import Pledge
    from fund.finance.models import Contribution, contribution_code
    from fund.finance.transfer_models import TransferRequest

    assert contribution_code(12) == "C-12"
    assert Contribution(id=12).code == "C-12"
    assert Pledge(id=3).code == "PL-3"
    assert TransferRequest(id=7).code == "TR-7"

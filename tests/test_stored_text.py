"""Text as people typed it, once stored, never stops a page or a file. A text area keeps what
is pasted into it: control characters from another program, markup, a formula's first
character, right-to-left script, what a spreadsheet program reads as an escape, as many
characters as it takes. With such text in every free-text column of a funded programme's
records, every route each role may use, with the ids of those records, answers without a
server error: the pages, the PDFs (a table's cell taller than a page), the workbooks and CSV
files, the open data and the API.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Text, update

from fund.calls.models import Call
from fund.extensions import db
from fund.finance import operations as finance_operations
from fund.forms import LONG_TEXT
from fund.proposals.models import Proposal, ProposalVersion
from tests.factories import acting_secretariat, funded_programme
from tests.helpers import organization
from tests.test_security_fuzz import PERSONAS, _check, _fill, _get_rules, _may_reach
from tests.test_security_fuzz import personas as personas  # the fixture, a client per role

# What a text area may hold: every control character XML and spreadsheets cannot, a carriage
# return, markup, a formula, an escape a spreadsheet program reads, Arabic, and more; as long
# as a text area takes (fund.forms.LONG_TEXT), with a word longer than any column, so that a
# PDF's table cell is taller than a page.
TYPED_LINE = (
    "=SUM(A1)\x01\x08\x0b\x0c\x1b[0m\x7f <b>bold</b> &amp; _x0041_ مرحبا 😀 \r\nnext line\tend "
)
PASTED = (TYPED_LINE * 60)[: LONG_TEXT - 1001] + " " + "w" * 1000
# What a single-line field may hold: no control characters (the forms refuse them).
ONE_LINE = "=cmd|' /C calc'!A0 <i>&amp;</i> _x000D_ مرحبا"
# Columns of text that a person does not type: the search index made from the others, the
# hash-chained audit trail, the mail already rendered, and the reference data shipped in seed/.
NOT_TYPED = {
    ("proposals", "search_text"),
    ("audit_events", "comment"),
    ("outbox_messages", "text_body"),
    ("outbox_messages", "html_body"),
    ("outbox_messages", "last_error"),
}
REFERENCE_TABLES = {"budget_categories", "gcm_objectives", "thematic_areas", "sdg_targets"}
IDS = ("1", "2", "3")
# Each list's "export this view" (the balance page's list of allocations has a prefix).
EXPORTS = ({"export": "csv"}, {"export": "xlsx"}, {"allocations_export": "xlsx"})


def _store_typed_text() -> None:
    """Every free-text column of every row holds PASTED; the proposals' and calls' titles
    ONE_LINE; each submitted version's text as well."""
    for table in db.metadata.sorted_tables:
        if table.name in REFERENCE_TABLES:
            continue
        columns = {
            c.name: PASTED
            for c in table.columns
            if isinstance(c.type, Text) and (table.name, c.name) not in NOT_TYPED
        }
        if columns:
            db.session.execute(update(table).values(columns))
    for model in (Proposal, Call):
        db.session.execute(update(model).values(title=ONE_LINE))
    for version in db.session.query(ProposalVersion):
        snapshot = dict(version.snapshot)
        snapshot.update(title=ONE_LINE, summary=PASTED, rationale=PASTED)
        version.snapshot = snapshot
    db.session.commit()


@pytest.fixture
def typed(app, personas):
    """A funded programme with a transfer, a voided contribution and the personas' proposals,
    with typed text everywhere."""
    with app.app_context():
        funded_programme(transfer_to_ilo=Decimal("1000.00"))
        secretariat = acting_secretariat()
        contribution = finance_operations.record_contribution(
            secretariat, organization("UNDP"), datetime.now(UTC).date(), Decimal("10.00")
        )
        finance_operations.void_contribution(secretariat, contribution, "typed")
        db.session.commit()
        _store_typed_text()
    return personas


def test_every_route_shows_typed_text_without_a_server_error(app, backend, typed):
    requests = 0
    for rule in _get_rules(app):
        for persona, client in typed.items():
            roles = PERSONAS.get(persona) if persona else None
            if not _may_reach(app, rule, roles):
                continue
            for record_id in IDS if rule.arguments else ("",):
                path = _fill(rule, dict.fromkeys(rule.arguments, record_id))
                for query in ({}, *(() if rule.arguments else EXPORTS)):
                    response = client.get(path, query_string=query)
                    try:
                        _check(response)
                    except AssertionError:
                        pytest.fail(f"{persona} GET {path} {query}: {response.status_code}")
                    requests += 1
    assert requests > 300

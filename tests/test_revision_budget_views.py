"""What a budget reallocation shows before it is decided (money moved between years,
organizations and categories), and what the finance page says of an organization paid in full
before a revision moved its budget between years."""

from __future__ import annotations

import html
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from fund.extensions import db, utcnow
from fund.finance import operations as finance_operations
from fund.finance.models import Allocation, AllocationShare
from fund.proposals.models import BudgetLine
from fund.revisions import operations
from fund.revisions.operations import LineValues, RevisionValues
from tests.helpers import client_for, org_id, user
from tests.test_revisions import _draft
from tests.test_revisions import prepared_programme as prepared_programme
from tests.test_revisions import programme as programme  # the fixture

D = Decimal


def _ilo_moves_to_year_two(programme, moved: str) -> int:
    """A draft moving `moved` of ILO's direct costs from year 1 to year 2 (the rest as is)."""
    lines = []
    for line in db.session.scalars(
        select(BudgetLine).where(BudgetLine.proposal_id == programme["proposal"])
    ):
        values = (line.organization_id, line.objective_number, line.category_code)
        if line.organization_id == org_id("ILO"):
            lines.append(LineValues(*values, line.amount - D(moved), year=1))
            lines.append(LineValues(*values, D(moved), year=2))
        else:
            lines.append(LineValues(*values, line.amount, year=line.year))
    values = RevisionValues(justification="Work moves to year 2.", budget=True, lines=lines)
    revision_id = _draft(programme, values)
    operations.fire(user(programme["ilo"]), revision_id, "submit")
    db.session.commit()
    return revision_id


def _cells(page: str, label: str) -> str:
    row = page[page.index(label) :]
    return row[: row.index("</tr>")]


def _finance_page_after_the_move(app, programme) -> tuple[int, Any, str]:
    """The secretariat approves ILO's move of 100,000.00 to year 2; the revision's id, the
    secretariat's client and the programme's finance page (its text unescaped)."""
    with app.app_context():
        revision_id = _ilo_moves_to_year_two(programme, "100000")
        operations.fire(user(programme["secretariat"]), revision_id, "approve")
        db.session.commit()
        client = client_for(app, user(programme["secretariat"]))
    page = html.unescape(
        client.get(f"/finance/proposals/{programme['proposal']}").get_data(as_text=True)
    )
    return revision_id, client, page


def test_the_secretariat_sees_money_moved_between_years_before_deciding(app, programme):
    with app.app_context():
        revision_id = _ilo_moves_to_year_two(programme, "100000")
        client = client_for(app, user(programme["secretariat"]))
    page = html.unescape(client.get(f"/revisions/{revision_id}").get_data(as_text=True))
    changes = page[page.index("What the revision changes") :]
    assert "600,000.00" in _cells(changes, "ILO, year 1") and "500,000.00" in _cells(
        changes, "ILO, year 1"
    )
    assert "0.00" in _cells(changes, "ILO, year 2")
    assert "100,000.00" in _cells(changes, "ILO, year 2")
    assert "IOM, year" not in changes  # IOM's budget does not move
    lines = _cells(changes, "Budget lines")
    assert "year 2" in lines and "Added" in lines and "Removed" in lines


def test_an_organization_paid_in_full_keeps_its_tranches_and_the_page_says_why(app, programme):
    with app.app_context():
        allocation = db.session.scalar(
            select(Allocation).where(Allocation.proposal_id == programme["proposal"])
        )
        ilo = org_id("ILO")
        share = db.session.scalar(
            select(AllocationShare.amount).where(
                AllocationShare.allocation_id == allocation.id,
                AllocationShare.organization_id == ilo,
            )
        )
        finance_operations.record_disbursement(
            user(programme["secretariat"]), allocation, ilo, utcnow().date(), share
        )
        db.session.commit()
    revision_id, client, page = _finance_page_after_the_move(app, programme)
    schedule = page[page.index("Transfer schedule") :]
    ilo_part = schedule[schedule.index("(ILO)</h") :]
    ilo_part = ilo_part[: ilo_part.index("</table>")]
    assert "Paid in full before revision 1 moved its budget between years" in ilo_part
    assert "year 1: 600,000.00 before, 500,000.00 after" in ilo_part
    assert "year 2: 0.00 before, 100,000.00 after" in ilo_part
    revision_page = html.unescape(client.get(f"/revisions/{revision_id}").get_data(as_text=True))
    assert "Paid in full before revision 1 moved its budget between years" in revision_page


def _ilo_paid_part(app, programme) -> None:
    """ILO is transferred 1,000.00 of its share before the revision."""
    with app.app_context():
        allocation = db.session.scalar(
            select(Allocation).where(Allocation.proposal_id == programme["proposal"])
        )
        finance_operations.record_disbursement(
            user(programme["secretariat"]), allocation, org_id("ILO"), utcnow().date(), D("1000")
        )
        db.session.commit()


def test_an_organization_partly_paid_is_told_why_its_tranches_differ(app, programme):
    """ILO paid part of its share, then a revision moves its budget between years: what was
    paid stays as paid, and the finance page and the revision's page say so."""
    _ilo_paid_part(app, programme)
    revision_id, client, page = _finance_page_after_the_move(app, programme)
    schedule = page[page.index("Transfer schedule") :]
    assert "A revision moved the budget between years after payments were made" in schedule
    ilo_part = schedule[schedule.index("(ILO)</h") :]
    ilo_part = ilo_part[: ilo_part.index("</table>")]
    said = "1,000.00 was already transferred and stays as paid; revision 1 moved the budget"
    assert said in ilo_part
    assert "year 1: 600,000.00 before, 500,000.00 after" in ilo_part
    iom_part = schedule[schedule.index("(IOM)</h") :]
    assert "already transferred" not in iom_part[: iom_part.index("</table>")]
    revision_page = html.unescape(client.get(f"/revisions/{revision_id}").get_data(as_text=True))
    assert f"ILO: {said}" in revision_page


def test_the_proposal_pages_schedule_says_what_was_paid_before_the_revision(app, programme):
    """The proposal page shows the same transfer schedule as the finance page, with the same
    note under ILO's tranches: what it was paid stays as paid after the revision."""
    _ilo_paid_part(app, programme)
    _revision_id, client, _page = _finance_page_after_the_move(app, programme)
    page = html.unescape(client.get(f"/proposals/{programme['proposal']}").get_data(as_text=True))
    schedule = page[page.index('id="transfer-schedule"') :]
    ilo_part = schedule[schedule.index("(ILO)</h") :]
    ilo_part = ilo_part[: ilo_part.index("</table>")]
    assert "1,000.00 was already transferred and stays as paid; revision 1 moved" in ilo_part

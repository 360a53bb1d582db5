"""A later tranche in a real browser: the secretariat requests ILO's second transfer and is told
each failing tranche condition (an overdue report, too little reported spent), gives the reason
to override them and requests it; the administrative agent finds it in the list of open
requests and records the transfer. axe-core finds no WCAG 2.1 A/AA violation on the refusal,
the finance page or the agent's list; each is kept as a screenshot at 1280 and 375 px."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from fund.extensions import db, utcnow
from fund.finance import operations as finance_operations
from fund.finance import transfers
from fund.finance.models import Allocation
from fund.reporting import operations as reporting
from tests import browser_support as support
from tests.browser_support import browser as browser  # the fixtures
from tests.browser_support import server as server
from tests.factories import in_period
from tests.helpers import first_report, new_user, org_id, user_by_email

pytestmark = pytest.mark.browser

APPLICANT = "applicant@demo.fund"  # ILO
SECRETARIAT = "secretariat@demo.fund"
AGENT = "agent@demo.fund"


@pytest.fixture(scope="module")
def programme(server) -> dict[str, Any]:
    """Set-up: a funded ILO-IOM programme; ILO's first tranche of USD 70,000.00 requested and
    transferred; ILO's USD 40,000.00 of expenditure in an accepted financial report; last
    year's annual narrative report overdue. The agent's account (the demo's, or one made
    here)."""
    with server.app.app_context():
        applicant = user_by_email(APPLICANT)
        staff = user_by_email(SECRETARIAT)
        agent = user_by_email(AGENT)
        if agent is None:
            agent = new_user(
                ("administrative_agent",), None, support.DEMO_PASSWORD, email=AGENT, name="Agent"
            )
        proposal = support.funded_demo_programme("Transfers in Chile")
        allocation = db.session.scalar(
            select(Allocation).where(Allocation.proposal_id == proposal.id)
        )
        ilo = org_id("ILO")
        first = transfers.request_transfer(staff, allocation, ilo, Decimal("70000.00"))
        finance_operations.record_disbursement(
            agent, allocation, ilo, utcnow().date(), Decimal("70000.00"), request=first
        )
        financial = first_report(proposal.id, "annual_financial")
        reporting.save_financial(applicant, financial.id, {(ilo, 1): Decimal("40000.00")})
        when = in_period(financial)  # submitted once its period has begun
        reporting.fire(applicant, financial.id, "submit", now=when)
        reporting.fire(staff, financial.id, "accept", now=when)
        # Last year's narrative report, not submitted.
        narrative = first_report(proposal.id, "annual_narrative")
        year = utcnow().year - 1
        narrative.year = year
        narrative.period_start, narrative.period_end = date(year, 1, 1), date(year, 12, 31)
        narrative.due_on = date(year + 1, 3, 31)
        db.session.commit()
        return {"proposal": proposal.id, "year": year, "ilo": ilo}


def _look(page: Any, name: str, where: str) -> None:
    violations = support.axe_violations(page)
    assert not violations, support.describe_violations(violations, where)
    support.screenshot(page, f"transfers-{name}-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    support.screenshot(page, f"transfers-{name}-375")
    violations = support.axe_violations(page)
    assert not violations, support.describe_violations(violations, f"{where} at 375 px")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_request_refused_overridden_then_recorded(server, browser, programme) -> None:
    proposal_id, year = programme["proposal"], programme["year"]
    context = support.new_context(browser, server, bypass_csp=True)
    page = context.new_page()
    support.sign_in(page, SECRETARIAT)
    page.goto(f"/finance/proposals/{proposal_id}")
    with page.expect_navigation():
        page.get_by_role("link", name="Request a transfer").click()
    assert page.get_by_label("Reason for overriding the tranche conditions").count() == 0
    page.get_by_label("Participating organization").select_option(str(programme["ilo"]))
    page.get_by_label("Amount (USD)").fill("100,000.00")
    with page.expect_navigation():
        page.get_by_role("button", name="Request the transfer").click()
    refusal = page.locator("#tranche-refusal").inner_text()
    assert (
        f"The {year} annual narrative report is not accepted (due 31 March {year + 1}, overdue)."
        in refusal
    )
    assert (
        "ILO reported USD 40,000.00 spent, 57% of the USD 70,000.00 transferred; "
        "70% is required." in refusal
    )
    assert page.get_by_label("Amount (USD)").input_value() == "100,000.00"
    _look(page, "refused", "the refused request")
    page.get_by_label("Reason for overriding the tranche conditions").fill(
        "Emergency response to the floods."
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Request the transfer, overriding the conditions").click()
    assert "recorded: USD 100,000.00 to ILO (tranche 2)" in support.flash_text(page)
    requests = page.locator("section.conditions", has_text="tranche 2").inner_text()
    assert "Overridden by the secretariat: Emergency response to the floods." in requests
    _look(page, "requested", "the finance page with its requests")
    context.close()

    context = support.new_context(browser, server, bypass_csp=True)
    page = context.new_page()
    support.sign_in(page, AGENT)
    page.goto("/finance/transfers")
    request = page.locator("section", has_text="USD 100,000.00 to ILO")
    assert "Overridden: Emergency response to the floods." in request.inner_text()
    _look(page, "open-requests", "the agent's open requests")
    request.get_by_label("Paid on (UTC)").fill(utcnow().date().isoformat())
    request.get_by_label("Amount (USD)").fill("100,000.00")
    request.get_by_label("Reference").fill("MPTF-ILO-T2")
    with page.expect_navigation():
        request.get_by_role("button", name="Record the transfer").click()
    assert "Payment of USD 100,000.00 to ILO recorded." in support.flash_text(page)
    assert "MPTF-ILO-T2" in page.locator("#disbursements").inner_text()
    assert "Transferred" in page.locator("#transfer-requests").inner_text()
    context.close()

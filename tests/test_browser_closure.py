"""Closing a programme and receiving its refund in a real browser: the secretariat opens the
close page from the programme's finance page, types a final expenditure above what was
transferred and is told why at the field with the amount kept, corrects it, gives the reason and
closes; the closure page shows the refund due. The administrative agent finds it among the
refunds due and records it; nothing is due any more. axe-core finds no WCAG 2.1 A/AA violation
on the close page with its error, the closure page or the refunds list, at 1280 and 375 px."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from fund.extensions import db, utcnow
from tests import browser_support as support
from tests.browser_support import browser as browser  # the fixtures
from tests.browser_support import server as server
from tests.helpers import org_id

pytestmark = pytest.mark.browser

SECRETARIAT = "secretariat@demo.fund"
AGENT = "agent@demo.fund"


@pytest.fixture(scope="module")
def programme(server) -> tuple[int, int]:
    """Set-up: a funded ILO-IOM programme with USD 10,000 transferred to ILO; its id and ILO's."""
    with server.app.app_context():
        proposal = support.funded_demo_programme("Closing in Chile", Decimal("10000.00"))
        db.session.commit()
        return proposal.id, org_id("ILO")


def _checked(page: Any, what: str) -> None:
    """No WCAG 2.1 A/AA violation at 1280 and 375 px wide; a screenshot at each width."""
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        violations = support.axe_violations(page)
        assert not violations, support.describe_violations(violations, f"{what}, {width}px")
        support.screenshot(page, f"{what}-{width}")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_close_a_programme_and_record_its_refund(server, browser, programme) -> None:
    proposal_id, ilo = programme
    context = support.new_context(browser, server, bypass_csp=True)
    page = context.new_page()
    support.sign_in(page, SECRETARIAT)
    page.goto(f"/finance/proposals/{proposal_id}")
    with page.expect_navigation():
        page.get_by_role("link", name="final expenditure").click()
    field = page.get_by_label("ILO: final expenditure (USD)")
    assert field.input_value() == "0.00"  # no accepted financial report yet
    field.fill("12,000.00")
    page.get_by_label("Reason for closing").fill("The government ended the programme early.")
    with page.expect_navigation():
        page.get_by_role("button", name="Close P-").click()
    message = page.locator(f"#expenditure_{ilo}-error").inner_text()
    assert "cannot be more than what was transferred to it (USD 10,000.00)" in message
    assert page.get_by_label("ILO: final expenditure (USD)").input_value() == "12,000.00"
    _checked(page, "close-page-error")
    page.get_by_label("ILO: final expenditure (USD)").fill("6,000.00")
    with page.expect_navigation():
        page.get_by_role("button", name="Close P-").click()
    assert "is closed" in support.flash_text(page)
    assert page.locator(f"#closure-share-{ilo}").inner_text().split()[-1] == "4,000.00"
    _checked(page, "closure-page")
    context.close()

    context = support.new_context(browser, server, bypass_csp=True)
    page = context.new_page()
    support.sign_in(page, AGENT)
    page.goto("/finance/refunds")
    assert page.locator(f"#due-{proposal_id}-{ilo}").count() == 1
    _checked(page, "refunds-due")
    page.get_by_label("Amount (USD)").fill("4,000.00")
    page.get_by_label("Received on (UTC)").fill(utcnow().date().isoformat())
    page.get_by_label("Reference").fill("RF-2026-7")
    with page.expect_navigation():
        page.get_by_role("button", name="Record the refund from ILO").click()
    assert "Refund of USD 4,000.00 from ILO" in support.flash_text(page)
    assert "No refund is due." in page.content() and "RF-2026-7" in page.content()
    support.screenshot(page, "refund-recorded")
    context.close()

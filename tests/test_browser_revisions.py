"""A revision in a real browser: the demo applicant (ILO) of a funded programme starts a
no-cost extension, types an end date that does not end a month of the programme and is told
why at the field with the date kept, corrects it, saves and submits; the secretariat finds it
among the revisions to decide and approves it, and the page shows the new version. axe-core
finds no WCAG 2.1 A/AA violation on the form with its error, the list or the approved revision,
at 1280 and 375 px wide."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from fund.days import add_months
from fund.extensions import db
from fund.proposals.models import Proposal
from fund.revisions.workflow import programme_end
from tests import browser_support as support
from tests.browser_support import browser as browser  # the fixtures
from tests.browser_support import server as server

pytestmark = pytest.mark.browser

APPLICANT = "applicant@demo.fund"  # ILO
SECRETARIAT = "secretariat@demo.fund"


@pytest.fixture(scope="module")
def programme(server) -> tuple[int, str, str]:
    """Set-up: a funded ILO-IOM programme of 24 months; its id, an end date three months later
    and a date that ends no month of the programme."""
    with server.app.app_context():
        proposal = support.funded_demo_programme("Extension in Chile")
        db.session.commit()
        start, end = programme_end(db.session.get(Proposal, proposal.id))
        new_end = add_months(start, 27) - timedelta(days=1)
        return proposal.id, new_end.isoformat(), (end + timedelta(days=40)).isoformat()


def _check(page: Any, where: str) -> None:
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        violations = support.axe_violations(page)
        assert not violations, support.describe_violations(violations, f"{where} at {width} px")
        support.screenshot(page, f"revision-{where.replace(' ', '-')}-{width}")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_request_and_approve_a_no_cost_extension(server, browser, programme) -> None:
    proposal_id, new_end, wrong_end = programme
    context = support.new_context(browser, server, bypass_csp=True)
    page = context.new_page()
    support.sign_in(page, APPLICANT)
    page.goto(f"/revisions/programme/{proposal_id}")
    with page.expect_navigation():
        page.get_by_role("button", name="Start a revision").click()
    page.get_by_label("Justification (required)").fill("Elections delayed the field work.")
    page.get_by_label("Move the end date").check()
    page.get_by_label("New end date").fill(wrong_end)
    with page.expect_navigation():
        page.get_by_role("button", name="Save the revision").click()
    assert "runs in whole months from its start" in page.content()
    assert page.get_by_label("New end date").input_value() == wrong_end
    assert page.get_by_label("Justification (required)").input_value().startswith("Elections")
    _check(page, "form with an error")
    page.get_by_label("New end date").fill(new_end)
    with page.expect_navigation():
        page.get_by_role("button", name="Save the revision").click()
    assert "The revision is saved." in support.flash_text(page) or "saved" in page.content()
    assert "If submitted as saved: The secretariat decides" in page.content()
    with page.expect_navigation():
        page.get_by_role("button", name="Submit the revision").click()
    assert page.locator("#revision-status").inner_text() == "Submitted to the secretariat"
    revision_url = page.url
    context.close()

    context = support.new_context(browser, server, bypass_csp=True)
    page = context.new_page()
    support.sign_in(page, SECRETARIAT)
    page.goto("/revisions/")
    assert "Extension in Chile" in page.locator("#to-decide + *").inner_text()
    _check(page, "list")
    page.goto(revision_url)
    with page.expect_navigation():
        page.get_by_role("button", name="Approve the revision").click()
    assert page.locator("#revision-status").inner_text() == "Approved"
    assert "Duration (months)" in page.locator("#applied + ul").inner_text()
    _check(page, "approved")
    context.close()

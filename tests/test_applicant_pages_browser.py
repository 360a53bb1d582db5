"""The applicant's pages in a real browser: the page of a submitted version fits a phone's screen
(375 px: long words wrap, tables scroll inside their own region) and has no WCAG 2.0/2.1 A or AA
violation; neither has the revision request of a returned proposal, and that page fits a phone
too. Screenshots at 1280 and 375 px land in test-artifacts/e2e/."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from fund.accounts.models import Organization
from fund.calls.models import Call
from fund.extensions import db
from fund.proposals import operations as proposal_operations
from fund.proposals.models import Attachment, BudgetLine
from tests import browser_support as support
from tests.factories import MINIMAL_PDF, fill_complete
from tests.helpers import user_by_email

pytestmark = pytest.mark.browser

APPLICANT = "applicant@demo.fund"  # ILO
SECRETARIAT = "secretariat@demo.fund"
PHONE = {"width": 375, "height": 812}
LONG_NAME = "Joint-programme-workplan-and-results-framework-final-version-2027-2029.pdf"


def _build() -> dict[str, int]:
    """A proposal submitted, returned with a request, revised and submitted again (two
    versions), and a second one left returned."""
    call_id = db.session.scalar(select(Call.id).order_by(Call.id))
    applicant, secretariat = user_by_email(APPLICANT), user_by_email(SECRETARIAT)
    ids = {}
    for key in ("revised", "returned"):
        proposal = proposal_operations.create_draft(
            applicant,
            call_id=call_id,
            title="Safe and fair labour migration corridors between the Andean countries",
            summary="Decent work for migrant workers.",
        )
        fill_complete(proposal)  # ILO-led, IOM participating, in Chile
        proposal.attachments.append(
            Attachment(
                kind="concept_note",
                filename=LONG_NAME,
                media_type="application/pdf",
                size=len(MINIMAL_PDF),
                sha256=hashlib.sha256(MINIMAL_PDF).hexdigest(),
                content=MINIMAL_PDF,
            )
        )
        db.session.flush()
        proposal_operations.fire(proposal, "submit", applicant)
        proposal_operations.fire(proposal, "start_screening", secretariat)
        proposal_operations.fire(
            proposal,
            "return_for_revision",
            secretariat,
            comment="Add UNDP as a participating organization and explain the monitoring "
            "arrangements in the rationale.",
        )
        ids[key] = proposal.id
    revised = db.session.get(type(proposal), ids["revised"])
    undp = db.session.scalar(select(Organization).where(Organization.acronym == "UNDP"))
    revised.participants = [*revised.participants, undp]
    revised.budget_lines.append(
        BudgetLine(
            organization_id=undp.id,
            objective_number=6,
            category_code=2,
            amount=Decimal("150000.00"),
            description="Supplies for the migrant resource centres in Santiago and Valparaíso",
        )
    )
    revised.rationale += " Monitoring: a joint steering committee meets every quarter."
    db.session.flush()
    proposal_operations.fire(revised, "submit", applicant)
    db.session.commit()
    return ids


@pytest.fixture(scope="module")
def server(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    support.require_browser()
    app = support.live_app(sqlite_template, tmp_path_factory.mktemp("applicant_pages"))
    with support.LiveServer(app) as live:
        with app.app_context():
            live.ids = _build()
        yield live


@pytest.fixture(scope="module")
def page(server) -> Iterator[Any]:
    for browser in support.launch():
        context = support.new_context(browser, server, bypass_csp=True)
        page = context.new_page()
        support.sign_in(page, APPLICANT)
        yield page
        context.close()


def _too_wide(page: Any, width: int) -> list[str]:
    """Elements reaching past the right edge of the screen, outside scrolling regions."""
    return page.evaluate(
        """(width) => [...document.querySelectorAll('main *')]
            .filter(el => !el.closest('.table-wrap'))
            .filter(el => el.getBoundingClientRect().right > width + 0.5)
            .map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '')
                       + ': ' + (el.textContent || '').trim().slice(0, 60))""",
        width,
    )


def test_the_version_page_fits_a_phone(server, page):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/proposals/{server.ids['revised']}/versions/2")
    assert page.get_by_role("heading", name="What changed since version 1").is_visible()
    support.screenshot(page, "version-page-1280")
    violations = support.axe_violations(page)
    assert not violations, support.describe_violations(violations, "the version page")

    page.set_viewport_size(PHONE)
    page.goto(f"/proposals/{server.ids['revised']}/versions/2")
    support.screenshot(page, "version-page-375")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert _too_wide(page, PHONE["width"]) == []
    violations = support.axe_violations(page)
    assert not violations, support.describe_violations(violations, "the version page, 375 px")
    # The wide tables scroll inside a named, focusable region instead.
    regions = page.locator('.table-wrap[role="region"][tabindex="0"]')
    assert regions.count() >= 4
    label = regions.first.get_attribute("aria-labelledby")
    assert page.locator(f"#{label}").inner_text().strip()


def test_a_returned_proposal_shows_the_request_first(server, page):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/proposals/{server.ids['returned']}")
    request = page.locator("section.revision-request")
    assert "Add UNDP as a participating organization" in request.inner_text()
    support.screenshot(page, "returned-proposal-1280")
    support.axe_violations(page)  # loads axe-core into the page
    violations = page.evaluate(
        """async (tags) => (await axe.run('section.revision-request', {
            runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],
        })).violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            helpUrl: v.helpUrl, nodes: v.nodes.map(n => ({target: n.target, html: n.html,
            summary: n.failureSummary}))}))""",
        support.AXE_TAGS,
    )
    assert not violations, support.describe_violations(violations, "the revision request")
    page.set_viewport_size(PHONE)
    page.goto(f"/proposals/{server.ids['returned']}")
    support.screenshot(page, "returned-proposal-375")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

"""The long lists of the screening queue and the finance page, a page at a time, in a real
browser: axe-core finds no WCAG 2.0/2.1 A or AA violation on a middle page (page links on both
sides), and the page links are followed with the keyboard alone."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from fund.accounts.models import Organization
from fund.extensions import db, utcnow
from fund.finance import operations as finance_operations
from fund.finance.queries import lists as finance_queries
from fund.proposals import operations as proposal_operations
from fund.screening import queries as screening_queries
from tests import browser_support as support
from tests.helpers import user_by_email
from tests.test_browser_a11y import EMAILS, _approve, _proposal, _screen

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Three proposals in the screening queue, three approved (two of them funded), and lists
    of one row a page: every list has a previous and a next page."""
    support.require_browser()
    app = support.live_app(sqlite_template, tmp_path_factory.mktemp("pagination"))
    with app.app_context():
        applicant = user_by_email(EMAILS["applicant"])
        for title in ("Waiting one", "Waiting two"):
            proposal_operations.fire(_proposal(title), "submit", applicant)
        _screen(_proposal("In screening"))
        approved = [_proposal(f"Approved {n}") for n in range(5)]
        for proposal in approved:
            _approve(proposal)
        secretariat = user_by_email(EMAILS["secretariat"])
        germany = db.session.scalar(
            select(Organization).where(Organization.name == "Government of Germany")
        )
        finance_operations.record_contribution(
            secretariat, germany, utcnow().date(), Decimal("4000000.00"), None, "DE-1", ""
        )
        for proposal in approved[:3]:
            finance_operations.fund_proposal(secretariat, proposal)
        db.session.commit()
    sizes = (screening_queries.QUEUE_PAGE_SIZE, finance_queries.PAGE_SIZE)
    screening_queries.QUEUE_PAGE_SIZE, finance_queries.PAGE_SIZE = 1, 1
    try:
        with support.LiveServer(app) as live:
            yield live
    finally:
        screening_queries.QUEUE_PAGE_SIZE, finance_queries.PAGE_SIZE = sizes


@pytest.fixture(scope="module")
def page(server) -> Iterator[Any]:
    yield from support.signed_in_page(server, EMAILS["secretariat"])


@pytest.mark.parametrize(
    "path",
    ["/screening/?page=2", "/finance/?pipeline_page=2&allocations_page=2"],
)
def test_a_middle_page_has_no_accessibility_violation(page, path):
    page.goto(path)
    assert page.locator("nav.pager").count() >= 1
    violations = support.axe_violations(page)
    assert violations == [], support.describe_violations(violations, path)


def test_page_links_work_with_the_keyboard_alone(page):
    page.goto("/screening/")
    assert page.get_by_text("Page 1 of 3", exact=True).is_visible()
    link = page.get_by_role("link", name="Next page of the screening queue")
    link.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/screening/?page=2#queue")
    assert page.get_by_text("Page 2 of 3", exact=True).is_visible()

    page.goto("/finance/?allocations_page=2")
    link = page.get_by_role("link", name="Next page of the pipeline")
    link.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "pipeline_page=2" in page.url and "allocations_page=2" in page.url
    assert page.locator("#allocations").locator("tbody tr").count() == 1

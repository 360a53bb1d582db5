"""Home's task dashboards and the navigation in a real browser: the secretariat's and the
applicant's counts and links; the navigation bar one line high at 1280 px for every role, its
groups opened with the keyboard; at 375 px the Menu button opens the navigation (with and
without JavaScript) and no page scrolls sideways. axe-core finds no WCAG 2.1 A/AA violation on
Home at either width, nor with a menu open. Screenshots: test-artifacts/e2e/dashboard-*."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from fund.accounts.models import User
from fund.calls.models import Call
from fund.extensions import db, utcnow
from tests import browser_support as support
from tests.browser_support import browser as browser  # the fixtures
from tests.browser_support import server as server
from tests.factories import new_proposal
from tests.helpers import new_user

pytestmark = pytest.mark.browser

APPLICANT = "applicant@demo.fund"  # ILO
SECRETARIAT = "secretariat@demo.fund"
AGENT = "agent@demo.fund"
PEOPLE = {
    "applicant": APPLICANT,
    "secretariat": SECRETARIAT,
    "committee": "committee.unicef@demo.fund",
    "administrative_agent": AGENT,
    "admin": "admin@demo.fund",
}
CALL = "Call for joint programmes"


@pytest.fixture(scope="module")
def world(server) -> dict[str, int]:
    """Two proposals submitted by ILO's applicant (the older first) and one draft."""
    with server.app.app_context():
        applicant = db.session.scalar(select(User).where(User.email == APPLICANT))
        if db.session.scalar(select(User).where(User.email == AGENT)) is None:
            new_user(("administrative_agent",), None, support.DEMO_PASSWORD, email=AGENT)
        call = db.session.scalar(select(Call).where(Call.title == CALL))
        older = new_proposal(applicant, call.id, "submitted", title="Older submission")
        older.submitted_at = utcnow() - timedelta(days=12)
        newer = new_proposal(applicant, call.id, "submitted", title="Newer submission")
        draft = new_proposal(applicant, call.id, title="A draft to finish")
        db.session.commit()
        return {"older": older.id, "newer": newer.id, "draft": draft.id}


def _page(browser, server, email: str | None, *, javascript: bool = True) -> Any:
    context = support.new_context(browser, server, bypass_csp=True)
    if not javascript:
        context.close()
        context = browser.new_context(
            base_url=server.url,
            viewport={"width": 1280, "height": 900},
            java_script_enabled=False,
        )
        context.set_default_timeout(support.TIMEOUT_MS)
    page = context.new_page()
    if email:
        support.sign_in(page, email)
    return page


def _no_violations(page: Any, where: str) -> None:
    violations = support.axe_violations(page)
    assert not violations, support.describe_violations(violations, where)


def _sideways(page: Any) -> int:
    """How far the page scrolls sideways (0: not at all)."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def test_the_dashboards_count_and_link_what_waits(browser, server, world):
    page = _page(browser, server, SECRETARIAT)
    page.goto("/")
    task = page.locator('[data-task="to_screen"]')
    assert task.locator(".task-title").inner_text().split() == ["2", "to", "screen"]
    links = task.locator(".task-items a")
    assert links.nth(0).inner_text().endswith("Older submission")
    assert links.nth(1).inner_text().endswith("Newer submission")
    _no_violations(page, "the secretariat's Home at 1280 px")
    support.screenshot(page, "dashboard-secretariat-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    assert _sideways(page) == 0
    _no_violations(page, "the secretariat's Home at 375 px")
    support.screenshot(page, "dashboard-secretariat-375")
    with page.expect_navigation():
        links.nth(0).click()
    assert page.url.endswith(f"/screening/{world['older']}")
    page.goto("/")
    with page.expect_navigation():
        page.locator('[data-task="to_screen"] .task-more a').click()
    assert page.url.endswith("/screening/")
    page.context.close()

    page = _page(browser, server, APPLICANT)
    page.goto("/")
    drafts = page.locator('[data-task="drafts"]')
    assert drafts.locator(".task-count").inner_text() == "1"
    with page.expect_navigation():
        drafts.get_by_role("link", name="A draft to finish").click()
    assert f"/proposals/{world['draft']}" in page.url
    page.context.close()


@pytest.mark.parametrize("role", [*PEOPLE, "public"])
def test_the_navigation_is_one_line_at_1280_px(browser, server, world, role):
    page = _page(browser, server, PEOPLE.get(role))
    page.goto("/")
    tops = page.evaluate(
        "() => [...document.querySelectorAll('.nav-list > li')]"
        ".map(li => Math.round(li.getBoundingClientRect().top))"
    )
    assert tops and len(set(tops)) == 1, f"{role}: the navigation wraps: {tops}"
    assert _sideways(page) == 0
    page.context.close()


def test_a_group_opens_and_closes_with_the_keyboard(browser, server, world):
    page = _page(browser, server, SECRETARIAT)
    page.goto("/")
    nav = page.get_by_role("navigation", name="Main")
    summary = nav.locator("summary", has_text="Proposals")
    screening = nav.get_by_role("link", name="Screening")
    assert not screening.is_visible()
    summary.focus()
    page.keyboard.press("Enter")
    assert screening.is_visible()
    _no_violations(page, "Home with the Proposals menu open")
    support.screenshot(page, "dashboard-menu-open-1280")
    page.keyboard.press("Escape")
    assert not screening.is_visible()
    assert page.evaluate("() => document.activeElement.tagName") == "SUMMARY"
    # One group open at a time.
    summary.click()
    nav.locator("summary", has_text="Committee").click()
    assert not screening.is_visible()
    page.context.close()


def test_the_menu_button_opens_the_navigation_on_a_phone(browser, server, world):
    page = _page(browser, server, SECRETARIAT)
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/")
    button = page.get_by_role("button", name="Menu")
    assert button.get_attribute("aria-expanded") == "false"
    home = page.get_by_role("navigation", name="Main").get_by_role("link", name="Home")
    assert not home.is_visible()
    button.click()
    assert button.get_attribute("aria-expanded") == "true"
    assert home.is_visible()
    page.get_by_role("navigation", name="Main").locator("summary", has_text="Programmes").click()
    assert page.get_by_role("link", name="Revisions", exact=True).is_visible()
    assert _sideways(page) == 0
    _no_violations(page, "Home at 375 px with the menu open")
    support.screenshot(page, "dashboard-menu-375")
    button.click()
    assert button.get_attribute("aria-expanded") == "false" and not home.is_visible()
    page.context.close()


def test_the_menu_opens_without_javascript(browser, server, world):
    page = _page(browser, server, None, javascript=False)
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/")
    toggle = page.get_by_role("checkbox", name="Menu")
    coverage = page.get_by_role("navigation", name="Main").locator("summary", has_text="Results")
    assert not coverage.is_visible()
    page.locator("label.menu-button").click()
    assert toggle.is_checked() and coverage.is_visible()
    assert _sideways(page) == 0
    page.context.close()

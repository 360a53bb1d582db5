"""The allocation report's web page in a real browser, on the whole demo set: reached from the
reports page's form, no axe-core violation (WCAG 2.0/2.1 A and AA) at 1280 and at 375 px, no
page scrolling sideways on a phone, and its link to the same report as a PDF."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import browser_support as support
from tests.browser_support import browser as browser  # the fixture

pytestmark = pytest.mark.browser

WIDTHS = (1280, 375)
SIDEWAYS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture(scope="module")
def server(demo_history_template: Path, tmp_path_factory: pytest.TempPathFactory):
    support.require_browser()
    app = support.demo_history_app(
        demo_history_template, tmp_path_factory.mktemp("allocation-page")
    )
    with support.LiveServer(app) as live:
        yield live


def test_the_web_page_is_accessible_at_desktop_and_phone_width(browser, server):
    context = support.new_context(browser, server, bypass_csp=True)
    page = context.new_page()
    try:
        support.sign_in(page, "secretariat@demo.fund")
        support.visit(page, "/reports/", "Reports")
        # The form's second button opens the same choices as a web page (no script needed).
        page.get_by_label("As of").fill("")
        with page.expect_navigation():
            page.get_by_role("button", name="Read it as a web page").click()
        assert "/reports/allocation?" in page.url
        assert page.get_by_role("heading", level=1).inner_text() == "Fund allocation report"
        assert page.get_by_role("navigation", name="Contents").count() == 1
        assert page.locator("table caption").count() >= 12
        assert page.get_by_role("img", name="Bar chart").count() == 1
        problems = []
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            violations = support.axe_violations(page)
            if violations:
                problems.append(support.describe_violations(violations, f"{width} px"))
            if width == 375 and page.evaluate(SIDEWAYS) > 0:
                problems.append(f"the page scrolls sideways at {width} px")
            if violations:
                support.screenshot(page, f"allocation-report-{width}", of_a_failure=True)
        assert not problems, "\n".join(problems)
        pdf = page.get_by_role("link", name="Download this report (PDF)").get_attribute("href")
        response = page.request.get(pdf)
        assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    finally:
        context.close()

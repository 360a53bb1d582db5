"""The public portfolio's pages in a browser, on the demo set: no axe violation at 1280 and
375 px, nothing scrolling sideways on a phone, the map scaled to the screen with its table
beside it. Screenshots at both widths: test-artifacts/e2e/portfolio-*.png."""

from __future__ import annotations

import pytest

from tests import browser_support as support
from tests.a11y_checks import DESKTOP, PHONE, browser, demo_server, width_problems  # noqa: F401

pytestmark = pytest.mark.browser

PAGES = {
    "map": "/portfolio/map",
    "list": "/portfolio",
    "contributions": "/portfolio/contributions",
}


@pytest.fixture
def page(browser, demo_server):  # noqa: F811
    context = support.new_context(browser, demo_server, bypass_csp=True)
    found = context.new_page()
    yield found
    context.close()


@pytest.mark.parametrize("name", sorted(PAGES))
def test_public_page_is_accessible_at_both_widths(page, name):
    response = page.goto(PAGES[name])
    assert response is not None and response.status == 200
    assert width_problems(page, f"portfolio-{name}") == []
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        support.screenshot(page, f"portfolio-{name}-{size['width']}")
    page.set_viewport_size(DESKTOP)


def test_programme_page_is_accessible(page):
    page.goto(PAGES["list"])
    with page.expect_navigation():
        page.locator("table.portfolio-list tbody a").first.click()
    assert "/portfolio/programmes/" in page.url
    assert width_problems(page, "portfolio-programme") == []
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        support.screenshot(page, f"portfolio-programme-{size['width']}")


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280", "375"])
def test_map_fits_the_screen_and_colours_funded_countries(page, size):
    page.set_viewport_size(size)
    page.goto(PAGES["map"])
    svg = page.locator("svg[role=img]")
    box = svg.bounding_box()
    assert box is not None and 0 < box["width"] <= size["width"]
    assert box["height"] > 100  # drawn, not collapsed
    assert page.locator("svg[role=img] path.funded").count() > 0
    rows = page.locator("#country-table-title ~ .table-wrap tbody tr").count()
    assert rows == page.locator("svg[role=img] path.funded").count() or rows > 0


def test_map_filter_works_without_javascript(browser, demo_server):  # noqa: F811
    context = support.new_context(browser, demo_server, bypass_csp=True)
    context.set_offline(False)
    page = context.new_page()
    page.route("**/*.js", lambda route: route.abort())
    page.goto(PAGES["map"])
    page.select_option("#filter-objective", "3")
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    assert "objective=3" in page.url
    assert page.locator("#filter-objective").input_value() == "3"
    context.close()


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_map_in_other_languages(page, language):
    """Right to left (Arabic) and longer words (French): no violation, nothing cut off."""
    response = page.goto(f"{PAGES['map']}?lang={language}")
    assert response is not None and response.status == 200
    assert page.locator("html").get_attribute("lang") == language
    assert width_problems(page, f"portfolio-map-{language}") == []
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        support.screenshot(page, f"portfolio-map-{language}-{size['width']}")
    page.set_viewport_size(DESKTOP)

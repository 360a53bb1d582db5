"""Every page the secretariat, the committee and the administrator reach by their links on the
whole demo set: no axe violation at 1280 and at 375 px, no page scrolling sideways at 375 px,
none answering with a server error (tests/a11y_checks.py; the other roles' crawl is in a module
of its own, so that two test workers share the crawl)."""

from __future__ import annotations

import pytest

from tests import a11y_checks
from tests.a11y_checks import browser, demo_server  # noqa: F401 - the module's fixtures

pytestmark = pytest.mark.browser

ROLES = ["secretariat", "committee", "admin"]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_at_desktop_and_phone_width(browser, demo_server, role):  # noqa: F811
    a11y_checks.check_every_page(browser, demo_server, role)


def test_the_crawls_cover_every_role():
    from tests.test_browser_a11y_crawl_applicants import ROLES as OTHERS

    assert sorted(ROLES + OTHERS) == sorted(a11y_checks.CRAWLERS)

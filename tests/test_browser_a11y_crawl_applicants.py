"""Every page the public, the applicants and the administrative agent reach by their links on the
whole demo set: no axe violation at 1280 and at 375 px, no page scrolling sideways at 375 px,
none answering with a server error (tests/a11y_checks.py; the other roles' crawl is in a module
of its own, so that two test workers share the crawl)."""

from __future__ import annotations

import pytest

from tests import a11y_checks
from tests.a11y_checks import browser, demo_server  # noqa: F401 - the module's fixtures

pytestmark = pytest.mark.browser

ROLES = ["anonymous", "applicant", "lead applicant", "agent"]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_at_desktop_and_phone_width(browser, demo_server, role):  # noqa: F811
    a11y_checks.check_every_page(browser, demo_server, role)

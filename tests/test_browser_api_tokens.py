"""Personal API tokens in a real browser: the secretariat member makes a token on the account
page, sees it once, uses it with the JSON API, and revokes it. The page with the new token, and
the list of tokens, have no axe-core violation at 1280 and 375 px and do not scroll sideways on
a phone; screenshots of both widths are kept (test-artifacts/e2e/api-tokens-*.png)."""

from __future__ import annotations

from typing import Any

import pytest

from tests import browser_support as support
from tests.a11y_checks import PHONE, width_problems
from tests.browser_support import browser as browser  # the fixtures
from tests.browser_support import server as server
from tests.test_browser_a11y import EMAILS

pytestmark = pytest.mark.browser


def _api(page: Any, path: str, token: str) -> int:
    """The status of `path` asked with `token`, from the signed-in browser (its session
    cookie goes too, and never counts)."""
    response = page.request.get(path, headers={"Authorization": f"Bearer {token}"})
    if response.ok:
        assert isinstance(response.json(), dict)
    return response.status


def test_a_token_is_made_used_and_revoked_in_the_browser(browser, server):
    context = support.new_context(browser, server, bypass_csp=True)
    page = context.new_page()
    try:
        support.sign_in(page, EMAILS["secretariat"])
        page.goto("/account")
        page.get_by_label("Token name").fill("Monthly report script")
        page.get_by_label("Days before it expires").fill("30")
        with page.expect_navigation():
            page.get_by_role("button", name="Create the token").click()
        token = page.locator("#new-token").inner_text().strip()
        assert token.startswith("fund_")
        problems = width_problems(page, "the account page with a new token")
        support.screenshot(page, "api-tokens-new-1280")
        page.set_viewport_size(PHONE)
        support.screenshot(page, "api-tokens-new-375")
        page.set_viewport_size({"width": 1280, "height": 900})
        assert _api(page, "/api/v1/proposals", token) == 200
        page.goto("/account")
        assert token not in page.content()  # shown once
        assert "Monthly report script" in page.locator("#tokens").inner_text()
        problems += width_problems(page, "the account page's tokens")
        with page.expect_navigation():
            page.get_by_role("button", name="Revoke the token Monthly report script").click()
        assert "revoked" in support.flash_text(page)
        assert "Revoked" in page.locator("#tokens").inner_text()
        page.set_viewport_size(PHONE)
        support.screenshot(page, "api-tokens-revoked-375")
        assert _api(page, "/api/v1/proposals", token) == 401
        assert not problems, "\n".join(problems)
    finally:
        context.close()

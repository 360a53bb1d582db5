"""The email outbox in a real browser: the administrator lists the emails, filters them and
opens one. Both pages have no axe-core violation at 1280 and 375 px and do not scroll sideways
on a phone; screenshots of both widths are kept (test-artifacts/e2e/outbox-*.png)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fund.extensions import db, utcnow
from fund.notifications.models import OutboxMessage
from fund.notifications.outbox import keep_in_outbox
from tests import browser_support as support
from tests.a11y_checks import PHONE, width_problems
from tests.browser_support import browser as browser  # the fixtures
from tests.browser_support import server as server
from tests.test_browser_a11y import EMAILS

pytestmark = pytest.mark.browser

LONG_ADDRESS = "programme.officer.for.the.western.balkans.corridor@international-organization.org"


def _emails(app) -> int:
    """A few emails in each state, one of them given up on with a long address and error;
    returns the id of that one."""
    now = utcnow()
    with app.app_context():
        rows = [
            OutboxMessage(
                kind="submission_received",
                to_email=f"reader{n}@ilo.org" if n else LONG_ADDRESS,
                subject=f"Proposal P-000{n + 1} was returned for revision, with what to change",
                text_body=(
                    "Dear colleague,\n\nThe secretariat returned the proposal "
                    f"P-000{n + 1} <Joint programme> for revision:\n  - the budget & its notes\n\n"
                    "https://fund.example.org/proposals/1?" + "x" * 120
                ),
                html_body="<p>HTML</p>",
                created_at=now - timedelta(hours=n),
                attempts=20 if n == 0 else n % 3,
                next_attempt_at=now,
            )
            for n in range(6)
        ]
        db.session.add_all(rows)
        db.session.flush()
        rows[0].next_attempt_at = None
        rows[0].last_error = (
            "given up after 20 attempts: 550 5.1.1 <" + LONG_ADDRESS + ">: Recipient address "
            "rejected: User unknown in virtual mailbox table"
        )
        rows[1].sent_at, rows[1].next_attempt_at = now, None
        keep_in_outbox(db.session)
        db.session.commit()
        return rows[0].id


def test_the_administrator_reads_the_outbox_in_the_browser(browser, server):
    given_up = _emails(server.app)
    context = support.new_context(browser, server, bypass_csp=True)
    page = context.new_page()
    try:
        support.sign_in(page, EMAILS["admin"])
        page.goto("/")
        page.locator("summary", has_text="Administration").click()
        with page.expect_navigation():
            page.get_by_role("link", name="Email outbox").click()
        assert page.locator("h1").inner_text() == "Email outbox"
        problems = width_problems(page, "the email outbox")
        support.screenshot(page, "outbox-list-1280")
        page.set_viewport_size(PHONE)
        support.screenshot(page, "outbox-list-375")
        page.set_viewport_size({"width": 1280, "height": 900})
        page.get_by_label("State").select_option("given-up")
        page.get_by_label("Recipient (part of the address)").fill("WESTERN.balkans")
        with page.expect_navigation():
            page.get_by_role("button", name="Filter").click()
        rows = page.locator("table.outbox tbody tr")
        assert rows.count() == 1 and "Given up" in rows.inner_text()
        with page.expect_navigation():
            rows.get_by_role("link").click()
        assert page.url.endswith(f"/admin/outbox/{given_up}")
        assert "<Joint programme>" in page.locator("pre.email-text").inner_text()
        problems += width_problems(page, "an email of the outbox")
        support.screenshot(page, "outbox-email-1280")
        page.set_viewport_size(PHONE)
        support.screenshot(page, "outbox-email-375")
        assert not problems, "\n".join(problems)
    finally:
        context.close()

"""The committee's paginated lists in a real browser: axe-core finds no WCAG 2.0/2.1 A or AA
violation on the pages with their page links, and the links work with the keyboard alone, with
the site's Content-Security-Policy on (no script is needed)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from fund.calls.models import Call
from fund.committee import operations as committee_operations
from fund.committee import queries
from fund.extensions import db
from fund.proposals import operations as proposal_operations
from tests import browser_support as support
from tests.browser_support import browser as browser  # the fixture
from tests.factories import fill_complete, take_to_committee
from tests.helpers import user_by_email

pytestmark = pytest.mark.browser

EMAILS = {
    "secretariat": "secretariat@demo.fund",
    "committee": "committee.unicef@demo.fund",  # entitled to vote in every round
    "recused": "committee.iom@demo.fund",  # IOM takes part in every proposal here
}
PROPOSALS = 7  # four pages of two in the meeting


def _build() -> None:
    call_id = db.session.scalar(select(Call.id).order_by(Call.id))
    applicant, secretariat = (
        user_by_email("applicant@demo.fund"),
        user_by_email(EMAILS["secretariat"]),
    )
    for n in range(PROPOSALS):
        proposal = proposal_operations.create_draft(
            applicant, call_id=call_id, title=f"Proposal {n + 1}", summary="Decent work."
        )
        fill_complete(proposal)  # ILO-led, IOM participating
        db.session.flush()
        take_to_committee(proposal, applicant, secretariat)
        if n % 2:
            round_id = committee_operations.open_round_of(proposal.id).id
            committee_operations.cast_vote(round_id, user_by_email(EMAILS["committee"]), "approve")
    db.session.commit()


@pytest.fixture(scope="module")
def server(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    support.require_browser()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(queries, "PER_PAGE", 2)
        app = support.live_app(sqlite_template, tmp_path_factory.mktemp("committee_pages"))
        with support.LiveServer(app) as live:
            with app.app_context():
                _build()
            yield live


@pytest.fixture(scope="module")
def pages(browser, server) -> Iterator[dict[str, Any]]:
    yield from support.pages_by_role(browser, server, EMAILS)


PAGES = [
    ("secretariat", "/committee/meeting?page=2"),
    ("committee", "/committee/meeting?page=4"),
    ("recused", "/committee/meeting?page=3"),
    ("committee", "/committee/?awaiting_page=2&voted_page=2"),
    ("recused", "/committee/?recused_page=3"),
]


@pytest.mark.parametrize(("role", "path"), PAGES, ids=[f"{r}: {p}" for r, p in PAGES])
def test_no_accessibility_violation_on_paginated_lists(pages, role, path):
    page = pages[role]
    response = page.goto(path)
    assert response is not None and response.status == 200
    assert page.locator("nav.pager").count(), "the page links are not shown"
    assert page.locator('nav.pager a[aria-current="page"]').count()
    violations = support.axe_violations(page)
    if violations:
        support.screenshot(page, f"a11y-committee-pages-{role}", of_a_failure=True)
    assert not violations, support.describe_violations(violations, f"{path} ({role})")


def test_the_page_links_work_with_the_keyboard_and_without_script(browser, server):
    context = support.new_context(browser, server)  # the site's policy on
    page = context.new_page()
    try:
        page.context.route("**/*.js", lambda route: route.abort())  # no script at all
        support.sign_in(page, EMAILS["secretariat"])
        page.goto("/committee/meeting")
        nav = page.get_by_role("navigation", name="Pages of the proposals under review").first
        nav.get_by_role("link", name="Next page").focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.url.endswith("/committee/meeting?page=2")
        current = page.locator('nav.pager a[aria-current="page"]').first
        assert current.inner_text().strip().endswith("2")
        assert "page 2 of 4" in page.locator("main").inner_text()
        nav = page.get_by_role("navigation", name="Pages of the proposals under review").first
        nav.get_by_role("link", name="Page 4").focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.url.endswith("/committee/meeting?page=4")
        nav = page.get_by_role("navigation", name="Pages of the proposals under review").first
        assert nav.get_by_role("link", name="Next page").count() == 0
        assert nav.get_by_role("link", name="Previous page").count() == 1
    finally:
        context.close()


def test_a_decision_record_on_a_phone_stacks_its_tables(pages, server):
    """At 375 px the decision record's tally, members and recusals are stacked, each value
    under its column's name, as a list's rows are: nothing scrolls sideways, neither the page
    nor a table inside its frame; at 1280 px they are tables again."""
    from fund.committee.models import VotingRound

    with server.app.app_context():
        round_id = db.session.scalar(
            select(VotingRound.id).where(VotingRound.status == "open").order_by(VotingRound.id)
        )
    page = pages["secretariat"]
    page.set_viewport_size({"width": 375, "height": 812})
    try:
        page.goto(f"/committee/rounds/{round_id}")
        tables = page.locator("main table.data")
        assert tables.count() == 3
        for index in range(3):
            table = tables.nth(index)
            wrap = table.locator("xpath=..")
            assert wrap.evaluate("w => w.scrollWidth <= w.clientWidth"), index
            first = table.locator("tbody tr").first.locator("th, td").first
            label = first.evaluate(
                "c => getComputedStyle(c, '::before').content.replace(/^\"|\"$/g, '')"
            )
            assert label in ("Approve", "Member"), (index, label)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.set_viewport_size({"width": 1280, "height": 900})
        display = tables.first.locator("tbody td").first.evaluate(
            "c => getComputedStyle(c).display"
        )
        assert display == "table-cell", display
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})

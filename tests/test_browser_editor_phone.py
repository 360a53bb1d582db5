"""The proposal editor and the finance recording forms in a real browser, for keyboard and
screen-reader users and on a phone: a field reached with Tab is never under the sticky save bar
(WCAG 2.4.11); on a phone the editor's rows of fields (budget lines, contacts) are blocks as
wide as the screen, their first cell neither squeezed nor pinned like a scrolling table's; a
refused upload or recording lands on its error summary, focused.
Screenshots: test-artifacts/e2e/editor-phone-*.png.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests import browser_support as support
from tests.browser_support import browser as browser  # the fixtures
from tests.browser_support import server as server
from tests.test_browser_editor import _draft

pytestmark = pytest.mark.browser

APPLICANT = "applicant@demo.fund"
AGENT = "agent@demo.fund"
PHONE = {"width": 375, "height": 700}


def _page(browser: Any, server: support.LiveServer, email: str, viewport=None) -> Any:
    context = browser.new_context(
        base_url=server.url, viewport=viewport or PHONE, locale="en-GB", bypass_csp=True
    )
    context.set_default_timeout(support.TIMEOUT_MS)
    page = context.new_page()
    support.sign_in(page, email)
    return page


HIDDEN_UNDER_THE_BAR = """() => {
  const el = document.activeElement;
  const bar = document.querySelector('.save-bar');
  if (!el || el === document.body || !bar || bar.contains(el)) return null;
  const r = el.getBoundingClientRect(), b = bar.getBoundingClientRect();
  if (r.height === 0 || r.height > b.top) return null;
  // Under the bar: more than a sliver (a border's few pixels) of the element below the bar's
  // top edge, on the screen.
  return r.bottom > b.top + 4 && r.top < b.bottom
    ? (el.id || el.name || el.textContent.trim().slice(0, 40)) : null;
}"""


@pytest.mark.parametrize("language", ["en", "ar"])
def test_no_field_reached_with_tab_is_under_the_save_bar_on_a_phone(browser, server, language):
    proposal_id = _draft(server, f"Tab stops on a phone ({language})")
    page = _page(browser, server, APPLICANT)
    page.goto(f"/proposals/{proposal_id}/edit?lang={language}")
    hidden = []
    for _ in range(150):
        page.keyboard.press("Tab")
        if (name := page.evaluate(HIDDEN_UNDER_THE_BAR)) is not None:
            hidden.append(name)
    assert not hidden, f"{len(hidden)} focused elements under the save bar: {hidden[:10]}"
    page.context.close()


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_editors_rows_of_fields_are_whole_blocks_on_a_phone(browser, server, language):
    proposal_id = _draft(server, f"Rows of fields on a phone ({language})")
    page = _page(browser, server, APPLICANT)
    page.goto(f"/proposals/{proposal_id}/edit?lang={language}")
    for table in ("budget-table", "contacts-table"):
        cell = page.locator(f"table.{table} tbody tr").first.locator("td").first
        cell.scroll_into_view_if_needed()
        found = cell.evaluate(
            """c => { const s = getComputedStyle(c), row = c.parentElement.getBoundingClientRect();
                  return {position: s.position, shadow: s.boxShadow,
                          width: c.getBoundingClientRect().width, row: row.width}; }"""
        )
        assert found["position"] != "sticky" and found["shadow"] == "none", (table, found)
        assert found["width"] >= found["row"] - 20, (table, found)  # as wide as its block
        support.screenshot(page, f"editor-phone-{table}-{language}-375")
    page.context.close()


def test_a_refused_upload_lands_on_its_focused_summary(browser, server):
    proposal_id = _draft(server, "A refused upload")
    page = _page(browser, server, APPLICANT, viewport={"width": 1280, "height": 900})
    page.goto(f"/proposals/{proposal_id}/edit")
    page.get_by_label("Kind of document").select_option("concept_note")
    page.set_input_files(
        "#upload-file", {"name": "fake.pdf", "mimeType": "application/pdf", "buffer": b"<html>"}
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Upload").click()
    focused = page.evaluate("() => document.activeElement.id")
    assert focused == "upload-problems"
    top = page.evaluate("() => document.activeElement.getBoundingClientRect().top")
    assert -1 <= top < 900, "the summary is on the screen"
    support.screenshot(page, "editor-phone-upload-refused-1280")
    page.context.close()


@pytest.mark.parametrize("path", ["/finance/contributions", "/finance/interest"])
def test_a_refused_record_focuses_its_summary(browser, server, path):
    page = _page(browser, server, AGENT, viewport={"width": 1280, "height": 900})
    page.goto(path)
    form = page.locator("form[method=post][action*='#']").first
    with page.expect_navigation():
        form.locator("button[type=submit], input[type=submit]").last.click()
    assert page.evaluate("() => document.activeElement.classList.contains('error-summary')")
    page.context.close()

"""The guided proposal editor in a real browser.

The demo applicant (ILO) has an incomplete draft. With JavaScript the budget's totals by
organization follow the amounts as they are typed, with the indirect support costs of
`fund.money` (the rate given by the page); without it the same totals come from the server once
saved. The country picker filters the 193 countries as a name is typed. Errors inside the budget
and contact tables stay in their cell, readable, under their field, and the columns do not move.
axe-core finds no WCAG 2.1 A/AA violation on the editor (with errors and without) and on the
withdrawal's confirmation, at 1280 and 375 px, and neither page scrolls sideways at 375 px.
Screenshots: test-artifacts/e2e/editor-*.png.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from fund.accounts.models import User
from fund.calls.models import Call
from fund.extensions import db
from tests import browser_support as support
from tests.browser_support import browser as browser  # the fixtures
from tests.browser_support import server as server
from tests.factories import new_proposal

pytestmark = pytest.mark.browser

APPLICANT = "applicant@demo.fund"  # ILO
CALL = "Call for joint programmes"  # seed/demo.toml: full proposals
# Amounts typed for ILO and IOM, and the totals the fund's rule gives at 7%:
# ILO 1,000.05 + 1,000.00 = 2,000.05 direct, 140.0035 -> 140.00; IOM 333.33, 23.3331 -> 23.33.
TYPED = [("ILO", "1,000.05"), ("ILO", "1000"), ("IOM", "333.33")]
TOTALS = [
    ["ILO", "USD 2,000.05", "USD 140.00", "USD 2,140.05"],
    ["IOM", "USD 333.33", "USD 23.33", "USD 356.66"],
]
GRAND = ["Total", "USD 2,333.38", "USD 163.33", "USD 2,496.71"]


def _draft(server: support.LiveServer, title: str) -> int:
    """Set-up, not the subject: an incomplete draft of the demo applicant."""
    with server.app.app_context():
        applicant = db.session.scalar(select(User).where(User.email == APPLICANT))
        call = db.session.scalar(select(Call).where(Call.title == CALL))
        proposal = new_proposal(applicant, call.id, complete=False, title=title)
        db.session.commit()
        proposal_id = proposal.id
        db.session.remove()
        return proposal_id


def _page(browser: Any, server: support.LiveServer, *, javascript: bool = True) -> Any:
    context = browser.new_context(
        base_url=server.url,
        viewport={"width": 1280, "height": 900},
        locale="en-GB",
        java_script_enabled=javascript,
        bypass_csp=True,  # axe-core is injected into the page
    )
    context.set_default_timeout(support.TIMEOUT_MS)
    page = context.new_page()
    support.sign_in(page, APPLICANT)
    return page


def _type_budget(page: Any) -> None:
    for number, (organization, amount) in enumerate(TYPED, start=1):
        page.get_by_label(f"Budget row {number}: Organization").select_option(label=organization)
        page.get_by_label(f"Budget row {number}: Objective").select_option(value="1")
        page.get_by_label(f"Budget row {number}: Category").select_option(value="1")
        page.get_by_label(f"Budget row {number}: Amount (USD)").fill(amount)


def _totals(page: Any) -> tuple[list[list[str]], list[str]]:
    table = page.locator("#budget-totals")
    rows = [
        [cell.strip() for cell in row.locator("th, td").all_inner_texts()]
        for row in table.locator("tbody tr").all()
    ]
    foot = [cell.strip() for cell in table.locator("tfoot tr th, tfoot tr td").all_inner_texts()]
    return rows, foot


def _shots(page: Any, name: str) -> None:
    support.screenshot(page, f"editor-{name}-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    support.screenshot(page, f"editor-{name}-375")
    page.set_viewport_size({"width": 1280, "height": 900})


def _no_violations_at_both_widths(page: Any, where: str) -> None:
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        violations = support.axe_violations(page)
        assert not violations, support.describe_violations(violations, f"{where} at {width} px")
        if width == 375:
            wide = page.evaluate("() => document.documentElement.scrollWidth")
            assert wide <= 375, f"{where} scrolls sideways at 375 px ({wide} px wide)"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_the_running_total_follows_the_typing_with_javascript(browser, server):
    draft = _draft(server, "Running totals")
    page = _page(browser, server)
    page.goto(f"/proposals/{draft}/edit")
    assert "(as saved)" in page.locator("#budget-totals caption").inner_text()
    _type_budget(page)
    page.get_by_label("Budget row 3: Amount (USD)").blur()
    rows, foot = _totals(page)
    assert rows == TOTALS
    assert foot == GRAND
    assert "(as typed, not saved yet)" in page.locator("#budget-totals caption").inner_text()
    status = page.locator("[data-totals-status]").inner_text()
    assert status == "Budget total with indirect support costs: USD 2,496.71."
    # An amount that cannot be read is said not to count; the others still do.
    page.get_by_label("Budget row 2: Amount (USD)").fill("1OOO")
    rows, foot = _totals(page)
    assert rows[0] == ["ILO", "USD 1,000.05", "USD 70.00", "USD 1,070.05"], rows
    assert "1 amount not counted" in page.locator("#budget-totals caption").inner_text()
    page.get_by_label("Budget row 2: Amount (USD)").fill("1000")
    _shots(page, "running-total")
    # Saved, the server's totals are the same.
    with page.expect_navigation():
        page.locator("button[name=section][value=s-budget]").click()
    assert page.url.endswith("#s-budget"), page.url
    assert _totals(page) == (TOTALS, GRAND)
    page.context.close()


def test_the_running_total_counts_only_the_signs_the_server_takes(browser, server):
    """On an English page the server reads "USD 5" and "$5" but refuses "US$ 5" and "$US 5"
    (French and Spanish signs): the running total does the same."""
    draft = _draft(server, "Signs of the dollar")
    page = _page(browser, server)
    page.goto(f"/proposals/{draft}/edit")
    page.get_by_label("Budget row 1: Organization").select_option(label="ILO")
    amount = page.get_by_label("Budget row 1: Amount (USD)")
    caption = page.locator("#budget-totals caption")
    for refused in ("US$ 5", "$US 5", "5 US$"):
        amount.fill(refused)
        assert "1 amount not counted" in caption.inner_text(), refused
        assert _totals(page)[1] == ["Total", "USD 0.00", "USD 0.00", "USD 0.00"], refused
    for read in ("USD 5", "5 usd", "$5"):
        amount.fill(read)
        assert "not counted" not in caption.inner_text(), read
        assert _totals(page)[0] == [["ILO", "USD 5.00", "USD 0.35", "USD 5.35"]], read
    page.context.close()


def test_after_a_refused_save_the_totals_are_those_of_the_typed_fields(browser, server):
    draft = _draft(server, "Totals after a refusal")
    page = _page(browser, server)
    page.goto(f"/proposals/{draft}/edit")
    _type_budget(page)
    page.get_by_label("Budget row 4: Organization").select_option(label="IOM")
    page.get_by_label("Budget row 4: Amount (USD)").fill("US$ 5")  # refused by the server
    with page.expect_navigation():
        page.locator("button[name=section][value=s-budget]").click()
    assert page.locator(".error-summary").count() == 1
    assert page.get_by_label("Budget row 4: Amount (USD)").input_value() == "US$ 5"
    # Nothing was saved; the totals are those of the fields, said to be as typed.
    caption = page.locator("#budget-totals caption").inner_text()
    assert "(as saved)" not in caption
    assert "as typed, not saved yet; 1 amount not counted" in caption, caption
    assert _totals(page) == (TOTALS, GRAND)
    page.context.close()


def test_without_javascript_the_totals_are_the_servers_after_save(browser, server):
    draft = _draft(server, "Totals without scripts")
    page = _page(browser, server, javascript=False)
    page.goto(f"/proposals/{draft}/edit")
    _type_budget(page)
    # Nothing changes before the save: the page says the totals are as saved.
    assert _totals(page)[1] == ["Total", "USD 0.00", "USD 0.00", "USD 0.00"]
    with page.expect_navigation():
        page.locator("button[name=section][value=s-budget]").click()
    assert "Draft saved." in support.flash_text(page)
    assert _totals(page) == (TOTALS, GRAND)
    assert "(as saved)" in page.locator("#budget-totals caption").inner_text()
    # Every country is a plain checkbox, and the section list is open.
    countries = page.get_by_role("group", name="Countries")
    assert countries.get_by_role("checkbox").count() == 193
    assert countries.get_by_label("Mexico").is_visible()
    assert page.locator(".editor-nav details").get_attribute("open") is not None
    page.context.close()


def _shown(group: Any) -> list[str]:
    return [text.strip() for text in group.locator("li:visible").all_inner_texts()]


def test_the_country_picker_filters_as_a_name_is_typed(browser, server):
    draft = _draft(server, "Countries found by name")
    page = _page(browser, server)
    page.goto(f"/proposals/{draft}/edit")
    group = page.get_by_role("group", name="Countries")
    assert group.locator("li:visible").count() == 0  # none chosen yet
    page.get_by_label("Find countries by name").fill("mex")
    assert _shown(group) == ["Mexico"]
    assert "1 of 193 countries match" in group.locator("[role=status]").inner_text()
    group.get_by_label("Mexico").check()
    page.get_by_label("Find countries by name").fill("")
    assert _shown(group) == ["Mexico"]  # the chosen one
    # Enter in the filter does not send the form.
    page.get_by_label("Find countries by name").press("Enter")
    assert page.url.endswith("/edit")
    with page.expect_navigation():
        page.locator("button[name=section][value=s-countries]").click()
    assert page.get_by_role("group", name="Countries").get_by_label("Mexico").is_checked()
    page.context.close()


def _columns(page: Any, table: str) -> list[float]:
    return page.evaluate(
        """(selector) => [...document.querySelectorAll(selector + ' thead th')]
            .map(th => th.getBoundingClientRect().left)""",
        table,
    )


def _error_is_readable(page: Any, error_id: str) -> None:
    """The error is inside its cell, not cut, and nothing covers it."""
    found = page.evaluate(
        """(id) => {
            const error = document.getElementById(id);
            const cell = error.closest('td');
            error.scrollIntoView({block: 'center'});
            const box = error.getBoundingClientRect(), outer = cell.getBoundingClientRect();
            const x = box.left + box.width / 2, y = box.top + box.height / 2;
            const top = document.elementFromPoint(x, y);
            return {
                inside: box.left >= outer.left - 0.5 && box.right <= outer.right + 0.5
                    && box.top >= outer.top - 0.5 && box.bottom <= outer.bottom + 0.5,
                clipped: error.scrollWidth > error.clientWidth + 1,
                covered: !(top === error || error.contains(top)),
                below: box.top >= cell.querySelector('input, select')
                    .getBoundingClientRect().bottom,
                width: box.width,
            };
        }""",
        error_id,
    )
    assert found["inside"], (error_id, found)
    assert not found["clipped"], (error_id, found)
    assert not found["covered"], (error_id, found)
    assert found["below"], (error_id, found)


def test_errors_in_table_cells_are_visible_and_the_columns_stay(browser, server):
    draft = _draft(server, "Errors in their cells")
    page = _page(browser, server)
    page.goto(f"/proposals/{draft}/edit")
    before = {t: _columns(page, t) for t in (".budget-table", ".contacts-table")}
    page.get_by_label("Budget row 1: Organization").select_option(label="ILO")
    page.get_by_label("Budget row 1: Amount (USD)").fill("12.345")
    page.get_by_label("Budget row 2: Amount (USD)").fill("4OO,000.00")
    page.get_by_label("Contact 1: Name").fill("Focal Point")
    page.get_by_label("Contact 1: Email").fill("focal.point at ilo.org")
    with page.expect_navigation():
        page.locator("button[name=section][value=s-contacts]").click()
    assert page.locator(".error-summary").count() == 1
    after = {t: _columns(page, t) for t in (".budget-table", ".contacts-table")}
    assert after == before, "an error moved a column"
    for error_id in (
        "budget-0-amount-error",
        "budget-0-objective_number-error",
        "budget-1-amount-error",
        "budget-1-organization_id-error",
        "contacts-0-email-error",
    ):
        _error_is_readable(page, error_id)
        # The summary links to the field the error is under.
        field = error_id.removesuffix("-error")
        assert page.locator(f".error-summary a[href='#{field}']").count() == 1, field
    _shots(page, "errors-in-cells")
    _no_violations_at_both_widths(page, "the editor with errors")
    page.context.close()


def test_no_accessibility_violations_on_the_editor_and_the_withdrawal(browser, server):
    draft = _draft(server, "Accessible editor")
    page = _page(browser, server)
    page.goto(f"/proposals/{draft}/edit")
    _no_violations_at_both_widths(page, "the editor")
    _shots(page, "sections")
    page.goto(f"/proposals/{draft}/withdraw")
    _no_violations_at_both_widths(page, "the withdrawal's confirmation")
    with page.expect_navigation():
        page.get_by_role("button", name="Yes, withdraw the proposal").click()
    assert page.locator("#comment-error").is_visible()  # a reason is asked for
    _no_violations_at_both_widths(page, "the withdrawal without a reason")
    _shots(page, "withdraw")
    page.context.close()


def test_submit_waits_for_a_save_once_something_is_changed(browser, server):
    with server.app.app_context():
        applicant = db.session.scalar(select(User).where(User.email == APPLICANT))
        call = db.session.scalar(select(Call).where(Call.title == CALL))
        draft = new_proposal(applicant, call.id, title="Complete draft").id
        db.session.commit()
        db.session.remove()
    page = _page(browser, server)
    page.goto(f"/proposals/{draft}/edit")
    submit = page.get_by_role("button", name="Submit the proposal to the secretariat")
    assert submit.is_enabled()  # every check passes
    page.get_by_label("Find countries by name").fill("per")  # a filter changes nothing
    assert submit.is_enabled()
    page.get_by_label("Summary", exact=True).fill("Changed, not saved yet.")
    assert submit.is_disabled()
    assert "not saved" in page.locator("#submit-unsaved").inner_text()
    with page.expect_navigation():
        page.locator("button[name=section][value=s-general]").click()
    assert page.get_by_role("button", name="Submit the proposal to the secretariat").is_enabled()
    page.context.close()

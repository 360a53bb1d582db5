"""Lists that serve, in a real browser: search the proposals by words of their summaries,
filter, sort by a column header, then export the view; the downloaded CSV and XLSX hold exactly
the rows shown, in their order. axe-core finds no WCAG 2.0/2.1 A or AA violation on the
searched, sorted list at desktop and phone widths, and nothing scrolls sideways on the phone.
Each test runs against SQLite (FTS5) and PostgreSQL (tsvector) behind the browser."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from fund.extensions import db
from fund.proposals import operations as proposal_operations
from tests import browser_support as support
from tests.conftest import _postgres_database
from tests.helpers import user_by_email
from tests.test_browser_a11y import EMAILS, _proposal

pytestmark = pytest.mark.browser

PROPOSALS = (
    ("Remittance corridors in the Andes", "Cheaper remittances for migrant families.", True),
    ("Border health posts", "Vaccination and care where migrants cross.", True),
    ("Digital remittance wallets", "Mobile money to send remittances home.", True),
    ("Remittances draft", "Remittances again, still a draft.", False),
)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """The list's proposals served from SQLite (FTS5) or PostgreSQL (tsvector): the same
    search, filters, order and export in the browser on both engines."""
    support.require_browser()
    if request.param == "sqlite":
        app = support.live_app(
            request.getfixturevalue("sqlite_template"), tmp_path_factory.mktemp("lists")
        )
    else:
        template = request.getfixturevalue("postgres_template")
        url = _postgres_database(request.getfixturevalue("postgres"), template, "browser_lists")
        app = support.live_app_on(url, tmp_path_factory.mktemp("lists-pg"))
    with app.app_context():
        applicant = user_by_email(EMAILS["applicant"])
        for title, summary, submitted in PROPOSALS:
            proposal = _proposal(title)
            proposal.summary = summary
            if submitted:
                proposal_operations.fire(proposal, "submit", applicant)
        db.session.commit()
    with support.LiveServer(app) as live:
        yield live
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def page(server) -> Iterator[Any]:
    yield from support.signed_in_page(server, EMAILS["secretariat"])


def _titles(page: Any) -> list[str]:
    return page.locator("#proposals tbody tr td:nth-child(3)").all_inner_texts()


def test_search_filter_sort_and_export_the_view(page):
    page.goto("/proposals")
    page.get_by_label("Words in the title or summary").fill("remit")
    page.get_by_label("Status").select_option(label="Submitted")
    with page.expect_navigation():
        page.get_by_role("button", name="Search").click()
    assert sorted(_titles(page)) == [
        "Digital remittance wallets",
        "Remittance corridors in the Andes",
    ]
    # Sort by title with the column's header link (a keyboard user presses Enter on it).
    page.locator("#proposals thead th", has_text="Title").get_by_role("link").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    shown = _titles(page)
    assert shown == ["Digital remittance wallets", "Remittance corridors in the Andes"]
    assert (
        page.locator('#proposals thead th[aria-sort="ascending"]').inner_text().startswith("Title")
    )
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV file of the 2 proposals").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text("utf-8"))))
    assert [r[2] for r in rows[1:]] == shown
    assert {r[5] for r in rows[1:]} == {"Submitted"}
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel (XLSX) file of the 2 proposals").click()
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    assert [row[2].value for row in sheet.iter_rows(min_row=2)] == shown


@pytest.mark.parametrize("width", [1280, 375])
def test_the_searched_sorted_list_is_accessible_and_fits_a_phone(page, width):
    page.set_viewport_size({"width": width, "height": 900})
    path = "/proposals?q=remittances&sort=title&dir=desc"
    page.goto(path)
    assert len(_titles(page)) == 3
    violations = support.axe_violations(page)
    assert violations == [], support.describe_violations(violations, f"{path} at {width} px")
    if width == 375:
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways by {overflow} px at 375 px"
    page.set_viewport_size({"width": 1280, "height": 900})

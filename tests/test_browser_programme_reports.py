"""A programme's financial report in a real browser: the demo applicant (ILO) of a funded
programme types an amount with a misplaced comma and is told why with the amount kept, corrects
it, saves and submits; the secretariat finds the report among those submitted to review,
returns it without a comment and is told one is needed, then accepts it. axe-core finds no
WCAG 2.1 A/AA violation on the report with its errors or on the list."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fund.extensions import db
from fund.reporting.models import ProgrammeReport
from tests import browser_support as support
from tests.browser_support import browser as browser  # the fixtures
from tests.browser_support import server as server
from tests.helpers import first_report, org_id

pytestmark = pytest.mark.browser

APPLICANT = "applicant@demo.fund"  # ILO
SECRETARIAT = "secretariat@demo.fund"


@pytest.fixture(scope="module")
def report(server) -> tuple[int, int]:
    """Set-up: a funded ILO-IOM programme, begun yesterday, with USD 10,000 transferred to ILO;
    its first annual financial report and ILO's id."""
    with server.app.app_context():
        proposal = support.funded_demo_programme(
            "Reporting in Chile", Decimal("10000.00"), begun=True
        )
        found = first_report(proposal.id, "annual_financial")
        db.session.commit()
        return found.id, org_id("ILO")


def test_submit_and_accept_a_financial_report(server, browser, report) -> None:
    report_id, ilo = report
    path = f"/programme-reports/{report_id}"
    context = support.new_context(browser, server, bypass_csp=True)
    page = context.new_page()
    support.sign_in(page, APPLICANT)
    page.goto(path)
    # ILO fills ILO's lines; IOM's are shown, not offered.
    assert page.locator(f"#e-{ilo}-1").count() == 1
    assert "Filled by the staff of IOM." in page.content()
    support.screenshot(page, "report-financial-own-lines")
    field = page.locator(f"#e-{ilo}-1")
    field.fill("1,25.50")
    with page.expect_navigation():
        page.get_by_role("button", name="Save the report").click()
    assert "Correct the amounts" in page.content()
    violations = support.axe_violations(page)
    assert not violations, support.describe_violations(violations, "a report with errors")
    assert page.locator(f"#e-{ilo}-1").input_value() == "1,25.50"
    page.locator(f"#e-{ilo}-1").fill("1,250.50")
    with page.expect_navigation():
        page.get_by_role("button", name="Save the report").click()
    assert "The report is saved." in support.flash_text(page) or "saved" in page.content()
    with page.expect_navigation():
        page.get_by_role("button", name="Submit the report").click()
    assert page.locator("#report-status").inner_text() == "Submitted"
    context.close()

    context = support.new_context(browser, server, bypass_csp=True)
    page = context.new_page()
    support.sign_in(page, SECRETARIAT)
    page.goto("/programme-reports/")
    submitted = page.locator("#submitted + *")
    assert "Reporting in Chile" in page.content() and submitted.count() == 1
    violations = support.axe_violations(page)
    assert not violations, support.describe_violations(violations, "the reports list")
    page.goto(path)
    with page.expect_navigation():
        page.get_by_role("button", name="Return the report").click()
    assert "comment is required" in page.content()
    page.get_by_label("Comment (required to return the report)").fill("Clear, thank you.")
    with page.expect_navigation():
        page.get_by_role("button", name="Accept the report").click()
    assert page.locator("#report-status").inner_text() == "Accepted"
    support.screenshot(page, "report-accepted")
    context.close()


@pytest.fixture(scope="module")
def narrative(server, report) -> int:
    """Set-up: the same programme's first annual narrative report."""
    with server.app.app_context():
        financial = db.session.get(ProgrammeReport, report[0])
        return first_report(financial.proposal_id, "annual_narrative").id


def test_attach_evidence_to_a_narrative_report(server, browser, narrative, tmp_path) -> None:
    """The applicant attaches a file that is not a PDF and is told why at the field, then a
    PDF, which the page lists with its size and hash; at 1280 and 375 px wide the page has no
    WCAG 2.1 A/AA violation. The secretariat downloads the file from the report it reviews."""
    path = f"/programme-reports/{narrative}"
    wrong = tmp_path / "evidence.pdf"
    wrong.write_bytes(b"<html><body>not a pdf</body></html>")
    evidence = tmp_path / "field-visit.pdf"
    evidence.write_bytes(b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
    context = support.new_context(browser, server, bypass_csp=True)
    page = context.new_page()
    support.sign_in(page, APPLICANT)
    page.goto(path)
    page.get_by_label("File").set_input_files(str(wrong))
    with page.expect_navigation():
        page.get_by_role("button", name="Attach the file").click()
    assert "Only PDF, DOCX or XLSX files are accepted" in page.locator("#file-error").inner_text()
    page.get_by_label("File").set_input_files(str(evidence))
    with page.expect_navigation():
        page.get_by_role("button", name="Attach the file").click()
    listed = page.locator("ul.attachments li")
    assert listed.count() == 1 and "field-visit.pdf" in listed.inner_text()
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        violations = support.axe_violations(page)
        assert not violations, support.describe_violations(violations, f"attachments, {width}px")
        support.screenshot(page, f"report-attachments-{width}")
    context.close()

    context = support.new_context(browser, server, bypass_csp=True)
    page = context.new_page()
    support.sign_in(page, SECRETARIAT)
    page.goto(path)
    with page.expect_download() as download:
        page.get_by_role("link", name="field-visit.pdf").click()
    assert download.value.suggested_filename == "field-visit.pdf"
    assert page.get_by_role("button", name="Attach the file").count() == 0
    context.close()

"""The results framework's editor in a real browser, with JavaScript off and then on.

The demo applicant (ILO) has a draft of the demo's full-proposal call (ILO with IOM, in Chile,
from 1 March 2027 for 24 months) and Chile has an MGI assessment. Without JavaScript the
applicant fills an outcome, its output and an indicator, types a baseline with a comma and is
told why with every typed value kept, corrects it, adds an indicator with "Save and add an
indicator" and saves. With JavaScript the MGI fields appear only once the baseline's source is
an MGI indicator; the applicant chooses one, adds an outcome and saves. axe-core finds no
WCAG 2.1 A/AA violation on the editor, with errors shown or not. Screenshots at 1280 and 375 px
are kept in test-artifacts/e2e/ (results-*.png).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from fund.accounts.models import User
from fund.calls.models import Call
from fund.extensions import db
from fund.proposals.models import Proposal
from tests import browser_support as support
from tests.browser_support import browser as browser  # the fixtures
from tests.browser_support import server as server
from tests.factories import new_proposal
from tests.results_factories import mgi_gap

pytestmark = pytest.mark.browser

APPLICANT = "applicant@demo.fund"  # ILO
CALL = "Call for joint programmes"  # seed/demo.toml: full proposals


@pytest.fixture(scope="module")
def draft(server) -> int:
    """Set-up, not the subject: the applicant's draft without a framework, and an MGI gap of
    Chile (the secretariat enters those on its own pages)."""
    with server.app.app_context():
        applicant = db.session.scalar(select(User).where(User.email == APPLICANT))
        call = db.session.scalar(select(Call).where(Call.title == CALL))
        proposal = new_proposal(
            applicant,
            call.id,
            title="Fair recruitment in Chile",
            planned_start=date(2027, 3, 1),
            duration_months=24,
        )
        proposal.outcomes = []
        mgi_gap("CL", year=2023)
        db.session.commit()
        return proposal.id


def _context(browser: Any, server: support.LiveServer, *, javascript: bool) -> Any:
    context = browser.new_context(
        base_url=server.url,
        viewport={"width": 1280, "height": 900},
        locale="en-GB",
        java_script_enabled=javascript,
        bypass_csp=javascript,  # axe-core is injected into the page
    )
    context.set_default_timeout(support.TIMEOUT_MS)
    return context


def _press(page: Any, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).first.click()


def _field(page: Any, name: str) -> Any:
    return page.locator(f"[name='{name}']")


def _shots(page: Any, name: str) -> None:
    support.screenshot(page, f"results-{name}-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    support.screenshot(page, f"results-{name}-375")
    page.set_viewport_size({"width": 1280, "height": 900})


def _no_axe_violations(page: Any, where: str) -> None:
    violations = support.axe_violations(page)
    assert not violations, support.describe_violations(violations, where)


def _framework(server: support.LiveServer, proposal_id: int) -> list[dict[str, Any]]:
    with server.app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        found = [
            {
                "title": o.title,
                "objectives": [x.number for x in o.objectives],
                "outputs": [x.title for x in o.outputs],
                "indicators": [
                    (
                        i.definition,
                        i.baseline_value,
                        i.baseline_source,
                        i.mgi_indicator_id is not None,
                        {t.year: t.value for t in i.targets},
                    )
                    for i in o.indicators
                ],
            }
            for o in proposal.outcomes
        ]
        db.session.remove()
        return found


def test_the_editor_without_and_with_javascript(browser, server, draft):
    path = f"/proposals/{draft}/results"
    i = "outcomes-0-indicators-0-"

    # Without JavaScript: fill, an error kept as typed, then saved with an indicator added.
    context = _context(browser, server, javascript=False)
    page = context.new_page()
    support.sign_in(page, APPLICANT)
    page.goto(f"/proposals/{draft}/edit")
    with page.expect_navigation():
        page.get_by_role("link", name="Edit the results framework").click()
    assert page.url.endswith(path)
    _field(page, "outcomes-0-title").fill("Migrant workers are recruited fairly")
    _field(page, "outcomes-0-fund_outcome_id").select_option(index=1)
    page.get_by_role("group", name="GCM objectives").get_by_label("6.", exact=False).first.check()
    _field(page, "outcomes-0-outputs-0-title").fill("Recruitment agencies trained")
    _field(page, f"{i}definition").fill("Share of migrant workers who paid no recruitment fee")
    _field(page, f"{i}unit").fill("%")
    _field(page, f"{i}output").select_option("1")
    _field(page, f"{i}baseline_value").fill("12,5")
    _field(page, f"{i}baseline_year").fill("2025")
    _field(page, f"{i}baseline_source").select_option("national_statistic")
    _field(page, f"{i}targets-0-value").fill("20")
    _field(page, f"{i}targets-1-value").fill("40")
    _press(page, "Save")
    summary = page.locator(".error-summary")
    assert "Enter the baseline as a number, e.g. 12.5" in summary.inner_text()
    assert _field(page, f"{i}baseline_value").input_value() == "12,5"
    assert _field(page, "outcomes-0-title").input_value() == "Migrant workers are recruited fairly"
    assert _field(page, f"{i}targets-1-value").input_value() == "40"
    assert _framework(server, draft) == []
    _shots(page, "error")
    _field(page, f"{i}baseline_value").fill("12.5")
    _press(page, "Save and add an indicator")
    assert "add=indicator-1" in page.url
    _field(page, "outcomes-0-indicators-1-definition").fill("Recruitment agencies inspected")
    _field(page, "outcomes-0-indicators-1-unit").fill("agencies")
    _press(page, "Save")
    assert page.url.endswith(f"/proposals/{draft}")
    assert "Results framework saved." in page.locator(".flashes").inner_text()
    (outcome,) = _framework(server, draft)
    assert outcome["objectives"] == [6] and outcome["outputs"] == ["Recruitment agencies trained"]
    assert outcome["indicators"][0] == (
        "Share of migrant workers who paid no recruitment fee",
        Decimal("12.5"),
        "national_statistic",
        False,
        {2027: Decimal("20"), 2028: Decimal("40")},
    )
    assert outcome["indicators"][1][0] == "Recruitment agencies inspected"
    context.close()

    # With JavaScript: the MGI fields follow the source; an outcome added; axe finds nothing.
    context = _context(browser, server, javascript=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    support.sign_in(page, APPLICANT)
    page.goto(path)
    mgi = page.locator(f"#{i}mgi_indicator_id")
    assert not mgi.is_visible()
    _field(page, f"{i}baseline_source").select_option("mgi")
    assert mgi.is_visible()
    mgi.select_option(label="MGI-1.1 Migrant workers have equal access to labour rights")
    _field(page, f"{i}mgi_assessment_id").select_option(label="Chile, 2023")
    _no_axe_violations(page, "the results framework's editor")
    _shots(page, "editor")
    _press(page, "Save and add an outcome")
    assert page.url.endswith("add=outcome#outcome-2")
    _field(page, "outcomes-1-title").fill("Labour inspectors protect migrant workers")
    _field(page, "outcomes-1-indicators-0-baseline_year").fill("next year")
    _press(page, "Save")
    assert page.locator(".error-summary").is_visible()
    assert _field(page, "outcomes-1-indicators-0-baseline_year").input_value() == "next year"
    _no_axe_violations(page, "the results framework's editor with errors")
    _field(page, "outcomes-1-indicators-0-baseline_year").fill("")
    _press(page, "Save")
    assert page.url.endswith(f"/proposals/{draft}")
    first, second = _framework(server, draft)
    assert first["indicators"][0][2:4] == ("mgi", True)
    assert second["title"] == "Labour inspectors protect migrant workers"
    assert errors == []
    context.close()

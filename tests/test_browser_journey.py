"""The whole fund, as its users work it, in a real browser.

An applicant (ILO) drafts a joint programme with IOM, fixes the errors the form reports,
attaches the Government of Chile's endorsement letter and submits; the secretariat screens it
and forwards it to the Executive Committee; of the three committee members of the demo set,
the IOM member is recused automatically (IOM takes part in the programme) and sees why, and the
UNHCR and UNICEF members vote to approve; the secretariat closes the round, records a donor's
contribution, funds the programme and pays a first tranche to ILO; the public coverage
dashboard shows the funded money; the allocation report downloads.

The application runs on a loopback port from a fresh database with the demo users and call
(no demo proposal: the journey makes its own). Every step leaves a screenshot in
test-artifacts/e2e/. The pages keep their Content-Security-Policy, and any browser console error
(a blocked script or style, a missing file) fails the journey.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from fund.accounts.models import Organization, User
from fund.extensions import db, utcnow
from fund.finance.queries.lists import allocation_for
from fund.finance.transfers import request_transfer
from fund.proposals.models import Proposal
from tests import browser_support as support
from tests.browser_support import browser as browser  # the fixture
from tests.conftest import MINIMAL_PDF
from tests.helpers import grant_agent_role
from tests.results_factories import add_framework

pytestmark = pytest.mark.browser

TITLE = "Fair recruitment corridors between Chile and its neighbours"
APPLICANT = "applicant@demo.fund"  # ILO
SECRETARIAT = "secretariat@demo.fund"
IOM_MEMBER = "committee.iom@demo.fund"
VOTERS = ("committee.unhcr@demo.fund", "committee.unicef@demo.fund")
ALLOCATION_REPORT = "/reports/allocation.pdf"


@pytest.fixture(scope="module")
def server(sqlite_template: Path, tmp_path_factory) -> Iterator[support.LiveServer]:
    support.require_browser()
    support.clear_journey_artifacts()
    yield from support.serve(sqlite_template, tmp_path_factory.mktemp("journey"))


class Journey:
    """The people of the journey, each in their own browser profile, and the screenshots."""

    def __init__(self, browser: Any, server: support.LiveServer) -> None:
        self.browser, self.server = browser, server
        self.pages: dict[str, Any] = {}
        self.console_errors: list[str] = []
        self.step = 0
        self.proposal_id: int | None = None

    def page(self, who: str) -> Any:
        """The page of `who` (an email, or "public"), signed in through the page on first use."""
        if who not in self.pages:
            context = support.new_context(self.browser, self.server)
            page = context.new_page()
            page.on("console", lambda m, who=who: self._console(who, m))
            page.on("pageerror", lambda e, who=who: self.console_errors.append(f"{who}: {e}"))
            page.on("response", lambda r, who=who: self._response(who, r))
            if who != "public":
                support.sign_in(page, who)
            self.pages[who] = page
        return self.pages[who]

    def _console(self, who: str, message: Any) -> None:
        # A page answered with an error status (a form with errors is a 400) is logged as a
        # failed load: such answers are checked by the steps; files are checked below.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.console_errors.append(f"{who}: {message.text} ({message.location})")

    def _response(self, who: str, response: Any) -> None:
        """A stylesheet, script, image or font the page needs that does not load."""
        kind = response.request.resource_type
        needed = kind in {"stylesheet", "script", "image", "font"}
        favicon = urlsplit(response.url).path == "/favicon.ico"  # the site has none
        if needed and not favicon and response.status >= 400:
            self.console_errors.append(f"{who}: {kind} {response.url}: {response.status}")

    def shot(self, page: Any, name: str) -> None:
        self.step += 1
        support.screenshot(page, f"{self.step:02d}-{name}")

    def close(self) -> None:
        for page in self.pages.values():
            page.context.close()


@pytest.fixture(scope="module")
def journey(browser, server) -> Iterator[Journey]:
    trip = Journey(browser, server)
    yield trip
    trip.close()


def _flash(page: Any) -> str:
    return " ".join(page.locator(".flashes").all_inner_texts())


def _click(page: Any, name: str, scope: Any = None) -> None:
    """Press the button `name` (in `scope`, else anywhere on the page) and wait for the page
    it leads to."""
    with page.expect_navigation():
        (scope or page).get_by_role("button", name=name, exact=True).click()


def _funded_total(page: Any) -> str:
    page.goto("/coverage/")
    return page.locator("#total-funded").inner_text()


def test_the_whole_fund_in_a_browser(journey: Journey, server: support.LiveServer):
    app = server.app
    with app.app_context():
        names = {
            o.acronym: f"{o.acronym}: {o.name}"
            for o in db.session.scalars(
                select(Organization).where(Organization.acronym.in_(("ILO", "IOM")))
            )
        }
    start = (utcnow().date() + timedelta(days=60)).isoformat()

    # The public dashboard before: nothing funded yet.
    public = journey.page("public")
    assert _funded_total(public) == "USD 0.00"
    journey.shot(public, "coverage-before")

    # The applicant drafts a proposal ----------------------------------------------------
    page = journey.page(APPLICANT)
    journey.shot(page, "applicant-signed-in")
    main_nav = page.get_by_role("navigation", name="Main")
    main_nav.locator("summary", has_text="Proposals").click()  # the Proposals group opens
    main_nav.get_by_role("link", name="Proposals", exact=True).click()
    page.get_by_role("link", name="Start a proposal").click()
    page.get_by_label("Title").fill(TITLE)
    _click(page, "Create the draft")
    assert "/edit" in page.url, page.url
    journey.proposal_id = int(urlsplit(page.url).path.split("/")[2])
    journey.shot(page, "draft-created")

    page.get_by_label("Summary", exact=True).fill(
        "Migrant workers recruited fairly, with their rights known and protected."
    )
    page.get_by_label("Rationale").fill("Recruitment fees trap migrant workers in debt.")
    page.get_by_label("Lead (convening) UN entity").select_option(label=names["ILO"])
    participants = page.get_by_role("group", name="Participating UN organizations")
    participants.get_by_label(names["ILO"], exact=True).check()
    participants.get_by_label(names["IOM"], exact=True).check()
    # The country pickers: a filter, then the box of the country found.
    page.get_by_label("Find governments by name").fill("chil")
    page.get_by_role("group", name="Endorsing governments").get_by_label("Chile").check()
    page.get_by_label("Scope").select_option(label="National")
    page.get_by_label("Find countries by name").fill("Chile")
    page.get_by_role("group", name="Countries").get_by_label("Chile").check()
    page.get_by_label("Planned start").fill(start)
    page.get_by_label("Primary GCM objective").select_option(value="6")
    page.locator("input[name=secondary_objectives][value='18']").check()
    page.get_by_label("Gender marker").select_option(value="2")
    page.get_by_label("Human rights marker").select_option(value="2")
    page.locator("#principles-0-addressed").check()
    page.locator("#principles-0-explanation").fill("Recruitment that respects every right.")
    page.get_by_label("Contact 1: Name").fill("Focal Point")
    page.get_by_label("Contact 1: Function").fill("Programme officer")
    rows = [("ILO", "6", "1", "600,000.00"), ("IOM", "18", "4", "400,000.00")]
    for number, (org, objective, category, amount) in enumerate(rows, start=1):
        page.get_by_label(f"Budget row {number}: Organization").select_option(label=org)
        page.get_by_label(f"Budget row {number}: Objective").select_option(value=objective)
        page.get_by_label(f"Budget row {number}: Category").select_option(value=category)
        page.get_by_label(f"Budget row {number}: Amount (USD)").fill(amount)
    # Three slips of the kind people make.
    page.get_by_label("Duration (months)").fill("240")
    page.get_by_label("Contact 1: Email").fill("focal.point at ilo.org")
    page.get_by_label("Budget row 2: Amount (USD)").fill("4OO,000.00")  # letters O
    _click(page, "Save draft")

    # The form reports them, each tied to its field; the summary has the focus.
    summary = page.locator(".error-summary")
    assert page.evaluate("() => document.activeElement.matches('.error-summary')")
    reported = summary.locator("li").all_inner_texts()
    assert len(reported) == 3, reported
    assert any("between 1 and 120" in r for r in reported), reported
    assert any("valid email address" in r for r in reported), reported
    assert any("is not an amount" in r for r in reported), reported
    journey.shot(page, "form-reports-errors")

    # The applicant fixes them; what was typed elsewhere is still there.
    assert page.get_by_label("Budget row 1: Amount (USD)").input_value() == "600,000.00"
    page.get_by_label("Duration (months)").fill("24")
    page.get_by_label("Contact 1: Email").fill("focal.point@ilo.org")
    page.get_by_label("Budget row 2: Amount (USD)").fill("400,000.00")
    _click(page, "Save draft")
    assert "Draft saved." in _flash(page)
    # Back in the editor: what submission still needs, as saved.
    readiness = page.locator("#s-submit")
    problems = readiness.locator("li").all_inner_texts()
    assert problems == ["Attach the endorsement letter of the Government of Chile."], problems
    journey.shot(page, "saved-letter-missing")

    # Its results framework, before the letter (screening would flag a proposal without
    # one, and the editor says so): one outcome for the primary objective, an indicator
    # with a baseline and targets, written here rather than through the framework's own form.
    with app.app_context():
        add_framework(db.session.get(Proposal, journey.proposal_id))
        db.session.commit()

    # The endorsement letter.
    upload = page.locator("form.upload")
    upload.get_by_label("Kind of document").select_option(label="Government endorsement letter")
    upload.get_by_label("Government (for an endorsement letter)").select_option(label="Chile")
    upload.get_by_label("File").set_input_files(
        {"name": "endorsement-chile.pdf", "mimeType": "application/pdf", "buffer": MINIMAL_PDF}
    )
    _click(page, "Upload")
    assert "endorsement-chile.pdf attached." in _flash(page)
    assert "Everything the fund checks is in place" in readiness.inner_text()
    journey.shot(page, "letter-attached")

    _click(page, "Submit the proposal to the secretariat")
    assert page.locator(".page-head .status").inner_text() == "Submitted"
    journey.shot(page, "submitted")
    reference = f"P-{journey.proposal_id:05d}"

    # The secretariat screens and forwards it ---------------------------------------------
    page = journey.page(SECRETARIAT)
    page.goto("/screening/")
    row = page.get_by_role("row").filter(has_text=TITLE)
    _click(page, f"Start screening of {reference}", scope=row)
    assert f"Screening of {reference}" in _flash(page)
    # Every criterion is suggested from the proposal's own checks: all pass.
    criteria = page.locator("fieldset.criterion")
    assert criteria.count() > 0
    for i in range(criteria.count()):
        assert criteria.nth(i).locator("input[value=pass]").is_checked(), i
    _click(page, "Save the checks")
    assert "Saved" in _flash(page)
    journey.shot(page, "screening-checklist")
    _click(page, "Forward to the committee")
    assert f"{reference} “{TITLE}” was forwarded" in _flash(page)
    journey.shot(page, "forwarded")

    # Three committee members: IOM is recused, UNHCR and UNICEF vote ----------------------
    page = journey.page(IOM_MEMBER)
    page.goto("/committee/")
    recused = page.locator("section[aria-labelledby=recused-title]")
    assert "IOM is a participating organization of this proposal." in recused.inner_text()
    assert "Nothing awaits your vote." in page.content()
    page.goto(f"/committee/proposals/{journey.proposal_id}")
    your_vote = page.locator("section[aria-labelledby=your-vote]")
    assert "You are recused from this proposal automatically" in your_vote.inner_text()
    assert page.get_by_role("button", name="Cast my vote").count() == 0
    journey.shot(page, "iom-member-recused")

    for email, conditions in zip(VOTERS, ("", "Yearly report on recruitment fees."), strict=True):
        page = journey.page(email)
        page.goto("/committee/")
        page.get_by_role("link", name=reference).click()
        page.get_by_label("Approve", exact=True).check()
        page.get_by_label("Comment").fill("A sound, well-endorsed programme.")
        if conditions:
            page.get_by_label("Conditions").fill(conditions)
        _click(page, "Cast my vote")
        assert "Your vote to approve is recorded." in _flash(page)
        journey.shot(page, f"vote-{email.split('@')[0].split('.')[-1]}")

    # The secretariat closes the round ----------------------------------------------------
    page = journey.page(SECRETARIAT)
    page.goto("/committee/meeting")
    meeting = page.locator(f"section#p-{journey.proposal_id}")
    assert "The quorum is met" in meeting.inner_text()
    meeting.get_by_label("Committee's summary or conditions").fill("Approved by consensus.")
    _click(page, "Close round 1", scope=meeting)
    assert f"Round 1 closed: {reference} is “Approved" in _flash(page)
    journey.shot(page, "round-closed")

    # Set-up of the firewall: this member of the secretariat holds the administrative agent's
    # role too, to record the money (deposits, transfers).
    with app.app_context():
        staff = db.session.scalar(select(User).where(User.email == SECRETARIAT))
        staff.set_roles(staff.roles | {"administrative_agent"})
        db.session.commit()

    # A donor's contribution ------------------------------------------------------------------
    # Set-up of the firewall: this member of the secretariat holds the administrative agent's
    # role too, to record the money.
    grant_agent_role(app, SECRETARIAT)
    page.goto("/finance/contributions")
    record = page.get_by_role("region", name="Record a contribution")
    record.get_by_label("Donor", exact=True).select_option(label="Government of Germany")
    page.get_by_label("Received on (UTC)").fill(utcnow().date().isoformat())
    page.get_by_label("Gross amount (USD)").fill("2,000,000.00")
    page.get_by_label("Reference", exact=True).fill("DE-2026-007")
    _click(page, "Record the contribution")
    assert "USD 1,980,000.00 net to the" in _flash(page)  # the Administrative Agent's 1%
    journey.shot(page, "contribution-recorded")

    # Funding and the first tranche -----------------------------------------------------------
    page.goto(f"/finance/proposals/{journey.proposal_id}")
    assert page.locator("#fund-total").inner_text() == "USD 1,070,000.00"  # 7% indirect costs
    _click(page, f"Fund {reference}: allocate USD 1,070,000.00")
    assert f"{reference} is funded: USD 1,070,000.00 allocated." in _flash(page)
    journey.shot(page, "funded")

    # Set-up of the firewall: the secretariat requests the first tranche (the agent records it).
    with app.app_context():
        staff = db.session.scalar(select(User).where(User.email == SECRETARIAT))
        ilo = db.session.scalar(select(Organization.id).where(Organization.acronym == "ILO"))
        request_transfer(staff, allocation_for(journey.proposal_id), ilo, Decimal("321000.00"))
        db.session.commit()
    page.reload()

    tranche = page.locator("form").filter(has=page.get_by_role("heading", name="To ILO"))
    tranche.get_by_label("Paid on (UTC)").fill(utcnow().date().isoformat())
    tranche.get_by_label("Amount (USD)").fill("321,000.00")
    tranche.get_by_label("Reference").fill("MPTF-ILO-T1")
    _click(page, "Record the payment to ILO", scope=tranche)
    assert "Payment of USD 321,000.00 to ILO recorded." in _flash(page)
    assert "USD 321,000.00" in page.locator("#disbursements").inner_text()
    journey.shot(page, "first-tranche-paid")

    with app.app_context():
        assert db.session.get(Proposal, journey.proposal_id).status == "funded"

    # The public dashboard after: the programme's money is funded.
    public = journey.page("public")
    assert _funded_total(public) == "USD 1,070,000.00"
    totals = public.locator("section[aria-labelledby=totals-title]").inner_text()
    assert "1 programme;" in totals, totals
    # Each objective gets its budget lines with their 7% indirect support costs.
    for objective, funded in (("6", "642,000.00"), ("18", "428,000.00")):
        row = public.locator(f"table#objectives tr[data-objective='{objective}']").first
        assert row.locator("td").first.inner_text() == funded, objective
    journey.shot(public, "coverage-after")

    assert not journey.console_errors, "browser console errors:\n" + "\n".join(
        journey.console_errors
    )


def test_the_allocation_report_downloads(journey: Journey, server: support.LiveServer):
    rules = [r for r in server.app.url_map.iter_rules() if r.rule == ALLOCATION_REPORT]
    if not rules:
        pytest.skip(f"no route {ALLOCATION_REPORT} yet: the allocation report is being built")
    if journey.proposal_id is None:
        pytest.skip("needs the journey (test_the_whole_fund_in_a_browser) to have run first")
    page = journey.page(SECRETARIAT)
    page.goto("/reports/")
    links = page.locator(f"a[href^='{ALLOCATION_REPORT}']")
    url = links.first.get_attribute("href") if links.count() else ALLOCATION_REPORT
    # Fetched with the secretariat's browser session (a PDF may open in the viewer rather
    # than download, so the file is taken from the response, as the browser receives it).
    response = page.context.request.get(url)
    assert response.status == 200, response.status
    assert response.headers["content-type"].startswith("application/pdf")
    content = response.body()
    assert content.startswith(b"%PDF-"), content[:20]
    target = support.ARTIFACTS / "allocation-report.pdf"
    target.write_bytes(content)
    from pypdf import PdfReader

    text = "".join(p.extract_text() or "" for p in PdfReader(target).pages)
    assert f"P-{journey.proposal_id:05d}" in text or TITLE[:30] in text, text[:500]

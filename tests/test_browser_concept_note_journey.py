"""A concept-note-first call, as its users work it, in a real browser.

In the demo set's call "Second call: concept notes" an applicant (ILO) drafts a concept note with
IOM, saves it incomplete, asks to submit it and is shown everything still missing, completes it
and submits it; a second concept note follows. The secretariat screens both and forwards them
to the Executive Committee; the IOM member is recused (IOM takes part in both) and the UNHCR and
UNICEF members vote to approve; the secretariat closes one round approving the note into the
pipeline at place 1 and the other selecting the note for development. The pipeline shows the
ranked note; the secretariat invites the selected note to a full programme with a deadline; the
applicant starts the full proposal, finds it filled in from the concept note, completes and
submits it, and the version's page shows what changed since the concept note.

One server (a fresh database with the demo users and calls, no proposal) and one browser, each
person in their own profile. Nothing is written to the database between the steps: every step
is a click or a form, as a person makes it. Every step leaves a screenshot in
test-artifacts/e2e/ (named cn-...), and any browser console error fails the journey.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from fund.accounts.models import Organization
from fund.extensions import db, utcnow
from fund.proposals.models import Proposal
from tests import browser_support as support
from tests.browser_support import browser as browser  # the fixtures
from tests.browser_support import server as server
from tests.conftest import MINIMAL_PDF
from tests.results_factories import add_framework
from tests.test_browser_journey import Journey

pytestmark = pytest.mark.browser

CALL = "Second call: concept notes"  # seed/demo.toml
APPLICANT = "applicant@demo.fund"  # ILO
SECRETARIAT = "secretariat@demo.fund"
VOTERS = ("committee.unhcr@demo.fund", "committee.unicef@demo.fund")

SELECTED = "Fair recruitment corridors between Chile and its neighbours"
RANKED = "Safe return and reintegration in Chile"


class NoteJourney(Journey):
    """The journey's people and screenshots; the screenshots are cn-NN-<step>.png."""

    def shot(self, page: Any, name: str) -> None:
        self.step += 1
        support.screenshot(page, f"cn-{self.step:02d}-{name}")


@pytest.fixture(scope="module")
def journey(browser, server) -> Iterator[NoteJourney]:
    for old in support.ARTIFACTS.glob("cn-[0-9][0-9]-*.png"):
        old.unlink()
    trip = NoteJourney(browser, server)
    yield trip
    trip.close()


# What a person does and reads --------------------------------------------------------------


def _flash(page: Any) -> str:
    return " ".join(" ".join(page.locator(".flashes").all_inner_texts()).split())


def _text(locator: Any) -> str:
    """The text as read, whitespace folded."""
    return " ".join(locator.inner_text().split())


def _click(page: Any, name: str, scope: Any = None) -> None:
    """Press the button `name` (in `scope`, else anywhere on the page) and wait for the page
    it leads to."""
    with page.expect_navigation():
        (scope or page).get_by_role("button", name=name, exact=True).click()


def _follow(page: Any, name: str, scope: Any = None) -> None:
    """Follow the link `name` and wait for the page."""
    with page.expect_navigation():
        (scope or page).get_by_role("link", name=name, exact=True).first.click()


def _status(page: Any) -> str:
    return page.locator(".page-head .status").inner_text()


def _reference(page: Any) -> str:
    """The reference of the concept note or proposal whose page is shown (P-00012)."""
    number = int(urlsplit(page.url).path.split("/")[2])
    return f"P-{number:05d}"


def _start_concept_note(page: Any, title: str) -> str:
    """From the calls page, start a concept note in the concept-note-first call; returns its
    reference (the edit page is shown)."""
    page.goto("/calls/")
    row = page.get_by_role("row").filter(has_text=CALL)
    assert "Concept notes first" in _text(row)
    _follow(page, "Start a concept note", scope=row)
    page.get_by_label("Title").fill(title)
    _click(page, "Create the draft")
    assert page.url.endswith("/edit"), page.url
    assert page.get_by_role("heading", level=1).inner_text().startswith("Edit concept note P-")
    return _reference(page)


def _fill_the_concept(page: Any, names: dict[str, str], problem: str, change: str) -> None:
    page.get_by_label("The problem").fill(problem)
    page.get_by_label("The change sought").fill(change)
    page.get_by_label("Lead (convening) UN entity").select_option(label=names["ILO"])
    participants = page.get_by_role("group", name="Participating UN organizations")
    participants.get_by_label(names["ILO"], exact=True).check()
    participants.get_by_label(names["IOM"], exact=True).check()


def _fill_the_rest(page: Any, totals: tuple[str, str], *, duration: str = "24") -> None:
    """Everything else a concept note's submission needs: a national programme in Chile with
    its partners, objectives 6 and 18, markers, a principle and ILO's and IOM's totals."""
    # The country pickers: a filter, then the box of the country found.
    page.get_by_label("Find governments by name").fill("chil")
    page.get_by_role("group", name="Endorsing governments").get_by_label("Chile").check()
    partners = (
        ("Ministry of Labour and Social Security", "Line ministry"),
        ("Municipality of Santiago", "Local government"),
        ("Association of Migrant Workers", "Migrant or diaspora organization"),
    )
    for number, (name, kind) in enumerate(partners, start=1):
        page.get_by_label(f"National partner {number}: Name").fill(name)
        page.get_by_label(f"National partner {number}: Type").select_option(label=kind)
    page.get_by_label("Scope").select_option(label="National")
    page.get_by_label("Find countries by name").fill("Chile")
    page.get_by_role("group", name="Countries").get_by_label("Chile").check()
    page.get_by_label("Duration (months)").fill(duration)
    page.get_by_label("Primary GCM objective").select_option(value="6")
    page.locator("input[name=secondary_objectives][value='18']").check()
    page.get_by_label("Gender marker (self-scored)").select_option(value="2")
    page.get_by_label("Human rights marker (self-scored)").select_option(value="2")
    page.locator("#principles-0-addressed").check()
    page.locator("#principles-0-explanation").fill("Recruitment that respects every right.")
    for number, (org, amount) in enumerate(zip(("ILO", "IOM"), totals, strict=True), start=1):
        page.get_by_label(f"Indicative total {number}: Organization").select_option(label=org)
        page.get_by_label(f"Indicative total {number}: Indicative total (USD)").fill(amount)


def _submit_note(page: Any) -> None:
    readiness = page.locator("section[aria-labelledby=readiness]")
    assert "Everything the fund checks is in place. You can submit." in _text(readiness)
    _click(page, "Submit the concept note to the secretariat")
    assert _status(page) == "Submitted"


def _screen_and_forward(page: Any, reference: str, title: str) -> None:
    page.goto("/screening/")
    row = page.get_by_role("row").filter(has_text=title)
    assert "Concept note" in _text(row)
    _click(page, f"Start screening of {reference}", scope=row)
    assert f"{reference} “{title}” started." in _flash(page), _flash(page)
    # Every concept-note criterion is suggested from the note's own checks, the national
    # partners' composition among them: all pass.
    criteria = page.locator("fieldset.criterion")
    assert criteria.count() > 0
    legends = [_text(c.locator("legend")) for c in criteria.all()]
    assert any("at least one civil-society or migrant organization" in x for x in legends), legends
    for i in range(criteria.count()):
        assert criteria.nth(i).locator("input[value=pass]").is_checked(), _text(criteria.nth(i))
    _click(page, "Save the checks")
    assert "Saved" in _flash(page)
    _click(page, "Forward to the committee")
    assert f"{reference} “{title}” was forwarded" in _flash(page)


def _vote_to_approve(page: Any, reference: str, conditions: str = "") -> None:
    page.goto("/committee/")
    _follow(page, reference)
    page.get_by_label("Approve", exact=True).check()
    page.get_by_label("Comment").fill("A sound concept, well partnered.")
    if conditions:
        page.get_by_label("Conditions").fill(conditions)
    _click(page, "Cast my vote")
    assert "Your vote to approve is recorded." in _flash(page)


# The journey ---------------------------------------------------------------------------------


def test_a_concept_note_from_draft_to_full_proposal(journey: NoteJourney, server):
    with server.app.app_context():
        names = {
            o.acronym: f"{o.acronym}: {o.name}"
            for o in db.session.scalars(
                select(Organization).where(Organization.acronym.in_(("ILO", "IOM")))
            )
        }
    today = utcnow().date()

    # The applicant drafts a concept note and saves it incomplete --------------------------
    page = journey.page(APPLICANT)
    selected = _start_concept_note(page, SELECTED)
    journey.shot(page, "concept-note-created")
    _fill_the_concept(
        page,
        names,
        "Recruitment fees trap migrant workers in debt along the corridors to Chile.",
        "Migrant workers recruited fairly, with no fees, through public employment services.",
    )
    _click(page, "Save draft")
    assert page.get_by_role("heading", level=1).inner_text() == SELECTED
    assert _status(page) == "Draft"
    readiness = page.locator("section[aria-labelledby=readiness]")
    missing = readiness.locator("ul.problems li").all_inner_texts()
    assert "Give the indicative total of ILO." in missing, missing
    assert "Choose the primary GCM objective." in missing, missing
    journey.shot(page, "saved-incomplete")

    # Submit is disabled while problems remain, described by the list of what is missing; a
    # request that gets past it anyway (a stale page) is refused with every problem, and nothing
    # is submitted.
    submit = page.get_by_role("button", name="Submit the concept note to the secretariat")
    assert submit.is_disabled()
    assert submit.get_attribute("aria-describedby") == "readiness"
    submit.evaluate("button => { button.disabled = false; }")
    _click(page, "Submit the concept note to the secretariat")
    refusal = page.locator(".error-summary")
    assert "The action was not taken" in _text(refusal)
    assert [" ".join(p.split()) for p in refusal.locator("li").all_inner_texts()] == [
        " ".join(p.split()) for p in missing
    ]
    assert _status(page) == "Draft"
    journey.shot(page, "submit-refused-with-problems")

    # The applicant completes and submits it.
    _follow(page, "Edit the concept note")
    _fill_the_rest(page, ("600,000.00", "400,000.00"))
    _click(page, "Save draft")
    assert "USD 1,000,000.00" in _text(page.locator("section[aria-labelledby=s-indicative]"))
    _submit_note(page)
    journey.shot(page, "concept-note-submitted")

    # A second concept note, complete at its first save.
    ranked = _start_concept_note(page, RANKED)
    _fill_the_concept(
        page,
        names,
        "Returning migrants find no work and no services when they come home.",
        "Returnees reintegrated through local services and decent work.",
    )
    _fill_the_rest(page, ("500,000.00", "300,000.00"), duration="18")
    _click(page, "Save draft")
    _submit_note(page)
    journey.shot(page, "second-concept-note-submitted")

    # The secretariat screens both and forwards them ---------------------------------------
    page = journey.page(SECRETARIAT)
    for reference, title in ((selected, SELECTED), (ranked, RANKED)):
        _screen_and_forward(page, reference, title)
    journey.shot(page, "forwarded")

    # The committee: UNHCR and UNICEF vote to approve both (IOM, a participant, is recused) --
    for email in VOTERS:
        page = journey.page(email)
        for reference in (selected, ranked):
            _vote_to_approve(
                page, reference, "A gender analysis first." if email == VOTERS[1] else ""
            )
    # The review page of a concept note: its indicative budget and what it would do to coverage.
    page.goto(f"/committee/proposals/{int(selected[2:])}")
    assert page.get_by_role("heading", name="Indicative budget").is_visible()
    coverage = _text(page.locator("#coverage-context"))
    assert "If this concept note were funded at its indicative total of USD 1,000,000.00" in (
        coverage
    )
    journey.shot(page, "committee-review-of-a-concept-note")

    # The secretariat closes the rounds with the committee's decisions -----------------------
    page = journey.page(SECRETARIAT)
    page.goto("/committee/meeting")
    section = page.locator(f"section#p-{int(ranked[2:])}")
    assert "The quorum is met and the committee approves the concept note" in _text(section)
    section.get_by_label("Approve into the pipeline, at the place the committee set").check()
    assert "The pipeline is empty: this concept note is first." in _text(section)
    section.get_by_label("Place in the pipeline").fill("1")
    section.get_by_label("Committee's summary or conditions").fill("Into the pipeline, first.")
    _click(page, "Close round 1", scope=section)
    assert f"Round 1 closed: {ranked} is “Approved into the pipeline” at place 1." in _flash(page)
    # The decision record says it in words.
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading == f"Decision record: {ranked}, round 1", heading
    record = _text(page.locator("main"))
    assert "Approved into the pipeline, at place 1" in record
    assert "IOM is a participating organization of this concept note." in record
    journey.shot(page, "round-closed-into-the-pipeline")

    page.goto("/committee/meeting")
    section = page.locator(f"section#p-{int(selected[2:])}")
    section.get_by_label(
        "Select for development: the applicant may be invited to a full programme now"
    ).check()
    section.get_by_label("Committee's summary or conditions").fill("Selected: develop it.")
    _click(page, "Close round 1", scope=section)
    assert f"Round 1 closed: {selected} is “Selected for development”" in _flash(page)
    assert "Selected for development" in _text(page.locator("main"))
    journey.shot(page, "round-closed-selected")

    # The pipeline: the ranked concept note, first ---------------------------------------------
    page.goto("/pipeline/")
    assert page.get_by_role("heading", level=1).inner_text() == "The pipeline"
    entries = page.locator("table tbody tr[data-kind]")
    first = page.locator("tr[data-rank='1']")
    assert _text(first.locator("th")) == "1"
    entry = _text(first)
    assert ranked in entry and RANKED in entry and "USD 800,000.00" in entry, entry
    assert "Municipality of Santiago (local government)" in entry, entry
    decided = _text(first.locator("td.decided"))
    assert "Approved into the pipeline, at place 1" in decided, decided
    assert "voting round 1" in decided and "recorded by Sara Secretariat" in decided, decided
    assert all(SELECTED not in _text(entries.nth(i)) for i in range(entries.count()))
    journey.shot(page, "pipeline")

    # The secretariat invites the selected note to a full programme --------------------------
    page.goto(f"/concept-notes/{int(selected[2:])}")
    assert _status(page) == "Selected for development"
    _follow(page, "Invite to a full programme")
    assert "Selected for development" in _text(page.locator("section[aria-labelledby=note-title]"))
    deadline = today + timedelta(days=45)
    page.get_by_label("Deadline").fill(deadline.isoformat())
    page.get_by_label("Message").fill("Please keep the budget close to the indicative total.")
    _click(page, "Invite to a full programme")
    due = f"{deadline.day} {deadline:%B %Y}"
    assert f"{selected} is invited to a full programme, due by {due}." in _flash(page)
    assert _status(page) == "Invited to a full programme"
    journey.shot(page, "invited")

    # The applicant starts the full proposal from the concept note -----------------------------
    page = journey.page(APPLICANT)
    page.goto(f"/concept-notes/{int(selected[2:])}")
    assert f"the full proposal is due by {due}" in _text(page.locator("main"))
    _follow(page, "Start the full programme")
    prefilled = page.locator("ul[aria-labelledby=prefilled-title] li").all_inner_texts()
    assert len(prefilled) >= 5, prefilled
    journey.shot(page, "start-the-full-programme")
    _click(page, "Start the full programme")
    assert "The full programme is started: a draft filled in from the concept note." in (
        _flash(page)
    )
    assert page.url.endswith("/edit"), page.url
    full = _reference(page)
    # Filled in from the concept note.
    assert page.get_by_label("Title").input_value() == SELECTED
    assert page.get_by_label("Summary", exact=True).input_value().startswith("Migrant workers")
    assert page.get_by_label("Rationale").input_value().startswith("Recruitment fees")
    assert page.get_by_label("Duration (months)").input_value() == "24"
    assert page.get_by_label("Primary GCM objective").input_value() == "6"
    journey.shot(page, "full-proposal-prefilled")

    # The applicant completes it: a longer programme, the budget, contact and the letter.
    page.get_by_label("Duration (months)").fill("30")
    page.get_by_label("Planned start").fill((today + timedelta(days=90)).isoformat())
    page.get_by_label("Contact 1: Name").fill("Focal Point")
    page.get_by_label("Contact 1: Function").fill("Programme officer")
    page.get_by_label("Contact 1: Email").fill("focal.point@ilo.org")
    rows = [("ILO", "6", "1", "600,000.00"), ("IOM", "18", "4", "400,000.00")]
    for number, (org, objective, category, amount) in enumerate(rows, start=1):
        page.get_by_label(f"Budget row {number}: Organization").select_option(label=org)
        page.get_by_label(f"Budget row {number}: Objective").select_option(value=objective)
        page.get_by_label(f"Budget row {number}: Category").select_option(value=category)
        page.get_by_label(f"Budget row {number}: Amount (USD)").fill(amount)
    _click(page, "Save draft")
    assert "Draft saved." in _flash(page), _flash(page)
    _follow(page, "View the proposal")  # saving keeps the editor open; the page shows the origin
    origin = _text(page.locator("section[aria-labelledby=origin-title]"))
    assert f"developed from the concept note {selected}" in origin, origin
    # Its results framework as screening passes it (one outcome for the primary objective, an
    # indicator with a baseline and targets), written here rather than through its own form.
    with server.app.app_context():
        proposal = db.session.get(Proposal, int(full[2:]))
        proposal.outcomes.clear()
        db.session.flush()
        add_framework(proposal)
        db.session.commit()
    upload = page.locator("form.upload")
    upload.get_by_label("Kind of document").select_option(label="Government endorsement letter")
    upload.get_by_label("Government (for an endorsement letter)").select_option(label="Chile")
    upload.get_by_label("File").set_input_files(
        {"name": "endorsement-chile.pdf", "mimeType": "application/pdf", "buffer": MINIMAL_PDF}
    )
    _click(page, "Upload")
    assert "endorsement-chile.pdf attached." in _flash(page)
    readiness = page.locator("section[aria-labelledby=readiness]")
    assert "Everything the fund checks is in place" in _text(readiness), _text(readiness)
    _click(page, "Submit the proposal to the secretariat")
    assert _status(page) == "Submitted"
    journey.shot(page, "full-proposal-submitted")

    # The version's page: what changed since the concept note ----------------------------------
    _follow(page, "What changed since the concept note")
    since = page.locator("section[aria-labelledby=since-note]")
    assert since.get_by_role("heading", name="What changed since the concept note").is_visible()
    rows = {_text(r.locator("th")): _text(r) for r in since.locator("tbody tr").all()}
    duration = next((text for label, text in rows.items() if "Duration" in label), "")
    assert "24" in duration and "30" in duration, rows
    comparison = _text(since)
    assert (
        "The full budget, USD 1,070,000.00, is 7% above the concept note's indicative total, "
        "USD 1,000,000.00, within 20%." in comparison
    ), comparison
    assert f"Proposal {full} · version 1" in _text(page.locator("main"))
    journey.shot(page, "what-changed-since-the-concept-note")

    assert not journey.console_errors, "browser console errors:\n" + "\n".join(
        journey.console_errors
    )

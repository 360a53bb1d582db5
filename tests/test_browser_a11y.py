"""Accessibility in a real browser: axe-core finds no WCAG 2.0/2.1 A or AA violation on the pages
the crawls do not reach (forms with their errors, pages in each of their states); the forms
work with the keyboard alone; error summaries take focus; the coverage chart has text
alternatives.

The application runs on a loopback port with the demo users and proposals in every state made
for these pages (see `world`). axe-core is vendored in tests/vendor/axe-core.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from fund.accounts.models import Organization
from fund.calls.models import Call
from fund.committee import operations as committee_operations
from fund.extensions import db, utcnow
from fund.finance import agent as agent_operations
from fund.finance import operations as finance_operations
from fund.finance.models import Allocation
from fund.proposals import operations as proposal_operations
from fund.proposals.models import Proposal
from fund.reference.results import FundOutcome
from fund.screening import operations as screening_operations
from tests import browser_support as support
from tests.a11y_checks import DESKTOP, PHONE, width_problems
from tests.factories import fill_complete, new_open_call, take_to_committee
from tests.helpers import user_by_email
from tests.results_factories import mgi_gap
from tests.test_concept_notes import new_concept_note, screen

pytestmark = pytest.mark.browser

EMAILS = {
    "applicant": "applicant@demo.fund",  # ILO
    "secretariat": "secretariat@demo.fund",
    "committee": "committee.unicef@demo.fund",  # entitled to vote, has not voted
    "recused": "committee.iom@demo.fund",  # IOM takes part in every proposal here
    "admin": "admin@demo.fund",
    "agent": "agent@demo.fund",  # the administrative agent
}


# The world --------------------------------------------------------------------------------


def _proposal(title: str) -> Proposal:
    call_id = db.session.scalar(select(Call.id).order_by(Call.id))
    proposal = proposal_operations.create_draft(
        user_by_email(EMAILS["applicant"]),
        call_id=call_id,
        title=title,
        summary="Decent work for all.",
    )
    fill_complete(proposal)  # ILO-led, IOM participating, in Chile, endorsement letter attached
    db.session.flush()
    return proposal


def _screen(proposal: Proposal) -> None:
    secretariat = user_by_email(EMAILS["secretariat"])
    proposal_operations.fire(proposal, "submit", user_by_email(EMAILS["applicant"]))
    proposal_operations.fire(proposal, "start_screening", secretariat)
    criteria = screening_operations.ensure_criteria(proposal.call)
    passing = {c.id: ("pass", "") for c in criteria}
    screening_operations.record_checks(proposal, secretariat, passing)


def _to_committee(proposal: Proposal) -> int:
    applicant, secretariat = (
        user_by_email(EMAILS["applicant"]),
        user_by_email(EMAILS["secretariat"]),
    )
    return take_to_committee(proposal, applicant, secretariat).id


def _approve(proposal: Proposal) -> int:
    round_id = _to_committee(proposal)
    for email in ("committee.unhcr@demo.fund", "committee.unicef@demo.fund"):
        committee_operations.cast_vote(
            round_id, user_by_email(email), "approve", "", "Report yearly."
        )
    committee_operations.close_round(
        round_id, user_by_email(EMAILS["secretariat"]), summary="Approved with conditions."
    )
    return round_id


@dataclass
class World:
    server: support.LiveServer
    ids: dict[str, int]


def _build(server: support.LiveServer) -> World:
    with server.app.app_context():
        draft = _proposal("Safe labour migration corridors")
        screening = _proposal("Skills partnerships for migrant workers")
        _screen(screening)
        review = _proposal("Protection of children on the move")
        review_round = _to_committee(review)
        committee_operations.cast_vote(
            review_round, user_by_email("committee.unhcr@demo.fund"), "approve", "Well argued."
        )
        approved = _proposal("Data on migration flows")
        closed_round = _approve(approved)
        funded = _proposal("Ethical recruitment in the Americas")
        _approve(funded)
        secretariat = user_by_email(EMAILS["secretariat"])
        germany = db.session.scalar(
            select(Organization).where(Organization.name == "Government of Germany")
        )
        contribution = finance_operations.record_contribution(
            secretariat, germany, utcnow().date(), Decimal("3000000.00"), None, "DE-1", ""
        )
        pledge = agent_operations.record_pledge(
            user_by_email(EMAILS["agent"]),
            germany,
            utcnow().date(),
            "EUR",
            Decimal("2000000.00"),
            [(utcnow().date(), Decimal("1200000.00")), (utcnow().date(), Decimal("800000.00"))],
        )
        allocation = finance_operations.fund_proposal(secretariat, funded)
        ilo = db.session.scalar(select(Organization.id).where(Organization.acronym == "ILO"))
        finance_operations.record_disbursement(
            secretariat, allocation, ilo, utcnow().date(), Decimal("100000.00"), "T-1"
        )
        # Concept notes of a concept-note-first call: a draft, and one in screening.
        two_stage = new_open_call(title="Concept notes first", stage="concept_note_first")
        note = new_concept_note(user_by_email(EMAILS["applicant"]), two_stage.id)
        note_screening = new_concept_note(
            user_by_email(EMAILS["applicant"]), two_stage.id, title="Diaspora investment"
        )
        proposal_operations.fire(note_screening, "submit", user_by_email(EMAILS["applicant"]))
        screen(note_screening, user_by_email(EMAILS["secretariat"]))
        assessment = mgi_gap("CL").assessment_id  # an MGI indicator scored in Chile
        fund_outcome = db.session.scalar(select(FundOutcome.id).where(FundOutcome.code == "FO4"))
        db.session.commit()
        assert funded.status == "funded"
        assert db.session.scalar(select(Allocation.id).where(Allocation.proposal_id == funded.id))
        ids = {
            "draft": draft.id,
            "screening": screening.id,
            "review": review.id,
            "approved": approved.id,
            "funded": funded.id,
            "closed_round": closed_round,
            "call": draft.call_id,
            "contribution": contribution.id,
            "user": user_by_email(EMAILS["applicant"]).id,
            "organization": ilo,
            "note": note.id,
            "note_screening": note_screening.id,
            "assessment": assessment,
            "fund_outcome": fund_outcome,
            "pledge": pledge.id,
        }
    return World(server, ids)


@pytest.fixture(scope="module")
def world(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    support.require_browser()
    app = support.live_app(sqlite_template, tmp_path_factory.mktemp("a11y"))
    with support.LiveServer(app) as server:
        yield _build(server)


@pytest.fixture(scope="module")
def browser(world: World) -> Iterator[Any]:
    yield from support.launch()


@pytest.fixture(scope="module")
def pages(browser, world: World) -> Iterator[dict[str, Any]]:
    """A page per role, in its own browser profile, signed in through the sign-in page on
    first use. Each role's page is reused from one check to the next: the browser keeps axe
    compiled, which makes the checks several times faster."""
    yield from support.pages_by_role(browser, world.server, EMAILS)


# The pages --------------------------------------------------------------------------------

# (role, name, path with {world ids}, action before the check: None, or a function of the page)
# Every page a role reaches by its links is checked by the crawls on the demo set
# (tests/a11y_checks.py, which names the routes each crawl must check). This list keeps what a
# crawl does not see: a form with its errors shown, a page in each of its states (a proposal
# as a draft and submitted, a programme approved and funded), the recused member's review
# page, and the pages no link of the demo set leads to.


def _submit_first_form(button: str):
    def act(page: Any) -> None:
        with page.expect_navigation():
            page.get_by_role("button", name=button).first.click()
        assert page.locator(".error-summary").count(), "the error summary is not shown"

    return act


def _bad_login(page: Any) -> None:
    page.get_by_label("Email address").fill("nobody@example.org")
    page.get_by_label("Password").fill("not the password")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert page.locator(".error-summary").count(), "the sign-in errors are not shown"


def _bad_draft(page: Any) -> None:
    page.get_by_label("Budget row 1: Amount (USD)").fill("6OO,000")  # letters O, not zeros
    page.get_by_label("Duration (months)").fill("500")
    page.get_by_label("Contact 1: Email").fill("focal point at ilo")
    with page.expect_navigation():
        page.get_by_role("button", name="Save draft").click()
    assert page.locator(".error-summary").count(), "the form's errors are not shown"


def _bad_note(page: Any) -> None:
    page.get_by_label("Indicative total 1: Indicative total (USD)").fill("lots")
    page.get_by_label("National partner 4: Name").fill("A partner without a type")
    page.get_by_label("Duration (months)").fill("500")
    with page.expect_navigation():
        page.get_by_role("button", name="Save draft").click()
    assert page.locator(".error-summary").count(), "the form's errors are not shown"


PAGES: list[tuple[str, str, str, Any]] = [
    ("anonymous", "sign in with errors", "/login", _bad_login),
    ("applicant", "draft proposal", "/proposals/{draft}", None),
    ("applicant", "submitted proposal", "/proposals/{review}", None),
    ("applicant", "edit form with errors", "/proposals/{draft}/edit", _bad_draft),
    ("applicant", "concept note form", "/concept-notes/{note}/edit", None),
    ("applicant", "concept note form with errors", "/concept-notes/{note}/edit", _bad_note),
    ("applicant", "new proposal with errors", "/proposals/new", _submit_first_form("Create")),
    ("secretariat", "screening checklist", "/screening/{screening}", None),
    ("secretariat", "concept note checklist", "/screening/{note_screening}", None),
    (
        "agent",
        "contributions with errors",
        "/finance/contributions",
        _submit_first_form("Record the contribution"),
    ),
    ("secretariat", "void a contribution", "/finance/contributions/{contribution}/void", None),
    ("secretariat", "funding page", "/finance/proposals/{approved}", None),
    ("secretariat", "payments page", "/finance/proposals/{funded}", None),
    (
        "secretariat",
        "new fund outcome with errors",
        "/results/outcomes/new",
        _submit_first_form("Save the outcome"),
    ),
    (
        "secretariat",
        "new MGI indicator with errors",
        "/results/mgi/new",
        _submit_first_form("Save the indicator"),
    ),
    (
        "committee",
        "review page with errors",
        "/committee/proposals/{review}",
        _submit_first_form("Cast my vote"),
    ),
    ("recused", "review page (recused)", "/committee/proposals/{review}", None),
    ("agent", "pledge with errors", "/finance/pledges", _submit_first_form("Record the pledge")),
    (
        "agent",
        "deposit with errors",
        "/finance/deposits/new",
        _submit_first_form("Record the deposit"),
    ),
    (
        "agent",
        "direct cost with errors",
        "/finance/direct-costs",
        _submit_first_form("Record the direct cost"),
    ),
]


@pytest.mark.parametrize(
    ("role", "name", "path", "action"),
    PAGES,
    ids=[f"{role}: {name}" for role, name, _, _ in PAGES],
)
def test_no_accessibility_violation(world, pages, role, name, path, action):
    """At a desktop's width and at a phone's (the same page, resized): no violation, and at
    375 px nothing scrolls sideways as a whole."""
    page = pages[role]
    page.set_viewport_size(DESKTOP)
    response = page.goto(path.format(**world.ids))
    assert response is not None and response.status == 200, f"{path}: {response.status}"
    if action is not None:
        action(page)
    problems = width_problems(page, f"{name} ({role})")
    assert not problems, "\n".join(problems)


# Keyboard, focus, text alternatives -------------------------------------------------------

FOCUSED = """() => {
    const e = document.activeElement;
    if (!e || e === document.body) return 'body';
    const text = (e.innerText || e.value || '').trim().slice(0, 40);
    return `${e.tagName.toLowerCase()}#${e.id || ''}[${e.getAttribute('name') || ''}] ${text}`;
}"""


def _focused(page: Any) -> str:
    return page.evaluate(FOCUSED)


def _tab_until(page: Any, wanted: str, limit: int = 400) -> list[str]:
    """Press Tab until the focused element's description starts with `wanted`; the trail."""
    trail = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        trail.append(_focused(page))
        if trail[-1].startswith(wanted):
            return trail
    raise AssertionError(f"Tab never reached {wanted}; focus went: {' → '.join(trail[-60:])}")


@pytest.fixture
def plain_page(browser, world: World) -> Iterator[Any]:
    """A page of a fresh profile, signed out, with the site's Content-Security-Policy on."""
    context = support.new_context(browser, world.server)
    yield context.new_page()
    context.close()


def test_sign_in_with_the_keyboard_alone(plain_page):
    page = plain_page
    page.goto("/login")
    trail = _tab_until(page, "input#email")
    assert trail[0].startswith("a#"), f"the skip link comes first, not {trail[0]}"
    page.keyboard.type(EMAILS["applicant"])
    page.keyboard.press("Tab")
    assert _focused(page).startswith("input#password"), _focused(page)
    page.keyboard.type(support.DEMO_PASSWORD)
    page.keyboard.press("Tab")
    assert _focused(page).startswith("input#submit[submit] Sign in"), _focused(page)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/login" not in page.url
    assert page.get_by_role("button", name="Sign out").is_visible()


def test_edit_a_proposal_field_with_the_keyboard_alone(plain_page, world: World):
    page = plain_page
    support.sign_in(page, EMAILS["applicant"])
    page.goto(f"/proposals/{world.ids['draft']}/edit")
    # The skip link takes the keyboard user past the navigation, to the page's content.
    page.keyboard.press("Tab")
    assert _focused(page).startswith("a#") and "Skip to main content" in _focused(page)
    page.keyboard.press("Enter")
    _tab_until(page, "input#title", limit=20)  # past the list of the editor's sections
    page.keyboard.press("Control+A")
    page.keyboard.type("Safe and regular labour migration corridors")
    _tab_until(page, "input#save[save] Save draft")  # every field on the way is reachable
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # Saved, back in the editor.
    assert urlsplit(page.url).path == f"/proposals/{world.ids['draft']}/edit", page.url
    assert "Draft saved." in support.flash_text(page)
    assert page.locator("#title").input_value() == "Safe and regular labour migration corridors"


def test_error_summaries_take_focus(plain_page, world: World):
    page = plain_page
    page.goto("/login")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert page.evaluate("() => document.activeElement.matches('.error-summary')"), _focused(page)

    support.sign_in(page, EMAILS["applicant"])
    page.goto(f"/proposals/{world.ids['draft']}/edit")
    _bad_draft(page)
    assert page.evaluate("() => document.activeElement.matches('.error-summary')"), _focused(page)
    summary = page.locator(".error-summary")
    assert summary.get_attribute("role") == "alert"
    messages = summary.locator("li").all_inner_texts()
    assert any(m.startswith("Duration (months):") for m in messages), messages
    assert any(m.startswith("Contact 1, Email:") for m in messages), messages
    assert any(m.startswith("Budget row 1, Amount (USD):") for m in messages), messages
    # Each message links to its field, which says it is invalid and why.
    for name in ("Duration (months):", "Budget row 1, amount"):
        target = summary.get_by_role("link", name=name).get_attribute("href")
        field = page.locator(target)
        assert field.get_attribute("aria-invalid") == "true", target
        described = (field.get_attribute("aria-describedby") or "").split()
        assert f"{target[1:]}-error" in described, (target, described)


def test_the_coverage_chart_has_text_alternatives(plain_page):
    page = plain_page
    page.goto("/coverage/")
    chart = page.locator("figure.coverage-chart img")
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", chart.element_handle()), (
        "the chart image did not load"
    )
    alt = chart.get_attribute("alt") or ""
    assert "Bar chart" in alt and "per GCM objective" in alt, alt
    caption_id = chart.get_attribute("aria-describedby")
    caption = page.locator(f"#{caption_id}")
    assert caption.inner_text().strip(), "the chart's summary is empty"
    # The figures themselves are in a table, linked from the caption.
    assert caption.get_by_role("link", name="The figures as a table").get_attribute("href") == (
        "#objectives-title"
    )
    table = page.locator("table#objectives")
    assert table.locator("caption").inner_text().startswith("The 23 objectives")
    assert table.locator("tbody tr[data-objective]").count() >= 23
    # Opened on its own, the SVG names and describes itself.
    svg = page.context.request.get(chart.get_attribute("src")).text()
    assert 'role="img" aria-labelledby="chart-title chart-desc"' in svg
    assert '<title id="chart-title">' in svg and '<desc id="chart-desc">' in svg


def test_wide_tables_scroll_inside_their_region_not_the_page(plain_page):
    """A table wider than the screen scrolls inside its region (WCAG 1.4.10): nothing in it,
    visually hidden text included, widens the page."""
    page = plain_page
    page.set_viewport_size({"width": 700, "height": 900})
    page.goto("/coverage/")
    region = page.locator('.table-wrap[aria-labelledby="objectives-caption"]')
    assert page.evaluate("(el) => el.scrollWidth > el.clientWidth", region.element_handle()), (
        "the table fits: the test needs a narrower screen"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 700


# The focus ring ---------------------------------------------------------------------------

FOCUS_RING = """([selector, ringOn]) => {
    // On a phone the navigation is behind the Menu button: opened, as a click would.
    document.querySelectorAll('nav[data-menu]').forEach(n => n.classList.add('menu-open'));
    const focused = Array.from(document.querySelectorAll(selector))
        .find(n => n.getClientRects().length || n.closest('details:not([open])'));
    if (!focused) return {missing: true};
    const group = focused.closest('details');
    if (group && !focused.matches('summary')) group.open = true;  // a link in a group: opened
    focused.focus();
    if (document.activeElement !== focused) return {unfocusable: true};
    // The ring is drawn on the control, or on its visible label (the menu's checkbox).
    const el = ringOn ? document.querySelector(ringOn) : focused;
    const style = getComputedStyle(el);
    const rgb = (text) => {
        const m = text.match(/rgba?\\(([^)]+)\\)/);
        if (!m) return null;
        const [r, g, b, a] = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
        return [r, g, b, a === undefined ? 1 : a];
    };
    const over = (top, below) =>
        top.slice(0, 3).map((c, i) => c * top[3] + below[i] * (1 - top[3]));
    const backgroundOf = (node) => {
        // The colour seen behind a node: its own background or the nearest ancestor's.
        const layers = [];
        for (let n = node; n && n.nodeType === 1; n = n.parentElement) {
            const c = rgb(getComputedStyle(n).backgroundColor);
            if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
        }
        return layers.reverse().reduce((below, top) => over(top, below), [255, 255, 255]);
    };
    const luminance = (c) => {
        const [r, g, b] = c.map(v => {
            v /= 255;
            return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const contrast = (a, b) => {
        const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
        return (hi + 0.05) / (lo + 0.05);
    };
    const width = parseFloat(style.outlineWidth) || 0;
    // Just outside the ring: the colour it is seen against.
    const reach = (parseFloat(style.outlineOffset) || 0) + width + 0.5;
    const box = el.getBoundingClientRect();
    const probes = [
        [box.left - reach, box.top + box.height / 2], [box.right + reach, box.top + box.height / 2],
        [box.left + box.width / 2, box.top - reach], [box.left + box.width / 2, box.bottom + reach],
    ].filter(([x, y]) => x >= 0 && y >= 0 && x < innerWidth && y < innerHeight);
    const ring = rgb(style.outlineColor);
    const around = probes.map(([x, y]) => {
        const behind = document.elementsFromPoint(x, y).find(n => n !== el && !el.contains(n));
        return behind ? backgroundOf(behind) : [255, 255, 255];
    });
    const ratios = around.map(bg => contrast(over(ring, bg), bg));
    return {
        visible: focused.matches(':focus-visible'), style: style.outlineStyle, width,
        colour: style.outlineColor, around: around.map(c => `rgb(${c.map(Math.round)})`),
        lowest: ratios.length ? Math.min(...ratios) : null,
    };
}"""

# (page, control: where it sits) for controls on each background the fund uses.
FOCUS_CONTROLS = [
    ("agent", "/finance/contributions", ".skip-link", "the skip link, over the header"),
    (
        "agent",
        "/finance/contributions",
        ".site-header a.brand",
        "the fund's name in the dark header",
    ),
    (
        "agent",
        "/finance/contributions",
        ".site-header .account a",
        "an account link in the dark header",
    ),
    ("agent", "/finance/contributions", ".site-header button", "a button in the dark header"),
    ("agent", "/finance/contributions", ".site-nav a", "a navigation link on blue"),
    ("secretariat", "/audit/", ".site-nav summary", "a navigation group's button on blue"),
    ("secretariat", "/audit/", ".site-nav details ul a", "a link in a navigation group's list"),
    ("secretariat", "/", ".site-nav [aria-current]", "the current page's link (white on blue)"),
    (
        "secretariat",
        "/screening/",
        ".site-nav .current summary",
        "the current group (white on blue)",
    ),
    ("agent", "/finance/contributions", "main a[href]", "a link on white"),
    ("agent", "/finance/contributions", "main select", "a select on white"),
    (
        "agent",
        "/finance/contributions",
        "main input[type=text], main input[type=date]",
        "a field on white",
    ),
    (
        "agent",
        "/finance/contributions",
        "main button.button, main input[type=submit]",
        "a blue button",
    ),
    ("agent", "/finance/contributions", "main .table-wrap[tabindex]", "a table's scrolling region"),
    ("agent", "/finance/contributions", ".site-footer a", "a link on the grey footer"),
    ("secretariat", "/audit/", ".filters input, .filters select", "a filter on grey"),
    (
        "agent",
        "/finance/contributions/{contribution}/void",
        "main .button.danger",
        "a red button",
    ),
    ("applicant", "/proposals/{draft}/edit", "main input[type=checkbox]", "a checkbox"),
    ("applicant", "/proposals/{draft}/edit", "main textarea", "a text area"),
]


# On a phone: the Menu button (made a button by the page's script).
PHONE_FOCUS_CONTROLS = [
    ("agent", "/finance/contributions", "button.menu-button", "the Menu button in the header"),
]


@pytest.mark.parametrize("width", [DESKTOP["width"], PHONE["width"]])
def test_the_focus_ring_stands_out_on_every_background(world, pages, width):
    """The outline of the focused control contrasts 3:1 or more with the background around it
    (WCAG 1.4.11), for controls on the dark header, the blue navigation, white, grey and on
    coloured buttons, at a desktop's and a phone's width."""
    results = []
    controls = FOCUS_CONTROLS + (PHONE_FOCUS_CONTROLS if width == PHONE["width"] else [])
    for role, path, selector, where in controls:
        page = pages[role]
        page.set_viewport_size({"width": width, "height": 900})
        target = path.format(**world.ids)
        if urlsplit(page.url).path != target:
            page.goto(target)
        page.bring_to_front()
        page.keyboard.press("Shift+Tab")  # a keyboard user: the focus is shown (:focus-visible)
        focus, _, ring_on = selector.partition(" => ")
        ring = page.evaluate(FOCUS_RING, [focus, ring_on or None])
        page.evaluate(
            "() => document.querySelectorAll('details[open]').forEach(d => d.open = false)"
        )
        results.append((where, selector, ring))
    page.set_viewport_size(DESKTOP)
    problems = []
    for where, selector, ring in results:
        if ring.get("missing") or ring.get("unfocusable"):
            problems.append(f"{where}: no focusable {selector}")
        elif not ring["visible"] or ring["style"] == "none" or ring["width"] < 2:
            problems.append(f"{where}: no focus ring of 2 px or more ({ring})")
        elif ring["lowest"] is None or ring["lowest"] < 3:
            problems.append(f"{where}: ring {ring['colour']} at {ring['lowest']}:1 on {ring}")
    assert not problems, "\n".join(problems)


# Phones: lists, the coverage chart ----------------------------------------------------------


def test_a_list_on_a_phone_shows_each_value_under_its_column_name(world, pages):
    """At 375 px a list's rows are stacked: every value, the status and the action included, is
    on the screen with its column's name beside it; at 1280 px it is a table again."""
    page = pages["secretariat"]
    page.goto("/screening/")
    cells = page.locator("table#queue tbody tr").first.locator("th, td")
    try:
        page.set_viewport_size(PHONE)
        shown = cells.evaluate_all(
            """cells => cells.map(c => ({
                label: getComputedStyle(c, '::before').content.replace(/^"|"$/g, ''),
                right: c.getBoundingClientRect().right,
                text: c.innerText.trim()}))"""
        )
        labels = [c["label"] for c in shown]
        assert labels[:3] == ["Reference", "Kind", "Title"], labels
        assert "Status" in labels and "Action" in labels, labels
        assert all(c["right"] <= PHONE["width"] for c in shown), shown
        page.set_viewport_size(DESKTOP)
        display = cells.first.evaluate("c => getComputedStyle(c).display")
        assert display == "table-cell", display
    finally:
        page.set_viewport_size(DESKTOP)


def test_the_coverage_chart_on_a_phone_is_a_list_of_bars(plain_page):
    """At 375 px the chart is drawn as a list (each objective's name, its bar, its figures and
    flag in words) instead of the 960 px picture; the summary and the table stay."""
    page = plain_page
    page.goto("/coverage/")
    figure = page.locator("figure.coverage-chart")
    assert figure.locator("img").is_visible() and not figure.locator(".chart-bars").is_visible()
    page.set_viewport_size(PHONE)
    assert not figure.locator("img").is_visible()
    items = figure.locator(".chart-bars ol.bar-list > li")
    assert items.count() == 23
    first = items.first.inner_text()
    assert first.startswith("1. ") and "Funded USD" in first and "of the funded total" in first
    assert figure.locator("figcaption").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    width = items.first.locator("svg.bar").bounding_box()["width"]
    assert width > 300, f"the bar is {width} px wide on a 375 px screen"


def test_key_columns_are_not_cut_off_at_desktop_width(world, pages):
    """At 1280 px the balance by pool ("Available"), the coverage tables (share, target and
    flag) and the agent's contributions (Status and Actions) show every column: their regions
    have nothing to scroll."""
    hidden = {}
    for role, path, selectors in (
        ("secretariat", "/finance/", ["#balance"]),
        ("secretariat", "/coverage/", ["#objectives", "#areas", "#regions", "#organizations"]),
        ("agent", "/finance/contributions", ["#contributions"]),
    ):
        page = pages[role]
        page.set_viewport_size(DESKTOP)
        page.goto(path)
        for selector in selectors:
            wrap = page.locator(f".table-wrap:has(> table{selector})")
            sizes = wrap.evaluate("el => [el.scrollWidth, el.clientWidth]")
            if sizes[0] > sizes[1]:
                hidden[f"{path} {selector}"] = sizes
    assert not hidden, f"tables wider than their region (scroll width, width): {hidden}"


def test_the_public_tables_fit_a_phone_without_scrolling(plain_page, world: World):
    """At 375 px a visitor reads every figure of the public pages (the programmes, one
    programme, the map, the contributions, the workflow, the objectives, the principles, open
    data) without scrolling a table sideways: a wide table is stacked (each value under its
    column's name) unless it keeps its first column in view on purpose (`sticky-first`)."""
    page = plain_page
    page.set_viewport_size(PHONE)
    cut = {}
    try:
        page.goto("/portfolio")
        programme = page.locator("a[href*='/portfolio/programmes/']").first.get_attribute("href")
        public = ("/portfolio", programme, "/portfolio/map", "/portfolio/contributions")
        for path in (*public, "/workflow", "/objectives", "/principles", "/open-data"):
            page.goto(path)
            for wrap in page.locator(".table-wrap:not(:has(> table.sticky-first))").all():
                sizes = wrap.evaluate("el => [el.scrollWidth, el.clientWidth]")
                if sizes[0] > sizes[1]:
                    cut[f"{path} {wrap.get_attribute('aria-labelledby')}"] = sizes
    finally:
        page.set_viewport_size(DESKTOP)
    assert not cut, f"tables wider than the phone's screen (scroll width, width): {cut}"


def test_a_table_scrolled_on_a_phone_keeps_its_row_names_in_view(world, pages):
    """At 375 px a table that scrolls inside its region keeps its first column (the row's
    name) at the region's edge when the figures are scrolled: the funding status by
    organization, a call's screening criteria, the committee's review page (budget, results)."""
    moved = {}
    for role, path in (
        ("secretariat", "/finance/status"),
        ("secretariat", "/screening/calls/{call}/criteria"),
        ("secretariat", "/committee/proposals/{review}"),
    ):
        page = pages[role]
        page.set_viewport_size(PHONE)
        try:
            page.goto(path.format(**world.ids))
            wide = [
                w
                for w in page.locator(".table-wrap:has(> table.data:not(.stack))").all()
                if w.evaluate("w => w.scrollWidth > w.clientWidth + 1")
            ]
            assert wide, f"{path}: no table scrolls at 375 px; the test needs one"
            for wrap in wide:
                cell = wrap.locator("tbody tr > :first-child:not([colspan])").first
                before = cell.bounding_box()["x"]
                wrap.evaluate("w => { w.scrollLeft = w.scrollWidth; }")
                after = cell.bounding_box()["x"]
                if abs(after - before) > 1:
                    moved[f"{path} {wrap.get_attribute('aria-labelledby')}"] = (before, after)
        finally:
            page.set_viewport_size(DESKTOP)
    assert not moved, f"first columns that scrolled out of view (x before, x after): {moved}"


def test_buttons_are_written_in_the_page_s_typeface(world, pages):
    """A form's buttons (submit inputs, buttons styled as such, menu and link buttons) use the
    page's font, not the browser's own for form controls."""
    odd = {}
    for role, path in (("secretariat", "/finance/"), ("secretariat", "/proposals")):
        page = pages[role]
        page.goto(path.format(**world.ids))
        body = page.evaluate("() => getComputedStyle(document.body).fontFamily")
        for text, family in page.evaluate(
            """() => Array.from(document.querySelectorAll('button, input[type=submit]'))
                .map(b => [b.textContent.trim() || b.value, getComputedStyle(b).fontFamily])"""
        ):
            if family != body:
                odd[f"{path} {text}"] = family
    assert not odd, f"buttons in another typeface than the page's ({body}): {odd}"

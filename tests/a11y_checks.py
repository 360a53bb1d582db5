"""The checks the accessibility tests share: a page at a desktop's and a phone's width (axe's
violations, a page scrolling sideways), and the crawl of every page a role reaches by its links
on the demo set (the crawl is split over modules by role, so that test workers share it)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests import browser_support as support

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}

PAGE_OVERFLOW = """() => {
    const root = document.documentElement;
    if (root.scrollWidth <= root.clientWidth) return null;
    // What sticks out: the outermost elements whose right edge passes the screen's.
    const out = [];
    for (const el of document.body.querySelectorAll('*')) {
        const box = el.getBoundingClientRect();
        if (box.right > root.clientWidth + 1 && box.width > 0
                && !(el.parentElement && el.parentElement.getBoundingClientRect().right
                     > root.clientWidth + 1)) {
            out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                     + (el.className && typeof el.className === 'string'
                        ? '.' + el.className.trim().split(/\\s+/).join('.') : '')
                     + ' ' + Math.round(box.right) + 'px');
        }
        if (out.length >= 5) break;
    }
    return `${root.scrollWidth} px wide on a ${root.clientWidth} px screen: ${out.join(', ')}`;
}"""


CAPTIONS_OFF_SCREEN = """() => {
    // A table's caption (its name, shown) whose words run past the screen's edges.
    const width = document.documentElement.clientWidth;
    const out = [];
    for (const caption of document.querySelectorAll('caption')) {
        const box = caption.getBoundingClientRect();
        if (box.width <= 2 || box.height <= 2) continue;  // visually hidden
        const words = document.createRange();
        words.selectNodeContents(caption);
        const text = words.getBoundingClientRect();
        if (text.right > width + 1 || text.left < -1) {
            out.push(`"${caption.textContent.trim().slice(0, 60)}" spans ${Math.round(text.left)}`
                     + ` to ${Math.round(text.right)} px`);
        }
    }
    return out;
}"""


REFERENCES_SPLIT = r"""() => {
    // A reference (P-00042) broken over two lines: "P-" at the end of one, the number below.
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (const found of node.data.matchAll(/P-\d{5}/g)) {
            const range = document.createRange();
            range.setStart(node, found.index);
            range.setEnd(node, found.index + found[0].length);
            const lines = new Set(Array.from(range.getClientRects())
                .filter(box => box.width > 0).map(box => Math.round(box.top)));
            if (lines.size > 1) out.push(`${found[0]} in <${node.parentElement.localName}>`);
        }
    }
    return out;
}"""


def width_problems(page: Any, where: str) -> list[str]:
    """What is wrong with the page at 1280 px, then at 375 px (resized, not reloaded): axe's
    violations, a page wider than the phone's screen, a table's caption running off it and a
    reference broken over two lines. The viewport is left at 1280 px."""
    problems = []
    try:
        for size in (DESKTOP, PHONE):
            page.set_viewport_size(size)
            at = f"{where} at {size['width']} px"
            violations = support.axe_violations(page)
            if violations:
                problems.append(support.describe_violations(violations, at))
            overflow = page.evaluate(PAGE_OVERFLOW) if size is PHONE else None
            if overflow:
                problems.append(f"{at} scrolls sideways: {overflow}")
            captions = page.evaluate(CAPTIONS_OFF_SCREEN) if size is PHONE else []
            problems.extend(f"{at}: a caption runs off the screen: {c}" for c in captions)
            split = page.evaluate(REFERENCES_SPLIT) if size is PHONE else []
            problems.extend(f"{at}: a reference is broken over two lines: {r}" for r in split)
            if violations or overflow or captions or split:
                support.screenshot(page, f"a11y-{where}-{size['width']}", of_a_failure=True)
    finally:
        page.set_viewport_size(DESKTOP)
    return problems


# Every page of every role, at 1280 and 375 px ---------------------------------------------

# Each role's pages are found as a person finds them: following the links from Home, on the
# full demo set (programmes in every state, reports, revisions, meetings, a closed programme).
# A page is visited once per route (ids and query strings aside).

CRAWLERS = {
    "anonymous": None,
    "applicant": "applicant@demo.fund",
    "lead applicant": "unicef.applicant@demo.fund",  # its programme is funded: reports
    "secretariat": "secretariat@demo.fund",
    "committee": "committee.unicef@demo.fund",
    "admin": "admin@demo.fund",
    "agent": "agent@demo.fund",
}
NOT_PAGES = re.compile(
    r"\.(pdf|csv|xlsx|json|xml|svg|txt)$|/attachments/|/account/unlock|^/healthz|^/readyz"
)
MAX_ROUTES = 90

# Pages that read the same whoever is signed in (only the menu differs, and a role's menu is
# checked on all its other pages): the anonymous crawl checks them; the others only follow
# their links.
SAME_FOR_EVERYONE = re.compile(r"^/(objectives|principles|workflow|open-data|portfolio)(/|$)")

# The routes each crawl must check, whatever else it finds: the pages the fixed list of
# tests/test_browser_a11y.py leaves to the crawls (that list keeps the states and the errors
# a crawl does not reach). A crawl that stops reaching one (a link removed, the cap of routes
# reached) fails rather than quietly checking less.
MUST_CHECK = {
    "anonymous": {
        "/",
        "/login",
        "/objectives",
        "/principles",
        "/workflow",
        "/coverage/",
        "/open-data",
        "/portfolio",
        "/portfolio/map",
        "/portfolio/contributions",
        "/portfolio/programmes/{id}",
    },
    "applicant": {
        "/proposals",
        "/proposals/new",
        "/proposals/{id}/edit",
        "/concept-notes/{id}",
        "/calls/",
        "/notifications/",
        "/notifications/preferences",
        "/committee/rounds/{id}",
        "/account/password",
    },
    "secretariat": {
        "/",
        "/proposals",
        "/calls/",
        "/calls/new",
        "/calls/{id}",
        "/screening/",
        "/screening/calls/{id}/criteria",
        "/concept-notes/{id}",
        "/committee/meeting",
        "/committee/proposals/{id}",
        "/finance/",
        "/finance/contributions",
        "/finance/status",
        "/coverage/",
        "/coverage/simulator",
        "/coverage/targets",
        "/pipeline/",
        "/reports/",
        "/audit/",
        "/results/",
        "/results/outcomes/{id}",
        "/results/mgi/",
        "/results/mgi/assessments",
        "/results/mgi/assessments/{id}",
    },
    "committee": {
        "/committee/",
        "/committee/proposals/{id}",
        "/committee/rounds/{id}",
        "/committee/meeting",
        "/coverage/",
        "/results/",
        "/pipeline/",
        "/pipeline/balance",
    },
    "admin": {
        "/admin/users",
        "/admin/users/new",
        "/admin/users/{id}",
        "/admin/organizations",
        "/admin/organizations/{id}",
        "/audit/",
    },
    "agent": {"/finance/pledges", "/finance/pledges/{id}", "/finance/interest", "/finance/status"},
}


def route_of(path: str) -> str:
    """The route a path belongs to: its numbers are ids."""
    return re.sub(r"/\d+(?=/|$)", "/{id}", path)


LINKS = """() => Array.from(document.querySelectorAll('a[href]'))
    .filter(a => !a.hasAttribute('download'))
    .map(a => a.href)"""


@pytest.fixture(scope="module")
def demo_server(demo_history_template: Path, tmp_path_factory: pytest.TempPathFactory):
    """The application with the whole demo set, as `flask fund seed --demo` makes it, served
    (a fixture of each crawl module that imports it)."""
    support.require_browser()
    app = support.demo_history_app(demo_history_template, tmp_path_factory.mktemp("a11y-demo"))
    with support.LiveServer(app) as server:
        yield server


@pytest.fixture(scope="module")
def browser(demo_server: support.LiveServer):
    yield from support.launch()


def check_every_page(browser: Any, demo_server: support.LiveServer, role: str) -> None:
    """Every page a role reaches by its links: no axe violation at 1280 and at 375 px, no page
    scrolling sideways at 375 px nor caption running off it, and none answering with a server
    error; the role's pages in MUST_CHECK among those checked."""
    context = support.new_context(browser, demo_server, bypass_csp=True)
    page = context.new_page()
    try:
        if CRAWLERS[role]:
            support.sign_in(page, CRAWLERS[role])
        origin = urlsplit(demo_server.url).netloc
        queue, seen, visited, problems = ["/"], {route_of("/")}, [], []
        checked: set[str] = set()
        while queue and len(visited) < MAX_ROUTES:
            path = queue.pop(0)
            response = page.goto(path)
            status = response.status if response is not None else 0
            if status >= 500 or status == 0:
                problems.append(f"{path}: answered {status}")
                continue
            if status != 200 or "text/html" not in (response.headers.get("content-type") or ""):
                continue
            visited.append(path)
            if CRAWLERS[role] is None or not SAME_FOR_EVERYONE.match(path):
                checked.add(route_of(path))
                problems += width_problems(page, f"{route_of(path)} ({role})")
            for href in page.evaluate(LINKS):
                parts = urlsplit(href)
                if parts.netloc != origin or NOT_PAGES.search(parts.path):
                    continue
                if route_of(parts.path) not in seen:
                    seen.add(route_of(parts.path))
                    queue.append(parts.path)
        assert len(visited) >= 3, f"{role} reached only {visited}"
        unchecked = MUST_CHECK.get(role, set()) - checked
        assert not unchecked, f"{role} did not reach {sorted(unchecked)}"
        assert not problems, f"{len(visited)} pages visited; " + "\n".join(problems)
    finally:
        context.close()

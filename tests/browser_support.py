"""What the real-browser tests share: Debian's Chromium driven by Playwright, the application
served on a loopback port from a fresh database, signing in through the page, screenshots
and axe-core.

Without /usr/bin/chromium (or Playwright) the browser tests are skipped with the reason, except
in CI (CI=true), where that is a failure: `.ci/run` installs the browser.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import threading
from collections.abc import Iterator, Mapping
from contextlib import nullcontext
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from fund import create_app
from fund.calls.models import Call
from fund.demo import load_demo
from fund.extensions import db
from fund.finance import operations as finance_operations
from fund.finance.models import Allocation
from fund.proposals.models import Proposal
from tests.factories import made_begun, new_proposal
from tests.helpers import org_id, user_by_email

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
AXE_SCRIPT = ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DEMO_PASSWORD = "migration-fund-demo"  # seed/demo.toml
DEMO_APPLICANT = "applicant@demo.fund"  # ILO
DEMO_SECRETARIAT = "secretariat@demo.fund"
DEMO_CALL = "Call for joint programmes"
TIMEOUT_MS = 15_000


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def require_browser() -> None:
    """Skip the calling module without a browser; fail instead in CI."""
    problem = None
    if not CHROMIUM.exists():
        problem = f"{CHROMIUM} not found (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "Playwright for Python is not installed (pip install -e '.[test]')"
    if problem is None:
        return
    if in_ci():
        pytest.fail(f"{problem}; CI must run the browser tests", pytrace=False)
    pytest.skip(f"browser tests skipped: {problem}")


# The application on a loopback port -------------------------------------------------------


def live_app(sqlite_template: Path, directory: Path) -> Flask:
    """The application on a fresh copy of the migrated database, with the demo set (users in
    every role, organizations, an open call) and no proposal."""
    path = directory / "live.sqlite3"
    shutil.copy(sqlite_template, path)
    return live_app_on(f"sqlite:///{path}", directory)


def demo_history_app(demo_history_template: Path, directory: Path) -> Flask:
    """The application on a fresh copy of the database with the demo's whole history
    (programmes in every state, reports, revisions, meetings, a closed programme; the session
    fixture `demo_history_template` of tests/conftest.py)."""
    path = directory / "live.sqlite3"
    shutil.copy(demo_history_template, path)
    return create_app("test", _live_config(f"sqlite:///{path}", directory))


def live_app_on(url: str, directory: Path) -> Flask:
    """The application on the migrated database at `url` (a fresh copy: a SQLite file or a
    PostgreSQL database made from the template), with the demo set as `live_app` loads it.
    Its open-data files are kept in `directory`, not in the instance folder that the test
    workers running at the same time would share (and lock while one of them builds)."""
    app = create_app("test", _live_config(url, directory))
    with app.app_context():
        load_demo(Path(app.config["SEED_DIR"]))
        db.session.commit()
    return app


def _live_config(url: str, directory: Path) -> dict[str, str]:
    return {"SQLALCHEMY_DATABASE_URI": url, "OPEN_DATA_CACHE_DIR": str(directory / "open-data")}


class LiveServer:
    """A threaded WSGI server for `app` on a free port of 127.0.0.1, in a background thread."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()


def serve(sqlite_template: Path, directory: Path) -> Iterator[LiveServer]:
    with LiveServer(live_app(sqlite_template, directory)) as server:
        yield server


_SHARED: dict[str, Any] = {}


def launch() -> Iterator[Any]:
    """The test worker's browser: launched on first use and shared by the modules, each test
    taking profiles of its own (`new_context`, with their own cookies and cache); closed when
    the session ends (`close_browser`). A launch took 0.7 to 1 s for each module."""
    if "browser" not in _SHARED:
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        _SHARED["playwright"] = playwright
        _SHARED["browser"] = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
    yield _SHARED["browser"]


def close_browser() -> None:
    """Close the shared browser, if one was launched (tests/conftest.py, at the session's end)."""
    if (browser := _SHARED.pop("browser", None)) is not None:
        browser.close()
        _SHARED.pop("playwright").stop()


@pytest.fixture(scope="module")
def server(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The module's server: the demo set on a database of its own (see `live_app`), or the
    module skipped without a browser. A module takes it (and `browser`) by importing it."""
    require_browser()
    name = request.module.__name__.rpartition(".")[2]
    yield from serve(sqlite_template, tmp_path_factory.mktemp(name))


@pytest.fixture(scope="module")
def browser(server: LiveServer) -> Iterator[Any]:
    """The browser (the worker's, `launch`), once the module's server runs."""
    yield from launch()


def new_context(browser: Any, server: LiveServer, *, bypass_csp: bool = False) -> Any:
    """A fresh browser profile (its own cookies) on the server.

    `bypass_csp` lets axe-core be injected into pages whose Content-Security-Policy allows
    only the site's own scripts; the pages have no inline script or style, so they render
    the same. The journey keeps the policy on.
    """
    context = browser.new_context(
        base_url=server.url,
        viewport={"width": 1280, "height": 900},
        locale="en-GB",
        bypass_csp=bypass_csp,
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context


# Pages ------------------------------------------------------------------------------------


def sign_in(page: Any, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the sign-in page, as a person would (this also counts as a recent
    sign-in for votes, funding and payments)."""
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert "/login" not in page.url, f"{email} could not sign in: {flash_text(page)}"


def signed_in_page(server: LiveServer, email: str) -> Iterator[Any]:
    """A page of a browser of its own on the server, signed in as `email`; closed at the end."""
    for browser in launch():
        context = new_context(browser, server, bypass_csp=True)
        page = context.new_page()
        sign_in(page, email)
        yield page
        context.close()


def pages_by_role(browser: Any, server: LiveServer, emails: Mapping[str, str]) -> Iterator[Any]:
    """A page per role, each in its own browser profile, opened on first use and signed in as
    the role's person (`emails[role]`; the role "anonymous" stays signed out); the profiles
    are closed at the end."""
    opened: list[Any] = []

    class Pages(dict):
        def __missing__(self, role: str) -> Any:
            context = new_context(browser, server, bypass_csp=True)
            opened.append(context)
            page = context.new_page()
            if role != "anonymous":
                sign_in(page, emails[role])
            self[role] = page
            return page

    yield Pages()
    for context in opened:
        context.close()


def visit(page: Any, path: str, heading: str) -> None:
    """Open `path` and check that it is the page headed `heading` (answered 200); otherwise fail
    with what came instead (address, status, heading, messages and the start of its text) and
    keep a screenshot of it."""
    response = page.goto(path)
    status = response.status if response is not None else None
    headings = page.get_by_role("heading", level=1)
    shown = headings.first.inner_text() if headings.count() else ""
    if status == 200 and shown == heading:
        return
    kept = screenshot(page, f"unexpected-{path}", of_a_failure=True)
    text = " ".join(page.locator("body").inner_text().split())[:600]
    pytest.fail(
        f"{path} gave {page.url} (status {status}), headed {shown!r} instead of {heading!r}; "
        f"messages: {flash_text(page) or 'none'}; text: {text} (screenshot {kept})",
        pytrace=False,
    )


def flash_text(page: Any) -> str:
    flashes = page.locator(".flashes, .error-summary")
    return " | ".join(flashes.all_inner_texts())


def clear_journey_artifacts() -> None:
    """Remove the screenshots of an earlier journey (numbered steps), so that the folder shows
    one journey."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("[0-9][0-9]-*.png"):
        old.unlink()


def screenshot(page: Any, name: str, *, of_a_failure: bool = False) -> Path | None:
    """Keep the page as a test artefact: test-artifacts/e2e/<name>.png (the whole page).

    The pictures of the steps and pages a test goes through are for people to look at: they
    are taken outside CI, or with FUND_SCREENSHOTS=1. In CI, whose checkout is thrown away,
    only the pictures of a failure are (`of_a_failure`): a whole page's picture takes a tenth
    to half a second (measured: a fifth of the journey's and the languages' tests' time)."""
    if not of_a_failure and in_ci() and os.environ.get("FUND_SCREENSHOTS") != "1":
        return None
    name = re.sub(r"[^A-Za-z0-9.-]+", "-", name).strip("-")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# The demo set's data --------------------------------------------------------------------------


def funded_demo_programme(
    title: str, transfer_to_ilo: Decimal | None = None, *, begun: bool = False
) -> Proposal:
    """In the served application's context: a funded ILO-IOM programme of the demo applicant
    in the demo call, reached through the workflow, with `transfer_to_ilo` transferred to ILO
    by the demo secretariat on the allocation's day, if given; `begun`: made and funded
    `BEGUN_DAYS` ago, so the programme began yesterday and its first reports can be submitted.
    The caller commits."""
    with made_begun() if begun else nullcontext():
        applicant = user_by_email(DEMO_APPLICANT)
        call = db.session.scalar(select(Call).where(Call.title == DEMO_CALL))
        proposal = new_proposal(applicant, call.id, "funded", title=title)
        if transfer_to_ilo is not None:
            allocation = db.session.scalar(
                select(Allocation).where(Allocation.proposal_id == proposal.id)
            )
            finance_operations.record_disbursement(
                user_by_email(DEMO_SECRETARIAT),
                allocation,
                org_id("ILO"),
                allocation.allocated_on,
                transfer_to_ilo,
            )
    return proposal


# axe-core ---------------------------------------------------------------------------------


class _CachedFiles(http.server.SimpleHTTPRequestHandler):
    """Serves the vendored axe-core for the browser to keep: cached, each profile compiles it
    once rather than on every page (measured: a third of the time axe took on a crawl)."""

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "public, max-age=86400")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@functools.cache
def axe_url() -> str:
    """The address of axe-core on a loopback server of its own, started on first use."""
    handler = functools.partial(_CachedFiles, directory=str(AXE_SCRIPT.parent))
    files = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=files.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{files.server_address[1]}/{AXE_SCRIPT.name}"


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """The WCAG 2.0/2.1 A and AA violations axe-core finds on the page as it is now (its
    profile made with `bypass_csp`: the site's policy allows only its own scripts). It waits
    for the page to finish loading first: right after a click the new document may have no
    `<head>` yet to take the script."""
    page.wait_for_load_state("load")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=axe_url())
    result = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {
                runOnly: {type: 'tag', values: tags},
                resultTypes: ['violations'],
            });
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target, html: n.html,
                                          summary: n.failureSummary})),
            }));
        }""",
        AXE_TAGS,
    )
    return list(result)


def describe_violations(violations: list[dict[str, Any]], where: str) -> str:
    """The violations, readably: rule, impact, what to do, and each offending element."""
    lines = [f"{len(violations)} accessibility violation(s) on {where}:"]
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"][:10]:
            target = json.dumps(node["target"])
            html = node["html"] if len(node["html"]) <= 200 else node["html"][:200] + "…"
            lines.append(f"    at {target}: {html}")
            for detail in (node["summary"] or "").splitlines():
                lines.append(f"        {detail}")
        if len(v["nodes"]) > 10:
            lines.append(f"    … and {len(v['nodes']) - 10} more")
    return "\n".join(lines)

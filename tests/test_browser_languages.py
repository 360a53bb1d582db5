"""The main pages in French and in Arabic, in a real browser: the browser's language chooses the
page's, the applicant signs in with the translated form, finds the draft, edits and saves it,
the secretariat opens its queues; each page has its `lang` and `dir`, no axe-core violation
(WCAG 2.0/2.1 A and AA) and, on a phone, nothing scrolling sideways. In Arabic the layout is
mirrored: the fund's name on the right, the account and the language switcher on the left."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from fund.accounts.models import User
from fund.calls.models import Call
from fund.extensions import db
from tests import browser_support as support
from tests.a11y_checks import width_problems
from tests.browser_support import browser as browser  # the fixtures
from tests.browser_support import server as server
from tests.factories import new_proposal

pytestmark = pytest.mark.browser

APPLICANT = "applicant@demo.fund"
SECRETARIAT = "secretariat@demo.fund"
CALL = "Call for joint programmes"
# What the layout says in each language (the sign-in form, the header).
WORDS = {
    "fr": {
        "email": "Adresse électronique",
        "password": "Mot de passe",
        "sign_in": "Se connecter",
        "sign_out": "Se déconnecter",
        "signed_in": "Connecté en tant que",
    },
    "ar": {
        "email": "عنوان البريد الإلكتروني",
        "password": "كلمة المرور",
        "sign_in": "تسجيل الدخول",
        "sign_out": "تسجيل الخروج",
        "signed_in": "تم تسجيل الدخول باسم",
    },
}


@pytest.fixture(scope="module")
def draft(server) -> int:
    with server.app.app_context():
        applicant = db.session.scalar(select(User).where(User.email == APPLICANT))
        call = db.session.scalar(select(Call).where(Call.title == CALL))
        proposal = new_proposal(applicant, call.id, title="Corridors of decent work")
        db.session.commit()
        return proposal.id


def _page_in(browser: Any, server: support.LiveServer, language: str) -> Any:
    context = browser.new_context(
        base_url=server.url,
        viewport={"width": 1280, "height": 900},
        locale=language,
        extra_http_headers={"Accept-Language": f"{language},en;q=0.5"},
        bypass_csp=True,
    )
    context.set_default_timeout(support.TIMEOUT_MS)
    return context.new_page()


def _sign_in(page: Any, email: str, words: dict[str, str]) -> None:
    page.goto("/login")
    page.get_by_label(words["email"]).fill(email)
    page.get_by_label(words["password"], exact=True).fill(support.DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name=words["sign_in"]).click()
    assert words["signed_in"] in support.flash_text(page)


def _check(page: Any, path: str, language: str, problems: list[str]) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200, (path, response and response.status)
    html = page.locator("html")
    assert html.get_attribute("lang") == language, path
    assert html.get_attribute("dir") == ("rtl" if language == "ar" else "ltr"), path
    problems += width_problems(page, f"{path} ({language})")
    support.screenshot(page, f"language-{language}-{path.strip('/').replace('/', '-') or 'home'}")


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_the_main_pages_in_french_and_arabic(browser, server, draft, language):
    words = WORDS[language]
    problems: list[str] = []
    page = _page_in(browser, server, language)
    try:
        for path in ("/", "/login", "/objectives", "/coverage/"):
            _check(page, path, language, problems)
        _sign_in(page, APPLICANT, words)
        assert page.get_by_role("button", name=words["sign_out"]).is_visible()
        for path in ("/", "/proposals", f"/proposals/{draft}", f"/proposals/{draft}/edit"):
            _check(page, path, language, problems)
        # The editor saves in the page's language and stays on it.
        with page.expect_navigation():
            page.locator("#proposal-form button[name=section][value=s-general]").click()
        assert page.locator("html").get_attribute("lang") == language
        assert page.locator(".flash").count() == 1
        _check(page, "/account", language, problems)
        page.context.close()

        page = _page_in(browser, server, language)
        _sign_in(page, SECRETARIAT, words)
        for path in ("/screening/", "/finance/", "/committee/", "/audit/"):
            _check(page, path, language, problems)
    finally:
        page.context.close()
    assert not problems, "\n".join(problems)


def test_arabic_pages_are_mirrored(browser, server):
    page = _page_in(browser, server, "ar")
    try:
        page.goto("/")
        width = page.viewport_size["width"]
        brand = page.locator(".brand").bounding_box()
        switcher = page.locator("nav.languages").bounding_box()
        heading = page.locator("main h1").bounding_box()
        assert brand["x"] + brand["width"] > width * 0.75, brand  # the fund's name on the right
        assert switcher["x"] < width / 2, switcher  # the languages on the left
        # The heading ends at the right edge of the content, as right-to-left text does.
        main = page.locator("main").bounding_box()
        assert abs((heading["x"] + heading["width"]) - (main["x"] + main["width"])) < 40
    finally:
        page.context.close()


def test_the_secretariat_s_menu_stays_on_one_line_at_1280_px_in_every_language(browser, server):
    """The longest menu (the secretariat's) fits one line of a 1280 px window in each language:
    the French and Spanish labels once pushed its last item to a second line."""
    page = _page_in(browser, server, "fr")
    try:
        _sign_in(page, SECRETARIAT, WORDS["fr"])
        for language in ("fr", "es", "ar", "en"):
            page.goto(f"/?lang={language}")
            tops = page.eval_on_selector_all(
                ".site-nav ul.nav-list > li", "items => items.map(i => i.offsetTop)"
            )
            assert len(tops) >= 8, tops
            assert len(set(tops)) == 1, (language, tops)
    finally:
        page.context.close()

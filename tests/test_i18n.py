"""The interface in English, French, Spanish and Arabic: how a request's language is chosen
(the user's preference, `?lang=` kept in a cookie, `Accept-Language`, English), the pages'
`lang` and `dir`, the switcher, the account page's preference, and the catalogs: complete, without
fuzzy entries, compiled, and holding every message the code and the templates mark."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from sqlalchemy import select

from fund.audit.models import AuditEvent
from fund.extensions import db
from fund.i18n import LANGUAGES, TRANSLATIONS
from tests.helpers import csrf_token, demo_client, login, user

ROOT = Path(__file__).resolve().parent.parent
PUBLIC_PAGES = ("/", "/login", "/objectives", "/principles")
# A phrase each public page shows, per language.
SAMPLES = {
    "fr": ("Fonctionnement du fonds", "Se connecter", "Les 23 objectifs", "Les dix principes"),
    "es": ("Cómo funciona el fondo", "Iniciar sesión", "Los 23 objetivos", "Los diez principios"),
    "ar": ("كيف يعمل الصندوق", "تسجيل الدخول", "الأهداف الثلاثة والعشرون", "المبادئ التوجيهية"),
}
# Every template says, in its first three lines, that its text is all marked for translation
# (MARKED), and a test below keeps it true.
MARKED = "{# i18n: every text marked #}"


def _templates() -> list[str]:
    folder = ROOT / "templates"
    return sorted(
        str(path.relative_to(folder))
        for path in folder.rglob("*")
        if path.suffix in (".html", ".txt")
    )


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


@pytest.mark.parametrize("language", sorted(SAMPLES))
def test_the_public_pages_answer_in_the_browsers_language(client, language):
    for path, sample in zip(PUBLIC_PAGES, SAMPLES[language], strict=True):
        html = _html(client.get(path, headers={"Accept-Language": f"{language},en;q=0.5"}))
        direction = "rtl" if language == "ar" else "ltr"
        assert f'<html lang="{language}" dir="{direction}">' in html, path
        assert sample in html, (path, sample)


def test_english_when_the_browser_asks_for_a_language_the_fund_does_not_speak(client):
    html = _html(client.get("/login", headers={"Accept-Language": "de-DE,de;q=0.9"}))
    assert '<html lang="en" dir="ltr">' in html and "<h1>Sign in</h1>" in html


def test_lang_in_the_address_wins_and_is_kept_in_a_cookie(client):
    response = client.get("/login?lang=es", headers={"Accept-Language": "fr"})
    html = _html(response)
    assert '<html lang="es" dir="ltr">' in html and "<h1>Iniciar sesión</h1>" in html
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lang=es;") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    # The next page follows the cookie, whatever the browser asks.
    html = _html(client.get("/objectives", headers={"Accept-Language": "fr"}))
    assert '<html lang="es"' in html and "Los 23 objetivos" in html


def test_a_link_asking_for_a_language_signs_in_in_that_language(client):
    """A link with ?lang=fr to a page behind sign-in: the sign-in page it leads to is French."""
    response = client.get("/proposals/1?lang=fr")
    assert response.status_code == 302
    location = response.headers["Location"]
    asked = parse_qs(urlsplit(location).query)
    assert asked["lang"] == ["fr"] and asked["next"] == ["/proposals/1?lang=fr"]
    html = _html(client.get(location))
    assert '<html lang="fr" dir="ltr">' in html and "<h1>Se connecter</h1>" in html
    # Without ?lang= the redirect adds none; an unknown language is not carried.
    for path in ("/proposals/1", "/proposals/1?lang=xx"):
        assert "lang" not in parse_qs(urlsplit(client.get(path).headers["Location"]).query)


@pytest.mark.parametrize("asked", ["xx", "", "ES", "fr-FR", "<script>", "a" * 300])
def test_an_unknown_language_in_the_address_is_ignored(client, asked):
    response = client.get("/login", query_string={"lang": asked})
    html = _html(response)
    expected = "es" if asked == "ES" else "en"
    assert f'<html lang="{expected}"' in html
    kept = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("lang=")]
    assert bool(kept) == (asked == "ES")


def test_the_switcher_links_every_language_keeping_the_query(client):
    html = _html(client.get("/objectives?page=2&lang=fr"))
    switcher = html[html.index('<nav class="languages"') : html.index("</nav>")]
    assert 'aria-label="Langue"' in switcher
    for code, name in LANGUAGES.items():
        assert f'href="/objectives?page=2&amp;lang={code}" lang="{code}" hreflang="{code}"' in (
            switcher
        )
        assert f">{name}</a>" in switcher
    assert switcher.count('aria-current="true"') == 1
    assert 'lang="fr" hreflang="fr" aria-current="true"' in switcher


def test_a_users_preference_wins_and_is_saved_on_the_account_page(app, client, login_as):
    person = login_as("applicant")
    page = _html(client.get("/account", headers={"Accept-Language": "fr"}))
    assert "Votre compte" in page  # no preference yet: the browser's language
    token = csrf_token(client, "/account")
    response = client.post("/account", data={"csrf_token": token, "language": "ar"})
    assert response.status_code == 302
    html = _html(client.get("/?lang=es", headers={"Accept-Language": "fr"}))
    assert '<html lang="ar" dir="rtl">' in html and "الرئيسية" in html
    with app.app_context():
        assert user(person).language == "ar"
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "user_language_changed")
        )
        assert event is not None and event.details == {"language": [None, "ar"]}
    # Without a preference, the language last asked for in the address (its cookie), then the
    # browser's.
    token = csrf_token(client, "/account")
    client.post("/account", data={"csrf_token": token, "language": ""})
    assert '<html lang="es"' in _html(client.get("/", headers={"Accept-Language": "fr"}))
    client.delete_cookie("lang")
    assert '<html lang="fr"' in _html(client.get("/", headers={"Accept-Language": "fr"}))


def test_a_language_the_fund_does_not_speak_is_refused_and_nothing_changes(app, client, login_as):
    person = login_as("applicant")
    token = csrf_token(client, "/account")
    response = client.post("/account", data={"csrf_token": token, "language": "de"})
    assert response.status_code == 400
    assert "Not a valid choice" in response.get_data(as_text=True)
    with app.app_context():
        assert user(person).language is None


def test_the_database_refuses_an_unknown_language(app, create_user):
    person = create_user()
    with app.app_context():
        row = user(person)
        row.language = "de"
        with pytest.raises(Exception, match=r"(?i)check|constraint"):
            db.session.flush()
        db.session.rollback()


# The catalogs -------------------------------------------------------------------------------


def _key(value):
    """A message's id or text, a plural's as a tuple of its forms."""
    return value if isinstance(value, str) else tuple(value)


def _catalog(language: str):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as file:
        return read_po(file, locale=language)


def _marked_messages() -> set[str]:
    """Every message the code and the templates mark, as `make translations` extracts them."""
    method_map = [
        ("fund/**.py", "python"),
        ("workflows/**.py", "python"),
        ("templates/**.html", "jinja2"),
        ("templates/**.txt", "jinja2"),
    ]
    keywords = {
        "_": None,
        "gettext": None,
        "ngettext": (1, 2),
        "_l": None,
        "N_": None,
        "Np_": (1, 2),
        "script_plurals": (1, 2),
    }
    found = set()
    for _filename, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _complete(text) -> bool:
    return bool(text) if isinstance(text, str) else bool(text) and all(text)


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_each_catalog_is_translated_without_fuzzy_entries(language):
    catalog = _catalog(language)
    messages = [m for m in catalog if m.id]
    translated = [m for m in messages if _complete(m.string) and "fuzzy" not in m.flags]
    assert len(messages) >= 80
    assert len(translated) / len(messages) >= 0.98, [
        m.id for m in messages if not _complete(m.string)
    ]
    assert not [m.id for m in messages if "fuzzy" in m.flags]
    assert not catalog.fuzzy
    # A plural has each of the language's forms (French and Spanish: three, Arabic: six); one
    # short of them is shown in English for the numbers of the missing form.
    assert not [
        m.id
        for m in messages
        if not isinstance(m.id, str)
        and any(m.string)
        and (len(m.string) != catalog.num_plurals or not all(m.string))
    ]
    # Placeholders survive translation (a plural's: those of its singular and plural, in
    # every form; `num` may be left out of a form that says the number in words).
    for m in translated:
        optional = set() if isinstance(m.id, str) else {"%(num)s"}
        wanted = set(re.findall(r"%\(\w+\)s", str(m.id))) - optional
        for text in [m.string] if isinstance(m.string, str) else m.string:
            found = set(re.findall(r"%\(\w+\)s", text)) - optional
            assert found == wanted, (m.id, text)


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_no_translation_hedges_a_plural_or_a_gender(language):
    """A count is written in the singular or the plural its number takes (a plural message, or
    words that read right for any number), never "jour(s)", "abstention(s)", "abstención(es)";
    a reader is addressed in words that fit everyone, never "informé(e)"."""
    hedged = re.compile(r"\w\((?:s|es|e|x)\)")
    found = []
    for m in _catalog(language):
        for text in [m.string] if isinstance(m.string, str) else m.string:
            if hedged.search(text or ""):
                found.append(text)
    assert not found


# The quorum's and the two-thirds rule's counts: a round may need one vote and have one cast.
COUNTS = (
    "%(needed)s needed, %(cast)s cast,",
    "%(basis)s: %(counts)s",
    "%(approve)s of %(decided)s votes to approve or reject reaches two thirds (%(needed)s needed)",
    "%(approve)s of %(decided)s votes to approve or reject falls short of two thirds "
    "(%(needed)s needed)",
)


@pytest.mark.parametrize(
    ("language", "plural_after_one"),
    [("fr", r"\b1 (requises|exprimées)"), ("es", r"\b1 (necesarios|emitidos)|necesitan 1\b")],
)
def test_the_quorum_counts_read_right_for_one_vote(app, language, plural_after_one):
    """French once read "1 requises, 1 exprimées" and Spanish "1 necesarios, 1 emitidos": the
    counts now follow their label ("voix requises : 1"), which reads right for any number."""
    from flask_babel import force_locale, gettext

    values = {"needed": 1, "cast": 1, "approve": 1, "decided": 1, "basis": "—", "counts": "—"}
    with app.test_request_context("/"), force_locale(language):
        said = [gettext(message, **values) for message in COUNTS]
    assert all(text not in COUNTS for text in said), said  # each one translated
    assert not [text for text in said if re.search(plural_after_one, text)], said


@pytest.mark.parametrize(
    ("months", "arabic"),
    [
        (1, "شهر واحد (1)"),
        (2, "شهران (2)"),
        (8, "8 أشهر"),
        (24, "24 شهرًا"),
        (100, "100 شهر"),
    ],
)
def test_arabic_counts_months_by_its_plural_rules(app, months, arabic):
    """Arabic says 2 months in the dual, 3 to 10 with the plural and 11 to 99 with the
    singular ("24 شهرًا"); durations once read "24 أشهر" and "2 أشهر"."""
    from flask_babel import force_locale

    from fund.sentences import MONTHS, Counted, said

    counted = Counted(MONTHS, months)
    assert counted == (f"{months} month" if months == 1 else f"{months} months")
    with app.test_request_context("/"), force_locale("ar"):
        assert said(counted) == arabic


# Plural messages whose Arabic does not change from two to ten: a number and an adjective alone
# ("3 غير مقروءة", unread), no noun counted.
ARABIC_SAME_FROM_TWO = {"%(num)s unread", "%(num)s unread."}


def test_arabic_says_two_in_the_dual_and_eleven_and_more_in_the_singular():
    """Arabic counts in six forms: 2 in the dual ("صوتان"), 3 to 10 with the plural ("3 أصوات"),
    11 to 99 ("25 صوتًا") and 100 ("100 صوت") with the singular. Most plural messages once
    wrote every number from 2 on with the plural of 3 to 10."""

    with open(TRANSLATIONS / "ar" / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalog = read_po(po)
    plural = [m for m in catalog if isinstance(m.id, tuple) and m.string and all(m.string)]
    assert len(plural) > 50
    dual_as_plural = [m.id[0] for m in plural if m.string[2] == m.string[3]]
    assert sorted(dual_as_plural) == sorted(ARABIC_SAME_FROM_TWO)


@pytest.mark.parametrize(
    ("votes", "arabic"), [(2, "صوتان (2)"), (7, "7 أصوات"), (25, "25 صوتًا"), (100, "100 صوت")]
)
def test_arabic_counts_votes_by_its_plural_rules(app, votes, arabic):
    from flask_babel import force_locale, ngettext

    with app.test_request_context("/"), force_locale("ar"):
        assert ngettext("%(num)s vote", "%(num)s votes", votes) == arabic


# The fund's terms, each said one way in a language: a catalog's message that names one says
# the language's word for it and never a synonym a reader would take for something else.
GLOSSARY = {
    "fr": {"thematic area": ("domaine", ("axe thématique", "secteur thématique"))},
    "es": {"thematic area": ("área", ("esfera",))},
}


@pytest.mark.parametrize("language", sorted(GLOSSARY))
def test_each_catalog_says_the_funds_terms_one_way(language):
    def texts(value):
        return [value] if isinstance(value, str) else list(value)

    for term, (word, synonyms) in GLOSSARY[language].items():
        named = [m for m in _catalog(language) if m.id and term in texts(m.id)[0].lower()]
        assert len(named) > 20
        for m in named:
            for text in texts(m.string):
                assert word in text.lower(), (term, text)
                assert not any(s in text.lower() for s in synonyms), (term, text)


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_each_compiled_catalog_matches_its_source(language):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo", "rb") as file:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(file) if m.id}
    source = {_key(m.id): _key(m.string) for m in _catalog(language) if m.id and m.string}
    assert compiled == source, "run `make translations` to compile the catalogs"


def test_every_marked_message_is_in_every_catalog():
    marked = _marked_messages()
    assert "Skip to main content" in marked and "Applicant" in marked  # templates and N_
    for language in (code for code in LANGUAGES if code != "en"):
        ids = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(language) if m.id}
        missing = sorted(marked - ids)
        assert not missing, f"{language}: not in the catalog (make translations): {missing}"


_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_TAG = re.compile(r"<[^>]*>", re.S)
_SCRIPT = re.compile(r"<(script|style)\b.*?</\1>", re.S)
# Text that is the same in every language: the brand's mark.
_SAME_IN_EVERY_LANGUAGE = {"GCM"}


@pytest.mark.parametrize("name", _templates())
def test_no_template_has_text_not_marked_for_translation(name):
    source = (ROOT / "templates" / name).read_text(encoding="utf-8")
    assert MARKED in "\n".join(source.splitlines()[:3]), f"{name}: mark its text, then say so"
    text = _TAG.sub(" ", _JINJA.sub(" ", _SCRIPT.sub(" ", source)))
    words = [w for w in re.findall(r"[^\W\d_]{2,}", text) if w not in _SAME_IN_EVERY_LANGUAGE]
    assert not words, f"{name}: text not marked for translation: {words[:10]}"
    # Attributes people read are marked too.
    bare = re.findall(r'(?:aria-label|title|placeholder|alt)="([^"{]*[^\W\d_][^"{]*)"', source)
    assert not bare, f"{name}: attributes not marked: {bare}"


def test_a_charts_axis_writes_its_amounts_as_the_pages_language_does(app):
    from decimal import Decimal

    from fund import i18n

    ticks = [Decimal(0), Decimal(250_000), Decimal(1_500_000)]
    expected = {
        "en": ["0", "250k", "1.5M"],
        "fr": ["0", "250\u00a0k", "1,5\u00a0M"],
        "es": ["0", "250\u00a0mil", "1,5\u00a0M"],
    }
    for language, said in expected.items():
        with app.test_request_context(f"/?lang={language}"):
            assert [i18n.axis_amount(tick) for tick in ticks] == said, language


def test_a_rate_keeps_its_own_digits_in_the_pages_language(app):
    from decimal import Decimal

    from fund import i18n

    values = [Decimal("1.08250"), Decimal("7.00"), Decimal("100"), Decimal("0.75"), None]
    expected = {
        "en": ["1.0825", "7", "100", "0.75", "—"],
        "fr": ["1,0825", "7", "100", "0,75", "—"],
    }
    for language, said in expected.items():
        with app.test_request_context(f"/?lang={language}"):
            assert [i18n.digits(value) for value in values] == said, language


def test_amounts_and_numbers_follow_the_pages_language_exactly(app):
    from decimal import Decimal

    from fund import i18n

    value = Decimal("1234567.05")
    expected = {
        "en": ("USD 1,234,567.05", "1,234,567.05", "1,234"),
        "fr": ("1\u202f234\u202f567,05\u00a0$US", "1\u202f234\u202f567,05", "1\u202f234"),
        "es": ("1.234.567,05\u00a0US$", "1.234.567,05", "1.234"),
    }
    for language, (money, amount, number) in expected.items():
        with app.test_request_context(f"/?lang={language}"):
            assert i18n.money(value) == money, language
            assert i18n.amount(value) == amount, language
            assert i18n.number(1234) == number, language
            assert i18n.money(None) == "—"
    with app.test_request_context("/?lang=ar"):
        assert "1,234,567.05" in i18n.money(value).replace("\u066c", ",").replace("\u066b", ".")
    with app.app_context():  # outside a request (a command, an email): English
        assert i18n.money(value) == "USD 1,234,567.05"


def test_shares_are_percentages_in_the_pages_language(app):
    from decimal import Decimal

    from fund import i18n

    expected = {"en": ("92.3%", "12.50%"), "fr": ("92,3\u00a0%", "12,50\u00a0%")}
    expected["es"] = expected["fr"]
    for language, (one, two) in expected.items():
        with app.test_request_context(f"/?lang={language}"):
            assert i18n.percent(Decimal("0.9234")) == one, language
            assert i18n.percent(Decimal("0.125"), 2) == two, language
            assert i18n.percent(None) == "—"
            # A PDF table's narrow column keeps the sign with its digits.
            narrow = i18n.percent(Decimal("1"), 2, narrow=True)
            assert narrow == ("100.00%" if language == "en" else "100,00%"), language


def test_dates_are_written_in_the_pages_language_with_the_same_parts(app):
    from datetime import UTC, date, datetime

    from fund import i18n

    day, moment = date(2026, 12, 4), datetime(2026, 3, 7, 17, 5, tzinfo=UTC)
    with app.test_request_context("/"):
        assert i18n.when(day, "%d %b %Y") == "4 Dec 2026"
        assert i18n.when(moment, "%d %B %Y, %H:%M UTC") == "7 March 2026, 17:05 UTC"
        assert i18n.when(moment, "%Y-%m-%d %H:%M") == "2026-03-07 17:05"  # numeric: padded
        assert i18n.when(None) == "—"
    with app.test_request_context("/?lang=fr"):
        assert i18n.when(day, "%d %B %Y") == "4 décembre 2026"
        assert i18n.when(moment, "%d %B %Y, %H:%M UTC") == "7 mars 2026, 17:05 UTC"
        assert i18n.when(moment, "%Y-%m-%d %H:%M") == "2026-03-07 17:05"
    with app.test_request_context("/?lang=es"):
        assert i18n.when(day, "%B %Y") == "diciembre 2026"
    with app.test_request_context("/?lang=ar"):
        assert "ديسمبر" in i18n.when(day, "%d %B %Y")


def test_a_day_is_written_one_way_in_each_language_wherever_it_is_shown(app):
    """A day in words is never zero-padded, the first of a month is "1er" in French, Spanish
    writes "de"; a page's `when`, a sentence's day, a document's day and a proposal's planned
    end agree, in English too."""
    from datetime import UTC, date, datetime

    from fund import days, i18n
    from fund.proposals.presentation import long_date
    from fund.sentences import OnDay, said

    first, fifth = date(2026, 3, 1), date(2026, 3, 5)
    moment = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    with app.test_request_context("/?lang=fr"):
        assert i18n.when(first, "%d %B %Y") == "1er mars 2026"
        assert i18n.when(fifth, "%d %b %Y") == "5 mars 2026"
        assert i18n.when(moment, "%d %b %Y, %H:%M") == "1er mars 2026, 09:30"
        assert days.moment_text(moment) == "1er mars 2026, 09:30 UTC"
        assert days.short_moment(moment) == "1er mars 2026 09:30 UTC"
        assert days.moment_in_words(moment) == "1er mars 2026, 09:30 UTC"
        for day in (first, fifth):
            words = i18n.when(day, "%d %B %Y")
            assert said(OnDay(day)) == said(OnDay(day, "%d %B %Y")) == words
            assert days.in_words(day) == long_date(day) == words
    with app.test_request_context("/?lang=es"):
        assert i18n.when(fifth, "%d %B %Y") == "5 de marzo de 2026"
        assert i18n.when(first, "%d %B %Y") == "1 de marzo de 2026"
        assert said(OnDay(fifth)) == "5 de marzo de 2026"
    with app.test_request_context("/?lang=ar"):
        assert days.moment_text(moment).endswith("، 09:30 UTC")  # the Arabic comma
        assert days.moment_in_words(moment).endswith("، 09:30 UTC")
    with app.test_request_context("/"):
        assert i18n.when(fifth, "%d %B %Y") == "5 March 2026"
        assert i18n.when(fifth, "%d %b %Y") == str(OnDay(fifth, "%d %b %Y")) == "5 Mar 2026"
        for day in (first, fifth):
            words = i18n.when(day, "%d %B %Y")
            assert said(OnDay(day)) == said(OnDay(day, "%d %B %Y")) == str(OnDay(day, "%d %B %Y"))
            assert days.in_words(day) == long_date(day) == words
        assert days.moment_in_words(moment) == days.moment_text(moment) == "1 March 2026, 09:30 UTC"
        assert days.short_moment(moment) == "1 Mar 2026 09:30 UTC"


def test_the_calls_offered_to_a_new_proposal_are_named_in_the_pages_language(
    client, login_as, open_call, two_stage_call
):
    from fund import days
    from fund.calls.models import Call

    login_as("applicant")
    html = unescape(_html(client.get("/proposals/new?lang=fr")))
    with client.application.test_request_context("/?lang=fr"):
        closes = {
            call_id: days.written(db.session.get(Call, call_id).closes_on)
            for call_id in (open_call, two_stage_call)
        }
    assert f"(clôture le {closes[open_call]})" in html
    assert f"(notes conceptuelles d'abord, clôture le {closes[two_stage_call]})" in html
    assert "closes" not in html


def test_no_template_or_module_writes_a_month_or_a_weekday_in_english_itself():
    """A month's or a weekday's name is written by `fund.days` (the `when` and `in_words`
    filters, `OnDay`), in the reader's language; strftime would write it in English."""
    root = Path(__file__).resolve().parent.parent
    strftime = re.compile(r"strftime\([^)]*%[aAbB]")
    # An f-string's format spec: {day:%d %B %Y}.
    formatted = re.compile(r"\{[A-Za-z_][\w.()\[\]]*:[^{}]*%[aAbB][^{}]*\}")
    found = []
    templates = root.joinpath("templates")
    sources = [
        *templates.rglob("*.html"),
        *templates.rglob("*.txt"),
        *root.joinpath("fund").rglob("*.py"),
    ]
    for path in sources:
        if path.name == "days.py" or path.as_posix().endswith("fund/sentences.py"):
            continue
        python = path.suffix == ".py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.lstrip().startswith(("#", '"""')):
                continue
            if strftime.search(line) or (python and formatted.search(line)):
                found.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    assert not found, "\n".join(found)


def test_a_country_is_named_in_the_pages_language_wherever_a_proposal_shows_it(
    client, login_as, make_proposal
):
    """Chile ("CL", the factory's country and endorser) on the proposal's page, its submitted
    version and its PDF, in French; the editor offers the countries in French alphabetical
    order; the records keep the codes."""
    author = login_as("applicant")
    draft = make_proposal(author)
    submitted = make_proposal(author, status="submitted", title="Submitted one")
    client.get("/?lang=fr")
    page = unescape(_html(client.get(f"/proposals/{submitted}")))
    assert "Chili" in page and ">Chile<" not in page and "Chile," not in page
    version = unescape(_html(client.get(f"/proposals/{submitted}/versions/1")))
    assert "Chili" in version and "Chile" not in version.split("<main", 1)[1]
    pdf = client.get(f"/proposals/{submitted}/versions/1.pdf")
    from tests.helpers import pdf_text

    _, text = pdf_text(pdf.data)
    assert "Chili (CL)" in text and "Chile (CL)" not in text
    listed = unescape(_html(client.get("/proposals")))
    assert re.search(r'<option value="CL"[^>]*>Chili</option>', listed), listed[-3000:]
    assert re.search(r'<option value="1"[^>]*>1\. Collecter et utiliser', listed)
    editor = unescape(_html(client.get(f"/proposals/{draft}/edit")))
    names = re.findall(r'<label for="countries-\d+">([^<]+)</label>', editor)
    assert "Allemagne" in names and "Germany" not in names, names[:10]
    assert names.index("Allemagne") < names.index("Chili") < names.index("Égypte"), names[:40]


def test_objectives_and_principles_are_named_by_their_official_texts_on_a_proposal(
    app, client, login_as, make_proposal
):
    """Where the UN Network on Migration publishes a French text, a French proposal page, its
    version, its editor and its PDF use it for the objectives and the guiding principles."""
    from fund.proposals.models import Proposal
    from fund.reference import translations
    from tests.helpers import pdf_text

    author = login_as("applicant")
    submitted = make_proposal(author, status="submitted")
    draft = make_proposal(author, title="A draft")
    with app.app_context():
        proposal = db.session.get(Proposal, submitted)
        objective = proposal.primary_objective
        english_label = objective.short_label
        french_label = translations.objective_label(objective.number, "fr", english_label)
        principle = proposal.principles[0].principle
        english_title = principle.title
        french_title = translations.principle_title(principle.code, "fr", english_title)
    assert french_label != english_label and french_title != english_title
    client.get("/?lang=fr")
    page = unescape(_html(client.get(f"/proposals/{submitted}")))
    assert f"{objective.number}. {french_label}" in page and french_title in page
    assert english_label not in page and english_title not in page
    version = unescape(_html(client.get(f"/proposals/{submitted}/versions/1")))
    assert french_title in version and english_title not in version
    _, text = pdf_text(client.get(f"/proposals/{submitted}/versions/1.pdf").data)
    text = " ".join(text.split())
    assert french_title in text and english_title not in text
    editor = unescape(_html(client.get(f"/proposals/{draft}/edit")))
    assert f">{objective.number}. {french_label}</option>" in editor
    assert french_title in editor and english_title not in editor


def test_the_coverage_dashboard_names_the_objectives_by_their_official_texts(client, login_as):
    login_as("secretariat")
    english = unescape(_html(client.get("/coverage/")))
    assert ">1. Data</abbr>" in english or "1. Data" in english
    french = unescape(_html(client.get("/coverage/?lang=fr")))
    assert ">1. Données</abbr>" in french, french[french.find('data-objective="1"') :][:600]
    assert 'title="Collecter et utiliser des données précises' in french
    assert '<span class="bar-name" dir="auto">1. Données</span>' in french  # the phone's chart
    results = french[french.index('id="results-objectives"') :]
    assert ">1. Données</abbr>" in results.split("</table>", 1)[0]
    assert "1. Données" in unescape(_html(client.get("/coverage/targets")))
    assert "1. Données" in unescape(_html(client.get("/coverage/simulator")))


def test_a_pages_texts_follow_a_locale_forced_for_a_while_and_come_back(app):
    """The templates' catalog is kept on the request with its locale: an email written in its
    reader's language (force_locale) gets that language, and the page's texts after it are
    in the page's language again."""
    from flask import render_template_string
    from flask_babel import force_locale

    template = "{{ _('Proposals') }}"
    with app.test_request_context("/?lang=fr"):
        page = render_template_string(template)
        with force_locale("es"):
            email = render_template_string(template)
        after = render_template_string(template)
    assert (page, email, after) == ("Propositions", "Propuestas", "Propositions")


def test_a_templates_texts_are_escaped_formatted_and_translated_as_the_extension_does(app):
    """`_`, `gettext`, `ngettext` and `{% trans %}` in a template: the variables escaped in an
    autoescaped template (and only there), `%%` written once, `num` given to ngettext, and the
    text in the page's language."""
    source = (
        "{{ _('Title') }}|{{ _('%(who)s at 100%%', who='<b>') }}|"
        "{{ ngettext('%(num)s member', '%(num)s members', 3) }}|"
        "{{ gettext('%(n)s <i>', n=1) }}|{% trans n=2 %}{{ n }} & more{% endtrans %}"
    )
    with app.test_request_context("/?lang=fr"):
        escaped = app.jinja_env.from_string(f"{{% autoescape true %}}{source}{{% endautoescape %}}")
        plain = app.jinja_env.from_string(f"{{% autoescape false %}}{source}{{% endautoescape %}}")
        assert escaped.render().split("|") == [
            "Titre",
            "&lt;b&gt; at 100%",
            "3 membres",
            "1 <i>",
            "2 & more",
        ]
        assert plain.render().split("|")[1] == "<b> at 100%"


def test_a_percentage_keeps_the_decimals_its_rule_chose_in_each_language(app):
    """`percent_digits` (the concept note's comparison, a changed indirect rate, a tranche
    condition's share): as many decimals as the digits have, in the page's language."""
    from decimal import Decimal

    from fund import i18n
    from fund.proposals.presentation import percent as rate_text

    cases = {"20.01": ("20.01%", "20,01\u00a0%"), "20": ("20%", "20\u00a0%")}
    for digits, (english, french) in cases.items():
        with app.test_request_context("/"):
            assert i18n.percent_digits(Decimal(digits)) == english
        with app.test_request_context("/?lang=fr"):
            assert i18n.percent_digits(Decimal(digits)) == french
    with app.test_request_context("/"):
        assert rate_text(Decimal("0.075")) == "7.5%"
        assert rate_text(None) is None
    with app.test_request_context("/?lang=fr"):
        assert rate_text(Decimal("0.075")) == "7,5\u00a0%"


def test_a_shares_figure_before_a_sentences_own_sign_keeps_its_decimals(app):
    """`percent_figure` (a fee or an indirect rate in "%(rate)s%%"): the share's percentage
    with the decimals it has, without the sign, in the page's language; nothing: a dash."""
    from decimal import Decimal

    from fund import i18n

    with app.test_request_context("/"):
        assert i18n.percent_figure(Decimal("0.075")) == "7.5"
        assert i18n.percent_figure(Decimal("0.01")) == "1"
        assert i18n.percent_figure(None) == "—"
    with app.test_request_context("/?lang=fr"):
        assert i18n.percent_figure(Decimal("0.075")) == "7,5"


def test_a_number_of_months_or_days_follows_the_languages_plural_rules(app):
    """`month_count` and `day_count` (the `months` and `days` filters): a count said by the
    catalog's plural forms; a duration not given, a dash."""
    from fund.sentences import day_count, month_count

    with app.test_request_context("/"):
        assert [month_count(1), month_count(7), month_count(None)] == ["1 month", "7 months", "—"]
        assert day_count(30) == "30 days"
    with app.test_request_context("/?lang=fr"):
        assert [month_count(1), month_count(7)] == ["1 mois", "7 mois"]
        assert day_count(1) == "1 jour"


def test_a_kept_sentence_is_said_later_as_it_was_made(app):
    """A sentence kept as JSON (a revision's summary) comes back the same: English as it was
    written, and in the reader's language with its amounts, days, lists and counts."""
    import json
    from datetime import date
    from decimal import Decimal

    from fund import i18n
    from fund.labels import N_
    from fund.sentences import Counted, Listed, Np_, OnDay, Sentence, Within

    made = Sentence(
        N_(
            "The allocation rises from %(before)s to %(after)s, the %(extra)s more drawn from "
            "%(drawn)s."
        ),
        before=i18n.Money(Decimal("100.00")),
        after=i18n.Money(Decimal("150.50")),
        extra=i18n.Money(Decimal("50.50")),
        drawn=Listed(
            [
                Sentence(
                    N_("%(pool)s %(amount)s"),
                    pool=Within("Agreed"),
                    amount=OnDay(date(2026, 3, 5), "%d %b %Y"),
                )
            ]
        ),
    )
    count = Counted(Np_("planned again (%(num)s tranche)", "planned again (%(num)s tranches)"), 2)
    for sentence in (made, count, i18n.Share(Decimal("20.01"))):
        back = i18n.from_kept(json.loads(json.dumps(i18n.kept(sentence))))
        assert back == sentence
        with app.test_request_context("/?lang=fr"):
            assert i18n.said_kept(i18n.kept(sentence)) == said_here(sentence)
    with app.test_request_context("/?lang=fr"):
        assert i18n.said_kept(i18n.kept(count)) == "planifié à nouveau (2 tranches)"
        assert "150,50" in i18n.said_kept(i18n.kept(made))
        assert i18n.said_kept("typed as it is") == "typed as it is"


def said_here(sentence):
    from fund.sentences import said

    return said(sentence)


def test_what_a_right_to_left_sentence_takes_in_keeps_its_own_direction(app):
    """An English indicator, a reference or a name put into an Arabic sentence is isolated in
    its own direction, so its brackets and colons stay where its writer put them; on a
    left-to-right page nothing is added, and markup stays markup."""
    from flask import render_template_string
    from markupsafe import Markup

    template = (
        '{{ _("%(indicator)s: actual in %(year)s", indicator=name, year=2027) }}|'
        '{{ _("Open %(what)s", what=bold) }}'
    )
    values = {"name": "Families <followed> (people)", "bold": Markup("<b>P-00002</b>")}
    with app.test_request_context("/?lang=ar"):
        said = render_template_string(template, **values)
    assert "\u2068Families &lt;followed&gt; (people)\u2069" in said
    assert "\u2068<b>P-00002</b>\u2069" in said
    assert "\u20682027" not in said  # a number is not text
    with app.test_request_context("/?lang=en"):
        said = render_template_string(template, **values)
    assert said == "Families &lt;followed&gt; (people): actual in 2027|Open <b>P-00002</b>"


FREE_TEXT = re.compile(
    r"\{\{ [\w.]+\.(?:comment|reason|note|justification|minutes|summary|conditions|decision)"
    r"(?:\|[^}]*)? \}\}"  # with a filter too: `{{ e.summary|truncate(300) }}`
)


def test_text_people_wrote_takes_its_own_direction():
    """A comment, reason, note, justification, summary or minutes is shown in the direction of
    its own words (`dir="auto"` on its block, or a `<bdi>`), so English on an Arabic page, or
    Arabic on an English one, keeps its punctuation where its writer put it."""
    undirected = []
    for path in sorted((Path(__file__).parents[1] / "templates").rglob("*.html")):
        if path.parent.name == "mail":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if FREE_TEXT.search(line) and 'dir="auto"' not in line and "<bdi" not in line:
                undirected.append(f"{path.name}:{number}")
    assert not undirected, undirected


def test_a_reference_is_kept_on_one_line_in_what_was_written_before():
    from fund.templating import unbroken_references

    said = unbroken_references("P-00013 <b>forwarded</b> & P-00002, not P-1")
    assert str(said) == (
        '<span class="ref">P-00013</span> &lt;b&gt;forwarded&lt;/b&gt; &amp; '
        '<span class="ref">P-00002</span>, not P-1'
    )
    assert str(unbroken_references(None)) == ""


def _colons_after_values(text: str) -> list[int]:
    """The lines of a template where a colon follows a value or a bracket outside any sentence
    (its comments, statements and quoted strings left out)."""
    text = re.sub(r"\{#.*?#\}", lambda m: "\n" * m.group().count("\n"), text, flags=re.S)
    text = re.sub(r"\{%.*?%\}", lambda m: "\n" * m.group().count("\n"), text, flags=re.S)
    text = re.sub(r'"(?:[^"\\\n]|\\.)*"', '""', text)
    return [
        text[: m.start()].count("\n") + 1
        for m in re.finditer(r"(\}\}|\))[ \t]*:(?=[ \t\n<])", text)
    ]


def test_no_template_writes_a_colon_of_its_own_after_a_value():
    """A colon after a value is the language's ("financé) :" in French, with its no-break
    space): written within a translated sentence or by the `labelled` macro, never by the
    template itself. The list of a programme's staff once read "(financé):"."""
    assert _colons_after_values('<li>{{ p.title }} ({{ _("funded") }}):\n<a>') == [1]
    assert _colons_after_values('{{ _("Total (%(n)s): %(x)s", n=1) }} {# a: b #}') == []
    written = []
    for path in sorted((Path(__file__).parents[1] / "templates").rglob("*.html")):
        for line in _colons_after_values(path.read_text(encoding="utf-8")):
            written.append(f"{path.relative_to(path.parents[1])}:{line}")
    assert not written, written


def test_a_programmes_staff_read_its_status_and_colon_in_french(app, prepared_demo):
    """The programme's line on its staff's list of programmes: "(financé) :" in French."""
    client = demo_client(app, prepared_demo, "unicef.applicant@demo.fund")
    page = client.get("/programme-reports/?lang=fr").get_data(as_text=True)
    assert "(financé)\u00a0:" in page, page
    assert "(financé):" not in page


def test_text_written_in_another_language_is_marked_with_it(app):
    """`written_in`: a title in English on a French page is set apart with its language (and
    its own direction); on an English page, or without a known language, it is as it is."""
    from flask_babel import force_locale
    from markupsafe import Markup

    from fund.templating import written_in

    with app.test_request_context("/"), force_locale("fr"):
        assert written_in("Decent work <for all>", "en") == Markup(
            '<span lang="en" dir="auto">Decent work &lt;for all&gt;</span>'
        )
        assert written_in("Travail décent", "fr") == "Travail décent"
        assert written_in("Decent work", None) == "Decent work"
    with app.test_request_context("/"), force_locale("en"):
        assert written_in("Decent work", "en") == "Decent work"
        assert written_in("عمل لائق", "ar") == Markup('<span lang="ar" dir="auto">عمل لائق</span>')


def test_a_proposals_page_marks_its_title_with_the_language_it_is_written_in(
    client, login_as, make_proposal
):
    """The proposal's heading on a French page, and its submitted version's, is marked
    `lang="en"` (the title is written in English), and not on an English page."""
    from lxml import html as lxml_html

    author = login_as("applicant", organization_acronym="ILO")
    proposal_id = make_proposal(author, "submitted", title="Decent work for migrants")
    for path in (f"/proposals/{proposal_id}", f"/proposals/{proposal_id}/versions/1"):
        french = lxml_html.fromstring(client.get(f"{path}?lang=fr").data)
        assert french.xpath("//h1/span/@lang") == ["en"], path
        assert french.xpath("//h1/span")[0].text == "Decent work for migrants", path
    listed = lxml_html.fromstring(client.get("/proposals?lang=fr").data)
    assert listed.xpath(f'//a[@href="/proposals/{proposal_id}"]/span/@lang') == ["en"]
    english = lxml_html.fromstring(client.get(f"/proposals/{proposal_id}?lang=en").data)
    assert english.xpath("//h1/span") == [] and "Decent work" in english.xpath("//h1")[0].text


def test_the_screening_queue_marks_each_title_with_its_language(
    client, login_as, make_proposal, author
):
    from lxml import html as lxml_html

    proposal_id = make_proposal(author, "submitted", title="Decent work for migrants")
    login_as("secretariat", organization_acronym="IOM")
    queue = lxml_html.fromstring(client.get("/screening/?lang=fr").data)
    cells = queue.xpath('//table[@id="queue"]//td[span[@lang="en"]]')
    assert [c.xpath("string(span)") for c in cells] == ["Decent work for migrants"], proposal_id


def test_the_pipeline_marks_each_title_and_summary_with_its_language(app, prepared_demo):
    """On a French page each entry's English title and summary carry `lang="en"`, and the
    summary (typed text) takes the direction of its own words."""
    from lxml import html as lxml_html

    client = demo_client(app, prepared_demo, "committee.unhcr@demo.fund")
    page = lxml_html.fromstring(client.get("/pipeline/?lang=fr").data)
    entries = page.xpath('//td[@class="pipeline-entry"]')
    assert len(entries) >= 3
    for entry in entries:
        assert entry.xpath("strong/span/@lang") == ["en"]
        assert [(p.get("lang"), p.get("dir")) for p in entry.xpath('p[@class="summary"]')] == [
            ("en", "auto")
        ]


@pytest.mark.parametrize(
    ("account", "path", "where"),
    [
        ("unicef.applicant@demo.fund", "/programme-reports/programme/1", '//p[@class="lead"]'),
        ("unicef.applicant@demo.fund", "/revisions/programme/1", '//p[@class="lead"]'),
        ("committee.iom@demo.fund", "/committee/", '//td[@data-label="Titre"]'),
        ("unicef.applicant@demo.fund", "/programme-reports/", '//td[@data-label="Programme"]'),
        ("unicef.applicant@demo.fund", "/programme-reports/", '//ul[@class="plain-list"]/li'),
        ("secretariat@demo.fund", "/programme-reports/", '//td[@data-label="Programme"]'),
        ("secretariat@demo.fund", "/finance/", '//td[@data-label="Titre"]'),
        ("agent@demo.fund", "/finance/refunds", '//tr[starts-with(@id, "due-")]/td[1]'),
    ],
)
def test_a_programmes_pages_mark_its_title_with_its_language(
    app, prepared_demo, account, path, where
):
    """A programme's reports and revisions, a member's lists of rounds, the lists of reports
    and the finance pages' lists mark each English title `lang="en"` on a French page."""
    from lxml import html as lxml_html

    client = demo_client(app, prepared_demo, account)
    page = lxml_html.fromstring(client.get(f"{path}?lang=fr").data)
    places = page.xpath(where)
    assert places and all(place.xpath(".//span/@lang") == ["en"] for place in places), path


def test_a_filter_of_a_constant_writes_in_each_pages_language(client, applicant, make_proposal):
    """A template first compiled for a French page writes a constant's filter in the language
    of each later page ("12,5" in French, "12.5" in English): no filter is computed once, at
    compile time, in the first reader's language."""
    proposal_id = make_proposal(applicant)
    login(client, applicant.email)
    french = client.get(f"/proposals/{proposal_id}/results?lang=fr").get_data(as_text=True)
    english = client.get(f"/proposals/{proposal_id}/results?lang=en").get_data(as_text=True)
    assert "12,5" in unescape(french)
    assert "e.g. 12.5" in unescape(english) and "12,5" not in unescape(english)

"""The languages of the interface: English, French, Spanish and Arabic (right to left).

A request is answered in the first of: the signed-in user's preference (their account page),
the `lang` query parameter (kept in a cookie for the next pages), the cookie, the browser's
`Accept-Language`, English. The catalogs are `fund/translations/<lang>/LC_MESSAGES/messages.po`
(compiled to `.mo` beside them: `make translations`); a message without a translation reads in
English. Numbers, amounts and dates are formatted per locale by Babel (`format_decimal`,
`format_date`), amounts still exact Decimals.
"""

from __future__ import annotations

import functools
import json
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from babel import Locale
from babel.numbers import format_compact_decimal, format_currency, format_decimal, format_percent
from flask import Flask, g, has_app_context, has_request_context, request
from flask.globals import _cv_app
from flask_babel import Babel, get_locale, get_translations, gettext
from flask_login import current_user
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup

from fund import days
from fund.labels import N_
from fund.money import axis_amount as english_axis_amount
from fund.money import format_amount, format_usd, page_language, writing
from fund.sentences import Counted, Figure, InContext, Listed, OnDay, Sentence, Within, said

DEFAULT = "en"
# Each language by its own name, as the switcher shows it.
LANGUAGES: dict[str, str] = {"en": "English", "fr": "Français", "es": "Español", "ar": "العربية"}
RIGHT_TO_LEFT = frozenset({"ar"})
COOKIE = "lang"
COOKIE_AGE = 365 * 24 * 3600
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
# Texts of settings' defaults the pages translate when they are left as they are
# (DECISION_BODY_NAME); a setting changed to another text shows as it is written.
SETTING_TEXTS = (N_("Executive Committee"),)


def chosen(value: str | None) -> str | None:
    """`value` if it names a language of the interface (case ignored), else None."""
    code = (value or "").strip().lower()
    return code if code in LANGUAGES else None


def select_locale() -> str:
    """The language of this request (see the module's docstring); outside a request (a
    command, an email sent later), English unless `flask_babel.force_locale` says otherwise."""
    if not has_request_context():
        return DEFAULT
    preference = chosen(getattr(current_user, "language", None)) if _signed_in() else None
    asked = chosen(request.args.get(COOKIE))
    if asked:
        g.language_asked = asked  # kept in the cookie by `remember_language`
    return (
        preference
        or asked
        or chosen(request.cookies.get(COOKIE))
        or request.accept_languages.best_match(tuple(LANGUAGES))
        or DEFAULT
    )


def _signed_in() -> bool:
    try:
        return bool(current_user.is_authenticated)
    except Exception:
        return False


def current_language() -> str:
    locale = get_locale()
    return chosen(locale.language if locale else None) or DEFAULT


def takes_singular(count: int) -> bool:
    """Whether the page's language says `count` things in the singular (CLDR's plural rules,
    as Babel has them): 1 in English; 0 and 1 in French; in Arabic only 1 (0 and 2 have their
    own forms, which a text with only a singular and a plural writes in the plural)."""
    return Locale.parse(current_language()).plural_form(abs(count)) == "one"


def direction(language: str | None = None) -> str:
    return "rtl" if (language or current_language()) in RIGHT_TO_LEFT else "ltr"


# The arrows along the line, by the way the page reads: the only place a page's arrows are
# written (tests/test_page_language.py finds any other).
_ARROWS = {
    "ltr": {"forward": "\u2192", "back": "\u2190"},
    "rtl": {"forward": "\u2190", "back": "\u2192"},
}


def arrow(way: str = "forward") -> str:
    """The arrow pointing `way` in the page's language: "forward" where the line reads on (the
    next page, a change's new state), "back" (a link back); in Arabic, read from right to left,
    forward points left."""
    return _ARROWS[direction()][way]


LEFT_TO_RIGHT_ISOLATE, FIRST_STRONG_ISOLATE, POP_ISOLATE = "\u2066", "\u2068", "\u2069"
# The marks Babel puts before a number's sign in a right-to-left language (right-to-left mark,
# Arabic letter mark): within a left-to-right unit they would carry the minus sign to the far
# end of the digits ("23,549.68-").
_SIGN_MARKS = dict.fromkeys((0x200E, 0x200F, 0x061C))


def _left_to_right(said: str, language: str) -> str:
    """An amount written in `language`, as one left-to-right unit on a right-to-left page: its
    minus sign before its digits, "US$" after them, the brackets around it facing the right
    way (invisible marks, dropped where a PDF draws it); unchanged in other languages."""
    if direction(language) != "rtl":
        return said
    return f"{LEFT_TO_RIGHT_ISOLATE}{said.translate(_SIGN_MARKS)}{POP_ISOLATE}"


def money(value: Decimal | int | None, currency: str = "USD") -> str:
    """`{{ amount|money }}` per the page's language: `USD 1,234.50` in English (as
    `fund.money.format_usd`), `1 234,50 $US` in French; exact to the cent, an unknown amount a
    dash."""
    language = current_language()
    if value is None or language == DEFAULT:
        return format_usd(value, currency)
    # A left-to-right unit within right-to-left text, in a table's cell as in a sentence.
    return _left_to_right(format_currency(Decimal(value), currency, locale=language), language)


def labelled(label: str, text: str) -> str:
    """A label and its text for a person (a choice, a row, a line of a list), as "Label: text"
    with the colon of the page's language: French puts a no-break space before it. The
    template macro `_labelled.html` writes the same sentence."""
    return gettext("%(label)s: %(message)s", label=label, message=text)


def amount(value: Decimal | int | None) -> str:
    """`{{ amount|amount }}` in a column whose heading names the currency: `1,234.50` in
    English, `1 234,50` in French; in Arabic a left-to-right unit, as `money` writes it
    ("-23,549.68", its sign first)."""
    language = current_language()
    if value is None or language == DEFAULT:
        return format_amount(value)
    return _left_to_right(
        format_decimal(Decimal(value), format="#,##0.00", locale=language), language
    )


def decimals(value: Decimal | int | None, places: int) -> str:
    """`value` with exactly `places` decimals (half-even, as Python's `format`), grouped, in the
    page's language: `decimals(66.666, 1)` is "66.7" in English, "66,7" in French."""
    if value is None:
        return "—"
    quantized = Decimal(value).quantize(Decimal(1).scaleb(-places))
    language = current_language()
    if language == DEFAULT:
        return f"{quantized:,}"
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(quantized, format=pattern, locale=language, decimal_quantization=False)


def digits(value: Decimal | int | None) -> str:
    """`{{ rate|digits }}`: a rate, a multiple or a share's digits as set, with the decimals it
    has and no more, in the page's language: "1.0825" and "7" in English, "1,0825" in French."""
    if value is None:
        return "—"
    exponent = Decimal(value).normalize().as_tuple().exponent
    return decimals(value, max(0, -int(exponent)))


def percent_figure(share: Decimal | None) -> str:
    """`{{ fee_rate|percent_figure }}`: a share (0.075) as the figure of its percentage, with
    the decimals it has and no more, in a sentence that writes the sign after it
    ("%(rate)s%%"): "7.5" and "1" in English, "7,5" in French; nothing: a dash."""
    return digits(None if share is None else share * 100)


def axis_amount(value: Decimal | int) -> str:
    """An amount on a chart's axis, short, in the page's language: "250k", "1.5M" in English
    (as the charts always wrote them), "250 k", "1,5 M" in French."""
    language = current_language()
    if language == DEFAULT:
        return english_axis_amount(value)
    return format_compact_decimal(
        Decimal(value), format_type="short", locale=language, fraction_digits=1
    )


def number(value: Decimal | int | None) -> str:
    """`{{ count|number }}`: a whole number or a decimal in the page's language."""
    if value is None:
        return "—"
    return format_decimal(value, locale=current_language())


def percent(share: Decimal | None, places: int = 1, *, narrow: bool = False) -> str:
    """`{{ share|percent }}`: a share (0.923) as a percentage with `places` decimals in the
    page's language: "92.3%" in English (as the pages always wrote it), "92,3 %" in French;
    nothing: a dash. `narrow`: without the language's space before the sign ("92,3%"), for a
    PDF table's narrow column, where the sign would go to a line of its own."""
    if share is None:
        return "—"
    language = current_language()
    if language == DEFAULT:
        return f"{share * 100:.{places}f}%"
    return format_percent(share, _percent_pattern(language, places, narrow), locale=language)


@functools.cache
def _percent_pattern(language: str, places: int, narrow: bool) -> str:
    """The language's own percent pattern ("#,##0\u00a0%" in French), with `places` decimals;
    read once per language (a page writes a share in each of its cells)."""
    pattern = "#,##0%" if narrow else Locale.parse(language).percent_formats[None].pattern
    return pattern.replace("0", "0." + "0" * places, 1) if places else pattern


KILOBYTE = 1024
MEGABYTE = 1024 * 1024


def size_figure(size: int, unit: int = 1, rounding: str = ROUND_HALF_EVEN) -> str:
    """`{{ max_bytes|size_figure(1048576) }}`: `size` bytes in units of `unit` bytes (1024: KB;
    1048576: MB), with at most one decimal, rounded in `rounding`, in the page's language:
    "0.2", "10" and "1,536" in English; "0,2", "10" and "1 536" in French."""
    value = (Decimal(size) / unit).quantize(Decimal("0.1"), rounding=rounding)
    return format_decimal(value, format="#,##0.#", locale=current_language())


class FileSize(Sentence):
    """A file's size in bytes, KB or MB (binary units), with at most one decimal rounded in
    `rounding`: "12.3 MB" in English; on a page, in its language ("12,3 Mo" in French)."""

    size: int
    unit: int
    rounding: str

    def __new__(cls, size: int, rounding: str = ROUND_HALF_EVEN) -> FileSize:
        unit = 1 if size < KILOBYTE else KILOBYTE if size < MEGABYTE else MEGABYTE
        value = (Decimal(size) / unit).quantize(Decimal("0.1"), rounding=rounding)
        made = cls._word(f"{format(value, 'f').removesuffix('.0')} {_UNITS[unit][1]}")
        made.size, made.unit, made.rounding = size, unit, rounding
        return made

    def in_language(self) -> str:
        figure = size_figure(self.size, self.unit, self.rounding)
        return gettext(_UNITS[self.unit][0], size=figure)


# Each unit of a file's size: its message, and how English writes it after the figure.
_UNITS = {
    1: (N_("%(size)s bytes"), "bytes"),
    KILOBYTE: (N_("%(size)s KB"), "KB"),
    MEGABYTE: (N_("%(size)s MB"), "MB"),
}


def file_size(size: int) -> str:
    """`{{ attachment.size|file_size }}`: a file's size in the page's language ("0,2 Ko")."""
    return FileSize(size).in_language()


class Money(Sentence):
    """An amount within a sentence: "USD 1,234.50" in English (`format_usd`, what is stored,
    logged and tested), in the page's language where it is said (`money`: "1 234,50 $US")."""

    amount: Decimal
    currency: str

    def __new__(cls, amount: Decimal, currency: str = "USD") -> Money:
        made = cls._word(format_usd(amount, currency))
        made.amount, made.currency = amount, currency
        return made

    def in_language(self) -> str:
        return money(self.amount, self.currency)


class Amount(Figure):
    """An amount without its currency within a sentence (the sentence or its field names the
    currency): "1,234.50" in English (`format_amount`), "1 234,50" in French (`amount`)."""

    kept_as = staticmethod(format_amount)
    said_as = staticmethod(amount)


def percent_digits(digits: Decimal) -> str:
    """A percentage whose digits the caller's rule chose (20.01 for 20.01%), with as many
    decimals as they have and no more: "20.01%" and "20%" in English, "20,01 %" in French."""
    places = max(0, -int(digits.as_tuple().exponent))
    return percent(digits / 100, places)


class Share(Figure):
    """A share within a sentence, its digits as the rule that made it chose them ("69%",
    "20.01%"), in the page's language where it is said ("20,01 %")."""

    kept_as = staticmethod(lambda digits: f"{digits:f}%")
    said_as = staticmethod(percent_digits)


def percent_as_set(share: Decimal) -> str:
    """A share (0.075) as a percentage with the decimals it has and no more: "7.5%" and "7%"
    in English, "7,5 %" in French."""
    return percent_digits((share * 100).normalize())


def kept(value: Any) -> Any:
    """A sentence as JSON, to be said later in a reader's language (`from_kept`): its template
    and its values, each kept the same way; a plain text or number as it is."""
    if isinstance(value, Money):
        return {"money": format(value.amount, "f"), "currency": value.currency}
    if isinstance(value, Amount):
        return {"amount": format(value.value, "f")}
    if isinstance(value, Share):
        return {"share": format(value.value, "f")}
    if isinstance(value, OnDay):
        return {"day": value.day.isoformat(), "english": value.english}
    if isinstance(value, Within):
        if value.context:
            return {"within": value.template, "context": value.context}
        return {"within": value.template}
    if isinstance(value, InContext):
        return {"label": value.template, "context": value.context}
    if isinstance(value, Listed):
        return {"listed": [kept(item) for item in value.items], "separator": value.separator}
    if isinstance(value, Counted):
        return {"forms": list(value.forms), "values": _kept_values(value)}
    if isinstance(value, Sentence):
        return {"sentence": value.template, "values": _kept_values(value)}
    return value if isinstance(value, int | str) or value is None else str(value)


def _kept_values(sentence: Sentence) -> dict[str, Any]:
    return {name: kept(value) for name, value in sentence.values.items()}


def from_kept(value: Any) -> Any:
    """The sentence `kept` made JSON of (what is not a kept sentence, as it is)."""
    if not isinstance(value, dict):
        return value
    values = {name: from_kept(v) for name, v in (value.get("values") or {}).items()}
    if "money" in value:
        return Money(Decimal(value["money"]), value.get("currency") or "USD")
    if "amount" in value:
        return Amount(Decimal(value["amount"]))
    if "share" in value:
        return Share(Decimal(value["share"]))
    if "day" in value:
        day = value["day"]  # a day, or a UTC moment ("T" between its day and its time)
        read = datetime.fromisoformat if "T" in day else date.fromisoformat
        return OnDay(read(day), value.get("english"))
    if "within" in value:
        context = value.get("context")
        return Within(InContext(context, value["within"]) if context else value["within"])
    if "label" in value and "context" in value:
        return InContext(value["context"], value["label"])
    if "listed" in value:
        return Listed([from_kept(item) for item in value["listed"]], value.get("separator", ", "))
    if "forms" in value:
        num = values.pop("num")
        return Counted(tuple(value["forms"]), num, **values)
    if "sentence" in value:
        return Sentence(value["sentence"], **values)
    return value


def said_kept(value: Any) -> str:
    """`{{ kept|said_kept }}`: a kept sentence in the page's language."""
    return said(from_kept(value))


def when(value: date | datetime | None, pattern: str = days.DAY) -> str:
    """`{{ day|when('%d %b %Y') }}`: a date or a UTC moment written as the strftime `pattern`
    says in English (exactly as before), in the page's language otherwise (`fund.days`);
    nothing: a dash."""
    return "—" if value is None else days.written(value, pattern)


def language_links() -> list[tuple[str, str, str, bool]]:
    """The switcher's links: (code, its own name, this page in it, is it the current one).
    Each keeps the page's other query parameters."""
    args = {key: value for key, value in request.args.items(multi=True) if key != COOKIE}
    here = current_language()
    links = []
    for code, name in LANGUAGES.items():
        query = urlencode([*args.items(), (COOKIE, code)])
        links.append((code, name, f"{request.path}?{query}", code == here))
    return links


def remember_language(response):
    """Keep a language asked for by `?lang=` in a cookie, so the next pages follow it."""
    asked = g.get("language_asked")
    if asked and request.cookies.get(COOKIE) != asked:
        response.set_cookie(
            COOKIE,
            asked,
            max_age=COOKIE_AGE,
            samesite="Lax",
            httponly=True,
            secure=request.is_secure,
        )
    return response


def _page_catalog() -> tuple[Any, Any, bool]:
    """(locale, catalog, written right to left) of the language being written, kept on the
    request with the locale it is for: a page asks for hundreds of texts, and Flask-Babel's
    own lookup finds the domain, the locale and the catalog again for each. A locale forced
    for a while (`force_locale`, an email in its reader's language) is another locale object,
    so it gets its own catalog.

    The locale is read where Flask-Babel keeps the one it chose (`g._flask_babel`), without
    going through `g`'s proxy three times a text; until it has chosen one, `get_locale`
    chooses it."""
    app_context = _cv_app.get(None)
    kept_on = app_context.g.__dict__ if app_context is not None else {}
    locale = getattr(kept_on.get("_flask_babel"), "babel_locale", None) or get_locale()
    kept = kept_on.get("_page_translations")
    if kept is None or kept[0] is not locale:
        language = chosen(locale.language if locale else None) or DEFAULT
        kept = (locale, get_translations(), language in RIGHT_TO_LEFT)
        if app_context is not None:
            kept_on["_page_translations"] = kept
    return kept


def page_translations():
    """The catalog of the language being written (`_page_catalog`)."""
    return _page_catalog()[1]


def _isolated(value: Any) -> Any:
    """A text put into a right-to-left sentence, kept in its own direction (Unicode's first
    strong isolate: the direction of its first letter): an English title or a reference keeps
    its brackets, colons and order ("Families (people)", "P-00002") within the Arabic around
    it; figures without a letter ("25 %") read as the sentence around them does, as `percent`
    writes them."""
    if isinstance(value, str):  # markup stays markup: the marks need no escaping
        return FIRST_STRONG_ISOLATE + value + POP_ISOLATE
    return value


def _as_written(
    eval_context: EvalContext, text: str, variables: dict[str, Any], right_to_left: bool
) -> str:
    """A translated text as a template writes it, as Jinja's own newstyle gettext does: the
    catalog's text trusted in an autoescaped template (the variables escaped), and always a
    format string (`%%` written once). On a right-to-left page each text put into it is
    isolated in its own direction (`_isolated`)."""
    if right_to_left and variables:
        variables = {name: _isolated(value) for name, value in variables.items()}
    if eval_context.autoescape:
        # The catalog's own text, its variables escaped.
        text = Markup(text)  # noqa: S704  # nosec B704
    return text % variables


@pass_eval_context
def _page_gettext(eval_context: EvalContext, string: str, /, **variables: Any) -> str:
    """`{{ _("...") }}` in a template: the text in the page's language."""
    _, catalog, right_to_left = _page_catalog()
    return _as_written(eval_context, catalog.ugettext(string), variables, right_to_left)


@pass_eval_context
def _page_ngettext(
    eval_context: EvalContext, singular: str, plural: str, num: int, /, **variables: Any
) -> str:
    """`{{ ngettext("...", "...", n) }}`: the singular or plural in the page's language, with
    `num` among its variables."""
    variables.setdefault("num", num)
    _, catalog, right_to_left = _page_catalog()
    text = catalog.ungettext(singular, plural, num)
    return _as_written(eval_context, text, variables, right_to_left)


def script_plurals(singular: str, plural: str, /, **variables: Any) -> str:
    """`{{ script_plurals("%(num)s chosen.", "%(num)s chosen.") }}`: for a page's script, the
    text in the page's language for each plural category of the language (CLDR's, as the
    browser's `Intl.PluralRules` names them: "one", "few", "other"...), as JSON, with `{num}`
    where the number goes and each variable as given (`query="{query}"`, filled in by the
    script). Each category's text is the catalog's form for the first count of that category."""
    language = current_language()
    rules = Locale.parse(language)
    catalog = page_translations()
    texts: dict[str, str] = {}
    for count in range(200):
        category = rules.plural_form(count)
        if category not in texts:
            form = catalog.ungettext(singular, plural, count)
            texts[category] = form % {**variables, "num": "{num}"}
    return json.dumps(texts, ensure_ascii=False)


def money_sample(value: str = "1234567.89") -> str:
    """USD 1,234,567.89 (or `value`) as the page's language writes it (`money`): a page's
    script writes its amounts the same way, with the prefix, separators and suffix it finds in
    it (and from "1234.56", whether four digits are grouped: not in Spanish)."""
    return money(Decimal(value))


def amount_currencies() -> str:
    """The signs of the dollar an amount typed on the page may carry ("USD", "$" in English;
    "$US" in French, "US$" in Spanish and Arabic), as JSON, for a page's script to read
    amounts as `fund.money.parse_amount` does: the same list, from the same place."""
    return json.dumps(list(writing(page_language()).currencies), ensure_ascii=False)


def seed_text(text: str | None) -> str:
    """A text of the seed data that people may also write (a screening criterion's label), in
    the page's language when it is the seeded text (`babel.cfg` extracts the seeded texts into
    the catalogs), else as written. Never a format string, never trusted as markup."""
    if not text:
        return text or ""
    return str(page_translations().ugettext(text)) if has_app_context() else text


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    Babel(app, locale_selector=select_locale)
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda text: page_translations().ugettext(text),
        ngettext=lambda singular, plural, n: page_translations().ungettext(singular, plural, n),
        pgettext=lambda context, text: page_translations().upgettext(context, text),
        npgettext=lambda context, singular, plural, n: page_translations().unpgettext(
            context, singular, plural, n
        ),
        newstyle=True,
    )
    # `_`, `gettext` and `ngettext` called straight, as the extension's newstyle functions
    # answer (escaped in an autoescaped template, always a format string), without its alias
    # and its two calls through the context: a third of a text's cost, ~1,100 on the meeting.
    app.jinja_env.globals.update(_=_page_gettext, gettext=_page_gettext, ngettext=_page_ngettext)
    app.jinja_env.filters["file_size"] = file_size  # "0.2 KB", "0,2 Ko" in French
    app.jinja_env.filters["size_figure"] = size_figure  # "10", "0,2" in French
    app.jinja_env.globals["script_plurals"] = script_plurals  # a script's "N chosen"
    app.jinja_env.globals["money_sample"] = money_sample  # how a script writes an amount
    app.jinja_env.globals["amount_currencies"] = amount_currencies  # how a script reads one
    app.after_request(remember_language)

    @app.context_processor
    def languages() -> dict:
        language = current_language()
        return {
            "current_language": language,
            "text_direction": direction(language),
            "language_links": language_links,
            "language_names": LANGUAGES,
        }

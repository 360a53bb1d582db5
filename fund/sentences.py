"""Sentences the fund says to a person: marked for translation (`N_`) and given with the values
of their placeholders. The English sentence is what is stored, logged and compared; a page
shows it in the reader's language (`said`). A refusal (`fund.refusals.Refused`), a guard's
problem and a tranche's condition are all written this way.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask_babel import gettext, ngettext, pgettext

from fund.days import DAY, in_english, in_words, written


def N_(text: str) -> str:
    """A sentence or label marked for translation where it is declared (extracted into the
    catalogs, `make translations`), translated where it is shown: `{{ _(role.label) }}`."""
    return text


# How a sentence marked for translation is said, its placeholders filled: `english` (as it is
# declared, what the records keep) or `gettext` (in the page's language).
Translate = Callable[..., str]


def english(text: str, **values: Any) -> str:
    """The sentence as declared, its placeholders filled."""
    return text % values if values else text


class Sentence(str):
    """A sentence of the fund with the values of its placeholders: the English sentence
    itself, which a page shows in the reader's language (`said`). A value may be a sentence
    too (a label, `Within`, `OnDay`); a plain date is written as `OnDay` writes it. A kind of
    sentence a higher layer defines (a country's name) says itself by `in_language()`."""

    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, **values: Any) -> Sentence:
        values = {name: _value(value) for name, value in values.items()}
        made = super().__new__(cls, template % values if values else template)
        made.template = template
        made.values = values
        return made

    def __str__(self) -> str:
        # str() keeps the sentence: the workflow engine takes each guard's problems by str().
        return self

    def __copy__(self) -> Sentence:
        return self  # a sentence never changes: a copy (dataclasses' `asdict`) is itself

    def __deepcopy__(self, memo: dict[int, Any]) -> Sentence:
        return self

    @classmethod
    def _word(cls, english: str, template: str | None = None) -> Any:
        """A sentence with no values of its own (a label, a day, an amount): `english` as it
        is written in English, `template` what the catalogs know it by (`english` itself by
        default). Its class says it in a page's language (`in_language`)."""
        made = str.__new__(cls, english)
        made.template = english if template is None else template
        made.values = {}
        return made


def Np_(singular: str, plural: str) -> tuple[str, str]:
    """A sentence with its singular and its plural, marked for translation (extracted as one
    plural message, `make translations`); `Counted` says it."""
    return singular, plural


# Counts of a unit within a sentence, each by the plural rules of the reader's language.
MINUTES = Np_("%(num)s minute", "%(num)s minutes")
HOURS = Np_("%(num)s hour", "%(num)s hours")
DAYS = Np_("%(num)s day", "%(num)s days")
MONTHS = Np_("%(num)s month", "%(num)s months")


class Counted(Sentence):
    """A sentence that follows a number, `num` among its values: in English its singular or
    its plural (`Np_`), on a page by the plural rules of the reader's language."""

    forms: tuple[str, str]

    def __new__(cls, forms: tuple[str, str], num: int, **values: Any) -> Counted:
        singular, plural = forms
        made = Sentence.__new__(cls, singular if num == 1 else plural, num=num, **values)
        made.forms = forms
        return made

    def in_language(self) -> str:
        values = {name: said(v) for name, v in self.values.items() if name != "num"}
        return ngettext(*self.forms, self.values["num"], **values)


class Figure(Sentence):
    """A number within a sentence: in English as `kept_as` writes it (what is stored, logged
    and tested), on a page as `said_as` says it in the page's language. A kind of figure (an
    amount, a rate, a share) names the two."""

    value: Any

    @staticmethod
    def kept_as(value: Any) -> str:
        raise NotImplementedError

    @staticmethod
    def said_as(value: Any) -> str:
        raise NotImplementedError

    def __new__(cls, value: Any) -> Figure:
        made = cls._word(cls.kept_as(value))
        made.value = value
        return made

    def in_language(self) -> str:
        return self.said_as(self.value)


def month_count(count: int | None) -> str:
    """`{{ proposal.duration_months|months }}`: a number of months in the page's language, by
    its plural rules ("7 months", "7 mois"; in Arabic "7 أشهر", "12 شهرًا"); none: a dash."""
    return "—" if count is None else Counted(MONTHS, count).in_language()


def day_count(count: int) -> str:
    """`{{ days|days }}`: a number of days in the page's language, by its plural rules ("30
    days", "30 jours")."""
    return Counted(DAYS, count).in_language()


def pN_(context: str, text: str) -> InContext:
    """A label marked for translation with the `context` it is said of (msgctxt): "Submitted"
    of a programme's report, which French says "Soumis" where a proposal is "Soumise"."""
    return InContext(context, text)


class InContext(Sentence):
    """A label whose words depend on what it is said of, known to the catalogs by its text
    and its `context` (`pN_`): its English text; on a page (`said`), its translation in that
    context."""

    context: str

    def __new__(cls, context: str, text: str) -> InContext:
        made = cls._word(text)
        made.context = context
        return made

    def in_language(self) -> str:
        return pgettext(self.context, self.template)


class Within(Sentence):
    """A label of the fund written within a sentence, its first letter in lower case: "Annual
    financial report" in "The 2026 annual financial report is not accepted". A label said in
    a context (`InContext`) keeps it."""

    context: str | None

    def __new__(cls, label: str) -> Within:
        made = cls._word(_first_lower(label), label)
        made.context = getattr(label, "context", None)
        return made

    def in_language(self) -> str:
        if self.context:
            return _first_lower(pgettext(self.context, self.template))
        return _first_lower(gettext(self.template))


class OnDay(Sentence):
    """A day (or a UTC moment) written within a sentence, "5 March 2026", in the reader's
    language on a page (`fund.days`); `english`: the strftime pattern of the parts it shows,
    when they are not the day in words ("%d %b %Y": "5 Mar 2026"; "%d %B %Y, %H:%M UTC" for a
    moment)."""

    day: date
    english: str | None

    def __new__(cls, day: date, english: str | None = None) -> OnDay:
        made = cls._word(in_english(day, english or DAY))
        made.day, made.english = day, english
        return made

    def in_language(self) -> str:
        return written(self.day, self.english) if self.english else in_words(self.day)


# How a list separates its items in the page's language: ", " ("IOM, UNDP"); Arabic "، ".
LIST_SEPARATOR = N_(", ")
# Between items that hold commas of their own: "; " ("Kenya (KE); Uganda (UG)"); Arabic "؛ ".
LONG_LIST_SEPARATOR = N_("; ")
SEPARATORS = (LIST_SEPARATOR, LONG_LIST_SEPARATOR)


def separator(long: bool = False) -> str:
    """`{% if not loop.last %}{{ separator() }}{% endif %}`: what a template writes between the
    items of a list it writes one by one (each with its own markup, a link), as `listed`
    separates them: ", " (Arabic "، "); with `long`, between items that hold commas, "; "."""
    return gettext(LONG_LIST_SEPARATOR if long else LIST_SEPARATOR)


def listed(items: Any, separator: str = LIST_SEPARATOR) -> str:
    """`{{ names|listed }}`: items one after another, separated as the page's language
    separates a list ("IOM, UNDP"; in Arabic "IOM، UNDP"), or with `separator` ("; ", in
    Arabic "؛ "); each item a sentence said in it."""
    return gettext(separator).join(str(said(item)) for item in items)


class Listed(Sentence):
    """Sentences one after another, separated by commas ("sex, age") or by `separator`, each in
    the reader's language on a page."""

    items: tuple[str, ...]
    separator: str

    def __new__(cls, items: Any, separator: str = ", ") -> Listed:
        items = tuple(items)
        made = cls._word(separator.join(items))
        made.items, made.separator = items, separator
        return made

    def in_language(self) -> str:
        if self.separator in SEPARATORS:
            return listed(self.items, self.separator)
        return self.separator.join(said(item) for item in self.items)


def together(items: Any) -> str:
    """Items as one list within a sentence, the last after "and", in the reader's language on
    a page ("IOM, ILO and UNDP"; French "IOM, ILO et UNDP"; Arabic "IOM، ILO وUNDP"); one item
    as it is."""
    items = tuple(items)
    if len(items) < 2:
        return items[0] if items else ""
    return Sentence(N_("%(first)s and %(second)s"), first=Listed(items[:-1]), second=items[-1])


def either(items: Any) -> str:
    """Items as one list within a sentence, the last after "or" ("PDF, DOCX or XLSX"), in the
    reader's language on a page; one item as it is."""
    items = tuple(items)
    if len(items) < 2:
        return items[0] if items else ""
    return Sentence(N_("%(first)s or %(last)s"), first=Listed(items[:-1]), last=items[-1])


def _value(value: Any) -> Any:
    return OnDay(value) if isinstance(value, date) else value


def _first_lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def said(text: str) -> str:
    """`{{ problem|said }}`: a `Sentence` in the page's language (and the sentences among its
    values): a kind of sentence that says itself (`in_language`), else its template translated;
    any other text as it is."""
    if callable(in_language := getattr(text, "in_language", None)):
        return in_language()
    if isinstance(text, Sentence) and text.template:
        return gettext(text.template, **{name: said(v) for name, v in text.values.items()})
    return text


def said_marked(text: str | None) -> str:
    """A sentence marked for translation, written as a plain string or as a `Sentence`, in the
    page's language (a workflow's problems are either); nothing: an empty string."""
    if not text:
        return ""  # gettext("") would be the catalog's header
    return said(text) if isinstance(text, Sentence) else gettext(text)


class Unreadable(ValueError):
    """A typed value that cannot be read (an amount, a percentage): `str()` says why in
    English, `said()` in the page's language."""

    def __init__(self, message: str, **values: Any) -> None:
        self.sentence = Sentence(message, **values)
        super().__init__(str(self.sentence))

    def said(self) -> str:
        return said(self.sentence)

"""How the fund writes a day, and a UTC moment, in the reader's language: the one home of it.

A page names the parts it shows by a strftime pattern ("%d %B %Y", "%d %b %Y, %H:%M").
English writes a day in words as the pattern says, but with the day not zero-padded, as a
sentence and a document write it ("5 March 2026", "5 Mar 2026"). The other languages write a
day the way CLDR's long form does ("5 mars 2026", "5 de marzo de 2026"), or with the month
abbreviated where English abbreviates it ("5 mars 2026", "5 mar 2026"); French writes the
first of a month "1er". A numeric pattern ("%Y-%m-%d") stays numeric (and padded) in every
language. A moment is in UTC.

It is also the home of counting in whole months: the same day months later (`add_months`) and
the last day of a period of whole months (`last_day`: a programme's end, a report's period).
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta

from babel import Locale
from babel.dates import format_date, format_datetime
from flask_babel import get_locale

ENGLISH = "en"
# The patterns of a day in words, and of a moment, in the parts they show.
DAY = "%d %B %Y"  # "5 March 2026"
SHORT_DAY = "%d %b %Y"  # "5 Mar 2026"
MOMENT = "%d %B %Y, %H:%M UTC"  # "5 March 2026, 17:07 UTC"
# The day-in-words patterns a page may start with: how English writes it -> CLDR's width.
_IN_WORDS = ((DAY, "long"), (SHORT_DAY, "short"))
# strftime's directives as CLDR's, for the numeric patterns.
_CLDR = {"d": "dd", "b": "MMM", "B": "MMMM", "Y": "y", "m": "MM", "H": "HH", "M": "mm", "S": "ss"}


def add_months(start: date, months: int) -> date:
    """The same day `months` later (the month's last day when that month is shorter)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def last_day(start: date, months: int) -> date:
    """The last day of a period of `months` whole months from `start`, both days included:
    the day before the same day `months` later (a programme from 15 January 2027 for 24
    months ends on 14 January 2029)."""
    return add_months(start, months) - timedelta(days=1)


def _locale() -> Locale | None:
    """The reader's locale; None when it is English (or no language is chosen)."""
    locale = get_locale()
    return None if locale is None or locale.language == ENGLISH else locale


def _in_utc(value: date | datetime) -> date | datetime:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC)
    return value


def _day(day: date, width: str, locale: Locale) -> str:
    """A day in words in `locale`: CLDR's long pattern, or day, short month and year."""
    pattern = locale.date_formats["long"].pattern if width == "long" else "d MMM y"
    if locale.language == "fr" and day.day == 1:
        pattern = pattern.replace("d", "d'er'", 1)
    return format_date(day, pattern, locale=locale)


def in_words(day: date) -> str:
    """A day in words within a sentence or a document: "5 March 2026", "1er mars 2026"."""
    locale = _locale()
    return in_english(day) if locale is None else _day(day, "long", locale)


def moment_in_words(moment: datetime) -> str:
    """A UTC moment in words within a document: "4 December 2026, 17:07 UTC"."""
    moment = _in_utc(moment)
    return f"{in_words(moment.date())}{_comma(_locale())} {moment:%H:%M} UTC"


def _comma(locale: Locale | None) -> str:
    """The comma between a day and its time: Arabic script writes "،"."""
    return "،" if locale is not None and locale.character_order == "right-to-left" else ","


def _day_in_words(pattern: str) -> tuple[str, str] | None:
    """The day-in-words pattern `pattern` starts with and its CLDR width, if it starts with one."""
    return next(((e, w) for e, w in _IN_WORDS if pattern.startswith(e)), None)


def _day_of(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def in_english(value: date | datetime, pattern: str = DAY) -> str:
    """A day or a UTC moment as English writes it with the strftime `pattern`: a day in words
    without the zero ("5 March 2026, 17:07 UTC", "5 Mar 2026"); any other pattern exactly."""
    value = _in_utc(value)
    words = _day_in_words(pattern)
    if words is None:
        return value.strftime(pattern)
    english, _width = words
    day = _day_of(value)
    return f"{day.day} {day.strftime(english[3:])}{value.strftime(pattern[len(english) :])}"


def written(value: date | datetime, pattern: str = DAY) -> str:
    """A day or a UTC moment written as the strftime `pattern` says, in the reader's language:
    English as `in_english`; another language a day in words where the pattern starts with one
    (the rest, a time, written as the pattern says), else the same parts in the same order."""
    value = _in_utc(value)
    locale = _locale()
    if locale is None:
        return in_english(value, pattern)
    words = _day_in_words(pattern)
    if words is not None:
        english, width = words
        rest = value.strftime(pattern[len(english) :])
        return _day(_day_of(value), width, locale) + rest.replace(",", _comma(locale))
    if isinstance(value, datetime):
        return format_datetime(value, _cldr(pattern), tzinfo=UTC, locale=locale)
    return format_date(value, _cldr(pattern), locale=locale)


def moment_text(moment: datetime) -> str:
    """A UTC moment on a page: "4 December 2026, 17:07 UTC", "4 décembre 2026, 17:07 UTC"."""
    return written(moment, MOMENT)


def short_moment(moment: datetime) -> str:
    """A UTC moment in short: "4 Dec 2026 17:07 UTC", "4 déc. 2026 17:07 UTC"."""
    return written(moment, f"{SHORT_DAY} %H:%M UTC")


def _cldr(pattern: str) -> str:
    """A strftime pattern as a CLDR one: "%Y-%m-%d %H:%M" -> "y-MM-dd HH:mm"; letters that are
    no directive are quoted."""
    out: list[str] = []
    literal: list[str] = []

    def close_literal() -> None:
        if literal:
            text = "".join(literal)
            out.append(f"'{text}'" if any(c.isalpha() for c in text) else text)
            literal.clear()

    index = 0
    while index < len(pattern):
        directive = pattern[index + 1 : index + 2]
        if pattern[index] == "%" and directive in _CLDR:
            close_literal()
            out.append(_CLDR[directive])
            index += 2
        else:
            literal.append(pattern[index].replace("'", "''"))
            index += 1
    close_literal()
    return "".join(out)

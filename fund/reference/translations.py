"""The reference data in the interface's other languages: the official French and Spanish texts
of the GCM objectives and guiding principles (`seed/translations/`, each row with the address it
was taken from), and country names from Babel's CLDR data.

Each function takes the English text the page would show and returns it unchanged when no
official text is shipped for that language: a missing translation reads in English, never in a
translation made up here. The CSVs are read once per seed folder (config `SEED_DIR`).
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from flask import current_app
from flask_babel import gettext

from fund.i18n import current_language
from fund.reference.models import GLOBAL_LABEL, GLOBAL_REGION
from fund.sentences import Sentence

FOLDER = "translations"
OBJECTIVES = "objectives.csv"
PRINCIPLES = "principles.csv"
ENGLISH = "en"


@dataclass(frozen=True)
class ReferenceTexts:
    """Official texts by (key, language): objectives by number, principles by code."""

    objective_titles: dict[tuple[int, str], str] = field(default_factory=dict)
    objective_labels: dict[tuple[int, str], str] = field(default_factory=dict)
    principle_titles: dict[tuple[str, str], str] = field(default_factory=dict)


def _rows(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@lru_cache(maxsize=8)
def texts_in(seed_dir: str) -> ReferenceTexts:
    """The translations shipped in `seed_dir`/translations, read once per folder."""
    folder = Path(seed_dir) / FOLDER
    texts = ReferenceTexts()
    for row in _rows(folder / OBJECTIVES):
        key = (int(row["number"]), row["language"].strip())
        if row["title"].strip():
            texts.objective_titles[key] = row["title"].strip()
        if row["short_label"].strip():
            texts.objective_labels[key] = row["short_label"].strip()
    for row in _rows(folder / PRINCIPLES):
        if row["title"].strip():
            texts.principle_titles[(row["code"].strip(), row["language"].strip())] = row[
                "title"
            ].strip()
    return texts


def _texts() -> ReferenceTexts:
    return texts_in(str(Path(current_app.config["SEED_DIR"]).resolve()))


def _number(value: int | str) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def objective_title(number: int | str, language: str | None, english: str) -> str:
    """The official title of GCM objective `number` in `language`, else `english`."""
    if not language or language == ENGLISH:
        return english
    return _texts().objective_titles.get((_number(number), language), english)


def objective_label(number: int | str, language: str | None, english: str) -> str:
    """The UN Network on Migration's short label of objective `number` in `language`, else
    `english`."""
    if not language or language == ENGLISH:
        return english
    return _texts().objective_labels.get((_number(number), language), english)


def objective_numbered(number: int | str, language: str | None, english: str) -> str:
    """The objective `number` as "N. short name" in `language`; `english`: its English short
    name, alone or numbered as a coverage row labels it ("N. short name")."""
    prefix = f"{number}. "
    name = english[len(prefix) :] if english.startswith(prefix) else english
    return f"{number}. {objective_label(number, language, name)}"


def principle_title(code: str, language: str | None, english: str) -> str:
    """The official heading of the guiding principle `code` in `language`, else `english`."""
    if not language or language == ENGLISH:
        return english
    return _texts().principle_titles.get((code, language), english)


@lru_cache(maxsize=16)
def _territories(language: str) -> dict[str, str]:
    try:
        return dict(Locale.parse(language).territories)
    except (UnknownLocaleError, ValueError, TypeError):
        return {}


class CountryName(Sentence):
    """A country within a sentence: its UN English name, and on a page its name in the
    page's language (`country_name`)."""

    iso2: str

    def __new__(cls, iso2: str, english: str) -> CountryName:
        made = cls._word(english)
        made.iso2 = iso2
        return made

    def in_language(self) -> str:
        return country_name(self.iso2, current_language(), str.__str__(self))


def region_name(m49: str | None, language: str | None, english: str) -> str:
    """The UN M49 region `m49` named in `language` by Babel's CLDR data (in English, or when
    CLDR does not know it, `english`); the world's code is where programmes without countries
    count: "Global (no country)" in the page's language."""
    if m49 == GLOBAL_REGION:
        return gettext(GLOBAL_LABEL)
    if not m49 or not language or language == ENGLISH:
        return english
    return _territories(language).get(m49.strip(), english)


def countries_named(
    pairs: Iterable[tuple[str, str]], language: str | None
) -> list[tuple[str, str]]:
    """(ISO alpha-2, UN English name) pairs as (ISO alpha-2, name in `language`), in the
    alphabetical order of those names (accents aside): a form's choice of countries."""
    named = [(iso2, country_name(iso2, language, english)) for iso2, english in pairs]
    return sorted(named, key=lambda pair: _sorting(pair[1]))


def _sorting(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def country_name(iso2: str | None, language: str | None, english: str) -> str:
    """The country `iso2` named in `language` by Babel's CLDR data; in English (or when CLDR
    does not know the code or the language) the UN's English name given as `english`."""
    if not iso2 or not language or language == ENGLISH:
        return english
    return _territories(language).get(iso2.strip().upper(), english)

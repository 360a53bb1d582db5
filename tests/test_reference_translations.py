"""The GCM objectives and guiding principles in French, Spanish and Arabic: the official texts
shipped in seed/translations (each with its address, none made up), the README that says which
are missing, the pages that show them in the reader's language and English where none is shipped,
and country names from Babel's CLDR data."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from flask import render_template_string

from fund.i18n import LANGUAGES
from fund.reference.translations import (
    country_name,
    objective_label,
    objective_title,
    principle_title,
    region_name,
    texts_in,
)

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seed"
FOLDER = SEED / "translations"
OBJECTIVES = range(1, 24)
NAMES = {"fr": "French", "es": "Spanish", "ar": "Arabic"}

APOSTROPHE = "\u2019"  # as the official French texts print it
FR_OBJECTIVE_1 = (
    f"Collecter et utiliser des données précises et ventilées qui serviront à l{APOSTROPHE}"
    "élaboration de politiques fondées sur la connaissance des faits"
)
FR_RULE_OF_LAW = f"Primauté du droit et garanties d{APOSTROPHE}une procédure régulière"
ES_OBJECTIVE_2 = (
    "Minimizar los factores adversos y estructurales que obligan a las personas a abandonar su "
    "país de origen"
)
EN_OBJECTIVE_1 = (
    "Collect and utilize accurate and disaggregated data as a basis for evidence-based policies"
)
EN_OBJECTIVE_2 = (
    "Minimize the adverse drivers and structural factors that compel people to leave their "
    "country of origin"
)
EN_OBJECTIVE_17 = (
    "Eliminate all forms of discrimination and promote evidence-based public discourse to shape "
    "perceptions of migration"
)


def _rows(name: str) -> list[dict[str, str]]:
    with (FOLDER / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _english(name: str, key: str) -> dict[str, dict[str, str]]:
    with (SEED / "reference" / name).open(encoding="utf-8", newline="") as handle:
        return {row[key]: row for row in csv.DictReader(handle)}


def _numbers(text: str) -> set[int]:
    found: set[int] = set()
    for first, last in re.findall(r"(\d+)(?:\s+to\s+(\d+))?", text):
        found.update(range(int(first), int(last or first) + 1))
    return found


def _said_missing(kind: str) -> dict[str, str]:
    """language -> the README's list of what is missing, for `kind` (objectives or principles)."""
    readme = (FOLDER / "README.md").read_text(encoding="utf-8")
    pattern = rf"^- \w+ \((\w\w)\): missing {kind}: (.+)$"
    return dict(re.findall(pattern, readme, flags=re.MULTILINE))


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_every_row_is_an_official_text_with_its_address():
    objectives = _rows("objectives.csv")
    principles = _rows("principles.csv")
    codes = set(_english("guiding_principles.csv", "code"))
    assert objectives and principles
    for row in objectives + principles:
        assert row["language"] in LANGUAGES and row["language"] != "en", row
        assert row["title"].strip() and row["title"] == row["title"].strip(), row
        assert re.fullmatch(r"https://\S+", row["source"]), row
    for row in objectives:
        assert int(row["number"]) in OBJECTIVES and row["short_label"].strip(), row
    assert {row["code"] for row in principles} <= codes
    keys = [(row["number"], row["language"]) for row in objectives]
    assert len(keys) == len(set(keys))
    keys = [(row["code"], row["language"]) for row in principles]
    assert len(keys) == len(set(keys))


def test_each_language_has_all_23_objectives_or_the_readme_names_those_missing():
    shipped: dict[str, set[int]] = {code: set() for code in NAMES}
    for row in _rows("objectives.csv"):
        shipped[row["language"]].add(int(row["number"]))
    said = _said_missing("objectives")
    for code, numbers in shipped.items():
        missing = set(OBJECTIVES) - numbers
        assert _numbers(said.get(code, "")) == missing, (code, sorted(missing))
        readme = (FOLDER / "README.md").read_text(encoding="utf-8")
        assert not missing or f"{NAMES[code]} ({code}): missing objectives:" in readme


def test_the_readme_names_the_languages_without_principles():
    shipped: dict[str, set[str]] = {code: set() for code in NAMES}
    for row in _rows("principles.csv"):
        shipped[row["language"]].add(row["code"])
    said = _said_missing("principles")
    codes = set(_english("guiding_principles.csv", "code"))
    for code, found in shipped.items():
        assert found in (set(), codes), (code, codes - found)  # all ten, or none said so
        assert (code in said) == (not found), code


def test_the_texts_are_read_once_per_seed_folder():
    assert texts_in(str(SEED.resolve())) is texts_in(str(SEED.resolve()))
    empty = texts_in(str(ROOT / "no-such-folder"))
    assert not empty.objective_titles and not empty.principle_titles


@pytest.mark.parametrize(
    ("language", "objective", "english", "principle"),
    [
        ("fr", FR_OBJECTIVE_1, EN_OBJECTIVE_1, FR_RULE_OF_LAW),
        ("es", ES_OBJECTIVE_2, EN_OBJECTIVE_2, "Estado de derecho y garantías procesales"),
    ],
)
def test_the_pages_show_the_official_texts_in_the_readers_language(
    client, language, objective, english, principle
):
    headers = {"Accept-Language": f"{language},en;q=0.5"}
    page = _html(client.get("/objectives", headers=headers))
    assert objective in page and english not in page
    page = _html(client.get("/principles", headers=headers))
    assert principle in page and "Rule of law and due process" not in page


def test_french_short_labels_and_an_objective_without_a_french_title_shown_in_english(client):
    page = _html(client.get("/objectives", headers={"Accept-Language": "fr"}))
    assert "Données." in page and "Envois de fonds." in page
    # No official French title of objective 17 is shipped: its title and label read in English.
    assert EN_OBJECTIVE_17 in page and "Eliminate discrimination." in page


def test_arabic_has_no_official_text_here_so_the_pages_show_english(client):
    headers = {"Accept-Language": "ar"}
    page = _html(client.get("/objectives", headers=headers))
    assert '<html lang="ar" dir="rtl">' in page and EN_OBJECTIVE_1 in page
    page = _html(client.get("/principles", headers=headers))
    assert "Rule of law and due process" in page


def test_english_pages_keep_the_english_texts(client):
    page = _html(client.get("/objectives", headers={"Accept-Language": "en"}))
    assert EN_OBJECTIVE_1 in page and FR_OBJECTIVE_1 not in page
    page = _html(client.get("/principles", headers={"Accept-Language": "en"}))
    assert "Rule of law and due process" in page and "Primauté du droit" not in page


def test_the_functions_fall_back_to_the_english_given(app):
    with app.app_context():
        assert objective_title(1, "fr", "English") == FR_OBJECTIVE_1
        assert objective_title("2", "es", "English") == ES_OBJECTIVE_2
        assert objective_title(17, "fr", "English") == "English"
        assert objective_title(1, "ar", "English") == "English"
        assert objective_title(1, "en", "English") == "English"
        assert objective_label(20, "fr", "Remittances") == "Envois de fonds"
        assert objective_label(22, "es", "Social protection") == "Protección social"
        # Spanish 23 has no official title shipped: its label stays English with its title.
        assert objective_label(23, "es", "International cooperation") == "International cooperation"
        assert objective_label(20, "es", "Remittances") == "Remesas"
        assert objective_label(3, "es", "Information provision") == "Information provision"
        assert principle_title("child_sensitive", "es", "Child-sensitive") == "Perspectiva infantil"
        assert principle_title("child_sensitive", "ar", "Child-sensitive") == "Child-sensitive"
        assert principle_title("unknown", "fr", "Unknown") == "Unknown"


def test_objective_filter_names_the_objective_in_the_page_language(app):
    # The number is a variable, as on the pages: Jinja would fold a constant once for all.
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": "es"}):
        assert render_template_string("{{ n|objective }}", n=22) == "22. Protección social"
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert render_template_string("{{ n|objective }}", n=22) == "22. Social protection"


def test_region_names_come_from_cldr_and_the_world_is_global(app):
    from flask_babel import force_locale

    assert region_name("002", "fr", "Africa") == "Afrique"
    assert region_name("019", "es", "Americas") == "América"
    assert region_name("002", "en", "Africa") == "Africa"
    assert region_name("999", "fr", "Nowhere") == "Nowhere"
    with app.test_request_context("/"), force_locale("fr"):
        assert region_name("001", "fr", "Global (no country)") == "Mondial (aucun pays)"


def test_country_names_come_from_cldr_in_each_language():
    assert country_name("CL", "fr", "Chile") == "Chili"
    assert country_name("CL", "es", "Chile") == "Chile"
    assert country_name("CL", "ar", "Chile") == "تشيلي"
    assert country_name("cl", "fr", "Chile") == "Chili"
    assert country_name("BO", "en", "Bolivia (Plurinational State of)") == (
        "Bolivia (Plurinational State of)"
    )
    assert country_name("XX", "fr", "Nowhere") == "Nowhere"
    assert country_name("CL", "xx-unknown", "Chile") == "Chile"


def test_a_country_within_a_sentence_is_named_in_the_pages_language(app):
    from flask_babel import force_locale

    from fund.labels import N_
    from fund.reference.translations import CountryName
    from fund.sentences import Sentence, said

    text = Sentence(
        N_("MGI %(indicator)s, assessment of %(country)s (%(year)s)"),
        indicator="DEMO-1",
        country=CountryName("ZA", "South Africa"),
        year="2023",
    )
    assert text == "MGI DEMO-1, assessment of South Africa (2023)"
    with app.test_request_context("/"), force_locale("fr"):
        assert said(text) == "IGM DEMO-1, évaluation (Afrique du Sud, 2023)"


def test_an_objective_is_numbered_whether_its_label_carries_the_number_or_not(app):
    """ "N. short name" from a coverage row's label or from the short name alone; a short name
    holding a full stop of its own keeps all its words."""
    from fund.reference.translations import objective_numbered

    with app.app_context():
        assert objective_numbered(3, "en", "3. Information") == "3. Information"
        assert objective_numbered(3, "en", "Information") == "3. Information"
        assert objective_numbered(3, "en", "Data. And more") == "3. Data. And more"
        assert objective_numbered(3, "en", "3. Data. And more") == "3. Data. And more"

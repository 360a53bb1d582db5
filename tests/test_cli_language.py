"""The commands write for people in the language their environment asks for
(`fund.cli_language`): messages, text tables, refusals and the PDFs they make; their JSON and
what they store are the same in every language."""

from __future__ import annotations

import json

import pytest
from flask_babel import force_locale, gettext

from fund.cli_language import command_language
from tests.helpers import pdf_text


@pytest.mark.parametrize(
    ("environ", "language"),
    [
        ({}, "en"),
        ({"FUND_LANGUAGE": "fr"}, "fr"),
        ({"FUND_LANGUAGE": "ES"}, "es"),
        ({"FUND_LANGUAGE": "ar", "LANG": "fr_FR.UTF-8"}, "ar"),
        ({"LANG": "fr_FR.UTF-8"}, "fr"),
        ({"LANG": "ar_EG.UTF-8@latin"}, "ar"),
        ({"LC_ALL": "es_CL.UTF-8", "LANG": "fr_FR.UTF-8"}, "es"),
        ({"LANGUAGE": "de:es:fr", "LANG": "fr_FR.UTF-8"}, "es"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LC_ALL": "de_DE.UTF-8", "LANG": "fr_FR.UTF-8"}, "en"),  # the first set one speaks
        ({"FUND_LANGUAGE": " ", "LANG": "es_ES"}, "es"),
        ({"FUND_LANGUAGE": "xx"}, "en"),
    ],
)
def test_the_language_comes_from_the_environment(environ, language):
    assert command_language(environ) == language


def _run(app, language: str, *args: str):
    result = app.test_cli_runner().invoke(args=["fund", *args], env={"FUND_LANGUAGE": language})
    return result


def _in(app, language: str, message: str, **values) -> str:
    with app.app_context(), force_locale(language):
        return gettext(message, **values)


def test_the_funding_status_in_french_with_french_figures_and_the_same_json(app):
    french = _run(app, "fr", "finance", "status")
    assert french.exit_code == 0, french.output
    # Changed on purpose: the command states the pages' lines, with their capitals.
    assert _in(app, "fr", "Balance with the Administrative Agent") in french.output
    assert "Balance with the Administrative Agent" not in french.output
    nothing_yet = "No money has been transferred to a participating organization yet."
    assert _in(app, "fr", nothing_yet) in french.output and nothing_yet not in french.output
    english = _run(app, "en", "finance", "status")
    assert "Balance with the Administrative Agent" in english.output
    as_json = {
        lang: _run(app, lang, "finance", "status", "--format", "json") for lang in ("fr", "ar")
    }
    assert as_json["fr"].output == as_json["ar"].output
    assert json.loads(as_json["fr"].output)["deposits"] == "0.00"


def test_messages_and_refusals_in_spanish_and_arabic(app):
    spanish = _run(app, "es", "coverage", "--call", "99999")
    assert spanish.exit_code != 0
    assert "no existe la convocatoria 99999" in spanish.output
    arabic = _run(app, "ar", "audit", "verify")
    assert arabic.exit_code == 0, arabic.output
    assert "سجل التدقيق سليم" in arabic.output
    rebuilt = _run(app, "fr", "caches", "--rebuild")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "Totaux de couverture construits" in rebuilt.output
    assert "Coverage totals" not in rebuilt.output
    english = _run(app, "en", "caches", "--rebuild")
    assert "Coverage totals built" in english.output


def test_the_coverage_table_in_french_keeps_its_figures(app):
    french = _run(app, "fr", "coverage")
    assert french.exit_code == 0, french.output
    assert _in(app, "fr", "GCM objectives") in french.output
    assert "Funded: USD" not in french.output
    english = _run(app, "en", "coverage")
    assert "Funded: USD 0.00 in 0 programmes" in english.output
    # the same rows, one per line, in either language
    assert len(french.output.splitlines()) == len(english.output.splitlines())


def test_a_pdf_made_by_a_command_is_in_the_command_s_language(app, tmp_path):
    for language in ("fr", "en"):
        out = tmp_path / f"allocation-{language}.pdf"
        result = _run(app, language, "report", "allocation", "--out", str(out))
        assert result.exit_code == 0, result.output
        _reader, text = pdf_text(out.read_bytes())
        title = _in(app, language, "Fund allocation report")
        assert title in text
        assert ("Fund allocation report" in text) == (language == "en")
        said = {"fr": "Rapport d'allocation au", "en": "Allocation report as of"}[language]
        assert said in result.output

"""The proposal editor's script shows no text of its own: the country and government filters,
the running budget totals and the note that holds Submit read their sentences from the page, in
its language (with the language's plural forms for a count), so a French page reads French."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from flask_babel import force_locale

from fund.i18n import script_plurals
from fund.money import writing
from tests.helpers import edit_form, login

SCRIPT = Path(__file__).resolve().parent.parent / "fund" / "static" / "js" / "editor.js"


def _attributes(page: str, marker: str) -> dict[str, str]:
    tag = re.search(r"<[a-z]+ [^>]*" + marker + r"[^>]*>", page).group(0)
    return {
        name: html.unescape(value) for name, value in re.findall(r'(data-[\w-]+)="([^"]*)"', tag)
    }


def test_the_editors_script_texts_are_given_in_the_pages_language(
    app, client, applicant, make_proposal
):
    proposal_id = make_proposal(applicant, complete=False)
    login(client, applicant.email)
    page = client.get(f"/proposals/{proposal_id}/edit", headers={"Accept-Language": "fr"})
    text = page.get_data(as_text=True)
    pickers = [
        {name: html.unescape(value) for name, value in re.findall(r'(data-[\w-]+)="([^"]*)"', tag)}
        for tag in re.findall(r"<div [^>]*data-picker[^>]*>", text)
    ]
    assert len(pickers) == 2
    for picker in pickers:
        for name in ("data-text-find", "data-text-type"):
            assert picker[name] and "{" not in picker[name]
        for name in ("data-text-matching", "data-text-chosen", "data-text-chosen-shown"):
            forms = json.loads(picker[name])
            assert "one" in forms and "other" in forms and "{num}" in forms["other"]
        assert "{query}" in json.loads(picker["data-text-matching"])["other"]
    totals = _attributes(text, "data-budget-totals")
    assert "$US" in totals["data-money-sample"] and "567,89" in totals["data-money-sample"]
    assert "{total}" in totals["data-text-total"]
    assert json.loads(totals["data-text-unread"])["other"].count("{num}") == 1
    form = _attributes(text, 'id="proposal-form"')
    assert form["data-text-unsaved"]
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        from flask_babel import gettext

        for picker, kind in zip(pickers, ("countries", "governments"), strict=True):
            assert picker["data-text-find"] == gettext(f"Find {kind} by name")
        assert form["data-text-unsaved"] == gettext(
            "You have changes that are not saved: save the draft, then submit."
        )


def test_each_plural_category_gets_its_form_with_the_number_left_to_the_script(app):
    with app.test_request_context("/"), force_locale("ar"):
        forms = json.loads(script_plurals("%(num)s chosen.", "%(num)s chosen."))
    assert set(forms) == {"zero", "one", "two", "few", "many", "other"}
    with app.test_request_context("/"), force_locale("en"):
        forms = json.loads(
            script_plurals(
                "%(num)s of %(total)s countries match “%(query)s”.",
                "%(num)s of %(total)s countries match “%(query)s”.",
                total="{total}",
                query="{query}",
            )
        )
    assert forms == {
        "one": "{num} of {total} countries match “{query}”.",
        "other": "{num} of {total} countries match “{query}”.",
    }


def test_the_editors_script_holds_no_english_sentence():
    script = re.sub(r"//[^\n]*", "", SCRIPT.read_text(encoding="utf-8"))
    strings = re.findall(r'"([^"\\]*(?:\\.[^"\\]*)*)"', script)
    # A sentence: words with a capital or a stop; class names and selectors are neither.
    sentences = [
        s
        for s in strings
        if re.search(r"[A-Za-z]{2,} [A-Za-z]{2,}", s)
        and re.search(r"^[A-Z]|[.:;!?)]", s)
        and not re.search(r"[\[\]#=]", s)
    ]
    assert sentences == []
    assert not re.search(r"textContent\s*=\s*[\"'][^\"']", script)
    for english in ('" chosen', '"Find ', "Type a name", "not saved", "Budget total", '" match'):
        assert english not in script


def test_the_running_totals_take_the_signs_the_server_takes_in_the_pages_language(
    app, client, applicant, make_proposal
):
    """The script reads "US$ 5" on an English page as the server does: not an amount."""
    proposal_id = make_proposal(applicant, complete=False)
    login(client, applicant.email)
    for language in ("en", "fr", "es", "ar"):
        page = client.get(f"/proposals/{proposal_id}/edit", headers={"Accept-Language": language})
        totals = _attributes(page.get_data(as_text=True), "data-budget-totals")
        assert json.loads(totals["data-currencies"]) == list(writing(language).currencies)
        if language == "en":
            assert json.loads(totals["data-currencies"]) == ["USD", "$"]  # not "US$", "$US"


def test_a_refused_save_tells_the_script_that_the_fields_hold_what_was_typed(
    app, client, applicant, make_proposal
):
    proposal_id = make_proposal(applicant, complete=False)
    login(client, applicant.email)
    shown = client.get(f"/proposals/{proposal_id}/edit").get_data(as_text=True)
    assert _attributes(shown, "data-budget-totals")["data-fields"] == "saved"
    form = edit_form(client, proposal_id) | {"budget-0-amount": "US$ 5"}
    refused = client.post(f"/proposals/{proposal_id}/edit", data=form)
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert 'value="US$ 5"' in page  # what was typed stays
    assert _attributes(page, "data-budget-totals")["data-fields"] == "typed"

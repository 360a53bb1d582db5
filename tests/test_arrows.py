"""Arrows point the way the page reads: a link back points to where the line starts (left in
English, right in Arabic), "next" and a change's new state to where it goes on. One helper
writes them (`arrow`, fund/i18n.py); no template writes one itself."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import render_template_string
from flask_babel import force_locale
from lxml import html

from tests.helpers import login

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
ARROWS = re.compile("[\u2190\u2192\u27f5\u27f6\u21d0\u21d2]")  # ← → ⟵ ⟶ ⇐ ⇒


def test_no_template_writes_an_arrow_itself():
    written = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if ARROWS.search(line)
    ]
    assert written == [], "use {{ arrow() }} or {{ arrow('back') }}"


@pytest.mark.parametrize(
    ("language", "forward", "back"), [("en", "→", "←"), ("fr", "→", "←"), ("ar", "←", "→")]
)
def test_the_arrow_points_the_way_the_language_reads(app, language, forward, back):
    with app.test_request_context(), force_locale(language):
        assert render_template_string("{{ arrow() }}|{{ arrow('back') }}") == f"{forward}|{back}"


@pytest.mark.parametrize(("language", "back"), [("en", "←"), ("ar", "→")])
def test_a_link_back_and_a_change_of_state_point_the_way_the_page_reads(
    client, applicant, make_proposal, language, back
):
    forward = "→" if back == "←" else "←"
    draft_id = make_proposal(applicant, complete=False)
    submitted_id = make_proposal(applicant, "submitted")
    login(client, applicant.email)
    editor = html.fromstring(client.get(f"/proposals/{draft_id}/edit?lang={language}").text)
    links = [a.text_content().strip() for a in editor.xpath("//main//p/a")]
    assert links[0].startswith(f"{back} "), links[:2]
    page = html.fromstring(client.get(f"/proposals/{submitted_id}?lang={language}").text)
    states = [
        t.text_content() for t in page.xpath("//ol[@class='timeline']//p/span[@class='muted']")
    ]
    assert states and all(f" {forward} " in t for t in states), states

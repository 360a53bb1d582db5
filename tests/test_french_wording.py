"""What a French reader found wrong on the pages: counts of zero in the plural, a report's
states in the feminine, "de les", sizes written the English way, no no-break space before a
colon, a pool by its code, two buttons with one name."""

from __future__ import annotations

import re
from decimal import ROUND_CEILING
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale, gettext, ngettext

from fund.i18n import TRANSLATIONS, from_kept, kept
from fund.sentences import Within, said, said_marked
from tests.helpers import demo_client

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
NO_BREAK = "\u00a0\u202f"


def _french(app, say):
    with app.test_request_context("/"), force_locale("fr"):
        return say()


@pytest.mark.parametrize("count", [0, 1])
def test_french_counts_zero_and_one_in_the_singular(app, count):
    from fund.core.tasks import task

    def say():
        waiting = [task(key, count, "/", "", []) for key in ("revisions_open", "rounds_to_close")]
        values = {"cast": count, "quorum": 1, "recorded": count, "total": 8, "submission": 1}
        return [t.title for t in waiting] + [
            ngettext(
                "%(cast)s of %(num)s entitled member voted; quorum %(quorum)s:",
                "%(cast)s of %(num)s entitled members voted; quorum %(quorum)s:",
                2,
                **values,
            ),
            gettext("%(recorded)s of %(total)s criteria recorded for this submission.", **values),
            ngettext(
                "%(recorded)s of %(num)s criterion recorded for submission %(submission)s.",
                "%(recorded)s of %(num)s criteria recorded for submission %(submission)s.",
                8,
                **values,
            ),
            gettext("Enter the actual of every indicator (%(count)s missing).", count=count),
            gettext("Write the narrative of every outcome (%(count)s missing).", count=count),
        ]

    said_ = _french(app, say)
    assert said_[:2] == [f"{count} révision à terminer", f"{count} tour de scrutin à clore"]
    plural_after_count = rf"\b{count} (révisions|tours|membres|critères)\b|\({count} manquantes"
    assert not [text for text in said_ if re.search(plural_after_count, text)], said_


def test_english_counts_zero_in_the_plural(app):
    from fund.core.tasks import task

    with app.test_request_context("/"):
        assert task("revisions_open", 0, "/", "", []).title == "0 revisions to finish"
        assert task("revisions_open", 1, "/", "", []).title == "1 revision to finish"


def test_a_reports_submitted_state_is_not_said_as_a_proposals(app):
    """A report is "le rapport": its state is not the proposal's "Soumise"."""
    from fund.reporting.queries import STATUS_LABELS

    submitted = STATUS_LABELS["submitted"]
    assert submitted == "Submitted"  # English as before
    assert submitted.context == "programme report"
    shown = _french(app, lambda: [said_marked(submitted), said(Within(submitted))])
    assert shown[0] != "Soumise" and shown[1] != "soumise", shown
    # Kept with a refusal, said later: the context stays.
    again = from_kept(kept(Within(submitted)))
    assert again.context == "programme report" and again == "submitted"


def test_a_round_without_deadline_is_not_said_none_in_the_masculine(app):
    template = app.jinja_env.from_string(
        '{% from "committee/_macros.html" import deadline %}{{ deadline(round, now) }}'
    )
    said_ = _french(app, lambda: template.render(round={"deadline": None}, now=None))
    assert "aucun<" not in said_ and "none" not in said_, said_


def test_a_file_of_the_queue_contracts_in_french(app):
    def say():
        what = ngettext(
            "the %(num)s proposal of the queue", "the %(num)s proposals of the queue", 3
        )
        return gettext("file of %(what)s", what=what)

    said_ = _french(app, say)
    assert " de les " not in said_ and "3 propositions de la file" in said_, said_


def test_file_sizes_are_written_with_the_pages_decimal_separator(app):
    from fund.i18n import FileSize, file_size, size_figure

    with app.test_request_context("/"):
        assert size_figure(10 * 1024 * 1024, 1024 * 1024) == "10"
        assert file_size(1536) == "1.5 KB"
        assert str(FileSize(int(12.3 * 1024 * 1024), ROUND_CEILING)) == "12.3 MB"
    assert _french(app, lambda: size_figure(10 * 1024 * 1024, 1024 * 1024)) == "10"
    assert re.fullmatch(r"1,5[ \u00a0]Ko", _french(app, lambda: file_size(1536)))
    assert re.fullmatch(r"200[ \u00a0]octets", _french(app, lambda: file_size(200)))
    assert "12,3" in _french(app, lambda: said(FileSize(int(12.3 * 1024 * 1024))))
    # The templates write a size with the page's separator, never Python's own rounding.
    rounded = [p.name for p in TEMPLATES.rglob("*.html") if "1048576)|round" in p.read_text()]
    assert not rounded


def _unspaced_punctuation(text: str, python_format: bool) -> list[str]:
    """The colons, semicolons, question and exclamation marks and percent signs of a
    catalog's text that are text punctuation and lack the no-break space before them: not in
    a placeholder ("%(x)s"), an address ("https://..."), a time ("10:30"); a percent sign
    after a number ("%%" in a format string), not the symbol named ("e.g. %, people")."""
    text = re.sub(r"%\(\w+\)[sdif]", "X", text)
    text = re.sub(r"https?://\S+|mailto:\S+", lambda m: "U" * len(m.group()), text)
    if python_format:
        text = text.replace("%%", "%")
    found = []
    for m in re.finditer(r"[:;?!]|(?<=[\dX])[ \u00a0\u202f]?%", text):
        mark = m.group()[-1]
        at = m.end() - 1
        if mark == ":" and text[at - 1 : at].isdigit() and text[at + 1 : at + 2].isdigit():
            continue  # a time
        if at == 0 or text[at - 1] not in NO_BREAK:
            found.append(text[max(0, at - 12) : at + 1])
    return found


def test_the_punctuation_finder_knows_what_is_not_text():
    said = "à %(time)s, 10:30 ; voir https://a.b/?c=1 : 5 %% et %(n)s%% ! %, gens"
    # The semicolon, the colon after the address, both percent signs, the exclamation mark.
    assert len(_unspaced_punctuation(said, python_format=True)) == 5
    fixed = said.replace(" ;", "\u00a0;").replace(" :", "\u00a0:").replace(" !", "\u00a0!")
    fixed = fixed.replace(" %%", "\u00a0%%").replace(")s%%", ")s\u00a0%%")
    assert _unspaced_punctuation(fixed, python_format=True) == []


def test_french_puts_a_no_break_space_before_its_high_punctuation():
    with open(TRANSLATIONS / "fr" / "LC_MESSAGES" / "messages.po", "rb") as file:
        catalog = read_po(file, locale="fr")
    wrong = []
    for message in catalog:
        if not message.id:
            continue  # the catalog's header
        texts = [message.string] if isinstance(message.string, str) else message.string
        for text in texts:
            if _unspaced_punctuation(text or "", "python-format" in message.flags):
                wrong.append(text)
    assert not wrong, wrong[:20]


def _punctuation_written_by_templates(text: str) -> list[int]:
    """The lines of a template whose own text (outside its comments, statements, values,
    tags and screen readers' hidden words) holds a colon, a semicolon, a question or an
    exclamation mark: the page's language writes those, within a translated sentence."""
    lines = lambda m: "\n" * m.group().count("\n")  # noqa: E731
    for pattern in (r"\{#.*?#\}", r"\{%.*?%\}", r"<(script|style)\b.*?</\1>"):
        text = re.sub(pattern, lines, text, flags=re.S)
    text = re.sub(r"\{\{.*?\}\}", "§", text, flags=re.S)
    text = re.sub(r'<span class="visually-hidden">[^<]*</span>', "", text)
    text = re.sub(r"<[^>]*>", lines, text, flags=re.S)
    return [text[: m.start()].count("\n") + 1 for m in re.finditer(r"[:;?!]", text)]


def test_no_template_writes_punctuation_of_its_own():
    """ "Réunions: les participants..." once: the template wrote its colon after a link."""
    assert _punctuation_written_by_templates('<li><a href="x">{{ _("M") }}</a>: {{ y }}') == [1]
    assert _punctuation_written_by_templates('{{ _("a: b") }}{# c: d #}<a title="e:">') == []
    written = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for line in _punctuation_written_by_templates(path.read_text(encoding="utf-8")):
            written.append(f"{path.relative_to(TEMPLATES)}:{line}")
    assert not written, written


def test_the_close_page_names_the_pools_as_the_other_pages_do(app, prepared_demo):
    client = demo_client(app, prepared_demo, "secretariat@demo.fund")
    page = client.get("/finance/proposals/1/close?lang=fr").get_data(as_text=True)
    releasing = page[page.index('id="releasing"') :].split("</ul>")[0]
    assert "<li>" in releasing
    assert not re.search(r"<li>\s*(GENERAL|TA\d+)\b", releasing), releasing


def test_each_refund_button_names_its_programme(app, prepared_demo):
    client = demo_client(app, prepared_demo, "agent@demo.fund")
    page = client.get("/finance/refunds?lang=fr").get_data(as_text=True)
    buttons = re.findall(r'<button type="submit" class="button">(.*?)</button>', page, re.S)
    names = [re.sub(r"<[^>]*>", "", b).strip() for b in buttons if "rembours" in b]
    assert names and all(re.search(r"P-\d{5}", name) for name in names), names
    assert len(set(names)) == len(names), names

"""A page in another language reads in that language: no text on it is an English sentence or
label that the language's catalog translates. Each demo account (and a visitor) follows the
links of its pages from Home, in French, Spanish and Arabic, over the demo set; a text, a title,
a label or a placeholder that is one of the catalog's English messages, and not also one of its
translations, is a message the code left untranslated (a string built in English, a label shown
without `_`).
"""

from __future__ import annotations

import html as html_text
import re
from collections import defaultdict
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from lxml import html

from fund.extensions import db
from tests.helpers import login

CATALOGS = Path(__file__).resolve().parent.parent / "fund/translations"
DEMO_PASSWORD = "migration-fund-demo"  # seed/demo.toml
ACCOUNTS = (
    None,  # a visitor
    "secretariat@demo.fund",
    "applicant@demo.fund",
    "unicef.applicant@demo.fund",
    "agent@demo.fund",
    "committee.iom@demo.fund",
    "admin@demo.fund",
)
# Links not followed: the language switcher (it would change the language), signing out, and
# files rather than pages.
NOT_FOLLOWED = re.compile(
    r"lang=|logout|export|download|\.(csv|xlsx|pdf|xml|json)\b|/static/|/api/"
)
# Pages of one address pattern read per account (ids replaced): enough to show each template.
PER_PATTERN = 2
ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
# Words the demo set typed, as anyone may: an indicator's unit, a meeting item's title.
KEPT = {"countries", "Pipeline ranking"}


def _english_messages(language: str) -> dict[str, str]:
    with (CATALOGS / language / "LC_MESSAGES/messages.po").open("rb") as po:
        catalog = read_po(po)
    translations = {m.string for m in catalog if m.id and isinstance(m.string, str)}
    return {
        m.id: m.string
        for m in catalog
        if isinstance(m.id, str)
        and len(m.id) > 3
        and "%(" not in m.id
        and m.string
        and m.string != m.id
        and m.id not in translations  # the same words in the language too ("Action", "Note")
    }


def _texts(page: bytes) -> list[str]:
    document = html.fromstring(page)
    for element in document.xpath("//script|//style|//code|//textarea"):
        element.drop_tree()
    texts = document.xpath("//text()")
    texts += [value for name in ATTRIBUTES for value in document.xpath(f"//@{name}")]
    return [" ".join(str(text).split()).rstrip(":") for text in texts]


def _pattern(path: str) -> str:
    return re.sub(r"\d+", "N", path.split("?")[0])


@pytest.mark.parametrize("language", ["fr", "es", "ar"])
def test_every_page_reads_in_its_language(app, prepared_demo, language):
    result = prepared_demo.data("sqlite")  # `flask fund seed --demo`, run once per worker
    assert result.exit_code == 0, result.output
    english = _english_messages(language)
    left = set(english) - KEPT
    found: dict[str, set[str]] = defaultdict(set)
    pages = 0
    for account in ACCOUNTS:
        client = app.test_client()
        if account:
            assert login(client, account, DEMO_PASSWORD).status_code == 302
        queue, seen, per_pattern = ["/"], set(), defaultdict(int)
        while queue:
            path = queue.pop(0)
            if path in seen or per_pattern[_pattern(path)] >= PER_PATTERN:
                continue
            seen.add(path)
            per_pattern[_pattern(path)] += 1
            response = client.get(path, headers={"Accept-Language": language})
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            pages += 1
            body = response.get_data()
            for text in _texts(body):
                if text in left:
                    found[text].add(path)
            for link in html.fromstring(body).xpath("//a/@href"):
                link = str(link).split("#")[0]
                inside = link.startswith("/") and not link.startswith("//")
                if inside and not NOT_FOLLOWED.search(link) and link not in seen:
                    queue.append(link)
    assert pages > 250
    assert not found, "\n".join(
        f"{t!r} ({english[t]!r}) on {sorted(p)[:3]}" for t, p in found.items()
    )


def test_every_action_the_demo_set_audits_has_a_label(app, prepared_demo):
    from sqlalchemy import select

    from fund.audit.models import AuditEvent
    from fund.auditlog.words import ACTION_LABELS, SUBJECT_LABELS
    from fund.extensions import db

    prepared_demo.data("sqlite")
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEvent.action).distinct()))
        subjects = set(db.session.scalars(select(AuditEvent.subject_type).distinct()))
    assert len(actions) > 30 and len(subjects) > 5
    assert sorted(actions - set(ACTION_LABELS)) == []
    assert sorted(subjects - set(SUBJECT_LABELS)) == []


def test_refused_forms_read_in_the_pages_language(app, client):
    """A refusal said on a form (a refused sign-in, a wrong current password) is in the page's
    language, and the success message after a changed password too."""
    from tests.helpers import PASSWORD, csrf_token, new_user

    with app.app_context():
        email = new_user(language="fr").email
        db.session.commit()
    token = csrf_token(client, "/login")
    refused = client.post(
        "/login",
        data={"email": email, "password": "not-the-password", "csrf_token": token},
        headers={"Accept-Language": "fr"},
    )
    assert refused.status_code == 401
    page = refused.get_data(as_text=True)
    assert "L'adresse e-mail ou le mot de passe n'est pas correct." in html_text.unescape(page)
    assert "is not correct" not in page

    assert login(client, email).status_code == 302
    form = {"csrf_token": csrf_token(client, "/account/password"), "confirm_password": "x" * 20}
    wrong = client.post(
        "/account/password",
        data={**form, "current_password": "wrong", "new_password": "x" * 20},
    )
    assert wrong.status_code == 400
    said = html_text.unescape(wrong.get_data(as_text=True))
    assert "Votre mot de passe actuel n'est pas correct." in said
    # The error summary joins the field's label and its message as French writes a colon.
    assert "Mot de passe actuel\u00a0: Votre mot de passe actuel" in said
    changed = client.post(
        "/account/password",
        data={**form, "current_password": PASSWORD, "new_password": "x" * 20},
        follow_redirects=True,
    )
    text = html_text.unescape(changed.get_data(as_text=True))
    assert "Votre mot de passe a été modifié." in text


def test_a_refused_action_reads_in_the_pages_language(app, client, applicant, make_proposal):
    """A proposal's page that refuses an action says each problem, the action and a missing
    comment in the page's language: not the workflow's English ("Cannot withdraw: …")."""
    from fund.proposals.models import Proposal
    from tests.helpers import csrf_token

    proposal_id = make_proposal(applicant, complete=False, summary="")
    login(client, applicant.email)
    path = f"/proposals/{proposal_id}"
    client.get(f"{path}?lang=fr")

    def act(trigger: str) -> str:
        with app.app_context():
            version = db.session.get(Proposal, proposal_id).version
        answer = client.post(
            f"{path}/actions",
            data={"trigger": trigger, "version": version, "csrf_token": csrf_token(client, path)},
        )
        assert answer.status_code == 400
        page = html.fromstring(answer.data)
        return " ".join(page.xpath('string(//div[contains(@class, "error-summary")])').split())

    submitted = act("submit")
    assert "« Soumettre la proposition au secrétariat » exige d'abord ce qui suit" in submitted
    assert "Donnez un résumé." in submitted
    assert "Give a summary" not in submitted and "Submit" not in submitted
    # Amounts in a problem are written as French writes them, not "USD 500,000.00".
    assert "entre 500 000,00 $US et 3 000 000,00 $US pour cet appel" in submitted
    assert "USD" not in submitted
    withdrawn = act("withdraw")
    assert "Écrivez un commentaire : cette action en exige un." in withdrawn
    assert "Cannot" not in withdrawn and "withdraw" not in withdrawn


def test_a_workflow_refusal_says_its_reason_in_a_sentence_of_its_own() -> None:
    from fund.refusals import REASON_SENTENCES, action_problems
    from workflows import TransitionRefused

    guarded = TransitionRefused("guard", "submit", "draft", "…", problems=["Give a title."])
    assert action_problems(guarded) == ["Give a title."]
    for reason, sentence in REASON_SENTENCES.items():
        refused = TransitionRefused(reason, "withdraw", "draft", "a comment is required.")
        assert action_problems(refused) == [sentence]
        assert "withdraw" not in action_problems(refused)[0]


def test_a_submission_problem_names_its_country_in_the_pages_language(
    app, applicant, make_proposal
) -> None:
    from decimal import Decimal

    from flask_babel import force_locale

    from fund.proposals import operations
    from fund.proposals.checks import submission_problems
    from fund.proposals.models import Proposal

    proposal_id = make_proposal(applicant)
    rules = operations.Rules(indirect_rate=Decimal("0.07"), gender_minimum=2)
    with app.app_context(), app.test_request_context():
        proposal = db.session.get(Proposal, proposal_id)
        proposal.attachments = []  # no endorsement letter
        (problem,) = submission_problems(proposal, rules)
        assert problem.message == "Attach the endorsement letter of the Government of Chile."
        with force_locale("fr"):
            assert problem.translated == "Joignez la lettre d'appui du Gouvernement (Chili)."
        db.session.rollback()


def test_the_refusal_macro_says_a_workflows_refusal_in_the_pages_language(app) -> None:
    from flask import render_template_string
    from flask_babel import force_locale

    from workflows import TransitionRefused

    macro = '{% from "_refusal.html" import refusal %}{{ refusal(error, "—", "Il faut :") }}'
    state = TransitionRefused("state", "start_screening", "withdrawn", "the proposal is gone.")
    guard = TransitionRefused(
        "guard", "submit", "draft", "…", problems=["Give a title.", "Give a summary."]
    )
    with app.test_request_context(), force_locale("fr"):
        said_state = render_template_string(macro, error=state)
        said_guard = render_template_string(macro, error=guard)
        said_text = render_template_string(macro, error="Déjà dit.")
    assert "Cette action n'est pas possible en l'état actuel" in html_text.unescape(said_state)
    assert "Cannot" not in said_state and "start_screening" not in said_state
    assert "Il faut :" in said_guard and "<li>Donnez un titre.</li>" in said_guard
    assert "<p>Déjà dit.</p>" in said_text


def test_a_committee_and_an_invitation_refusal_say_a_missing_comment_in_the_pages_language(
    app,
) -> None:
    from flask import render_template_string
    from flask_babel import force_locale
    from flask_wtf import FlaskForm

    from fund.committee import workflow as round_workflow
    from fund.committee.models import VotingRound
    from fund.proposals import invitation_views
    from workflows import TransitionRefused

    missing = TransitionRefused("comment", "return_for_revision", "open", "a comment is required.")
    with app.test_request_context(), force_locale("fr"):
        committee = round_workflow.refusal(VotingRound(number=1), missing).said()
        shown, status = invitation_views._refusal(FlaskForm(meta={"csrf": False}), missing)
        # The page says what it is handed by the refusal macro's words.
        invitation = render_template_string(
            '{% from "_refusal.html" import refusal_said %}{{ refusal_said(shown) }}', shown=shown
        )
    expected = "Écrivez un commentaire\u00a0: cette action en exige un."
    invitation = invitation.strip().removeprefix("<p>").removesuffix("</p>")
    assert committee == expected and invitation == expected and status == 400


def test_a_label_and_its_text_are_joined_by_the_languages_colon(app) -> None:
    from flask import render_template_string
    from flask_babel import force_locale

    macro = '{% from "_labelled.html" import labelled %}{% call labelled("Met") %}x{% endcall %}'
    with app.test_request_context():
        english = render_template_string(macro)
        with force_locale("fr"):
            french = render_template_string(macro)
    assert english.strip() == "<strong>Met</strong>: x"
    assert french.strip() == "<strong>Met</strong>\u00a0: x"


def test_an_amount_within_an_arabic_sentence_is_a_left_to_right_unit(app) -> None:
    """Without it "US$" is split from its digits and the brackets around it turn ("($US 1,00")."""
    from decimal import Decimal

    from flask_babel import force_locale

    from fund.i18n import Money
    from fund.reports.pdf.styles import display_text
    from fund.sentences import said

    amount = Money(Decimal("321000"))
    with app.test_request_context():
        with force_locale("ar"):
            arabic = said(amount)
        with force_locale("fr"):
            french = said(amount)
    assert arabic.startswith("\u2066") and arabic.endswith("\u2069") and "US$" in arabic
    assert "\u2066" not in french
    with app.test_request_context("/?lang=ar"):
        from fund.i18n import money

        assert money(Decimal("1")).startswith("\u2066")  # in a table's cell as in a sentence
    # A PDF draws the sentence without the invisible marks (its fonts have no glyph for them).
    drawn = display_text(f"المجموع ({arabic})")
    assert "\u2066" not in drawn and "\u2069" not in drawn and "321,000.00" in drawn


FUND = Path(__file__).resolve().parent.parent / "fund"
TEMPLATES = FUND.parent / "templates"
# "{a}: {b}" in Python that no person reads in the page's language: errors for logs and the
# command line, the audit trail's codes, the open-data files (in English by their standards).
ENGLISH_COLONS = {
    "api/registry.py",
    "auditlog/queries.py",
    "caches/cli.py",
    "coverage/operations.py",
    "coverage/totals.py",
    "notifications/mail.py",
    "notifications/outbox.py",
    "reports/cli.py",
    "reports/giving360.py",
    "reports/iati.py",
    "reports/iati_results.py",
    "revisions/operations.py",
}
# A line that writes what is stored, audited or exported in English says so at its end.
STORED_IN_ENGLISH = "# stored in English"
JOINED_IN_PYTHON = re.compile(r'f"[^"]*\}: \{|f": \{')
JOINED_IN_TEMPLATES = re.compile(r"\}\}: |</strong>: |\}\}:</")


def test_no_label_and_text_are_joined_by_an_english_colon():
    """A page, an email, a PDF or a list of choices joins "label: text" by `fund.i18n.labelled`
    (or the `_labelled.html` macro): French puts a no-break space before the colon."""
    in_python = [
        f"{path.relative_to(FUND)}:{number}"
        for path in sorted(FUND.rglob("*.py"))
        if str(path.relative_to(FUND)) not in ENGLISH_COLONS
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if JOINED_IN_PYTHON.search(line) and not line.endswith(STORED_IN_ENGLISH)
    ]
    in_templates = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in sorted(TEMPLATES.rglob("*.*"))
        if path.name != "_labelled.html"
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if JOINED_IN_TEMPLATES.search(line)
    ]
    assert in_python == [] and in_templates == []


def test_choices_rows_and_lists_join_a_label_and_its_text_by_the_languages_colon(app) -> None:
    from flask import render_template_string
    from flask_babel import force_locale

    from fund.i18n import labelled

    macro = (
        '{% from "_labelled.html" import labelled %}'
        "{% call labelled(code, strong=false) %}{{ title }}{% endcall %}"
    )
    with app.test_request_context():
        assert labelled("TA1", "Migration data") == "TA1: Migration data"
        with force_locale("fr"):
            assert labelled("TA1", "Données") == "TA1\u00a0: Données"
            shown = render_template_string(macro, code="UNHCR", title="<Agence>")
    assert shown.strip() == "UNHCR\u00a0: &lt;Agence&gt;"


# A list a template writes item by item, separated by hand: ", " or "; " after an item, or a
# list joined with them; `{{ separator() }}` and the `listed` filter say the page's language's.
SEPARATED_BY_HAND = re.compile(
    r"loop\.last %\}[,;] |loop\.first %\}[,;] |join\(['\"][,;] ['\"]\)|\}\}[,;] \{% for"
    r"|\}\}[,;] \{\{|%\}[,;] \{\{"  # two values one after the other: "{{ a }}, {{ b }}"
    r"|~ *['\"][,;] ['\"] *~"  # two values joined in an expression: a ~ ", " ~ b
)


def test_no_template_separates_a_list_by_hand():
    by_hand = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if SEPARATED_BY_HAND.search(line)
    ]
    assert by_hand == []


# The same in Python: a label or a choice built from two values with a comma between them
# (f"{where}, {label}") reads "المؤشر 1, سنة" on an Arabic page; `listed` separates them.
SEPARATED_BY_HAND_IN_PYTHON = re.compile(r"f([\"'])[^\"']*\}[,;] \{[^\"']*\1")


def test_no_python_text_separates_two_values_by_hand():
    by_hand = [
        f"{path.relative_to(FUND)}:{number}"
        for path in sorted(FUND.rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if SEPARATED_BY_HAND_IN_PYTHON.search(line)
    ]
    assert by_hand == []


def test_no_template_writes_a_number_as_english_writes_it():
    """A count, an amount or a share on a page goes through `number`, `decimals`, `money` or
    `percent`, which write it as the page's language does ("1 234", "12,5 %"): no template
    formats one itself ("{:,}", "{:.1f}%", "%g", a rate's `normalize()`: `digits`)."""
    by_hand = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if re.search(r"'\{:[^']*\}'|'%g'|\.normalize\(\)|\d\.\d%", line)
    ]
    assert by_hand == []


def test_a_list_written_item_by_item_is_separated_in_the_pages_language(app) -> None:
    from flask import render_template_string
    from flask_babel import force_locale

    loop = (
        "{% for o in items %}<b>{{ o }}</b>{% if not loop.last %}{{ separator() }}{% endif %}"
        "{% endfor %}|{% for o in items %}{{ o }}{% if not loop.last %}"
        "{{ separator(long=true) }}{% endif %}{% endfor %}"
    )
    with app.test_request_context():
        assert render_template_string(loop, items=["IOM", "UNDP"]) == (
            "<b>IOM</b>, <b>UNDP</b>|IOM; UNDP"
        )
        with force_locale("ar"):
            assert render_template_string(loop, items=["IOM", "UNDP"]) == (
                "<b>IOM</b>، <b>UNDP</b>|IOM؛ UNDP"
            )
        with force_locale("fr"):
            assert render_template_string(loop, items=["OIM", "PNUD"]).endswith("OIM\u00a0; PNUD")


def test_an_earmarked_pool_and_its_area_are_joined_by_the_languages_colon(app) -> None:
    from flask_babel import force_locale

    from fund.finance.funding import pool_name

    with app.test_request_context():
        assert pool_name("TA4", {"TA4": "Decent work"}) == "TA4 earmark: Decent work"
        with force_locale("fr"):
            assert pool_name("TA4", {"TA4": "Travail décent"}) == (
                "Préaffectation TA4\u00a0: Travail décent"
            )


def test_a_list_is_separated_as_the_pages_language_separates_it(app) -> None:
    from flask import render_template_string
    from flask_babel import force_locale

    from fund.sentences import Listed, listed, said

    with app.test_request_context():
        assert listed(["IOM", "UNDP"]) == "IOM, UNDP"
        with force_locale("ar"):
            assert listed(["IOM", "UNDP", 3]) == "IOM، UNDP، 3"
            assert said(Listed(["sex", "age"])) == "sex، age"
            assert render_template_string("{{ ['IOM', 'UNDP']|listed }}") == "IOM، UNDP"
            assert said(Listed(["a", "b"], separator=" / ")) == "a / b"
            assert listed(["Kenya (KE)", "Uganda (UG)"], "; ") == "Kenya (KE)؛ Uganda (UG)"
            assert said(Listed(["a", "b"], separator="; ")) == "a؛ b"
        with force_locale("fr"):
            assert listed(["OIM", "PNUD"]) == "OIM, PNUD"
            assert listed(["Kenya", "Ouganda"], "; ") == "Kenya\u00a0; Ouganda"


def test_a_list_of_names_on_an_arabic_page_isolates_each_name(app, prepared_demo):
    """On a right-to-left page, each item of a list of names typed in another script (a
    national partner, an organization, an objective without its Arabic text) is isolated
    (`<bdi>`), so that its own direction does not scramble its neighbours'."""
    result = prepared_demo.data("sqlite")
    assert result.exit_code == 0, result.output
    client = app.test_client()
    assert login(client, "secretariat@demo.fund", DEMO_PASSWORD).status_code == 302
    page = client.get("/pipeline/", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert re.search(r"<bdi>[^<]+\(وزارة قطاعية\)</bdi>؛ <bdi>", page)
    assert re.search(r"<bdi>\d+\. [^<]+</bdi>؛ <bdi>\d+\. ", page)
    assert "</bdi>، <bdi>" in page  # countries, organizations


def test_a_negative_amount_keeps_its_sign_before_its_digits_in_arabic(app) -> None:
    """In an Arabic table "Interest less direct costs" of -23,549.68 read "23,549.68-": every
    amount, with or without its currency, is a left-to-right unit with its minus sign first
    (without the right-to-left mark Babel sets before the sign, which would carry it to the
    far end of the unit); other languages are written as they were."""
    from decimal import Decimal

    from fund.i18n import amount, money

    with app.test_request_context("/?lang=ar"):
        assert amount(Decimal("-23549.68")) == "\u2066-23,549.68\u2069"
        assert amount(Decimal("1234.5")) == "\u20661,234.50\u2069"
        said = money(Decimal("-23549.68"))
        assert said.startswith("\u2066-23,549.68") and said.endswith("US$\u2069")
        assert "\u200f" not in said and "\u061c" not in said
    with app.test_request_context("/?lang=fr"):
        assert amount(Decimal("-23549.68")) == "-23\u202f549,68"
    with app.test_request_context("/?lang=en"):
        assert amount(Decimal("-23549.68")) == "-23,549.68"


def test_arabic_calls_a_proposals_version_by_one_word() -> None:
    """The decision record's label said "النسخة التي اتُّخذ القرار بشأنها" and its value
    "الصيغة 1": every message about a version says النسخة, the word most of them used (الصيغة
    stays for a format: "بصيغة PDF")."""
    with open(CATALOGS / "ar" / "LC_MESSAGES" / "messages.po", "rb") as file:
        catalog = read_po(file)
    about_versions = [
        message
        for message in catalog
        if message.id
        and any(
            re.search(r"\bversions?\b", text, re.IGNORECASE)
            for text in (message.id if isinstance(message.id, tuple) else (message.id,))
        )
    ]
    assert len(about_versions) > 30
    other_word = [
        message.id
        for message in about_versions
        if any(
            re.search(r"(?<![بك])الصيغ", text or "")
            for text in (message.string if isinstance(message.string, tuple) else (message.string,))
        )
    ]
    assert other_word == []
    said = {message.id: message.string for message in about_versions}
    assert said["Version decided on"].startswith("النسخة")
    assert said["version %(number)s"] == "النسخة %(number)s"

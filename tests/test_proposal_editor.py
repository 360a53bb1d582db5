"""The guided proposal editor (without a browser): its sections and their completeness from the
submission checks, Save coming back to the section, the budget's totals as saved, the country
picker, the date input, attachments in the editor, Submit disabled with what is missing, the
withdrawal confirmed on its own page, and errors inside the tables' cells."""

from __future__ import annotations

import html
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from fund.extensions import db
from fund.money import rate_ratio
from fund.proposals import editor_sections
from fund.proposals.checks import Problem, submission_problems
from fund.proposals.editor_sections import SECTIONS, progress, section_of
from fund.proposals.models import Attachment, Proposal
from fund.proposals.operations import rules_from_config
from fund.reference.models import Country
from tests.concept_note_factories import new_concept_note, two_stage_call
from tests.factories import MINIMAL_PDF
from tests.helpers import csrf_token, edit_form, login, org_id

CHECKS = Path(__file__).resolve().parent.parent / "fund" / "proposals" / "checks.py"
SUBMIT = "Submit the proposal to the secretariat"


def _page(client, proposal_id: int) -> str:
    return client.get(f"/proposals/{proposal_id}/edit").get_data(as_text=True)


def _button(page: str, text: str) -> str:
    found = re.search(r"<button[^>]*>" + re.escape(text), page)
    assert found, f"no button {text!r}"
    return found.group(0)


# The sections -----------------------------------------------------------------------------------


def test_every_field_the_submission_checks_name_is_in_a_section():
    # The fields written in the checks (Problem(criterion, "field", ...) and the helpers'
    # field arguments): a new one without a section fails here, never silently.
    # (Up to the screening's list of criteria; the concept notes' editor is another.)
    source = CHECKS.read_text().split("# The automatic screening criteria")[0]
    named = set(re.findall(r'Problem\(\s*"[^"]+",\s*"([^"]+)"', source))
    named |= set(re.findall(r'"budget_limits",\s*"([^"]+)"', source))
    named |= set(re.findall(r'\(\s*"(\w+)",\s*"(?:a|the) \w+", proposal\.', source))
    assert {"title", "endorsers", "attachments", "budget", "results"} <= named
    for field in named | {"budget-3-year"}:
        assert section_of(field) in SECTIONS, field
    with pytest.raises(KeyError):
        section_of("no_such_field")


def test_progress_puts_each_problem_in_its_section_in_the_editors_order():
    problems = [
        Problem("required", "planned_start", "Give the planned start date."),
        Problem("endorsement", "attachments", "Attach the letter."),
        Problem("budget_limits", "budget-0-year", "Row 1 is late."),
        Problem("budget_limits", "budget", "ILO has no budget lines."),
    ]
    states = progress(problems)
    assert [s.section.anchor for s in states] == [s.anchor for s in SECTIONS]
    by_anchor = {s.section.anchor: s for s in states}
    assert [p.message for p in by_anchor["s-general"].problems] == ["Give the planned start date."]
    assert len(by_anchor["s-budget"].problems) == 2
    assert by_anchor["s-attachments"].problems == [problems[1]]
    assert [s.section.anchor for s in states if s.complete] == [
        "s-organizations",
        "s-countries",
        "s-objectives",
        "s-markers",
        "s-contacts",
        "s-results",
    ]


def test_the_editor_shows_each_sections_completeness_from_the_submission_checks(
    app, client, applicant, make_proposal
):
    proposal_id = make_proposal(applicant, complete=False)
    login(client, applicant.email)
    page = _page(client, proposal_id)
    with app.app_context():
        problems = submission_problems(
            db.session.get(Proposal, proposal_id), rules_from_config(app.config)
        )
    states = progress(problems)
    nav = page[page.index('class="editor-nav"') :]
    nav = nav[: nav.index("</nav>")]
    for state in states:
        assert f'href="#{state.section.anchor}"' in nav
        assert f'id="{state.section.anchor}"' in page
        entry = nav[nav.index(f'href="#{state.section.anchor}"') :]
        entry = entry[: entry.index("</li>")]
        if state.complete:
            assert "Complete" in entry, state.section.title
        else:
            assert f"{len(state.problems)} to fix" in entry, state.section.title
    complete = sum(s.complete for s in states)
    assert f"({complete} of {len(SECTIONS)} complete)" in nav
    assert complete < len(SECTIONS)
    # Each section says what it still needs, linked to the field.
    assert '<a href="#summary">Give a summary.</a>' not in page  # the draft has a summary
    assert '<a href="#rationale">Give the rationale.</a>' in page


def test_a_complete_draft_is_complete_in_every_section_and_may_be_submitted(
    client, applicant, make_proposal
):
    proposal_id = make_proposal(applicant)
    login(client, applicant.email)
    page = _page(client, proposal_id)
    assert f"({len(SECTIONS)} of {len(SECTIONS)} complete)" in page
    assert "to fix" not in page
    assert "disabled" not in _button(page, SUBMIT)


def test_submit_is_disabled_with_the_list_of_what_is_missing(client, applicant, make_proposal):
    proposal_id = make_proposal(applicant, complete=False)
    login(client, applicant.email)
    page = _page(client, proposal_id)
    button = _button(page, SUBMIT)
    assert "disabled" in button and 'aria-describedby="submit-missing-intro"' in button
    missing = page[page.index('id="submit-missing"') :]
    missing = missing[: missing.index("</ul>")]
    assert '<a href="#rationale">Give the rationale.</a>' in missing
    assert '<a href="#attachments">' in missing or "endorsement" not in missing
    # The proposal's page disables it as well, beside its own list.
    detail = client.get(f"/proposals/{proposal_id}").get_data(as_text=True)
    assert "disabled" in re.search(r'<button[^>]*value="submit"[^>]*>', detail).group(0)
    # No action left there needs a comment (the withdrawal asks for its reason on its own page).
    assert "Optional. Recorded in the timeline." in detail


def test_save_comes_back_to_the_section_whose_save_was_pressed(client, applicant, make_proposal):
    proposal_id = make_proposal(applicant, complete=False)
    login(client, applicant.email)
    form = edit_form(client, proposal_id)
    response = client.post(f"/proposals/{proposal_id}/edit", data=form | {"section": "s-markers"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/proposals/{proposal_id}/edit#s-markers"
    # The sticky bar's "Save draft", or an unknown section: the editor's top.
    response = client.post(
        f"/proposals/{proposal_id}/edit",
        data=edit_form(client, proposal_id) | {"section": "elsewhere", "save": "Save draft"},
    )
    assert response.headers["Location"] == f"/proposals/{proposal_id}/edit"
    assert {"s-markers", "s-budget"} <= editor_sections.ANCHORS


# The budget's totals, without JavaScript --------------------------------------------------------


def test_the_totals_by_organization_are_the_servers_after_save(
    app, client, applicant, make_proposal
):
    proposal_id = make_proposal(applicant, complete=False)
    login(client, applicant.email)
    ilo, iom = org_id("ILO", app), org_id("IOM", app)
    rows = [(ilo, "1000.05"), (ilo, "1,000.00"), (iom, "333.33")]
    form = edit_form(client, proposal_id)
    for i, (organization, amount) in enumerate(rows):
        form |= {
            f"budget-{i}-organization_id": str(organization),
            f"budget-{i}-objective_number": "1",
            f"budget-{i}-category_code": "1",
            f"budget-{i}-amount": amount,
        }
    assert client.post(f"/proposals/{proposal_id}/edit", data=form).status_code == 302
    page = _page(client, proposal_id)
    table = page[
        page.index('id="budget-totals"') : page.index("</table>", page.index('id="budget-totals"'))
    ]
    cells = re.findall(r"<t[hd][^>]*>(?:<strong>)?([^<]+)", table.split("<tbody")[1])
    # ILO: 2,000.05 direct, 7% is 140.0035 -> 140.00; IOM: 333.33, 23.3331 -> 23.33.
    assert cells == [
        "ILO", "USD 2,000.05", "USD 140.00", "USD 2,140.05",
        "IOM", "USD 333.33", "USD 23.33", "USD 356.66",
        "Total", "USD 2,333.38", "USD 163.33", "USD 2,496.71",
    ]  # fmt: skip
    numerator, denominator = rate_ratio(Decimal(app.config["INDIRECT_SUPPORT_RATE"]))
    assert f'data-rate-numerator="{numerator}"' in page
    assert f'data-rate-denominator="{denominator}"' in page


# Countries, dates, attachments -------------------------------------------------------------------


def test_countries_and_governments_are_checkboxes_that_save(app, client, applicant, make_proposal):
    proposal_id = make_proposal(applicant, complete=False)
    login(client, applicant.email)
    page = _page(client, proposal_id)
    with app.app_context():
        countries = db.session.scalar(select(db.func.count()).select_from(Country))
    for name in ("countries", "endorsers"):
        assert len(re.findall(rf'<input type="checkbox" [^>]*name="{name}"', page)) == countries
    assert "<select multiple" not in page and 'name="countries" multiple' not in page
    assert "Ctrl" not in page
    form = edit_form(client, proposal_id) | {
        "scope": "multi_country",
        "countries": ["CL", "MX"],
        "endorsers": ["MX"],
    }
    assert client.post(f"/proposals/{proposal_id}/edit", data=form).status_code == 302
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        assert sorted(c.iso2 for c in proposal.countries) == ["CL", "MX"]
        assert [c.iso2 for c in proposal.endorsers] == ["MX"]
    page = _page(client, proposal_id)
    ticked = re.findall(
        r'<input type="checkbox" [^>]*value="([A-Z]{2})" name="endorsers" checked>', page
    )
    assert ticked == ["MX"]


def test_the_planned_start_is_a_native_date_input_without_a_typed_format(
    client, applicant, make_proposal
):
    proposal_id = make_proposal(applicant, complete=False)
    login(client, applicant.email)
    page = _page(client, proposal_id)
    assert re.search(r'<input[^>]*id="planned_start"[^>]*type="date"', page)
    assert "YYYY-MM-DD" not in page


def _upload(client, proposal_id: int, data: bytes, filename: str, back: str | None = "editor"):
    token = csrf_token(client, f"/proposals/{proposal_id}/edit")
    fields = {
        "upload-csrf_token": token,
        "upload-kind": "concept_note",
        "upload-country_iso2": "",
        "upload-file": (io.BytesIO(data), filename),
    }
    if back:
        fields["back"] = back
    return client.post(
        f"/proposals/{proposal_id}/attachments", data=fields, content_type="multipart/form-data"
    )


def test_attachments_are_added_and_removed_in_the_editor(app, client, applicant, make_proposal):
    proposal_id = make_proposal(applicant, complete=False)
    login(client, applicant.email)
    page = _page(client, proposal_id)
    section = page[page.index('id="s-attachments"') : page.index('id="s-results"')]
    assert 'enctype="multipart/form-data"' in section and 'name="back" value="editor"' in section

    response = _upload(client, proposal_id, MINIMAL_PDF, "letter.pdf")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/proposals/{proposal_id}/edit#attachments"
    with app.app_context():
        attachment = db.session.scalar(
            select(Attachment).where(Attachment.proposal_id == proposal_id)
        )
        assert attachment.filename == "letter.pdf"
        attachment_id = attachment.id
    assert "letter.pdf" in _page(client, proposal_id)

    # A file that is not what it says: the editor again, the reason at the upload, nothing kept.
    refused = _upload(client, proposal_id, b"<html>not a pdf</html>", "fake.pdf")
    assert refused.status_code == 400
    body = refused.get_data(as_text=True)
    assert 'id="upload-error"' in body and 'id="proposal-form"' in body
    # Without the editor's mark the proposal's page answers, as before.
    assert 'id="proposal-form"' not in _upload(
        client, proposal_id, b"<html/>", "fake.pdf", back=None
    ).get_data(as_text=True)

    token = csrf_token(client, f"/proposals/{proposal_id}/edit")
    removed = client.post(
        f"/proposals/{proposal_id}/attachments/{attachment_id}/delete",
        data={"csrf_token": token, "back": "editor"},
    )
    assert removed.headers["Location"] == f"/proposals/{proposal_id}/edit#attachments"
    with app.app_context():
        assert db.session.get(Attachment, attachment_id) is None


# Withdrawing -------------------------------------------------------------------------------------


def test_withdraw_is_apart_and_confirmed_with_a_reason(app, client, applicant, make_proposal):
    proposal_id = make_proposal(applicant, "submitted")
    login(client, applicant.email)
    detail = client.get(f"/proposals/{proposal_id}").get_data(as_text=True)
    assert 'value="withdraw"' not in detail  # not among the action buttons
    assert f'href="/proposals/{proposal_id}/withdraw"' in detail
    assert 'class="danger-zone"' in detail

    page = client.get(f"/proposals/{proposal_id}/withdraw").get_data(as_text=True)
    assert "Yes, withdraw the proposal" in page and "No, keep it" in page
    token = csrf_token(client, f"/proposals/{proposal_id}/withdraw")
    with app.app_context():
        version = db.session.get(Proposal, proposal_id).version
    form = {"csrf_token": token, "version": version, "trigger": "withdraw"}

    # No reason: asked at its field, nothing changes.
    blank = client.post(f"/proposals/{proposal_id}/withdraw", data=form | {"comment": "  "})
    assert blank.status_code == 400
    body = blank.get_data(as_text=True)
    assert 'id="comment-error"' in body and 'aria-invalid="true"' in body
    with app.app_context():
        assert db.session.get(Proposal, proposal_id).status == "submitted"

    done = client.post(
        f"/proposals/{proposal_id}/withdraw", data=form | {"comment": "Funded elsewhere."}
    )
    assert done.status_code == 302
    with app.app_context():
        assert db.session.get(Proposal, proposal_id).status == "withdrawn"
    # Nothing to withdraw any more: back to the page.
    again = client.get(f"/proposals/{proposal_id}/withdraw")
    assert again.status_code == 302 and again.headers["Location"] == f"/proposals/{proposal_id}"


def test_the_editor_offers_the_withdrawal_apart_from_submit(client, applicant, make_proposal):
    proposal_id = make_proposal(applicant, complete=False)
    login(client, applicant.email)
    page = _page(client, proposal_id)
    zone = page[page.index('id="s-withdraw"') :]
    assert f'href="/proposals/{proposal_id}/withdraw"' in zone
    submit = page[page.index('id="s-submit"') : page.index('id="s-withdraw"')]
    assert "withdraw" not in submit.lower()


# Errors where they belong ------------------------------------------------------------------------


def test_errors_in_table_rows_are_under_their_field_in_its_cell(
    app, client, applicant, make_proposal
):
    proposal_id = make_proposal(applicant, complete=False)
    login(client, applicant.email)
    form = edit_form(client, proposal_id) | {
        "budget-0-organization_id": str(org_id("ILO", app)),
        "budget-0-objective_number": "1",
        "budget-0-category_code": "1",
        "budget-0-amount": "12.345",
        "contacts-0-name": "Focal Point",
        "contacts-0-email": "focal point at ilo",
    }
    response = client.post(f"/proposals/{proposal_id}/edit", data=form)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    for field in ("budget-0-amount", "contacts-0-email"):
        cell = re.search(
            r'<td class="[^"]*has-error">(.*?)</td>',
            page[page.index(f'for="{field}"') - 200 :],
            re.S,
        )
        assert cell, field
        content = cell.group(1)
        # The label, the field, then its error, all inside the one cell.
        assert content.index(f'id="{field}"') < content.index(f'id="{field}-error"'), field
        assert f'aria-describedby="{field}-error"' in content
        assert f'href="#{field}"' in page  # the summary links to it


def test_a_concept_note_is_withdrawn_through_the_same_confirmation(app, client, applicant):
    with app.app_context():
        note = new_concept_note(applicant, two_stage_call())
        db.session.commit()
        note_id, version = note.id, note.version
    login(client, applicant.email)
    page = client.get(f"/concept-notes/{note_id}").get_data(as_text=True)
    assert 'value="withdraw"' not in page
    assert f'href="/proposals/{note_id}/withdraw"' in page
    confirm = client.get(f"/proposals/{note_id}/withdraw").get_data(as_text=True)
    assert "Withdraw the concept note" in confirm and f'href="/concept-notes/{note_id}"' in confirm
    token = csrf_token(client, f"/proposals/{note_id}/withdraw")
    done = client.post(
        f"/proposals/{note_id}/withdraw",
        data={"csrf_token": token, "version": version, "trigger": "withdraw", "comment": "No."},
    )
    assert done.status_code == 302 and done.headers["Location"] == f"/concept-notes/{note_id}"
    with app.app_context():
        assert db.session.get(Proposal, note_id).status == "withdrawn"


def _upload_form(page: str) -> str:
    start = page.index('class="upload"')
    return page[page.rindex("<form", 0, start) : page.index("</form>", start)]


def _selected(form: str, name: str) -> str:
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', form, re.S)
    assert select, name
    chosen = re.search(
        r'<option[^>]*selected[^>]*value="([^"]*)"|<option[^>]*value="([^"]*)"[^>]*selected',
        select.group(1),
    )
    first = re.search(r'<option[^>]*value="([^"]*)"', select.group(1))
    return (chosen.group(1) or chosen.group(2)) if chosen else first.group(1)


def test_the_upload_forms_defaults_agree(client, applicant, make_proposal):
    # No kind of document until the applicant picks one: a default kind that needs a government
    # next to a default "not an endorsement letter" refused every unchanged upload.
    proposal_id = make_proposal(applicant, complete=False)
    login(client, applicant.email)
    form = _upload_form(_page(client, proposal_id))
    assert _selected(form, "upload-kind") == ""
    assert _selected(form, "upload-country_iso2") == ""
    # What the upload says when sent unchanged: the kind is asked for, at its field.
    token = csrf_token(client, f"/proposals/{proposal_id}/edit")
    refused = client.post(
        f"/proposals/{proposal_id}/attachments",
        data={
            "upload-csrf_token": token,
            "upload-kind": "",
            "upload-country_iso2": "",
            "upload-file": (io.BytesIO(MINIMAL_PDF), "letter.pdf"),
            "back": "editor",
        },
        content_type="multipart/form-data",
    )
    assert refused.status_code == 400
    body = refused.get_data(as_text=True)
    assert '<a href="#upload-kind" id="upload-error">Choose what kind of document this is.' in body


def test_a_refused_upload_lands_on_its_focused_error_summary(client, applicant, make_proposal):
    proposal_id = make_proposal(applicant, complete=False)
    login(client, applicant.email)
    form = _upload_form(_page(client, proposal_id))
    # The form posts to the summary's id: the browser scrolls to it and focuses it.
    action = re.search(r'action="([^"]*)"', form).group(1)
    assert action == f"/proposals/{proposal_id}/attachments#upload-problems"
    # What was typed above is not sent with the file: the form says so at its button.
    assert 'id="upload-save-first"' in form and 'aria-describedby="upload-save-first"' in form

    body = _upload(client, proposal_id, b"<html>not a pdf</html>", "fake.pdf").get_data(
        as_text=True
    )
    summary = re.search(r'<div class="error-summary" id="upload-problems"[^>]*>', body)
    assert summary and 'tabindex="-1"' in summary.group(0)
    assert "data-autofocus" in summary.group(0)
    assert body.count("data-autofocus") == 1  # the only summary that takes focus
    # It links to the field the problem is at: here the file.
    assert '<a href="#upload-file" id="upload-error">' in body
    assert 'id="upload-file"' in body


def test_the_upload_forms_governments_are_named_in_the_pages_language(
    app, client, applicant, make_proposal
):
    """The governments of the endorsement letter read as the rest of the page names them
    ("Mexique" on a French page, not "Mexico")."""
    from fund.reference.translations import country_name

    proposal_id = make_proposal(applicant, countries=["MX", "DE"])
    login(client, applicant.email)
    client.get("/?lang=fr")
    form = _upload_form(_page(client, proposal_id))
    select = re.search(r'<select[^>]*name="upload-country_iso2"[^>]*>(.*?)</select>', form, re.S)
    options = re.findall(r'<option[^>]*value="([A-Z]{2})"[^>]*>([^<]*)</option>', select.group(1))
    assert options, form
    with app.app_context():
        english = dict(db_country_names())
    for iso2, label in options:
        assert html.unescape(label) == country_name(iso2, "fr", english[iso2]), (iso2, label)
    assert any(html.unescape(label) != english[iso2] for iso2, label in options), options


def db_country_names() -> list[tuple[str, str]]:
    from fund.reference.models import Country

    return [(c.iso2, c.name) for c in db.session.scalars(select(Country))]


def test_no_id_is_used_twice_on_the_editor(client, applicant, make_proposal):
    """An id names one element: a label, an error link or a screen reader finds the one meant
    (the participants' list was both a div and a ul). Hidden inputs (each form's CSRF token)
    are not shown nor labelled, and are left aside."""
    proposal_id = make_proposal(applicant)
    login(client, applicant.email)
    page = re.sub(
        r'<input type="hidden"[^>]*>|<input id="[^"]*" name="[^"]*" type="hidden"[^>]*>',
        "",
        _page(client, proposal_id),
    )
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert ids and not {i for i in ids if ids.count(i) > 1}

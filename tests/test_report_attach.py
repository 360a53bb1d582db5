"""Attaching a file on a narrative report's page keeps what was typed: the file field and its
button belong to the report's own form (multipart), so the report's page saves the typed values
and attaches the file in one transaction, under the report's form key; a file refused, or none
chosen, saves nothing and shows the page again with everything typed.

The programme (tests.test_programme_reports.programme): funded, ILO leading with IOM taking
part."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from html import unescape

from sqlalchemy import select

from fund.extensions import db
from fund.reporting.models import ProgrammeReport, ReportAttachment
from tests.helpers import client_for, first_report, form_keys
from tests.test_programme_report_forms import PDF, _actions
from tests.test_programme_reports import (  # noqa: F401 - the fixtures
    _framework,
    prepared_programme,
    programme,
)


def _narrative(app, programme) -> tuple[int, list[int], list[int]]:  # noqa: F811
    with app.app_context():
        report = first_report(programme["proposal"], "annual_narrative")
        outcomes, indicators = _framework(programme["proposal"])
    return report.id, outcomes, indicators


def _typed(keys, outcomes, indicators) -> dict:
    """The report's form as typed: values, narratives and risks, not saved yet."""
    form = {**keys, "risks": "Floods in the north."}
    form |= {f"actual-{i}": "7.5" for i in indicators}
    form |= {f"narrative-{o}": "Two districts reached." for o in outcomes}
    return form


def test_the_attach_button_and_the_file_belong_to_the_reports_form(app, programme):  # noqa: F811
    report_id, _outcomes, _indicators = _narrative(app, programme)
    path = f"/programme-reports/{report_id}"
    page = client_for(app, programme["ilo"]).get(path).get_data(as_text=True)
    form = re.search(r'<form[^>]*id="report-content"[^>]*>', page).group(0)
    assert 'enctype="multipart/form-data"' in form
    field = re.search(r'<input type="file"[^>]*>', page).group(0)
    assert 'name="file"' in field and 'form="report-content"' in field
    button = re.search(r"<button[^>]*>Attach the file</button>", page).group(0)
    assert 'form="report-content"' in button and 'name="action" value="attach"' in button


def test_attaching_saves_what_was_typed_with_the_file(app, programme):  # noqa: F811
    report_id, outcomes, indicators = _narrative(app, programme)
    path = f"/programme-reports/{report_id}"
    staff = client_for(app, programme["ilo"])
    form = _typed(form_keys(staff, path, path), outcomes, indicators)
    form |= {"action": "attach", "file": (io.BytesIO(PDF), "field-visit.pdf")}
    sent = staff.post(path, data=form, content_type="multipart/form-data")
    assert sent.status_code == 302 and sent.headers["Location"].endswith("#attachments")
    shown = unescape(staff.get(path).get_data(as_text=True))
    assert "The report is saved." in shown and "field-visit.pdf attached." in shown
    with app.app_context():
        report = db.session.get(ProgrammeReport, report_id)
        assert {a.indicator_id: a.value for a in report.actuals} == dict.fromkeys(
            indicators, Decimal("7.5")
        )
        assert [n.text for n in report.narratives] == ["Two districts reached."] * len(outcomes)
        assert report.risks == "Floods in the north."
        assert [a.filename for a in report.attachments] == ["field-visit.pdf"]
        assert _actions(report_id) == ["report_saved", "report_attachment_added"]
    # Sent again (a double click): nothing more is done.
    form["file"] = (io.BytesIO(PDF), "field-visit.pdf")
    again = staff.post(path, data=form, content_type="multipart/form-data")
    assert again.status_code == 302
    with app.app_context():
        assert len(db.session.scalars(select(ReportAttachment)).all()) == 1


def test_a_file_refused_keeps_what_was_typed_and_saves_nothing(app, programme):  # noqa: F811
    report_id, outcomes, indicators = _narrative(app, programme)
    path = f"/programme-reports/{report_id}"
    staff = client_for(app, programme["ilo"])
    keys = form_keys(staff, path, path)
    for file, said in (
        ((io.BytesIO(b"<html>not a pdf</html>"), "evidence.pdf"), "Only PDF, DOCX or XLSX"),
        (None, "Choose a file to attach."),
    ):
        form = _typed(keys, outcomes, indicators) | {"action": "attach"}
        if file is not None:
            form["file"] = file
        sent = staff.post(path, data=form, content_type="multipart/form-data")
        page = unescape(sent.get_data(as_text=True))
        assert sent.status_code == 400
        error = re.search(r'<p class="error-message" id="file-error">(.*?)</p>', page)
        assert error and said in error.group(1)
        assert page.count('value="7.5"') == len(indicators)
        assert "Two districts reached." in page and "Floods in the north." in page
    with app.app_context():
        report = db.session.get(ProgrammeReport, report_id)
        assert (report.actuals, report.narratives, report.risks) == ([], [], "")
        assert report.attachments == [] and _actions(report_id) == []


def test_a_file_chosen_before_submitting_is_attached_with_the_report(app, programme):  # noqa: F811
    report_id, outcomes, indicators = _narrative(app, programme)
    path = f"/programme-reports/{report_id}"
    staff = client_for(app, programme["ilo"])
    form = _typed(form_keys(staff, path, path), outcomes, indicators)
    form |= {"action": "submit", "file": (io.BytesIO(PDF), "minutes.pdf")}
    sent = staff.post(path, data=form, content_type="multipart/form-data")
    assert sent.status_code == 302
    with app.app_context():
        report = db.session.get(ProgrammeReport, report_id)
        assert report.status == "submitted"
        assert [a.filename for a in report.attachments] == ["minutes.pdf"]
        assert _actions(report_id) == [
            "report_saved",
            "report_attachment_added",
            "report_submitted",
        ]


def test_a_refused_file_is_said_with_the_forms_other_refusals(app, programme):  # noqa: F811
    """A file refused while another field is wrong too: both are said at once, at their
    fields and in the summary, which says that nothing was saved."""
    report_id, outcomes, indicators = _narrative(app, programme)
    path = f"/programme-reports/{report_id}"
    staff = client_for(app, programme["ilo"])
    keys = form_keys(staff, path, path)
    for action in ("attach", "save", "submit"):
        form = _typed(keys, outcomes, indicators) | {f"actual-{indicators[0]}": "lots"}
        form |= {"action": action, "file": (io.BytesIO(b"MZ\x90\x00program"), "bad.exe")}
        sent = staff.post(path, data=form, content_type="multipart/form-data")
        page = unescape(sent.get_data(as_text=True))
        assert sent.status_code == 400, action
        summary = page[page.index('class="error-summary"') :]
        summary = summary[: summary.index("</div>")]
        assert f'href="#actual-{indicators[0]}"' in summary and 'href="#file"' in summary
        assert "Nothing was saved" in summary, action
        error = re.search(r'<p class="error-message" id="file-error">(.*?)</p>', page)
        assert error and "Only PDF, DOCX or XLSX" in error.group(1)
        assert 'value="lots"' in page
    # The file alone refused: the summary says that nothing was saved.
    form = _typed(keys, outcomes, indicators)
    form |= {"action": "attach", "file": (io.BytesIO(b"MZ\x90\x00program"), "bad.exe")}
    sent = staff.post(path, data=form, content_type="multipart/form-data")
    page = unescape(sent.get_data(as_text=True))
    summary = page[page.index('class="error-summary"') :]
    assert "Nothing was saved" in summary[: summary.index("</div>")]
    with app.app_context():
        report = db.session.get(ProgrammeReport, report_id)
        assert (report.actuals, report.narratives, report.risks) == ([], [], "")
        assert report.attachments == [] and _actions(report_id) == []

"""Submitting a report from its own form: "Submit the report" saves what the form holds, then
submits, in one transaction (what cannot be read saves nothing; a submission refused keeps what
was saved and the fields as typed, the reasons one sentence after another); and a financial
report is submitted only once every organization that was transferred money has entered its
expenditure.

The programme (tests.test_programme_reports.programme): funded, ILO leading with IOM taking
part, USD 100,000.00 transferred to ILO."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

import pytest
from sqlalchemy import select

from fund.extensions import db, utcnow
from fund.finance import operations as finance_operations
from fund.finance.models import Allocation
from fund.reporting import operations
from fund.reporting.models import ProgrammeReport, ReportExpenditure
from fund.reporting.workflow import missing_content
from tests.helpers import client_for, first_report, form_keys, org_id, user
from tests.test_programme_report_forms import _actions
from tests.test_programme_reports import (  # noqa: F401 - the fixtures
    _framework,
    prepared_programme,
    programme,
)

D = Decimal


def _narrative(app, programme) -> tuple[int, list[int], list[int]]:  # noqa: F811
    with app.app_context():
        report = first_report(programme["proposal"], "annual_narrative")
        outcomes, indicators = _framework(programme["proposal"])
    return report.id, outcomes, indicators


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


def test_the_report_page_submits_its_own_form(app, programme):  # noqa: F811
    report_id, _outcomes, _indicators = _narrative(app, programme)
    path = f"/programme-reports/{report_id}"
    page = client_for(app, programme["ilo"]).get(path).get_data(as_text=True)
    button = re.search(r"<button[^>]*>Submit the report</button>", page)
    assert button, "no submit button"
    assert 'form="report-content"' in button.group(0)
    # Sent to the report's own address (not to .../submit): a refused submission leaves the
    # person there.
    assert 'name="action" value="submit"' in button.group(0)
    assert "formaction" not in button.group(0)
    assert re.search(r'<form[^>]*action="' + path + r'"[^>]*id="report-content"', page)


def test_submit_saves_what_the_form_holds_then_submits(app, programme):  # noqa: F811
    report_id, outcomes, indicators = _narrative(app, programme)
    path = f"/programme-reports/{report_id}"
    staff = client_for(app, programme["ilo"])
    form = {**form_keys(staff, path, path), "risks": "Elections may delay the work."}
    form |= {f"actual-{i}": "1,250.5" for i in indicators}
    form |= {f"narrative-{o}": "Progress as planned." for o in outcomes}
    sent = staff.post(f"{path}/submit", data=form)
    assert sent.status_code == 302 and sent.headers["Location"] == path
    assert "The report is submitted to the secretariat." in _text(staff.get(path))
    with app.app_context():
        report = db.session.get(ProgrammeReport, report_id)
        assert report.status == "submitted"
        assert {a.indicator_id: a.value for a in report.actuals} == dict.fromkeys(
            indicators, D("1250.5")
        )
        assert [n.text for n in report.narratives] == ["Progress as planned."] * len(outcomes)
        assert report.risks == "Elections may delay the work."
        assert _actions(report_id) == ["report_saved", "report_submitted"]
    # Sent again (a double click): nothing more is done.
    again = staff.post(f"{path}/submit", data=form, follow_redirects=True)
    assert "This form had already been sent" in _text(again)
    with app.app_context():
        assert _actions(report_id) == ["report_saved", "report_submitted"]


def test_a_submission_refused_keeps_what_was_typed_and_says_why(app, programme):  # noqa: F811
    report_id, outcomes, indicators = _narrative(app, programme)
    path = f"/programme-reports/{report_id}"
    staff = client_for(app, programme["ilo"])
    form = {**form_keys(staff, path, path), "risks": "Elections may delay the work."}
    # The actuals and the narratives left empty.
    form |= {f"actual-{i}": "" for i in indicators} | {f"narrative-{o}": " " for o in outcomes}
    sent = staff.post(f"{path}/submit", data=form)
    body = _text(sent)
    assert sent.status_code == 400
    assert "Your changes are saved, but the report is not submitted." in body
    assert (
        f"Enter the actual of every indicator ({len(indicators)} missing). Write the narrative of "
        f"every outcome ({len(outcomes)} missing)."
    ) in body
    assert ".;" not in body
    # The fields as typed.
    assert ">Elections may delay the work.</textarea>" in body
    with app.app_context():
        report = db.session.get(ProgrammeReport, report_id)
        assert report.status == "due" and report.risks == "Elections may delay the work."
        assert _actions(report_id) == ["report_saved"]
    # Completed, it is submitted.
    form = {**form_keys(staff, path, path), "risks": "Elections may delay the work."}
    form |= {f"actual-{i}": "12.5" for i in indicators}
    form |= {f"narrative-{o}": "Progress as planned." for o in outcomes}
    assert staff.post(f"{path}/submit", data=form).status_code == 302
    with app.app_context():
        assert db.session.get(ProgrammeReport, report_id).status == "submitted"


def test_a_value_that_cannot_be_read_saves_and_submits_nothing(app, programme):  # noqa: F811
    report_id, outcomes, indicators = _narrative(app, programme)
    path = f"/programme-reports/{report_id}"
    staff = client_for(app, programme["ilo"])
    form = {**form_keys(staff, path, path), "risks": "Elections may delay the work."}
    form |= {f"actual-{i}": "12,5" for i in indicators}
    form |= {f"narrative-{o}": "Progress as planned." for o in outcomes}
    sent = staff.post(f"{path}/submit", data=form)
    body = _text(sent)
    assert sent.status_code == 400
    assert "Nothing was saved and the report is not submitted" in body
    assert f'id="actual-{indicators[0]}-error"' in body and 'value="12,5"' in body
    assert ">Elections may delay the work.</textarea>" in body
    with app.app_context():
        report = db.session.get(ProgrammeReport, report_id)
        assert report.status == "due" and not report.actuals and not report.risks
        assert _actions(report_id) == []


def test_a_financial_report_submitted_from_its_form_saves_the_lines(app, programme):  # noqa: F811
    with app.app_context():
        report_id = first_report(programme["proposal"], "annual_financial").id
    path = f"/programme-reports/{report_id}"
    field = f"e-{org_id('ILO', app)}-1"
    staff = client_for(app, programme["ilo"])
    over = staff.post(f"{path}/submit", data={**form_keys(staff, path, path), field: "100000.01"})
    assert over.status_code == 400 and 'value="100000.01"' in _text(over)
    assert "Nothing was saved and the report is not submitted" in _text(over)
    sent = staff.post(f"{path}/submit", data={**form_keys(staff, path, path), field: "1,250.50"})
    assert sent.status_code == 302
    with app.app_context():
        report = db.session.get(ProgrammeReport, report_id)
        assert report.status == "submitted"
        assert [line.amount for line in report.expenditures] == [D("1250.50")]


# Every organization that was transferred money -------------------------------------------------


@pytest.fixture
def both_paid(app, programme):  # noqa: F811
    """IOM is paid USD 50,000.00 too; the first annual financial report's id."""
    with app.app_context():
        allocation = db.session.scalar(
            select(Allocation).where(Allocation.proposal_id == programme["proposal"])
        )
        finance_operations.record_disbursement(
            user(programme["secretariat"]), allocation, org_id("IOM"), utcnow().date(), D("50000")
        )
        db.session.commit()
        return first_report(programme["proposal"], "annual_financial").id


def test_a_financial_report_needs_every_paid_organizations_expenditure(
    app,
    programme,  # noqa: F811
    both_paid,
):
    ilo, iom = org_id("ILO", app), org_id("IOM", app)
    said = (
        "Every organization that was transferred money enters its expenditure (a zero is an "
        "answer); nothing is entered yet for IOM (USD 50,000.00 transferred)."
    )
    with app.app_context():
        operations.save_financial(user(programme["ilo"]), both_paid, {(ilo, 1): D("150")})
        db.session.commit()
        assert missing_content(db.session.get(ProgrammeReport, both_paid)) == [said]
        with pytest.raises(operations.ReportRefused) as refused:
            operations.fire(user(programme["ilo"]), both_paid, "submit")
        assert refused.value.message == said
        db.session.rollback()
    path = f"/programme-reports/{both_paid}"
    staff = client_for(app, programme["ilo"])
    page = _text(staff.get(path))
    assert re.search(r"Before submitting:</p><ul><li>" + re.escape(said) + "</li>", page)
    # Submitted from the page: ILO's line saved, the submission refused, naming IOM.
    sent = staff.post(f"{path}/submit", data={**form_keys(staff, path, path), f"e-{ilo}-1": "200"})
    assert sent.status_code == 400 and said in _text(sent)
    with app.app_context():
        assert db.session.get(ProgrammeReport, both_paid).status == "due"
        assert db.session.scalar(select(ReportExpenditure.amount)) == D("200.00")
        # IOM enters its expenditure (a zero is an answer): ILO submits.
        operations.save_financial(user(programme["iom"]), both_paid, {(iom, 1): D("0")})
        db.session.commit()
        assert missing_content(db.session.get(ProgrammeReport, both_paid)) == []
        operations.fire(user(programme["ilo"]), both_paid, "submit")
        db.session.commit()
        assert db.session.get(ProgrammeReport, both_paid).status == "submitted"


def test_the_missing_organizations_are_said_in_the_pages_language(
    app,
    programme,  # noqa: F811
    both_paid,
):
    ilo = org_id("ILO", app)
    with app.app_context():
        operations.save_financial(user(programme["ilo"]), both_paid, {(ilo, 1): D("150")})
        db.session.commit()
    page = _text(client_for(app, programme["ilo"]).get(f"/programme-reports/{both_paid}?lang=fr"))
    assert "IOM (50\u202f000,00\u00a0$US" in page  # the amount as French writes it


def test_a_submission_refused_from_the_page_stays_at_the_reports_address(
    app,
    programme,  # noqa: F811
):
    """The button sends the report's form to its own address with action=submit: refused, the
    page is answered there, what was typed kept, so a reload shows the report (no 405)."""
    report_id, outcomes, indicators = _narrative(app, programme)
    path = f"/programme-reports/{report_id}"
    staff = client_for(app, programme["ilo"])
    form = {**form_keys(staff, path, path), "action": "submit", "risks": "Elections ahead."}
    form |= {f"actual-{i}": "" for i in indicators} | {f"narrative-{o}": " " for o in outcomes}
    sent = staff.post(path, data=form)
    body = _text(sent)
    assert sent.status_code == 400 and sent.request.path == path
    assert "Your changes are saved, but the report is not submitted." in body
    assert ">Elections ahead.</textarea>" in body
    assert staff.get(path).status_code == 200
    with app.app_context():
        assert db.session.get(ProgrammeReport, report_id).status == "due"
    form = {**form_keys(staff, path, path), "action": "submit", "risks": "Elections ahead."}
    form |= {f"actual-{i}": "12.5" for i in indicators}
    form |= {f"narrative-{o}": "Progress as planned." for o in outcomes}
    sent = staff.post(path, data=form)
    assert sent.status_code == 302 and sent.headers["Location"] == path
    with app.app_context():
        assert db.session.get(ProgrammeReport, report_id).status == "submitted"


def test_the_organizations_with_nothing_entered_are_listed_with_a_final_and(
    app,
    programme,  # noqa: F811
    both_paid,
    monkeypatch,
):
    """Within the sentence that already uses "; ", the organizations are one list in the
    page's language, the last after "and" (not joined by " ; ")."""
    from flask_babel import force_locale, gettext

    from fund.i18n import Money
    from fund.reporting import workflow
    from fund.sentences import N_, Sentence

    silent = [
        Sentence(
            N_("%(organization)s (%(amount)s transferred)"), organization=name, amount=Money(D(50))
        )
        for name in ("ILO", "IOM", "UNDP")
    ]
    monkeypatch.setattr(workflow, "_silent_organizations", lambda report: silent)
    with app.app_context():
        operations.save_financial(user(programme["ilo"]), both_paid, {(org_id("ILO"), 1): D("150")})
        report = db.session.get(ProgrammeReport, both_paid)
        [english] = missing_content(report)
        assert english.endswith(
            "nothing is entered yet for ILO (USD 50.00 transferred), IOM (USD 50.00 "
            "transferred) and UNDP (USD 50.00 transferred)."
        )
        with app.test_request_context("/"), force_locale("fr"):
            [french] = missing_content(report, gettext)
        db.session.rollback()
    listed = french.rsplit(";", 1)[1]  # after the sentence's own semicolon
    assert "ILO (" in listed and "), IOM (" in listed and ") et UNDP (" in listed


def test_the_decision_says_what_the_accept_would_refuse(app, programme):  # noqa: F811
    """A financial report submitted before an organization's first transfer lacks that
    organization's expenditure when the secretariat decides: the page says so beside the
    decision and offers no acceptance the guard would refuse (`report_complete`); returning
    it stays offered."""
    ilo, iom = org_id("ILO", app), org_id("IOM", app)
    with app.app_context():
        report_id = first_report(programme["proposal"], "annual_financial").id
        operations.save_financial(user(programme["ilo"]), report_id, {(ilo, 1): D("150")})
        operations.fire(user(programme["ilo"]), report_id, "submit")
        db.session.commit()
    path = f"/programme-reports/{report_id}"
    secretariat = client_for(app, programme["secretariat"])
    page = _text(secretariat.get(path))
    assert re.search(r'value="accept" class="button">', page)
    with app.app_context():
        allocation = db.session.scalar(
            select(Allocation).where(Allocation.proposal_id == programme["proposal"])
        )
        finance_operations.record_disbursement(
            user(programme["secretariat"]), allocation, iom, utcnow().date(), D("50000")
        )
        db.session.commit()
    page = _text(secretariat.get(path))
    decision = page.split("<h2>Decision</h2>")[1]
    assert "nothing is entered yet for IOM (USD 50,000.00 transferred)" in decision
    assert re.search(r'value="accept" class="button" disabled', decision)
    assert 'value="return" class="button secondary">' in decision

"""A programme report's attachments, its forms sent twice, each organization's expenditure lines,
the administrative agent's and the committee's reading, and how the report page words units and
the indirect support costs.

The programme (tests.test_programme_reports.programme): funded, ILO leading with IOM taking
part, USD 100,000.00 transferred to ILO."""

from __future__ import annotations

import hashlib
import io
import re
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from flask_babel import force_locale
from sqlalchemy import select

from fund import idempotency
from fund.audit.models import AuditEvent
from fund.extensions import db, utcnow
from fund.finance import operations as finance_operations
from fund.finance.models import Allocation
from fund.proposals.results import IndicatorTarget, ResultIndicator, ResultOutcome
from fund.proposals.results_versions import quantity
from fund.reporting import attachments, operations
from fund.reporting.models import ProgrammeReport, ReportAttachment, ReportExpenditure
from tests.helpers import client_for, csrf_token, first_report, form_keys, login, org_id, user
from tests.test_idempotency import post_together, same_session
from tests.test_programme_reports import (  # noqa: F401 - the fixtures
    _fill_narrative,
    prepared_programme,
    programme,
)

D = Decimal
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _actions(report_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(
                AuditEvent.subject_type == "programme_report",
                AuditEvent.subject_id == str(report_id),
            )
            .order_by(AuditEvent.id)
        )
    )


def _upload_keys(app, client: FlaskClient, path: str, person) -> dict[str, str]:
    """What a client of the attachments route (`/programme-reports/<id>/attachments`) sends
    besides the file: the CSRF token and a one-time key of `person` for that form. (The report's
    page attaches through the report's own form.)"""
    report_id = int(path.rsplit("/", 1)[1])
    with app.test_request_context():
        key = idempotency.issue(f"report_attachment.{report_id}", user(person))
    return {"csrf_token": csrf_token(client, path), idempotency.FIELD: key}


def _upload(client: FlaskClient, path: str, data: bytes, name: str, keys: dict[str, str]):
    return client.post(
        f"{path}/attachments",
        data={**keys, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


@pytest.fixture
def people(programme, create_user):  # noqa: F811 - the fixture imported above
    """The programme's people, with the administrative agent."""
    agent = create_user(roles=("administrative_agent",), organization_acronym=None, name="Agent")
    return {**programme, "agent": agent}


# Attachments ----------------------------------------------------------------------------------


def test_a_narrative_report_takes_attachments_its_readers_download(app, people):
    with app.app_context():
        report = first_report(people["proposal"], "annual_narrative")
    path = f"/programme-reports/{report.id}"
    staff = client_for(app, people["ilo"])
    sent = _upload(staff, path, PDF, "evidence.pdf", _upload_keys(app, staff, path, people["ilo"]))
    assert sent.status_code == 302 and sent.headers["Location"].endswith("#attachments")
    with app.app_context():
        stored = db.session.scalars(select(ReportAttachment)).one()
        assert (stored.report_id, stored.filename, stored.size) == (
            report.id,
            "evidence.pdf",
            len(PDF),
        )
        assert stored.sha256 == hashlib.sha256(PDF).hexdigest()
        assert stored.media_type == "application/pdf"
        assert _actions(report.id) == ["report_attachment_added"]
        attachment = stored.id
    download = f"{path}/attachments/{attachment}"
    # The programme's staff, the secretariat, the committee and the agent read it.
    for person in ("ilo", "iom", "secretariat", "committee", "agent"):
        got = client_for(app, people[person]).get(download)
        assert got.status_code == 200 and got.data == PDF, person
        assert got.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert client_for(app, people["undp"]).get(download).status_code == 404
    # The secretariat sees it on the report it reviews.
    page = client_for(app, people["secretariat"]).get(path).get_data(as_text=True)
    assert "evidence.pdf" in page and 'id="attachments"' in page
    assert "Attach the file" not in page


def test_a_file_a_proposal_would_refuse_is_refused_at_the_field(app, people):
    with app.app_context():
        narrative = first_report(people["proposal"], "annual_narrative")
        financial = first_report(people["proposal"], "annual_financial")
    path = f"/programme-reports/{narrative.id}"
    staff = client_for(app, people["ilo"])
    keys = _upload_keys(app, staff, path, people["ilo"])
    html = _upload(staff, path, b"<html><script>alert(1)</script></html>", "evidence.pdf", keys)
    assert html.status_code == 400
    assert "Only PDF, DOCX or XLSX files are accepted" in html.get_data(as_text=True)
    assert 'id="file-error"' in html.get_data(as_text=True)
    renamed = _upload(staff, path, PDF, "evidence.docx", keys)
    assert renamed.status_code == 400 and "rename it to .pdf" in renamed.get_data(as_text=True)
    empty = _upload(staff, path, b"", "evidence.pdf", keys)
    assert empty.status_code == 400
    none = staff.post(f"{path}/attachments", data=_upload_keys(app, staff, path, people["ilo"]))
    assert none.status_code == 400 and "Choose a file to attach." in none.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(ReportAttachment)).all() == []
        with pytest.raises(operations.ReportRefused, match="This is an annual financial report"):
            attachments.add_attachment(
                user(people["ilo"]),
                financial.id,
                filename="x.pdf",
                data=PDF,
                allowed_types=("pdf",),
                max_bytes=1000,
            )
        with pytest.raises(operations.ReportRefused, match="Only the staff"):
            attachments.add_attachment(
                user(people["undp"]),
                narrative.id,
                filename="x.pdf",
                data=PDF,
                allowed_types=("pdf",),
                max_bytes=1000,
            )
        with pytest.raises(operations.ReportRefused, match="limit is"):
            attachments.add_attachment(
                user(people["ilo"]),
                narrative.id,
                filename="x.pdf",
                data=PDF,
                allowed_types=("pdf",),
                max_bytes=10,
            )


def test_a_refusal_at_a_field_is_said_there_and_in_the_summary_not_again_above(app, people):
    """As every page shows a refusal that names its field (`refusals.place`): at the field,
    and linked from the summary of the page's problems; not a third time in an alert."""
    with app.app_context():
        narrative = first_report(people["proposal"], "annual_narrative")
    path = f"/programme-reports/{narrative.id}"
    staff = client_for(app, people["ilo"])
    none = staff.post(f"{path}/attachments", data=_upload_keys(app, staff, path, people["ilo"]))
    page = none.get_data(as_text=True)
    assert none.status_code == 400
    assert page.count("Choose a file to attach.") == 2
    assert '<li><a href="#file">Choose a file to attach.</a></li>' in page
    assert '<p class="error-message" id="file-error">Choose a file to attach.</p>' in page
    assert 'class="alert alert-error"' not in page
    secretariat = client_for(app, people["secretariat"])
    keys = form_keys(secretariat, path, f"{path}/due-date")
    moved = secretariat.post(
        f"{path}/due-date", data={**keys, "due_on": "2031-01-31", "reason": ""}
    )
    page = moved.get_data(as_text=True)
    assert moved.status_code == 400 and 'value="2031-01-31"' in page
    assert page.count("Give the reason for the new due date.") == 2
    assert 'id="reason-error"' in page and 'class="alert alert-error"' not in page


def test_attachments_are_removed_only_while_the_report_is_due_or_returned(app, people):
    with app.app_context():
        report = first_report(people["proposal"], "annual_narrative")
        _fill_narrative(people, people["proposal"], report.id)
        first = attachments.add_attachment(
            user(people["ilo"]),
            report.id,
            filename="a.pdf",
            data=PDF,
            allowed_types=("pdf",),
            max_bytes=1000,
        )
        operations.fire(user(people["ilo"]), report.id, "submit")
        db.session.commit()
        first_id = first.id
        with pytest.raises(operations.ReportRefused, match="no longer be changed"):
            attachments.remove_attachment(user(people["ilo"]), report.id, first_id)
        db.session.rollback()
        report_id = report.id
    path = f"/programme-reports/{report_id}"
    staff = client_for(app, people["ilo"])
    page = staff.get(path).get_data(as_text=True)
    assert "a.pdf" in page and "Remove" not in page and "Attach the file" not in page
    late = staff.post(
        f"{path}/attachments/{first_id}/delete", data={"csrf_token": csrf_token(staff, path)}
    )
    assert late.status_code == 409
    with app.app_context():
        operations.fire(user(people["secretariat"]), report_id, "return_for_changes", "Add more.")
        db.session.commit()
    keys = form_keys(staff, path, f"{path}/attachments/{first_id}/delete")
    removed = staff.post(f"{path}/attachments/{first_id}/delete", data=keys)
    assert removed.status_code == 302
    with app.app_context():
        assert db.session.scalars(select(ReportAttachment)).all() == []
        assert _actions(report_id)[-1] == "report_attachment_removed"


# Forms sent twice -----------------------------------------------------------------------------


def test_each_report_form_sent_twice_does_one_thing(app, people):
    with app.app_context():
        report = first_report(people["proposal"], "annual_financial")
    path = f"/programme-reports/{report.id}"
    field = f"e-{org_id('ILO', app)}-1"
    staff = client_for(app, people["ilo"])
    keys = form_keys(staff, path, path)
    assert staff.post(path, data={**keys, field: "10.00"}).status_code == 302
    again = staff.post(path, data={**keys, field: "20.00"}, follow_redirects=True)
    assert again.status_code == 200
    assert "This form had already been sent" in again.get_data(as_text=True)
    keys = form_keys(staff, path, path)  # the report's form, sent by its submit button
    assert staff.post(f"{path}/submit", data=keys).status_code == 302
    assert staff.post(f"{path}/submit", data=keys).status_code == 302  # not a 409
    office = client_for(app, people["secretariat"])
    keys = form_keys(office, path, f"{path}/decide")
    accepted = office.post(f"{path}/decide", data={**keys, "decision": "accept"})
    assert accepted.status_code == 302
    assert office.post(f"{path}/decide", data={**keys, "decision": "accept"}).status_code == 302
    with app.app_context():
        assert db.session.get(ProgrammeReport, report.id).status == "accepted"
        assert db.session.scalar(select(ReportExpenditure.amount)) == D("10.00")
        assert _actions(report.id) == ["report_saved", "report_submitted", "report_accepted"]


def test_an_attachment_sent_twice_is_attached_once(app, people):
    with app.app_context():
        report = first_report(people["proposal"], "annual_narrative")
    path = f"/programme-reports/{report.id}"
    staff = client_for(app, people["ilo"])
    keys = _upload_keys(app, staff, path, people["ilo"])
    assert _upload(staff, path, PDF, "a.pdf", keys).status_code == 302
    assert _upload(staff, path, PDF, "a.pdf", keys).status_code == 302
    with app.app_context():
        assert len(db.session.scalars(select(ReportAttachment)).all()) == 1


def test_a_refused_form_keeps_its_key_and_is_sent_again(app, people):
    with app.app_context():
        report = first_report(people["proposal"], "annual_financial")
    path = f"/programme-reports/{report.id}"
    field = f"e-{org_id('ILO', app)}-1"
    staff = client_for(app, people["ilo"])
    keys = form_keys(staff, path, path)
    over = staff.post(path, data={**keys, field: "100000.01"})
    assert over.status_code == 400 and keys["form_key"] in over.get_data(as_text=True)
    assert staff.post(path, data={**keys, field: "100000.00"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(ReportExpenditure.amount)) == D("100000.00")


# Each organization's lines --------------------------------------------------------------------


@pytest.fixture
def both_paid(app, people):
    """IOM is paid USD 50,000.00 too; the first annual financial report's id."""
    with app.app_context():
        allocation = db.session.scalar(
            select(Allocation).where(Allocation.proposal_id == people["proposal"])
        )
        finance_operations.record_disbursement(
            user(people["secretariat"]), allocation, org_id("IOM"), utcnow().date(), D("50000")
        )
        db.session.commit()
        return first_report(people["proposal"], "annual_financial").id


def _lines() -> dict[tuple[int, int], Decimal]:
    return {
        (line.organization_id, line.category_code): line.amount
        for line in db.session.scalars(select(ReportExpenditure))
    }


def test_each_organization_fills_its_own_lines(app, people, both_paid):
    ilo, iom = org_id("ILO", app), org_id("IOM", app)
    with app.app_context():
        operations.save_financial(user(people["ilo"]), both_paid, {(ilo, 1): D("100")})
        operations.save_financial(user(people["iom"]), both_paid, {(iom, 2): D("200")})
        db.session.commit()
        # IOM's save left ILO's line as it was.
        assert _lines() == {(ilo, 1): D("100.00"), (iom, 2): D("200.00")}
        # The same value of another organization's line is no change: accepted.
        operations.save_financial(
            user(people["ilo"]), both_paid, {(ilo, 1): D("150"), (iom, 2): D("200.00")}
        )
        db.session.commit()
        for changed in ({(iom, 2): D("250")}, {(iom, 2): None}, {(iom, 3): D("1")}):
            with pytest.raises(operations.ReportRefused, match="Only the staff of IOM") as refused:
                operations.save_financial(user(people["ilo"]), both_paid, changed)
            assert refused.value.field == f"organization-{iom}"
            db.session.rollback()
        assert _lines() == {(ilo, 1): D("150.00"), (iom, 2): D("200.00")}


def test_the_page_shows_other_organizations_lines_read_only_and_refuses_them(
    app, people, both_paid
):
    ilo, iom = org_id("ILO", app), org_id("IOM", app)
    with app.app_context():
        operations.save_financial(user(people["iom"]), both_paid, {(iom, 2): D("200")})
        db.session.commit()
    path = f"/programme-reports/{both_paid}"
    staff = client_for(app, people["ilo"])
    page = staff.get(path).get_data(as_text=True)
    assert f'id="e-{ilo}-1"' in page and f'id="e-{iom}-2"' not in page
    assert "Filled by the staff of IOM." in page and "USD 200.00" in page
    keys = form_keys(staff, path, path)
    forged = staff.post(path, data={**keys, f"e-{ilo}-1": "5", f"e-{iom}-2": "0"})
    body = forged.get_data(as_text=True)
    assert forged.status_code == 400
    assert "Only the staff of IOM fill IOM&#39;s expenditure: nothing was saved." in body
    assert f'href="#organization-{iom}"' in body
    with app.app_context():
        assert _lines() == {(iom, 2): D("200.00")}  # ILO's line was not saved either
    assert staff.post(path, data={**keys, f"e-{ilo}-1": "5"}).status_code == 302
    with app.app_context():
        assert _lines() == {(ilo, 1): D("5.00"), (iom, 2): D("200.00")}


def test_the_lead_organization_submits_a_financial_report(app, people, both_paid):
    iom = org_id("IOM", app)
    with app.app_context():
        operations.save_financial(user(people["iom"]), both_paid, {(iom, 1): D("10")})
        with pytest.raises(operations.ReportRefused, match=r"lead organization \(ILO\)"):
            operations.fire(user(people["iom"]), both_paid, "submit")
        db.session.rollback()
        operations.save_financial(user(people["iom"]), both_paid, {(iom, 1): D("10")})
        # ILO was transferred money too: its expenditure is entered (a zero is an answer).
        operations.save_financial(user(people["ilo"]), both_paid, {(org_id("ILO"), 1): D("0")})
        operations.fire(user(people["ilo"]), both_paid, "submit")
        db.session.commit()
        assert db.session.get(ProgrammeReport, both_paid).status == "submitted"
    page = client_for(app, people["iom"]).get(f"/programme-reports/{both_paid}")
    assert "Submit the report" not in page.get_data(as_text=True)


# Readers, words ---------------------------------------------------------------------------------


def test_the_agent_reads_the_list_and_the_reports_and_changes_nothing(app, people):
    with app.app_context():
        financial = first_report(people["proposal"], "annual_financial").id
    agent = client_for(app, people["agent"])
    assert agent.get("/programme-reports/").status_code == 200
    assert agent.get(f"/programme-reports/programme/{people['proposal']}").status_code == 200
    page = agent.get(f"/programme-reports/{financial}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Expenditure of the period" in text
    assert "Save the report" not in text and "Decision" not in text
    token = csrf_token(agent, f"/programme-reports/{financial}")
    path = f"/programme-reports/{financial}"
    assert agent.post(path, data={"csrf_token": token}).status_code == 403
    assert agent.post(f"{path}/submit", data={"csrf_token": token}).status_code == 403
    decide = {"csrf_token": token, "decision": "accept"}
    assert agent.post(f"{path}/decide", data=decide).status_code == 403


def test_the_committee_reads_the_reports_not_the_list(app, client, people):
    with app.app_context():
        narrative = first_report(people["proposal"], "annual_narrative").id
    login(client, people["committee"].email)
    assert client.get(f"/programme-reports/{narrative}").status_code == 200
    assert client.get("/programme-reports/").status_code == 403


def test_the_indirect_support_costs_are_labelled_plainly(app, people):
    with app.app_context():
        financial = first_report(people["proposal"], "annual_financial").id
    page = client_for(app, people["ilo"]).get(f"/programme-reports/{financial}")
    text = page.get_data(as_text=True)
    assert re.search(r">8\. Indirect support costs</label>", text)
    assert "computed" not in text


@pytest.mark.parametrize(
    ("value", "unit", "said"),
    [
        (1, "months", "1\u00a0month"),
        (D("1.0"), "months", "1\u00a0month"),
        (2, "months", "2\u00a0months"),
        (1, "people", "1\u00a0person"),
        (1, "countries", "1\u00a0country"),
        (1, "%", "1\u00a0%"),
        (1, "laws adopted", "1\u00a0laws adopted"),  # more than a word: as typed
        (1, "USD", "1\u00a0USD"),
        (1, "status", "1\u00a0status"),
        (1500, "people", "1,500\u00a0people"),
    ],
)
def test_a_unit_after_one_is_said_in_the_singular(value, unit, said):
    assert quantity(value, unit) == said


def test_a_quantity_s_number_is_written_as_the_page_s_language_writes_it(app):
    with app.test_request_context(), force_locale("fr"):
        assert quantity(1500, "people") == "1\u202f500\u00a0people"
        assert quantity(D("12.5"), "%") == "12,5\u00a0%"


def test_the_report_page_gives_the_target_in_its_unit(app, people):
    with app.app_context():
        report = first_report(people["proposal"], "annual_narrative")
        outcome = db.session.scalars(
            select(ResultOutcome).where(ResultOutcome.proposal_id == people["proposal"])
        ).first()
        indicator = ResultIndicator(definition="Time to a decision", unit="months")
        outcome.indicators.append(indicator)
        db.session.flush()

        db.session.add(IndicatorTarget(indicator_id=indicator.id, year=report.year, value=1))
        db.session.commit()
        year = report.year
    page = client_for(app, people["ilo"]).get(f"/programme-reports/{report.id}")
    assert f"Target for {year}: 1\u00a0month." in page.get_data(as_text=True)


def test_parallel_sends_of_the_save_and_submit_forms_do_each_once(app, backend, people):
    """Six tabs send the same save, then the same submission, at one moment: one save and one
    submission are recorded, and every tab is sent back to the report (none told of a
    conflict)."""
    with app.app_context():
        report = first_report(people["proposal"], "annual_financial")
    path = f"/programme-reports/{report.id}"
    field = f"e-{org_id('ILO', app)}-1"
    staff = client_for(app, people["ilo"])
    save = {**form_keys(staff, path, path), field: "10.00"}  # the session's CSRF secret first
    saves = post_together(same_session(app, staff, 6), path, save)
    submit = form_keys(staff, path, path)  # the report's form, by its submit button
    submits = post_together(same_session(app, staff, 6), f"{path}/submit", submit)
    for response in saves + submits:
        assert not isinstance(response, Exception), response
        assert response.status_code == 302 and response.headers["Location"] == path
    with app.app_context():
        assert _actions(report.id) == ["report_saved", "report_submitted"]
        assert db.session.get(ProgrammeReport, report.id).status == "submitted"

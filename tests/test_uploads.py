"""Attachments through the pages: upload, download, removal, refusals, who may fetch them."""

from __future__ import annotations

from sqlalchemy import select

from fund.extensions import db
from fund.proposals import operations
from fund.proposals.models import Attachment, Proposal
from tests.factories import MINIMAL_PDF, acting_secretariat
from tests.helpers import count_rows, csrf_token, login, upload


def test_upload_then_download_with_safe_headers(app, client, create_user, make_proposal):
    author = create_user(roles=("applicant",), organization_acronym="ILO")
    proposal_id = make_proposal(author)
    login(client, author.email)
    before = count_rows(Attachment, app)
    response = upload(client, proposal_id, MINIMAL_PDF, "concept.pdf")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert count_rows(Attachment, app) == before + 1
    with app.app_context():
        attachment = db.session.scalar(
            select(Attachment).where(Attachment.filename == "concept.pdf")
        )
        attachment_id = attachment.id
    download = client.get(f"/proposals/{proposal_id}/attachments/{attachment_id}")
    assert download.status_code == 200
    assert download.data == MINIMAL_PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download.headers["Content-Security-Policy"]


def test_html_disguised_as_pdf_is_refused_and_nothing_changes(
    app, client, create_user, make_proposal
):
    author = create_user(roles=("applicant",), organization_acronym="ILO")
    proposal_id = make_proposal(author)
    login(client, author.email)
    before = count_rows(Attachment, app)
    with app.app_context():
        version = db.session.get(Proposal, proposal_id).version
    response = upload(client, proposal_id, b"<html><script>alert(1)</script></html>", "x.pdf")
    assert response.status_code == 400
    assert "Only PDF, DOCX or XLSX" in response.get_data(as_text=True)
    assert count_rows(Attachment, app) == before
    with app.app_context():
        assert db.session.get(Proposal, proposal_id).version == version


def test_oversized_upload_is_refused(app, client, create_user, make_proposal):
    app.config["UPLOAD_MAX_BYTES"] = 1000
    author = create_user(roles=("applicant",), organization_acronym="ILO")
    proposal_id = make_proposal(author)
    login(client, author.email)
    response = upload(client, proposal_id, MINIMAL_PDF + b"0" * 2000, "big.pdf")
    assert response.status_code == 400
    assert "the limit is" in response.get_data(as_text=True)


def test_other_organization_cannot_download_or_upload(app, client, create_user, make_proposal):
    author = create_user(roles=("applicant",), organization_acronym="ILO")
    proposal_id = make_proposal(author)
    with app.app_context():
        attachment_id = db.session.scalar(
            select(Attachment.id).where(Attachment.proposal_id == proposal_id)
        )
    outsider = create_user(roles=("applicant",), organization_acronym="UNDP")
    login(client, outsider.email)
    assert client.get(f"/proposals/{proposal_id}/attachments/{attachment_id}").status_code == 404
    token = csrf_token(client, "/proposals")
    response = client.post(
        f"/proposals/{proposal_id}/attachments",
        data={"upload-csrf_token": token, "upload-kind": "other"},
    )
    assert response.status_code == 404


def test_secretariat_downloads_and_committee_only_from_review(
    app, client, create_user, make_proposal
):
    author = create_user(roles=("applicant",), organization_acronym="ILO")
    proposal_id = make_proposal(author, status="submitted")
    with app.app_context():
        attachment_id = db.session.scalar(
            select(Attachment.id).where(Attachment.proposal_id == proposal_id)
        )
    path = f"/proposals/{proposal_id}/attachments/{attachment_id}"
    staff = create_user(roles=("secretariat",), organization_acronym="IOM")
    login(client, staff.email)
    assert client.get(path).status_code == 200
    member_client = app.test_client()
    member = create_user(roles=("committee",), organization_acronym="UNHCR")
    login(member_client, member.email)
    assert member_client.get(path).status_code == 404


def test_remove_attachment_only_while_editable(app, client, create_user, make_proposal):
    author = create_user(roles=("applicant",), organization_acronym="ILO")
    proposal_id = make_proposal(author, status="submitted")
    with app.app_context():
        attachment_id = db.session.scalar(
            select(Attachment.id).where(Attachment.proposal_id == proposal_id)
        )
    login(client, author.email)
    token = csrf_token(client, f"/proposals/{proposal_id}")
    response = client.post(
        f"/proposals/{proposal_id}/attachments/{attachment_id}/delete",
        data={"csrf_token": token},
    )
    assert response.status_code == 400
    assert count_rows(Attachment, app) == 1
    with app.app_context():  # the secretariat returns it: editable again
        proposal = db.session.get(Proposal, proposal_id)
        secretariat = acting_secretariat()
        operations.fire(proposal, "start_screening", secretariat)
        operations.fire(proposal, "return_for_revision", secretariat, comment="Revise.")
        db.session.commit()
    response = client.post(
        f"/proposals/{proposal_id}/attachments/{attachment_id}/delete",
        data={"csrf_token": token},
    )
    assert response.status_code == 302
    assert count_rows(Attachment, app) == 0


def test_the_upload_form_states_the_types_the_check_takes(
    app, client, create_user, make_proposal, monkeypatch
):
    """The file picker and the hint say the types `UPLOAD_ALLOWED_TYPES` lets in, as the
    refusal does: with PDF alone, no DOCX or XLSX offered."""
    author = create_user(roles=("applicant",), organization_acronym="ILO")
    proposal_id = make_proposal(author)
    login(client, author.email)
    page = client.get(f"/proposals/{proposal_id}").get_data(as_text=True)
    assert 'accept=".pdf,.docx,.xlsx"' in page and "PDF, DOCX or XLSX, up to" in page
    monkeypatch.setitem(app.config, "UPLOAD_ALLOWED_TYPES", ("pdf",))
    page = client.get(f"/proposals/{proposal_id}").get_data(as_text=True)
    assert 'accept=".pdf"' in page and "PDF, up to" in page
    assert "DOCX" not in page.split('id="upload-hint"')[1].split("</p>")[0]

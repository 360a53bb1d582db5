"""Proposal attachments: recognising files by their content, safe names, and the operations
that add and remove files (refusals change nothing; successes are stored and audited)."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from fund.accounts.models import User
from fund.audit.models import AuditEvent
from fund.audit.queries import verify_chain
from fund.extensions import db
from fund.proposals.attachments import (
    MAX_FILENAME_LENGTH,
    MEDIA_TYPES,
    UploadRefused,
    add_attachment,
    remove_attachment,
    safe_filename,
    sniff,
)
from fund.proposals.models import Attachment, Proposal
from tests.factories import MINIMAL_PDF
from tests.helpers import count_rows, new_user

NOW = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
ALLOWED = ("pdf", "docx", "xlsx")
LIMIT = 10 * 1024 * 1024
TYPE_REFUSED = "Only PDF, DOCX or XLSX files are accepted; this file is not one of them."

CONTENT_TYPES_XML = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
)


def zip_bytes(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def make_docx() -> bytes:
    return zip_bytes(
        {
            "[Content_Types].xml": CONTENT_TYPES_XML,
            "_rels/.rels": b"<Relationships/>",
            "word/document.xml": b"<w:document><w:body><w:p/></w:body></w:document>",
        }
    )


def make_xlsx() -> bytes:
    return zip_bytes(
        {
            "[Content_Types].xml": CONTENT_TYPES_XML,
            "_rels/.rels": b"<Relationships/>",
            "xl/workbook.xml": b"<workbook><sheets/></workbook>",
            "xl/worksheets/sheet1.xml": b"<worksheet/>",
        }
    )


DOCX = make_docx()
XLSX = make_xlsx()
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 48 + b"This program"


# -- sniffing by content ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (MINIMAL_PDF, "pdf"),
        (DOCX, "docx"),
        (XLSX, "xlsx"),
        (zip_bytes({"[Content_Types].xml": CONTENT_TYPES_XML, "word/document.xml": b""}), "docx"),
        (HTML, None),
        (EXE, None),
        (b"", None),
        (b"%PDF", None),  # too short to be the header
        (b" %PDF-1.7", None),  # the header must come first
        (b"PK\x03\x04", None),  # a ZIP signature and nothing else
        (zip_bytes({"readme.txt": b"hello"}), None),
        (zip_bytes({"word/document.xml": b"<w:document/>"}), None),  # no content types
        (zip_bytes({"[Content_Types].xml": CONTENT_TYPES_XML}), None),  # neither main part
        (
            zip_bytes({"[Content_Types].xml": CONTENT_TYPES_XML, "ppt/presentation.xml": b"<p/>"}),
            None,  # a PowerPoint file
        ),
        (
            zip_bytes(
                {
                    "[Content_Types].xml": CONTENT_TYPES_XML,
                    "word/document.xml": b"",
                    "xl/workbook.xml": b"",
                }
            ),
            None,  # claims to be both: neither
        ),
        (DOCX[: len(DOCX) // 2], None),  # truncated: no central directory
        (EXE + DOCX, None),  # a self-extracting archive is an executable
        (HTML + DOCX, None),
    ],
    ids=[
        "pdf",
        "docx",
        "xlsx",
        "docx-stored-minimal",
        "html",
        "exe",
        "empty",
        "short-pdf-magic",
        "pdf-magic-not-first",
        "zip-signature-only",
        "zip-of-text",
        "zip-without-content-types",
        "zip-with-content-types-only",
        "pptx",
        "docx-and-xlsx",
        "truncated-docx",
        "exe-with-zip-appended",
        "html-with-zip-appended",
    ],
)
def test_sniff_judges_the_content(data, expected):
    assert sniff(data) == expected


def test_sniff_reads_only_the_zip_directory(monkeypatch):
    """A zip bomb costs nothing: no member is ever decompressed."""
    bomb = zip_bytes(
        {
            "[Content_Types].xml": CONTENT_TYPES_XML,
            "word/document.xml": b"\x00" * (8 * 1024 * 1024),
        }
    )
    assert len(bomb) < 64 * 1024

    def refuse(*args, **kwargs):
        raise AssertionError("sniff must not decompress members")

    monkeypatch.setattr(zipfile.ZipFile, "open", refuse)
    monkeypatch.setattr(zipfile.ZipFile, "read", refuse)
    monkeypatch.setattr(zipfile.ZipFile, "extract", refuse)
    monkeypatch.setattr(zipfile.ZipFile, "extractall", refuse)
    monkeypatch.setattr(zipfile.ZipFile, "testzip", refuse)
    assert sniff(bomb) == "docx"


def test_sniff_refuses_an_archive_with_too_many_members():
    members = {"[Content_Types].xml": CONTENT_TYPES_XML, "word/document.xml": b""}
    members.update({f"junk/{n}": b"" for n in range(10_001)})
    assert sniff(zip_bytes(members, zipfile.ZIP_STORED)) is None


def test_media_types_are_the_official_ones():
    assert MEDIA_TYPES == {
        "pdf": "application/pdf",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }


# -- safe file names --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Endorsement letter.pdf", "Endorsement letter.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\ana\\Budget 2025.xlsx", "Budget 2025.xlsx"),
        ("/home/ana/report.docx", "report.docx"),
        ("dir/", "attachment"),
        ("", "attachment"),
        (None, "attachment"),
        ("..", "attachment"),
        ("...", "attachment"),
        (".pdf", "attachment.pdf"),
        ("   ", "attachment"),
        ("letter\x00.pdf", "letter.pdf"),
        ("line\nbreak\t.pdf", "line break.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # right-to-left override removed
        ('what?*:"<>|.pdf', "what.pdf"),
        ("  spaced   out  .docx", "spaced out.docx"),
        ("Carta de respaldo – Chile.PDF", "Carta de respaldo – Chile.PDF"),  # noqa: RUF001
        ("trailing.dots...", "trailing.dots"),
        ("no-extension", "no-extension"),
    ],
)
def test_safe_filename(name, expected):
    assert safe_filename(name) == expected


def test_safe_filename_truncates_but_keeps_the_extension():
    name = safe_filename("x" * 500 + ".docx")
    assert len(name) == MAX_FILENAME_LENGTH
    assert name.endswith("xxx.docx")


@settings(database=None, deadline=None, max_examples=300)
@given(name=st.text(max_size=400))
def test_safe_filename_is_always_safe(name):
    result = safe_filename(name)
    assert 1 <= len(result) <= MAX_FILENAME_LENGTH
    assert "/" not in result and "\\" not in result
    assert result not in {".", ".."} and not result.startswith((".", " "))
    assert all(ch.isprintable() for ch in result)
    assert result == result.strip()


# -- adding attachments ------------------------------------------------------------------------


def _upload(proposal, actor, **overrides):
    values = {
        "filename": "concept-note.pdf",
        "data": MINIMAL_PDF,
        "kind": "concept_note",
        "country_iso2": None,
        "allowed_types": ALLOWED,
        "max_bytes": LIMIT,
        "now": NOW,
    }
    values.update(overrides)
    return add_attachment(proposal, actor, **values)


REFUSALS = [
    pytest.param({"data": b""}, "The file is empty.", id="empty"),
    pytest.param(
        {"data": b"%PDF-" + b"\x00" * (12_897_484 - 5)},
        "The file is 12.3 MB; the limit is 10 MB.",
        id="too-large",
    ),
    pytest.param(
        {"data": MINIMAL_PDF, "max_bytes": len(MINIMAL_PDF) - 1},
        f"The file is {len(MINIMAL_PDF)} bytes; the limit is {len(MINIMAL_PDF) - 1} bytes.",
        id="one-byte-over",
    ),
    pytest.param({"data": HTML, "filename": "page.html"}, TYPE_REFUSED, id="html"),
    pytest.param({"data": HTML, "filename": "letter.pdf"}, TYPE_REFUSED, id="html-named-pdf"),
    pytest.param({"data": EXE, "filename": "budget.xlsx"}, TYPE_REFUSED, id="exe-named-xlsx"),
    pytest.param(
        {"data": zip_bytes({"notes.txt": b"hi"}), "filename": "notes.docx"},
        TYPE_REFUSED,
        id="zip-named-docx",
    ),
    pytest.param(
        {"data": DOCX, "filename": "note.docx", "allowed_types": ("pdf",)},
        "Only PDF files are accepted; this file is not one of them.",
        id="type-not-allowed",
    ),
    pytest.param(
        {"data": MINIMAL_PDF, "filename": "budget.docx"},
        "The file name ends in .docx but the file is a PDF document; "
        "rename it to .pdf or choose the right file.",
        id="pdf-named-docx",
    ),
    pytest.param(
        {"data": XLSX, "filename": "budget.pdf"},
        "The file name ends in .pdf but the file is a XLSX document; "
        "rename it to .xlsx or choose the right file.",
        id="xlsx-named-pdf",
    ),
    pytest.param(
        {"data": MINIMAL_PDF, "filename": "scan.jpg"},
        "The file name ends in .jpg but the file is a PDF document; "
        "rename it to .pdf or choose the right file.",
        id="pdf-named-jpg",
    ),
    pytest.param(
        {"kind": "endorsement_letter", "country_iso2": None},
        "Choose the country whose government signed this endorsement letter.",
        id="letter-without-country",
    ),
    pytest.param(
        {"kind": "endorsement_letter", "country_iso2": "  "},
        "Choose the country whose government signed this endorsement letter.",
        id="letter-with-blank-country",
    ),
    pytest.param(
        {"kind": "endorsement_letter", "country_iso2": "MX"},
        "MX is not among the endorsing governments of this proposal; "
        "add it to the endorsing governments first.",
        id="letter-from-a-non-endorser",
    ),
    pytest.param(
        {"kind": "concept_note", "country_iso2": "CL"},
        "Only a government endorsement letter names a country; a concept note does not.",
        id="concept-note-with-country",
    ),
    pytest.param(
        {"kind": "budget", "country_iso2": "CL"},
        "Only a government endorsement letter names a country; a detailed budget does not.",
        id="budget-with-country",
    ),
    pytest.param({"kind": "photo"}, "Choose what kind of document this is.", id="unknown-kind"),
    pytest.param({"kind": ""}, "Choose what kind of document this is.", id="no-kind"),
]


@pytest.mark.parametrize(("overrides", "message"), REFUSALS)
def test_refused_upload_changes_nothing(app, author, make_proposal, overrides, message):
    proposal_id = make_proposal(author)
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        actor = db.session.get(User, author.id)
        attachments_before = [a.id for a in proposal.attachments]
        stored_before, events_before = count_rows(Attachment), count_rows(AuditEvent)
        version_before = proposal.version

        with pytest.raises(UploadRefused) as refused:
            _upload(proposal, actor, **overrides)

        assert str(refused.value) == message
        assert refused.value.message == message
        assert isinstance(refused.value, ValueError)
        assert [a.id for a in proposal.attachments] == attachments_before
        assert not db.session.new and not db.session.dirty
        db.session.commit()
        assert count_rows(Attachment) == stored_before
        assert count_rows(AuditEvent) == events_before
        assert db.session.get(Proposal, proposal_id).version == version_before


def test_over_a_small_limit_says_so_in_bytes_and_kb(app, author, make_proposal):
    proposal_id = make_proposal(author)
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        actor = db.session.get(User, author.id)
        with pytest.raises(UploadRefused, match=r"^The file is 1.1 KB; the limit is 1 KB\.$"):
            _upload(
                proposal,
                actor,
                data=MINIMAL_PDF + b"\x00" * (1025 - len(MINIMAL_PDF)),
                max_bytes=1024,
            )
        with pytest.raises(UploadRefused, match=r"^The file is 45 bytes; the limit is 44 bytes\.$"):
            _upload(proposal, actor, data=MINIMAL_PDF.ljust(45), max_bytes=44)


@pytest.mark.parametrize("status", ["submitted", "screening", "approved", "withdrawn"])
def test_files_cannot_be_added_once_editing_is_closed(app, author, make_proposal, status):
    proposal_id = make_proposal(author, status=status)
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        actor = db.session.get(User, author.id)
        events_before = count_rows(AuditEvent)
        with pytest.raises(UploadRefused, match="can no longer be changed"):
            _upload(proposal, actor)
        assert len(proposal.attachments) == 1
        assert count_rows(AuditEvent) == events_before


def test_the_size_limit_is_inclusive(app, author, make_proposal):
    proposal_id = make_proposal(author)
    limit = 4096
    exactly = MINIMAL_PDF + b"\x00" * (limit - len(MINIMAL_PDF))
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        actor = db.session.get(User, author.id)
        with pytest.raises(UploadRefused, match="limit is 4 KB"):
            _upload(proposal, actor, data=exactly + b"\x00", max_bytes=limit)
        attachment = _upload(proposal, actor, data=exactly, max_bytes=limit)
        assert attachment.size == limit
        db.session.commit()


def test_adding_stores_the_file_and_audits_it(app, backend, author, make_proposal):
    proposal_id = make_proposal(author)
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        actor = db.session.get(User, author.id)
        version_before = proposal.version
        events_before = count_rows(AuditEvent)

        letter = _upload(
            proposal,
            actor,
            filename="C:\\scans\\Endorsement Chile (signed).PDF",
            data=MINIMAL_PDF,
            kind="endorsement_letter",
            country_iso2=" cl ",
        )
        budget = _upload(proposal, actor, filename="budget", data=XLSX, kind="budget")
        note = _upload(proposal, actor, filename="Concept note.docx", data=DOCX)
        db.session.commit()
        ids = (letter.id, budget.id, note.id)
        assert proposal.attachments[-3:] == [letter, budget, note]
        assert proposal.version > version_before

    with app.app_context():
        stored = [db.session.get(Attachment, i) for i in ids]
        expected = [
            ("endorsement_letter", "CL", "Endorsement Chile (signed).PDF", "pdf", MINIMAL_PDF),
            ("budget", None, "budget.xlsx", "xlsx", XLSX),
            ("concept_note", None, "Concept note.docx", "docx", DOCX),
        ]
        for attachment, (kind, country, filename, file_type, data) in zip(
            stored, expected, strict=True
        ):
            assert attachment.proposal_id == proposal_id
            assert (attachment.kind, attachment.country_iso2) == (kind, country)
            assert attachment.filename == filename
            assert attachment.media_type == MEDIA_TYPES[file_type]
            assert attachment.size == len(data)
            assert attachment.sha256 == hashlib.sha256(data).hexdigest()
            assert attachment.content == data
            assert attachment.uploaded_by_id == author.id
            assert attachment.uploaded_at == NOW

        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.id > events_before).order_by(AuditEvent.id)
        ).all()
        assert [e.action for e in events] == ["attachment_added"] * 3
        for event, attachment in zip(events, stored, strict=True):
            assert (event.subject_type, event.subject_id) == ("proposal", str(proposal_id))
            assert event.actor_id == author.id
            assert event.occurred_at == NOW
            assert event.details == {
                "attachment_id": attachment.id,
                "filename": attachment.filename,
                "kind": attachment.kind,
                "country": attachment.country_iso2,
                "sha256": attachment.sha256,
                "size": attachment.size,
            }
        assert verify_chain().intact


def test_a_returned_proposal_takes_new_files(app, author, make_proposal):
    proposal_id = make_proposal(author, status="returned")
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        actor = db.session.get(User, author.id)
        attachment = _upload(proposal, actor, data=DOCX, filename="revised.docx")
        db.session.commit()
        assert attachment.id is not None


# -- removing attachments ----------------------------------------------------------------------


def test_removing_deletes_the_file_and_audits_it(app, backend, author, make_proposal):
    proposal_id = make_proposal(author)
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        actor = db.session.get(User, author.id)
        letter = proposal.attachments[0]
        letter_id, sha256 = letter.id, letter.sha256
        remove_attachment(proposal, letter, actor, NOW)
        db.session.commit()
        assert proposal.attachments == []

    with app.app_context():
        assert db.session.get(Attachment, letter_id) is None
        event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert event.action == "attachment_removed"
        assert (event.subject_type, event.subject_id) == ("proposal", str(proposal_id))
        assert event.details["attachment_id"] == letter_id
        assert event.details["sha256"] == sha256
        assert event.details["country"] == "CL"
        assert verify_chain().intact


FOREIGN = re.escape("Only people of the proposal's organization can change its files.")


def test_only_the_proposals_organization_changes_its_files(app, author, make_proposal):
    """The files change by the rule the proposal's content does (`refusal_to_edit`): a draft's
    files are added and removed by people of its organization only, whoever calls the
    operation."""
    proposal_id = make_proposal(author)
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        stranger = new_user(("applicant",), "IOM")
        db.session.commit()
        events_before = count_rows(AuditEvent)
        with pytest.raises(UploadRefused, match=FOREIGN):
            _upload(proposal, stranger)
        db.session.rollback()
        with pytest.raises(UploadRefused, match=FOREIGN):
            remove_attachment(proposal, proposal.attachments[0], stranger, NOW)
        db.session.rollback()
        assert len(db.session.get(Proposal, proposal_id).attachments) == 1
        assert count_rows(AuditEvent) == events_before


def test_files_cannot_be_removed_once_submitted(app, author, make_proposal):
    proposal_id = make_proposal(author, status="submitted")
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        actor = db.session.get(User, author.id)
        events_before = count_rows(AuditEvent)
        with pytest.raises(UploadRefused, match="can no longer be changed"):
            remove_attachment(proposal, proposal.attachments[0], actor, NOW)
        db.session.commit()
        assert len(db.session.get(Proposal, proposal_id).attachments) == 1
        assert count_rows(AuditEvent) == events_before


def test_a_file_of_another_proposal_cannot_be_removed(app, author, make_proposal):
    mine, other = make_proposal(author), make_proposal(author)
    with app.app_context():
        proposal = db.session.get(Proposal, mine)
        foreign = db.session.get(Proposal, other).attachments[0]
        actor = db.session.get(User, author.id)
        with pytest.raises(UploadRefused, match="not attached to this proposal"):
            remove_attachment(proposal, foreign, actor, NOW)
        db.session.commit()
        assert len(db.session.get(Proposal, other).attachments) == 1


def test_an_upload_without_a_file_and_with_a_bad_kind_says_both(app, author, make_proposal):
    # Two refusals of the form at once (their messages translated lazily) are joined into one
    # sentence: the page answers 400 with both, never a server error.
    from tests.helpers import client_for, csrf_token

    proposal_id = make_proposal(author, complete=False)
    client = client_for(app, author)
    token = csrf_token(client, f"/proposals/{proposal_id}")
    response = client.post(
        f"/proposals/{proposal_id}/attachments",
        data={"csrf_token": token, "upload-kind": "photo"},
    )
    assert response.status_code == 400, response.status_code
    assert "Choose a file to upload." in response.get_data(as_text=True)

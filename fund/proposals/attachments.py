"""Files attached to a proposal: what a file is (by its content, never its name), and the
operations that add or remove one. Callers commit.

Only PDF, DOCX and XLSX files are recognised. A file is judged by its bytes: a PDF starts with
``%PDF-``; a DOCX or XLSX is a ZIP archive (starting with a local file header) whose central
directory names ``[Content_Types].xml`` and ``word/document.xml`` or ``xl/workbook.xml``. The
archive is never extracted, so a zip bomb costs no more than reading its directory.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR
from typing import Any, TypeVar

from fund.audit.operations import add_recorded, record
from fund.extensions import db, utcnow
from fund.i18n import FileSize
from fund.labels import N_
from fund.proposals.models import Attachment, AttachmentKind, Proposal, StoredFile
from fund.proposals.operations import refusal_to_edit
from fund.refusals import Refused
from fund.sentences import Within, either, said

__all__ = [
    "MAX_FILENAME_LENGTH",
    "MEDIA_TYPES",
    "UploadRefused",
    "add_attachment",
    "check_content",
    "file_details",
    "remove_attachment",
    "safe_filename",
    "sniff",
    "stored_file",
]

F = TypeVar("F", bound=StoredFile)

MEDIA_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


MAX_FILENAME_LENGTH = 200
FALLBACK_FILENAME = "attachment"

_PDF_MAGIC = b"%PDF-"
_ZIP_MAGIC = b"PK\x03\x04"
_CONTENT_TYPES = "[Content_Types].xml"
_OOXML_MAIN_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
# A real document has a few dozen members; a directory with more is not worth reading.
_MAX_ZIP_MEMBERS = 10_000

# Characters that are path separators or reserved in file names on common systems.
_UNSAFE_CHARACTERS = frozenset('/\\:*?"<>|')
_EXTENSION = re.compile(r"[A-Za-z0-9]{1,10}")


class UploadRefused(Refused, ValueError):
    """A file that cannot be attached; the message says why, in words for the applicant."""


def sniff(data: bytes) -> str | None:
    """The type of `data` judged by its content: "pdf", "docx", "xlsx", or None for anything
    else (HTML, executables, other archives, truncated or corrupt ZIP files)."""
    if data.startswith(_PDF_MAGIC):
        return "pdf"
    if not data.startswith(_ZIP_MAGIC):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > _MAX_ZIP_MEMBERS:
                return None
            names = {info.filename for info in infos}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        return None
    if _CONTENT_TYPES not in names:
        return None
    found = [kind for kind, part in _OOXML_MAIN_PART.items() if part in names]
    return found[0] if len(found) == 1 else None


def safe_filename(name: str | None) -> str:
    """A file name safe to store and offer for download: the last path component only, without
    control, format or reserved characters, at most MAX_FILENAME_LENGTH characters, keeping the
    extension; "attachment" when nothing usable is left."""
    base = re.split(r"[/\\]", unicodedata.normalize("NFC", name or ""))[-1]
    base = "".join(
        " " if character.isspace() else character
        for character in base
        if character not in _UNSAFE_CHARACTERS
        and (character.isspace() or not unicodedata.category(character).startswith("C"))
    )
    base = " ".join(base.split())
    stem, dot, extension = base.rpartition(".")
    if not (dot and _EXTENSION.fullmatch(extension)):
        stem, extension = base, ""
    suffix = f".{extension}" if extension else ""
    stem = stem.strip(" .")[: MAX_FILENAME_LENGTH - len(suffix)].rstrip(" .")
    return (stem or FALLBACK_FILENAME) + suffix


def _extension(filename: str) -> str:
    stem, dot, extension = filename.rpartition(".")
    return extension.lower() if dot and stem else ""


def accepted_types(allowed_types: Iterable[str]) -> list[str]:
    """The file types the fund takes (`UPLOAD_ALLOWED_TYPES`, read as the check reads them:
    lower case, known types only, in their order)."""
    accepted = [t for t in dict.fromkeys(t.strip().lower() for t in allowed_types) if t]
    return [t for t in accepted if t in MEDIA_TYPES]


@dataclass(frozen=True)
class FileTypes:
    """The file types taken, as an upload form states them: `accept`, its file picker's
    (".pdf,.docx"); `words`, its hint's ("PDF or DOCX", in the page's language)."""

    accept: str
    words: str


def file_types(allowed_types: Iterable[str]) -> FileTypes:
    """What an upload form says of the types `check_content` accepts (one rule, the same
    setting)."""
    accepted = accepted_types(allowed_types)
    return FileTypes(",".join(f".{t}" for t in accepted), said(_type_list(accepted)))


def _type_list(types: Iterable[str]) -> str:
    return either(t.upper() for t in types)


def _refuse_unless_editable(proposal: Proposal, actor: Any) -> None:
    """A proposal's files change when its content may (`refusal_to_edit`: its state, the
    actor's organization), refused in the files' own words."""
    refused = refusal_to_edit(
        proposal,
        actor,
        closed=N_("The files of this proposal can no longer be changed: it is %(status)s."),
        foreign=N_("Only people of the proposal's organization can change its files."),
    )
    if refused is not None:
        raise UploadRefused(refused.sentence)


def _check_kind_and_country(
    proposal: Proposal, kind: str | None, country_iso2: str | None
) -> tuple[AttachmentKind, str | None]:
    try:
        attachment_kind = AttachmentKind((kind or "").strip())
    except ValueError:
        raise UploadRefused(N_("Choose what kind of document this is."), "kind") from None
    country = (country_iso2 or "").strip().upper() or None
    if attachment_kind != AttachmentKind.ENDORSEMENT_LETTER:
        if country is not None:
            raise UploadRefused(
                N_("Only a government endorsement letter names a country; a %(kind)s does not."),
                "country_iso2",
                kind=Within(attachment_kind.label),
            )
        return attachment_kind, None
    if country is None:
        raise UploadRefused(
            N_("Choose the country whose government signed this endorsement letter."),
            "country_iso2",
        )
    if country not in {c.iso2 for c in proposal.endorsers}:
        raise UploadRefused(
            N_(
                "%(country)s is not among the endorsing governments of this proposal; add it to "
                "the endorsing governments first."
            ),
            "country_iso2",
            country=country,
        )
    return attachment_kind, country


def check_content(
    filename: str, data: bytes, allowed_types: Iterable[str], max_bytes: int
) -> tuple[str, str]:
    """The stored file name and the sniffed type, or UploadRefused (empty, too large, not of an
    allowed type by its content, or named with an extension its content disagrees with). A
    programme report's attachments are checked by it too (`fund.reporting.attachments`)."""
    if not data:
        raise UploadRefused(N_("The file is empty."))
    if len(data) > max_bytes:
        raise UploadRefused(
            N_("The file is %(size)s; the limit is %(limit)s."),
            size=FileSize(len(data), ROUND_CEILING),
            limit=FileSize(max_bytes, ROUND_FLOOR),
        )
    accepted = accepted_types(allowed_types)
    file_type = sniff(data)
    if file_type is None or file_type not in accepted:
        raise UploadRefused(
            N_("Only %(types)s files are accepted; this file is not one of them."),
            types=_type_list(accepted),
        )
    name = safe_filename(filename)
    extension = _extension(name)
    if not extension:
        # A name without extension gets the one its content calls for.
        name = safe_filename(f"{name}.{file_type}")
    elif extension != file_type:
        raise UploadRefused(
            N_(
                "The file name ends in .%(extension)s but the file is a %(type)s document; "
                "rename it to .%(file_type)s or choose the right file."
            ),
            extension=extension,
            type=file_type.upper(),
            file_type=file_type,
        )
    return name, file_type


def stored_file(
    model: type[F], name: str, file_type: str, data: bytes, actor: Any, now: datetime, **columns
) -> F:
    """A new row of `model` (a StoredFile) holding `data`, a file checked by `check_content`
    (its safe `name` and `file_type`), uploaded by `actor` at `now`, with its other
    `columns`."""
    return model(
        filename=name,
        media_type=MEDIA_TYPES[file_type],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        content=bytes(data),
        uploaded_by_id=getattr(actor, "id", None),
        uploaded_at=now,
        **columns,
    )


def file_details(attachment: StoredFile) -> dict[str, Any]:
    """What the audit trail names of a file added or removed."""
    return {
        "attachment_id": attachment.id,
        "filename": attachment.filename,
        "sha256": attachment.sha256,
        "size": attachment.size,
    }


def _audit_details(attachment: Attachment) -> dict[str, Any]:
    return file_details(attachment) | {
        "kind": attachment.kind,
        "country": attachment.country_iso2,
    }


def add_attachment(
    proposal: Proposal,
    actor: Any,
    *,
    filename: str | None,
    data: bytes,
    kind: str,
    country_iso2: str | None = None,
    allowed_types: Iterable[str],
    max_bytes: int,
    now: datetime | None = None,
) -> Attachment:
    """Attach `data` to `proposal` in the caller's transaction and audit it.

    Raises UploadRefused, with nothing changed, when the proposal is no longer editable, the
    file is empty, too large, not of an allowed type by its content, named with an extension
    that disagrees with its content, or the kind and country do not fit (an endorsement letter
    names one of the proposal's endorsing governments; no other document names a country).
    The proposal's version counter is bumped, so a concurrent change based on a stale read
    fails.
    """
    now = now or utcnow()
    _refuse_unless_editable(proposal, actor)
    name, file_type = check_content(filename or "", data, allowed_types, max_bytes)
    attachment_kind, country = _check_kind_and_country(proposal, kind, country_iso2)
    attachment = stored_file(
        Attachment,
        name,
        file_type,
        data,
        actor,
        now,
        kind=attachment_kind.value,
        country_iso2=country,
    )
    proposal.attachments.append(attachment)
    proposal.updated_at = now
    return add_recorded(
        attachment,
        "attachment_added",
        "proposal",
        actor,
        subject_id=proposal.id,
        details=_audit_details,
        now=now,
    )


def remove_attachment(
    proposal: Proposal, attachment: Attachment, actor: Any, now: datetime | None = None
) -> None:
    """Remove `attachment` from `proposal` in the caller's transaction and audit it.

    Raises UploadRefused, with nothing changed, when the proposal is no longer editable or the
    attachment belongs to another proposal.
    """
    now = now or utcnow()
    _refuse_unless_editable(proposal, actor)
    if attachment.proposal_id != proposal.id or attachment not in proposal.attachments:
        raise UploadRefused(N_("This file is not attached to this proposal."))
    details = _audit_details(attachment)
    proposal.attachments.remove(attachment)
    proposal.updated_at = now
    db.session.flush()
    record("attachment_removed", "proposal", proposal.id, actor, details=details, now=now)

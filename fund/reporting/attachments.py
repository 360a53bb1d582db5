"""A narrative report's attachments (its evidence): added and removed by the programme's staff
while the report is due or returned, each audited. A file is judged as a proposal's attachment
is (`fund.proposals.attachments.check_content`: not empty, within the size limit, a PDF, DOCX or
XLSX file by its content, its name's extension agreeing), and kept with its SHA-256. Callers
commit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from fund.accounts.models import User
from fund.audit.operations import record
from fund.extensions import db, utcnow
from fund.proposals.attachments import MEDIA_TYPES, UploadRefused, check_content
from fund.reporting.models import ReportAttachment
from fund.reporting.operations import ReportRefused, editable

# The field of the report's page an attachment's refusal is shown at.
FIELD = "file"


def _details(attachment: ReportAttachment) -> dict[str, Any]:
    return {
        "attachment_id": attachment.id,
        "filename": attachment.filename,
        "sha256": attachment.sha256,
        "size": attachment.size,
    }


def add_attachment(
    actor: User,
    report_id: int,
    *,
    filename: str | None,
    data: bytes,
    allowed_types: Iterable[str],
    max_bytes: int,
    now: datetime | None = None,
) -> ReportAttachment:
    """Attach `data` to a narrative report that is due or returned; audited. Refused, with
    nothing changed, to anyone but the programme's staff, on another kind of report or one no
    longer editable, and for a file a proposal would refuse."""
    now = now or utcnow()
    report = editable(actor, report_id, "narrative")
    try:
        name, file_type = check_content(filename or "", data, allowed_types, max_bytes)
    except UploadRefused as refused:
        raise ReportRefused(refused.message, FIELD) from refused
    attachment = ReportAttachment(
        filename=name,
        media_type=MEDIA_TYPES[file_type],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        content=bytes(data),
        uploaded_by_id=actor.id,
        uploaded_at=now,
    )
    report.attachments.append(attachment)
    db.session.flush()
    record(
        "report_attachment_added",
        "programme_report",
        report.id,
        actor,
        details=_details(attachment),
        now=now,
    )
    return attachment


def remove_attachment(
    actor: User, report_id: int, attachment_id: int, now: datetime | None = None
) -> ReportAttachment:
    """Remove one of a narrative report's attachments while the report is due or returned;
    audited."""
    report = editable(actor, report_id, "narrative")
    attachment = next((a for a in report.attachments if a.id == attachment_id), None)
    if attachment is None:
        raise ReportRefused("This file is not attached to this report.", stale=True)
    details = _details(attachment)
    report.attachments.remove(attachment)
    db.session.flush()
    record(
        "report_attachment_removed",
        "programme_report",
        report.id,
        actor,
        details=details,
        now=now,
    )
    return attachment

"""A narrative report's attachments (its evidence): added and removed by the programme's staff
while the report is due or returned, each audited. A file is judged as a proposal's attachment
is (`fund.proposals.attachments.check_content`: not empty, within the size limit, a PDF, DOCX or
XLSX file by its content, its name's extension agreeing), and kept with its SHA-256. Callers
commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from fund.accounts.models import User
from fund.audit.operations import add_recorded, record
from fund.extensions import db, utcnow
from fund.labels import N_
from fund.proposals.attachments import UploadRefused, check_content, file_details, stored_file
from fund.reporting.models import ReportAttachment
from fund.reporting.operations import ReportRefused, editable

# The field of the report's page an attachment's refusal is shown at.
FIELD = "file"


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
    name, file_type = check_file(filename, data, allowed_types, max_bytes)
    attachment = stored_file(ReportAttachment, name, file_type, data, actor, now)
    report.attachments.append(attachment)
    return add_recorded(
        attachment,
        "report_attachment_added",
        "programme_report",
        actor,
        subject_id=report.id,
        details=file_details,
        now=now,
    )


def check_file(
    filename: str | None, data: bytes, allowed_types: Iterable[str], max_bytes: int
) -> tuple[str, str]:
    """The stored name and the type of a file a report may take, or its refusal at the file
    field (`ReportRefused`): what a page says of a file chosen with other errors on the form,
    so that every refusal is shown at once."""
    try:
        return check_content(filename or "", data, allowed_types, max_bytes)
    except UploadRefused as refused:
        raise ReportRefused(refused.sentence, FIELD) from refused


def remove_attachment(
    actor: User, report_id: int, attachment_id: int, now: datetime | None = None
) -> ReportAttachment:
    """Remove one of a narrative report's attachments while the report is due or returned;
    audited."""
    report = editable(actor, report_id, "narrative")
    attachment = next((a for a in report.attachments if a.id == attachment_id), None)
    if attachment is None:
        raise ReportRefused(N_("This file is not attached to this report."), stale=True)
    details = file_details(attachment)
    report.attachments.remove(attachment)
    db.session.flush()
    record(
        "report_attachment_removed", "programme_report", report.id, actor, details=details, now=now
    )
    return attachment

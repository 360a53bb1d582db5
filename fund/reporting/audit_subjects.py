"""How the audit log names a programme report (registered in `fund.auditlog`'s
`SUBJECT_NAMERS` by `fund.reporting.init_app`): by its kind, its programme's reference and
its year."""

from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import select

from fund.auditlog.subjects import SubjectNamer, as_text, kept_whole, phrase
from fund.labels import N_
from fund.proposals.models import proposal_reference
from fund.reporting.models import ProgrammeReport, ReportKind


def _report_name(_: int, proposal_id: str, kind: str, year: str) -> tuple[str, str | None]:
    named = gettext(ReportKind(kind).label)
    reference = kept_whole(proposal_reference(int(proposal_id)))
    return phrase(N_("%(kind)s: %(reference)s"), kind=named, reference=reference), year


NAMERS = {
    "programme_report": SubjectNamer(
        lambda ids: select(
            ProgrammeReport.id,
            as_text(ProgrammeReport.proposal_id),
            as_text(ProgrammeReport.kind),
            as_text(ProgrammeReport.year),
        ).where(ProgrammeReport.id.in_(ids)),
        _report_name,
        says_kind=True,
        page=("reporting.report", "report_id"),
    ),
}

"""How the audit log names a revision (registered in `fund.auditlog`'s `SUBJECT_NAMERS` by
`fund.revisions.init_app`): by its number and its programme's reference."""

from __future__ import annotations

from sqlalchemy import select

from fund.auditlog.subjects import SubjectNamer, as_text, kept_whole, no_value, phrase
from fund.labels import N_
from fund.proposals.models import proposal_reference
from fund.revisions.models import Revision

NAMERS = {
    "revision": SubjectNamer(
        lambda ids: select(
            Revision.id, as_text(Revision.proposal_id), as_text(Revision.number), no_value()
        ).where(Revision.id.in_(ids)),
        lambda _, proposal_id, number, __: (
            phrase(
                N_("Revision %(number)s of %(reference)s"),
                number=number,
                reference=kept_whole(proposal_reference(int(proposal_id))),
            ),
            None,
        ),
        says_kind=True,
        page=("revisions.revision", "revision_id"),
    ),
}

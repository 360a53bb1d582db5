"""The revisions part of the demo set: the funded demo programme's no-cost extension of three
months, requested by its staff and approved by the secretariat (a minor revision), so the
programme shows a second version with its diff, a later end date and its reporting schedule
planned again.

Run once per programme, when the demo programme is made (the demo skips programmes that exist),
so loading again changes nothing. It runs in the programme's first year, before its first
reports are due: the schedule planned again keeps their due dates.
"""

from __future__ import annotations

from fund.accounts.models import User
from fund.days import last_day
from fund.proposals.models import Proposal
from fund.reporting.schedule import programme_months
from fund.revisions import operations
from fund.revisions.workflow import programme_end

EXTENSION_MONTHS = 3
JUSTIFICATION = (
    "The national social registry opens three months later than planned: the family support "
    "grants start later, and the programme needs three more months, at no additional cost, to "
    "reach every family it planned to."
)


def add_demo_revision(proposal: Proposal, author: User, secretariat: User) -> None:
    start, _ = programme_end(proposal)
    months = programme_months(proposal) + EXTENSION_MONTHS
    revision = operations.start(author, proposal.id)
    operations.save(
        author,
        revision.id,
        operations.RevisionValues(
            justification=JUSTIFICATION,
            extension=True,
            new_end_date=last_day(start, months),
        ),
    )
    operations.fire(author, revision.id, "submit")
    operations.fire(secretariat, revision.id, "approve", "A short extension at no cost: approved.")

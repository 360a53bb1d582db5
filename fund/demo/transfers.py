"""The transfer requests of the demo set: on the funded demo programme (its lead organization
paid a first tranche at funding, and reported part of it spent), the secretariat requests the
first tranche of each other organization, and the lead organization's second tranche; that one
fails the expenditure condition (a third of the first tranche spent, 70% required), so it is
requested with the override's reason. The administrative agent finds them in its list of open
requests. Run once, when the demo programme is made."""

from __future__ import annotations

from decimal import Decimal

from fund.accounts.models import User
from fund.finance import transfers
from fund.finance.queries.lists import allocation_for
from fund.proposals.models import Proposal

# Of what remains of each share: the tranche requested.
TRANCHE = Decimal("0.50")
OVERRIDE = (
    "The programme's second year starts with the harvest season's recruitment: the tranche "
    "is needed before the next financial report. Approved by the Fund Management Unit."
)


def add_demo_transfers(proposal: Proposal, secretariat: User) -> None:
    allocation = allocation_for(proposal.id)
    if allocation is None:
        return
    for share in allocation.shares:
        remaining = share.amount - share.disbursed
        if remaining <= 0:
            continue
        transfers.request_transfer(
            secretariat,
            allocation,
            share.organization_id,
            (remaining * TRANCHE).quantize(Decimal("0.01")),
            override_reason=OVERRIDE if share.disbursed > 0 else None,
        )

"""The transfers of the demo set, on the funded demo programme (its lead organization was paid
a first tranche at funding): two weeks after funding, the secretariat requests the first tranche
of each other organization and the administrative agent records them a week later. Lately, the
secretariat requests the lead organization's second tranche; it fails its conditions (the first
year's narrative report is not accepted, and about a third of the first tranche is reported
spent, 70% required), so it is requested with the override's reason, and the administrative
agent finds it in its list of open requests. Each step runs once, on its day
(`fund.demo.timeline`), when the demo programme is made."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from fund.accounts.models import User
from fund.extensions import db, utcnow
from fund.finance import operations as finance
from fund.finance import transfers
from fund.finance.models import Allocation, AllocationShare
from fund.finance.queries.lists import allocation_for
from fund.finance.transfer_models import OPEN, TransferRequest
from fund.money import read_amount
from fund.proposals.models import Proposal

# Of what remains of each share: the tranche requested.
TRANCHE = Decimal("0.50")
OVERRIDE = (
    "The second year's family support grants are due to the families now: the tranche cannot "
    "wait for the next financial report. Approved by the Fund Management Unit."
)


def request_first_tranches(proposal: Proposal, secretariat: User) -> None:
    """The first tranche of each organization not paid yet."""
    allocation = allocation_for(proposal.id)
    if allocation is None:
        return
    for share in allocation.shares:
        if share.disbursed == 0 and share.amount > 0:
            transfers.request_transfer(
                secretariat,
                allocation,
                share.organization_id,
                (share.amount * TRANCHE).quantize(Decimal("0.01")),
            )


def record_requested(proposal: Proposal, agent: User) -> None:
    """The administrative agent records every open request of the programme as transferred."""
    allocation = allocation_for(proposal.id)
    if allocation is None:
        return
    requests = db.session.scalars(
        select(TransferRequest)
        .where(TransferRequest.allocation_id == allocation.id, TransferRequest.status == OPEN)
        .order_by(TransferRequest.id)
    ).all()
    for request in requests:
        finance.record_disbursement(
            agent,
            allocation,
            request.organization_id,
            utcnow().date(),
            request.amount,
            f"T{request.tranche}",
            request=request,
        )


def request_lead_second_tranche(proposal: Proposal, secretariat: User) -> None:
    """Half of what remains of the lead organization's share, its conditions overridden."""
    allocation = allocation_for(proposal.id)
    if allocation is None:
        return
    for share in allocation.shares:
        if share.organization_id == proposal.lead_organization_id:
            transfers.request_transfer(
                secretariat,
                allocation,
                share.organization_id,
                ((share.amount - share.disbursed) * TRANCHE).quantize(Decimal("0.01")),
                override_reason=OVERRIDE,
            )


def lead_transferred(proposal: Proposal) -> Decimal | None:
    """What the programme's lead organization was transferred (None without an allocation)."""
    transferred = db.session.scalar(
        select(AllocationShare.disbursed)
        .join(Allocation, Allocation.id == AllocationShare.allocation_id)
        .where(
            Allocation.proposal_id == proposal.id,
            AllocationShare.organization_id == proposal.lead_organization_id,
        )
    )
    return None if transferred is None else read_amount(transferred)

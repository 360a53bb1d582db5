"""The closure part of the demo set: one programme closed early, with a refund received.

The demo programme marked `state = "closed"` (seed/demo_proposals.toml) is funded like the
others (its lead organization paid a first tranche), then closed by the secretariat with a
reason (the government ended it early; its final reports are still to come): the lead
organization spent part of what it was transferred, the other organizations nothing, and what
was never transferred goes back to the pools. The administrative agent then records the lead
organization's refund of its unspent balance, which goes back to the pools the last drawn first.
Run once per programme, when the demo programme is made (the demo skips programmes that exist),
so loading again changes nothing.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from fund.accounts.models import User
from fund.extensions import db
from fund.finance import closure
from fund.finance.models import Allocation, AllocationShare
from fund.money import read_amount, round_cents
from fund.proposals.models import Proposal

# Of what was transferred to the lead organization: what it spent before the programme ended.
SPENT = Decimal("0.6")
REASON = (
    "The government ended the programme early after a change of ministry; the final narrative "
    "and financial reports will follow."
)


def close_demo_programme(proposal: Proposal, secretariat: User, agent: User, today: date) -> None:
    lead = proposal.lead_organization_id
    transferred = db.session.scalar(
        select(AllocationShare.disbursed)
        .join(Allocation, Allocation.id == AllocationShare.allocation_id)
        .where(Allocation.proposal_id == proposal.id, AllocationShare.organization_id == lead)
    )
    paid = read_amount(transferred)
    spent = round_cents(paid * SPENT)
    closure.close_programme(secretariat, proposal, {lead: spent}, REASON, today)
    if paid > spent:
        closure.record_refund(agent, proposal, lead, today, paid - spent, "RF-DEMO-1")
    db.session.flush()

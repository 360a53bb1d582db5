"""The closure part of the demo set: one programme closed early, with part of its refund
received.

The demo programme marked `state = "closed"` (seed/demo_proposals.toml) is funded like the
others (its lead organization paid a first tranche), then closed by the secretariat with a
reason (the government ended it early; its final reports are still to come): the lead
organization spent part of what it was transferred, the other organizations nothing, and what
was never transferred goes back to the pools. The administrative agent then records the lead
organization's first refund, half of its unspent balance, which goes back to the pools the last
drawn first; the other half is still owed (the agent's Home and *Finances → Refunds* list it).
Each step runs once, on its day (`fund.demo.timeline`), when the demo programme is made (the
demo skips programmes that exist), so loading again changes nothing.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fund.accounts.models import User
from fund.demo.transfers import lead_transferred
from fund.extensions import db
from fund.finance import closure
from fund.money import ZERO, round_cents
from fund.proposals.models import Proposal

# Of what was transferred to the lead organization: what it spent before the programme ended.
SPENT = Decimal("0.6")
# Of its unspent balance: what it refunded first (the rest is still owed).
REFUNDED_FIRST = Decimal("0.5")
REASON = (
    "The government ended the programme early after a change of ministry; the final narrative "
    "and financial reports will follow."
)


def close_demo_programme(proposal: Proposal, secretariat: User, today: date) -> None:
    """The secretariat closes the programme: the lead organization spent `SPENT` of what it
    was transferred, the others nothing."""
    spent = round_cents((lead_transferred(proposal) or ZERO) * SPENT)
    closure.close_programme(
        secretariat, proposal, {proposal.lead_organization_id: spent}, REASON, today
    )
    db.session.flush()


def refund_demo_programme(proposal: Proposal, agent: User | None, today: date) -> None:
    """The administrative agent records the lead organization's first refund: `REFUNDED_FIRST`
    of what it did not spend."""
    paid = lead_transferred(proposal) or ZERO
    first = round_cents((paid - round_cents(paid * SPENT)) * REFUNDED_FIRST)
    if agent is not None and first > 0:
        closure.record_refund(
            agent, proposal, proposal.lead_organization_id, today, first, "RF-DEMO-1"
        )
    db.session.flush()

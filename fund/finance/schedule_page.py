"""The transfer schedule on a funded (or closed) programme's proposal page, registered on the
proposal page's parts (`fund.proposals.page.PAGE`) by `fund.finance.init_app`: whoever sees the
proposal sees its schedule, with the notes the finance page gives of tranches paid before a
revision moved the budget between years (two queries)."""

from __future__ import annotations

from typing import Any

from flask import get_template_attribute

from fund.finance.transfer_schedule import paid_before_revisions, schedule_view
from fund.proposals.models import Proposal
from workflows import FUNDED_STATES

SHOWN_IN = FUNDED_STATES


def programme_schedule(user: Any, proposal: Proposal) -> Any:
    """The schedule's section of the proposal page, or None before funding."""
    if proposal.status not in SHOWN_IN:
        return None
    schedule = schedule_view(proposal_id=proposal.id)
    if not schedule:
        return None
    section = get_template_attribute("finance/_transfer_schedule.html", "transfer_schedule")
    return section(schedule, 2, "transfer-schedule", notes=paid_before_revisions(proposal.id))

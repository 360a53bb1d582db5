"""Guards of the proposal workflow owned by the fund's finances.

`fund` passes only when the money available to the proposal (the earmarks of the thematic
areas of its primary objective, then the unearmarked money) covers its total, and only through
`fund.finance.operations.fund_proposal`, which records the allocation: the plan it made under
lock comes in the context as FUNDING_PLAN. `close` passes when the proposal's allocation is
recorded and every share is paid out in full, or the secretariat gives the reason (the trimmed
comment).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fund.i18n import Money
from fund.labels import N_
from fund.sentences import Listed, Sentence

FUNDING_PLAN = "funding_plan"


def funds_available(proposal, actor, context: Mapping[str, Any]) -> list[str]:
    from fund.finance import funding

    plan = context.get(FUNDING_PLAN)
    if plan is not None and plan.proposal_id == proposal.id:
        return plan.problems()
    plan = funding.funding_plan(proposal, context["rules"].indirect_rate)
    return [
        *plan.problems(),
        Sentence(
            N_(
                "Fund the proposal from its finance page (%(page)s), which records the "
                "allocation to each participating organization."
            ),
            page=f"/finance/proposals/{proposal.id}",
        ),
    ]


def fully_disbursed_or_reason(proposal, actor, context: Mapping[str, Any]) -> list[str]:
    from fund.finance.queries import lists

    if not lists.has_allocation(proposal.id):
        # Only `fund_proposal` makes a proposal funded, always with its allocation: a funded
        # proposal without one is an inconsistency to investigate, not a project to close.
        return [
            Sentence(
                N_(
                    "No allocation is recorded for this proposal, so its payments cannot be "
                    "checked; ask the system administrator to investigate before closing it."
                )
            )
        ]
    if context.get("comment"):
        return []
    remaining = lists.remaining_by_organization(proposal.id)
    if not remaining:
        return []
    owed = Listed(
        Sentence(N_("%(organization)s %(amount)s"), organization=name, amount=Money(amount))
        for name, amount in remaining
    )
    return [
        Sentence(
            N_(
                "The allocation is not fully disbursed (still to pay: %(owed)s): record the "
                "remaining disbursements or give the reason for closing."
            ),
            owed=owed,
        )
    ]

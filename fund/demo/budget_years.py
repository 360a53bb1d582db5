"""The demo's budgets by programme year: each line of a demo proposal is split into one line per
year of its programme (the amount evenly to the cent, the last year taking the remainder), so
that every participating organization of the funded demo programme has a transfer schedule of
one tranche a year. Totals by organization, objective and category stay as the seed gives them."""

from __future__ import annotations

from fund.extensions import db
from fund.money import cents, from_cents
from fund.proposals.budget import programme_years
from fund.proposals.models import BudgetLine, Proposal


def spread_budget_years(proposal: Proposal) -> None:
    """Split the draft's budget lines over its programme's years; before it is submitted."""
    years = programme_years(proposal.duration_months)
    spread = []
    for line in proposal.budget_lines:
        total = cents(line.amount)
        each = total // years
        for year in range(1, years + 1):
            amount = each if year < years else total - each * (years - 1)
            spread.append(
                BudgetLine(
                    organization_id=line.organization_id,
                    objective_number=line.objective_number,
                    category_code=line.category_code,
                    amount=from_cents(amount),
                    description=line.description,
                    year=year,
                )
            )
    proposal.budget_lines = spread
    db.session.flush()

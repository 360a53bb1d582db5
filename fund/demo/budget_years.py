"""The demo's budgets by programme year: each demo proposal's lines spread over its programme's
years in turn (line 1 in year 1, line 2 in year 2, ...), so that the funded demo programme has a
transfer schedule of several tranches."""

from __future__ import annotations

from fund.extensions import db
from fund.proposals.budget import programme_years
from fund.proposals.models import Proposal


def spread_budget_years(proposal: Proposal) -> None:
    """Give the draft's budget lines their years in turn; before it is submitted."""
    years = programme_years(proposal.duration_months)
    for index, line in enumerate(proposal.budget_lines):
        line.year = index % years + 1
    db.session.flush()

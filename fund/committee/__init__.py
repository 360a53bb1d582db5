"""The Executive Committee: voting rounds, recusals, votes and decisions."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the committee guards of the proposal workflow."""
    from fund.committee import guards
    from fund.proposals.guards import GUARDS

    GUARDS.register(
        committee_approved=guards.committee_approved,
        committee_rejected=guards.committee_rejected,
    )

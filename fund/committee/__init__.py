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

    # The committee's part of the proposal page: the decision's link and who reads the notes.
    from fund.committee import proposal_page
    from fund.proposals.page import PAGE

    PAGE.add_links(proposal_page.decision_link)
    PAGE.set_committee_notes_reader(proposal_page.reads_notes)

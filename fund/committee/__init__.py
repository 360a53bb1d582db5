"""The Executive Committee: voting rounds, recusals, votes and decisions."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the committee guards of the proposal workflow, and listen to the proposal's
    transitions (a round opens when a proposal enters committee review and closes when it
    leaves). Idempotent: blinker keeps one connection per receiver, however many applications
    are created."""
    from fund.committee import guards, operations
    from fund.proposals.guards import CONCEPT_NOTE_GUARDS, GUARDS
    from fund.signals import proposal_transitioned

    GUARDS.register(
        committee_approved=guards.committee_approved,
        committee_rejected=guards.committee_rejected,
    )
    CONCEPT_NOTE_GUARDS.register(
        committee_selected=guards.committee_selected,
        committee_placed_in_pipeline=guards.committee_placed_in_pipeline,
        committee_not_approved=guards.committee_not_approved,
    )
    proposal_transitioned.connect(operations.on_proposal_transitioned, weak=False)

    # The committee's part of the proposal page: the decision's link and who reads the notes.
    from fund.committee import proposal_page
    from fund.proposals.page import PAGE

    PAGE.add_links(proposal_page.decision_link)
    PAGE.set_committee_notes_reader(proposal_page.reads_notes)

    # The audit log names the committee's rounds, meetings and seats by the committee's own words.
    from fund.auditlog.subjects import SUBJECT_NAMERS
    from fund.committee import audit_subjects

    SUBJECT_NAMERS.register(**audit_subjects.NAMERS)

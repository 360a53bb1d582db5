"""Revisions of funded programmes: what the programme's staff ask to change (`operations.py`),
the rule table of who approves it (`rules.py`), the revision workflow in the application
(`workflow.py`: its guards, engine and who revises a programme), the secretariat's and the
committee's decisions (a voting round about the revision; its outcome arrives through
`round_closed`), what an approved revision changes (`apply.py`: a new version of the programme,
its reporting schedule and transfer schedule) and the pages (`page.py`, `views.py`)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the revision workflow's guards (and check them all there), decide a revision
    when the committee's round about it closes (`round_closed`) and link a funded programme's
    page to its revisions. Idempotent, as the other packages' `init_app`."""
    from fund.proposals.page import PAGE
    from fund.revisions import operations, page, workflow
    from fund.signals import round_closed

    workflow.GUARDS.register(**workflow.REVISION_GUARDS)
    workflow.ENGINE.check_guards()
    round_closed.connect(operations.on_round_closed, weak=False)
    PAGE.add_links(page.programme_link)

    # The audit log names the revisions by their numbers.
    from fund.auditlog.subjects import SUBJECT_NAMERS
    from fund.revisions import audit_subjects

    SUBJECT_NAMERS.register(**audit_subjects.NAMERS)


def register_proposal_guards() -> None:
    """Register the guard of the proposal workflow's `close` whose rule is the revisions':
    a programme closes with no revision open (`no_revision_open`). `create_app` calls it with
    the other packages' guards of the proposal workflow, before it checks them complete."""
    from fund.proposals.guards import GUARDS
    from fund.revisions.operations import no_revision_open

    GUARDS.register(no_revision_open=no_revision_open)

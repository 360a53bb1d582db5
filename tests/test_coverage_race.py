"""Proposals changing state at the same moment on SQLite and PostgreSQL: the coverage totals
neither deadlock nor lose a change."""

from __future__ import annotations

import time

from fund.audit.operations import record
from fund.coverage import totals
from fund.coverage.totals import CoverageTotal
from fund.extensions import db
from fund.proposals.models import Proposal
from tests.test_finance_race import run_together


def test_concurrent_transitions_neither_deadlock_nor_lose_a_change(
    app, backend, create_user, make_proposal
):
    """Transitions committed at the same moment, some recording their audit event before the
    state change and some after (as closing a round then approving does): every one commits
    and the totals equal a full recomputation."""
    author = create_user(roles=("applicant",), organization_acronym="ILO")
    ids = [make_proposal(author, status="approved", title=f"P{i}") for i in range(6)]

    def job(index: int):
        def work():
            proposal = db.session.get(Proposal, ids[index])
            if index % 2:
                record("note", "proposal", proposal.id, None)
            # The state written directly, before or after the audit event at will (funding
            # would fix the order and allocate, which the totals do not read).
            proposal.status = "funded"
            db.session.flush()
            time.sleep(0.2)
            if not index % 2:
                record("note", "proposal", proposal.id, None)
            return proposal.id

        return work

    results = run_together(app, [job(i) for i in range(6)])
    assert results == ids
    with app.app_context():
        rate = app.config["INDIRECT_SUPPORT_RATE"]
        assert totals.differences(db.session.connection(), rate) == []
        funded = db.session.get(CoverageTotal, ("funded", "total", ""))
        assert funded.programmes == 6

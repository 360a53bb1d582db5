"""The two reads that grew with the data: a committee member's votes, read from an index in
their order as far as the page shown, and the pipeline's walk over the pools, kept between
requests while the records it was made from do not change."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import event, select, text

from fund.accounts.models import User
from fund.committee.models import VOTE_TIME, Vote
from fund.committee.queries import my_votes
from fund.extensions import db, utcnow
from fund.finance.models import Pool
from fund.finance.queries import pipeline, pipeline_page
from fund.money import read_amount
from tests.test_committee import _round
from tests.test_committee import people as people
from tests.test_finance import contribute, fund
from tests.test_finance import treasurer as treasurer


def _plans(app) -> list[list[str]]:
    """The query plans of the statements the member's page sends for its votes (SQLite)."""
    statements: list[tuple[str, tuple]] = []

    def remember(conn, cursor, statement, parameters, *args):
        statements.append((statement, parameters))

    with app.app_context():
        member = db.session.scalar(select(User).join(Vote, Vote.member_id == User.id))
        event.listen(db.engine, "before_cursor_execute", remember)
        try:
            page = my_votes(member, per_page=2)
        finally:
            event.remove(db.engine, "before_cursor_execute", remember)
        assert page.count == 3 and len(page.rows) == 2
        connection = db.session.connection()
        return [
            _steps(connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {s}", p).all())
            for s, p in statements
            if s.lstrip().upper().startswith(("SELECT", "WITH"))
        ]


def _steps(plan: list) -> list[str]:
    """The steps of a plan, those of a subquery (the page's ids, chosen before the page is
    read) marked "in the ids: "."""
    parents = {row[0]: row[1] for row in plan}
    details = {row[0]: row[3] for row in plan}

    def in_subquery(node: int) -> bool:
        while node in parents:
            node = parents[node]
            if details.get(node, "").startswith(("MATERIALIZE", "CO-ROUTINE")):
                return True
        return False

    return [("in the ids: " if in_subquery(row[0]) else "") + row[3] for row in plan]


def test_a_members_votes_are_read_in_order_from_the_index(app, people, make_proposal):
    with app.app_context():
        member = db.session.get(User, people.unhcr.id)
        now = utcnow()
        for hours in (3, 1, 2):
            proposal_id = make_proposal(people.author, status="committee_review")
            round_id = _round(app, proposal_id).id
            db.session.add(
                Vote(
                    round_id=round_id,
                    member_id=member.id,
                    choice="approve",
                    cast_at=now - timedelta(hours=hours),
                )
            )
        db.session.commit()
    steps = [step for plan in _plans(app) for step in plan]
    assert "in the ids: SEARCH votes USING INDEX ix_votes_member_time (member_id=?)" in steps
    # No sort of all the member's votes: only the page's rows are put in order.
    assert not [step for step in steps if step.startswith("in the ids: USE TEMP B-TREE")], steps


def test_postgresql_reads_a_members_votes_in_order_from_the_index(pg_app):
    with pg_app.app_context():
        connection = db.session.connection()
        connection.execute(text("SET LOCAL enable_sort = off"))  # a sort only if unavoidable
        page = (
            select(Vote.id)
            .where(Vote.member_id == 1)
            .order_by(VOTE_TIME.desc(), Vote.id.desc())
            .limit(20)
        )
        compiled = page.compile(connection, compile_kwargs={"literal_binds": True})
        plan = "\n".join(row[0] for row in connection.execute(text(f"EXPLAIN {compiled}")))
        db.session.rollback()
    assert "Index Scan Backward using ix_votes_member_time" in plan, plan
    assert "Sort" not in plan, plan


def _pools() -> dict[str, Decimal]:
    return {r.code: read_amount(r.available) for r in db.session.scalars(select(Pool))}


def _compare(app) -> list[bool]:
    """The finance page's pipeline (kept walk) against the whole pipeline read afresh."""
    with app.app_context():
        rate = app.config["INDIRECT_SUPPORT_RATE"]
        page = pipeline_page(rate, _pools(), per_page=100)
        whole = pipeline(rate)
        shown = [(r.proposal_id, r.fundable, r.shortfall, r.draws) for r in page.rows]
        assert shown == [(r.proposal_id, r.fundable, r.shortfall, r.draws) for r in whole.rows]
        assert page.fundable_count == sum(r.fundable for r in whole.rows)
        return [r.fundable for r in page.rows]


def test_the_kept_pipeline_walk_follows_every_change(app, treasurer, donor, author, make_proposal):
    contribute(app, treasurer, donor, "1500000.00")
    first = make_proposal(author, status="approved")
    second = make_proposal(author, status="approved")
    assert _compare(app) == [True, False]  # one proposal's worth of money
    assert _compare(app) == [True, False]  # the same, kept
    contribute(app, treasurer, donor, "1500000.00")  # more money: both fundable
    assert _compare(app) == [True, True]
    fund(app, treasurer, first)  # leaves the pipeline, and takes its money
    assert _compare(app) == [True]
    make_proposal(author, status="approved")  # a third one, beyond the money left
    assert _compare(app) == [True, False]
    assert second

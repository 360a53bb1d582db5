"""The meeting and the member's lists read from the rounds' index by deadline: every page is the
slice of the whole list sorted by its rule (ties on a deadline, rounds without one, proposals
whose round closed), the figures count the whole list, and a member's counts, kept between
requests, follow every change to the rounds, places and votes, even one made behind the
application."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event, text

from fund.committee import operations, queries
from fund.committee.models import RoundStatus, VotingRound
from fund.extensions import db, utcnow
from fund.proposals.models import Proposal
from tests.factories import committee_people, new_open_call, new_proposal
from tests.helpers import user
from tests.test_committee import detached_people

SAME = timedelta(days=4)


def _make_meeting(app):
    """Nine proposals under review: two pairs of rounds closing at the same moment, an earlier
    deadline, two rounds without a deadline, and two proposals whose round closed without
    quorum (no open round). Deadlines and opening times are set directly, in an order unlike
    that of the proposals' ids."""
    with app.app_context():
        people = committee_people()
        call = new_open_call().id
        ids = [
            new_proposal(people.author, call, "committee_review", title=f"P{n}").id
            for n in range(9)
        ]
        now = utcnow()
        plan = {
            ids[0]: (now + SAME, now - timedelta(hours=1)),
            ids[1]: (now + SAME, now - timedelta(hours=3)),  # the same deadline, opened earlier
            ids[2]: (None, now - timedelta(hours=5)),
            ids[3]: (now + timedelta(days=1), now),
            ids[4]: (None, now - timedelta(hours=9)),
            ids[5]: (now + timedelta(days=9), now - timedelta(hours=2)),
            ids[6]: (now + timedelta(days=9), now - timedelta(hours=2)),  # a full tie: by id
        }
        for proposal_id, (deadline, opened_at) in plan.items():
            round_ = operations.open_round_of(proposal_id)
            round_.deadline, round_.opened_at = deadline, opened_at
        for proposal_id in ids[7:]:
            operations.close_round(operations.open_round_of(proposal_id).id, people.secretariat)
        db.session.commit()
        return detached_people(people), ids


def _expected_order() -> list[int]:
    """The meeting's rule applied in Python to every proposal in review and every open round."""
    rounds = {
        r.proposal_id: r
        for r in db.session.scalars(
            db.select(VotingRound).where(VotingRound.status == RoundStatus.OPEN)
        )
    }
    proposals = db.session.scalars(
        db.select(Proposal).where(
            (Proposal.status == "committee_review") | Proposal.id.in_(list(rounds))
        )
    ).all()

    never = utcnow()  # any one moment: the rounds without a deadline sort by what follows

    def key(proposal: Proposal) -> tuple:
        round_ = rounds.get(proposal.id)
        if round_ is None:
            return (
                1,
                0,
                0,
                0,
                0,
                proposal.submitted_at is None,
                proposal.submitted_at,
                proposal.id,
            )
        return (
            0,
            round_.deadline is None,
            round_.deadline or never,
            round_.opened_at,
            round_.id,
            False,
            proposal.submitted_at,
            proposal.id,
        )

    return [p.id for p in sorted(proposals, key=key)]


def test_every_page_of_the_meeting_is_its_slice_of_the_whole_list(app, backend, monkeypatch):
    monkeypatch.setattr(queries, "PER_PAGE", 2)
    people, ids = _make_meeting(app)
    with app.app_context():
        expected = _expected_order()
        assert sorted(expected) == sorted(ids)
        # The ties: the round opened earlier first; a full tie by the round's id.
        assert expected.index(ids[1]) < expected.index(ids[0])
        assert expected[:2] == [ids[3], ids[1]]
        member = user(people.unicef)
        shown = []
        for number in range(1, 6):
            page = queries.meeting(member, visible_before_own_vote=False, page=number)
            assert (page.count, page.open_rounds, page.past_deadline) == (9, 7, 0)
            shown += [row.proposal.id for row in page.rows]
            for row in page.rows:
                assert queries.meeting_page_of(row.proposal.id) == number
        assert shown == expected
        # The member's list of the rounds awaiting the vote: the open rounds in the same order.
        awaiting = [
            row.proposal.id
            for number in range(1, 5)
            for row in queries.member_rounds(member, "awaiting", number).rows
        ]
        assert awaiting == [p for p in expected if p not in ids[7:]]


def test_a_round_past_its_deadline_is_counted_and_comes_first(app, backend):
    people, ids = _make_meeting(app)
    with app.app_context():
        operations.open_round_of(ids[3]).deadline = utcnow() - timedelta(minutes=5)
        db.session.commit()
        page = queries.meeting(user(people.unicef), visible_before_own_vote=False)
        assert (page.count, page.open_rounds, page.past_deadline) == (9, 7, 1)
        assert page.rows[0].proposal.id == ids[3]


def test_a_members_counts_are_kept_and_follow_a_change_made_behind_the_application(app, backend):
    people, ids = _make_meeting(app)

    def counts():
        with app.app_context():
            member = user(people.unicef)
            found = queries.member_counts(member)
            db.session.rollback()
            return found

    first = counts()
    assert (first.awaiting, first.recused, first.votes, first.open_rounds) == (7, 0, 0, 7)

    # Kept: read again, only the seats and the counter are read, not the rounds.
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def seen(_conn, _cursor, statement, *_rest):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert counts() == first
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert not any("voting_rounds" in s for s in statements), statements

    with app.app_context():
        operations.cast_vote(operations.open_round_of(ids[0]).id, user(people.unicef), "approve")
        db.session.commit()
    voted = counts()
    assert (voted.awaiting, voted.votes) == (6, 1)

    # Behind the application: the vote deleted, a place marked recused.
    with app.app_context():
        seat = db.session.execute(
            text("SELECT seat_id FROM round_members WHERE user_id = :u AND round_id = :r"),
            {"u": people.unicef.id, "r": operations.open_round_of(ids[1]).id},
        ).scalar_one()
        db.session.execute(text("DELETE FROM votes WHERE member_id = :u"), {"u": people.unicef.id})
        db.session.execute(
            text(
                "UPDATE round_members SET recusal = 'declared', recusal_reason = 'x'"
                " WHERE seat_id = :s AND round_id = :r"
            ),
            {"s": seat, "r": operations.open_round_of(ids[1]).id},
        )
        db.session.commit()
    after = counts()
    assert (after.awaiting, after.recused, after.votes) == (6, 1, 0)

"""The committee's seats: one vote per seat (the member's, or an alternate's when the member does
not vote), the chair, the seats' changes and their pages; a member deactivated while a round is
open no longer counts toward its quorum; every existing member got a seat of their own."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from fund.accounts import operations as accounts
from fund.accounts.models import User
from fund.committee import operations, seats
from fund.committee.models import RoundMember, Seat, SeatAlternate, SeatTerm, Vote, VotingRound
from fund.committee.queries import entitled_in_round, entitled_to_vote
from fund.committee.rounds import open_round_of, round_tally
from fund.committee.seating import (
    current_seats,
    every_seat_voted,
    every_seat_voted_sql,
    pending_members,
)
from fund.extensions import db, utcnow
from fund.proposals.models import Proposal
from tests.helpers import audit_events, client_for, csrf_token, org_id, user
from tests.test_committee import _close, _round, _vote
from tests.test_committee import people as people
from tests.test_committee import prepared_review as prepared_review
from tests.test_committee import under_review as under_review
from tests.test_committee_race import _holding, _run


def _seat_of(member) -> Seat:
    return db.session.scalar(
        select(Seat).where(Seat.member_id == member.id, Seat.ended_at.is_(None))
    )


def _alternate(app, people, create_user, seat_holder, **values) -> User:
    """A new committee member named alternate for the seat of `seat_holder`."""
    person = create_user(roles=("committee",), organization_acronym="UNHCR", **values)
    with app.app_context():
        seats.name_alternate(user(people.secretariat), _seat_of(seat_holder).id, person.id)
        db.session.commit()
    return person


# Seats of their own -------------------------------------------------------------------------------


def test_members_without_a_seat_sit_for_their_organization_from_the_opening(
    app, people, under_review
):
    """Current behaviour kept: each member votes, now each for a seat of their own."""
    with app.app_context():
        round_ = open_round_of(under_review)
        by_user = {m.user_id: m for m in round_.members}
        assert set(by_user) == {people.iom.id, people.unhcr.id, people.unicef.id, people.undp.id}
        for person, acronym in ((people.iom, "IOM"), (people.unhcr, "UNHCR")):
            seat = _seat_of(person)
            assert (seat.organization_id, seat.chair) == (org_id(acronym), False)
            assert by_user[person.id].seat_id == seat.id
        assert len({m.seat_id for m in round_.members}) == 4
        assert pending_members() == []
        counted = round_tally(round_)
        assert (counted.entitled, counted.quorum_needed) == (3, 2)  # IOM recused
    assigned = audit_events(app, "committee_seat_assigned")
    assert len(assigned) == 4
    assert all(e.actor_id is None and e.details["automatic"] for e in assigned)


def test_a_member_of_an_entity_with_a_seat_gets_no_second_seat_at_an_opening(
    app, people, make_proposal, create_user
):
    """One seat per entity, at a round's opening as on the seats page: a new UNHCR member
    gets no seat of their own (UNHCR holds one), two new members of an entity without a seat
    give it one seat, the first's; the page lists the others as waiting for a seat."""
    with app.app_context():
        seats.seat_pending_members()
        db.session.commit()
    second = create_user(roles=("committee",), organization_acronym="UNHCR", name="Sam Second")
    first_new = create_user(roles=("committee",), organization_acronym="WFP", name="Wu First")
    other_new = create_user(roles=("committee",), organization_acronym="WFP", name="Wa Other")
    proposal_id = make_proposal(people.author, status="committee_review")
    with app.app_context():
        round_ = open_round_of(proposal_id)
        seated = {m.user_id for m in round_.members}
        assert second.id not in seated and other_new.id not in seated
        assert first_new.id in seated
        assert len(round_.members) == 5  # IOM, UNHCR, UNICEF, UNDP and WFP: one seat each
        by_entity = db.session.execute(
            select(Seat.organization_id, func.count())
            .where(Seat.ended_at.is_(None))
            .group_by(Seat.organization_id)
        ).all()
        assert all(count == 1 for _entity, count in by_entity)
        assert {u.id for u in pending_members()} == {second.id, other_new.id}
    page = client_for(app, people.secretariat).get("/committee/seats/").get_data(as_text=True)
    assert "Sam Second" in page and "Wa Other" in page
    assert "takes one at the next round's opening (one seat per entity)" in page


# Alternates ---------------------------------------------------------------------------------------


def test_an_alternate_votes_when_the_member_does_not(app, people, under_review, create_user):
    alternate = _alternate(app, people, create_user, people.unhcr, name="Amal Alternate")
    round_id = _round(app, under_review).id
    assert _vote(app, alternate, round_id, "approve") == "cast"
    assert _vote(app, alternate, round_id, "abstain") == "changed"  # whoever cast it changes it
    with app.app_context():
        with pytest.raises(operations.CommitteeRefused, match="Amal Alternate already voted"):
            operations.cast_vote(round_id, user(people.unhcr), "reject", "No.")
        db.session.rollback()
        round_ = db.session.get(VotingRound, round_id)
        (vote,) = round_.votes
        assert (vote.member_id, vote.seat_id) == (alternate.id, _seat_of(people.unhcr).id)
        counted = round_tally(round_)
        assert (counted.entitled, counted.cast, counted.abstain) == (3, 1, 1)
        # The alternate is told about the proposal like the members.
        assert alternate.id in {u.id for u in entitled_in_round(round_)}
    (cast,) = audit_events(app, "committee_vote_cast")
    assert cast.details["alternate_for"] == people.unhcr.id
    # One more vote, of another seat, and the quorum of seats is met.
    _vote(app, people.unicef, round_id, "approve")
    assert _close(app, people, round_id) == "approved"


def test_the_member_votes_first_and_the_alternate_cannot(app, people, under_review, create_user):
    alternate = _alternate(app, people, create_user, people.unhcr)
    round_id = _round(app, under_review).id
    _vote(app, people.unhcr, round_id, "approve")
    with app.app_context():
        with pytest.raises(operations.CommitteeRefused, match="already voted for your seat"):
            operations.cast_vote(round_id, user(alternate), "approve")
        round_ = db.session.get(VotingRound, round_id)
        from fund.committee.workflow import allowed

        assert not allowed(round_, "vote", user(alternate))
        assert allowed(round_, "vote", user(people.unhcr))  # the member may change theirs


def test_an_alternate_whose_own_organization_takes_part_may_not_vote_for_another_seat(
    app, people, under_review, create_user
):
    """IOM takes part in the proposal: an IOM person named alternate for UNHCR's seat has the
    conflict the pages see (they hide the tally from them), so they neither vote nor are asked
    to; UNHCR's member still votes for the seat."""
    alternate = _alternate(app, people, create_user, people.unhcr)
    with app.app_context():
        db.session.get(User, alternate.id).organization_id = org_id("IOM")
        db.session.commit()
    round_id = _round(app, under_review).id
    with app.app_context():
        with pytest.raises(operations.CommitteeRefused, match="recused from this proposal: IOM"):
            operations.cast_vote(round_id, user(alternate), "approve")
        db.session.rollback()
        round_ = db.session.get(VotingRound, round_id)
        from fund.committee.workflow import allowed

        assert not allowed(round_, "vote", user(alternate))
        assert allowed(round_, "vote", user(people.unhcr))
        # Nor do they act for the seat otherwise: a conflict declared would recuse UNHCR's
        # seat and take away its member's vote.
        assert not allowed(round_, "declare_conflict", user(alternate))
        with pytest.raises(operations.CommitteeRefused, match="recused from this proposal: IOM"):
            operations.declare_conflict(round_id, user(alternate), "IOM takes part.")
        db.session.rollback()
        round_ = db.session.get(VotingRound, round_id)
        assert alternate.id not in {u.id for u in entitled_in_round(round_)}
        proposal = db.session.get(Proposal, under_review)
        assert alternate.id not in {u.id for u in entitled_to_vote(proposal)}
        # Their lists and Home do not ask them to vote on it; UNHCR's member's do.
        from fund.committee.queries import member_counts, member_rounds

        assert member_counts(user(alternate)).awaiting == 0
        assert member_rounds(user(alternate), "awaiting").rows == []
        assert member_counts(user(people.unhcr)).awaiting == 1
    home = client_for(app, alternate).get("/").get_data(as_text=True)
    assert (
        'data-task="votes_awaited"' not in home
        or "P-" not in home.split('data-task="votes_awaited"')[1].split("</section>")[0]
    )
    assert _vote(app, people.unhcr, round_id, "approve") == "cast"


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("es", "Amal Alternate votó: <strong>rechazar</strong> por su puesto, el "),
        ("fr", "<strong>rejeter</strong> pour votre siège, le "),
        ("en", "Amal Alternate voted to <strong>reject</strong> for your seat on "),
    ],
)
def test_the_seats_vote_by_the_alternate_reads_without_a_stray_space(
    app, people, under_review, create_user, language, said
):
    """The member reads the vote their alternate cast for the seat: no space before a comma."""
    alternate = _alternate(app, people, create_user, people.unhcr, name="Amal Alternate")
    round_id = _round(app, under_review).id
    _vote(app, alternate, round_id, "reject", comment="Not yet.")
    client = client_for(app, people.unhcr)
    page = client.get(f"/committee/proposals/{under_review}?lang={language}")
    text = " ".join(page.get_data(as_text=True).split())
    assert said in text, text[text.find("Amal Alternate") - 50 :][:300]
    assert "</strong> ," not in text


def test_the_database_keeps_one_vote_per_seat(app, backend, people, under_review, create_user):
    alternate = _alternate(app, people, create_user, people.unhcr)
    round_id = _round(app, under_review).id
    with app.app_context():
        seat_id = _seat_of(people.unhcr).id
        now = utcnow()
        db.session.add(
            Vote(round_id=round_id, member_id=people.unhcr.id, choice="approve", cast_at=now)
        )
        db.session.commit()
        db.session.add(
            Vote(
                round_id=round_id,
                member_id=alternate.id,
                seat_id=seat_id,
                choice="abstain",
                cast_at=now,
            )
        )
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        assert db.session.scalar(select(Vote.seat_id).where(Vote.round_id == round_id)) == seat_id


def test_member_and_alternate_voting_at_once_cast_one_vote(
    app, backend, people, under_review, create_user
):
    """The member's vote holds the round's lock while the alternate's arrives: the alternate is
    refused once the member's vote is in, and the seat has one vote."""
    alternate = _alternate(app, people, create_user, people.unhcr)
    round_id = _round(app, under_review).id
    locked, results = threading.Event(), {}

    def member_votes():
        operations.cast_vote(round_id, db.session.get(User, people.unhcr.id), "approve")
        return "voted"

    first = _run(app, _holding(locked, member_votes), results, "member")
    assert locked.wait(10)

    def alternate_votes():
        operations.cast_vote(round_id, db.session.get(User, alternate.id), "reject", "No.")
        db.session.commit()
        return "voted"

    second = _run(app, alternate_votes, results, "alternate")
    first.join(10)
    second.join(10)
    assert results["member"] == "voted"
    assert isinstance(results["alternate"], operations.CommitteeRefused | IntegrityError)
    with app.app_context():
        votes = db.session.scalars(select(Vote).where(Vote.round_id == round_id)).all()
        assert [(v.member_id, v.choice) for v in votes] == [(people.unhcr.id, "approve")]


def test_the_database_refuses_two_concurrent_inserts_for_one_seat(
    app, backend, people, under_review, create_user
):
    """Without the operation's lock: two inserts for the same seat, by the member and the
    alternate at the same moment; the unique constraint lets exactly one through."""
    alternate = _alternate(app, people, create_user, people.unhcr)
    round_id = _round(app, under_review).id
    with app.app_context():
        seat_id = _seat_of(people.unhcr).id
    barrier = threading.Barrier(2)
    results: dict[str, Any] = {}

    def insert(member_id):
        def run():
            barrier.wait(10)
            db.session.add(
                Vote(
                    round_id=round_id,
                    member_id=member_id,
                    seat_id=seat_id,
                    choice="approve",
                    cast_at=utcnow(),
                )
            )
            db.session.flush()
            time.sleep(0.2)
            db.session.commit()
            return "inserted"

        return run

    threads = [
        _run(app, insert(people.unhcr.id), results, "member"),
        _run(app, insert(alternate.id), results, "alternate"),
    ]
    for thread in threads:
        thread.join(10)
    outcomes = sorted(type(v).__name__ if isinstance(v, Exception) else v for v in results.values())
    assert outcomes[1] == "inserted", results
    assert outcomes[0] in ("IntegrityError", "OperationalError"), results
    with app.app_context():
        count = select(func.count()).select_from(Vote).where(Vote.seat_id == seat_id)
        assert db.session.scalar(count) == 1


def test_a_conflict_declared_by_an_alternate_recuses_the_seat(
    app, people, under_review, create_user
):
    alternate = _alternate(app, people, create_user, people.unhcr)
    round_id = _round(app, under_review).id
    _vote(app, people.unhcr, round_id, "approve")
    with app.app_context():
        removed = operations.declare_conflict(round_id, user(alternate), "I advised the lead.")
        db.session.commit()
        assert removed.member_id == people.unhcr.id  # the seat's vote, cast by the member
        round_ = db.session.get(VotingRound, round_id)
        seat = next(m for m in round_.members if m.user_id == people.unhcr.id)
        assert seat.recusal == "declared"
        with pytest.raises(operations.CommitteeRefused, match="recused"):
            operations.cast_vote(round_id, user(people.unhcr), "approve")
        db.session.rollback()
        assert round_tally(db.session.get(VotingRound, round_id)).entitled == 2
    # The seat stays recused on the proposal's next round, for the member and the alternate.
    _vote(app, people.unicef, round_id, "approve")
    _close(app, people, round_id)  # 1 of 2: no quorum
    with app.app_context():
        second = operations.open_new_round(under_review, user(people.secretariat))
        db.session.commit()
        member = next(m for m in second.members if m.user_id == people.unhcr.id)
        assert member.recusal == "declared"
        voters = {u.id for u in entitled_to_vote(db.session.get(Proposal, under_review))}
        assert alternate.id not in voters and people.unhcr.id not in voters


def test_an_alternate_has_no_seat_of_their_own(app, people, make_proposal, create_user):
    """Named before any round: the opening gives the alternate no seat; the round has the
    members' seats, and the alternate is entitled through the member's."""
    with app.app_context():
        seats.seat_pending_members()
        db.session.commit()
    alternate = create_user(roles=("committee",), organization_acronym="UNHCR")
    with app.app_context():
        seats.name_alternate(user(people.secretariat), _seat_of(people.unhcr).id, alternate.id)
        db.session.commit()
    proposal_id = make_proposal(people.author, status="committee_review")
    with app.app_context():
        round_ = open_round_of(proposal_id)
        assert alternate.id not in {m.user_id for m in round_.members}
        assert len(round_.members) == 4
        assert round_tally(round_).entitled == 3


# A member deactivated while a round is open -------------------------------------------------------


def _deactivate(app, admin_id: int, person) -> None:
    with app.app_context():
        target = user(person)
        accounts.update_user(
            user(admin_id),
            target,
            name=target.name,
            roles=set(target.roles),
            organization=target.organization,
            active=False,
            now=utcnow(),
        )
        db.session.commit()


def test_a_member_deactivated_while_a_round_is_open_stops_counting_toward_its_quorum(
    app, people, under_review, create_user
):
    admin = create_user(roles=("admin",), organization_acronym=None)
    round_id = _round(app, under_review).id
    _vote(app, people.unhcr, round_id, "approve")
    with app.app_context():
        assert round_tally(db.session.get(VotingRound, round_id)).quorum_needed == 2
    # UNICEF and UNDP leave: the round counts the one seat left, whose vote meets the quorum.
    _deactivate(app, admin.id, people.unicef)
    _deactivate(app, admin.id, people.undp)
    with app.app_context():
        counted = round_tally(db.session.get(VotingRound, round_id))
        assert (counted.entitled, counted.quorum_needed, counted.quorum_met) == (1, 1, True)
    assert _close(app, people, round_id) == "approved"
    with app.app_context():
        assert db.session.get(Proposal, under_review).status == "approved"


def test_nobody_votes_for_a_seat_retired_while_a_round_is_open(app, people, under_review):
    """A retired seat stops counting toward the quorum, and its former member may no longer
    vote for it: a vote would count the seat again and move the quorum."""
    round_id = _round(app, under_review).id
    with app.app_context():
        seats.retire_seat(user(people.secretariat), _seat_of(people.unhcr).id)
        db.session.commit()
        round_ = db.session.get(VotingRound, round_id)
        before = round_tally(round_)
        assert before.entitled == 2
        with pytest.raises(operations.CommitteeRefused, match="not among the members entitled"):
            operations.cast_vote(round_id, user(people.unhcr), "approve")
        db.session.rollback()
        assert round_tally(db.session.get(VotingRound, round_id)).entitled == 2


def test_a_vote_cast_before_the_deactivation_still_counts(app, people, under_review, create_user):
    admin = create_user(roles=("admin",), organization_acronym=None)
    round_id = _round(app, under_review).id
    _vote(app, people.unhcr, round_id, "approve")
    _vote(app, people.unicef, round_id, "approve")
    _deactivate(app, admin.id, people.unicef)
    with app.app_context():
        round_ = db.session.get(VotingRound, round_id)
        counted = round_tally(round_)
        assert (counted.entitled, counted.cast, counted.approve) == (3, 2, 2)
        fingerprint = operations.fingerprint(round_)
    _deactivate(app, admin.id, people.undp)  # a seat stops counting: the tally shown is stale
    with app.app_context():
        assert operations.fingerprint(db.session.get(VotingRound, round_id)) != fingerprint
        with pytest.raises(operations.CommitteeRefused, match="changed since you opened"):
            operations.close_round(round_id, user(people.secretariat), expected=fingerprint)


def test_a_seat_whose_member_is_deactivated_counts_while_its_alternate_can_vote(
    app, people, under_review, create_user
):
    admin = create_user(roles=("admin",), organization_acronym=None)
    alternate = _alternate(app, people, create_user, people.unhcr)
    round_id = _round(app, under_review).id
    _deactivate(app, admin.id, people.unhcr)
    with app.app_context():
        assert round_tally(db.session.get(VotingRound, round_id)).entitled == 3
    _vote(app, alternate, round_id, "approve")
    _deactivate(app, admin.id, alternate)
    with app.app_context():
        counted = round_tally(db.session.get(VotingRound, round_id))
        assert (counted.entitled, counted.cast) == (3, 1)  # its vote was cast: it counts


def _every_seat_voted(app, round_id: int) -> bool:
    """Whether every seat that counts has voted, as the notification reads it (Python) and as
    Home reads it (SQL): the two say the same."""
    with app.app_context():
        in_python = every_seat_voted(db.session.get(VotingRound, round_id))
        in_sql = db.session.scalar(
            select(every_seat_voted_sql(VotingRound.id)).where(VotingRound.id == round_id)
        )
        assert bool(in_sql) == in_python
        return in_python


def test_every_seat_voted_reads_the_seats_that_count_in_python_and_in_sql(
    app, backend, people, under_review, create_user
):
    admin = create_user(roles=("admin",), organization_acronym=None)
    alternate = _alternate(app, people, create_user, people.unhcr)
    round_id = _round(app, under_review).id
    assert not _every_seat_voted(app, round_id)
    _deactivate(app, admin.id, people.unhcr)  # its alternate may still vote for the seat
    _vote(app, people.unicef, round_id, "approve")
    _vote(app, people.undp, round_id, "abstain")
    assert not _every_seat_voted(app, round_id)
    with app.app_context():  # nor the alternate now: the seat stops counting
        user(alternate).set_roles({"applicant"})
        db.session.commit()
    assert _every_seat_voted(app, round_id)
    for member in (people.unicef, people.undp):  # recused, their votes removed: no seat counts
        with app.app_context():
            operations.declare_conflict(round_id, user(member), "A conflict.")
            db.session.commit()
    assert not _every_seat_voted(app, round_id)


# Changing the seats -------------------------------------------------------------------------------


def test_seat_changes_are_checked_and_audited(app, people, create_user):
    with app.app_context():
        seats.seat_pending_members()  # the four members' own seats
        db.session.commit()
    chair_person = create_user(roles=("committee",), organization_acronym="OHCHR", name="Olga")
    outsider = create_user(roles=("applicant",), organization_acronym="ILO", name="Not Member")
    with app.app_context():
        secretariat = user(people.secretariat)
        # An entity has one seat; a seat needs a committee member who holds no other.
        with pytest.raises(seats.SeatRefused, match="IOM already has a seat") as refused:
            seats.assign_seat(secretariat, org_id("IOM"), chair_person.id)
        assert refused.value.field == "organization"
        with pytest.raises(seats.SeatRefused, match="does not have the committee role"):
            seats.assign_seat(secretariat, org_id("OHCHR"), outsider.id)
        with pytest.raises(seats.SeatRefused, match="already holds the seat of UNHCR"):
            seats.assign_seat(secretariat, org_id("OHCHR"), people.unhcr.id)
        with pytest.raises(seats.SeatRefused, match="Only the secretariat or an administrator"):
            seats.assign_seat(user(people.unhcr), org_id("OHCHR"), chair_person.id)
        db.session.rollback()
        unicef_seat = _seat_of(people.unicef)
        # Olga sits for OHCHR and chairs; the seat cannot go to a member holding another.
        ohchr = seats.assign_seat(secretariat, org_id("OHCHR"), chair_person.id)
        assert seats.set_chair(secretariat, ohchr.id) is True
        assert seats.set_chair(secretariat, ohchr.id) is False
        with pytest.raises(seats.SeatRefused, match="already holds the seat of UNICEF"):
            seats.hand_over(secretariat, ohchr.id, people.unicef.id)
        # An alternate stands in for one seat and holds none.
        with pytest.raises(seats.SeatRefused, match="already holds the seat of UNDP"):
            seats.name_alternate(secretariat, unicef_seat.id, people.undp.id)
        db.session.commit()
        # The chair moves; the database keeps one.
        assert seats.set_chair(secretariat, unicef_seat.id) is True
        db.session.commit()
        assert [s.id for s in current_seats() if s.chair] == [unicef_seat.id]
        with pytest.raises(IntegrityError):
            db.session.execute(update(Seat).where(Seat.id == ohchr.id).values(chair=True))
        db.session.rollback()
        # Retiring: no chair, no alternates, no new round; the terms keep who held it.
        undp_seat = _seat_of(people.undp)
        seats.retire_seat(secretariat, unicef_seat.id)
        db.session.commit()
        assert chair_seat_id() is None
        assert unicef_seat.id not in {s.id for s in current_seats()}
        assert db.session.scalar(
            select(SeatTerm.ended_at).where(SeatTerm.seat_id == unicef_seat.id)
        )
        # A member whose seat was retired is not seated again at the next opening.
        assert people.unicef.id not in {u.id for u in pending_members()}
        assert undp_seat.ended_at is None
    actions = [
        e.action
        for name in (
            "committee_seat_assigned",
            "committee_chair_set",
            "committee_seat_retired",
        )
        for e in audit_events(app, name)
    ]
    assert actions.count("committee_chair_set") == 2
    assert actions.count("committee_seat_retired") == 1


def chair_seat_id() -> int | None:
    return db.session.scalar(select(Seat.id).where(Seat.chair.is_(True)))


def test_handing_a_seat_over_keeps_its_place_in_the_open_round(
    app, people, under_review, create_user
):
    newcomer = create_user(roles=("committee",), organization_acronym="UNHCR", name="New Holder")
    round_id = _round(app, under_review).id
    with app.app_context():
        seat_id = _seat_of(people.unhcr).id
        assert seats.hand_over(user(people.secretariat), seat_id, newcomer.id) is True
        db.session.commit()
        terms = db.session.execute(
            select(SeatTerm.member_id, SeatTerm.ended_at.is_(None)).where(
                SeatTerm.seat_id == seat_id
            )
        ).all()
        assert sorted(terms) == sorted([(people.unhcr.id, False), (newcomer.id, True)])
        # The former member no longer votes for the seat, and gets no seat of their own.
        with pytest.raises(operations.CommitteeRefused, match="not among the members"):
            operations.cast_vote(round_id, user(people.unhcr), "approve")
        db.session.rollback()
        assert people.unhcr.id not in {u.id for u in pending_members()}
    assert _vote(app, newcomer, round_id, "approve") == "cast"
    (handed,) = audit_events(app, "committee_seat_handed_over")
    assert (handed.details["before"], handed.details["after"]) == (people.unhcr.id, newcomer.id)


def test_removing_an_alternate(app, people, under_review, create_user):
    alternate = _alternate(app, people, create_user, people.unhcr)
    round_id = _round(app, under_review).id
    with app.app_context():
        seat_id = _seat_of(people.unhcr).id
        seats.remove_alternate(user(people.secretariat), seat_id, alternate.id)
        db.session.commit()
        with pytest.raises(seats.SeatRefused, match="not an alternate"):
            seats.remove_alternate(user(people.secretariat), seat_id, alternate.id)
        db.session.rollback()
        with pytest.raises(operations.CommitteeRefused, match="not among the members"):
            operations.cast_vote(round_id, user(alternate), "approve")
        db.session.rollback()
        ended = db.session.scalar(
            select(SeatAlternate.ended_at).where(SeatAlternate.user_id == alternate.id)
        )
        assert ended is not None
        # Once named, never seated on their own: they stood in for a seat.
        assert alternate.id not in {u.id for u in pending_members()}


# The pages ----------------------------------------------------------------------------------------


def test_the_seats_page_for_the_secretariat_the_admin_and_the_members(
    app, people, under_review, create_user
):
    admin = create_user(roles=("admin",), organization_acronym=None)
    newcomer = create_user(roles=("committee",), organization_acronym="OHCHR", name="Olga OHCHR")
    member = client_for(app, people.unhcr)
    page = member.get("/committee/seats/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Ursula UNHCR" in text and "Assign a seat" not in text
    assert "Olga OHCHR" in text  # without a seat: sits for OHCHR from the next opening
    token = csrf_token(member, "/committee/seats/")
    refused = member.post(
        "/committee/seats/", data={"csrf_token": token, "organization": "1", "member": "1"}
    )
    assert refused.status_code == 403

    secretariat = client_for(app, people.secretariat)
    token = csrf_token(secretariat, "/committee/seats/")
    ohchr = str(org_id("OHCHR", app))
    # Bad input: the choices kept, the message at the field, nothing saved.
    bad = secretariat.post(
        "/committee/seats/",
        data={"csrf_token": token, "organization": ohchr, "member": "0"},
    )
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "Choose the member." in text
    assert f'<option selected value="{ohchr}">' in text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Seat)) == 4
    taken = secretariat.post(
        "/committee/seats/",
        data={
            "csrf_token": token,
            "organization": str(org_id("IOM", app)),
            "member": str(newcomer.id),
        },
    )
    assert taken.status_code == 400
    assert "IOM already has a seat" in taken.get_data(as_text=True)
    done = secretariat.post(
        "/committee/seats/",
        data={"csrf_token": token, "organization": ohchr, "member": str(newcomer.id)},
    )
    assert done.status_code == 302
    assert "Olga OHCHR holds the seat of OHCHR" in secretariat.get(done.location).get_data(
        as_text=True
    )

    # The administrator names the chair and an alternate.
    administrator = client_for(app, admin)
    token = csrf_token(administrator, "/committee/seats/")
    with app.app_context():
        seat_id = _seat_of(people.unhcr).id
    assert (
        administrator.post(
            "/committee/seats/chair", data={"csrf_token": token, "seat": str(seat_id)}
        ).status_code
        == 302
    )
    spare = create_user(roles=("committee",), organization_acronym="UNHCR", name="Spare")
    named = administrator.post(
        f"/committee/seats/{seat_id}/alternates",
        data={"csrf_token": token, "alternate": str(spare.id)},
    )
    assert named.status_code == 302
    page = administrator.get("/committee/seats/").get_data(as_text=True)
    assert "Chair</span>" in page and "Spare" in page
    assert administrator.get("/committee/seats/999999/retire").status_code == 405
    assert (
        administrator.post("/committee/seats/999999/retire", data={"csrf_token": token}).status_code
        == 404
    )


# The migration ------------------------------------------------------------------------------------


def test_the_migration_gives_every_member_a_seat_and_keeps_the_votes(
    app, backend, people, under_review
):
    from flask_migrate import downgrade, upgrade

    round_id = _round(app, under_review).id
    _vote(app, people.unhcr, round_id, "approve")
    directory = str(Path(__file__).resolve().parent.parent / "migrations")
    with app.app_context():
        db.session.remove()
        downgrade(directory=directory, revision="b6d2e8f41a07")
        assert "committee_seats" not in db.inspect(db.engine).get_table_names()
        upgrade(directory=directory)
        db.session.remove()
        seated = dict(db.session.execute(select(Seat.member_id, Seat.organization_id)).all())
        assert seated == {
            people.iom.id: org_id("IOM"),
            people.unhcr.id: org_id("UNHCR"),
            people.unicef.id: org_id("UNICEF"),
            people.undp.id: org_id("UNDP"),
        }
        members = db.session.execute(select(RoundMember.user_id, RoundMember.seat_id)).all()
        seat_of = {
            member: seat for seat, member in db.session.execute(select(Seat.id, Seat.member_id))
        }
        assert all(seat_of[user_id] == seat_id for user_id, seat_id in members)
        (vote,) = db.session.scalars(select(Vote)).all()
        assert vote.seat_id == seat_of[people.unhcr.id]
        assert db.session.scalar(select(func.count()).select_from(SeatTerm)) == 4
    # The committee votes on as before.
    _vote(app, people.unicef, round_id, "approve")
    assert _close(app, people, round_id) == "approved"


def test_the_deadline_reminder_goes_to_the_seats_that_have_not_voted(
    app, people, under_review, create_user
):
    from datetime import timedelta

    from fund.notifications.models import Notification
    from fund.notifications.operations import remind_deadlines

    alternate = _alternate(app, people, create_user, people.unhcr)
    round_id = _round(app, under_review).id
    _vote(app, alternate, round_id, "approve")  # for UNHCR's seat
    with app.app_context():
        db.session.get(VotingRound, round_id).deadline = utcnow() + timedelta(hours=12)
        db.session.commit()
        assert remind_deadlines(timedelta(days=1)) == 2
        db.session.commit()
        reminded = set(
            db.session.scalars(
                select(Notification.user_id).where(Notification.kind == "vote_deadline")
            )
        )
    assert reminded == {people.unicef.id, people.undp.id}

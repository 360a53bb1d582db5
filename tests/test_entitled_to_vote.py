"""Who is told they may vote before a round opens (`entitled_to_vote`, for the notifications) is
who the round counts once it opens (`open_round`, the tally): one rule, `seats_at_opening` —
seats with their alternates, a seat nobody can vote for left out, the seats of organizations
taking part recused, and committee members without a seat sitting for their own organization."""

from __future__ import annotations

from sqlalchemy import select

from fund.accounts.models import User
from fund.committee import seats
from fund.committee.models import Seat
from fund.committee.queries import entitled_in_round, entitled_to_vote
from fund.committee.rounds import open_round_of
from fund.extensions import db
from fund.proposals import operations as proposal_operations
from fund.proposals.models import Proposal
from tests.factories import new_user, record_checks
from tests.helpers import user
from tests.test_committee import people as people


def _seat_of(member_id: int) -> Seat:
    return db.session.scalar(
        select(Seat).where(Seat.member_id == member_id, Seat.ended_at.is_(None))
    )


def _ids(users) -> list[int]:
    return [u.id for u in users]


def test_who_may_vote_before_the_round_is_who_the_round_counts(app, people, make_proposal):
    # A first round gives the members without a seat one for their own organization.
    make_proposal(people.author, status="committee_review")
    waiting = make_proposal(people.author, status="screening")
    with app.app_context():
        secretariat = user(people.secretariat)
        alternate = new_user(("committee",), "UNHCR", name="Alia Alternate")
        seats.name_alternate(secretariat, _seat_of(people.unhcr.id).id, alternate.id)
        # UNDP's member is deactivated and its seat has no alternate: nobody can vote for it.
        db.session.get(User, people.undp.id).active = False
        # A member no seat names yet sits for their own organization from the next opening.
        newcomer = new_user(("committee",), "OHCHR", name="Omar OHCHR")
        db.session.commit()
        proposal = db.session.get(Proposal, waiting)
        told = _ids(entitled_to_vote(proposal))
        assert told == sorted([people.unhcr.id, alternate.id, people.unicef.id, newcomer.id])
        # IOM takes part in the proposal: recused before and in the round alike.
        assert people.iom.id not in told
        record_checks(proposal, secretariat)
        proposal_operations.fire(proposal, "forward_to_committee", secretariat)
        db.session.commit()
        round_ = open_round_of(waiting)
        assert _ids(entitled_in_round(round_)) == told
        assert _ids(entitled_to_vote(proposal)) == told

"""Executive Committee review: rounds, recusals, votes, closing, pages and who sees what."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from fund.calls.models import Call
from fund.committee import operations
from fund.committee.guards import committee_approved, committee_rejected
from fund.committee.models import RoundMember, Vote, VotingRound
from fund.days import in_words, last_day
from fund.extensions import db, utcnow
from fund.finance import queries as finance_queries
from fund.proposals import operations as proposal_operations
from fund.proposals.models import Proposal, ProposalVersion
from tests.conftest import PreparedDatabase, detached, engine_of
from tests.factories import committee_people, new_open_call, new_proposal, take_to_committee
from tests.helpers import audit_events, client_for, csrf_token, user
from workflows import TransitionRefused

# The people ------------------------------------------------------------------------------------


def detached_people(people: SimpleNamespace) -> SimpleNamespace:
    """The people, committed, read back and detached."""
    db.session.commit()
    return SimpleNamespace(**{name: detached(row) for name, row in vars(people).items()})


def _under_review() -> SimpleNamespace:
    """The people, an open call and an ILO proposal under the committee's review (its round
    open), as the fixtures `people` and `under_review` made them one after the other."""
    people = committee_people()
    proposal = new_proposal(people.author, new_open_call().id, "committee_review")
    db.session.commit()
    return SimpleNamespace(people=detached_people(people), proposal_id=proposal.id)


@pytest.fixture(scope="module")
def prepared_review(request) -> PreparedDatabase:
    """`_under_review` made once per engine; the tests of a proposal under review start from a
    copy."""
    return PreparedDatabase(request, _under_review)


@pytest.fixture
def people(request) -> SimpleNamespace:
    """The people of `committee_people`, detached (those of the prepared database when the test
    starts from a proposal under review)."""
    if "under_review" in request.fixturenames:
        return request.getfixturevalue("prepared_review").data(engine_of(request)).people
    with request.getfixturevalue("app").app_context():
        return detached_people(committee_people())


def _set_rule(app, call_id: int, rule: str, quorum: int | None = None) -> None:
    with app.app_context():
        call = db.session.get(Call, call_id)
        call.decision_rule, call.quorum = rule, quorum
        db.session.commit()


@pytest.fixture
def under_review(request, app, people, prepared_review) -> int:
    """The id of the prepared proposal under review (its round open)."""
    return prepared_review.data(engine_of(request)).proposal_id


def _round(app, proposal_id: int, number: int | None = None) -> VotingRound:
    with app.app_context():
        query = select(VotingRound).where(VotingRound.proposal_id == proposal_id)
        if number is not None:
            query = query.where(VotingRound.number == number)
        round_ = db.session.scalars(query.order_by(VotingRound.number.desc())).first()
        round_.members, round_.votes  # noqa: B018 - load before detaching
        db.session.expunge_all()
        return round_


def _vote(app, member, round_id: int, choice: str, comment: str = "", conditions: str = ""):
    with app.app_context():
        _, what = operations.cast_vote(round_id, user(member), choice, comment, conditions)
        db.session.commit()
        return what


def _close(app, people, round_id: int, summary: str = "") -> str:
    with app.app_context():
        round_ = operations.close_round(round_id, user(people.secretariat), summary=summary)
        db.session.commit()
        return round_.outcome


def _status(app, proposal_id: int) -> str:
    with app.app_context():
        return db.session.get(Proposal, proposal_id).status


# Opening -----------------------------------------------------------------------------------------


def test_forwarding_opens_a_round_with_the_call_rule_and_recusals(
    app, people, make_proposal, open_call
):
    _set_rule(app, open_call, "majority", quorum=2)
    proposal_id = make_proposal(people.author, status="committee_review")
    round_ = _round(app, proposal_id)
    assert (round_.number, round_.status, round_.version_number) == (1, "open", 1)
    assert (round_.decision_rule, round_.quorum_setting) == ("majority", 2)
    members = {m.user_id: m for m in round_.members}
    assert set(members) == {people.iom.id, people.unhcr.id, people.unicef.id, people.undp.id}
    iom = members[people.iom.id]
    assert iom.recusal == "automatic"
    assert iom.recusal_reason == "IOM is a participating organization of this proposal."
    assert all(members[u.id].recusal is None for u in (people.unhcr, people.unicef, people.undp))
    (opened,) = audit_events(app, "committee_round_opened")
    assert (opened.subject_type, opened.subject_id) == ("voting_round", str(round_.id))
    assert opened.details["recused"][0]["user"] == people.iom.id


def test_lead_and_applicant_organizations_are_recused_and_inactive_users_left_out(
    app, people, make_proposal, create_user
):
    ilo = create_user(roles=("committee",), organization_acronym="ILO", name="Ilo Member")
    create_user(roles=("committee",), organization_acronym="UNODC", active=False)
    proposal_id = make_proposal(people.author, status="committee_review")
    members = {m.user_id: m for m in _round(app, proposal_id).members}
    assert members[ilo.id].recusal_reason == "ILO is the lead UN entity of this proposal."
    assert len(members) == 5  # the inactive member is not part of the round


def test_only_one_open_round_per_proposal(app, people, under_review):
    with app.app_context():
        with pytest.raises(operations.CommitteeRefused, match="Round 1 is still open"):
            operations.open_new_round(under_review, user(people.secretariat))
        # The database refuses a second open round too.
        db.session.add(
            VotingRound(
                proposal_id=under_review,
                number=2,
                version_number=1,
                decision_rule="consensus",
                status="open",
                opened_at=utcnow(),
            )
        )
        with pytest.raises(IntegrityError):
            db.session.flush()


# Rules, quorum, abstentions, ties ----------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "choices", "outcome", "status"),
    [
        ("consensus", ["approve", "approve", "abstain"], "approved", "approved"),
        ("consensus", ["approve", "approve", "reject"], "rejected", "rejected"),
        ("consensus", ["abstain", "abstain"], "rejected", "rejected"),
        ("majority", ["approve", "reject", "abstain"], "rejected", "rejected"),  # a tie
        ("majority", ["approve", "abstain"], "approved", "approved"),
        ("majority", ["approve", "reject", "reject"], "rejected", "rejected"),
        ("two_thirds", ["approve", "approve", "reject"], "approved", "approved"),
        ("two_thirds", ["approve", "reject"], "rejected", "rejected"),
        ("consensus", ["approve"], "no_quorum", "committee_review"),
        ("majority", ["abstain"], "no_quorum", "committee_review"),
    ],
)
def test_closing_applies_the_rule(
    app, people, make_proposal, open_call, rule, choices, outcome, status
):
    _set_rule(app, open_call, rule)
    proposal_id = make_proposal(people.author, status="committee_review")
    round_id = _round(app, proposal_id).id
    voters = [people.unhcr, people.unicef, people.undp]
    for voter, choice in zip(voters, choices, strict=False):
        _vote(app, voter, round_id, choice, comment="Reasons." if choice == "reject" else "")
    assert _close(app, people, round_id, summary="Noted.") == outcome
    assert _status(app, proposal_id) == status
    closed = _round(app, proposal_id, 1)
    assert closed.status == "closed" and closed.closed_at is not None
    assert closed.tally["cast"] == len(choices) and closed.tally["quorum_needed"] == 2
    (event,) = audit_events(app, "committee_round_closed")
    assert event.details["outcome"] == outcome
    if status != "committee_review":
        trigger = "approve" if outcome == "approved" else "reject"
        (fired,) = audit_events(app, trigger)
        assert fired.comment == "Noted." and fired.details["round"] == 1


def test_recused_members_do_not_count_for_quorum(app, people, make_proposal, open_call):
    _set_rule(app, open_call, "consensus")
    proposal_id = make_proposal(people.author, status="committee_review")
    round_id = _round(app, proposal_id).id
    with app.app_context():
        operations.declare_conflict(round_id, user(people.undp), "My spouse works on it.")
        operations.declare_conflict(round_id, user(people.unicef), "Former employer.")
        db.session.commit()
        tally = operations.round_tally(db.session.get(VotingRound, round_id))
    # One entitled member left (UNHCR): the quorum is a majority of one.
    assert (tally.entitled, tally.quorum_needed, tally.cast) == (1, 1, 0)
    _vote(app, people.unhcr, round_id, "approve")
    assert _close(app, people, round_id) == "approved"


def test_a_fixed_quorum_above_the_entitled_members_cannot_be_met(
    app, people, make_proposal, open_call
):
    _set_rule(app, open_call, "majority", quorum=4)
    proposal_id = make_proposal(people.author, status="committee_review")
    round_id = _round(app, proposal_id).id
    for voter in (people.unhcr, people.unicef, people.undp):
        _vote(app, voter, round_id, "approve")
    assert _close(app, people, round_id) == "no_quorum"
    assert _status(app, proposal_id) == "committee_review"


def test_no_quorum_then_a_new_round(app, people, under_review):
    first = _round(app, under_review).id
    _vote(app, people.unhcr, first, "approve")
    assert _close(app, people, first) == "no_quorum"
    client = client_for(app, people.secretariat)
    token = csrf_token(client, "/committee/meeting")
    with app.app_context():
        version = db.session.get(Proposal, under_review).version
    deadline = (utcnow() + timedelta(days=7)).date()
    response = client.post(
        f"/committee/proposals/{under_review}/rounds",
        data={"csrf_token": token, "version": version, "deadline": deadline.isoformat()},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    second = _round(app, under_review)
    assert second.number == 2 and second.status == "open"
    assert second.deadline.date() == deadline
    # The old round takes no votes; the new one does.
    with app.app_context(), pytest.raises(operations.CommitteeRefused, match="closed"):
        operations.cast_vote(first, user(people.unicef), "approve")
    _vote(app, people.unicef, second.id, "approve")
    _vote(app, people.unhcr, second.id, "approve")
    assert _close(app, people, second.id) == "approved"
    assert _status(app, under_review) == "approved"


# Votes -------------------------------------------------------------------------------------------


def test_vote_changes_are_audited(app, people, under_review):
    round_id = _round(app, under_review).id
    assert _vote(app, people.unhcr, round_id, "approve") == "cast"
    assert _vote(app, people.unhcr, round_id, "approve") == "unchanged"
    assert _vote(app, people.unhcr, round_id, "reject", comment="Budget too high.") == "changed"
    assert _vote(app, people.unhcr, round_id, "abstain", conditions="Cut travel.") == "changed"
    (cast,) = audit_events(app, "committee_vote_cast")
    assert cast.details["choice"] == "approve" and cast.actor_id == people.unhcr.id
    changes = audit_events(app, "committee_vote_changed")
    assert [(e.details["before"]["choice"], e.details["after"]["choice"]) for e in changes] == [
        ("approve", "reject"),
        ("reject", "abstain"),
    ]
    assert changes[0].details["after"]["comment"] == "Budget too high."
    with app.app_context():
        (vote,) = db.session.scalars(select(Vote).where(Vote.round_id == round_id)).all()
        assert (vote.choice, vote.conditions) == ("abstain", "Cut travel.")
        assert vote.changed_at is not None and vote.changed_at >= vote.cast_at


def test_reject_needs_a_comment(app, people, under_review):
    round_id = _round(app, under_review).id
    with app.app_context():
        with pytest.raises(operations.CommitteeRefused, match="needs a comment") as refused:
            operations.cast_vote(round_id, user(people.unhcr), "reject", "   ")
        assert refused.value.field == "comment"
        db.session.rollback()
        # The database refuses it as well.
        db.session.add(
            Vote(round_id=round_id, member_id=people.unhcr.id, choice="reject", cast_at=utcnow())
        )
        with pytest.raises(IntegrityError):
            db.session.flush()


def test_double_vote_is_refused_by_the_database(app, backend, people, under_review):
    round_id = _round(app, under_review).id
    with app.app_context():
        now = utcnow()
        db.session.add(
            Vote(round_id=round_id, member_id=people.unhcr.id, choice="approve", cast_at=now)
        )
        db.session.commit()
        db.session.add(
            Vote(round_id=round_id, member_id=people.unhcr.id, choice="abstain", cast_at=now)
        )
        with pytest.raises(IntegrityError):
            db.session.commit()


def test_vote_after_close_is_refused(app, people, under_review):
    round_id = _round(app, under_review).id
    _vote(app, people.unhcr, round_id, "approve")
    _vote(app, people.unicef, round_id, "approve")
    _close(app, people, round_id)
    with app.app_context():
        with pytest.raises(operations.CommitteeRefused, match="no longer possible") as refused:
            operations.cast_vote(round_id, user(people.undp), "approve")
        assert refused.value.stale
    client = client_for(app, people.undp)
    token = csrf_token(client, "/committee/")
    response = client.post(
        f"/committee/rounds/{round_id}/vote",
        data={"csrf_token": token, "choice": "reject", "comment": "Too late?"},
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "voting is no longer possible" in page
    with app.app_context():
        assert db.session.scalar(select(Vote).where(Vote.member_id == people.undp.id)) is None


def test_recused_and_late_members_cannot_vote(app, people, under_review, create_user):
    round_id = _round(app, under_review).id
    late = create_user(roles=("committee",), organization_acronym="OHCHR")
    with app.app_context():
        with pytest.raises(operations.CommitteeRefused, match="You are recused"):
            operations.cast_vote(round_id, user(people.iom), "approve")
        with pytest.raises(operations.CommitteeRefused, match="not among the members"):
            operations.cast_vote(round_id, user(late), "approve")
        with pytest.raises(operations.CommitteeRefused, match="Only the secretariat"):
            operations.close_round(round_id, user(people.unhcr))


def test_the_deadline_stops_votes(app, people, under_review):
    round_id = _round(app, under_review).id
    with app.app_context():
        secretariat = user(people.secretariat)
        with pytest.raises(operations.CommitteeRefused, match="in the future"):
            operations.set_deadline(round_id, secretariat, utcnow() - timedelta(hours=1))
        deadline = utcnow() + timedelta(days=2)
        assert operations.set_deadline(round_id, secretariat, deadline)
        db.session.commit()
        with pytest.raises(operations.CommitteeRefused, match="deadline of round 1 passed"):
            operations.cast_vote(
                round_id, user(people.unhcr), "approve", now=deadline + timedelta(seconds=1)
            )
    (event,) = audit_events(app, "committee_deadline_set")
    assert event.details["before"] is None and event.details["after"]


# Declared conflicts ------------------------------------------------------------------------------


def test_declaring_a_conflict_removes_the_vote_and_carries_over(app, people, under_review):
    first = _round(app, under_review).id
    _vote(app, people.unicef, first, "approve", conditions="Quarterly reports.")
    with app.app_context():
        with pytest.raises(operations.CommitteeRefused, match="Say what") as refused:
            operations.declare_conflict(first, user(people.unicef), "  ")
        assert refused.value.field == "reason"
        removed = operations.declare_conflict(
            first, user(people.unicef), "I advised the applicant."
        )
        assert removed is not None and removed.choice == "approve"
        db.session.commit()
        member = db.session.get(RoundMember, (first, people.unicef.id))
        assert (member.recusal, member.recusal_reason) == ("declared", "I advised the applicant.")
        assert db.session.scalar(select(Vote).where(Vote.round_id == first)) is None
        with pytest.raises(operations.CommitteeRefused, match="You are recused"):
            operations.cast_vote(first, user(people.unicef), "approve")
    (removed_event,) = audit_events(app, "committee_vote_removed")
    assert removed_event.details["choice"] == "approve"
    (declared,) = audit_events(app, "committee_conflict_declared")
    assert declared.comment == "I advised the applicant." and declared.details["vote_removed"]

    _vote(app, people.unhcr, first, "approve")
    assert _close(app, people, first) == "no_quorum"  # 1 of 2 entitled, quorum 2
    with app.app_context():
        operations.open_new_round(under_review, user(people.secretariat))
        db.session.commit()
    second = _round(app, under_review)
    carried = {m.user_id: m for m in second.members}[people.unicef.id]
    assert carried.recusal == "declared"
    assert carried.recusal_reason == "I advised the applicant. (declared in round 1)"


# Ending a round another way ---------------------------------------------------------------


def test_return_for_revision_closes_the_round_with_the_summary(app, people, under_review):
    round_id = _round(app, under_review).id
    _vote(app, people.unhcr, round_id, "reject", comment="Unclear targets.")
    client = client_for(app, people.secretariat)
    token = csrf_token(client, "/committee/meeting")
    with app.app_context():
        version = db.session.get(Proposal, under_review).version
    empty = client.post(
        f"/committee/proposals/{under_review}/return",
        data={"csrf_token": token, "version": version, "summary": " "},
    )
    assert empty.status_code == 400
    assert "what the revision must address" in empty.get_data(as_text=True)
    assert _status(app, under_review) == "committee_review"

    response = client.post(
        f"/committee/proposals/{under_review}/return",
        data={"csrf_token": token, "version": version, "summary": "Sharpen the targets."},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _status(app, under_review) == "returned"
    closed = _round(app, under_review)
    assert (closed.status, closed.outcome, closed.summary) == (
        "closed",
        "returned",
        "Sharpen the targets.",
    )
    (returned,) = [
        e for e in audit_events(app, "return_for_revision") if e.subject_id == str(under_review)
    ]
    assert returned.comment == "Sharpen the targets."


def test_return_from_a_stale_page_changes_nothing(app, people, under_review):
    client = client_for(app, people.secretariat)
    token = csrf_token(client, "/committee/meeting")
    with app.app_context():
        version = db.session.get(Proposal, under_review).version
    response = client.post(
        f"/committee/proposals/{under_review}/return",
        data={"csrf_token": token, "version": version - 1, "summary": "Kept text."},
    )
    assert response.status_code == 409
    assert "Kept text." in response.get_data(as_text=True)
    assert _status(app, under_review) == "committee_review"


def test_withdrawal_cancels_the_open_round(app, people, under_review):
    with app.app_context():
        proposal = db.session.get(Proposal, under_review)
        proposal_operations.fire(proposal, "withdraw", user(people.author), comment="Merged.")
        db.session.commit()
    round_ = _round(app, under_review)
    assert (round_.status, round_.outcome) == ("closed", "cancelled")


def test_resubmission_opens_a_round_on_the_new_version(app, people, under_review):
    with app.app_context():
        operations.return_for_revision(under_review, user(people.secretariat), "Revise.")
        db.session.commit()
        proposal = db.session.get(Proposal, under_review)
        proposal.summary = "Revised as the committee asked."
        take_to_committee(proposal, people.author, people.secretariat)
        db.session.commit()
    second = _round(app, under_review)
    assert (second.number, second.version_number, second.status) == (2, 2, "open")


# The guards --------------------------------------------------------------------------------------


def test_guards_follow_the_latest_round(app, people, under_review):
    round_id = _round(app, under_review).id
    with app.app_context():
        proposal = db.session.get(Proposal, under_review)
        assert "still open" in committee_approved(proposal, None, {})[0]
        with pytest.raises(TransitionRefused) as refused:
            proposal_operations.fire(proposal, "approve", user(people.secretariat))
        assert refused.value.guard == "committee_approved"
        db.session.rollback()
    _vote(app, people.unhcr, round_id, "approve")
    _vote(app, people.unicef, round_id, "reject", comment="No.")
    with app.app_context():
        operations.close_round(round_id, user(people.secretariat))
        db.session.flush()
        proposal = db.session.get(Proposal, under_review)
        assert proposal.status == "rejected"
        assert committee_rejected(proposal, None, {}) == []
        assert "closed rejected, not approved" in committee_approved(proposal, None, {})[0]


def test_guards_without_any_round(app, people, make_proposal):
    proposal_id = make_proposal(people.author, status="screening")
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        # In committee review without a round: a state forwarding never leaves (it opens the
        # round), as a data migration could; the guards must still refuse.
        proposal.status = "committee_review"
        db.session.commit()
        assert "no voting round was held" in committee_approved(proposal, None, {})[0]


# Pages -------------------------------------------------------------------------------------------


def test_member_votes_on_the_review_page(app, people, under_review):
    client = client_for(app, people.unhcr)
    index = client.get("/committee/").get_data(as_text=True)
    assert "Awaiting my vote" in index and f"/committee/proposals/{under_review}" in index
    page = client.get(f"/committee/proposals/{under_review}").get_data(as_text=True)
    for text in ("The submitted version", "Screening result", "Budget", "Coverage context"):
        assert text in page
    assert "Cast my vote" in page and "Declare a conflict of interest" in page
    round_id = _round(app, under_review).id
    token = csrf_token(client, f"/committee/proposals/{under_review}")

    refused = client.post(
        f"/committee/rounds/{round_id}/vote",
        data={"csrf_token": token, "choice": "reject", "comment": "", "conditions": "Typed."},
    )
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "a vote to reject needs a comment" in html and "Typed." in html
    assert 'value="reject" checked' in html
    with app.app_context():
        assert db.session.scalar(select(Vote)) is None

    done = client.post(
        f"/committee/rounds/{round_id}/vote",
        data={"csrf_token": token, "choice": "approve", "conditions": "Annual audit."},
    )
    assert done.status_code == 302
    page = client.get(f"/committee/proposals/{under_review}").get_data(as_text=True)
    assert "Your vote to approve is recorded" in page and "Change my vote" in page
    index = client.get("/committee/").get_data(as_text=True)
    assert "Nothing awaits your vote." in index and "Voted" in index


def test_a_vote_from_a_page_shown_before_the_vote_changed_is_refused(app, people, under_review):
    """Two tabs of the review page: the first votes to approve with conditions; the second,
    shown before, chooses to abstain: refused as stale, what it typed kept, the vote and its
    conditions unchanged. Sent again from the page that now shows the vote, it is taken."""
    client = client_for(app, people.unhcr)
    url = f"/committee/proposals/{under_review}"
    round_id = _round(app, under_review).id

    def seen(page: str) -> str:
        return re.search(r'name="seen" type="hidden" value="([^"]*)"', page).group(1)

    first = client.get(url).get_data(as_text=True)
    second = client.get(url).get_data(as_text=True)
    token = csrf_token(client, url)
    vote_url = f"/committee/rounds/{round_id}/vote"
    done = client.post(
        vote_url,
        data={
            "csrf_token": token,
            "seen": seen(first),
            "choice": "approve",
            "conditions": "Annual audit.",
        },
    )
    assert done.status_code == 302
    stale = client.post(
        vote_url,
        data={
            "csrf_token": token,
            "seen": seen(second),
            "choice": "abstain",
            "comment": "Typed in the second tab.",
        },
    )
    assert stale.status_code == 409
    page = stale.get_data(as_text=True)
    assert "Your vote changed since you opened the page" in page
    assert "Typed in the second tab." in page and 'value="abstain" checked' in page
    with app.app_context():
        vote = db.session.scalar(select(Vote).where(Vote.member_id == people.unhcr.id))
        assert (vote.choice, vote.conditions) == ("approve", "Annual audit.")
    again = client.post(
        vote_url,
        data={"csrf_token": token, "seen": seen(page), "choice": "abstain"},
    )
    assert again.status_code == 302
    with app.app_context():
        vote = db.session.scalar(select(Vote).where(Vote.member_id == people.unhcr.id))
        assert (vote.choice, vote.conditions) == ("abstain", "")


def test_others_votes_are_hidden_until_one_has_voted(app, people, under_review):
    round_id = _round(app, under_review).id
    _vote(app, people.unhcr, round_id, "reject", comment="Secret reasoning.")
    client = client_for(app, people.unicef)
    url = f"/committee/proposals/{under_review}"
    before = client.get(url).get_data(as_text=True)
    assert "Secret reasoning." not in before
    assert "once you have cast your own vote" in before
    assert "1 of 3 entitled members voted" in before
    meeting = client.get("/committee/meeting").get_data(as_text=True)
    assert "shown after your vote" in meeting and "Secret reasoning." not in meeting
    _vote(app, people.unicef, round_id, "approve")
    after = client.get(url).get_data(as_text=True)
    assert "Secret reasoning." in after and "Ursula UNHCR" in after
    assert "If the round closed now" in after


def test_the_setting_shows_votes_before_ones_own(app, people, under_review):
    app.config["COMMITTEE_VOTES_VISIBLE_BEFORE_OWN_VOTE"] = True
    _vote(app, people.unhcr, _round(app, under_review).id, "reject", comment="Open reasoning.")
    client = client_for(app, people.unicef)
    assert "Open reasoning." in client.get(f"/committee/proposals/{under_review}").get_data(
        as_text=True
    )


def test_recused_members_never_see_the_votes(app, people, under_review):
    app.config["COMMITTEE_VOTES_VISIBLE_BEFORE_OWN_VOTE"] = True
    round_id = _round(app, under_review).id
    _vote(app, people.unhcr, round_id, "approve", comment="Hidden from IOM.")
    _vote(app, people.unicef, round_id, "approve")
    client = client_for(app, people.iom)
    page = client.get(f"/committee/proposals/{under_review}").get_data(as_text=True)
    assert "You are recused from this proposal" in page
    assert "IOM is a participating organization" in page
    assert "Hidden from IOM." not in page and "Cast my vote" not in page
    meeting = client.get("/committee/meeting").get_data(as_text=True)
    assert "you are recused" in meeting and "Hidden from IOM." not in meeting
    _close(app, people, round_id)
    assert client.get(f"/committee/rounds/{round_id}").status_code == 404
    other = client_for(app, people.undp)
    record = other.get(f"/committee/rounds/{round_id}").get_data(as_text=True)
    assert "Hidden from IOM." in record


def test_declare_conflict_on_the_page(app, people, under_review):
    round_id = _round(app, under_review).id
    _vote(app, people.undp, round_id, "abstain")
    client = client_for(app, people.undp)
    token = csrf_token(client, f"/committee/proposals/{under_review}")
    empty = client.post(
        f"/committee/rounds/{round_id}/conflict", data={"csrf_token": token, "reason": ""}
    )
    assert empty.status_code == 400
    assert "Say what the conflict of interest is." in empty.get_data(as_text=True)
    done = client.post(
        f"/committee/rounds/{round_id}/conflict",
        data={"csrf_token": token, "reason": "Board member of a partner."},
    )
    assert done.status_code == 302
    page = client.get(f"/committee/proposals/{under_review}").get_data(as_text=True)
    assert "your vote was removed" in page and "as you declared" in page


def test_meeting_close_and_decision_record(app, people, under_review):
    round_id = _round(app, under_review).id
    _vote(app, people.unhcr, round_id, "approve", conditions="Quarterly reporting.")
    _vote(app, people.unicef, round_id, "abstain", comment="Outside my remit.")
    client = client_for(app, people.secretariat)
    meeting = client.get("/committee/meeting").get_data(as_text=True)
    assert "1 approve, 0 reject, 1 abstain" in meeting
    assert "Close round 1" in meeting and "Return for revision" in meeting
    fingerprint = re.search(r'name="fingerprint" value="([0-9a-f]+)"', meeting).group(1)
    token = csrf_token(client, "/committee/meeting")

    # A vote after the page was loaded: the closing is refused and nothing changes.
    _vote(app, people.undp, round_id, "approve")
    stale = client.post(
        f"/committee/rounds/{round_id}/close",
        data={"csrf_token": token, "fingerprint": fingerprint, "summary": "Kept summary."},
    )
    assert stale.status_code == 409
    assert "Kept summary." in stale.get_data(as_text=True)
    assert _round(app, under_review).status == "open"

    fingerprint = re.search(
        r'name="fingerprint" value="([0-9a-f]+)"', stale.get_data(as_text=True)
    ).group(1)
    closed = client.post(
        f"/committee/rounds/{round_id}/close",
        data={"csrf_token": token, "fingerprint": fingerprint, "summary": "Approved."},
    )
    assert closed.status_code == 302
    assert closed.headers["Location"].endswith(f"/committee/rounds/{round_id}")
    assert _status(app, under_review) == "approved"
    record = client.get(f"/committee/rounds/{round_id}").get_data(as_text=True)
    for text in (
        "Approved",
        "Consensus",
        "2 needed, 3 cast",
        "Ursula UNHCR",
        "Quarterly reporting.",
        "Outside my remit.",
        "Ibrahim IOM",
        "IOM is a participating organization",
        "Sara Secretariat",
    ):
        assert text in record, text
    # The tally the closed round keeps is said in the reader's language, as an open one is.
    with app.app_context():
        kept = db.session.get(VotingRound, round_id).tally
    assert kept["explanation"].startswith("3 votes of 3 entitled (2 approve, 0 reject, 1 abstain)")
    french = html.unescape(
        client.get(f"/committee/rounds/{round_id}?lang=fr").get_data(as_text=True)
    )
    assert (
        "3 voix\u00a0; membres habilités\u00a0: 3 (pour\u00a0: 2" in french
        and "entitled" not in french
    )
    # The quorum's line: its counts after their labels, a space before each colon.
    quorum = (
        "la majorité des membres habilités à voter\u00a0: voix requises\u00a0: 2, "
        "voix exprimées\u00a0: 3\u00a0;"
    )
    assert quorum in french
    assert "IOM est une organisation participante de cette proposition" in french


def test_applicant_sees_outcome_and_conditions_but_not_votes(
    app, people, under_review, create_user
):
    round_id = _round(app, under_review).id
    author = client_for(app, people.author)
    assert author.get(f"/committee/rounds/{round_id}").status_code == 404  # still open
    assert author.get("/committee/").status_code == 403
    _vote(app, people.unhcr, round_id, "approve", "Strong design.", "Gender audit in year 1.")
    _vote(app, people.unicef, round_id, "approve")
    _close(app, people, round_id, summary="Approved with conditions.")
    page = author.get(f"/committee/rounds/{round_id}").get_data(as_text=True)
    assert "Approved with conditions." in page and "Gender audit in year 1." in page
    assert "Strong design." not in page and "Ursula UNHCR" not in page
    stranger = create_user(roles=("applicant",), organization_acronym="UNDP")
    assert client_for(app, stranger).get(f"/committee/rounds/{round_id}").status_code == 404


def test_members_see_the_record_only_once_closed(app, people, under_review):
    round_id = _round(app, under_review).id
    member = client_for(app, people.unhcr)
    assert member.get(f"/committee/rounds/{round_id}").status_code == 404
    secretariat = client_for(app, people.secretariat)
    assert "still open" in secretariat.get(f"/committee/rounds/{round_id}").get_data(as_text=True)


def test_routes_declare_their_roles(app, people, under_review):
    round_id = _round(app, under_review).id
    anonymous = app.test_client()
    assert anonymous.get("/committee/").status_code == 302
    token = csrf_token(anonymous, "/login")
    vote_url = f"/committee/rounds/{round_id}/vote"
    assert anonymous.post(vote_url, data={"csrf_token": token}).status_code == 401
    member = client_for(app, people.unhcr)
    token = csrf_token(member, "/committee/")
    for path in (
        f"/committee/rounds/{round_id}/close",
        f"/committee/rounds/{round_id}/deadline",
        f"/committee/proposals/{under_review}/rounds",
        f"/committee/proposals/{under_review}/return",
    ):
        assert member.post(path, data={"csrf_token": token}).status_code == 403
    secretariat = client_for(app, people.secretariat)
    token = csrf_token(secretariat, "/committee/")
    assert (
        secretariat.post(
            f"/committee/rounds/{round_id}/vote", data={"csrf_token": token, "choice": "approve"}
        ).status_code
        == 403
    )
    assert "Open the meeting view" in secretariat.get("/committee/").get_data(as_text=True)


def test_posts_without_csrf_are_refused(app, people, under_review):
    round_id = _round(app, under_review).id
    member = client_for(app, people.unhcr)
    response = member.post(f"/committee/rounds/{round_id}/vote", data={"choice": "approve"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(Vote)) is None


def test_committee_cannot_review_proposals_before_the_committee(app, people, make_proposal):
    proposal_id = make_proposal(people.author, status="screening")
    assert (
        client_for(app, people.unhcr).get(f"/committee/proposals/{proposal_id}").status_code == 404
    )


def test_approval_keeps_its_time_and_the_total_at_the_rate_of_the_moment(app, people, under_review):
    round_id = _round(app, under_review).id
    for voter in (people.unhcr, people.unicef):
        _vote(app, voter, round_id, "approve")
    assert _close(app, people, round_id) == "approved"
    (fired,) = audit_events(app, "approve")
    with app.app_context():
        proposal = db.session.get(Proposal, under_review)
        total, _ = finance_queries.proposal_budget(proposal, Decimal("0.07"))
        assert total == Decimal("1070000.00")
        assert (proposal.approved_at, proposal.approved_total, proposal.approved_rate) == (
            fired.occurred_at,
            total,
            "0.07",
        )


def test_a_refused_vote_is_english_in_the_record_and_french_on_a_french_page(
    app, people, under_review
):
    from flask_babel import force_locale

    round_id = _round(app, under_review).id
    with app.test_request_context("/"), force_locale("fr"):
        with pytest.raises(operations.CommitteeRefused) as refused:
            operations.cast_vote(round_id, user(people.iom), "approve")
        assert refused.value.message.startswith("You are recused from this proposal: ")
        assert refused.value.said().startswith("Vous êtes récusé pour cette proposition\u00a0: ")


def test_the_review_page_writes_the_planned_dates_in_the_pages_language(app, people, under_review):
    with app.app_context():
        version = db.session.scalars(
            select(ProposalVersion).where(ProposalVersion.proposal_id == under_review)
        ).one()
        start = date.fromisoformat(version.snapshot["planned_start"])
        months = version.snapshot["duration_months"]
    client = client_for(app, people.unhcr)
    page = client.get(f"/committee/proposals/{under_review}?lang=fr").get_data(as_text=True)
    assert start.isoformat() not in page
    with app.test_request_context(), force_locale("fr"):
        expected = _("from %(date)s", date=in_words(start))
        end = _("Planned end")
        last = in_words(last_day(start, months))
    assert expected in html.unescape(page)
    assert f"<dt>{end}</dt><dd>{last}</dd>" in html.unescape(page)


def test_the_review_page_says_a_changed_vote_and_a_closed_round_truly(app, people, under_review):
    round_id = _round(app, under_review).id
    client = client_for(app, people.unhcr)
    url = f"/committee/proposals/{under_review}"
    _vote(app, people.unhcr, round_id, "abstain")
    page = client.get(url).get_data(as_text=True)
    assert "You voted to <strong>abstain</strong> on " in page and "(changed on " not in page
    _vote(app, people.unhcr, round_id, "approve")
    page = client.get(url).get_data(as_text=True)
    # Not "You voted to approve on <the first vote's time>": the first vote was to abstain.
    assert "You voted to <strong>approve</strong> (changed on " in page
    assert "; first cast on " in page and "last changed" not in page
    _close(app, people, round_id)
    page = client.get(url).get_data(as_text=True)
    assert "No other member has voted yet." not in page
    assert "Round 1 is closed: no other member voted in it." in page

"""The voting round's transition table, and the one check (`allowed`) that both shows a round's
forms and refuses its operations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from fund.committee import operations, queries
from fund.committee.models import Outcome, RoundStatus, VotingRound
from fund.committee.visibility import PAGE_ACTIONS
from fund.committee.workflow import ROUND_ENGINE, allowed
from fund.extensions import db, utcnow
from fund.proposals.models import Proposal
from tests.helpers import user
from tests.test_committee import people as people
from tests.test_committee import prepared_review as prepared_review
from tests.test_committee import under_review as under_review
from workflows import Engine, TransitionRefused
from workflows.voting_round import (
    ROUND_CLOSED,
    ROUND_GUARD_NAMES,
    ROUND_OPEN,
    ROUND_OUTCOMES,
    VOTING_ROUND_WORKFLOW,
)

ROLES = ("applicant", "committee", "secretariat")
ACTOR = {role: SimpleNamespace(id=1, roles={role}) for role in ROLES}
# The engine on the table alone: every guard passes.
TABLE = Engine(VOTING_ROUND_WORKFLOW, {name: lambda *_: () for name in ROUND_GUARD_NAMES})
WHO = {
    "vote": "committee",
    "declare_conflict": "committee",
    "set_deadline": "secretariat",
    "close": "secretariat",
    "close_without_quorum": "secretariat",
    "return_for_revision": "secretariat",
    "cancel": "applicant",
}
NOW = datetime(2030, 5, 6, 12, 0, tzinfo=UTC)


def _round(status: str = ROUND_OPEN, **changes) -> SimpleNamespace:
    """A round of three entitled members (1, 2, 3) and a recused one (4), majority rule."""
    members = [
        SimpleNamespace(user_id=i, recusal=None, recusal_reason="", recusal_kept=None)
        for i in (1, 2, 3)
    ]
    members.append(
        SimpleNamespace(
            user_id=4, recusal="automatic", recusal_reason="IOM takes part.", recusal_kept=None
        )
    )
    fields = {
        "id": 7,
        "number": 2,
        "status": status,
        "decision_rule": "majority",
        "quorum_setting": None,
        "deadline": None,
        "closed_at": None,
        "outcome": None,
        "members": members,
        "votes": [],
    }
    return SimpleNamespace(**{**fields, **changes})


def _votes(*choices: str) -> list[SimpleNamespace]:
    return [
        SimpleNamespace(member_id=i, choice=c, cast_at=NOW, changed_at=None)
        for i, c in enumerate(choices, start=1)
    ]


# The table ----------------------------------------------------------------------------------


def test_the_states_are_the_statuses_of_the_rounds_table() -> None:
    assert set(VOTING_ROUND_WORKFLOW.states) == {s.value for s in RoundStatus}
    assert VOTING_ROUND_WORKFLOW.initial == ROUND_OPEN == RoundStatus.OPEN


def test_every_outcome_has_the_rule_that_records_it() -> None:
    closing = {rule.trigger for rule in VOTING_ROUND_WORKFLOW.rules if rule.dest == ROUND_CLOSED}
    assert closing == {"close", *ROUND_OUTCOMES}
    # `close` records the decision rule's outcome: approved or rejected for a proposal; for a
    # concept note, the outcome that moves it through its own table (fund.committee.decisions).
    from fund.committee.decisions import TRIGGERS

    recorded = {*ROUND_OUTCOMES.values(), Outcome.APPROVED, Outcome.REJECTED, *TRIGGERS}
    assert recorded == {o.value for o in Outcome}


def test_each_action_belongs_to_one_role() -> None:
    assert {rule.trigger: set(rule.roles) for rule in VOTING_ROUND_WORKFLOW.rules} == {
        trigger: {role} for trigger, role in WHO.items()
    }


def test_the_engine_has_every_guard_the_table_names() -> None:
    ROUND_ENGINE.check_guards()


@pytest.mark.parametrize("trigger", sorted(WHO))
def test_a_closed_round_refuses_everything(trigger: str) -> None:
    for role in ROLES:
        with pytest.raises(TransitionRefused) as refused:
            TABLE.check(_round(ROUND_CLOSED), trigger, ACTOR[role], comment="Why.")
        assert refused.value.reason == "state"


@pytest.mark.parametrize("trigger", sorted(WHO))
def test_only_its_role_may_take_an_action(trigger: str) -> None:
    for role in ROLES:
        if role == WHO[trigger]:
            TABLE.check(_round(), trigger, ACTOR[role], comment="Why.")
            continue
        with pytest.raises(TransitionRefused) as refused:
            TABLE.check(_round(), trigger, ACTOR[role], comment="Why.")
        assert refused.value.reason == "role"


def test_returning_needs_the_committees_summary() -> None:
    with pytest.raises(TransitionRefused) as refused:
        TABLE.check(_round(), "return_for_revision", ACTOR["secretariat"], comment="  ")
    assert refused.value.reason == "comment"


def test_firing_moves_the_status_as_the_table_says() -> None:
    round_ = _round()
    assert TABLE.fire(round_, "vote", ACTOR["committee"]) == (ROUND_OPEN, ROUND_OPEN)
    assert TABLE.fire(round_, "cancel", ACTOR["applicant"]) == (ROUND_OPEN, ROUND_CLOSED)
    assert round_.status == ROUND_CLOSED
    with pytest.raises(TransitionRefused):
        TABLE.fire(round_, "vote", ACTOR["committee"])
    assert round_.status == ROUND_CLOSED


# The guards -----------------------------------------------------------------------------------


def _refusal(round_, trigger: str, actor, **context) -> TransitionRefused | None:
    try:
        ROUND_ENGINE.check(round_, trigger, actor, context={"now": NOW, **context})
    except TransitionRefused as refused:
        return refused
    return None


def test_only_an_entitled_member_votes_or_declares_a_conflict() -> None:
    for trigger in ("vote", "declare_conflict"):
        assert _refusal(_round(), trigger, SimpleNamespace(id=2, roles={"committee"})) is None
        recused = _refusal(_round(), trigger, SimpleNamespace(id=4, roles={"committee"}))
        assert recused.failed_guards == ("entitled_member",)
        assert recused.problems == ["You are recused from this proposal: IOM takes part."]
        late = _refusal(_round(), trigger, SimpleNamespace(id=9, roles={"committee"}))
        assert "not among the members entitled to vote in round 2" in late.problems[0]


def test_votes_stop_at_the_deadline_but_a_conflict_may_still_be_declared() -> None:
    member = SimpleNamespace(id=1, roles={"committee"})
    late = _round(deadline=NOW - timedelta(minutes=1))
    assert _refusal(late, "vote", member).failed_guards == ("before_deadline",)
    assert _refusal(late, "declare_conflict", member) is None
    assert _refusal(_round(deadline=NOW), "vote", member) is None


def test_the_tally_chooses_how_a_round_closes() -> None:
    secretariat = ACTOR["secretariat"]
    without = _round(votes=_votes("approve"))  # 1 of 3 entitled: the quorum of 2 is not met
    assert _refusal(without, "close", secretariat).failed_guards == ("quorum_met",)
    assert _refusal(without, "close_without_quorum", secretariat) is None
    met = _round(votes=_votes("approve", "reject", "approve"))
    assert _refusal(met, "close_without_quorum", secretariat).failed_guards == ("quorum_missed",)
    assert _refusal(met, "close", secretariat) is None


def test_a_closing_sent_from_an_older_page_is_refused() -> None:
    round_ = _round(votes=_votes("approve", "approve"))
    seen = _refusal(round_, "close", ACTOR["secretariat"], expected="0" * 16)
    assert seen.failed_guards == ("tally_as_seen",)


# `allowed` agrees with the operations -----------------------------------------------------------


def _operation(trigger: str, round_id: int, actor, now: datetime) -> None:
    if trigger == "vote":
        operations.cast_vote(round_id, actor, "approve", now=now)
    elif trigger == "declare_conflict":
        operations.declare_conflict(round_id, actor, "I advised the applicant.", now=now)
    elif trigger == "set_deadline":
        operations.set_deadline(round_id, actor, now + timedelta(days=3), now=now)
    else:
        operations.close_round(round_id, actor, now=now)


def _compare(app, round_id: int, people_by_name: dict[str, int], now: datetime) -> set:
    """For every person and page action: `allowed` (also as the page's RoundView shows it)
    against what the operation does. Returns the (person, action) pairs allowed."""
    found = set()
    with app.app_context():
        for name, user_id in people_by_name.items():
            for trigger in ("vote", "declare_conflict", "set_deadline", "close"):
                round_ = db.session.get(VotingRound, round_id)
                actor = user(user_id)
                if trigger == "close":  # one form, whichever of the two the tally gives
                    expected = allowed(round_, "close", actor, now=now) or allowed(
                        round_, "close_without_quorum", actor, now=now
                    )
                else:
                    expected = allowed(round_, trigger, actor, now=now)
                view = queries.round_view(
                    round_,
                    actor,
                    db.session.get(Proposal, round_.proposal_id),
                    visible_before_own_vote=False,
                    now=now,
                )
                shown = {
                    "vote": view.can_vote,
                    "declare_conflict": view.can_declare,
                    "set_deadline": view.can_set_deadline,
                    "close": view.can_close,
                }[trigger]
                try:
                    _operation(trigger, round_id, actor, now)
                    done = True
                except operations.CommitteeRefused:
                    done = False
                finally:
                    db.session.rollback()
                assert expected == shown == done, (name, trigger, expected, shown, done)
                if done:
                    found.add((name, trigger))
    return found


def test_allowed_is_what_the_operations_do(app, people, under_review, create_user):
    late = create_user(roles=("committee",), organization_acronym="OHCHR")
    persons = {
        "secretariat": people.secretariat.id,
        "member": people.unhcr.id,
        "recused": people.iom.id,
        "late": late.id,
        "applicant": people.author.id,
    }
    with app.app_context():
        round_id = operations.open_round_of(under_review).id
    now = utcnow()
    assert _compare(app, round_id, persons, now) == {
        ("member", "vote"),
        ("member", "declare_conflict"),
        ("secretariat", "set_deadline"),
        ("secretariat", "close"),
    }

    # Past the deadline the member may no longer vote, but may still declare a conflict.
    with app.app_context():
        db.session.get(VotingRound, round_id).deadline = now + timedelta(hours=1)
        db.session.commit()
    assert _compare(app, round_id, persons, now + timedelta(hours=2)) == {
        ("member", "declare_conflict"),
        ("secretariat", "set_deadline"),
        ("secretariat", "close"),
    }

    with app.app_context():
        operations.close_round(round_id, user(people.secretariat), now=now)
        db.session.commit()
    assert _compare(app, round_id, persons, now + timedelta(hours=3)) == set()


def test_every_page_action_is_a_rule_of_the_table() -> None:
    assert set(PAGE_ACTIONS) <= set(VOTING_ROUND_WORKFLOW.triggers)


# The application's wiring -----------------------------------------------------------------------


def test_the_committee_listens_to_the_proposals_transitions_once(app) -> None:
    from fund import committee
    from fund.signals import proposal_transitioned

    committee.init_app(app)  # a second time: nothing more is connected or registered
    receivers = list(proposal_transitioned.receivers.values())
    assert receivers.count(operations.on_proposal_transitioned) == 1


def test_the_diagram_command_draws_the_round_as_the_readme_shows_it(runner, tmp_path) -> None:
    result = runner.invoke(args=["fund", "diagram", "--workflow", "voting_round"])
    assert result.exit_code == 0, result.output
    assert 'title: "voting round workflow"' in result.output
    assert "open --> closed: close [secretariat]" in result.output
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert result.output.strip() in readme, "README diagram is out of date: run flask fund diagram"
    out = tmp_path / "round.mmd"
    written = runner.invoke(args=["fund", "diagram", "--workflow", "voting_round", "--out", out])
    assert written.exit_code == 0
    assert out.read_text(encoding="utf-8").strip() == result.output.strip()

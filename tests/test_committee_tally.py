"""The committee's tally: quorum and the three decision rules, by example and by property."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fund.calls.models import Call
from fund.committee.tally import tally


def _votes(approve: int = 0, reject: int = 0, abstain: int = 0) -> list[str]:
    return ["approve"] * approve + ["reject"] * reject + ["abstain"] * abstain


@pytest.mark.parametrize(
    ("rule", "votes", "outcome"),
    [
        # consensus: nobody rejects, someone approves; abstentions do not block.
        ("consensus", _votes(3), "approved"),
        ("consensus", _votes(1, 0, 2), "approved"),
        ("consensus", _votes(4, 1), "rejected"),
        ("consensus", _votes(0, 0, 3), "rejected"),  # all abstain: nothing to approve
        # majority: more approve than reject; a tie is not an approval.
        ("majority", _votes(2, 1), "approved"),
        ("majority", _votes(2, 2), "rejected"),
        ("majority", _votes(1, 1, 3), "rejected"),
        ("majority", _votes(1, 0, 4), "approved"),
        ("majority", _votes(0, 0, 5), "rejected"),
        # two thirds of approve + reject, abstentions left out.
        ("two_thirds", _votes(2, 1), "approved"),
        ("two_thirds", _votes(3, 2), "rejected"),
        ("two_thirds", _votes(4, 2, 2), "approved"),
        ("two_thirds", _votes(1, 1, 3), "rejected"),
        ("two_thirds", _votes(0, 0, 5), "rejected"),
    ],
)
def test_rules_by_example(rule, votes, outcome):
    result = tally(rule, quorum_needed=3, entitled_count=8, votes=votes)
    assert result.quorum_met
    assert result.outcome == outcome
    assert result.cast == len(votes)
    assert outcome in result.explanation


def test_abstentions_count_toward_quorum_only():
    without = tally("majority", 3, 5, _votes(1, 0))
    assert not without.quorum_met and without.outcome is None
    assert "2 more votes needed" in without.explanation
    with_abstentions = tally("majority", 3, 5, _votes(1, 0, 2))
    assert with_abstentions.quorum_met and with_abstentions.outcome == "approved"
    assert (with_abstentions.approve, with_abstentions.reject, with_abstentions.abstain) == (
        1,
        0,
        2,
    )


def test_no_quorum_means_no_outcome_whatever_the_votes():
    result = tally("consensus", 4, 6, _votes(3))
    assert result.outcome is None and not result.quorum_met
    assert "No decision without quorum" in result.explanation


def test_fixed_quorum_above_the_entitled_members_is_explained():
    result = tally("consensus", 5, 3, _votes(3))
    assert not result.quorum_met
    assert "fewer members are entitled to vote than the quorum of 5" in result.explanation


def test_tie_is_explained():
    assert "a tie, not a majority" in tally("majority", 1, 4, _votes(2, 2)).explanation


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="unknown decision rule"):
        tally("unanimity", 1, 3, [])
    with pytest.raises(ValueError, match="unknown vote choice"):
        tally("majority", 1, 3, ["yes"])
    with pytest.raises(ValueError, match="3 votes counted for 2 entitled"):
        tally("majority", 1, 2, _votes(3))


def test_as_dict_round_trips():
    result = tally("two_thirds", 2, 3, _votes(2, 1))
    assert type(result)(**result.as_dict()) == result


def test_a_kept_tally_comes_back_with_its_explanation_a_sentence_again(app):
    import json

    from flask_babel import force_locale

    from fund.committee.tally import Tally
    from fund.sentences import said

    result = tally("two_thirds", 2, 3, _votes(2, 1))
    stored = json.loads(json.dumps(result.as_dict()))  # as a closed round keeps it
    assert type(stored["explanation"]) is str
    kept = Tally.kept(stored)
    assert kept == result
    with app.test_request_context("/"), force_locale("es"):
        assert said(kept.explanation) == said(result.explanation) != result.explanation


# The property: a plain restatement of each rule ------------------------------------------------

members = st.lists(
    st.tuples(
        st.booleans(),  # recused
        st.sampled_from(["approve", "reject", "abstain", None]),  # None: did not vote
    ),
    max_size=25,
)


def _restated(rule: str, fixed_quorum: int | None, member_list) -> str | None:
    """What the outcome must be, written as the fund's rules say it."""
    entitled = [vote for recused, vote in member_list if not recused]
    needed = fixed_quorum if fixed_quorum is not None else len(entitled) // 2 + 1
    cast = [vote for vote in entitled if vote is not None]
    if len(cast) < needed:
        return None
    yes, no = cast.count("approve"), cast.count("reject")
    if rule == "consensus":
        approved = no == 0 and yes >= 1
    elif rule == "majority":
        approved = yes > no
    else:
        approved = yes + no > 0 and yes / (yes + no) >= 2 / 3
    return "approved" if approved else "rejected"


@given(
    rule=st.sampled_from(["consensus", "majority", "two_thirds"]),
    fixed_quorum=st.none() | st.integers(min_value=1, max_value=30),
    member_list=members,
)
def test_outcome_matches_the_rules_as_written(rule, fixed_quorum, member_list):
    entitled = [vote for recused, vote in member_list if not recused]
    # The quorum as the application computes it: the call's setting, else a majority.
    needed = Call.quorum_for(SimpleNamespace(quorum=fixed_quorum), len(entitled))
    votes = [vote for vote in entitled if vote is not None]
    result = tally(rule, needed, len(entitled), votes)
    assert result.outcome == _restated(rule, fixed_quorum, member_list)
    assert result.quorum_met == (result.outcome is not None)
    assert result.cast == len(votes) == result.approve + result.reject + result.abstain
    assert result.entitled == len(entitled)


@pytest.mark.parametrize(
    ("rule", "votes", "quorum", "english", "french"),
    [
        (
            "majority",
            _votes(2, 1),
            2,
            "3 votes of 5 entitled (2 approve, 1 reject, 0 abstain); quorum 2: met. Simple "
            "majority: 2 to approve against 1 to reject is a majority, so it is approved.",
            "Majorité simple",
        ),
        (
            "consensus",
            _votes(1),
            3,
            "1 vote of 5 entitled (1 approve, 0 reject, 0 abstain); quorum 3: not met (2 more "
            "votes needed). No decision without quorum.",
            "(il manque 2 voix)",
        ),
    ],
)
def test_the_explanation_is_one_sentence_english_as_kept_and_said_in_the_pages_language(
    app, rule, votes, quorum, english, french
):
    """One definition of the tally in words: English where it is kept and logged (a guard's
    problem too, whatever the page's language), the reader's language where it is shown."""
    from flask_babel import force_locale

    from fund.committee.workflow import quorum_met
    from fund.sentences import said

    counted = tally(rule, quorum, 5, votes)
    assert counted.explanation == english
    assert counted.as_dict()["explanation"] == english
    with app.test_request_context("/"), force_locale("fr"):
        shown = said(counted.explanation)
        assert french in shown and "entitled" not in shown, shown
        if not counted.quorum_met:
            round_ = SimpleNamespace(number=2)
            (problem,) = quorum_met(round_, None, {"tally": counted})
            assert problem == f"Round 2: {english}"
            shown = said(problem)
            assert shown.startswith("Tour 2\u00a0: 1 voix\u00a0; membres habilités\u00a0: 5"), shown


def test_a_round_with_one_member_entitled_reads_right_in_french(app):
    """The others recused, one member is entitled: French once read "1 voix sur 1 habilités"."""
    from flask_babel import force_locale

    from fund.sentences import said

    counted = tally("consensus", 1, 1, _votes(1))
    assert counted.explanation.startswith("1 vote of 1 entitled (1 approve, 0 reject, 0 abstain)")
    with app.test_request_context("/"), force_locale("fr"):
        shown = said(counted.explanation)
    assert shown.startswith(
        "1 voix\u00a0; membres habilités\u00a0: 1 (pour\u00a0: 1, contre\u00a0: 0,"
    ), shown
    assert "1 habilités" not in shown


def test_a_consensus_broken_by_a_reject_is_said_with_one_so():
    explanation = tally("consensus", 1, 3, _votes(2, 1)).explanation
    assert (
        "1 member voted to reject, which rules out a consensus, so it is rejected." in explanation
    )
    assert explanation.count(" so ") == 1

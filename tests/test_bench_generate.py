"""`bench.generate`'s mix of states: in proportion at every size, or a fixed work in progress
over a growing history (`--workload`)."""

import random
from collections import Counter

from bench.generate import HISTORY, STATE_MIX, draw_states


def test_without_a_workload_every_proposal_is_drawn_from_the_whole_mix():
    states = draw_states(random.Random(7), 5000)
    counts = Counter(states)
    assert len(states) == 5000
    assert set(counts) == {s for s, _ in STATE_MIX}
    assert 400 <= counts["committee_review"] <= 600  # 10% of them


def test_a_workload_keeps_the_work_in_progress_and_makes_the_rest_history():
    small = draw_states(random.Random(7), 2000)
    large = draw_states(random.Random(7), 20000, workload=2000)
    assert len(large) == 20000
    # The latest 2,000 are the small database's proposals, state for state.
    assert large[-2000:] == small
    # The 18,000 before them are over: no draft, no review, no pipeline, no live programme.
    assert set(large[:-2000]) == HISTORY
    in_progress = {"draft", "submitted", "screening", "committee_review", "approved", "funded"}
    assert Counter(s for s in large if s in in_progress) == Counter(
        s for s in small if s in in_progress
    )


def test_a_workload_larger_than_the_data_is_the_whole_mix():
    assert draw_states(random.Random(3), 500, workload=2000) == draw_states(random.Random(3), 500)

"""The life cycle of a committee voting round, from opening to closing.

A round opens in `open` (a new row, not a transition) and ends `closed` with an outcome. The
statuses are those of the `voting_rounds.status` column; the outcome is its own column, set by
the rule that closes the round (`ROUND_OUTCOMES`, or the decision rule's outcome for `close`).
Voting, declaring a conflict and moving the deadline keep the round open.
"""

from __future__ import annotations

from .core import N_, Rule, Workflow

_APPLICANT = frozenset({"applicant"})
_COMMITTEE = frozenset({"committee"})
_SECRETARIAT = frozenset({"secretariat"})

ROUND_OPEN = "open"
ROUND_CLOSED = "closed"

VOTING_ROUND_WORKFLOW = Workflow(
    name="voting round",
    states=(ROUND_OPEN, ROUND_CLOSED),
    initial=ROUND_OPEN,
    state_labels={ROUND_OPEN: N_("Open"), ROUND_CLOSED: N_("Closed (with its outcome)")},
    rules=(
        Rule(
            "vote",
            (ROUND_OPEN,),
            ROUND_OPEN,
            _COMMITTEE,
            guards=("entitled_member", "no_own_conflict", "seat_not_taken", "before_deadline"),
            label=N_("Cast or change a vote"),
        ),
        Rule(
            "declare_conflict",
            (ROUND_OPEN,),
            ROUND_OPEN,
            _COMMITTEE,
            guards=("entitled_member", "no_own_conflict"),
            label=N_("Declare a conflict of interest and be recused"),
        ),
        Rule(
            "set_deadline",
            (ROUND_OPEN,),
            ROUND_OPEN,
            _SECRETARIAT,
            label=N_("Set, move or clear the deadline"),
        ),
        Rule(
            "close",
            (ROUND_OPEN,),
            ROUND_CLOSED,
            _SECRETARIAT,
            guards=("tally_as_seen", "quorum_met"),
            label=N_("Close with the outcome of the decision rule (approved or rejected)"),
        ),
        Rule(
            "close_without_quorum",
            (ROUND_OPEN,),
            ROUND_CLOSED,
            _SECRETARIAT,
            guards=("tally_as_seen", "quorum_missed"),
            label=N_("Close without quorum (a new round may be opened)"),
        ),
        Rule(
            "return_for_revision",
            (ROUND_OPEN,),
            ROUND_CLOSED,
            _SECRETARIAT,
            comment_required=True,
            label=N_("Close as returned: the proposal goes back to the applicant"),
        ),
        Rule(
            "cancel",
            (ROUND_OPEN,),
            ROUND_CLOSED,
            _APPLICANT,
            label=N_("Close as cancelled: the proposal was withdrawn"),
        ),
    ),
)

ROUND_GUARD_NAMES: frozenset[str] = frozenset(
    name for rule in VOTING_ROUND_WORKFLOW.rules for name in rule.guards
)

# The outcome each closing rule records; `close` records the decision rule's own outcome.
ROUND_OUTCOMES = {
    "close_without_quorum": "no_quorum",
    "return_for_revision": "returned",
    "cancel": "cancelled",
}

"""A small state-machine engine on `transitions`: transition tables, role checks and guards."""

from .core import Engine, Guard, GuardRegistry, Rule, TransitionRefused, Workflow
from .diagram import to_mermaid
from .proposal import (
    COUNTED_STATES,
    EDITABLE_STATES,
    FUNDED_STATES,
    PIPELINE_STATE,
    PROPOSAL_GUARD_NAMES,
    PROPOSAL_WORKFLOW,
    REVIEW_STATE,
)
from .voting_round import (
    ROUND_CLOSED,
    ROUND_GUARD_NAMES,
    ROUND_OPEN,
    ROUND_OUTCOMES,
    VOTING_ROUND_WORKFLOW,
)

# Every transition table by name, e.g. for `flask fund diagram --workflow`.
WORKFLOWS: dict[str, Workflow] = {
    "proposal": PROPOSAL_WORKFLOW,
    "voting_round": VOTING_ROUND_WORKFLOW,
}

__all__ = [
    "COUNTED_STATES",
    "EDITABLE_STATES",
    "FUNDED_STATES",
    "PIPELINE_STATE",
    "PROPOSAL_GUARD_NAMES",
    "PROPOSAL_WORKFLOW",
    "REVIEW_STATE",
    "ROUND_CLOSED",
    "ROUND_GUARD_NAMES",
    "ROUND_OPEN",
    "ROUND_OUTCOMES",
    "VOTING_ROUND_WORKFLOW",
    "WORKFLOWS",
    "Engine",
    "Guard",
    "GuardRegistry",
    "Rule",
    "TransitionRefused",
    "Workflow",
    "to_mermaid",
]

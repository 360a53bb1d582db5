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

__all__ = [
    "COUNTED_STATES",
    "EDITABLE_STATES",
    "FUNDED_STATES",
    "PIPELINE_STATE",
    "PROPOSAL_GUARD_NAMES",
    "PROPOSAL_WORKFLOW",
    "REVIEW_STATE",
    "Engine",
    "Guard",
    "GuardRegistry",
    "Rule",
    "TransitionRefused",
    "Workflow",
    "to_mermaid",
]

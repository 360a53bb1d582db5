"""A small state-machine engine on `transitions`: transition tables, role checks and guards."""

from .concept_note import (
    CONCEPT_NOTE_GUARD_NAMES,
    CONCEPT_NOTE_WORKFLOW,
    NOTE_CANDIDATE_STATES,
    NOTE_PIPELINE_STATE,
)
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
    "CONCEPT_NOTE_GUARD_NAMES",
    "CONCEPT_NOTE_WORKFLOW",
    "COUNTED_STATES",
    "EDITABLE_STATES",
    "FUNDED_STATES",
    "NOTE_CANDIDATE_STATES",
    "NOTE_PIPELINE_STATE",
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

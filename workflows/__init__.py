"""A small state-machine engine on `transitions`: transition tables, role checks and guards."""

# The concept note's table and groups are read from workflows.concept_note (as the voting
# round's from workflows.voting_round); they are importable from here too, outside the package's
# public names, which stay those of the proposal workflow.
from .concept_note import CONCEPT_NOTE_GUARD_NAMES as CONCEPT_NOTE_GUARD_NAMES
from .concept_note import CONCEPT_NOTE_WORKFLOW as CONCEPT_NOTE_WORKFLOW
from .concept_note import NOTE_CANDIDATE_STATES as NOTE_CANDIDATE_STATES
from .concept_note import NOTE_COMMITTEE_STATES as NOTE_COMMITTEE_STATES
from .concept_note import NOTE_INVITABLE_STATES as NOTE_INVITABLE_STATES
from .concept_note import NOTE_PIPELINE_STATE as NOTE_PIPELINE_STATE
from .core import Engine, Guard, GuardRegistry, Rule, TransitionRefused, Workflow
from .diagram import to_mermaid
from .proposal import COMMITTEE_STATES as COMMITTEE_STATES
from .proposal import (
    COUNTED_STATES,
    EDITABLE_STATES,
    FUNDED_STATES,
    PIPELINE_STATE,
    PROPOSAL_GUARD_NAMES,
    PROPOSAL_WORKFLOW,
    REVIEW_STATE,
)
from .proposal import FUNDING_STATES as FUNDING_STATES
from .proposal import SCREENING_STATES as SCREENING_STATES

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

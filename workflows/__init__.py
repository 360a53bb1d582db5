"""A small state-machine engine on `transitions`: transition tables, role checks and guards."""

from .core import Engine, Guard, GuardRegistry, Rule, TransitionRefused, Workflow
from .diagram import to_mermaid
from .proposal import PROPOSAL_GUARD_NAMES, PROPOSAL_WORKFLOW

__all__ = [
    "PROPOSAL_GUARD_NAMES",
    "PROPOSAL_WORKFLOW",
    "Engine",
    "Guard",
    "GuardRegistry",
    "Rule",
    "TransitionRefused",
    "Workflow",
    "to_mermaid",
]

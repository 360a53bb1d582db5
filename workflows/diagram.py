"""Mermaid state diagrams of workflows, drawn by transitions' own GraphMachine."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from transitions import State
from transitions.extensions import GraphMachine

if TYPE_CHECKING:
    from .core import Rule, Workflow


class _LabelledState(State):
    """A state carrying the `label` that GraphMachine prints in its node."""

    def __init__(self, *args: Any, label: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.label = label or self.name


class _DiagramMachine(GraphMachine):
    state_cls = _LabelledState


def edge_label(rule: Rule) -> str:
    """`trigger [role, ...]`, e.g. `submit [applicant]`."""
    return f"{rule.trigger} [{', '.join(sorted(rule.roles))}]"


def to_mermaid(workflow: Workflow) -> str:
    """The workflow's table as mermaid `stateDiagram-v2` text; the same text on every run."""
    machine = _DiagramMachine(
        model=None,
        states=[{"name": s, "label": workflow.state_label(s)} for s in workflow.states],
        initial=workflow.initial,
        transitions=[
            {
                "trigger": rule.trigger,
                "source": list(rule.sources),
                "dest": rule.dest,
                "label": edge_label(rule),
            }
            for rule in workflow.rules
        ],
        auto_transitions=False,
        graph_engine="mermaid",
        # GraphMachine writes the title verbatim between '---' lines, where mermaid
        # expects YAML front matter; a bare name there would be ignored.
        title=f"title: {json.dumps(f'{workflow.name} workflow')}",
    )
    # A graph of the machine itself, not of a model, so no state is styled as current.
    source = machine.graph_cls(machine).get_graph().source
    return "\n".join(line.rstrip() for line in source.splitlines()) + "\n"

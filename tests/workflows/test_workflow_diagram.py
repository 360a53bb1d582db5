"""The mermaid diagram of the proposal workflow."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import workflows
from workflows import PROPOSAL_GUARD_NAMES, PROPOSAL_WORKFLOW, Engine, Rule, Workflow, to_mermaid

# (source, dest, edge label), written out independently of the table.
EXPECTED_EDGES = {
    ("draft", "submitted", "submit [applicant]"),
    ("returned", "submitted", "submit [applicant]"),
    ("submitted", "screening", "start_screening [secretariat]"),
    ("screening", "returned", "return_for_revision [secretariat]"),
    ("committee_review", "returned", "return_for_revision [secretariat]"),
    ("screening", "ineligible", "declare_ineligible [secretariat]"),
    ("screening", "committee_review", "forward_to_committee [secretariat]"),
    ("committee_review", "approved", "approve [secretariat]"),
    ("committee_review", "rejected", "reject [secretariat]"),
    ("approved", "funded", "fund [secretariat]"),
    ("funded", "closed", "close [secretariat]"),
    *(
        (source, "withdrawn", "withdraw [applicant]")
        for source in (
            "draft",
            "submitted",
            "screening",
            "returned",
            "committee_review",
            "approved",
        )
    ),
}


@pytest.fixture(scope="module")
def diagram() -> str:
    return to_mermaid(PROPOSAL_WORKFLOW)


def edges(text: str) -> set[tuple[str, str, str]]:
    found = set()
    for line in text.splitlines():
        arrow, _, labels = line.strip().partition(": ")
        source, sep, dest = arrow.partition(" --> ")
        if sep and source != "[*]":
            found.update((source, dest, label) for label in labels.split(" | "))
    return found


def test_it_is_a_state_diagram(diagram: str) -> None:
    lines = [line.strip() for line in diagram.splitlines()]
    assert "stateDiagram-v2" in lines
    assert lines[:3] == ["---", 'title: "proposal workflow"', "---"]
    assert "[*] --> draft" in lines


def test_every_state_appears_with_its_label(diagram: str) -> None:
    lines = {line.strip() for line in diagram.splitlines()}
    for state in PROPOSAL_WORKFLOW.states:
        assert f'state "{PROPOSAL_WORKFLOW.state_label(state)}" as {state}' in lines
    assert 'state "Approved (pipeline)" as approved' in lines


def test_every_trigger_appears_on_its_edges(diagram: str) -> None:
    assert edges(diagram) == EXPECTED_EDGES
    labelled = {label.split(" [")[0] for _, _, label in edges(diagram)}
    assert labelled == set(PROPOSAL_WORKFLOW.triggers)


def test_no_state_is_drawn_as_current(diagram: str) -> None:
    assert "s_active" not in diagram.split("\n\n", 1)[1]


def test_engine_gives_the_same_diagram(diagram: str) -> None:
    engine = Engine(PROPOSAL_WORKFLOW, {name: lambda *_: () for name in PROPOSAL_GUARD_NAMES})
    assert engine.mermaid() == diagram
    assert to_mermaid(PROPOSAL_WORKFLOW) == diagram


def test_no_trailing_whitespace(diagram: str) -> None:
    assert all(line == line.rstrip() for line in diagram.splitlines())
    assert diagram.endswith("\n")
    assert not diagram.endswith("\n\n")


def test_edge_label_lists_roles_sorted() -> None:
    workflow = Workflow(
        "door",
        ("open", "shut"),
        "open",
        (Rule("shut", ("open",), "shut", frozenset({"warden", "clerk", "admin"})),),
        {},
    )
    lines = [line.strip() for line in to_mermaid(workflow).splitlines()]
    assert "open --> shut: shut [admin, clerk, warden]" in lines


@pytest.mark.parametrize("seed", ["1", "2"])
def test_same_text_in_a_fresh_process(diagram: str, seed: str) -> None:
    # Another hash seed reorders sets and frozensets, which must not leak into the text.
    root = str(Path(workflows.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": root}
    code = (
        "import sys, workflows; sys.stdout.write(workflows.to_mermaid(workflows.PROPOSAL_WORKFLOW))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout == diagram

"""The revision's transition table: its states, who fires what, the guards it names (registered
at start-up), and its diagram."""

from __future__ import annotations

import pytest

from fund.revisions import workflow as revision_workflow
from workflows import Engine, GuardRegistry
from workflows.revision import REVISION_GUARD_NAMES, REVISION_WORKFLOW


def test_the_table():
    rules = {
        (r.trigger, r.sources, r.dest, tuple(sorted(r.roles))) for r in REVISION_WORKFLOW.rules
    }
    assert rules == {
        ("submit", ("draft", "returned"), "submitted", ("applicant",)),
        ("withdraw", ("draft", "submitted", "returned"), "withdrawn", ("applicant",)),
        ("approve", ("submitted",), "approved", ("secretariat",)),
        ("return_for_changes", ("submitted",), "returned", ("secretariat",)),
        ("reject", ("submitted",), "rejected", ("secretariat",)),
        ("forward", ("submitted",), "committee", ("secretariat",)),
        ("committee_approve", ("committee",), "approved", ("secretariat",)),
        ("committee_reject", ("committee",), "rejected", ("secretariat",)),
    }
    assert REVISION_WORKFLOW.initial == "draft"
    with_comment = {r.trigger for r in REVISION_WORKFLOW.rules if r.comment_required}
    assert with_comment == {"return_for_changes", "reject"}
    assert {
        "revising_organization",
        "revision_complete",
        "before_end_date",
        "minor_revision",
        "committee_revision",
        "round_outcome",
    } == REVISION_GUARD_NAMES


def test_an_engine_without_the_guards_is_refused():
    with pytest.raises(ValueError, match="before_end_date"):
        Engine(REVISION_WORKFLOW, GuardRegistry()).check_guards()


def test_the_application_registers_every_guard(app):
    revision_workflow.ENGINE.check_guards()
    assert set(revision_workflow.GUARDS) >= REVISION_GUARD_NAMES


def test_the_diagram_command_draws_the_revision_workflow(runner):
    result = runner.invoke(args=["fund", "diagram", "--workflow", "revision"])
    assert result.exit_code == 0, result.output
    assert 'title: "programme revision workflow"' in result.output
    assert "submitted --> committee: forward [secretariat]" in result.output

"""The programme report's transition table: its states, who fires what, the guards it names
(registered at start-up), and its diagram."""

from __future__ import annotations

import pytest

from fund.reporting import workflow as report_workflow
from workflows import Engine, GuardRegistry
from workflows.report import REPORT_GUARD_NAMES, REPORT_WORKFLOW


def test_the_table():
    rules = {(r.trigger, r.sources, r.dest, tuple(sorted(r.roles))) for r in REPORT_WORKFLOW.rules}
    assert rules == {
        ("submit", ("due", "returned"), "submitted", ("applicant",)),
        ("accept", ("submitted",), "accepted", ("secretariat",)),
        ("return_for_changes", ("submitted",), "returned", ("secretariat",)),
    }
    assert REPORT_WORKFLOW.initial == "due"
    assert "overdue" not in REPORT_WORKFLOW.states  # derived from the due date, never stored
    returning = next(r for r in REPORT_WORKFLOW.rules if r.trigger == "return_for_changes")
    assert returning.comment_required
    assert {"reporting_organization", "period_begun", "report_complete"} == REPORT_GUARD_NAMES


def test_an_engine_without_the_guards_is_refused():
    with pytest.raises(ValueError, match="report_complete"):
        Engine(REPORT_WORKFLOW, GuardRegistry()).check_guards()


def test_the_application_registers_every_guard(app):
    report_workflow.ENGINE.check_guards()
    assert set(report_workflow.GUARDS) >= REPORT_GUARD_NAMES


def test_the_diagram_command_draws_the_report_workflow(runner):
    result = runner.invoke(args=["fund", "diagram", "--workflow", "report"])
    assert result.exit_code == 0, result.output
    assert 'title: "programme report workflow"' in result.output
    assert "submitted --> returned: return_for_changes [secretariat]" in result.output

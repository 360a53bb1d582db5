"""Validation of transition tables and the small engine features not tied to proposals."""

from __future__ import annotations

import ast
from dataclasses import FrozenInstanceError
from pathlib import Path
from types import SimpleNamespace

import pytest

import workflows
from workflows import Engine, GuardRegistry, Rule, TransitionRefused, Workflow

ANYONE = frozenset({"clerk"})


def door(
    *rules: Rule, states: tuple[str, ...] = ("open", "shut"), initial: str = "open"
) -> Workflow:
    return Workflow("door", states, initial, rules, {"open": "Open"})


def test_rule_and_lookup() -> None:
    shut = Rule("shut", ("open",), "shut", ANYONE)
    reopen = Rule("open", ("shut",), "open", ANYONE)
    workflow = door(shut, reopen)
    assert workflow.rule("shut", "open") is shut
    assert workflow.rule("shut", "shut") is None
    assert workflow.rule("lock", "open") is None
    assert workflow.triggers == ("shut", "open")


def test_triggers_are_distinct_and_in_table_order() -> None:
    workflow = Workflow(
        "lamp",
        ("off", "dim", "on"),
        "off",
        (
            Rule("up", ("off",), "dim", ANYONE),
            Rule("down", ("on",), "dim", ANYONE),
            Rule("up", ("dim",), "on", ANYONE),
        ),
        {},
    )
    assert workflow.triggers == ("up", "down")
    assert workflow.sources_of("up") == ("off", "dim")


def test_same_trigger_goes_where_its_source_says() -> None:
    workflow = Workflow(
        "lamp",
        ("off", "dim", "on"),
        "off",
        (Rule("up", ("off",), "dim", ANYONE), Rule("up", ("dim",), "on", ANYONE)),
        {},
    )
    engine = Engine(workflow, {})
    lamp, clerk = SimpleNamespace(status="off"), SimpleNamespace(roles=["clerk"])
    assert engine.fire(lamp, "up", clerk) == ("off", "dim")
    assert engine.fire(lamp, "up", clerk) == ("dim", "on")
    with pytest.raises(TransitionRefused) as caught:
        engine.fire(lamp, "up", clerk)
    assert str(caught.value) == "Cannot up: the lamp is 'on'; allowed from: off, dim."


def test_state_labels_fall_back_to_the_name() -> None:
    workflow = door()
    assert workflow.state_label("open") == "Open"
    assert workflow.state_label("shut") == "shut"


def test_rule_values_are_stored_immutably() -> None:
    rule = Rule("shut", ["open"], "shut", {"clerk"}, guards=["a"])  # type: ignore[arg-type]
    assert rule.sources == ("open",)
    assert rule.roles == frozenset({"clerk"})
    assert rule.guards == ("a",)
    with pytest.raises(FrozenInstanceError):
        rule.dest = "open"  # type: ignore[misc]


def test_workflow_labels_cannot_be_changed_afterwards() -> None:
    labels = {"open": "Open"}
    workflow = Workflow("door", ("open", "shut"), "open", (), labels)
    labels["open"] = "Changed"
    assert workflow.state_label("open") == "Open"
    with pytest.raises(TypeError):
        workflow.state_labels["shut"] = "Shut"  # type: ignore[index]


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (Rule("shut", ("ajar",), "shut", ANYONE), "unknown state 'ajar'"),
        (Rule("shut", ("open",), "locked", ANYONE), "unknown state 'locked'"),
        (Rule("shut", ("open", "open"), "shut", ANYONE), "duplicate rule 'shut' from 'open'"),
    ],
)
def test_workflow_rejects_bad_rules(rule: Rule, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        door(rule)


def test_workflow_rejects_a_duplicate_trigger_and_source() -> None:
    with pytest.raises(ValueError, match="duplicate rule 'shut' from 'open'"):
        door(Rule("shut", ("open",), "shut", ANYONE), Rule("shut", ("open",), "open", ANYONE))


def test_workflow_rejects_unknown_initial_state() -> None:
    with pytest.raises(ValueError, match="initial state 'ajar'"):
        door(initial="ajar")


def test_workflow_rejects_repeated_state() -> None:
    with pytest.raises(ValueError, match="more than once"):
        door(states=("open", "shut", "open"))


def test_workflow_rejects_labels_of_unknown_states() -> None:
    with pytest.raises(ValueError, match="unknown states ajar"):
        Workflow("door", ("open", "shut"), "open", (), {"ajar": "Ajar"})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"trigger": "", "sources": ("open",), "roles": ANYONE}, "trigger"),
        ({"trigger": "shut", "sources": (), "roles": ANYONE}, "no source"),
        ({"trigger": "shut", "sources": ("open",), "roles": frozenset()}, "no role"),
    ],
)
def test_rule_rejects_empty_parts(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Rule(dest="shut", **kwargs)  # type: ignore[arg-type]


def test_engine_accepts_a_table_with_a_trigger_named_like_a_model_method() -> None:
    # `transitions` would skip binding `carrier.trigger()`, so the engine must not rely on it.
    workflow = door(Rule("trigger", ("open",), "shut", ANYONE))
    subject = SimpleNamespace(status="open")
    assert Engine(workflow, {}).fire(subject, "trigger", SimpleNamespace(roles={"clerk"})) == (
        "open",
        "shut",
    )


def test_engine_rejects_a_table_transitions_cannot_build() -> None:
    # `state` is the attribute the Machine keeps the state in.
    with pytest.raises(ValueError, match="model attribute"):
        Engine(door(Rule("state", ("open",), "shut", ANYONE)), {})


def test_actor_without_roles_attribute_is_refused() -> None:
    engine = Engine(door(Rule("shut", ("open",), "shut", ANYONE)), {})
    subject = SimpleNamespace(status="open")
    with pytest.raises(TransitionRefused) as caught:
        engine.fire(subject, "shut", object())
    assert caught.value.reason == "role"
    assert subject.status == "open"


def test_refusal_reason_is_checked() -> None:
    with pytest.raises(ValueError, match="reason"):
        TransitionRefused("mood", "shut", "open", "no")


def test_public_api() -> None:
    assert set(workflows.__all__) == {
        "COUNTED_STATES",
        "EDITABLE_STATES",
        "FUNDED_STATES",
        "PIPELINE_STATE",
        "REVIEW_STATE",
        "Engine",
        "Guard",
        "GuardRegistry",
        "PROPOSAL_GUARD_NAMES",
        "PROPOSAL_WORKFLOW",
        "Rule",
        "TransitionRefused",
        "Workflow",
        "to_mermaid",
    }
    assert all(hasattr(workflows, name) for name in workflows.__all__)


def test_the_named_groups_are_states_of_the_proposal_workflow() -> None:
    states = set(workflows.PROPOSAL_WORKFLOW.states)
    groups = (workflows.FUNDED_STATES, workflows.COUNTED_STATES, workflows.EDITABLE_STATES)
    assert all(set(group) <= states for group in groups)
    assert {workflows.PIPELINE_STATE, workflows.REVIEW_STATE} <= states
    assert set(workflows.FUNDED_STATES) < set(workflows.COUNTED_STATES)
    assert set(workflows.SCREENING_STATES) <= states
    assert set(workflows.FUNDING_STATES) == {workflows.PIPELINE_STATE, *workflows.FUNDED_STATES}
    notes = set(workflows.CONCEPT_NOTE_WORKFLOW.states)
    assert set(workflows.NOTE_INVITABLE_STATES) <= notes
    assert workflows.NOTE_PIPELINE_STATE in workflows.NOTE_INVITABLE_STATES


def test_package_imports_only_stdlib_and_transitions() -> None:
    allowed = {"__future__", "collections", "dataclasses", "json", "types", "typing"}
    package = Path(workflows.__file__).parent
    imported: set[str] = set()
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    assert imported - allowed == {"transitions"}


def test_engine_on_a_registry_reads_the_guards_registered_after_it_was_built() -> None:
    table = door(Rule("close", ("open",), "shut", ANYONE, guards=("latch",)))
    registry = GuardRegistry()
    engine = Engine(table, registry)
    with pytest.raises(ValueError, match="not registered: latch"):
        engine.check_guards()
    registry.register(latch=lambda subject, actor, context: ["the latch is stuck"])
    engine.check_guards()
    with pytest.raises(TransitionRefused, match="the latch is stuck"):
        engine.check(SimpleNamespace(status="open"), "close", SimpleNamespace(roles={"clerk"}))


def test_registry_refuses_another_guard_under_a_registered_name() -> None:
    registry = GuardRegistry()

    def latch(subject, actor, context):
        return []

    registry.register(latch=latch)
    registry.register(latch=latch)  # the same guard again: a second application start
    with pytest.raises(ValueError, match="already registered"):
        registry.register(latch=lambda subject, actor, context: [])
    assert dict(registry) == {"latch": latch}

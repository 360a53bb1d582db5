"""Transition tables and the engine that enforces them on top of `transitions`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from transitions import Machine

from .diagram import to_mermaid


def N_(text: str) -> str:
    """A label marked for translation where it is declared (the transition tables' states and
    actions); the pages translate it where they show it. The engine imports nothing of the
    application, so it has its own marker."""
    return text


Guard = Callable[[Any, Any, Mapping[str, Any]], Iterable[str]]
"""guard(subject, actor, context) -> the problems found; nothing found means it passes."""

REFUSAL_REASONS = ("unknown_trigger", "state", "role", "comment", "guard")

_EMPTY_CONTEXT: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class Rule:
    """One row of a transition table."""

    trigger: str
    sources: tuple[str, ...]
    dest: str
    roles: frozenset[str]
    guards: tuple[str, ...] = ()
    comment_required: bool = False
    label: str = ""

    def __post_init__(self) -> None:
        # Accept lists/sets from callers but store hashable, immutable values.
        object.__setattr__(self, "sources", tuple(self.sources))
        object.__setattr__(self, "roles", frozenset(self.roles))
        object.__setattr__(self, "guards", tuple(self.guards))
        if not self.trigger:
            raise ValueError("A rule needs a trigger name.")
        if not self.sources:
            raise ValueError(f"Rule {self.trigger!r} has no source states.")
        if not self.roles:
            raise ValueError(f"Rule {self.trigger!r} allows no role.")


@dataclass(frozen=True)
class Workflow:
    """A named transition table with validated states and rules."""

    name: str
    states: tuple[str, ...]
    initial: str
    rules: tuple[Rule, ...]
    state_labels: Mapping[str, str]
    # What happens next in a state, where something does (a final state has none): every
    # transition's confirmation says it.
    next_steps: Mapping[str, str] = field(default_factory=dict)
    _index: Mapping[tuple[str, str], Rule] = field(
        init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "states", tuple(self.states))
        object.__setattr__(self, "rules", tuple(self.rules))
        object.__setattr__(self, "state_labels", MappingProxyType(dict(self.state_labels)))
        object.__setattr__(self, "next_steps", MappingProxyType(dict(self.next_steps)))
        object.__setattr__(self, "_index", MappingProxyType(self._validate()))

    def _validate(self) -> dict[tuple[str, str], Rule]:
        """Check the table; return its (trigger, source) -> rule index."""
        where = f"Workflow {self.name!r}:"
        known = set(self.states)
        if len(known) != len(self.states):
            raise ValueError(f"{where} a state is listed more than once.")
        if self.initial not in known:
            raise ValueError(f"{where} initial state {self.initial!r} is unknown.")
        if unlabelled := sorted(set(self.state_labels) - known):
            raise ValueError(f"{where} labels given for unknown states {', '.join(unlabelled)}.")
        if unknown := sorted(set(self.next_steps) - known):
            raise ValueError(f"{where} next steps given for unknown states {', '.join(unknown)}.")
        index: dict[tuple[str, str], Rule] = {}
        for rule in self.rules:
            for state in (*rule.sources, rule.dest):
                if state not in known:
                    raise ValueError(f"{where} rule {rule.trigger!r} uses unknown state {state!r}.")
            for source in rule.sources:
                if (rule.trigger, source) in index:
                    raise ValueError(f"{where} duplicate rule {rule.trigger!r} from {source!r}.")
                index[rule.trigger, source] = rule
        return index

    def rule(self, trigger: str, source: str) -> Rule | None:
        """The rule firing `trigger` from `source`, if any."""
        return self._index.get((trigger, source))

    @property
    def triggers(self) -> tuple[str, ...]:
        """Distinct trigger names in table order."""
        return tuple(dict.fromkeys(rule.trigger for rule in self.rules))

    def sources_of(self, trigger: str) -> tuple[str, ...]:
        """States from which `trigger` may fire, in table order."""
        return tuple(
            dict.fromkeys(s for rule in self.rules if rule.trigger == trigger for s in rule.sources)
        )

    def next_step(self, state: str) -> str | None:
        """What happens next in `state` (untranslated), if anything does."""
        return self.next_steps.get(state)

    def state_label(self, state: str) -> str:
        """Human label of `state` (the state name if none is given)."""
        return self.state_labels.get(state, state)


class TransitionRefused(Exception):
    """A transition the workflow does not allow; `str()` is a full English sentence."""

    def __init__(
        self,
        reason: str,
        trigger: str,
        state: str,
        detail: str,
        *,
        problems: Iterable[str] | None = None,
        failed_guards: Iterable[str] = (),
    ) -> None:
        if reason not in REFUSAL_REASONS:
            raise ValueError(f"Unknown refusal reason {reason!r}.")
        message = f"Cannot {trigger}: {detail}"
        super().__init__(message)
        self.reason = reason
        self.trigger = trigger
        self.state = state
        self.problems = list(problems) if problems is not None else [message]
        self.failed_guards = tuple(failed_guards)
        self.guard = self.failed_guards[0] if self.failed_guards else None


class _Carrier:
    """Per-call stand-in for a subject: the Machine keeps its `state` here, not on the subject."""

    state: str


def _actor_roles(actor: Any) -> frozenset[str]:
    return frozenset(getattr(actor, "roles", None) or ())


def _describe_roles(roles: frozenset[str]) -> str:
    if not roles:
        return "an actor without a role"
    noun = "role" if len(roles) == 1 else "roles"
    return f"{noun} {', '.join(sorted(roles))}"


class GuardRegistry(Mapping[str, Guard]):
    """Guards by name, registered by the code that owns each rule they check.

    An Engine built on a registry reads it once every guard is in (see Engine.check_guards).
    A name registered twice with another function is refused."""

    def __init__(self) -> None:
        self._guards: dict[str, Guard] = {}

    def register(self, **guards: Guard) -> None:
        for name, guard in guards.items():
            known = self._guards.get(name)
            if known is not None and known is not guard:
                raise ValueError(f"Guard {name!r} is already registered.")
            self._guards[name] = guard

    def __getitem__(self, name: str) -> Guard:
        return self._guards[name]

    def __iter__(self):
        return iter(self._guards)

    def __len__(self) -> int:
        return len(self._guards)


class Engine:
    """Checks and performs the transitions of one workflow on any object with a `status`."""

    def __init__(self, workflow: Workflow, guards: Mapping[str, Guard]) -> None:
        """`guards` by name. A plain mapping must hold every guard the table names now; a
        GuardRegistry may be filled later, by the code that owns each guard: its guards are
        checked by `check_guards()` (call it at start-up) or at the first transition."""
        self._needed = tuple(dict.fromkeys(name for rule in workflow.rules for name in rule.guards))
        self._source = guards
        self._resolved: dict[str, Guard] | None = None
        self.workflow = workflow
        if not isinstance(guards, GuardRegistry):
            self.check_guards()
        # One machine transition per rule; `transitions` only reads these, so they are shared.
        self._machine_config: dict[str, Any] = {
            "states": list(workflow.states),
            "transitions": [
                {"trigger": rule.trigger, "source": list(rule.sources), "dest": rule.dest}
                for rule in workflow.rules
            ],
            "auto_transitions": False,
        }
        # Build one model-less machine now so a table `transitions` rejects fails here.
        Machine(model=None, initial=workflow.initial, **self._machine_config)

    def check_guards(self) -> None:
        """Raise unless every guard the table names is registered and callable."""
        self._guards()

    def _guards(self) -> dict[str, Guard]:
        if self._resolved is None:
            guards, workflow = self._source, self.workflow
            missing = [name for name in self._needed if name not in guards]
            if missing:
                raise ValueError(
                    f"Workflow {workflow.name!r} needs guards that are not registered: "
                    f"{', '.join(missing)}."
                )
            not_callable = [name for name in self._needed if not callable(guards[name])]
            if not_callable:
                raise TypeError(f"Guards are not callable: {', '.join(not_callable)}.")
            self._resolved = {name: guards[name] for name in self._needed}
        return self._resolved

    def attach(self, subject: Any) -> _Carrier:
        """A fresh wrapper of `subject` driven by a `transitions.Machine` at `subject.status`."""
        carrier = _Carrier()
        Machine(model=carrier, initial=subject.status, **self._machine_config)
        return carrier

    def check(
        self,
        subject: Any,
        trigger: str,
        actor: Any,
        *,
        comment: str | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> Rule:
        """The rule `actor` may fire now, or raise TransitionRefused."""
        state = subject.status
        workflow = self.workflow

        if trigger not in workflow.triggers:
            raise TransitionRefused(
                "unknown_trigger",
                trigger,
                state,
                f"there is no such action in the {workflow.name} workflow.",
            )
        rule = workflow.rule(trigger, state)
        if rule is None:
            allowed_from = ", ".join(workflow.sources_of(trigger))
            raise TransitionRefused(
                "state",
                trigger,
                state,
                f"the {workflow.name} is {state!r}; allowed from: {allowed_from}.",
            )
        roles = _actor_roles(actor)
        if not roles & rule.roles:
            needed = " or ".join(sorted(rule.roles))
            raise TransitionRefused(
                "role",
                trigger,
                state,
                f"{_describe_roles(roles)} may not do this (needs {needed}).",
            )
        if rule.comment_required and not (comment or "").strip():
            raise TransitionRefused("comment", trigger, state, "a comment is required.")
        failed, problems = self._run_guards(rule, subject, actor, comment, context)
        if failed:
            noun = "guard" if len(failed) == 1 else "guards"
            names = ", ".join(f"'{name}'" for name in failed)
            raise TransitionRefused(
                "guard",
                trigger,
                state,
                f"{noun} {names} failed: {'; '.join(problems)}",
                problems=problems,
                failed_guards=failed,
            )
        return rule

    def fire(
        self,
        subject: Any,
        trigger: str,
        actor: Any,
        *,
        comment: str | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> tuple[str, str]:
        """Check, then perform the transition and store it in `subject.status`."""
        rule = self.check(subject, trigger, actor, comment=comment, context=context)
        carrier = self.attach(subject)
        source = carrier.state
        # The generic `trigger(name)` works even where `transitions` skipped binding
        # `carrier.<name>()` because the name was already taken on the model.
        if not carrier.trigger(rule.trigger):
            raise RuntimeError(f"transitions refused {trigger!r} from {source!r}.")
        subject.status = carrier.state
        return source, carrier.state

    def allowed(
        self,
        subject: Any,
        actor: Any,
        *,
        context: Mapping[str, Any] | None = None,
        run_guards: bool = False,
    ) -> list[Rule]:
        """Rules `actor` may fire from the subject's current state, in table order."""
        state = subject.status
        roles = _actor_roles(actor)
        return [
            rule
            for rule in self.workflow.rules
            if state in rule.sources
            and roles & rule.roles
            and not (run_guards and self._run_guards(rule, subject, actor, None, context)[0])
        ]

    def mermaid(self) -> str:
        """The workflow as a mermaid `stateDiagram-v2`."""
        return to_mermaid(self.workflow)

    def _run_guards(
        self,
        rule: Rule,
        subject: Any,
        actor: Any,
        comment: str | None,
        context: Mapping[str, Any] | None,
    ) -> tuple[list[str], list[str]]:
        """Run every guard of `rule`; return (failed guard names, all their problems)."""
        if not rule.guards:
            return [], []
        # Guards also see the trimmed comment, e.g. to accept a stated reason.
        guard_context = MappingProxyType(
            {**(context or _EMPTY_CONTEXT), "comment": (comment or "").strip() or None}
        )
        failed: list[str] = []
        problems: list[str] = []
        guards = self._guards()
        for name in rule.guards:
            found = [str(problem) for problem in guards[name](subject, actor, guard_context)]
            if found:
                failed.append(name)
                problems.extend(found)
        return failed, problems

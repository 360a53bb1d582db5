"""An audit event's details in full, for its page: each recorded key with its whole value, and
each change (a value recorded as `before` and `after`) side by side.

The trail records details as JSON, in English; a value reads as written (a text as itself,
anything else as JSON: `null`, `true`, `[1, 2]`, an object laid out over several lines)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

PAIR = ("before", "after")


@dataclass(frozen=True)
class Value:
    """A recorded value as text; `block` when it spans several lines (an object, a list)."""

    text: str
    block: bool = False


@dataclass(frozen=True)
class Change:
    """One changed (or unchanged) field: its name ("" for the record itself), its value before
    and after; `changed` when they differ. A side the trail did not record is None."""

    name: str
    before: Value | None
    after: Value | None
    changed: bool


@dataclass(frozen=True)
class Details:
    plain: list[tuple[str, Value]]
    changes: list[Change]


_MISSING = object()


def shown(value: Any) -> Value:
    """A recorded value as people read it."""
    if isinstance(value, str):
        return Value(value, "\n" in value)
    if isinstance(value, dict | list) and value:
        return Value(json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True), True)
    return Value(json.dumps(value, ensure_ascii=False))


def _side(value: Any) -> Value | None:
    return None if value is _MISSING else shown(value)


def _changes(name: str, before: Any, after: Any) -> list[Change]:
    """The changes between two recorded values: field by field when both are objects."""
    if isinstance(before, dict) and isinstance(after, dict):
        keys = list(before) + [key for key in after if key not in before]
        return [
            Change(
                f"{name}.{key}" if name else str(key),
                _side(before.get(key, _MISSING)),
                _side(after.get(key, _MISSING)),
                before.get(key, _MISSING) != after.get(key, _MISSING),
            )
            for key in keys
        ]
    return [Change(name, _side(before), _side(after), before != after)]


def _is_pair(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == set(PAIR)


def full_details(details: dict[str, Any] | None) -> Details:
    """Every key of `details` in full: the `before`/`after` of the record, and each key whose
    value is a `before`/`after` pair, as changes (those that differ first); every other key
    as it is."""
    details = dict(details or {})
    plain: list[tuple[str, Value]] = []
    changes: list[Change] = []
    if all(key in details for key in PAIR):
        changes += _changes("", details.pop("before"), details.pop("after"))
    for key, value in sorted(details.items()):
        if _is_pair(value):
            changes += _changes(key, value["before"], value["after"])
        else:
            plain.append((key, shown(value)))
    changes.sort(key=lambda change: not change.changed)  # what changed first, as recorded
    return Details(plain, changes)

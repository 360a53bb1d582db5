"""Small helpers shared by the forms of every domain."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wtforms import SelectChoice


def options(pairs: Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def int_or_zero(value: Any) -> int:
    """Coerce a select's value; blank means "not chosen" (0) rather than an error."""
    if value in (None, ""):
        return 0
    return int(value)

"""The stylesheet lays pages out the same way in both directions: what sits at a line's start
(the indent of a menu's group, the space beside the timeline's rule) uses the logical
properties (padding-inline-start...), so that Arabic gets it at the right."""

from __future__ import annotations

import re
from pathlib import Path

CSS = Path(__file__).resolve().parents[1] / "fund" / "static" / "css"
# A physical side named, or a box's left and right sides set apart in a shorthand.
NAMED_SIDE = re.compile(
    r"(?<![\w-])(?:(?:margin|padding|border)-(?:left|right)(?:-\w+)?|left|right)\s*:"
    r"|(?<![\w-])(?:float|clear|text-align)\s*:\s*(?:left|right)\b"
)
SHORTHAND = re.compile(r"(?<![\w-])(margin|padding)\s*:\s*([^;}!]+)")


def _uneven(values: str) -> bool:
    """A margin or padding of four values whose left (the 4th) and right (the 2nd) differ."""
    parts = values.split()
    return len(parts) == 4 and parts[1] != parts[3]


def _physical(text: str) -> list[str]:
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        code = re.sub(r"/\*.*?\*/", "", line)
        found += [f"{number}: {m.group(0)}" for m in NAMED_SIDE.finditer(code)]
        found += [
            f"{number}: {m.group(0)}" for m in SHORTHAND.finditer(code) if _uneven(m.group(2))
        ]
    return found


def test_the_check_finds_a_physical_side():
    assert _physical(".a ul { padding: 0 0 0 1rem; }") == ["1: padding: 0 0 0 1rem"]
    assert _physical(".a { margin-left: 1rem; float: right; }") == [
        "1: margin-left:",
        "1: float: right",
    ]
    assert _physical(".a { padding: 0 1rem 0 1rem; margin: 0 auto; inset-inline-start: 0; }") == []


def test_no_margin_or_padding_sits_on_a_physical_side():
    """In Arabic the groups of the phone's menu were not indented (`padding: 0 0 0 1rem` on
    `.site-nav details ul` put the indent at the left, the end of an Arabic line)."""
    for sheet in sorted(CSS.glob("*.css")):
        assert _physical(sheet.read_text(encoding="utf-8")) == [], sheet.name

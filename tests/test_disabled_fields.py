"""A field that cannot be changed (a submitted report's) does not look like one that can: the
stylesheet draws disabled and read-only fields grey with a dashed edge, their text dark enough
to read (WCAG 2.1 AA: 4.5:1)."""

from __future__ import annotations

import re
from pathlib import Path

CSS = Path(__file__).resolve().parent.parent / "fund" / "static" / "css" / "fund.css"
FIELDS = ("input:disabled", "select:disabled", "textarea:disabled", "input[readonly]")


def _rules(css: str) -> list[tuple[list[str], dict[str, str]]]:
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    found = []
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        declarations = {
            name.strip(): value.strip()
            for name, _, value in (d.partition(":") for d in body.split(";") if ":" in d)
        }
        found.append(([s.strip() for s in selectors.split(",")], declarations))
    return found


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(one: str, two: str) -> float:
    lighter, darker = sorted((_luminance(one), _luminance(two)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_disabled_and_read_only_fields_look_unchangeable_and_stay_readable():
    css = CSS.read_text(encoding="utf-8")
    ink = re.search(r"--ink:\s*(#[0-9a-fA-F]{6})", css).group(1)
    rules = [d for selectors, d in _rules(css) if all(f in selectors for f in FIELDS)]
    assert rules, "no rule for disabled and read-only fields"
    rule = rules[-1]
    background = rule["background"]
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", background) and background.lower() != "#ffffff"
    assert "dashed" in rule["border"]
    assert rule["color"] == "var(--ink)" and rule["-webkit-text-fill-color"] == "var(--ink)"
    assert rule["cursor"] == "not-allowed"
    assert _contrast(ink, background) >= 4.5

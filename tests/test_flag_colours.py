"""A flag has one colour: the module that defines the flag gives it, the PDF tables read it from
there, and the stylesheet's `.flag-<code>` class draws its text in the same colour."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fund.coverage import model as coverage_model
from fund.reports.pdf import styles
from fund.results import coverage as results_coverage

CSS = Path(__file__).resolve().parents[1] / "fund" / "static" / "css" / "fund.css"
FLAG_MODULES = (coverage_model, results_coverage)
ALL_FLAGS = [(module, flag) for module in FLAG_MODULES for flag in module.FLAG_LABELS]


def _stylesheet_colour(flag: str) -> str:
    """The text colour of `.flag-<flag>` in fund.css, with a `var(--name)` read from `:root`."""
    css = CSS.read_text(encoding="utf-8")
    root = re.search(r":root\s*\{([^}]*)\}", css)
    assert root is not None
    variables = dict(re.findall(r"--([\w-]+):\s*([^;]+);", root.group(1)))
    rules = [
        body
        for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", css)
        if f".flag-{flag}" in [part.strip() for part in selectors.split(",")]
    ]
    colours = [
        m.group(1).strip() for body in rules if (m := re.search(r"(?<!-)color:([^;]+);", body))
    ]
    assert colours, f"fund.css draws no colour for .flag-{flag}"
    value = colours[-1]
    if (var := re.fullmatch(r"var\(--([\w-]+)\)", value)) is not None:
        value = variables[var.group(1)]
    return value.strip().lower()


@pytest.mark.parametrize(("module", "flag"), ALL_FLAGS, ids=[flag for _, flag in ALL_FLAGS])
def test_every_flag_has_one_colour_in_the_stylesheet_and_the_pdf(module, flag) -> None:
    colour = module.FLAG_COLOURS[flag]
    assert _stylesheet_colour(flag) == colour.lower()
    assert styles.FLAG_COLOURS[module.FLAG_LABELS[flag]].hexval() == "0x" + colour[1:].lower()


def test_the_pdf_knows_no_flag_the_modules_do_not_define() -> None:
    labels = {module.FLAG_LABELS[flag] for module, flag in ALL_FLAGS}
    assert set(styles.FLAG_COLOURS) == labels

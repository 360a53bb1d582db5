"""The world map of funded money: the countries' outlines (`seed/geo/world-110m.json`, made by
`fund.portfolio.map_source`) coloured in classes of money.

Classes: no funded money, then four classes whose upper bounds are an eighth, a quarter, half
and the whole of the largest country's amount (rounded up to a round number), so that the
legend reads in round figures and the largest countries stand out. Colour is never the only
cue: the table beside the map gives every figure.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from pathlib import Path
from typing import Any

from fund.portfolio.figures import MapFigures

GEOMETRY = Path(__file__).resolve().parents[2] / "seed" / "geo" / "world-110m.json"

# A sequential scale from light green to dark blue (each step darker than the one before, so
# that it reads in grey too); the empty class a neutral grey. No text is written on them (the
# legend writes its text beside the swatches).
NO_MONEY = "#e4e7eb"
COLOURS = ("#b4e0a8", "#41b6c4", "#225ea8", "#081d58")
SHARES = (Decimal(1) / 8, Decimal(1) / 4, Decimal(1) / 2, Decimal(1))


@functools.cache
def geometry() -> dict[str, Any]:
    return json.loads(GEOMETRY.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class ColourClass:
    colour: str
    low: Decimal | None  # None: the class of no money
    high: Decimal | None


@dataclass(frozen=True)
class Shape:
    key: str  # ISO 3166-1 alpha-2, or "~Name" for a shape without a code
    name: str  # Natural Earth's English name (the table names the fund's countries)
    path: str
    colour: str
    funded: bool


@dataclass(frozen=True)
class WorldMap:
    width: int
    height: int
    shapes: tuple[Shape, ...]
    classes: tuple[ColourClass, ...]  # the class of no money first
    not_drawn: tuple[str, ...]  # ISO codes of funded countries too small to draw


def round_up(amount: Decimal) -> Decimal:
    """`amount` rounded up to two significant digits: 1,234,567 -> 1,300,000."""
    if amount <= 0:
        return Decimal(0)
    exponent = amount.adjusted() - 1
    step = Decimal(1).scaleb(exponent)
    return (amount / step).to_integral_value(rounding=ROUND_CEILING) * step


def colour_classes(largest: Decimal) -> tuple[ColourClass, ...]:
    top = round_up(largest)
    classes = [ColourClass(NO_MONEY, None, None)]
    low = Decimal(0)
    for colour, share in zip(COLOURS, SHARES, strict=True):
        high = round_up(top * share)
        classes.append(ColourClass(colour, low, high))
        low = high
    return tuple(classes)


def colour_of(amount: Decimal, classes: tuple[ColourClass, ...]) -> str:
    if amount <= 0:
        return classes[0].colour
    for found in classes[1:]:
        if found.high is not None and amount <= found.high:
            return found.colour
    return classes[-1].colour


def world_map(figures: MapFigures) -> WorldMap:
    drawn = geometry()
    money = figures.by_country
    largest = max((c.amount for c in figures.countries), default=Decimal(0))
    classes = colour_classes(largest)
    shapes = tuple(
        Shape(
            key=key,
            name=drawn["names"][key],
            path=path,
            colour=colour_of(money[key].amount if key in money else Decimal(0), classes),
            funded=key in money,
        )
        for key, path in drawn["paths"].items()
    )
    return WorldMap(
        width=drawn["width"],
        height=drawn["height"],
        shapes=shapes,
        classes=classes,
        not_drawn=tuple(k for k in money if k not in drawn["paths"]),
    )

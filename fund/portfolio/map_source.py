"""Make the world map's outlines once from Natural Earth's countries (the npm package
`world-atlas` 2.0.2, `countries-110m.json`: TopoJSON of Natural Earth's 1:110m Admin 0
boundaries, version 4.1.0) into `seed/geo/world-110m.json`: one SVG path per country keyed by
ISO 3166-1 alpha-2, in the Equal Earth projection, on a canvas of `WIDTH` units.

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python -m fund.portfolio.map_source package/countries-110m.json

world-atlas keys countries by ISO 3166-1 numeric code; the fund's own country list
(`seed/countries.csv`, whose M49 codes are the ISO numeric codes) gives the letter codes of
the member states, and the CLDR aliases shipped with Babel those of the other territories.
Shapes with no numeric code (Kosovo, Northern Cyprus, Somaliland) are kept under their
Natural Earth name, prefixed with "~", so that the map has no holes. Antarctica is left out.
"""

from __future__ import annotations

import csv
import json
import math
import sys
from pathlib import Path
from typing import Any

from babel.core import get_global

SEED = Path(__file__).resolve().parents[2] / "seed"
OUTPUT = SEED / "geo" / "world-110m.json"
WIDTH = 1000
LEFT_OUT = {"010"}  # Antarctica

# Equal Earth projection (Šavrič, Patterson and Jenny, 2018): its published coefficients.
A1, A2, A3, A4 = 1.340264, -0.081106, 0.000893, 0.003796
M = math.sqrt(3) / 2


def equal_earth(longitude: float, latitude: float) -> tuple[float, float]:
    """Projected x and y (y up) of a point in degrees, for a sphere of radius 1."""
    lam, phi = math.radians(longitude), math.radians(latitude)
    theta = math.asin(M * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lam * math.cos(theta) / (M * (A1 + 3 * A2 * t2 + t6 * (7 * A3 + 9 * A4 * t2)))
    y = theta * (A1 + A2 * t2 + t6 * (A3 + A4 * t2))
    return x, y


def numeric_to_alpha2() -> dict[str, str]:
    """ISO 3166-1 numeric code -> alpha-2: the fund's countries, then CLDR's aliases."""
    found: dict[str, str] = {}
    for numeric, replacement in get_global("territory_aliases").items():
        if numeric.isdigit() and len(replacement) == 1 and len(replacement[0]) == 2:
            found[numeric] = replacement[0]
    with (SEED / "countries.csv").open(encoding="utf-8") as rows:
        for row in csv.DictReader(rows):
            found[row["m49"]] = row["iso2"]
    return found


def _arcs(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """The topology's arcs in degrees (decoded from their quantized deltas)."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    decoded = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        decoded.append(points)
    return decoded


def _ring(indexes: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc[1:] if points else arc)
    return points


def _on_one_side(ring: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """A ring that crosses the antimeridian (Russia's and Fiji's) unwrapped, then held to the
    side where most of it lies: the map's edge cuts it instead of a line across the world."""
    unwrapped = ring[:1]
    for longitude, latitude in ring[1:]:
        previous = unwrapped[-1][0]
        while longitude - previous > 180:
            longitude -= 360
        while previous - longitude > 180:
            longitude += 360
        unwrapped.append((longitude, latitude))
    middle = sum(longitude for longitude, _ in unwrapped) / len(unwrapped)
    shift = -360 if middle > 180 else 360 if middle < -180 else 0
    return [(max(-180.0, min(180.0, lon + shift)), lat) for lon, lat in unwrapped]


def _path(rings: list[list[tuple[float, float]]], scale: float, top: float, left: float) -> str:
    parts = []
    for ring in map(_on_one_side, rings):
        seen: list[str] = []
        for longitude, latitude in ring:
            x, y = equal_earth(longitude, latitude)
            point = f"{round((x - left) * scale)},{round((top - y) * scale)}"
            if not seen or seen[-1] != point:
                seen.append(point)
        if len(seen) > 2:
            parts.append("M" + "L".join(seen) + "Z")
    return "".join(parts)


def build(topology: dict[str, Any]) -> dict[str, Any]:
    arcs = _arcs(topology)
    left, top = equal_earth(-180, 0)[0], equal_earth(0, 90)[1]
    scale = WIDTH / (2 * -left)
    bottom = equal_earth(0, -60)[1]  # south of Cape Horn; Antarctica is left out
    codes = numeric_to_alpha2()
    shapes: dict[str, str] = {}
    names: dict[str, str] = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        numeric, name = geometry.get("id"), geometry["properties"]["name"]
        if numeric in LEFT_OUT or geometry["type"] not in ("Polygon", "MultiPolygon"):
            continue
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        rings = [_ring(ring, arcs) for polygon in polygons for ring in polygon]
        key = codes.get(numeric or "", "~" + name)
        shapes[key] = shapes.get(key, "") + _path(rings, scale, top, left)
        names[key] = name
    return {
        "source": "Natural Earth 1:110m Admin 0 countries 4.1.0, via world-atlas 2.0.2",
        "projection": "Equal Earth",
        "width": WIDTH,
        "height": round((top - bottom) * scale),
        "names": dict(sorted(names.items())),
        "paths": dict(sorted(shapes.items())),
    }


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    made = build(json.loads(Path(argv[0]).read_text(encoding="utf-8")))
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(made, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"{len(made['paths'])} shapes written to {OUTPUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

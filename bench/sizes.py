"""One table of the pages at several sizes, from the `--json` files of `bench.run`.

    python -m bench.sizes /tmp/sqlite-2000.json /tmp/sqlite-20000.json /tmp/sqlite-100000.json

Each file is one run of `bench.run` on one database; the files are put in the order of their
number of proposals. For each page the table gives the median (ms) and the median as a multiple
of the floor (the cheapest request, timed just before each of the page's requests) at every
size, then the growth from each size to the next twice: in milliseconds, and in multiples of
the floor (which tells a busier minute from a slower page: a busier minute slows the floor
too), and the statements per request. A page is within the target when at each step its growth
in milliseconds is at most `--limit` (1.5, for data ten times larger) and its statements are
the same at every size; the last column says which page is not, and why.
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path
from typing import Any


def _load(path: Path) -> dict[str, Any]:
    results = json.loads(path.read_text())
    results["measures"] = {m["name"]: m for m in results["measures"]}
    return results


def _growth(before: dict[str, Any] | None, after: dict[str, Any] | None, key: str) -> float | None:
    if not before or not after or not before.get(key) or after.get(key) is None:
        return None
    return after[key] / before[key]


def _figure(value: float | None, digits: int = 1, suffix: str = "") -> str:
    return "-" if value is None else f"{value:,.{digits}f}{suffix}"


def table(runs: list[dict[str, Any]], limit: float = 1.5) -> list[str]:
    """The Markdown lines of the table (header first)."""
    sizes = [f"{run['data']['proposals']:,}" for run in runs]
    steps = [f"{a} → {b}" for a, b in itertools.pairwise(sizes)]
    header = ["page"]
    header += [f"{size}: ms (x floor)" for size in sizes]
    header += [f"{step}: growth ms / x floor" for step in steps]
    header += ["statements", "within target"]
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "---|" + "---:|" * (len(header) - 2) + "---|",
    ]
    names = [name for name in runs[0]["measures"] if name in runs[-1]["measures"]]
    for name in names:
        measures = [run["measures"].get(name) for run in runs]
        cells = [name]
        for m in measures:
            cells.append(
                "-"
                if m is None
                else f"{_figure(m['median_ms'])} ({_figure(m.get('to_floor'), suffix='x')})"
            )
        misses = []
        for before, after in itertools.pairwise(measures):
            wall = _growth(before, after, "median_ms")
            floor = _growth(before, after, "to_floor")
            cells.append(f"{_figure(wall, 2)} / {_figure(floor, 2)}")
            if wall is not None and wall > limit:
                misses.append(f"grows {wall:.2f}x")
        counts = [tuple(m["queries"]) for m in measures if m is not None]
        cells.append(" / ".join("-".join(map(str, c)) for c in counts))
        if len(set(counts)) > 1:
            misses.append("statements differ")
        cells.append("yes" if not misses else "no: " + ", ".join(misses))
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path, help="JSON files of bench.run --json")
    parser.add_argument("--limit", type=float, default=1.5, help="the growth allowed per step")
    args = parser.parse_args()
    runs = sorted((_load(path) for path in args.files), key=lambda r: r["data"]["proposals"])
    for run in runs:
        load = run["load_average"]
        print(
            f"<!-- {run['database']}, {run['data']['proposals']:,} proposals: load average "
            f"{load['before'][0]:.2f} before, {load['after'][0]:.2f} after -->"
        )
    print("\n".join(table(runs, args.limit)))


if __name__ == "__main__":
    main()

"""Compare the pages of two versions of the code, interleaved, on a busy machine.

    python -m bench.compare --before-tree /tmp/before_wt \\
        --before-db sqlite:////tmp/before.sqlite3 --after-db sqlite:////tmp/after.sqlite3 \\
        [--after-tree .] [--rounds 8] [--repeat 15] [--only TEXT] [--skip TEXT] [--json FILE]

Each round runs `bench/run.py` (this tree's, with `--cpu`) once per side, each in its own
process with the side's tree first on `PYTHONPATH`, the order alternating (before then after,
after then before, ...), so that a change of the machine's load falls on both sides alike. For
each page it prints, per side, the median over the rounds of each round's median wall time and
CPU time (`time.process_time` of the requesting process: the SQLite queries are in it, other
processes are not), the statements per request, and the ratio after / before.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / "bench" / "run.py"


def measure(tree: Path, url: str, args: argparse.Namespace) -> dict[str, Any]:
    """One run of bench/run.py against `url` with the code of `tree`."""
    with tempfile.TemporaryDirectory(prefix="fund-compare-") as tmp:
        out = Path(tmp) / "run.json"
        command = [sys.executable, str(RUN), "--database-url", url, "--cpu"]
        command += ["--repeat", str(args.repeat), "--warmup", str(args.warmup)]
        command += ["--json", str(out)]
        if args.only:
            command += ["--only", args.only]
        for skip in args.skip:
            command += ["--skip", skip]
        env = dict(os.environ, PYTHONPATH=str(tree))
        subprocess.run(command, cwd=tree, env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
        return json.loads(out.read_text())


def summarize(runs: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Per page: each side's median over the rounds of wall and CPU medians, its statements."""
    rows: dict[str, dict[str, Any]] = {}
    for side, results in runs.items():
        for result in results:
            for m in result["measures"]:
                row = rows.setdefault(m["name"], {"page": m["name"]})
                cell = row.setdefault(side, {"wall": [], "cpu": [], "queries": set()})
                cell["wall"].append(m["median_ms"])
                if m.get("cpu_median_ms") is not None:
                    cell["cpu"].append(m["cpu_median_ms"])
                cell["queries"].update(m["queries"])
    table = []
    for row in rows.values():
        line: dict[str, Any] = {"page": row["page"]}
        for side in runs:
            cell = row.get(side)
            if cell is None:
                continue
            line[side] = {
                "wall_ms": round(statistics.median(cell["wall"]), 1),
                "cpu_ms": round(statistics.median(cell["cpu"]), 1) if cell["cpu"] else None,
                "wall_rounds": cell["wall"],
                "cpu_rounds": cell["cpu"],
                "queries": sorted(cell["queries"]),
            }
        table.append(line)
    return table


def _queries(counts: list[int]) -> str:
    return str(counts[0]) if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"


def print_table(table: list[dict[str, Any]]) -> None:
    print(
        f"{'page':<34} {'wall before':>11} {'after':>7} {'ratio':>6}  "
        f"{'cpu before':>10} {'after':>7} {'ratio':>6}  statements"
    )
    for line in table:
        before, after = line.get("before"), line.get("after")
        if not before or not after:
            continue
        wall = after["wall_ms"] / before["wall_ms"]
        cpu = after["cpu_ms"] / before["cpu_ms"] if before["cpu_ms"] else float("nan")
        print(
            f"{line['page']:<34} {before['wall_ms']:>11.1f} {after['wall_ms']:>7.1f} "
            f"{wall:>6.2f}  {before['cpu_ms']:>10.1f} {after['cpu_ms']:>7.1f} {cpu:>6.2f}  "
            f"{_queries(before['queries'])} -> {_queries(after['queries'])}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before-tree", type=Path, required=True)
    parser.add_argument("--after-tree", type=Path, default=ROOT)
    parser.add_argument("--before-db", required=True, help="database URL for the before side")
    parser.add_argument("--after-db", required=True, help="database URL for the after side")
    parser.add_argument("--rounds", type=int, default=8, help="runs per side, alternating")
    parser.add_argument("--repeat", type=int, default=15, help="timed requests per page and run")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--only", default=None, help="only the pages whose name contains this")
    parser.add_argument("--skip", action="append", default=[], help="leave out these pages")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()
    sides = {
        "before": (args.before_tree.resolve(), args.before_db),
        "after": (args.after_tree.resolve(), args.after_db),
    }
    runs: dict[str, list[dict[str, Any]]] = {"before": [], "after": []}
    loads = [os.getloadavg()]
    for n in range(args.rounds):
        order = ("before", "after") if n % 2 == 0 else ("after", "before")
        for side in order:
            tree, url = sides[side]
            runs[side].append(measure(tree, url, args))
        loads.append(os.getloadavg())
        print(f"round {n + 1}/{args.rounds} done, load average {loads[-1][0]:.2f}", flush=True)
    table = summarize(runs)
    ones = [load[0] for load in loads]
    print(f"load average (1 min) over the rounds: {min(ones):.2f}-{max(ones):.2f}")
    print_table(table)
    if args.json:
        results = {"rounds": args.rounds, "repeat": args.repeat, "loads": loads, "pages": table}
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()

"""Compare the pages of two versions of the code, request by request, on a busy machine.

    python -m bench.compare --before-tree /tmp/before_wt \\
        --before-db sqlite:////tmp/before.sqlite3 --after-db sqlite:////tmp/after.sqlite3 \\
        [--after-tree .] [--rounds 3] [--repeat 20] [--only TEXT] [--skip TEXT] [--json FILE]

Each side is served by its own process: the side's tree first on `PYTHONPATH` (its `fund`),
this tree's `bench/run.py` for the pages, the bench users and the sign-in. The two processes
take turns request by request (one request of a page to one side, then the same page to the
other, the side going first alternating), so that a change of the machine's load falls on both
alike. `--rounds` starts a fresh pair of processes each time. For each page and side it prints
the medians of all timed requests: wall time, CPU time (`time.process_time` of the serving
process: the SQLite queries are in it, the other processes of the machine are not) and the SQL
statements per request.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HARNESS = ROOT / "bench" / "run.py"
SIDES = ("before", "after")


# The serving process of one side -------------------------------------------------------------


def _harness() -> Any:
    """This tree's bench/run.py, loaded by file name so that `fund` is the side's own."""
    spec = importlib.util.spec_from_file_location("bench_harness", HARNESS)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def serve(url: str) -> None:
    """Answer the driver on stdin/stdout: first the pages (name -> path, role), then for each
    page name read, one request's wall and CPU time, statements and status."""
    answer, sys.stdout = sys.stdout, sys.stderr  # whatever else is printed goes to stderr
    harness = _harness()
    app = harness.create_app("development", {"SQLALCHEMY_DATABASE_URI": url})
    app.logger.setLevel("CRITICAL")  # a failed page shows as its status in the table
    has_report = any(rule.rule == harness.ALLOCATION_REPORT for rule in app.url_map.iter_rules())
    found = {
        name: (path, role)
        for name, path, role in harness.pages(harness.sample_ids(app), has_report)
    }
    clients = {"anonymous": app.test_client()}
    for role, email in harness.bench_users(app).items():
        clients[role] = harness.signed_in(app, email)
    with app.app_context():
        counter = harness.QueryCounter(harness.db.engine)
    print(json.dumps(found), file=answer, flush=True)
    with counter:
        for line in sys.stdin:
            path, role = found[line.strip()]
            wall, cpu, queries, status = harness.time_request(clients[role], counter, path)
            print(json.dumps([wall, cpu, queries, status]), file=answer, flush=True)


# The driver ----------------------------------------------------------------------------------


class Side:
    def __init__(self, tree: Path, url: str) -> None:
        env = dict(os.environ, PYTHONPATH=str(tree))
        command = [sys.executable, str(Path(__file__).resolve()), "--serve", url]
        self.process = subprocess.Popen(  # noqa: S603
            command, cwd=tree, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.pages: dict[str, list[str]] = json.loads(self.process.stdout.readline())

    def request(self, name: str) -> list[float]:
        self.process.stdin.write(name + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)


def compare(args: argparse.Namespace) -> dict[str, Any]:
    trees = {"before": args.before_tree.resolve(), "after": args.after_tree.resolve()}
    urls = {"before": args.before_db, "after": args.after_db}
    samples: dict[str, dict[str, dict[str, list[float]]]] = {}
    loads = [os.getloadavg()]
    for number in range(args.rounds):
        sides = {side: Side(trees[side], urls[side]) for side in SIDES}
        try:
            names = [n for n in sides["after"].pages if n in sides["before"].pages]
            names = [n for n in names if not args.only or args.only in n]
            names = [n for n in names if not any(text in n for text in args.skip)]
            for name in names:
                for side in SIDES:
                    for _ in range(args.warmup):
                        sides[side].request(name)
                for n in range(args.repeat):
                    for side in SIDES if n % 2 == 0 else SIDES[::-1]:
                        wall, cpu, queries, status = sides[side].request(name)
                        cell = samples.setdefault(name, {}).setdefault(
                            side, {"wall": [], "cpu": [], "queries": [], "status": []}
                        )
                        for key, value in zip(cell, (wall, cpu, queries, status), strict=True):
                            cell[key].append(value)
        finally:
            for side in sides.values():
                side.close()
        loads.append(os.getloadavg())
        print(f"round {number + 1}/{args.rounds}, load average {loads[-1][0]:.2f}", flush=True)
    pages = []
    for name, cells in samples.items():
        row: dict[str, Any] = {"page": name}
        for side, cell in cells.items():
            row[side] = {
                "wall_ms": round(statistics.median(cell["wall"]), 1),
                "cpu_ms": round(statistics.median(cell["cpu"]), 1),
                "queries": sorted(set(cell["queries"])),
                "status": sorted(set(cell["status"])),
                "samples": len(cell["wall"]),
            }
        pages.append(row)
    return {"rounds": args.rounds, "repeat": args.repeat, "loads": loads, "pages": pages}


def _queries(counts: list[int]) -> str:
    return str(counts[0]) if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"


def print_table(results: dict[str, Any]) -> None:
    ones = [load[0] for load in results["loads"]]
    print(f"load average (1 min) between rounds: {min(ones):.2f}-{max(ones):.2f}")
    print(
        f"{'page':<34} {'wall before':>11} {'after':>7} {'ratio':>6}  "
        f"{'cpu before':>10} {'after':>7} {'ratio':>6}  statements"
    )
    for row in results["pages"]:
        before, after = row["before"], row["after"]
        print(
            f"{row['page']:<34} {before['wall_ms']:>11.1f} {after['wall_ms']:>7.1f} "
            f"{after['wall_ms'] / before['wall_ms']:>6.2f}  {before['cpu_ms']:>10.1f} "
            f"{after['cpu_ms']:>7.1f} {after['cpu_ms'] / before['cpu_ms']:>6.2f}  "
            f"{_queries(before['queries'])} -> {_queries(after['queries'])}"
            + "".join(
                f"  [{side}: HTTP {status}]"
                for side, cell in (("before", before), ("after", after))
                for status in cell["status"]
                if status != 200
            )
        )


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        serve(sys.argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before-tree", type=Path, required=True)
    parser.add_argument("--after-tree", type=Path, default=ROOT)
    parser.add_argument("--before-db", required=True, help="database URL for the before side")
    parser.add_argument("--after-db", required=True, help="database URL for the after side")
    parser.add_argument("--rounds", type=int, default=3, help="fresh pairs of processes")
    parser.add_argument(
        "--repeat", type=int, default=20, help="timed requests per page, side, round"
    )
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--only", default=None, help="only the pages whose name contains this")
    parser.add_argument("--skip", action="append", default=[], help="leave out these pages")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()
    started = time.perf_counter()
    results = compare(args)
    print_table(results)
    print(f"{time.perf_counter() - started:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()

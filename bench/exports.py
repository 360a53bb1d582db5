"""Time the secretariat's downloads on a database filled by `bench.generate`: each CSV table,
the data workbook, and the lists' "export this view" as XLSX.

    python -m bench.exports [--database-url URL] [--repeat 3] [--memory]

Each download is requested through the Flask test client, signed in as the bench secretariat,
so the time includes routing, access checks, the queries and writing the file. For each it
prints the median of `--repeat` requests (after one untimed), the size of the file and its HTTP
status. With `--memory` it also prints the peak memory Python allocated during one more request
(tracemalloc: it slows the request down, so it is measured apart).
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc

from bench.run import bench_users, signed_in
from fund import create_app
from fund.reports.spreadsheets import TABLE_NAMES

LIST_EXPORTS = (
    ("proposal list", "/proposals?export=xlsx"),
    ("audit log", "/audit/?export=xlsx"),
    ("screening queue", "/screening/?export=xlsx"),
    ("allocations", "/finance/?allocations_export=xlsx"),
)


def downloads() -> list[tuple[str, str]]:
    """(name, path) of every download measured."""
    tables = [(f"{name}.csv", f"/reports/tables/{name}.csv") for name in TABLE_NAMES]
    lists = [(f"{name} (xlsx)", path) for name, path in LIST_EXPORTS]
    return [*tables, ("data workbook (xlsx)", "/reports/workbook.xlsx"), *lists]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None, help="default: DATABASE_URL or SQLite")
    parser.add_argument("--repeat", type=int, default=3, help="timed requests per download")
    parser.add_argument("--only", default=None, help="only the downloads whose name has this")
    parser.add_argument("--memory", action="store_true", help="also measure the peak memory")
    args = parser.parse_args()
    overrides = {"SQLALCHEMY_DATABASE_URI": args.database_url} if args.database_url else {}
    app = create_app("development", overrides)
    app.logger.setLevel("WARNING")
    client = signed_in(app, bench_users(app)["secretariat"])
    print(
        f"{'download':<28} {'median':>10} {'size':>10}  status" + ("  peak" if args.memory else "")
    )
    for name, path in downloads():
        if args.only and args.only not in name:
            continue
        client.get(path).get_data()
        samples = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            response = client.get(path)
            data = response.get_data()
            samples.append(time.perf_counter() - started)
        line = (
            f"{name:<28} {statistics.median(samples):>9.2f}s {len(data) / 2**20:>8.1f}MB"
            f"  {response.status_code}"
        )
        if args.memory:
            tracemalloc.start()
            client.get(path).get_data()
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            line += f"  {peak / 2**20:,.0f} MiB"
        print(line, flush=True)


if __name__ == "__main__":
    main()

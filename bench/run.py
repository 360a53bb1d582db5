"""Measure the server time of the main pages on a database filled by `bench.generate`.

    python -m bench.run [--database-url URL] [--repeat 30]
    python -m bench.run --throwaway-postgres 20000 [--repeat 30]

Each page is requested through the Flask test client, signed in as the role that uses it (the
bench users of `bench.generate`), so the time includes routing, access checks, the queries and
the template: everything but the network and the WSGI server. For each page it prints the
median and the 95th percentile of `--repeat` timed requests (after `--warmup` untimed ones) and
the number of SQL statements the request sent (counted by a `before_cursor_execute` listener).
With `--cpu` it also prints the median CPU time of the requests (`time.process_time`: this
process only, so the SQLite queries are in it and the other processes of a busy machine are not;
a PostgreSQL server's time is not).

For coverage it also times `fund.coverage.queries.coverage()` alone and the raw SQL aggregation
it rests on (one GROUP BY sum of budget lines joined to proposals, by objective and status), and
prints the ratio of both to it. Before each timed request of a page it times the floor, the
cheapest request of the application (`/healthz`: no session, no database) from the same client,
and prints the page's median as a multiple of the floor's median of the same moments. For the
allocation report PDF (when the route exists) it also prints the peak memory of one request
(tracemalloc, in an extra request: it slows the code down).

`--throwaway-postgres N` starts a PostgreSQL server from the local binaries (tests/pg.py), fills
a fresh database with N proposals, runs the benchmark against it and stops the server.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import math
import os
import re
import resource
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, exists, func, select, text

from bench.generate import PASSWORD
from fund import create_app
from fund.extensions import db

ROOT = Path(__file__).resolve().parent.parent
ALLOCATION_REPORT = "/reports/allocation.pdf"
# The floor: the cheapest request of the application (no session, no database), timed just
# before each timed request of a page, from the same client; each page is also given as a
# multiple of it, which a busier or slower machine changes much less than the milliseconds.
FLOOR = "/healthz"
MIN_SAMPLES = 5  # a page over its time budget stops after this many timed requests
RAW_AGGREGATION = text(
    "SELECT p.status, b.objective_number, SUM(b.amount) AS amount "
    "FROM budget_lines b JOIN proposals p ON p.id = b.proposal_id "
    "GROUP BY p.status, b.objective_number"
)


# Statistics ----------------------------------------------------------------------------------


def percentile(samples: list[float], fraction: float) -> float:
    """The nearest-rank percentile (0 < fraction <= 1) of the samples."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Measure:
    name: str
    path: str
    role: str
    samples_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    status: int | None = None
    peak_mib: float | None = None
    note: str = ""
    floor_ms: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.samples_ms) if self.samples_ms else float("nan")

    @property
    def p95(self) -> float:
        return percentile(self.samples_ms, 0.95) if self.samples_ms else float("nan")

    @property
    def floor_median(self) -> float:
        return statistics.median(self.floor_ms) if self.floor_ms else float("nan")

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu_ms) if self.cpu_ms else float("nan")

    def summary(self) -> dict[str, Any]:
        data = asdict(self)
        del data["samples_ms"], data["cpu_ms"], data["floor_ms"]
        data.update(
            floor_median_ms=round(self.floor_median, 2) if self.floor_ms else None,
            to_floor=round(self.median / self.floor_median, 2) if self.floor_ms else None,
            median_ms=round(self.median, 2),
            cpu_median_ms=round(self.cpu_median, 2) if self.cpu_ms else None,
            p95_ms=round(self.p95, 2),
            min_ms=round(min(self.samples_ms), 2) if self.samples_ms else None,
            samples=len(self.samples_ms),
            queries=sorted(set(self.queries)),
        )
        return data


class QueryCounter:
    """Counts the SQL statements sent through an engine while it is attached."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.count = 0

    def _on_execute(self, *_args: Any) -> None:
        self.count += 1

    def __enter__(self) -> QueryCounter:
        event.listen(self.engine, "before_cursor_execute", self._on_execute)
        return self

    def __exit__(self, *_exc: Any) -> None:
        event.remove(self.engine, "before_cursor_execute", self._on_execute)


# Signing in ----------------------------------------------------------------------------------


def _csrf(client: FlaskClient, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    if not match:
        raise RuntimeError(f"no CSRF token on {path}")
    return match.group(1)


def signed_in(app: Flask, email: str) -> FlaskClient:
    """A test client signed in as the bench user `email` (a real sign-in: form and password)."""
    client = app.test_client()
    token = _csrf(client, "/login")
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    if response.status_code != 302:
        raise RuntimeError(f"could not sign in as {email}: HTTP {response.status_code}")
    return client


def bench_users(app: Flask) -> dict[str, str]:
    """The e-mail address of one bench user per role."""
    from fund.accounts.models import User

    with app.app_context():
        emails = sorted(db.session.scalars(select(User.email).where(User.email.like("bench.%"))))
    found: dict[str, str] = {}
    for role in ("secretariat", "committee", "applicant"):
        match = next((e for e in emails if e.startswith(f"bench.{role}.")), None)
        if match is None:
            raise SystemExit(f"no bench {role} user: fill the database with bench.generate first")
        found[role] = match
    return found


# The pages -----------------------------------------------------------------------------------


def sample_ids(app: Flask) -> dict[str, int]:
    """A funded proposal with a closed round and a results framework (the fullest proposal
    page, the same statements at every size), a proposal under committee review, and the
    numbers of proposals and funded programmes."""
    from fund.committee.models import VotingRound
    from fund.proposals.models import BudgetLine, Proposal
    from fund.proposals.results import ResultOutcome

    with app.app_context():
        framed = exists().where(ResultOutcome.proposal_id == Proposal.id)
        funded = db.session.scalar(
            select(Proposal.id)
            .join(VotingRound, VotingRound.proposal_id == Proposal.id)
            .where(Proposal.status == "funded", framed)
            .order_by(Proposal.id)
            .limit(1)
        )
        review = db.session.scalar(
            select(Proposal.id)
            .join(VotingRound, VotingRound.proposal_id == Proposal.id)
            .where(Proposal.status == "committee_review", VotingRound.status == "open")
            .order_by(Proposal.id)
            .limit(1)
        )
        proposals = db.session.scalar(select(func.count()).select_from(Proposal)) or 0
        lines = db.session.scalar(select(func.count()).select_from(BudgetLine)) or 0
        programmes = (
            db.session.scalar(
                select(func.count())
                .select_from(Proposal)
                .where(Proposal.status.in_(("funded", "closed")))
            )
            or 0
        )
        in_review = (
            db.session.scalar(
                select(func.count())
                .select_from(Proposal)
                .where(Proposal.status == "committee_review")
            )
            or 0
        )
    if funded is None or review is None:
        raise SystemExit("the database has no funded or reviewed proposal: run bench.generate")
    return {
        "funded": funded,
        "review": review,
        "proposals": proposals,
        "budget_lines": lines,
        "funded_programmes": programmes,
        "in_committee_review": in_review,
    }


def pages(ids: dict[str, int], has_report: bool) -> list[tuple[str, str, str]]:
    """(name, path, role) of every page measured; the first ones are those of the issue."""
    found = [
        ("coverage dashboard", "/coverage/", "secretariat"),
        ("proposal list, funded, page 3", "/proposals?status=funded&page=3", "secretariat"),
        ("proposal list", "/proposals", "secretariat"),
        ("proposal page", f"/proposals/{ids['funded']}", "secretariat"),
        ("committee meeting", "/committee/meeting", "committee"),
        ("committee meeting (secretariat)", "/committee/meeting", "secretariat"),
        ("IATI export", "/open-data/iati.xml", "anonymous"),
    ]
    if has_report:
        found.append(("allocation report PDF", ALLOCATION_REPORT, "secretariat"))
    found += [
        ("committee review page", f"/committee/proposals/{ids['review']}", "committee"),
        ("committee member's page", "/committee/", "committee"),
        ("screening queue", "/screening/", "secretariat"),
        ("finance balance", "/finance/", "secretariat"),
        ("audit log", "/audit/", "secretariat"),
        ("notifications", "/notifications/", "secretariat"),
        ("proposal list (applicant)", "/proposals", "applicant"),
        ("public portfolio, objective 6", "/portfolio?objective=6", "anonymous"),
        ("API programmes, objective 6", "/api/v1/programmes?objective=6", "anonymous"),
    ]
    return found


def time_request(
    client: FlaskClient, counter: QueryCounter, path: str
) -> tuple[float, float, int, int]:
    """Wall and CPU time (ms) of one request, its SQL statements and its HTTP status."""
    counter.count = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    response = client.get(path)
    response.get_data()
    cpu = (time.process_time() - cpu_started) * 1000
    elapsed = (time.perf_counter() - started) * 1000
    return elapsed, cpu, counter.count, response.status_code


def peak_memory(client: FlaskClient, path: str) -> float:
    """Peak memory (MiB) allocated by Python during one request."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        client.get(path).get_data()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def time_callable(
    app: Flask,
    counter: QueryCounter,
    call: Callable[[], Any],
    repeat: int,
    warmup: int,
    budget: float,
) -> tuple[list[float], list[int]]:
    samples: list[float] = []
    cpu: list[float] = []
    counts: list[int] = []
    began = time.perf_counter()
    for n in range(warmup + repeat):
        if len(samples) >= MIN_SAMPLES and time.perf_counter() - began > budget:
            break
        with app.test_request_context():
            counter.count = 0
            started, cpu_started = time.perf_counter(), time.process_time()
            call()
            spent_cpu = (time.process_time() - cpu_started) * 1000
            elapsed = (time.perf_counter() - started) * 1000
            db.session.remove()
        if n >= warmup:
            samples.append(elapsed)
            cpu.append(spent_cpu)
            counts.append(counter.count)
    return samples, cpu, counts


def raw_aggregation(app: Flask) -> list[Any]:
    with db.engine.connect() as connection:
        return connection.execute(RAW_AGGREGATION).all()


# Running -------------------------------------------------------------------------------------


def run(
    database_url: str | None,
    repeat: int,
    warmup: int,
    only: str | None = None,
    budget: float = 30.0,
    cpu: bool = False,
    skip: tuple[str, ...] = (),
) -> dict[str, Any]:
    overrides: dict[str, Any] = {"SQLALCHEMY_DATABASE_URI": database_url} if database_url else {}
    app = create_app("development", overrides)
    app.logger.setLevel("WARNING")
    has_report = any(rule.rule == ALLOCATION_REPORT for rule in app.url_map.iter_rules())
    ids = sample_ids(app)
    users = bench_users(app)
    clients: dict[str, FlaskClient] = {"anonymous": app.test_client()}
    for role, email in users.items():
        clients[role] = signed_in(app, email)
    with app.app_context():
        engine = db.engine
        dialect = engine.dialect.name
        version = (
            engine.dialect.dbapi.sqlite_version
            if dialect == "sqlite"
            else db.session.scalar(text("SHOW server_version"))
        )
        db.session.remove()
    # What start-up made leaves the collector's generations, as `wsgi.py` does for the
    # application gunicorn serves: the pages are timed as production runs them.
    gc.collect()
    gc.freeze()
    print(
        f"{dialect} {version}: {ids['proposals']:,} proposals, {ids['budget_lines']:,} budget "
        f"lines, {ids['funded_programmes']:,} funded programmes, {ids['in_committee_review']:,} "
        f"in committee review; {repeat} timed requests per page after {warmup} untimed",
        flush=True,
    )
    load_before = os.getloadavg()
    print(f"load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}")
    if not has_report:
        print(f"note: no route {ALLOCATION_REPORT} in this application: its measure is skipped")

    measures: list[Measure] = []
    counter = QueryCounter(engine)
    with counter:
        for name, path, role in pages(ids, has_report):
            if (only and only not in name) or any(text in name for text in skip):
                continue
            measure = Measure(name, path, role)
            client = clients[role]
            for _ in range(warmup):  # a slow page needs one untimed request, not several
                elapsed, _, _, _ = time_request(client, counter, path)
                if elapsed > budget * 1000 / 10:
                    break
            started = time.perf_counter()
            for _ in range(repeat):
                # The floor first, from the same client: what the machine gives one request
                # just now, to divide the page's time by (a busy minute slows both).
                measure.floor_ms.append(time_request(client, counter, FLOOR)[0])
                elapsed, spent_cpu, count, status = time_request(client, counter, path)
                measure.status = status
                measure.samples_ms.append(elapsed)
                measure.cpu_ms.append(spent_cpu)
                measure.queries.append(count)
                spent = time.perf_counter() - started
                if len(measure.samples_ms) >= MIN_SAMPLES and spent > budget:
                    break
            notes = []
            if measure.status != 200:
                notes.append(f"HTTP {measure.status}")
            if len(measure.samples_ms) < repeat:
                notes.append(f"{len(measure.samples_ms)} samples: over the {budget:.0f} s budget")
            measure.note = "; ".join(notes)
            if path == ALLOCATION_REPORT:
                measure.peak_mib = round(peak_memory(client, path), 1)
            measures.append(measure)
            _print_measure(measure, cpu)

        if (not only or "coverage" in only) and not any("coverage" in text for text in skip):
            from fund.coverage.queries import coverage

            computation = Measure("coverage() alone", "fund.coverage.queries.coverage()", "-")
            computation.samples_ms, computation.cpu_ms, computation.queries = time_callable(
                app, counter, coverage, repeat, warmup, budget
            )
            measures.append(computation)
            _print_measure(computation, cpu)
            with app.app_context():
                raw = Measure("raw GROUP BY sum (SQL alone)", "budget_lines x proposals", "-")
                raw.samples_ms, raw.cpu_ms, raw.queries = time_callable(
                    app, counter, lambda: raw_aggregation(app), repeat, warmup, budget
                )
            measures.append(raw)
            _print_measure(raw, cpu)
            dashboard = next((m for m in measures if m.name == "coverage dashboard"), None)
            ratios = {"coverage() / raw": computation.median / raw.median}
            if dashboard:
                ratios["dashboard / raw"] = dashboard.median / raw.median
            for label, value in ratios.items():
                print(f"  ratio {label}: {value:.2f}x (medians)")
    load_after = os.getloadavg()
    print(f"load average after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}")
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"peak resident memory of this process (all pages measured): {peak_rss:.0f} MiB")
    return {
        "database": f"{dialect} {version}",
        "load_average": {"before": load_before, "after": load_after},
        "peak_rss_mib": round(peak_rss),
        "data": ids,
        "repeat": repeat,
        "warmup": warmup,
        "allocation_report": has_report,
        "measures": [m.summary() for m in measures],
    }


def _print_measure(measure: Measure, cpu: bool = False) -> None:
    counts = sorted(set(measure.queries))
    queries = str(counts[0]) if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"
    extra = f"  cpu {measure.cpu_median:8.1f} ms" if cpu else ""
    if measure.peak_mib is not None:
        extra += f"  peak {measure.peak_mib} MiB"
    if measure.floor_ms:
        times = measure.median / measure.floor_median
        extra += f"  floor {measure.floor_median:5.2f} ms ({times:6.1f}x)"
    note = f"  [{measure.note}]" if measure.note else ""
    print(
        f"{measure.name:<34} median {measure.median:8.1f} ms  p95 {measure.p95:8.1f} ms  "
        f"queries {queries:>5}{extra}{note}",
        flush=True,
    )


# A throwaway PostgreSQL server ---------------------------------------------------------------


@contextlib.contextmanager
def throwaway_postgres(proposals: int, seed: int = 7) -> Iterator[str]:
    """Start a PostgreSQL server from the local binaries, create a database filled with
    `proposals` proposals, yield its URL; stop the server and remove its files afterwards."""
    sys.path.insert(0, str(ROOT))
    from tests.pg import PostgresServer, find_bindir

    bindir = find_bindir()
    if bindir is None:
        raise SystemExit("PostgreSQL server binaries not found (apt-get install postgresql)")
    base = Path(tempfile.mkdtemp(prefix="fund-bench-pg-"))
    server = PostgresServer(bindir, base)
    server.start()
    try:
        admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("CREATE DATABASE fund_bench"))
        admin.dispose()
        url = server.url("fund_bench")
        fill(url, proposals, seed)
        yield url
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


def fill(url: str, proposals: int, seed: int = 7) -> None:
    """Migrate the database at `url` and fill it with `bench.generate`."""
    from flask_migrate import upgrade

    from bench.generate import generate

    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": url})
    app.logger.setLevel("WARNING")
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
        started = time.perf_counter()
        counts = generate(proposals, seed)
        print(
            ", ".join(f"{n:,} {k}" for k, n in counts.items())
            + f" generated in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None, help="default: DATABASE_URL or SQLite")
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests first")
    parser.add_argument("--only", default=None, help="only the pages whose name contains this")
    parser.add_argument(
        "--budget",
        type=float,
        default=30.0,
        help=f"seconds per page: a slower page stops after {MIN_SAMPLES} timed requests",
    )
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        help="leave out the pages whose name contains this (may be repeated)",
    )
    parser.add_argument(
        "--cpu", action="store_true", help="also print the median CPU time of the requests"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument(
        "--throwaway-postgres",
        type=int,
        metavar="N",
        default=None,
        help="start a PostgreSQL server, fill it with N proposals, measure, stop it",
    )
    args = parser.parse_args()
    options = (args.cpu, tuple(args.skip))
    if args.throwaway_postgres:
        with throwaway_postgres(args.throwaway_postgres) as url:
            results = run(url, args.repeat, args.warmup, args.only, args.budget, *options)
    else:
        results = run(args.database_url, args.repeat, args.warmup, args.only, args.budget, *options)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()

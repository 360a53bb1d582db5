"""Load test: gunicorn on PostgreSQL under locust, on the loopback interface, for a bounded time.

    python -m bench.load [--proposals 20000] [--workers 4] [--users 28] [--duration 60]
    python -m bench.load --database-url URL ...   (an already filled PostgreSQL database)

Without --database-url it starts a throwaway PostgreSQL server from the local binaries
(tests/pg.py) and fills it with `bench.generate`. It then writes the plan of the simulated
people (bench accounts, their proposals, drafts and the open rounds each member may vote in),
counts the votes, serves the application with gunicorn on 127.0.0.1, runs the users of
bench/locustfile.py headless for --duration seconds, stops gunicorn (and the server it
started), and checks:

- no errors: no failed request (any 4xx/5xx or connection error counts);
- no lost or duplicated votes: the new vote rows are exactly the (round, member) pairs that got
  a successful vote, one row each, holding the choice of the last successful request;
- the 95th percentile of all requests under 300 ms.

Each simulated person signs in with a bench account of its own. The committee has one person
per seat: when `--users` would give it more people than it has members, it gets one per member
and the others are split between applicants and the secretariat by their weights; when there
are more simulated applicants than applicant accounts, colleagues are added to the
organizations with proposals (`bench.applicant.<org>.2@bench.fund`), each editing other drafts.

The statistics are reset once every simulated person has arrived (`--reset-stats`); sign-ins
still running then (a deliberately slow password hash each) and the requests queued behind them
stay in the percentiles. `--warmup N` resets them once more N seconds later and then runs
--duration seconds more: the steady state without the sign-in burst.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench import nodes
from bench.generate import PASSWORD
from bench.run import throwaway_postgres
from fund import create_app
from fund.extensions import db

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
P95_TARGET_MS = 300
WEIGHTS = {"applicant": 10, "committee": 3, "secretariat": 1}  # as in bench/locustfile.py


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# The plan and the votes ------------------------------------------------------------------------


def make_plan(url: str) -> dict[str, Any]:
    """The bench accounts with what each may do: applicants their proposals and drafts,
    committee members the open rounds where they may vote and have not."""
    from fund.accounts.models import User
    from fund.committee.models import RoundMember, Vote, VotingRound
    from fund.proposals.models import Proposal

    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        users = db.session.scalars(
            select(User).where(User.email.like("bench.%")).order_by(User.email)
        ).all()
        plan: dict[str, Any] = {
            "password": PASSWORD,
            "applicant": [],
            "committee": [],
            "secretariat": [],
        }
        colleagues_of: dict[int, list[dict[str, Any]]] = {}
        for user in users:
            role = user.email.split(".")[1]
            entry: dict[str, Any] = {"email": user.email}
            if role == "applicant":
                own = select(Proposal.id).where(Proposal.organization_id == user.organization_id)
                entry["proposals"] = list(
                    db.session.scalars(own.order_by(Proposal.id.desc()).limit(50))
                )
                # Colleagues of one organization edit different drafts: the k-th of its
                # accounts takes every k-th draft (no two simulated people on one draft).
                colleagues = colleagues_of.setdefault(user.organization_id, [])
                colleagues.append(entry)
                entry["drafts"] = list(
                    db.session.scalars(
                        own.where(Proposal.status.in_(("draft", "returned")))
                        .order_by(Proposal.id.desc())
                        .limit(40)
                    )
                )
                if not entry["proposals"]:
                    continue
            elif role == "committee":
                voted = select(Vote.id).where(
                    Vote.round_id == VotingRound.id, Vote.member_id == user.id
                )
                rows = db.session.execute(
                    select(VotingRound.id, VotingRound.proposal_id)
                    .join(RoundMember, RoundMember.round_id == VotingRound.id)
                    .where(
                        VotingRound.status == "open",
                        RoundMember.user_id == user.id,
                        RoundMember.recusal.is_(None),
                        ~voted.exists(),
                    )
                    .order_by(VotingRound.id)
                    .limit(300)
                )
                entry["rounds"] = [list(row) for row in rows]
            plan[role].append(entry)
        for colleagues in colleagues_of.values():
            for k, entry in enumerate(colleagues):
                entry["drafts"] = entry["drafts"][k :: len(colleagues)][:20]
        db.session.remove()
        db.engine.dispose()
    return plan


def vote_state(url: str) -> tuple[int, dict[tuple[int, str], list[str]]]:
    """The number of votes, and the choices recorded per (round, member e-mail) of bench
    members."""
    from fund.accounts.models import User
    from fund.committee.models import Vote

    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        total = db.session.scalar(select(func.count()).select_from(Vote)) or 0
        rows = db.session.execute(
            select(Vote.round_id, User.email, Vote.choice)
            .join(User, User.id == Vote.member_id)
            .where(User.email.like("bench.committee.%"))
        )
        choices: dict[tuple[int, str], list[str]] = {}
        for round_id, email, choice in rows:
            choices.setdefault((round_id, email), []).append(choice)
        db.session.remove()
        db.engine.dispose()
    return total, choices


def check_votes(
    before: tuple[int, dict], after: tuple[int, dict], log: list[dict[str, Any]]
) -> tuple[bool, str]:
    """Compare the votes in the database with the successful vote requests."""
    (total_before, choices_before), (total_after, choices_after) = before, after
    last_ok: dict[tuple[int, str], str] = {}
    attempted = set()
    for entry in log:
        key = (entry["round_id"], entry["email"])
        attempted.add(key)
        if entry["ok"]:
            last_ok[key] = entry["choice"]
    problems = []
    new_pairs = [key for key in last_ok if key not in choices_before]
    if total_after - total_before != len(new_pairs):
        problems.append(
            f"{total_after - total_before} new vote rows for {len(new_pairs)} first votes"
        )
    for key, choice in last_ok.items():
        stored = choices_after.get(key, [])
        if len(stored) != 1:
            problems.append(f"round {key[0]}, {key[1]}: {len(stored)} rows")
        elif stored[0] != choice:
            problems.append(f"round {key[0]}, {key[1]}: {stored[0]} stored, {choice} last sent")
    for key in attempted - set(last_ok):
        if key not in choices_before and key in choices_after:
            problems.append(f"round {key[0]}, {key[1]}: a refused vote was stored")
    ok_requests = sum(1 for e in log if e["ok"])
    summary = (
        f"{ok_requests} successful vote requests ({len(new_pairs)} first votes, "
        f"{ok_requests - len(new_pairs)} changes or repeats), "
        f"{len(log) - ok_requests} refused; votes in the database {total_before:,} -> "
        f"{total_after:,} (+{total_after - total_before})"
    )
    if problems:
        return False, summary + "; PROBLEMS: " + "; ".join(problems[:10])
    return True, summary + "; none lost, none duplicated"


# The server and the load -----------------------------------------------------------------------


def node_environment(url: str, secret: str, instance: Path | None = None) -> dict[str, str]:
    """The environment of a node (gunicorn and its commands): production settings, the
    database, the secret key every node shares, and the node's own instance folder."""
    env = {
        **os.environ,
        "FUND_ENV": "production",
        "SECRET_KEY": secret,
        "SESSION_COOKIE_SECURE": "false",  # plain HTTP on the loopback interface
        "DATABASE_URL": url,
        "FUND_BASE_URL": os.environ.get("FUND_BASE_URL") or "http://127.0.0.1",
        "FUND_BIN": str(BIN),
    }
    if instance is not None:
        env["FUND_INSTANCE_PATH"] = str(instance)
    return env


@contextlib.contextmanager
def gunicorn(url: str, workers: int, log: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """Serve the application on 127.0.0.1 with gunicorn; stop it afterwards."""
    port = _free_port()
    env = env or node_environment(url, secrets.token_urlsafe(48))
    command = [
        str(BIN / "gunicorn"),
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "120",
        "wsgi:app",
    ]
    with log.open("w") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)  # noqa: S603
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=5) as answer:  # noqa: S310
                    if answer.status == 200:
                        break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start; see {log}") from None
                time.sleep(0.5)
        yield base
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def run_locust(
    base: str,
    plan_path: Path,
    vote_log: Path,
    out: Path,
    users: int,
    duration: int,
    mix: str,
    warmup: int = 0,
    hosts: list[str] | None = None,
    committee: int | None = None,
) -> int:
    env = {
        **os.environ,
        "FUND_LOAD_HOSTS": ",".join(hosts or []),
        "FUND_LOAD_PLAN": str(plan_path),
        "FUND_LOAD_VOTE_LOG": str(vote_log),
        "FUND_LOAD_MIX": mix,
        "FUND_LOAD_WARMUP": str(warmup),
        "FUND_LOAD_COMMITTEE": str(committee or ""),
    }
    command = [
        str(BIN / "locust"),
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(max(1, users // 4)),
        "--run-time",
        f"{duration + warmup}s",
        "--stop-timeout",
        "15",
        "--host",
        base,
        "--csv",
        str(out),
        "--only-summary",
        "--reset-stats",  # the sign-ins while the people arrive are not counted
        "--loglevel",
        "WARNING",
    ]
    return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode  # noqa: S603


def read_stats(out: Path) -> list[dict[str, str]]:
    with Path(f"{out}_stats.csv").open() as handle:
        return list(csv.DictReader(handle))


def read_failures(out: Path) -> list[dict[str, str]]:
    path = Path(f"{out}_failures.csv")
    if not path.exists():
        return []
    with path.open() as handle:
        return list(csv.DictReader(handle))


def people(users: int, seats: int | None = None) -> dict[str, int]:
    """How locust splits `users` over the classes (by weight, as locust does it). The committee
    has one person per seat: with `seats` (its bench members) fewer than its weight's share,
    exactly that many (locust's `fixed_count`), and the others split by weight."""
    total = sum(WEIGHTS.values())
    counts = {role: max(1, round(users * w / total)) for role, w in WEIGHTS.items()}
    if seats is not None and counts["committee"] > seats:
        rest = {role: w for role, w in WEIGHTS.items() if role != "committee"}
        counts = {
            role: max(1, round((users - seats) * w / sum(rest.values())))
            for role, w in rest.items()
        }
        counts["committee"] = seats
    return counts


def add_applicants(url: str, wanted: int) -> None:
    """Enough applicant accounts for `wanted` simulated applicants (colleagues of the
    organizations with proposals), each simulated person signing in with its own."""
    from bench.generate import more_applicants

    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        added = more_applicants(wanted)
        db.session.remove()
        db.engine.dispose()
    if added:
        print(f"{added} more applicant accounts (colleagues in the same organizations)")


def load_test(url: str, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    plan = make_plan(url)
    counts = people(args.users, len(plan["committee"]))
    if counts["applicant"] > len(plan["applicant"]):
        add_applicants(url, counts["applicant"])
        plan = make_plan(url)
    for role in ("applicant", "committee"):
        if counts[role] > len(plan[role]):
            raise SystemExit(
                f"{counts[role]} simulated {role}s but {len(plan[role])} bench accounts: "
                "lower --users (each needs an account of its own)"
            )
    plan_path = work / "plan.json"
    plan_path.write_text(json.dumps(plan))
    vote_log = work / "votes.json"
    before = vote_state(url)
    since = nodes.fill_outbox(url, args.outbox) if args.nodes > 1 else 0
    secret = secrets.token_urlsafe(48)
    environments = [
        node_environment(url, secret, work / f"node-{n}") for n in range(1, args.nodes + 1)
    ]
    server_logs = [work / f"gunicorn-{n}.log" for n in range(1, args.nodes + 1)]
    cron_logs = [work / f"cron-{n}.log" for n in range(1, args.nodes + 1)]
    load_before = os.getloadavg()
    with contextlib.ExitStack() as stack:
        bases = [
            stack.enter_context(gunicorn(url, args.workers, log, environment))
            for environment, log in zip(environments, server_logs, strict=True)
        ]
        if args.nodes > 1:
            stack.enter_context(nodes.cron(environments, ROOT, cron_logs, args.cron_every))
        print(
            f"{args.nodes} x gunicorn ({args.workers} workers) on {', '.join(bases)}; locust: "
            f"{args.users} users ({counts}) for {args.duration} s after a {args.warmup} s "
            f"warm-up, mix {args.mix}",
            flush=True,
        )
        code = run_locust(
            bases[0],
            plan_path,
            vote_log,
            work / "load",
            args.users,
            args.duration,
            args.mix,
            args.warmup,
            hosts=bases if args.nodes > 1 else None,
            committee=counts["committee"] if counts != people(args.users) else None,
        )
    load_after = os.getloadavg()
    after = vote_state(url)
    log = json.loads(vote_log.read_text()) if vote_log.exists() else []
    votes_ok, votes_summary = check_votes(before, after, log)
    stats = read_stats(work / "load")
    failures = read_failures(work / "load")
    server_errors = [
        line
        for log in server_logs
        for line in log.read_text(errors="replace").splitlines()
        if "Traceback" in line or "[ERROR]" in line or "Exception on" in line
    ]
    mail_ok, mail_summary = (
        nodes.check_mail(url, server_logs + cron_logs, since) if args.nodes > 1 else (True, "")
    )
    total = next(row for row in stats if row["Name"] == "Aggregated")
    p95 = float(total["95%"])
    print()
    print(
        f"{'request':<38} {'count':>6} {'fail':>5} {'median':>7} {'p95':>7} {'p99':>7} {'max':>7}"
    )
    for row in stats:
        print(
            f"{(row['Type'] + ' ' + row['Name']).strip():<38} {row['Request Count']:>6} "
            f"{row['Failure Count']:>5} {row['50%']:>7} {row['95%']:>7} {row['99%']:>7} "
            f"{float(row['Max Response Time']):>7.0f}"
        )
    print(f"throughput: {float(total['Requests/s']):.1f} requests/s; locust exit code {code}")
    errors = int(total["Failure Count"])
    for failure in failures[:10]:
        print(
            f"failure: {failure['Method']} {failure['Name']}: {failure['Error']} "
            f"x{failure['Occurrences']}"
        )
    if server_errors:
        print(f"server log: {len(server_errors)} error lines, e.g. {server_errors[0]}")
    print(f"errors: {errors} failed requests -> {'met' if errors == 0 else 'NOT MET'}")
    print(f"votes: {votes_summary} -> {'met' if votes_ok else 'NOT MET'}")
    if args.nodes > 1:
        print(f"mail: {mail_summary} -> {'met' if mail_ok else 'NOT MET'}")
    print(f"p95 of all requests: {p95:.0f} ms -> {'met' if p95 < P95_TARGET_MS else 'NOT MET'}")
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f}")
    return {
        "mix": args.mix,
        "workers": args.workers,
        "users": args.users,
        "people": counts,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "stats": stats,
        "failures": failures,
        "server_error_lines": len(server_errors),
        "votes": {"ok": votes_ok, "summary": votes_summary},
        "nodes": args.nodes,
        "mail": {"ok": mail_ok, "summary": mail_summary},
        "p95_ms": p95,
        "load_average": {"before": load_before, "after": load_after},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None, help="a filled PostgreSQL database")
    parser.add_argument("--proposals", type=int, default=20000, help="for a throwaway server")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--users", type=int, default=28, help="simulated people")
    parser.add_argument("--duration", type=int, default=60, help="seconds of load (max 600)")
    parser.add_argument(
        "--warmup",
        type=int,
        default=0,
        help="seconds of load before the statistics are reset once more (the sign-in burst "
        "of the arriving people is then left out); the load lasts warm-up + duration",
    )
    parser.add_argument(
        "--mix",
        choices=("full", "no-coverage"),
        default="full",
        help="no-coverage: leave out the pages that compute coverage (see bench/locustfile.py)",
    )
    parser.add_argument(
        "--nodes",
        type=int,
        default=1,
        help="gunicorn instances over the one database, each with its own instance folder and "
        "port, the people dealt out to them; with 2 or more the mail commands run on every node "
        "at once during the load (bench/nodes.py) and no email may go out twice",
    )
    parser.add_argument(
        "--outbox", type=int, default=300, help="messages put in the outbox first (--nodes 2+)"
    )
    parser.add_argument(
        "--cron-every",
        type=float,
        default=nodes.CRON_EVERY_SECONDS,
        help="seconds between the cron rounds of every node (--nodes 2+)",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()
    args.duration = max(1, min(args.duration, 600))
    with tempfile.TemporaryDirectory(prefix="fund-load-") as tmp:
        work = Path(tmp)
        if args.database_url:
            results = load_test(args.database_url, args, work)
        else:
            with throwaway_postgres(args.proposals) as url:
                results = load_test(url, args, work)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()

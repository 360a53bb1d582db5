"""Several nodes for `bench.load --nodes N`: the cron table run on every node at once during the
load, and the check that no email went out twice.

Each node is a gunicorn of its own with its own instance folder (FUND_INSTANCE_PATH); every
node runs `flask fund mail send-pending` every CRON_EVERY_SECONDS, and `digest` and
`remind-deadlines` now and then, all at the same moments. Before the load the outbox is given
messages to send; without MAIL_SERVER each message sent is written to the log of the process
that sent it
("Mail (no MAIL_SERVER configured, not sent) #id"), so the logs of every node and every
command, read together, show each message sent and how many times.
"""

from __future__ import annotations

import re
import subprocess
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from fund import create_app
from fund.extensions import db, utcnow

SENT = re.compile(r"Mail \(no MAIL_SERVER configured, not sent\) #(\d+) ")
CRON_EVERY_SECONDS = 30


def fill_outbox(url: str, count: int) -> int:
    """`count` messages waiting in the outbox, to the bench accounts; returns the highest id
    of the outbox before them (the messages after it are the load test's)."""
    from fund.accounts.models import User
    from fund.notifications.models import OutboxMessage
    from fund.notifications.outbox import keep_in_outbox

    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        people = db.session.scalars(select(User).where(User.email.like("bench.%"))).all()
        before = db.session.scalar(select(func.max(OutboxMessage.id))) or 0
        now = utcnow()
        db.session.add_all(
            OutboxMessage(
                user_id=people[n % len(people)].id,
                kind="digest",
                to_email=people[n % len(people)].email,
                subject=f"Load test message {n}",
                text_body="A message of the load test.",
                html_body="<p>A message of the load test.</p>",
                created_at=now,
                next_attempt_at=now,
            )
            for n in range(count)
        )
        keep_in_outbox(db.session)  # left for the nodes' send-pending
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return before


def _flask(environment: dict[str, str], root: Path, *arguments: str) -> str:
    command = [str(Path(environment["FUND_BIN"]) / "flask"), "--app", "wsgi", "fund", *arguments]
    done = subprocess.run(  # noqa: S603
        command, cwd=root, env=environment, capture_output=True, text=True, check=False
    )
    return done.stdout + done.stderr


@contextmanager
def cron(
    nodes: list[dict[str, str]], root: Path, logs: list[Path], every: float = CRON_EVERY_SECONDS
) -> Iterator[None]:
    """Run the mail commands on every node at the same moments until the block ends: each round
    starts them all together (one thread per node) and waits for all of them, then `every`
    seconds."""
    stop = threading.Event()

    def node_round(environment: dict[str, str], log: Path, number: int) -> None:
        commands = [("mail", "send-pending")]
        if number % 5 == 0:
            commands += [("mail", "digest"), ("mail", "remind-deadlines", "--hours", "48")]
        with log.open("a") as out:
            for command in commands:
                out.write(_flask(environment, root, *command))

    def loop() -> None:
        number = 0
        while not stop.is_set():
            threads = [
                threading.Thread(target=node_round, args=(environment, log, number))
                for environment, log in zip(nodes, logs, strict=True)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            number += 1
            stop.wait(every)

    runner = threading.Thread(target=loop, daemon=True)
    runner.start()
    try:
        yield
    finally:
        stop.set()
        runner.join(timeout=120)


def check_mail(url: str, logs: list[Path], since: int) -> tuple[bool, str]:
    """Every message of the outbox marked sent was sent once, none twice; no reminder written
    twice."""
    from fund.notifications.models import Notification, OutboxMessage

    sent: Counter[int] = Counter()
    by_log = []
    for log in logs:
        found = SENT.findall(log.read_text(errors="replace")) if log.exists() else []
        sent.update(int(message) for message in found)
        by_log.append(f"{log.stem} {len(found)}")
    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        ours = OutboxMessage.id > since
        marked = set(
            db.session.scalars(
                select(OutboxMessage.id).where(ours, OutboxMessage.sent_at.is_not(None))
            )
        )
        waiting = db.session.scalar(
            select(func.count()).where(ours, OutboxMessage.sent_at.is_(None))
        )
        repeated = db.session.execute(
            select(Notification.dedupe_key, Notification.user_id, func.count())
            .where(Notification.dedupe_key.is_not(None))
            .group_by(Notification.dedupe_key, Notification.user_id)
            .having(func.count() > 1)
        ).all()
        db.session.remove()
        db.engine.dispose()
    twice = sorted(message for message, times in sent.items() if times > 1)
    unlogged = marked - set(sent)
    problems: list[Any] = []
    if twice:
        problems.append(f"{len(twice)} messages sent more than once, e.g. #{twice[0]}")
    if unlogged:
        problems.append(f"{len(unlogged)} messages marked sent but not seen sent")
    if repeated:
        problems.append(f"{len(repeated)} notifications written twice, e.g. {repeated[0]}")
    summary = (
        f"{sum(sent.values())} sendings of {len(sent)} messages in the logs, {len(marked)} marked "
        f"sent, {waiting} waiting (sent by {', '.join(by_log)})"
    )
    if problems:
        return False, summary + "; PROBLEMS: " + "; ".join(problems)
    return True, summary + "; each sent once, no reminder written twice"

"""The scheduled mail commands run by cron on every node at once: each message is sent once,
each digest and reminder written once, on SQLite and PostgreSQL.

Each job runs in its own thread, application context and database connection, released at
the same moment (`run_together`). The job is slowed down between reading what to do and
writing it, so that without a lock both runs read the same work.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from fund.committee import operations as committee_operations
from fund.extensions import db, utcnow
from fund.notifications import mail, operations, outbox, report_reminders
from fund.notifications.models import Notification, OutboxMessage
from fund.notifications.report_reminders import remind_reports
from tests.helpers import first_report
from tests.test_finance_race import run_together
from tests.test_notifications import _under_review
from tests.test_notifications import people as people
from tests.test_notifications import prepared_people as prepared_people
from tests.test_programme_reports import prepared_programme as prepared_programme
from tests.test_programme_reports import programme as programme

PAUSE = 0.3


def _slowed(module: Any, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """`module.name` pauses before doing its work."""
    original = getattr(module, name)

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(PAUSE)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, slow)


class Recorder:
    """A mail transport that records what it sends (slowly, as a real server would)."""

    def __init__(self) -> None:
        self.sent: list[int | None] = []
        self.lock = threading.Lock()

    def send(self, email: mail.Email) -> None:
        time.sleep(0.005)
        with self.lock:
            self.sent.append(email.message_id)

    def check(self) -> None:
        return None

    def close(self) -> None:
        return None


def test_two_senders_send_each_message_once(app, backend, create_user, monkeypatch):
    with app.app_context():
        people = [create_user(("applicant",), email=f"p{n}@example.org") for n in range(4)]
        now = utcnow()
        db.session.add_all(
            OutboxMessage(
                user_id=people[n % 4].id,
                kind="digest",
                to_email=people[n % 4].email,
                subject=f"message {n}",
                text_body="text",
                html_body="<p>text</p>",
                created_at=now,
                next_attempt_at=now,
            )
            for n in range(40)
        )
        outbox.keep_in_outbox(db.session)  # not sent after the commit: left for the senders
        db.session.commit()
        ids = set(db.session.scalars(select(OutboxMessage.id)))
    recorder = Recorder()
    monkeypatch.setattr(mail, "open_transport", lambda config: recorder)

    reports = run_together(app, [outbox.deliver, outbox.deliver])

    assert not [r for r in reports if isinstance(r, Exception)], reports
    assert Counter(recorder.sent) == Counter(ids)  # every message once, none twice
    assert sum(report.sent for report in reports) == len(ids)
    with app.app_context():
        unsent = select(func.count()).where(OutboxMessage.sent_at.is_(None))
        assert db.session.scalar(unsent) == 0


def _digest_waiting(app, create_user) -> list[int]:
    with app.app_context():
        people = [create_user(("secretariat",), email=f"s{n}@example.org") for n in range(3)]
        now = utcnow()
        db.session.add_all(
            Notification(
                user_id=person.id,
                kind="submission_received",
                subject_type="proposal",
                subject_id=None,
                title=f"update {n}",
                body="",
                link="/",
                created_at=now,
                delivery="digest",
            )
            for person in people
            for n in range(2)
        )
        db.session.commit()
        return [person.id for person in people]


def test_two_digest_runs_write_one_digest_each(app, backend, create_user, monkeypatch):
    user_ids = _digest_waiting(app, create_user)
    _slowed(operations, "mail_environment", monkeypatch)

    written = run_together(app, [operations.write_digests, operations.write_digests])

    assert sorted(written) == [0, 3], written
    with app.app_context():
        digests = db.session.scalars(
            select(OutboxMessage.user_id).where(OutboxMessage.kind == "digest")
        ).all()
    assert Counter(digests) == Counter(user_ids)


def test_two_deadline_reminder_runs_remind_each_member_once(
    app, backend, people, make_proposal, monkeypatch
):
    proposal_id = _under_review(app, people, make_proposal)
    with app.app_context():
        round_ = committee_operations.open_round_of(proposal_id)
        round_.deadline = utcnow() + timedelta(hours=30)
        db.session.commit()
    _slowed(operations, "yet_to_vote", monkeypatch)

    def remind() -> int:
        return operations.remind_deadlines(timedelta(hours=48))

    written = run_together(app, [remind, remind])

    assert sorted(written) == [0, 3], written
    with app.app_context():
        reminded = db.session.scalars(
            select(Notification.user_id).where(Notification.kind == "vote_deadline")
        ).all()
    assert sorted(reminded) == sorted([people.unhcr.id, people.unicef.id, people.independent.id])


def test_two_report_reminder_runs_remind_once(app, backend, programme, monkeypatch):
    with app.app_context():
        report = first_report(programme["proposal"], "annual_narrative")
        report.due_on = utcnow().date() - timedelta(days=1)
        db.session.commit()
    _slowed(report_reminders, "add_programme_staff", monkeypatch)

    written = run_together(app, [remind_reports, remind_reports])

    assert not [w for w in written if isinstance(w, Exception)], written
    assert sorted(written)[0] == 0, written  # the second run found everything told
    with app.app_context():
        told = db.session.scalars(
            select(Notification.user_id).where(Notification.kind == "report_overdue")
        ).all()
    assert len(told) == max(written) > 0
    assert len(told) == len(set(told))  # nobody told twice

"""Notifications: in-app messages, email through an outbox, per-kind preferences and digests.

`recipients` (who is told), `render` (what a message says), `receivers` (the signal receivers),
`outbox` (each notification with its email, sent after the commit), `operations` (marking read,
preferences, deadline reminders, digests). Nothing is connected when the package is imported:
`init_app` connects it.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event


def init_app(app: Flask) -> None:
    """Connect the receivers of the domain signals and the hooks of `db.session` that send
    the outbox after each commit. Idempotent: blinker keeps one connection per receiver and a
    hook already listening is not added twice, however many applications are created."""
    from fund.extensions import db
    from fund.notifications import after_funding, outbox, receivers

    for name, listener in outbox.SESSION_LISTENERS:
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)
    for signal, receiver in (*receivers.RECEIVERS, *after_funding.RECEIVERS):
        signal.connect(receiver, weak=False)

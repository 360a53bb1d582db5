"""Sign-in throttling per client address, on top of the per-account lockout.

The lockout in `operations.authenticate` stops guessing one account's password; this throttle
stops one address from trying passwords on many accounts. Attempts are rows in the database,
so every worker process of the server sees the same count. Rows older than the window are
deleted as new attempts arrive: the table only ever holds the last window's attempts.

The address is `request.remote_addr`. Behind a reverse proxy that is the proxy's address
unless the application is told how many proxies set X-Forwarded-For (PROXY_FIX_X_FOR).
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app, request
from sqlalchemy import delete, func, select

from fund.accounts.limits import AttemptLimit
from fund.accounts.models import LoginAttempt
from fund.extensions import db
from fund.labels import N_
from fund.sentences import MINUTES, Counted, Np_, Sentence, said_marked

UNKNOWN_ADDRESS = "unknown"


class Throttled(Exception):
    """Too many failed sign-ins from this address; `retry_after` is in whole seconds;
    `sentence` says so (`said()` in the page's language)."""

    def __init__(self, policy: AttemptLimit, retry_after: int) -> None:
        minutes = max(1, -(-retry_after // 60))
        self.sentence = Sentence(
            N_(
                "Too many failed sign-in attempts came from your network address (%(attempts)s "
                "within %(window)s). %(wait)s If you share this address with colleagues, "
                "the fund secretariat can help."
            ),
            attempts=policy.attempts,
            window=Counted(MINUTES, int(policy.window.total_seconds() // 60)),
            wait=Counted(
                Np_(
                    "Wait %(num)s minute, then try again.", "Wait %(num)s minutes, then try again."
                ),
                minutes,
            ),
        )
        super().__init__(str(self.sentence))
        self.retry_after = retry_after

    def said(self) -> str:
        return said_marked(self.sentence)


def policy_from_config() -> AttemptLimit:
    """The limit per address the configuration sets (`AttemptLimit.address_throttle`)."""
    return AttemptLimit.address_throttle(current_app.config)


def client_address() -> str:
    """The address the request came from, as far as the configured proxies tell."""
    return (request.remote_addr or UNKNOWN_ADDRESS)[:64]


def check(address: str, *, now: datetime, policy: AttemptLimit) -> None:
    """Raise Throttled when `address` has used up its failed attempts in the window."""
    if policy.attempts <= 0:
        return
    since = now - policy.window
    failures = select(LoginAttempt.attempted_at).where(
        LoginAttempt.address == address,
        LoginAttempt.attempted_at > since,
        LoginAttempt.succeeded.is_(False),
    )
    count = db.session.scalar(select(func.count()).select_from(failures.subquery()))
    if count < policy.attempts:
        return
    # Free again when enough of the failures have left the window.
    oldest_counted = db.session.scalars(
        failures.order_by(LoginAttempt.attempted_at.desc()).offset(policy.attempts - 1).limit(1)
    ).first()
    retry_after = (
        int((oldest_counted + policy.window - now).total_seconds()) + 1 if oldest_counted else 1
    )
    raise Throttled(policy, max(1, retry_after))


def record(address: str, *, succeeded: bool, now: datetime, policy: AttemptLimit) -> None:
    """Keep one attempt and forget those older than the window. The caller commits.

    A success does not wipe the address's failures: one valid account must not open the
    door to guessing the others.
    """
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.attempted_at <= now - policy.window))
    db.session.add(LoginAttempt(address=address, attempted_at=now, succeeded=succeeded))

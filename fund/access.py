"""Who may use which route. Deny by default.

Every view declares its audience with one of the decorators below. A request to an endpoint
that declares nothing is refused with 403, so a forgotten declaration fails closed.
Sensitive actions add `recent_login_required`: the password must have been given recently.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, flash, redirect, request, session, url_for
from flask_login import current_user, logout_user

F = TypeVar("F", bound=Callable[..., Any])

ACCESS_ATTR = "fund_access"


@dataclass(frozen=True)
class Access:
    """The audience of a route: everyone, any signed-in user, or holders of given roles."""

    public: bool = False
    roles: frozenset[str] = frozenset()

    def describe(self) -> str:
        if self.public:
            return "public"
        return "roles: " + ", ".join(sorted(self.roles)) if self.roles else "signed-in users"


def _declare(access: Access) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        setattr(view, ACCESS_ATTR, access)
        return view

    return decorator


def public(view: F) -> F:
    """Anyone, signed in or not."""
    return _declare(Access(public=True))(view)


def signed_in(view: F) -> F:
    """Any active signed-in user."""
    return _declare(Access())(view)


def roles_required(*roles: str) -> Callable[[F], F]:
    """Signed-in users holding at least one of `roles`."""
    if not roles:
        raise ValueError("roles_required needs at least one role")
    return _declare(Access(roles=frozenset(roles)))


def access_of(app: Flask, endpoint: str) -> Access | None:
    if endpoint == "static":
        return Access(public=True)
    view = app.view_functions.get(endpoint)
    return getattr(view, ACCESS_ATTR, None)


def init_app(app: Flask) -> None:
    @app.before_request
    def end_expired_session():
        """A session lasts PERMANENT_SESSION_LIFETIME from the sign-in, however active: an
        older one, or one without a sign-in time, is signed out (then refused below like any
        anonymous request)."""
        if request.endpoint == "static" or not current_user.is_authenticated:
            return None
        if session_is_current(app.permanent_session_lifetime.total_seconds()):
            return None
        logout_user()
        session.clear()
        flash(
            "Your session has ended: a sign-in lasts at most "
            f"{_duration(app.permanent_session_lifetime.total_seconds())}. Sign in again.",
            "info",
        )
        return None

    @app.before_request
    def enforce_access():
        if request.endpoint is None:  # no route matched: let the 404/405 handler answer
            return None
        access = access_of(app, request.endpoint)
        if access is None:
            app.logger.error("route %s declares no access rule; refused", request.endpoint)
            abort(403)
        if access.public:
            return None
        if not current_user.is_authenticated:
            if request.method == "GET":
                return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
            abort(401)
        if access.roles and not current_user.has_role(*access.roles):
            abort(403)
        return None


# Recent sign-in for sensitive actions ---------------------------------------------------------

SIGNED_IN_AT = "signed_in_at"  # session key: when the password was last given (Unix seconds)
SESSION_STARTED_AT = "session_started_at"  # session key: when the user signed in (Unix seconds)
CLOCK_SKEW_SECONDS = 60


def mark_signed_in(now: datetime | None = None) -> None:
    """Record in the session that the user has just given their password."""
    session[SIGNED_IN_AT] = int((now or datetime.now(UTC)).timestamp())


def start_session(now: datetime | None = None) -> None:
    """Record in the session that the user has just signed in; the session ends a fixed time
    after this, whatever happens in between (see `end_expired_session`)."""
    stamp = int((now or datetime.now(UTC)).timestamp())
    session[SESSION_STARTED_AT] = stamp
    session[SIGNED_IN_AT] = stamp


def _age(key: str, now: datetime | None) -> float | None:
    stamp = session.get(key)
    if not isinstance(stamp, int) or isinstance(stamp, bool):
        return None
    return (now or datetime.now(UTC)).timestamp() - stamp


def session_is_current(lifetime_seconds: float, now: datetime | None = None) -> bool:
    """Whether the sign-in of this session is at most `lifetime_seconds` old."""
    age = _age(SESSION_STARTED_AT, now)
    return age is not None and -CLOCK_SKEW_SECONDS <= age <= lifetime_seconds


def _duration(seconds: float) -> str:
    hours, minutes = divmod(int(seconds) // 60, 60)
    if hours and not minutes:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{int(seconds) // 60} minutes"


def login_is_recent(max_age_seconds: int, now: datetime | None = None) -> bool:
    """Whether the password was given in this session at most `max_age_seconds` ago."""
    age = _age(SIGNED_IN_AT, now)
    return age is not None and -CLOCK_SKEW_SECONDS <= age <= max_age_seconds


def local_path(url: str | None) -> str | None:
    """The path and query of `url` if it points into this site, else None."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme and parts.scheme not in ("http", "https"):
        return None
    if parts.netloc and parts.netloc != request.host:
        return None
    if not parts.path.startswith("/") or parts.path.startswith("//") or "\\" in parts.path:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def recent_login_required(max_age_seconds: int | None = None) -> Callable[[F], F]:
    """Ask for the password again unless it was given recently in this session.

    `max_age_seconds` defaults to the setting SENSITIVE_ACTION_MAX_AGE_SECONDS. Combine with
    an audience decorator (`roles_required`, `signed_in`); the order does not matter. A GET is
    sent to the confirmation page and back to the same page; any other method cannot be
    replayed through a redirect, so the user is sent back to the page the form was on and
    asked to repeat the action. Nothing of the refused request is carried out.
    """

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                abort(401)
            limit = max_age_seconds
            if limit is None:
                limit = current_app.config["SENSITIVE_ACTION_MAX_AGE_SECONDS"]
            if login_is_recent(limit):
                return view(*args, **kwargs)
            if request.method in ("GET", "HEAD"):
                back = request.full_path.rstrip("?")
                flash("For your security, confirm your password to continue.", "info")
            else:
                back = local_path(request.referrer) or url_for("core.index")
                flash(
                    "For your security, confirm your password, then repeat what you were "
                    "doing: it was not done.",
                    "warning",
                )
            return redirect(url_for("accounts.confirm_login", next=back))

        return guarded  # type: ignore[return-value]

    return decorator

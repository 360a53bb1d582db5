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

from flask import Flask, abort, current_app, flash, g, redirect, request, session, url_for
from flask_babel import get_locale, gettext
from flask_login import current_user, logout_user
from sqlalchemy import event
from werkzeug.exceptions import Forbidden

from fund.extensions import db
from fund.sentences import HOURS, MINUTES, Counted

F = TypeVar("F", bound=Callable[..., Any])

ACCESS_ATTR = "fund_access"


@dataclass(frozen=True)
class Access:
    """The audience of a route: everyone, any signed-in user, or holders of given roles."""

    public: bool = False
    roles: frozenset[str] = frozenset()
    # Authenticated by a personal API token in the Authorization header, never by the session
    # cookie: the view checks the token and `roles` itself (fund.api).
    bearer: bool = False

    def describe(self) -> str:
        if self.public:
            return "public"
        if self.bearer:
            return "API token" + (", roles: " + ", ".join(sorted(self.roles)) if self.roles else "")
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


def bearer_token(*roles: str) -> Callable[[F], F]:
    """A JSON API route for a personal API token whose user holds one of `roles` (any user
    when none is given). The session is not asked: the view authenticates the token itself."""
    return _declare(Access(roles=frozenset(roles), bearer=True))


def access_of(app: Flask, endpoint: str) -> Access | None:
    if endpoint == "static":
        return Access(public=True)
    view = app.view_functions.get(endpoint)
    return getattr(view, ACCESS_ATTR, None)


def sensitive_minutes() -> int:
    """The age of a sign-in after which a sensitive action asks for the password again, in
    whole minutes as the pages say it (at least 1)."""
    return max(1, sensitive_max_age() // 60)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["sign_in_is_stale"] = lambda: not login_is_recent(sensitive_max_age())
    app.jinja_env.globals["sensitive_minutes"] = sensitive_minutes

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
            gettext(
                "Your session has ended: a sign-in lasts at most %(duration)s. Sign in again.",
                duration=_duration(app.permanent_session_lifetime.total_seconds()),
            ),
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
        if access.public or access.bearer:
            return None
        if not current_user.is_authenticated:
            if request.method == "GET":
                # The language the link asked for (`?lang=fr`) is the sign-in page's too: the
                # locale's choice (`fund.i18n.select_locale`) keeps a known one in
                # `g.language_asked`, which also keeps it in the cookie.
                get_locale()
                asked = g.get("language_asked")
                return redirect(
                    url_for("accounts.login", next=request.full_path.rstrip("?"), lang=asked)
                )
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
    """A sign-in's lifetime in words, in the page's language: "8 hours", "90 minutes"."""
    hours, minutes = divmod(int(seconds) // 60, 60)
    if hours and not minutes:
        return Counted(HOURS, hours).in_language()
    return Counted(MINUTES, int(seconds) // 60).in_language()


def login_is_recent(max_age_seconds: int, now: datetime | None = None) -> bool:
    """Whether the password was given in this session at most `max_age_seconds` ago."""
    age = _age(SIGNED_IN_AT, now)
    return age is not None and -CLOCK_SKEW_SECONDS <= age <= max_age_seconds


def sensitive_max_age() -> int:
    """How old the password may be for the sensitive action of this request."""
    limit = g.get(SENSITIVE_MAX_AGE)
    if limit is None:
        limit = current_app.config["SENSITIVE_ACTION_MAX_AGE_SECONDS"]
    return int(limit)


SENSITIVE_MAX_AGE = "fund_sensitive_max_age"  # g: the limit declared by the view
UNCONFIRMED = "fund_unconfirmed_sensitive_action"  # db session info: password still owed


def recent_login_required(max_age_seconds: int | None = None) -> Callable[[F], F]:
    """Declare a sensitive action: its form asks for the password when it was last given more
    than `max_age_seconds` ago (default: the setting SENSITIVE_ACTION_MAX_AGE_SECONDS).

    Combine with an audience decorator (`roles_required`, `signed_in`); the order does not
    matter. The view's form derives from `fund.accounts.sensitive.SensitiveForm`: when the
    sign-in is stale it shows a password field, and a post without the right password fails
    validation and comes back with everything typed kept; the right password refreshes the
    sign-in and the action is done in the same post. Until the password is confirmed, the
    request cannot commit (403), so a form that forgot to ask fails closed.
    """

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                abort(401)
            limit = max_age_seconds
            if limit is None:
                limit = current_app.config["SENSITIVE_ACTION_MAX_AGE_SECONDS"]
            g.setdefault(SENSITIVE_MAX_AGE, limit)
            if request.method not in ("GET", "HEAD") and not login_is_recent(limit):
                db.session.info[UNCONFIRMED] = True
            try:
                return view(*args, **kwargs)
            finally:
                db.session.info.pop(UNCONFIRMED, None)

        return guarded  # type: ignore[return-value]

    return decorator


def sensitive_post(blueprint: Any, rule: str, *roles: str) -> Callable[[F], F]:
    """A form posted to `rule` of `blueprint` by one of `roles`, and a sensitive action (its
    form asks for the password again when the sign-in is old: `recent_login_required`)."""

    def declare(view: F) -> F:
        return blueprint.route(rule, methods=["POST"])(
            roles_required(*roles)(recent_login_required()(view))
        )

    return declare


def _refuse_unconfirmed_commit(session_: Any) -> None:
    if session_.info.get(UNCONFIRMED):
        raise Forbidden("This action needs your password again; nothing was changed.")


event.listen(db.session, "before_commit", _refuse_unconfirmed_commit)

"""Who may use which route. Deny by default.

Every view declares its audience with one of the decorators below. A request to an endpoint
that declares nothing is refused with 403, so a forgotten declaration fails closed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, abort, redirect, request, url_for
from flask_login import current_user

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

"""Error pages in the site's layout."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from fund.labels import N_
from fund.query_args import IN_THE_ADDRESS, BadQueryValue
from fund.sentences import said_marked

# Each error page's title and sentence, translated when the page is shown (`page`).
MESSAGES = {
    400: (
        N_("Bad request"),
        N_("The request could not be understood. Please go back and try again."),
    ),
    401: (N_("Sign-in required"), N_("Please sign in to continue.")),
    403: (N_("Access denied"), N_("You do not have permission to see this page.")),
    404: (N_("Page not found"), N_("The page you asked for does not exist or has moved.")),
    405: (N_("Not allowed"), N_("This page cannot be used that way.")),
    409: (
        N_("Changed meanwhile"),
        N_("Someone else changed this record. Reload it and try again."),
    ),
    413: (N_("Too large"), N_("The file or form you sent is larger than the fund accepts.")),
    500: (N_("Something went wrong"), N_("An unexpected error occurred. Nothing was changed.")),
}


def error_title(code: int, default: str = "") -> str:
    """The title of an error of status `code` as declared (English: the JSON API says it so, a
    page in its language), else `default`."""
    return MESSAGES[code][0] if code in MESSAGES else default


CONFLICT_TITLE = N_("Changed at the same moment")
CONFLICT_MESSAGE = N_(
    "Someone else acted on this at the same moment and their change came first, so nothing of "
    "yours was saved. Reload the page to see where things stand, then try again if it is "
    "still needed."
)
CSRF_TITLE = N_("Form expired")
CSRF_MESSAGE = N_(
    "The form was missing its security token, or it had expired. "
    "Go back, reload the page and try again. Nothing was changed."
)
BAD_ADDRESS_TITLE = N_("Unusable address")


def page(code: int, title: str, message: str):
    """The error page, its title and sentence in the page's language (a text the catalogs do
    not hold, such as a description from Werkzeug, reads as it is)."""
    return render_template(
        "errors/error.html", code=code, title=said_marked(title), message=said_marked(message)
    ), code


# PostgreSQL: serialization failure, deadlock, lock not available, statement or lock timeout.
CONTENTION_SQLSTATES = frozenset({"40001", "40P01", "55P03", "57014"})
CONTENTION_MESSAGES = ("database is locked", "database table is locked")


def is_contention(error: OperationalError) -> bool:
    """Whether the database refused because of another transaction, not a fault."""
    original = getattr(error, "orig", None)
    if getattr(original, "sqlstate", None) in CONTENTION_SQLSTATES:
        return True
    text = str(original or error).lower()
    return any(message in text for message in CONTENTION_MESSAGES)


# An error's answer under a path prefix other than a page (the JSON API's problem details):
# (prefix, function of the status, the title and the sentence) in app.extensions.
RENDERERS = "fund_error_renderers"
Renderer = Callable[[int, str, str], object]


def register_renderer(app: Flask, prefix: str, renderer: Renderer) -> None:
    """Answer errors of the requests under `prefix` with `renderer` instead of a page."""
    app.extensions.setdefault(RENDERERS, []).append((prefix, renderer))


def renderer_for(path: str) -> Renderer | None:
    """The renderer registered for `path`'s prefix, or None (an error page)."""
    for prefix, renderer in current_app.extensions.get(RENDERERS, ()):
        if path.startswith(prefix):
            return renderer
    return None


def _answer(code: int, title: str, message: str):
    renderer = renderer_for(request.path)
    if renderer is not None:
        return renderer(code, title, message)
    return page(code, title, message)


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return _answer(400, CSRF_TITLE, CSRF_MESSAGE)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        renderer = renderer_for(request.path)
        if renderer is not None:
            # The description says what was wrong (a query value, a missing token).
            title = error_title(code, error.name)
            return renderer(code, title, error.description or title)
        title, message = MESSAGES.get(code, (error.name, error.description or ""))
        if isinstance(error, BadQueryValue):
            # As BadQueryValue words it, in the page's language.
            said = gettext(IN_THE_ADDRESS, message=said_marked(error.message), name=error.parameter)
            return page(code, BAD_ADDRESS_TITLE, said)
        return page(code, title, message)

    @app.errorhandler(IntegrityError)
    @app.errorhandler(StaleDataError)
    @app.errorhandler(OperationalError)
    def lost_race(error: Exception):
        """A request that lost a race to another one (a unique or check constraint, a row
        changed meanwhile, a serialization failure, a lock it waited for too long) changed
        nothing: it is answered 409 with the reason. Other database failures stay errors."""
        from fund.extensions import db

        if isinstance(error, OperationalError) and not is_contention(error):
            raise error
        db.session.rollback()
        app.logger.warning("request lost a race and was refused: %s", error.__class__.__name__)
        return _answer(409, CONFLICT_TITLE, CONFLICT_MESSAGE)

    @app.errorhandler(500)
    def server_error(error):
        from fund.extensions import db

        db.session.rollback()
        title, message = MESSAGES[500]
        return _answer(500, title, message)

"""Error pages in the site's layout."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from fund.query_args import BadQueryValue

MESSAGES = {
    400: ("Bad request", "The request could not be understood. Please go back and try again."),
    401: ("Sign-in required", "Please sign in to continue."),
    403: ("Access denied", "You do not have permission to see this page."),
    404: ("Page not found", "The page you asked for does not exist or has moved."),
    405: ("Not allowed", "This page cannot be used that way."),
    409: ("Changed meanwhile", "Someone else changed this record. Reload it and try again."),
    413: ("Too large", "The file or form you sent is larger than the fund accepts."),
    500: ("Something went wrong", "An unexpected error occurred. Nothing was changed."),
}


CONFLICT_TITLE = "Changed at the same moment"
CONFLICT_MESSAGE = (
    "Someone else acted on this at the same moment and their change came first, so nothing of "
    "yours was saved. Reload the page to see where things stand, then try again if it is "
    "still needed."
)
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


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        message = (
            "The form was missing its security token, or it had expired. "
            "Go back, reload the page and try again. Nothing was changed."
        )
        return render_template(
            "errors/error.html", code=400, title="Form expired", message=message
        ), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        title, message = MESSAGES.get(code, (error.name, error.description or ""))
        if isinstance(error, BadQueryValue):
            title, message = "Unusable address", error.description
        return render_template("errors/error.html", code=code, title=title, message=message), code

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
        return render_template(
            "errors/error.html", code=409, title=CONFLICT_TITLE, message=CONFLICT_MESSAGE
        ), 409

    @app.errorhandler(500)
    def server_error(error):
        from fund.extensions import db

        db.session.rollback()
        title, message = MESSAGES[500]
        return render_template("errors/error.html", code=500, title=title, message=message), 500

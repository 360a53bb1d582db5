"""Error pages in the site's layout."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

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
        return render_template("errors/error.html", code=code, title=title, message=message), code

    @app.errorhandler(500)
    def server_error(error):
        from fund.extensions import db

        db.session.rollback()
        title, message = MESSAGES[500]
        return render_template("errors/error.html", code=500, title=title, message=message), 500

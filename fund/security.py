"""Security headers on every response, and input no page can use refused up front."""

from __future__ import annotations

from flask import Flask, Response, request
from flask_login import current_user

from fund.errors import page, renderer_for
from fund.labels import N_

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


NUL_TITLE = N_("Unusable character")
NUL_MESSAGE = N_(
    "What you sent contains a NUL character (often pasted from another program), which the "
    "fund cannot store. Remove it and try again. Nothing was changed."
)


def _contains_nul(*sources) -> bool:
    return any(
        "\x00" in key or "\x00" in value
        for source in sources
        for key, value in source.items(multi=True)
    )


def init_app(app: Flask) -> None:
    @app.before_request
    def refuse_nul_characters():
        """No text field holds NUL, and PostgreSQL cannot store it: refuse it (400), rather
        than fail with a server error at the database. Uploaded files are not concerned."""
        if _contains_nul(request.args, request.form):
            renderer = renderer_for(request.path)
            if renderer is not None:
                return renderer(400, NUL_TITLE, NUL_MESSAGE)  # the API answers in English
            return page(400, NUL_TITLE, NUL_MESSAGE)
        return None

    @app.after_request
    def set_security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if response.mimetype == "text/html" and current_user.is_authenticated:
            # A signed-in page is the user's alone: no copy in the browser's or a proxy's
            # cache for the back button or the next user of the computer to show.
            headers["Cache-Control"] = "no-store"
        if app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response

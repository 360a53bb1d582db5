"""What every JSON API answer shares: problem details for errors, the bearer token, the rate
limit, the opaque cursors and the answer with its ETag.

- Errors are RFC 9457 problem details (`application/problem+json`): `type`, `title`,
  `status`, `detail`.
- A token is sent as `Authorization: Bearer fund_...`; the session cookie never counts.
- Rate limit: a fixed window of one minute per token (per client address without one), kept in
  the process's memory: API_RATE_LIMIT requests a minute with a token, API_ANONYMOUS_RATE_LIMIT
  without. With several worker processes each keeps its own count. Past the limit: 429 with
  Retry-After (seconds to the window's end).
- Cursors are opaque: base64url of `v1:<id>`, the last id of the page before (keyset on id).
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from fund.accounts.models import User
from fund.accounts.throttle import client_address
from fund.accounts.tokens import ApiToken, authenticate
from fund.errors import error_title, is_contention
from fund.extensions import db, utcnow
from fund.routing import MAX_ID

PROBLEM = "application/problem+json"
PREFIX = "/api/v1"


class Problem(HTTPException):
    """An API error answered as problem details; `headers` are added to the answer."""

    def __init__(
        self, status: int, detail: str, headers: dict | None = None, *, title: str = ""
    ) -> None:
        super().__init__(description=detail)
        self.code = status
        self.title = title or error_title(status)
        self.extra_headers = headers or {}

    def get_response(self, environ=None, scope=None) -> Response:  # type: ignore[override]
        response = problem_response(self.code or 500, self.title, self.description or "")
        response.headers.update(self.extra_headers)
        return response


def problem_response(status: int, title: str, detail: str) -> Response:
    body = {"type": "about:blank", "title": str(title), "status": status, "detail": str(detail)}
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="fund"'
    return response


def bad_request(detail: str) -> Problem:
    return Problem(400, detail)


# The token ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    """Who calls: the token's user and the token, or nobody (a public call without a token)."""

    token: ApiToken | None

    @property
    def user(self) -> User | None:
        return self.token.user if self.token is not None else None


def caller() -> Caller:
    """The token of the Authorization header, checked (401 if given and not usable)."""
    header = request.headers.get("Authorization")
    if header is None:
        return Caller(None)
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Problem(401, "Send a token as “Authorization: Bearer <token>”.")
    row = authenticate(token.strip(), now=utcnow())
    if row is None:
        raise Problem(401, "The token is unknown, revoked or expired.")
    if db.session.dirty:
        try:
            db.session.commit()  # its last use
        except OperationalError as error:
            if not is_contention(error):
                raise
            db.session.rollback()  # busy: the next request records the last use
    return Caller(row)


# The rate limit -------------------------------------------------------------------------------

WINDOW_SECONDS = 60
_COUNTS = "fund_api_counts"
_LOCK = threading.Lock()


def init_app(app: Flask) -> None:
    app.extensions[_COUNTS] = {}


def count_request(who: Caller) -> dict[str, str]:
    """Count this request in its caller's window; the rate headers, or 429 past the limit."""
    if who.token is not None:
        key, limit = f"token:{who.token.id}", int(current_app.config["API_RATE_LIMIT"])
    else:
        key = f"address:{client_address()}"
        limit = int(current_app.config["API_ANONYMOUS_RATE_LIMIT"])
    window = int(time.time()) // WINDOW_SECONDS
    counts: dict[str, tuple[int, int]] = current_app.extensions[_COUNTS]
    with _LOCK:
        if len(counts) > 10_000:  # old windows of callers gone quiet
            counts.clear()
        started, used = counts.get(key, (window, 0))
        used = used + 1 if started == window else 1
        counts[key] = (window, used)
    retry = (window + 1) * WINDOW_SECONDS - int(time.time())
    headers = {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(max(0, limit - used)),
    }
    if used > limit:
        raise Problem(
            429,
            f"At most {limit} requests a minute; try again in {retry} seconds.",
            headers | {"Retry-After": str(max(1, retry))},
            title="Too many requests",
        )
    return headers


# Cursors --------------------------------------------------------------------------------------


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"v1:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(text: str) -> int:
    """The id a cursor carries; 400 for anything this API did not give out."""
    refused = bad_request("The cursor is not one this API gave out: use the “next” link.")
    if not text or len(text) > 40:
        raise refused
    try:
        decoded = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise refused from None
    version, _, number = decoded.partition(":")
    if version != "v1" or not number.isascii() or not number.isdigit() or len(number) > 10:
        raise refused
    value = int(number)
    if not 0 < value <= MAX_ID:
        raise refused
    return value


def page_of(rows: list[Any], limit: int, key=lambda row: row.id) -> tuple[list[Any], str | None]:
    """The first `limit` of `rows` (read with one more) and the cursor after them, if more."""
    if len(rows) <= limit:
        return rows, None
    kept = rows[:limit]
    return kept, encode_cursor(key(kept[-1]))


# The answer -----------------------------------------------------------------------------------


def json_answer(body: Any, headers: dict[str, str], *, private: bool) -> Response:
    """`body` as JSON with its ETag; 304 when the client's If-None-Match names it."""
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    response = Response(text, mimetype="application/json")
    response.headers.update(headers)
    response.headers["Cache-Control"] = "private, no-cache" if private else "public, max-age=60"
    response.headers["Vary"] = "Authorization"
    response.add_etag()
    return response.make_conditional(request)

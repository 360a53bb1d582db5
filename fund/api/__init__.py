"""The read-only JSON API under /api/v1/: public operations and, with a personal API token
(`fund.accounts.tokens`), what the token's user may read on the pages. Its OpenAPI 3.1
document (/api/v1/openapi.json) is made from the operations' declarations
(`fund.api.registry`)."""

from __future__ import annotations

from flask import Flask

from fund.api import http
from fund.errors import register_renderer


def init_app(app: Flask) -> None:
    """The rate limit's counts and problem details for every error under /api/."""
    http.init_app(app)
    register_renderer(app, http.PREFIX + "/", http.problem_response)

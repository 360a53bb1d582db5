"""The JSON API's operations, each declared once: its path, who may call it, its query
parameters and the schema of its answer. The same declaration makes the Flask route (with the
checks every operation shares) and its entry in the OpenAPI 3.1 document (`openapi`).

A view declared with `operation` takes the path's values and the query's parameters (read and
checked here: an unknown parameter, or a value outside its schema, is a 400) and the caller's
user (`user`, None on a public call without a token); it returns what is turned into JSON.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, request

from fund.access import bearer_token, public
from fund.api import http
from fund.api.schemas import PROBLEM_SCHEMA, SCHEMAS
from fund.query_args import parse_whole_number
from fund.routing import MAX_ID

bp = Blueprint("api", __name__, url_prefix=http.PREFIX)


@bp.errorhandler(http.Problem)
def _problem(problem: http.Problem):
    """The API's own refusals, with their headers (Retry-After, WWW-Authenticate)."""
    return problem.get_response()


PAGE_LIMIT = 50  # rows a page at most; `limit` chooses fewer


@dataclass(frozen=True)
class Param:
    """A query parameter: `kind` is "integer", "string", "cursor", "enum" (`choices`) or
    "code": one of the codes `known()` answers (reference data), in either case, read in upper
    case; another is a 400 saying what is accepted (`accepted`, else the codes themselves)."""

    name: str
    description: str
    kind: str = "string"
    choices: tuple[str, ...] = ()
    minimum: int = 1
    maximum: int = MAX_ID
    max_length: int = 200
    known: Callable[[], Collection[str]] | None = None
    accepted: str = ""

    def schema(self) -> dict[str, Any]:
        if self.kind == "integer":
            return {"type": "integer", "minimum": self.minimum, "maximum": self.maximum}
        if self.kind == "enum":
            return {"type": "string", "enum": list(self.choices)}
        return {"type": "string", "maxLength": self.max_length}

    def read(self, text: str) -> Any:
        if self.kind == "integer":
            message = f"“{self.name}” is a whole number from {self.minimum} to {self.maximum}."
            try:
                return parse_whole_number(text, self.minimum, self.maximum, message)
            except ValueError:
                raise http.bad_request(message) from None
        if self.kind == "enum" and text not in self.choices:
            raise http.bad_request(f"“{self.name}” is one of: {', '.join(self.choices)}.")
        if self.kind == "cursor":
            return http.decode_cursor(text)
        if self.kind == "code" and self.known is not None:
            code = text.upper()
            known = self.known()
            if code not in known:
                accepted = self.accepted or f"one of: {', '.join(sorted(known))}"
                raise http.bad_request(f"“{self.name}” is {accepted} (in either case).")
            return code
        if len(text) > self.max_length:
            raise http.bad_request(f"“{self.name}” has at most {self.max_length} characters.")
        return text


CURSOR = Param(
    "cursor", "The `next` cursor of the page before (opaque).", kind="cursor", max_length=40
)
LIMIT = Param("limit", "Rows on the page.", kind="integer", maximum=PAGE_LIMIT)
PAGED = (CURSOR, LIMIT)


@dataclass(frozen=True)
class Operation:
    path: str  # the Flask rule under /api/v1, e.g. /proposals/<int:proposal_id>
    endpoint: str
    summary: str
    description: str
    tag: str
    schema: str  # the name of the answer's schema in SCHEMAS
    params: tuple[Param, ...] = ()
    roles: frozenset[str] | None = None  # None: public
    scope: str | None = None
    paged: bool = False

    @property
    def protected(self) -> bool:
        return self.roles is not None

    def openapi_path(self) -> str:
        parts = []
        for part in self.path.split("/"):
            if part.startswith("<") and part.endswith(">"):
                part = "{" + part[1:-1].rpartition(":")[2] + "}"
            parts.append(part)
        return http.PREFIX + "/".join(parts)

    def path_names(self) -> list[str]:
        return [
            part[1:-1].rpartition(":")[2]
            for part in self.path.split("/")
            if part.startswith("<") and part.endswith(">")
        ]


OPERATIONS: list[Operation] = []


def operation(
    path: str,
    *,
    summary: str,
    tag: str,
    schema: str,
    params: tuple[Param, ...] = (),
    roles: tuple[str, ...] | None = None,
    scope: str | None = None,
    paged: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a GET operation at `path`: public when `roles` is None, else for a token whose
    user holds one of `roles` (any signed-in user when empty) and whose scopes hold `scope`."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        declared = Operation(
            path=path,
            endpoint=f"api.{view.__name__}",
            summary=summary,
            description=(view.__doc__ or "").strip(),
            tag=tag,
            schema=schema,
            params=params + (PAGED if paged else ()),
            roles=None if roles is None else frozenset(roles),
            scope=scope,
            paged=paged,
        )
        if schema not in SCHEMAS:
            raise ValueError(f"{view.__name__}: no schema named {schema}")
        OPERATIONS.append(declared)

        @functools.wraps(view)
        def serve(**path_values: Any):
            return _serve(declared, view, path_values)

        guard = public if declared.roles is None else bearer_token(*declared.roles)
        bp.add_url_rule(path, view.__name__, guard(serve), methods=["GET"])
        return view

    return decorator


def _serve(declared: Operation, view: Callable[..., Any], path_values: dict[str, Any]):
    who = http.caller()
    user = who.user
    if declared.protected:
        if user is None:
            raise http.Problem(401, "This operation needs a personal API token.")
        if declared.roles and not user.has_role(*declared.roles):
            raise http.Problem(403, "Your account may not read this.")
        if declared.scope and declared.scope not in who.token.scope_set:  # type: ignore[union-attr]
            raise http.Problem(403, f"The token's scopes do not include “{declared.scope}”.")
    headers = http.count_request(who)
    args = _query_args(declared)
    body = view(user=user, **path_values, **args)
    return http.json_answer(body, headers, private=declared.protected or user is not None)


def _query_args(declared: Operation) -> dict[str, Any]:
    by_name = {param.name: param for param in declared.params}
    unknown = sorted(set(request.args) - set(by_name))
    if unknown:
        known = ", ".join(by_name) or "none"
        raise http.bad_request(
            f"Unknown query parameter {', '.join(unknown)}; this operation takes: {known}."
        )
    values: dict[str, Any] = {}
    for name, param in by_name.items():
        given = request.args.getlist(name)
        if len(given) > 1:
            raise http.bad_request(f"“{name}” is given more than once.")
        values[name] = param.read(given[0]) if given else None
    if declared.paged and values.get("limit") is None:
        values["limit"] = PAGE_LIMIT
    return values


def paged_body(rows: list[Any], limit: int, render: Callable[[Any], Any]) -> dict[str, Any]:
    """A page of `rows` (read with one more than `limit`) and the cursor of the next."""
    kept, cursor = http.page_of(rows, limit)
    return {"items": [render(row) for row in kept], "next": cursor}


# The OpenAPI document --------------------------------------------------------------------------

ERRORS = {
    "400": "Bad request: an unknown query parameter, a value or cursor it cannot use.",
    "401": "No usable token: missing, unknown, revoked or expired.",
    "403": "The token's user or scopes may not read this.",
    "404": "Not found, or not visible to the caller.",
    "429": "Too many requests: wait for the seconds of Retry-After.",
}


RATE_LIMIT = "Requests a minute this token (or this address, without a token) may make."
RATE_LEFT = "Requests left in this minute."


PROBLEM_CONTENT = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _responses(declared: Operation) -> dict[str, Any]:
    problem = PROBLEM_CONTENT
    responses: dict[str, Any] = {
        "200": {
            "description": "The answer; its ETag names this version.",
            "headers": {
                "ETag": {"schema": {"type": "string"}, "required": True},
                "X-RateLimit-Limit": {"description": RATE_LIMIT, "schema": {"type": "string"}},
                "X-RateLimit-Remaining": {"description": RATE_LEFT, "schema": {"type": "string"}},
            },
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{declared.schema}"}}
            },
        },
        "304": {"description": "Not modified since the ETag of If-None-Match."},
    }
    codes = ["400", "401", "429"] if not declared.protected else ["400", "401", "403", "429"]
    if declared.path_names() or declared.protected:
        codes.append("404")
    for code in sorted(codes):
        responses[code] = {"description": ERRORS[code], "content": problem}
    responses["429"]["headers"] = {
        "Retry-After": {
            "description": "Seconds until the next minute's count starts.",
            "schema": {"type": "string"},
            "required": True,
        }
    }
    responses["401"]["headers"] = {
        "WWW-Authenticate": {"schema": {"type": "string"}, "required": True}
    }
    return responses


def _parameters(declared: Operation) -> list[dict[str, Any]]:
    found = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        }
        for name in declared.path_names()
    ]
    found += [
        {
            "name": param.name,
            "in": "query",
            "required": False,
            "description": param.description,
            "schema": param.schema(),
        }
        for param in declared.params
    ]
    return found


def openapi(server_url: str = "/") -> dict[str, Any]:
    """The OpenAPI 3.1 document of every declared operation, with the configured rate limits
    (`API_RATE_LIMIT`, `API_ANONYMOUS_RATE_LIMIT`)."""
    per_token = int(current_app.config["API_RATE_LIMIT"])
    per_address = int(current_app.config["API_ANONYMOUS_RATE_LIMIT"])
    paths: dict[str, Any] = {}
    for declared in OPERATIONS:
        entry: dict[str, Any] = {
            "operationId": declared.endpoint.removeprefix("api."),
            "summary": declared.summary,
            "tags": [declared.tag],
            "parameters": _parameters(declared),
            "responses": _responses(declared),
        }
        if declared.description:
            entry["description"] = declared.description
        if declared.protected:
            entry["security"] = [{"token": []}]
        else:
            entry["security"] = [{}, {"token": []}]
        paths.setdefault(declared.openapi_path(), {})["get"] = entry
    paths[http.PREFIX + "/openapi.json"] = {
        "get": {
            "operationId": "openapi_document",
            "summary": "This document",
            "tags": ["reference"],
            "security": [{}],
            "responses": {
                "200": {
                    "description": "The OpenAPI 3.1 document of the API.",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                "400": {"description": "A query parameter was given.", "content": PROBLEM_CONTENT},
            },
        }
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Migration MPTF fund API",
            "version": "1.0.0",
            "description": (
                "Read-only. Public operations need no token; the others a personal API token "
                "(`Authorization: Bearer <token>`, made on the account page or with "
                "`flask fund api-token create`), which sees what its user sees on the pages, "
                "within its scopes. Lists are paged by an opaque `cursor` (the `next` of the "
                "page before). Each answer has an ETag: send it back in If-None-Match to get "
                "304 when nothing changed. Errors are problem details (RFC 9457). Rate limit: "
                f"{per_token} requests a minute per token, {per_address} per address without "
                "one; past it, 429 with Retry-After."
            ),
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": {"Problem": PROBLEM_SCHEMA, **SCHEMAS},
            "securitySchemes": {
                "token": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal API token (fund_...).",
                }
            },
        },
    }


def endpoints() -> set[str]:
    return {declared.endpoint for declared in OPERATIONS}

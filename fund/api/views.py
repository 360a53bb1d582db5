"""The API's blueprint: every operation (`public_endpoints`, `programme_endpoints`,
`member_endpoints`) and the OpenAPI document that describes them."""

from __future__ import annotations

from flask import jsonify, request

from fund.access import public
from fund.api import (  # noqa: F401 - they declare the operations
    member_endpoints,
    programme_endpoints,
    public_endpoints,
)
from fund.api.http import bad_request
from fund.api.registry import bp, openapi


@bp.route("/openapi.json")
@public
def openapi_document():
    """The OpenAPI 3.1 document of the operations, made from their declarations."""
    if request.args:
        raise bad_request("The document takes no query parameter.")
    return jsonify(openapi())

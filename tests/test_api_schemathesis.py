"""Property-based: every GET operation of the API's OpenAPI document, with values generated
from its parameters' schemas (Schemathesis over the WSGI application), without a token and with
a secretariat member's token, answers no server error, only declared statuses and content types,
and bodies that match the document's schemas."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from fund.accounts.tokens import create_token
from fund.extensions import db, utcnow
from tests.helpers import user

EXAMPLES = 10  # a case per operation, twice (without and with a token): about 30 s in all
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api_world(app, create_user, make_proposal):
    """Proposals in a few states (one approved by a closed round, one under review, one funded:
    a public programme), and the
    secretariat's token; no rate limit to reach."""
    app.config.update(API_RATE_LIMIT=10**6, API_ANONYMOUS_RATE_LIMIT=10**6)
    owner = create_user(roles=("applicant",), organization_acronym="ILO")
    for status in ("draft", "submitted", "committee_review", "approved", "funded"):
        make_proposal(owner, status=status, title=f"A {status} programme")
    secretariat = create_user(roles=("secretariat",), organization_acronym="IOM")
    with app.app_context():
        token = create_token(user(secretariat), "schemathesis", now=utcnow()).token
        db.session.commit()
    return app, token


def test_every_operation_answers_within_its_schema(api_world):
    app, token = api_world
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    # Every operation of the document but the document itself (Schemathesis leaves out the
    # address it read the schema from; tests/test_api.py validates that one).
    paths = set(app.test_client().get("/api/v1/openapi.json").get_json()["paths"])
    assert {operation.path for operation in operations} == paths - {"/api/v1/openapi.json"}
    calls = []

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            case.call_and_validate(checks=CHECKS)
            case.call_and_validate(checks=CHECKS, headers={"Authorization": f"Bearer {token}"})
            calls.append(case.operation.label)

        check()
    # Every operation was tried.
    assert {operation.label for operation in operations} <= set(calls)

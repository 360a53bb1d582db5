"""Property-based fuzzing of the forms: whatever is typed into any field (any Unicode, control
characters, markup, huge or empty values, or the field left out), the answer is never a server
error, and a refused submission changes nothing: every table, the audit trail included, is
exactly as it was. An accepted submission leaves an audit event for what it changed.

Each form gets a modest number of examples on each database engine, so the suite stays fast.
In the test configuration a server error is raised, not rendered, so it fails the example.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, inspect, select
from werkzeug.routing import Rule
from wtforms.fields.core import UnboundField

from fund.access import SIGNED_IN_AT
from fund.accounts.models import Organization, User
from fund.audit.models import AuditEvent
from fund.extensions import db
from fund.proposals.models import Proposal
from fund.screening.models import ScreeningCriterion
from fund.screening.operations import ensure_criteria
from tests.conftest import PASSWORD, csrf_token, login

FUZZ = settings(
    max_examples=25,
    deadline=None,
    database=None,  # nothing written to the working tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# PostgreSQL is stricter than SQLite (NUL characters, lengths) but slower to set up: fewer.
EXAMPLES = {"sqlite": 25, "postgresql": 8}


def fuzz(backend: str) -> settings:
    return settings(FUZZ, max_examples=EXAMPLES[backend])


NASTY = [
    "",
    " ",
    "\t\n\r",
    "0",
    "-1",
    "1e309",
    "NaN",
    "Infinity",
    "99999999999999999999999999999999",
    "12,34",
    "2026-02-30",
    "0000-00-00",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' OR '1'='1' --",
    "{{ 7*7 }}",
    "%s%s%s%n",
    "../../etc/passwd",
    "\x00",
    "a\x00b",
    "\u202e\u0645\u0631\u062d\u0628\u0627",
    "\ufeff",
    "😀" * 50,
    "\uff26\uff55\uff4c\uff4c\uff57\uff49\uff44\uff54\uff48",  # fullwidth letters
    "e\u0301" * 30,
]

HUGE = st.one_of(
    st.just("x" * 30_000),  # longer than any field allows
    st.text(min_size=1, max_size=3).map(lambda s: s * 10_000),
)

JUNK = st.one_of(st.text(max_size=60), st.sampled_from(NASTY), HUGE, st.integers().map(str))


def field(*plausible: Any) -> st.SearchStrategy:
    """A form value: often plausible (to get past the first checks), often junk."""
    if plausible:
        return st.one_of(st.sampled_from(plausible), JUNK)
    return JUNK


def many(*plausible: Any) -> st.SearchStrategy:
    """A multi-valued field (checkboxes, multiple select)."""
    return st.lists(field(*plausible), max_size=4)


def fields(**strategies: st.SearchStrategy) -> st.SearchStrategy:
    """A form's data; any field may also be left out."""
    return st.fixed_dictionaries({}, optional=dict(strategies))


# What the database holds --------------------------------------------------------------------


def _snapshot(app: Flask, ignore: frozenset[str] = frozenset()) -> dict[str, list]:
    """Every row of every table (that the migrations created), in primary-key order."""
    with app.app_context():
        connection = db.session.connection()
        return {
            name: [tuple(row) for row in connection.execute(statement).all()]
            for name, statement in _every_table(app)
            if name not in ignore
        }


def _every_table(app: Flask) -> list[tuple[str, Any]]:
    """Each table the migrations created, with the statement that reads it whole in
    primary-key order; found once per application (every example of a test reads the same
    tables)."""
    if "fuzz_table_reads" not in app.extensions:
        present = set(inspect(db.engine).get_table_names())
        app.extensions["fuzz_table_reads"] = [
            (table.name, table.select().order_by(*table.primary_key.columns))
            for table in db.metadata.sorted_tables
            if table.name in present
        ]
    return app.extensions["fuzz_table_reads"]


def _audit_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEvent))


def _submit(
    app: Flask,
    client: FlaskClient,
    path: str,
    data: dict[str, Any],
    *,
    ignore: frozenset[str] = frozenset(),
    audited: bool = True,
):
    before, audit_before = _snapshot(app, ignore), _audit_count(app)
    response = client.post(path, data=data)
    assert response.status_code < 500, response.status_code
    after = _snapshot(app, ignore)
    if response.status_code >= 400:
        assert after == before, f"refused with {response.status_code} but something changed"
        assert response.mimetype == "text/html"
    else:
        assert response.status_code in (200, 302, 303), response.status_code
        if audited and after != before:
            assert _audit_count(app) > audit_before, "a change without an audit event"
    return response


def _token(client: FlaskClient, path: str) -> str:
    return csrf_token(client, path)


@pytest.fixture
def everyone(app: Flask, client: FlaskClient, create_user) -> User:
    """Signed in with every role, for IOM (on the committee); the throttle out of the way."""
    app.config["LOGIN_ADDRESS_ATTEMPTS"] = 100_000
    user = create_user(
        roles=("applicant", "secretariat", "committee", "admin"), organization_acronym="IOM"
    )
    assert login(client, user.email).status_code == 302
    return user


def _org_ids(app: Flask) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(Organization.id).order_by(Organization.id)))


# The forms ----------------------------------------------------------------------------------

# A sign-in attempt writes by design: the attempt (address throttle) and, on the account, the
# failure count or the time of the last sign-in. Everything else must stay as it was.
SIGN_IN_TABLES = frozenset({"login_attempts", "users"})


def test_login_form(app, backend, client, create_user):
    app.config["LOGIN_ADDRESS_ATTEMPTS"] = 100_000
    app.config["LOGIN_LOCKOUT_ATTEMPTS"] = 100_000
    user = create_user()
    token = _token(client, "/login")

    @fuzz(backend)
    @given(fields(email=field(user.email, "nobody@example.org"), password=field(PASSWORD)))
    def run(data):
        response = _submit(
            app,
            client,
            "/login",
            data | {"csrf_token": token},
            ignore=SIGN_IN_TABLES,
            audited=False,
        )
        if response.status_code == 302:  # the right password: sign out for the next example
            client.post("/logout", data={"csrf_token": _token(client, "/")})

    run()


def test_password_confirmation_on_a_sensitive_form(app, backend, client, everyone, open_call):
    """The password a sensitive form asks for once the sign-in is stale (here: changing a
    call): whatever is sent, never a server error, and a refusal changes nothing."""
    app.config["LOGIN_LOCKOUT_ATTEMPTS"] = 100_000
    token = _token(client, f"/calls/{open_call}")

    @fuzz(backend)
    @given(
        fields(
            confirm_with_password=field(PASSWORD),
            title=field("A renamed call"),
            envelope=field("1000000.00"),
        )
    )
    def run(data):
        with client.session_transaction() as session:
            session[SIGNED_IN_AT] = int(time.time()) - 3600
        base = {
            "description": "",
            "opens_on": "2026-01-01",
            "closes_on": "2026-12-31",
            "min_budget": "500000.00",
            "max_budget": "3000000.00",
            "min_duration_months": "12",
            "max_duration_months": "36",
            "decision_rule": "consensus",
        }
        _submit(
            app,
            client,
            f"/calls/{open_call}",
            base | data | {"csrf_token": token},
            ignore=SIGN_IN_TABLES,
        )

    run()


def test_change_password_form(app, backend, client, everyone):
    token = _token(client, "/account/password")

    @fuzz(backend)
    @given(
        fields(
            current_password=field(PASSWORD),
            new_password=field("a long new passphrase"),
            confirm_password=field("a long new passphrase"),
        ),
        st.booleans(),
    )
    def run(data, repeat):
        if repeat and "new_password" in data:
            data["confirm_password"] = data["new_password"]
        _submit(app, client, "/account/password", data | {"csrf_token": token})

    run()


def test_admin_user_forms(app, backend, client, everyone, create_user):
    target = create_user(roles=("applicant",), organization_acronym="ILO")
    token = _token(client, "/admin/users/new")
    org_ids = [str(i) for i in _org_ids(app)]

    @fuzz(backend)
    @given(
        fields(
            email=field("new.person@undp.org", target.email),
            name=field("New Person"),
            organization_id=field("0", *org_ids[:5]),
            roles=many("applicant", "secretariat", "committee", "admin"),
            password=field("initial password 2026"),
            active=field("y"),
        ),
        st.sampled_from(["/admin/users/new", f"/admin/users/{target.id}"]),
    )
    def run(data, path):
        _submit(app, client, path, data | {"csrf_token": token})

    run()


def test_admin_organization_forms(app, backend, client, everyone, create_organization):
    organization = create_organization()
    token = _token(client, "/admin/organizations/new")

    @fuzz(backend)
    @given(
        fields(
            name=field("Fuzz Agency"),
            acronym=field("FA", "IOM"),
            kind=field("un_entity", "member_state", "other"),
            country_iso2=field("", "CL", "ZZ"),
            iati_org_id=field("XM-DAC-41114", ""),
            committee_member=field("y"),
            active=field("y"),
        ),
        st.sampled_from(["/admin/organizations/new", f"/admin/organizations/{organization.id}"]),
    )
    def run(data, path):
        _submit(app, client, path, data | {"csrf_token": token})

    run()


def test_new_proposal_form(app, backend, client, everyone, open_call):
    token = _token(client, "/proposals/new")

    @fuzz(backend)
    @given(fields(call_id=field(str(open_call), "0", "999"), title=field("Safe corridors")))
    def run(data):
        _submit(app, client, "/proposals/new", data | {"csrf_token": token})

    run()


def test_proposal_edit_form(app, backend, client, everyone, make_proposal):
    proposal_id = make_proposal(everyone, complete=False)
    path = f"/proposals/{proposal_id}/edit"
    token = _token(client, path)
    org_ids = [str(i) for i in _org_ids(app)[:4]]

    def current_version() -> str:
        with app.app_context():
            return str(db.session.get(Proposal, proposal_id).version)

    budget_row = {
        "organization_id": field("0", *org_ids),
        "objective_number": field("6", "0", "24"),
        "category_code": field("1", "4", "99"),
        "amount": field("1000.00", "1,000", "-5"),
        "description": field("Staff"),
    }
    contact_row = {
        "name": field("Focal Point"),
        "email": field("focal@ilo.org"),
        "function": field("Coordinator"),
    }
    principle_row = {
        "code": field("gender_responsive", "human_rights", "unknown"),
        "addressed": field("y"),
        "explanation": field("Because."),
    }
    rows = {
        f"{prefix}-{n}-{name}": strategy
        for prefix, row, count in (
            ("budget", budget_row, 2),
            ("contacts", contact_row, 1),
            ("principles", principle_row, 1),
        )
        for n in range(count)
        for name, strategy in row.items()
    }

    @fuzz(backend)
    @given(
        fields(
            title=field("Safe labour migration"),
            summary=field("Decent work."),
            rationale=field("Evidence."),
            lead_organization_id=field("0", *org_ids),
            participants=many(*org_ids),
            scope=field("", "national", "regional", "global"),
            countries=many("CL", "PE", "ZZ"),
            endorsers=many("CL", "ZZ"),
            planned_start=field("2027-01-01", "2027-13-01"),
            duration_months=field("24", "0", "121"),
            primary_objective_number=field("6", "0", "24"),
            secondary_objectives=many("18", "99"),
            gender_marker=field("", "0", "2", "3"),
            human_rights_marker=field("", "1", "9"),
            add_rows=field("y"),
            **rows,
        ),
        st.one_of(st.just("current"), field("1", "0")),
    )
    def run(data, version):
        data["version"] = current_version() if version == "current" else version
        _submit(app, client, path, data | {"csrf_token": token})

    run()


def test_concept_note_edit_form(app, backend, client, everyone):
    from fund.proposals import operations
    from tests.factories import new_open_call

    with app.app_context():
        call = new_open_call(title="Concept notes first", stage="concept_note_first")
        note = operations.create_draft(
            db.session.get(User, everyone.id), call_id=call.id, title="Note", kind="concept_note"
        )
        db.session.commit()
        note_id = note.id
    path = f"/concept-notes/{note_id}/edit"
    token = _token(client, path)
    org_ids = [str(i) for i in _org_ids(app)[:4]]

    def current_version() -> str:
        with app.app_context():
            return str(db.session.get(Proposal, note_id).version)

    partner_row = {
        "name": field("Ministry of Labour"),
        "partner_type": field("", "line_ministry", "civil_society", "unknown"),
    }
    indicative_row = {
        "organization_id": field("0", *org_ids),
        "amount": field("700000", "1,000.50", "0", "-5", "lots"),
    }
    principle_row = {
        "code": field("gender_responsive", "human_rights", "unknown"),
        "addressed": field("y"),
        "explanation": field("Because."),
    }
    rows = {
        f"{prefix}-{n}-{name}": strategy
        for prefix, row, count in (
            ("partners", partner_row, 2),
            ("indicative", indicative_row, 2),
            ("principles", principle_row, 1),
        )
        for n in range(count)
        for name, strategy in row.items()
    }

    @fuzz(backend)
    @given(
        fields(
            title=field("Fair recruitment"),
            rationale=field("Fees trap workers."),
            summary=field("No fees."),
            lead_organization_id=field("0", *org_ids),
            participants=many(*org_ids),
            endorsers=many("CL", "ZZ"),
            scope=field("", "national", "regional", "global"),
            countries=many("CL", "PE", "ZZ"),
            duration_months=field("24", "0", "121"),
            primary_objective_number=field("6", "0", "24"),
            secondary_objectives=many("18", "99"),
            gender_marker=field("", "0", "2", "3"),
            human_rights_marker=field("", "1", "9"),
            **rows,
        ),
        st.one_of(st.just("current"), field("1", "0")),
    )
    def run(data, version):
        data["version"] = current_version() if version == "current" else version
        _submit(app, client, path, data | {"csrf_token": token})

    run()


def test_call_forms(app, backend, client, everyone, open_call):
    token = _token(client, "/calls/new")

    @fuzz(backend)
    @given(
        fields(
            title=field("Second call"),
            description=field("For everyone."),
            opens_on=field("2027-01-01", "2027-02-30", "01/01/2027"),
            closes_on=field("2027-03-01", "2026-01-01"),
            envelope=field("5000000.00", "-1", "1e9"),
            min_budget=field("500000.00"),
            max_budget=field("3000000.00", "1"),
            min_duration_months=field("12", "0"),
            max_duration_months=field("36", "999"),
            decision_rule=field("majority", "unanimity", "consensus"),
            quorum=field("", "3", "0"),
        ),
        st.sampled_from(["/calls/new", f"/calls/{open_call}"]),
    )
    def run(data, path):
        _submit(app, client, path, data | {"csrf_token": token})

    run()


def test_screening_checklist_form(app, backend, client, everyone, make_proposal):
    proposal_id = make_proposal(everyone, status="screening")
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        ensure_criteria(proposal.call)
        db.session.commit()
        criterion_ids = list(
            db.session.scalars(
                select(ScreeningCriterion.id).where(ScreeningCriterion.call_id == proposal.call_id)
            )
        )[:4]
    path = f"/screening/{proposal_id}"
    token = _token(client, path)

    def current_version() -> str:
        with app.app_context():
            return str(db.session.get(Proposal, proposal_id).version)

    per_criterion: dict[str, st.SearchStrategy] = {}
    for criterion_id in criterion_ids:
        per_criterion[f"result_{criterion_id}"] = field("pass", "fail", "not_applicable", "")
        per_criterion[f"note_{criterion_id}"] = field("Checked.", "")

    @fuzz(backend)
    @given(fields(**per_criterion), st.one_of(st.just("current"), field("1", "0")))
    def run(data, version):
        data["version"] = current_version() if version == "current" else version
        _submit(app, client, path, data | {"csrf_token": token})

    run()


@pytest.mark.parametrize(
    "path_of",
    [
        lambda ids: "/login",
        lambda ids: "/calls/new",
        lambda ids: f"/proposals/{ids['proposal']}/edit",
    ],
    ids=["login", "call", "proposal"],
)
def test_a_nul_character_is_refused_without_a_server_error(
    app, backend, client, everyone, make_proposal, path_of: Callable[[dict], str]
):
    """PostgreSQL cannot store NUL: it is refused for every field before any view runs."""
    path = path_of({"proposal": make_proposal(everyone, complete=False)})
    token = _token(client, "/")
    response = _submit(app, client, path, {"csrf_token": token, "title": "bad\x00title"})
    assert response.status_code == 400
    assert "NUL character" in response.get_data(as_text=True)
    response = client.get("/proposals?q=%00")
    assert response.status_code == 400


# Route parameters and query strings ---------------------------------------------------------

# Ids at and past every edge: none, negative, the largest a database integer holds, one more,
# 2^63 and 2^64 (past SQLite's and PostgreSQL's BIGINT), 400 digits, other scripts' digits.
EDGE_IDS = ["0", "-1", "1", str(2**31 - 1), str(2**31), str(2**63), str(2**64), "9" * 400, "\u0661"]
HOSTILE_VALUES = [
    *EDGE_IDS,
    "",
    "x",
    "1.5",
    "1e3",
    "+7",
    " 2 ",
    "9999-12-31",
    "2999-12-31",
    "0001-01-01",
    "2026-02-30",
    "2026-13-01",
    "99999-01-01",
    "a\r\nb",
    "\x00",
    "//evil.example",
    "<script>",
    "😀" * 20,
    "y" * 5000,
]
QUERY_VALUE = st.one_of(
    st.sampled_from(HOSTILE_VALUES), st.text(max_size=20), st.integers().map(str)
)
# Query parameters read without their name written out in a view: the lists' page numbers and
# the allocation report's choices.
LIST_PAGES = [
    f"{name}_page" for name in ("awaiting", "voted", "recused", "pipeline", "allocations")
]
OTHER_NAMES = ["page", "call", "from", "to", "as_of"]
PERSONAS = {
    "applicant": ("applicant",),
    "secretariat": ("secretariat",),
    "committee": ("committee",),
    "admin": ("admin",),
}


def _query_names(app: Flask) -> list[str]:
    """Every query parameter a view reads: request.args in the code, the fields of the forms
    read from the query string, and the lists' page numbers."""
    from pathlib import Path

    import fund
    from fund.auditlog.views import AuditFilterForm
    from fund.coverage.forms import FilterForm, SimulatorForm

    names = {*LIST_PAGES, *OTHER_NAMES}
    for path in Path(fund.__file__).parent.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        names.update(re.findall(r"""(?:request\.args|args)\.get\(\s*["'](\w+)["']""", source))
        names.update(re.findall(r"""_arg\(\s*["'](\w+)["']""", source))
    for form in (AuditFilterForm, FilterForm, SimulatorForm):
        names.update(n for n in dir(form) if isinstance(getattr(form, n), UnboundField))
    return sorted(names - {"csrf_token"})


def _get_rules(app: Flask) -> list[Rule]:
    return sorted(
        (r for r in app.url_map.iter_rules() if "GET" in r.methods and r.endpoint != "static"),
        key=lambda r: r.rule,
    )


def _fill(rule: Rule, values: dict[str, str]) -> str:
    """The rule's path with each argument replaced by its (URL-quoted) value."""
    from urllib.parse import quote

    return re.sub(r"<(?:[^:>]+:)?(\w+)>", lambda m: quote(values[m.group(1)], safe=""), rule.rule)


def _argument_values(rule: Rule) -> dict[str, list[str]]:
    from fund.routing import RecordIdConverter

    found = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        found[name] = (
            EDGE_IDS
            if isinstance(converter, RecordIdConverter)
            else ["proposals", "x", "..", "9" * 400]
        )
    return found


def _may_reach(app: Flask, rule: Rule, roles: tuple[str, ...] | None) -> bool:
    from fund.access import access_of

    access = access_of(app, rule.endpoint)
    if access is None:
        return roles is None
    if access.public:
        return True
    if roles is None:
        return False
    return not access.roles or bool(access.roles & set(roles))


@pytest.fixture
def personas(app: Flask, create_user, make_proposal) -> dict[str | None, FlaskClient]:
    """A client per role (and one signed out), with records for the ids to find: a proposal
    of the applicant's organization in each of two states."""
    app.config["LOGIN_ADDRESS_ATTEMPTS"] = 100_000
    clients: dict[str | None, FlaskClient] = {None: app.test_client()}
    for name, roles in PERSONAS.items():
        user = create_user(
            roles=roles, organization_acronym="IOM" if name == "committee" else "ILO"
        )
        client = app.test_client()
        assert login(client, user.email).status_code == 302
        clients[name] = client
        if name == "applicant":
            make_proposal(user)
            make_proposal(user, status="submitted")
    return clients


def _check(response) -> None:
    response.get_data()  # a streamed answer (CSV) must also finish without an error
    assert response.status_code < 500, response.status_code


def test_every_route_answers_edge_ids_without_a_server_error(app, backend, personas):
    """Each route with parameters, with every edge id in each parameter, for each role that
    may use it (and signed out): 404 for an id no record can have, never 5xx."""
    requests = 0
    for rule in _get_rules(app):
        if not rule.arguments:
            continue
        options = _argument_values(rule)
        for persona, client in personas.items():
            roles = PERSONAS.get(persona) if persona else None
            if not _may_reach(app, rule, roles):
                continue
            for name, values in options.items():
                for value in values:
                    chosen = {n: (value if n == name else "1") for n in options}
                    path = _fill(rule, chosen)
                    response = client.get(path)
                    _check(response)
                    if value in EDGE_IDS[:2] + EDGE_IDS[4:] and name in rule._converters:
                        from fund.routing import RecordIdConverter

                        if isinstance(rule._converters[name], RecordIdConverter):
                            assert response.status_code == 404, (persona, path)
                    requests += 1
    assert requests > 100


def test_every_route_answers_hostile_query_strings_without_a_server_error(app, backend, personas):
    """Every GET route, with hostile values for the query parameters the views read, for each
    role that may use it: never 5xx (a value out of range is 400 with a message)."""
    rules = _get_rules(app)
    names = _query_names(app)
    assert {"page", "call", "actor", "date_from", "date_to", "as_of", "q"} <= set(names)

    @settings(FUZZ, max_examples=EXAMPLES[backend] * 4)
    @given(
        st.sampled_from(rules),
        st.sampled_from([None, *PERSONAS]),
        st.dictionaries(st.sampled_from(names), QUERY_VALUE, min_size=1, max_size=4),
        st.sampled_from(["1", "2", str(2**31)]),
    )
    def run(rule, persona, query, record_id):
        roles = PERSONAS.get(persona) if persona else None
        if not _may_reach(app, rule, roles):
            return
        path = _fill(rule, dict.fromkeys(rule.arguments, record_id))
        _check(personas[persona].get(path, query_string=query))

    run()


@pytest.mark.parametrize("value", [str(2**63), "9" * 400, "9999-12-31", "0001-01-01"])
def test_every_route_answers_each_query_value_out_of_range_without_a_server_error(
    app, backend, personas, value
):
    """Every GET route with one value out of range in every parameter the views read, for
    each role that may use it: never 5xx."""
    names = _query_names(app)
    for rule in _get_rules(app):
        path = _fill(rule, dict.fromkeys(rule.arguments, "1"))
        for persona, client in personas.items():
            if _may_reach(app, rule, PERSONAS.get(persona) if persona else None):
                _check(client.get(path, query_string=dict.fromkeys(names, value)))

"""Small helpers the test modules share: people and organizations by name, signed-in clients,
forms' CSRF tokens, row counts, audit events and the SQL statements an action or a page sends.

Functions without an `app` argument work in the caller's application context; those with one
open their own and return detached rows.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import urldefrag, urlsplit

from flask import Flask, Response
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import Engine, event, func, select

from fund.accounts.models import Organization, User
from fund.accounts.passwords import hash_password
from fund.audit.models import AuditEvent
from fund.coverage.model import CoverageRow
from fund.extensions import db, utcnow
from fund.reporting.models import ProgrammeReport

PASSWORD = "correct horse battery"
_HASHES: dict[str, str] = {}
_numbers = iter(range(1, 10**9))


def next_number() -> int:
    """A number used once in the whole test session (unique emails, names and acronyms)."""
    return next(_numbers)


# People and organizations ---------------------------------------------------------------------


def new_user(
    roles: tuple[str, ...] = ("applicant",),
    organization_acronym: str | None = "ILO",
    password: str = PASSWORD,
    **values: Any,
) -> User:
    """A new user of `organization_acronym` with `roles`, flushed (the caller commits)."""
    n = next_number()
    values.setdefault("email", f"user{n}@example.org")
    values.setdefault("name", f"User {n}")
    if password not in _HASHES:  # hashing is slow on purpose: once per password
        _HASHES[password] = hash_password(password)
    user = User(
        password_hash=_HASHES[password],
        organization=organization(organization_acronym) if organization_acronym else None,
        password_changed_at=utcnow(),
        **values,
    )
    user.set_roles(set(roles))
    db.session.add(user)
    db.session.flush()
    return user


def new_organization(**values: Any) -> Organization:
    """A new organization (a UN entity unless `kind` says otherwise), flushed."""
    n = next_number()
    values.setdefault("name", f"Test Entity {n}")
    values.setdefault("acronym", f"TE{n}")
    values.setdefault("kind", "un_entity")
    found = Organization(**values)
    db.session.add(found)
    db.session.flush()
    return found


def user(person: User | int) -> User:
    """The user (given as a detached copy or an id) in the caller's session."""
    return db.session.get(User, getattr(person, "id", person))


def user_by_email(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def detached_user(app: Flask, user_id: int) -> User:
    """The user as stored now, read in a context of its own and detached."""
    with app.app_context():
        found = db.session.get(User, user_id)
        db.session.expunge(found)
        return found


def organization(acronym: str) -> Organization:
    return db.session.scalar(select(Organization).where(Organization.acronym == acronym))


def org_id(acronym: str, app: Flask | None = None) -> int:
    """The id of the organization with this acronym (in a context of `app`'s own if given)."""
    if app is not None:
        with app.app_context():
            return org_id(acronym)
    return db.session.scalar(select(Organization.id).where(Organization.acronym == acronym))


# Clients ----------------------------------------------------------------------------------------


def csv_text(response: Response) -> str:
    """The text of a CSV download as a spreadsheet program reads it: UTF-8 after its byte
    order mark."""
    return response.get_data().decode("utf-8-sig")


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """Fetch a page and read the CSRF token from its form."""
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: FlaskClient, email: str, password: str = PASSWORD):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def upload(
    client: FlaskClient,
    proposal_id: int,
    data: bytes,
    filename: str,
    kind: str = "concept_note",
    country: str = "",
):
    """Send a file with the proposal page's upload form."""
    token = csrf_token(client, f"/proposals/{proposal_id}")
    return client.post(
        f"/proposals/{proposal_id}/attachments",
        data={
            "upload-csrf_token": token,
            "upload-kind": kind,
            "upload-country_iso2": country,
            "upload-file": (io.BytesIO(data), filename),
        },
        content_type="multipart/form-data",
    )


def edit_form(client: FlaskClient, proposal_id: int) -> dict[str, object]:
    """The proposal's edit form as a browser would submit it, unchanged (see `edit_form_from`)."""
    return edit_form_from(client.get(f"/proposals/{proposal_id}/edit").get_data(as_text=True))


def edit_form_from(page: str) -> dict[str, object]:
    """The edit form of a proposal's page as a browser would submit it, unchanged: ticked boxes
    only (a list of the values of each list of checkboxes), the chosen options of each select
    (the first option of a single select with none chosen); the upload form and the workflow's
    forms (trigger, back, comment) are left out."""
    data: dict[str, object] = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name is None or 'type="submit"' in tag:
            continue
        if 'type="checkbox"' in tag:
            if re.search(r"\bchecked\b", tag):
                data.setdefault(name.group(1), []).append(value.group(1) if value else "y")
        else:
            data.setdefault(name.group(1), value.group(1) if value else "")
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', page):
        data[name] = body.strip()
    for attrs, body in re.findall(r"<select([^>]*)>(.*?)</select>", page, re.S):
        name = re.search(r'name="([^"]+)"', attrs).group(1)
        chosen = re.findall(r'<option selected value="([^"]*)"', body) + re.findall(
            r'<option value="([^"]*)" selected', body
        )
        if "multiple" in attrs:
            data[name] = chosen
        else:
            first = re.search(r'<option[^>]*value="([^"]*)"', body)
            data[name] = chosen[0] if chosen else (first.group(1) if first else "")
    # A single ticked box (a BooleanField) sends "y"; the editor's other forms are left out.
    for key in [k for k, v in data.items() if isinstance(v, list) and v == ["y"]]:
        data[key] = "y"
    return {
        k: v
        for k, v in data.items()
        if not k.startswith("upload-") and k not in ("trigger", "back", "comment")
    }


def client_for(app: Flask, person: User) -> FlaskClient:
    """A new client signed in as `person`."""
    client = app.test_client()
    assert login(client, person.email).status_code == 302
    return client


# Reading back ---------------------------------------------------------------------------------


def count_rows(model: Any, app: Flask | None = None) -> int:
    """How many rows `model` has (in a context of `app`'s own if given)."""
    if app is not None:
        with app.app_context():
            return count_rows(model)
    return db.session.scalar(select(func.count()).select_from(model))


def audit_events(app: Flask, action: str, subject_id: int | None = None) -> list[AuditEvent]:
    """The audit events of `action` (about `subject_id` if given) in order, detached."""
    with app.app_context():
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        if subject_id is not None:
            query = query.where(AuditEvent.subject_id == str(subject_id))
        events = list(db.session.scalars(query))
        db.session.expunge_all()
        return events


def first_report(proposal_id: int, kind: str) -> ProgrammeReport | None:
    """The programme's report of `kind` due first."""
    return db.session.scalars(
        select(ProgrammeReport)
        .where(ProgrammeReport.proposal_id == proposal_id, ProgrammeReport.kind == kind)
        .order_by(ProgrammeReport.due_on)
    ).first()


def pdf_text(data: bytes) -> tuple[PdfReader, str]:
    """A PDF's reader and its text. Arabic is drawn in its joined (presentation) forms, and
    ligatures may be: NFKC gives the letters back."""
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(unicodedata.normalize("NFKC", p.extract_text()) for p in reader.pages)
    return reader, text


def count_statements(app: Flask, action: Callable[[], object]) -> int:
    """How many SQL statements `action()` sends, run in an application context of `app`."""
    statements = []

    def count(*_args: Any) -> None:
        statements.append(1)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            action()
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def counted_get(client: FlaskClient, engine: Engine, url: str) -> tuple[Response, int]:
    """The response to a second GET of `url` (the first does what is done once, not the page's
    own work) and how many SQL statements it sent."""
    client.get(url)
    counted = [0]

    def count(*_args: Any) -> None:
        counted[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return response, counted[0]


def grant_agent_role(app: Flask, person: User | str) -> None:
    """Give `person` (or the user of that email) the administrative agent's role besides their
    own: the agent records the money (contributions and their voids) behind the firewall
    between the roles."""
    with app.app_context():
        if isinstance(person, str):
            found = db.session.scalar(select(User).where(User.email == person))
        else:
            found = db.session.get(User, person.id)
        found.set_roles(set(found.roles) | {"administrative_agent"})
        db.session.commit()


def form_keys(client: FlaskClient, path: str, action: str) -> dict[str, str]:
    """The CSRF token and the one-time key of the form of `path` that posts to `action`."""
    page = client.get(path).get_data(as_text=True)
    form = re.search(rf'<form[^>]*action="{re.escape(action)}".*?</form>', page, re.S)
    assert form, f"no form posting to {action} on {path}"
    key = re.search(r'name="form_key" value="([^"]+)"', form.group(0))
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.group(0))
    assert key and token, f"the form posting to {action} lacks its keys"
    return {"csrf_token": token.group(1), "form_key": key.group(1)}


def coverage_row(key: str, label: str, **values: Any) -> CoverageRow:
    """A coverage row (an objective's, by default with nothing funded, approved or under review
    and the equal target of 1/23 rounded as the reports show it), with `values` changed."""
    zero = Decimal(0)
    made: dict[str, Any] = {
        "key": key,
        "label": label,
        "title": "",
        "funded": zero,
        "pipeline": zero,
        "review": zero,
        "programmes": 0,
        "pipeline_programmes": 0,
        "review_programmes": 0,
        "share": zero,
        "target": Decimal("0.0435"),
        "flag": None,
    }
    return CoverageRow(**(made | values))


# Links ----------------------------------------------------------------------------------------

HREF = re.compile(r'<a\b[^>]*\bhref="([^"#][^"]*|#[^"]*)"')


def internal_links(html: str) -> set[str]:
    """The site's own addresses the page's links lead to (no fragment, no static file)."""
    links = set()
    for href in HREF.findall(html):
        href = urldefrag(href.replace("&amp;", "&"))[0]
        parts = urlsplit(href)
        if not href or parts.scheme or parts.netloc or not href.startswith("/"):
            continue
        if href.startswith("/static/"):
            continue
        links.add(href)
    return links


def demo_client(app, prepared_demo, account: str):
    """A client signed in as one of the demo set's accounts (the set seeded once per worker)."""
    assert prepared_demo.data("sqlite").exit_code == 0
    client = app.test_client()
    assert login(client, account, "migration-fund-demo").status_code == 302
    return client

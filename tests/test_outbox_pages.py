"""The email outbox for administrators (`/admin/outbox`) and `flask fund mail list`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from fund.extensions import db
from fund.notifications.models import OutboxMessage
from fund.notifications.outbox import keep_in_outbox
from tests.helpers import counted_get

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _message(n: int, state: str = "waiting", **values) -> OutboxMessage:
    """An outbox message written `n` minutes before NOW, in `state`."""
    written = NOW - timedelta(minutes=n)
    row = OutboxMessage(
        kind="submission_received",
        to_email=values.pop("to_email", f"person{n}@example.org"),
        subject=values.pop("subject", f"Message {n}"),
        text_body=values.pop("text_body", f"Hello {n}.\nThe second line."),
        html_body=values.pop("html_body", f"<p>Hello {n}.</p>"),
        created_at=written,
        attempts=values.pop("attempts", 0),
        next_attempt_at=written,
        **values,
    )
    if state == "sent":
        row.sent_at, row.next_attempt_at, row.attempts = written, None, max(row.attempts, 1)
    elif state == "given-up":
        row.next_attempt_at = None
        row.last_error = row.last_error or "given up after 20 attempts: 550 no such mailbox"
    return row


def _add(app: Flask, *rows: OutboxMessage) -> list[int]:
    with app.app_context():
        db.session.add_all(rows)
        db.session.flush()
        for row in rows:  # a null next attempt is written as the column's default at first
            if row.last_error and row.sent_at is None:
                row.next_attempt_at = None
        keep_in_outbox(db.session)  # as written: not delivered after the commit
        db.session.commit()
        return [row.id for row in rows]


@pytest.fixture
def admin(login_as):
    return login_as("admin", organization_acronym=None)


def test_the_administrator_reads_the_outbox_newest_first(app: Flask, client: FlaskClient, admin):
    _add(
        app,
        _message(30, "sent", to_email="old@example.org", subject="The oldest"),
        _message(1, "given-up", to_email="lost@example.org", subject="Lost", attempts=20),
        _message(10, "waiting", to_email="wait@example.org", subject="Still trying", attempts=2),
    )
    response = client.get("/admin/outbox")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.index("Lost") < page.index("Still trying") < page.index("The oldest")
    assert "lost@example.org" in page and "550 no such mailbox" in page
    assert ">Given up<" in page and ">Waiting<" in page and ">Sent<" in page
    assert "Emails found: 3, page 1 of 1." in page
    # Linked from the administration menu.
    assert 'href="/admin/outbox"' in client.get("/").get_data(as_text=True)


def test_the_outbox_is_filtered_by_state_and_recipient(app: Flask, client: FlaskClient, admin):
    _add(
        app,
        _message(1, "sent", to_email="Ana.Lima@ilo.org", subject="Sent to Ana"),
        _message(2, "given-up", to_email="ana.lima@ilo.org", subject="Lost for Ana"),
        _message(3, "waiting", to_email="bob@undp.org", subject="Waiting for Bob"),
        _message(4, "given-up", to_email="bob@undp.org", subject="Lost for Bob"),
    )
    page = client.get("/admin/outbox?state=given-up").get_data(as_text=True)
    assert "Lost for Ana" in page and "Lost for Bob" in page
    assert "Sent to Ana" not in page and "Waiting for Bob" not in page
    page = client.get("/admin/outbox?to=ANA.LIMA").get_data(as_text=True)
    assert "Sent to Ana" in page and "Lost for Ana" in page and "Bob" not in page
    page = client.get("/admin/outbox?state=waiting&to=undp").get_data(as_text=True)
    assert "Waiting for Bob" in page and "Lost for Bob" not in page and "Ana" not in page
    assert '<option value="waiting" selected>' in page and 'value="undp"' in page
    page = client.get("/admin/outbox?state=sent&to=bob").get_data(as_text=True)
    assert "No email matches these filters." in page
    # A % or _ typed is a character of the address, not a wildcard.
    assert "No email matches" in client.get("/admin/outbox?to=%25").get_data(as_text=True)


def test_the_outbox_pages_keep_the_filters(app: Flask, client: FlaskClient, admin):
    _add(app, *[_message(n, "given-up", to_email=f"p{n}@ilo.org") for n in range(30)])
    _add(app, _message(100, "sent", to_email="p100@ilo.org"))
    first = client.get("/admin/outbox?state=given-up&to=ilo").get_data(as_text=True)
    assert "Emails found: 30, page 1 of 2." in first
    assert "/admin/outbox?page=2&amp;state=given-up&amp;to=ilo" in first
    second = client.get("/admin/outbox?page=2&state=given-up&to=ilo").get_data(as_text=True)
    assert "p29@ilo.org" in second and "p0@ilo.org" not in second and "p100" not in second


@pytest.mark.parametrize(
    "query",
    ["state=nope", "state=sent&state=waiting", "to=" + "a" * 255, "page=" + "9" * 40],
)
def test_bad_filters_answer_400_with_what_is_accepted(client: FlaskClient, admin, query):
    response = client.get(f"/admin/outbox?{query}")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert any(
        message in text
        for message in (
            "Choose a state from the list.",
            "Choose one value only",
            "An email address is at most 254 characters.",
            "A page number is a whole number",
        )
    )


def test_a_message_shows_its_text_escaped_never_its_html(app: Flask, client: FlaskClient, admin):
    (message_id,) = _add(
        app,
        _message(
            1,
            "given-up",
            to_email="ana@ilo.org",
            subject="Your <b>proposal</b>",
            text_body="Dear Ana,\n\n<script>alert(1)</script> & more\n  indented",
            html_body="<p class='html-only'>HTML VERSION</p>",
            attempts=20,
        ),
    )
    page = client.get(f"/admin/outbox/{message_id}").get_data(as_text=True)
    assert "Your &lt;b&gt;proposal&lt;/b&gt;" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more\n  indented" in page
    assert "<script>alert(1)" not in page
    assert "HTML VERSION" not in page and "html-only" not in page
    assert "ana@ilo.org" in page and "550 no such mailbox" in page
    assert 'id="email-state">Given up<' in page
    assert client.get("/admin/outbox/999999").status_code == 404
    listed = client.get("/admin/outbox").get_data(as_text=True)
    assert f'href="/admin/outbox/{message_id}"' in listed


@pytest.mark.parametrize("roles", [("secretariat",), ("applicant",), ("committee",)])
def test_only_administrators_read_the_outbox(app: Flask, client: FlaskClient, login_as, roles):
    (message_id,) = _add(app, _message(1))
    login_as(*roles, organization_acronym="IOM")
    assert client.get("/admin/outbox").status_code == 403
    assert client.get(f"/admin/outbox/{message_id}").status_code == 403


def test_a_visitor_is_sent_to_sign_in(app: Flask, client: FlaskClient):
    (message_id,) = _add(app, _message(1))
    for path in ("/admin/outbox", f"/admin/outbox/{message_id}"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_outbox_reads_a_fixed_number_of_statements(app: Flask, client: FlaskClient, admin):
    with app.app_context():
        engine = db.engine
    found = {}
    for size in (3, 40):
        with app.app_context():
            db.session.query(OutboxMessage).delete()
            db.session.commit()
        _add(app, *[_message(n, ("sent", "waiting", "given-up")[n % 3]) for n in range(size)])
        for query in ("", "?state=given-up&to=example"):
            response, found[(size, query)] = counted_get(client, engine, f"/admin/outbox{query}")
            assert response.status_code == 200
    assert found[(3, "")] == found[(40, "")], found
    assert found[(3, "?state=given-up&to=example")] == found[(40, "?state=given-up&to=example")]


# flask fund mail list -------------------------------------------------------------------------


def test_mail_list_prints_one_line_per_message(app: Flask):
    _add(
        app,
        _message(1, "given-up", to_email="ana@ilo.org", subject="Lost\tfor Ana", attempts=20),
        _message(2, "sent", to_email="bob@undp.org", subject="Sent to Bob"),
        _message(3, "waiting", to_email="ana@ilo.org", subject="Waiting for Ana", attempts=2),
    )
    runner = app.test_cli_runner()
    result = runner.invoke(args=["fund", "mail", "list"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "2026-03-02 09:29 UTC\tgiven-up\t20\tana@ilo.org\tLost for Ana",
        "2026-03-02 09:28 UTC\tsent\t1\tbob@undp.org\tSent to Bob",
        "2026-03-02 09:27 UTC\twaiting\t2\tana@ilo.org\tWaiting for Ana",
    ]
    result = runner.invoke(args=["fund", "mail", "list", "--to", "ANA@", "--state", "waiting"])
    assert result.output.splitlines() == [
        "2026-03-02 09:27 UTC\twaiting\t2\tana@ilo.org\tWaiting for Ana"
    ]
    result = runner.invoke(args=["fund", "mail", "list", "--limit", "1"])
    assert len(result.output.splitlines()) == 1 and "Lost for Ana" in result.output
    result = runner.invoke(args=["fund", "mail", "list", "--state", "given-up", "--to", "bob"])
    assert result.exit_code == 0 and "No email matches." in result.output


@pytest.mark.parametrize("args", [["--state", "nope"], ["--limit", "0"], ["--limit", "x"]])
def test_mail_list_refuses_bad_options(app: Flask, args):
    result = app.test_cli_runner().invoke(args=["fund", "mail", "list", *args])
    assert result.exit_code == 2

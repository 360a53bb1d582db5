"""The audit trail: hash chain, tamper detection, append-only enforcement, log page, export."""

from __future__ import annotations

import csv
import io
import itertools
import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from fund.accounts.models import Organization, User
from fund.audit import queries
from fund.audit.models import GENESIS_HASH, AuditEvent
from fund.audit.operations import add_recorded, compute_hash, record
from fund.auditlog import queries as log_queries
from fund.extensions import db
from tests.helpers import csv_text


def _record_events(app, count: int, **values) -> list[str]:
    """Append `count` committed events; returns their hashes in order."""
    with app.app_context():
        hashes = []
        for n in range(1, count + 1):
            recorded = record(
                values.get("action", "proposal_submitted"),
                values.get("subject_type", "proposal"),
                values.get("subject_id", n),
                None,
                from_state="draft",
                to_state="submitted",
                comment=f"event number {n}",
                details={"n": n},
            )
            hashes.append(recorded.hash)
        db.session.commit()
        return hashes


def _tamper(app, *statements: str) -> None:
    """Change audit rows behind the application's back, as an attacker with SQL access would.

    On PostgreSQL the append-only triggers are disabled for this transaction only
    (session_replication_role = replica needs a superuser, which the test user is).
    """
    with app.app_context(), db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        for statement in statements:
            conn.execute(text(statement))


def _verify(app, batch_size: int = 1000) -> queries.ChainReport:
    with app.app_context():
        return queries.verify_chain(batch_size=batch_size)


def _run_verify(app):
    return app.test_cli_runner().invoke(args=["fund", "audit", "verify"])


# --- the chain ------------------------------------------------------------------------------


def test_record_chains_events_with_contiguous_ids(app, backend):
    hashes = _record_events(app, 4)
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [r.id for r in rows] == [1, 2, 3, 4]
        assert rows[0].prev_hash == GENESIS_HASH
        for previous, current in itertools.pairwise(rows):
            assert current.prev_hash == previous.hash
        assert [r.hash for r in rows] == hashes
        assert all(compute_hash(r.prev_hash, r) == r.hash for r in rows)
        assert len(set(hashes)) == 4
        assert rows[0].occurred_at.tzinfo is not None


def test_add_recorded_adds_the_row_and_records_its_event(app):
    with app.app_context():
        org = add_recorded(
            Organization(name="Recorded org", kind="other"),
            "organization_added",
            "organization",
            details=lambda row: {"id": row.id, "name": row.name},
            comment="added",
        )
        assert org.id is not None
        assert db.session.get(Organization, org.id) is org
        event_ = db.session.scalars(select(AuditEvent)).one()
        assert (event_.action, event_.subject_type, event_.subject_id) == (
            "organization_added",
            "organization",
            str(org.id),
        )
        assert event_.details == {"id": org.id, "name": "Recorded org"}
        assert event_.comment == "added"
        other = add_recorded(
            Organization(name="Second org", kind="other"),
            "organization_named",
            "call",
            subject_id=7,
            details={"n": 1},
        )
        last = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert other.id is not None
        assert (last.subject_type, last.subject_id, last.details) == ("call", "7", {"n": 1})


def test_verify_an_empty_trail(app):
    report = _verify(app)
    assert report == queries.ChainReport(True, 0, None)
    with app.app_context():
        assert queries.head() is None


def test_verify_a_fresh_chain_is_intact_with_its_head(app, backend):
    hashes = _record_events(app, 5)
    report = _verify(app, batch_size=2)  # several keyset pages
    assert report.intact
    assert report.count == 5
    assert report.head_hash == hashes[-1]
    assert report.broken_at_id is None and report.problem is None
    with app.app_context():
        assert queries.head() == (5, hashes[-1])


def test_verify_reads_in_keyset_pages(app):
    _record_events(app, 5)
    statements: list[str] = []
    with app.app_context():

        def remember(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", remember)
        try:
            report = queries.verify_chain(batch_size=2)
        finally:
            event.remove(db.engine, "before_cursor_execute", remember)
    assert report.intact and report.count == 5
    selects = [s for s in statements if "FROM audit_events" in s]
    # pages of 2, 2, 1 and a final empty page; each one bounded by id and LIMIT
    assert len(selects) == 4
    assert all("audit_events.id >" in s and "LIMIT" in s for s in selects)


def test_verify_finds_an_edited_row(app, backend):
    _record_events(app, 5)
    _tamper(app, "UPDATE audit_events SET comment = 'nothing happened' WHERE id = 4")
    report = _verify(app, batch_size=2)
    assert not report.intact
    assert report.broken_at_id == 4
    assert report.problem == "event 4 was altered: its content does not match its hash"
    assert report.count == 3


def test_verify_finds_an_edited_row_whose_hash_was_recomputed(app, backend):
    _record_events(app, 5)
    with app.app_context():
        forged = db.session.get(AuditEvent, 3)
        forged.comment = "forged"
        new_hash = compute_hash(forged.prev_hash, forged)
        db.session.rollback()
    _tamper(app, f"UPDATE audit_events SET comment = 'forged', hash = '{new_hash}' WHERE id = 3")
    report = _verify(app)
    assert (report.intact, report.broken_at_id) == (False, 4)
    assert report.problem == "event 4 does not follow event 3 (reordered or deleted)"


def test_verify_finds_a_deleted_row(app, backend):
    _record_events(app, 6)
    _tamper(app, "DELETE FROM audit_events WHERE id = 5")
    report = _verify(app, batch_size=2)
    assert (report.intact, report.broken_at_id) == (False, 5)
    assert report.problem == "event 5 is missing (deleted?)"


def test_verify_finds_a_deleted_first_row(app, backend):
    _record_events(app, 3)
    _tamper(app, "DELETE FROM audit_events WHERE id = 1")
    report = _verify(app)
    assert (report.intact, report.broken_at_id) == (False, 1)
    assert report.problem == "event 1 is missing (deleted?)"


def test_verify_finds_rows_whose_ids_were_swapped(app, backend):
    _record_events(app, 5)
    _tamper(
        app,
        "UPDATE audit_events SET id = 0 WHERE id = 3",
        "UPDATE audit_events SET id = 3 WHERE id = 4",
        "UPDATE audit_events SET id = 4 WHERE id = 0",
    )
    report = _verify(app)
    assert (report.intact, report.broken_at_id) == (False, 3)
    assert report.problem == "event 3 does not follow event 2 (reordered or deleted)"


def test_verify_finds_rows_whose_contents_were_swapped(app, backend):
    _record_events(app, 5)
    _tamper(
        app,
        "UPDATE audit_events SET comment = 'swap', subject_id = '0' WHERE id = 2",
        "UPDATE audit_events SET comment = 'event number 2', subject_id = '2' WHERE id = 3",
        "UPDATE audit_events SET comment = 'event number 3', subject_id = '3' WHERE id = 2",
    )
    report = _verify(app)
    assert (report.intact, report.broken_at_id) == (False, 2)
    assert report.problem == "event 2 was altered: its content does not match its hash"


def test_cli_verify_reports_an_intact_trail(app, backend):
    hashes = _record_events(app, 3)
    result = _run_verify(app)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Audit trail intact: 3 events, head {hashes[-1]}"


def test_cli_verify_counts_one_event_in_the_singular(app, backend):
    hashes = _record_events(app, 1)
    result = _run_verify(app)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Audit trail intact: 1 event, head {hashes[-1]}"


@pytest.mark.parametrize(
    ("statements", "message"),
    [
        (
            ["UPDATE audit_events SET action = 'proposal_approved' WHERE id = 2"],
            "Audit trail BROKEN at event 2: event 2 was altered: its content does not match its "
            "hash",
        ),
        (
            ["DELETE FROM audit_events WHERE id = 2"],
            "Audit trail BROKEN at event 2: event 2 is missing (deleted?)",
        ),
        (
            [
                "UPDATE audit_events SET id = 0 WHERE id = 2",
                "UPDATE audit_events SET id = 2 WHERE id = 3",
                "UPDATE audit_events SET id = 3 WHERE id = 0",
            ],
            "Audit trail BROKEN at event 2: event 2 does not follow event 1 (reordered or deleted)",
        ),
    ],
    ids=["edited", "deleted", "reordered"],
)
def test_cli_verify_finds_tampering(app, backend, statements, message):
    _record_events(app, 4)
    _tamper(app, *statements)
    result = _run_verify(app)
    assert result.exit_code == 1
    assert message in result.output
    assert "intact" not in result.output


def test_a_second_event_after_the_same_head_is_refused(app, backend):
    _record_events(app, 1)
    with app.app_context():
        fork = AuditEvent(
            id=2,
            occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
            actor_name="intruder",
            action="proposal_approved",
            subject_type="proposal",
            subject_id="1",
            details={},
            prev_hash=GENESIS_HASH,
        )
        fork.hash = compute_hash(GENESIS_HASH, fork)
        db.session.add(fork)
        with pytest.raises(IntegrityError) as refused:
            db.session.commit()
        assert "prev_hash" in str(refused.value)
        db.session.rollback()
        assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.id == 2)) is None


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET comment = 'changed' WHERE id = 1",
        "DELETE FROM audit_events WHERE id = 1",
        "TRUNCATE audit_events",
    ],
    ids=["update", "delete", "truncate"],
)
def test_postgresql_refuses_changes_to_the_trail(pg_app, statement):
    hashes = _record_events(pg_app, 2)
    with pg_app.app_context():
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
        rows = db.session.execute(
            select(AuditEvent.id, AuditEvent.comment).order_by(AuditEvent.id)
        ).all()
        assert [(r.id, r.comment) for r in rows] == [(1, "event number 1"), (2, "event number 2")]
    assert _verify(pg_app).head_hash == hashes[-1]


def test_concurrent_writers_all_commit_on_one_chain(pg_app):
    writers = 8
    barrier = threading.Barrier(writers, timeout=30)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            with pg_app.app_context():
                barrier.wait()
                record("proposal_submitted", "proposal", n, None, comment=f"writer {n}")
                db.session.commit()
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    with pg_app.app_context():
        rows = db.session.execute(select(AuditEvent.id, AuditEvent.comment)).all()
        assert sorted(r.id for r in rows) == list(range(1, writers + 1))
        assert sorted(r.comment for r in rows) == sorted(f"writer {n}" for n in range(writers))
    report = _verify(pg_app)
    assert report.intact and report.count == writers


# --- queries --------------------------------------------------------------------------------


def test_timeline_lists_one_subjects_events_oldest_first(app, create_user):
    user = create_user(roles=("applicant",), organization_acronym="IOM")
    with app.app_context():
        actor = db.session.get(User, user.id)
        record("proposal_created", "proposal", 7, actor, to_state="draft")
        record("proposal_created", "proposal", 8, None, to_state="draft")
        record("proposal_submitted", "proposal", 7, None, from_state="draft", to_state="submitted")
        record("user_updated", "user", 7, None)
        db.session.commit()
        events = log_queries.timeline("proposal", 7)
        assert [(e.id, e.action, e.actor_organization) for e in events] == [
            (1, "proposal_created", "IOM"),
            (3, "proposal_submitted", None),
        ]
        assert events[1].from_state == "draft" and events[1].actor_name == "system"


def test_search_uses_two_queries_whatever_the_number_of_actors(app, create_user):
    users = [
        create_user(roles=("applicant",), organization_acronym=acronym)
        for acronym in ("ILO", "IOM", "UNDP")
    ]
    with app.app_context():
        for n in range(12):
            actor = db.session.get(User, users[n % 3].id)
            record("proposal_submitted", "proposal", n, actor, comment=f"c{n}")
        db.session.commit()
        db.session.expunge_all()
        statements: list[str] = []

        def remember(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", remember)
        try:
            page = log_queries.search_events(log_queries.EventFilters(), page=1, per_page=5)
            organizations = [row.actor_organization for row in page.rows]
        finally:
            event.remove(db.engine, "before_cursor_execute", remember)
    assert len(statements) == 2
    assert page.total == 12 and page.has_next and not page.has_prev and page.pages == 3
    assert [row.id for row in page.rows] == [12, 11, 10, 9, 8]
    assert organizations == ["UNDP", "IOM", "ILO", "UNDP", "IOM"]


def test_search_filters(app, create_user):
    actor = create_user(roles=("secretariat",), organization_acronym="IOM")
    with app.app_context():
        someone = db.session.get(User, actor.id)
        record("a", "proposal", 1, someone, comment="Budget 100% checked", now=_at(2026, 3, 1))
        record("b", "proposal", 2, None, comment="late_note", now=_at(2026, 3, 2, 23, 59))
        record("a", "call", 1, None, comment="opened", now=_at(2026, 3, 3))
        db.session.commit()

        def ids(**values) -> list[int]:
            return [
                r.id for r in log_queries.search_events(log_queries.EventFilters(**values)).rows
            ]

        assert ids() == [3, 2, 1]
        assert ids(action="a") == [3, 1]
        assert ids(subject_type="proposal", subject_id="2") == [2]
        assert ids(actor=actor.id) == [1]
        assert ids(date_from=date(2026, 3, 2)) == [3, 2]
        assert ids(date_to=date(2026, 3, 2)) == [2, 1]
        assert ids(date_from=date(2026, 3, 2), date_to=date(2026, 3, 2)) == [2]
        assert ids(q="100%") == [1]
        assert ids(q="LATE_") == [2]
        assert ids(q="t_1") == []  # "_" is no wildcard: "t 1" must not match
        assert ids(q="0%c") == []  # nor is "%"
        assert ids(q=actor.name.upper()) == [1]


def test_the_whole_logs_count_is_read_from_the_last_id_and_a_filters_is_counted(app, backend):
    """The unfiltered log does not count the trail's rows (its ids run from 1 without a gap):
    the total is the last id, found on the primary key; a filtered one is a COUNT."""
    _record_events(app, 7)
    _record_events(app, 3, action="other")
    with app.app_context():
        statements: list[str] = []

        def remember(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement.lower())

        event.listen(db.engine, "before_cursor_execute", remember)
        try:
            whole = log_queries.search_events(log_queries.EventFilters(), per_page=4)
            other = log_queries.search_events(log_queries.EventFilters(action="other"))
        finally:
            event.remove(db.engine, "before_cursor_execute", remember)
    assert (whole.total, whole.pages, [r.id for r in whole.rows]) == (10, 3, [10, 9, 8, 7])
    assert (other.total, [r.id for r in other.rows]) == (3, [10, 9, 8])
    assert "max(audit_events.id)" in statements[0] and "count(" not in statements[0]
    assert "count(audit_events.id)" in statements[2]


def _at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_export_iterates_in_id_order_across_batches(app):
    _record_events(app, 7)
    _record_events(app, 2, action="other")
    with app.app_context():
        rows = list(log_queries.iter_events_for_export(log_queries.EventFilters(), batch_size=3))
        assert [r.id for r in rows] == list(range(1, 10))
        only = log_queries.EventFilters(action="proposal_submitted")
        rows = list(log_queries.iter_events_for_export(only, batch_size=7))
        assert [r.id for r in rows] == list(range(1, 8))


# --- the log page ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["secretariat", "admin"])
def test_log_page_is_shown_to_secretariat_and_admin(app, client, login_as, role):
    hashes = _record_events(app, 3)
    login_as(role, organization_acronym="IOM")
    response = client.get("/audit/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert hashes[-1] in page
    assert "3 events in the trail" in page
    assert "event number 2" in page
    assert 'role="search"' in page
    assert "Draft → Submitted" in page  # the states by their workflow's labels
    assert "Download CSV" in page


@pytest.mark.parametrize("role", ["applicant", "committee"])
@pytest.mark.parametrize("path", ["/audit/", "/audit/export.csv"])
def test_log_is_refused_to_other_roles(app, client, login_as, role, path):
    login_as(role, organization_acronym="IOM")
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", ["/audit/", "/audit/export.csv"])
def test_log_sends_anonymous_visitors_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_log_page_shows_actor_organization_and_details(app, client, login_as):
    admin = login_as("admin", organization_acronym="UNDP")
    with app.app_context():
        actor = db.session.get(User, admin.id)
        record("user_updated", "user", 42, actor, details={"active": [True, False]})
        db.session.commit()
    page = client.get("/audit/").get_data(as_text=True)
    assert f'{admin.name} <span class="muted">· UNDP</span>' in page
    assert "active: [true, false]" in page
    assert "User 42" in page  # the subject in words


def test_log_page_reads_in_words_with_the_codes_beside(app, client, login_as):
    login_as("secretariat", organization_acronym="IOM")
    with app.app_context():
        record("proposal_results_saved", "proposal", 7, None)
        record("submit", "proposal", 8, None, from_state="draft", to_state="submitted")
        record("approve", "proposal", 8, None, from_state="committee_review", to_state="approved")
        record("accept", "programme_report", 3, None, from_state="submitted", to_state="accepted")
        record("made_up", "widget", 2, None, from_state="half_done", to_state="done")
        db.session.commit()
    page = client.get("/audit/").get_data(as_text=True)
    rows = page[page.index("<tbody>") : page.index("</tbody>")]
    assert 'Proposal results saved <code class="audit-code">proposal_results_saved</code>' in rows
    assert "P-00007" in rows and "P-00008" in rows and "proposal 8" not in rows
    assert "Draft → Submitted" in rows
    assert "Approved (pipeline)" in rows and "→ approved<" not in rows
    assert "Programme report 3" in rows and "Submitted → Accepted" in rows
    assert "Widget 2" in rows and "Half done → Done" in rows  # no table: its words
    assert "The code under an action in the list" in page  # the filter takes the code


def test_log_page_filters(app, client, login_as):
    login_as("secretariat", organization_acronym="IOM")
    with app.app_context():
        record("call_opened", "call", 1, None, comment="alpha-comment", now=_at(2026, 1, 10))
        record(
            "proposal_submitted", "proposal", 5, None, comment="beta-comment", now=_at(2026, 2, 1)
        )
        record(
            "proposal_submitted", "proposal", 6, None, comment="gamma-comment", now=_at(2026, 3, 1)
        )
        db.session.commit()

    def shown(query: str) -> set[str]:
        response = client.get("/audit/?" + query)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        return {word for word in ("alpha", "beta", "gamma") if f"{word}-comment" in page}

    assert shown("") == {"alpha", "beta", "gamma"}
    assert shown("action=call_opened") == {"alpha"}
    assert shown("subject_type=proposal&subject_id=6") == {"gamma"}
    assert shown("date_from=2026-01-15&date_to=2026-02-01") == {"beta"}
    assert shown("q=GAMMA") == {"gamma"}


def test_log_page_explains_a_bad_date_and_keeps_the_input(client, login_as):
    login_as("secretariat", organization_acronym="IOM")
    response = client.get("/audit/?date_from=31/02/2026&action=x")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="date_from-error"' in page
    assert "Enter a date as YYYY-MM-DD, for example 2026-03-31." in page
    assert 'value="31/02/2026"' in page
    assert 'value="x"' in page


def test_log_page_refuses_an_end_date_before_the_start(client, login_as):
    login_as("secretariat", organization_acronym="IOM")
    response = client.get("/audit/?date_from=2026-03-02&date_to=2026-03-01")
    assert response.status_code == 400
    assert "The end date must not be before the start date." in response.get_data(as_text=True)


def test_log_page_paginates_and_keeps_the_filters(app, client, login_as):
    login_as("secretariat", organization_acronym="IOM")
    _record_events(app, 52, action="bulk_action")
    _record_events(app, 3, action="other_action")
    first = client.get("/audit/?action=bulk_action").get_data(as_text=True)
    assert "52 matching events, page 1 of 2" in first
    assert 'href="/audit/?page=2&amp;action=bulk_action"' in first
    assert 'href="/audit/export.csv?action=bulk_action"' in first
    second = client.get("/audit/?page=2&action=bulk_action").get_data(as_text=True)
    assert "event number 1<" in second and "event number 2<" in second
    assert "event number 3<" not in second
    assert 'href="/audit/?page=1&amp;action=bulk_action"' in second
    beyond = client.get("/audit/?page=9&action=bulk_action").get_data(as_text=True)
    assert "page 2 of 2" in beyond and "event number 1<" in beyond


# --- CSV export -----------------------------------------------------------------------------


def _csv(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(csv_text(response))))


def test_csv_export(app, client, login_as):
    login_as("secretariat", organization_acronym="IOM")
    with app.app_context():
        ilo = db.session.scalar(select(Organization).where(Organization.acronym == "ILO"))
        actor = User(
            email="actor@example.org", name="=HYPERLINK(1)", password_hash="x", organization=ilo
        )
        db.session.add(actor)
        db.session.flush()
        record(
            "proposal_returned",
            "proposal",
            9,
            actor,
            from_state="submitted",
            to_state="draft",
            comment="=SUM(A1:A9)",
            details={"amount": "1000.00"},
            now=_at(2026, 4, 5, 6, 7, 8),
        )
        record("call_opened", "call", 1, None, comment="+1 more", now=_at(2026, 4, 6))
        db.session.commit()
        stored = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        actor_id = actor.id
    response = client.get("/audit/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=audit-")
    assert len(disposition.removeprefix("attachment; filename=audit-")) == len("YYYYMMDD.csv")
    body = csv_text(response)
    assert body.splitlines()[0] == (
        "id,occurred_at,actor_id,actor_name,actor_organization,action,subject_type,subject_id,"
        "from_state,to_state,comment,details,prev_hash,hash"
    )
    rows = _csv(response)
    assert [r["id"] for r in rows] == ["1", "2"]
    first = rows[0]
    assert first["occurred_at"] == "2026-04-05T06:07:08.000000+00:00"
    assert first["actor_id"] == str(actor_id)
    assert first["actor_name"] == "'=HYPERLINK(1)"
    assert first["actor_organization"] == "ILO"
    assert (first["action"], first["subject_type"], first["subject_id"]) == (
        "proposal_returned",
        "proposal",
        "9",
    )
    assert (first["from_state"], first["to_state"]) == ("submitted", "draft")
    assert first["comment"] == "'=SUM(A1:A9)"
    assert first["details"] == '{"amount": "1000.00"}'
    assert (first["prev_hash"], first["hash"]) == (GENESIS_HASH, stored[0].hash)
    assert rows[1]["comment"] == "'+1 more"
    assert rows[1]["actor_id"] == ""
    assert rows[1]["prev_hash"] == stored[0].hash


def test_csv_export_keeps_the_filters(app, client, login_as):
    login_as("admin", organization_acronym=None)
    _record_events(app, 2, action="kept")
    _record_events(app, 2, action="dropped")
    rows = _csv(client.get("/audit/export.csv?action=kept"))
    assert [(r["id"], r["action"]) for r in rows] == [("1", "kept"), ("2", "kept")]


def test_csv_export_with_a_bad_date_goes_back_to_the_form(client, login_as):
    login_as("secretariat", organization_acronym="IOM")
    response = client.get("/audit/export.csv?date_to=yesterday")
    assert response.status_code == 302
    assert response.headers["Location"] == "/audit/?date_to=yesterday"


def test_log_page_marks_the_recorded_details_as_english_left_to_right(app, client, login_as):
    """The details are recorded in English, whatever the page's language: on an Arabic page they
    keep their order ("roles: []", not "[] :roles"), marked as English written left to right;
    a comment, typed in any language, takes the direction of its own words."""
    admin = login_as("admin", organization_acronym="UNDP")
    with app.app_context():
        actor = db.session.get(User, admin.id)
        record(
            "user_created",
            "user",
            42,
            actor,
            comment="Nouveau compte",
            details={"email": "noroles@demo.fund", "organization": None, "roles": []},
        )
        record("user_updated", "user", 43, actor)
        db.session.commit()
    page = client.get("/audit/?lang=ar").get_data(as_text=True)
    assert 'dir="rtl"' in page
    assert (
        '<span class="recorded" lang="en" dir="ltr">'
        "email: noroles@demo.fund; organization: null; roles: []</span>"
    ) in page
    assert "<bdi>Nouveau compte</bdi>" in page
    rows = page[page.index("<tbody>") : page.index("</tbody>")]
    assert rows.count('class="recorded"') == 1  # an event without details: an empty cell

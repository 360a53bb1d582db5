"""The audit log as people read it: each event's page in full (every detail, before and after
side by side, its link in the chain), the subjects by name, the actor filter by name or email,
and the move between states in the page's direction."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import text

from fund.accounts.models import User
from fund.audit.operations import record
from fund.extensions import db
from tests.helpers import counted_get

# The kinds the log names besides users, organizations and proposals.
SUBJECT_KINDS = (
    "voting_round",
    "committee_meeting",
    "committee_seat",
    "pledge",
    "contribution",
    "programme_report",
    "revision",
)
LONG_CONDITIONS = (
    "Subject to a revised workplan for the second year, with the reporting dates agreed with "
    "the national partners and a budget line for the evaluation kept apart."
)


def _changed_vote(app, actor_id: int | None = None) -> int:
    """A committee_vote_changed event as the committee records it; returns its id."""
    with app.app_context():
        actor = db.session.get(User, actor_id) if actor_id else None
        event = record(
            "committee_vote_changed",
            "voting_round",
            3,
            actor,
            details={
                "proposal": 7,
                "before": {"choice": "reject", "comment": "Too costly", "conditions": ""},
                "after": {
                    "choice": "approve",
                    "comment": "Too costly",
                    "conditions": LONG_CONDITIONS,
                },
            },
        )
        db.session.commit()
        return event.id


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return html.unescape(response.get_data(as_text=True))


# --- an event's page ------------------------------------------------------------------------


def test_the_log_links_each_event_to_its_page_with_every_detail_in_full(app, client, login_as):
    login_as("secretariat", organization_acronym="IOM")
    event_id = _changed_vote(app)
    log = _page(client, "/audit/")
    assert LONG_CONDITIONS not in log  # the list stays compact
    assert f'href="/audit/{event_id}"' in log
    page = _page(client, f"/audit/{event_id}")
    assert f"Audit event {event_id}" in page
    assert LONG_CONDITIONS in page
    assert "Before" in page and "After" in page
    table = page[page.index("audit-changes") :]
    table = table[: table.index("</table>")]
    rows = table.split("<tr>")[2:]  # the heading's row first
    choice = next(row for row in rows if ">choice<" in row)
    assert choice.index("reject") < choice.index("approve")  # before, then after
    assert "changed" in choice
    comment = next(row for row in rows if ">comment<" in row)
    assert comment.count("Too costly") == 2 and "changed" not in comment
    assert ">proposal<" in page and ">7<" in page  # the other keys, as recorded


def test_an_events_page_shows_its_place_in_the_chain(app, client, login_as):
    login_as("admin", organization_acronym=None)
    with app.app_context():
        first = record("call_created", "call", 1, None, details={"nested": {"a": [1, 2]}})
        second = record("call_updated", "call", 1, None)
        db.session.commit()
        hashes = (first.prev_hash, first.hash, second.hash)
        ids = (first.id, second.id)
    page = _page(client, f"/audit/{ids[1]}")
    assert hashes[1] in page and hashes[2] in page
    assert "follows the previous one and its content matches its hash" in page
    assert f'href="/audit/{ids[0]}"' in page and f'href="/audit/{ids[1] + 1}"' not in page
    assert "This event records no details." in page
    first_page = _page(client, f"/audit/{ids[0]}")
    assert hashes[0] in first_page and "(the start of the trail)" in first_page
    assert f'href="/audit/{ids[1]}"' in first_page
    assert '"a": [\n    1,\n    2\n  ]' in first_page  # a nested value laid out, in full


def test_an_events_page_says_when_its_link_is_broken(app, client, login_as):
    login_as("secretariat", organization_acronym="IOM")
    event_id = _changed_vote(app)
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(
            text("UPDATE audit_events SET comment = 'edited' WHERE id = :id"), {"id": event_id}
        )
    page = _page(client, f"/audit/{event_id}")
    assert "This link of the chain is broken" in page
    assert "flask fund audit verify" in page


@pytest.mark.parametrize("role", ["applicant", "committee", "administrative_agent"])
def test_an_events_page_is_refused_to_other_roles(app, client, login_as, role):
    event_id = _changed_vote(app)
    login_as(role, organization_acronym="IOM")
    assert client.get(f"/audit/{event_id}").status_code == 403


def test_an_events_page_sends_anonymous_visitors_to_sign_in_and_a_missing_one_is_404(
    app, client, login_as
):
    event_id = _changed_vote(app)
    response = client.get(f"/audit/{event_id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login_as("secretariat", organization_acronym="IOM")
    assert client.get(f"/audit/{event_id + 100}").status_code == 404


# --- subjects by name -----------------------------------------------------------------------


def test_the_log_names_each_subject_and_links_to_its_page(app, client, login_as, make_proposal):
    someone = login_as("admin", "secretariat", organization_acronym="IOM", name="Amina Diallo")
    proposal_id = make_proposal(someone)
    with app.app_context():
        record("user_updated", "user", someone.id, None)
        record("proposal_results_saved", "proposal", proposal_id, None)
        db.session.commit()
        title = db.session.scalar(
            text("SELECT title FROM proposals WHERE id = :id"), {"id": proposal_id}
        )
    page = _page(client, "/audit/")
    rows = page[page.index("<tbody>") : page.index("</tbody>")]
    assert f"User {someone.id}" not in rows
    assert "Amina Diallo" in rows and someone.email in rows
    assert f'href="/admin/users/{someone.id}"' in rows
    assert f'<a href="/proposals/{proposal_id}">P-{proposal_id:05d}</a>' in rows
    assert title[:40] in rows


def test_the_log_links_a_subject_only_where_the_reader_may_open_it(
    app, client, login_as, make_proposal, author
):
    login_as("admin", organization_acronym=None)
    proposal_id = make_proposal(author)
    with app.app_context():
        record("user_updated", "user", author.id, None)
        record("proposal_results_saved", "proposal", proposal_id, None)
        db.session.commit()
    rows = _page(client, "/audit/")
    assert f'href="/admin/users/{author.id}"' in rows
    assert f'href="/proposals/{proposal_id}"' not in rows  # an administrator reads no proposal
    assert f"P-{proposal_id:05d}" in rows


def test_the_logs_subjects_are_named_in_one_query_however_many(app, client, login_as, create_user):
    """The log names its page's users, proposals and organizations with one query, whatever
    their number and kinds."""
    login_as("admin", organization_acronym="IOM")

    def add(count: int) -> None:
        people = [create_user(organization_acronym="ILO") for _ in range(count)]
        with app.app_context():
            for person in people:
                record("user_updated", "user", person.id, None)
                record("organization_updated", "organization", person.organization_id, None)
                record("proposal_results_saved", "proposal", person.id, None)
                for kind in SUBJECT_KINDS:
                    record("report_saved", kind, person.id, None)
            db.session.commit()

    with app.app_context():
        engine = db.engine
    add(1)
    _, few = counted_get(client, engine, "/audit/")
    add(8)
    response, many = counted_get(client, engine, "/audit/")
    assert response.status_code == 200
    assert many == few


# --- the actor filter -----------------------------------------------------------------------


def test_the_actor_filter_takes_a_name_or_an_email_and_still_an_id(
    app, client, login_as, create_user
):
    login_as("secretariat", organization_acronym="IOM")
    amina = create_user(organization_acronym="ILO", name="Amina Diallo", email="amina@ilo.example")
    other = create_user(organization_acronym="ILO", name="Bo Berg", email="bo@ilo.example")
    with app.app_context():
        for person, comment in ((amina, "amina-comment"), (other, "bo-comment")):
            record("user_updated", "call", 1, db.session.get(User, person.id), comment=comment)
        db.session.commit()

    def shown(query: str) -> set[str]:
        page = _page(client, "/audit/?" + query)
        return {word for word in ("amina", "bo") if f"{word}-comment" in page}

    assert shown("actor=diallo") == {"amina"}
    assert shown("actor=AMINA%40ILO") == {"amina"}  # part of the email, in any case
    assert shown("actor=ilo.example") == {"amina", "bo"}
    assert shown(f"actor={other.id}") == {"bo"}  # the links that give a user id
    assert shown("actor=nobody") == set()
    page = _page(client, "/audit/?actor=diallo")
    assert 'value="diallo"' in page
    assert "Actor (user id)" not in page and "name or email address" in page


# --- states in the page's direction ---------------------------------------------------------


def test_a_move_between_states_points_the_way_the_page_reads(app, client, login_as):
    login_as("secretariat", organization_acronym="IOM")
    with app.app_context():
        event = record("submit", "proposal", 8, None, from_state="draft", to_state="submitted")
        db.session.commit()
        event_id = event.id
    english = _page(client, "/audit/")
    rows = english[english.index("<tbody>") : english.index("</tbody>")]
    assert "Draft → Submitted" in rows and "←" not in rows
    arabic = _page(client, "/audit/?lang=ar")
    rows = arabic[arabic.index("<tbody>") : arabic.index("</tbody>")]
    assert "←" in rows and "→" not in rows
    assert "←" in _page(client, f"/audit/{event_id}?lang=ar")

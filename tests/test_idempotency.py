"""Forms that create something carry a one-time key: sent twice, even at the same moment, they
create one thing, and the repeat is shown what the first one created. Races lost over HTTP
answer 409, never 500. On SQLite (a file, one connection per thread) and PostgreSQL."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from fund.access import public
from fund.calls.models import Call
from fund.extensions import db
from fund.finance.models import Contribution
from fund.idempotency import FormKey
from fund.proposals.models import Proposal, ProposalVersion
from fund.screening.models import ScreeningCriterion
from tests.conftest import csrf_token, login
from tests.helpers import grant_agent_role


def form_key(page: str) -> str:
    match = re.search(r'name="form_key" value="([^"]+)"', page)
    assert match, "the form carries no key"
    return match.group(1)


def form_of(client: FlaskClient, path: str) -> tuple[str, str]:
    """The CSRF token and the form key of the form on `path`."""
    page = client.get(path).get_data(as_text=True)
    return csrf_token(client, path), form_key(page)


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def same_session(app, client: FlaskClient, n: int) -> list[FlaskClient]:
    """`n` clients sharing `client`'s sign-in (as tabs of one browser would)."""
    cookie = client.get_cookie("session")
    clients = []
    for _ in range(n):
        other = app.test_client()
        other.set_cookie("session", cookie.value)
        clients.append(other)
    return clients


def post_together(clients: list[FlaskClient], path: str, data: dict[str, Any]) -> list[Any]:
    """Each client posts `data` to `path` in its own thread, all released at once; returns
    the responses (or the exception a request raised)."""
    barrier = threading.Barrier(len(clients))
    results: list[Any] = [None] * len(clients)

    def work(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = clients[index].post(path, data=dict(data))
        except Exception as error:  # the result to assert on
            results[index] = error

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert not any(thread.is_alive() for thread in threads), "a request hung"
    return results


@pytest.fixture
def secretariat(app, secretariat):
    """The signed-in secretariat member, with the administrative agent's role too: the agent
    records the contributions."""
    grant_agent_role(app, secretariat)
    return secretariat


def contribution_form(client: FlaskClient, donor) -> dict[str, Any]:
    token, key = form_of(client, "/finance/contributions")
    return {
        "csrf_token": token,
        "form_key": key,
        "donor_id": donor.id,
        "received_on": "2026-01-10",
        "gross": "250,000.00",
        "earmark": "",
    }


def test_twelve_parallel_posts_of_one_contribution_form_record_it_once(
    app, backend, client, secretariat, donor
):
    data = contribution_form(client, donor)
    responses = post_together(same_session(app, client, 12), "/finance/contributions", data)
    assert all(not isinstance(r, Exception) for r in responses), responses
    assert [r.status_code for r in responses] == [302] * 12
    assert {r.headers["Location"] for r in responses} == {"/finance/contributions"}
    assert count(app, Contribution) == 1
    with app.app_context():
        used = db.session.scalars(select(FormKey)).all()
        assert [(k.form, k.user_id, k.result) for k in used] == [
            (
                "contribution",
                secretariat.id,
                f"Contribution C-{db.session.scalar(select(Contribution.id))}",
            )
        ]


def test_ten_parallel_starts_of_one_proposal_make_one_draft(
    app, backend, client, login_as, open_call
):
    login_as("applicant", organization_acronym="ILO")
    token, key = form_of(client, "/proposals/new")
    data = {"csrf_token": token, "form_key": key, "call_id": open_call, "title": "Safe corridors"}
    responses = post_together(same_session(app, client, 10), "/proposals/new", data)
    assert all(not isinstance(r, Exception) for r in responses), responses
    assert [r.status_code for r in responses] == [302] * 10
    assert count(app, Proposal) == 1
    with app.app_context():
        proposal_id = db.session.scalar(select(Proposal.id))
    assert {r.headers["Location"] for r in responses} == {f"/proposals/{proposal_id}/edit"}


def test_a_repeated_contribution_form_shows_what_the_first_recorded(
    app, client, secretariat, donor
):
    data = contribution_form(client, donor)
    first = client.post("/finance/contributions", data=data)
    assert first.status_code == 302
    client.get(first.headers["Location"])  # the first one's message is read
    again = client.post("/finance/contributions", data=data)
    assert again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        contribution_id = db.session.scalar(select(Contribution.id))
    assert (
        f"This form had already been sent: Contribution C-{contribution_id} was recorded then. "
        "Nothing was recorded again." in page
    )
    assert count(app, Contribution) == 1


def test_a_form_sent_back_with_a_message_keeps_its_key(app, client, secretariat, donor):
    data = contribution_form(client, donor)
    refused = client.post("/finance/contributions", data=data | {"gross": "12,34"})
    assert refused.status_code == 400
    assert form_key(refused.get_data(as_text=True)) == data["form_key"]
    assert count(app, Contribution) == 0
    assert client.post("/finance/contributions", data=data).status_code == 302
    assert client.post("/finance/contributions", data=data).status_code == 302
    assert count(app, Contribution) == 1


def test_a_key_of_another_user_or_another_form_is_refused(
    app, client, secretariat, donor, create_user, open_call
):
    data = contribution_form(client, donor)
    colleague = create_user(
        roles=("secretariat", "administrative_agent"), organization_acronym="IOM"
    )
    other = app.test_client()
    login(other, colleague.email)
    refused = other.post(
        "/finance/contributions", data=data | {"csrf_token": csrf_token(other, "/")}
    )
    assert refused.status_code == 400
    assert "This form was not issued to you for this action" in refused.get_data(as_text=True)
    other.get("/?lang=fr")
    french = other.post(
        "/finance/contributions", data=data | {"csrf_token": csrf_token(other, "/")}
    ).get_data(as_text=True)
    assert "Formulaire non reconnu" in french and "not issued to you" not in french
    other.get("/?lang=en")
    _, call_key = form_of(client, "/calls/new")
    wrong_form = client.post("/finance/contributions", data=data | {"form_key": call_key})
    assert wrong_form.status_code == 400
    forged = client.post("/finance/contributions", data=data | {"form_key": data["form_key"] + "x"})
    assert forged.status_code == 400
    assert count(app, Contribution) == 0 and count(app, FormKey) == 0


VALID_CALL = {
    "title": "Second call",
    "opens_on": "2026-03-01",
    "closes_on": "2026-06-30",
    "envelope": "5,000,000.00",
    "min_budget": "500,000.00",
    "max_budget": "3,000,000.00",
    "min_duration_months": "12",
    "max_duration_months": "36",
    "decision_rule": "consensus",
    "quorum": "",
}


def test_every_create_form_carries_a_key_and_a_repeat_creates_nothing(
    app, client, secretariat, open_call
):
    token, key = form_of(client, "/calls/new")
    data = VALID_CALL | {"csrf_token": token, "form_key": key}
    first = client.post("/calls/new", data=data)
    assert first.status_code == 302, first.get_data(as_text=True)
    assert client.post("/calls/new", data=data).headers["Location"] == first.headers["Location"]
    assert count(app, Call) == 2  # the open call and this one

    path = f"/screening/calls/{open_call}/criteria"
    token, key = form_of(client, path)
    before = count(app, ScreeningCriterion)
    data = {"csrf_token": token, "form_key": key, "label": "Risk assessment attached"}
    assert client.post(path, data=data).status_code == 302
    assert client.post(path, data=data).status_code == 302
    assert count(app, ScreeningCriterion) == before + 1

    # Editing pages have no key: they change what exists.
    assert 'name="form_key"' not in client.get(f"/calls/{open_call}").get_data(as_text=True)


def test_admin_create_forms_are_acted_on_once(app, client, login_as):
    login_as("admin", organization_acronym=None)
    token, key = form_of(client, "/admin/organizations/new")
    data = {"csrf_token": token, "form_key": key, "name": "Republic of Tests", "acronym": "ROT"}
    data |= {"kind": "other", "country_iso2": "", "iati_org_id": "", "active": "y"}
    first = client.post("/admin/organizations/new", data=data)
    assert first.status_code == 302, first.get_data(as_text=True)
    assert client.post("/admin/organizations/new", data=data).status_code == 302
    token, key = form_of(client, "/admin/users/new")
    data = {"csrf_token": token, "form_key": key, "email": "once@example.org", "name": "Once"}
    data |= {"organization_id": 0, "roles": ["secretariat"], "password": "initial password 2026"}
    data |= {"active": "y"}
    first = client.post("/admin/users/new", data=data)
    assert first.status_code == 302, first.get_data(as_text=True)
    assert client.post("/admin/users/new", data=data).status_code == 302
    with app.app_context():
        from fund.accounts.models import Organization, User

        assert (
            db.session.scalar(
                select(func.count()).select_from(Organization).where(Organization.acronym == "ROT")
            )
            == 1
        )
        assert (
            db.session.scalar(
                select(func.count()).select_from(User).where(User.email == "once@example.org")
            )
            == 1
        )


def test_six_parallel_submits_of_one_proposal_one_succeeds_five_get_409(
    app, backend, client, login_as, make_proposal
):
    applicant = login_as("applicant", organization_acronym="ILO")
    proposal_id = make_proposal(applicant)
    path = f"/proposals/{proposal_id}"
    token = csrf_token(client, path)
    with app.app_context():
        version = db.session.get(Proposal, proposal_id).version
    data = {"csrf_token": token, "trigger": "submit", "version": version, "comment": ""}
    responses = post_together(same_session(app, client, 6), f"{path}/actions", data)
    assert all(not isinstance(r, Exception) for r in responses), responses
    codes = sorted(r.status_code for r in responses)
    assert codes == [302, 409, 409, 409, 409, 409], codes
    for response in responses:
        if response.status_code == 409:
            assert "changed since you opened it" in response.get_data(as_text=True) or (
                "at the same moment" in response.get_data(as_text=True)
            )
    with app.app_context():
        assert db.session.get(Proposal, proposal_id).status == "submitted"
        assert db.session.scalar(select(func.count()).select_from(ProposalVersion)) == 1


@pytest.mark.parametrize(
    "error",
    [
        IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed")),
        OperationalError("UPDATE", {}, Exception("database is locked")),
    ],
)
def test_a_race_lost_in_the_database_answers_409(app, error):
    @public
    def lose():
        raise error

    app.add_url_rule("/test-lose", "test_lose", lose)
    response = app.test_client().get("/test-lose")
    assert response.status_code == 409
    assert "their change came first, so nothing of yours was saved" in response.get_data(
        as_text=True
    )


def test_other_database_failures_are_not_hidden_as_conflicts(app):
    @public
    def broken():
        raise OperationalError("SELECT", {}, Exception("no such table: nowhere"))

    app.add_url_rule("/test-broken", "test_broken", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert app.test_client().get("/test-broken").status_code == 500

"""Notifications: who is told what, email through a real SMTP server on loopback, the outbox,
preferences and digests, the in-app list."""

from __future__ import annotations

import email
import email.policy
import html
import logging
import socket
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import event, func, insert, select, update

from fund.accounts.models import User
from fund.committee import operations as committee_operations
from fund.committee.models import VotingRound
from fund.extensions import db, utcnow
from fund.finance.models import Allocation
from fund.notifications import operations, outbox, recipients, render
from fund.notifications.models import (
    KINDS,
    MANDATORY_KINDS,
    Notification,
    NotificationPreference,
    OutboxMessage,
)
from fund.proposals import operations as proposal_operations
from fund.proposals.models import Proposal
from fund.screening import operations as screening_operations
from fund.signals import proposal_transitioned, round_closed
from tests.conftest import PreparedDatabase, engine_of
from tests.helpers import client_for, csrf_token, new_user, user

BASE = "https://fund.example.org"


# A real SMTP server on loopback ---------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Collector:
    """aiosmtpd handler: keeps every message per recipient; refuses addresses `refused*@`."""

    def __init__(self) -> None:
        self.received: list[tuple[str, EmailMessage]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refused"):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        for recipient in envelope.rcpt_tos:
            self.received.append((recipient, message))
        return "250 Message accepted for delivery"


class SMTPServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.handler = Collector()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def messages(self) -> list[tuple[str, EmailMessage]]:
        return list(self.handler.received)

    def recipients(self) -> list[str]:
        return sorted(to for to, _ in self.handler.received)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for to, m in self.handler.received if to == address]


@pytest.fixture
def smtp(app):
    """A running SMTP server the application sends to, with absolute links to BASE."""
    server = SMTPServer(free_port())
    server.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, FUND_BASE_URL=BASE)
    yield server
    server.stop()


@pytest.fixture
def down_smtp(app):
    """The application points at a mail server that is not running (yet): start() it."""
    server = SMTPServer(free_port())
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, FUND_BASE_URL=BASE)
    yield server
    server.stop()


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


def html_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content().replace("\r\n", "\n")


# People and steps -------------------------------------------------------------------------------


# (name, roles, organization, values): see `people`.
PEOPLE = (
    ("author", ("applicant",), "ILO", {"name": "Ana Author"}),
    ("colleague", ("applicant",), "ILO", {"name": "Carl ILO"}),
    ("outsider", ("applicant",), "UNDP", {"name": "Olga UNDP"}),
    ("secretariat", ("secretariat",), None, {"name": "Sara Secretariat"}),
    ("secretariat2", ("secretariat",), None, {"name": "Sam Secretariat"}),
    ("unhcr", ("committee",), "UNHCR", {"name": "Ursula"}),
    ("unicef", ("committee",), "UNICEF", {"name": "Chen"}),
    ("independent", ("committee",), None, {"name": "Ines"}),
    ("iom", ("committee",), "IOM", {"name": "Ibrahim IOM"}),
    ("ilo_member", ("committee",), "ILO", {"name": "Lena"}),
    ("retired", ("committee",), "UNDP", {"name": "Rita", "active": False}),
)


def _make_people() -> SimpleNamespace:
    made = {key: new_user(roles, acronym, **values).id for key, roles, acronym, values in PEOPLE}
    db.session.commit()
    db.session.expunge_all()
    found = {key: db.session.get(User, user_id) for key, user_id in made.items()}
    for row in found.values():
        db.session.expunge(row)
    return SimpleNamespace(**found)


@pytest.fixture(scope="module")
def prepared_people(request) -> PreparedDatabase:
    """The people below, made once per engine; each test starts from a copy."""
    return PreparedDatabase(request, _make_people)


@pytest.fixture
def people(request, prepared_people):
    """Proposals here are ILO's, ILO-led with IOM taking part (see conftest.fill_complete): the
    ILO and IOM committee members are recused; UNHCR, UNICEF and a member without an
    organization are entitled; an inactive member is never told anything."""
    return prepared_people.data(engine_of(request))


def _fire(app, proposal_id: int, trigger: str, actor, comment: str | None = None) -> None:
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        proposal_operations.fire(proposal, trigger, user(actor), comment=comment)
        db.session.commit()


def _submitted(app, people, make_proposal) -> int:
    proposal_id = make_proposal(people.author)
    _fire(app, proposal_id, "submit", people.author)
    return proposal_id


def _in_screening(app, people, make_proposal, *, checked: bool = True) -> int:
    proposal_id = _submitted(app, people, make_proposal)
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        secretariat = user(people.secretariat)
        proposal_operations.fire(proposal, "start_screening", secretariat)
        if checked:
            criteria = screening_operations.ensure_criteria(proposal.call)
            screening_operations.record_checks(
                proposal, secretariat, {c.id: ("pass", "") for c in criteria}
            )
        db.session.commit()
    return proposal_id


def _under_review(app, people, make_proposal) -> int:
    proposal_id = _in_screening(app, people, make_proposal)
    _fire(app, proposal_id, "forward_to_committee", people.secretariat)
    return proposal_id


def _clear(app, smtp: SMTPServer) -> None:
    """Forget what earlier steps sent, to look at the next step alone."""
    smtp.handler.received.clear()
    with app.app_context():
        db.session.execute(update(Notification).values(read_at=utcnow()))
        db.session.commit()


def _notified(app, kind: str | None = None, *, unread: bool = True) -> dict[int, list[str]]:
    """user id -> titles of their (unread) notifications, optionally of one kind."""
    with app.app_context():
        query = select(Notification).order_by(Notification.id)
        if unread:
            query = query.where(Notification.read_at.is_(None))
        if kind:
            query = query.where(Notification.kind == kind)
        found: dict[int, list[str]] = {}
        for n in db.session.scalars(query):
            found.setdefault(n.user_id, []).append(n.title)
        return found


def _outbox(app) -> list[OutboxMessage]:
    with app.app_context():
        rows = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        db.session.expunge_all()
        return rows


def _emails(*users) -> list[str]:
    return sorted(u.email for u in users)


def _ids(*users) -> set[int]:
    return {u.id for u in users}


# Each step tells the right people ------------------------------------------------------------


def test_submission_through_the_page_tells_the_organization_and_the_secretariat(
    app, smtp, people, make_proposal
):
    proposal_id = make_proposal(people.author, title="Safe corridors")
    client = client_for(app, people.author)
    token = csrf_token(client, f"/proposals/{proposal_id}")
    response = client.post(
        f"/proposals/{proposal_id}/actions",
        data={
            "csrf_token": token,
            "version": str(_version(app, proposal_id)),
            "trigger": "submit",
            "comment": "",
        },
    )
    assert response.status_code == 302

    # The author gets a receipt, the ILO colleague too; the secretariat is told to screen it.
    # Nobody else: not another organization, not the committee.
    everyone = (people.author, people.colleague, people.secretariat, people.secretariat2)
    assert smtp.recipients() == _emails(*everyone)
    assert set(_notified(app, "submission_received")) == _ids(*everyone)

    receipt = smtp.to(people.author.email)[0]
    reference = f"P-{proposal_id:05d}"
    assert receipt["Subject"] == f"{reference} submitted: Safe corridors"
    assert receipt["From"] == app.config["MAIL_DEFAULT_SENDER"]
    assert f"Dear {people.author.name}," in text_of(receipt)
    assert "The secretariat received your organization's proposal" in text_of(receipt)
    link = f"{BASE}/proposals/{proposal_id}"
    assert link in text_of(receipt)
    assert f'href="{link}"' in html_of(receipt)
    assert f"{BASE}/notifications/preferences" in text_of(receipt)

    to_screen = text_of(smtp.to(people.secretariat.email)[0])
    assert "ILO submitted proposal" in to_screen and "screening queue" in to_screen

    with app.app_context():
        rows = _outbox(app)
        assert len(rows) == 4
        assert all(r.sent_at is not None and r.attempts == 1 for r in rows)
        note = db.session.scalars(
            select(Notification).where(Notification.user_id == people.author.id)
        ).one()
        assert note.link == f"/proposals/{proposal_id}"
        assert note.body.startswith("The secretariat received")
        assert "Dear" not in note.body  # the in-app text is the message alone


def test_return_for_revision_sends_the_message_to_the_applicants(app, smtp, people, make_proposal):
    proposal_id = _in_screening(app, people, make_proposal)
    _clear(app, smtp)
    client = client_for(app, people.secretariat)
    token = csrf_token(client, "/screening/")
    message = "Add the endorsement letter of Chile.\nExplain the budget of output 2."
    response = client.post(
        f"/screening/{proposal_id}/actions",
        data={
            "csrf_token": token,
            "version": str(_version(app, proposal_id)),
            "trigger": "return_for_revision",
            "comment": message,
        },
    )
    assert response.status_code == 302

    assert smtp.recipients() == _emails(people.author, people.colleague)
    mail = smtp.to(people.colleague.email)[0]
    assert "returned for revision" in mail["Subject"]
    assert message in text_of(mail)
    assert "Add the endorsement letter of Chile." in html_of(mail)
    assert "cannot be turned off" in text_of(mail)  # a message the fund must send
    assert set(_notified(app, "returned_for_revision")) == _ids(people.author, people.colleague)


def _version(app, proposal_id: int) -> int:
    with app.app_context():
        return db.session.get(Proposal, proposal_id).version


def test_declared_ineligible_gives_the_applicants_the_reason(app, smtp, people, make_proposal):
    proposal_id = _in_screening(app, people, make_proposal)
    _clear(app, smtp)
    _fire(app, proposal_id, "declare_ineligible", people.secretariat, "Outside the call's scope.")
    assert smtp.recipients() == _emails(people.author, people.colleague)
    mail = smtp.to(people.author.email)[0]
    assert "declared ineligible" in mail["Subject"]
    assert "Outside the call's scope." in text_of(mail)


def test_forwarding_tells_only_the_entitled_members(app, smtp, people, make_proposal):
    proposal_id = _in_screening(app, people, make_proposal)
    _clear(app, smtp)
    _fire(app, proposal_id, "forward_to_committee", people.secretariat)

    entitled = (people.unhcr, people.unicef, people.independent)
    # The entitled members, and the applicant organization (told it is with the committee).
    assert smtp.recipients() == _emails(*entitled, people.author, people.colleague)
    assert set(_notified(app, "forwarded_to_committee")) == _ids(*entitled)
    # The recused (ILO leads and submits, IOM takes part) and the inactive hear nothing, not
    # even in the application.
    assert (
        set(_notified(app, unread=False)) & _ids(people.iom, people.ilo_member, people.retired)
        == set()
    )
    mail = smtp.to(people.unhcr.email)[0]
    assert "for committee review" in mail["Subject"]
    assert f"{BASE}/committee/proposals/{proposal_id}" in text_of(mail)


def test_without_a_round_the_rule_of_recusal_is_applied(app, people, make_proposal):
    """When the forward is told before the committee opens the round, the same members are
    left out: those of the organizations of the proposal, and declared conflicts."""
    proposal_id = _in_screening(app, people, make_proposal)
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        assert committee_operations.open_round_of(proposal_id) is None
        told = {u.id for u in recipients.committee_for(proposal)}
    assert told == _ids(people.unhcr, people.unicef, people.independent)


def test_a_member_who_declared_a_conflict_is_not_told(app, smtp, people, make_proposal):
    proposal_id = _under_review(app, people, make_proposal)
    _clear(app, smtp)
    with app.app_context():
        round_ = committee_operations.open_round_of(proposal_id)
        committee_operations.declare_conflict(round_.id, user(people.unhcr), "My brother.")
        # Nobody votes: the round closes without quorum.
        closed = committee_operations.close_round(round_.id, user(people.secretariat))
        round_closed.send(closed, outcome=closed.outcome, actor=user(people.secretariat))
        db.session.commit()
    told = (people.unicef, people.independent, people.secretariat2)
    assert set(_notified(app, "round_closed")) == _ids(*told)
    assert "no quorum" in smtp.to(people.unicef.email)[0]["Subject"]
    assert "did not reach its quorum" in text_of(smtp.to(people.author.email)[0])
    assert people.unhcr.email not in smtp.recipients()

    # The conflict holds for the proposal: a new round does not tell that member either.
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        assert {u.id for u in recipients.committee_for(proposal)} == _ids(
            people.unicef, people.independent
        )
        new_round = committee_operations.open_new_round(proposal_id, user(people.secretariat))
        new_round.deadline = utcnow() + timedelta(hours=5)
        db.session.commit()
    _clear(app, smtp)
    with app.app_context():
        assert operations.remind_deadlines(timedelta(hours=48)) == 2
        db.session.commit()
    assert smtp.recipients() == _emails(people.unicef, people.independent)
    assert "(voting round 2)" in text_of(smtp.to(people.unicef.email)[0])


def test_a_new_round_tells_the_members_entitled_to_vote_in_it(app, smtp, people, make_proposal):
    """After a round without quorum the secretariat opens round 2: its entitled members are
    asked to vote, in the application and by email, as the forward asked for round 1; the
    recused, the inactive and the secretariat hear nothing."""
    proposal_id = _under_review(app, people, make_proposal)
    with app.app_context():
        round_ = committee_operations.open_round_of(proposal_id)
        committee_operations.close_round(round_.id, user(people.secretariat))  # no quorum
        db.session.commit()
    _clear(app, smtp)
    with app.app_context():
        committee_operations.open_new_round(proposal_id, user(people.secretariat))
        db.session.commit()
    entitled = (people.unhcr, people.unicef, people.independent)
    told = _notified(app, "forwarded_to_committee")
    assert set(told) == _ids(*entitled)
    assert all(len(titles) == 1 for titles in told.values())
    assert ": voting round 2 is open: " in told[people.unicef.id][0]
    assert smtp.recipients() == _emails(*entitled)
    text = text_of(smtp.to(people.unicef.email)[0])
    assert "The secretariat opened voting round 2 on" in text
    assert f"{BASE}/committee/proposals/{proposal_id}" in text


def test_round_closed_tells_the_outcome_once(app, smtp, people, make_proposal):
    proposal_id = _under_review(app, people, make_proposal)
    with app.app_context():
        round_id = committee_operations.open_round_of(proposal_id).id
        committee_operations.cast_vote(round_id, user(people.unhcr), "approve")
        committee_operations.cast_vote(round_id, user(people.unicef), "approve")
        db.session.commit()
    _clear(app, smtp)
    with app.app_context():
        actor = user(people.secretariat)
        closed = committee_operations.close_round(round_id, actor, summary="Report in 6 months.")
        # The committee code sends this when the round closes; sent here in case it does not
        # yet. Either way the applicant hears the decision once (the `approve` transition also
        # tells it).
        round_closed.send(closed, outcome=closed.outcome, actor=actor)
        round_closed.send(closed, outcome=closed.outcome, actor=actor)
        db.session.commit()
        assert db.session.get(Proposal, proposal_id).status == "approved"

    applicants = (people.author, people.colleague)
    members = (people.unhcr, people.unicef, people.independent)
    assert smtp.recipients() == _emails(*applicants, *members, people.secretariat2)
    decision = smtp.to(people.author.email)[0]
    assert "approved by the committee" in decision["Subject"]
    assert "Report in 6 months." in text_of(decision)
    closed_mail = smtp.to(people.secretariat2.email)[0]
    assert "voting round 1 closed (approved)" in closed_mail["Subject"]
    assert f"{BASE}/committee/rounds/{round_id}" in text_of(closed_mail)
    # The recused IOM and ILO members never hear of it; the secretariat who closed it neither.
    assert set(_notified(app)) == _ids(*applicants, *members, people.secretariat2)


def test_the_decision_is_told_once_when_the_proposal_is_decided(app, smtp, people, make_proposal):
    """Closing a round with a decision tells each person once: the applicants the decision,
    written when the proposal is approved (not before), the others the round's closing."""
    proposal_id = _under_review(app, people, make_proposal)
    round_id = _round_of(app, proposal_id)
    _vote(app, round_id, people.unhcr)
    _vote(app, round_id, people.unicef)
    _clear(app, smtp)
    decisions: list[tuple[int, str]] = []

    def before_flush(session, flush_context, instances) -> None:
        for row in session.new:
            if isinstance(row, Notification) and row.kind == "proposal_decision":
                status = session.connection().scalar(
                    select(Proposal.status).where(Proposal.id == row.subject_id)
                )
                decisions.append((row.user_id, status))

    event.listen(db.session, "before_flush", before_flush)
    try:
        with app.app_context():
            committee_operations.close_round(round_id, user(people.secretariat), summary="Yes.")
            db.session.commit()
    finally:
        event.remove(db.session, "before_flush", before_flush)

    applicants = (people.author, people.colleague)
    assert sorted(decisions) == sorted((u.id, "approved") for u in applicants)
    told = _notified(app)
    others = (people.unhcr, people.unicef, people.independent, people.secretariat2)
    assert {user_id: len(titles) for user_id, titles in told.items()} == dict.fromkeys(
        _ids(*applicants, *others), 1
    )
    assert set(_notified(app, "proposal_decision")) == _ids(*applicants)
    assert sorted(smtp.recipients()) == _emails(*applicants, *others)


def test_the_decision_is_told_by_the_transition_alone_too(app, smtp, people, make_proposal):
    """Whatever the committee code sends, `approve`/`reject` tell the applicant (once)."""
    proposal_id = _under_review(app, people, make_proposal)
    _clear(app, smtp)
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        for _ in range(2):
            proposal_transitioned.send(
                proposal,
                trigger="reject",
                from_state="committee_review",
                to_state="rejected",
                actor=user(people.secretariat),
                comment="Too little on gender.",
                event=None,
            )
        db.session.commit()
    assert smtp.recipients() == _emails(people.author, people.colleague)
    assert "not approved" in smtp.to(people.author.email)[0]["Subject"]
    assert "Too little on gender." in text_of(smtp.to(people.author.email)[0])


def test_funding_and_each_disbursement_tell_the_organization(app, smtp, people, make_proposal):
    from fund.accounts.models import Organization
    from fund.finance import operations as finance_operations

    proposal_id = make_proposal(
        people.author, status="approved", decided_at=datetime(2026, 1, 5, 9, tzinfo=UTC)
    )
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        actor = user(people.secretariat)
        donor = Organization(name="Kingdom of Donors", acronym="KDN", kind="other")
        db.session.add(donor)
        db.session.flush()
        finance_operations.record_contribution(
            actor, donor, date(2026, 1, 5), Decimal("2000000.00")
        )
        allocation = finance_operations.fund_proposal(actor, proposal, date(2026, 1, 5))
        ilo = proposal.lead_organization_id
        for amount, reference in ((Decimal("300000.00"), "TR-1"), (Decimal("342000.00"), "")):
            finance_operations.record_disbursement(
                actor, allocation, ilo, date(2026, 2, 1), amount, reference
            )
        db.session.commit()

    assert sorted(smtp.recipients()) == sorted(
        _emails(people.author, people.colleague) * 3
    )  # funded + two tranches each
    subjects = [m["Subject"] for m in smtp.to(people.colleague.email)]
    assert subjects[0].endswith("funded: Safe labour migration corridors")
    assert "USD 1,070,000.00 allocated" in text_of(smtp.to(people.colleague.email)[0])
    assert all("disbursement to ILO" in s for s in subjects[1:])
    tranche = text_of(smtp.to(people.colleague.email)[1])
    assert "USD 300,000.00" in tranche and "1 February 2026" in tranche and "TR-1" in tranche
    # The day is the transfer's (1 February), not the day it was recorded.
    assert "was made on 1 February 2026" in " ".join(tranche.split()), tranche


# After the commit, never for a rollback -----------------------------------------------------


def test_mail_leaves_only_after_the_commit(app, smtp, people, make_proposal):
    proposal_id = make_proposal(people.author)
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        proposal_operations.fire(proposal, "submit", user(people.author))
        db.session.flush()
        assert smtp.messages == []  # written to the outbox, not sent
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 4
        db.session.commit()
        assert len(smtp.messages) == 4


def test_a_rolled_back_action_sends_nothing(app, smtp, people, make_proposal):
    proposal_id = make_proposal(people.author)
    other_id = make_proposal(people.author, title="Another one")
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        proposal_operations.fire(proposal, "submit", user(people.author))
        db.session.flush()
        db.session.rollback()
        # A later transaction of the same session commits: only its own messages leave.
        proposal_operations.fire(db.session.get(Proposal, other_id), "submit", user(people.author))
        db.session.commit()
    assert len(smtp.messages) == 4
    assert all("Another one" in m["Subject"] for _, m in smtp.messages)
    with app.app_context():
        assert db.session.get(Proposal, proposal_id).status == "draft"
        titles = db.session.scalars(select(Notification.title)).all()
        assert titles and all("Another one" in t for t in titles)
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 4


def test_a_refused_request_sends_nothing(app, smtp, people, make_proposal):
    """A transition the workflow refuses (incomplete proposal) rolls back: no message."""
    proposal_id = make_proposal(people.author, complete=False)
    client = client_for(app, people.author)
    token = csrf_token(client, f"/proposals/{proposal_id}")
    response = client.post(
        f"/proposals/{proposal_id}/actions",
        data={
            "csrf_token": token,
            "version": str(_version(app, proposal_id)),
            "trigger": "submit",
            "comment": "",
        },
    )
    assert response.status_code == 400
    assert smtp.messages == []
    assert _outbox(app) == [] and _notified(app, unread=False) == {}


# A mail server that is down loses nothing ---------------------------------------------------


def test_a_mail_server_that_is_down_loses_nothing(app, backend, down_smtp, people, make_proposal):
    proposal_id = make_proposal(people.author)
    client = client_for(app, people.author)
    token = csrf_token(client, f"/proposals/{proposal_id}")
    response = client.post(
        f"/proposals/{proposal_id}/actions",
        data={
            "csrf_token": token,
            "version": str(_version(app, proposal_id)),
            "trigger": "submit",
            "comment": "",
        },
    )
    # The action is done, whatever the mail server does.
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Proposal, proposal_id).status == "submitted"
    rows = _outbox(app)
    assert len(rows) == 4
    for row in rows:
        assert row.sent_at is None and row.attempts == 1
        assert "cannot reach 127.0.0.1" in row.last_error
        assert row.next_attempt_at > utcnow() + timedelta(seconds=30)  # backing off

    runner = app.test_cli_runner()
    result = runner.invoke(args=["fund", "mail", "send-pending"])
    assert result.exit_code == 0, result.output
    assert "Sent 0" in result.output and "4 waiting" in result.output

    down_smtp.start()
    assert down_smtp.messages == []
    # Time passes: the retry is due.
    with app.app_context():
        db.session.execute(
            update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
    result = runner.invoke(args=["fund", "mail", "send-pending"])
    assert result.exit_code == 0, result.output
    assert "Sent 4" in result.output and "0 waiting" in result.output
    assert down_smtp.recipients() == _emails(
        people.author, people.colleague, people.secretariat, people.secretariat2
    )
    assert all(r.sent_at is not None and r.attempts == 2 for r in _outbox(app))
    assert all(r.last_error is None and r.next_attempt_at is None for r in _outbox(app))

    # Nothing is sent twice.
    result = runner.invoke(args=["fund", "mail", "send-pending"])
    assert "Sent 0" in result.output
    assert len(down_smtp.messages) == 4


def test_failures_back_off_and_include_waiting_retries_at_once(
    app, down_smtp, people, make_proposal
):
    _submitted(app, people, make_proposal)
    first = _outbox(app)[0]
    assert first.attempts == 1 and first.next_attempt_at is not None
    runner = app.test_cli_runner()
    with app.app_context():
        # A second failure waits twice as long as the first.
        report = outbox.deliver(include_waiting=True)
        assert report.failed == 4 and report.sent == 0
    second = _outbox(app)[0]
    assert second.attempts == 2
    assert outbox.retry_delay(1) == timedelta(minutes=1)
    assert outbox.retry_delay(2) == timedelta(minutes=2)
    assert outbox.retry_delay(30) == outbox.RETRY_MAX
    down_smtp.start()
    result = runner.invoke(args=["fund", "mail", "send-pending", "--include-waiting"])
    assert "Sent 4" in result.output, result.output
    assert len(down_smtp.messages) == 4


def test_a_refused_recipient_is_given_up_and_the_rest_are_sent(
    app, smtp, people, make_proposal, create_user
):
    refused = create_user(
        roles=("applicant",), organization_acronym="ILO", email="refused@example.org"
    )
    _submitted(app, people, make_proposal)
    assert refused.email not in smtp.recipients()
    submitted = [m for _, m in smtp.messages if m["Subject"].startswith("P-")]
    assert len(submitted) == 4  # the others got theirs
    row = next(r for r in _outbox(app) if r.to_email == refused.email)
    assert row.sent_at is None and row.next_attempt_at is None
    assert row.last_error.startswith("given up after 1 attempt: ") and "refused" in row.last_error
    result = app.test_cli_runner().invoke(args=["fund", "mail", "send-pending"])
    assert "Sent 0" in result.output and "1 given up" in result.output


def test_without_a_mail_server_messages_go_to_the_log(
    app, people, make_proposal, caplog, monkeypatch
):
    assert not app.config["MAIL_SERVER"]
    # Alembic's logging setup (the test database is migrated) disables existing loggers.
    monkeypatch.setattr(logging.getLogger("fund.mail"), "disabled", False)
    with caplog.at_level(logging.INFO, logger="fund.mail"):
        proposal_id = _submitted(app, people, make_proposal)
    logged = [r.getMessage() for r in caplog.records if r.name == "fund.mail"]
    assert len(logged) == 4
    assert any(people.author.email in m and f"P-{proposal_id:05d} submitted" in m for m in logged)
    assert all(r.sent_at is not None for r in _outbox(app))


def test_two_senders_never_send_the_same_message(app, down_smtp, people, make_proposal):
    _submitted(app, people, make_proposal)
    down_smtp.start()
    with app.app_context():
        ids = [r.id for r in _outbox(app)]
        # Another sender claimed the first message a moment ago (its lease holds).
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == ids[0])
            .values(next_attempt_at=utcnow() + outbox.LEASE)
        )
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id != ids[0])
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
        report = outbox.deliver()
    assert report.sent == 3 and len(down_smtp.messages) == 3


# Preferences and digests ------------------------------------------------------------------


def _prefer(app, person, **choices: str) -> None:
    with app.app_context():
        operations.set_preferences(user(person), choices)
        db.session.commit()


def test_preferences_off_digest_and_immediate(app, smtp, people, make_proposal):
    _prefer(app, people.secretariat, submission_received="off")
    _prefer(app, people.secretariat2, submission_received="digest")
    _prefer(app, people.colleague, submission_received="immediate")
    first = _submitted(app, people, make_proposal)
    second = _submitted(app, people, make_proposal)

    # Immediately: the applicants; nothing for "off"; the digest waits.
    assert smtp.recipients() == sorted(_emails(people.author, people.colleague) * 2)
    notified = _notified(app, "submission_received")
    assert people.secretariat.id not in notified  # not at all: not in the list either
    assert len(notified[people.secretariat2.id]) == 2  # in the list, waiting for the digest

    runner = app.test_cli_runner()
    result = runner.invoke(args=["fund", "mail", "digest"])
    assert result.exit_code == 0, result.output
    assert "Digests written: 1." in result.output
    digests = smtp.to(people.secretariat2.email)
    assert len(digests) == 1
    body = text_of(digests[0])
    assert "2 updates" in digests[0]["Subject"]
    assert f"P-{first:05d} submitted" in body and f"P-{second:05d} submitted" in body
    assert f"{BASE}/proposals/{first}" in body and f"{BASE}/proposals/{second}" in body
    assert f'href="{BASE}/proposals/{second}"' in html_of(digests[0])

    # A digest is sent once.
    result = runner.invoke(args=["fund", "mail", "digest"])
    assert "Digests written: 0." in result.output
    assert len(smtp.to(people.secretariat2.email)) == 1


def test_the_digest_leaves_out_what_was_read(app, smtp, people, make_proposal):
    _prefer(app, people.secretariat2, submission_received="digest")
    _submitted(app, people, make_proposal)
    with app.app_context():
        db.session.execute(
            update(Notification)
            .where(Notification.user_id == people.secretariat2.id)
            .values(read_at=utcnow())
        )
        db.session.commit()
        assert operations.write_digests() == 0
        db.session.commit()
        pending = db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.delivery == "digest", Notification.digested_at.is_(None))
        )
    assert pending == 0
    assert smtp.to(people.secretariat2.email) == []


def test_mandatory_messages_cannot_be_turned_off(app, smtp, people, make_proposal):
    assert {"returned_for_revision", "declared_ineligible", "proposal_decision"} <= (
        MANDATORY_KINDS
    )
    with app.app_context(), pytest.raises(operations.PreferenceRefused):
        operations.set_preferences(user(people.author), {"returned_for_revision": "off"})
    # Through the page: the choice is not offered, and a forged one is ignored.
    client = client_for(app, people.author)
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert 'name="kind_returned_for_revision"' not in page
    assert "Messages the fund must send" in page and "Returned for revision" in page
    token = csrf_token(client, "/notifications/preferences")
    client.post(
        "/notifications/preferences",
        data={
            "csrf_token": token,
            "kind_submission_received": "off",
            "kind_proposal_with_committee": "immediate",
            "kind_disbursement_recorded": "digest",
            "kind_returned_for_revision": "off",
        },
    )
    # Even a stored row (written behind the application's back) does not silence it.
    with app.app_context():
        db.session.add(
            NotificationPreference(
                user_id=people.colleague.id, kind="returned_for_revision", delivery="off"
            )
        )
        db.session.commit()
        stored = dict(
            db.session.execute(
                select(NotificationPreference.kind, NotificationPreference.delivery).where(
                    NotificationPreference.user_id == people.author.id
                )
            ).all()
        )
    assert stored == {"submission_received": "off", "disbursement_recorded": "digest"}

    proposal_id = _in_screening(app, people, make_proposal)
    _clear(app, smtp)
    _fire(app, proposal_id, "return_for_revision", people.secretariat, "Fix the budget.")
    assert smtp.recipients() == _emails(people.author, people.colleague)


def test_a_notice_of_a_proposal_the_member_may_no_longer_see_is_shown_without_its_link(
    app, people, make_proposal
):
    """A committee member's notice "for committee review" links to the review page while the
    member may open it; once the proposal was returned for revision (the page would answer
    404), the notifications page shows the notice without its link."""
    proposal_id = _under_review(app, people, make_proposal)
    member = client_for(app, people.unhcr)
    link = f'href="/committee/proposals/{proposal_id}"'
    assert link in member.get("/notifications/").get_data(as_text=True)
    assert member.get(f"/committee/proposals/{proposal_id}").status_code == 200
    with app.app_context():
        committee_operations.return_for_revision(
            proposal_id, user(people.secretariat), "Revise the budget."
        )
        db.session.commit()
    assert member.get(f"/committee/proposals/{proposal_id}").status_code == 404
    page = member.get("/notifications/").get_data(as_text=True)
    assert link not in page and "for committee review" in page


def test_the_preferences_page_states_the_report_reminders_days_as_set(app, people, monkeypatch):
    """The report reminders' description says the days they are sent on
    (`REPORT_REMINDER_DAYS`, read by `remind_reports` too), in the page's language."""
    client = client_for(app, people.author)
    page = html.unescape(client.get("/notifications/preferences").get_data(as_text=True))
    assert "owes is due in 30, 7 or 1 days." in page
    monkeypatch.setitem(app.config, "REPORT_REMINDER_DAYS", (3, 14))
    page = html.unescape(client.get("/notifications/preferences").get_data(as_text=True))
    assert "owes is due in 14 or 3 days." in page and "30, 7" not in page
    french = html.unescape(client.get("/notifications/preferences?lang=fr").get_data(as_text=True))
    assert "14 ou 3" in french


def test_the_preferences_page_saves_the_choices(app, people):
    client = client_for(app, people.unhcr)
    page = client.get("/notifications/preferences").get_data(as_text=True)
    # A committee member chooses for the committee's kinds only.
    assert 'name="kind_forwarded_to_committee"' in page
    assert 'name="kind_vote_deadline"' in page
    assert 'name="kind_submission_received"' not in page
    token = csrf_token(client, "/notifications/preferences")
    response = client.post(
        "/notifications/preferences",
        data={
            "csrf_token": token,
            "kind_forwarded_to_committee": "digest",
            "kind_vote_deadline": "immediate",
            "kind_round_closed": "off",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        chosen = operations.preferences_of(user(people.unhcr))
    assert chosen["forwarded_to_committee"] == "digest"
    assert chosen["round_closed"] == "off"
    assert chosen["vote_deadline"] == "immediate"
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert 'value="digest" checked' in page

    bad = client.post(
        "/notifications/preferences",
        data={"csrf_token": token, "kind_forwarded_to_committee": "sometimes"},
    )
    assert bad.status_code == 400
    assert "There is a problem" in bad.get_data(as_text=True)


def test_vote_deadline_reminders(app, smtp, people, make_proposal):
    proposal_id = _under_review(app, people, make_proposal)
    with app.app_context():
        round_ = committee_operations.open_round_of(proposal_id)
        round_.deadline = utcnow() + timedelta(hours=30)
        committee_operations.cast_vote(round_.id, user(people.unhcr), "approve")
        db.session.commit()
    _clear(app, smtp)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["fund", "mail", "remind-deadlines", "--hours", "24"])
    assert "Reminders written: 0." in result.output  # not within 24 hours yet
    result = runner.invoke(args=["fund", "mail", "remind-deadlines", "--hours", "48"])
    assert "Reminders written: 2." in result.output, result.output
    # Those who have not voted; not the one who did, not the recused.
    assert smtp.recipients() == _emails(people.unicef, people.independent)
    mail = smtp.to(people.unicef.email)[0]
    assert "your vote is due by" in mail["Subject"]
    assert "You have not voted yet" in text_of(mail)
    # Once per member and round.
    result = runner.invoke(args=["fund", "mail", "remind-deadlines", "--hours", "48"])
    assert "Reminders written: 0." in result.output
    assert len(smtp.messages) == 2


# The in-app list ---------------------------------------------------------------------------


def test_the_unread_count_takes_the_singular_or_plural_of_its_number(app, people, make_proposal):
    """The header's count and the list's line agree with their number in every language:
    "1 non lue", never "1 non lues"; the word screen readers hear after it too."""
    _submitted(app, people, make_proposal)
    _submitted(app, people, make_proposal)
    client = client_for(app, people.colleague)
    two = client.get("/?lang=fr").get_data(as_text=True)
    assert '2 non lues<span class="visually-hidden"> notifications</span>' in two
    with app.app_context():
        first = db.session.scalar(
            select(Notification.id)
            .where(Notification.user_id == people.colleague.id)
            .order_by(Notification.id)
        )
    token = csrf_token(client, "/notifications/")
    client.post(f"/notifications/{first}/read", data={"csrf_token": token})
    one = client.get("/notifications/?lang=fr").get_data(as_text=True)
    assert '1 non lue<span class="visually-hidden"> notification</span>' in one
    assert "1 non lue." in one and "non lue(s)" not in one
    english = client.get("/notifications/?lang=en").get_data(as_text=True)
    assert '1 unread<span class="visually-hidden"> notification</span>' in english
    assert "1 unread." in english


def test_a_large_unread_count_is_written_with_its_thousands_separated(app, people, make_proposal):
    """The list's line writes its count as the header does: "1,234 unread." (it once wrote
    "1234")."""
    _submitted(app, people, make_proposal)
    with app.app_context():
        first = db.session.scalar(
            select(Notification).where(Notification.user_id == people.colleague.id)
        )
        row = {
            column.name: getattr(first, column.key)
            for column in Notification.__table__.columns
            if column.name not in {"id", "dedupe_key"}
        }
        db.session.execute(insert(Notification), [row] * 1233)
        db.session.commit()
    client = client_for(app, people.colleague)
    page = client.get("/notifications/?lang=en").get_data(as_text=True)
    assert "1,234 unread." in page and "1234 unread" not in page
    assert '1,234 unread<span class="visually-hidden"> notifications</span>' in page


def test_unread_count_and_marking_read(app, people, make_proposal):
    _submitted(app, people, make_proposal)
    _submitted(app, people, make_proposal)
    client = client_for(app, people.colleague)
    home = client.get("/").get_data(as_text=True)
    assert "2 unread" in home
    assert 'href="/notifications/"' in home  # the navigation link

    page = client.get("/notifications/").get_data(as_text=True)
    assert page.count('class="notification unread"') == 2
    with app.app_context():
        mine = db.session.scalars(
            select(Notification.id)
            .where(Notification.user_id == people.colleague.id)
            .order_by(Notification.id)
        ).all()
        theirs = db.session.scalar(
            select(Notification.id).where(Notification.user_id == people.author.id)
        )
    token = csrf_token(client, "/notifications/")
    response = client.post(f"/notifications/{mine[0]}/read", data={"csrf_token": token})
    assert response.status_code == 302
    assert "1 unread" in client.get("/").get_data(as_text=True)
    unread_only = client.get("/notifications/?unread=1").get_data(as_text=True)
    assert unread_only.count('class="notification unread"') == 1

    # Someone else's notification cannot be touched.
    assert (
        client.post(f"/notifications/{theirs}/read", data={"csrf_token": token}).status_code == 404
    )
    assert _notified(app)[people.author.id]

    response = client.post("/notifications/read-all", data={"csrf_token": token})
    assert response.status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert "unread" not in home.split("</header>")[0]
    assert client.get("/notifications/").get_data(as_text=True).count("notification unread") == 0
    assert len(_notified(app)[people.author.id]) == 2  # the author's are still unread


def test_a_page_past_the_end_of_the_notifications_shows_the_last_page(app, people, make_proposal):
    """As every other list (`fund.pagination.paging`): a page number past the end shows the
    last page, not an empty list."""
    _submitted(app, people, make_proposal)
    client = client_for(app, people.colleague)
    page = client.get("/notifications/?page=9").get_data(as_text=True)
    assert page.count('class="notification unread"') == 1


def test_the_unread_count_costs_one_query(app, people, make_proposal):
    from sqlalchemy import event

    from fund.notifications.queries import UnreadCount

    _submitted(app, people, make_proposal)
    statements: list[str] = []

    def remember(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        colleague = user(people.colleague)
        count = UnreadCount(colleague)
        event.listen(db.engine, "before_cursor_execute", remember)
        try:
            assert bool(count) and str(count) == "1" and int(count) == 1
        finally:
            event.remove(db.engine, "before_cursor_execute", remember)
    assert len(statements) == 1
    assert not UnreadCount(SimpleNamespace(is_authenticated=False))


# Access ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/notifications/", "/notifications/preferences"])
def test_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("path", ["/notifications/1/read", "/notifications/read-all"])
def test_visitors_cannot_post(client, path):
    token = csrf_token(client, "/login")
    assert client.post(path, data={"csrf_token": token}).status_code == 401


@pytest.mark.parametrize("role", ["applicant", "secretariat", "committee", "admin"])
def test_every_signed_in_role_has_the_pages(app, create_user, role):
    user = create_user(roles=(role,), organization_acronym="ILO" if role == "applicant" else None)
    client = client_for(app, user)
    assert client.get("/notifications/").status_code == 200
    assert client.get("/notifications/preferences").status_code == 200


def test_posts_without_csrf_are_refused(app, people, make_proposal):
    _submitted(app, people, make_proposal)
    client = client_for(app, people.author)
    with app.app_context():
        mine = db.session.scalar(
            select(Notification.id).where(Notification.user_id == people.author.id)
        )
    assert client.post(f"/notifications/{mine}/read").status_code == 400
    assert client.post("/notifications/read-all").status_code == 400
    assert client.post("/notifications/preferences", data={}).status_code == 400
    assert _notified(app)[people.author.id]  # still unread


def test_routes_declare_signed_in_access(app):
    from fund.access import access_of

    for endpoint in ("index", "mark_read", "mark_all_read", "preferences"):
        access = access_of(app, f"notifications.{endpoint}")
        assert access is not None and not access.public and not access.roles


# Kinds ---------------------------------------------------------------------------------------


def test_every_kind_has_its_templates(app, people, make_proposal):
    """Each kind renders in text and HTML for each of its audiences."""
    proposal_id = make_proposal(people.author)
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        voting_round = SimpleNamespace(
            id=1, number=1, deadline=utcnow() + timedelta(days=1), summary=""
        )
        disbursement = SimpleNamespace(
            amount=Decimal("5.00"), paid_on=date(2026, 1, 1), reference="R"
        )
        context = {
            "proposal": proposal,
            "reference": "P-00001",
            "organization": "ILO",
            "submission": 1,
            "comment": "Because.",
            "outcome": "rejected",
            "voting_round": voting_round,
            "amount": Decimal("10.00"),
            "allocation": None,
            "disbursement": disbursement,
            "paid_to": proposal.organization,
            "link_url": f"{BASE}/x",
            "tally": SimpleNamespace(approve=2, reject=0, abstain=1),
            "not_disbursed": [("IOM", Decimal("0.01"))],
            "closed_on": date(2026, 1, 1),
            "refunds_due": [("ILO", Decimal("0.02"))],
            "reports_owed": [
                SimpleNamespace(
                    kind_label="Final narrative report",
                    period_start=date(2025, 1, 1),
                    period_end=date(2026, 1, 1),
                    due_on=date(2026, 4, 1),
                )
            ],
            "failed_to": "someone@example.org",
            "failed_name": "Some One",
            "failed_subject": "P-00001 submitted",
            "failed_written": utcnow(),
            "failed_attempts": 20,
            "failed_error": "550 No such mailbox",
            "report": SimpleNamespace(
                kind_label="Annual narrative report",
                period_start=date(2026, 1, 1),
                period_end=date(2026, 12, 31),
                due_on=date(2027, 3, 31),
            ),
            "days_left": 7,
            "request": SimpleNamespace(amount=Decimal("1.00"), tranche=2, override_reason="Why."),
            "revision": SimpleNamespace(number=1),
            "happened": "was approved by the secretariat",
        }
        for code, kind in KINDS.items():
            for audience in kind.audience:
                rendered = render.render(
                    code, "A title", {**context, "audience": audience}, user(people.author)
                )
                assert rendered.text.startswith(f"Dear {people.author.name},")
                assert f"{BASE}/x" in rendered.text and f'href="{BASE}/x"' in rendered.html
                assert rendered.summary and "Dear" not in rendered.summary
                assert ("cannot be turned off" in rendered.text) == kind.mandatory


def test_kinds_that_say_the_same_share_one_message():
    """No two mail templates are the same file: kinds whose message is the same name it once
    (`Kind.template`)."""
    folder = Path(__file__).resolve().parent.parent / "templates" / "mail"
    seen: dict[str, str] = {}
    for path in sorted(folder.glob("*.*")):
        text = path.read_text()
        assert text not in seen, f"{path.name} repeats {seen.get(text)}"
        seen[text] = path.name
    assert KINDS["revision_submitted"].message == KINDS["revision_decided"].message == "revision"


# The applicant hears the forward and the closing ---------------------------------------------


def test_the_applicants_hear_their_proposal_is_with_the_committee(
    app, backend, smtp, people, make_proposal
):
    _prefer(app, people.colleague, proposal_with_committee="digest")
    proposal_id = _in_screening(app, people, make_proposal)
    _clear(app, smtp)
    _fire(app, proposal_id, "forward_to_committee", people.secretariat, "Look at output 2.")

    # The author by email; the colleague chose the digest: in the app, no email yet. Another
    # organization's applicant hears nothing.
    assert set(_notified(app, "proposal_with_committee")) == _ids(people.author, people.colleague)
    assert people.colleague.email not in smtp.recipients()
    assert people.outsider.email not in smtp.recipients()
    (mail,) = smtp.to(people.author.email)
    reference = f"P-{proposal_id:05d}"
    assert (
        mail["Subject"]
        == f"{reference} forwarded to the committee: Safe labour migration corridors"
    )
    text = text_of(mail)
    assert "passed the eligibility screening" in text and "Executive Committee" in text
    # The applicant's page, not the committee's; the secretariat's note is for the committee.
    assert f"{BASE}/proposals/{proposal_id}\n" in text
    assert "/committee/" not in text and "Look at output 2." not in text
    assert f'href="{BASE}/proposals/{proposal_id}"' in html_of(mail)
    assert "Choose which messages you receive" in text  # the applicant may turn it off

    _prefer(app, people.author, proposal_with_committee="off")
    _prefer(app, people.colleague, proposal_with_committee="off")
    second = _in_screening(app, people, make_proposal)
    _clear(app, smtp)
    _fire(app, second, "forward_to_committee", people.secretariat)
    assert set(_notified(app, "proposal_with_committee")) == set()  # turned off
    assert not [m for _, m in smtp.messages if "forwarded to the committee" in m["Subject"]]


def _funded(app, people, make_proposal) -> int:
    """A proposal funded through the finance operations (USD 1,070,000 for ILO and IOM)."""
    from fund.accounts.models import Organization
    from fund.finance import operations as finance_operations

    proposal_id = make_proposal(people.author, status="approved")
    with app.app_context():
        actor = user(people.secretariat)
        donor = Organization(name="Kingdom of Donors", acronym="KDN", kind="other")
        db.session.add(donor)
        db.session.flush()
        finance_operations.record_contribution(actor, donor, utcnow().date(), Decimal("2000000.00"))
        finance_operations.fund_proposal(actor, db.session.get(Proposal, proposal_id))
        db.session.commit()
    return proposal_id


def test_the_applicants_hear_the_project_is_closed_with_what_was_left_unpaid(
    app, backend, smtp, people, make_proposal, create_user
):
    from fund.accounts.models import Organization
    from fund.finance import operations as finance_operations

    proposal_id = _funded(app, people, make_proposal)
    # IOM takes part and has a share: its staff owe its reports and any refund, and hear too.
    iom_staff = create_user(roles=("applicant",), organization_acronym="IOM")
    with app.app_context():
        # Behind the application's back: a mandatory message cannot be turned off.
        db.session.add(
            NotificationPreference(
                user_id=people.colleague.id, kind="project_closed", delivery="off"
            )
        )
        actor = user(people.secretariat)
        allocation = db.session.scalar(
            select(Allocation).where(Allocation.proposal_id == proposal_id)
        )
        ilo = db.session.scalar(select(Organization.id).where(Organization.acronym == "ILO"))
        finance_operations.record_disbursement(
            actor, allocation, ilo, utcnow().date(), Decimal("642000.00")
        )
        db.session.commit()
    _clear(app, smtp)
    with app.app_context():
        finance_operations.close_proposal(
            user(people.secretariat),
            db.session.get(Proposal, proposal_id),
            "The government ended the programme early.",
        )
        db.session.commit()
        assert db.session.get(Proposal, proposal_id).status == "closed"

    # Changed on purpose: the staff of every organization working on the programme are told
    # (they owe its reports and refunds), as of a revision's decision; the sentence says so.
    assert smtp.recipients() == _emails(people.author, people.colleague, iom_staff)
    assert set(_notified(app, "project_closed")) == _ids(people.author, people.colleague, iom_staff)
    mail = smtp.to(people.colleague.email)[0]
    assert mail["Subject"] == f"P-{proposal_id:05d} closed: Safe labour migration corridors"
    text = text_of(mail)
    assert "closed the funded programme" in text and "which your organization works on" in text
    # Its link opens the programme's reports, which every organization told may open.
    assert f"/programme-reports/programme/{proposal_id}" in text
    assert "Not disbursed at closing: IOM USD 428,000.00." in text
    assert "The reason recorded: The government ended the programme early." in text
    assert "cannot be turned off" in text
    assert "<li>IOM: USD 428,000.00</li>" in html_of(mail)


# The committee's votes -------------------------------------------------------------------------


def _round_of(app, proposal_id: int) -> int:
    with app.app_context():
        return committee_operations.open_round_of(proposal_id).id


def _vote(app, round_id: int, member, choice: str = "approve", comment: str = "") -> None:
    with app.app_context():
        committee_operations.cast_vote(round_id, user(member), choice, comment)
        db.session.commit()


def test_the_secretariat_hears_once_when_every_entitled_member_has_voted(
    app, backend, smtp, people, make_proposal
):
    _prefer(app, people.secretariat2, votes_complete="digest")
    proposal_id = _under_review(app, people, make_proposal)
    round_id = _round_of(app, proposal_id)
    _clear(app, smtp)
    _vote(app, round_id, people.unhcr)
    _vote(app, round_id, people.unicef, "abstain")
    assert _notified(app, "votes_complete") == {}  # the independent member has not voted

    # The recused ILO and IOM members are not waited for.
    _vote(app, round_id, people.independent, "reject", "No gender analysis.")
    told = _notified(app, "votes_complete")
    assert set(told) == _ids(people.secretariat, people.secretariat2)
    assert told[people.secretariat.id] == [
        f"P-{proposal_id:05d}: every member has voted in round 1"
    ]
    # secretariat2 chose the digest: no email now.
    (mail,) = [m for _, m in smtp.messages if "every member has voted" in m["Subject"]]
    assert mail["To"] == people.secretariat.email
    text = text_of(mail)
    assert "1 approve, 1 reject, 1 abstain. The round can be closed." in text
    assert f"{BASE}/committee/proposals/{proposal_id}" in text

    # A changed vote does not tell it again.
    _vote(app, round_id, people.independent, "approve")
    assert len(_notified(app, "votes_complete", unread=False)[people.secretariat.id]) == 1
    assert len([m for _, m in smtp.messages if "every member has voted" in m["Subject"]]) == 1


def test_a_declared_conflict_can_complete_the_votes(app, backend, smtp, people, make_proposal):
    proposal_id = _under_review(app, people, make_proposal)
    round_id = _round_of(app, proposal_id)
    _vote(app, round_id, people.unhcr)
    _vote(app, round_id, people.independent)
    _clear(app, smtp)
    with app.app_context():
        committee_operations.declare_conflict(round_id, user(people.unicef), "My sister leads it.")
        db.session.commit()
    assert set(_notified(app, "votes_complete")) == _ids(people.secretariat, people.secretariat2)
    text = text_of(smtp.to(people.secretariat.email)[0])
    assert "2 approve, 0 reject, 0 abstain" in text


def test_the_home_and_the_notification_agree_when_a_seat_can_no_longer_vote(
    app, backend, smtp, people, make_proposal
):
    """A seat nobody can vote for any more (its member left, no alternate) stops counting: once
    the other seats have voted, the secretariat is told every member has voted, and its Home
    lists the round as ready to close, for the same reason."""
    proposal_id = _under_review(app, people, make_proposal)
    round_id = _round_of(app, proposal_id)
    with app.app_context():
        db.session.get(User, people.independent.id).active = False
        db.session.commit()
    _vote(app, round_id, people.unhcr)
    _vote(app, round_id, people.unicef, "abstain")
    assert set(_notified(app, "votes_complete")) == _ids(people.secretariat, people.secretariat2)

    home = client_for(app, people.secretariat).get("/").get_data(as_text=True)
    start = home.index('data-task="rounds_to_close"')
    task = home[start : home.index('class="task-more"', start)]
    assert '<span class="task-count">1</span>' in task
    assert f"P-{proposal_id:05d}" in task and "every seat voted" in task


def test_voting_marks_the_members_awaited_vote_read(app, backend, smtp, people, make_proposal):
    proposal_id = _under_review(app, people, make_proposal)
    round_id = _round_of(app, proposal_id)
    with app.app_context():
        db.session.get(VotingRound, round_id).deadline = utcnow() + timedelta(hours=20)
        db.session.commit()
        assert operations.remind_deadlines(timedelta(hours=48)) == 3
        db.session.commit()
    awaited = ("forwarded_to_committee", "vote_deadline")
    for member in (people.unhcr, people.unicef, people.independent):
        for kind in awaited:
            assert member.id in _notified(app, kind)
    other = _submitted(app, people, make_proposal)  # an unrelated notification stays unread

    _vote(app, round_id, people.unhcr)
    with app.app_context():
        committee_operations.declare_conflict(round_id, user(people.unicef), "A conflict.")
        db.session.commit()
    for kind in awaited:
        unread = _notified(app, kind)
        assert people.unhcr.id not in unread and people.unicef.id not in unread
        assert people.independent.id in unread  # has not voted yet
    assert _notified(app, "submission_received")  # the other proposal's are untouched
    assert other

    # Through the committee's page the same.
    client = client_for(app, people.independent)
    page = f"/committee/proposals/{proposal_id}"
    token = csrf_token(client, page)
    response = client.post(
        f"/committee/rounds/{round_id}/vote",
        data={"csrf_token": token, "choice": "approve", "comment": "", "conditions": ""},
    )
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    for kind in awaited:
        assert _notified(app, kind) == {}


# Email that fails for good, and the end of an outage -----------------------------------------


def test_the_secretariat_is_warned_of_an_email_given_up_on(
    app, backend, smtp, people, make_proposal, create_user
):
    create_user(
        roles=("applicant",), organization_acronym="ILO", email="refused@example.org", name="Rob"
    )
    # A secretariat member whose own address is refused: told in the app only.
    refused_clerk = create_user(
        roles=("secretariat",), email="refused.clerk@example.org", name="Rene Clerk"
    )
    proposal_id = _submitted(app, people, make_proposal)
    subject = f"P-{proposal_id:05d} submitted: Safe labour migration corridors"

    told = _notified(app, "mail_undelivered")
    assert set(told) == _ids(people.secretariat, people.secretariat2, refused_clerk)
    assert sorted(told[people.secretariat.id]) == sorted(
        [
            f"Email not delivered to refused@example.org: {subject}",
            f"Email not delivered to refused.clerk@example.org: {subject}",
        ]
    )
    warnings = [m for _, m in smtp.messages if m["Subject"].startswith("Email not delivered")]
    assert sorted(m["To"] for m in warnings) == sorted(
        [people.secretariat.email, people.secretariat2.email] * 2
    )
    text = text_of(next(m for m in warnings if "refused@" in m["Subject"]))
    assert "To: refused@example.org (Rob)" in text and f"Subject: {subject}" in text
    assert "550" in text and "tried 1 time\n" in text
    assert "refused" not in "".join(smtp.recipients())
    # The warning about Rob's message to the clerk's refused address is given up on too, and
    # nothing is said about it; nothing more is waiting.
    rows = _outbox(app)
    assert sorted((r.kind, r.to_email) for r in rows if r.sent_at is None) == [
        ("mail_undelivered", refused_clerk.email),
        ("submission_received", "refused.clerk@example.org"),
        ("submission_received", "refused@example.org"),
    ]
    assert all(r.next_attempt_at is None for r in rows if r.sent_at is None)
    assert len(_notified(app, "mail_undelivered")[refused_clerk.id]) == 2


def test_a_message_given_up_after_its_last_attempt_warns_the_secretariat(
    app, backend, down_smtp, people, make_proposal
):
    _submitted(app, people, make_proposal)
    with app.app_context():
        db.session.execute(
            update(OutboxMessage).values(attempts=outbox.MAX_ATTEMPTS - 1, next_attempt_at=utcnow())
        )
        db.session.commit()
        report = outbox.deliver()
    assert report.given_up == 4
    told = _notified(app, "mail_undelivered")
    assert set(told) == _ids(people.secretariat, people.secretariat2)
    assert len(told[people.secretariat.id]) == 4
    # The server is down: the warnings wait in the outbox like any message. Each secretariat
    # member is emailed about the other's message, not about their own (in the app only).
    waiting = [r for r in _outbox(app) if r.kind == "mail_undelivered"]
    assert len(waiting) == 6 and all(r.sent_at is None and r.unreachable for r in waiting)
    down_smtp.start()
    result = app.test_cli_runner().invoke(args=["fund", "mail", "send-pending"])
    assert "Sent 6" in result.output, result.output
    assert {m["To"] for _, m in down_smtp.messages} == {
        people.secretariat.email,
        people.secretariat2.email,
    }


def test_after_an_outage_a_plain_send_pending_retries_at_once(
    app, backend, down_smtp, people, make_proposal
):
    _submitted(app, people, make_proposal)
    rows = _outbox(app)
    assert len(rows) == 4 and all(r.unreachable and r.attempts == 1 for r in rows)
    runner = app.test_cli_runner()

    # While the server is down nothing is spent on the waiting messages.
    result = runner.invoke(args=["fund", "mail", "send-pending"])
    assert "Sent 0; failed 0" in result.output and "4 waiting" in result.output
    assert all(r.attempts == 1 for r in _outbox(app))

    down_smtp.start()
    # --due-only keeps their back-off.
    result = runner.invoke(args=["fund", "mail", "send-pending", "--due-only"])
    assert "Sent 0" in result.output and "4 waiting" in result.output
    # A message that failed for another reason keeps its back-off too.
    with app.app_context():
        db.session.execute(
            update(OutboxMessage).where(OutboxMessage.id == rows[0].id).values(unreachable=False)
        )
        db.session.commit()
    result = runner.invoke(args=["fund", "mail", "send-pending"])
    assert "Sent 3" in result.output and "1 waiting" in result.output, result.output
    assert len(down_smtp.messages) == 3
    after = {r.id: r for r in _outbox(app)}
    assert after[rows[0].id].sent_at is None and after[rows[0].id].attempts == 1
    assert all(after[r.id].sent_at is not None and after[r.id].attempts == 2 for r in rows[1:])
    assert all(not r.unreachable for r in after.values())

    help_text = runner.invoke(args=["fund", "mail", "send-pending", "--help"]).output
    assert "After an outage of the mail server no flag is needed" in help_text
    assert "--due-only" in help_text
    refused = runner.invoke(
        args=["fund", "mail", "send-pending", "--due-only", "--include-waiting"]
    )
    assert refused.exit_code != 0 and "not both" in refused.output


# Wiring --------------------------------------------------------------------------------------


def test_importing_the_package_connects_nothing() -> None:
    """The receivers and the session hooks are connected by init_app, never by an import."""
    import subprocess
    import sys
    from pathlib import Path

    script = (
        "from sqlalchemy import event\n"
        "from fund.extensions import db\n"
        "from fund.notifications import outbox, receivers\n"
        "assert not [s for s, r in receivers.RECEIVERS if r in s.receivers.values()]\n"
        "assert not [n for n, f in outbox.SESSION_LISTENERS if event.contains(db.session, n, f)]\n"
    )
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_connecting_again_changes_nothing(app, monkeypatch) -> None:
    """create_app runs once per test: each receiver and hook is still connected once."""
    from fund import create_app, notifications
    from fund.notifications import receivers

    create_app("test", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    notifications.init_app(app)
    for signal, receiver in receivers.RECEIVERS:
        assert [r for r in signal.receivers.values() if r is receiver] == [receiver]
    delivered: list[list[int]] = []
    monkeypatch.setattr(outbox, "deliver", lambda ids: delivered.append(list(ids)))
    with app.app_context():
        db.session.add(
            OutboxMessage(
                kind="digest", to_email="a@example.org", subject="S", text_body="T", html_body="H"
            )
        )
        db.session.commit()
    assert len(delivered) == 1

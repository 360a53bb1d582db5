"""Who is told of a funded programme's transfer requests and revisions: the administrative
agent of a requested transfer, the secretariat of a submitted revision, the programme's
organizations of its decision; each with its email in the outbox, rendered from its template."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from fund.extensions import db
from fund.finance import transfers
from fund.finance.models import Allocation
from fund.notifications.models import Notification, OutboxMessage
from fund.reporting.models import ProgrammeReport
from fund.revisions import operations
from tests.helpers import client_for, org_id, user
from tests.test_revisions import _draft, _extension
from tests.test_revisions import prepared_programme as prepared_programme
from tests.test_revisions import programme as programme  # the fixture


def _told(kind: str) -> dict[int, Notification]:
    return {
        n.user_id: n
        for n in db.session.scalars(select(Notification).where(Notification.kind == kind))
    }


def _mails(user_ids) -> list[OutboxMessage]:
    return list(
        db.session.scalars(select(OutboxMessage).where(OutboxMessage.user_id.in_(list(user_ids))))
    )


def test_a_requested_transfer_is_told_to_the_administrative_agents(app, programme, create_user):
    agent = create_user(roles=("administrative_agent",), organization_acronym=None)
    both = create_user(
        roles=("secretariat", "administrative_agent"), organization_acronym=None, name="Both"
    )
    with app.app_context():
        allocation = db.session.scalar(
            select(Allocation).where(Allocation.proposal_id == programme["proposal"])
        )
        request = transfers.request_transfer(
            user(both), allocation, org_id("ILO"), Decimal("1000.00")
        )
        db.session.commit()
        told = _told("transfer_requested")
        # The agents, but not the one who requested it; nobody else.
        assert set(told) == {agent.id}
        notice = told[agent.id]
        assert notice.link == "/finance/transfers"
        assert (notice.subject_type, notice.subject_id) == ("transfer_request", request.id)
        assert "USD 1,000.00 to ILO requested" in notice.title
        (mail,) = [m for m in _mails([agent.id]) if m.subject == notice.title]
        assert "Record it once the money is sent." in mail.text_body


def test_a_revision_submitted_then_decided_is_told(app, programme):
    with app.app_context():
        revision_id = _draft(programme, _extension(programme, 30), who="iom")
        operations.fire(user(programme["iom"]), revision_id, "submit")
        db.session.commit()
        submitted = _told("revision_submitted")
        assert set(submitted) == {programme["secretariat"].id}
        assert submitted[programme["secretariat"].id].link == f"/revisions/{revision_id}"
        assert _told("revision_decided") == {}

        operations.fire(user(programme["secretariat"]), revision_id, "approve", "Agreed.")
        db.session.commit()
        decided = _told("revision_decided")
        # The staff of the programme's organizations (ILO owns it, IOM takes part); not UNDP's.
        assert set(decided) == {programme["ilo"].id, programme["iom"].id}
        assert all("was approved by the secretariat" in n.title for n in decided.values())
        mails = [m for m in _mails(decided) if m.kind == "revision_decided"]
        assert len(mails) == 2 and all("Comment: Agreed." in m.text_body for m in mails)


def test_a_requested_transfers_title_writes_its_amount_in_the_agents_language(
    app, programme, create_user
):
    french = create_user(roles=("administrative_agent",), organization_acronym=None, language="fr")
    with app.app_context():
        allocation = db.session.scalar(
            select(Allocation).where(Allocation.proposal_id == programme["proposal"])
        )
        transfers.request_transfer(
            user(programme["secretariat"]), allocation, org_id("ILO"), Decimal("1000.00")
        )
        db.session.commit()
        title = _told("transfer_requested")[french.id].title
    assert "virement de 1\u202f000,00\u00a0$US à ILO demandé" in title


def test_a_revision_with_the_committee_asks_its_members_to_vote(app, programme):
    """A round about a revision asks the members entitled in it to vote, as a proposal's round
    does: when the revision is forwarded and when a new round opens after one without quorum.
    A round without quorum is told to the programme's organizations as the revision's news,
    never as a decision on the proposal."""
    from fund.committee import operations as committee_operations
    from fund.committee.models import VotingRound
    from tests.test_revisions import _forwarded

    member = programme["committee"].id
    with app.app_context():
        before = set(db.session.scalars(select(Notification.id)))  # the proposal's own path
        revision_id, round_id = _forwarded(programme, _extension(programme, 32))
        asked = {
            n.user_id: n
            for n in db.session.scalars(
                select(Notification).where(
                    Notification.kind == "forwarded_to_committee", Notification.id.not_in(before)
                )
            )
        }
        assert set(asked) == {member}
        number = db.session.get(VotingRound, round_id).number  # the programme's rounds go on
        assert f"voting round {number} on revision 1 is open" in asked[member].title
        assert asked[member].link == f"/committee/proposals/{programme['proposal']}"
        (mail,) = [m for m in _mails([member]) if m.subject == asked[member].title]
        assert "revision 1 of programme" in mail.text_body and "cast your vote" in mail.text_body

        committee_operations.close_round(round_id, user(programme["secretariat"]))
        db.session.commit()
        assert db.session.get(VotingRound, round_id).outcome == "no_quorum"
        assert not [n for n in _told("proposal_decision").values() if n.id not in before]
        decided = _told("revision_decided")
        assert set(decided) == {programme["ilo"].id, programme["iom"].id}
        assert all("no committee decision" in n.title for n in decided.values())
        assert all(n.link == f"/revisions/{revision_id}" for n in decided.values())

        again = operations.open_new_round(user(programme["secretariat"]), revision_id)
        db.session.commit()
        titles = [
            n.title
            for n in db.session.scalars(
                select(Notification)
                .where(
                    Notification.kind == "forwarded_to_committee",
                    Notification.user_id == member,
                    Notification.id.not_in(before),
                )
                .order_by(Notification.id)
            )
        ]
        assert len(titles) == 2 and f"voting round {again.number}" in titles[-1]


def test_a_reminder_of_a_report_planned_away_is_shown_without_its_link(app, programme):
    """A report reminder links to its report while it exists; once the reports were planned
    again without it (a revision, a closure), the notice stays, without its link."""
    ilo = programme["ilo"]
    with app.app_context():
        report = db.session.scalars(
            select(ProgrammeReport).where(ProgrammeReport.proposal_id == programme["proposal"])
        ).first()
        db.session.add(
            Notification(
                user_id=ilo.id,
                kind="report_due",
                subject_type="programme_report",
                subject_id=report.id,
                title="A report is due",
                link=f"/programme-reports/{report.id}",
            )
        )
        db.session.commit()
        report_id = report.id
    client = client_for(app, ilo)
    link = f'href="/programme-reports/{report_id}"'
    assert link in client.get("/notifications/").get_data(as_text=True)
    with app.app_context():
        db.session.delete(db.session.get(ProgrammeReport, report_id))  # as planning again does
        db.session.commit()
    page = client.get("/notifications/").get_data(as_text=True)
    assert link not in page and "A report is due" in page

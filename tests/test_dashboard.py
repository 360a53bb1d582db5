"""Home's task dashboards: per role, what waits, counted, the oldest first, with links to the
items and to the lists that hold them; the words when nothing waits; a fixed number of SQL
statements whatever the data."""

from __future__ import annotations

import html as html_module
import re
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from fund.accounts.models import Organization
from fund.calls.models import Call
from fund.committee.models import DEADLINE_NEAR, Meeting, VotingRound
from fund.days import in_words
from fund.extensions import db, utcnow
from fund.finance import agent
from fund.finance import operations as finance_operations
from fund.finance import transfers as transfer_operations
from fund.finance.models import Allocation
from fund.finance.schedule_models import PlannedTranche
from fund.finance.transfer_schedule import plan_transfer_schedule
from fund.notifications.models import Notification, OutboxMessage
from fund.proposals.models import BudgetLine
from fund.reporting.models import ProgrammeReport
from tests.factories import new_open_call, new_proposal
from tests.helpers import client_for, count_statements, new_user, org_id, user

TASK = re.compile(
    r'data-task="(\w+)">\s*<h3 class="task-title"><span class="task-count">(\d+)</span>'
)


def _counts(html: str) -> dict[str, int]:
    return {key: int(count) for key, count in TASK.findall(html)}


def _home(app, person) -> str:
    with app.app_context():
        client = client_for(app, user(person))
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _task(html: str, key: str) -> str:
    start = html.index(f'data-task="{key}"')
    return html[start : html.index("</li>\n", html.index('class="task-more"', start))]


# Applicants -----------------------------------------------------------------------------------


def test_an_applicant_sees_their_organizations_drafts_and_returned_proposals_oldest_first(
    app, create_user, open_call
):
    author = create_user(roles=("applicant",))
    other = create_user(roles=("applicant",), organization_acronym="UNICEF")
    with app.app_context():
        old = new_proposal(user(author), open_call, title="Older draft")
        old.updated_at = utcnow() - timedelta(days=20)
        new = new_proposal(user(author), open_call, title="Newer draft")
        returned = new_proposal(user(author), open_call, "returned", title="Sent back")
        new_proposal(user(other), open_call, title="Not ours")
        db.session.commit()
        old_id, new_id, returned_id = old.id, new.id, returned.id
    html = _home(app, author)
    counts = _counts(html)
    assert counts["drafts"] == 2 and counts["returned"] == 1
    assert counts["reports_due"] == 0 and counts["revisions_open"] == 0
    drafts = _task(html, "drafts")
    assert "2</span> drafts to finish" in drafts
    assert drafts.index(f"/proposals/{old_id}") < drafts.index(f"/proposals/{new_id}")
    assert "Not ours" not in html
    assert 'href="/proposals?status=draft"' in drafts
    assert f"/proposals/{returned_id}" in _task(html, "returned")
    assert "1</span> proposal returned for revision" in html


def test_an_applicant_of_the_secretariat_too_is_linked_to_their_organizations_drafts(
    app, create_user, open_call
):
    """Home counts the organization's drafts; for a person who also sees every proposal (of
    the secretariat too), the link lists those drafts only, as many as Home counts."""
    both = create_user(roles=("applicant", "secretariat"), organization_acronym="ILO")
    other = create_user(roles=("applicant",), organization_acronym="UNICEF")
    with app.app_context():
        new_proposal(user(both), open_call, title="Our draft")
        new_proposal(user(other), open_call, title="Their draft")
        db.session.commit()
        client = client_for(app, user(both))
    html = _home(app, both)
    assert _counts(html)["drafts"] == 1
    link = re.search(r'href="(/proposals\?status=draft[^"]*)"', _task(html, "drafts"))
    listed = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "Our draft" in listed and "Their draft" not in listed


def test_a_draft_past_its_call_says_so_on_home_as_its_page_does(app, create_user, open_call):
    """Home's drafts to finish: a draft whose call closed since says why it can no longer be
    submitted, as its page does (`submission_state`), in red; the others when they were saved."""
    author = create_user(roles=("applicant",))
    with app.app_context():
        late = new_proposal(user(author), new_open_call(title="Closed call").id, title="Too late")
        new_proposal(user(author), open_call, title="In time")
        db.session.get(Call, late.call_id).closes_on = utcnow().date() - timedelta(days=1)
        db.session.commit()
        day = utcnow().date() - timedelta(days=1)
    drafts = html_module.unescape(_task(_home(app, author), "drafts"))
    assert f"The call “Closed call” closed on {day.day} {day:%B %Y}." in drafts
    assert 'class="task-note late">The call' in drafts
    assert "Full proposal, last saved" in drafts  # the draft in time


def test_an_applicant_with_nothing_waiting_reads_it_in_words(app, create_user):
    author = create_user(roles=("applicant",))
    html = _home(app, author)
    assert "Nothing waits for you" in html
    assert "data-task=" not in html


def test_the_links_of_a_task_lead_to_its_filtered_list(app, create_user, open_call):
    author = create_user(roles=("applicant",))
    with app.app_context():
        draft = new_proposal(user(author), open_call, title="Listed draft")
        db.session.commit()
        draft_id = draft.id
    with app.app_context():
        client = client_for(app, user(author))
    html = client.get("/").get_data(as_text=True)
    listing = re.search(r'<a href="([^"]+)">All drafts', html).group(1)
    page = client.get(listing.replace("&amp;", "&"))
    assert page.status_code == 200
    assert "Listed draft" in page.get_data(as_text=True)
    assert client.get(f"/proposals/{draft_id}").status_code == 200


def test_an_applicant_sees_reports_due_and_overdue(app, create_user, open_call):
    author = create_user(roles=("applicant",))
    with app.app_context():
        programme = new_proposal(user(author), open_call, "funded", title="Funded here")
        reports = db.session.scalars(
            select(ProgrammeReport)
            .where(ProgrammeReport.proposal_id == programme.id)
            .order_by(ProgrammeReport.due_on)
        ).all()
        today = utcnow().date()
        reports[0].due_on = today - timedelta(days=3)
        reports[1].due_on = today + timedelta(days=10)
        for later in reports[2:]:
            later.due_on = today + timedelta(days=400)
        db.session.commit()
        first = reports[0].id
    html = _home(app, author)
    assert _counts(html)["reports_due"] == 2
    due = _task(html, "reports_due")
    assert f"/programme-reports/{first}" in due
    assert "overdue since" in due and 'class="task-note late"' in due


def test_an_applicant_sees_their_funded_programmes_with_what_is_due_next(
    app, create_user, open_call
):
    lead = create_user(roles=("applicant",), organization_acronym="UNICEF")
    partner = create_user(roles=("applicant",), organization_acronym="IOM")
    outsider = create_user(roles=("applicant",), organization_acronym="UNDP")
    with app.app_context():
        programme = new_proposal(user(lead), open_call, "funded", title="Funded here")
        first = db.session.scalars(
            select(ProgrammeReport)
            .where(ProgrammeReport.proposal_id == programme.id)
            .order_by(ProgrammeReport.due_on)
        ).first()
        first.due_on = utcnow().date() + timedelta(days=200)  # not due within 30 days
        db.session.commit()
        programme_id = programme.id
    for person in (lead, partner):
        html = _home(app, person)
        assert _counts(html)["programmes"] == 1
        listed = _task(html, "programmes")
        assert "1</span> funded programme" in listed
        # Its link opens for every organization of the programme, not only for the one that
        # submitted it: the programme's page of reports and revisions.
        assert f'href="/programme-reports/programme/{programme_id}"' in listed
        with app.app_context():
            client = client_for(app, user(person))
        assert client.get(f"/programme-reports/programme/{programme_id}").status_code == 200
        assert "Funded here" in listed and "next report due" in listed
    html = _home(app, outsider)
    assert "Funded here" not in html and 'data-task="programmes"' not in html


# The secretariat ------------------------------------------------------------------------------


def test_the_secretariat_counts_each_queue(app, create_user, open_call):
    author = create_user(roles=("applicant",))
    staff = create_user(roles=("secretariat",), organization_acronym=None)
    with app.app_context():
        first = new_proposal(user(author), open_call, "submitted", title="First in")
        first.submitted_at = utcnow() - timedelta(days=9)
        second = new_proposal(user(author), open_call, "submitted", title="Second in")
        new_proposal(user(author), open_call, "approved", title="Awaiting money")
        funded = new_proposal(user(author), open_call, "funded", title="Running")
        reports = db.session.scalars(
            select(ProgrammeReport).where(ProgrammeReport.proposal_id == funded.id)
        ).all()
        reports[0].due_on = utcnow().date() - timedelta(days=1)
        reports[1].status = "submitted"
        reports[1].submitted_at = utcnow()
        review = new_proposal(user(author), open_call, "committee_review", title="Voting")
        round_ = db.session.scalar(select(VotingRound).where(VotingRound.proposal_id == review.id))
        round_.deadline = utcnow() - timedelta(hours=1)
        db.session.commit()
        first_id, second_id = first.id, second.id
    html = _home(app, staff)
    counts = _counts(html)
    assert counts["to_screen"] == 2
    assert counts["approved_to_fund"] == 1
    assert counts["reports_overdue"] == 1
    assert counts["reports_to_review"] == 1
    assert counts["rounds_to_close"] == 1
    assert counts["revisions_to_decide"] == 0
    screen = _task(html, "to_screen")
    assert screen.index(f"/screening/{first_id}") < screen.index(f"/screening/{second_id}")
    assert "deadline passed" in _task(html, "rounds_to_close")


def test_the_secretariat_sees_tranches_planned_and_not_requested(app, create_user, open_call):
    author = create_user(roles=("applicant",))
    staff = create_user(roles=("secretariat",), organization_acronym=None)
    with app.app_context():
        funded = new_proposal(user(author), open_call, "funded", title="Tranches")
        db.session.commit()
        funded_id = funded.id
    html = _home(app, staff)
    tranches = _counts(html)["tranches_to_request"]
    assert tranches >= 1  # each participating organization's first tranche, planned at funding
    assert f"/finance/proposals/{funded_id}/transfer-requests" in _task(html, "tranches_to_request")
    with app.app_context():
        allocation = db.session.scalar(
            select(Allocation).where(Allocation.proposal_id == funded_id)
        )
        share = allocation.shares[0]
        transfer_operations.request_transfer(
            user(staff), allocation, share.organization_id, Decimal("1000.00")
        )
        db.session.commit()
    assert _counts(_home(app, staff))["tranches_to_request"] == tranches - 1


def test_an_organizations_first_tranche_in_a_later_year_is_its_next_one(
    app, create_user, open_call
):
    """An organization whose budget starts in the programme's second year has one planned
    tranche, numbered 2 (the year it pays for). It is that organization's next tranche for Home,
    the request form and the request alike: listed once due, requested as tranche 2, its first
    (only the schedule's condition applies)."""
    author = create_user(roles=("applicant",))
    staff = create_user(roles=("secretariat",), organization_acronym=None)
    with app.app_context():
        funded = new_proposal(
            user(author),
            open_call,
            "funded",
            title="Second-year start",
            lines=[("ILO", 6, "600000"), ("IOM", 6, "400000")],
        )
        for line in funded.budget_lines:
            if line.organization_id == org_id("IOM"):
                line.year = 2
        db.session.flush()
        allocation = db.session.scalar(
            select(Allocation).where(Allocation.proposal_id == funded.id)
        )
        start = utcnow().date() - timedelta(days=400)  # year 2 has begun
        plan_transfer_schedule(allocation, start=start)
        db.session.commit()
        iom = db.session.scalar(
            select(PlannedTranche).where(
                PlannedTranche.allocation_id == allocation.id,
                PlannedTranche.organization_id == org_id("IOM"),
            )
        )
        assert iom.number == 2 and iom.planned_on <= utcnow().date()
        funded_id, allocation_id = funded.id, allocation.id
    listed = _task(_home(app, staff), "tranches_to_request")
    assert "tranche 2" in listed and "IOM" in listed
    with app.app_context():
        client = client_for(app, user(staff))
    page = client.get(f"/finance/proposals/{funded_id}/transfer-requests")
    assert page.status_code == 200
    with app.app_context():
        request = transfer_operations.request_transfer(
            user(staff), db.session.get(Allocation, allocation_id), org_id("IOM"), Decimal("1000")
        )
        assert request.tranche == 2
        assert [c["name"] for c in request.conditions] == ["within_schedule"]


def test_an_organization_paid_its_whole_share_has_no_tranche_to_request(
    app, create_user, open_call
):
    """An organization whose share is paid in full (two planned tranches, one transfer that
    covered both, overridden) has nothing left to request: Home lists no tranche of it, as the
    request would refuse one."""
    author = create_user(roles=("applicant",))
    staff = create_user(roles=("secretariat",), organization_acronym=None)
    agent = create_user(roles=("administrative_agent",), organization_acronym=None)
    with app.app_context():
        funded = new_proposal(user(author), open_call, "funded", title="Paid at once")
        funded.budget_lines.append(  # IOM's budget now spans two years: two tranches
            BudgetLine(
                organization_id=org_id("IOM"),
                objective_number=funded.primary_objective_number,
                category_code=1,
                amount=Decimal("100000"),
                year=2,
            )
        )
        db.session.flush()
        allocation = db.session.scalar(
            select(Allocation).where(Allocation.proposal_id == funded.id)
        )
        plan_transfer_schedule(allocation, start=utcnow().date() - timedelta(days=400))
        db.session.commit()
        share = next(s for s in allocation.shares if s.organization_id == org_id("IOM"))
        request = transfer_operations.request_transfer(
            user(staff),
            allocation,
            org_id("IOM"),
            share.amount,
            override_reason="The committee agreed to pay it at once.",
        )
        finance_operations.record_disbursement(
            user(agent),
            allocation,
            org_id("IOM"),
            utcnow().date(),
            share.amount,
            "MPTF-9",
            request=request,
        )
        db.session.commit()
        planned = db.session.scalars(
            select(PlannedTranche.number).where(
                PlannedTranche.allocation_id == allocation.id,
                PlannedTranche.organization_id == org_id("IOM"),
            )
        ).all()
        assert sorted(planned) == [1, 2]
    assert "to IOM" not in _task(_home(app, staff), "tranches_to_request")


def test_the_secretariat_with_nothing_waiting(app, create_user):
    staff = create_user(roles=("secretariat",), organization_acronym=None)
    assert "Nothing waits for the secretariat" in _home(app, staff)


# The committee --------------------------------------------------------------------------------


def test_a_member_sees_the_votes_awaited_but_not_the_rounds_they_are_recused_from(
    app, create_user, open_call
):
    # The factory's proposals are ILO-led with IOM taking part: IOM's member is recused.
    entitled = create_user(roles=("committee",), organization_acronym="UNHCR")
    recused = create_user(roles=("committee",), organization_acronym="IOM")
    author = create_user(roles=("applicant",))
    with app.app_context():
        first = new_proposal(user(author), open_call, "committee_review", title="Vote on this")
        second = new_proposal(user(author), open_call, "committee_review", title="And this")
        round_ = db.session.scalar(select(VotingRound).where(VotingRound.proposal_id == second.id))
        round_.deadline = utcnow() + timedelta(days=1)
        db.session.add(
            Meeting(
                title="Next meeting",
                held_on=utcnow().date() + timedelta(days=5),
                created_at=utcnow(),
                updated_at=utcnow(),
            )
        )
        db.session.commit()
        first_id, second_id = first.id, second.id
    html = _home(app, entitled)
    counts = _counts(html)
    assert counts["votes_awaited"] == 2
    votes = _task(html, "votes_awaited")
    # The nearest deadline first, rounds without one last.
    assert votes.index(f"/committee/proposals/{second_id}") < votes.index(
        f"/committee/proposals/{first_id}"
    )
    assert "vote by" in votes and "no deadline set" in votes
    assert counts["meetings"] == 1 and "Next meeting" in _task(html, "meetings")
    assert _counts(_home(app, recused))["votes_awaited"] == 0


def test_a_round_past_its_deadline_says_so_on_the_members_home(app, create_user, open_call):
    """Listed still (the committee's page marks it "passed"), a round whose deadline passed is
    not announced as one to "vote by" a day gone: votes are no longer accepted."""
    entitled = create_user(roles=("committee",), organization_acronym="UNHCR")
    author = create_user(roles=("applicant",))
    with app.app_context():
        late = new_proposal(user(author), open_call, "committee_review", title="Too late")
        round_ = db.session.scalar(select(VotingRound).where(VotingRound.proposal_id == late.id))
        round_.deadline = utcnow() - timedelta(hours=1)
        db.session.commit()
    votes = _task(_home(app, entitled), "votes_awaited")
    assert "deadline passed" in votes and "vote by" not in votes


# The administrative agent and admins ----------------------------------------------------------


def _pledging_state() -> Organization:
    """A donor for the agent's pledges (flushed)."""
    donor = Organization(name="Pledging State", acronym="PLS", kind="other")
    db.session.add(donor)
    db.session.flush()
    return donor


def test_the_agent_sees_requests_to_pay_and_deposits_expected(app, create_user, open_call):
    author = create_user(roles=("applicant",))
    staff = create_user(roles=("secretariat",), organization_acronym=None)
    agent_user = create_user(roles=("administrative_agent",), organization_acronym=None)
    with app.app_context():
        funded = new_proposal(user(author), open_call, "funded", title="Paid out")
        allocation = db.session.scalar(
            select(Allocation).where(Allocation.proposal_id == funded.id)
        )
        transfer_operations.request_transfer(
            user(staff), allocation, allocation.shares[0].organization_id, Decimal("500.00")
        )
        donor = _pledging_state()
        today = utcnow().date()
        agent.record_pledge(
            user(agent_user),
            donor,
            today - timedelta(days=60),
            "EUR",
            Decimal("300.00"),
            [
                (today - timedelta(days=30), Decimal("100.00")),
                (today + timedelta(days=300), Decimal("200.00")),
            ],
        )
        agent.record_pledge(
            user(agent_user),
            donor,
            today,
            "EUR",
            Decimal("50.00"),
            [(today + timedelta(days=30), Decimal("50.00"))],
        )
        db.session.commit()
    html = _home(app, agent_user)
    counts = _counts(html)
    assert counts["transfers_to_pay"] == 1
    assert counts["deposits_to_record"] == 1
    assert "EUR 100.00 expected by today" in _task(html, "deposits_to_record")


def test_the_agents_late_pledge_reads_its_first_unpaid_payment(app, create_user):
    """Paid: the first payment; late: the second. Home names the second's day, the one the
    pledge page's deposit form fills in (`next_expected`), not the first payment's."""
    agent_user = create_user(roles=("administrative_agent",), organization_acronym=None)
    today = utcnow().date()
    with app.app_context():
        donor = _pledging_state()
        pledge = agent.record_pledge(
            user(agent_user),
            donor,
            today - timedelta(days=300),
            "EUR",
            Decimal("300.00"),
            [
                (today - timedelta(days=200), Decimal("100.00")),
                (today - timedelta(days=30), Decimal("100.00")),
                (today + timedelta(days=150), Decimal("100.00")),
            ],
        )
        agent.record_deposit(
            user(agent_user),
            donor,
            today - timedelta(days=190),
            "EUR",
            Decimal("100.00"),
            Decimal("1.1"),
            pledge=pledge,
        )
        db.session.commit()
        second = agent.next_expected(pledge, Decimal("100.00"))[0]
        when = in_words(second)
    task = _task(_home(app, agent_user), "deposits_to_record")
    assert f"EUR 100.00 expected by today, first due {when}" in task, task


def _given_up(to: str, subject: str) -> OutboxMessage:
    """A digest email the outbox gave up on after its fifth attempt (flushed)."""
    mail = OutboxMessage(
        kind="digest",
        to_email=to,
        subject=subject,
        text_body="",
        html_body="",
        attempts=5,
        last_error="550 No such mailbox",
    )
    db.session.add(mail)
    db.session.flush()
    mail.next_attempt_at = None  # given up: no further attempt
    return mail


def test_an_admin_sees_locked_accounts_and_emails_not_delivered(app, create_user):
    admin = create_user(roles=("admin",), organization_acronym=None)
    locked = create_user(roles=("applicant",), name="Locked Out")
    with app.app_context():
        person = user(locked)
        person.failed_login_count = app.config["LOGIN_LOCKOUT_ATTEMPTS"]
        person.failed_login_window_start = utcnow() - timedelta(minutes=1)
        old = user(create_user(roles=("applicant",), name="Long Ago"))
        old.failed_login_count = app.config["LOGIN_LOCKOUT_ATTEMPTS"]
        old.failed_login_window_start = utcnow() - timedelta(days=2)  # the lockout is over
        _given_up("nobody@example.org", "Your digest")
        db.session.commit()
        locked_id = locked.id
    html = _home(app, admin)
    counts = _counts(html)
    assert counts["locked_accounts"] == 1 and counts["failed_emails"] == 1
    assert f"/admin/users/{locked_id}" in _task(html, "locked_accounts")
    with app.app_context():
        client = client_for(app, user(admin))
    page = client.get("/admin/emails").get_data(as_text=True)
    assert "nobody@example.org" in page and "550 No such mailbox" in page


def test_the_users_list_home_links_to_shows_the_locked_accounts(app, create_user):
    """Home's locked accounts link to "All users": the list says which are locked, by the rule
    sign-in and Home read (`locked_until`)."""
    admin = create_user(roles=("admin",), organization_acronym=None)
    locked = create_user(roles=("applicant",), name="Locked Out")
    free = create_user(roles=("applicant",), name="Free Person")
    gone = create_user(roles=("applicant",), name="Gone Away")
    with app.app_context():
        for person in (user(locked), user(gone)):
            person.failed_login_count = app.config["LOGIN_LOCKOUT_ATTEMPTS"]
            person.failed_login_window_start = utcnow() - timedelta(minutes=1)
        user(gone).active = False  # deactivated: it cannot sign in, locked or not
        db.session.commit()
        client = client_for(app, user(admin))
    html = _home(app, admin)
    assert _counts(html)["locked_accounts"] == 1 and "Gone Away" not in html
    assert 'href="/admin/users"' in _task(html, "locked_accounts")
    page = client.get("/admin/users").get_data(as_text=True)
    row = page.split(f'/admin/users/{locked.id}"')[1].split("</tr>")[0]
    assert "<strong>Locked until " in row
    other = page.split(f'/admin/users/{free.id}"')[1].split("</tr>")[0]
    assert "Locked" not in other and "Active" in other
    deactivated = page.split(f'/admin/users/{gone.id}"')[1].split("</tr>")[0]
    assert "Deactivated" in deactivated and "Locked" not in deactivated


def test_the_emails_page_counts_and_pages_what_home_counts(app, create_user):
    """Home's count of the emails not delivered is the page's: the page counts them all and
    pages them (the oldest first), never stopping at a limit of its own."""
    admin = create_user(roles=("admin",), organization_acronym=None)
    with app.app_context():
        for n in range(30):
            _given_up(f"nobody{n}@example.org", f"Digest {n}")
        db.session.commit()
        client = client_for(app, user(admin))
    assert _counts(_home(app, admin))["failed_emails"] == 30
    first = client.get("/admin/emails").get_data(as_text=True)
    assert "30 emails not delivered" in first and "nobody0@example.org" in first
    assert "nobody29@example.org" not in first and "/admin/emails?page=2" in first
    second = client.get("/admin/emails?page=2").get_data(as_text=True)
    assert "nobody29@example.org" in second and "nobody0@example.org" not in second


def test_the_emails_page_is_the_admins(app, create_user):
    staff = create_user(roles=("secretariat",), organization_acronym=None)
    with app.app_context():
        client = client_for(app, user(staff))
    assert client.get("/admin/emails").status_code == 403


# Statements -----------------------------------------------------------------------------------


def _statements(app, person) -> int:
    with app.app_context():
        client = client_for(app, user(person))
    client.get("/")
    return count_statements(app, lambda: client.get("/"))


def test_home_reads_a_fixed_number_of_statements_whatever_waits(app, create_user, open_call):
    author = create_user(roles=("applicant",))
    staff = create_user(roles=("secretariat", "admin"), organization_acronym=None)
    with app.app_context():
        new_proposal(user(author), open_call, "submitted", title="One")
        new_proposal(user(author), open_call, title="Draft one")
        db.session.commit()
    few = {"author": _statements(app, author), "staff": _statements(app, staff)}
    with app.app_context():
        for n in range(6):
            new_proposal(user(author), open_call, "submitted", title=f"More {n}")
            new_proposal(user(author), open_call, title=f"Draft {n}")
            new_proposal(user(author), open_call, "approved", title=f"Approved {n}")
        for _ in range(4):
            new_user(
                ("applicant",), "ILO", failed_login_count=99, failed_login_window_start=utcnow()
            )
        db.session.commit()
    many = {"author": _statements(app, author), "staff": _statements(app, staff)}
    assert many == few


def test_an_applicant_of_no_organization_has_nothing_of_their_own(app, create_user):
    author = create_user(roles=("applicant",), organization_acronym=None)
    html = _home(app, author)
    assert "Nothing waits for you" in html


def test_a_vote_is_marked_near_its_deadline_when_its_reminder_is_due(app, create_user, open_call):
    """One rule for a near deadline: the Home marks a vote whose round closes within the window
    `flask fund mail remind-deadlines` reminds of by default, and no other."""
    member = create_user(roles=("committee",), organization_acronym="UNHCR")
    author = create_user(roles=("applicant",))
    with app.app_context():
        near = new_proposal(user(author), open_call, "committee_review", title="Closes soon")
        far = new_proposal(user(author), open_call, "committee_review", title="Closes later")
        for proposal, hours in ((near, -1), (far, +1)):
            round_ = db.session.scalar(
                select(VotingRound).where(VotingRound.proposal_id == proposal.id)
            )
            round_.deadline = utcnow() + DEADLINE_NEAR + timedelta(hours=hours)
        db.session.commit()
        near_id, far_id = near.id, far.id
    votes = _task(_home(app, member), "votes_awaited")
    marked = re.findall(r'/committee/proposals/(\d+)">[^<]*</a> <bdi class="task-note late"', votes)
    assert marked == [str(near_id)], votes
    runner = app.test_cli_runner()
    assert runner.invoke(args=["fund", "mail", "remind-deadlines"]).exit_code == 0
    with app.app_context():
        told = db.session.scalars(
            select(Notification.subject_id).where(
                Notification.kind == "vote_deadline", Notification.user_id == member.id
            )
        ).all()
        rounds = {
            r.proposal_id: r.id
            for r in db.session.scalars(
                select(VotingRound).where(VotingRound.proposal_id.in_((near_id, far_id)))
            )
        }
    assert told == [rounds[near_id]]

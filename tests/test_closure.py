"""Closing a funded programme and the refunds of its unspent balances: the final expenditure per
organization (within what was transferred, proposed from the accepted financial reports), the
guards of `close` (final reports accepted, or a reason), the money never transferred given back
to its pools, the refunds (never above what is due) back to the pools the last drawn first, the
check constraints, the audit and the open data."""

from __future__ import annotations

import html
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from fund import caches
from fund.accounts.models import User
from fund.audit.models import AuditEvent
from fund.extensions import db, utcnow
from fund.finance import closure, closure_queries, operations, transfers
from fund.finance.closure_models import ClosureShare, ProgrammeClosure, Refund
from fund.finance.models import Allocation, AllocationSource, Pool
from fund.finance.operations import FinanceError
from fund.finance.transfer_models import TransferRequest
from fund.money import read_amount
from fund.proposals.models import Proposal
from fund.reporting import operations as report_operations
from fund.reporting.models import ProgrammeReport
from tests.factories import in_period
from tests.helpers import csrf_token, org_id, user
from workflows import TransitionRefused

D = Decimal


@pytest.fixture
def treasurer(create_user) -> User:
    return create_user(roles=("secretariat",), organization_acronym="IOM")


@pytest.fixture
def agent(create_user) -> User:
    return create_user(roles=("administrative_agent",), organization_acronym="UNDP")


@pytest.fixture
def programme(app, treasurer, donor, author, make_proposal) -> int:
    """A programme on objective 7 (thematic areas TA1 and TA2) drawn from three pools: TA1
    198,000.00, TA2 297,000.00, GENERAL 575,000.00; ILO paid its 642,000.00 in full (TA1,
    TA2, then 147,000.00 of GENERAL), IOM nothing yet."""
    with app.app_context():
        actor = user(treasurer.id)
        donor_row = db.session.get(type(actor.organization), donor.id)
        for gross, earmark in (("200000.00", "TA1"), ("300000.00", "TA2"), ("1000000.00", None)):
            operations.record_contribution(actor, donor_row, utcnow().date(), D(gross), earmark)
        db.session.commit()
    proposal_id = make_proposal(author, status="approved", primary_objective_number=7)
    with app.app_context():
        operations.fund_proposal(user(treasurer.id), db.session.get(Proposal, proposal_id))
        db.session.commit()
    pay(app, treasurer, proposal_id, "ILO", "642000.00")
    return proposal_id


def pay(app, actor, proposal_id: int, acronym: str, amount: str) -> None:
    with app.app_context():
        allocation = db.session.scalar(
            select(Allocation).where(Allocation.proposal_id == proposal_id)
        )
        operations.record_disbursement(
            user(actor.id), allocation, org_id(acronym), utcnow().date(), D(amount)
        )
        db.session.commit()


def close(app, actor, proposal_id: int, reason: str | None = None, **spent: str) -> None:
    with app.app_context():
        closure.close_programme(
            user(actor.id),
            db.session.get(Proposal, proposal_id),
            {org_id(acronym): D(amount) for acronym, amount in spent.items()},
            reason,
        )
        db.session.commit()


def refund(app, actor, proposal_id: int, acronym: str, amount: str, reference: str = "") -> int:
    with app.app_context():
        row = closure.record_refund(
            user(actor.id),
            db.session.get(Proposal, proposal_id),
            org_id(acronym),
            utcnow().date(),
            D(amount),
            reference,
        )
        db.session.commit()
        return row.id


def refused(app, function, *args, error=FinanceError) -> str:
    with app.app_context():
        with pytest.raises(error) as caught:
            function(*args)
        db.session.rollback()
        return str(caught.value)


def available(app) -> dict[str, Decimal]:
    with app.app_context():
        return {p.code: read_amount(p.available) for p in db.session.scalars(select(Pool))}


def sources(app, proposal_id: int) -> dict[str, tuple[Decimal, Decimal, Decimal, Decimal]]:
    """pool -> (amount, disbursed, released, refunded)."""
    with app.app_context():
        rows = db.session.scalars(
            select(AllocationSource)
            .join(Allocation, Allocation.id == AllocationSource.allocation_id)
            .where(Allocation.proposal_id == proposal_id)
        )
        return {
            s.pool_code: tuple(
                read_amount(v) for v in (s.amount, s.disbursed, s.released, s.refunded)
            )
            for s in rows
        }


def final_reports_accepted(proposal_id: int) -> None:
    """Set-up, in an application context: the programme's final reports accepted (the guard
    `final_reports_accepted_or_reason` of `close` then passes without a reason)."""
    db.session.execute(
        update(ProgrammeReport)
        .where(
            ProgrammeReport.proposal_id == proposal_id,
            ProgrammeReport.kind.in_(("final_narrative", "final_financial")),
        )
        .values(status="accepted")
    )


def accept_final_reports(app, proposal_id: int) -> None:
    """Set-up: the programme's final reports accepted."""
    with app.app_context():
        final_reports_accepted(proposal_id)
        db.session.commit()


# Closing ----------------------------------------------------------------------------------


def test_closing_releases_what_was_never_transferred_and_sets_the_refunds_due(
    app, treasurer, programme
) -> None:
    before = available(app)
    close(app, treasurer, programme, "IOM withdrew.", ILO="342000.00", IOM="0.00")
    assert sources(app, programme) == {
        "TA1": (D("198000.00"), D("198000.00"), D("0.00"), D("0.00")),
        "TA2": (D("297000.00"), D("297000.00"), D("0.00"), D("0.00")),
        "GENERAL": (D("575000.00"), D("147000.00"), D("428000.00"), D("0.00")),
    }
    assert available(app)["GENERAL"] == before["GENERAL"] + D("428000.00")
    with app.app_context():
        assert db.session.get(Proposal, programme).status == "closed"
        page = closure_queries.closed_programme(programme)
        assert page.released == D("428000.00")
        assert {s.name: (s.transferred, s.final_expenditure, s.due) for s in page.shares} == {
            "ILO": (D("642000.00"), D("342000.00"), D("300000.00")),
            "IOM": (D("0.00"), D("0.00"), D("0.00")),
        }
        (event,) = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "programme_closure_recorded")
        ).all()
        assert event.details["refund_due"] == {"ILO": "300000.00"}
        assert event.details["released"] == {"GENERAL": "428000.00"}
        assert caches.verify()["money paid out per pool"] == []


def test_final_expenditure_is_at_most_what_was_transferred(app, treasurer, programme) -> None:
    with app.app_context():
        with pytest.raises(FinanceError) as caught:
            closure.close_programme(
                user(treasurer.id),
                db.session.get(Proposal, programme),
                {org_id("ILO"): D("642000.01")},
                "Ended.",
            )
        db.session.rollback()
        assert caught.value.field == "expenditure_" + str(org_id("ILO"))
        message = str(caught.value)
        for wrong in (D("-1.00"), D("10.001")):
            with pytest.raises(FinanceError):
                closure.close_programme(
                    user(treasurer.id),
                    db.session.get(Proposal, programme),
                    {org_id("IOM"): wrong},
                    "Ended.",
                )
            db.session.rollback()
        assert db.session.get(Proposal, programme).status == "funded"
        assert db.session.get(ProgrammeClosure, programme) is None
    assert "cannot be more than what was transferred to it (USD 642,000.00)" in message


def test_a_programme_never_closes_before_its_last_transfer(app, treasurer, author, make_proposal):
    """Money paid after the day of closure would be owed back at once: the closing date is
    refused before the last transfer, at its field, on the close page's checks too."""
    from datetime import timedelta

    today = utcnow().date()
    proposal_id = make_proposal(author, "funded", allocated_on=today - timedelta(days=10))
    pay(app, treasurer, proposal_id, "ILO", "100000.00")
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        problems = closure.close_problems(
            user(treasurer.id), proposal, "Ended.", today - timedelta(days=5)
        )
        assert [(str(p), p.field) for p in problems] == [
            (
                f"The closing date cannot be before the programme's last transfer "
                f"({today.day} {today:%B %Y}).",
                "closed_on",
            )
        ]
    message = refused(
        app,
        lambda: closure.close_programme(
            user(treasurer.id),
            db.session.get(Proposal, proposal_id),
            {},
            "Ended.",
            closed_on=today - timedelta(days=5),
        ),
    )
    assert "cannot be before the programme's last transfer" in message
    close(app, treasurer, proposal_id, "Ended.")  # on the day of the transfer: closed


def test_close_needs_the_final_reports_accepted_or_a_reason(app, treasurer, programme) -> None:
    pay(app, treasurer, programme, "IOM", "428000.00")  # paid in full: only the reports wait
    with app.app_context():
        with pytest.raises(TransitionRefused) as caught:
            closure.close_programme(
                user(treasurer.id), db.session.get(Proposal, programme), {}, "  "
            )
        db.session.rollback()
        message = " ".join(caught.value.problems)
    assert "final reports are not all accepted" in message
    assert "Final narrative report" in message and "Final financial report" in message
    accept_final_reports(app, programme)
    close(app, treasurer, programme)
    with app.app_context():
        assert db.session.get(Proposal, programme).status == "closed"
        assert db.session.get(ProgrammeClosure, programme).reason == ""


def test_a_reason_closes_with_the_final_reports_pending(app, treasurer, programme) -> None:
    close(app, treasurer, programme, "The government ended the programme.")
    with app.app_context():
        assert db.session.get(Proposal, programme).status == "closed"


def test_the_final_expenditure_is_proposed_from_the_accepted_financial_reports(
    app, treasurer, author, programme
) -> None:
    with app.app_context():
        report = db.session.scalars(
            select(ProgrammeReport)
            .where(
                ProgrammeReport.proposal_id == programme,
                ProgrammeReport.kind == "annual_financial",
            )
            .order_by(ProgrammeReport.due_on)
        ).first()
        ilo = org_id("ILO")
        report_operations.save_financial(
            user(author.id), report.id, {(ilo, 1): D("100000.00"), (ilo, 2): D("20000.50")}
        )
        when = in_period(report)  # submitted once its period has begun
        report_operations.fire(user(author.id), report.id, "submit", now=when)
        report_operations.fire(user(treasurer.id), report.id, "accept", "Fine.", now=when)
        db.session.commit()
        page = closure_queries.close_page(programme)
        assert {s.name: s.reported for s in page.shares} == {
            "ILO": D("120000.50"),
            "IOM": D("0.00"),
        }
    close(app, treasurer, programme, "Ended early.")  # no figure typed: the reports' figure
    with app.app_context():
        found = {
            s.name: s.final_expenditure for s in closure_queries.closed_programme(programme).shares
        }
    assert found == {"ILO": D("120000.50"), "IOM": D("0.00")}


# Refunds ----------------------------------------------------------------------------------


def test_refunds_go_back_to_the_pools_last_drawn_first(app, treasurer, agent, programme) -> None:
    close(app, treasurer, programme, "Ended.", ILO="342000.00", IOM="0.00")
    before = available(app)
    refund(app, agent, programme, "ILO", "100000.00", "R-1")
    assert sources(app, programme)["GENERAL"][3] == D("100000.00")
    refund(app, agent, programme, "ILO", "200000.00", "R-2")  # GENERAL 47,000, then TA2
    after = available(app)
    assert after["GENERAL"] - before["GENERAL"] == D("147000.00")
    assert after["TA2"] - before["TA2"] == D("153000.00")
    assert after["TA1"] == before["TA1"]
    refunded = {code: values[3] for code, values in sources(app, programme).items()}
    assert refunded == {"TA1": D("0.00"), "TA2": D("153000.00"), "GENERAL": D("147000.00")}
    with app.app_context():
        page = closure_queries.closed_programme(programme)
        assert [r.pools for r in page.refunds] == [
            [("GENERAL", D("100000.00"))],
            [("GENERAL", D("47000.00")), ("TA2", D("153000.00"))],
        ]
        assert closure_queries.refunds_due() == []
        assert caches.verify()["money paid out per pool"] == []
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action == "refund_recorded")
        ).all()
        assert len(actions) == 2


def test_a_refund_is_never_above_what_is_due(app, treasurer, agent, programme) -> None:
    close(app, treasurer, programme, "Ended.", ILO="600000.00", IOM="0.00")
    message = refused(app, refund, app, agent, programme, "ILO", "42000.01")
    assert "owes at most USD 42,000.00" in message
    refund(app, agent, programme, "ILO", "40000.00")
    message = refused(app, refund, app, agent, programme, "ILO", "2000.01")
    assert "owes at most USD 2,000.00" in message
    assert "refused" not in refused(app, refund, app, agent, programme, "IOM", "0.01")
    for wrong in ("0.00", "-5.00", "1.005"):
        refused(app, refund, app, agent, programme, "ILO", wrong)
    refund(app, agent, programme, "ILO", "2000.00")
    with app.app_context():
        assert len(db.session.scalars(select(Refund)).all()) == 2
        (due,) = [s for s in closure_queries.closed_programme(programme).shares if s.name == "ILO"]
        assert (due.due, due.refunded, due.outstanding) == (
            D("42000.00"),
            D("42000.00"),
            D("0.00"),
        )


def test_no_refund_on_a_programme_not_closed(app, agent, programme) -> None:
    message = refused(app, refund, app, agent, programme, "ILO", "10.00")
    assert "is not closed" in message


def test_the_database_refuses_refunds_beyond_what_was_paid_out(app, treasurer, programme) -> None:
    close(app, treasurer, programme, "Ended.", ILO="342000.00", IOM="0.00")
    with app.app_context():
        allocation_id = db.session.scalar(
            select(Allocation.id).where(Allocation.proposal_id == programme)
        )
        statements = (
            update(AllocationSource)
            .where(AllocationSource.allocation_id == allocation_id)
            .values(refunded=AllocationSource.disbursed + 1),
            update(AllocationSource)
            .where(AllocationSource.allocation_id == allocation_id)
            .values(released=AllocationSource.amount),
            update(ClosureShare)
            .where(ClosureShare.allocation_id == allocation_id)
            .values(refunded=ClosureShare.transferred - ClosureShare.final_expenditure + 1),
            update(ClosureShare)
            .where(ClosureShare.allocation_id == allocation_id)
            .values(final_expenditure=ClosureShare.transferred + 1),
        )
        for statement in statements:
            with pytest.raises(IntegrityError):
                db.session.execute(statement)
            db.session.rollback()


def test_a_closed_programme_refunding_is_in_finalisation_in_iati(
    app, client, treasurer, agent, programme
) -> None:
    from lxml import etree

    def status() -> str:
        root = etree.fromstring(client.get("/open-data/iati.xml").data)
        for activity in root.iter("iati-activity"):
            if activity.findtext("iati-identifier").endswith(f"P{programme:05d}"):
                codes = [t.get("code") for t in activity.iter("transaction-type")]
                return activity.find("activity-status").get("code"), codes
        raise AssertionError("not published")

    assert status()[0] == "2"
    close(app, treasurer, programme, "Ended.", ILO="342000.00", IOM="0.00")
    assert status()[0] == "3"  # a refund is due: finalisation
    refund(app, agent, programme, "ILO", "300000.00", "R-9")
    code, transactions = status()
    assert code == "4"
    assert transactions.count("1") == 1  # the refund, incoming funds to the fund's activity


def test_a_closed_programme_s_commitment_is_reduced_in_iati_by_what_was_never_transferred(
    app, client, treasurer, programme
) -> None:
    """IATI reports a commitment reduced by a negative commitment: the allocation (1,070,000.00)
    less what closure gave back to the pools (428,000.00, never transferred), on the day of
    closure, so that the commitments add up to what the programme was transferred."""
    from lxml import etree

    def commitments() -> list[tuple[str, str]]:
        root = etree.fromstring(client.get("/open-data/iati.xml").data)
        for activity in root.iter("iati-activity"):
            if activity.findtext("iati-identifier").endswith(f"P{programme:05d}"):
                return [
                    (t.find("value").text, t.find("transaction-date").get("iso-date"))
                    for t in activity.iter("transaction")
                    if t.find("transaction-type").get("code") == "2"
                ]
        raise AssertionError("not published")

    today = utcnow().date().isoformat()
    assert commitments() == [("1070000.00", today)]
    close(app, treasurer, programme, "IOM withdrew.", ILO="342000.00", IOM="0.00")
    assert commitments() == [("1070000.00", today), ("-428000.00", today)]


def test_a_closed_programme_s_grant_says_its_closure_in_360giving(
    app, client, treasurer, agent, programme
) -> None:
    """360Giving has no field for a refund: the closed grant's actual dates run from its first
    transfer to its closure, and say what closure gave back and what was refunded, as the
    balance counts them; the grant still validates (a failing one is left out)."""
    import json

    def grant() -> dict:
        package = json.loads(client.get("/open-data/360giving.json").data, parse_float=Decimal)
        (found,) = [g for g in package["grants"] if g["id"].endswith(f"P{programme:05d}")]
        return found

    assert "actualDates" not in grant()
    close(app, treasurer, programme, "IOM withdrew.", ILO="342000.00", IOM="0.00")
    refund(app, agent, programme, "ILO", "100000.00", "R-1")
    today = utcnow().date().isoformat()
    (dates,) = grant()["actualDates"]
    assert dates["startDate"] == today and dates["endDate"] == today
    assert dates["description"] == (
        f"Closed on {today}. Released to the fund at closure, never transferred: "
        "USD 428,000.00. Refunded by the participating organizations: USD 100,000.00. "
        "Refunds still due: USD 200,000.00."
    )
    assert grant()["amountDisbursed"] == Decimal("642000.00")


# Pages ------------------------------------------------------------------------------------


def test_the_close_page_proposes_keeps_what_was_typed_and_closes(
    app, client, login_as, create_user, programme
) -> None:
    login_as("secretariat", organization_acronym="IOM")
    path = f"/finance/proposals/{programme}/close"
    html = client.get(path).get_data(as_text=True)
    with app.app_context():
        ilo, iom = org_id("ILO"), org_id("IOM")
    assert f'name="expenditure_{ilo}"' in html and 'value="0.00"' in html
    assert "Final narrative report: <strong>Due</strong>" in html
    assert "USD 428,000.00 goes back to the pools" in html
    assert "the annual reports of later years are no longer due" in html
    token = csrf_token(client, path)
    with app.app_context():
        version = db.session.get(Proposal, programme).version
    typed = {"csrf_token": token, "version": version, "reason": "Ended early."}
    response = client.post(path, data=typed | {f"expenditure_{ilo}": "642,000.01"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "cannot be more than what was transferred to it (USD 642,000.00)" in html
    assert 'value="642,000.01"' in html and "Ended early." in html
    response = client.post(path, data=typed | {f"expenditure_{ilo}": "many"})
    assert response.status_code == 400
    assert 'value="many"' in response.get_data(as_text=True)
    response = client.post(path, data=typed | {"reason": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "still to pay: IOM USD 428,000.00" in html and "final reports are not all" in html
    with app.app_context():
        assert db.session.get(Proposal, programme).status == "funded"
    response = client.post(
        path, data=typed | {f"expenditure_{ilo}": "342,000.00", f"expenditure_{iom}": ""}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/finance/proposals/{programme}/closure")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "USD 300,000.00 still to receive" in html
    assert client.get(path).status_code == 302  # closed: its closure page


def test_the_agent_records_a_refund_from_the_list(
    app, client, login_as, treasurer, programme
) -> None:
    close(app, treasurer, programme, "Ended.", ILO="342000.00", IOM="0.00")
    login_as("administrative_agent", organization_acronym="UNDP")
    html = client.get("/finance/refunds").get_data(as_text=True)
    with app.app_context():
        ilo = org_id("ILO")
    assert f'id="due-{programme}-{ilo}"' in html
    assert "USD 300,000.00 still due" in html
    prefix = f"refund{programme}_{ilo}-"
    path = f"/finance/refunds/{programme}/organizations/{ilo}"
    token = csrf_token(client, "/finance/refunds")
    today = utcnow().date().isoformat()
    response = client.post(
        path,
        data={
            "csrf_token": token,
            f"{prefix}received_on": today,
            f"{prefix}amount": "300,000.01",
            f"{prefix}reference": "R-1",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "owes at most USD 300,000.00" in html and 'value="300,000.01"' in html
    response = client.post(
        path,
        data={
            "csrf_token": token,
            f"{prefix}received_on": today,
            f"{prefix}amount": "300,000.00",
            f"{prefix}reference": "R-1",
        },
    )
    assert response.status_code == 302
    html = client.get("/finance/refunds").get_data(as_text=True)
    assert "No refund is due." in html and "R-1" in html
    assert "Unearmarked USD 147,000.00; TA2 earmark USD 153,000.00" in html
    assert "GENERAL" not in html  # the pools by their names
    assert client.post(path, data={"csrf_token": token}).status_code == 404  # nothing due


def test_the_funding_status_counts_the_refunds(app, treasurer, agent, programme) -> None:
    from fund.finance.status import funding_status

    close(app, treasurer, programme, "Ended.", ILO="342000.00", IOM="0.00")
    with app.app_context():
        before = funding_status()
    refund(app, agent, programme, "ILO", "120000.00")
    with app.app_context():
        after = funding_status()
        ilo = org_id("ILO")
    assert after.refunds - before.refunds == D("120000.00")
    assert after.balance_with_administrative_agent - before.balance_with_administrative_agent == (
        D("120000.00")
    )
    assert after.participating_balance - before.participating_balance == D("-120000.00")
    (organization,) = [o for o in after.organizations if o.id == ilo]
    assert organization.refunds == D("120000.00")


def test_the_balance_counts_what_closures_gave_back(app, treasurer, agent, programme) -> None:
    from fund.finance.queries import balance

    def lines(as_of=None) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
        with app.app_context():
            return {p.code: (p.allocated, p.disbursed, p.available) for p in balance(as_of).pools}

    close(app, treasurer, programme, "Ended.", ILO="342000.00", IOM="0.00")
    refund(app, agent, programme, "ILO", "200000.00")
    with app.app_context():
        total = balance().total
        assert (total.released, total.refunded) == (D("428000.00"), D("200000.00"))
        assert balance(utcnow().date()).total.refunded == D("200000.00")
    now = lines()
    assert now["GENERAL"][:2] == (D("0.00"), D("0.00"))  # 575,000 less 428,000 and 147,000
    assert now["TA2"][:2] == (D("244000.00"), D("244000.00"))  # 297,000 less 53,000 refunded
    assert now["TA1"][:2] == (D("198000.00"), D("198000.00"))
    assert lines(utcnow().date()) == now  # the records at the end of today agree
    with app.app_context():
        for line in balance().pools:
            assert line.available == line.net - line.allocated, line.code


def test_closing_cancels_the_open_transfer_requests(app, treasurer, programme) -> None:
    """Nothing is transferred after closure: a request still open is cancelled, with the reason
    in the audit log, and leaves the agent's list."""
    with app.app_context():
        allocation = db.session.scalar(
            select(Allocation).where(Allocation.proposal_id == programme)
        )
        request_id = transfers.request_transfer(
            user(treasurer.id), allocation, org_id("IOM"), D("1000.00")
        ).id
        db.session.commit()
        assert [r.id for r, _ in transfers.open_requests()] == [request_id]
    close(app, treasurer, programme, "The government ended the programme.")
    with app.app_context():
        assert db.session.get(TransferRequest, request_id).status == "cancelled"
        assert transfers.open_requests() == []
        event = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "transfer_request_cancelled")
            .order_by(AuditEvent.id.desc())
        ).first()
        assert event is not None and event.details["request"] == request_id
        assert "closed" in event.comment


# What is still to pay once a programme is closed ----------------------------------------------


def test_a_closed_programme_has_nothing_still_to_pay_in_the_list_of_allocations(
    app, treasurer, programme
) -> None:
    """The programme allocated 1,070,000.00 and paid ILO 642,000.00: 428,000.00 was still to pay
    until closure gave it back to the pools; then nothing is, in the rows, the totals, the order
    and the export."""
    from fund.finance.queries.lists import ALLOCATION_SORT, allocations_page, allocations_view
    from fund.listing import DESCENDING, Sorting

    with app.app_context():
        (row,) = allocations_page().rows
        assert row.remaining == D("428000.00")
    close(app, treasurer, programme, "IOM withdrew.", ILO="342000.00", IOM="0.00")
    with app.app_context():
        page = allocations_page()
        (row,) = page.rows
        assert (row.amount, row.disbursed, row.released) == (
            D("1070000.00"),
            D("642000.00"),
            D("428000.00"),
        )
        assert row.remaining == D("0.00")
        assert (page.released, page.remaining) == (D("428000.00"), D("0.00"))
        sorting = Sorting("remaining", DESCENDING, ALLOCATION_SORT, "remaining", DESCENDING)
        assert [a.remaining for a in allocations_view(sorting)] == [D("0.00")]


def test_the_balance_page_says_what_closures_gave_back(app, client, treasurer, programme) -> None:
    close(app, treasurer, programme, "IOM withdrew.", ILO="342000.00", IOM="0.00")
    from tests.helpers import login

    login(client, treasurer.email)
    html = client.get("/finance/").get_data(as_text=True)
    assert (
        "1 funded proposal: USD 1,070,000.00 allocated, USD 642,000.00 disbursed, "
        "USD 428,000.00 given back to the pools at closure, USD 0.00 still to pay."
    ) in html
    assert (
        "Allocated and disbursed count what the programmes kept: their closures gave back "
        "USD 428,000.00 allocated and never paid, and USD 0.00 was refunded."
    ) in html
    csv = client.get("/finance/?allocations_export=csv").get_data(as_text=True)
    header, line = csv.splitlines()[:2]
    assert header.endswith("Disbursed (USD),Given back at closure (USD),Still to pay (USD)")
    assert line.endswith("1070000.00,642000.00,428000.00,0.00")


def test_a_closed_programme_s_schedule_has_nothing_left_to_transfer(
    app, treasurer, programme
) -> None:
    from fund.finance.transfer_schedule import schedule_view

    close(app, treasurer, programme, "IOM withdrew.", ILO="342000.00", IOM="0.00")
    with app.app_context():
        views = {
            v.name.rpartition("(")[2].rstrip(")"): v for v in schedule_view(proposal_id=programme)
        }
    iom = views["IOM"]
    assert iom.disbursed == D("0.00") and iom.remaining == D("0.00")
    assert iom.released == iom.share > 0
    assert {t.status for t in iom.tranches} == {"Not transferred: programme closed"}
    assert views["ILO"].released == D("0.00")


def test_a_closed_programme_s_schedule_gives_each_refund_due_and_what_came_in(
    app, client, treasurer, agent, author, programme
) -> None:
    from fund.finance.transfer_schedule import schedule_view
    from tests.helpers import login

    close(app, treasurer, programme, "IOM withdrew.", ILO="342000.00", IOM="0.00")
    refund(app, agent, programme, "ILO", "100000.00")
    with app.app_context():
        views = {
            v.name.rpartition("(")[2].rstrip(")"): v for v in schedule_view(proposal_id=programme)
        }
    ilo, iom = views["ILO"].refund, views["IOM"].refund
    assert (ilo.due, ilo.refunded, ilo.outstanding) == (
        D("300000.00"),
        D("100000.00"),
        D("200000.00"),
    )
    assert iom.due == D("0.00")
    login(client, author.email)
    page = client.get(f"/proposals/{programme}").get_data(as_text=True)
    assert "refund due USD 300,000.00, received USD 100,000.00, still due USD 200,000.00" in page
    assert page.count("refund due ") == 1  # IOM was transferred nothing: it owes nothing


def test_the_allocation_page_of_a_closed_programme_has_nothing_still_to_pay(
    app, client, treasurer, programme
) -> None:
    import re

    from tests.helpers import login

    close(app, treasurer, programme, "IOM withdrew.", ILO="342000.00", IOM="0.00")
    login(client, treasurer.email)
    html = client.get(f"/finance/proposals/{programme}").get_data(as_text=True)
    iom = re.search(rf'<tr id="share-{org_id("IOM", app)}">(.*?)</tr>', html, re.S).group(1)
    cells = re.findall(r'<td class="num">([^<]*)</td>', iom)
    assert cells == ["USD 428,000.00", "USD 0.00", "USD 428,000.00", "USD 0.00"]
    assert "Given back at closure" in html
    assert "never transferred went back to the pools" in html
    assert "Not transferred: programme closed" in html
    assert "still to transfer" not in html


def test_the_public_page_of_a_closed_programme_says_what_went_back_to_the_fund(
    app, client, treasurer, agent, programme
) -> None:
    from fund.portfolio.queries import programme_detail
    from tests.test_portfolio_pages import _text

    close(app, treasurer, programme, "IOM withdrew.", ILO="342000.00", IOM="0.00")
    refund(app, agent, programme, "ILO", "100000.00")
    with app.app_context():
        detail = programme_detail(programme)
    assert detail.closure is not None
    assert (detail.closure.released, detail.closure.refunded) == (D("428000.00"), D("100000.00"))
    assert detail.kept == D("542000.00")  # 642,000.00 transferred less the refund
    page = _text(client.get(f"/portfolio/programmes/{programme}"))
    closed_on = utcnow().date()
    assert (
        f"<dt>Closed</dt><dd>{closed_on.day} {closed_on:%B %Y}: USD 428,000.00 never transferred "
        "and USD 100,000.00 refunded went back to the fund; the programme kept "
        "USD 542,000.00.</dd>"
    ) in page


def test_the_api_gives_a_closed_programme_s_closure_as_the_public_page_does(
    app, client, treasurer, agent, programme
) -> None:
    """The API's programme says its closure: the day, what went back to the fund never
    transferred, the refunds received and still due; null before closure; within the
    OpenAPI document's schema, which describes the new fields."""
    from jsonschema import Draft202012Validator

    document = client.get("/api/v1/openapi.json").get_json()
    validator = Draft202012Validator(
        {"$ref": "#/components/schemas/Programme", "components": document["components"]},
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    closure_schema = document["components"]["schemas"]["Programme"]["properties"]["closure"]
    assert (
        "refunds still due" in closure_schema["anyOf"][0]["properties"]["still_due"]["description"]
    )

    def detail() -> dict:
        body = client.get(f"/api/v1/programmes/{programme}").get_json()
        validator.validate(body)
        return body

    assert detail()["closure"] is None  # funded, not closed
    close(app, treasurer, programme, "IOM withdrew.", ILO="342000.00", IOM="0.00")
    refund(app, agent, programme, "ILO", "100000.00")
    body = detail()
    assert body["closure"] == {
        "closed_on": utcnow().date().isoformat(),
        "released": "428000.00",  # IOM's share, never transferred
        "refunded": "100000.00",
        "still_due": "200000.00",  # 642,000.00 transferred less 342,000.00 spent, less the refund
    }
    assert body["programme"]["kept"] == "542000.00"


def test_the_public_list_gives_what_a_closed_programme_kept(
    app, client, treasurer, agent, programme
) -> None:
    from fund.portfolio.queries import list_programmes
    from tests.test_portfolio_pages import _text

    def kept() -> Decimal | None:
        with app.app_context():
            return next(p for p in list_programmes() if p.id == programme).kept

    assert kept() is None  # funded, not closed
    close(app, treasurer, programme, "IOM withdrew.", ILO="342000.00", IOM="0.00")
    assert kept() == D("642000.00")  # 1,070,000.00 allocated less 428,000.00 never transferred
    refund(app, agent, programme, "ILO", "100000.00")
    assert kept() == D("542000.00")
    row = _text(client.get("/portfolio")).split(f"/portfolio/programmes/{programme}", 1)[1]
    row = row.split("</tr>", 1)[0]
    assert "1,070,000.00" in row and "kept 542,000.00" in row
    (item,) = client.get("/api/v1/programmes?status=closed").get_json()["items"]
    assert (item["id"], item["funded"], item["kept"]) == (programme, "1070000.00", "542000.00")


def test_a_programme_closed_early_reports_until_the_day_of_closure(
    app, treasurer, programme
) -> None:
    """Closed before its planned end, a programme no longer owes the reports of the years
    after its closure; its final reports cover it until the day of closure and fall due
    from that day; the audit record lists the changes."""
    from fund.days import add_months
    from fund.reporting.models import ProgrammeReport

    def reports() -> dict[str, list[tuple]]:
        with app.app_context():
            found: dict[str, list[tuple]] = {}
            for r in db.session.scalars(
                select(ProgrammeReport)
                .where(ProgrammeReport.proposal_id == programme)
                .order_by(ProgrammeReport.due_on)
            ):
                found.setdefault(r.kind, []).append((r.period_start, r.period_end, r.due_on))
            return found

    before = reports()
    (final_narrative,) = before["final_narrative"]
    closed_on = utcnow().date()
    assert final_narrative[1] > closed_on  # the programme was to run on
    close(app, treasurer, programme, "The government ended the programme.")
    after = reports()
    start = min(final_narrative[0], closed_on)
    assert after["final_narrative"] == [(start, closed_on, add_months(closed_on, 3))]
    (final_financial,) = after["final_financial"]
    assert final_financial[1:] == (closed_on, date(closed_on.year + 1, 4, 30))
    for kind in ("annual_narrative", "annual_financial"):
        assert all(period_start <= closed_on for period_start, _, _ in after.get(kind, [])), kind
    assert sum(map(len, after.values())) < sum(map(len, before.values()))
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "programme_closure_recorded")
        ).one()
        assert any("no longer due" in line for line in event.details["reports"])


def test_the_timeline_gives_the_reason_for_closing_once(app, client, treasurer, programme) -> None:
    """The close transition and the closure's record carry the same reason: the proposal's
    timeline shows it under the first of the two only."""
    from tests.helpers import login

    close(app, treasurer, programme, "The government ended the programme.")
    login(client, treasurer.email)
    html = client.get(f"/proposals/{programme}").get_data(as_text=True)
    said = '<blockquote dir="auto">The government ended the programme.</blockquote>'
    assert html.count(said) == 1
    assert "Programme closure recorded" in html


def test_the_allocation_report_says_what_closures_gave_back(app, treasurer, programme) -> None:
    """The report's programmes add up to their allocations; what closure gave back of them
    (never transferred) is its own row, so that the selection's figures meet the whole fund's
    (allocated less given back)."""
    from fund.reports.allocation_data import build_allocation_report
    from fund.reports.allocation_sections import sections

    close(app, treasurer, programme, "IOM withdrew.", ILO="342000.00", IOM="0.00")
    with app.test_request_context():
        report = build_allocation_report(app.config, generated_at=utcnow())
        assert report.programmes_released == D("428000.00")
        rows = [
            row
            for section in sections(report)
            for part in section.parts
            if part.table is not None
            for row in part.table.rows
        ]
    assert ("Given back to the pools at closure, never transferred", "428,000.00") in rows


def test_the_applicants_hear_the_closure_with_the_refunds_due_and_the_reports_still_owed(
    app, treasurer, author, programme
) -> None:
    """The email of the closure is written once the closure is recorded: it gives the day,
    what was never transferred, each organization's refund due and the reports still to
    submit, with their planned-again dates."""
    from fund.notifications.models import OutboxMessage

    close(app, treasurer, programme, "The government ended the programme.", ILO="600000.00")
    with app.app_context():
        (message,) = db.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.kind == "project_closed", OutboxMessage.to_email == author.email
            )
        ).all()
        closed_on = db.session.scalar(select(ProgrammeClosure.closed_on))
        owed = db.session.scalars(
            select(ProgrammeReport)
            .where(ProgrammeReport.proposal_id == programme, ProgrammeReport.status == "due")
            .order_by(ProgrammeReport.due_on)
        ).all()
    text = message.text_body
    assert f"on {closed_on.day} {closed_on:%B %Y}. No further disbursements" in text
    assert "Not disbursed at closing: IOM USD 428,000.00." in text
    assert (
        "Refunds due to the fund (transferred and not spent), returned through the "
        "Administrative Agent: ILO USD 42,000.00." in text
    )
    final = next(r for r in owed if r.kind == "final_narrative")
    assert final.period_end == closed_on
    due = final.due_on
    assert "- Final narrative report for " in text
    assert f"{closed_on.day} {closed_on:%B %Y}, due {due.day} {due:%B %Y}" in text
    assert text.count("\n- ") == len(owed)
    assert "<li>ILO: USD 42,000.00</li>" in message.html_body


NOTHING_WAITS = "every payment expected by today is recorded and no refund is owed."


def _agent_task(app, agent) -> str:
    """The agent's Home card of the refunds to receive; the section's words when nothing waits
    for the agent."""
    from tests.helpers import client_for

    with app.app_context():
        client = client_for(app, user(agent.id))
    html = client.get("/").get_data(as_text=True)
    if 'data-task="refunds_to_receive"' not in html:
        assert NOTHING_WAITS in html
        return NOTHING_WAITS
    start = html.index('data-task="refunds_to_receive"')
    return html[start : html.index("</li>\n", html.index('class="task-more"', start))]


def test_the_agent_is_shown_each_refund_still_owed(app, treasurer, agent, programme) -> None:
    assert _agent_task(app, agent) == NOTHING_WAITS
    close(app, treasurer, programme, "Ended.", ILO="342000.00", IOM="0.00")
    card = _agent_task(app, agent)
    with app.app_context():
        closed_on = db.session.get(ProgrammeClosure, programme).closed_on
        ilo = org_id("ILO")
    from fund.days import in_english

    assert '<span class="task-count">1</span>' in card
    assert f"P-{programme:05d} · refund from ILO</a>" in card
    assert f"USD 300,000.00 still due, closed {in_english(closed_on)}" in card
    assert f'href="/finance/refunds#due-{programme}-{ilo}"' in card
    refund(app, agent, programme, "ILO", "100000.00")
    assert "USD 200,000.00 still due" in _agent_task(app, agent)
    refund(app, agent, programme, "ILO", "200000.00")
    assert _agent_task(app, agent) == NOTHING_WAITS


def test_a_refund_paid_to_the_cent_is_owed_no_more_whatever_the_engine_s_arithmetic(
    app, backend, treasurer, agent, programme
) -> None:
    """874,553.29 - 509,510.92 - 365,042.37 is zero, but not in binary floating point."""
    close(app, treasurer, programme, "Ended.", ILO="342000.00", IOM="0.00")
    with app.app_context():
        db.session.execute(
            update(ClosureShare)
            .where(ClosureShare.organization_id == org_id("ILO"))
            .values(
                transferred=D("874553.29"),
                final_expenditure=D("509510.92"),
                refunded=D("365042.37"),
            )
        )
        db.session.commit()
        assert closure_queries.refunds_due() == []
    assert _agent_task(app, agent) == NOTHING_WAITS


def test_the_agents_are_told_of_the_refunds_due_at_closure(
    app, treasurer, agent, programme
) -> None:
    from fund.notifications.models import Notification, OutboxMessage

    close(app, treasurer, programme, "The government ended the programme.", ILO="600000.00")
    with app.app_context():
        (note,) = db.session.scalars(
            select(Notification).where(Notification.user_id == agent.id)
        ).all()
        (mail,) = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.to_email == agent.email)
        ).all()
        closed_on = db.session.scalar(select(ProgrammeClosure.closed_on))
    assert note.kind == mail.kind == "refund_due"
    assert note.title == f"P-{programme:05d} closed: refunds due from ILO"
    assert note.link == "/finance/refunds"
    assert f"on {closed_on.day} {closed_on:%B %Y}. Its participating organizations owe" in (
        mail.text_body
    )
    assert "\n- ILO: USD 42,000.00\n" in mail.text_body
    assert "<li>ILO: USD 42,000.00</li>" in mail.html_body
    assert "http://fund.test/finance/refunds" in mail.text_body


def test_nobody_is_told_of_refunds_when_none_is_due(app, treasurer, agent, programme) -> None:
    from fund.notifications.models import Notification

    close(app, treasurer, programme, "Spent in full.", ILO="642000.00")
    with app.app_context():
        assert not db.session.scalars(
            select(Notification).where(Notification.user_id == agent.id)
        ).all()


# What a closed programme counts in coverage and on the map ------------------------------------


def coverage_figures(app) -> list[tuple[Decimal, ...]]:
    """The public coverage's funded total and the sums of its objectives, areas and regions,
    from the kept totals and from the budget lines."""
    from fund.coverage.queries import coverage

    figures = []
    with app.app_context():
        for use_totals in (True, False):
            found = coverage(include_pipeline=False, use_totals=use_totals)
            figures.append(
                (
                    found.totals.funded,
                    *(
                        sum((row.funded for row in rows), D("0"))
                        for rows in (found.objectives, found.areas, found.regions)
                    ),
                )
            )
    return figures


def test_a_closed_programme_counts_what_it_kept_in_coverage(
    app, client, treasurer, agent, programme
) -> None:
    """Allocated 1,070,000.00; ILO was paid 642,000.00: closure gives back the 428,000.00 never
    transferred, and a refund of 200,000.00 comes in. The coverage counts what the programme
    kept, 642,000.00 then 442,000.00, in its kept totals as in a full recomputation."""
    with app.app_context():
        caches.rebuild()
        db.session.commit()
    assert coverage_figures(app) == [(D("1070000.00"),) * 4] * 2
    close(app, treasurer, programme, "IOM withdrew.", ILO="342000.00", IOM="0.00")
    assert coverage_figures(app) == [(D("642000.00"),) * 4] * 2
    refund(app, agent, programme, "ILO", "200000.00")
    assert coverage_figures(app) == [(D("442000.00"),) * 4] * 2
    with app.app_context():
        assert caches.verify()["coverage totals"] == []
    answer = client.get("/api/v1/coverage").get_json()
    assert "442000.00" in str(answer) and "1070000.00" not in str(answer)


def test_the_map_counts_what_a_closed_programme_kept(
    app, client, treasurer, agent, programme
) -> None:
    from fund.portfolio import figures
    from fund.portfolio.queries import ProgrammeFilters

    close(app, treasurer, programme, "IOM withdrew.", ILO="342000.00", IOM="0.00")
    refund(app, agent, programme, "ILO", "200000.00")
    with app.app_context():
        money = figures.map_figures(figures.portfolio(), ProgrammeFilters())
    assert money.total == D("442000.00")
    page = " ".join(client.get("/portfolio/map").get_data(as_text=True).split())
    assert "442,000.00" in page and "1,070,000.00" not in page


def test_the_allocation_exports_reconcile_with_the_balance_page(
    app, client, treasurer, agent, programme
) -> None:
    """Closure gave back 428,000.00 never transferred (IOM's whole share) and ILO refunded
    200,000.00 since: the exports say so, and what is still to pay is what the balance page
    says (allocated less paid less given back: nothing), in the CSV and the workbook alike."""
    import io

    from openpyxl import load_workbook

    from fund.finance.queries.lists import allocations_page
    from tests.helpers import login
    from tests.test_exports import read_csv

    close(app, treasurer, programme, "IOM withdrew.", ILO="342000.00", IOM="0.00")
    refund(app, agent, programme, "ILO", "200000.00")
    with app.app_context():
        (row,) = allocations_page().rows
    login(client, treasurer.email)
    columns = ("Amount (USD)", "Disbursed (USD)", "Released at closure (USD)", "Refunded (USD)")
    columns += ("Still to pay (USD)",)
    (line,) = read_csv(client.get("/reports/tables/allocations.csv").data)
    figures = tuple(D(line[c]) for c in columns)
    assert figures == (row.amount, row.disbursed, row.released, D("200000.00"), row.remaining)
    assert figures == (D("1070000.00"), D("642000.00"), D("428000.00"), D("200000.00"), D("0"))
    shares = {
        r["Organization"]: tuple(D(r[c]) for c in ("Share (USD)", *columns[1:]))
        for r in read_csv(client.get("/reports/tables/allocation_shares.csv").data)
    }
    assert shares == {
        "ILO": (D("642000.00"), D("642000.00"), D("0"), D("200000.00"), D("0")),
        "IOM": (D("428000.00"), D("0"), D("428000.00"), D("0"), D("0")),
    }
    workbook = load_workbook(io.BytesIO(client.get("/reports/workbook.xlsx").data))
    sheet = workbook["Allocations"]
    header = [c.value for c in sheet[1]]
    (cells,) = [
        dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)
    ]
    assert tuple(D(str(cells[c])) for c in columns) == figures


def test_the_allocation_report_names_each_transfer_figure_and_its_refunds(
    app, treasurer, agent, programme
) -> None:
    """Allocated 1,070,000.00, transferred 642,000.00, given back at closure 428,000.00 and
    refunded 200,000.00 since: the report's summary names the transfers gross and net of
    the refunds, gives the refunds, and what the programmes kept, which the coverage counts."""
    from fund.reports.allocation_data import build_allocation_report
    from fund.reports.allocation_sections import sections

    close(app, treasurer, programme, "IOM withdrew.", ILO="342000.00", IOM="0.00")
    refund(app, agent, programme, "ILO", "200000.00")
    with app.test_request_context():
        report = build_allocation_report(app.config, generated_at=utcnow())
        (summary, *_) = sections(report)
        fund_rows, selection_rows = (dict(part.table.rows) for part in summary.parts[:2])
    assert {
        label: fund_rows[label]
        for label in (
            "Transferred to participating organizations",
            "Refunds received from closed programmes",
            "Transferred, net of refunds",
        )
    } == {
        "Transferred to participating organizations": "642,000.00",
        "Refunds received from closed programmes": "200,000.00",
        "Transferred, net of refunds": "442,000.00",
    }
    assert [(label, value) for label, value in selection_rows.items() if "isburs" in label] == []
    for label, value in {
        "Allocations recorded for these programmes (1)": "1,070,000.00",
        "Transferred on these allocations": "642,000.00",
        "Given back to the pools at closure, never transferred": "428,000.00",
        "Refunded since closure": "200,000.00",
        "Kept by these programmes: allocated less given back and refunded": "442,000.00",
        "Funded programmes (1)": "442,000.00",
    }.items():
        assert selection_rows[label] == value, label
    assert not summary.parts[1].notes  # the coverage counts what the programmes kept


def test_the_close_page_and_close_programme_refuse_an_expenditure_alike(
    app, client, login_as, treasurer, programme
) -> None:
    """One rule for a final expenditure (`closure.expenditure_problem`): more than was
    transferred, the page and the operation refuse it with the same sentence. Below zero, the
    page's amount field refuses it first, as every amount field does."""
    login_as("secretariat", organization_acronym="IOM")
    path = f"/finance/proposals/{programme}/close"
    token = csrf_token(client, path)
    with app.app_context():
        version = db.session.get(Proposal, programme).version
        ilo = org_id("ILO")
    negative = client.post(
        path,
        data={"csrf_token": token, "version": version, f"expenditure_{ilo}": "-1.00"},
    )
    assert "Amounts cannot be negative." in negative.get_data(as_text=True)
    data = {"csrf_token": token, "version": version, "reason": "Ended early."}
    page = html.unescape(
        client.post(path, data=data | {f"expenditure_{ilo}": "642,000.01"}).get_data(as_text=True)
    )
    with app.test_request_context():
        with pytest.raises(FinanceError) as caught:
            closure.close_programme(
                user(treasurer.id), db.session.get(Proposal, programme), {ilo: D("642000.01")}, "x"
            )
        db.session.rollback()
        assert caught.value.said() in page, caught.value.said()
    for wrong in (D("-1.00"), D("10.001")):  # the operation's own refusals, at the same rule
        with app.app_context(), pytest.raises(FinanceError) as caught:
            closure.close_programme(
                user(treasurer.id), db.session.get(Proposal, programme), {ilo: wrong}, "x"
            )
        assert caught.value.field == f"expenditure_{ilo}"

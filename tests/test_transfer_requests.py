"""Transfer requests and tranche conditions: the secretariat requests a tranche, the first
without conditions, a later one only when the previous reports are accepted and 70% of what was
transferred is reported spent (each failing condition named, an override with its reason
audited); the administrative agent records the transfer against the open request; one open
request per organization (in the operation, in the database, under a race); the pages, and
who may use them."""

from __future__ import annotations

import html
import html as html_text
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from fund.accounts.models import User
from fund.audit.models import AuditEvent
from fund.extensions import db, utcnow
from fund.finance import operations, transfers
from fund.finance.models import Allocation, Disbursement
from fund.finance.operations import FinanceError
from fund.finance.transfer_models import TransferRequest
from fund.finance.transfer_schedule import next_tranche
from fund.reporting import operations as reporting
from fund.reporting import queries as report_queries
from fund.reporting.models import ProgrammeReport
from tests.conftest import PreparedDatabase, engine_of
from tests.factories import in_period, new_open_call, new_proposal
from tests.helpers import csrf_token, login, new_user, org_id, user
from tests.test_finance_race import run_together

D = Decimal


def _programme() -> dict:
    """The programme and its people as the fixtures made them: the open call, the people, then
    the funded proposal."""
    call_id = new_open_call().id
    made = {
        "ilo": new_user(("applicant",), "ILO", name="Ilo Staff"),
        "secretariat": new_user(("secretariat",), None),
        "second": new_user(("secretariat",), None, name="Second"),
        "agent": new_user(("administrative_agent",), None),
    }
    db.session.commit()
    ids = {key: row.id for key, row in made.items()}
    funded = new_proposal(made["ilo"], call_id, "funded").id
    db.session.commit()
    allocation_id = db.session.scalar(select(Allocation.id).where(Allocation.proposal_id == funded))
    year = db.session.scalar(
        select(ProgrammeReport.year)
        .where(ProgrammeReport.proposal_id == funded)
        .order_by(ProgrammeReport.year)
        .limit(1)
    )
    db.session.expunge_all()
    people = {key: db.session.get(User, user_id) for key, user_id in ids.items()}
    for row in people.values():
        db.session.expunge(row)
    return {"proposal": funded, "allocation": allocation_id, "year": year, **people}


@pytest.fixture(scope="module")
def prepared_programme(request) -> PreparedDatabase:
    """`_programme` made once per engine; each test starts from a copy."""
    return PreparedDatabase(request, _programme)


@pytest.fixture
def programme(request, prepared_programme):
    """A funded ILO-IOM programme (ILO's share USD 642,000.00, IOM's USD 428,000.00) and its
    people; nothing transferred yet."""
    return dict(prepared_programme.data(engine_of(request)))


def _allocation(programme) -> Allocation:
    return db.session.get(Allocation, programme["allocation"])


def _request(programme, acronym: str, amount: str, **kwargs) -> TransferRequest:
    return transfers.request_transfer(
        user(kwargs.pop("actor", programme["secretariat"])),
        _allocation(programme),
        org_id(acronym),
        D(amount),
        **kwargs,
    )


def _record(programme, request: TransferRequest, amount: str | None = None) -> Disbursement:
    return operations.record_disbursement(
        user(programme["agent"]),
        _allocation(programme),
        request.organization_id,
        utcnow().date(),
        D(amount) if amount else request.amount,
        "MPTF-1",
        request=request,
    )


def _first_tranche(programme, amount: str = "70000.00") -> None:
    """ILO's first tranche requested and recorded."""
    request = _request(programme, "ILO", amount)
    _record(programme, request)
    db.session.commit()


def _report(programme, kind: str) -> ProgrammeReport:
    return db.session.scalars(
        select(ProgrammeReport)
        .where(
            ProgrammeReport.proposal_id == programme["proposal"],
            ProgrammeReport.kind == kind,
            ProgrammeReport.year == programme["year"],
        )
        .order_by(ProgrammeReport.due_on)
    ).first()


def _accept_narrative(programme) -> None:
    report = _report(programme, "annual_narrative")
    from tests.test_programme_reports import _fill_narrative

    _fill_narrative(programme, programme["proposal"], report.id)
    when = in_period(report)  # submitted once its period has begun
    reporting.fire(user(programme["ilo"]), report.id, "submit", now=when)
    reporting.fire(user(programme["secretariat"]), report.id, "accept", now=when)


def _financial(programme, spent: str, decision: str = "accept") -> ProgrammeReport:
    report = _report(programme, "annual_financial")
    reporting.save_financial(user(programme["ilo"]), report.id, {(org_id("ILO"), 1): D(spent)})
    when = in_period(report)  # submitted once its period has begun
    reporting.fire(user(programme["ilo"]), report.id, "submit", now=when)
    comment = "Explain the figures." if decision == "return_for_changes" else None
    reporting.fire(user(programme["secretariat"]), report.id, decision, comment, now=when)
    return report


def _next_year(programme) -> datetime:
    """A request date in the year after the first reports' year, after their due dates."""
    return datetime(programme["year"] + 1, 6, 1, 9, 0, tzinfo=UTC)


def _refusal(programme, acronym: str, amount: str, **kwargs) -> transfers.TrancheRefused:
    with pytest.raises(transfers.TrancheRefused) as caught:
        _request(programme, acronym, amount, **kwargs)
    db.session.rollback()
    return caught.value


# The first tranche ----------------------------------------------------------------------------


def test_the_first_tranche_needs_only_to_stay_within_the_schedule(app, programme):
    with app.app_context():
        # Reports overdue and nothing spent: the first transfer needs none of it.
        request = _request(programme, "ILO", "70000.00", now=_next_year(programme))
        db.session.commit()
        request = db.session.get(TransferRequest, request.id)
        assert (request.tranche, request.status) == (1, "requested")
        assert [(c["name"], c["passed"]) for c in request.conditions] == [("within_schedule", True)]
        assert request.override_reason is None
        assert request.requested_by_id == programme["secretariat"].id
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "transfer_requested")
        ).one()
        assert event.details["tranche"] == 1 and event.details["amount"] == "70000.00"


def test_the_agent_records_the_transfer_against_the_request(app, programme):
    with app.app_context():
        request = _request(programme, "ILO", "70000.00")
        db.session.commit()
        with pytest.raises(FinanceError, match=r"amount requested \(TR-\d+\): USD 70,000.00"):
            _record(programme, request, "69999.99")
        db.session.rollback()
        disbursement = _record(programme, request)
        db.session.commit()
        request = db.session.get(TransferRequest, request.id)
        assert (request.status, request.disbursement_id) == ("transferred", disbursement.id)
        assert request.closed_by_id == programme["agent"].id
        recorded = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "disbursement_recorded")
        ).one()
        assert recorded.details["request"] == request.id
        # A request is transferred once.
        with pytest.raises(FinanceError, match="is transferred already"):
            _record(programme, request)
        db.session.rollback()
        # The next tranche's number is the schedule's rule (it moved from `transfers`).
        assert next_tranche(programme["allocation"], org_id("ILO")).number == 2


def test_a_transfer_is_not_paid_before_its_request_was_made(app, programme):
    """A payment dated before the request it answers is refused at its date, and nothing is
    recorded; the day the request was made is accepted."""
    with app.app_context():
        _allocation(programme).allocated_on = date(2026, 11, 2)
        request = _request(programme, "ILO", "70000.00", now=datetime(2026, 12, 1, 9, tzinfo=UTC))
        db.session.commit()
        record = {"amount": D("70000.00"), "reference": "MPTF-1", "request": request}
        with pytest.raises(FinanceError) as refused:
            operations.record_disbursement(
                user(programme["agent"]),
                _allocation(programme),
                request.organization_id,
                date(2026, 11, 30),
                **record,
            )
        assert refused.value.message == (
            "The payment date cannot be before the transfer request (1 December 2026)."
        )
        assert refused.value.field == "paid_on"
        db.session.rollback()
        assert db.session.scalar(select(Disbursement.id).limit(1)) is None
        operations.record_disbursement(
            user(programme["agent"]),
            _allocation(programme),
            request.organization_id,
            date(2026, 12, 1),
            **record,
        )
        db.session.commit()
        assert db.session.get(TransferRequest, request.id).status == "transferred"


# Tranche conditions ---------------------------------------------------------------------------


def test_a_later_tranche_refused_names_each_failing_condition(app, programme):
    with app.app_context():
        _first_tranche(programme)
        _financial(programme, "40000.00")  # accepted; the narrative report is still due
        db.session.commit()
        year = programme["year"]
        refusal = _refusal(programme, "ILO", "100000.00", now=_next_year(programme))
        assert refusal.problems == [
            f"The {year} annual narrative report is not accepted "
            f"(due 31 March {year + 1}, overdue).",
            "ILO reported USD 40,000.00 spent, 57% of the USD 70,000.00 transferred; "
            "70% is required.",
        ]
        assert [(c["name"], c["passed"]) for c in refusal.conditions] == [
            ("reports_accepted", False),
            ("expenditure_share", False),
            ("within_schedule", True),
        ]
        assert refusal.field == "override_reason"
        assert (
            db.session.scalar(select(TransferRequest.id).where(TransferRequest.tranche == 2))
            is None
        )


def test_a_returned_financial_report_is_named_with_its_status(app, programme):
    with app.app_context():
        _first_tranche(programme)
        _accept_narrative(programme)
        _financial(programme, "60000.00", "return_for_changes")
        db.session.commit()
        year = programme["year"]
        refusal = _refusal(programme, "ILO", "100000.00", now=_next_year(programme))
        assert refusal.problems == [
            # Returned after its due date, it is overdue (`fund.reporting.models.is_overdue`).
            f"The {year} annual financial report is not accepted "
            f"(due 30 April {year + 1}, overdue, returned for changes).",
            # A returned report's expenditure does not count.
            "ILO reported USD 0.00 spent, 0% of the USD 70,000.00 transferred; 70% is required.",
        ]
        assert not report_queries.reports_accepted_through(programme["proposal"], year)


def test_the_conditions_met_release_the_tranche(app, programme):
    with app.app_context():
        _first_tranche(programme)
        _accept_narrative(programme)
        _financial(programme, "49000.00")  # exactly 70% of 70,000.00
        db.session.commit()
        assert report_queries.reports_accepted_through(programme["proposal"], programme["year"])
        request = _request(
            programme, "ILO", "100000.00", now=_next_year(programme), override_reason="Unused"
        )
        db.session.commit()
        request = db.session.get(TransferRequest, request.id)
        assert request.tranche == 2 and request.override_reason is None  # nothing to override
        assert [c["passed"] for c in request.conditions] == [True, True, True]
        assert not db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "tranche_conditions_overridden")
        ).all()


def test_reports_of_the_request_year_are_not_yet_required(app, programme):
    """In the programme's first year, no report is due before the request's year."""
    with app.app_context():
        _first_tranche(programme)
        now = datetime(programme["year"], 12, 1, tzinfo=UTC)
        refusal = _refusal(programme, "ILO", "1000.00", now=now)
        assert [c["passed"] for c in refusal.conditions] == [True, False, True]


def test_the_secretariat_overrides_with_a_recorded_reason(app, programme):
    with app.app_context():
        _first_tranche(programme)
        db.session.commit()
        request = _request(
            programme,
            "ILO",
            "100000.00",
            now=_next_year(programme),
            override_reason="  Emergency response: the floods.  ",
        )
        db.session.commit()
        request = db.session.get(TransferRequest, request.id)
        assert request.override_reason == "Emergency response: the floods."
        assert [c["passed"] for c in request.conditions] == [False, False, True]
        assert len(request.failed_conditions) == 2
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "tranche_conditions_overridden")
        ).one()
        assert event.comment == "Emergency response: the floods."
        assert event.details["request"] == request.id
        assert len(event.details["problems"]) == 3  # two reports, and the expenditure


def test_the_settings_switch_the_conditions(app, programme):
    app.config["TRANCHE_REPORTS_ACCEPTED"] = False
    app.config["TRANCHE_MIN_EXPENDITURE_SHARE"] = D("0.50")
    with app.app_context():
        _first_tranche(programme)
        _financial(programme, "40000.00")  # 57%: enough at 50%
        db.session.commit()
        request = _request(programme, "ILO", "100000.00", now=_next_year(programme))
        assert [c["passed"] for c in request.conditions] == [True, True, True]


# Amounts and the open request -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("642000.01", "Only USD 642,000.00 remains to be transferred to ILO"),
        ("0.00", "more than zero"),
        ("10.001", "two decimals"),
    ],
)
def test_amount_refusals(app, programme, amount, message):
    with app.app_context():
        with pytest.raises(FinanceError, match=message):
            _request(programme, "ILO", amount)
        db.session.rollback()
        assert db.session.scalar(select(TransferRequest.id)) is None


def test_no_request_for_an_organization_without_a_share(app, programme):
    with app.app_context(), pytest.raises(FinanceError, match="no share"):
        _request(programme, "UNHCR", "10.00")


def test_a_second_open_request_is_refused(app, backend, programme):
    with app.app_context():
        first = _request(programme, "ILO", "1000.00")
        db.session.commit()
        with pytest.raises(FinanceError, match=r"already requested \(TR-"):
            _request(programme, "ILO", "2000.00")
        db.session.rollback()
        _request(programme, "IOM", "2000.00")  # another organization: its own request
        db.session.commit()
        # The database itself refuses a second open request, whoever writes it.
        with pytest.raises(IntegrityError):
            db.session.execute(
                insert(TransferRequest).values(
                    allocation_id=programme["allocation"],
                    organization_id=first.organization_id,
                    amount=D("5.00"),
                    tranche=1,
                    status="requested",
                    conditions=[],
                    requested_at=utcnow(),
                )
            )
        db.session.rollback()


def test_a_cancelled_request_makes_room_for_another(app, programme):
    with app.app_context():
        request = _request(programme, "ILO", "1000.00")
        db.session.commit()
        with pytest.raises(FinanceError, match="reason"):
            transfers.cancel_request(user(programme["secretariat"]), request, " ")
        db.session.rollback()
        transfers.cancel_request(user(programme["secretariat"]), request, "Wrong amount")
        db.session.commit()
        assert db.session.get(TransferRequest, request.id).status == "cancelled"
        with pytest.raises(FinanceError, match="no longer open"):
            transfers.cancel_request(user(programme["secretariat"]), request, "Again")
        db.session.rollback()
        with pytest.raises(FinanceError, match="cancelled already"):
            _record(programme, request)
        db.session.rollback()
        again = _request(programme, "ILO", "2000.00")
        db.session.commit()
        assert again.tranche == 1
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "transfer_request_cancelled")
        ).one()
        assert event.comment == "Wrong amount"


def test_a_request_for_a_programme_not_funded_is_refused(app, programme, make_proposal):
    approved = make_proposal(programme["ilo"], status="approved")
    with app.app_context():
        allocation = _allocation(programme)
        allocation.proposal_id = approved  # a programme no longer funded, seen by the check
        with pytest.raises(FinanceError, match="only for funded programmes"):
            transfers.request_transfer(
                user(programme["secretariat"]), allocation, org_id("ILO"), D("1.00")
            )
        db.session.rollback()


def test_two_requests_at_once_leave_one_open(app, backend, programme):
    """Two secretariat members request ILO's transfer at the same moment: the share's row
    lock makes the second wait and see the first's request; one open request remains."""
    with app.app_context():
        ilo = org_id("ILO")

    def requester(user_id: int, amount: str):
        def job():
            return transfers.request_transfer(
                user(user_id),
                db.session.get(Allocation, programme["allocation"]),
                ilo,
                D(amount),
            ).id

        return job

    results = run_together(
        app,
        [
            requester(programme["secretariat"].id, "1000.00"),
            requester(programme["second"].id, "2000.00"),
        ],
    )
    won = [r for r in results if isinstance(r, int)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 1 and len(lost) == 1, results
    assert isinstance(lost[0], FinanceError), repr(lost[0])
    with app.app_context():
        rows = db.session.scalars(select(TransferRequest)).all()
        assert [r.status for r in rows] == ["requested"]


def test_two_agents_record_one_request_once(app, backend, programme, create_user):
    other = create_user(roles=("administrative_agent",), organization_acronym=None, name="Two")
    with app.app_context():
        request_id = _request(programme, "ILO", "5000.00").id
        db.session.commit()

    def recorder(user_id: int):
        def job():
            request = db.session.get(TransferRequest, request_id)
            return operations.record_disbursement(
                user(user_id),
                db.session.get(Allocation, programme["allocation"]),
                request.organization_id,
                utcnow().date(),
                D("5000.00"),
                request=request,
            ).id

        return job

    results = run_together(app, [recorder(programme["agent"].id), recorder(other.id)])
    assert len([r for r in results if isinstance(r, int)]) == 1, results
    with app.app_context():
        assert db.session.scalar(select(Disbursement.amount)) == D("5000.00")
        assert len(db.session.scalars(select(Disbursement)).all()) == 1


# The pages ------------------------------------------------------------------------------------


def _sign_in(client, person) -> str:
    login(client, person.email)
    return csrf_token(client, "/")


def test_request_refused_then_overridden_then_recorded_through_the_pages(app, client, programme):
    with app.app_context():
        _first_tranche(programme)
        _financial(programme, "40000.00")
        db.session.commit()
        ilo = org_id("ILO")
    app.config["TRANCHE_MIN_EXPENDITURE_SHARE"] = D("0.70")
    path = f"/finance/proposals/{programme['proposal']}/transfer-requests"
    token = _sign_in(client, programme["secretariat"])
    page = client.get(path).get_data(as_text=True)
    assert "Reason for overriding" not in page and "Next tranche" in page
    response = client.post(
        path, data={"csrf_token": token, "organization_id": ilo, "amount": "100,000.00"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "ILO reported USD 40,000.00 spent, 57% of the USD 70,000.00 transferred" in html
    assert "Reason for overriding the tranche conditions" in html
    assert 'value="100,000.00"' in html
    response = client.post(
        path,
        data={
            "csrf_token": token,
            "organization_id": ilo,
            "amount": "100,000.00",
            "override_reason": "The floods.",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    finance_page = client.get(f"/finance/proposals/{programme['proposal']}").get_data(as_text=True)
    assert "Overridden</strong> by the secretariat: The floods." in finance_page
    assert "Not met</strong>: The organization reported spending enough" in finance_page
    # The problem the request keeps is said again in each reader's language.
    french = client.get(f"/finance/proposals/{programme['proposal']}?lang=fr")
    said = html_text.unescape(french.get_data(as_text=True))
    assert "ILO a déclaré 40\u202f000,00\u00a0$US de dépenses" in said
    assert "ILO reported USD 40,000.00" not in said
    # The secretariat records no money.
    disburse = f"/finance/proposals/{programme['proposal']}/organizations/{ilo}/disburse"
    assert client.post(disburse, data={"csrf_token": token}).status_code == 403

    client = app.test_client()  # the agent, in a session of their own
    token = _sign_in(client, programme["agent"])
    listing = client.get("/finance/transfers").get_data(as_text=True)
    assert "USD 100,000.00 to ILO" in listing and "Overridden: The floods." in listing
    assert client.get(path).status_code == 403  # the agent requests nothing
    prefix = f"org{ilo}-"
    today = utcnow().date().isoformat()
    response = client.post(
        disburse,
        data={"csrf_token": token, f"{prefix}paid_on": today, f"{prefix}amount": "99,000.00"},
    )
    assert response.status_code == 400
    assert "The transfer must be the amount requested" in response.get_data(as_text=True)
    response = client.post(
        disburse,
        data={"csrf_token": token, f"{prefix}paid_on": today, f"{prefix}amount": "100,000.00"},
    )
    assert response.status_code == 302
    assert "No transfer is waiting" in client.get("/finance/transfers").get_data(as_text=True)
    # Without an open request, nothing can be recorded.
    response = client.post(
        disburse,
        data={"csrf_token": token, f"{prefix}paid_on": today, f"{prefix}amount": "1.00"},
    )
    assert response.status_code == 400
    assert "No transfer to this organization is requested" in response.get_data(as_text=True)
    with app.app_context():
        assert [r.status for r in db.session.scalars(select(TransferRequest))] == [
            "transferred",
            "transferred",
        ]


def test_the_agents_list_is_oldest_first(app, client, programme):
    with app.app_context():
        _request(programme, "IOM", "2000.00", now=datetime(2026, 1, 2, tzinfo=UTC))
        _request(programme, "ILO", "1000.00", now=datetime(2026, 1, 3, tzinfo=UTC))
        db.session.commit()
    _sign_in(client, programme["agent"])
    html = client.get("/finance/transfers").get_data(as_text=True)
    assert html.index("to IOM") < html.index("to ILO")


def test_a_transfer_sent_from_the_agents_list_is_refused_or_recorded_there(app, client, programme):
    """The agent records transfers from the list of open requests: a refusal shows the list
    again, the form as typed with the reason at its field; once recorded, the programme's
    finance page shows the payment."""
    with app.app_context():
        request_id = _request(programme, "ILO", "1000.00").id
        ilo = org_id("ILO")
        db.session.commit()
    token = _sign_in(client, programme["agent"])
    disburse = f"/finance/proposals/{programme['proposal']}/organizations/{ilo}/disburse"
    prefix = f"org{ilo}-"
    typed = {
        "csrf_token": token,
        "back": "transfers",
        f"{prefix}paid_on": utcnow().date().isoformat(),
        f"{prefix}amount": "999.00",
    }
    response = client.post(disburse, data=typed)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<h1>Transfer requests</h1>" in html
    section = html.split(f'id="request-{request_id}"')[1]
    assert "The transfer must be the amount requested" in section
    assert 'value="999.00"' in section and 'class="error-summary"' in section
    with app.app_context():
        assert db.session.get(TransferRequest, request_id).status == "requested"
    response = client.post(disburse, data=typed | {f"{prefix}amount": "1,000.00"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/finance/proposals/{programme['proposal']}")
    with app.app_context():
        assert db.session.get(TransferRequest, request_id).status == "transferred"


def test_cancel_page(app, client, programme):
    with app.app_context():
        request_id = _request(programme, "ILO", "1000.00").id
        db.session.commit()
    token = _sign_in(client, programme["secretariat"])
    path = f"/finance/transfer-requests/{request_id}/cancel"
    response = client.post(path, data={"csrf_token": token, "reason": ""})
    assert response.status_code == 400
    assert "Give the reason for cancelling" in response.get_data(as_text=True)
    response = client.post(path, data={"csrf_token": token, "reason": "Wrong amount"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(TransferRequest, request_id).status == "cancelled"
    assert client.post(path, data={"csrf_token": token, "reason": "x"}).status_code == 400


def test_bad_input_on_the_request_page(app, client, programme):
    path = f"/finance/proposals/{programme['proposal']}/transfer-requests"
    token = _sign_in(client, programme["secretariat"])
    for data, message in (
        ({"organization_id": "", "amount": "10"}, "Choose the organization."),
        ({"organization_id": "999999", "amount": "10"}, "Choose an organization from the list."),
        ({"organization_id": "abc", "amount": "10"}, "Participating organization"),
        ({"organization_id": str(999), "amount": "ten"}, "Amount"),
    ):
        response = client.post(path, data={"csrf_token": token, **data})
        assert response.status_code == 400, data
        assert message in response.get_data(as_text=True), data
    with app.app_context():
        assert db.session.scalar(select(TransferRequest.id)) is None
    assert client.get("/finance/proposals/999999/transfer-requests").status_code == 404


ROUTES = {
    # path template -> (method, the roles allowed)
    "/finance/proposals/{p}/transfer-requests": ("GET", {"secretariat"}),
    "/finance/transfer-requests/{r}/cancel": ("POST", {"secretariat"}),
    "/finance/transfers": ("GET", {"administrative_agent"}),
    "/finance/proposals/{p}/organizations/{o}/disburse": ("POST", {"administrative_agent"}),
    "/finance/proposals/{p}": ("GET", {"secretariat", "administrative_agent"}),
}


@pytest.mark.parametrize(
    "role", ["applicant", "committee", "admin", "secretariat", "administrative_agent"]
)
def test_who_may_use_the_transfer_pages(app, client, create_user, programme, role):
    with app.app_context():
        request_id = _request(programme, "ILO", "1000.00").id
        db.session.commit()
        ilo = org_id("ILO")
    person = create_user(roles=(role,), organization_acronym="ILO", name=f"The {role}")
    token = _sign_in(client, person)
    for template, (method, allowed) in ROUTES.items():
        path = template.format(p=programme["proposal"], r=request_id, o=ilo)
        if method == "GET":
            status = client.get(path).status_code
            assert status == (200 if role in allowed else 403), (path, status)
        else:
            status = client.post(path, data={"csrf_token": token}).status_code
            assert status == (400 if role in allowed else 403), (path, status)
    with app.app_context():
        assert db.session.get(TransferRequest, request_id).status == "requested"


def test_anonymous_visitors_are_sent_to_sign_in(client, programme):
    assert "/login" in client.get("/finance/transfers").headers["Location"]
    path = f"/finance/proposals/{programme['proposal']}/transfer-requests"
    assert "/login" in client.get(path).headers["Location"]


def test_the_demo_pays_the_first_tranches_then_requests_the_leads_second(app, programme):
    """The demo's transfers: each organization not paid yet gets its first tranche requested
    (IOM's), which the agent records; later the lead organization's second tranche (ILO's, a
    third of its first reported spent at most) is requested with the override's reason and
    waits for the agent."""
    from fund.demo.transfers import (
        OVERRIDE,
        record_requested,
        request_first_tranches,
        request_lead_second_tranche,
    )
    from fund.proposals.models import Proposal

    def waiting() -> dict:
        return {
            (r.organization.acronym, r.tranche): (r.amount, r.override_reason)
            for r, _ in transfers.open_requests()
        }

    with app.app_context():
        _first_tranche(programme, "300000.00")
        proposal = db.session.get(Proposal, programme["proposal"])
        assert proposal.lead_organization_id == org_id("ILO")
        request_first_tranches(proposal, user(programme["secretariat"]))
        assert waiting() == {("IOM", 1): (D("214000.00"), None)}
        record_requested(proposal, user(programme["agent"]))
        assert waiting() == {}
        assert {s.organization_id: s.disbursed for s in _allocation(programme).shares} == {
            org_id("ILO"): D("300000.00"),
            org_id("IOM"): D("214000.00"),
        }
        request_lead_second_tranche(proposal, user(programme["secretariat"]))
        db.session.commit()
        assert waiting() == {("ILO", 2): (D("171000.00"), OVERRIDE)}


def test_the_pages_statements_do_not_grow_with_the_requests(app, client, programme, create_user):
    """The finance page and the agent's list read the requests' organizations and people
    together: more requests, the same number of statements."""
    from tests.helpers import counted_get

    agent = create_user(roles=("secretariat", "administrative_agent"), organization_acronym=None)
    _sign_in(client, agent)
    finance = f"/finance/proposals/{programme['proposal']}"
    with app.app_context():
        _record(programme, _request(programme, "ILO", "1000.00"))
        iom = _request(programme, "IOM", "1000.00")
        db.session.commit()
        engine = db.engine
        before = [counted_get(client, engine, path)[1] for path in (finance, "/finance/transfers")]
        transfers.cancel_request(user(programme["second"]), iom, "Wrong amount")
        _request(programme, "IOM", "900.00", actor=programme["second"])
        _request(programme, "ILO", "500.00", override_reason="Needed now.")
        db.session.commit()
        after = [counted_get(client, engine, path)[1] for path in (finance, "/finance/transfers")]
    assert after == before


def test_the_request_form_offers_only_organizations_a_request_may_be_for(app, client, programme):
    """ILO has a request open (a second is refused): the form offers IOM only; ILO's open
    request stays listed on the page."""
    with app.app_context():
        code = _request(programme, "ILO", "1000.00").code
        db.session.commit()
        ilo, iom = org_id("ILO"), org_id("IOM")
    _sign_in(client, programme["secretariat"])
    page = client.get(f"/finance/proposals/{programme['proposal']}/transfer-requests")
    form = page.get_data(as_text=True).split('name="organization_id"')[1].split("</select>")[0]
    assert f'value="{iom}"' in form and f'value="{ilo}"' not in form
    assert code in page.get_data(as_text=True)


def test_the_required_share_is_stated_as_set(app, client, programme):
    """With 75.5% required, 75.4% spent is refused: the refusal and the request page state
    75.5%, the share checked, not "75% is required" beside "75%" spent."""
    app.config["TRANCHE_MIN_EXPENDITURE_SHARE"] = D("0.755")
    with app.app_context():
        _first_tranche(programme)
        _financial(programme, "52780.00")  # 75.4% of 70,000.00
        db.session.commit()
        refusal = _refusal(programme, "ILO", "100000.00", now=_next_year(programme))
        assert (
            "ILO reported USD 52,780.00 spent, 75% of the USD 70,000.00 transferred; "
            "75.5% is required." in refusal.problems
        ), refusal.problems
    _sign_in(client, programme["secretariat"])
    page = client.get(f"/finance/proposals/{programme['proposal']}/transfer-requests")
    words = html.unescape(page.get_data(as_text=True))
    assert "reported expenditure at least 75.5% of what it was transferred" in words, words

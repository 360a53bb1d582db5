"""The administrative agent's records: pledges with their schedule, deposits in a currency,
interest and direct costs (operations, pages, bad input), the funding status (identities, the
page, `flask fund finance status` as JSON and text), and who may use each new route."""

from __future__ import annotations

import html
import json
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from fund.accounts.models import Organization, User
from fund.audit.models import AuditEvent
from fund.extensions import db, utcnow
from fund.finance import agent
from fund.finance import operations as finance_operations
from fund.finance.agent_models import DirectCost, InterestEntry, Pledge
from fund.finance.models import Allocation, Contribution, Pool
from fund.finance.operations import FinanceError
from fund.finance.status import funding_status
from fund.money import read_amount
from fund.reporting import operations as reporting
from fund.reporting.models import ProgrammeReport
from tests.factories import in_period
from tests.helpers import csrf_token, login, org_id, user

D = Decimal
AGENT_ROLE = "administrative_agent"


def _donor(donor) -> Organization:
    return db.session.get(Organization, donor.id)


def _general(app) -> Decimal:
    with app.app_context():
        return read_amount(db.session.get(Pool, "GENERAL").available)


def _refused(app, function, *args, **kwargs) -> FinanceError:
    with app.app_context():
        with pytest.raises(FinanceError) as caught:
            function(*args, **kwargs)
        db.session.rollback()
        return caught.value


def _deposit(app, actor, donor, amount="1000.00", currency="USD", rate="1", **kwargs) -> int:
    with app.app_context():
        contribution = agent.record_deposit(
            user(actor),
            _donor(donor),
            kwargs.pop("received_on", utcnow().date()),
            currency,
            D(amount),
            D(rate),
            **kwargs,
        )
        db.session.commit()
        return contribution.id


# Pledges ----------------------------------------------------------------------------------


def test_a_pledge_keeps_its_currency_and_schedule(app, agent_user, donor):
    with app.app_context():
        pledge = agent.record_pledge(
            user(agent_user),
            _donor(donor),
            date(2026, 1, 5),
            "eur",
            D("1000000.00"),
            [(date(2026, 6, 30), D("600000.00")), (date(2027, 6, 30), D("400000.00"))],
            "Two instalments",
        )
        db.session.commit()
        pledge = db.session.get(Pledge, pledge.id)
        assert (pledge.currency, pledge.amount, pledge.note) == (
            "EUR",
            D("1000000.00"),
            "Two instalments",
        )
        assert [(i.due_on, i.amount) for i in pledge.instalments] == [
            (date(2026, 6, 30), D("600000.00")),
            (date(2027, 6, 30), D("400000.00")),
        ]
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "pledge_recorded"))
        assert event.details["currency"] == "EUR" and event.details["amount"] == "1000000.00"
        # A pledge is not money: nothing reached a pool.
        assert funding_status().deposits == D("0.00")


def _pledge_refused(app, agent_user, donor, currency: str, amount, lines):
    """The refusal of a pledge of `amount` in `currency`, pledged on 5 January 2026."""
    return _refused(
        app,
        agent.record_pledge,
        user(agent_user),
        _donor(donor),
        date(2026, 1, 5),
        currency,
        amount,
        lines,
    )


@pytest.mark.parametrize(
    ("currency", "amount", "schedule", "field", "message"),
    [
        ("EURO", "100.00", [("2026-06-30", "100.00")], "currency", "ISO 4217"),
        ("XYZ", "100.00", [("2026-06-30", "100.00")], "currency", "ISO 4217"),
        ("EUR", "0.00", [("2026-06-30", "100.00")], "amount", "more than zero"),
        ("EUR", "100.001", [("2026-06-30", "100.00")], "amount", "two decimals"),
        ("EUR", "100.00", [], "schedule", "at least one expected payment"),
        ("EUR", "100.00", [("2026-06-30", "90.00")], "schedule", "add up to EUR 90.00"),
        (
            "EUR",
            "100.00",
            [("2026-06-30", "-10.00"), ("2026-07-30", "110.00")],
            "schedule",
            "more than zero",
        ),
    ],
)
def test_a_bad_pledge_is_refused_at_its_field(
    app, agent_user, donor, currency, amount, schedule, field, message
):
    lines = [(date.fromisoformat(d), D(a)) for d, a in schedule]
    with app.app_context():
        error = _pledge_refused(app, agent_user, donor, currency, D(amount), lines)
        assert error.field == field and message in error.message
        assert db.session.scalar(select(func.count()).select_from(Pledge)) == 0


def test_a_pledge_cannot_be_dated_in_the_future(app, agent_user, donor):
    tomorrow = utcnow().date() + timedelta(days=1)
    with app.app_context():
        error = _refused(
            app,
            agent.record_pledge,
            user(agent_user),
            _donor(donor),
            tomorrow,
            "EUR",
            D("1"),
            [(tomorrow, D("1"))],
        )
    assert error.field == "pledged_on"


# Deposits ---------------------------------------------------------------------------------


def test_a_deposit_in_euros_is_recorded_in_dollars_at_its_rate(app, agent_user, donor):
    before = _general(app)
    contribution_id = _deposit(
        app, agent_user, donor, "1000000.00", "EUR", "1.08345678", reference="DEP-1"
    )
    with app.app_context():
        c = db.session.get(Contribution, contribution_id)
        # 1,000,000.00 x 1.08345678 = 1,083,456.78; the 1% fee half-up: 10,834.57
        assert (c.currency, c.currency_amount, c.exchange_rate) == (
            "EUR",
            D("1000000.00"),
            D("1.08345678"),
        )
        assert (c.gross, c.fee, c.net) == (D("1083456.78"), D("10834.57"), D("1072622.21"))
        assert c.recorded_by_id == agent_user.id
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "contribution_recorded")
        )
        assert event.details["currency"] == "EUR" and event.details["exchange_rate"] == "1.08345678"
    assert _general(app) == before + D("1072622.21")


def test_the_gross_is_the_amount_at_the_rate_rounded_half_up(app, agent_user, donor):
    # 0.10 x 1.25 = 0.125 -> 0.13 (half-up), not 0.12 (half-even)
    contribution_id = _deposit(app, agent_user, donor, "0.10", "GBP", "1.25")
    with app.app_context():
        assert db.session.get(Contribution, contribution_id).gross == D("0.13")


def test_a_usd_contribution_is_a_deposit_at_the_rate_one(app, agent_user, donor):
    with app.app_context():
        c = finance_operations.record_contribution(
            user(agent_user), _donor(donor), utcnow().date(), D("250.00")
        )
        db.session.commit()
        c = db.session.get(Contribution, c.id)
        assert (c.currency, c.currency_amount, c.exchange_rate, c.pledge_id) == (
            "USD",
            D("250.00"),
            D("1"),
            None,
        )


@pytest.mark.parametrize(
    ("currency", "amount", "rate", "field", "message"),
    [
        ("USD", "100.00", "1.1", "exchange_rate", "USD is at the rate 1"),
        ("EUR", "100.00", "0", "exchange_rate", "more than zero"),
        ("EUR", "100.00", "1.123456789", "exchange_rate", "eight decimals"),
        ("EUR", "100.00", "1e20", "exchange_rate", "ten digits before the point"),
        ("EUR", "100.00", "123456789012345678901", "exchange_rate", "ten digits before"),
        ("EUR", "0.01", "0.1", "exchange_rate", "worth USD 0.00"),
        ("EU", "100.00", "1.1", "currency", "ISO 4217"),
        ("EUR", "-1.00", "1.1", "amount", "more than zero"),
    ],
)
def test_a_bad_deposit_is_refused_at_its_field(
    app, agent_user, donor, currency, amount, rate, field, message
):
    with app.app_context():
        error = _refused(
            app,
            agent.record_deposit,
            user(agent_user),
            _donor(donor),
            utcnow().date(),
            currency,
            D(amount),
            D(rate),
        )
        assert error.field == field and message in error.message
        assert db.session.scalar(select(func.count()).select_from(Contribution)) == 0


@pytest.mark.parametrize("typed", ["123456789012345678901", "99999999999.5", "1" * 40])
def test_a_rate_too_large_to_store_is_refused_with_words(typed):
    with pytest.raises(FinanceError) as refused:
        agent.parse_rate(typed)
    assert "ten digits before the point" in refused.value.message


@pytest.mark.parametrize("typed", ["1 08", "1,085", "1.08 5", "1e2", ""])
def test_a_rate_is_digits_and_a_point_or_refused_never_misread(typed):
    with pytest.raises(FinanceError) as refused:
        agent.parse_rate(typed)
    assert "is not a rate" in refused.value.message
    assert agent.parse_rate(" 1.0825 ") == D("1.0825")


def test_a_deposit_pays_its_donors_pledge_in_its_currency(
    app, agent_user, donor, create_organization
):
    other = create_organization(name="Republic of Elsewhere", acronym="ROE", kind="other")
    with app.app_context():
        pledge = agent.record_pledge(
            user(agent_user),
            _donor(donor),
            utcnow().date(),
            "EUR",
            D("1000.00"),
            [(utcnow().date(), D("1000.00"))],
        )
        db.session.commit()
        pledge_id = pledge.id
    with app.app_context():
        pledge = db.session.get(Pledge, pledge_id)
        assert (
            _refused(
                app,
                agent.record_deposit,
                user(agent_user),
                _donor(other),
                utcnow().date(),
                "EUR",
                D("1"),
                D("1"),
                pledge=pledge,
            ).field
            == "pledge_id"
        )
    with app.app_context():
        pledge = db.session.get(Pledge, pledge_id)
        assert (
            _refused(
                app,
                agent.record_deposit,
                user(agent_user),
                _donor(donor),
                utcnow().date(),
                "USD",
                D("1"),
                D("1"),
                pledge=pledge,
            ).field
            == "currency"
        )
    with app.app_context():
        first = _deposit(
            app, agent_user, donor, "600.00", "EUR", "1.1", pledge=db.session.get(Pledge, pledge_id)
        )
    with app.app_context():
        _deposit(
            app, agent_user, donor, "100.00", "EUR", "1.2", pledge=db.session.get(Pledge, pledge_id)
        )
    with app.app_context():
        progress = agent.pledge_progress([db.session.get(Pledge, pledge_id)])[pledge_id]
        assert (progress.deposited, progress.deposited_usd, progress.outstanding) == (
            D("700.00"),
            D("780.00"),
            D("300.00"),
        )
        # A voided deposit no longer counts.
        finance_operations.void_contribution(
            user(agent_user), db.session.get(Contribution, first), "Typed twice"
        )
        db.session.commit()
        progress = agent.pledge_progress([db.session.get(Pledge, pledge_id)])[pledge_id]
        assert (progress.deposited, progress.outstanding, progress.deposits) == (
            D("100.00"),
            D("900.00"),
            1,
        )


def test_the_database_refuses_a_gross_other_than_the_amount_at_the_rate(app, agent_user, donor):
    contribution_id = _deposit(app, agent_user, donor, "100.00", "EUR", "1.1")
    with app.app_context():
        with pytest.raises(IntegrityError):
            db.session.execute(
                update(Contribution)
                .where(Contribution.id == contribution_id)
                .values(exchange_rate=D("1.2"))
            )
        db.session.rollback()


# Interest and direct costs ----------------------------------------------------------------


def test_interest_goes_to_the_unearmarked_pool_and_direct_costs_come_out_of_it(
    app, agent_user, donor
):
    _deposit(app, agent_user, donor, "1000.00")  # net 990.00
    with app.app_context():
        agent.record_interest(user(agent_user), utcnow().date(), D("12.34"), "INT-2026-Q1")
        db.session.commit()
    assert _general(app) == D("1002.34")
    with app.app_context():
        agent.record_direct_cost(
            user(agent_user), utcnow().date(), D("1002.34"), "Secretariat staff, Q1"
        )
        db.session.commit()
    assert _general(app) == D("0.00")
    with app.app_context():
        error = _refused(
            app, agent.record_direct_cost, user(agent_user), utcnow().date(), D("0.01"), "More"
        )
        assert error.field == "amount" and "holds USD 0.00 unallocated" in error.message
        assert db.session.scalar(select(func.count()).select_from(DirectCost)) == 1
        actions = set(db.session.scalars(select(AuditEvent.action)))
        assert {"interest_recorded", "direct_cost_recorded"} <= actions
        status = funding_status()
        assert (status.interest, status.direct_costs) == (D("12.34"), D("1002.34"))


def test_a_void_refused_after_a_direct_cost_names_the_cost_too(
    app, agent_user, agent_client, donor
):
    """No proposal is funded: the money a void misses went on a direct cost, and the refusal
    and the void page say a direct cost can be where it went."""
    contribution_id = _deposit(app, agent_user, donor, "1000.00")  # net 990.00
    with app.app_context():
        agent.record_direct_cost(user(agent_user), utcnow().date(), D("500.00"), "Staff")
        db.session.commit()
        error = _refused(
            app,
            finance_operations.void_contribution,
            user(agent_user),
            db.session.get(Contribution, contribution_id),
            "Typed twice",
        )
    assert "only USD 490.00 is unallocated" in error.message
    assert "funds proposals or paid the fund's direct costs already" in error.message
    page = agent_client.get(f"/finance/contributions/{contribution_id}/void").get_data(as_text=True)
    assert "already allocated to proposals or spent on direct costs" in page


def test_a_direct_cost_dated_before_the_money_came_is_refused(app, agent_user, donor):
    """The deposit came today: a cost dated yesterday would make the pool's balance as of
    yesterday (the allocation report's) negative, though the pool holds it today."""
    from fund.finance.queries import balance

    today = utcnow().date()
    _deposit(app, agent_user, donor, "1000.00")  # net 990.00, received today
    yesterday = date.fromordinal(today.toordinal() - 1)
    with app.app_context():
        error = _refused(
            app, agent.record_direct_cost, user(agent_user), yesterday, D("500.00"), "x"
        )
        assert error.field == "amount"
        assert "the unearmarked pool held USD 0.00 unallocated" in error.message
        assert db.session.scalar(select(func.count()).select_from(DirectCost)) == 0
        agent.record_direct_cost(user(agent_user), today, D("500.00"), "Staff")
        db.session.commit()
        assert all(p.available >= 0 for p in balance(yesterday).pools)


def test_the_balance_at_the_end_of_a_day_counts_interest_and_direct_costs(app, agent_user, donor):
    """The balance as of a day gives the unearmarked pool the interest earned and less the
    direct costs charged by then, as the pool's running figure does today."""
    from fund.finance.queries import balance

    today = utcnow().date()
    _deposit(app, agent_user, donor, "1000.00")  # net 990.00
    with app.app_context():
        agent.record_interest(user(agent_user), today, D("12.34"))
        agent.record_direct_cost(user(agent_user), today, D("100.00"), "Secretariat staff")
        db.session.commit()
        now = {p.code: p.available for p in balance().pools}
        assert now["GENERAL"] == D("902.34")
        assert {p.code: p.available for p in balance(today).pools} == now
        yesterday = {p.code: p.available for p in balance(today - timedelta(days=1)).pools}
        assert yesterday["GENERAL"] == D("0.00")


def test_bad_interest_and_direct_costs_are_refused(app, agent_user):
    tomorrow = utcnow().date() + timedelta(days=1)
    today = utcnow().date()
    with app.app_context():
        assert (
            _refused(app, agent.record_interest, user(agent_user), tomorrow, D("1")).field
            == "earned_on"
        )
        assert (
            _refused(app, agent.record_interest, user(agent_user), today, D("0")).field == "amount"
        )
        assert (
            _refused(app, agent.record_direct_cost, user(agent_user), today, D("1"), "  ").field
            == "description"
        )
        assert (
            _refused(app, agent.record_direct_cost, user(agent_user), today, D("0"), "x").field
            == "amount"
        )
        assert db.session.scalar(select(func.count()).select_from(InterestEntry)) == 0


# The funding status -----------------------------------------------------------------------


@pytest.fixture
def history(app, agent_user, donor, author, make_proposal, create_user):
    """Deposits, interest, a direct cost, a funded programme with USD 100,000.00 transferred to
    ILO, of which its accepted annual financial report spent USD 25,000.00."""
    _deposit(app, agent_user, donor, "2000000.00", "EUR", "1.1")  # 2,200,000.00; fee 22,000.00
    voided = _deposit(app, agent_user, donor, "5000.00")
    with app.app_context():
        finance_operations.void_contribution(
            user(agent_user), db.session.get(Contribution, voided), "Twice"
        )
        agent.record_interest(user(agent_user), utcnow().date(), D("1500.25"))
        agent.record_direct_cost(user(agent_user), utcnow().date(), D("300.10"), "Audit fees")
        db.session.commit()
    proposal_id = make_proposal(author, status="funded")
    secretariat = create_user(roles=("secretariat",), organization_acronym=None)
    with app.app_context():
        allocation = db.session.scalar(
            select(Allocation).where(Allocation.proposal_id == proposal_id)
        )
        finance_operations.record_disbursement(
            user(agent_user), allocation, org_id("ILO"), utcnow().date(), D("100000.00")
        )
        db.session.commit()
        report = db.session.scalars(
            select(ProgrammeReport)
            .where(
                ProgrammeReport.proposal_id == proposal_id,
                ProgrammeReport.kind == "annual_financial",
            )
            .order_by(ProgrammeReport.due_on)
        ).first()
        reporting.save_financial(user(author), report.id, {(org_id("ILO"), 1): D("25000.00")})
        when = in_period(report)  # submitted once its period has begun
        reporting.fire(user(author), report.id, "submit", now=when)
        reporting.fire(user(secretariat), report.id, "accept", now=when)
        db.session.commit()
    return proposal_id


EXPECTED = {
    "deposits": "2200000.00",
    "administrative_agent_fee": "22000.00",
    "interest": "1500.25",
    "transfers": "100000.00",
    "refunds": "0.00",
    "direct_costs": "300.10",
    # 2,200,000.00 - 22,000.00 + 1,500.25 + 0 - 100,000.00 - 300.10
    "balance_with_administrative_agent": "2079200.15",
    "expenditure": "25000.00",
    "participating_balance": "75000.00",
}


def test_the_funding_status_as_json(app, runner, history):
    result = runner.invoke(args=["fund", "finance", "status", "--format", "json"])
    assert result.exit_code == 0, result.output
    status = json.loads(result.output)
    assert {k: v for k, v in status.items() if k != "organizations"} == EXPECTED
    assert status["organizations"] == [
        {
            "name": "International Labour Organization",
            "acronym": "ILO",
            "transfers": "100000.00",
            "refunds": "0.00",
            "expenditure": "25000.00",
            "participating_balance": "75000.00",
        }
    ]


def test_the_funding_status_as_text(app, runner, history):
    result = runner.invoke(args=["fund", "finance", "status"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert re.match(r"Deposits\s+2,200,000\.00$", lines[0])
    # Changed on purpose: the command now states the pages' lines, with their capitals.
    assert any(
        re.match(r"Balance with the Administrative Agent\s+2,079,200\.15$", line) for line in lines
    )
    assert any(
        re.match(r"ILO\s+100,000\.00\s+0\.00\s+25,000\.00\s+75,000\.00$", line) for line in lines
    )


def test_the_command_states_the_funding_status_line_by_line_as_the_pages_do(app, runner, history):
    from fund.finance.status import STATEMENT

    lines = runner.invoke(args=["fund", "finance", "status"]).output.splitlines()
    stated = [re.sub(r"\s+-?[\d,]+\.\d\d$", "", line) for line in lines[: len(STATEMENT)]]
    assert stated == [label for _name, label, _balance in STATEMENT]
    assert re.match(r"Transfers less refunds\s+100,000\.00$", lines[7])


def test_the_funding_status_of_an_empty_fund(app, runner):
    result = runner.invoke(args=["fund", "finance", "status", "--format", "json"])
    assert json.loads(result.output) == dict.fromkeys(EXPECTED, "0.00") | {"organizations": []}
    text = runner.invoke(args=["fund", "finance", "status", "--format", "text"]).output
    assert "No money has been transferred to a participating organization yet." in text
    assert runner.invoke(args=["fund", "finance", "status", "--format", "xml"]).exit_code != 0


def test_the_funding_status_page(app, client, history, login_as):
    login_as("secretariat", organization_acronym=None)
    page = client.get("/finance/status").get_data(as_text=True)
    assert "USD 2,079,200.15" in page and "USD 75,000.00" in page
    # A closed programme counts the final expenditure recorded at its closure, not its reports:
    # the page and its statement say both.
    words = html.unescape(page)
    assert "for a closed programme, the final expenditure recorded at its closure" in words
    assert "less expenditure (reported, or final at closure)" in words
    assert '<abbr title="International Labour Organization">ILO</abbr>' in page
    table = page.split('id="organizations-status"')[1].split("</table>")[0]
    total = table.split("<tfoot>")[1].split("</tfoot>")[0]
    cells = re.findall(r'<td class="num">([^<]*)</td>', total)
    assert "Total" in total
    assert cells == ["USD 100,000.00", "USD 0.00", "USD 25,000.00", "USD 75,000.00"]


# The pages --------------------------------------------------------------------------------

PLEDGE = {
    "donor_id": None,
    "pledged_on": "2026-01-05",
    "currency": "eur",
    "amount": "1,000,000.00",
    "due_1": "2026-06-30",
    "part_1": "600,000.00",
    "due_2": "2027-06-30",
    "part_2": "400,000.00",
    "note": "Two instalments",
}


def test_the_agent_records_a_pledge_and_a_deposit_paying_it(app, agent_client, donor):
    token = csrf_token(agent_client, "/finance/pledges")
    response = agent_client.post(
        "/finance/pledges", data=PLEDGE | {"donor_id": donor.id, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    page = agent_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "recorded: EUR 1,000,000.00 in 2 expected payments" in page
    with app.app_context():
        pledge_id = db.session.scalar(select(Pledge.id))
    token = csrf_token(agent_client, "/finance/deposits/new")
    response = agent_client.post(
        "/finance/deposits/new",
        data={
            "csrf_token": token,
            "donor_id": donor.id,
            "received_on": "2026-07-01",
            "currency": "EUR",
            "amount": "600,000.00",
            "exchange_rate": "1.0825",
            "pledge_id": pledge_id,
            "earmark": "",
            "reference": "DEP-EUR-1",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    page = agent_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "EUR 600,000.00 at 1.0825, USD 649,500.00 gross" in page
    page = agent_client.get(f"/finance/pledges/{pledge_id}").get_data(as_text=True)
    assert "EUR 600,000.00" in page and "EUR 400,000.00" in page  # deposited, outstanding


def test_a_bad_pledge_form_keeps_what_was_typed(app, agent_client, donor):
    token = csrf_token(agent_client, "/finance/pledges")
    data = PLEDGE | {
        "donor_id": donor.id,
        "csrf_token": token,
        "currency": "EURO",
        "part_2": "300,000.00",
    }
    response = agent_client.post("/finance/pledges", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "three-letter ISO 4217 code" in page
    assert 'value="EURO"' in page and 'value="300,000.00"' in page
    data |= {"currency": "EUR", "due_2": "2027-02-30"}
    page = agent_client.post("/finance/pledges", data=data).get_data(as_text=True)
    assert "Enter a date as YYYY-MM-DD" in page
    data |= {"due_2": "2027-06-30"}
    page = agent_client.post("/finance/pledges", data=data).get_data(as_text=True)
    assert "add up to EUR 900,000.00, not the pledged EUR 1,000,000.00" in page
    data |= {"due_1": "", "part_1": "", "due_2": "", "part_2": ""}
    page = agent_client.post("/finance/pledges", data=data).get_data(as_text=True)
    assert "Give at least one expected payment" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Pledge)) == 0


def test_a_bad_deposit_form_keeps_what_was_typed(app, agent_client, donor):
    token = csrf_token(agent_client, "/finance/deposits/new")
    data = {
        "csrf_token": token,
        "donor_id": donor.id,
        "received_on": "2026-07-01",
        "currency": "EUR",
        "amount": "12,34",
        "exchange_rate": "1,08",
        "pledge_id": "999",
        "earmark": "",
    }
    response = agent_client.post("/finance/deposits/new", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "“12,34” is not an amount" in page and "“1,08” is not a rate" in page
    assert "Choose a pledge from the list, or none." in page
    assert 'value="1,08"' in page
    data |= {"amount": "10.00", "exchange_rate": "1.1", "pledge_id": "0", "currency": "USD"}
    page = agent_client.post("/finance/deposits/new", data=data).get_data(as_text=True)
    assert "A deposit in USD is at the rate 1." in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Contribution)) == 0


def test_the_agent_records_interest_and_direct_costs_on_their_pages(
    app, agent_client, agent_user, donor
):
    # Set-up: the deposit came before the day the cost below is dated (a cost dated before
    # the money it spends is refused).
    _deposit(app, agent_user, donor, "1000.00", received_on=date(2026, 3, 1))
    token = csrf_token(agent_client, "/finance/interest")
    response = agent_client.post(
        "/finance/interest",
        data={"csrf_token": token, "earned_on": "2026-03-31", "amount": "10.50"},
    )
    assert response.status_code == 302
    assert "USD 10.50" in agent_client.get("/finance/interest").get_data(as_text=True)
    response = agent_client.post(
        "/finance/direct-costs",
        data={
            "csrf_token": token,
            "charged_on": "2026-03-31",
            "amount": "5,000.00",
            "description": "Staff",
        },
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "holds USD 1,000.50 unallocated: it cannot pay USD 5,000.00" in page
    assert 'value="5,000.00"' in page and "Staff</textarea>" in page
    response = agent_client.post(
        "/finance/direct-costs",
        data={
            "csrf_token": token,
            "charged_on": "2026-03-31",
            "amount": "500.00",
            "description": "Staff",
        },
    )
    assert response.status_code == 302
    assert _general(app) == D("500.50")


def test_the_secretariat_reads_the_agents_pages_but_records_nothing(
    app, client, login_as, agent_user, donor
):
    contribution_id = _deposit(app, agent_user, donor, "1000.00")
    login_as("secretariat", organization_acronym=None)
    for path in (
        "/finance/pledges",
        "/finance/interest",
        "/finance/direct-costs",
        "/finance/contributions",
    ):
        page = client.get(path).get_data(as_text=True)
        assert 'class="button">Record' not in page, path
    void_page = client.get(f"/finance/contributions/{contribution_id}/void").get_data(as_text=True)
    assert "The administrative agent voids" in void_page
    token = csrf_token(client, "/finance/pledges")
    for path, data in [
        ("/finance/pledges", PLEDGE | {"donor_id": donor.id}),
        ("/finance/interest", {"earned_on": "2026-03-31", "amount": "1.00"}),
        (
            "/finance/direct-costs",
            {"charged_on": "2026-03-31", "amount": "1.00", "description": "x"},
        ),
        (
            "/finance/contributions",
            {"donor_id": donor.id, "received_on": "2026-03-31", "gross": "1.00"},
        ),
        (f"/finance/contributions/{contribution_id}/void", {"reason": "No"}),
        ("/finance/deposits/new", {}),
    ]:
        assert client.post(path, data=data | {"csrf_token": token}).status_code == 403, path
    assert client.get("/finance/deposits/new").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Contribution)) == 1
        assert db.session.scalar(select(func.count()).select_from(InterestEntry)) == 0


# Who may use each route -------------------------------------------------------------------

ROUTES = [
    ("GET", "/finance/pledges"),
    ("GET", "/finance/pledges/{pledge}"),
    ("GET", "/finance/interest"),
    ("GET", "/finance/direct-costs"),
    ("GET", "/finance/status"),
    ("GET", "/finance/deposits/new"),
    ("POST", "/finance/pledges"),
    ("POST", "/finance/interest"),
    ("POST", "/finance/direct-costs"),
    ("POST", "/finance/deposits/new"),
]
READ = {
    ("GET", path)
    for path in (
        "/finance/pledges",
        "/finance/pledges/{pledge}",
        "/finance/interest",
        "/finance/direct-costs",
        "/finance/status",
    )
}


@pytest.mark.parametrize(
    "role", ["applicant", "secretariat", "committee", "admin", AGENT_ROLE, None]
)
def test_every_new_route_answers_each_role(app, client, create_user, agent_user, donor, role):
    with app.app_context():
        pledge = agent.record_pledge(
            user(agent_user),
            _donor(donor),
            utcnow().date(),
            "EUR",
            D("5.00"),
            [(utcnow().date(), D("5.00"))],
        )
        db.session.commit()
        ids = {"pledge": pledge.id}
    if role is not None:
        person = create_user(
            roles=(role,), organization_acronym="ILO" if role == "applicant" else None
        )
        login(client, person.email)
    token = csrf_token(client, "/login" if role is None else "/account/password")
    for method, path in ROUTES:
        url = path.format(**ids)
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token})
        if role is None:
            expected = 302 if method == "GET" else 401
        elif role == AGENT_ROLE:
            expected = 200 if method == "GET" else 400  # an empty form: refused at its fields
        elif role == "secretariat" and (method, path) in READ:
            expected = 200
        else:
            expected = 403
        assert response.status_code == expected, (role, method, path)


def test_a_closed_programme_counts_its_final_expenditure_and_refunds(app, history, create_user):
    from fund.finance import closure
    from fund.proposals.models import Proposal

    secretariat = create_user(roles=("secretariat",), organization_acronym=None)
    ilo = org_id("ILO", app)
    with app.app_context():
        proposal = db.session.get(Proposal, history)
        closure.close_programme(user(secretariat), proposal, {ilo: D("30000.00")}, "Ended early.")
        db.session.commit()
    with app.app_context():
        actor = db.session.scalar(
            select(User).where(User.role_rows.any(role=AGENT_ROLE)).order_by(User.id)
        )
        closure.record_refund(
            actor, db.session.get(Proposal, history), ilo, utcnow().date(), D("70000.00")
        )
        db.session.commit()
        status = funding_status()
        organization = next(o for o in status.organizations if o.acronym == "ILO")
        assert (organization.expenditure, organization.refunds) == (D("30000.00"), D("70000.00"))
        assert organization.participating_balance == D("0.00")
        # 2,079,200.15 + the refund of 70,000.00
        assert status.balance_with_administrative_agent == D("2149200.15")


def test_the_migration_makes_existing_contributions_usd_deposits_at_the_rate_one(
    app, backend, donor
):
    from pathlib import Path

    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    directory = str(Path(__file__).resolve().parent.parent / "migrations")
    with app.app_context():
        db.session.remove()
        downgrade(directory=directory, revision="e4b8d0f6a234")
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO contributions (donor_id, received_on, gross, fee_rate, fee, net, "
                    "pool_code, reference, note, recorded_at) VALUES (:donor, '2026-01-05', "
                    "1000.00, 0.01, 10.00, 990.00, 'GENERAL', 'OLD-1', '', '2026-01-05 10:00:00')"
                ),
                {"donor": donor.id},
            )
        upgrade(directory=directory, revision="f5c9e1a7b345")
        with db.engine.connect() as connection:
            row = connection.execute(
                text(
                    "SELECT currency, currency_amount, exchange_rate, pledge_id FROM contributions"
                )
            ).one()
        assert (row.currency, D(str(row.currency_amount)), D(str(row.exchange_rate))) == (
            "USD",
            D("1000.00"),
            D("1"),
        )
        assert row.pledge_id is None
        upgrade(directory=directory)


def test_the_agents_forms_answer_junk_without_a_server_error(
    app, backend, agent_client, agent_user, donor
):
    from hypothesis import given

    from tests.test_security_fuzz import _submit, field, fields, fuzz

    _deposit(app, agent_user, donor, "1000.00")
    with app.app_context():
        pledge = agent.record_pledge(
            user(agent_user),
            _donor(donor),
            utcnow().date(),
            "EUR",
            D("10.00"),
            [(utcnow().date(), D("10.00"))],
        )
        db.session.commit()
        pledge_id = str(pledge.id)
    token = csrf_token(agent_client, "/finance/pledges")
    today = utcnow().date().isoformat()
    donor_id = str(donor.id)

    @fuzz(backend)
    @given(
        fields(
            donor_id=field(donor_id, "0"),
            pledged_on=field(today, "2026-02-30"),
            currency=field("EUR", "eur", "XXX"),
            amount=field("10.00", "1,000.00"),
            due_1=field(today, ""),
            part_1=field("10.00", ""),
            due_2=field(today, ""),
            part_2=field("", "5.00"),
            note=field("Note"),
        )
    )
    def pledges(data):
        _submit(app, agent_client, "/finance/pledges", data | {"csrf_token": token})

    @fuzz(backend)
    @given(
        fields(
            donor_id=field(donor_id, "0"),
            received_on=field(today, "2026-02-30"),
            currency=field("EUR", "USD", "XXX"),
            amount=field("10.00", "1,000.00"),
            exchange_rate=field("1", "1.0825", "0.00000001", "1e3"),
            pledge_id=field(pledge_id, "0"),
            earmark=field("", "TA4"),
            reference=field("R"),
        )
    )
    def deposits(data):
        _submit(app, agent_client, "/finance/deposits/new", data | {"csrf_token": token})

    @fuzz(backend)
    @given(
        fields(
            earned_on=field(today),
            amount=field("1.00"),
            charged_on=field(today),
            description=field("Staff"),
        )
    )
    def interest_and_costs(data):
        _submit(app, agent_client, "/finance/interest", data | {"csrf_token": token})
        _submit(app, agent_client, "/finance/direct-costs", data | {"csrf_token": token})

    pledges()
    deposits()
    interest_and_costs()


def test_a_direct_cost_and_a_funding_at_the_same_moment_never_overdraw_the_pool(
    app, backend, agent_user, donor, author, make_proposal, create_user
):
    """USD 1,485,000.00 unearmarked: funding a programme of 1,070,000.00 and a direct cost of
    500,000.00 cannot both be paid; whichever comes second is refused, and the pool stays at or
    above zero."""
    from fund.proposals.models import Proposal
    from tests.test_finance_race import run_together

    _deposit(app, agent_user, donor, "1500000.00")
    proposal_id = make_proposal(author, status="approved", primary_objective_number=7)
    secretariat = create_user(roles=("secretariat",), organization_acronym=None)

    def cost():
        return agent.record_direct_cost(
            user(agent_user), utcnow().date(), D("500000.00"), "Secretariat staff"
        )

    def allocate():
        return finance_operations.fund_proposal(
            user(secretariat), db.session.get(Proposal, proposal_id)
        )

    results = run_together(app, [cost, allocate])
    done = [r for r in results if not isinstance(r, Exception)]
    assert len(done) == 1, results
    with app.app_context():
        general = read_amount(db.session.get(Pool, "GENERAL").available)
        costs = db.session.scalar(select(func.count()).select_from(DirectCost))
        allocations = db.session.scalar(select(func.count()).select_from(Allocation))
    assert (costs, allocations) in ((1, 0), (0, 1))
    assert general == (D("985000.00") if costs else D("415000.00"))


def test_a_pledges_amounts_read_in_the_pages_language(app, agent_client, agent_user, donor):
    """The form's sum that does not add up and the operation's own refusal write the amounts
    as the page's language does, in the pledge's currency."""
    agent_client.get("/finance/pledges?lang=fr")
    data = PLEDGE | {
        "donor_id": donor.id,
        "csrf_token": csrf_token(agent_client, "/finance/pledges"),
        "currency": "EUR",
        "amount": "1 000 000,00",  # typed as a French page writes amounts
        "part_1": "600 000,00",
        "due_2": "2027-06-30",
        "part_2": "300 000,00",
    }
    page = html.unescape(agent_client.post("/finance/pledges", data=data).get_data(as_text=True))
    assert "900\u202f000,00\u00a0€" in page and "1\u202f000\u202f000,00\u00a0€" in page
    assert "EUR 900,000.00" not in page
    with app.app_context(), app.test_request_context(), force_locale("fr"):
        error = _refused(
            app,
            agent.record_pledge,
            user(agent_user),
            _donor(donor),
            date(2026, 1, 5),
            "EUR",
            D("100.00"),
            [(date(2026, 6, 30), D("90.00"))],
        )
        assert "EUR 90.00" in error.message  # the English of the records
        assert "90,00\u00a0€" in error.said() and "EUR" not in error.said()


def test_each_pool_s_row_adds_up_with_the_interest_less_the_direct_costs(
    app, agent_user, agent_client, donor
):
    """The unearmarked pool's available money counts the interest and the direct costs: its
    row shows them, so that net received plus them, less allocated, is what is available."""
    from fund.finance.queries import balance

    _deposit(app, agent_user, donor, "1000.00")  # net 990.00
    with app.app_context():
        agent.record_interest(user(agent_user), utcnow().date(), D("12.34"))
        agent.record_direct_cost(user(agent_user), utcnow().date(), D("100.00"), "Staff")
        db.session.commit()
        for as_of in (None, utcnow().date()):
            found = balance(as_of)
            lines = {p.code: p for p in found.pools}
            assert lines["GENERAL"].interest_less_costs == D("-87.66")
            for line in (*found.pools, found.total):
                assert line.available == (line.net + line.interest_less_costs - line.allocated), (
                    line.code
                )
    html = agent_client.get("/finance/").get_data(as_text=True)
    assert "Interest less direct costs" in html
    row = html.split('<tr id="pool-GENERAL">')[1].split("</tr>")[0]
    assert ">-87.66</td>" in row and "<strong>902.34</strong>" in row


def test_the_contributions_workbook_shows_an_exchange_rate_with_its_decimals(
    app, agent_client, agent_user, donor
):
    import io

    from openpyxl import load_workbook

    _deposit(app, agent_user, donor, amount="20000.00", currency="MXN", rate="0.0493")
    response = agent_client.get("/finance/contributions?export=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    header = [c.value for c in sheet[1]]
    rate = sheet.cell(row=2, column=header.index("Exchange rate") + 1)
    assert rate.value == 0.0493
    # Shown as kept (0.0493, up to 8 decimals), not rounded to cents like money (0.05).
    assert rate.number_format == "#,##0.00######"
    gross = sheet.cell(row=2, column=header.index("Gross (USD)") + 1)
    assert gross.number_format == "#,##0.00"


def _pay_in_pesos(app, agent_user, donor, pledge_id: int, received_on: date, amount: str) -> None:
    """A deposit in Mexican pesos at USD 0.0493 paying the pledge."""
    with app.app_context():
        agent.record_deposit(
            user(agent_user),
            _donor(donor),
            received_on,
            "MXN",
            D(amount),
            D("0.0493"),
            pledge=db.session.get(Pledge, pledge_id),
        )
        db.session.commit()


def test_a_deposit_from_a_pledge_page_is_filled_in_from_the_pledge(
    app, agent_client, agent_user, donor
):
    with app.app_context():
        pledge = agent.record_pledge(
            user(agent_user),
            _donor(donor),
            date(2026, 1, 5),
            "MXN",
            D("1000000.00"),
            [(date(2026, 6, 30), D("600000.00")), (date(2099, 6, 30), D("400000.00"))],
        )
        db.session.commit()
        pledge_id = pledge.id
    page = agent_client.get(f"/finance/pledges/{pledge_id}").get_data(as_text=True)
    link = f'href="/finance/deposits/new?pledge={pledge_id}"'
    assert link in page
    form = agent_client.get(f"/finance/deposits/new?pledge={pledge_id}").get_data(as_text=True)
    assert f'<option selected value="{donor.id}">' in form
    assert f'<option selected value="{pledge_id}">' in form
    assert re.search(r'name="currency"[^>]*value="MXN"', form)
    assert re.search(r'name="amount"[^>]*value="600,000.00"', form)
    assert re.search(r'name="received_on"[^>]*value="2026-06-30"', form)
    assert not re.search(r'name="exchange_rate"[^>]*value="1"', form)  # a peso is not a dollar

    # Part paid: what is left of the first payment; then the next one, dated today at the latest
    # (a deposit is recorded when received).
    _pay_in_pesos(app, agent_user, donor, pledge_id, date(2026, 7, 1), "200000.00")
    form = agent_client.get(f"/finance/deposits/new?pledge={pledge_id}").get_data(as_text=True)
    assert re.search(r'name="amount"[^>]*value="400,000.00"', form)
    assert re.search(r'name="received_on"[^>]*value="2026-06-30"', form)
    _pay_in_pesos(app, agent_user, donor, pledge_id, date(2026, 7, 2), "400000.00")
    form = agent_client.get(f"/finance/deposits/new?pledge={pledge_id}").get_data(as_text=True)
    assert re.search(r'name="amount"[^>]*value="400,000.00"', form)
    today = utcnow().date().isoformat()
    assert re.search(rf'name="received_on"[^>]*value="{today}"', form)
    assert link in agent_client.get(f"/finance/pledges/{pledge_id}").get_data(as_text=True)
    # Paid in full: the pledge page offers no deposit the pledge would refuse, and says why.
    _pay_in_pesos(app, agent_user, donor, pledge_id, date(2026, 7, 3), "400000.00")
    page = agent_client.get(f"/finance/pledges/{pledge_id}").get_data(as_text=True)
    assert link not in page
    assert "Paid in full: a further deposit from this donor is recorded without the pledge." in page

    # A bad or unknown pledge leaves the form blank, never an error.
    for bad in ("x", "-1", "999999", "0", "1e3", "99999999999999999999"):
        response = agent_client.get(f"/finance/deposits/new?pledge={bad}")
        assert response.status_code == 200, bad
        assert not re.search(r'name="currency"[^>]*value="MXN"', response.get_data(as_text=True))


def test_a_deactivated_donors_pledge_still_takes_its_deposit(app, agent_client, agent_user, donor):
    """Home keeps listing a deactivated donor's late pledge: the pledge page's deposit form
    keeps the donor among its choices, filled in, and records the deposit."""
    with app.app_context():
        pledge = agent.record_pledge(
            user(agent_user),
            _donor(donor),
            date(2026, 1, 5),
            "USD",
            D("1000.00"),
            [(date(2026, 6, 30), D("1000.00"))],
        )
        _donor(donor).active = False
        db.session.commit()
        pledge_id = pledge.id
    address = f"/finance/deposits/new?pledge={pledge_id}"
    form = agent_client.get(address).get_data(as_text=True)
    assert f'<option selected value="{donor.id}">' in form
    data = {
        "csrf_token": csrf_token(agent_client, address),
        "donor_id": donor.id,
        "received_on": "2026-07-01",
        "currency": "USD",
        "amount": "1000.00",
        "exchange_rate": "1",
        "pledge_id": pledge_id,
        "earmark": "",
    }
    answer = agent_client.post("/finance/deposits/new", data=data)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    with app.app_context():
        assert agent.pledge_progress([db.session.get(Pledge, pledge_id)])[
            pledge_id
        ].outstanding == D("0.00")
    # Another deactivated donor's name is not offered on its own.
    assert f'<option value="{donor.id}">' not in agent_client.get("/finance/deposits/new").get_data(
        as_text=True
    )


def test_an_agents_form_sent_twice_names_what_the_first_one_recorded(
    app, agent_client, agent_user, donor
):
    """ "This form had already been sent: The interest of USD 10.50 was recorded then.", not
    the whole first message put inside that sentence."""
    from tests.test_idempotency import form_of

    _deposit(app, agent_user, donor, "1000.00")
    for path, data, recorded in (
        (
            "/finance/interest",
            {"earned_on": "2026-03-31", "amount": "10.50"},
            "The interest of USD 10.50",
        ),
        (
            "/finance/direct-costs",
            {"charged_on": "2026-03-31", "amount": "5.00", "description": "Staff"},
            "The direct cost of USD 5.00",
        ),
    ):
        token, key = form_of(agent_client, path)
        data |= {"csrf_token": token, "form_key": key}
        first = agent_client.post(path, data=data)
        assert first.status_code == 302
        agent_client.get(first.headers["Location"])
        again = agent_client.post(path, data=data)
        page = html.unescape(agent_client.get(again.headers["Location"]).get_data(as_text=True))
        assert (
            f"This form had already been sent: {recorded} was recorded then. "
            "Nothing was recorded again." in page
        ), page[page.find("already") - 100 : page.find("already") + 300]


def test_the_pledge_form_and_record_pledge_refuse_a_schedule_alike(
    app, agent_user, agent_client, donor
):
    """One rule for a pledge's schedule (`agent.schedule_problem`): the form and the operation
    refuse an empty schedule, or one not adding up to the pledge, with the same sentence."""
    token = csrf_token(agent_client, "/finance/pledges")
    for form_lines, lines in (
        ({"due_1": "", "part_1": "", "due_2": "", "part_2": ""}, []),
        (
            {"part_2": "300,000.00"},
            [(date(2026, 6, 30), D("600000.00")), (date(2027, 6, 30), D("300000.00"))],
        ),
    ):
        data = PLEDGE | {"donor_id": donor.id, "csrf_token": token} | form_lines
        page = html.unescape(
            agent_client.post("/finance/pledges", data=data).get_data(as_text=True)
        )
        with app.test_request_context():
            error = _pledge_refused(app, agent_user, donor, "EUR", D("1000000.00"), lines)
            assert error.said() in page, (error.said(), form_lines)

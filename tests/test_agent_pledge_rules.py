"""The rules a deposit paying a pledge keeps: not received before the pledge was made, never
more than is still due on it (even two at once), and amounts in the currency's own decimals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import partial

import pytest
from sqlalchemy import func, select

from fund.extensions import db
from fund.finance import agent
from fund.finance.agent_models import Pledge
from fund.finance.models import Contribution
from tests.helpers import csrf_token, user
from tests.test_agent import _donor, _refused

D = Decimal
PLEDGED_ON = date(2026, 1, 5)


@pytest.fixture
def pledge_id(app, agent_user, donor) -> int:
    """GBP 300,000.00 pledged on 5 January 2026 in three instalments."""
    with app.app_context():
        pledge = agent.record_pledge(
            user(agent_user),
            _donor(donor),
            PLEDGED_ON,
            "GBP",
            D("300000.00"),
            [(date(2026, 3, 1), D("100000.00"))] * 3,
        )
        db.session.commit()
        return pledge.id


def _paying(agent_user, donor, pledge_id, amount, received_on):
    """The GBP deposit at 1.25 that pays `amount` on the pledge, as a call to make (within an
    application context)."""
    return partial(
        agent.record_deposit,
        user(agent_user),
        _donor(donor),
        received_on,
        "GBP",
        D(amount),
        D("1.25"),
        pledge=db.session.get(Pledge, pledge_id),
    )


def _pay(app, agent_user, donor, pledge_id, amount, received_on=date(2026, 3, 2)):
    with app.app_context():
        contribution = _paying(agent_user, donor, pledge_id, amount, received_on)()
        db.session.commit()
        return contribution.id


def _refused_pay(app, agent_user, donor, pledge_id, amount, received_on=date(2026, 3, 2)):
    """`_pay`'s deposit, refused: the refusal, nothing recorded."""
    with app.app_context():
        return _refused(app, _paying(agent_user, donor, pledge_id, amount, received_on))


def _post_deposit(agent_client, donor, pledge_id, received_on: str):
    """The deposit form sent with GBP 100,000.00 at 1.25 against the pledge."""
    data = {
        "csrf_token": csrf_token(agent_client, "/finance/deposits/new"),
        "donor_id": donor.id,
        "received_on": received_on,
        "currency": "GBP",
        "amount": "100,000.00",
        "exchange_rate": "1.25",
        "pledge_id": pledge_id,
        "earmark": "",
    }
    return agent_client.post("/finance/deposits/new", data=data)


def _deposits(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Contribution))


# A deposit is not received before its pledge -------------------------------------------------


def test_a_deposit_cannot_be_received_before_the_pledge_it_pays(app, agent_user, donor, pledge_id):
    refused = _refused_pay(
        app, agent_user, donor, pledge_id, "100000.00", received_on=date(2026, 1, 4)
    )
    assert refused.field == "received_on"
    assert refused.message == "The received date cannot be before the pledge (5 January 2026)."
    assert _deposits(app) == 0
    # On the day of the pledge, and without a pledge on any day, it is recorded.
    _pay(app, agent_user, donor, pledge_id, "100000.00", received_on=PLEDGED_ON)
    with app.app_context():
        agent.record_deposit(
            user(agent_user), _donor(donor), date(2026, 1, 4), "GBP", D("10.00"), D("1.25")
        )
        db.session.commit()
    assert _deposits(app) == 2


def test_the_deposit_form_refuses_a_date_before_the_pledge_at_its_field(
    app, agent_client, donor, pledge_id
):
    response = _post_deposit(agent_client, donor, pledge_id, "2026-01-01")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "The received date cannot be before the pledge (5 January 2026)." in page
    assert 'value="2026-01-01"' in page and 'value="100,000.00"' in page
    assert _deposits(app) == 0


# A pledge is never overpaid ------------------------------------------------------------------


def test_a_deposit_beyond_what_is_still_due_on_its_pledge_is_refused(
    app, agent_user, donor, pledge_id
):
    _pay(app, agent_user, donor, pledge_id, "100000.00")
    _pay(app, agent_user, donor, pledge_id, "100000.00")
    refused = _refused_pay(app, agent_user, donor, pledge_id, "250000.00")
    assert refused.field == "amount"
    assert refused.message == (
        f"Only GBP 100,000.00 is still due on pledge PL-{pledge_id} (GBP 300,000.00 pledged, "
        "GBP 200,000.00 deposited): record at most that against the pledge, and the rest as a "
        "deposit not linked to the pledge."
    )
    assert _deposits(app) == 2
    # Exactly what is still due is recorded; then nothing more is.
    _pay(app, agent_user, donor, pledge_id, "100000.00")
    with app.app_context():
        refused = _refused_pay(app, agent_user, donor, pledge_id, "10000.00")
        assert refused.field == "amount"
        assert refused.message.startswith("Nothing is still due on pledge PL-")
        progress = agent.pledge_progress([db.session.get(Pledge, pledge_id)])[pledge_id]
        assert (progress.deposited, progress.outstanding) == (D("300000.00"), D("0.00"))


def test_the_deposit_form_says_what_is_still_due_on_the_pledge(
    app, agent_client, agent_user, donor, pledge_id
):
    _pay(app, agent_user, donor, pledge_id, "250000.00")
    response = _post_deposit(agent_client, donor, pledge_id, "2026-03-03")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Only GBP 50,000.00 is still due on pledge" in page
    assert 'value="100,000.00"' in page
    assert _deposits(app) == 1


def test_two_deposits_at_once_never_pay_a_pledge_beyond_its_amount(
    app, backend, agent_user, donor, pledge_id
):
    """GBP 300,000.00 pledged: two deposits of 200,000.00 sent at the same moment cannot both
    be recorded against it; whichever comes second is refused."""
    from tests.test_finance_race import run_together

    def pay():
        return _paying(agent_user, donor, pledge_id, "200000.00", date(2026, 3, 2))()

    results = run_together(app, [pay, pay])
    done = [r for r in results if not isinstance(r, Exception)]
    assert len(done) == 1, results
    with app.app_context():
        progress = agent.pledge_progress([db.session.get(Pledge, pledge_id)])[pledge_id]
        assert progress.deposited == D("200000.00")


# Amounts in the currency's own decimals ------------------------------------------------------


def test_an_amount_with_decimals_its_currency_does_not_have_is_refused(app, agent_user, donor):
    from fund.money import AmountError, parse_amount

    with app.test_request_context():
        assert parse_amount("1,000,000.00", "en", "JPY") == D("1000000.00")
        assert parse_amount("1,000,000.50", "en", "EUR") == D("1000000.50")
        with pytest.raises(AmountError) as caught:
            parse_amount("1 000 000,50", "fr", "JPY")
        assert str(caught.value) == "An amount in JPY has no decimals: type it in whole units."
    with app.app_context():
        for call in (
            lambda: agent.record_deposit(
                user(agent_user), _donor(donor), date(2026, 3, 2), "JPY", D("1000.50"), D("0.01")
            ),
            lambda: agent.record_pledge(
                user(agent_user),
                _donor(donor),
                PLEDGED_ON,
                "JPY",
                D("1000.50"),
                [(date(2026, 3, 1), D("1000.50"))],
            ),
        ):
            refused = _refused(app, call)
            assert refused.field == "amount"
            assert refused.message == "An amount in JPY has no decimals: type it in whole units."
        refused = _refused(
            app,
            agent.record_pledge,
            user(agent_user),
            _donor(donor),
            PLEDGED_ON,
            "JPY",
            D("1000.00"),
            [(date(2026, 3, 1), D("999.50")), (date(2026, 4, 1), D("0.50"))],
        )
        assert refused.field == "schedule"
    assert _deposits(app) == 0


def test_the_agents_forms_refuse_decimals_a_currency_does_not_have_at_the_field(
    app, agent_client, donor
):
    message = "An amount in JPY has no decimals: type it in whole units."
    token = csrf_token(agent_client, "/finance/deposits/new")
    data = {
        "csrf_token": token,
        "donor_id": donor.id,
        "received_on": "2026-03-03",
        "currency": "JPY",
        "amount": "1,000,000.50",
        "exchange_rate": "0.0067",
        "pledge_id": 0,
        "earmark": "",
    }
    response = agent_client.post("/finance/deposits/new", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and 'value="1,000,000.50"' in page
    assert _deposits(app) == 0
    token = csrf_token(agent_client, "/finance/pledges")
    pledge = {
        "csrf_token": token,
        "donor_id": donor.id,
        "pledged_on": "2026-01-05",
        "currency": "JPY",
        "amount": "1,000",
        "due_1": "2026-03-01",
        "part_1": "999.50",
        "due_2": "2026-04-01",
        "part_2": "0.50",
    }
    response = agent_client.post("/finance/pledges", data=pledge)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and 'value="999.50"' in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Pledge)) == 0


def test_a_pledge_overpaid_before_the_rule_shows_what_was_deposited_beyond_it(
    app, agent_client, agent_user, donor, pledge_id
):
    """Deposits recorded against a pledge before overpaying it was refused: the pledge's page
    says what was deposited beyond it, rather than only an outstanding of zero."""
    _pay(app, agent_user, donor, pledge_id, "300000.00")
    with app.app_context():
        extra = agent.record_deposit(
            user(agent_user), _donor(donor), date(2026, 3, 3), "GBP", D("40000.00"), D("1.25")
        )
        extra.pledge_id = pledge_id  # as an older record holds it
        db.session.commit()
    page = agent_client.get(f"/finance/pledges/{pledge_id}").get_data(as_text=True)
    assert "Deposited beyond the pledge" in page and "GBP 40,000.00" in page
    assert "GBP 0.00" in page  # still the outstanding
    # The list of pledges says it too, under the outstanding of zero.
    listed = agent_client.get("/finance/pledges").get_data(as_text=True)
    row = listed[listed.index(f'id="pledge-{pledge_id}"') :]
    row = row[: row.index("</tr>")]
    assert "40,000.00 deposited beyond the pledge" in row


def test_an_expected_payment_before_the_pledge_is_refused(app, agent_user, agent_client, donor):
    """A deposit cannot be received before its pledge: a payment expected before it could
    never be paid on time (Home would call it late, the deposit form refuse its date)."""
    with app.app_context():
        with pytest.raises(agent.FinanceError) as caught:
            agent.record_pledge(
                user(agent_user),
                _donor(donor),
                date(2026, 3, 1),
                "EUR",
                D("100.00"),
                [(date(2026, 1, 15), D("60.00")), (date(2026, 6, 30), D("40.00"))],
            )
        db.session.rollback()
        message = str(caught.value)
    assert "expected payment of 15 January 2026 comes before the pledge (1 March 2026)" in message
    data = {
        "csrf_token": csrf_token(agent_client, "/finance/pledges"),
        "donor_id": donor.id,
        "pledged_on": "2026-03-01",
        "currency": "EUR",
        "amount": "100.00",
        "due_1": "2026-01-15",
        "part_1": "60.00",
        "due_2": "2026-06-30",
        "part_2": "40.00",
    }
    answer = agent_client.post("/finance/pledges", data=data)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert "expected payment of 15 January 2026 comes before the pledge (1 March 2026)" in page
    assert 'value="2026-01-15"' in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Pledge)) == 0

"""A transfer request paid from two tabs (or a payment form sent again): the second says the
request was already paid, when and by whom, and records nothing."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from fund.extensions import db, utcnow
from fund.finance.models import Disbursement
from tests import test_transfer_requests as requests_tests
from tests.helpers import csrf_token, login, org_id
from tests.test_transfer_requests import _request

# The funded ILO-IOM programme of the transfer requests' tests, nothing transferred yet.
prepared_programme = requests_tests.prepared_programme
programme = requests_tests.programme

D = Decimal


def _paid_twice_message(request_id: int, name: str) -> str:
    today = utcnow().date()
    return (
        f"TR-{request_id} was already paid on {today.day} {today:%B %Y} by {name}: nothing was "
        "recorded again."
    )


def _payments() -> int:
    return db.session.scalar(select(func.count()).select_from(Disbursement))


def test_a_request_paid_in_another_tab_is_said_to_be_paid_already(app, client, programme):
    with app.app_context():
        request_id = _request(programme, "ILO", "70000.00").id
        db.session.commit()
        ilo = org_id("ILO")
    login(client, programme["agent"].email)
    page = f"/finance/proposals/{programme['proposal']}"
    first_tab = csrf_token(client, page)
    second_tab = csrf_token(client, page)
    assert f'name="request" value="{request_id}"' in client.get(page).get_data(as_text=True)
    disburse = f"{page}/organizations/{ilo}/disburse"
    today = utcnow().date().isoformat()
    sent = {
        f"org{ilo}-paid_on": today,
        f"org{ilo}-amount": "70,000.00",
        "request": request_id,
    }
    response = client.post(disburse, data=sent | {"csrf_token": first_tab})
    assert response.status_code == 302, response.get_data(as_text=True)
    response = client.post(disburse, data=sent | {"csrf_token": second_tab})
    assert response.status_code == 400
    said = response.get_data(as_text=True)
    assert _paid_twice_message(request_id, programme["agent"].name) in said
    assert "No transfer to this organization is requested" not in said
    # A form that names no request, sent again with the amount just paid, is told the same.
    response = client.post(
        disburse, data={k: v for k, v in sent.items() if k != "request"} | {"csrf_token": first_tab}
    )
    assert response.status_code == 400
    assert _paid_twice_message(request_id, programme["agent"].name) in response.get_data(
        as_text=True
    )
    # From the agent's list, too.
    response = client.post(disburse, data=sent | {"csrf_token": first_tab, "back": "transfers"})
    assert response.status_code == 400
    assert _paid_twice_message(request_id, programme["agent"].name) in response.get_data(
        as_text=True
    )
    with app.app_context():
        assert _payments() == 1


def test_a_form_for_a_request_cancelled_since_is_refused_not_moved_to_another(
    app, client, programme
):
    """The agent's form names TR-a; the secretariat cancels it and requests TR-b of the same
    amount. The payment is refused as for TR-a, cancelled, not recorded against TR-b."""
    from fund.finance import transfers
    from fund.finance.transfer_models import TransferRequest
    from tests.helpers import user

    with app.app_context():
        first = _request(programme, "ILO", "70000.00")
        db.session.commit()
        first_id, first_code = first.id, first.code
    login(client, programme["agent"].email)
    page = f"/finance/proposals/{programme['proposal']}"
    token = csrf_token(client, page)
    with app.app_context():
        transfers.cancel_request(
            user(programme["secretariat"]), db.session.get(TransferRequest, first_id), "Typo."
        )
        second_id = _request(programme, "ILO", "70000.00").id
        db.session.commit()
        ilo = org_id("ILO")
    sent = {
        f"org{ilo}-paid_on": utcnow().date().isoformat(),
        f"org{ilo}-amount": "70,000.00",
        "request": first_id,
        "csrf_token": token,
    }
    response = client.post(f"{page}/organizations/{ilo}/disburse", data=sent)
    assert response.status_code == 400
    assert f"Transfer request {first_code} is cancelled already" in response.get_data(as_text=True)
    with app.app_context():
        assert _payments() == 0
        assert db.session.get(TransferRequest, second_id).status == "requested"

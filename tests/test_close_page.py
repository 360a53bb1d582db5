"""The close page: every final expenditure's error at once (an amount, not below zero, at most
what was transferred), and the open transfer requests that closing cancels listed before the
secretariat confirms (a form shown before another request was opened is refused)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from fund.extensions import db
from fund.finance import transfers
from fund.finance.models import Allocation
from fund.finance.transfer_models import TransferRequest
from fund.proposals.models import Proposal
from tests.helpers import csrf_token, org_id, user
from tests.test_closure import agent, programme, treasurer  # noqa: F401 - fixtures

D = Decimal


def _typed(app, client, path: str, proposal_id: int) -> dict:
    with app.app_context():
        version = db.session.get(Proposal, proposal_id).version
    return {"csrf_token": csrf_token(client, path), "version": version, "reason": "Ended early."}


def test_every_final_expenditures_error_is_shown_at_once(
    app,
    client,
    login_as,
    programme,  # noqa: F811
):
    login_as("secretariat", organization_acronym="IOM")
    path = f"/finance/proposals/{programme}/close"
    with app.app_context():
        ilo, iom = org_id("ILO"), org_id("IOM")
    typed = _typed(app, client, path, programme)
    answer = client.post(
        path, data=typed | {f"expenditure_{ilo}": "642,000.01"} | {f"expenditure_{iom}": "abc"}
    )
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert "cannot be more than what was transferred to it (USD 642,000.00)" in html
    assert "“abc” is not an amount" in html
    assert 'value="642,000.01"' in html and 'value="abc"' in html
    answer = client.post(
        path, data=typed | {f"expenditure_{ilo}": "700000"} | {f"expenditure_{iom}": "-5"}
    )
    html = answer.get_data(as_text=True)
    assert "cannot be more than what was transferred to it (USD 642,000.00)" in html
    assert "Amounts cannot be negative." in html
    with app.app_context():
        assert db.session.get(Proposal, programme).status == "funded"


def test_the_close_page_lists_the_open_requests_closing_cancels(
    app,
    client,
    login_as,
    treasurer,  # noqa: F811
    programme,  # noqa: F811
):
    with app.app_context():
        allocation = db.session.scalar(
            select(Allocation).where(Allocation.proposal_id == programme)
        )
        code = transfers.request_transfer(
            user(treasurer.id), allocation, org_id("IOM"), D("1000.00")
        ).code
        db.session.commit()
    login_as("secretariat", organization_acronym="IOM")
    path = f"/finance/proposals/{programme}/close"
    html = client.get(path).get_data(as_text=True)
    assert "Open transfer requests that closing cancels" in html
    assert f"To IOM: USD 1,000.00 requested ({code}, tranche 1)" in html
    assert f"Closing also cancels the open transfer requests listed above: {code}." in html
    typed = _typed(app, client, path, programme)
    # A form shown before the request was opened does not cancel it unseen.
    answer = client.post(path, data=typed | {"cancels": ""})
    assert answer.status_code == 409
    with app.app_context():
        assert db.session.get(Proposal, programme).status == "funded"
    answer = client.post(path, data=typed | {"cancels": code})
    assert answer.status_code == 302
    with app.app_context():
        cancelled = db.session.scalar(select(TransferRequest).order_by(TransferRequest.id.desc()))
        assert (cancelled.code, cancelled.status) == (code, "cancelled")


def test_every_error_of_the_close_form_is_shown_at_once_at_its_field(
    app,
    client,
    login_as,
    programme,  # noqa: F811
):
    """The amounts, the closing date and the missing reason, in one answer, each at its field
    (the reason's refusal too), what was typed kept and nothing changed."""
    login_as("secretariat", organization_acronym="IOM")
    path = f"/finance/proposals/{programme}/close"
    with app.app_context():
        ilo, iom = org_id("ILO"), org_id("IOM")
    typed = _typed(app, client, path, programme) | {
        "reason": "",
        "closed_on": "2000-01-01",
        f"expenditure_{ilo}": "700000",
        f"expenditure_{iom}": "abc",
    }
    answer = client.post(path, data=typed)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert "cannot be more than what was transferred to it (USD 642,000.00)" in html
    assert "“abc” is not an amount" in html
    error = html.split('id="closed_on-error"', 1)[1].split("</p>", 1)[0]
    assert "The closing date cannot be before" in error
    error = html.split('id="reason-error"', 1)[1].split("</p>", 1)[0]
    assert "final reports are not all" in error
    assert 'value="2000-01-01"' in html and 'value="abc"' in html
    answer = client.post(path, data=typed | {"closed_on": "2099-01-01"})
    html = answer.get_data(as_text=True)
    assert "The closing date cannot be in the future" in html
    assert "final reports are not all" in html and "“abc” is not an amount" in html
    with app.app_context():
        assert db.session.get(Proposal, programme).status == "funded"


def test_the_missing_final_reports_are_said_in_the_pages_language(
    app,
    programme,  # noqa: F811
):
    """The refusal names each final report and its state as the page says them higher up
    ("Rapport descriptif final : à remettre"), not in English."""
    from flask_babel import force_locale

    from fund.finance import closure
    from fund.sentences import said

    with app.app_context():
        proposal = db.session.get(Proposal, programme)
        problems = closure.final_reports_accepted_or_reason(proposal, None, {})
        assert "Final narrative report: due" in problems[0]
        with app.test_request_context("/"), force_locale("fr"):
            text = said(problems[0])
        assert "Rapport descriptif final\u00a0: à remettre" in text
        assert "Final narrative report" not in text and " due" not in text

"""A bank reference already used on a deposit of the same donor (trimmed, case ignored, not
voided): the deposit is refused at its reference, naming the earlier deposit, unless the person
ticks that it is a different deposit; the audit log then says which deposit it repeats."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from fund.audit.models import AuditEvent
from fund.extensions import db
from fund.finance import agent
from fund.finance import operations as finance_operations
from fund.finance.deposit_references import RepeatedReference
from fund.finance.models import Contribution
from tests.helpers import csrf_token, user
from tests.test_agent import _deposit, _donor, _refused

D = Decimal
RECEIVED = date(2026, 3, 2)


@pytest.fixture
def earlier_id(app, agent_user, donor) -> int:
    """EUR 1,000.00 received on 2 March 2026 with the reference "BS-2026-014"."""
    return _deposit(
        app,
        agent_user,
        donor,
        "1000.00",
        "EUR",
        "1.08",
        received_on=RECEIVED,
        reference="BS-2026-014",
    )


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Contribution))


def _form(client, donor_id: int, reference: str, **more) -> dict:
    return {
        "csrf_token": csrf_token(client, "/finance/deposits/new"),
        "donor_id": donor_id,
        "received_on": "2026-03-05",
        "currency": "EUR",
        "amount": "2,500.00",
        "exchange_rate": "1.09",
        "pledge_id": "0",
        "earmark": "",
        "reference": reference,
        "note": "Second tranche",
    } | more


def test_a_repeated_reference_is_refused_naming_the_earlier_deposit(
    app, agent_user, donor, earlier_id
):
    with app.app_context():
        refused = _refused(
            app,
            agent.record_deposit,
            user(agent_user),
            _donor(donor),
            RECEIVED,
            "EUR",
            D("2500.00"),
            D("1.09"),
            reference="  bs-2026-014 ",
        )
    assert isinstance(refused, RepeatedReference)
    assert refused.field == "reference" and refused.earlier_id == earlier_id
    assert f"deposit C-{earlier_id}, received on 2 March 2026 for EUR 1,000.00" in refused.message
    assert _count(app) == 1


def test_the_form_warns_at_the_reference_keeps_what_was_typed_and_records_nothing(
    app, agent_client, donor, earlier_id
):
    data = _form(agent_client, donor.id, "bs-2026-014")
    response = agent_client.post("/finance/deposits/new", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f"deposit C-{earlier_id}, received on 2 March 2026 for EUR 1,000.00" in page
    assert 'id="reference-error"' in page
    assert f'href="/finance/contributions?donor={donor.id}#contribution-{earlier_id}"' in page
    assert 'name="repeated_reference"' in page and "Record it anyway" in page
    for typed in ('value="2,500.00"', 'value="1.09"', 'value="bs-2026-014"', "Second tranche"):
        assert typed in page
    assert _count(app) == 1


def test_ticked_it_is_recorded_and_the_audit_names_the_earlier_deposit(
    app, agent_client, donor, earlier_id
):
    data = _form(agent_client, donor.id, "BS-2026-014")
    assert agent_client.post("/finance/deposits/new", data=data).status_code == 400
    response = agent_client.post("/finance/deposits/new", data=data | {"repeated_reference": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        latest = db.session.scalar(select(Contribution).order_by(Contribution.id.desc()))
        assert latest.id != earlier_id and latest.reference == "BS-2026-014"
        event = db.session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "contribution_recorded",
                AuditEvent.subject_id == str(latest.id),
            )
        )
        assert event.details["repeated_reference"] == earlier_id
        first = db.session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "contribution_recorded",
                AuditEvent.subject_id == str(earlier_id),
            )
        )
        assert "repeated_reference" not in first.details


def test_another_donors_blank_or_voided_references_are_not_warned(
    app, agent_user, agent_client, donor, create_organization, earlier_id
):
    other = create_organization(name="Republic of Givers", acronym="RGV", kind="other")
    data = _form(agent_client, other.id, "BS-2026-014")
    assert agent_client.post("/finance/deposits/new", data=data).status_code == 302
    blank = _deposit(app, agent_user, donor, "10.00", received_on=RECEIVED, reference="  ")
    assert _deposit(app, agent_user, donor, "20.00", received_on=RECEIVED, reference="") > blank
    with app.app_context():
        finance_operations.void_contribution(
            user(agent_user), db.session.get(Contribution, earlier_id), "Typed twice."
        )
        db.session.commit()
    data = _form(agent_client, donor.id, "BS-2026-014")
    assert agent_client.post("/finance/deposits/new", data=data).status_code == 302
    assert _count(app) == 5


def test_the_usd_contributions_page_keeps_the_same_rule(app, agent_client, donor, earlier_id):
    data = {
        "csrf_token": csrf_token(agent_client, "/finance/contributions"),
        "donor_id": donor.id,
        "received_on": "2026-03-05",
        "gross": "500.00",
        "earmark": "",
        "reference": "BS-2026-014",
    }
    response = agent_client.post("/finance/contributions", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f"deposit C-{earlier_id}, received on 2 March 2026" in page
    assert 'name="repeated_reference"' in page
    assert _count(app) == 1
    response = agent_client.post("/finance/contributions", data=data | {"repeated_reference": "y"})
    assert response.status_code == 302
    assert _count(app) == 2


def test_two_deposits_with_one_reference_at_once_are_not_both_recorded(
    app, backend, agent_user, donor
):
    """The same bank statement recorded twice at the same moment: the donor's row is locked
    before the references are compared, so whichever comes second sees the first and is
    refused, on either database."""
    from tests.test_finance_race import run_together

    def deposit():
        return agent.record_deposit(
            user(agent_user),
            _donor(donor),
            RECEIVED,
            "EUR",
            D("1000.00"),
            D("1.08"),
            reference="BS-2026-099",
        )

    results = run_together(app, [deposit, deposit])
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1 and isinstance(refused[0], RepeatedReference), results
    assert _count(app) == 1


def test_the_link_to_the_earlier_deposit_opens_the_page_of_the_list_that_shows_it(
    app, agent_user, agent_client, donor, earlier_id
):
    """The donor's later deposits fill the list's first page: the link opens the page that
    shows the earlier deposit, at its row."""
    for day in range(3, 3 + 25):
        _deposit(app, agent_user, donor, "10.00", received_on=date(2026, 4, day % 28 + 1))
    response = agent_client.post(
        "/finance/deposits/new", data=_form(agent_client, donor.id, "BS-2026-014")
    )
    assert response.status_code == 400
    address = f"/finance/contributions?donor={donor.id}&page=2#contribution-{earlier_id}"
    assert f'href="{address.replace("&", "&amp;")}"' in response.get_data(as_text=True)
    listed = agent_client.get(address.split("#")[0]).get_data(as_text=True)
    assert f'id="contribution-{earlier_id}"' in listed

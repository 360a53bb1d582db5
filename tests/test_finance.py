"""The fund's money: contributions and fees, earmarks, funding, disbursements, closing, voids,
the balance and the pipeline, and the secretariat's finance pages."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from flask import current_app
from flask_babel import force_locale
from sqlalchemy import delete, event, func, select, update
from sqlalchemy.exc import IntegrityError

from fund.accounts.models import Organization, User
from fund.audit.models import AuditEvent
from fund.extensions import db, utcnow
from fund.finance import operations, queries
from fund.finance.guards import fully_disbursed_or_reason
from fund.finance.models import (
    Allocation,
    AllocationShare,
    AllocationSource,
    Contribution,
    ContributionVoid,
    Disbursement,
    Pool,
)
from fund.finance.operations import FinanceError
from fund.finance.queries import lists
from fund.finance.queries.pipeline import _WALKS as KEPT_WALKS
from fund.finance.transfers import request_transfer
from fund.money import read_amount
from fund.proposals import operations as proposal_operations
from fund.proposals.models import BudgetLine, Proposal
from fund.reference.models import objective_thematic_area
from fund.sentences import said
from tests.conftest import PreparedDatabase, engine_of
from tests.factories import new_open_call, new_proposal
from tests.helpers import (
    csrf_token,
    grant_agent_role,
    login,
    new_organization,
    new_user,
    org_id,
    user,
)
from tests.test_closure import accept_final_reports
from workflows import TransitionRefused

D = Decimal
TOTAL = D("1070000.00")  # the complete proposal of conftest: ILO 642,000 + IOM 428,000
ILO_SHARE, IOM_SHARE = D("642000.00"), D("428000.00")


# Helpers ----------------------------------------------------------------------------------


@pytest.fixture
def treasurer(create_user) -> User:
    """A secretariat member (not signed in)."""
    return create_user(roles=("secretariat",), organization_acronym="IOM")


def contribute(app, actor, donor, gross: str, earmark: str | None = None, **kwargs) -> int:
    with app.app_context():
        contribution = operations.record_contribution(
            user(actor.id),
            db.session.get(Organization, donor.id),
            kwargs.pop("received_on", utcnow().date()),
            D(gross),
            earmark,
            **kwargs,
        )
        db.session.commit()
        return contribution.id


def fund(app, actor, proposal_id: int, **kwargs) -> int:
    with app.app_context():
        allocation = operations.fund_proposal(
            user(actor.id), db.session.get(Proposal, proposal_id), **kwargs
        )
        db.session.commit()
        return allocation.id


def disburse(app, actor, proposal_id: int, acronym: str, amount: str, **kwargs) -> None:
    with app.app_context():
        allocation = db.session.scalar(
            select(Allocation).where(Allocation.proposal_id == proposal_id)
        )
        operations.record_disbursement(
            user(actor.id),
            allocation,
            org_id(acronym),
            kwargs.pop("paid_on", utcnow().date()),
            D(amount),
            **kwargs,
        )
        db.session.commit()


def refused(app, function, *args, error=FinanceError, **kwargs) -> str:
    """Run `function` in an app context, expect `error`, roll back; return the message."""
    with app.app_context():
        with pytest.raises(error) as caught:
            function(*args, **kwargs)
        db.session.rollback()
        return str(caught.value)


def pools(app) -> dict[str, tuple[Decimal, Decimal]]:
    """code -> (received_net, available)."""
    with app.app_context():
        return {
            p.code: (read_amount(p.received_net), read_amount(p.available))
            for p in db.session.scalars(select(Pool))
        }


def available(app) -> dict[str, Decimal]:
    return {code: values[1] for code, values in pools(app).items()}


def status_of(app, proposal_id: int) -> str:
    with app.app_context():
        return db.session.get(Proposal, proposal_id).status


def allocation_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Allocation))


def set_budget(app, proposal_id: int, lines: list[tuple[str, int, str]]) -> None:
    """Replace the proposal's budget with (organization acronym, objective, direct amount)."""
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        proposal.budget_lines = [
            BudgetLine(
                organization_id=org_id(acronym),
                objective_number=objective,
                category_code=1,
                amount=D(amount),
            )
            for acronym, objective, amount in lines
        ]
        db.session.commit()


def events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        found = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        ).all()
        db.session.expunge_all()
        return list(found)


# Fees -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gross", "fee", "net"),
    [
        ("1000000.00", "10000.00", "990000.00"),
        ("250000.50", "2500.01", "247500.49"),  # 2,500.005 rounds half-up
        ("123456.78", "1234.57", "122222.21"),  # 1,234.5678
        ("0.50", "0.01", "0.49"),  # 0.005 rounds half-up
        ("0.49", "0.00", "0.49"),  # 0.0049
    ],
)
def test_fee_is_the_rate_of_each_deposit_rounded_half_up(
    app, treasurer, donor, gross, fee, net
) -> None:
    contribution_id = contribute(app, treasurer, donor, gross)
    with app.app_context():
        c = db.session.get(Contribution, contribution_id)
        assert (c.gross, c.fee_rate, c.fee, c.net) == (D(gross), D("0.0100"), D(fee), D(net))
    assert pools(app)["GENERAL"] == (D(net), D(net))


def test_fee_rate_is_a_setting(app, treasurer, donor) -> None:
    app.config["ADMIN_AGENT_FEE_RATE"] = D("0.0125")
    contribution_id = contribute(app, treasurer, donor, "200000.00", "TA2")
    with app.app_context():
        c = db.session.get(Contribution, contribution_id)
        assert (c.fee_rate, c.fee, c.net, c.pool_code) == (
            D("0.0125"),
            D("2500.00"),
            D("197500.00"),
            "TA2",
        )
    assert pools(app)["TA2"] == (D("197500.00"), D("197500.00"))
    assert pools(app)["GENERAL"] == (D("0.00"), D("0.00"))


def test_the_pages_say_a_deposit_keeps_the_fee_rate_it_was_recorded_at(
    app, client, login_as, treasurer, donor
) -> None:
    """Recorded at 1%, then the setting moves to 1.25%: the pages state today's rate as
    today's, not as the rate of every deposit the figures add up."""
    contribute(app, treasurer, donor, "1000.00")
    app.config["ADMIN_AGENT_FEE_RATE"] = D("0.0125")
    login_as("secretariat", organization_acronym=None)
    for path in ("/finance/", "/finance/contributions"):
        page = html.unescape(client.get(path).get_data(as_text=True))
        assert "1.25% now; each deposit keeps the rate it was recorded at" in page, path
        assert "fee of 1.25%" not in page, path


def test_contribution_is_audited(app, treasurer, donor) -> None:
    contribution_id = contribute(app, treasurer, donor, "1000.00", "TA4", reference="DEP-1")
    (event_,) = events(app, "contribution_recorded")
    assert (event_.subject_type, event_.subject_id, event_.actor_id) == (
        "contribution",
        str(contribution_id),
        treasurer.id,
    )
    assert event_.details == {
        "donor": "KDN",
        "received_on": utcnow().date().isoformat(),
        "gross": "1000.00",
        "fee_rate": "0.0100",
        "fee": "10.00",
        "net": "990.00",
        "pool": "TA4",
        "reference": "DEP-1",
    }


def test_pool_balances_move_by_sql_expression(app, treasurer, donor) -> None:
    """No read-modify-write: the UPDATE adds to the column inside the database."""
    statements: list[str] = []
    with app.app_context():

        def remember(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", remember)
        try:
            operations.record_contribution(
                user(treasurer.id),
                db.session.get(Organization, donor.id),
                utcnow().date(),
                D("100.00"),
            )
            db.session.commit()
        finally:
            event.remove(db.engine, "before_cursor_execute", remember)
    updates = [s for s in statements if s.lstrip().upper().startswith("UPDATE POOLS")]
    assert len(updates) == 1
    assert re.search(r"available\s*=\s*round\(pools\.available \+", updates[0])
    assert re.search(r"received_net\s*=\s*round\(pools\.received_net \+", updates[0])


@pytest.mark.parametrize(
    ("gross", "earmark", "days", "expected"),
    [
        ("0.00", None, 0, "more than zero"),
        ("10.001", None, 0, "two decimals"),
        ("100.00", None, 1, "cannot be in the future"),
        ("100.00", "TA9", 0, "no pool for the earmark"),
    ],
)
def test_contribution_refusals(app, treasurer, donor, gross, earmark, days, expected) -> None:
    with app.app_context():
        message = refused(
            app,
            operations.record_contribution,
            user(treasurer.id),
            db.session.get(Organization, donor.id),
            utcnow().date() + timedelta(days=days),
            D(gross),
            earmark,
        )
    assert expected in message
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Contribution)) == 0
    assert all(values == (D("0.00"), D("0.00")) for values in pools(app).values())


# Earmarks and funding ---------------------------------------------------------------------


def test_ta4_earmark_funds_a_proposal_on_objective_6(
    app, treasurer, donor, author, make_proposal
) -> None:
    contribute(app, treasurer, donor, "1100000.00", "TA4")  # net 1,089,000.00
    proposal_id = make_proposal(author, status="approved")
    allocation_id = fund(app, treasurer, proposal_id)
    with app.app_context():
        allocation = db.session.get(Allocation, allocation_id)
        assert [(s.pool_code, s.amount) for s in allocation.sources] == [("TA4", TOTAL)]
    assert available(app)["TA4"] == D("19000.00")
    assert available(app)["GENERAL"] == D("0.00")
    assert status_of(app, proposal_id) == "funded"


def test_ta1_earmark_does_not_fund_a_proposal_on_objective_6(
    app, treasurer, donor, author, make_proposal
) -> None:
    contribute(app, treasurer, donor, "1100000.00", "TA1")
    proposal_id = make_proposal(author, status="approved")
    with app.app_context():
        message = refused(
            app,
            operations.fund_proposal,
            user(treasurer.id),
            db.session.get(Proposal, proposal_id),
            error=TransitionRefused,
        )
    assert "needs USD 1,070,000.00 but only USD 0.00 is available" in message
    assert "TA4 earmark USD 0.00, Unearmarked USD 0.00" in message
    assert status_of(app, proposal_id) == "approved"
    assert available(app)["TA1"] == D("1089000.00")
    assert allocation_count(app) == 0


def test_earmarked_money_is_drawn_before_unearmarked(
    app, treasurer, donor, author, make_proposal
) -> None:
    contribute(app, treasurer, donor, "500000.00", "TA4")  # net 495,000.00
    contribute(app, treasurer, donor, "1000000.00")  # net 990,000.00
    contribute(app, treasurer, donor, "1000000.00", "TA1")  # not eligible: stays
    proposal_id = make_proposal(author, status="approved")
    allocation_id = fund(app, treasurer, proposal_id)
    with app.app_context():
        allocation = db.session.get(Allocation, allocation_id)
        assert sorted((s.pool_code, s.amount) for s in allocation.sources) == [
            ("GENERAL", D("575000.00")),
            ("TA4", D("495000.00")),
        ]
    assert available(app) == {
        "GENERAL": D("415000.00"),
        "TA1": D("990000.00"),
        "TA2": D("0.00"),
        "TA3": D("0.00"),
        "TA4": D("0.00"),
        "TA5": D("0.00"),
    }


def test_an_objective_in_several_areas_draws_their_earmarks_in_code_order(
    app, treasurer, donor, author, make_proposal
) -> None:
    """Objective 7 sits in TA1 and TA2: both earmarks pay, TA1 first, then GENERAL."""
    contribute(app, treasurer, donor, "300000.00", "TA2")  # net 297,000.00
    contribute(app, treasurer, donor, "200000.00", "TA1")  # net 198,000.00
    contribute(app, treasurer, donor, "1000000.00", "TA5")  # not eligible
    contribute(app, treasurer, donor, "1000000.00")  # net 990,000.00
    proposal_id = make_proposal(author, status="approved", primary_objective_number=7)
    with app.app_context():
        plan = queries.funding_plan(db.session.get(Proposal, proposal_id), D("0.07"))
        assert plan.areas == ["TA1", "TA2"]
        assert plan.draws == [
            ("TA1", D("198000.00")),
            ("TA2", D("297000.00")),
            ("GENERAL", D("575000.00")),
        ]
    fund(app, treasurer, proposal_id)
    assert available(app) == {
        "GENERAL": D("415000.00"),
        "TA1": D("0.00"),
        "TA2": D("0.00"),
        "TA3": D("0.00"),
        "TA4": D("0.00"),
        "TA5": D("990000.00"),
    }


def test_the_objective_to_area_mapping_is_data(
    app, treasurer, donor, author, make_proposal
) -> None:
    contribute(app, treasurer, donor, "1100000.00", "TA4")
    proposal_id = make_proposal(author, status="approved")
    with app.app_context():
        db.session.execute(
            delete(objective_thematic_area).where(
                objective_thematic_area.c.objective_number == 6,
                objective_thematic_area.c.thematic_area_code == "TA4",
            )
        )
        db.session.commit()
        message = refused(
            app,
            operations.fund_proposal,
            user(treasurer.id),
            db.session.get(Proposal, proposal_id),
            error=TransitionRefused,
        )
    assert "from the unearmarked money (its primary objective lies in no thematic area)" in (
        message
    )
    assert status_of(app, proposal_id) == "approved"


def test_funding_is_refused_when_short_with_the_numbers(
    app, treasurer, donor, author, make_proposal
) -> None:
    contribute(app, treasurer, donor, "1000000.00")  # net 990,000.00
    contribute(app, treasurer, donor, "50000.00", "TA4")  # net 49,500.00
    proposal_id = make_proposal(author, status="approved")
    before = pools(app)
    with app.app_context():
        message = refused(
            app,
            operations.fund_proposal,
            user(treasurer.id),
            db.session.get(Proposal, proposal_id),
            error=TransitionRefused,
        )
    assert (
        "The proposal needs USD 1,070,000.00 but only USD 1,039,500.00 is available to it "
        "(TA4 earmark USD 49,500.00, Unearmarked USD 990,000.00), from the earmarks for TA4 "
        "and the unearmarked money: USD 30,500.00 short."
    ) in message
    assert pools(app) == before
    assert status_of(app, proposal_id) == "approved"
    assert allocation_count(app) == 0
    assert events(app, "fund") == []


def test_an_allocation_is_not_dated_before_the_approval(
    app, treasurer, donor, author, make_proposal
) -> None:
    """Funds are allocated to an approved proposal: an allocation dated before its approval is
    refused at its date, and nothing moves; the day of the approval is accepted."""
    contribute(app, treasurer, donor, "2000000.00")
    approved_at = datetime(2026, 11, 30, 15, tzinfo=UTC)
    proposal_id = make_proposal(author, status="approved", decided_at=approved_at)
    before = pools(app)
    with app.app_context(), pytest.raises(FinanceError) as refused:
        operations.fund_proposal(
            user(treasurer.id), db.session.get(Proposal, proposal_id), date(2020, 1, 1)
        )
    assert refused.value.message == (
        "The allocation date cannot be before the approval (30 November 2026)."
    )
    assert refused.value.field == "allocated_on"
    assert (pools(app), status_of(app, proposal_id), allocation_count(app)) == (
        before,
        "approved",
        0,
    )
    allocation_id = fund(app, treasurer, proposal_id, allocated_on=date(2026, 11, 30))
    with app.app_context():
        assert db.session.get(Allocation, allocation_id).allocated_on == date(2026, 11, 30)


def test_the_allocation_records_sources_and_shares(
    app, treasurer, donor, author, make_proposal
) -> None:
    contribute(app, treasurer, donor, "2000000.00")
    approved_at = datetime(2026, 1, 14, 16, tzinfo=UTC)
    proposal_id = make_proposal(author, status="approved", decided_at=approved_at)
    allocation_id = fund(
        app, treasurer, proposal_id, allocated_on=date(2026, 1, 15), comment="Board of 14 Jan"
    )
    with app.app_context():
        allocation = db.session.get(Allocation, allocation_id)
        ilo, iom = org_id("ILO"), org_id("IOM")
        assert (allocation.proposal_id, allocation.amount, allocation.allocated_on) == (
            proposal_id,
            TOTAL,
            date(2026, 1, 15),
        )
        assert allocation.allocated_by_id == treasurer.id
        assert [(s.pool_code, s.amount) for s in allocation.sources] == [("GENERAL", TOTAL)]
        assert [(s.organization_id, s.amount, s.disbursed) for s in allocation.shares] == sorted(
            [(ilo, ILO_SHARE, D("0.00")), (iom, IOM_SHARE, D("0.00"))]
        )
        assert sum(s.amount for s in allocation.shares) == allocation.amount
    (fund_event,) = events(app, "fund")
    assert (fund_event.from_state, fund_event.to_state, fund_event.comment) == (
        "approved",
        "funded",
        "Board of 14 Jan",
    )
    assert fund_event.details["amount"] == "1070000.00"
    assert fund_event.details["sources"] == {"GENERAL": "1070000.00"}
    assert available(app)["GENERAL"] == D("1980000.00") - TOTAL


def test_fund_only_from_the_finance_page(app, treasurer, donor, author, make_proposal) -> None:
    """Firing `fund` elsewhere (e.g. the proposal page) would skip the allocation: refused."""
    contribute(app, treasurer, donor, "2000000.00")
    proposal_id = make_proposal(author, status="approved")
    with app.app_context():
        message = refused(
            app,
            proposal_operations.fire,
            db.session.get(Proposal, proposal_id),
            "fund",
            user(treasurer.id),
            error=TransitionRefused,
        )
    assert f"/finance/proposals/{proposal_id}" in message
    assert status_of(app, proposal_id) == "approved"


@pytest.mark.parametrize("status", ["committee_review", "funded", "closed"])
def test_only_approved_proposals_are_funded(
    app, treasurer, donor, author, make_proposal, status
) -> None:
    proposal_id = make_proposal(author, status=status)  # funded from a contribution of its own
    contribute(app, treasurer, donor, "2000000.00")
    with app.app_context():
        message = refused(
            app,
            operations.fund_proposal,
            user(treasurer.id),
            db.session.get(Proposal, proposal_id),
            error=TransitionRefused,
        )
    assert "allowed from: approved" in message
    assert available(app)["GENERAL"] == D("1980000.00")


# Disbursements ----------------------------------------------------------------------------


def _funded() -> int:
    """A funded proposal (USD 1,070,000 from GENERAL, of a contribution of 2,000,000.00 less
    the fee); returns its id."""
    treasurer = new_user(("secretariat",), "IOM")
    donor = new_organization(name="Kingdom of Donors", acronym="KDN", kind="other")
    operations.record_contribution(treasurer, donor, utcnow().date(), D("2000000.00"))
    author = new_user(("applicant",), "ILO")
    proposal = new_proposal(author, new_open_call().id, "funded")
    db.session.commit()
    return proposal.id


@pytest.fixture(scope="module")
def prepared_funded(request) -> PreparedDatabase:
    """The funded proposal, made once per engine: each test pays on a copy."""
    return PreparedDatabase(request, _funded)


@pytest.fixture
def funded(request, prepared_funded) -> int:
    return prepared_funded.data(engine_of(request))


def shares(app, proposal_id: int) -> dict[str, tuple[Decimal, Decimal]]:
    """acronym -> (amount, disbursed)."""
    with app.app_context():
        rows = db.session.execute(
            select(Organization.acronym, AllocationShare.amount, AllocationShare.disbursed)
            .join(Organization, Organization.id == AllocationShare.organization_id)
            .join(Allocation, Allocation.id == AllocationShare.allocation_id)
            .where(Allocation.proposal_id == proposal_id)
        )
        return {r.acronym: (read_amount(r.amount), read_amount(r.disbursed)) for r in rows}


def test_the_exact_remainder_is_accepted_and_a_cent_more_refused(app, treasurer, funded) -> None:
    disburse(app, treasurer, funded, "ILO", "300000.00", reference="T1")
    message = refused(app, disburse, app, treasurer, funded, "ILO", "342000.01")
    assert "Only USD 342,000.00 remains to be paid to ILO" in message
    assert shares(app, funded)["ILO"] == (ILO_SHARE, D("300000.00"))
    disburse(app, treasurer, funded, "ILO", "342000.00", reference="T2")
    assert shares(app, funded)["ILO"] == (ILO_SHARE, ILO_SHARE)
    message = refused(app, disburse, app, treasurer, funded, "ILO", "0.01")
    assert "Only USD 0.00 remains to be paid to ILO" in message
    assert shares(app, funded) == {"ILO": (ILO_SHARE, ILO_SHARE), "IOM": (IOM_SHARE, D("0.00"))}
    with app.app_context():
        paid = db.session.execute(
            select(Disbursement.amount, Disbursement.reference).order_by(Disbursement.id)
        ).all()
        assert [(read_amount(a), r) for a, r in paid] == [
            (D("300000.00"), "T1"),
            (D("342000.00"), "T2"),
        ]
    recorded = events(app, "disbursement_recorded")
    assert [(e.subject_id, e.details["amount"], e.details["remaining"]) for e in recorded] == [
        (str(funded), "300000.00", "342000.00"),
        (str(funded), "342000.00", "0.00"),
    ]


def test_cents_add_up_exactly_on_every_engine(app, treasurer, funded) -> None:
    """Many small tranches (floats on SQLite) still reach the share to the cent."""
    for _ in range(10):
        disburse(app, treasurer, funded, "IOM", "0.10")
    disburse(app, treasurer, funded, "IOM", "427999.00")
    assert shares(app, funded)["IOM"] == (IOM_SHARE, IOM_SHARE)


def test_the_database_check_refuses_over_disbursement(app, funded) -> None:
    with app.app_context():
        with pytest.raises(IntegrityError):
            db.session.execute(
                update(AllocationShare).values(disbursed=AllocationShare.amount + D("0.01"))
            )
            db.session.flush()
        db.session.rollback()
    assert shares(app, funded)["ILO"] == (ILO_SHARE, D("0.00"))


def test_a_database_refusal_becomes_a_clear_message(app, treasurer, funded, monkeypatch) -> None:
    """If the Python check is fooled (a stale read), the check constraint still refuses."""
    disburse(app, treasurer, funded, "ILO", "642000.00")
    monkeypatch.setattr(operations, "_share_paid", lambda *args: (ILO_SHARE, D("0.00")))
    message = refused(app, disburse, app, treasurer, funded, "ILO", "1.00")
    assert "The database refused the payment" in message
    assert "beyond its share of USD 642,000.00" in message
    assert shares(app, funded)["ILO"] == (ILO_SHARE, ILO_SHARE)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Disbursement)) == 1


@pytest.mark.parametrize(
    ("amount", "paid_on", "expected"),
    [
        ("0.00", 0, "more than zero"),
        ("10.00", 1, "cannot be in the future"),
        ("10.00", -400, "cannot be before the allocation"),
    ],
)
def test_disbursement_refusals(app, treasurer, funded, amount, paid_on, expected) -> None:
    message = refused(
        app,
        disburse,
        app,
        treasurer,
        funded,
        "IOM",
        amount,
        paid_on=utcnow().date() + timedelta(days=paid_on),
    )
    assert expected in message
    assert shares(app, funded)["IOM"] == (IOM_SHARE, D("0.00"))


def test_no_disbursement_to_an_organization_without_a_share(app, treasurer, funded) -> None:
    message = refused(app, disburse, app, treasurer, funded, "UNHCR", "10.00")
    assert "no share in the allocation" in message


def test_disbursements_only_for_funded_proposals(app, treasurer, funded) -> None:
    with app.app_context():
        operations.close_proposal(
            user(treasurer.id), db.session.get(Proposal, funded), "Programme cancelled"
        )
        db.session.commit()
    message = refused(app, disburse, app, treasurer, funded, "IOM", "10.00")
    assert "only for funded proposals" in message
    assert "is “Closed”" in message


# Closing ----------------------------------------------------------------------------------


def close(app, actor, proposal_id: int, reason: str | None = None) -> None:
    with app.app_context():
        operations.close_proposal(user(actor.id), db.session.get(Proposal, proposal_id), reason)
        db.session.commit()


def test_close_needs_full_disbursement(app, treasurer, funded) -> None:
    disburse(app, treasurer, funded, "ILO", "642000.00")
    disburse(app, treasurer, funded, "IOM", "427999.99")
    message = refused(app, close, app, treasurer, funded, "  ", error=TransitionRefused)
    assert "not fully disbursed (still to pay: IOM USD 0.01)" in message
    with app.app_context(), app.test_request_context(), force_locale("fr"):
        (problem,) = fully_disbursed_or_reason(
            db.session.get(Proposal, funded), None, {"comment": ""}
        )
        assert "IOM 0,01\u00a0$US" in said(problem) and "USD" not in said(problem)
    assert status_of(app, funded) == "funded"
    disburse(app, treasurer, funded, "IOM", "0.01")
    accept_final_reports(app, funded)  # the other guard of `close` (tests/test_closure.py)
    close(app, treasurer, funded)
    assert status_of(app, funded) == "closed"
    (closed,) = events(app, "close")
    assert (closed.comment, closed.details) == (None, {})


def test_close_with_a_recorded_reason(app, treasurer, funded) -> None:
    disburse(app, treasurer, funded, "ILO", "100000.00")
    message = refused(app, close, app, treasurer, funded, error=TransitionRefused)
    assert "ILO USD 542,000.00, IOM USD 428,000.00" in message
    close(app, treasurer, funded, "  The government ended the programme early.  ")
    assert status_of(app, funded) == "closed"
    (closed,) = events(app, "close")
    assert closed.comment == "The government ended the programme early."
    assert closed.details == {"not_disbursed": {"ILO": "542000.00", "IOM": "428000.00"}}


def test_close_without_an_allocation_is_refused(app, treasurer, author, make_proposal) -> None:
    """Only fund_proposal makes a proposal funded, with its allocation: one without is an
    inconsistency, not closed even with a reason."""
    proposal_id = make_proposal(author, status="approved")
    with app.app_context():
        # The state under test, which only a write outside the workflow leaves.
        db.session.get(Proposal, proposal_id).status = "funded"
        db.session.commit()
    for reason in (None, "Funded outside the system."):
        message = refused(app, close, app, treasurer, proposal_id, reason, error=TransitionRefused)
        assert "No allocation is recorded" in message
    assert status_of(app, proposal_id) == "funded"


# Voids ------------------------------------------------------------------------------------


def void(app, actor, contribution_id: int, reason: str) -> None:
    with app.app_context():
        operations.void_contribution(
            user(actor.id), db.session.get(Contribution, contribution_id), reason
        )
        db.session.commit()


def test_a_void_takes_the_net_amount_out_of_its_pool(app, treasurer, donor) -> None:
    keep = contribute(app, treasurer, donor, "1000.00", "TA3")
    wrong = contribute(app, treasurer, donor, "5000.00", "TA3")
    void(app, treasurer, wrong, "  Typed 5,000 for 500.  ")
    assert pools(app)["TA3"] == (D("990.00"), D("990.00"))
    with app.app_context():
        v = db.session.get(ContributionVoid, wrong)
        assert (v.reason, v.voided_by_id) == ("Typed 5,000 for 500.", treasurer.id)
        assert db.session.get(ContributionVoid, keep) is None
        money = queries.balance()
    assert money.total.gross == D("1000.00")
    assert money.total.contributions == 1
    assert [(v.id, v.net, v.reason) for v in money.voided] == [
        (wrong, D("4950.00"), "Typed 5,000 for 500.")
    ]
    (voided,) = events(app, "contribution_voided")
    assert (voided.subject_id, voided.comment, voided.details) == (
        str(wrong),
        "Typed 5,000 for 500.",
        {"net": "4950.00", "pool": "TA3"},
    )


def test_a_void_is_refused_once_the_money_is_allocated(
    app, treasurer, donor, author, make_proposal
) -> None:
    contribution_id = contribute(app, treasurer, donor, "1100000.00")  # net 1,089,000.00
    fund(app, treasurer, make_proposal(author, status="approved"))
    message = refused(app, void, app, treasurer, contribution_id, "Duplicate")
    assert "no longer all available in the Unearmarked pool" in message
    assert "only USD 19,000.00 is unallocated" in message
    assert pools(app)["GENERAL"] == (D("1089000.00"), D("19000.00"))
    with app.app_context():
        assert db.session.get(ContributionVoid, contribution_id) is None


def test_the_database_check_has_the_final_word_on_voids(
    app, treasurer, donor, author, make_proposal, monkeypatch
) -> None:
    contribution_id = contribute(app, treasurer, donor, "1100000.00")
    fund(app, treasurer, make_proposal(author, status="approved"))
    monkeypatch.setattr(operations, "_pool_available", lambda code: D("9999999.00"))
    message = refused(app, void, app, treasurer, contribution_id, "Duplicate")
    assert "the database refused to let the pool go below zero" in message
    assert pools(app)["GENERAL"] == (D("1089000.00"), D("19000.00"))


def test_a_void_needs_a_reason_and_happens_once(app, treasurer, donor) -> None:
    contribution_id = contribute(app, treasurer, donor, "1000.00")
    assert "Give the reason" in refused(app, void, app, treasurer, contribution_id, "   ")
    void(app, treasurer, contribution_id, "Entered twice")
    assert "already voided" in refused(app, void, app, treasurer, contribution_id, "Again")
    assert pools(app)["GENERAL"] == (D("0.00"), D("0.00"))
    assert len(events(app, "contribution_voided")) == 1


# The balance and the pipeline (both engines) ----------------------------------------------


def _at(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def _ledger(app, treasurer, donor, author, make_proposal) -> dict[str, int]:
    """Contributions, one funded and partly paid proposal, three in the pipeline.

    Contributions (fee 1%): GENERAL 1,000,000.00 (fee 10,000.00), TA4 600,000.00 (6,000.00),
    TA1 250,000.50 (2,500.01), and GENERAL 100,000.00 voided. P1 (objective 6, 1,070,000.00)
    draws TA4 594,000.00 then GENERAL 476,000.00; ILO is paid 300,000.00 and IOM 400,000.00:
    700,000.00 counted against TA4 first (594,000.00), then GENERAL (106,000.00).
    """
    contribute(app, treasurer, donor, "1000000.00")
    contribute(app, treasurer, donor, "600000.00", "TA4")
    contribute(app, treasurer, donor, "250000.50", "TA1")
    mistake = contribute(app, treasurer, donor, "100000.00")
    void(app, treasurer, mistake, "Never arrived")
    p1 = make_proposal(author, status="approved", title="P1")
    fund(app, treasurer, p1)
    disburse(app, treasurer, p1, "ILO", "300000.00")
    disburse(app, treasurer, p1, "IOM", "400000.00")
    # The pipeline: P2 (objective 6) approved first by its approval time although touched last;
    # P3 (objective 1: TA1) 214,000.00; P4 (objective 18: TA4) 321,000.00.
    p2 = make_proposal(author, status="approved", title="P2", decided_at=_at(1, 1, 9, 30))
    p3 = make_proposal(
        author, status="approved", title="P3", primary_objective_number=1, decided_at=_at(1, 2)
    )
    p4 = make_proposal(
        author, status="approved", title="P4", primary_objective_number=18, decided_at=_at(1, 3)
    )
    set_budget(app, p3, [("ILO", 1, "200000.00")])
    set_budget(app, p4, [("IOM", 18, "300000.00")])
    with app.app_context():
        times = {
            p2: datetime(2026, 3, 1, tzinfo=UTC),
            p3: datetime(2026, 1, 2, tzinfo=UTC),
            p4: datetime(2026, 1, 3, tzinfo=UTC),
        }
        for proposal_id, when in times.items():
            db.session.get(Proposal, proposal_id).updated_at = when
        db.session.commit()
    return {"p1": p1, "p2": p2, "p3": p3, "p4": p4, "void": mistake}


def _ledger_records() -> dict[str, int]:
    app = current_app._get_current_object()
    treasurer, author = new_user(("secretariat",), "IOM"), new_user(("applicant",), "ILO")
    donor = new_organization(name="Kingdom of Donors", acronym="KDN", kind="other")
    call_id = new_open_call().id
    db.session.commit()

    def make_proposal(author, status: str = "draft", **values) -> int:
        with app.app_context():
            proposal = new_proposal(author, call_id, status, **values)
            db.session.commit()
            return proposal.id

    return _ledger(app, treasurer, donor, author, make_proposal)


@pytest.fixture(scope="module")
def prepared_ledger(request) -> PreparedDatabase:
    """The ledger, made once per engine: each test reads a copy."""
    return PreparedDatabase(request, _ledger_records)


@pytest.fixture
def ledger(request, prepared_ledger) -> dict[str, int]:
    return prepared_ledger.data(engine_of(request))


@pytest.mark.usefixtures("backend")
def test_balance_matches_hand_computed_numbers(app, ledger) -> None:
    ids = ledger
    with app.app_context():
        money = queries.balance()
    by_pool = {
        p.code: (p.gross, p.fees, p.net, p.allocated, p.disbursed, p.available) for p in money.pools
    }
    zero = (D("0.00"),) * 6
    assert by_pool == {
        "GENERAL": (
            D("1000000.00"),
            D("10000.00"),
            D("990000.00"),
            D("476000.00"),
            D("106000.00"),
            D("514000.00"),
        ),
        "TA1": (D("250000.50"), D("2500.01"), D("247500.49"), D("0.00"), D("0.00"), D("247500.49")),
        "TA2": zero,
        "TA3": zero,
        "TA4": (
            D("600000.00"),
            D("6000.00"),
            D("594000.00"),
            D("594000.00"),
            D("594000.00"),
            D("0.00"),
        ),
        "TA5": zero,
    }
    assert [p.code for p in money.pools] == ["GENERAL", "TA1", "TA2", "TA3", "TA4", "TA5"]
    t = money.total
    assert (t.gross, t.fees, t.net, t.allocated, t.disbursed, t.available, t.contributions) == (
        D("1850000.50"),
        D("18500.01"),
        D("1831500.49"),
        D("1070000.00"),
        D("700000.00"),
        D("761500.49"),
        3,
    )
    assert t.committed == D("370000.00")
    # The running balances agree with the ledger: available = net - allocated, per pool.
    assert all(p.available == p.net - p.allocated for p in money.pools)
    assert [(v.id, v.gross, v.pool_code) for v in money.voided] == [
        (ids["void"], D("100000.00"), "GENERAL")
    ]
    with app.app_context():
        summary = queries.allocations()
    assert [(a.proposal_id, a.amount, a.disbursed, a.remaining) for a in summary] == [
        (ids["p1"], TOTAL, D("700000.00"), D("370000.00"))
    ]


@pytest.mark.usefixtures("backend")
def test_pipeline_in_order_of_approval_with_running_total(app, ledger) -> None:
    ids = ledger
    with app.app_context():
        pipe = queries.pipeline(D("0.07"))
    assert pipe.available == D("761500.49")
    rows = [
        (r.proposal_id, r.total, r.running_total, r.within_available, r.fundable, r.draws)
        for r in pipe.rows
    ]
    assert rows == [
        # 514,000.00 unearmarked (TA4 is empty) cannot cover 1,070,000.00
        (ids["p2"], TOTAL, TOTAL, False, False, []),
        # the TA1 earmark covers it
        (ids["p3"], D("214000.00"), D("1284000.00"), False, True, [("TA1", D("214000.00"))]),
        # TA4 is empty: unearmarked money pays
        (ids["p4"], D("321000.00"), D("1605000.00"), False, True, [("GENERAL", D("321000.00"))]),
    ]
    assert pipe.rows[0].approved_at == datetime(2026, 1, 1, 9, 30, tzinfo=UTC)
    assert pipe.rows[0].shortfall == D("556000.00")
    assert pipe.fundable_total == D("535000.00")
    assert [r.areas for r in pipe.rows] == [["TA4"], ["TA1"], ["TA4"]]


def test_pipeline_running_total_within_available(
    app, treasurer, donor, author, make_proposal
) -> None:
    contribute(app, treasurer, donor, "2200000.00")  # net 2,178,000.00
    first = make_proposal(author, status="approved", decided_at=_at(2, 2))
    second = make_proposal(author, status="approved", decided_at=_at(2, 3))
    third = make_proposal(author, status="approved", decided_at=_at(2, 1))
    with app.app_context():
        pipe = queries.pipeline(D("0.07"))
    assert [
        (r.proposal_id, r.running_total, r.within_available, r.fundable) for r in pipe.rows
    ] == [
        (third, TOTAL, True, True),
        (first, 2 * TOTAL, True, True),
        (second, 3 * TOTAL, False, False),
    ]


def test_balance_and_pipeline_take_a_fixed_number_of_queries(
    app, treasurer, donor, author, make_proposal
) -> None:
    contribute(app, treasurer, donor, "9000000.00")
    contribute(app, treasurer, donor, "500000.00", "TA4")

    def count() -> int:
        seen: list[str] = []
        with app.app_context():

            def remember(conn, cursor, statement, *args):
                seen.append(statement)

            event.listen(db.engine, "before_cursor_execute", remember)
            try:
                money = queries.balance()
                queries.pipeline(D("0.07"), money.available_by_pool())
                queries.allocations()
            finally:
                event.remove(db.engine, "before_cursor_execute", remember)
        return len(seen)

    fund(app, treasurer, make_proposal(author, status="approved"))
    make_proposal(author, status="approved")
    small = count()
    for _ in range(2):
        fund(app, treasurer, make_proposal(author, status="approved"))
    for _ in range(4):
        make_proposal(author, status="approved", primary_objective_number=7)
    # Balance 5 (the pools with the interest less the direct costs, the contributions, the
    # money counter, the money out of each pool made again after a change of the allocations,
    # the voided contributions), pipeline 3, allocations 1.
    assert count() == small == 9


def _pages(function, per_page: int, *args):
    """Every page of a paginated list, from the first until the last one."""
    found = [function(*args, 1, per_page)]
    while found[-1].has_next:
        found.append(function(*args, found[-1].page + 1, per_page))
    return found


@pytest.mark.usefixtures("backend")
@pytest.mark.parametrize("per_page", [1, 2, 3])
def test_pipeline_pages_show_the_whole_pipeline(app, ledger, per_page) -> None:
    """Page after page, the rows (running totals and whether each could be funded included)
    are those of the whole pipeline; each page knows its starting running total, and the
    totals are those of all approved proposals."""
    with app.app_context():
        whole = queries.pipeline(D("0.07"))
        available = queries.balance().available_by_pool()
        pages = _pages(queries.pipeline_page, per_page, D("0.07"), available)
        beyond = queries.pipeline_page(D("0.07"), available, 99, per_page)
    assert [vars(r) for page in pages for r in page.rows] == [vars(r) for r in whole.rows]
    assert len(pages) == -(-3 // per_page) == pages[0].pages
    for page in pages:
        assert (page.count, page.total, page.fundable_total, page.fundable_count) == (
            3,
            D("1605000.00"),
            D("535000.00"),
            2,
        )
        assert page.available == whole.available == D("761500.49")
        first = whole.rows.index(next(r for r in whole.rows if vars(r) == vars(page.rows[0])))
        assert page.start == (whole.rows[first - 1].running_total if first else D("0.00"))
        assert page.start + page.page_total == page.rows[-1].running_total
    assert beyond.page == pages[-1].page
    assert [r.proposal_id for r in beyond.rows] == [r.proposal_id for r in pages[-1].rows]


@pytest.mark.usefixtures("backend")
def test_allocation_pages_show_every_allocation_with_totals_from_sql(
    app, treasurer, donor, author, make_proposal
) -> None:
    contribute(app, treasurer, donor, "9000000.00")
    funded = [fund(app, treasurer, make_proposal(author, status="approved")) for _ in range(5)]
    disburse(app, treasurer, funded[1], "ILO", "0.01")
    disburse(app, treasurer, funded[3], "IOM", "428000.00")
    disburse(app, treasurer, funded[3], "ILO", "123456.78")
    with app.app_context():
        whole = queries.allocations()
        pages = _pages(queries.allocations_page, 2)
    assert [vars(a) for page in pages for a in page.rows] == [vars(a) for a in whole]
    assert [len(page.rows) for page in pages] == [2, 2, 1]
    for page in pages:
        assert (page.count, page.amount, page.disbursed, page.remaining) == (
            5,
            5 * TOTAL,
            D("551456.79"),
            5 * TOTAL - D("551456.79"),
        )


def test_no_allocation_and_no_pipeline_give_empty_pages(app) -> None:
    with app.app_context():
        allocations = queries.allocations_page(3, 25)
        pipeline = queries.pipeline_page(D("0.07"), {"GENERAL": D("0.00")}, 2, 25)
    assert (allocations.count, allocations.page, allocations.rows) == (0, 1, [])
    assert (allocations.amount, allocations.disbursed) == (D("0.00"), D("0.00"))
    assert (pipeline.count, pipeline.page, pipeline.rows, pipeline.total) == (
        0,
        1,
        [],
        D("0.00"),
    )


@pytest.mark.usefixtures("backend")
def test_indirect_costs_in_sql_round_half_up_like_python(app) -> None:
    from sqlalchemy import BigInteger, literal

    from fund.proposals.budget import indirect_costs

    directs = [0, 1, 7, 49, 50, 71, 72, 1234565, 99999999, 123456789012, -71, -72]
    rates = [D("0.07"), D("0.075"), D("0.0725"), D("0.1"), D("0")]
    cases = [(d, rate) for d in directs for rate in rates]
    with app.app_context():
        found = db.session.execute(
            select(*(queries.indirect_cents(literal(d, BigInteger), rate) for d, rate in cases))
        ).one()
    expected = [int(indirect_costs(D(d) / 100, rate) * 100) for d, rate in cases]
    assert [int(v) for v in found] == expected


@pytest.mark.usefixtures("backend")
def test_the_draw_order_is_the_same_in_python_and_sql(app) -> None:
    """One definition of the draw order (earmarks by code, then unearmarked) gives the same
    order sorted in Python, ordered by the database, and compared pool by pool in SQL."""
    from sqlalchemy import literal, true, union_all

    from fund.finance.funding import draw_key, draw_order, drawn_before, plan_draws

    codes = ["TA3", "GENERAL", "TA1", "TA5", "TA2"]
    assert draw_order(codes) == ["TA1", "TA2", "TA3", "TA5", "GENERAL"]
    pools = union_all(*(select(literal(code).label("code")) for code in codes)).subquery()
    other = union_all(*(select(literal(code).label("code")) for code in codes)).subquery()
    with app.app_context():
        ordered = db.session.scalars(select(pools.c.code).order_by(*draw_key(pools.c.code)))
        assert list(ordered) == draw_order(codes)
        before = db.session.execute(
            select(pools.c.code, other.c.code, drawn_before(pools.c.code, other.c.code))
            .select_from(pools)
            .join(other, true())  # every pair of pools
        ).all()
    assert len(before) == len(codes) ** 2
    for code, later, found in before:
        assert bool(found) == drawn_before(code, later), (code, later)
    # The walk takes Decimal amounts and whole cents alike, in the order given.
    pools_held = [("TA1", D("30.00")), ("GENERAL", D("100.00"))]
    assert plan_draws(D("50.00"), pools_held) == (
        [("TA1", D("30.00")), ("GENERAL", D("20.00"))],
        D("0.00"),
    )
    assert plan_draws(15000, [("TA1", 3000), ("GENERAL", 10000)]) == (
        [("TA1", 3000), ("GENERAL", 10000)],
        2000,
    )
    assert plan_draws(D("-5.00"), pools_held) == ([], D("0.00"))


def test_balance_page_takes_a_fixed_number_of_queries(
    app, client, treasurer, donor, author, make_proposal, login_as
) -> None:
    contribute(app, treasurer, donor, "9000000.00")
    login_as("secretariat", organization_acronym="IOM")

    def count() -> int:
        seen: list[str] = []

        def remember(conn, cursor, statement, *args):
            seen.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", remember)
        try:
            assert client.get("/finance/?pipeline_page=2&allocations_page=2").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", remember)
        return len(seen)

    fund(app, treasurer, make_proposal(author, status="approved"))
    make_proposal(author, status="approved")
    client.get("/finance/")
    # The first request after a change reads and walks the pipeline; the next ones find the
    # walk kept for the same records (one statement fewer).
    KEPT_WALKS.clear()
    small_changed, small = count(), count()
    for _ in range(3):
        fund(app, treasurer, make_proposal(author, status="approved"))
        make_proposal(author, status="approved", primary_objective_number=7)
    # After allocations changed, the first request also makes again what is kept under the
    # money counter (`fund.finance.queries.kept`): the money out of each pool and the
    # allocations' totals, a statement each.
    assert (count(), count()) == (small_changed + 2, small)
    assert small == small_changed - 1


# Pages ------------------------------------------------------------------------------------


def test_balance_page(app, client, secretariat, donor, author, make_proposal) -> None:
    contribute(app, secretariat, donor, "1000000.00")
    contribute(app, secretariat, donor, "600000.00", "TA4")
    proposal_id = make_proposal(author, status="approved")
    page = client.get("/finance/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Money in total and by pool" in html and "(US dollars)" in html  # the currency once
    total = html[html.index('id="pool-total"') : html.index("</tr>", html.index('id="pool-total"'))]
    for amount in ("1,600,000.00", "16,000.00", "1,584,000.00"):
        assert f">{amount}<" in total
    pipeline = html[html.index('id="pipeline"') :]
    assert f"P-{proposal_id:05d}" in pipeline
    assert ("Yes, from TA4 earmark USD 594,000.00 + Unearmarked USD 476,000.00") in pipeline
    assert "GENERAL" not in pipeline  # pools by their names, not their codes
    # One proposal is one proposal: "it needs", not "together the 1 proposal ... need".
    assert "1 proposal could be funded now: it needs USD 1,070,000.00." in html


def test_only_who_records_money_is_offered_to_record_a_contribution(app, client, secretariat):
    """The secretariat has no form to record a contribution: the balance page does not send it
    to one, it says who records them."""
    html = client.get("/finance/").get_data(as_text=True)
    assert "Record a contribution" not in html and "/finance/contributions#record" not in html
    assert "The administrative agent records the contributions." in html
    grant_agent_role(app, secretariat)
    html = client.get("/finance/").get_data(as_text=True)
    assert 'href="/finance/contributions#record">Record a contribution</a>' in html
    assert "The administrative agent records the contributions." not in html


def test_balance_page_lists_long_lists_a_page_at_a_time(
    app, client, secretariat, donor, author, make_proposal, monkeypatch
) -> None:
    monkeypatch.setattr(lists, "PAGE_SIZE", 2)
    contribute(app, secretariat, donor, "4000000.00")
    funded = [fund(app, secretariat, make_proposal(author, status="approved")) for _ in range(3)]
    waiting = [make_proposal(author, status="approved", decided_at=_at(2, 1 + n)) for n in range(3)]

    html = client.get("/finance/").get_data(as_text=True)
    pipeline = html[html.index('id="pipeline-title"') : html.index('id="allocations-title"')]
    assert "3 approved proposals needing USD 3,210,000.00 in all" in pipeline
    assert "Showing 1 to 2 of 3" in pipeline and "USD 0.00 before this page" in pipeline
    assert [f"P-{i:05d}" in pipeline for i in waiting] == [True, True, False]
    assert "All 3 approved proposals" in pipeline
    assert 'href="/finance/?pipeline_page=2#pipeline-title" rel="next"' in pipeline
    allocations = html[html.index('id="allocations-title"') :]
    assert "3 funded proposals: USD 3,210,000.00 allocated" in allocations
    assert sum(f"P-{i:05d}" in allocations for i in funded) == 2
    assert 'href="/finance/?allocations_page=2#allocations-title" rel="next"' in allocations

    html = client.get("/finance/?pipeline_page=2&allocations_page=2").get_data(as_text=True)
    pipeline = html[html.index('id="pipeline-title"') : html.index('id="allocations-title"')]
    assert [f"P-{i:05d}" in pipeline for i in waiting] == [False, False, True]
    # The running total carries on from the first page.
    assert "USD 2,140,000.00 before this page" in pipeline
    assert "USD 3,210,000.00</td>" in pipeline  # the last row's running total
    assert "Page 2 of 2" in pipeline
    # The other list's page is kept in the links.
    assert 'href="/finance/?pipeline_page=1&amp;allocations_page=2#pipeline-title"' in pipeline
    allocations = html[html.index('id="allocations-title"') :]
    assert sum(f"P-{i:05d}" in allocations for i in funded) == 1
    assert "All 3 allocations" in allocations
    for unreadable in ("x", "-1", "0", "999"):
        url = f"/finance/?pipeline_page={unreadable}&allocations_page={unreadable}"
        assert client.get(url).status_code == 200


def test_contribution_form_records_a_contribution(app, client, secretariat, donor) -> None:
    grant_agent_role(app, secretariat)  # the administrative agent records the money
    token = csrf_token(client, "/finance/contributions")
    response = client.post(
        "/finance/contributions",
        data={
            "csrf_token": token,
            "donor_id": donor.id,
            "received_on": "2026-01-10",
            "gross": "USD 1,234,567.89",
            "earmark": "TA5",
            "reference": "MPTF-DEP-7",
            "note": "First tranche",
        },
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "USD 1,234,567.89 gross, USD 12,345.68 fee, USD 1,222,222.21 net" in page
    assert "TA5 earmark" in page
    with app.app_context():
        c = db.session.scalar(select(Contribution))
        assert (c.donor_id, c.received_on, c.gross, c.pool_code, c.reference, c.note) == (
            donor.id,
            date(2026, 1, 10),
            D("1234567.89"),
            "TA5",
            "MPTF-DEP-7",
            "First tranche",
        )
        assert c.recorded_by_id == secretariat.id


def test_contribution_form_keeps_bad_input_and_saves_nothing(
    app, client, secretariat, donor
) -> None:
    grant_agent_role(app, secretariat)  # the administrative agent records the money
    token = csrf_token(client, "/finance/contributions")
    response = client.post(
        "/finance/contributions",
        data={
            "csrf_token": token,
            "donor_id": "",
            "received_on": "2026-13-40",
            "gross": "12,34",
            "earmark": "TA4",
            "reference": "Kept ref",
        },
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Choose the donor." in html
    assert "Enter a date as YYYY-MM-DD" in html
    assert "“12,34” is not an amount" in html
    assert 'value="12,34"' in html
    assert 'value="2026-13-40"' in html
    assert 'value="Kept ref"' in html
    assert re.search(r'<option selected value="TA4">|<option value="TA4" selected>', html)
    tomorrow = (utcnow().date() + timedelta(days=1)).isoformat()
    response = client.post(
        "/finance/contributions",
        data={"csrf_token": token, "donor_id": donor.id, "received_on": tomorrow, "gross": "-5"},
    )
    assert response.status_code == 400
    assert "Amounts cannot be negative." in response.get_data(as_text=True)
    response = client.post(
        "/finance/contributions",
        data={"csrf_token": token, "donor_id": donor.id, "received_on": tomorrow, "gross": "5"},
    )
    assert response.status_code == 400
    assert "cannot be in the future" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Contribution)) == 0
    assert pools(app)["GENERAL"] == (D("0.00"), D("0.00"))


def test_void_page(app, client, secretariat, donor) -> None:
    grant_agent_role(app, secretariat)  # the administrative agent records the money
    contribution_id = contribute(app, secretariat, donor, "1000.00")
    path = f"/finance/contributions/{contribution_id}/void"
    assert "USD 990.00" in client.get(path).get_data(as_text=True)
    token = csrf_token(client, path)
    response = client.post(path, data={"csrf_token": token, "reason": "  "})
    assert response.status_code == 400
    assert "Give the reason for voiding" in response.get_data(as_text=True)
    response = client.post(path, data={"csrf_token": token, "reason": "Wrong donor"})
    assert response.status_code == 302
    listing = client.get("/finance/contributions").get_data(as_text=True)
    assert "Voided</strong>" in listing and "Wrong donor" in listing
    assert client.post(path, data={"csrf_token": token, "reason": "Again"}).status_code == 400
    assert "was voided on" in client.get(path).get_data(as_text=True)


def test_allocation_page_funds_disburses_and_closes(
    app, client, secretariat, donor, author, make_proposal
) -> None:
    contribute(app, secretariat, donor, "1000000.00")
    contribute(app, secretariat, donor, "100000.00", "TA4")
    proposal_id = make_proposal(author, status="approved")
    path = f"/finance/proposals/{proposal_id}"
    html = client.get(path).get_data(as_text=True)
    sources = html[html.index('id="sources"') :]
    assert re.search(
        r"TA4 earmark: Facilitating regular migration[^<]*</th><td class=\"num\">USD 99,000.00</td>"
        r"<td class=\"num\">USD 99,000.00",
        sources,
    )
    assert "Fund P-" in html and "allocate USD 1,070,000.00" in html
    token = csrf_token(client, path)
    with app.app_context():
        version = db.session.get(Proposal, proposal_id).version
    response = client.post(
        f"{path}/fund", data={"csrf_token": token, "version": version, "allocated_on": ""}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert status_of(app, proposal_id) == "funded"
    html = client.get(path).get_data(as_text=True)
    assert "USD 642,000.00 still to pay" in html and "USD 428,000.00 still to pay" in html

    ilo = None
    with app.app_context():
        ilo = org_id("ILO")
        # The secretariat requests the transfer; the administrative agent records it.
        agent = user(secretariat.id)
        agent.set_roles(agent.roles | {"administrative_agent"})
        request_transfer(agent, lists.allocation_for(proposal_id), ilo, ILO_SHARE, now=utcnow())
        db.session.commit()
    disburse_path = f"{path}/organizations/{ilo}/disburse"
    today = utcnow().date().isoformat()
    prefix = f"org{ilo}-"
    response = client.post(
        disburse_path,
        data={
            "csrf_token": token,
            f"{prefix}paid_on": today,
            f"{prefix}amount": "642,000.01",
            f"{prefix}reference": "TR-1",
        },
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Only USD 642,000.00 remains to be paid to ILO" in html
    assert 'value="642,000.01"' in html
    response = client.post(
        disburse_path,
        data={"csrf_token": token, f"{prefix}paid_on": today, f"{prefix}amount": "642,000.00"},
    )
    assert response.status_code == 302
    assert shares(app, proposal_id)["ILO"] == (ILO_SHARE, ILO_SHARE)

    with app.app_context():
        version = db.session.get(Proposal, proposal_id).version
    response = client.post(
        f"{path}/close", data={"csrf_token": token, "version": version, "reason": ""}
    )
    assert response.status_code == 400
    assert "still to pay: IOM USD 428,000.00" in response.get_data(as_text=True)
    response = client.post(
        f"{path}/close",
        data={"csrf_token": token, "version": version, "reason": "IOM withdrew"},
    )
    assert response.status_code == 302
    assert status_of(app, proposal_id) == "closed"


def test_allocation_page_says_why_it_cannot_fund(
    app, client, secretariat, donor, author, make_proposal
) -> None:
    contribute(app, secretariat, donor, "1000000.00", "TA1")
    proposal_id = make_proposal(author, status="approved")
    path = f"/finance/proposals/{proposal_id}"
    html = client.get(path).get_data(as_text=True)
    assert 'id="cannot-fund"' in html
    assert "needs USD 1,070,000.00 but only USD 0.00 is available to it" in html
    assert f"{path}/fund" not in html
    # Posting anyway is refused with the same numbers, and nothing changes.
    with app.app_context():
        version = db.session.get(Proposal, proposal_id).version
    response = client.post(
        f"{path}/fund", data={"csrf_token": csrf_token(client, path), "version": version}
    )
    assert response.status_code == 400
    assert "USD 1,070,000.00 short" in response.get_data(as_text=True)
    assert status_of(app, proposal_id) == "approved"


def test_a_stale_fund_button_changes_nothing(
    app, client, secretariat, donor, author, make_proposal
) -> None:
    contribute(app, secretariat, donor, "2000000.00")
    proposal_id = make_proposal(author, status="approved")
    path = f"/finance/proposals/{proposal_id}"
    with app.app_context():
        version = db.session.get(Proposal, proposal_id).version
    response = client.post(
        f"{path}/fund", data={"csrf_token": csrf_token(client, path), "version": version - 1}
    )
    assert response.status_code == 409
    assert status_of(app, proposal_id) == "approved"
    assert allocation_count(app) == 0


def test_pages_of_unknown_things_are_404(client, secretariat) -> None:
    assert client.get("/finance/proposals/999").status_code == 404
    assert client.get("/finance/contributions/999/void").status_code == 404


# Access -----------------------------------------------------------------------------------

PAGES = [
    "/finance/",
    "/finance/contributions",
    "/finance/proposals/{p}",
    "/finance/contributions/{c}/void",
]
POSTS = [
    "/finance/contributions",
    "/finance/contributions/{c}/void",
    "/finance/proposals/{p}/fund",
    "/finance/proposals/{p}/close",
    "/finance/proposals/{p}/organizations/1/disburse",
]


@pytest.fixture
def things(app, treasurer, donor, author, make_proposal) -> dict[str, int]:
    return {
        "c": contribute(app, treasurer, donor, "2000000.00"),
        "p": make_proposal(author, status="approved"),
    }


@pytest.mark.parametrize("role", ["applicant", "committee", "admin"])
def test_only_the_secretariat_sees_the_finances(app, client, create_user, things, role) -> None:
    user = create_user(roles=(role,), organization_acronym="ILO")
    login(client, user.email)
    token = csrf_token(client, "/")
    for path in PAGES:
        assert client.get(path.format(**things)).status_code == 403, path
    for path in POSTS:
        response = client.post(path.format(**things), data={"csrf_token": token, "version": 1})
        assert response.status_code == 403, path
    assert status_of(app, things["p"]) == "approved"
    assert pools(app)["GENERAL"][1] == D("1980000.00")


def test_anonymous_visitors_are_sent_to_sign_in(client, things) -> None:
    for path in PAGES:
        response = client.get(path.format(**things))
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    for path in POSTS:
        assert client.post(path.format(**things)).status_code in (400, 401)


def test_the_secretariat_sees_every_page(client, secretariat, things) -> None:
    for path in PAGES:
        assert client.get(path.format(**things)).status_code == 200, path


# What each pool has paid out --------------------------------------------------------------


def _source_paid(app, proposal_id: int) -> dict[str, Decimal]:
    with app.app_context():
        rows = db.session.execute(
            select(AllocationSource.pool_code, AllocationSource.disbursed)
            .join(Allocation, Allocation.id == AllocationSource.allocation_id)
            .where(Allocation.proposal_id == proposal_id)
        )
        return {row.pool_code: read_amount(row.disbursed) for row in rows}


def _disbursed_by_pool(app, as_of: date | None = None) -> dict[str, Decimal]:
    with app.app_context():
        return {pool.code: pool.disbursed for pool in queries.balance(as_of).pools}


def test_payments_fill_the_pools_in_draw_order(
    app, backend, treasurer, donor, author, make_proposal
) -> None:
    """Objective 7 draws TA1, TA2, then GENERAL; each payment fills the first pool not yet
    paid out. The kept figures equal the attribution recomputed from the payments."""
    contribute(app, treasurer, donor, "200000.00", "TA1")  # net 198,000.00
    contribute(app, treasurer, donor, "300000.00", "TA2")  # net 297,000.00
    contribute(app, treasurer, donor, "1000000.00")  # net 990,000.00
    proposal_id = make_proposal(author, status="approved", primary_objective_number=7)
    fund(app, treasurer, proposal_id)
    zero = D("0.00")
    steps = [
        ("ILO", "100000.00", {"TA1": D("100000.00"), "TA2": zero, "GENERAL": zero}),
        ("IOM", "150000.00", {"TA1": D("198000.00"), "TA2": D("52000.00"), "GENERAL": zero}),
        (
            "ILO",
            "542000.00",
            {"TA1": D("198000.00"), "TA2": D("297000.00"), "GENERAL": D("297000.00")},
        ),
        (
            "IOM",
            "278000.00",
            {"TA1": D("198000.00"), "TA2": D("297000.00"), "GENERAL": D("575000.00")},
        ),
    ]
    for acronym, amount, expected in steps:
        disburse(app, treasurer, proposal_id, acronym, amount)
        assert _source_paid(app, proposal_id) == expected
        kept = _disbursed_by_pool(app)
        assert kept == _disbursed_by_pool(app, utcnow().date())  # recomputed from payments
        assert {code: kept[code] for code in expected} == expected


def test_the_database_check_refuses_paying_a_pool_beyond_its_amount(app, funded) -> None:
    with app.app_context():
        with pytest.raises(IntegrityError):
            db.session.execute(
                update(AllocationSource).values(disbursed=AllocationSource.amount + D("0.01"))
            )
            db.session.flush()
        db.session.rollback()
    assert _source_paid(app, funded) == {"GENERAL": D("0.00")}


@pytest.fixture
def two_pools(app, treasurer, donor, author, make_proposal) -> int:
    """A proposal on objective 7 funded from TA1 (198,000.00) then GENERAL (872,000.00), ILO paid
    150,000.00; returns its id."""
    contribute(app, treasurer, donor, "200000.00", "TA1")
    contribute(app, treasurer, donor, "1000000.00")
    proposal_id = make_proposal(author, status="approved", primary_objective_number=7)
    fund(app, treasurer, proposal_id)
    disburse(app, treasurer, proposal_id, "ILO", "150000.00")
    return proposal_id


def test_the_migration_fills_what_each_pool_paid_from_the_payments(
    app, backend, treasurer, two_pools
) -> None:
    """Downgrading drops the column; upgrading again fills it as the payments did."""
    from pathlib import Path

    from flask_migrate import downgrade, upgrade

    proposal_id = two_pools
    disburse(app, treasurer, proposal_id, "IOM", "100000.00")
    kept = _source_paid(app, proposal_id)
    assert kept == {"TA1": D("198000.00"), "GENERAL": D("52000.00")}
    directory = str(Path(__file__).resolve().parent.parent / "migrations")
    with app.app_context():
        db.session.remove()
        downgrade(directory=directory, revision="996bd8a6fcb3")
        columns = {c["name"] for c in db.inspect(db.engine).get_columns("allocation_sources")}
        assert "disbursed" not in columns
        upgrade(directory=directory)
        db.session.remove()
    assert _source_paid(app, proposal_id) == kept


# Totals kept at approval ------------------------------------------------------------------


def _ledger_rows(rate: Decimal) -> dict[int, int]:
    """proposal id -> total in cents, as the pipeline counts it."""
    rows = db.session.connection().execute(queries.pipeline_ledger(rate)).all()
    return {row.id: row.total for row in rows}


@pytest.mark.usefixtures("backend")
def test_the_pipeline_reads_the_total_kept_at_approval_only_at_its_rate(
    app, author, make_proposal
) -> None:
    from fund.proposals.approval import record_approval

    ids = [make_proposal(author, status="approved") for _ in range(3)]
    set_budget(app, ids[1], [("ILO", 1, "200000.01"), ("IOM", 2, "99.99"), ("ILO", 3, "0.05")])
    with app.app_context():
        summed = {rate: _ledger_rows(D(rate)) for rate in ("0.07", "0.08")}
        # ILO 200,000.06 + 14,000.00; IOM 99.99 + 7.00 (6.9993 rounded)
        assert summed["0.07"] == {ids[0]: 107000000, ids[1]: 21410705, ids[2]: 107000000}
        for proposal_id in ids[:2]:  # again: the third keeps the total of its approval
            record_approval(db.session.get(Proposal, proposal_id), utcnow(), D("0.0700"))
        db.session.commit()
        assert _ledger_rows(D("0.07")) == summed["0.07"]
        # Behind the ORM, to tell the kept figure from the sum: read at its rate only.
        db.session.execute(
            update(Proposal).where(Proposal.id == ids[0]).values(approved_total=D("1.00"))
        )
        assert _ledger_rows(D("0.07"))[ids[0]] == 100
        assert _ledger_rows(D("0.08")) == summed["0.08"]
        db.session.rollback()


def test_a_budget_change_clears_the_total_kept_at_approval(app, author, make_proposal) -> None:
    from fund.proposals.approval import record_approval

    ids = [make_proposal(author, status="approved") for _ in range(4)]

    def kept(proposal_id: int) -> Decimal | None:
        return db.session.execute(
            select(Proposal.approved_total).where(Proposal.id == proposal_id)
        ).scalar_one()

    with app.app_context():
        for proposal_id in ids:
            record_approval(db.session.get(Proposal, proposal_id), utcnow(), D("0.07"))
        db.session.commit()
        assert all(kept(p) == TOTAL for p in ids)
        first, second, third = (db.session.get(Proposal, p) for p in ids[:3])
        first.budget_lines[0].amount = D("1.00")  # an amount
        second.budget_lines.pop()  # a line removed
        third.title = "Only the title"  # not the budget
        db.session.commit()
        assert [kept(p) for p in ids[:3]] == [None, None, TOTAL]
        db.session.expunge_all()
        line = db.session.scalars(
            select(BudgetLine).where(BudgetLine.proposal_id == ids[3])
        ).first()
        line.amount = D("2.00")  # a line whose proposal is not loaded
        db.session.commit()
        assert kept(ids[3]) is None


def test_a_payment_edited_behind_the_application_is_found_and_attributed_again(
    app, backend, two_pools
) -> None:
    proposal_id = two_pools
    runner = app.test_cli_runner()
    assert runner.invoke(args=["fund", "coverage", "--verify"]).exit_code == 0
    with app.app_context():  # a second tranche entered by hand, sources not updated
        allocation = db.session.scalar(
            select(Allocation).where(Allocation.proposal_id == proposal_id)
        )
        iom = org_id("IOM")
        db.session.execute(
            update(AllocationShare)
            .where(
                AllocationShare.allocation_id == allocation.id,
                AllocationShare.organization_id == iom,
            )
            .values(disbursed=D("100000.00"))
        )
        db.session.add(
            Disbursement(
                allocation_id=allocation.id,
                organization_id=iom,
                paid_on=utcnow().date(),
                amount=D("100000.00"),
                recorded_at=utcnow(),
            )
        )
        db.session.commit()
    result = runner.invoke(args=["fund", "coverage", "--verify"])
    assert result.exit_code == 1
    assert "pool GENERAL: paid out 0.00 kept, 52000.00 from the payments" in result.output
    assert "pool TA1: paid out 150000.00 kept, 198000.00 from the payments" in result.output
    result = runner.invoke(args=["fund", "coverage", "--rebuild", "--verify"])
    assert result.exit_code == 0, result.output
    assert _source_paid(app, proposal_id) == {"TA1": D("198000.00"), "GENERAL": D("52000.00")}


def test_the_fund_signal_arrives_once_the_allocation_exists(
    app, treasurer, donor, author, make_proposal
) -> None:
    """A receiver of `fund` finds the allocation, its sources and shares, and the pools drawn."""
    from fund.signals import proposal_transitioned

    contribute(app, treasurer, donor, "2000000.00")
    proposal_id = make_proposal(author, status="approved")
    seen: list[tuple] = []

    def receiver(proposal, **kwargs) -> None:
        if kwargs["trigger"] != "fund":
            return
        allocation = db.session.scalar(
            select(Allocation).where(Allocation.proposal_id == proposal.id)
        )
        seen.append(
            (
                allocation.amount if allocation is not None else None,
                len(allocation.sources) if allocation is not None else 0,
                len(allocation.shares) if allocation is not None else 0,
                db.session.scalar(select(Pool.available).where(Pool.code == "GENERAL")),
            )
        )

    proposal_transitioned.connect(receiver)
    try:
        fund(app, treasurer, proposal_id)
    finally:
        proposal_transitioned.disconnect(receiver)
    assert seen == [(TOTAL, 1, 2, D("1980000.00") - TOTAL)]


def test_a_balance_the_database_refuses_is_said_in_the_pages_language(app) -> None:
    """A pool drawn below zero (a race another allocation won) is refused by the database's
    check; the refusal is the draw's sentence, English as logged, in the page's language where
    it is shown."""
    from flask_babel import force_locale

    from fund.finance.models import GENERAL_POOL

    with app.test_request_context("/"):
        with pytest.raises(FinanceError) as refused:
            operations.draw_from_pool(GENERAL_POOL, D("999999999.00"))
        db.session.rollback()
        assert refused.value.message.startswith(
            "The Unearmarked pool no longer holds USD 999,999,999.00: someone allocated"
        )
        with force_locale("fr"):
            said = refused.value.said().replace("\u202f", " ").replace("\u00a0", " ")
        assert said.startswith("L'enveloppe Non préaffectée ne dispose plus de 999 999 999,00"), (
            said
        )

"""The transfer schedule: one planned tranche per participating organization and programme year,
made at funding and re-planned keeping the tranches already transferred; on the finance page
and the proposal page."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import partial

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from fund.audit.models import AuditEvent
from fund.extensions import db, utcnow
from fund.finance import operations, transfer_schedule, transfers
from fund.finance.models import Allocation, AllocationShare
from fund.finance.schedule_models import PlannedTranche
from fund.finance.transfer_models import TransferRequest
from fund.finance.transfer_schedule import (
    plan_transfer_schedule,
    scheduled_tranches,
    split_share,
    tranche_date,
    transferred_tranches,
)
from fund.money import read_amount
from fund.proposals.budget import Line, summarise
from fund.proposals.models import BudgetLine, Proposal
from tests.factories import acting_secretariat, advance, new_open_call, new_proposal
from tests.helpers import client_for, counted_get, new_user, org_id, user

D = Decimal


# The arithmetic ------------------------------------------------------------------------------


def test_a_share_is_split_by_year_each_part_rounded_half_up_the_last_taking_the_remainder():
    parts = split_share(D("100.00"), {1: D("1"), 2: D("1"), 3: D("1")})
    assert parts == {1: D("33.33"), 2: D("33.33"), 3: D("33.34")}
    # 0.005 rounds up; the last part takes what is left
    assert split_share(D("0.03"), {1: D("1"), 2: D("1")}) == {1: D("0.02"), 2: D("0.01")}
    # a year without budget has no tranche; a part of zero is left out
    assert split_share(D("10.00"), {1: D("0"), 2: D("5"), 3: D("5")}) == {
        2: D("5.00"),
        3: D("5.00"),
    }
    assert split_share(D("0.01"), {1: D("1"), 2: D("1"), 3: D("1")}) == {3: D("0.01")}
    assert split_share(D("10.00"), {}) == {}
    assert split_share(D("0.00"), {1: D("1")}) == {}


@settings(max_examples=200, deadline=None)
@given(
    share=st.decimals(min_value=D("0.01"), max_value=D("99999999.99"), places=2),
    weights=st.dictionaries(
        st.integers(1, 10),
        st.decimals(min_value=D("0.00"), max_value=D("9999999.99"), places=2),
        min_size=1,
        max_size=10,
    ),
)
def test_the_tranches_add_up_to_the_share_exactly(share: Decimal, weights) -> None:
    parts = split_share(share, weights)
    if not any(w > 0 for w in weights.values()):
        assert parts == {}
        return
    assert sum(parts.values(), D("0.00")) == share
    assert all(part > 0 and part == part.quantize(D("0.01")) for part in parts.values())
    assert set(parts) <= {year for year, weight in weights.items() if weight > 0}
    total = sum(weights.values())
    last = max(year for year, weight in weights.items() if weight > 0)
    for year, part in parts.items():
        if year != last:  # its proportion rounded half-up, or less when the share runs out
            assert part <= share * weights[year] / total + D("0.005")


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 3),  # organization
            st.decimals(min_value=D("0.00"), max_value=D("999999.99"), places=2),
            st.integers(1, 10),  # year
        ),
        min_size=1,
        max_size=15,
    )
)
def test_for_any_budget_each_organization_s_tranches_add_up_to_its_share(rows) -> None:
    """As funding plans them: the shares of the budget's summary (direct plus indirect costs),
    split by each organization's direct costs by year."""
    summary = summarise([Line(org, 1, 1, amount, year) for org, amount, year in rows], D("0.07"))
    for org, budget in summary.by_organization.items():
        parts = split_share(budget.total, summary.direct_by_year[org])
        if budget.direct > 0:
            assert sum(parts.values(), D("0.00")) == budget.total
        else:
            assert parts == {}
        assert all(summary.direct_by_year[org][year] > 0 for year in parts)


def test_tranche_dates_funding_first_then_a_year_apart_never_before_funding():
    funded, start = date(2027, 3, 1), date(2027, 6, 15)
    assert tranche_date(1, funded_on=funded, start=start) == funded
    assert tranche_date(2, funded_on=funded, start=start) == date(2028, 6, 15)
    assert tranche_date(3, funded_on=funded, start=start) == date(2029, 6, 15)
    late = date(2029, 1, 1)  # funded after the planned start
    assert tranche_date(2, funded_on=late, start=date(2027, 6, 15)) == late
    leap = date(2028, 2, 29)
    assert tranche_date(2, funded_on=leap, start=leap) == date(2029, 2, 28)


def test_payments_cover_the_tranches_in_their_order():
    amounts = [D("10.00"), D("20.00"), D("30.00")]
    assert transferred_tranches(amounts, D("0.00")) == 0
    assert transferred_tranches(amounts, D("9.99")) == 0
    assert transferred_tranches(amounts, D("10.00")) == 1
    assert transferred_tranches(amounts, D("59.99")) == 2
    assert transferred_tranches(amounts, D("60.00")) == 3


# A funded programme ------------------------------------------------------------------------

# (organization, objective, category, amount, year) of a 30-month programme (3 years)
LINES = [
    ("ILO", 6, 1, "300000.00", 1),
    ("ILO", 6, 2, "200000.00", 2),
    ("ILO", 6, 3, "100000.00", 3),
    ("IOM", 18, 4, "250000.00", 1),
    ("IOM", 18, 4, "150000.00", 3),  # nothing in year 2
]


def _funded(author, call_id: int, lines=LINES, months: int = 30, **values) -> Proposal:
    proposal = new_proposal(user(author), call_id, "draft", **values)
    proposal.duration_months = months
    proposal.budget_lines = [
        BudgetLine(
            organization_id=org_id(acronym),
            objective_number=objective,
            category_code=category,
            amount=D(amount),
            year=year,
        )
        for acronym, objective, category, amount, year in lines
    ]
    db.session.flush()
    advance(proposal, "funded", user(author))
    return proposal


def _allocation(proposal_id: int) -> Allocation:
    return db.session.scalar(select(Allocation).where(Allocation.proposal_id == proposal_id))


def _by_org(allocation_id: int) -> dict[str, list[tuple[int, date, Decimal]]]:
    found: dict[str, list[tuple[int, date, Decimal]]] = {}
    for t in scheduled_tranches(allocation_id):
        found.setdefault(t.organization, []).append((t.number, t.planned_on, t.amount))
    return found


def _shares(allocation_id: int) -> dict[str, Decimal]:
    return {
        s.organization.acronym: read_amount(s.amount)
        for s in db.session.scalars(
            select(AllocationShare).where(AllocationShare.allocation_id == allocation_id)
        )
    }


def test_funding_plans_a_tranche_per_organization_and_year(ctx, author, open_call) -> None:
    proposal = _funded(author, open_call)
    allocation = _allocation(proposal.id)
    funded_on, start = allocation.allocated_on, proposal.planned_start
    schedule = _by_org(allocation.id)
    shares = _shares(allocation.id)
    # ILO: 600,000 direct + 42,000 indirect, split 3:2:1 over its years
    assert schedule["ILO"] == [
        (1, funded_on, D("321000.00")),
        (2, max(date(start.year + 1, start.month, start.day), funded_on), D("214000.00")),
        (3, max(date(start.year + 2, start.month, start.day), funded_on), D("107000.00")),
    ]
    # IOM has no budget in year 2: no tranche 2
    assert [(n, a) for n, _, a in schedule["IOM"]] == [(1, D("267500.00")), (3, D("160500.00"))]
    for acronym, tranches in schedule.items():
        assert sum(a for _, _, a in tranches) == shares[acronym]
    event = db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.action == "transfer_schedule_planned")
        .order_by(AuditEvent.id.desc())
    )
    assert str(event.subject_id) == str(proposal.id)
    assert event.details["allocation"] == allocation.id
    assert event.details["kept"] == 0


def test_a_request_beyond_the_tranches_planned_so_far_is_refused_unless_overridden(
    ctx, author, open_call
) -> None:
    """A transfer stays within what the schedule plans up to its tranche: the first takes at
    most tranche 1, not the whole share; beyond it the request is refused, named, and recorded
    only with a reason. IOM has no tranche in year 2: its second transfer may reach its second
    planned tranche (year 3)."""
    proposal = _funded(author, open_call)
    allocation = _allocation(proposal.id)
    secretariat = new_user(("secretariat",), None)
    ask = partial(transfers.request_transfer, secretariat, allocation)
    with pytest.raises(transfers.TrancheRefused) as refused:
        ask(org_id("ILO"), D("642000.00"))
    assert refused.value.problems == [
        "The request would take ILO to USD 642,000.00 transferred, beyond the "
        "USD 321,000.00 its transfer schedule plans up to tranche 1."
    ]
    assert [(c["name"], c["passed"]) for c in refused.value.conditions] == [
        ("within_schedule", False)
    ]
    assert db.session.scalar(select(TransferRequest.id).limit(1)) is None
    assert ask(org_id("ILO"), D("321000.00")).tranche == 1
    request = ask(org_id("IOM"), D("428000.00"), override_reason="The committee agreed it.")
    assert (request.tranche, request.override_reason) == (1, "The committee agreed it.")
    assert [c["passed"] for c in request.conditions] == [False]
    # What the schedule plans for IOM's first two tranches, read from the schedule itself (the
    # helper that summed it served only this line once the next tranche became one rule).
    iom = [
        t.amount
        for t in transfer_schedule.scheduled_tranches(allocation.id)
        if t.organization_id == org_id("IOM")
    ]
    assert sum(iom[:2], D(0)) == D("428000.00")


def test_replanning_keeps_the_tranches_transferred_and_spreads_the_rest(
    ctx, author, open_call
) -> None:
    proposal = _funded(author, open_call)
    allocation = _allocation(proposal.id)
    secretariat = acting_secretariat()
    ilo, iom = org_id("ILO"), org_id("IOM")
    before = _by_org(allocation.id)
    # ILO's first tranche paid in full; IOM's only in part
    operations.record_disbursement(
        secretariat, allocation, ilo, allocation.allocated_on, D("321000.00")
    )
    operations.record_disbursement(
        secretariat, allocation, iom, allocation.allocated_on, D("100000.00")
    )
    # A no-cost extension to 42 months: ILO's year-3 costs move to year 4, IOM's year 1 to 2
    proposal.duration_months = 42
    for line in proposal.budget_lines:
        if line.organization_id == ilo and line.year == 3:
            line.year = 4
        if line.organization_id == iom and line.year == 1:
            line.year = 2
    db.session.flush()
    later = datetime(2030, 1, 1, tzinfo=utcnow().tzinfo)
    plan_transfer_schedule(allocation, start=proposal.planned_start, now=later)
    after = _by_org(allocation.id)
    assert after["ILO"][0] == before["ILO"][0]  # transferred: kept as it was
    assert [(n, a) for n, _, a in after["ILO"]] == [
        (1, D("321000.00")),
        (2, D("214000.00")),
        (4, D("107000.00")),
    ]
    # IOM's partly paid tranche is not kept: its whole share is spread again (years 2 and 3)
    assert [(n, a) for n, _, a in after["IOM"]] == [(2, D("267500.00")), (3, D("160500.00"))]
    shares = _shares(allocation.id)
    for acronym, tranches in after.items():
        assert sum(a for _, _, a in tranches) == shares[acronym]
    kept = db.session.scalar(
        select(PlannedTranche).where(
            PlannedTranche.allocation_id == allocation.id,
            PlannedTranche.organization_id == ilo,
            PlannedTranche.number == 1,
        )
    )
    assert kept.planned_at < later  # the transferred tranche was not written again
    event = db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.action == "transfer_schedule_planned")
        .order_by(AuditEvent.id.desc())
    )
    assert event.details["kept"] == 1


def test_with_no_budget_left_in_later_years_the_rest_is_one_tranche(ctx, author, open_call) -> None:
    proposal = _funded(author, open_call)
    allocation = _allocation(proposal.id)
    ilo = org_id("ILO")
    operations.record_disbursement(
        acting_secretariat(), allocation, ilo, allocation.allocated_on, D("321000.00")
    )
    for line in proposal.budget_lines:  # a reallocation puts all of ILO's budget in year 1
        if line.organization_id == ilo:
            line.year = 1
    db.session.flush()
    plan_transfer_schedule(allocation, start=proposal.planned_start, now=utcnow())
    assert [(n, a) for n, _, a in _by_org(allocation.id)["ILO"]] == [
        (1, D("321000.00")),
        (2, D("321000.00")),
    ]


def test_the_table_refuses_a_tranche_of_zero_and_a_second_tranche_of_the_same_number(
    ctx, author, open_call
) -> None:
    proposal = _funded(author, open_call)
    allocation = _allocation(proposal.id)
    row = {
        "allocation_id": allocation.id,
        "organization_id": org_id("ILO"),
        "planned_on": allocation.allocated_on,
        "planned_at": utcnow(),
    }
    db.session.add(PlannedTranche(number=9, amount=D("0.00"), **row))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    proposal = _funded(author, open_call, title="Another")
    allocation = _allocation(proposal.id)
    row["allocation_id"] = allocation.id
    db.session.add(PlannedTranche(number=1, amount=D("1.00"), **row))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


# The pages ---------------------------------------------------------------------------------


def _two_funded(app, author, open_call) -> tuple[int, int]:
    with app.app_context():
        one_year = _funded(
            author,
            open_call,
            lines=[("ILO", 6, 1, "600000.00", 1), ("IOM", 18, 4, "400000.00", 1)],
            months=12,
            title="One year",
        )
        three_years = _funded(author, open_call, title="Three years")
        allocation = _allocation(three_years.id)
        operations.record_disbursement(
            acting_secretariat(), allocation, org_id("ILO"), allocation.allocated_on, D("400000")
        )
        db.session.commit()
        return one_year.id, three_years.id


def test_the_finance_page_shows_the_schedule_in_a_fixed_number_of_queries(
    app, author, open_call, create_user
) -> None:
    one_year, three_years = _two_funded(app, author, open_call)
    treasurer = create_user(roles=("secretariat",), organization_acronym="IOM")
    client = client_for(app, treasurer)
    with app.app_context():
        engine = db.engine
    small, small_count = counted_get(client, engine, f"/finance/proposals/{one_year}")
    large, large_count = counted_get(client, engine, f"/finance/proposals/{three_years}")
    assert small.status_code == large.status_code == 200
    assert small_count == large_count, (small_count, large_count)
    page = large.get_data(as_text=True)
    assert "Transfer schedule" in page
    assert "Share USD 642,000.00 · transferred so far <strong>USD 400,000.00</strong>" in page
    assert "Transferred" in page and "Partly transferred" in page
    assert "USD 214,000.00" in page and "USD 160,500.00" in page


def test_the_proposal_page_shows_the_schedule_once_funded(
    app, author, open_call, create_user
) -> None:
    one_year, three_years = _two_funded(app, author, open_call)
    client = client_for(app, author)
    with app.app_context():
        engine = db.engine
        draft = new_proposal(user(author), open_call, "draft", title="Not funded").id
        db.session.commit()
    small, small_count = counted_get(client, engine, f"/proposals/{one_year}")
    large, large_count = counted_get(client, engine, f"/proposals/{three_years}")
    assert small.status_code == large.status_code == 200
    assert small_count == large_count, (small_count, large_count)
    page = large.get_data(as_text=True)
    assert 'id="transfer-schedule-title"' in page
    assert "transferred so far <strong>USD 400,000.00</strong>" in page
    assert "Transfer schedule" not in client.get(f"/proposals/{draft}").get_data(as_text=True)


def test_the_demo_spreads_each_line_over_the_programme_years(ctx) -> None:
    from fund.demo.budget_years import spread_budget_years

    proposal = new_proposal(new_user(), new_open_call().id, "draft")  # 24 months
    proposal.budget_lines[0].amount = D("600000.01")
    db.session.flush()
    spread_budget_years(proposal)
    assert [(line.year, line.amount) for line in proposal.budget_lines] == [
        (1, D("300000.00")),
        (2, D("300000.01")),
        (1, D("200000.00")),
        (2, D("200000.00")),
    ]


# A payment and a replanning at the same moment ------------------------------------------------


@pytest.mark.usefixtures("backend")
def test_a_payment_and_a_replanning_at_once_leave_a_schedule_that_adds_up(
    app, author, open_call
) -> None:
    """The replanning locks the shares as a payment does: one waits for the other, and the
    schedule is the one planned before or after the payment, never a mix."""
    from tests.test_finance_race import run_together

    with app.app_context():
        proposal = _funded(author, open_call)
        for line in proposal.budget_lines:  # a reallocation: all of ILO's budget in year 1
            if line.organization_id == org_id("ILO"):
                line.year = 1
        db.session.commit()
        proposal_id, allocation_id = proposal.id, _allocation(proposal.id).id
        secretariat_id = acting_secretariat().id
        db.session.commit()

    def pay():
        allocation = db.session.get(Allocation, allocation_id)
        return operations.record_disbursement(
            user(secretariat_id),
            allocation,
            org_id("ILO"),
            allocation.allocated_on,
            D("321000.00"),
        )

    def replan():
        allocation = db.session.get(Allocation, allocation_id)
        start = db.session.get(Proposal, proposal_id).planned_start
        return plan_transfer_schedule(allocation, start=start, now=utcnow())

    results = run_together(app, [pay, replan])
    assert not any(isinstance(r, Exception) for r in results), results
    with app.app_context():
        ilo = [(n, a) for n, _, a in _by_org(allocation_id)["ILO"]]
        assert ilo in (
            [(1, D("642000.00"))],  # replanned before the payment
            [(1, D("321000.00")), (2, D("321000.00"))],  # after it: tranche 1 kept
        ), ilo

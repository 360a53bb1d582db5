"""The funding status over random histories (Hypothesis): deposits in currencies with the
administrative agent's fee, voids, interest, direct costs, funding, transfers, accepted
expenditure, closures (each organization's final expenditure its accepted reports', what was
never transferred released to the pools) and refunds. After every step the figures equal those
kept by the test as it went, the identities hold to the cent, and the balance with the
administrative agent equals, computed another way, the pools' available money plus what the
allocations have neither transferred nor released.

Each example runs in one transaction rolled back at its end: every example starts from the
same database (two approved programmes, no money)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from fund.accounts.models import Organization
from fund.extensions import db, utcnow
from fund.finance import agent, closure, funding
from fund.finance import operations as finance
from fund.finance.closure_models import ClosureShare
from fund.finance.models import Allocation, AllocationShare, AllocationSource, Contribution, Pool
from fund.finance.status import funding_status
from fund.money import ZERO, read_amount, round_cents
from fund.proposals.models import Proposal
from fund.reporting import operations as reporting
from fund.reporting.models import ProgrammeReport
from tests.factories import in_period
from tests.helpers import org_id, user

D = Decimal
CENT = D("0.01")
RATES = {"USD": [D("1")], "EUR": [D("1.0825"), D("1.12345678")], "GBP": [D("1.2567")]}
CURRENCIES = sorted(RATES)


@dataclass
class Kept:
    """The figures the test keeps as it applies the steps."""

    deposits: Decimal = ZERO
    fee: Decimal = ZERO
    interest: Decimal = ZERO
    direct_costs: Decimal = ZERO
    transfers: dict[int, Decimal] = field(default_factory=dict)
    refunds: dict[int, Decimal] = field(default_factory=dict)
    expenditure: dict[int, Decimal] = field(default_factory=dict)
    contributions: list[int] = field(default_factory=list)


fund_step = st.tuples(st.just("fund"), st.integers(0, 1), st.just(0), st.just(0), st.just(False))
transfer_step = st.tuples(
    st.just("transfer"), st.integers(0, 1), st.integers(1, 100), st.integers(0, 1), st.just(False)
)
spend_step = st.tuples(
    st.just("spend"), st.integers(0, 1), st.integers(0, 100), st.just(0), st.just(False)
)
close_step = st.tuples(st.just("close"), st.integers(0, 1), st.just(0), st.just(0), st.just(False))
refund_step = st.tuples(
    st.just("refund"), st.integers(0, 1), st.integers(1, 100), st.integers(0, 1), st.just(False)
)
# The steps that move money out are drawn more often, so that most histories reach them.
step = st.one_of(
    st.tuples(
        st.just("deposit"),
        st.integers(1, 300_000_000),  # cents in the currency
        st.integers(0, len(CURRENCIES) - 1),
        st.integers(0, 1),  # which rate
        st.booleans(),  # earmarked (TA4)
    ),
    st.tuples(st.just("void"), st.integers(0, 5), st.just(0), st.just(0), st.just(False)),
    st.tuples(
        st.just("interest"), st.integers(1, 5_000_000), st.just(0), st.just(0), st.just(False)
    ),
    st.tuples(st.just("cost"), st.integers(1, 50_000_000), st.just(0), st.just(0), st.just(False)),
    fund_step,
    fund_step,
    transfer_step,
    transfer_step,
    transfer_step,
    spend_step,
    spend_step,
    close_step,
    refund_step,
)


# A first deposit large enough to fund a programme, which is funded next: most histories then
# transfer and report spending.
opening = st.tuples(
    st.just("deposit"),
    st.integers(150_000_000, 300_000_000),
    st.integers(0, len(CURRENCIES) - 1),
    st.integers(0, 1),
    st.just(False),
)


def _general() -> Decimal:
    return read_amount(db.session.get(Pool, "GENERAL").available)


def _apply(kind, a, b, c, flag, *, people, donor_id, proposals, kept: Kept, rate) -> None:
    agent_user, author, iom_staff, secretariat = (user(p) for p in people)
    today = utcnow().date()
    if kind == "deposit":
        currency = CURRENCIES[b]
        exchange = RATES[currency][c % len(RATES[currency])]
        amount = D(a) * CENT
        gross = round_cents(amount * exchange)
        contribution = agent.record_deposit(
            agent_user,
            db.session.get(Organization, donor_id),
            today,
            currency,
            amount,
            exchange,
            "TA4" if flag else None,
        )
        fee = round_cents(gross * D("0.01"))
        assert (contribution.gross, contribution.fee) == (gross, fee)
        kept.deposits += gross
        kept.fee += fee
        kept.contributions.append(contribution.id)
    elif kind == "void" and kept.contributions:
        contribution = db.session.get(Contribution, kept.contributions[a % len(kept.contributions)])
        pool = read_amount(db.session.get(Pool, contribution.pool_code).available)
        if contribution.void is None and pool >= read_amount(contribution.net):
            finance.void_contribution(agent_user, contribution, "Entered twice")
            kept.deposits -= read_amount(contribution.gross)
            kept.fee -= read_amount(contribution.fee)
    elif kind == "interest":
        agent.record_interest(agent_user, today, D(a) * CENT)
        kept.interest += D(a) * CENT
    elif kind == "cost" and D(a) * CENT <= _general():
        agent.record_direct_cost(agent_user, today, D(a) * CENT, "Secretariat staff")
        kept.direct_costs += D(a) * CENT
    elif kind == "fund":
        proposal = db.session.get(Proposal, proposals[a])
        if proposal.status == "approved" and funding.funding_plan(proposal, rate).covered:
            finance.fund_proposal(secretariat, proposal)
    elif kind == "transfer":
        allocations = db.session.scalars(
            select(Allocation)
            .join(Proposal, Proposal.id == Allocation.proposal_id)
            .where(Proposal.status == "funded")  # not closed
            .order_by(Allocation.id)
        ).all()
        allocation = allocations[a % len(allocations)] if allocations else None
        if allocation is not None:
            share = allocation.shares[c % len(allocation.shares)]
            remaining = read_amount(share.amount) - read_amount(share.disbursed)
            amount = round_cents(remaining * b / 100)
            if amount > 0:
                finance.record_disbursement(
                    agent_user, allocation, share.organization_id, today, amount
                )
                db.session.refresh(share)
                kept.transfers[share.organization_id] = (
                    kept.transfers.get(share.organization_id, ZERO) + amount
                )
    elif kind == "close":
        proposal = db.session.get(Proposal, proposals[a])
        if proposal.status == "funded":
            # Each organization's final expenditure: its accepted reports' (left out).
            closure.close_programme(secretariat, proposal, reason="Ended early.")
    elif kind == "refund":
        shares = db.session.scalars(select(ClosureShare).order_by(ClosureShare.allocation_id)).all()
        owing = [share for share in shares if read_amount(share.outstanding) > 0]
        if owing:
            share = owing[(a + c) % len(owing)]
            amount = max(round_cents(read_amount(share.outstanding) * b / 100), CENT)
            proposal_id = db.session.get(Allocation, share.allocation_id).proposal_id
            closure.record_refund(
                agent_user,
                db.session.get(Proposal, proposal_id),
                share.organization_id,
                today,
                amount,
            )
            organization = share.organization_id
            kept.refunds[organization] = kept.refunds.get(organization, ZERO) + amount
    elif kind == "spend":
        funded = db.session.scalars(
            select(Allocation.proposal_id)
            .join(Proposal, Proposal.id == Allocation.proposal_id)
            .where(Proposal.status == "funded")  # not closed
            .order_by(Allocation.id)
        ).all()
        if funded:
            staff = {org_id("ILO"): author, org_id("IOM"): iom_staff}
            _spend(funded[a % len(funded)], b, staff, secretariat, kept)


def _spend(proposal_id: int, percent: int, staff: dict, secretariat, kept: Kept) -> None:
    """Each organization reports spending `percent`% of what it was transferred and not yet
    reported spent, in the programme's next financial report, which the lead organization
    (ILO) submits and the secretariat accepts."""
    report = db.session.scalars(
        select(ProgrammeReport)
        .where(
            ProgrammeReport.proposal_id == proposal_id,
            ProgrammeReport.kind.in_(("annual_financial", "final_financial")),
            ProgrammeReport.status == "due",
        )
        .order_by(ProgrammeReport.due_on)
    ).first()
    if report is None:
        return
    shares = db.session.scalars(
        select(AllocationShare)
        .join(Allocation, Allocation.id == AllocationShare.allocation_id)
        .where(Allocation.proposal_id == proposal_id)
    ).all()
    for share in shares:
        organization = share.organization_id
        spent = reporting.spent_elsewhere(share.allocation_id, report.id).get(organization, ZERO)
        amount = round_cents((read_amount(share.disbursed) - spent) * percent / 100)
        reporting.save_financial(staff[organization], report.id, {(organization, 1): amount})
        kept.expenditure[organization] = kept.expenditure.get(organization, ZERO) + amount
    when = in_period(report)  # submitted once its period has begun
    reporting.fire(staff[org_id("ILO")], report.id, "submit", now=when)
    reporting.fire(secretariat, report.id, "accept", now=when)


def _check(kept: Kept) -> None:
    status = funding_status()
    transfers = sum(kept.transfers.values(), ZERO)
    expenditure = sum(kept.expenditure.values(), ZERO)
    assert (status.deposits, status.administrative_agent_fee) == (kept.deposits, kept.fee)
    assert (status.interest, status.direct_costs) == (kept.interest, kept.direct_costs)
    refunds = sum(kept.refunds.values(), ZERO)
    assert (status.transfers, status.refunds, status.expenditure) == (
        transfers,
        refunds,
        expenditure,
    )
    balance = kept.deposits - kept.fee + kept.interest + refunds - transfers - kept.direct_costs
    assert status.balance_with_administrative_agent == balance
    assert status.participating_balance == transfers - refunds - expenditure
    for o in status.organizations:
        assert o.transfers == kept.transfers.get(o.id, ZERO)
        assert o.expenditure == kept.expenditure.get(o.id, ZERO)
        assert o.refunds == kept.refunds.get(o.id, ZERO)
        assert o.participating_balance == o.transfers - o.refunds - o.expenditure
    # Where the money with the administrative agent is: unallocated in the pools (refunds
    # and what a closure released included), or allocated and neither transferred nor
    # released at a closure.
    pools = read_amount(db.session.scalar(select(func.sum(Pool.available))))
    committed = read_amount(
        db.session.scalar(
            select(
                func.sum(
                    AllocationSource.amount - AllocationSource.disbursed - AllocationSource.released
                )
            )
        )
    )
    assert status.balance_with_administrative_agent == pools + committed
    figures = json.loads(json.dumps(status.to_dict()))
    assert D(figures["balance_with_administrative_agent"]) == balance
    assert all(D(v) == D(v).quantize(CENT) for k, v in figures.items() if k != "organizations")


def test_the_funding_status_holds_over_random_histories(
    app, create_user, author, donor, make_proposal
):
    people = (
        create_user(roles=("administrative_agent",), organization_acronym=None),
        author,
        create_user(roles=("applicant",), organization_acronym="IOM"),
        create_user(roles=("secretariat",), organization_acronym=None),
    )
    # Two approved programmes: one drawing on the TA4 earmark (objective 5) and one not.
    proposals = [
        make_proposal(author, status="approved", primary_objective_number=5),
        make_proposal(author, status="approved", primary_objective_number=7),
    ]
    rate = app.config["INDIRECT_SUPPORT_RATE"]

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(opening, st.lists(step, min_size=3, max_size=14))
    @example(  # the whole life of a programme: transfers, spending, closure, refunds
        ("deposit", 200_000_000, CURRENCIES.index("USD"), 0, False),
        [
            ("transfer", 0, 50, 0, False),
            ("transfer", 0, 50, 1, False),
            ("spend", 0, 40, 0, False),
            ("close", 0, 0, 0, False),
            ("refund", 0, 50, 0, False),
            ("refund", 0, 100, 1, False),
            ("interest", 12_345, 0, 0, False),
            ("cost", 1_000_000, 0, 0, False),
        ],
    )
    def run(first, steps) -> None:
        steps = [first, ("fund", 0, 0, 0, False), *steps]
        with app.app_context():
            kept = Kept()
            try:
                for kind, a, b, c, flag in steps:
                    _apply(
                        kind,
                        a,
                        b,
                        c,
                        flag,
                        people=people,
                        donor_id=donor.id,
                        proposals=proposals,
                        kept=kept,
                        rate=rate,
                    )
                    db.session.flush()
                    _check(kept)
            finally:
                db.session.rollback()  # the next example starts from the same database

    run()

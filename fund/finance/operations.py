"""Recording the fund's money: contributions and their voids, allocations, disbursements.

Callers commit; after a FinanceError (or a TransitionRefused) they roll back: a refusal by the
database leaves the transaction unusable on PostgreSQL.

Balances move only by SQL expression updates (`available = available - :x`), never by
read-modify-write, so two transactions cannot overwrite each other's change, and the check
constraints (`pools.available >= 0`, `0 <= allocation_shares.disbursed <= amount`) have the
final word. Python checks first only to give a friendly message. ROUND(..., 2) keeps SQLite,
which computes NUMERIC in binary floats, exact to the cent; on PostgreSQL it changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from fund.accounts.models import Organization, User
from fund.audit.operations import record
from fund.days import DAY
from fund.extensions import db, utcnow
from fund.finance import funding, transfer_schedule
from fund.finance.dates import check_date as _check_date
from fund.finance.dates import check_not_before
from fund.finance.deposit_references import check_reference
from fund.finance.errors import FinanceError
from fund.finance.guards import FUNDING_PLAN
from fund.finance.locks import locked_sources
from fund.finance.models import (
    GENERAL_POOL,
    Allocation,
    AllocationShare,
    AllocationSource,
    Contribution,
    ContributionVoid,
    Disbursement,
    Pool,
    unpaid_by_pool,
)
from fund.finance.queries.lists import remaining_by_organization
from fund.finance.transfer_models import TransferRequest
from fund.i18n import Money
from fund.labels import N_
from fund.money import CENT, FEE_RATE_STEP, fee_rate_fits, read_amount, round_cents
from fund.proposals import operations as proposal_operations
from fund.proposals.models import Proposal
from fund.sentences import OnDay, Sentence
from fund.signals import disbursement_recorded
from workflows.proposal import FUNDED_STATE

_NO_SYNC = {"synchronize_session": False}


def fee_for(gross: Decimal, rate: Decimal) -> Decimal:
    """The Administrative Agent's fee on a deposit, rounded half-up to the cent."""
    return round_cents(gross * rate)


def _check_amount(amount: Decimal, field: str) -> None:
    if amount != amount.quantize(CENT):
        raise FinanceError(N_("Use at most two decimals (cents)."), field)
    if amount <= 0:
        raise FinanceError(N_("The amount must be more than zero."), field)


def _add_to(column, amount: Decimal, *where, refusal: str) -> int:
    """Add an amount to a column of the rows that match, rounded to the cent by the database; a
    check constraint refusing it becomes a FinanceError."""
    update_rows = update(column.class_).where(*where)
    return _move(update_rows.values({column: func.round(column + amount, 2)}), refusal)


def _move(statement, refusal: str) -> int:
    """Run a balance update; a check constraint refusing it becomes a FinanceError."""
    try:
        return db.session.execute(statement, execution_options=_NO_SYNC).rowcount
    except IntegrityError as error:
        raise FinanceError(refusal) from error


def _move_pool(
    code: str, refusal: str, *, available: Decimal, received: Decimal | None = None
) -> None:
    """Add `available` to what the pool holds unallocated and `received` to what it received
    (net; a negative amount takes it away); refused below zero by the pool's checks."""
    values = {Pool.available: func.round(Pool.available + available, 2)}
    if received is not None:
        values[Pool.received_net] = func.round(Pool.received_net + received, 2)
    _move(update(Pool).where(Pool.code == code).values(values), refusal)


def draw_from_pool(code: str, amount: Decimal) -> None:
    """Take `amount` out of what the pool holds unallocated, for an allocation; refused by the
    pool's check when another allocation took that money at the same moment."""
    refused = N_(
        "The %(pool)s pool no longer holds %(amount)s: someone allocated that money at the same "
        "moment. Nothing was changed; look at the balance again."
    )
    pool = funding.pool_sentence(code)
    _move_pool(code, Sentence(refused, pool=pool, amount=Money(amount)), available=-amount)


def _add(row: db.Model, refusal: str) -> None:
    """Write a new row; a unique constraint refusing it (the same thing was recorded at the same
    moment) becomes a FinanceError."""
    db.session.add(row)
    _add_all(refusal)


def _add_all(refusal: str) -> None:
    """Write the rows added; a constraint refusing one becomes a FinanceError."""
    try:
        db.session.flush()
    except IntegrityError as error:
        raise FinanceError(refusal) from error


def _write_payment(
    model: type[Contribution] | type[Disbursement],
    actor: User,
    now: datetime,
    reference: str | None,
    **fields,
) -> Contribution | Disbursement:
    """A contribution or a disbursement written (flushed, so it has its id) with its reference
    trimmed, who recorded it and when."""
    row = model.by(actor, now, **fields, reference=(reference or "").strip())
    db.session.add(row)
    db.session.flush()
    return row


# Contributions ----------------------------------------------------------------------------


def configured_fee_rate() -> Decimal:
    """The administrative agent's fee on each deposit as set (`ADMIN_AGENT_FEE_RATE`): what a
    contribution pays and what the pages say it pays."""
    return Decimal(current_app.config["ADMIN_AGENT_FEE_RATE"])


def record_contribution(
    actor: User,
    donor: Organization,
    received_on: date,
    gross: Decimal,
    earmark_area_code: str | None = None,
    reference: str = "",
    note: str = "",
    fee_rate: Decimal | None = None,
    now: datetime | None = None,
    received: dict[str, Any] | None = None,
    repeated_reference: bool = False,
) -> Contribution:
    """A donor's deposit: the fee is deducted and the net amount added to its pool (the earmarked
    thematic area, or the unearmarked pool). `received`: the currency, amount, exchange rate
    and pledge of a deposit in a currency (`fund.finance.agent.record_deposit`); USD otherwise.
    A reference already on one of the donor's deposits is refused unless `repeated_reference`
    (`fund.finance.deposit_references`)."""
    now = now or utcnow()
    rate = configured_fee_rate() if fee_rate is None else Decimal(fee_rate)
    if not fee_rate_fits(rate):
        raise FinanceError(
            N_("The fee rate %(rate)s must be between 0 and 1, with four decimals."), rate=f"{rate}"
        )
    rate = rate.quantize(FEE_RATE_STEP)
    _check_amount(gross, "gross")
    _check_date(received_on, now, "received", "received_on")
    pool_code = earmark_area_code or GENERAL_POOL
    if db.session.get(Pool, pool_code) is None:
        raise FinanceError(
            N_("There is no pool for the earmark “%(code)s”."), "earmark", code=pool_code
        )
    repeats = check_reference(donor.id, reference, repeated_reference)
    fee = fee_for(gross, rate)
    net = gross - fee
    contribution = _write_payment(
        Contribution,
        actor,
        now,
        reference,
        donor_id=donor.id,
        received_on=received_on,
        gross=gross,
        fee_rate=rate,
        fee=fee,
        net=net,
        pool_code=pool_code,
        note=(note or "").strip(),
        **(received or {}),
    )
    _move_pool(
        pool_code,
        Sentence(N_("The database refused to add the contribution to its pool.")),
        available=net,
        received=net,
    )
    record(
        "contribution_recorded",
        "contribution",
        contribution.id,
        actor,
        details={
            "donor": donor.label,
            "received_on": received_on.isoformat(),
            "gross": gross,
            "fee_rate": rate,
            "fee": fee,
            "net": net,
            "pool": pool_code,
            "reference": contribution.reference,
        }
        | (received or {})
        | repeats,
        now=now,
    )
    return contribution


def _pool_available(code: str) -> Decimal:
    """What the pool holds now, its row locked until the transaction ends."""
    row = db.session.execute(
        select(Pool.available).where(Pool.code == code).with_for_update()
    ).first()
    return read_amount(row.available if row else None)


def void_contribution(
    actor: User, contribution: Contribution, reason: str, now: datetime | None = None
) -> ContributionVoid:
    """Cancel a contribution entered by mistake: its net amount leaves its pool again. Refused
    if it is already voided, or if that money is already allocated."""
    now = now or utcnow()
    reason = (reason or "").strip()
    if not reason:
        raise FinanceError(N_("Give the reason for voiding the contribution."), "reason")
    net, code = read_amount(contribution.net), contribution.pool_code
    available = _pool_available(code)  # locks the pool first: a concurrent void waits here
    voided = db.session.execute(
        select(ContributionVoid.voided_at).where(
            ContributionVoid.contribution_id == contribution.id
        )
    ).first()
    if voided is not None:
        raise FinanceError(
            N_("Contribution %(code)s was already voided on %(date)s."),
            code=contribution.code,
            date=OnDay(voided.voided_at.date(), DAY),
        )
    named = {"code": contribution.code, "net": Money(net), "pool": funding.pool_sentence(code)}
    if available < net:
        raise FinanceError(
            N_(
                "Cannot void contribution %(code)s: its net amount %(net)s is no longer all "
                "available in the %(pool)s pool (only %(available)s is unallocated; the rest "
                "funds proposals or paid the fund's direct costs already). Record a correcting "
                "contribution instead."
            ),
            available=Money(available),
            **named,
        )
    refused = N_(
        "Cannot void contribution %(code)s: its net amount %(net)s is no longer all available in "
        "the %(pool)s pool: the database refused to let the pool go below zero. Record a "
        "correcting contribution instead."
    )
    _move_pool(code, Sentence(refused, **named), available=-net, received=-net)
    void = ContributionVoid(
        contribution_id=contribution.id, reason=reason, voided_by_id=actor.id, voided_at=now
    )
    _add(void, Sentence(N_("Contribution %(code)s is already voided."), code=contribution.code))
    record(
        "contribution_voided",
        "contribution",
        contribution.id,
        actor,
        comment=reason,
        details={"net": net, "pool": code},
        now=now,
    )
    return void


# Funding ----------------------------------------------------------------------------------


def fund_proposal(
    actor: User,
    proposal: Proposal,
    allocated_on: date | None = None,
    comment: str | None = None,
    now: datetime | None = None,
) -> Allocation:
    """Fire `fund` on an approved proposal and allocate its total.

    The eligible pools are locked first (in code order), so a concurrent funder waits and then
    sees what is left; the guard `funds_available` checks the plan made under that lock; each
    draw is `available = available - :x`, which the check constraint refuses below zero.
    """
    now = now or utcnow()
    allocated_on = allocated_on or now.date()
    _check_date(allocated_on, now, "allocation", "allocated_on")
    approved_on = proposal.approved_at.date() if proposal.approved_at else None
    check_not_before(allocated_on, "allocation", "allocated_on", approved_on, "approval")
    rules = proposal_operations.rules_from_config(current_app.config)
    plan = funding.funding_plan(proposal, rules.indirect_rate, lock=True)
    draws = plan.draws
    event = proposal_operations.fire(
        proposal,
        "fund",
        actor,
        comment=comment,
        context={FUNDING_PLAN: plan},
        details={
            "amount": plan.total,
            "allocated_on": allocated_on.isoformat(),
            "sources": dict(draws),
            "shares": {str(org): amount for org, amount in plan.shares.items()},
        },
        now=now,
        send_signal=False,
    )
    for code, amount in draws:
        draw_from_pool(code, amount)
    allocation = Allocation(
        proposal_id=proposal.id,
        amount=plan.total,
        allocated_on=allocated_on,
        allocated_by_id=actor.id,
        recorded_at=now,
        sources=[AllocationSource(pool_code=code, amount=amount) for code, amount in draws],
        shares=[
            AllocationShare(organization_id=org, amount=amount, disbursed=Decimal("0.00"))
            for org, amount in plan.shares.items()
        ],
    )
    _add(
        allocation,
        Sentence(N_("%(reference)s already has an allocation."), reference=proposal.reference),
    )
    transfer_schedule.plan_transfer_schedule(
        allocation, start=proposal.planned_start or allocated_on, now=now, actor=actor
    )
    # The transition is announced once its allocation exists: receivers see the whole funding.
    proposal_operations.announce_transition(proposal, actor, event)
    return allocation


# Disbursements ----------------------------------------------------------------------------


def _share_paid(allocation_id: int, organization_id: int) -> tuple[Decimal, Decimal] | None:
    """(amount, disbursed) of a share, its row locked until the transaction ends."""
    row = db.session.execute(
        select(AllocationShare.amount, AllocationShare.disbursed)
        .where(
            AllocationShare.allocation_id == allocation_id,
            AllocationShare.organization_id == organization_id,
        )
        .with_for_update()
    ).first()
    if row is None:
        return None
    return read_amount(row.amount), read_amount(row.disbursed)


def locked_share(allocation_id: int, organization_id: int) -> tuple[str, Decimal, Decimal]:
    """(the organization's name, its share of the allocation, what was paid of it already), the
    share's row locked until the transaction ends; refused when the organization has no share."""
    organization = db.session.get(Organization, organization_id)
    share = _share_paid(allocation_id, organization_id)
    if share is None or organization is None:
        raise FinanceError(
            N_("This organization has no share in the allocation."), "organization_id"
        )
    return (organization.label, *share)


def funded_proposal(allocation: Allocation, refusal: str) -> Proposal:
    """The allocation's proposal, refused with `refusal` (which may say the proposal's
    `reference` and `status`) unless it is funded."""
    proposal = db.session.get(Proposal, allocation.proposal_id)
    if proposal.status != FUNDED_STATE:
        raise FinanceError(
            refusal, reference=proposal.reference, status=Sentence(proposal.status_label)
        )
    return proposal


def check_within_share(
    amount: Decimal, name: str, share: Decimal, paid: Decimal, refusal: str, *, paid_as: str
) -> Decimal:
    """What remains of an organization's `share` after what was `paid` of it (`locked_share`);
    `amount` beyond it is refused with `refusal`, which may say the `remaining`, the `name`,
    the `share` and what was paid (its placeholder named `paid_as`)."""
    remaining = share - paid
    if amount > remaining:
        raise FinanceError(
            refusal,
            "amount",
            remaining=Money(remaining),
            name=name,
            share=Money(share),
            **{paid_as: Money(paid)},
        )
    return remaining


def _attribute_to_pools(allocation_id: int, amount: Decimal) -> None:
    """Add a payment to the `disbursed` of the allocation's pools in draw order, each up to
    what it paid in. The sources' rows are locked (in code order) first, so two payments of
    the same allocation to different organizations attribute one after the other."""
    sources = locked_sources(
        allocation_id,
        AllocationSource.pool_code,
        AllocationSource.amount,
        AllocationSource.disbursed,
        AllocationSource.released,
    )
    unpaid = unpaid_by_pool(sources)
    draws, missing = funding.plan_draws(
        amount, [(code, unpaid[code]) for code in funding.draw_order(unpaid)]
    )
    if missing > 0:  # the shares hold the allocation's total: a payment cannot exceed its pools
        raise FinanceError(N_("The payment exceeds what the allocation's pools paid in."), "amount")
    for code, take in draws:
        _add_to(
            AllocationSource.disbursed,
            take,
            AllocationSource.allocation_id == allocation_id,
            AllocationSource.pool_code == code,
            refusal=Sentence(
                N_(
                    "The database refused the payment: it would pay out of the %(pool)s pool "
                    "more than it allocated. Nothing was recorded."
                ),
                pool=funding.pool_sentence(code),
            ),
        )


def rebuild_paid_out(allocation_id: int | None = None) -> int:
    """Attribute again what each allocation has paid out to its pools in draw order, as the
    payments did (after an edit made behind the application, or for `allocation_id` alone after
    a top-up changed its pools' parts); the caller commits. Returns the number of sources
    rewritten."""
    shares = select(
        AllocationShare.allocation_id, func.sum(AllocationShare.disbursed).label("paid")
    ).group_by(AllocationShare.allocation_id)
    parts = select(
        AllocationSource.allocation_id, AllocationSource.pool_code, AllocationSource.amount
    )
    if allocation_id is not None:
        shares = shares.where(AllocationShare.allocation_id == allocation_id)
        parts = parts.where(AllocationSource.allocation_id == allocation_id)
    paid = {row.allocation_id: read_amount(row.paid) for row in db.session.execute(shares)}
    sources: dict[int, dict[str, Decimal]] = {}
    for row in db.session.execute(parts):
        sources.setdefault(row.allocation_id, {})[row.pool_code] = read_amount(row.amount)
    changes = []
    for allocation_id, amounts in sources.items():
        order = funding.draw_order(amounts)
        draws, _ = funding.plan_draws(
            paid.get(allocation_id, Decimal("0.00")), [(code, amounts[code]) for code in order]
        )
        taken = dict(draws)
        changes += [
            {"a": allocation_id, "p": code, "d": taken.get(code, Decimal("0.00"))} for code in order
        ]
    for change in changes:
        db.session.execute(
            update(AllocationSource)
            .where(
                AllocationSource.allocation_id == change["a"],
                AllocationSource.pool_code == change["p"],
            )
            .values(disbursed=change["d"]),
            execution_options=_NO_SYNC,
        )
    return len(changes)


def record_disbursement(
    actor: User,
    allocation: Allocation,
    organization_id: int,
    paid_on: date,
    amount: Decimal,
    reference: str = "",
    now: datetime | None = None,
    request: TransferRequest | None = None,
) -> Disbursement:
    """A tranche paid to one participating organization of a funded proposal; the total paid
    can never exceed its share of the allocation. Against a transfer `request`
    (`fund.finance.transfers`): still open, for exactly its amount; it is marked transferred."""
    now = now or utcnow()
    proposal = funded_proposal(
        allocation,
        N_("Disbursements are recorded only for funded proposals; %(reference)s is “%(status)s”."),
    )
    _check_amount(amount, "amount")
    _check_date(paid_on, now, "payment", "paid_on")
    check_not_before(paid_on, "payment", "paid_on", allocation.allocated_on, "allocation")
    name, share_amount, disbursed = locked_share(allocation.id, organization_id)
    remaining = check_within_share(
        amount,
        name,
        share_amount,
        disbursed,
        N_(
            "Only %(remaining)s remains to be paid to %(name)s (its share is %(share)s, "
            "%(paid)s paid already)."
        ),
        paid_as="paid",
    )
    if request is not None:  # the share's row is locked: then the request's
        from fund.finance import transfers

        request = transfers.check_recordable(
            request, allocation.id, organization_id, amount, paid_on
        )
    _add_to(
        AllocationShare.disbursed,
        amount,
        AllocationShare.allocation_id == allocation.id,
        AllocationShare.organization_id == organization_id,
        refusal=Sentence(
            N_(
                "The database refused the payment: it would take what %(organization)s was paid "
                "beyond its share of %(share)s. Nothing was recorded."
            ),
            organization=name,
            share=Money(share_amount),
        ),
    )
    _attribute_to_pools(allocation.id, amount)
    disbursement = _write_payment(
        Disbursement,
        actor,
        now,
        reference,
        allocation_id=allocation.id,
        organization_id=organization_id,
        paid_on=paid_on,
        amount=amount,
    )
    if request is not None:
        transfers.mark_transferred(request, disbursement, actor, now)
    record(
        "disbursement_recorded",
        "proposal",
        proposal.id,
        actor,
        details={
            "allocation": allocation.id,
            "disbursement": disbursement.id,
            "organization": name,
            "paid_on": paid_on.isoformat(),
            "amount": amount,
            "reference": disbursement.reference,
            "remaining": remaining - amount,
        }
        | ({"request": request.id} if request is not None else {}),
        now=now,
    )
    disbursement_recorded.send(allocation, disbursement=disbursement, actor=actor)
    return disbursement


def close_proposal(
    actor: User,
    proposal: Proposal,
    reason: str | None = None,
    now: datetime | None = None,
    send_signal: bool = True,
):
    """Fire `close`: the guard wants every share fully paid, or a reason (`send_signal`: as
    `fund.proposals.operations.fire`)."""
    remaining = remaining_by_organization(proposal.id)
    return proposal_operations.fire(
        proposal,
        "close",
        actor,
        comment=reason,
        details={"not_disbursed": dict(remaining)} if remaining else None,
        now=now,
        send_signal=send_signal,
    )

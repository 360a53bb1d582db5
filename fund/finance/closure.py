"""Closing a funded programme and receiving the refunds of its unspent balances.

`close_programme` (the secretariat) records each participating organization's final
expenditure (at most what was transferred to it; by default the cumulative expenditure of its
accepted financial reports), fires `close` (the guards: every share paid out or a reason, and
the final narrative and financial reports accepted or a reason) and gives back to the pools
what was allocated and never transferred (`AllocationSource.released`). What an organization
was transferred and did not spend is its refund due (`ClosureShare`).

`record_refund` (the administrative agent) records a refund received, at most what is still
due: the money goes back to the pools the allocation drew on, the last drawn first (the reverse
of `fund.finance.funding.draw_order`: the unearmarked pool, then the earmarks by code
descending), each pool up to what was paid out of it and not yet refunded
(`AllocationSource.refunded`).

Every change runs under row locks in one transaction (the shares, then the allocation's sources
in code order, then the pools in code order) and by SQL updates that the check constraints
refuse if anything would go wrong; callers commit, and roll back after a FinanceError.

The reports live above the finances in the layers: `fund.reporting` gives what closure reads of
them (the accepted expenditure, the final reports' status) through `REPORTS`, as the guards go
through their registry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select

from fund.accounts.models import Organization, User
from fund.audit.operations import record
from fund.days import DAY
from fund.extensions import db, utcnow
from fund.finance import funding
from fund.finance.closure_models import ClosureShare, ProgrammeClosure, Refund, RefundPool
from fund.finance.locks import locked_shares, locked_sources
from fund.finance.models import (
    Allocation,
    AllocationShare,
    AllocationSource,
    Disbursement,
    Pool,
    unpaid_by_pool,
)
from fund.finance.operations import (
    FinanceError,
    _add,
    _add_all,
    _add_to,
    _check_date,
    _move_pool,
    close_proposal,
)
from fund.finance.transfers import cancel_open_requests
from fund.i18n import Money
from fund.labels import N_
from fund.locking import locked
from fund.money import CENT, ZERO, read_amount
from fund.proposals.models import Proposal
from fund.proposals.operations import announce_transition, engine_for, workflow_context
from fund.sentences import Listed, OnDay, Sentence, Within
from workflows import TransitionRefused
from workflows.proposal import FUNDED_STATE


def expenditure_field(organization_id: int) -> str:
    """The name of the close form's field of an organization's final expenditure."""
    return f"expenditure_{organization_id}"


@dataclass
class ClosureReports:
    """What closure reads of the programme's reports, and does to them, given by
    `fund.reporting` at start-up: each organization's expenditure over the accepted financial
    reports (organization id -> USD), the final reports as (kind label, status label,
    accepted), and the schedule planned again for a programme closed on a day (what changed,
    a sentence each)."""

    expenditure: Callable[[int], Mapping[int, Decimal]] = field(default=lambda proposal_id: {})
    final_reports: Callable[[int], list[tuple[str, str, bool]]] = field(
        default=lambda proposal_id: []
    )
    closed: Callable[[int, date], list[Sentence]] = field(default=lambda proposal_id, day: [])

    def provide(
        self,
        expenditure: Callable[[int], Mapping[int, Decimal]],
        final_reports: Callable[[int], list[tuple[str, str, bool]]],
        closed: Callable[[int, date], list[Sentence]],
    ) -> None:
        self.expenditure = expenditure
        self.final_reports = final_reports
        self.closed = closed


REPORTS = ClosureReports()


def _check_refund(amount: Decimal, field_name: str) -> None:
    """A refund: in cents, more than zero."""
    if amount != amount.quantize(CENT):
        raise FinanceError(N_("Use at most two decimals (cents) for the refund."), field_name)
    if amount <= 0:
        raise FinanceError(N_("The amount for the refund must be more than zero."), field_name)


def expenditure_problem(name: str, spent: Decimal, transferred: Decimal | None) -> Sentence | None:
    """Why `spent` cannot be `name`'s final expenditure (not in cents, below zero, more than
    it was `transferred`), or None: one rule for the closing form and `close_programme`."""
    if spent != spent.quantize(CENT):
        return Sentence(
            N_("Use at most two decimals (cents) for %(name)s's final expenditure."), name=name
        )
    if spent < 0:
        return Sentence(
            N_("The amount for %(name)s's final expenditure must be zero or more."), name=name
        )
    if transferred is not None and spent > transferred:
        return Sentence(
            N_(
                "%(name)s's final expenditure cannot be more than what was transferred to it "
                "(%(amount)s)."
            ),
            name=name,
            amount=Money(transferred),
        )
    return None


# The sentence refusing a date before the one it follows, by what the date is of.
BEFORE_DATE = {
    "closing": N_("The closing date cannot be before %(date)s."),
    "received": N_("The received date cannot be before %(date)s."),
}


def _check_day(day: date, now: datetime, what: str, field_name: str, after: date | None) -> None:
    _check_date(day, now, what, field_name)
    if after is not None and day < after:
        raise FinanceError(BEFORE_DATE[what], field_name, date=OnDay(after, DAY))


def _check_closing_day(day: date, now: datetime, allocation: Allocation) -> None:
    """A programme closes on a day not in the future, not before its allocation and not
    before its last transfer: money paid after the closure would be owed back at once."""
    _check_day(day, now, "closing", "closed_on", allocation.allocated_on)
    last_paid = db.session.scalar(
        select(func.max(Disbursement.paid_on)).where(Disbursement.allocation_id == allocation.id)
    )
    if last_paid is not None and day < last_paid:
        raise FinanceError(
            N_("The closing date cannot be before the programme's last transfer (%(date)s)."),
            "closed_on",
            date=OnDay(last_paid, DAY),
        )


def _allocation_of(proposal_id: int) -> Allocation | None:
    return db.session.scalar(select(Allocation).where(Allocation.proposal_id == proposal_id))


def _locked_sources(allocation_id: int) -> list:
    """The allocation's sources (pool, amount, disbursed, released, refunded), their rows
    locked in code order (`locked_sources`), as payments lock them."""
    return locked_sources(
        allocation_id,
        AllocationSource.pool_code,
        AllocationSource.amount,
        AllocationSource.disbursed,
        AllocationSource.released,
        AllocationSource.refunded,
    )


def _lock_pools(codes: list[str]) -> None:
    """The pools' rows locked in code order, as funding locks them, before any is changed."""
    db.session.execute(
        select(Pool.code).where(Pool.code.in_(codes)).order_by(Pool.code).with_for_update()
    ).all()


def _names(organization_ids) -> dict[int, str]:
    return {
        org.id: org.label
        for org in db.session.scalars(
            select(Organization).where(Organization.id.in_(list(organization_ids)))
        )
    }


# Closing -----------------------------------------------------------------------------------


# The guards of `close` that no reason lifts (registered by the package owning their rule).
BLOCKING_GUARDS = ("no_revision_open",)


def close_blockers(actor: User, proposal: Proposal) -> list[Sentence]:
    """What refuses closing `proposal` whatever the close form says (a revision of the
    programme still open): the close page says it and offers no closing."""
    from fund.proposals.guards import GUARDS

    return [p for name in BLOCKING_GUARDS for p in GUARDS[name](proposal, actor, {})]


def close_problems(
    actor: User,
    proposal: Proposal,
    reason: str | None,
    closed_on: date | None,
    now: datetime | None = None,
) -> list[FinanceError]:
    """What would refuse closing `proposal` besides the final expenditures (the close form
    reads those): the closing date (not in the future, not before the allocation) and the
    guards of `close` (a reason wanted; a revision open, `close_blockers`, at the top of the
    form), each a refusal at its field, all at once; nothing is changed. A refusal of another
    kind (the state, the role) is left to `close_programme`."""
    now = now or utcnow()
    problems: list[FinanceError] = []
    allocation = _allocation_of(proposal.id)
    if closed_on is not None and allocation is not None:
        try:
            _check_closing_day(closed_on, now, allocation)
        except FinanceError as error:
            problems.append(error)
    try:
        engine_for(proposal).check(
            proposal, "close", actor, comment=reason, context=workflow_context(now, None)
        )
    except TransitionRefused as refused:
        if refused.reason == "guard":
            blockers = close_blockers(actor, proposal)
            problems.extend(
                FinanceError(
                    p if isinstance(p, Sentence) else Sentence(p),
                    None if p in blockers else "reason",
                )
                for p in refused.problems
            )
    return problems


def close_programme(
    actor: User,
    proposal: Proposal,
    final_expenditure: Mapping[int, Decimal] | None = None,
    reason: str | None = None,
    closed_on: date | None = None,
    now: datetime | None = None,
) -> ProgrammeClosure:
    """Close a funded programme with each organization's final expenditure (an organization
    left out: its accepted financial reports' expenditure), give back to the pools what was
    never transferred, and set each organization's refund due."""
    now = now or utcnow()
    closed_on = closed_on or now.date()
    # The programme's row first, as a revision's start takes it: the guards then see a
    # revision begun before, and a revision begun after sees the programme closed.
    locked(Proposal, proposal.id)
    allocation = _allocation_of(proposal.id)
    if allocation is None or proposal.status != FUNDED_STATE:
        close_proposal(actor, proposal, reason, now=now)  # the workflow says why not
        raise FinanceError(
            N_("%(reference)s has no allocation to close."), reference=proposal.reference
        )
    _check_closing_day(closed_on, now, allocation)
    shares = locked_shares(
        allocation.id,
        AllocationShare.organization_id,
        AllocationShare.amount,
        AllocationShare.disbursed,
    )
    names = _names(row.organization_id for row in shares)
    reported = REPORTS.expenditure(proposal.id)
    final: dict[int, tuple[Decimal, Decimal]] = {}  # organization -> (transferred, spent)
    for row in shares:
        transferred = read_amount(row.disbursed)
        given = (final_expenditure or {}).get(row.organization_id)
        spent = read_amount(reported.get(row.organization_id)) if given is None else given
        name, where = names[row.organization_id], expenditure_field(row.organization_id)
        if (problem := expenditure_problem(name, spent, transferred)) is not None:
            raise FinanceError(problem, where)
        final[row.organization_id] = (transferred, spent)
    # Announced once the closure is recorded, so that those told of it read its figures.
    closing = close_proposal(actor, proposal, reason, now=now, send_signal=False)
    cancel_open_requests(
        actor,
        allocation.id,
        proposal.id,
        "The programme was closed: nothing more is transferred.",
        now,
    )
    sources = _locked_sources(allocation.id)
    released = unpaid_by_pool(sources)
    _lock_pools(sorted(released))
    for code in sorted(released):
        if released[code] <= 0:
            continue
        _add_to(
            AllocationSource.released,
            released[code],
            AllocationSource.allocation_id == allocation.id,
            AllocationSource.pool_code == code,
            refusal=Sentence(
                N_("The database refused to release more than the allocation's unpaid money.")
            ),
        )
        _move_pool(
            code,
            Sentence(N_("The database refused to give the unpaid money back to its pool.")),
            available=released[code],
        )
    given_back = sum(released.values(), ZERO)
    closure = ProgrammeClosure(
        proposal_id=proposal.id,
        allocation_id=allocation.id,
        closed_on=closed_on,
        reason=(reason or "").strip(),
        released=given_back,
        closed_by_id=actor.id,
        recorded_at=now,
    )
    _add(closure, Sentence(N_("%(reference)s is already closed."), reference=proposal.reference))
    for organization_id, (transferred, spent) in final.items():
        db.session.add(
            ClosureShare(
                allocation_id=allocation.id,
                organization_id=organization_id,
                transferred=transferred,
                final_expenditure=spent,
                refunded=ZERO,
            )
        )
    _add_all(Sentence(N_("The database refused a final expenditure above what was transferred.")))
    reports = REPORTS.closed(proposal.id, closed_on)
    record(
        "programme_closure_recorded",
        "proposal",
        proposal.id,
        actor,
        comment=closure.reason or None,
        details={
            "closed_on": closed_on.isoformat(),
            "final_expenditure": {names[o]: spent for o, (_, spent) in final.items()},
            "refund_due": {names[o]: t - s for o, (t, s) in final.items() if t > s},
            "released": {code: amount for code, amount in released.items() if amount > 0},
            "reports": reports,
        },
        now=now,
    )
    announce_transition(proposal, actor, closing)
    return closure


# Refunds -----------------------------------------------------------------------------------


def refund_order(codes) -> list[str]:
    """The order in which refunds go back to the pools: the last drawn first."""
    return list(reversed(funding.draw_order(codes)))


def _locked_closure_share(allocation_id: int, organization_id: int) -> ClosureShare | None:
    return db.session.execute(
        select(ClosureShare)
        .where(
            ClosureShare.allocation_id == allocation_id,
            ClosureShare.organization_id == organization_id,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def record_refund(
    actor: User,
    proposal: Proposal,
    organization_id: int,
    received_on: date,
    amount: Decimal,
    reference: str = "",
    now: datetime | None = None,
) -> Refund:
    """A refund received from an organization of a closed programme, at most what it still
    owes; the money goes back to the allocation's pools, the last drawn first."""
    now = now or utcnow()
    closure = db.session.get(ProgrammeClosure, proposal.id)
    if closure is None:
        raise FinanceError(
            N_("%(reference)s is not closed: no refund is due on it."), reference=proposal.reference
        )
    _check_refund(amount, "amount")
    _check_day(received_on, now, "received", "received_on", closure.closed_on)
    share = _locked_closure_share(closure.allocation_id, organization_id)
    if share is None:
        raise FinanceError(
            N_("This organization has no share in the programme."), "organization_id"
        )
    name = _names([organization_id])[organization_id]
    outstanding = read_amount(share.outstanding)
    if amount > outstanding:
        raise FinanceError(
            N_(
                "%(name)s owes at most %(outstanding)s (refund due %(due)s, %(refunded)s "
                "received already)."
            ),
            "amount",
            name=name,
            outstanding=Money(outstanding),
            due=Money(read_amount(share.due)),
            refunded=Money(read_amount(share.refunded)),
        )
    _add_to(
        ClosureShare.refunded,
        amount,
        ClosureShare.allocation_id == closure.allocation_id,
        ClosureShare.organization_id == organization_id,
        refusal=Sentence(
            N_(
                "The database refused the refund: it would take what %(organization)s refunded "
                "beyond its refund due. Nothing was recorded."
            ),
            organization=name,
        ),
    )
    sources = _locked_sources(closure.allocation_id)
    room = {row.pool_code: read_amount(row.disbursed - row.refunded) for row in sources}
    draws, missing = funding.plan_draws(amount, [(code, room[code]) for code in refund_order(room)])
    if missing > 0:  # the shares' refunds due never exceed what the pools paid out
        raise FinanceError(N_("The refund exceeds what the allocation's pools paid out."), "amount")
    _lock_pools(sorted(code for code, _ in draws))
    for code, take in draws:
        _add_to(
            AllocationSource.refunded,
            take,
            AllocationSource.allocation_id == closure.allocation_id,
            AllocationSource.pool_code == code,
            refusal=Sentence(
                N_(
                    "The database refused the refund: it would give back to the %(pool)s pool "
                    "more than was paid out of it."
                ),
                pool=funding.pool_sentence(code),
            ),
        )
    for code, take in sorted(draws):
        _move_pool(
            code,
            Sentence(N_("The database refused to give the refund back to its pool.")),
            available=take,
        )
    refund = Refund.by(
        actor,
        now,
        allocation_id=closure.allocation_id,
        organization_id=organization_id,
        received_on=received_on,
        amount=amount,
        reference=(reference or "").strip(),
        pools=[
            RefundPool(pool_code=code, position=position, amount=take)
            for position, (code, take) in enumerate(draws)
        ],
    )
    _add(refund, Sentence(N_("The refund could not be recorded.")))
    record(
        "refund_recorded",
        "proposal",
        proposal.id,
        actor,
        details={
            "refund": refund.id,
            "organization": name,
            "received_on": received_on.isoformat(),
            "amount": amount,
            "reference": refund.reference,
            "pools": dict(draws),
            "still_due": outstanding - amount,
        },
        now=now,
    )
    return refund


# The guard of `close` ----------------------------------------------------------------------


def final_reports_accepted_or_reason(proposal, actor, context: Mapping) -> list[str]:
    """`close` passes when the programme's final narrative and final financial reports are
    accepted (true when none is scheduled), or the secretariat gives the reason."""
    if context.get("comment"):
        return []
    # Each report and its state as the close page says them ("Final narrative report: due"),
    # in the page's language.
    pending = [
        Sentence(N_("%(label)s: %(message)s"), label=Sentence(label), message=Within(status))
        for label, status, accepted in REPORTS.final_reports(proposal.id)
        if not accepted
    ]
    if not pending:
        return []
    return [
        Sentence(
            N_(
                "The final reports are not all accepted (%(pending)s): accept them first or give "
                "the reason for closing."
            ),
            pending=Listed(pending),
        )
    ]

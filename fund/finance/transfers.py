"""Transfer requests: the secretariat requests a tranche for a participating organization, the
administrative agent records the transfer against it (the firewall between the roles: the
secretariat records no money, the agent transfers only what was requested).

A request is checked under its allocation share's row lock (`operations._share_paid`): the
amount within what remains of the share, no other open request (which the partial unique index
`uq_transfer_requests_one_open` refuses anyway), and, from the second tranche on, the tranche
conditions (`fund.finance.tranche.CONDITIONS`). A failing condition refuses the request with
each problem in words, unless the secretariat gives the reason to override it; the override
and its reason are audited and kept with the request. Callers commit, and roll back after a
FinanceError. Lock order: the share, then the request.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from fund.accounts.models import User
from fund.audit.operations import record
from fund.days import DAY
from fund.extensions import db, utcnow
from fund.finance import tranche
from fund.finance.dates import check_not_before
from fund.finance.models import Allocation, Disbursement
from fund.finance.operations import (
    FinanceError,
    _add,
    _check_amount,
    _share_paid,
    check_within_share,
    funded_proposal,
    locked_share,
)
from fund.finance.transfer_models import OPEN, TransferRequest, TransferStatus
from fund.finance.transfer_schedule import next_tranche
from fund.i18n import Money
from fund.labels import N_
from fund.locking import locked
from fund.money import read_amount
from fund.proposals.models import Proposal
from fund.sentences import OnDay, Sentence, Within
from fund.signals import transfer_requested

NOT_REQUESTED = N_(
    "No transfer to this organization is requested: the secretariat requests a transfer "
    "before the administrative agent records it. Nothing was recorded."
)


ALREADY_PAID = N_(
    "%(reference)s was already paid on %(date)s by %(name)s: nothing was recorded again."
)
ALREADY_PAID_UNNAMED = N_("%(reference)s was already paid on %(date)s: nothing was recorded again.")


class TrancheRefused(FinanceError):
    """A request refused by the tranche conditions: `problems` names each failing one. The
    secretariat may send it again with the reason for overriding them."""

    def __init__(self, problems: list[str], conditions: list[dict[str, Any]]) -> None:
        super().__init__(
            "The tranche conditions are not met: " + " ".join(problems), "override_reason"
        )
        self.problems = problems
        self.conditions = conditions


def open_request(allocation_id: int, organization_id: int) -> TransferRequest | None:
    """The organization's open request on the allocation (at most one)."""
    return db.session.scalar(
        select(TransferRequest).where(
            TransferRequest.allocation_id == allocation_id,
            TransferRequest.organization_id == organization_id,
            TransferRequest.status == OPEN,
        )
    )


def organizations_with_open_requests(allocation_id: int) -> set[int]:
    """The organizations with a request open on the allocation (a second is refused: the
    partial unique index `uq_transfer_requests_one_open`)."""
    return set(
        db.session.scalars(
            select(TransferRequest.organization_id).where(
                TransferRequest.allocation_id == allocation_id, TransferRequest.status == OPEN
            )
        )
    )


def request_transfer(
    actor: User,
    allocation: Allocation,
    organization_id: int,
    amount: Decimal,
    override_reason: str | None = None,
    now: datetime | None = None,
) -> TransferRequest:
    """The secretariat's request of a tranche for one organization of a funded programme."""
    now = now or utcnow()
    proposal = funded_proposal(
        allocation,
        N_("Transfers are requested only for funded programmes; %(reference)s is “%(status)s”."),
    )
    _check_amount(amount, "amount")
    # The share's row locked from here.
    name, share_amount, transferred = locked_share(allocation.id, organization_id)
    pending = open_request(allocation.id, organization_id)
    if pending is not None:
        raise FinanceError(
            N_(
                "A transfer of %(amount)s to %(name)s is already requested (%(reference)s): the "
                "administrative agent records it, or it is cancelled, before another is requested."
            ),
            "organization_id",
            amount=Money(pending.amount),
            name=name,
            reference=pending.code,
        )
    check_within_share(
        amount,
        name,
        share_amount,
        transferred,
        N_(
            "Only %(remaining)s remains to be transferred to %(name)s (its share is "
            "%(share)s, %(transferred)s transferred already)."
        ),
        paid_as="transferred",
    )
    following = next_tranche(allocation.id, organization_id)
    number = following.number
    facts = tranche.TrancheFacts(
        proposal_id=proposal.id,
        allocation_id=allocation.id,
        organization_id=organization_id,
        organization=name,
        transferred=transferred,
        request_date=now.date(),
        number=number,
        first=following.first,
        amount=amount,
        planned=following.planned,
    )
    conditions = tranche.evaluate(facts, tranche.TrancheSettings.from_config(current_app.config))
    problems = tranche.problems_of(conditions)
    reason = (override_reason or "").strip() or None
    if problems and reason is None:
        raise TrancheRefused(problems, conditions)
    if not problems:
        reason = None  # nothing to override
    request = TransferRequest(
        allocation_id=allocation.id,
        organization_id=organization_id,
        amount=amount,
        tranche=number,
        status=OPEN,
        override_reason=reason,
        conditions=tranche.kept_results(conditions),
        requested_by_id=actor.id,
        requested_at=now,
    )
    _add(
        request,
        Sentence(
            N_(
                "A transfer to %(organization)s was requested at the same moment by someone "
                "else. Nothing of yours was recorded; look at the programme's requests again."
            ),
            organization=name,
        ),
    )
    details = {
        "request": request.id,
        "organization": name,
        "amount": amount,
        "tranche": number,
        "conditions": {c["name"]: c["passed"] for c in conditions},
    }
    record("transfer_requested", "proposal", proposal.id, actor, details=details, now=now)
    if reason is not None:
        record(
            "tranche_conditions_overridden",
            "proposal",
            proposal.id,
            actor,
            comment=reason,
            details={"request": request.id, "organization": name, "problems": problems},
            now=now,
        )
    transfer_requested.send(request, proposal=proposal, actor=actor)
    return request


def already_paid(request: TransferRequest) -> FinanceError:
    """The refusal of a second payment of `request`, transferred already: when, and by whom."""
    disbursement = db.session.get(Disbursement, request.disbursement_id)
    day = disbursement.paid_on if disbursement is not None else request.closed_at.date()
    named = {"reference": request.code, "date": OnDay(day, DAY)}
    if request.closed_by is None:
        return FinanceError(ALREADY_PAID_UNNAMED, **named)
    return FinanceError(ALREADY_PAID, name=request.closed_by.name, **named)


def request_to_record(
    allocation_id: int, organization_id: int, named_id: int | None, amount: Decimal | None
) -> TransferRequest:
    """The request a payment form sent for the organization is recorded against: the one the
    form names (`named_id`), else the organization's open request. A request already paid is
    refused as such, never as not requested: the one the form names, or, when it names none,
    the organization's latest when the form sends its amount again (a second tab, a form sent
    once more)."""
    named = db.session.get(TransferRequest, named_id) if named_id else None
    if named is not None and (named.allocation_id, named.organization_id) == (
        allocation_id,
        organization_id,
    ):
        if named.status == TransferStatus.TRANSFERRED.value:
            raise already_paid(named)
        if named.status == OPEN:
            return named
        # Cancelled since the form was shown: refused as such, never recorded against the
        # organization's next request (which may be for the same amount).
        raise not_open(named)
    pending = open_request(allocation_id, organization_id)
    if pending is not None:
        return pending
    latest = db.session.scalar(
        select(TransferRequest)
        .where(
            TransferRequest.allocation_id == allocation_id,
            TransferRequest.organization_id == organization_id,
        )
        .order_by(TransferRequest.requested_at.desc(), TransferRequest.id.desc())
        .limit(1)
    )
    if (
        latest is not None
        and latest.status == TransferStatus.TRANSFERRED.value
        and (named is latest or amount == read_amount(latest.amount))
    ):
        raise already_paid(latest)
    raise FinanceError(NOT_REQUESTED)


def not_open(row: TransferRequest) -> FinanceError:
    """The refusal of a payment against a request no longer open (cancelled, or transferred
    in a race the page did not see)."""
    return FinanceError(
        N_("Transfer request %(reference)s is %(status)s already. Nothing was recorded."),
        reference=row.code,
        status=Within(row.status_label),
    )


def check_recordable(
    request: TransferRequest,
    allocation_id: int,
    organization_id: int,
    amount: Decimal,
    paid_on: date,
) -> TransferRequest:
    """The request a transfer is recorded against, locked and read afresh: still open, the
    same organization's on the same allocation, for exactly the amount transferred, and paid
    no earlier than the day it was made (UTC)."""
    row = locked(TransferRequest, request.id)
    if row is None or (row.allocation_id, row.organization_id) != (
        allocation_id,
        organization_id,
    ):
        raise FinanceError(N_("The transfer request is not this organization's on this programme."))
    if row.status != OPEN:
        raise not_open(row)
    if amount != read_amount(row.amount):
        raise FinanceError(
            N_("The transfer must be the amount requested (%(reference)s): %(amount)s."),
            "amount",
            reference=row.code,
            amount=Money(read_amount(row.amount)),
        )
    check_not_before(paid_on, "payment", "paid_on", row.requested_at.date(), "request")
    return row


def mark_transferred(
    request: TransferRequest, disbursement: Disbursement, actor: User, now: datetime
) -> None:
    """The request recorded as transferred by `disbursement` (its row locked already)."""
    request.status = TransferStatus.TRANSFERRED.value
    request.disbursement_id = disbursement.id
    request.closed_by_id = actor.id
    request.closed_at = now
    db.session.flush()


def cancel_request(
    actor: User, request: TransferRequest, reason: str, now: datetime | None = None
) -> TransferRequest:
    """The secretariat withdraws an open request (a reason is required); audited."""
    now = now or utcnow()
    reason = (reason or "").strip()
    if not reason:
        raise FinanceError(N_("Give the reason for cancelling the request."), "reason")
    _share_paid(request.allocation_id, request.organization_id)  # the share, then the request
    row = locked(TransferRequest, request.id)
    if row is None or row.status != OPEN:
        raise FinanceError(
            N_(
                "Transfer request %(reference)s is no longer open: it was recorded or cancelled "
                "already."
            ),
            reference=request.code,
        )
    allocation = db.session.get(Allocation, row.allocation_id)
    _cancel([row], actor, allocation.proposal_id, reason, now)
    return row


def cancel_open_requests(
    actor: User, allocation_id: int, proposal_id: int, reason: str, now: datetime
) -> list[int]:
    """Cancel the allocation's open requests when its programme closes (nothing can be
    transferred after closure); each is audited with `reason`. The caller holds the shares'
    locks; the requests are locked here."""
    rows = db.session.scalars(
        select(TransferRequest)
        .where(TransferRequest.allocation_id == allocation_id, TransferRequest.status == OPEN)
        .order_by(TransferRequest.id)
        .with_for_update()
    ).all()
    _cancel(rows, actor, proposal_id, reason, now)
    return [row.id for row in rows]


def _cancel(
    rows: Sequence[TransferRequest], actor: User, proposal_id: int, reason: str, now: datetime
) -> None:
    """The open requests `rows` (their rows locked) cancelled by `actor`, each audited on the
    programme with `reason`."""
    for row in rows:
        row.status = TransferStatus.CANCELLED.value
        row.closed_by_id = actor.id
        row.closed_at = now
    db.session.flush()
    for row in rows:
        record(
            "transfer_request_cancelled",
            "proposal",
            proposal_id,
            actor,
            comment=reason,
            details={"request": row.id, "amount": read_amount(row.amount)},
            now=now,
        )


# Reads ----------------------------------------------------------------------------------------


def requests_for(allocation_id: int) -> list[TransferRequest]:
    """A programme's requests, the latest first, with their organizations and people (three
    statements, however many requests)."""
    return list(
        db.session.scalars(
            select(TransferRequest)
            .where(TransferRequest.allocation_id == allocation_id)
            .options(
                selectinload(TransferRequest.organization),
                selectinload(TransferRequest.requested_by),
                selectinload(TransferRequest.closed_by),
            )
            .order_by(TransferRequest.requested_at.desc(), TransferRequest.id.desc())
        )
    )


def open_requests() -> list[tuple[TransferRequest, Proposal]]:
    """Every open request with its programme, the oldest first (the agent's list)."""
    rows = db.session.execute(
        select(TransferRequest, Proposal)
        .options(
            selectinload(TransferRequest.organization),
            selectinload(TransferRequest.requested_by),
        )
        .join(Allocation, Allocation.id == TransferRequest.allocation_id)
        .join(Proposal, Proposal.id == Allocation.proposal_id)
        .where(TransferRequest.status == OPEN)
        .order_by(TransferRequest.requested_at, TransferRequest.id)
    ).all()
    return [(row[0], row[1]) for row in rows]

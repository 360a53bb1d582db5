"""The transfer schedule of a funded programme: per participating organization, one planned
tranche per programme year in which it has a budget.

- Tranche k pays for programme year k. Tranche 1 is dated the funding date; tranche k the
  planned start plus k - 1 years, or the funding date if that is later.
- The amounts split the organization's allocation share over its budget years in proportion to
  its direct costs by year (its indirect support costs being a flat rate of them, the same as
  its direct plus indirect costs by year): each rounded half-up to the cent, the last tranche
  taking the remainder, so that the tranches add up to the share exactly. A year without
  budget has no tranche (the table refuses an amount of zero).
- What was transferred is the share's `disbursed`: the tranches it covers in full, in their
  order, are transferred. Replanning (`plan_transfer_schedule`, after a revision's no-cost
  extension or budget reallocation) keeps them as they are and spreads the rest of the share
  over the later years of the budget as it now stands; with no budget left in later years, the
  rest is one tranche after the last one transferred.
- An organization paid its whole share before a revision moved its budget between years keeps
  its tranches as they were paid (money paid is not moved): the revision records it
  (`paid_in_full`), and the schedule says it next to the organization's tranches
  (`paid_before_revisions`). So does an organization paid part of its share (`partly_paid`):
  its tranches already transferred stay as paid and the rest is spread over the later years,
  so its tranches no longer follow the revised years, which its schedule says.

The share rows are locked first (in organization order, as a payment locks its share), so a
payment recorded at the same moment waits for the plan, or the plan for the payment.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import aliased

from fund.accounts.models import Organization
from fund.audit.models import AuditEvent
from fund.audit.operations import record
from fund.days import add_months
from fund.extensions import db, utcnow
from fund.finance.closure_models import (
    ClosureShare,
    ProgrammeClosure,
    RefundFigures,
    released_at_closure,
    still_to_pay,
)
from fund.finance.locks import locked_shares
from fund.finance.models import Allocation, AllocationShare, Disbursement
from fund.finance.schedule_models import PlannedTranche
from fund.i18n import Amount
from fund.labels import N_
from fund.money import ZERO, read_amount, round_cents, total_of
from fund.proposals.models import BudgetLine, Proposal
from fund.sentences import Listed, Sentence, said


def split_share(share: Decimal, weights: dict[int, Decimal]) -> dict[int, Decimal]:
    """`share` split over the years of `weights` in proportion to them: each year's part rounded
    half-up to the cent (never beyond what is left), the last year with a weight taking the
    remainder; years whose part is zero are left out. Empty when no year has a weight."""
    years = sorted(year for year, weight in weights.items() if weight > 0)
    if share <= 0 or not years:
        return {}
    total = sum((weights[year] for year in years), ZERO)
    parts: dict[int, Decimal] = {}
    given = ZERO
    for year in years[:-1]:
        part = min(round_cents(share * weights[year] / total), share - given)
        parts[year] = part
        given += part
    parts[years[-1]] = share - given
    return {year: part for year, part in parts.items() if part > 0}


def tranche_date(number: int, *, funded_on: date, start: date) -> date:
    """Tranche 1 at funding; tranche k at the start plus k - 1 years, not before funding."""
    if number <= 1:
        return funded_on
    return max(add_months(start, 12 * (number - 1)), funded_on)


def transferred_tranches(amounts: list[Decimal], disbursed: Decimal) -> int:
    """How many of the tranches (their amounts in order) `disbursed` covers in full."""
    covered, count = ZERO, 0
    for amount in amounts:
        covered += amount
        if covered > disbursed:
            break
        count += 1
    return count


@dataclass(frozen=True)
class NextTranche:
    """An organization's next tranche of an allocation: the planned tranche after as many as
    transfers were made to it, in the schedule's order (`number`, the programme year it pays
    for; past the schedule, one after its last). `first`: nothing was transferred yet (only the
    schedule's condition applies); `planned`: what the schedule plans up to it (None without a
    schedule)."""

    number: int
    first: bool
    planned: Decimal | None


def next_tranche(allocation_id: int, organization_id: int) -> NextTranche:
    """The organization's next tranche (`NextTranche`), for the request, its form and Home
    alike (in SQL: `tranche_position`). Two statements."""
    return next_tranches(allocation_id, [organization_id])[organization_id]


def next_tranches(allocation_id: int, organization_ids: Sequence[int]) -> dict[int, NextTranche]:
    """Each organization's next tranche of the allocation (`next_tranche`): two statements
    whatever their number (the request page lists every organization's)."""
    wanted = set(organization_ids)
    made = dict(
        db.session.execute(
            select(Disbursement.organization_id, func.count(Disbursement.id))
            .where(
                Disbursement.allocation_id == allocation_id,
                Disbursement.organization_id.in_(wanted),
            )
            .group_by(Disbursement.organization_id)
        ).all()
    )
    planned: dict[int, list[Any]] = defaultdict(list)
    for row in db.session.execute(
        select(PlannedTranche.organization_id, PlannedTranche.number, PlannedTranche.amount)
        .where(
            PlannedTranche.allocation_id == allocation_id,
            PlannedTranche.organization_id.in_(wanted),
        )
        .order_by(PlannedTranche.organization_id, PlannedTranche.number)
    ):
        planned[row.organization_id].append(row)
    return {org: _next(int(made.get(org, 0)), planned.get(org, [])) for org in wanted}


def _next(made: int, planned: list[Any]) -> NextTranche:
    """The tranche after `made` transfers, given the organization's `planned` tranches."""
    if not planned:
        return NextTranche(made + 1, made == 0, None)
    number = (
        planned[made].number
        if made < len(planned)
        else planned[-1].number + made - len(planned) + 1
    )
    return NextTranche(number, made == 0, _first(planned, made + 1))


def _first(planned: list[Any], count: int) -> Decimal:
    return sum((read_amount(row.amount) for row in planned[:count]), ZERO)


def tranche_position() -> ColumnElement[int]:
    """SQL, correlated to `PlannedTranche`: how many of its organization's planned tranches of
    the allocation come before it. It is the organization's next tranche when that many
    transfers were made (`next_tranche`)."""
    earlier = aliased(PlannedTranche)
    return (
        select(func.count(earlier.id))
        .where(
            earlier.allocation_id == PlannedTranche.allocation_id,
            earlier.organization_id == PlannedTranche.organization_id,
            earlier.number < PlannedTranche.number,
        )
        .correlate(PlannedTranche)
        .scalar_subquery()
    )


def direct_by_year(proposal_id: int) -> dict[int, dict[int, Decimal]]:
    """Each organization's direct costs by programme year (one query)."""
    weights: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for row in db.session.execute(
        select(BudgetLine.organization_id, BudgetLine.year, BudgetLine.amount).where(
            BudgetLine.proposal_id == proposal_id
        )
    ):
        weights[row.organization_id][row.year] += read_amount(row.amount)
    return weights


def _plan_organization(
    share: Decimal, kept: list[PlannedTranche], weights: dict[int, Decimal]
) -> dict[int, Decimal]:
    """The new amounts of the tranches after the `kept` ones (transferred)."""
    rest = share - sum((t.amount for t in kept), ZERO)
    last = kept[-1].number if kept else 0
    later = {year: weight for year, weight in weights.items() if year > last}
    planned = split_share(rest, later)
    if rest > 0 and not planned:
        planned = {last + 1: rest}
    return planned


def plan_transfer_schedule(
    allocation: Allocation, *, start: date, now: datetime | None = None, actor: Any = None
) -> list[ScheduledTranche]:
    """(Re)plan the tranches not yet transferred of each organization of the allocation, from
    the programme's budget by year and `start` (the planned start); audited. Returns the
    schedule (`scheduled_tranches`). The caller commits."""
    now = now or utcnow()
    proposal = db.session.get(Proposal, allocation.proposal_id)
    shares = locked_shares(
        allocation.id,
        AllocationShare.organization_id,
        AllocationShare.amount,
        AllocationShare.disbursed,
    )
    existing: dict[int, list[PlannedTranche]] = defaultdict(list)
    for tranche in db.session.scalars(
        select(PlannedTranche)
        .where(PlannedTranche.allocation_id == allocation.id)
        .order_by(PlannedTranche.organization_id, PlannedTranche.number)
    ):
        existing[tranche.organization_id].append(tranche)
    weights = direct_by_year(proposal.id)
    kept_count = 0
    for share in shares:
        tranches = existing.pop(share.organization_id, [])
        paid = transferred_tranches(
            [read_amount(t.amount) for t in tranches], read_amount(share.disbursed)
        )
        kept, unpaid = tranches[:paid], {t.number: t for t in tranches[paid:]}
        kept_count += len(kept)
        planned = _plan_organization(
            read_amount(share.amount), kept, weights.get(share.organization_id, {})
        )
        for number, amount in planned.items():
            row = unpaid.pop(number, None)
            if row is None:
                row = PlannedTranche(
                    allocation_id=allocation.id, organization_id=share.organization_id
                )
                db.session.add(row)
            row.number = number
            row.amount = amount
            row.planned_on = tranche_date(number, funded_on=allocation.allocated_on, start=start)
            row.planned_at = now
        for row in unpaid.values():
            db.session.delete(row)
    for rows in existing.values():  # an organization without a share any more
        for row in rows:
            db.session.delete(row)
    db.session.flush()
    schedule = scheduled_tranches(allocation.id)
    record(
        "transfer_schedule_planned",
        "proposal",
        proposal.id,
        actor,
        details={
            "allocation": allocation.id,
            "start": start.isoformat(),
            "kept": kept_count,
            "tranches": [
                [t.organization, t.number, t.planned_on.isoformat(), t.amount] for t in schedule
            ],
        },
        now=now,
    )
    return schedule


def _moved_after_payments(
    allocation_id: int,
    before: dict[int, dict[int, Decimal]],
    after: dict[int, dict[int, Decimal]],
) -> list[tuple[int, Decimal, Decimal, list[list[Any]]]]:
    """The organizations already paid something whose direct costs by year differ between
    `before` and `after` (`direct_by_year`): (organization, share, transferred, the years that
    changed as [year, before, after], amounts as text)."""
    found = []
    for row in db.session.execute(
        select(AllocationShare.organization_id, AllocationShare.amount, AllocationShare.disbursed)
        .where(AllocationShare.allocation_id == allocation_id)
        .order_by(AllocationShare.organization_id)
    ):
        share, paid = read_amount(row.amount), read_amount(row.disbursed)
        old, new = before.get(row.organization_id, {}), after.get(row.organization_id, {})
        years = [
            [year, format(old.get(year, ZERO), "f"), format(new.get(year, ZERO), "f")]
            for year in sorted(set(old) | set(new))
            if old.get(year, ZERO) != new.get(year, ZERO)
        ]
        if share > 0 and paid > 0 and years:
            found.append((row.organization_id, share, paid, years))
    return found


def paid_in_full(
    allocation_id: int,
    before: dict[int, dict[int, Decimal]],
    after: dict[int, dict[int, Decimal]],
) -> list[dict[str, Any]]:
    """The organizations paid their whole share whose direct costs by year differ between
    `before` and `after` (`direct_by_year`): their tranches stay as paid. Each with the years
    that changed, [year, before, after] (amounts as text), for the revision's record."""
    return [
        {"organization_id": organization, "years": years}
        for organization, share, paid, years in _moved_after_payments(allocation_id, before, after)
        if paid >= share
    ]


def partly_paid(
    allocation_id: int,
    before: dict[int, dict[int, Decimal]],
    after: dict[int, dict[int, Decimal]],
) -> list[dict[str, Any]]:
    """The organizations paid part of their share whose direct costs by year differ between
    `before` and `after`: the tranches already transferred stay as paid and the rest of the
    share is spread over the later years (`plan_transfer_schedule`), so their tranches no longer
    follow the revised years. Each with what was transferred (as text) and the years that
    changed, for the revision's record."""
    return [
        {"organization_id": organization, "transferred": format(paid, "f"), "years": years}
        for organization, share, paid, years in _moved_after_payments(allocation_id, before, after)
        if paid < share
    ]


def _years_moved(years: list[list[Any]]) -> Listed:
    return Listed(
        (
            Sentence(
                N_("year %(year)s: %(before)s before, %(after)s after"),
                year=year,
                before=Amount(Decimal(old)),
                after=Amount(Decimal(new)),
            )
            for year, old, new in years
        ),
        "; ",
    )


def paid_in_full_sentence(number: int, years: list[list[Any]]) -> Sentence:
    """ "Paid in full before revision 1 moved its budget between years (year 1: 600,000.00
    before, 500,000.00 after; ...): the tranches stay as they were paid." """
    return Sentence(
        N_(
            "Paid in full before revision %(number)s moved its budget between years "
            "(%(years)s): the tranches stay as they were paid."
        ),
        number=number,
        years=_years_moved(years),
    )


def partly_paid_sentence(number: int, transferred: str, years: list[list[Any]]) -> Sentence:
    """ "133,750.00 was already transferred and stays as paid; revision 1 moved the budget
    between years (year 1: ...) and spread the rest of the share over the tranches not yet
    transferred, so the tranches may differ from the revised years." """
    return Sentence(
        N_(
            "%(transferred)s was already transferred and stays as paid; revision %(number)s "
            "moved the budget between years (%(years)s) and spread the rest of the share over "
            "the tranches not yet transferred, so the tranches may differ from the revised "
            "years."
        ),
        transferred=Amount(Decimal(transferred)),
        number=number,
        years=_years_moved(years),
    )


def paid_before_revisions(proposal_id: int) -> dict[int, list[str]]:
    """What each organization's schedule says of the revisions approved after it was paid in
    full or in part, in the page's language, oldest first (one query: the revisions' records)."""
    notes: dict[int, list[str]] = defaultdict(list)
    for details in db.session.scalars(
        select(AuditEvent.details)
        .where(
            AuditEvent.action == "revision_applied",
            AuditEvent.subject_type == "proposal",
            AuditEvent.subject_id == str(proposal_id),
        )
        .order_by(AuditEvent.id)
    ):
        for entry in (details or {}).get("paid_in_full") or []:
            sentence = paid_in_full_sentence(details.get("number"), entry["years"])
            notes[entry["organization_id"]].append(said(sentence))
        for entry in (details or {}).get("partly_paid") or []:
            sentence = partly_paid_sentence(
                details.get("number"), entry["transferred"], entry["years"]
            )
            notes[entry["organization_id"]].append(said(sentence))
    return dict(notes)


# Reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduledTranche:
    organization_id: int
    organization: str  # its label: its acronym, or its name
    number: int
    planned_on: date
    amount: Decimal


def scheduled_tranches(allocation_id: int) -> list[ScheduledTranche]:
    """The allocation's planned tranches by organization, then number (one query)."""
    rows = db.session.execute(
        select(
            PlannedTranche.organization_id,
            Organization.label.label("organization"),
            PlannedTranche.number,
            PlannedTranche.planned_on,
            PlannedTranche.amount,
        )
        .join(Organization, Organization.id == PlannedTranche.organization_id)
        .where(PlannedTranche.allocation_id == allocation_id)
        .order_by(PlannedTranche.organization_id, PlannedTranche.number)
    )
    return [
        ScheduledTranche(
            row.organization_id,
            row.organization,
            row.number,
            row.planned_on,
            read_amount(row.amount),
        )
        for row in rows
    ]


@dataclass(frozen=True)
class TrancheRow:
    number: int
    planned_on: date
    amount: Decimal
    transferred: Decimal  # what the payments cover of it, in the tranches' order
    closed: bool = False  # the programme is closed: nothing more is transferred

    @property
    def status(self) -> str:
        if self.transferred >= self.amount:
            return N_("Transferred")
        if self.closed:
            return (
                N_("Partly transferred before closure")
                if self.transferred > 0
                else N_("Not transferred: programme closed")
            )
        return N_("Partly transferred") if self.transferred > 0 else N_("Planned")


@dataclass
class ClosingRefund(RefundFigures):
    """An organization's refund at its programme's closure: `due`, `refunded`, `outstanding`."""

    transferred: Decimal
    final_expenditure: Decimal
    refunded: Decimal


@dataclass
class OrganizationSchedule:
    organization_id: int
    name: str
    share: Decimal
    disbursed: Decimal
    tranches: list[TrancheRow] = field(default_factory=list)
    closed_on: date | None = None  # the programme's closure, if closed
    refund: ClosingRefund | None = None  # its refund figures, once closed

    @property
    def released(self) -> Decimal:
        """What of the share the closure gave back to the pools: all that was never paid."""
        return released_at_closure(self.share, self.disbursed, self.closed_on is not None)

    @property
    def remaining(self) -> Decimal:
        return still_to_pay(self.share, self.disbursed, self.released)

    planned = total_of("tranches", "amount")


def schedule_view(
    allocation_id: int | None = None, *, proposal_id: int | None = None
) -> list[OrganizationSchedule]:
    """The schedule as the pages show it, of an allocation or of a proposal's (none before
    funding): per organization its share, what was transferred, what the programme's closure
    gave back, and each tranche with what the payments cover of it (one query: the shares, each
    with its tranches and the closure)."""
    query = (
        select(
            AllocationShare.organization_id,
            AllocationShare.amount.label("share"),
            AllocationShare.disbursed,
            Organization.acronym,
            Organization.name,
            PlannedTranche.number,
            PlannedTranche.planned_on,
            PlannedTranche.amount,
            ProgrammeClosure.closed_on,
            ClosureShare.transferred.label("closing_transferred"),
            ClosureShare.final_expenditure,
            ClosureShare.refunded,
        )
        .join(Organization, Organization.id == AllocationShare.organization_id)
        .outerjoin(
            ProgrammeClosure, ProgrammeClosure.allocation_id == AllocationShare.allocation_id
        )
        .outerjoin(
            ClosureShare,
            (ClosureShare.allocation_id == AllocationShare.allocation_id)
            & (ClosureShare.organization_id == AllocationShare.organization_id),
        )
        .outerjoin(
            PlannedTranche,
            (PlannedTranche.allocation_id == AllocationShare.allocation_id)
            & (PlannedTranche.organization_id == AllocationShare.organization_id),
        )
        .order_by(AllocationShare.organization_id, PlannedTranche.number)
    )
    if proposal_id is not None:
        query = query.join(Allocation, Allocation.id == AllocationShare.allocation_id).where(
            Allocation.proposal_id == proposal_id
        )
    else:
        query = query.where(AllocationShare.allocation_id == allocation_id)
    views: dict[int, OrganizationSchedule] = {}
    left: dict[int, Decimal] = {}
    for row in db.session.execute(query):
        view = views.get(row.organization_id)
        if view is None:
            view = views[row.organization_id] = OrganizationSchedule(
                row.organization_id,
                Organization.named(row.name, row.acronym),
                read_amount(row.share),
                read_amount(row.disbursed),
                closed_on=row.closed_on,
            )
            if row.final_expenditure is not None:
                view.refund = ClosingRefund(
                    read_amount(row.closing_transferred),
                    read_amount(row.final_expenditure),
                    read_amount(row.refunded),
                )
            left[row.organization_id] = view.disbursed
        if row.number is None:
            continue
        amount = read_amount(row.amount)
        covered = min(amount, left[row.organization_id])
        left[row.organization_id] -= covered
        view.tranches.append(
            TrancheRow(row.number, row.planned_on, amount, covered, row.closed_on is not None)
        )
    return list(views.values())

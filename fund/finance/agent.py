"""The administrative agent's records beside the transfers: pledges, deposits in a currency,
interest and direct costs.

A deposit is a contribution (`fund.finance.operations.record_contribution`) received in a
currency at an exchange rate: its USD gross is the amount at the rate, half-up to the cent, and
the fee and the net follow from that gross as for any contribution. Interest goes to the
unearmarked pool; a direct cost comes out of it, refused when the pool does not hold it (the
pool's CHECK has the final word, under the pool's row lock). Callers commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from fund.accounts.models import Organization, User
from fund.audit.operations import add_recorded, record
from fund.days import DAY
from fund.extensions import db, utcnow
from fund.finance.agent_models import DirectCost, InterestEntry, Pledge, PledgeInstalment
from fund.finance.currencies import BASE_CURRENCY, ISO_4217
from fund.finance.dates import check_not_before
from fund.finance.models import GENERAL_POOL, Contribution, Pool
from fund.finance.operations import (
    FinanceError,
    _check_amount,
    _check_date,
    _move_pool,
    record_contribution,
)
from fund.finance.queries.as_of import contributions_by
from fund.finance.queries.balance import balance
from fund.i18n import Amount, Money
from fund.labels import N_
from fund.locking import locked
from fund.money import (
    MAX_AMOUNT,
    TOO_MANY_PLACES,
    ZERO,
    TypedRate,
    read_amount,
    read_rate,
    round_cents,
    sql_cents,
    typed_rate,
    within_places,
)
from fund.sentences import OnDay, Sentence

RATE_PLACES = Decimal("0.00000001")  # contributions.exchange_rate is NUMERIC(18, 8)
MAX_RATE = Decimal("9999999999.99999999")
RATE_EXAMPLE = Decimal("1.0825")  # the rate a refusal shows as an example


def _amount(amount: Decimal, field: str, currency: str | None = None) -> Decimal:
    """A recorded amount: in cents, above zero, at most what is kept, and (in `currency`,
    when given) with no decimals the currency does not have."""
    _check_amount(amount, field)
    if amount > MAX_AMOUNT:
        raise FinanceError(
            N_("The amount cannot be more than %(max)s."), field, max=Amount(MAX_AMOUNT)
        )
    if currency is not None and not within_places(amount, currency):
        raise FinanceError(TOO_MANY_PLACES, field, currency=currency)
    return amount


def check_currency(code: str, field: str = "currency") -> str:
    """An ISO 4217 code (case ignored), or a FinanceError at `field`."""
    code = (code or "").strip().upper()
    if code not in ISO_4217:
        raise FinanceError(
            N_("Give the currency as its three-letter ISO 4217 code, e.g. EUR or USD."), field
        )
    return code


def parse_rate(text: str | None, field: str = "exchange_rate") -> Decimal:
    """An exchange rate typed as the page's language writes a decimal (USD for one unit of the
    currency): digits and one decimal mark, the language's or a point, nothing between them
    (`fund.money.read_rate`: "1 08" is refused, never read as 108; "1,085" is 1.085 on a French
    page, refused on an English one)."""
    rate = read_rate(text)
    if rate is None:
        raise FinanceError(
            N_("“%(text)s” is not a rate: use digits, e.g. %(example)s."),
            field,
            text=text,
            example=TypedRate(RATE_EXAMPLE),
        )
    return check_rate(rate, field)


def rate_text(rate: Decimal) -> str:
    """An exchange rate as the page's language types it, without trailing zeros: 1.0825 in
    English, 1,0825 in French."""
    return typed_rate(rate)


def check_rate(rate: Decimal, field: str = "exchange_rate") -> Decimal:
    if rate <= 0:
        raise FinanceError(N_("The exchange rate must be more than zero."), field)
    # Too large first: quantizing a rate of more than 20 digits is itself an error.
    if rate > MAX_RATE or rate != rate.quantize(RATE_PLACES):
        raise FinanceError(N_("Use at most eight decimals and ten digits before the point."), field)
    return rate


# Pledges ----------------------------------------------------------------------------------


def schedule_problem(
    amount: Decimal,
    schedule: Sequence[tuple[date, Decimal]],
    currency: str,
    pledged_on: date | None = None,
) -> Sentence | None:
    """Why a pledge's expected payments do not make it (none given, one expected before the
    pledge, which no deposit could pay on time, or they do not add up to `amount`), or None
    when they do: one rule for the pledge form and `record_pledge`."""
    if not schedule:
        return Sentence(N_("Give at least one expected payment: its date and amount."))
    early = sorted(due for due, _ in schedule if pledged_on is not None and due < pledged_on)
    if early:
        return Sentence(
            N_(
                "The expected payment of %(due)s comes before the pledge (%(pledged)s): a "
                "deposit cannot be received before its pledge."
            ),
            due=OnDay(early[0], DAY),
            pledged=OnDay(pledged_on, DAY),
        )
    scheduled = sum((part for _, part in schedule), ZERO)
    if scheduled != amount:
        return Sentence(
            N_("The expected payments add up to %(scheduled)s, not the pledged %(pledged)s."),
            scheduled=Money(scheduled, currency),
            pledged=Money(amount, currency),
        )
    return None


def record_pledge(
    actor: User,
    donor: Organization,
    pledged_on: date,
    currency: str,
    amount: Decimal,
    schedule: Sequence[tuple[date, Decimal]],
    note: str = "",
    now: datetime | None = None,
) -> Pledge:
    """A donor's pledge in a currency with its expected payment schedule, whose instalments
    add up to the pledged amount."""
    now = now or utcnow()
    currency = check_currency(currency)
    _amount(amount, "amount", currency)
    _check_date(pledged_on, now, "pledge", "pledged_on")
    if not schedule:
        raise FinanceError(schedule_problem(amount, schedule, currency), "schedule")
    lines = []
    for due_on, part in schedule:
        _amount(part, "schedule", currency)
        lines.append(PledgeInstalment(due_on=due_on, amount=part))
    if (problem := schedule_problem(amount, schedule, currency, pledged_on)) is not None:
        raise FinanceError(problem, "schedule")
    pledge = Pledge.by(
        actor,
        now,
        donor_id=donor.id,
        pledged_on=pledged_on,
        currency=currency,
        amount=amount,
        note=(note or "").strip(),
        instalments=lines,
    )
    details = {
        "donor": donor.label,
        "pledged_on": pledged_on.isoformat(),
        "currency": currency,
        "amount": amount,
        "schedule": [[d.isoformat(), str(a)] for d, a in sorted(schedule)],
    }
    return add_recorded(pledge, "pledge_recorded", "pledge", actor, details=details, now=now)


@dataclass(frozen=True)
class PledgeProgress:
    """What a pledge promised against what its deposits (not voided) brought."""

    pledged: Decimal  # in the pledge's currency
    deposited: Decimal  # in the pledge's currency
    deposited_usd: Decimal  # the deposits' USD gross
    deposits: int

    @property
    def outstanding(self) -> Decimal:
        return max(self.pledged - self.deposited, ZERO)

    @property
    def beyond(self) -> Decimal:
        """Deposited beyond what was pledged (deposits recorded before overpaying a pledge
        was refused): shown, never hidden behind an outstanding of zero."""
        return max(self.deposited - self.pledged, ZERO)


def pledge_progress(pledges: Sequence[Pledge]) -> dict[int, PledgeProgress]:
    """Each pledge's progress, in one query."""
    rows = contributions_by(
        Contribution.pledge_id,
        Contribution.pledge_id.in_([p.id for p in pledges]),
        amount=Contribution.currency_amount,
        gross=Contribution.gross,
    )
    progress = {}
    for pledge in pledges:
        row = rows.get(pledge.id)
        progress[pledge.id] = PledgeProgress(
            pledged=read_amount(pledge.amount),
            deposited=read_amount(row.amount if row else None),
            deposited_usd=read_amount(row.gross if row else None),
            deposits=row.n if row else 0,
        )
    return progress


def next_expected(pledge: Pledge, deposited: Decimal) -> tuple[date, Decimal] | None:
    """The pledge's next expected payment once `deposited` (in its currency) has paid its
    schedule's first payments in turn: its date and what is left of it; None when the
    deposits cover the whole schedule."""
    paid = deposited
    for line in pledge.instalments:
        if paid >= line.amount:
            paid -= line.amount
            continue
        return line.due_on, line.amount - paid
    return None


def next_expected_on(pledge_id: Any, deposited_cents: Any) -> Any:
    """SQL: the day of `next_expected` for the pledge `pledge_id` (a column to correlate
    with) once `deposited_cents` (in its currency, in cents) paid its schedule's first
    payments in turn: the first payment, in the schedule's order, that the deposits do not
    cover; NULL when they cover the whole schedule."""
    earlier = aliased(PledgeInstalment)
    paid_with_earlier = (
        select(func.sum(sql_cents(earlier.amount)))
        .where(
            earlier.pledge_id == PledgeInstalment.pledge_id,
            or_(
                earlier.due_on < PledgeInstalment.due_on,
                and_(earlier.due_on == PledgeInstalment.due_on, earlier.id <= PledgeInstalment.id),
            ),
        )
        .scalar_subquery()
    )
    return (
        select(func.min(PledgeInstalment.due_on))
        .where(PledgeInstalment.pledge_id == pledge_id, paid_with_earlier > deposited_cents)
        .scalar_subquery()
    )


# Deposits ---------------------------------------------------------------------------------


def check_still_due(pledge: Pledge, amount: Decimal) -> None:
    """`amount` (in the pledge's currency) is within what is still due on the pledge. The
    pledge's row is locked first and its deposits summed under that lock, so two deposits
    paying it at the same moment are checked one after the other: the second sees the first."""
    row = locked(Pledge, pledge.id)
    if row is None:
        raise FinanceError(N_("Choose a pledge from the list, or none."), "pledge_id")
    progress = pledge_progress([row])[row.id]
    if amount <= progress.outstanding:
        return
    named = {
        "code": row.code,
        "pledged": Money(progress.pledged, row.currency),
        "deposited": Money(progress.deposited, row.currency),
    }
    if progress.outstanding <= 0:
        raise FinanceError(
            N_(
                "Nothing is still due on pledge %(code)s (%(pledged)s pledged, %(deposited)s "
                "deposited): record this deposit as a deposit not linked to the pledge."
            ),
            "amount",
            **named,
        )
    raise FinanceError(
        N_(
            "Only %(due)s is still due on pledge %(code)s (%(pledged)s pledged, %(deposited)s "
            "deposited): record at most that against the pledge, and the rest as a deposit not "
            "linked to the pledge."
        ),
        "amount",
        due=Money(progress.outstanding, row.currency),
        **named,
    )


def usd_gross(amount: Decimal, rate: Decimal) -> Decimal:
    """A deposit's USD value: its amount at the rate, rounded half-up to the cent."""
    return round_cents(amount * rate)


def record_deposit(
    actor: User,
    donor: Organization,
    received_on: date,
    currency: str,
    amount: Decimal,
    exchange_rate: Decimal,
    earmark_area_code: str | None = None,
    pledge: Pledge | None = None,
    reference: str = "",
    note: str = "",
    now: datetime | None = None,
    repeated_reference: bool = False,
) -> Contribution:
    """A deposit received in `currency`: its USD gross at `exchange_rate` (USD per unit) is
    recorded as a contribution, with the amount, the currency, the rate and the pledge it pays.
    A reference already on one of the donor's deposits (not voided) is refused unless
    `repeated_reference` says it is another deposit (`record_contribution` checks it)."""
    now = now or utcnow()
    currency = check_currency(currency)
    _amount(amount, "amount", currency)
    check_rate(exchange_rate)
    if currency == BASE_CURRENCY and exchange_rate != 1:
        raise FinanceError(N_("A deposit in USD is at the rate 1."), "exchange_rate")
    if pledge is not None:
        if pledge.donor_id != donor.id:
            raise FinanceError(N_("The pledge is another donor's."), "pledge_id")
        if pledge.currency != currency:
            raise FinanceError(
                N_("The pledge is in %(currency)s: record its deposits in %(currency)s."),
                "currency",
                currency=pledge.currency,
            )
        check_not_before(received_on, "received", "received_on", pledge.pledged_on, "pledge")
        check_still_due(pledge, amount)
    gross = usd_gross(amount, exchange_rate)
    if gross <= 0:
        raise FinanceError(
            N_("At this rate the deposit is worth %(gross)s: check the rate."),
            "exchange_rate",
            gross=Money(gross),
        )
    _amount(gross, "exchange_rate")
    return record_contribution(
        actor,
        donor,
        received_on,
        gross,
        earmark_area_code,
        reference,
        note,
        now=now,
        received={
            "currency": currency,
            "currency_amount": amount,
            "exchange_rate": exchange_rate,
            "pledge_id": pledge.id if pledge is not None else None,
        },
        repeated_reference=repeated_reference,
    )


# Interest and direct costs ----------------------------------------------------------------


def _general_available() -> Decimal:
    """What the unearmarked pool holds, its row locked until the transaction ends."""
    row = db.session.execute(
        select(Pool.available).where(Pool.code == GENERAL_POOL).with_for_update()
    ).first()
    if row is None:
        raise FinanceError(N_("The fund has no unearmarked pool."))
    return read_amount(row.available)


def record_interest(
    actor: User,
    earned_on: date,
    amount: Decimal,
    reference: str = "",
    now: datetime | None = None,
) -> InterestEntry:
    """Interest the fund earned (USD), added to the unearmarked pool's available money."""
    now = now or utcnow()
    _amount(amount, "amount")
    _check_date(earned_on, now, "interest", "earned_on")
    _general_available()
    reference = (reference or "").strip()
    entry = InterestEntry.by(actor, now, earned_on=earned_on, amount=amount, reference=reference)
    db.session.add(entry)
    db.session.flush()
    _move_pool(
        GENERAL_POOL,
        Sentence(N_("The database refused to add the interest to the unearmarked pool.")),
        available=amount,
    )
    record(
        "interest_recorded",
        "interest",
        entry.id,
        actor,
        details={
            "earned_on": earned_on.isoformat(),
            "amount": amount,
            "pool": GENERAL_POOL,
            "reference": entry.reference,
        },
        now=now,
    )
    return entry


def record_direct_cost(
    actor: User,
    charged_on: date,
    amount: Decimal,
    description: str,
    now: datetime | None = None,
) -> DirectCost:
    """A cost of the secretariat charged to the fund (USD), out of the unearmarked pool;
    refused when the pool does not hold it unallocated."""
    now = now or utcnow()
    description = (description or "").strip()
    if not description:
        raise FinanceError(N_("Say what the cost is for."), "description")
    _amount(amount, "amount")
    _check_date(charged_on, now, "charge", "charged_on")
    available = _general_available()  # locks the pool: a concurrent allocation waits here
    refused = FinanceError(
        N_("The unearmarked pool holds %(available)s unallocated: it cannot pay %(amount)s."),
        "amount",
        available=Money(available),
        amount=Money(amount),
    )
    if amount > available:
        raise refused
    if charged_on < now.date():
        # Dated in the past: the pool held it that day too, or the balance as of that day (the
        # allocation report's) would go below zero.
        held = balance(charged_on).available_by_pool().get(GENERAL_POOL, ZERO)
        if amount > held:
            raise FinanceError(
                N_(
                    "On %(day)s the unearmarked pool held %(available)s unallocated: a cost "
                    "dated that day cannot be %(amount)s."
                ),
                "amount",
                day=OnDay(charged_on, DAY),
                available=Money(held),
                amount=Money(amount),
            )
    _move_pool(GENERAL_POOL, refused.sentence, available=-amount)
    cost = DirectCost.by(actor, now, charged_on=charged_on, amount=amount, description=description)
    details = {"charged_on": charged_on.isoformat(), "amount": amount, "pool": GENERAL_POOL}
    return add_recorded(
        cost,
        "direct_cost_recorded",
        "direct_cost",
        actor,
        comment=description,
        details=details,
        now=now,
    )

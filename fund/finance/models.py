"""Contributions, the pools of money they feed, allocations to proposals and disbursements.

Money only ever moves by inserting rows and by updating the running `available` of a pool and
the `disbursed` of an allocation share; check constraints on those two columns make the database
itself refuse an over-allocation or an over-disbursement, whatever the application does.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Self

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fund.accounts.models import Organization, User
from fund.extensions import UTCDateTime, db, not_negative, within
from fund.money import Money, read_amount

GENERAL_POOL = "GENERAL"  # unearmarked money; other pools are named by thematic area code


class Recorded:
    """Who recorded a row of money and when: such a row is never edited afterwards."""

    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @classmethod
    def by(cls, actor: User, now: datetime, **fields: Any) -> Self:
        """A new row of the model, recorded by `actor` at `now` (not yet added)."""
        return cls(**fields, recorded_by_id=actor.id, recorded_at=now)


class Pool(db.Model):
    """Money available to allocate: the unearmarked pool or one per earmarked thematic area."""

    __tablename__ = "pools"
    __table_args__ = (
        not_negative("available"),
        not_negative("received_net", name="received_not_negative"),
    )

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    received_net: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    available: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))


def contribution_code(contribution_id: int) -> str:
    """A contribution as people name it on pages, in messages and in exports: C-12."""
    return f"C-{contribution_id}"


class Contribution(Recorded, db.Model):
    """A donor's deposit. Never edited: a mistake is voided (with a reason) and re-entered."""

    __tablename__ = "contributions"
    __table_args__ = (
        CheckConstraint("gross > 0", name="gross_positive"),
        within("fee", "gross", "fee_range"),
        # A tolerance, not equality: SQLite keeps NUMERIC as binary floating point.
        CheckConstraint("abs(net - (gross - fee)) < 0.005", name="net_is_gross_less_fee"),
        # The deposit as received (fund.finance.agent): gross is its USD value at the rate.
        CheckConstraint("currency_amount > 0", name="currency_amount_positive"),
        CheckConstraint("exchange_rate > 0", name="exchange_rate_positive"),
        CheckConstraint(
            "abs(gross - currency_amount * exchange_rate) < 0.0051", name="gross_at_rate"
        ),
        CheckConstraint(
            "length(currency) = 3 AND upper(currency) = currency", name="currency_code"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    donor_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    received_on: Mapped[date] = mapped_column(Date)
    gross: Mapped[Decimal] = mapped_column(Money)
    fee_rate: Mapped[Decimal] = mapped_column(Numeric(6, 4))
    fee: Mapped[Decimal] = mapped_column(Money)
    net: Mapped[Decimal] = mapped_column(Money)
    pool_code: Mapped[str] = mapped_column(ForeignKey("pools.code"))
    reference: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    # The currency (ISO 4217) and amount received, the exchange rate used (USD per unit) and
    # the pledge paid, if any; a deposit in USD is at the rate 1 (fund.finance.agent).
    currency: Mapped[str] = mapped_column(String(3), default="USD", server_default="USD")
    currency_amount: Mapped[Decimal] = mapped_column(
        Money, default=lambda context: context.get_current_parameters()["gross"]
    )
    exchange_rate: Mapped[Decimal] = mapped_column(
        Numeric(18, 8), default=Decimal("1"), server_default="1"
    )
    pledge_id: Mapped[int | None] = mapped_column(ForeignKey("pledges.id"), index=True)

    donor: Mapped[Organization] = relationship()
    void: Mapped[ContributionVoid | None] = relationship(back_populates="contribution")

    @property
    def code(self) -> str:
        return contribution_code(self.id)


class ContributionVoid(db.Model):
    """The cancellation of a contribution entered by mistake."""

    __tablename__ = "contribution_voids"
    __table_args__ = (CheckConstraint("length(reason) > 0", name="reason_given"),)

    contribution_id: Mapped[int] = mapped_column(ForeignKey("contributions.id"), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    voided_at: Mapped[datetime] = mapped_column(UTCDateTime)

    contribution: Mapped[Contribution] = relationship(back_populates="void")


# SQL condition on Contribution outer-joined to its void: not voided, so counted (the balance,
# the funding status, the public pages, a pledge's deposits, a repeated deposit reference).
NOT_VOIDED = ContributionVoid.contribution_id.is_(None)


class Allocation(db.Model):
    """Money committed to a funded proposal: one allocation per proposal."""

    __tablename__ = "allocations"
    __table_args__ = (
        UniqueConstraint("proposal_id"),
        CheckConstraint("amount > 0", name="amount_positive"),
        # The finance page lists the latest first: read in that order, not sorted.
        Index("ix_allocations_allocated_on_id", "allocated_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"))
    amount: Mapped[Decimal] = mapped_column(Money)
    allocated_on: Mapped[date] = mapped_column(Date)
    allocated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    sources: Mapped[list[AllocationSource]] = relationship(cascade="all, delete-orphan")
    shares: Mapped[list[AllocationShare]] = relationship(
        cascade="all, delete-orphan", order_by="AllocationShare.organization_id"
    )
    allocated_by: Mapped[User | None] = relationship()


class _PaidOut:
    """A part of an allocation (a pool's, an organization's) and how much of it is paid out:
    `disbursed`, which the database keeps between 0 and the amount (`_paid_out_checks`). The
    part's own key stands between the allocation and the amount."""

    allocation_id: Mapped[int] = mapped_column(
        ForeignKey("allocations.id", ondelete="CASCADE"), primary_key=True, sort_order=-1
    )
    amount: Mapped[Decimal] = mapped_column(Money, sort_order=1)
    disbursed: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"), sort_order=2)


def _paid_out_checks(amount: CheckConstraint) -> tuple[CheckConstraint, CheckConstraint]:
    """The check of a part's amount, and that its `disbursed` stays within it."""
    return (amount, within("disbursed", "amount", "disbursed_within_amount"))


class AllocationSource(_PaidOut, db.Model):
    """How much of an allocation each pool paid, and how much of that is paid out.

    `disbursed` is the allocation's payments attributed to its pools in draw order (earmarks by
    code, then unearmarked): each payment fills the first pool not yet paid out in full. It is
    kept by `record_disbursement`, so the balance sums it per pool instead of attributing every
    payment of the fund again. A kept figure (`fund.caches`: `flask fund caches --verify`
    compares it with the payments, `--rebuild` attributes them again), and the running figure
    its check constraint bounds.

    Why it is kept (bench/RESULTS.md, "Caches: with and without"; SQLite, medians of two runs):
    the money out by pool takes 2-5 ms summed from the sources and 21-25 ms attributing every
    payment again at 5,000 proposals (1,732 allocations; the balance page: 64-76 against 88-95
    ms), 9-13 against 62-88 ms at 20,000 (6,859 allocations); the page target is 100 ms."""

    __tablename__ = "allocation_sources"
    __table_args__ = (
        *_paid_out_checks(CheckConstraint("amount > 0", name="amount_positive")),
        # At a programme's closure (fund/finance/closure.py): what was allocated and never
        # paid out goes back to the pool (`released`), and refunds of unspent money too.
        CheckConstraint(
            "released >= 0 AND disbursed + released <= amount", name="released_within_unpaid"
        ),
        within("refunded", "disbursed", "refunded_within_paid"),
    )

    pool_code: Mapped[str] = mapped_column(ForeignKey("pools.code"), primary_key=True)
    # Added to a table that had rows: the database gives them 0.
    disbursed: Mapped[Decimal] = mapped_column(
        Money, default=Decimal("0.00"), server_default="0", sort_order=2
    )
    released: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"), server_default="0")
    refunded: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"), server_default="0")


def unpaid_by_pool(sources: Iterable[Any]) -> dict[str, Decimal]:
    """What each pool's part of an allocation still holds for it: paid in, and neither paid
    out nor given back at the programme's closure. A payment is attributed to it in draw order;
    the closure releases it to the pool. `sources`: `AllocationSource` rows or rows of its
    `pool_code`, `amount`, `disbursed` and `released`."""
    return {
        row.pool_code: read_amount(row.amount - row.disbursed - row.released) for row in sources
    }


def share_key(table: str, shares: str = "allocation_shares") -> ForeignKeyConstraint:
    """The key of a row about one organization's share of an allocation: its
    (allocation_id, organization_id) names a row of `shares` (the allocation's shares, or the
    closure's), as fk_<table>_<share>."""
    return ForeignKeyConstraint(
        ["allocation_id", "organization_id"],
        [f"{shares}.allocation_id", f"{shares}.organization_id"],
        name=f"fk_{table}_{shares.removesuffix('s')}",
    )


def to_pay(share: Any) -> Decimal:
    """What of an organization's share is still to pay while its programme is open: the
    share less what was paid of it (a closure gives the rest back to the pools:
    `fund.finance.closure_models.still_to_pay`). `share`: an `AllocationShare` or a row of its
    `amount` and `disbursed`."""
    return read_amount(share.amount) - read_amount(share.disbursed)


class AllocationShare(_PaidOut, db.Model):
    """A participating organization's part of an allocation, and how much of it is paid."""

    __tablename__ = "allocation_shares"
    __table_args__ = _paid_out_checks(not_negative("amount"))

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), primary_key=True)

    organization: Mapped[Organization] = relationship()

    @property
    def to_pay(self) -> Decimal:
        """What of the share is still to pay (`to_pay`): the transfer pages show it."""
        return to_pay(self)


class Disbursement(Recorded, db.Model):
    """A tranche paid to one participating organization."""

    __tablename__ = "disbursements"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    allocation_id: Mapped[int] = mapped_column(ForeignKey("allocations.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    paid_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    reference: Mapped[str] = mapped_column(String(100), default="")

    organization: Mapped[Organization] = relationship()


class CoverageTarget(db.Model):
    """The share of funding the fund aims for, per objective or thematic area (default: equal)."""

    __tablename__ = "coverage_targets"
    __table_args__ = (
        CheckConstraint("dimension IN ('objective', 'area')", name="dimension_valid"),
        within("share", "1", "share_range"),
    )

    dimension: Mapped[str] = mapped_column(String(10), primary_key=True)
    key: Mapped[str] = mapped_column(String(8), primary_key=True)
    share: Mapped[Decimal] = mapped_column(Numeric(7, 6))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

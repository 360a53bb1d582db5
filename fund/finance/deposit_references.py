"""A bank reference already used on a deposit of the same donor: the bank statement typed twice
makes a double entry, so a deposit whose reference (trimmed, case ignored) is already that of
one of the donor's deposits not voided is refused, unless the person says it is a different
deposit. A blank reference never matches; another donor's deposits are not compared.

The rule is here and `fund.finance.operations.record_contribution` applies it, so every way
of recording a deposit (the contributions page, the deposit page, `record_deposit`) keeps it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select

from fund.accounts.models import Organization
from fund.days import DAY
from fund.extensions import db
from fund.finance.errors import FinanceError
from fund.finance.models import NOT_VOIDED, Contribution, ContributionVoid, contribution_code
from fund.i18n import Money
from fund.labels import N_
from fund.locking import locked
from fund.sentences import OnDay

FIELD = "reference"  # the forms' field the refusal is shown at
DETAIL = "repeated_reference"  # the audit detail of a deposit recorded anyway: the earlier id


class RepeatedReference(FinanceError):
    """A deposit refused because the donor's deposit `earlier_id` already has its reference;
    sent again with the person's word that it is another deposit, it is recorded."""

    def __init__(self, earlier: Contribution) -> None:
        super().__init__(
            N_(
                "This donor's deposit %(code)s, received on %(date)s for %(amount)s, already "
                "has this reference. Nothing was recorded: if this is a different deposit, tick "
                "the box below and record it again."
            ),
            FIELD,
            code=earlier.code,
            date=OnDay(earlier.received_on, DAY),
            amount=Money(earlier.currency_amount, earlier.currency),
        )
        self.earlier_id = earlier.id
        self.donor_id = earlier.donor_id

    @property
    def earlier_code(self) -> str:
        return contribution_code(self.earlier_id)


def same_reference(reference: str | None) -> str:
    """A reference as compared: trimmed, case ignored ("" for none)."""
    return (reference or "").strip().casefold()


def earlier_deposit(donor_id: int | None, reference: str | None) -> Contribution | None:
    """The donor's latest deposit, not voided, whose reference is `reference` (trimmed, case
    ignored); None for a blank reference. Compared here rather than in SQL, whose lower() on
    SQLite knows only ASCII; the donor's deposits with a reference are few."""
    wanted = same_reference(reference)
    if not wanted or donor_id is None:
        return None
    rows = db.session.scalars(
        select(Contribution)
        .outerjoin(ContributionVoid)
        .where(
            Contribution.donor_id == donor_id,
            Contribution.reference != "",
            NOT_VOIDED,
        )
        .order_by(Contribution.received_on.desc(), Contribution.id.desc())
    )
    return next((row for row in rows if same_reference(row.reference) == wanted), None)


def check_reference(donor_id: int | None, reference: str | None, anyway: bool) -> dict[str, Any]:
    """Refuse (`RepeatedReference`) a deposit of the donor whose reference an earlier deposit
    not voided already has, unless `anyway`; the audit details of the deposit: which earlier
    deposit it repeats, when it was recorded anyway, else none. The donor's row is locked
    first, so two deposits of the donor at the same moment are compared one after the other."""
    if not same_reference(reference) or donor_id is None:
        return {}
    locked(Organization, donor_id)
    earlier = earlier_deposit(donor_id, reference)
    if earlier is None:
        return {}
    if not anyway:
        raise RepeatedReference(earlier)
    return {DETAIL: earlier.id}


@contextmanager
def repeated_reference(refused: list[RepeatedReference]) -> Iterator[None]:
    """A page's recording of a deposit: a refusal for its repeated reference is kept in
    `refused` (for the page to link the earlier deposit and show the box) and raised on."""
    try:
        yield
    except RepeatedReference as error:
        refused.append(error)
        raise

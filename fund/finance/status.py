"""The funding status, as the administrative agent reports it: the money received and where it
is, for the fund and per participating organization.

    balance_with_administrative_agent = deposits - administrative_agent_fee + interest
                                        + refunds - transfers - direct_costs
    participating_balance = transfers - refunds - expenditure

Deposits are the contributions' USD gross (voided ones left out), the fee the administrative
agent's fee on them, transfers the payments to participating organizations, refunds what they
paid back, expenditure what their accepted financial reports spent. Every figure is a sum in
whole cents, so the identities hold to the cent.

The expenditure of a programme is its accepted financial reports' until it is closed, then the
final expenditure recorded at its closure (`fund.finance.closure`). The reports belong to a
higher layer: `fund.reporting` registers their reader here (`register_expenditure`); with none
registered, an open programme's expenditure is zero.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select

from fund.accounts.models import Organization
from fund.dialects import cents_sum
from fund.extensions import db
from fund.finance.agent_models import DirectCost, InterestEntry
from fund.finance.closure_models import ClosureShare, Refund
from fund.finance.models import NOT_VOIDED, Contribution, ContributionVoid, Disbursement
from fund.labels import N_
from fund.money import ZERO, from_cents, read_amount, total_of

# organization id -> amount
ByOrganization = dict[int, Decimal]
# (allocation id, organization id) -> amount
ByShare = dict[tuple[int, int], Decimal]

_EXPENDITURE: list[Callable[[], ByShare]] = []

FIGURES = (
    "deposits",
    "administrative_agent_fee",
    "interest",
    "transfers",
    "refunds",
    "direct_costs",
    "balance_with_administrative_agent",
    "expenditure",
    "participating_balance",
)

# The funding status as the pages state it, line by line: the figure, its label, and whether
# it is a balance (shown strong). "Transfers less refunds" is the one line not a FIGURE.
TRANSFERS_LESS_REFUNDS = "transfers_less_refunds"
STATEMENT = (
    ("deposits", N_("Deposits"), False),
    ("administrative_agent_fee", N_("less the Administrative Agent's fee"), False),
    ("interest", N_("plus interest"), False),
    ("refunds", N_("plus refunds from participating organizations"), False),
    ("transfers", N_("less transfers to participating organizations"), False),
    ("direct_costs", N_("less direct costs"), False),
    ("balance_with_administrative_agent", N_("Balance with the Administrative Agent"), True),
    (TRANSFERS_LESS_REFUNDS, N_("Transfers less refunds"), False),
    ("expenditure", N_("less expenditure (reported, or final at closure)"), False),
    ("participating_balance", N_("Balance with participating organizations"), True),
)


@dataclass(frozen=True)
class StatementLine:
    label: str  # marked for translation: said on the page
    amount: Decimal
    balance: bool = False


def statement(figures: Mapping[str, Decimal]) -> list[StatementLine]:
    """The lines the pages state the funding status in (STATEMENT), from its FIGURES by name:
    the finance page's (`FundingStatus.figures`) and the public page's, kept."""
    values = {**figures, TRANSFERS_LESS_REFUNDS: figures["transfers"] - figures["refunds"]}
    return [StatementLine(label, values[name], balance) for name, label, balance in STATEMENT]


def register_expenditure(reader: Callable[[], ByShare]) -> None:
    """Name the function giving each participating organization's reported expenditure on each
    programme (once: a second registration of the same reader changes nothing)."""
    if reader not in _EXPENDITURE:
        _EXPENDITURE[:] = [reader]


@dataclass
class OrganizationStatus:
    """One participating organization's money: what it was transferred, refunded and spent."""

    id: int
    name: str
    acronym: str
    label: str
    transfers: Decimal = ZERO
    refunds: Decimal = ZERO
    expenditure: Decimal = ZERO

    @property
    def participating_balance(self) -> Decimal:
        """What it was transferred, less what it refunded and what it spent."""
        return self.transfers - self.refunds - self.expenditure

    def to_dict(self) -> dict[str, str]:
        return {
            "name": self.name,
            "acronym": self.acronym,
            "transfers": f"{self.transfers:.2f}",
            "refunds": f"{self.refunds:.2f}",
            "expenditure": f"{self.expenditure:.2f}",
            "participating_balance": f"{self.participating_balance:.2f}",
        }


@dataclass
class FundingStatus:
    deposits: Decimal = ZERO
    administrative_agent_fee: Decimal = ZERO
    interest: Decimal = ZERO
    direct_costs: Decimal = ZERO
    organizations: list[OrganizationStatus] = field(default_factory=list)

    transfers = total_of("organizations", "transfers")
    refunds = total_of("organizations", "refunds")
    expenditure = total_of("organizations", "expenditure")

    @property
    def balance_with_administrative_agent(self) -> Decimal:
        return (
            self.deposits
            - self.administrative_agent_fee
            + self.interest
            + self.refunds
            - self.transfers
            - self.direct_costs
        )

    # The fund's balance with the organizations: the sum of theirs, as each one's is defined.
    participating_balance = total_of("organizations", "participating_balance")

    @property
    def figures(self) -> dict[str, Decimal]:
        """The FIGURES by name."""
        return {name: getattr(self, name) for name in FIGURES}

    @property
    def statement(self) -> list[StatementLine]:
        return statement(self.figures)

    def to_dict(self) -> dict[str, object]:
        figures: dict[str, object] = {name: f"{getattr(self, name):.2f}" for name in FIGURES}
        figures["organizations"] = [o.to_dict() for o in self.organizations]
        return figures


def _total(column, *where) -> Decimal:
    return from_cents(db.session.scalar(select(cents_sum(column)).where(*where)))


def _by_organization(column, organization) -> ByOrganization:
    rows = db.session.execute(
        select(organization, cents_sum(column).label("cents")).group_by(organization)
    )
    return {row[0]: from_cents(row.cents) for row in rows}


def refunds_by_organization() -> ByOrganization:
    """What each participating organization paid back to the fund: the refunds of its unspent
    balances on closed programmes, recorded by the administrative agent (fund.finance.closure)."""
    return _by_organization(Refund.amount, Refund.organization_id)


def expenditure_by_organization() -> ByOrganization:
    """What each participating organization spent: on a closed programme its final
    expenditure, on another what its accepted financial reports say (zero with no reader)."""
    final = {
        (row.allocation_id, row.organization_id): read_amount(row.final_expenditure)
        for row in db.session.execute(
            select(
                ClosureShare.allocation_id,
                ClosureShare.organization_id,
                ClosureShare.final_expenditure,
            )
        )
    }
    closed = {allocation for allocation, _ in final}
    reported = _EXPENDITURE[0]() if _EXPENDITURE else {}
    counted = [
        (organization, amount)
        for (allocation, organization), amount in reported.items()
        if allocation not in closed  # a closed programme counts its final expenditure only
    ] + [(organization, amount) for (_, organization), amount in final.items()]
    spent: ByOrganization = {}
    for organization, amount in counted:
        spent[organization] = spent.get(organization, ZERO) + amount
    return spent


def funding_status() -> FundingStatus:
    """The funding status now: a handful of SQL sums."""
    counted = (NOT_VOIDED,)
    deposits = db.session.execute(
        select(
            cents_sum(Contribution.gross).label("gross"),
            cents_sum(Contribution.fee).label("fee"),
        )
        .select_from(Contribution)
        .outerjoin(ContributionVoid)
        .where(*counted)
    ).one()
    transfers = _by_organization(Disbursement.amount, Disbursement.organization_id)
    refunds = refunds_by_organization()
    expenditure = expenditure_by_organization()
    ids = set(transfers) | set(refunds) | set(expenditure)
    organizations = []
    if ids:
        rows = db.session.execute(
            select(Organization.id, Organization.name, Organization.acronym, Organization.label)
            .where(Organization.id.in_(ids))
            .order_by(Organization.acronym, Organization.name)
        )
        organizations = [
            OrganizationStatus(
                id=row.id,
                name=row.name,
                acronym=row.acronym or "",
                label=row.label,
                transfers=transfers.get(row.id, ZERO),
                refunds=refunds.get(row.id, ZERO),
                expenditure=expenditure.get(row.id, ZERO),
            )
            for row in rows
        ]
    return FundingStatus(
        deposits=from_cents(deposits.gross),
        administrative_agent_fee=from_cents(deposits.fee),
        interest=_total(InterestEntry.amount),
        direct_costs=_total(DirectCost.amount),
        organizations=organizations,
    )

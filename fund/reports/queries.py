"""Data for the exports: funded programmes for open data (the spreadsheets' tables:
`fund.reports.table_queries`).

Each function runs a fixed number of SQL queries, whatever the number of proposals.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import Row, select

from fund.accounts.models import Organization
from fund.calls.models import Call
from fund.coverage.programme_money import budget_lines, programme_money
from fund.days import last_day
from fund.dialects import cents_sum
from fund.extensions import plain_rows
from fund.finance.closure_queries import ProgrammeRefunds, refunds_by_proposal
from fund.finance.models import Allocation, AllocationShare, Disbursement
from fund.i18n import Money
from fund.labels import N_
from fund.money import ZERO, configured_indirect_rate, from_cents, total_of
from fund.proposals import status_rules
from fund.proposals.models import (
    BudgetLine,
    Proposal,
    Scope,
    proposal_countries,
    proposal_participants,
    proposal_secondary_objectives,
)
from fund.reference.models import Country, GcmObjective
from fund.reports.results_data import OutcomeData, programme_results
from fund.sentences import Sentence

# Programmes the public sees: funded, and funded then closed full programmes
# (`fund.proposals.status_rules.funded`: FUNDED_STATES of workflows, never a concept note).

# Who publishes the open data, and under which identifiers. Every value can be overridden in
# the application configuration (same key).
PUBLISHER_DEFAULTS: dict[str, str] = {
    "FUND_CODE": "MIG00",
    # The Administrative Agent (UNDP Multi-Partner Trust Fund Office) holds the fund's money
    # and publishes for it, under UNDP's organisation identifier (org-id.guide, XM-DAC).
    "OPEN_DATA_PUBLISHER_ORG_ID": "XM-DAC-41114",
    "OPEN_DATA_PUBLISHER_NAME": "UNDP Multi-Partner Trust Fund Office",
    # IATI OrganisationType 40: multilateral.
    "OPEN_DATA_PUBLISHER_ORG_TYPE": "40",
    # 360Giving grant identifiers start with the publisher's 360G prefix.
    "GIVING360_PREFIX": "360G-MIG00",
    "OPEN_DATA_LICENSE_NAME": "Creative Commons Attribution 4.0 International (CC BY 4.0)",
    "OPEN_DATA_LICENSE_URL": "https://creativecommons.org/licenses/by/4.0/",
}


@dataclass(frozen=True)
class Publisher:
    """Who publishes the open data, and under which identifiers and licence."""

    fund_name: str
    fund_code: str
    org_id: str
    org_name: str
    org_type: str
    giving360_prefix: str
    license_name: str
    license_url: str


def publisher_from_config(config: Mapping[str, Any]) -> Publisher:
    def get(key: str) -> str:
        return str(config.get(key) or PUBLISHER_DEFAULTS[key])

    return Publisher(
        fund_name=str(config["FUND_NAME"]),
        fund_code=get("FUND_CODE"),
        org_id=get("OPEN_DATA_PUBLISHER_ORG_ID"),
        org_name=get("OPEN_DATA_PUBLISHER_NAME"),
        org_type=get("OPEN_DATA_PUBLISHER_ORG_TYPE"),
        giving360_prefix=get("GIVING360_PREFIX"),
        license_name=get("OPEN_DATA_LICENSE_NAME"),
        license_url=get("OPEN_DATA_LICENSE_URL"),
    )


def proposal_ref(proposal_id: int) -> str:
    """A proposal's part of its published IATI activity and 360Giving grant identifiers:
    P00042, where the pages say P-00042 (fund.proposals.models.proposal_reference).

    Both standards want an identifier to stay the same for the life of the activity or grant:
    changed, it would be read as a new one. The identifiers were first published in this form,
    so it stays."""
    return f"P{proposal_id:05d}"


@dataclass(frozen=True)
class OrganizationRef:
    """An organization as the exports name it."""

    id: int
    name: str
    acronym: str | None
    label: str
    kind: str
    iati_org_id: str | None  # None when unknown: never guessed

    @classmethod
    def of(cls, organization: Organization) -> OrganizationRef:
        return cls(
            id=organization.id,
            name=organization.name,
            acronym=organization.acronym,
            label=organization.label,
            kind=organization.kind,
            iati_org_id=(organization.iati_org_id or "").strip() or None,
        )

    @property
    def display_name(self) -> str:
        """The organization named in full, as its pages name it (`Organization.named`)."""
        return Organization.named(self.name, self.acronym)


@dataclass(frozen=True)
class ObjectiveRef:
    """A GCM objective as the exports and the public pages name it."""

    number: int
    short_label: str
    title: str


@dataclass(frozen=True)
class CountryRef:
    """A country by its ISO 3166 alpha-2 code and name."""

    iso2: str
    name: str


@dataclass(frozen=True)
class ShareRow:
    """An organization's share of an allocation, and how much of it was disbursed."""

    organization: OrganizationRef
    amount: Decimal
    disbursed: Decimal


@dataclass(frozen=True)
class DisbursementRow:
    """One disbursement (transfer) of an allocation to an organization."""

    id: int
    organization: OrganizationRef
    paid_on: date
    amount: Decimal
    reference: str
    recorded_at: datetime


@dataclass(frozen=True)
class AllocationRow:
    """A funded programme's allocation, with its shares and disbursements."""

    id: int
    amount: Decimal
    allocated_on: date
    recorded_at: datetime
    shares: tuple[ShareRow, ...]
    disbursements: tuple[DisbursementRow, ...]

    disbursed = total_of("disbursements", "amount")


@dataclass(frozen=True)
class FundedProgramme:
    """A funded (or closed) joint programme with what open data publishes about it."""

    proposal_id: int
    title: str
    summary: str
    status: str
    scope: str | None
    call_id: int
    call_title: str
    planned_start: date | None
    duration_months: int | None
    lead: OrganizationRef | None
    participants: tuple[OrganizationRef, ...]
    countries: tuple[CountryRef, ...]
    primary_objective: ObjectiveRef | None
    secondary_objectives: tuple[ObjectiveRef, ...]
    # Money by GCM objective as coverage counts it: direct costs plus each organization's
    # indirect costs apportioned to its objectives (fund.coverage.programme_money).
    objective_costs: tuple[tuple[ObjectiveRef, Decimal], ...]
    allocation: AllocationRow | None
    updated_at: datetime
    # The results framework (fund.reports.results_data): outcomes, outputs, indicators.
    results: tuple[OutcomeData, ...] = ()
    # A closed programme's refunds due and received (fund.finance.closure_queries).
    refunds: ProgrammeRefunds | None = None
    # The direct costs of each programme year (`BudgetLine.year`), by year: what the budget
    # of each year of the IATI activity is apportioned by (`fund.reports.iati`).
    direct_by_year: tuple[tuple[int, Decimal], ...] = ()

    @property
    def ref(self) -> str:
        return proposal_ref(self.proposal_id)

    @property
    def planned_end(self) -> date | None:
        if self.planned_start is None or self.duration_months is None:
            return None
        return last_day(self.planned_start, self.duration_months)

    @property
    def organizations(self) -> tuple[OrganizationRef, ...]:
        """The participating organizations, the lead first."""
        others = tuple(o for o in self.participants if self.lead is None or o.id != self.lead.id)
        return ((self.lead,) if self.lead else ()) + others

    @property
    def objectives(self) -> tuple[ObjectiveRef, ...]:
        """Primary, secondary and budgeted objectives, once each, by number."""
        found = {o.number: o for o in self.secondary_objectives}
        found.update((o.number, o) for o, amount in self.objective_costs if amount > 0)
        if self.primary_objective:
            found[self.primary_objective.number] = self.primary_objective
        return tuple(found[n] for n in sorted(found))

    @property
    def last_updated(self) -> datetime:
        times = [self.updated_at]
        if self.allocation:
            times.append(self.allocation.recorded_at)
            times.extend(d.recorded_at for d in self.allocation.disbursements)
        if self.refunds:
            times.extend(self.refunds.recorded_at)
        times.extend(when for outcome in self.results for when in outcome.actuals_recorded_at)
        return max(times)


def publication_problems(programme: FundedProgramme) -> list[str]:
    """Why the programme cannot be published as open data yet (empty: it can), in English
    (the files' logs and the command); marked, so that the reports page says them in its
    language."""
    problems = []
    if not programme.title.strip():
        problems.append(N_("it has no title"))
    if not programme.summary.strip():
        problems.append(N_("it has no summary to publish as its description"))
    if not programme.organizations:
        problems.append(N_("it has no participating organization"))
    if programme.planned_start is None:
        problems.append(N_("it has no planned start date"))
    if programme.duration_months is None:
        problems.append(N_("it has no duration"))
    if not programme.countries and programme.scope != Scope.GLOBAL:
        problems.append(N_("it names no recipient country (only a global programme may have none)"))
    if programme.primary_objective is None and not any(a > 0 for _, a in programme.objective_costs):
        problems.append(N_("it has no GCM objective"))
    allocation = programme.allocation
    if allocation is None:
        problems.append(N_("it has no allocation recorded"))
    else:
        shares = sum((s.amount for s in allocation.shares), ZERO)
        if allocation.shares and shares != allocation.amount:
            problems.append(
                Sentence(
                    N_(
                        "its allocation shares add up to %(shares)s, not the allocation of "
                        "%(amount)s"
                    ),
                    shares=Money(shares),
                    amount=Money(allocation.amount),
                )
            )
        if allocation.disbursed > allocation.amount:
            problems.append(N_("more was disbursed than allocated"))
    return problems


def _grouped(query, refs: Mapping[Any, Any]) -> dict[int, list[Any]]:
    """The rows of a query of (key, code) pairs as lists of the codes' references by key, in
    the query's order."""
    grouped: dict[int, list[Any]] = defaultdict(list)
    for key, code in plain_rows(query):
        grouped[key].append(refs[code])
    return grouped


def _funded_links(link: Any, refs: Mapping[Any, Any], *by: Any) -> dict[int, list[Any]]:
    """The references (`refs`) a funded programme links to through the column `link` of a
    table of (proposal_id, `link`), by programme; each programme's in the order of `by`,
    columns of the entity `link` refers to, the last its key (joined to `link`), or without
    `by` in the order of `link`."""
    table = link.table
    query = select(table.c.proposal_id, link).join(Proposal, Proposal.id == table.c.proposal_id)
    if by:
        key = by[-1]
        query = query.join(key.class_, key == link)
    query = query.where(status_rules.funded()).order_by(table.c.proposal_id, *(by or (link,)))
    return _grouped(query, refs)


def to_proposal(query: Any, entity: Any) -> Any:
    """`query` joined from `entity` (a budget line, an allocation, or an allocation's share or
    disbursement) to its proposal: a share's or a disbursement's through its allocation."""
    if entity in (AllocationShare, Disbursement):
        query = query.join(Allocation, Allocation.id == entity.allocation_id)
        entity = Allocation
    return query.join(Proposal, Proposal.id == entity.proposal_id)


def organization_refs() -> dict[int, OrganizationRef]:
    """Every organization as open data names it, by id (one query over a small table)."""
    return {
        id_: OrganizationRef(
            id=id_,
            name=name,
            acronym=acronym,
            label=label,
            kind=kind,
            iati_org_id=(iati_org_id or "").strip() or None,
        )
        for id_, name, acronym, label, kind, iati_org_id in plain_rows(
            select(
                Organization.id,
                Organization.name,
                Organization.acronym,
                Organization.label,
                Organization.kind,
                Organization.iati_org_id,
            )
        )
    }


def objective_refs() -> dict[int, ObjectiveRef]:
    """The 23 GCM objectives as open data and the public pages name them, by number, in their
    order (one query over a small table)."""
    return {
        number: ObjectiveRef(number, short_label, title)
        for number, short_label, title in plain_rows(
            select(GcmObjective.number, GcmObjective.short_label, GcmObjective.title).order_by(
                GcmObjective.number
            )
        )
    }


def funded_programmes() -> list[FundedProgramme]:
    """Funded and closed programmes with their allocation, shares and disbursements, by id.

    Fourteen queries of plain columns (no ORM objects, nothing batched by key, so the number of
    statements stays the same at any size): the organizations, countries and objectives (small
    tables, read whole and shared by every programme), then for the funded programmes their
    proposals with the call, participants, countries, secondary objectives, money by objective
    as coverage counts it (in SQL), direct costs by programme year, allocations, shares and
    disbursements, the closed ones' refunds due and received (two); and their results
    frameworks in six more (`fund.reports.results_data`).
    """
    funded = status_rules.funded()
    organizations = organization_refs()
    countries = {
        iso2: CountryRef(iso2, name)
        for iso2, name in plain_rows(select(Country.iso2, Country.name))
    }
    objectives = objective_refs()
    proposals = plain_rows(
        select(
            Proposal.id,
            Proposal.title,
            Proposal.summary,
            Proposal.status,
            Proposal.scope,
            Proposal.call_id,
            Call.title,
            Proposal.planned_start,
            Proposal.duration_months,
            Proposal.lead_organization_id,
            Proposal.primary_objective_number,
            Proposal.updated_at,
        )
        .join(Call, Call.id == Proposal.call_id)
        .where(funded)
        .order_by(Proposal.id)
    )

    participants = _funded_links(
        proposal_participants.c.organization_id,
        organizations,
        Organization.acronym,
        Organization.id,
    )
    places = _funded_links(proposal_countries.c.country_iso2, countries, Country.name, Country.iso2)
    secondary = _funded_links(proposal_secondary_objectives.c.objective_number, objectives)
    costs: dict[int, list[tuple[ObjectiveRef, Decimal]]] = defaultdict(list)
    lines = budget_lines(Proposal.status.label("status")).where(funded).cte("open_data_lines")
    rate = configured_indirect_rate(current_app.config)
    by_objective = programme_money(lines, rate, "status", "open_data").by_objective
    for proposal_id, number, amount in plain_rows(
        select(
            by_objective.c.proposal_id,
            by_objective.c.objective_number,
            by_objective.c.direct + by_objective.c.indirect,
        ).order_by(by_objective.c.proposal_id, by_objective.c.objective_number)
    ):
        costs[proposal_id].append((objectives[number], from_cents(amount)))
    years: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    for proposal_id, year, cents in plain_rows(
        to_proposal(
            select(BudgetLine.proposal_id, BudgetLine.year, cents_sum(BudgetLine.amount)),
            BudgetLine,
        )
        .where(funded)
        .group_by(BudgetLine.proposal_id, BudgetLine.year)
        .order_by(BudgetLine.proposal_id, BudgetLine.year)
    ):
        years[proposal_id].append((year, from_cents(cents)))

    allocations = {
        row[1]: row
        for row in plain_rows(
            select(
                Allocation.id,
                Allocation.proposal_id,
                Allocation.amount,
                Allocation.allocated_on,
                Allocation.recorded_at,
            )
            .join(Proposal, Proposal.id == Allocation.proposal_id)
            .where(funded)
        )
    }
    shares: dict[int, list[ShareRow]] = defaultdict(list)
    for allocation_id, organization_id, amount, disbursed in plain_rows(
        to_proposal(
            select(
                AllocationShare.allocation_id,
                AllocationShare.organization_id,
                AllocationShare.amount,
                AllocationShare.disbursed,
            ),
            AllocationShare,
        )
        .where(funded)
        .order_by(AllocationShare.allocation_id, AllocationShare.organization_id)
    ):
        shares[allocation_id].append(ShareRow(organizations[organization_id], amount, disbursed))
    tranches: dict[int, list[DisbursementRow]] = defaultdict(list)
    for id_, allocation_id, organization_id, paid_on, amount, reference, recorded_at in plain_rows(
        to_proposal(
            select(
                Disbursement.id,
                Disbursement.allocation_id,
                Disbursement.organization_id,
                Disbursement.paid_on,
                Disbursement.amount,
                Disbursement.reference,
                Disbursement.recorded_at,
            ),
            Disbursement,
        )
        .where(funded)
        .order_by(Disbursement.paid_on, Disbursement.id)
    ):
        tranches[allocation_id].append(
            DisbursementRow(
                id=id_,
                organization=organizations[organization_id],
                paid_on=paid_on,
                amount=amount,
                reference=reference or "",
                recorded_at=recorded_at,
            )
        )

    results = programme_results(organizations)
    programmes = []
    refunds = refunds_by_proposal()
    for (
        id_,
        title,
        summary,
        status,
        scope,
        call_id,
        call_title,
        planned_start,
        duration_months,
        lead_id,
        primary,
        updated_at,
    ) in proposals:
        allocation = allocations.get(id_)
        programmes.append(
            FundedProgramme(
                proposal_id=id_,
                title=title or "",
                summary=summary or "",
                status=status,
                scope=scope,
                call_id=call_id,
                call_title=call_title,
                planned_start=planned_start,
                duration_months=duration_months,
                lead=organizations[lead_id] if lead_id else None,
                participants=tuple(participants.get(id_, ())),
                countries=tuple(places.get(id_, ())),
                primary_objective=objectives[primary] if primary else None,
                secondary_objectives=tuple(secondary.get(id_, ())),
                objective_costs=tuple(costs.get(id_, ())),
                allocation=_allocation_row(allocation, shares, tranches) if allocation else None,
                updated_at=updated_at,
                results=results.get(id_, ()),
                refunds=refunds.get(id_),
                direct_by_year=tuple(years.get(id_, ())),
            )
        )
    return programmes


def _allocation_row(
    row: Row[Any],
    shares: Mapping[int, list[ShareRow]],
    tranches: Mapping[int, list[DisbursementRow]],
) -> AllocationRow:
    id_, _, amount, allocated_on, recorded_at = row
    return AllocationRow(
        id=id_,
        amount=amount,
        allocated_on=allocated_on,
        recorded_at=recorded_at,
        shares=tuple(shares.get(id_, ())),
        disbursements=tuple(tranches.get(id_, ())),
    )

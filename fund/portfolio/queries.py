"""The public portfolio: the programmes the public may follow, as plain dataclasses.

Public programmes are the funded and closed full programmes (`status_rules.funded`) and,
where the committee made them public (`Proposal.pipeline_public`, set by
`fund.pipeline.operations.set_public`), the rows of the ranked pipeline: approved programmes
awaiting money and concept notes approved into the pipeline. Any other id is not public:
`programme_detail` answers None for it.

Interface (stable; the pages and the JSON API read it):

- `list_programmes(after_id=None, limit=None) -> list[ProgrammeSummary]`: by id, ascending;
  `after_id` and `limit` page through it by key (the next page starts after the last id of
  this one). The pages and the API read it as `fund.portfolio.figures.portfolio()` keeps it.
- `ProgrammeFilters`: objective number, thematic area code, country (ISO 3166 alpha-2) and
  public status (`PublicStatus`), each optional; `chooses(programme)` is the filters' one rule.
- `programme_detail(proposal_id) -> ProgrammeDetail | None`.

Money is Decimal. Each function runs a fixed number of SQL statements whatever the data size:
`list_programmes` four, `programme_detail` thirteen (`QUERIES_LIST`, `QUERIES_DETAIL`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import String, and_, cast, func, literal, null, or_, select, union_all
from sqlalchemy.sql.elements import ColumnElement

from fund.calls.models import Call
from fund.coverage.programme_money import NO_INDIRECT, budget_lines, note_lines, programme_money
from fund.extensions import plain_rows
from fund.finance.closure_models import ProgrammeClosure, kept_of
from fund.finance.closure_queries import allocation_refunds_cents, closure_columns
from fund.finance.models import Allocation, AllocationShare, Disbursement
from fund.labels import N_, LabelledEnum
from fund.money import ZERO, configured_indirect_rate, from_cents, read_amount, sql_cents, total_of
from fund.proposals import status_rules
from fund.proposals.budget import OrganizationBudget
from fund.proposals.models import (
    IndicativeTotal,
    NationalPartner,
    PartnerType,
    Proposal,
    proposal_countries,
    proposal_participants,
    proposal_reference,
    proposal_secondary_objectives,
)
from fund.proposals.results import IndicatorActual, ResultIndicator, ResultOutcome
from fund.reference.models import Country, ThematicArea, objective_thematic_area
from fund.reports.queries import (
    CountryRef,
    ObjectiveRef,
    OrganizationRef,
    ShareRow,
    objective_refs,
    organization_refs,
    proposal_ref,
    publisher_from_config,
)
from workflows.proposal import CLOSED_STATE, FUNDED_STATE

QUERIES_LIST = 4
QUERIES_DETAIL = 13


class PublicStatus(LabelledEnum):
    """Where a public programme stands: funded, closed, or in the pipeline."""

    FUNDED = "funded", N_("Funded")
    CLOSED = "closed", N_("Closed")
    PIPELINE = "pipeline", N_("In the pipeline")


@dataclass(frozen=True)
class ProgrammeFilters:
    """What the public list of programmes is narrowed to; None or empty chooses all."""

    objective: int | None = None
    thematic_area: str | None = None
    country: str | None = None
    status: PublicStatus | None = None

    def chooses(self, programme: ProgrammeSummary) -> bool:
        """Whether the filters keep `programme`: one of its objectives (primary or secondary),
        one of its objectives' thematic areas, one of its countries, its public status."""
        return (
            (self.objective is None or self.objective in programme.objectives)
            and (not self.thematic_area or self.thematic_area in programme.thematic_areas)
            and (not self.country or any(c.iso2 == self.country for c in programme.countries))
            and (self.status is None or programme.status is self.status)
        )


@dataclass(frozen=True)
class ProgrammeSummary:
    """A public programme as the list, the map and the API show it."""

    id: int
    reference: str  # P-00042, as the pages write it
    title: str
    status: PublicStatus
    is_concept_note: bool
    scope: str | None  # fund.proposals.models.Scope value
    lead: OrganizationRef | None
    countries: tuple[CountryRef, ...]  # by name
    primary_objective: int | None
    objectives: tuple[int, ...]  # the primary then the secondary ones, by number
    thematic_areas: tuple[str, ...]  # the areas of those objectives, by code
    # Funded money (the allocation) for funded and closed programmes; for the pipeline, the
    # approved budget of a programme or the indicative total of a concept note.
    amount: Decimal
    funded: Decimal  # the allocation; zero in the pipeline
    planned_start: date | None
    duration_months: int | None
    # What a closed programme kept: its allocation less what went back to the fund at closure
    # (never transferred) and the refunds received since; None unless closed.
    kept: Decimal | None = None
    content_language: str = "en"  # the language its title and summary are written in

    @property
    def in_pipeline(self) -> bool:
        """Approved (or a concept note in the pipeline) and waiting for funds: not funded yet."""
        return self.status is PublicStatus.PIPELINE


@dataclass(frozen=True)
class NationalPartnerRow:
    """A national partner of a public programme, and its kind."""

    name: str
    partner_type: str  # PartnerType value

    @property
    def type_label(self) -> str:
        return PartnerType.label_of(self.partner_type)


@dataclass(frozen=True)
class ObjectiveBudget:
    """A programme's budget under one GCM objective."""

    objective: ObjectiveRef
    amount: Decimal  # direct costs plus the indirect costs apportioned (as coverage counts)


@dataclass(frozen=True)
class TransferRow:
    """A transfer of a programme's allocation to a participating organization."""

    organization: OrganizationRef
    paid_on: date
    amount: Decimal


@dataclass(frozen=True)
class IndicatorResult:
    """An indicator of a public programme: its baseline, end target and latest actual."""

    definition: str
    unit: str
    baseline: Decimal | None
    end_target: Decimal | None
    latest_year: int | None  # the year of the latest accepted actual
    latest_actual: Decimal | None


@dataclass(frozen=True)
class OutcomeResult:
    """An outcome of a public programme with its indicators."""

    title: str
    indicators: tuple[IndicatorResult, ...]


@dataclass(frozen=True)
class ClosureFacts:
    """What a closed programme gave back to the fund: its allocation never transferred
    (`released`), the refunds received of what was transferred and not spent (`refunded`),
    and the refunds still due (`still_due`) (`fund.finance.closure_queries.closure_columns`)."""

    closed_on: date
    released: Decimal
    refunded: Decimal
    still_due: Decimal


@dataclass(frozen=True)
class ProgrammeDetail:
    """A public programme's page: its summary with the budget, money and results."""

    programme: ProgrammeSummary
    summary: str
    call_title: str
    participants: tuple[OrganizationRef, ...]  # the lead first
    national_partners: tuple[NationalPartnerRow, ...]
    objectives: tuple[ObjectiveRef, ...]  # the primary then the secondary ones
    budget_by_organization: tuple[OrganizationBudget[OrganizationRef], ...]
    budget_by_objective: tuple[ObjectiveBudget, ...]
    allocated_on: date | None
    shares: tuple[ShareRow, ...]  # the allocation by organization
    transfers: tuple[TransferRow, ...]  # by date
    results: tuple[OutcomeResult, ...]
    iati_identifier: str | None  # funded and closed programmes only: the IATI activity
    closure: ClosureFacts | None = None  # a closed programme's

    budget_direct = total_of("budget_by_organization", "direct")
    budget_indirect = total_of("budget_by_organization", "indirect")

    @property
    def budget_total(self) -> Decimal:
        return self.budget_direct + self.budget_indirect

    transferred = total_of("transfers", "amount")

    @property
    def kept(self) -> Decimal | None:
        """What a closed programme kept (`ProgrammeSummary.kept`): what was transferred to it
        less its refunds."""
        return self.programme.kept


def is_public() -> ColumnElement[bool]:
    """The proposal is one the public may follow (see the module)."""
    return or_(
        status_rules.funded(),
        and_(
            Proposal.pipeline_public.is_(True),
            or_(status_rules.in_pipeline(), status_rules.note_in_pipeline()),
        ),
    )


def _public_status(status: str, kind: str) -> PublicStatus:
    if kind == status_rules.PROGRAMME and status == CLOSED_STATE:
        return PublicStatus.CLOSED
    if kind == status_rules.PROGRAMME and status == FUNDED_STATE:
        return PublicStatus.FUNDED
    return PublicStatus.PIPELINE


def _summaries(conditions: list[ColumnElement[bool]], after_id: int | None, limit: int | None):
    """The summaries of the public programmes meeting `conditions`, in four statements."""
    indicative = (
        select(
            IndicativeTotal.proposal_id.label("proposal_id"),
            func.sum(IndicativeTotal.amount).label("amount"),
        )
        .group_by(IndicativeTotal.proposal_id)
        .subquery("indicative")
    )
    query = (
        select(
            Proposal.id,
            Proposal.title,
            Proposal.status,
            Proposal.kind,
            Proposal.scope,
            Proposal.lead_organization_id,
            Proposal.organization_id,
            Proposal.primary_objective_number,
            Proposal.planned_start,
            Proposal.duration_months,
            Allocation.amount,
            Proposal.approved_total,
            indicative.c.amount,
            sql_cents(ProgrammeClosure.released),
            allocation_refunds_cents(),
            Proposal.content_language,
        )
        .outerjoin(Allocation, Allocation.proposal_id == Proposal.id)
        .outerjoin(indicative, indicative.c.proposal_id == Proposal.id)
        .outerjoin(ProgrammeClosure, ProgrammeClosure.allocation_id == Allocation.id)
        .where(*conditions)
        .order_by(Proposal.id)
    )
    if after_id is not None:
        query = query.where(Proposal.id > after_id)
    if limit is not None:
        query = query.limit(limit)
    rows = plain_rows(query)
    ids = [row[0] for row in rows]
    organizations = organization_refs()
    places: dict[int, list[CountryRef]] = defaultdict(list)
    secondary: dict[int, list[int]] = defaultdict(list)
    areas_of: dict[int, list[str]] = defaultdict(list)
    if ids:
        links = union_all(
            select(
                proposal_countries.c.proposal_id,
                proposal_countries.c.country_iso2,
                Country.name,
            )
            .join(Country, Country.iso2 == proposal_countries.c.country_iso2)
            .where(proposal_countries.c.proposal_id.in_(ids)),
            select(
                proposal_secondary_objectives.c.proposal_id,
                cast(proposal_secondary_objectives.c.objective_number, String),
                cast(null(), String),
            ).where(proposal_secondary_objectives.c.proposal_id.in_(ids)),
        )
        for proposal_id, key, name in plain_rows(links):
            if name is None:
                secondary[proposal_id].append(int(key))
            else:
                places[proposal_id].append(CountryRef(key, name))
    for number, code in plain_rows(
        select(
            objective_thematic_area.c.objective_number, objective_thematic_area.c.thematic_area_code
        )
    ):
        areas_of[number].append(code)
    found = []
    for (
        id_,
        title,
        status,
        kind,
        scope,
        lead_id,
        owner_id,
        primary,
        planned_start,
        duration_months,
        allocated,
        approved_total,
        indicative_total,
        released,
        refunded,
        content_language,
    ) in rows:
        numbers = ((primary,) if primary is not None else ()) + tuple(
            n for n in sorted(secondary.get(id_, ())) if n != primary
        )
        public_status = _public_status(status, kind)
        funded = allocated if public_status is not PublicStatus.PIPELINE and allocated else ZERO
        pipeline_amount = approved_total if kind == status_rules.PROGRAMME else indicative_total
        lead = lead_id or (owner_id if kind == status_rules.CONCEPT_NOTE else None)
        found.append(
            ProgrammeSummary(
                id=id_,
                reference=proposal_reference(id_),
                title=title or "",
                status=public_status,
                is_concept_note=kind == status_rules.CONCEPT_NOTE,
                scope=scope,
                lead=organizations.get(lead) if lead else None,
                countries=tuple(sorted(places.get(id_, ()), key=lambda c: c.name)),
                primary_objective=primary,
                objectives=numbers,
                thematic_areas=tuple(sorted({a for n in numbers for a in areas_of.get(n, ())})),
                amount=funded if funded else (pipeline_amount or ZERO),
                funded=funded,
                planned_start=planned_start,
                duration_months=duration_months,
                kept=(
                    kept_of(read_amount(allocated), from_cents(released), from_cents(refunded))
                    if released is not None
                    else None
                ),
                content_language=content_language or "en",
            )
        )
    return found, organizations


def list_programmes(
    after_id: int | None = None, limit: int | None = None
) -> list[ProgrammeSummary]:
    """The public programmes, by id (four statements). Which of them a filter chooses is
    `ProgrammeFilters.chooses`, read from the list the pages and the API keep."""
    return _summaries([is_public()], after_id, limit)[0]


def _money(proposal_id: int, rate: Decimal) -> Any:
    """One statement of (dimension, key, direct, indirect) rows: the programme's budget by
    organization and by objective, as coverage counts them (`programme_money`); a concept
    note's from its indicative totals."""
    lines = (
        budget_lines(Proposal.kind.label("kind"))
        .where(Proposal.id == proposal_id, status_rules.is_programme())
        .cte("portfolio_lines")
    )
    notes = (
        select(Proposal.id.label("proposal_id"), Proposal.kind.label("kind"))
        .where(Proposal.id == proposal_id, status_rules.is_concept_note())
        .cte("portfolio_notes")
    )
    parts = []
    for money in (
        programme_money(lines, rate, "kind", "portfolio"),
        programme_money(note_lines(notes, "kind", "portfolio"), NO_INDIRECT, "kind", "notes"),
    ):
        org, objective = money.by_organization.c, money.by_objective.c
        parts.append(
            select(literal("organization", String), org.organization_id, org.direct, org.indirect)
        )
        parts.append(
            select(
                literal("objective", String),
                objective.objective_number,
                objective.direct,
                objective.indirect,
            )
        )
    return union_all(*parts)


def _results(proposal_id: int) -> tuple[OutcomeResult, ...]:
    """The outcomes and their indicators with the latest accepted actual (two statements)."""
    indicators = plain_rows(
        select(
            ResultOutcome.id,
            ResultOutcome.title,
            ResultIndicator.id,
            ResultIndicator.definition,
            ResultIndicator.unit,
            ResultIndicator.baseline_value,
            ResultIndicator.end_target,
        )
        .outerjoin(ResultIndicator, ResultIndicator.outcome_id == ResultOutcome.id)
        .where(ResultOutcome.proposal_id == proposal_id)
        .order_by(
            ResultOutcome.position, ResultOutcome.id, ResultIndicator.position, ResultIndicator.id
        )
    )
    latest: dict[int, tuple[int, Decimal]] = {}
    for indicator_id, year, value in plain_rows(
        select(IndicatorActual.indicator_id, IndicatorActual.year, IndicatorActual.value)
        .join(ResultIndicator, ResultIndicator.id == IndicatorActual.indicator_id)
        .join(ResultOutcome, ResultOutcome.id == ResultIndicator.outcome_id)
        .where(ResultOutcome.proposal_id == proposal_id)
        .order_by(IndicatorActual.indicator_id, IndicatorActual.year)
    ):
        latest[indicator_id] = (year, value)  # the last year wins
    outcomes: dict[int, tuple[str, list[IndicatorResult]]] = {}
    for outcome_id, title, indicator_id, definition, unit, baseline, end_target in indicators:
        _, found = outcomes.setdefault(outcome_id, (title or "", []))
        if indicator_id is None:
            continue
        year, value = latest.get(indicator_id, (None, None))
        found.append(
            IndicatorResult(definition or "", unit or "", baseline, end_target, year, value)
        )
    return tuple(OutcomeResult(title, tuple(found)) for title, found in outcomes.values())


def programme_detail(
    proposal_id: int, config: Mapping[str, Any] | None = None
) -> ProgrammeDetail | None:
    """One public programme with everything its public page shows; None when the id is not
    that of a public programme (thirteen statements, or four for an id that is not public)."""
    config = config if config is not None else current_app.config
    found, organizations = _summaries([is_public(), Proposal.id == proposal_id], None, 1)
    if not found:
        return None
    programme = found[0]
    head = plain_rows(
        select(
            Proposal.summary,
            Call.title,
            Allocation.allocated_on,
            *closure_columns(),
        )
        .join(Call, Call.id == Proposal.call_id)
        .outerjoin(Allocation, Allocation.proposal_id == Proposal.id)
        .outerjoin(ProgrammeClosure, ProgrammeClosure.allocation_id == Allocation.id)
        .where(Proposal.id == proposal_id)
    )[0]
    objectives = objective_refs()
    participant_ids = [
        id_
        for (id_,) in plain_rows(
            select(proposal_participants.c.organization_id).where(
                proposal_participants.c.proposal_id == proposal_id
            )
        )
    ]
    lead_first = ([programme.lead.id] if programme.lead else []) + sorted(
        (i for i in participant_ids if not programme.lead or i != programme.lead.id),
        key=lambda i: organizations[i].label,
    )
    partners = tuple(
        NationalPartnerRow(name, partner_type)
        for name, partner_type in plain_rows(
            select(NationalPartner.name, NationalPartner.partner_type)
            .where(NationalPartner.proposal_id == proposal_id)
            .order_by(NationalPartner.id)
        )
    )
    rate = configured_indirect_rate(config)
    by_organization: list[OrganizationBudget[OrganizationRef]] = []
    by_objective: list[ObjectiveBudget] = []
    for dimension, key, direct, indirect in plain_rows(_money(proposal_id, rate)):
        if dimension == "organization":
            by_organization.append(
                OrganizationBudget(organizations[key], from_cents(direct), from_cents(indirect))
            )
        else:
            by_objective.append(ObjectiveBudget(objectives[key], from_cents(direct + indirect)))
    shares = sorted(
        (
            ShareRow(organizations[organization_id], amount, disbursed)
            for organization_id, amount, disbursed in plain_rows(
                select(
                    AllocationShare.organization_id,
                    AllocationShare.amount,
                    AllocationShare.disbursed,
                )
                .join(Allocation, Allocation.id == AllocationShare.allocation_id)
                .where(Allocation.proposal_id == proposal_id)
                .order_by(AllocationShare.organization_id)
            )
        ),
        key=lambda share: share.organization.label,
    )
    transfers = tuple(
        TransferRow(organizations[organization_id], paid_on, amount)
        for organization_id, paid_on, amount in plain_rows(
            select(Disbursement.organization_id, Disbursement.paid_on, Disbursement.amount)
            .join(Allocation, Allocation.id == Disbursement.allocation_id)
            .where(Allocation.proposal_id == proposal_id)
            .order_by(Disbursement.paid_on, Disbursement.id)
        )
    )
    publisher = publisher_from_config(config)
    funded = not programme.in_pipeline
    return ProgrammeDetail(
        programme=programme,
        summary=head[0] or "",
        call_title=head[1],
        participants=tuple(organizations[i] for i in lead_first),
        national_partners=partners,
        objectives=tuple(objectives[n] for n in programme.objectives if n in objectives),
        budget_by_organization=tuple(sorted(by_organization, key=lambda b: b.organization.label)),
        budget_by_objective=tuple(sorted(by_objective, key=lambda b: b.objective.number)),
        allocated_on=head[2] if funded else None,
        shares=tuple(shares),
        transfers=transfers,
        results=_results(proposal_id),
        iati_identifier=(
            f"{publisher.org_id}-{publisher.fund_code}-{proposal_ref(proposal_id)}"
            if funded
            else None
        ),
        closure=(
            ClosureFacts(head[3], *(from_cents(cents) for cents in head[4:]))
            if head[3] is not None
            else None
        ),
    )


def thematic_areas() -> list[tuple[str, str]]:
    """Every thematic area as (code, title), by code (one statement)."""
    return [
        tuple(row)
        for row in plain_rows(
            select(ThematicArea.code, ThematicArea.title).order_by(ThematicArea.code)
        )
    ]

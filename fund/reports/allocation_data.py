"""The fund allocation report's data: where the fund's money came from and went, for a call or
a period, as of a date (the layout is `fund.reports.allocation_pdf`).

Every figure comes from the functions behind the pages, so the report equals them for the same
records: `fund.coverage.queries.coverage` (the dashboard: objectives, thematic areas, regions,
markers, organizations, flags), `fund.finance.queries` (the balance page: balance, pipeline,
contributions, allocations) and `fund.results.coverage` (the results: the indicators of the
report's funded programmes, their actuals recorded by the end of the as-of day). What the
pages do not show is derived here from those figures only: contributions summed by donor, and
each programme's money in each region (`fund.coverage.programme_money`, the one definition
behind the regions' figures: a closed programme at what it kept) split over its countries.

Scope: the call and the period select the programmes exactly as on the dashboard (a programme's
date is its allocation date, else its submission date). The fund's balance and its donors are
the whole fund's, whatever the call or period: money is not raised per call.

As of a date: events after the end of that day (UTC) are left out: contributions received and
voids made later, allocations dated later, disbursements paid later, transitions recorded later
(see `fund.finance.queries.as_of` for the rule on a proposal's state). Without a date the report
shows the records as they stand when it is made.

`AllocationReport.head` is the newest event of the audit trail when the figures were read,
the records they stand for.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import gettext
from sqlalchemy import func, literal, select
from sqlalchemy.orm import aliased

from fund import money as money_rules
from fund.accounts.models import Organization
from fund.audit.queries import head
from fund.calls.models import Call
from fund.coverage.programme_money import budget_lines, kept_cents, programme_money
from fund.coverage.queries import (
    GLOBAL_LABEL,
    GLOBAL_REGION,
    Coverage,
    CoverageFilters,
    CoverageRow,
    CoverageSettings,
    coverage,
)
from fund.days import in_words
from fund.dialects import cents_sum
from fund.extensions import db
from fund.finance.closure_models import Refund, kept_of
from fund.finance.models import Allocation
from fund.finance.queries.as_of import end_of_day
from fund.finance.queries.balance import Balance, VoidedContribution, voided_contributions
from fund.finance.queries.balance import balance as fund_balance
from fund.finance.queries.lists import allocations, contributions
from fund.finance.queries.pipeline import Pipeline, PipelineRow
from fund.finance.queries.pipeline import pipeline as fund_pipeline
from fund.money import ZERO, total_of
from fund.proposals.models import OfProposal, Proposal, proposal_countries
from fund.proposals.operations import rules_from_config
from fund.reference.models import Country
from fund.reports.pdf.document import FundDocument, fund_names
from fund.results.coverage import (
    ResultsCoverage,
    funded_money,
    off_track_below,
    results_coverage,
)


@dataclass(frozen=True)
class DonorRow:
    """A donor's contributions in the allocation report: their number, gross, fee and net."""

    donor: str
    name: str
    contributions: int
    gross: Decimal
    fee: Decimal
    net: Decimal


@dataclass(frozen=True)
class CountryRow:
    """A country's funded programmes and money in the allocation report."""

    iso2: str
    name: str
    region: str  # its M49 region's English name
    programmes: int
    funded: Decimal
    region_m49: str = ""  # that region's M49 code (the pages name it in their language)


@dataclass(frozen=True)
class ProgrammeRow(OfProposal):
    """A funded programme in the allocation report, with its allocation."""

    proposal_id: int
    title: str
    organization: str  # its lead organization (the submitting one when none leads)
    countries: tuple[str, ...]
    allocated_on: date
    amount: Decimal
    disbursed: Decimal  # transferred, refunds not deducted
    released: Decimal = ZERO  # given back to the pools at closure, never transferred
    refunded: Decimal = ZERO  # the refunds received since closure

    @property
    def kept(self) -> Decimal:
        """What the programme kept (as coverage counts it): its allocation less what closure
        gave back and the refunds."""
        return kept_of(self.amount, self.released, self.refunded)


@dataclass
class AllocationReport(FundDocument):
    """Everything the report shows, read once."""

    filters: CoverageFilters
    call_title: str | None
    as_of: date | None  # None: the records as they stand at `generated_at`
    generated_at: datetime
    coverage: Coverage
    balance: Balance
    pipeline: Pipeline
    pipeline_rows: list[PipelineRow]  # those of the selection
    donors: list[DonorRow]
    voided: list[VoidedContribution]
    countries: list[CountryRow]
    programmes: list[ProgrammeRow]
    results: ResultsCoverage  # the indicators of `programmes`, by objective and fund outcome
    head: tuple[int, str] | None  # the newest audit event (id, hash) when the report was made

    @property
    def day(self) -> date:
        """The date the figures stand at."""
        return self.as_of or self.generated_at.date()

    @property
    def scope(self) -> str:
        """The call and period in words, in the language of the request."""
        return self.filters.describe(self.call_title, in_words, say=gettext)

    programmes_allocated = total_of("programmes", "amount")
    programmes_disbursed = total_of("programmes", "disbursed")
    programmes_released = total_of("programmes", "released")
    programmes_refunded = total_of("programmes", "refunded")
    programmes_kept = total_of("programmes", "kept")
    pipeline_total = total_of("pipeline_rows", "total")


def _refunds(as_of: date | None) -> dict[int, Decimal]:
    """proposal -> the refunds received on its allocation (by the end of `as_of`; one
    query)."""
    query = (
        select(Allocation.proposal_id, cents_sum(Refund.amount).label("cents"))
        .join(Allocation, Allocation.id == Refund.allocation_id)
        .group_by(Allocation.proposal_id)
    )
    if as_of is not None:
        query = query.where(Refund.received_on <= as_of)
    return {row.proposal_id: money_rules.from_cents(row.cents) for row in db.session.execute(query)}


def _in_period(day: date | None, filters: CoverageFilters) -> bool:
    if day is None:
        return not (filters.date_from or filters.date_to)
    return not (
        (filters.date_from and day < filters.date_from)
        or (filters.date_to and day > filters.date_to)
    )


def _donors(contributions: Sequence[Any], as_of: date | None) -> list[DonorRow]:
    """The contributions counted in the balance, summed by donor (largest gross first)."""
    end = end_of_day(as_of) if as_of else None
    sums: dict[int, list[Any]] = {}
    for c in contributions:
        if c.void is not None and (end is None or c.void.voided_at < end):
            continue
        row = sums.setdefault(c.donor_id, [c.donor, 0, ZERO, ZERO, ZERO])
        row[1] += 1
        row[2] += money_rules.read_amount(c.gross)
        row[3] += money_rules.read_amount(c.fee)
        row[4] += money_rules.read_amount(c.net)
    rows = [
        DonorRow(d.label, d.name, n, gross, fee, net) for d, n, gross, fee, net in sums.values()
    ]
    return sorted(rows, key=lambda r: (-r.gross, r.donor))


def _region_cents(
    programme_ids: Sequence[int], rate: Decimal, as_of: date | None
) -> dict[int, dict[str, int]]:
    """programme -> M49 region -> its whole cents there, as the coverage's regions count them
    (`fund.coverage.programme_money`: a closed programme at what it kept, by the end of
    `as_of`): one query."""
    if not programme_ids:
        return {}
    lines = (
        budget_lines(literal("funded").label("bucket"))
        .where(Proposal.id.in_(sorted(programme_ids)))
        .cte("report_lines")
    )
    by_region = programme_money(lines, rate, "bucket", "report", kept=kept_cents(as_of)).by_region
    found: dict[int, dict[str, int]] = defaultdict(dict)
    for row in db.session.execute(
        select(by_region.c.proposal_id, by_region.c.region, by_region.c.cents)
    ):
        found[row.proposal_id][row.region] = int(row.cents or 0)
    return found


def _countries(
    programmes: Sequence[ProgrammeRow],
    places: Mapping[int, list[Any]],
    regions: Sequence[CoverageRow],
    region_cents: Mapping[int, Mapping[str, int]],
) -> list[CountryRow]:
    """Each programme's money in each region (`region_cents`, as the coverage counts it: a
    closed programme at what it kept) split evenly over the programme's countries in that region
    (ISO code order, `fund.money.split_evenly`), in whole cents. The countries of a region add up
    to its coverage figure; a country counts the programmes that give it money."""
    cents: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    counts: dict[str, int] = defaultdict(int)
    names: dict[str, tuple[str, str]] = {}
    for programme in programmes:
        parts = region_cents.get(programme.proposal_id, {})
        by_region: dict[str, list[Any]] = defaultdict(list)
        for place in places.get(programme.proposal_id, []):
            by_region[place.region_m49 or GLOBAL_REGION].append(place)
        if not by_region:
            part = parts.get(GLOBAL_REGION, 0)
            cents[GLOBAL_REGION][""] += part
            counts[""] += 1 if part > 0 else 0
            continue
        for region, countries in by_region.items():
            countries = sorted(countries, key=lambda place: place.iso2)
            shares = money_rules.split_evenly(parts.get(region, 0), [p.iso2 for p in countries])
            for place in countries:
                cents[region][place.iso2] += shares[place.iso2]
                counts[place.iso2] += 1 if shares[place.iso2] > 0 else 0
                names[place.iso2] = (place.name, place.region)
    rows = []
    for region in regions:
        within = cents.get(region.key)
        if not within:
            continue
        for iso2 in sorted(within, key=lambda k: names.get(k, (GLOBAL_LABEL,))[0]):
            name, region_name = names.get(iso2, (GLOBAL_LABEL, region.label))
            rows.append(
                CountryRow(
                    iso2=iso2,
                    name=name,
                    region=region_name,
                    programmes=counts[iso2],
                    funded=money_rules.from_cents(within[iso2]),
                    region_m49=region.key,
                )
            )
    return rows


def build_allocation_report(
    config: Mapping[str, Any],
    *,
    filters: CoverageFilters | None = None,
    as_of: date | None = None,
    generated_at: datetime,
) -> AllocationReport:
    """Read the report's figures. An as-of date on or after the day of generation is the same
    as none: the records as they stand already are the state at the end of today.
    A fixed number of queries, whatever the number of programmes."""
    filters = filters or CoverageFilters()
    if as_of is not None and as_of >= generated_at.date():
        as_of = None
    settings = CoverageSettings.from_config(config)
    covered = coverage(filters, include_pipeline=True, settings=settings, as_of=as_of)
    money = fund_balance(as_of)
    pipeline = fund_pipeline(
        rules_from_config(config).indirect_rate, money.available_by_pool(), as_of
    )
    lead, applicant = aliased(Organization), aliased(Organization)
    facts = {
        row.id: (row.call_id, row.submitted_at, row.lead)
        for row in db.session.execute(
            select(
                Proposal.id,
                Proposal.call_id,
                Proposal.submitted_at,
                # The lead organization, as the public pages name it.
                func.coalesce(lead.label, applicant.label).label("lead"),
            )
            .join(applicant, applicant.id == Proposal.organization_id)
            .outerjoin(lead, lead.id == Proposal.lead_organization_id)
        )
    }

    def in_call(proposal_id: int) -> bool:
        return not filters.call_id or facts[proposal_id][0] == filters.call_id

    def submitted_on(proposal_id: int) -> date | None:
        moment = facts[proposal_id][1]
        return moment.date() if moment else None

    places: dict[int, list[Any]] = defaultdict(list)
    query = (
        select(
            proposal_countries.c.proposal_id,
            Country.iso2,
            Country.name,
            Country.region_m49,
            Country.region,
        )
        .join(Country, Country.iso2 == proposal_countries.c.country_iso2)
        .join(Allocation, Allocation.proposal_id == proposal_countries.c.proposal_id)
        .order_by(proposal_countries.c.proposal_id, Country.iso2)
    )
    if as_of is not None:
        query = query.where(Allocation.allocated_on <= as_of)
    for row in db.session.execute(query):
        places[row.proposal_id].append(row)

    refunded = _refunds(as_of)
    programmes = sorted(
        (
            ProgrammeRow(
                proposal_id=a.proposal_id,
                title=a.title,
                organization=facts[a.proposal_id][2],
                countries=tuple(p.iso2 for p in places.get(a.proposal_id, [])),
                allocated_on=a.allocated_on,
                amount=a.amount,
                disbursed=a.disbursed,
                released=a.released,
                refunded=refunded.get(a.proposal_id, ZERO),
            )
            for a in allocations(as_of)
            if in_call(a.proposal_id) and _in_period(a.allocated_on, filters)
        ),
        key=lambda p: p.proposal_id,
    )
    results = results_coverage(
        funded_money(covered),
        threshold=off_track_below(config),
        programme_ids=[p.proposal_id for p in programmes],
        reported_before=end_of_day(as_of) if as_of else None,
    )
    call_title = (
        db.session.scalar(select(Call.title).where(Call.id == filters.call_id))
        if filters.call_id
        else None
    )
    return AllocationReport(
        **fund_names(config),
        filters=filters,
        call_title=call_title,
        as_of=as_of,
        generated_at=generated_at,
        coverage=covered,
        balance=money,
        pipeline=pipeline,
        pipeline_rows=[
            r
            for r in pipeline.rows
            if in_call(r.proposal_id) and _in_period(submitted_on(r.proposal_id), filters)
        ],
        donors=_donors(contributions(as_of), as_of),
        voided=voided_contributions(as_of),
        countries=_countries(
            programmes,
            places,
            covered.regions,
            _region_cents([p.proposal_id for p in programmes], settings.indirect_rate, as_of),
        ),
        programmes=programmes,
        results=results,
        head=head(),
    )

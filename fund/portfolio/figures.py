"""The figures of the public pages: the portfolio (every public programme, with the choices of
the filters), where the funded money goes (by country, and the regional and global programmes
apart), and the contributions (donors, deposits by year, earmarks, the funding status).

`portfolio()`, `programme(id)` and `contributions()` are kept between requests
(`fund.portfolio.kept`); the map's figures are computed from the kept portfolio.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, select

from fund.accounts.models import Organization
from fund.dialects import cents_sum
from fund.extensions import db, utcnow
from fund.finance.models import GENERAL_POOL, NOT_VOIDED, Contribution, ContributionVoid
from fund.finance.status import FIGURES, StatementLine, funding_status, statement
from fund.money import ZERO, cents, from_cents, split_evenly, total_of
from fund.portfolio import queries
from fund.portfolio.kept import kept
from fund.portfolio.queries import (
    CountryRef,
    ObjectiveRef,
    ProgrammeDetail,
    ProgrammeFilters,
    ProgrammeSummary,
)
from fund.proposals.models import Scope
from fund.reports.open_data import in_iati_file
from fund.reports.queries import objective_refs

SPREAD_SCOPES = (Scope.NATIONAL.value, Scope.MULTI_COUNTRY.value)


@dataclass(frozen=True)
class Choice:
    """One choice of a filter on the public pages: the key it sends and the label shown."""

    key: str
    label: str


@dataclass(frozen=True)
class Portfolio:
    """The public portfolio as kept between requests, with what its filters offer."""

    programmes: tuple[ProgrammeSummary, ...]  # by id
    objectives: tuple[ObjectiveRef, ...]  # every objective, by number
    areas: tuple[Choice, ...]  # every thematic area, by code
    countries: tuple[CountryRef, ...]  # the countries of public programmes, by name
    as_of: datetime

    def chosen(
        self, filters: ProgrammeFilters, after_id: int | None = None, limit: int | None = None
    ) -> list[ProgrammeSummary]:
        """The programmes `filters` choose, by id: after `after_id`, `limit` of them at most."""
        found = [
            p
            for p in self.programmes
            if (after_id is None or p.id > after_id) and filters.chooses(p)
        ]
        return found if limit is None else found[:limit]

    def is_public(self, proposal_id: int) -> bool:
        return any(p.id == proposal_id for p in self.programmes)


def _build_portfolio() -> Portfolio:
    programmes = queries.list_programmes()
    objectives = tuple(objective_refs().values())
    countries = {c.iso2: c for p in programmes for c in p.countries}
    return Portfolio(
        programmes=tuple(programmes),
        objectives=objectives,
        areas=tuple(Choice(code, title) for code, title in queries.thematic_areas()),
        countries=tuple(sorted(countries.values(), key=lambda c: c.name)),
        as_of=utcnow(),
    )


def portfolio() -> Portfolio:
    return kept("portfolio", _build_portfolio, Portfolio, hold=True)[0]


def programme(proposal_id: int) -> ProgrammeDetail | None:
    """A public programme's detail; None for any other id (nothing is built or kept for it)."""
    found, key = kept("portfolio", _build_portfolio, Portfolio, hold=True)
    if not found.is_public(proposal_id):
        return None
    detail, _key = kept(
        f"programme{proposal_id}", lambda: _detail(proposal_id), ProgrammeDetail, key=key
    )
    return detail


def _detail(proposal_id: int) -> ProgrammeDetail | None:
    """The programme's detail, its IATI identifier only if the fund's IATI file publishes it
    (the page and the API say the identifier is in that file)."""
    detail = queries.programme_detail(proposal_id)
    if detail is None or detail.iati_identifier is None:
        return detail
    if in_iati_file(current_app.config, proposal_id):
        return detail
    return replace(detail, iati_identifier=None)


# The map ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountryMoney:
    """The funded money of the chosen programmes in one country, and how many programmes."""

    country: CountryRef
    amount: Decimal
    programmes: int


@dataclass(frozen=True)
class MapFigures:
    """The map's figures: funded money by country, and the regional and global programmes."""

    countries: tuple[CountryMoney, ...]  # by amount, largest first, then by name
    regional: tuple[ProgrammeSummary, ...]  # regional programmes, by amount
    global_: tuple[ProgrammeSummary, ...]  # global programmes, by amount
    total: Decimal  # all the funded money shown: countries, regional and global

    @property
    def by_country(self) -> dict[str, CountryMoney]:
        return {c.country.iso2: c for c in self.countries}


def counted(item: ProgrammeSummary) -> Decimal:
    """The funded money the fund's figures count for a programme (the map, as coverage does):
    what a closed programme kept, a funded programme's allocation; zero in the pipeline."""
    return item.funded if item.kept is None else item.kept


def map_figures(found: Portfolio, filters: ProgrammeFilters) -> MapFigures:
    """Funded money (the allocations of funded programmes, what closed programmes kept:
    `counted`) by country: a national or multi-country programme's split
    evenly over its countries in whole cents; regional and global programmes apart, whole."""
    shares: dict[str, int] = defaultdict(int)
    counts: dict[str, int] = defaultdict(int)
    names: dict[str, CountryRef] = {}
    regional, global_ = [], []
    total = ZERO
    for item in found.chosen(filters):
        if item.in_pipeline or counted(item) <= 0:
            continue
        total += counted(item)
        if item.scope in SPREAD_SCOPES and item.countries:
            keys = [c.iso2 for c in item.countries]
            for key, part in split_evenly(cents(counted(item)), keys).items():
                shares[key] += part
                counts[key] += 1
            names.update((c.iso2, c) for c in item.countries)
        elif item.scope == Scope.REGIONAL.value and item.countries:
            regional.append(item)
        else:
            global_.append(item)
    countries = sorted(
        (CountryMoney(names[k], from_cents(v), counts[k]) for k, v in shares.items()),
        key=lambda c: (-c.amount, c.country.name),
    )
    by_amount = lambda p: (-counted(p), p.id)  # noqa: E731
    return MapFigures(
        tuple(countries),
        tuple(sorted(regional, key=by_amount)),
        tuple(sorted(global_, key=by_amount)),
        total,
    )


# Contributions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DonorTotal:
    """A donor's deposits, and the number of its contributions counted in them."""

    name: str
    deposits: Decimal  # USD gross of the contributions received, voided ones left out
    contributions: int


@dataclass(frozen=True)
class YearTotal:
    """The deposits received in one calendar year, and the number of contributions."""

    year: int
    deposits: Decimal
    contributions: int


@dataclass(frozen=True)
class EarmarkTotal:
    """The deposits earmarked to one pool (or left unearmarked)."""

    pool: str  # GENERAL_POOL (unearmarked) or a thematic area's code
    label: str
    deposits: Decimal


@dataclass(frozen=True)
class StatusLine:
    """One figure of the fund's funding status."""

    name: str  # a name of fund.finance.status.FIGURES
    amount: Decimal


@dataclass(frozen=True)
class Contributions:
    """The contributions page: deposits by donor, by year and by earmark; the funding status."""

    donors: tuple[DonorTotal, ...]  # largest first
    years: tuple[YearTotal, ...]  # by year
    earmarks: tuple[EarmarkTotal, ...]  # unearmarked first, then by code
    status: tuple[StatusLine, ...]  # the funding status, in the order of FIGURES
    as_of: datetime

    deposits = total_of("donors", "deposits")

    @property
    def contributions(self) -> int:
        return sum(d.contributions for d in self.donors)

    @property
    def statement(self) -> list[StatementLine]:
        """The funding status as the page states it (`fund.finance.status.statement`)."""
        return statement({line.name: line.amount for line in self.status})


def _build_contributions() -> Contributions:
    counted = (NOT_VOIDED,)
    base = select().select_from(Contribution).outerjoin(ContributionVoid).where(*counted)
    year = func.extract("year", Contribution.received_on)
    donors = [
        DonorTotal(name, from_cents(total), count)
        for name, total, count in db.session.execute(
            base.add_columns(Organization.name, cents_sum(Contribution.gross), func.count())
            .join(Organization, Organization.id == Contribution.donor_id)
            .group_by(Organization.id, Organization.name)
        )
    ]
    years = [
        YearTotal(int(y), from_cents(total), count)
        for y, total, count in db.session.execute(
            base.add_columns(year, cents_sum(Contribution.gross), func.count())
            .group_by(year)
            .order_by(year)
        )
    ]
    areas = dict(queries.thematic_areas())
    earmarks = [
        EarmarkTotal(pool, "" if pool == GENERAL_POOL else areas.get(pool, pool), from_cents(total))
        for pool, total in db.session.execute(
            base.add_columns(Contribution.pool_code, cents_sum(Contribution.gross)).group_by(
                Contribution.pool_code
            )
        )
    ]
    status = funding_status()
    return Contributions(
        donors=tuple(sorted(donors, key=lambda d: (-d.deposits, d.name))),
        years=tuple(years),
        earmarks=tuple(sorted(earmarks, key=lambda e: (e.pool != GENERAL_POOL, e.pool))),
        status=tuple(StatusLine(name, getattr(status, name)) for name in FIGURES),
        as_of=utcnow(),
    )


def contributions() -> Contributions:
    return kept("contributions", _build_contributions, Contributions, hold=True)[0]

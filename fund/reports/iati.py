"""IATI Activity Standard 2.03 XML of the funded programmes.

Identifiers: the reporting organization is the fund's Administrative Agent (the UNDP MPTF
Office, under UNDP's identifier XM-DAC-41114): IATI requires a registered organisation
identifier as reporting-org/@ref and as the prefix of every iati-identifier, and the fund has
none of its own. An activity is then `XM-DAC-41114-MIG00-P00042`: the Agent's identifier, the
fund code (the Agent administers many funds) and the proposal's stable reference.

Each programme's results (outcomes, outputs, indicators): `fund.reports.iati_results`.

Every activity is validated against the official schema before it is published (see
`build_iati`); a programme that cannot be published validly is left out with the reason, never
exported broken.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

from lxml import etree

from fund.days import add_months, last_day
from fund.money import amount_text, cents, from_cents, largest_remainder
from fund.proposals.budget import programme_years
from fund.proposals.models import Scope
from fund.reports.iati_results import results_xml
from fund.reports.queries import (
    FundedProgramme,
    OrganizationRef,
    Publisher,
    proposal_ref,
    publication_problems,
)
from fund.xml_text import element, escaped, narrative
from workflows.proposal import CLOSED_STATE, FUNDED_STATE

IATI_VERSION = "2.03"
CURRENCY = "USD"

ACTIVITY_STATUS = {FUNDED_STATE: "2", CLOSED_STATE: "4"}  # 2 implementation, 4 closed
ACTIVITY_FINALISATION = "3"  # closed, but a participating organization still owes a refund
ACTIVITY_SCOPE = {  # IATI ActivityScope codelist
    Scope.GLOBAL: "1",
    Scope.REGIONAL: "2",
    Scope.MULTI_COUNTRY: "3",
    Scope.NATIONAL: "4",
}
ROLE_FUNDING, ROLE_ACCOUNTABLE, ROLE_IMPLEMENTING = "1", "2", "4"
# IATI ActivityDateType: planned and actual start, planned and actual end.
DATE_PLANNED_START, DATE_ACTUAL_START, DATE_PLANNED_END, DATE_ACTUAL_END = "1", "2", "3", "4"
MONTHS_A_YEAR = 12
TRANSACTION_COMMITMENT, TRANSACTION_DISBURSEMENT = "2", "3"
# A refund of unspent money from a participating organization is money coming back into the
# fund's activity: Incoming Funds (1), the organization its provider and the fund its receiver.
# Not a negative disbursement: that would hide who returned the money and when, and IATI asks
# for negative values only to correct earlier transactions.
TRANSACTION_INCOMING_FUNDS = "1"
MULTILATERAL = "40"  # IATI OrganisationType
SECTOR_FUND_VOCABULARY = "98"  # the reporting organization's own codes: GCM objectives
SECTOR_SDG_TARGET_VOCABULARY = "8"
SDG_MIGRATION_TARGET = "10.7"
SDG_MIGRATION_TARGET_TEXT = (
    "Facilitate orderly, safe, regular and responsible migration and mobility of people, "
    "including through the implementation of planned and well-managed migration policies"
)
# A global programme with no named country: UN M49 (region vocabulary 2) "001", the World.
WORLD_REGION = ("001", "2", "World")
HUNDRED = Decimal("100")
PERCENT_STEP = Decimal("0.01")


def schema_dir(config: Mapping[str, Any]) -> Path:
    """Where the official schemas are (the copies shipped in fund/reports/schemas unless set)."""
    return Path(config.get("OPEN_DATA_SCHEMA_DIR") or Path(__file__).parent / "schemas")


class SchemaMissing(RuntimeError):
    """The official schema files are not where the configuration says."""


class ExportBroken(RuntimeError):
    """An export that fails its schema as a whole although each record passed alone."""


@functools.cache
def _xml_schema(path: Path) -> etree.XMLSchema:
    if not path.is_file():
        raise SchemaMissing(f"IATI schema not found at {path}; set OPEN_DATA_SCHEMA_DIR")
    return etree.XMLSchema(etree.parse(str(path)))


def iati_schema(config: Mapping[str, Any]) -> etree.XMLSchema:
    return _xml_schema(schema_dir(config) / "iati-2.03" / "iati-activities-schema.xsd")


@dataclass(frozen=True)
class Exclusion:
    """A programme left out of an export, and why."""

    proposal_id: int
    title: str
    reasons: tuple[str, ...]

    @property
    def ref(self) -> str:
        return proposal_ref(self.proposal_id)


class Exclusions:
    """The programmes an export leaves out, with why, given back in the programmes' order."""

    def __init__(self) -> None:
        self._by_index: list[tuple[int, Exclusion]] = []

    def add(self, index: int, programme: FundedProgramme, problems: Iterable[str]) -> None:
        exclusion = Exclusion(programme.proposal_id, programme.title, tuple(problems))
        self._by_index.append((index, exclusion))

    def publishable(
        self, programmes: Iterable[FundedProgramme]
    ) -> Iterator[tuple[int, FundedProgramme]]:
        """The programmes with no publication problems, with their index; the others are left
        out with their problems."""
        for index, programme in enumerate(programmes):
            problems = publication_problems(programme)
            if problems:
                self.add(index, programme, problems)
            else:
                yield index, programme

    def in_order(self) -> list[Exclusion]:
        return [exclusion for _, exclusion in sorted(self._by_index, key=lambda e: e[0])]


@dataclass
class Export:
    """The bytes of an export (empty when nothing could be published) and what it left out."""

    content: bytes
    generated_at: datetime
    published: list[str] = field(default_factory=list)
    excluded: list[Exclusion] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.published


def iati_identifier(publisher: Publisher, programme: FundedProgramme) -> str:
    return f"{publisher.org_id}-{publisher.fund_code}-{programme.ref}"


def split_percentages(weights: Mapping[Any, Decimal]) -> dict[Any, Decimal]:
    """Percentages with two decimals in proportion to positive `weights`, adding up to exactly
    100 (largest remainders get the leftover hundredths)."""
    positive = {k: w for k, w in weights.items() if w > 0}
    total = sum(positive.values(), Decimal(0))
    if not positive:
        return {}
    exact = {k: w * HUNDRED / total for k, w in positive.items()}
    shares = {k: v.quantize(PERCENT_STEP, rounding=ROUND_DOWN) for k, v in exact.items()}
    leftover = int((HUNDRED - sum(shares.values())) / PERCENT_STEP)
    for key in sorted(exact, key=lambda k: exact[k] - shares[k], reverse=True)[:leftover]:
        shares[key] += PERCENT_STEP
    return shares


# The XML of an activity is written as text (`fund.xml_text`) and parsed by lxml
# (which checks that it is well-formed): much faster than creating each element through the API,
# and lxml serializes the parsed tree exactly as it would the same tree built element by element.


@functools.lru_cache(maxsize=4096)
def _org(tag: str, organization: OrganizationRef, *attributes: tuple[str, str]) -> str:
    """An organization element: @ref only when its IATI identifier is known."""
    found: list[tuple[str, str]] = []
    if organization.iati_org_id:
        found.append(("ref", organization.iati_org_id))
    if organization.kind == "un_entity":
        found.append(("type", MULTILATERAL))
    return element(tag, [*found, *attributes], narrative(organization.name))


@functools.lru_cache(maxsize=64)
def _fund_org(tag: str, publisher: Publisher, *attributes: tuple[str, str]) -> str:
    """The fund, identified by its Administrative Agent, which holds its money."""
    return element(
        tag,
        [("ref", publisher.org_id), ("type", publisher.org_type), *attributes],
        narrative(publisher.fund_name),
    )


def _value(amount: Decimal, value_date) -> str:
    # A currency code, a date and a decimal number: nothing to escape.
    return (
        f'<value currency="{CURRENCY}" value-date="{value_date.isoformat()}">'
        f"{amount_text(amount)}</value>"
    )


def activity_dates(programme: FundedProgramme) -> list[tuple[str, date]]:
    """The activity's dates by IATI type, in type order: planned start and end, the actual
    start on the day of the first transfer (once there is one) and the actual end on the day
    of closure (a closed programme)."""
    dates = [
        (DATE_PLANNED_START, programme.planned_start),
        (DATE_PLANNED_END, programme.planned_end),
    ]
    transfers = programme.allocation.disbursements if programme.allocation else ()
    if transfers:
        dates.append((DATE_ACTUAL_START, min(tranche.paid_on for tranche in transfers)))
    if programme.refunds is not None and programme.refunds.closed_on is not None:
        dates.append((DATE_ACTUAL_END, programme.refunds.closed_on))
    return sorted(((kind, day) for kind, day in dates if day is not None), key=lambda d: d[0])


def yearly_budgets(programme: FundedProgramme) -> list[tuple[date, date, Decimal]]:
    """The allocation as (first day, last day, amount) of each programme year: year 1 the
    first twelve months from the planned start, the last year ending on the planned end. The
    allocation is apportioned over the years by their direct costs (`BudgetLine.year`), in
    whole cents by largest remainder (`fund.money.largest_remainder`): the years add up to the
    allocation exactly. A budget with no direct costs is apportioned by the months of each
    year. A line of a year after the last (never accepted at submission) counts in the last."""
    allocation, start, end = programme.allocation, programme.planned_start, programme.planned_end
    if allocation is None or start is None or end is None:
        return []
    years = range(1, programme_years(programme.duration_months) + 1)
    weights = dict.fromkeys(years, 0)
    for year, amount in programme.direct_by_year:
        weights[min(max(year, 1), years[-1])] += cents(amount)
    periods = {
        year: (
            add_months(start, MONTHS_A_YEAR * (year - 1)),
            min(last_day(start, MONTHS_A_YEAR * year), end),
        )
        for year in years
    }
    if not any(weight > 0 for weight in weights.values()):
        months = programme.duration_months or 0
        weights = {y: max(1, min(MONTHS_A_YEAR, months - MONTHS_A_YEAR * (y - 1))) for y in years}
    amounts = largest_remainder(cents(allocation.amount), weights, list(years))
    return [(*periods[year], from_cents(amounts[year])) for year in years]


def _transaction(
    code: str, day, amount: Decimal, description: str, publisher: Publisher, receiver: str = ""
) -> str:
    """A transaction of the fund's money, the fund its provider, on `day` (also the value's
    date); `receiver` is the receiver-org element, if any."""
    return (
        f'<transaction><transaction-type code="{code}"></transaction-type>'
        f'<transaction-date iso-date="{day.isoformat()}"></transaction-date>'
        + _value(amount, day)
        + element("description", content=narrative(description))
        + _fund_org("provider-org", publisher)
        + receiver
        + "</transaction>"
    )


def _refunds(publisher: Publisher, programme: FundedProgramme) -> list[str]:
    """The refunds received from the participating organizations, as incoming funds."""
    if programme.refunds is None:
        return []
    by_id = {organization.id: organization for organization in programme.organizations}
    found = []
    for day, amount, organization_id, reference in programme.refunds.refunds:
        organization = by_id.get(organization_id)
        name = organization.name if organization else "a participating organization"
        text = f"Refund of unspent funds from {name}"
        found.append(
            f'<transaction><transaction-type code="{TRANSACTION_INCOMING_FUNDS}">'
            "</transaction-type>"
            f'<transaction-date iso-date="{day.isoformat()}"></transaction-date>'
            + _value(amount, day)
            + element(
                "description",
                content=narrative(f"{text} (reference {reference})" if reference else text),
            )
            + (_org("provider-org", organization) if organization else "")
            + _fund_org("receiver-org", publisher)
            + "</transaction>"
        )
    return found


def activity_xml(publisher: Publisher, programme: FundedProgramme) -> str:
    """One iati-activity as XML text; the programme must have no publication problems."""
    allocation = programme.allocation
    if allocation is None or programme.planned_start is None or programme.planned_end is None:
        raise ValueError(f"{programme.ref} cannot be published: {publication_problems(programme)}")
    parts = [
        element("iati-identifier", content=escaped(iati_identifier(publisher, programme))),
        element(
            "reporting-org",
            [("ref", publisher.org_id), ("type", publisher.org_type)],
            narrative(publisher.org_name),
        ),
        element("title", content=narrative(programme.title)),
        element("description", [("type", "1")], narrative(programme.summary)),
        _fund_org("participating-org", publisher, ("role", ROLE_FUNDING)),
    ]
    if programme.lead:
        parts.append(_org("participating-org", programme.lead, ("role", ROLE_ACCOUNTABLE)))
    parts.extend(
        _org("participating-org", organization, ("role", ROLE_IMPLEMENTING))
        for organization in programme.organizations
    )
    status = ACTIVITY_STATUS[programme.status]
    if programme.status == CLOSED_STATE and programme.refunds and programme.refunds.outstanding > 0:
        status = ACTIVITY_FINALISATION
    parts.append(element("activity-status", [("code", status)]))
    for kind, day in activity_dates(programme):
        parts.append(element("activity-date", [("type", kind), ("iso-date", day.isoformat())]))
    if programme.scope in ACTIVITY_SCOPE:
        parts.append(element("activity-scope", [("code", ACTIVITY_SCOPE[programme.scope])]))

    if programme.countries:
        # The fund records no split between countries: equal shares.
        shares = split_percentages({c.iso2: Decimal(1) for c in programme.countries})
        parts.extend(
            element(
                "recipient-country",
                [("code", country.iso2), ("percentage", format(shares[country.iso2], "f"))],
                narrative(country.name),
            )
            for country in programme.countries
        )
    else:
        code, vocabulary, name = WORLD_REGION
        parts.append(
            element(
                "recipient-region",
                [("code", code), ("vocabulary", vocabulary), ("percentage", "100")],
                narrative(name),
            )
        )

    costs = {o: amount for o, amount in programme.objective_costs if amount > 0}
    if not costs and programme.primary_objective:
        costs = {programme.primary_objective: Decimal(1)}
    parts.extend(
        element(
            "sector",
            [
                ("vocabulary", SECTOR_FUND_VOCABULARY),
                ("code", str(objective.number)),
                ("percentage", format(share, "f")),
            ],
            narrative(f"GCM objective {objective.number}: {objective.title}"),
        )
        for objective, share in split_percentages(costs).items()
    )
    parts.append(
        element(
            "sector",
            [
                ("vocabulary", SECTOR_SDG_TARGET_VOCABULARY),
                ("code", SDG_MIGRATION_TARGET),
                ("percentage", "100"),
            ],
            narrative(SDG_MIGRATION_TARGET_TEXT),
        )
    )

    # type 1 original, status 2 committed: the allocation, one budget per programme year (IATI
    # allows no budget period longer than a year), each valued on its first day.
    parts.extend(
        element(
            "budget",
            [("type", "1"), ("status", "2")],
            element("period-start", [("iso-date", start.isoformat())])
            + element("period-end", [("iso-date", end.isoformat())])
            + _value(amount, start),
        )
        for start, end, amount in yearly_budgets(programme)
    )
    parts.append(
        _transaction(
            TRANSACTION_COMMITMENT,
            allocation.allocated_on,
            allocation.amount,
            f"Allocation of the {publisher.fund_name} to the joint programme",
            publisher,
        )
    )
    closure = programme.refunds
    if closure is not None and closure.closed_on is not None and closure.released > 0:
        # A commitment reduced is reported as a negative commitment (IATI's guidance).
        parts.append(
            _transaction(
                TRANSACTION_COMMITMENT,
                closure.closed_on,
                -closure.released,
                "Allocated but never transferred: given back to the fund at the programme's "
                "closure",
                publisher,
            )
        )
    for tranche in allocation.disbursements:
        text = f"Transfer to {tranche.organization.label}"
        parts.append(
            _transaction(
                TRANSACTION_DISBURSEMENT,
                tranche.paid_on,
                tranche.amount,
                f"{text} (reference {tranche.reference})" if tranche.reference else text,
                publisher,
                receiver=_org("receiver-org", tranche.organization),
            )
        )
    parts.extend(_refunds(publisher, programme))
    parts.extend(results_xml(programme))
    return element(
        "iati-activity",
        [
            ("last-updated-datetime", programme.last_updated.isoformat(timespec="seconds")),
            ("xml:lang", "en"),
            ("default-currency", CURRENCY),
            ("hierarchy", "1"),
        ],
        "".join(parts),
    )


def _schema_errors(schema: etree.XMLSchema, document: etree._Element) -> list[str]:
    if schema.validate(document):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


def build_iati(
    programmes: Iterable[FundedProgramme],
    publisher: Publisher,
    generated_at: datetime,
    config: Mapping[str, Any],
) -> Export:
    """The IATI XML of the publishable programmes; the others listed with their reasons.

    The whole file is validated once. The schema's root is a plain sequence of activities
    with no constraint between them, so a valid file means that every activity is valid on its
    own too; only when the file fails is each activity validated alone, to leave out those
    that fail (as if each had been checked first) and validate the rest again."""
    schema = iati_schema(config)
    export = Export(content=b"", generated_at=generated_at)
    excluded = Exclusions()
    candidates = [
        (index, programme, activity_xml(publisher, programme))
        for index, programme in excluded.publishable(programmes)
    ]
    document = _document_from_text([text for *_, text in candidates], generated_at)
    if candidates and not schema.validate(document):
        kept = []
        for index, programme, text in candidates:
            errors = _schema_errors(schema, _document_from_text([text], generated_at))
            if errors:
                problem = f"its IATI record fails the IATI {IATI_VERSION} schema: {errors[0]}"
                excluded.add(index, programme, [problem])
            else:
                kept.append((index, programme, text))
        candidates = kept
        document = _document_from_text([text for *_, text in candidates], generated_at)
        errors = _schema_errors(schema, document) if candidates else []
        if errors:  # each activity passed alone: the whole must too
            raise ExportBroken(f"IATI export fails its schema: {errors[0]}")
    export.published = [programme.ref for _, programme, _ in candidates]
    export.excluded = excluded.in_order()
    if candidates:
        export.content = etree.tostring(
            document, xml_declaration=True, encoding="UTF-8", pretty_print=True
        )
    return export


def _document_from_text(activities: list[str], generated_at: datetime) -> etree._Element:
    """The iati-activities document of activities written by `activity_xml`, parsed."""
    root = element(
        "iati-activities",
        [
            ("version", IATI_VERSION),
            ("generated-datetime", generated_at.isoformat(timespec="seconds")),
        ],
        "".join(activities),
    )
    return etree.fromstring(root, parser=_PARSER)


# Parses only the text written above: no entities to resolve, no network, huge files allowed.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)

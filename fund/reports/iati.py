"""IATI Activity Standard 2.03 XML of the funded programmes.

Identifiers: the reporting organization is the fund's Administrative Agent (the UNDP MPTF
Office, under UNDP's identifier XM-DAC-41114): IATI requires a registered organisation
identifier as reporting-org/@ref and as the prefix of every iati-identifier, and the fund has
none of its own. An activity is then `XM-DAC-41114-MIG00-P00042`: the Agent's identifier, the
fund code (the Agent administers many funds) and the proposal's stable reference.

Every activity is validated against the official schema before it is published; a programme
that cannot be published validly is left out with the reason, never exported broken.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

from lxml import etree

from fund.proposals.budget import CENT
from fund.proposals.models import Scope
from fund.reports.queries import (
    FundedProgramme,
    OrganizationRef,
    Publisher,
    publication_problems,
)

IATI_VERSION = "2.03"
CURRENCY = "USD"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

ACTIVITY_STATUS = {"funded": "2", "closed": "4"}  # 2 implementation, 4 closed
ACTIVITY_SCOPE = {  # IATI ActivityScope codelist
    Scope.GLOBAL: "1",
    Scope.REGIONAL: "2",
    Scope.MULTI_COUNTRY: "3",
    Scope.NATIONAL: "4",
}
ROLE_FUNDING, ROLE_ACCOUNTABLE, ROLE_IMPLEMENTING = "1", "2", "4"
DATE_PLANNED_START, DATE_PLANNED_END = "1", "3"
TRANSACTION_COMMITMENT, TRANSACTION_DISBURSEMENT = "2", "3"
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
    ref: str
    title: str
    reasons: tuple[str, ...]


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


def money(value: Decimal) -> str:
    """Exact decimal text: never through a float."""
    return format(value.quantize(CENT), "f")


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


def _narrative(parent: etree._Element, text: str) -> etree._Element:
    element = etree.SubElement(parent, "narrative")
    element.text = text
    return element


def _org(
    parent: etree._Element, tag: str, organization: OrganizationRef, **attributes: str
) -> etree._Element:
    """An organization element: @ref only when its IATI identifier is known."""
    element = etree.SubElement(parent, tag)
    if organization.iati_org_id:
        element.set("ref", organization.iati_org_id)
    if organization.kind == "un_entity":
        element.set("type", MULTILATERAL)
    for name, value in attributes.items():
        element.set(name, value)
    _narrative(element, organization.name)
    return element


def _fund_org(parent: etree._Element, tag: str, publisher: Publisher, **attributes: str):
    """The fund, identified by its Administrative Agent, which holds its money."""
    element = etree.SubElement(parent, tag, ref=publisher.org_id, type=publisher.org_type)
    for name, value in attributes.items():
        element.set(name, value)
    _narrative(element, publisher.fund_name)
    return element


def _value(parent: etree._Element, amount: Decimal, value_date) -> None:
    element = etree.SubElement(
        parent, "value", currency=CURRENCY, **{"value-date": value_date.isoformat()}
    )
    element.text = money(amount)


def activity_element(publisher: Publisher, programme: FundedProgramme) -> etree._Element:
    """One iati-activity; the programme must have no publication problems."""
    allocation = programme.allocation
    if allocation is None or programme.planned_start is None or programme.planned_end is None:
        raise ValueError(f"{programme.ref} cannot be published: {publication_problems(programme)}")
    activity = etree.Element(
        "iati-activity",
        {
            "last-updated-datetime": programme.last_updated.isoformat(timespec="seconds"),
            XML_LANG: "en",
            "default-currency": CURRENCY,
            "hierarchy": "1",
        },
    )
    etree.SubElement(activity, "iati-identifier").text = iati_identifier(publisher, programme)
    reporting = etree.SubElement(
        activity, "reporting-org", ref=publisher.org_id, type=publisher.org_type
    )
    _narrative(reporting, publisher.org_name)
    _narrative(etree.SubElement(activity, "title"), programme.title)
    _narrative(etree.SubElement(activity, "description", type="1"), programme.summary)

    _fund_org(activity, "participating-org", publisher, role=ROLE_FUNDING)
    if programme.lead:
        _org(activity, "participating-org", programme.lead, role=ROLE_ACCOUNTABLE)
    for organization in programme.organizations:
        _org(activity, "participating-org", organization, role=ROLE_IMPLEMENTING)

    etree.SubElement(activity, "activity-status", code=ACTIVITY_STATUS[programme.status])
    for kind, day in (
        (DATE_PLANNED_START, programme.planned_start),
        (DATE_PLANNED_END, programme.planned_end),
    ):
        etree.SubElement(activity, "activity-date", type=kind, **{"iso-date": day.isoformat()})
    if programme.scope in ACTIVITY_SCOPE:
        etree.SubElement(activity, "activity-scope", code=ACTIVITY_SCOPE[programme.scope])

    if programme.countries:
        # The fund records no split between countries: equal shares.
        shares = split_percentages({c.iso2: Decimal(1) for c in programme.countries})
        for country in programme.countries:
            element = etree.SubElement(
                activity,
                "recipient-country",
                code=country.iso2,
                percentage=format(shares[country.iso2], "f"),
            )
            _narrative(element, country.name)
    else:
        code, vocabulary, name = WORLD_REGION
        region = etree.SubElement(
            activity, "recipient-region", code=code, vocabulary=vocabulary, percentage="100"
        )
        _narrative(region, name)

    costs = {o: amount for o, amount in programme.objective_costs if amount > 0}
    if not costs and programme.primary_objective:
        costs = {programme.primary_objective: Decimal(1)}
    for objective, share in split_percentages(costs).items():
        sector = etree.SubElement(
            activity,
            "sector",
            vocabulary=SECTOR_FUND_VOCABULARY,
            code=str(objective.number),
            percentage=format(share, "f"),
        )
        _narrative(sector, f"GCM objective {objective.number}: {objective.title}")
    sdg = etree.SubElement(
        activity,
        "sector",
        vocabulary=SECTOR_SDG_TARGET_VOCABULARY,
        code=SDG_MIGRATION_TARGET,
        percentage="100",
    )
    _narrative(sdg, SDG_MIGRATION_TARGET_TEXT)

    # type 1 original, status 2 committed: the allocation over the programme's planned period.
    budget = etree.SubElement(activity, "budget", type="1", status="2")
    etree.SubElement(budget, "period-start", {"iso-date": programme.planned_start.isoformat()})
    etree.SubElement(budget, "period-end", {"iso-date": programme.planned_end.isoformat()})
    _value(budget, allocation.amount, allocation.allocated_on)

    commitment = _transaction(activity, TRANSACTION_COMMITMENT, allocation.allocated_on)
    _value(commitment, allocation.amount, allocation.allocated_on)
    _narrative(
        etree.SubElement(commitment, "description"),
        f"Allocation of the {publisher.fund_name} to the joint programme",
    )
    _fund_org(commitment, "provider-org", publisher)
    for tranche in allocation.disbursements:
        disbursement = _transaction(activity, TRANSACTION_DISBURSEMENT, tranche.paid_on)
        _value(disbursement, tranche.amount, tranche.paid_on)
        text = f"Transfer to {tranche.organization.label}"
        _narrative(
            etree.SubElement(disbursement, "description"),
            f"{text} (reference {tranche.reference})" if tranche.reference else text,
        )
        _fund_org(disbursement, "provider-org", publisher)
        _org(disbursement, "receiver-org", tranche.organization)
    return activity


def _transaction(activity: etree._Element, code: str, day) -> etree._Element:
    transaction = etree.SubElement(activity, "transaction")
    etree.SubElement(transaction, "transaction-type", code=code)
    etree.SubElement(transaction, "transaction-date", {"iso-date": day.isoformat()})
    return transaction


def _document(activities: Iterable[etree._Element], generated_at: datetime) -> etree._Element:
    root = etree.Element(
        "iati-activities",
        version=IATI_VERSION,
        **{"generated-datetime": generated_at.isoformat(timespec="seconds")},
    )
    root.extend(activities)
    return root


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
    """The IATI XML of the publishable programmes; the others listed with their reasons."""
    schema = iati_schema(config)
    export = Export(content=b"", generated_at=generated_at)
    activities = []
    for programme in programmes:
        problems = publication_problems(programme)
        if not problems:
            activity = activity_element(publisher, programme)
            errors = _schema_errors(schema, _document([activity], generated_at))
            if not errors:
                activities.append(activity)
                export.published.append(programme.ref)
                continue
            problems = [f"its IATI record fails the IATI {IATI_VERSION} schema: {errors[0]}"]
        export.excluded.append(
            Exclusion(programme.proposal_id, programme.ref, programme.title, tuple(problems))
        )
    if activities:
        document = _document(activities, generated_at)
        errors = _schema_errors(schema, document)
        if errors:  # each activity passed alone: the whole must too
            raise ExportBroken(f"IATI export fails its schema: {errors[0]}")
        export.content = etree.tostring(
            document, xml_declaration=True, encoding="UTF-8", pretty_print=True
        )
    return export

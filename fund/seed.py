"""Loading the reference data of seed/ into the database: objectives, thematic areas,
principles, budget categories, countries, the pools and the UN entities. Idempotent: rows are
matched on their natural keys and only missing ones are added, so data edited in the
application is never overwritten. The demo set is in `fund.demo`."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from fund.accounts.models import Organization, OrganizationKind
from fund.extensions import db
from fund.finance.models import GENERAL_POOL, Pool
from fund.reference.models import (
    BudgetCategory,
    Country,
    GcmObjective,
    GuidingPrinciple,
    ThematicArea,
)
from fund.reference.results import FundOutcome, MigofDomain, SdgTarget


@dataclass
class SeedReport:
    added: dict[str, int] = field(default_factory=dict)
    demo_accounts: list[tuple[str, str, str]] = field(default_factory=list)
    demo_password: str | None = None

    def count(self, kind: str, n: int = 1) -> None:
        if n:
            self.added[kind] = self.added.get(kind, 0) + n


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def existing_by_key(model: type, key: str) -> dict[Any, Any]:
    """The rows of `model` already in the database, by their natural key."""
    return {getattr(row, key): row for row in db.session.scalars(select(model))}


def add_missing(
    existing: dict[Any, Any],
    items: Iterable[Mapping[str, Any]],
    key: str,
    make: Callable[[Mapping[str, Any]], Any],
) -> int:
    """Add the row `make(item)` for each of `items` whose `item[key]` is not among `existing`
    yet (the rows already in the database by that natural key, as `existing_by_key` reads
    them), and put it there; how many rows were added."""
    added = 0
    for item in items:
        if item[key] not in existing:
            existing[item[key]] = row = make(item)
            db.session.add(row)
            added += 1
    return added


def _numbered(rows: Iterable[dict[str, str]], key: str) -> list[dict[str, Any]]:
    """`rows` with their `key` read as a whole number (the natural key of the table)."""
    return [{**row, key: int(row[key])} for row in rows]


def _positioned(rows: Iterable[dict[str, str]]) -> list[dict[str, Any]]:
    """`rows` with their `position`: their order in the file, from 1."""
    return [{**row, "position": position} for position, row in enumerate(rows, start=1)]


def load_reference(seed_dir: Path, report: SeedReport | None = None) -> SeedReport:
    """Objectives, thematic areas, principles, budget categories, countries, UN entities."""
    report = report or SeedReport()
    ref = seed_dir / "reference"

    objectives = existing_by_key(GcmObjective, "number")
    added = add_missing(
        objectives,
        _numbered(_rows(ref / "gcm_objectives.csv"), "number"),
        "number",
        lambda row: GcmObjective(
            number=row["number"], short_label=row["short_label"], title=row["title"]
        ),
    )
    report.count("objectives", added)

    def area(row: Mapping[str, Any]) -> ThematicArea:
        made = ThematicArea(code=row["code"], title=row["title"])
        made.objectives = [objectives[int(n)] for n in row["objectives"].split()]
        return made

    # The mapping is editable data: an area the fund has keeps what the fund has set.
    areas = existing_by_key(ThematicArea, "code")
    report.count(
        "thematic_areas", add_missing(areas, _rows(ref / "thematic_areas.csv"), "code", area)
    )

    principles = existing_by_key(GuidingPrinciple, "code")
    added = add_missing(
        principles,
        _positioned(_rows(ref / "guiding_principles.csv")),
        "code",
        lambda row: GuidingPrinciple(
            code=row["code"], title=row["title"], position=row["position"]
        ),
    )
    report.count("guiding_principles", added)

    categories = existing_by_key(BudgetCategory, "code")
    added = add_missing(
        categories,
        _numbered(_rows(ref / "budget_categories.csv"), "code"),
        "code",
        lambda row: BudgetCategory(
            code=row["code"], title=row["title"], computed=row["computed"] == "yes"
        ),
    )
    report.count("budget_categories", added)

    countries = existing_by_key(Country, "iso2")
    added = add_missing(
        countries,
        _rows(seed_dir / "countries.csv"),
        "iso2",
        lambda row: Country(**row, un_member=True),
    )
    report.count("countries", added)

    _load_results_reference(seed_dir, report)

    db.session.flush()
    pools = existing_by_key(Pool, "code")
    codes = [
        {"code": code} for code in [GENERAL_POOL, *sorted(existing_by_key(ThematicArea, "code"))]
    ]
    report.count("pools", add_missing(pools, codes, "code", lambda row: Pool(code=row["code"])))

    organizations = existing_by_key(Organization, "acronym")
    added = add_missing(organizations, _rows(seed_dir / "un_entities.csv"), "acronym", _un_entity)
    report.count("un_entities", added)
    db.session.flush()
    return report


def _un_entity(row: Mapping[str, Any]) -> Organization:
    return Organization(
        name=row["name"],
        acronym=row["acronym"],
        kind=OrganizationKind.UN_ENTITY.value,
        iati_org_id=row["iati_org_id"] or None,
        committee_member=row["committee"] == "yes",
    )


def _load_results_reference(seed_dir: Path, report: SeedReport) -> None:
    """The SDG targets and MGI policy domains (facts), and the fund-level outcomes (a default
    the secretariat edits: only missing codes are added)."""
    ref = seed_dir / "reference"
    targets = existing_by_key(SdgTarget, "code")
    rows = _positioned(_rows(ref / "sdg_targets.csv"))
    report.count("sdg_targets", add_missing(targets, rows, "code", lambda row: SdgTarget(**row)))

    domains = existing_by_key(MigofDomain, "code")
    rows = _positioned(_rows(ref / "migof_domains.csv"))
    report.count(
        "migof_domains", add_missing(domains, rows, "code", lambda row: MigofDomain(**row))
    )

    outcomes = existing_by_key(FundOutcome, "code")
    added = add_missing(
        outcomes,
        _positioned(_rows(seed_dir / "fund_outcomes.csv")),
        "code",
        lambda row: FundOutcome(
            code=row["code"],
            title=row["title"],
            thematic_area_code=row["thematic_area"] or None,
            position=row["position"],
        ),
    )
    report.count("fund_outcomes", added)

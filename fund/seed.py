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


def load_reference(seed_dir: Path, report: SeedReport | None = None) -> SeedReport:
    """Objectives, thematic areas, principles, budget categories, countries, UN entities."""
    report = report or SeedReport()
    ref = seed_dir / "reference"

    objectives = existing_by_key(GcmObjective, "number")
    for row in _rows(ref / "gcm_objectives.csv"):
        number = int(row["number"])
        if number not in objectives:
            objectives[number] = GcmObjective(
                number=number, short_label=row["short_label"], title=row["title"]
            )
            db.session.add(objectives[number])
            report.count("objectives")

    areas = existing_by_key(ThematicArea, "code")
    for row in _rows(ref / "thematic_areas.csv"):
        if row["code"] in areas:
            continue  # the mapping is editable data: keep what the fund has set
        area = ThematicArea(code=row["code"], title=row["title"])
        area.objectives = [objectives[int(n)] for n in row["objectives"].split()]
        db.session.add(area)
        report.count("thematic_areas")

    principles = existing_by_key(GuidingPrinciple, "code")
    for position, row in enumerate(_rows(ref / "guiding_principles.csv"), start=1):
        if row["code"] not in principles:
            db.session.add(
                GuidingPrinciple(code=row["code"], title=row["title"], position=position)
            )
            report.count("guiding_principles")

    categories = existing_by_key(BudgetCategory, "code")
    for row in _rows(ref / "budget_categories.csv"):
        code = int(row["code"])
        if code not in categories:
            db.session.add(
                BudgetCategory(code=code, title=row["title"], computed=row["computed"] == "yes")
            )
            report.count("budget_categories")

    countries = existing_by_key(Country, "iso2")
    for row in _rows(seed_dir / "countries.csv"):
        if row["iso2"] not in countries:
            db.session.add(Country(**row, un_member=True))
            report.count("countries")

    _load_results_reference(seed_dir, report)

    db.session.flush()
    pools = existing_by_key(Pool, "code")
    for code in [GENERAL_POOL, *sorted(existing_by_key(ThematicArea, "code"))]:
        if code not in pools:
            db.session.add(Pool(code=code))
            report.count("pools")

    organizations = existing_by_key(Organization, "acronym")
    for row in _rows(seed_dir / "un_entities.csv"):
        if row["acronym"] not in organizations:
            db.session.add(
                Organization(
                    name=row["name"],
                    acronym=row["acronym"],
                    kind=OrganizationKind.UN_ENTITY.value,
                    iati_org_id=row["iati_org_id"] or None,
                    committee_member=row["committee"] == "yes",
                )
            )
            report.count("un_entities")
    db.session.flush()
    return report


def _load_results_reference(seed_dir: Path, report: SeedReport) -> None:
    """The SDG targets and MGI policy domains (facts), and the fund-level outcomes (a default
    the secretariat edits: only missing codes are added)."""
    ref = seed_dir / "reference"
    targets = existing_by_key(SdgTarget, "code")
    for position, row in enumerate(_rows(ref / "sdg_targets.csv"), start=1):
        if row["code"] not in targets:
            db.session.add(SdgTarget(position=position, **row))
            report.count("sdg_targets")

    domains = existing_by_key(MigofDomain, "code")
    for position, row in enumerate(_rows(ref / "migof_domains.csv"), start=1):
        if row["code"] not in domains:
            db.session.add(MigofDomain(position=position, **row))
            report.count("migof_domains")

    outcomes = existing_by_key(FundOutcome, "code")
    for position, row in enumerate(_rows(seed_dir / "fund_outcomes.csv"), start=1):
        if row["code"] not in outcomes:
            db.session.add(
                FundOutcome(
                    code=row["code"],
                    title=row["title"],
                    thematic_area_code=row["thematic_area"] or None,
                    position=position,
                )
            )
            report.count("fund_outcomes")

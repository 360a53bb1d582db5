"""Loading seed/ into the database. Idempotent: rows are matched on their natural keys and
only missing ones are added, so data edited in the application is never overwritten."""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from fund.accounts.models import Organization, OrganizationKind, User
from fund.accounts.passwords import hash_password
from fund.calls.models import Call
from fund.extensions import db, utcnow
from fund.reference.models import (
    BudgetCategory,
    Country,
    GcmObjective,
    GuidingPrinciple,
    ThematicArea,
)


@dataclass
class SeedReport:
    added: dict[str, int] = field(default_factory=dict)
    demo_accounts: list[tuple[str, str, str]] = field(default_factory=list)
    demo_password: str | None = None

    def count(self, kind: str, n: int = 1) -> None:
        self.added[kind] = self.added.get(kind, 0) + n


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _existing(model: type, key: str) -> dict[Any, Any]:
    return {getattr(row, key): row for row in db.session.scalars(select(model))}


def load_reference(seed_dir: Path, report: SeedReport | None = None) -> SeedReport:
    """Objectives, thematic areas, principles, budget categories, countries, UN entities."""
    report = report or SeedReport()
    ref = seed_dir / "reference"

    objectives = _existing(GcmObjective, "number")
    for row in _rows(ref / "gcm_objectives.csv"):
        number = int(row["number"])
        if number not in objectives:
            objectives[number] = GcmObjective(
                number=number, short_label=row["short_label"], title=row["title"]
            )
            db.session.add(objectives[number])
            report.count("objectives")

    areas = _existing(ThematicArea, "code")
    for row in _rows(ref / "thematic_areas.csv"):
        if row["code"] in areas:
            continue  # the mapping is editable data: keep what the fund has set
        area = ThematicArea(code=row["code"], title=row["title"])
        area.objectives = [objectives[int(n)] for n in row["objectives"].split()]
        db.session.add(area)
        report.count("thematic_areas")

    principles = _existing(GuidingPrinciple, "code")
    for position, row in enumerate(_rows(ref / "guiding_principles.csv"), start=1):
        if row["code"] not in principles:
            db.session.add(
                GuidingPrinciple(code=row["code"], title=row["title"], position=position)
            )
            report.count("guiding_principles")

    categories = _existing(BudgetCategory, "code")
    for row in _rows(ref / "budget_categories.csv"):
        code = int(row["code"])
        if code not in categories:
            db.session.add(
                BudgetCategory(code=code, title=row["title"], computed="(computed" in row["title"])
            )
            report.count("budget_categories")

    countries = _existing(Country, "iso2")
    for row in _rows(seed_dir / "countries.csv"):
        if row["iso2"] not in countries:
            db.session.add(Country(**row, un_member=True))
            report.count("countries")

    db.session.flush()
    organizations = _existing(Organization, "acronym")
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


def load_demo(
    seed_dir: Path, report: SeedReport | None = None, today: date | None = None
) -> SeedReport:
    """The demo set: organizations, one or more users per role, an open call."""
    report = report or SeedReport()
    demo = tomllib.loads((seed_dir / "demo.toml").read_text(encoding="utf-8"))
    today = today or utcnow().date()

    by_name = _existing(Organization, "name")
    for item in demo.get("organizations", []):
        if item["name"] in by_name:
            continue
        organization = Organization(
            name=item["name"],
            acronym=item.get("acronym"),
            kind=item["kind"],
            country_iso2=item.get("country"),
        )
        db.session.add(organization)
        by_name[item["name"]] = organization
        report.count("organizations")
    db.session.flush()
    lookup = {o.acronym: o for o in by_name.values() if o.acronym} | by_name

    password = demo["password"]
    report.demo_password = password
    users = _existing(User, "email")
    for item in demo.get("users", []):
        report.demo_accounts.append((item["email"], ", ".join(item["roles"]), item["organization"]))
        if item["email"] in users:
            continue
        user = User(
            email=item["email"],
            name=item["name"],
            password_hash=hash_password(password),
            organization=lookup[item["organization"]],
            password_changed_at=utcnow(),
        )
        user.set_roles(set(item["roles"]))
        db.session.add(user)
        report.count("users")

    calls = _existing(Call, "title")
    for item in demo.get("calls", []):
        if item["title"] in calls:
            continue
        db.session.add(
            Call(
                title=item["title"],
                description=item.get("description", ""),
                opens_on=today + timedelta(days=item["opens_in_days"]),
                closes_on=today + timedelta(days=item["closes_in_days"]),
                envelope=Decimal(item["envelope"]),
                min_budget=Decimal(item["min_budget"]),
                max_budget=Decimal(item["max_budget"]),
                min_duration_months=item["min_duration_months"],
                max_duration_months=item["max_duration_months"],
                decision_rule=item["decision_rule"],
            )
        )
        report.count("calls")
    db.session.flush()
    return report

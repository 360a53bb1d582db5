"""A submitted version in words, for its page: the labels, names, amounts and dates of the
proposal document (fund/reports/proposal_pdf.py) instead of the codes the snapshot stores."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from fund.accounts.models import Organization
from fund.days import in_words
from fund.extensions import db
from fund.i18n import current_language, labelled, money, percent_as_set
from fund.proposals.budget import (
    BudgetByYear,
    BudgetSummary,
    Line,
    by_year,
    programme_years,
    summarise,
)
from fund.proposals.models import (
    MARKER_LABELS,
    AttachmentKind,
    PartnerType,
    Scope,
    planned_dates,
)
from fund.proposals.results_versions import (
    FRAMEWORK_KEY,
    FrameworkNames,
    OutcomeView,
    framework_changes,
    version_outcome_views,
)
from fund.proposals.snapshots import MULTISET_PARTS, SET_PARTS, Change
from fund.reference.models import Country, GuidingPrinciple
from fund.reference.queries import category_titles, objective_labels
from fund.reference.translations import country_name, objective_label, principle_title
from fund.sentences import listed, month_count

# Parts shown as a list of items, each compared on its own in "what changed".
LISTED_PARTS = SET_PARTS | MULTISET_PARTS | {"principles", "contacts", "indicative_totals"}


@dataclass(frozen=True)
class ReferenceNames:
    """Names for the codes a proposal snapshot stores, in the page's language where the fund
    has them (countries by CLDR, objectives and principles by their official texts)."""

    organizations: dict[str, str]  # acronym (or name) -> full name
    countries: dict[str, str]  # ISO alpha-2 -> name
    objectives: dict[int, str]  # number -> short label
    principles: dict[str, str]  # code -> title
    categories: dict[int, str]  # budget category code -> title


def reference_names() -> ReferenceNames:
    """Five small queries over reference data and organizations."""
    organizations: dict[str, str] = {}
    for name, acronym in db.session.execute(select(Organization.name, Organization.acronym)):
        organizations[name] = name
        if acronym:
            organizations[acronym] = name
    language = current_language()
    countries = db.session.execute(select(Country.iso2, Country.name)).all()
    principles = db.session.execute(select(GuidingPrinciple.code, GuidingPrinciple.title)).all()
    return ReferenceNames(
        organizations=organizations,
        countries={iso2: country_name(iso2, language, name) for iso2, name in countries},
        objectives={
            number: objective_label(number, language, label)
            for number, label in objective_labels().items()
        },
        principles={code: principle_title(code, language, title) for code, title in principles},
        categories=category_titles(),
    )


def amount(text: Any) -> Decimal | None:
    try:
        return Decimal(str(text)) if text not in (None, "") else None
    except InvalidOperation:
        return None


def snapshot_budget(snapshot: dict[str, Any]) -> tuple[Decimal, list[Any], BudgetSummary]:
    """A submitted version's budget from its stored lines: the rate it was submitted with, its
    organizations in the order of the lines, and the summary (`fund.proposals.budget`)."""
    lines = list(snapshot.get("budget_lines") or [])
    rate = amount(snapshot.get("indirect_rate")) or Decimal("0")
    organizations = list(dict.fromkeys(line.get("organization") for line in lines))
    summary = summarise(
        (
            Line(
                organizations.index(line.get("organization")),
                int(line.get("objective") or 0),
                int(line.get("category") or 0),
                amount(line.get("amount")) or Decimal("0.00"),
                int(line.get("year") or 1),
            )
            for line in lines
        ),
        rate,
    )
    return rate, organizations, summary


def snapshot_years(snapshot: Mapping[str, Any], summary: BudgetSummary) -> BudgetByYear:
    """A submitted version's budget by organization and year, over its programme's years."""
    try:
        months = int(snapshot.get("duration_months") or 0)
    except (TypeError, ValueError):
        months = 0
    return by_year(summary, programme_years(months))


def long_date(day: date | None) -> str | None:
    """A day in words in the page's language (`fund.days`); nothing: None."""
    return in_words(day) if day else None


def _date(text: Any) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except (TypeError, ValueError):
        return None


def percent(rate: Decimal | None) -> str | None:
    """0.07 -> "7%", 0.075 -> "7.5%" (in the page's language)."""
    return None if rate is None else percent_as_set(rate)


@dataclass(frozen=True)
class Item:
    """One value shown in "what changed"; `marked` when it is on one side only."""

    text: str
    marked: bool = False


@dataclass(frozen=True)
class ShownChange:
    label: str
    before: list[Item]
    after: list[Item]
    # A part told in sentences instead (the results framework: "Outcome 2 added: ...").
    sentences: tuple[str, ...] = ()


@dataclass(frozen=True)
class AttachmentRow:
    filename: str
    kind: str
    sha256: str
    attachment_id: int | None  # the file still attached to the proposal, if it is


@dataclass
class BudgetView:
    rate: Decimal
    total: Decimal | None  # as stated in the snapshot
    summary: BudgetSummary
    organizations: list[str]  # index in the summary -> acronym
    lines: list[dict[str, Any]] = field(default_factory=list)
    by_year: BudgetByYear | None = None  # keyed by the index in the summary, as above


class VersionText:
    """Words for the codes of one snapshot."""

    def __init__(self, snapshot: Mapping[str, Any], names: ReferenceNames) -> None:
        self.snapshot = snapshot
        self.names = names

    # names ------------------------------------------------------------------------------

    def organization(self, label: str | None) -> str | None:
        """The full name and the acronym, e.g. International Labour Organization (ILO); the
        label alone if the name is unknown."""
        if not label:
            return None
        name = self.names.organizations.get(label)
        return f"{name} ({label})" if name and name != label else label

    def organization_at(self, labels: Sequence[str]) -> Callable[[int], str]:
        """The name of the organization at each index of `labels` (a budget's keys)."""
        return lambda index: self.organization(labels[index]) or "—"

    def organization_name(self, label: str | None) -> str | None:
        return self.names.organizations.get(label, label) if label else None

    def country(self, iso2: str) -> str:
        return self.names.countries.get(iso2, iso2)

    def objective(self, number: Any) -> str | None:
        if number in (None, ""):
            return None
        label = self.names.objectives.get(int(number))
        if label:
            return _("Objective %(number)s: %(label)s", number=number, label=label)
        return _("Objective %(number)s", number=number)

    def category(self, code: Any) -> str:
        if code in (None, ""):
            return "—"
        title = self.names.categories.get(int(code))
        return f"{code}. {title}" if title else str(code)

    def principle(self, code: str) -> str:
        return self.names.principles.get(code, code)

    @staticmethod
    def marker(value: Any) -> str | None:
        if value is None:
            return None
        return _(MARKER_LABELS[value]) if value in MARKER_LABELS else str(value)

    @staticmethod
    def scope(value: Any) -> str | None:
        labels = Scope.labels()
        return (_(labels[value]) if value in labels else str(value)) if value else None

    @staticmethod
    def money(value: Any) -> str | None:
        parsed = amount(value)
        return money(parsed) if parsed is not None else None

    # parts ------------------------------------------------------------------------------

    def planned_end(self) -> str | None:
        return long_date(planned_dates(self.snapshot)[1])

    def budget(self) -> BudgetView:
        lines = list(self.snapshot.get("budget_lines") or [])
        rate, organizations, summary = snapshot_budget(self.snapshot)
        return BudgetView(
            rate=rate,
            total=amount(self.snapshot.get("budget_total")),
            summary=summary,
            organizations=organizations,
            lines=lines,
            by_year=snapshot_years(self.snapshot, summary),
        )

    def framework(self) -> list[OutcomeView]:
        """The results framework as submitted, in words (none in an older version)."""
        return version_outcome_views(self.snapshot.get(FRAMEWORK_KEY))

    def attachments(self, current: Sequence[Any]) -> list[AttachmentRow]:
        """The attachments as submitted, each tied to the file still attached, if it is."""
        by_content = {(a.sha256, a.filename): a.id for a in current}
        rows = []
        for a in self.snapshot.get("attachments") or []:
            kinds = AttachmentKind.labels()
            kind = _(kinds[a.get("kind")]) if a.get("kind") in kinds else a.get("kind") or "—"
            if a.get("country"):
                kind += f" ({self.country(a['country'])})"
            rows.append(
                AttachmentRow(
                    filename=a.get("filename") or "—",
                    kind=kind,
                    sha256=a.get("sha256") or "",
                    attachment_id=by_content.get((a.get("sha256"), a.get("filename"))),
                )
            )
        return rows

    def items(self, key: str, value: Any) -> list[str]:
        """One part of a snapshot in words, as a list of items (empty when not given)."""
        if value in (None, "", [], {}):
            return []
        match key:
            case "lead_organization":
                return [self.organization(value) or "—"]
            case "participants":
                return sorted(self.organization(v) or "—" for v in value)
            case "countries" | "endorsers":
                return sorted(self.country(v) for v in value)
            case "scope":
                return [self.scope(value) or "—"]
            case "planned_start":
                return [long_date(_date(value)) or str(value)]
            case "duration_months":
                return [month_count(value)]
            case "primary_objective":
                return [self.objective(value) or "—"]
            case "secondary_objectives":
                return [self.objective(v) or "—" for v in sorted(value, key=int)]
            case "gender_marker" | "human_rights_marker":
                return [self.marker(value) or "—"]
            case "principles":
                return [
                    labelled(self.principle(code), text or "—")
                    for code, text in sorted(value.items(), key=lambda kv: self.principle(kv[0]))
                ]
            case "contacts":
                return [
                    listed(p for p in (c.get("name"), c.get("function"), c.get("email")) if p)
                    for c in value
                ]
            case "budget_lines":
                return [
                    " · ".join(
                        p
                        for p in (
                            self.organization_name(line.get("organization")) or "—",
                            self.objective(line.get("objective")) or "—",
                            self.category(line.get("category")),
                            _("year %(number)s", number=line.get("year") or 1),
                            self.money(line.get("amount")) or "—",
                            line.get("description"),
                        )
                        if p
                    )
                    for line in value
                ]
            case "indirect_rate":
                return [percent(amount(value)) or str(value)]
            case "budget_total":
                return [self.money(value) or str(value)]
            case "attachments":
                return [f"{row.filename} · {row.kind}" for row in self.attachments(())]
            case "national_partners":
                return [
                    f"{p.get('name')} ({_(PartnerType.label_of(p.get('type')))})" for p in value
                ]
            case "indicative_totals":
                return [
                    labelled(self.organization_name(org) or org, self.money(total) or total)
                    for org, total in value.items()
                ]
            case "indicative_total":
                return [self.money(value) or str(value)]
            case "results_framework":
                return [
                    _("Outcome %(number)s: %(title)s", number=n, title=o.get("title"))
                    for n, o in enumerate(value, start=1)
                ]
        if isinstance(value, Mapping):
            return [labelled(k, v) for k, v in value.items()]
        if isinstance(value, list):
            return [str(v) for v in value]
        return [str(value)]


def shown_changes(
    changes: Sequence[Change],
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    names: ReferenceNames,
) -> list[ShownChange]:
    """The differences between two versions in words. For a part with several values, the
    values on one side only are marked (removed before, added after)."""
    before_text, after_text = VersionText(old, names), VersionText(new, names)
    shown = []
    for change in changes:
        if change.key == FRAMEWORK_KEY:
            framework = FrameworkNames(
                objectives=names.objectives,
                countries=names.countries,
                organizations=names.organizations,
            )
            sentences = framework_changes(change.before, change.after, framework)
            shown.append(ShownChange(change.label, [], [], tuple(sentences)))
            continue
        before = before_text.items(change.key, change.before)
        after = after_text.items(change.key, change.after)
        if change.key in LISTED_PARTS:
            shown.append(
                ShownChange(
                    change.label,
                    [Item(text, text not in after) for text in before],
                    [Item(text, text not in before) for text in after],
                )
            )
        else:
            shown.append(
                ShownChange(change.label, [Item(t) for t in before], [Item(t) for t in after])
            )
    return shown

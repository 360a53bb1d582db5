"""A programme's results framework in a submitted version, in words, and how it changed.

The snapshot (`framework_snapshot`, stored under `FRAMEWORK_KEY` when the proposal has outcomes)
holds plain JSON values and codes: the fund outcome's code, objective numbers, SDG codes, the
MGI indicator's code, the assessment's country and year, the organization's acronym. The same
words serve the proposal's page (names read from the loaded rows) and a version's page (names
read once from the reference tables): `outcome_views`. `framework_changes` says, sentence by
sentence, what changed between two versions ("Outcome 1 renamed", "Baseline 20 % (2025) ->
25 % (2025)").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext, ngettext
from sqlalchemy import select

from fund.accounts.models import Organization
from fund.extensions import db
from fund.i18n import current_language, digits, labelled
from fund.labels import N_
from fund.money import plain_number
from fund.proposals.results import BaselineSource, ResultIndicator, ResultOutcome
from fund.reference.models import Country, GcmObjective
from fund.reference.results import FundOutcome, MgiAssessment, MgiIndicator, SdgTarget
from fund.reference.translations import CountryName, objective_label
from fund.sentences import LONG_LIST_SEPARATOR, Listed, Sentence, listed

FRAMEWORK_KEY = "results_framework"
DISAGGREGATIONS = {"sex": N_("sex"), "age": N_("age"), "migration_status": N_("migration status")}

Snapshot = list[dict[str, Any]]


def _text(value: Decimal | None) -> str | None:
    return None if value is None else plain_number(value)


def _indicator_snapshot(indicator: ResultIndicator) -> dict[str, Any]:
    assessment = indicator.mgi_assessment
    organization = indicator.responsible_organization
    return {
        "definition": indicator.definition,
        "unit": indicator.unit or "",
        "output": indicator.output.title if indicator.output else None,
        "baseline": _text(indicator.baseline_value),
        "baseline_year": indicator.baseline_year,
        "baseline_source": indicator.baseline_source,
        "baseline_link": indicator.baseline_link or "",
        "mgi_indicator": indicator.mgi_indicator.code if indicator.mgi_indicator else None,
        "mgi_assessment": (
            {"country": assessment.country_iso2, "year": assessment.year} if assessment else None
        ),
        "targets": {str(t.year): _text(t.value) for t in indicator.targets},
        "end_target": _text(indicator.end_target),
        "disaggregation": [
            key
            for key, on in (
                ("sex", indicator.by_sex),
                ("age", indicator.by_age),
                ("migration_status", indicator.by_migration_status),
            )
            if on
        ],
        "means_of_verification": indicator.means_of_verification or "",
        "responsible_organization": organization.label if organization else None,
    }


def framework_snapshot(outcomes: Iterable[ResultOutcome]) -> Snapshot:
    """The outcomes, in their order, with their mappings, outputs and indicators."""
    return [
        {
            "title": outcome.title,
            "fund_outcome": outcome.fund_outcome.code if outcome.fund_outcome else None,
            "objectives": [o.number for o in outcome.objectives],
            "sdg_targets": [t.code for t in outcome.sdg_targets],
            "outputs": [o.title for o in outcome.outputs],
            "indicators": [_indicator_snapshot(i) for i in outcome.indicators],
        }
        for outcome in outcomes
    ]


# names ----------------------------------------------------------------------------------------


@dataclass
class FrameworkNames:
    """Names for the codes a framework snapshot stores (any missing code is shown as it is)."""

    fund_outcomes: dict[str, str] = field(default_factory=dict)
    objectives: dict[int, str] = field(default_factory=dict)
    sdg_targets: dict[str, str] = field(default_factory=dict)
    mgi_indicators: dict[str, str] = field(default_factory=dict)
    countries: dict[str, str] = field(default_factory=dict)
    organizations: dict[str, str] = field(default_factory=dict)
    assessment_links: dict[tuple[str, int], str] = field(default_factory=dict)


def names_of(outcomes: Iterable[ResultOutcome]) -> FrameworkNames:
    """The names of the rows a loaded framework refers to (no statement)."""
    names = FrameworkNames()
    for outcome in outcomes:
        if outcome.fund_outcome:
            names.fund_outcomes[outcome.fund_outcome.code] = outcome.fund_outcome.label
        names.objectives |= {
            o.number: objective_label(o.number, current_language(), o.short_label)
            for o in outcome.objectives
        }
        names.sdg_targets |= {t.code: t.label for t in outcome.sdg_targets}
        for indicator in outcome.indicators:
            if indicator.mgi_indicator:
                names.mgi_indicators[indicator.mgi_indicator.code] = indicator.mgi_indicator.label
            if indicator.mgi_assessment:
                country = indicator.mgi_assessment.country
                names.countries[country.iso2] = country.name
                key = (country.iso2, indicator.mgi_assessment.year)
                names.assessment_links[key] = indicator.mgi_assessment.link
            if indicator.responsible_organization:
                org = indicator.responsible_organization
                names.organizations[org.label] = org.name
    return names


def framework_names(snapshot: Snapshot | None) -> FrameworkNames:
    """The names of the codes a framework snapshot stores, read from the reference tables:
    none without a framework, seven statements with one."""
    if not snapshot:
        return FrameworkNames()
    return FrameworkNames(
        fund_outcomes={o.code: o.label for o in db.session.scalars(select(FundOutcome))},
        objectives={
            o.number: objective_label(o.number, current_language(), o.short_label)
            for o in db.session.scalars(select(GcmObjective))
        },
        sdg_targets={t.code: t.label for t in db.session.scalars(select(SdgTarget))},
        mgi_indicators={i.code: i.label for i in db.session.scalars(select(MgiIndicator))},
        countries=dict(db.session.execute(select(Country.iso2, Country.name)).all()),
        organizations=dict(db.session.execute(select(Organization.label, Organization.name)).all()),
        assessment_links={
            (a.country_iso2, a.year): a.link for a in db.session.scalars(select(MgiAssessment))
        },
    )


# words ----------------------------------------------------------------------------------------


def web_link(link: str | None) -> str:
    """`link` when it is a web address (http or https), else "" (never a script's URL)."""
    link = (link or "").strip()
    return link if link.lower().startswith(("https://", "http://")) else ""


# Units typed in the plural whose singular is not the word without its "s".
_SINGULAR = {"people": "person", "persons": "person", "children": "child", "women": "woman"}
_NO_SINGULAR = ("ss", "us", "is", "series", "species", "news")


def unit_after(number: Any, unit: str) -> str:
    """The unit as said after `number`: a one-word English unit typed in the plural is said in
    the singular after exactly 1 ("1 month", "1 person", "1 country"); any other unit as typed."""
    word = unit.strip()
    try:
        one = Decimal(str(number)) == 1
    except InvalidOperation:
        return unit
    if not one or not word.isalpha() or not word.islower():
        return unit
    if word in _SINGULAR:
        return _SINGULAR[word]
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith(_NO_SINGULAR):
        return word[:-1]
    return unit


def quantity(value: Any, unit: str = "") -> str | None:
    """A value in its unit for people: "20 %", "1,200 people", "1 month" (None when not
    given), the two joined by a no-break space; the number as the page's language writes it
    ("1 200 people" in French)."""
    if value in (None, ""):
        return None
    try:
        number = digits(Decimal(str(value)))
    except InvalidOperation:
        number = str(value)
    # A no-break space: the unit never starts a line of its own.
    return f"{number}\u00a0{unit_after(value, unit)}" if unit else number


@dataclass(frozen=True)
class IndicatorView:
    definition: str
    unit: str
    output: str | None
    baseline: str | None  # "20 % (2025)"
    source: str | None
    link: str
    targets: list[str]  # "2027: 40 %"
    end_target: str | None
    disaggregation: str | None  # "By sex, age"
    means_of_verification: str
    responsible: str | None  # the acronym (or the name)
    responsible_name: str | None


@dataclass(frozen=True)
class OutcomeView:
    number: int
    title: str
    fund_outcome: str | None
    objectives: list[str]
    sdg_targets: list[str]
    outputs: list[str]
    indicators: list[IndicatorView]


def baseline_text(indicator: Mapping[str, Any]) -> str | None:
    value = quantity(indicator.get("baseline"), indicator.get("unit") or "")
    if value is None:
        return None
    year = indicator.get("baseline_year")
    return f"{value} ({year})" if year else value


def _targets(indicator: Mapping[str, Any]) -> list[str]:
    unit = indicator.get("unit") or ""
    targets = indicator.get("targets") or {}
    return [labelled(year, quantity(targets[year], unit)) for year in sorted(targets)]


def _disaggregation(indicator: Mapping[str, Any]) -> str | None:
    keys = [Sentence(DISAGGREGATIONS.get(k, k)) for k in indicator.get("disaggregation") or []]
    return Sentence(N_("By %(keys)s"), keys=Listed(keys)) if keys else None


class FrameworkText:
    """Words for the codes of a framework snapshot."""

    def __init__(self, names: FrameworkNames) -> None:
        self.names = names

    def objective(self, number: Any) -> str:
        label = self.names.objectives.get(int(number))
        return f"{number}. {label}" if label else f"Objective {number}"

    def source(self, indicator: Mapping[str, Any]) -> tuple[str | None, str]:
        """The baseline's source in words and its link."""
        kind = indicator.get("baseline_source")
        link = indicator.get("baseline_link") or ""
        if not kind:
            return None, web_link(link)
        if kind != BaselineSource.MGI:
            return Sentence(BaselineSource.labels().get(kind, kind)), web_link(link)
        code = indicator.get("mgi_indicator")
        named = self.names.mgi_indicators.get(code, code) if code else Sentence(N_("indicator"))
        assessment = indicator.get("mgi_assessment") or {}
        if not assessment:
            return Sentence(N_("MGI %(indicator)s"), indicator=named), web_link(link)
        iso2 = assessment["country"]
        country = CountryName(iso2, self.names.countries.get(iso2, iso2))
        key = (assessment["country"], assessment["year"])
        link = link or self.names.assessment_links.get(key, "") or ""
        text = Sentence(
            N_("MGI %(indicator)s, assessment of %(country)s (%(year)s)"),
            indicator=named,
            country=country,
            year=str(assessment["year"]),
        )
        return text, web_link(link)

    def indicator(self, indicator: Mapping[str, Any]) -> IndicatorView:
        source, link = self.source(indicator)
        organization = indicator.get("responsible_organization")
        return IndicatorView(
            definition=indicator.get("definition") or "",
            unit=indicator.get("unit") or "",
            output=indicator.get("output"),
            baseline=baseline_text(indicator),
            source=source,
            link=link,
            targets=_targets(indicator),
            end_target=quantity(indicator.get("end_target"), indicator.get("unit") or ""),
            disaggregation=_disaggregation(indicator),
            means_of_verification=indicator.get("means_of_verification") or "",
            responsible=organization,
            responsible_name=self.names.organizations.get(organization, organization)
            if organization
            else None,
        )

    def outcomes(self, snapshot: Snapshot | None) -> list[OutcomeView]:
        return [
            OutcomeView(
                number=number,
                title=outcome.get("title") or "",
                fund_outcome=(
                    self.names.fund_outcomes.get(outcome["fund_outcome"], outcome["fund_outcome"])
                    if outcome.get("fund_outcome")
                    else None
                ),
                objectives=[self.objective(n) for n in outcome.get("objectives") or []],
                sdg_targets=[
                    self.names.sdg_targets.get(code, code)
                    for code in outcome.get("sdg_targets") or []
                ],
                outputs=list(outcome.get("outputs") or []),
                indicators=[self.indicator(i) for i in outcome.get("indicators") or []],
            )
            for number, outcome in enumerate(snapshot or [], start=1)
        ]


def outcome_views(outcomes: Sequence[ResultOutcome]) -> list[OutcomeView]:
    """A loaded framework in words, for the proposal's page (no statement)."""
    return FrameworkText(names_of(outcomes)).outcomes(framework_snapshot(outcomes))


def version_outcome_views(snapshot: Snapshot | None) -> list[OutcomeView]:
    """A version's framework in words, for its page."""
    return FrameworkText(framework_names(snapshot)).outcomes(snapshot)


# changes --------------------------------------------------------------------------------------


def _pairs(
    old: Sequence[Mapping[str, Any]], new: Sequence[Mapping[str, Any]], key: str
) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Rows of two lists paired: the same `key` first, then the rest in their order. Returns the
    pairs (old index, new index), the old rows left (removed) and the new rows left (added)."""
    left_old, left_new = list(range(len(old))), list(range(len(new)))
    pairs = []
    for i in list(left_old):
        match = next((j for j in left_new if new[j].get(key) == old[i].get(key)), None)
        if match is not None:
            pairs.append((i, match))
            left_old.remove(i)
            left_new.remove(match)
    while left_old and left_new:
        pairs.append((left_old.pop(0), left_new.pop(0)))
    return sorted(pairs, key=lambda p: p[1]), left_old, left_new


def _listed(before: Iterable[str], after: Iterable[str]) -> list[str]:
    """ "added X; removed Y" for two lists compared as sets."""
    before, after = list(before), list(after)
    parts = []
    if added := [a for a in after if a not in before]:
        parts.append(gettext("added %(items)s", items=listed(added)))
    if removed := [b for b in before if b not in after]:
        parts.append(gettext("removed %(items)s", items=listed(removed)))
    return parts


def _or_none(text: str | None) -> str:
    return text if text else gettext("none")


def _change(sentence: str, before: str | None, after: str | None) -> str:
    """One part's change in words: `sentence` marked for translation, with `%(before)s` and
    `%(after)s` ("none" for an empty value)."""
    return gettext(sentence, before=_or_none(before), after=_or_none(after))


def _indicator_changes(old: Mapping[str, Any], new: Mapping[str, Any], text: FrameworkText):
    """What changed in one indicator, part by part."""
    changes = []
    if old.get("definition") != new.get("definition"):
        changes.append(
            gettext(
                "Definition “%(before)s” → “%(after)s”",
                before=old.get("definition"),
                after=new.get("definition"),
            )
        )
    if (old.get("unit") or "") != (new.get("unit") or ""):
        changes.append(_change(N_("Unit %(before)s → %(after)s"), old.get("unit"), new.get("unit")))
    before, after = baseline_text(old), baseline_text(new)
    if before != after:
        changes.append(_change(N_("Baseline %(before)s → %(after)s"), before, after))
    if text.source(old)[0] != text.source(new)[0] or old.get("baseline_link") != new.get(
        "baseline_link"
    ):
        source_old, source_new = text.source(old)[0], text.source(new)[0]
        changes.append(
            _change(N_("Baseline source %(before)s → %(after)s"), source_old, source_new)
        )
    if _targets(old) != _targets(new):
        changes.append(
            _change(
                N_("Targets %(before)s → %(after)s"),
                listed(_targets(old), LONG_LIST_SEPARATOR),
                listed(_targets(new), LONG_LIST_SEPARATOR),
            )
        )
    end_old = quantity(old.get("end_target"), old.get("unit") or "")
    end_new = quantity(new.get("end_target"), new.get("unit") or "")
    if end_old != end_new:
        changes.append(_change(N_("End target %(before)s → %(after)s"), end_old, end_new))
    for key, sentence in (
        ("output", N_("Output %(before)s → %(after)s")),
        ("means_of_verification", N_("Means of verification %(before)s → %(after)s")),
        ("responsible_organization", N_("Responsible organization %(before)s → %(after)s")),
    ):
        if (old.get(key) or "") != (new.get(key) or ""):
            changes.append(_change(sentence, old.get(key), new.get(key)))
    if _disaggregation(old) != _disaggregation(new):
        changes.append(
            _change(
                N_("Disaggregation %(before)s → %(after)s"),
                _disaggregation(old),
                _disaggregation(new),
            )
        )
    return changes


def _outcome_changes(
    number: int, old: Mapping[str, Any], new: Mapping[str, Any], text: FrameworkText
) -> list[str]:
    name = gettext("Outcome %(number)s “%(title)s”", number=number, title=new.get("title"))
    sentences = []
    if old.get("title") != new.get("title"):
        sentences.append(
            gettext(
                "Outcome %(number)s renamed: “%(before)s” → “%(after)s”.",
                number=number,
                before=old.get("title"),
                after=new.get("title"),
            )
        )
    if old.get("fund_outcome") != new.get("fund_outcome"):
        sentences.append(
            gettext(
                "%(outcome)s: fund outcome %(before)s → %(after)s.",
                outcome=name,
                before=_or_none(old.get("fund_outcome")),
                after=_or_none(new.get("fund_outcome")),
            )
        )
    for key, label, show in (
        ("objectives", N_("GCM objectives"), text.objective),
        ("sdg_targets", N_("SDG targets"), str),
        ("outputs", N_("outputs"), lambda t: f"“{t}”"),
    ):
        parts = _listed(map(show, old.get(key) or []), map(show, new.get(key) or []))
        if parts:
            sentences.append(
                gettext(
                    "%(outcome)s, %(part)s: %(changes)s.",
                    outcome=name,
                    part=gettext(label),
                    changes=listed(parts, LONG_LIST_SEPARATOR),
                )
            )
    old_rows, new_rows = old.get("indicators") or [], new.get("indicators") or []
    pairs, removed, added = _pairs(old_rows, new_rows, "definition")
    for i, j in pairs:
        if changes := _indicator_changes(old_rows[i], new_rows[j], text):
            sentences.append(
                gettext(
                    "%(outcome)s, indicator “%(indicator)s”: %(changes)s.",
                    outcome=name,
                    indicator=new_rows[j].get("definition"),
                    changes=listed(changes, LONG_LIST_SEPARATOR),
                )
            )
    for sentence, rows, indexes in (
        (N_("%(outcome)s: indicator “%(indicator)s” removed."), old_rows, removed),
        (N_("%(outcome)s: indicator “%(indicator)s” added."), new_rows, added),
    ):
        sentences += [
            gettext(sentence, outcome=name, indicator=rows[k].get("definition")) for k in indexes
        ]
    return sentences


def framework_changes(
    old: Snapshot | None, new: Snapshot | None, names: FrameworkNames | None = None
) -> list[str]:
    """What changed in the results framework between two versions, in sentences: outcomes
    added, removed or renamed (paired by title, then in order), their mappings and outputs,
    and their indicators (paired by definition, then in order) part by part."""
    old, new = old or [], new or []
    text = FrameworkText(names or FrameworkNames())
    pairs, removed, added = _pairs(old, new, "title")
    sentences = []
    for i, j in pairs:
        sentences += _outcome_changes(j + 1, old[i], new[j], text)
    sentences += [
        gettext("Outcome “%(title)s” removed.", title=old[i].get("title")) for i in removed
    ]
    for j in added:
        count = len(new[j].get("indicators") or [])
        sentences.append(
            ngettext(
                "Outcome %(number)s added: “%(title)s” (%(num)s indicator).",
                "Outcome %(number)s added: “%(title)s” (%(num)s indicators).",
                count,
                number=j + 1,
                title=new[j].get("title"),
            )
        )
    return sentences

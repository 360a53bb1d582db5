"""Changes to the results reference the secretariat keeps: the fund's own results framework
(fund-level outcomes and their indicators) and the Migration Governance Indicators (MGI: the
indicators, each country's assessments and how each indicator was scored). Every change is
audited; callers commit.

A code is unique by the database's own index: a duplicate is refused at the code's field
whoever was first. A fund-level outcome that programme outcomes map to is deactivated, never
deleted."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from fund.accounts.models import Role, User
from fund.audit.operations import record
from fund.extensions import db
from fund.labels import N_
from fund.proposals.results import ResultIndicator, ResultOutcome
from fund.reference.models import Country, GcmObjective, ThematicArea
from fund.reference.results import (
    ASSESSMENT_YEAR_MESSAGE,
    ASSESSMENT_YEARS,
    FundIndicator,
    FundOutcome,
    MgiAssessment,
    MgiIndicator,
    MgiScore,
    MgiScoreValue,
    MigofDomain,
)
from fund.refusals import Refused
from fund.sentences import Counted, Np_, Sentence

NOT_ASSESSED = ""  # a score left blank: the indicator was not assessed (no row)


class ResultsRefused(Refused, ValueError):
    """A change to the results reference the fund does not accept; `field` names the field."""


def _require_secretariat(actor: User) -> None:
    if not actor.has_role(Role.SECRETARIAT):
        raise ResultsRefused(N_("Only the secretariat keeps the results reference."))


def _flush_unique(message: str, field: str) -> None:  # a `Sentence`, or one marked `N_`
    """Flush; a unique index refusing the row becomes a refusal at `field` (the caller rolls
    back: nothing of the change stays)."""
    try:
        db.session.flush()
    except IntegrityError:
        raise ResultsRefused(message, field) from None


def _changes(row: object, values: Mapping[str, object]) -> dict[str, list[object]]:
    """Set `values` on `row`; the fields that changed, as [before, after]."""
    changed = {}
    for name, value in values.items():
        before = getattr(row, name)
        if before != value:
            changed[name] = [before, value]
            setattr(row, name, value)
    return changed


def _enter(
    row: Any, fields: dict[str, Any], new: Callable[..., Any]
) -> tuple[Any, dict[str, list[Any]], str]:
    """`fields` set on `row`, or a new row `new(**fields)` added when `row` is None: the row,
    what changed ([before, after]) and how ("added" or "changed")."""
    if row is None:
        row = new(**fields)
        db.session.add(row)
        return row, {name: [None, value] for name, value in fields.items()}, "added"
    return row, _changes(row, fields), "changed"


def _audit_entered(
    actor: User,
    row: Any,
    kind: str,
    how: str,
    changed: dict[str, Any],
    taken: str,
    now: datetime | None,
) -> None:
    """Flush a row `_enter` gave, its code another row has refused at its field (`taken`, the
    sentence saying so, with the placeholder `code`); audit "<kind>_<how>" with what changed,
    if anything did."""
    _flush_unique(Sentence(taken, code=row.code), "code")
    if changed:
        record(f"{kind}_{how}", kind, row.id, actor, details=changed, now=now)


# What names a reference row in the programmes' frameworks: a row named is kept.
_NAMED_BY = {
    FundOutcome: ResultOutcome.fund_outcome_id,  # a programme outcome mapped to it
    MgiIndicator: ResultIndicator.mgi_indicator_id,  # a baseline taken from it
    MgiAssessment: ResultIndicator.mgi_assessment_id,  # a baseline taken from it
}


def uses(row: FundOutcome | MgiIndicator | MgiAssessment | None) -> int:
    """How many programme rows name the reference row (none for a row not entered yet): a
    fund-level outcome is then deactivated rather than removed, an MGI indicator or assessment
    kept."""
    if row is None:
        return 0
    return db.session.scalar(select(func.count()).where(_NAMED_BY[type(row)] == row.id))


def _baselines(forms: tuple[str, str], **values: Any) -> Callable[[int], str]:
    """Why an MGI indicator or assessment that programme baselines name is kept (`forms`, its
    sentence by the number of those indicators, `num`)."""
    return lambda used: Counted(forms, used, **values)


def _remove(
    actor: User,
    row: Any,
    action: str,
    subject: tuple[str, int],
    details: dict[str, Any],
    now: datetime | None,
    kept: Callable[[int], str] | None = None,
) -> None:
    """Delete `row` (what goes with it by cascade too) and audit `action` on `subject` (its
    kind and id, read before the delete). Only the secretariat removes; with `kept`, a row
    programme rows name (`uses`) is kept, refused with `kept(how many)`."""
    _require_secretariat(actor)
    if kept is not None and (used := uses(row)):
        raise ResultsRefused(kept(used))
    db.session.delete(row)
    db.session.flush()
    record(action, subject[0], subject[1], actor, details=details, now=now)


# The fund's results framework --------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeValues:
    code: str
    title: str
    thematic_area_code: str | None
    active: bool


def _check_outcome(values: OutcomeValues) -> None:
    if not values.code:
        raise ResultsRefused(N_("Give the outcome a code."), "code")
    if not values.title:
        raise ResultsRefused(N_("Give the outcome a title."), "title")
    if (
        values.thematic_area_code
        and db.session.get(ThematicArea, values.thematic_area_code) is None
    ):
        raise ResultsRefused(N_("Choose a thematic area from the list."), "thematic_area_code")


def save_fund_outcome(
    actor: User, outcome: FundOutcome | None, values: OutcomeValues, now: datetime | None = None
) -> FundOutcome:
    """Create a fund-level outcome (at the end of the framework) or change `outcome`."""
    _require_secretariat(actor)
    _check_outcome(values)
    fields = {
        "code": values.code,
        "title": values.title,
        "thematic_area_code": values.thematic_area_code or None,
        "active": values.active,
    }

    def last(**columns: Any) -> FundOutcome:
        position = db.session.scalar(select(func.max(FundOutcome.position))) or 0
        return FundOutcome(position=position + 1, **columns)

    outcome, changed, how = _enter(outcome, fields, last)
    taken = N_("Another fund-level outcome has the code “%(code)s”.")
    _audit_entered(actor, outcome, "fund_outcome", how, changed, taken, now)
    return outcome


def remove_fund_outcome(actor: User, outcome: FundOutcome, now: datetime | None = None) -> None:
    """Delete a fund-level outcome no programme outcome maps to (with its indicators)."""
    details = {
        "code": outcome.code,
        "title": outcome.title,
        "indicators": [i.text for i in outcome.indicators],
    }
    subject = ("fund_outcome", outcome.id)

    def kept(used: int) -> str:
        return Counted(
            Np_(
                "%(num)s programme outcome maps to “%(code)s”: it cannot be removed. Deactivate "
                "it instead.",
                "%(num)s programme outcomes map to “%(code)s”: it cannot be removed. Deactivate "
                "it instead.",
            ),
            used,
            code=outcome.code,
        )

    _remove(actor, outcome, "fund_outcome_removed", subject, details, now, kept)


def _check_indicator(text: str, unit: str) -> None:
    if not text:
        raise ResultsRefused(N_("Say what the indicator measures."), "text")


def save_fund_indicator(
    actor: User,
    outcome: FundOutcome,
    indicator: FundIndicator | None,
    text: str,
    unit: str,
    now: datetime | None = None,
) -> FundIndicator:
    """Add an indicator to the fund-level outcome (last), or change `indicator`."""
    _require_secretariat(actor)
    _check_indicator(text, unit)
    if indicator is None:
        position = max((i.position for i in outcome.indicators), default=0)
        indicator = FundIndicator(text=text, unit=unit, position=position + 1)
        outcome.indicators.append(indicator)
        changed = {"text": [None, text], "unit": [None, unit]}
        action = "fund_indicator_added"
    else:
        changed = _changes(indicator, {"text": text, "unit": unit})
        action = "fund_indicator_changed"
    db.session.flush()
    if changed:
        record(
            action,
            "fund_outcome",
            outcome.id,
            actor,
            details={"indicator": indicator.id, **changed},
            now=now,
        )
    return indicator


def remove_fund_indicator(
    actor: User, indicator: FundIndicator, now: datetime | None = None
) -> None:
    details = {"indicator": indicator.id, "text": indicator.text, "unit": indicator.unit}
    subject = ("fund_outcome", indicator.fund_outcome_id)
    _remove(actor, indicator, "fund_indicator_removed", subject, details, now)


# MGI indicators ------------------------------------------------------------------------------


def save_mgi_indicator(
    actor: User,
    indicator: MgiIndicator | None,
    *,
    code: str,
    text: str,
    domain_code: str,
    objectives: Iterable[int],
    now: datetime | None = None,
) -> MgiIndicator:
    """Enter an MGI indicator or change `indicator` (code, text, policy domain, the numbers of
    its GCM objectives)."""
    _require_secretariat(actor)
    if not code:
        raise ResultsRefused(N_("Give the indicator's MGI code."), "code")
    if not text:
        raise ResultsRefused(N_("Give the indicator's text."), "text")
    if db.session.get(MigofDomain, domain_code) is None:
        raise ResultsRefused(N_("Choose the policy domain from the list."), "domain_code")
    numbers = sorted(set(objectives))
    chosen = list(db.session.scalars(select(GcmObjective).where(GcmObjective.number.in_(numbers))))
    if len(chosen) != len(numbers):
        raise ResultsRefused(N_("Choose the objectives from the list."), "objectives")
    before = [o.number for o in indicator.objectives] if indicator is not None else []
    fields = {"code": code, "text": text, "domain_code": domain_code}
    indicator, changed, how = _enter(indicator, fields, MgiIndicator)
    if before != numbers:
        changed["objectives"] = [before, numbers]
    indicator.objectives = sorted(chosen, key=lambda o: o.number)
    taken = N_("Another MGI indicator has the code “%(code)s”.")
    _audit_entered(actor, indicator, "mgi_indicator", how, changed, taken, now)
    return indicator


def remove_mgi_indicator(actor: User, indicator: MgiIndicator, now: datetime | None = None) -> None:
    """Delete an MGI indicator no programme baseline names (its scores go with it)."""
    details = {"code": indicator.code, "text": indicator.text}
    subject = ("mgi_indicator", indicator.id)
    kept = _baselines(
        Np_(
            "%(num)s programme indicator takes its baseline from “%(code)s”: it cannot be removed.",
            "%(num)s programme indicators take their baseline from “%(code)s”: it cannot be "
            "removed.",
        ),
        code=indicator.code,
    )
    _remove(actor, indicator, "mgi_indicator_removed", subject, details, now, kept)


# MGI assessments and scores ------------------------------------------------------------------


def _check_link(link: str) -> None:
    if link and not link.lower().startswith(("https://", "http://")):
        raise ResultsRefused(N_("Give the link as a web address starting with https://."), "link")


def add_assessment(
    actor: User, country_iso2: str, year: int, link: str, now: datetime | None = None
) -> MgiAssessment:
    """Record a country's MGI assessment of `year` (one per country and year)."""
    _require_secretariat(actor)
    country = db.session.get(Country, country_iso2 or "")
    if country is None:
        raise ResultsRefused(N_("Choose the country from the list."), "country")
    first, last = ASSESSMENT_YEARS
    if not first <= year <= last:
        raise ResultsRefused(ASSESSMENT_YEAR_MESSAGE, "year", min=str(first), max=str(last))
    _check_link(link)
    assessment = MgiAssessment(country_iso2=country.iso2, year=year, link=link)
    db.session.add(assessment)
    _flush_unique(
        Sentence(
            N_("%(country)s already has an MGI assessment of %(year)s."),
            country=country.name,
            year=str(year),
        ),
        "year",
    )
    record(
        "mgi_assessment_added",
        "mgi_assessment",
        assessment.id,
        actor,
        details={"country": country.iso2, "year": year, "link": link},
        now=now,
    )
    return assessment


def record_scores(
    actor: User,
    assessment: MgiAssessment,
    link: str,
    scores: Mapping[int, str],
    now: datetime | None = None,
) -> dict[str, list[str | None]]:
    """Set the assessment's link and the score of each indicator in `scores` (indicator id ->
    absent, partial, complete, or NOT_ASSESSED to remove it). Returns what changed, by
    indicator code: [before, after] (None: not assessed)."""
    _require_secretariat(actor)
    _check_link(link)
    allowed = {s.value for s in MgiScoreValue} | {NOT_ASSESSED}
    for score in scores.values():
        if score not in allowed:
            raise ResultsRefused(N_("Choose each score from the list."))
    indicators = {
        i.id: i
        for i in db.session.scalars(select(MgiIndicator).where(MgiIndicator.id.in_(list(scores))))
    }
    if len(indicators) != len(scores):
        raise ResultsRefused(N_("An indicator of the form no longer exists. Reload the page."))
    existing = {row.indicator_id: row for row in assessment.scores}
    changed: dict[str, list[str | None]] = {}
    for indicator_id, score in scores.items():
        row = existing.get(indicator_id)
        before = row.score if row is not None else None
        after = score or None
        if before == after:
            continue
        if row is None:
            assessment.scores.append(MgiScore(indicator_id=indicator_id, score=score))
        elif after is None:
            assessment.scores.remove(row)
        else:
            row.score = score
        changed[indicators[indicator_id].code] = [before, after]
    details: dict[str, object] = {}
    if assessment.link != link:
        details["link"] = [assessment.link, link]
        assessment.link = link
    if changed:
        details["scores"] = changed
    db.session.flush()
    if details:
        record(
            "mgi_scores_recorded",
            "mgi_assessment",
            assessment.id,
            actor,
            details={"country": assessment.country_iso2, "year": assessment.year, **details},
            now=now,
        )
    return changed


def remove_assessment(actor: User, assessment: MgiAssessment, now: datetime | None = None) -> None:
    """Delete an assessment no programme baseline names (its scores go with it)."""
    details = {
        "country": assessment.country_iso2,
        "year": assessment.year,
        "scores": {row.indicator.code: row.score for row in assessment.scores},
    }
    subject = ("mgi_assessment", assessment.id)
    kept = _baselines(
        Np_(
            "%(num)s programme indicator takes its baseline from this assessment: it cannot be "
            "removed.",
            "%(num)s programme indicators take their baseline from this assessment: it cannot "
            "be removed.",
        )
    )
    _remove(actor, assessment, "mgi_assessment_removed", subject, details, now, kept)

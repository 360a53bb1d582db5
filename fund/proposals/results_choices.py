"""What the results framework's form offers: the fund's outcomes, the objectives, SDG targets,
MGI indicators and assessments, the participating organizations and the programme's years,
read once for the page, and given to every row of the form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_, select
from wtforms import SelectChoice

from fund.accounts.models import Organization
from fund.extensions import db
from fund.forms import options
from fund.i18n import current_language, labelled
from fund.proposals.problems import calendar_years
from fund.proposals.results import BaselineSource
from fund.proposals.results_forms import MAX_TARGETS, ResultsForm, typed
from fund.reference.models import Country, GcmObjective
from fund.reference.results import FundOutcome, MgiAssessment, MgiIndicator, SdgTarget
from fund.reference.translations import objective_numbered
from fund.sentences import listed


@dataclass
class Choices:
    """What the selects and checkboxes offer, read once for the whole page."""

    fund_outcomes: list[SelectChoice]
    objectives: list[tuple[int, str]]
    own_objectives: frozenset[int]  # the proposal's primary and secondary objectives
    sdg_targets: list[tuple[str, str]]
    sources: list[SelectChoice]
    mgi_indicators: list[SelectChoice]
    mgi_assessments: list[SelectChoice]
    organizations: list[SelectChoice]
    years: list[int] | None  # the programme's calendar years, None when not known


def programme_years(proposal: Any) -> list[int] | None:
    """The calendar years from the planned start over the duration, as submission checks the
    targets' years (`calendar_years`); None when either is missing or the programme is longer
    than an indicator has targets."""
    years = calendar_years(proposal)
    if years is None or proposal.duration_months > 12 * MAX_TARGETS:
        return None
    return list(years)[:MAX_TARGETS]


def load_choices(proposal: Any) -> Choices:
    """The choices for `proposal`'s framework (a fixed number of statements): the fund's
    outcomes in use (and those its outcomes keep), the objectives, SDG targets, MGI indicators,
    the MGI assessments of its countries (and those its indicators keep) and its participating
    organizations (and those its indicators keep)."""
    stored = [i for o in proposal.outcomes for i in o.indicators]
    kept_outcomes = {o.fund_outcome_id for o in proposal.outcomes if o.fund_outcome_id}
    fund_outcomes = db.session.scalars(
        select(FundOutcome)
        .where(or_(FundOutcome.active, FundOutcome.id.in_(kept_outcomes)))
        .order_by(FundOutcome.position, FundOutcome.code)
    ).all()
    objectives = db.session.scalars(select(GcmObjective).order_by(GcmObjective.number)).all()
    sdg = db.session.scalars(select(SdgTarget).order_by(SdgTarget.position)).all()
    indicators = db.session.execute(
        select(MgiIndicator.id, MgiIndicator.code, MgiIndicator.text).order_by(MgiIndicator.code)
    ).all()
    kept_assessments = {i.mgi_assessment_id for i in stored if i.mgi_assessment_id}
    assessments = db.session.execute(
        select(MgiAssessment.id, MgiAssessment.year, Country.name)
        .join(Country, Country.iso2 == MgiAssessment.country_iso2)
        .where(
            or_(
                MgiAssessment.country_iso2.in_([c.iso2 for c in proposal.countries]),
                MgiAssessment.id.in_(kept_assessments),
            )
        )
        .order_by(Country.name, MgiAssessment.year.desc())
    ).all()
    organizations = {o.id: o for o in proposal.participants}
    kept_organizations = {
        i.responsible_organization_id
        for i in stored
        if i.responsible_organization_id and i.responsible_organization_id not in organizations
    }
    if kept_organizations:
        organizations |= {
            o.id: o
            for o in db.session.scalars(
                select(Organization).where(Organization.id.in_(kept_organizations))
            )
        }
    own = {o.number for o in proposal.secondary_objectives}
    language = current_language()
    if proposal.primary_objective_number:
        own.add(proposal.primary_objective_number)
    return Choices(
        fund_outcomes=options(
            [(0, _("— choose —"))]
            + [
                (o.id, o.label + ("" if o.active else " " + _("(no longer in use)")))
                for o in fund_outcomes
            ]
        ),
        objectives=[
            (o.number, objective_numbered(o.number, language, o.short_label)) for o in objectives
        ],
        own_objectives=frozenset(own),
        sdg_targets=[(s.code, s.label) for s in sdg],
        sources=options(
            [("", _("— none yet —"))] + [(k, _(v)) for k, v in BaselineSource.labels().items()]
        ),
        mgi_indicators=options(
            [(0, _("— choose —"))] + [(r.id, f"{r.code} {_short(r.text)}") for r in indicators]
        ),
        mgi_assessments=options(
            [(0, _("— choose —"))] + [(r.id, listed((r.name, r.year))) for r in assessments]
        ),
        organizations=options(
            [(0, _("— choose —"))]
            + [
                (o.id, labelled(o.acronym, o.name) if o.acronym else o.name)
                for o in sorted(organizations.values(), key=lambda o: o.label)
            ]
        ),
        years=programme_years(proposal),
    )


def _short(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def set_choices(form: ResultsForm, choices: Choices) -> None:
    """Give every select and checkbox list of the form its choices; an indicator's outputs are
    those of its outcome, by their number on the form."""
    for row in form.outcomes:
        outcome = row.form
        outcome.fund_outcome_id.choices = choices.fund_outcomes
        outcome.objectives.choices = choices.objectives
        outcome.sdg_targets.choices = choices.sdg_targets
        outputs = options(
            [("", _("The outcome itself"))]
            + [
                (
                    str(n),
                    _(
                        "Output %(number)s: %(title)s",
                        number=n,
                        title=_short(typed(o.form.title.data), 60) or _("(no title yet)"),
                    ),
                )
                for n, o in enumerate(outcome.outputs, start=1)
            ]
        )
        for entry in outcome.indicators:
            indicator = entry.form
            indicator.free_years = choices.years is None
            indicator.output.choices = outputs
            indicator.baseline_source.choices = choices.sources
            indicator.mgi_indicator_id.choices = choices.mgi_indicators
            indicator.mgi_assessment_id.choices = choices.mgi_assessments
            indicator.responsible_organization_id.choices = choices.organizations

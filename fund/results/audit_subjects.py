"""How the audit log names the results reference (registered in `fund.auditlog`'s
`SUBJECT_NAMERS` by `fund.results.init_app`): a fund-level outcome or an MGI indicator by its
code and words, a country's MGI assessment by its country and year, each linked to its form."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from fund.auditlog.subjects import SubjectNamer, as_text, no_value, phrase, typed
from fund.i18n import current_language
from fund.labels import N_
from fund.reference import translations
from fund.reference.models import Country
from fund.reference.results import FundOutcome, MgiAssessment, MgiIndicator


def _assessment_name(_: int, iso2: str, english: str, year: str) -> tuple[str, None]:
    country = translations.country_name(iso2, current_language(), english)
    return phrase(N_("%(country)s, %(year)s"), country=typed(country), year=year), None


def _by_code(model: Any, words: Any, page: tuple[str, str]) -> SubjectNamer:
    """A record of the reference by its code, with its words beside it."""
    return SubjectNamer(
        lambda ids: select(model.id, as_text(model.code), as_text(words), no_value()).where(
            model.id.in_(ids)
        ),
        lambda _, code, said, __: (code, said),
        page=page,
    )


NAMERS = {
    "fund_outcome": _by_code(
        FundOutcome, FundOutcome.title, ("results.edit_outcome", "outcome_id")
    ),
    "mgi_indicator": _by_code(
        MgiIndicator, MgiIndicator.text, ("results.edit_mgi_indicator", "indicator_id")
    ),
    "mgi_assessment": SubjectNamer(
        lambda ids: (
            select(
                MgiAssessment.id,
                as_text(MgiAssessment.country_iso2),
                as_text(Country.name),
                as_text(MgiAssessment.year),
            )
            .select_from(MgiAssessment)
            .join(Country, Country.iso2 == MgiAssessment.country_iso2)
            .where(MgiAssessment.id.in_(ids))
        ),
        _assessment_name,
        page=("results.assessment", "assessment_id"),
    ),
}

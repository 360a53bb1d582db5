"""How the audit log names the results reference (registered in `fund.auditlog`'s
`SUBJECT_NAMERS` by `fund.results.init_app`): a fund-level outcome or an MGI indicator by its
code and words, a country's MGI assessment by its country and year, each linked to its form."""

from __future__ import annotations

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


NAMERS = {
    "fund_outcome": SubjectNamer(
        lambda ids: select(
            FundOutcome.id, as_text(FundOutcome.code), as_text(FundOutcome.title), no_value()
        ).where(FundOutcome.id.in_(ids)),
        lambda _, code, title, __: (code, title),
        page=("results.edit_outcome", "outcome_id"),
    ),
    "mgi_indicator": SubjectNamer(
        lambda ids: select(
            MgiIndicator.id, as_text(MgiIndicator.code), as_text(MgiIndicator.text), no_value()
        ).where(MgiIndicator.id.in_(ids)),
        lambda _, code, text, __: (code, text),
        page=("results.edit_mgi_indicator", "indicator_id"),
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

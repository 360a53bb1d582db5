"""Forms of the results reference pages (secretariat): a fund-level outcome, its indicators, an
MGI indicator, a country's MGI assessment and the scores of one assessment."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, ValidationError

from fund.forms import IntegerField, MultiCheckboxField, StringField, options
from fund.i18n import current_language
from fund.reference.models import GcmObjective, ThematicArea
from fund.reference.results import (
    ASSESSMENT_YEAR_MESSAGE,
    ASSESSMENT_YEARS,
    FundOutcome,
    MgiIndicator,
    MgiScoreValue,
    MigofDomain,
)
from fund.reference.translations import objective_title

NOT_ASSESSED_LABEL = _l("Not assessed")


def code_field(label: Any, missing: Any, column: Any, example: Any) -> StringField:
    """The code of a reference row: required, at most as long as its `column` holds (the
    description says so after `example`); one another row has is refused at this field when
    the database's unique index refuses it."""
    length = column.type.length
    return StringField(
        label,
        validators=[DataRequired(missing), Length(max=length)],
        description=_l(
            "%(example)s (at most %(count)s characters).", example=example, count=length
        ),
    )


class FundOutcomeForm(FlaskForm):
    code = code_field(
        _l("Code"),
        _l("Give the outcome a code."),
        FundOutcome.code,
        _l("Short and unique, for instance FO7"),
    )
    title = TextAreaField(
        _l("Title"),
        validators=[DataRequired(_l("Give the outcome a title.")), Length(max=1000)],
        description=_l("The change the fund seeks, as a statement."),
    )
    thematic_area_code = SelectField(_l("Thematic area"), choices=[], validate_choice=False)
    active = BooleanField(
        _l("Active: programme outcomes can map to it"),
        default=True,
        description=_l("An outcome programmes already map to is deactivated rather than removed."),
    )

    def with_areas(self, areas: Iterable[ThematicArea]) -> FundOutcomeForm:
        self.thematic_area_code.choices = options(
            [
                ("", _l("None (the fund as a whole)")),
                *((a.code, f"{a.code} {a.title}") for a in areas),
            ]
        )
        return self


class FundIndicatorForm(FlaskForm):
    text = TextAreaField(
        _l("Indicator"),
        validators=[DataRequired(_l("Say what the indicator measures.")), Length(max=2000)],
    )
    unit = StringField(
        _l("Unit"),
        validators=[Length(max=60)],
        description=_l("For instance %, number of people, number of policies."),
    )


class MgiIndicatorForm(FlaskForm):
    code = code_field(
        _l("MGI code"),
        _l("Give the indicator's MGI code."),
        MgiIndicator.code,
        _l("As the MGI numbers it, for instance 1.1.3"),
    )
    text = TextAreaField(
        _l("Text"), validators=[DataRequired(_l("Give the indicator's text.")), Length(max=2000)]
    )
    domain_code = SelectField(_l("MiGOF policy domain"), choices=[], validate_choice=False)
    objectives = MultiCheckboxField(
        _l("GCM objectives it speaks to"), coerce=int, choices=[], validate_choice=False
    )

    def with_choices(
        self, domains: Iterable[MigofDomain], objectives: Iterable[GcmObjective]
    ) -> MgiIndicatorForm:
        self.domain_code.choices = options(
            [("", _l("Choose a domain")), *((d.code, f"{d.code} {d.title}") for d in domains)]
        )
        language = current_language()
        self.objectives.choices = options(
            (o.number, f"{o.number}. {objective_title(o.number, language, o.title)}")
            for o in objectives
        )
        return self

    def validate_domain_code(self, field: SelectField) -> None:
        if not field.data:
            raise ValidationError(_l("Choose the policy domain."))


class AssessmentForm(FlaskForm):
    country = SelectField(_l("Country"), choices=[], validate_choice=False)
    year = IntegerField(
        _l("Year of the assessment"),
        validators=[
            DataRequired(_l("Give the year of the assessment.")),
            NumberRange(*ASSESSMENT_YEARS, _l(ASSESSMENT_YEAR_MESSAGE)),
        ],
    )
    link = StringField(
        _l("Link to the published assessment"),
        validators=[Length(max=500)],
        description=_l("Optional: the web address of the country profile, starting with https://."),
    )

    def with_countries(self, countries: Iterable[tuple[str, str]]) -> AssessmentForm:
        self.country.choices = options([("", _l("Choose a country")), *countries])
        return self

    def validate_country(self, field: SelectField) -> None:
        if not field.data:
            raise ValidationError(_l("Choose the country."))


SCORE_CHOICES = options(
    [("", NOT_ASSESSED_LABEL), *((s.value, _l(s.label)) for s in MgiScoreValue)]
)


class ScoresForm(FlaskForm):
    """The link and one score per MGI indicator; the score fields are added by `scores_form`."""

    link = StringField(
        _l("Link to the published assessment"),
        validators=[Length(max=500)],
        description=_l("The web address of the country profile, starting with https://."),
    )
    indicators: list[MgiIndicator]

    def score_field(self, indicator: MgiIndicator) -> SelectField:
        return self[f"score_{indicator.id}"]

    def scores(self) -> dict[int, str]:
        return {i.id: self.score_field(i).data or "" for i in self.indicators}


def scores_form(
    indicators: Iterable[MgiIndicator], link: str = "", initial: Mapping[int, str] | None = None
) -> ScoresForm:
    """The scores form for these indicators: from the request when posted, else from the
    assessment's `link` and `initial` scores (indicator id -> score)."""
    indicators = list(indicators)

    class Form(ScoresForm):
        pass

    for indicator in indicators:
        setattr(
            Form,
            f"score_{indicator.id}",
            SelectField(f"{indicator.code} {indicator.text}", choices=SCORE_CHOICES),
        )
    if initial is None:
        form = Form()
    else:
        data: dict[str, object] = {"link": link}
        data |= {f"score_{i.id}": initial.get(i.id, "") for i in indicators}
        form = Form(formdata=None, data=data)
    form.indicators = indicators
    return form

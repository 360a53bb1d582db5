"""The results framework's form: outcome blocks, each with its outputs and indicators (each
indicator with its targets by year), rows added by "Save and add ..." and dropped when blank
or marked for removal; filling it from the stored framework and reading it back."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Length

from fund.extensions import utcnow
from fund.forms import MultiCheckboxField, QuickSelect, StringField, int_or_zero
from fund.i18n import labelled
from fund.money import AmbiguousNumber, NumberError, latin_digits, typed_decimal
from fund.proposals.results import (
    VALUE_LIMIT,
    VALUE_PLACES,
    BaselineSource,
    typed_value,
    unit_refusal,
)
from fund.proposals.results_editing import IndicatorValues, OutcomeValues
from fund.sentences import listed, said

MAX_OUTCOMES = 20
MAX_OUTPUTS = 20  # of an outcome
MAX_INDICATORS = 30  # of an outcome
MAX_TARGETS = 15  # of an indicator
FREE_TARGET_ROWS = 3  # year/value pairs offered when the programme's years are not known

# A value in the indicator's unit: digits with at most four decimals (what the column holds).
YEAR = re.compile(r"[0-9]{4}")
FIRST_YEAR, LAST_YEAR = 1990, 2100
VALUE_EXAMPLE = Decimal("12.5")  # a hint's and a refusal's example, written as the page types it
LINK = re.compile(r"https?://\S+", re.IGNORECASE)


def typed(value: Any) -> str:
    """A field's text without its surrounding spaces (nothing for anything else)."""
    return value.strip() if isinstance(value, str) else ""


def _number(field: Any, what: str) -> Decimal | None:
    """The field's number (None when empty), as the page's language writes decimals ("12,5" in
    French) or in the plain form (`typed_value`); an error on the field, its example written
    as the page writes numbers, when it is not one, or has more than twelve digits before the
    point or four after; a number the two readings understand differently ("1.250" in Spanish)
    is refused as the reader refuses it, asking which of the two was meant."""
    text = typed(field.data)
    if not text:
        return None
    try:
        value: Decimal | None = typed_value(text)
    except AmbiguousNumber as error:
        field.errors.append(error.said())
        return None
    except NumberError:
        value = None
    if value is None or abs(value) >= VALUE_LIMIT or value != value.quantize(VALUE_PLACES):
        field.errors.append(
            _(
                "Enter %(what)s as a number, e.g. %(example)s (at most four decimals).",
                what=what,
                example=typed_decimal(VALUE_EXAMPLE),
            )
        )
        return None
    return value


def _year(field: Any, what: str, last: int = LAST_YEAR) -> int | None:
    """The field's year (None when empty), its digits read as numbers are (Arabic-Indic digits
    too: "٢٠٢٤"); an error on the field, naming the years from FIRST_YEAR to `last`, when it is
    not a year of the column's range."""
    text = latin_digits(typed(field.data))
    if not text:
        return None
    if not YEAR.fullmatch(text) or not FIRST_YEAR <= int(text) <= LAST_YEAR:
        field.errors.append(
            _(
                "Enter %(what)s as a year between %(first)s and %(last)s, e.g. 2024.",
                what=what,
                first=FIRST_YEAR,
                last=last,
            )
        )
        return None
    return int(text)


def _baseline_year(field: Any) -> int | None:
    """The baseline's year: a baseline is a measurement already made, so its year is never
    after the current year (UTC)."""
    this_year = utcnow().year
    year = _year(field, _("the baseline year"), last=this_year)
    if year is not None and year > this_year:
        field.errors.append(
            _(
                "A baseline is a measurement already made: enter the year it was made, between "
                "%(first)s and %(last)s.",
                first=FIRST_YEAR,
                last=this_year,
            )
        )
        return None
    return year


class RowForm(Form):
    """A row of the framework: skipped (not checked, not saved) when blank or marked removed."""

    remove = BooleanField(_l("Remove"))

    def is_blank(self) -> bool:
        raise NotImplementedError

    def dropped(self) -> bool:
        return bool(self.remove.data) or self.is_blank()

    def check(self) -> bool:
        return True

    def validate(self, extra_validators=None) -> bool:
        if self.dropped():
            return True
        ok = super().validate(extra_validators)
        if not self.check():
            # The errors `check` put on the fields of its rows (or of its own rows' rows) count
            # only once the row itself shows one: the lists above read their rows' errors.
            self.form_errors.append(_("This row has errors."))
            return False
        return ok


class TargetRowForm(Form):
    year = StringField(_l("Year"), validators=[Length(max=10)])
    value = StringField(_l("Target"), validators=[Length(max=40)])

    def is_blank(self, free: bool) -> bool:
        return not typed(self.value.data) and (not free or not typed(self.year.data))


class OutputRowForm(RowForm):
    title = StringField(_l("Output"), validators=[Length(max=500)])

    def is_blank(self) -> bool:
        return not typed(self.title.data)


class IndicatorRowForm(RowForm):
    definition = TextAreaField(_l("Definition"), validators=[Length(max=1000)])
    unit = StringField(
        _l("Unit"), validators=[Length(max=60)], description=_l("e.g. %, people, laws")
    )
    output = SelectField(_l("Measures"), validate_choice=False, widget=QuickSelect())
    baseline_value = StringField(_l("Baseline value"), validators=[Length(max=40)])
    baseline_year = StringField(_l("Baseline year"), validators=[Length(max=10)])
    baseline_source = SelectField(_l("Source of the baseline"), widget=QuickSelect())
    mgi_indicator_id = SelectField(_l("MGI indicator"), coerce=int_or_zero, widget=QuickSelect())
    mgi_assessment_id = SelectField(_l("MGI assessment"), coerce=int_or_zero, widget=QuickSelect())
    baseline_link = StringField(_l("Link to the baseline's source"), validators=[Length(max=500)])
    targets = FieldList(FormField(TargetRowForm), max_entries=MAX_TARGETS)
    end_target = StringField(_l("End target"), validators=[Length(max=40)])
    by_sex = BooleanField(_l("By sex"))
    by_age = BooleanField(_l("By age"))
    by_migration_status = BooleanField(_l("By migration status"))
    means_of_verification = TextAreaField(
        _l("Means of verification"), validators=[Length(max=2000)]
    )
    responsible_organization_id = SelectField(
        _l("Responsible participating organization"), coerce=int_or_zero, widget=QuickSelect()
    )

    free_years = False  # set by the page: targets as typed year/value pairs

    def is_blank(self) -> bool:
        texts = (
            self.definition,
            self.unit,
            self.baseline_value,
            self.baseline_year,
            self.baseline_source,
            self.baseline_link,
            self.end_target,
            self.means_of_verification,
        )
        chosen = (self.mgi_indicator_id, self.mgi_assessment_id, self.responsible_organization_id)
        ticked = (self.by_sex, self.by_age, self.by_migration_status)
        return (
            not any(typed(f.data) for f in texts)
            and not any(f.data for f in chosen + ticked)
            and not typed(self.output.data)
            and all(row.form.is_blank(self.free_years) for row in self.targets)
        )

    def check(self) -> bool:
        errors_before = self._error_count()
        self.parsed_baseline = _number(self.baseline_value, _("the baseline"))
        self.parsed_year = _baseline_year(self.baseline_year)
        self.parsed_end = _number(self.end_target, _("the end target"))
        link = typed(self.baseline_link.data)
        if link and not LINK.fullmatch(link):
            self.baseline_link.errors.append(
                _(
                    "Enter the link as a web address starting with %(start)s, e.g. %(example)s.",
                    start="https://",
                    example="https://www.migrationdataportal.org/",
                )
            )
        self.parsed_targets: dict[int, Decimal] = {}
        for row in self.targets:
            target = row.form
            if target.is_blank(self.free_years):
                continue
            year = _year(target.year, _("the target's year"))
            if self.free_years and year is not None and not typed(target.value.data):
                target.value.errors.append(
                    _("Enter the target for %(year)s, or clear the year.", year=year)
                )
            value = _number(target.value, _("the target"))
            if year is None and not target.year.errors:
                target.year.errors.append(_("Enter the year of this target, e.g. 2027."))
            elif year in self.parsed_targets:
                target.year.errors.append(_("Give %(year)s one target only.", year=year))
            elif year is not None and value is not None:
                self.parsed_targets[year] = value
        self._check_unit()
        return self._error_count() == errors_before

    def _check_unit(self) -> None:
        """Each value the unit does not allow (an MGI score is 0, 1 or 2): the rule a reported
        value is checked by (`unit_refusal`), so a target is one a report can reach."""
        unit = self.unit.data
        fields = [
            (self.baseline_value, self.parsed_baseline),
            (self.end_target, self.parsed_end),
            *((row.form.value, None) for row in self.targets),
        ]
        for field, value in fields:
            if value is None and not field.errors and typed(field.data):
                value = typed_value(typed(field.data))
            if value is not None and not field.errors:
                refused = unit_refusal(unit, value, typed(field.data))
                if refused is not None:
                    field.errors.append(said(refused))

    def _error_count(self) -> int:
        return sum(len(f.errors) for f in _fields(self))

    def values(self, output: int | None) -> IndicatorValues:
        source = self.baseline_source.data or None
        mgi = source == BaselineSource.MGI
        return IndicatorValues(
            definition=self.definition.data or "",
            unit=self.unit.data or "",
            output=output,
            baseline_value=self.parsed_baseline,
            baseline_year=self.parsed_year,
            baseline_source=source,
            baseline_link=self.baseline_link.data or "",
            mgi_indicator_id=(self.mgi_indicator_id.data or None) if mgi else None,
            mgi_assessment_id=(self.mgi_assessment_id.data or None) if mgi else None,
            targets=self.parsed_targets,
            end_target=self.parsed_end,
            by_sex=bool(self.by_sex.data),
            by_age=bool(self.by_age.data),
            by_migration_status=bool(self.by_migration_status.data),
            means_of_verification=self.means_of_verification.data or "",
            responsible_organization_id=self.responsible_organization_id.data or None,
        )


class OutcomeForm(RowForm):
    title = StringField(_l("Title of the outcome"), validators=[Length(max=500)])
    fund_outcome_id = SelectField(
        _l("Outcome of the fund's framework"), coerce=int_or_zero, widget=QuickSelect()
    )
    objectives = MultiCheckboxField(_l("GCM objectives"), coerce=int)
    sdg_targets = MultiCheckboxField(_l("SDG targets"))
    outputs = FieldList(FormField(OutputRowForm), max_entries=MAX_OUTPUTS)
    indicators = FieldList(FormField(IndicatorRowForm), max_entries=MAX_INDICATORS)
    add_output = SubmitField(_l("Save and add an output"))
    add_indicator = SubmitField(_l("Save and add an indicator"))

    def is_blank(self) -> bool:
        return (
            not typed(self.title.data)
            and not self.fund_outcome_id.data
            and not self.objectives.data
            and not self.sdg_targets.data
            and all(row.form.dropped() for row in self.outputs)
            and all(row.form.dropped() for row in self.indicators)
        )

    def kept_outputs(self) -> dict[str, int]:
        """The outputs saved, by their number on the form ("1", "2"...) -> position from 0."""
        kept = [str(n) for n, row in enumerate(self.outputs, start=1) if not row.form.dropped()]
        return {number: position for position, number in enumerate(kept)}

    def check(self) -> bool:
        kept, ok = self.kept_outputs(), True
        for row in self.indicators:
            indicator = row.form
            chosen = typed(indicator.output.data)
            if indicator.dropped() or not chosen or chosen in kept:
                continue
            ok = False
            valid = chosen in {c.value for c in indicator.output.choices or ()}
            indicator.output.errors.append(
                _(
                    "The output chosen is removed or empty: choose another output or the "
                    "outcome itself."
                )
                if valid
                else _("Choose the output from the list, or the outcome itself.")
            )
        return ok

    def values(self) -> OutcomeValues:
        kept = self.kept_outputs()
        return OutcomeValues(
            title=self.title.data or "",
            fund_outcome_id=self.fund_outcome_id.data or None,
            objective_numbers=list(self.objectives.data or []),
            sdg_codes=list(self.sdg_targets.data or []),
            outputs=[row.form.title.data or "" for row in self.outputs if not row.form.dropped()],
            indicators=[
                row.form.values(kept.get(typed(row.form.output.data)))
                for row in self.indicators
                if not row.form.dropped()
            ],
        )


class ResultsForm(FlaskForm):
    version = HiddenField()
    outcomes = FieldList(FormField(OutcomeForm), max_entries=MAX_OUTCOMES)
    save = SubmitField(_l("Save"))
    add_outcome = SubmitField(_l("Save and add an outcome"))

    def values(self) -> list[OutcomeValues]:
        """The typed framework, blank and removed rows left out; only after validation."""
        return [row.form.values() for row in self.outcomes if not row.form.dropped()]

    def added(self) -> str | None:
        """Which "Save and add" button was pressed: "outcome", "output-N" or "indicator-N"
        (N: the outcome's number on the form), or None."""
        if self.add_outcome.data:
            return "outcome"
        for number, row in enumerate(self.outcomes, start=1):
            if row.form.add_output.data:
                return f"output-{number}"
            if row.form.add_indicator.data:
                return f"indicator-{number}"
        return None


def _fields(form: Form) -> Iterator[Any]:
    """Every field of a form, those of its rows included."""
    for f in form:
        if isinstance(f, FieldList):
            for entry in f:
                yield from _fields(entry.form)
        else:
            yield f


def blank_outcome(years: list[int] | None) -> dict[str, Any]:
    return {"outputs": [{}], "indicators": [_blank_indicator(years)]}


def add_row(form: ResultsForm, what: str | None, years: list[int] | None) -> None:
    """Append the blank row `what` asks for ("outcome", "output-N", "indicator-N"), within
    the limits; anything else adds nothing."""
    kind, _, number = (what or "").partition("-")
    if kind == "outcome":
        if len(form.outcomes) < MAX_OUTCOMES:
            form.outcomes.append_entry(blank_outcome(years))
        return
    if kind not in ("output", "indicator") or not number.isdigit() or len(number) > 3:
        return
    if not 1 <= int(number) <= len(form.outcomes):
        return
    outcome = form.outcomes[int(number) - 1].form
    rows = outcome.outputs if kind == "output" else outcome.indicators
    if len(rows) < (MAX_OUTPUTS if kind == "output" else MAX_INDICATORS):
        rows.append_entry(_blank_indicator(years) if kind == "indicator" else {})


def _blank_indicator(years: list[int] | None) -> dict[str, Any]:
    if years:
        return {"targets": [{"year": str(y)} for y in years]}
    return {"targets": [{} for _ in range(FREE_TARGET_ROWS)]}


def _target_rows(stored: dict[int, Decimal], years: list[int] | None) -> list[dict[str, str]]:
    """The programme's years with their targets (and any stored year beyond them); without
    the programme's years, the stored pairs and blank ones."""
    if years:
        every = sorted(set(years) | set(stored))[:MAX_TARGETS]
        return [{"year": str(y), "value": _plain(stored.get(y))} for y in every]
    rows = [{"year": str(y), "value": _plain(v)} for y, v in sorted(stored.items())]
    blank = max(1, FREE_TARGET_ROWS - len(rows))
    return (rows + [{} for _ in range(blank)])[:MAX_TARGETS]


def _plain(value: Decimal | None) -> str:
    """A stored value as the page's language types it: no exponent, no trailing zeros of the
    column's scale ("12,5" in French)."""
    return "" if value is None else typed_decimal(value)


def stored_data(proposal: Any, years: list[int] | None) -> dict[str, Any]:
    """The form's data from the stored framework, with a blank output or indicator row where an
    outcome has none, and one blank outcome when there is none."""
    outcomes = []
    for outcome in proposal.outcomes[:MAX_OUTCOMES]:
        number_of = {o.id: str(n) for n, o in enumerate(outcome.outputs, start=1)}
        indicators = [
            {
                "definition": i.definition,
                "unit": i.unit,
                "output": number_of.get(i.output_id, ""),
                "baseline_value": _plain(i.baseline_value),
                "baseline_year": "" if i.baseline_year is None else str(i.baseline_year),
                "baseline_source": i.baseline_source or "",
                "mgi_indicator_id": i.mgi_indicator_id or 0,
                "mgi_assessment_id": i.mgi_assessment_id or 0,
                "baseline_link": i.baseline_link,
                "targets": _target_rows({t.year: t.value for t in i.targets}, years),
                "end_target": _plain(i.end_target),
                "by_sex": i.by_sex,
                "by_age": i.by_age,
                "by_migration_status": i.by_migration_status,
                "means_of_verification": i.means_of_verification,
                "responsible_organization_id": i.responsible_organization_id or 0,
            }
            for i in outcome.indicators[:MAX_INDICATORS]
        ]
        outcomes.append(
            {
                "title": outcome.title,
                "fund_outcome_id": outcome.fund_outcome_id or 0,
                "objectives": [o.number for o in outcome.objectives],
                "sdg_targets": [s.code for s in outcome.sdg_targets],
                "outputs": [{"title": o.title} for o in outcome.outputs[:MAX_OUTPUTS]] or [{}],
                "indicators": indicators or [_blank_indicator(years)],
            }
        )
    if not outcomes:
        outcomes = [blank_outcome(years)]
    return {"version": str(proposal.version), "outcomes": outcomes}


def error_list(form: ResultsForm) -> list[tuple[str, str]]:
    """Every error of the form as (field id, sentence naming the row), in the form's order."""
    found = [(f.id, labelled(f.label.text, e)) for f in (form.version,) for e in f.errors]
    found += [("outcomes", e) for e in form.outcomes.errors if isinstance(e, str)]
    for n, row in enumerate(form.outcomes, start=1):
        outcome = row.form
        for f in (outcome.title, outcome.fund_outcome_id, outcome.objectives, outcome.sdg_targets):
            found += [
                (
                    f.id,
                    _(
                        "Outcome %(number)s, %(field)s: %(error)s",
                        number=n,
                        field=_lower(str(f.label.text)),
                        error=e,
                    ),
                )
                for e in f.errors
            ]
        for m, output in enumerate(outcome.outputs, start=1):
            title = output.form.title
            found += [
                (
                    title.id,
                    _(
                        "Outcome %(number)s, output %(output)s: %(error)s",
                        number=n,
                        output=m,
                        error=e,
                    ),
                )
                for e in title.errors
            ]
        for m, indicator in enumerate(outcome.indicators, start=1):
            where = _("Outcome %(number)s, indicator %(indicator)s", number=n, indicator=m)
            for f in indicator.form:
                if isinstance(f, FieldList):
                    for k, target in enumerate(f, start=1):
                        for sub, label in _target_labels(target.form, k):
                            found += [
                                (sub.id, labelled(listed((where, label)), e)) for e in sub.errors
                            ]
                else:
                    found += [
                        (f.id, labelled(listed((where, _lower(str(f.label.text)))), e))
                        for e in f.errors
                    ]
    return found


def _target_labels(target: TargetRowForm, number: int) -> list[tuple[Any, str]]:
    """A target row's fields with the words naming them in a sentence: the value by the year it
    is for ("target for 2028"), or by its row while its year is not a year ("target 2"); the
    year by its row ("year of target 2")."""
    year = latin_digits(typed(target.year.data))
    if YEAR.fullmatch(year) and not target.year.errors:
        value = _("target for %(year)s", year=year)
    else:
        value = _("target %(number)s", number=number)
    return [(target.value, value), (target.year, _("year of target %(number)s", number=number))]


def _lower(label: str) -> str:
    """A label inside a sentence: "Unit" -> "unit", "MGI indicator" stays."""
    return label if label[1:2].isupper() else label[:1].lower() + label[1:]

"""Forms of the screening pages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from fund.forms import IntegerField, StringField, long_text, options
from fund.i18n import seed_text
from fund.screening.models import CheckResult, ScreeningCriterion

ACTIONS = ("forward_to_committee", "return_for_revision", "declare_ineligible")


class VersionForm(FlaskForm):
    """A button acting on a proposal; `version` is the proposal version the user saw."""

    version = IntegerField(validators=[DataRequired()])


class ActionForm(VersionForm):
    """Forward, return or declare ineligible; the comment is the message or the reason."""

    trigger = HiddenField(validators=[DataRequired(), AnyOf(ACTIONS)])
    comment = long_text(_l("Comment"))


class ChecklistForm(VersionForm):
    """One result and note per criterion; the fields are added by `checklist_form`."""

    criteria: list[ScreeningCriterion]

    def result_field(self, criterion: ScreeningCriterion) -> RadioField:
        return self[f"result_{criterion.id}"]

    def note_field(self, criterion: ScreeningCriterion) -> TextAreaField:
        return self[f"note_{criterion.id}"]

    def results(self) -> dict[int, tuple[str, str]]:
        """(result, note) per criterion that was given a result."""
        return {
            c.id: (self.result_field(c).data, self.note_field(c).data or "")
            for c in self.criteria
            if self.result_field(c).data
        }


def checklist_form(
    criteria: Iterable[ScreeningCriterion],
    initial: Mapping[int, tuple[str | None, str]] | None = None,
    version: int | None = None,
) -> ChecklistForm:
    """The checklist form for these criteria: from the request when posted, else from
    `initial` (criterion id -> (result, note))."""
    criteria = list(criteria)
    choices = options((r.value, _l(r.label)) for r in CheckResult)

    class Form(ChecklistForm):
        pass

    for criterion in criteria:
        setattr(
            Form,
            f"result_{criterion.id}",
            RadioField(
                seed_text(criterion.label),
                choices=choices,
                validators=[Optional(), AnyOf([r.value for r in CheckResult])],
                validate_choice=False,
            ),
        )
        setattr(
            Form,
            f"note_{criterion.id}",
            long_text(_l("Note on “%(criterion)s”", criterion=seed_text(criterion.label))),
        )
    if initial is None:
        form = Form()
    else:
        data: dict[str, object] = {"version": version}
        for criterion_id, (result, note) in initial.items():
            data[f"result_{criterion_id}"] = result
            data[f"note_{criterion_id}"] = note
        form = Form(formdata=None, data=data)
    form.criteria = criteria
    return form


class CriterionForm(FlaskForm):
    stage = SelectField(
        _l("For"),
        choices=options([("full_proposal", _l("Full proposals"))]),
        description=_l("Concept notes and full proposals have their own checklists."),
    )
    label = StringField(
        _l("Criterion"),
        validators=[DataRequired(_l("Describe the criterion.")), Length(max=1000)],
        description=_l(
            "What the secretariat checks, written as a statement that holds "
            "for an eligible proposal."
        ),
    )


class CriterionSwitchForm(FlaskForm):
    criterion_id = IntegerField(validators=[DataRequired()])
    operation = HiddenField(validators=[AnyOf(("activate", "deactivate", "remove"))])


class DefaultCriterionForm(FlaskForm):
    """Add one of the fund's default criteria the call lacks, by its code."""

    default_code = HiddenField(validators=[DataRequired(), Length(max=40)])

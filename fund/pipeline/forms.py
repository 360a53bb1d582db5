"""Forms of the pipeline pages: the committee's new order, the public flag, the balance view's
picks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from fund.coverage.forms import SimulatorForm
from fund.coverage.simulator import Candidate
from fund.forms import options
from fund.pipeline.operations import DecisionChoice
from fund.sentences import said

# A place typed for a concept note: a whole number from 1.
_MAX_PLACE = 10_000


class RerankForm(FlaskForm):
    """The concept notes' new order: a place for each note (`place-<id>`), the committee's
    decision it rests on, and a comment."""

    decision = SelectField(
        _l("The committee's decision"),
        validators=[DataRequired(_l("Choose the committee's decision the new order rests on."))],
        validate_choice=False,
        description=_l(
            "A closed voting round that approved a concept note into the pipeline, "
            "or a meeting's decision on the pipeline."
        ),
    )
    comment = TextAreaField(_l("Comment"), validators=[Length(max=2000)])

    def set_decisions(self, choices: Sequence[DecisionChoice]) -> None:
        self.decision.choices = options(
            [("", _l("Choose a decision")), *((c.value, said(c.label)) for c in choices)]
        )
        self._allowed = {c.value for c in choices}

    def validate_decision(self, field) -> None:
        if field.data and field.data not in getattr(self, "_allowed", set()):
            raise ValidationError(_l("Choose one of the decisions listed."))

    @staticmethod
    def shown(form: Mapping[str, str]) -> list[int]:
        """The concept notes the page showed, in the order it showed them (`shown`: their
        ids, comma-separated, first to last): a page shown before another order was recorded
        is stale even when it lists the same notes."""
        return [int(v) for v in (form.get("shown") or "").split(",") if v.strip().isdigit()]

    def order(self, form: Mapping[str, str], current: Sequence[int]) -> list[int] | None:
        """The notes by the places typed (`place-<id>`), ties and blanks keeping the current
        order; None (with the form's error) when a place is not a whole number from 1."""
        places: dict[int, int] = {}
        for position, note_id in enumerate(current, start=1):
            raw = (form.get(f"place-{note_id}") or "").strip()
            if not raw:
                places[note_id] = position
                continue
            if not raw.isdigit() or not 1 <= int(raw) <= _MAX_PLACE:
                self.form_errors.append(
                    _(
                        "Give each concept note its place as a whole number from 1 "
                        "(not “%(typed)s”).",
                        typed=raw[:20],
                    )
                )
                return None
            places[note_id] = int(raw)
        index = {note_id: i for i, note_id in enumerate(current)}
        return sorted(current, key=lambda note_id: (places[note_id], index[note_id]))


class PublicForm(FlaskForm):
    """List a row of the pipeline in the public booklet, or take it out."""

    public = BooleanField(_l("Listed in the public booklet"))
    comment = HiddenField()


class BalanceForm(SimulatorForm):
    """The concept notes to select, read from the query string (GET: no CSRF token)."""

    def set_candidates(self, candidates: Iterable[Candidate]) -> None:
        super().set_candidates(candidates)
        self.pick.label.text = _l("Concept notes to select")

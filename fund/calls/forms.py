"""The call form (secretariat)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from fund.accounts.sensitive import SensitiveForm
from fund.calls.models import CallStage, DecisionRule, Stage
from fund.forms import DateField, IntegerField, StringField, long_text, options


class CallForm(SensitiveForm):
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Give the call a title.")), Length(max=200)]
    )
    description = long_text(_l("Description"))
    opens_on = DateField(_l("Opens on"), validators=[DataRequired(_l("Give the opening date."))])
    closes_on = DateField(
        _l("Closes on"),
        validators=[DataRequired(_l("Give the closing date."))],
        description=_l("Proposals can be submitted until the end of this day (UTC)."),
    )
    stage = SelectField(
        _l("What the call takes"),
        choices=options((stage.value, _l(label)) for stage, label in CallStage.labels().items()),
        default=CallStage.FULL_PROPOSAL.value,
        description=_l(
            "A concept-note-first call takes short concept notes; the committee "
            "selects some, and their applicants are invited to full programmes later."
        ),
    )
    endorsement_stage = SelectField(
        _l("Government endorsement letters are due"),
        choices=options(
            (stage.value, _l(label))
            for stage, label in sorted(
                Stage.labels().items(), key=lambda item: item[0] != Stage.FULL_PROPOSAL
            )
        ),
        default=Stage.FULL_PROPOSAL.value,
        description=_l("With the concept note applies only to a concept-note-first call."),
    )
    envelope = StringField(
        _l("Envelope (USD)"), validators=[DataRequired(_l("Give the envelope."))]
    )
    min_budget = StringField(_l("Smallest programme budget (USD)"), default="500000.00")
    max_budget = StringField(_l("Largest programme budget (USD)"), default="3000000.00")
    min_duration_months = IntegerField(
        _l("Shortest duration (months)"), default=12, validators=[NumberRange(1, 120)]
    )
    max_duration_months = IntegerField(
        _l("Longest duration (months)"), default=36, validators=[NumberRange(1, 120)]
    )
    decision_rule = SelectField(
        _l("Committee decision rule"),
        choices=options((rule.value, _l(label)) for rule, label in DecisionRule.labels().items()),
    )
    quorum = IntegerField(
        _l("Quorum (votes needed)"),
        validators=[Optional(), NumberRange(1, 100)],
        description=_l("Leave blank for the default: a majority of the members entitled to vote."),
    )
    submit = SubmitField(_l("Save the call"))

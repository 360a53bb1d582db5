"""The call form (secretariat)."""

from __future__ import annotations

from wtforms import SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from fund.accounts.sensitive import SensitiveForm
from fund.calls.models import CallStage, DecisionRule, Stage
from fund.forms import DateField, IntegerField, StringField, options


class CallForm(SensitiveForm):
    title = StringField(
        "Title", validators=[DataRequired("Give the call a title."), Length(max=200)]
    )
    description = TextAreaField("Description", validators=[Length(max=5000)])
    opens_on = DateField("Opens on", validators=[DataRequired("Give the opening date.")])
    closes_on = DateField(
        "Closes on",
        validators=[DataRequired("Give the closing date.")],
        description="Proposals can be submitted until the end of this day (UTC).",
    )
    stage = SelectField(
        "What the call takes",
        choices=options((stage.value, label) for stage, label in CallStage.labels().items()),
        default=CallStage.FULL_PROPOSAL.value,
        description="A concept-note-first call takes short concept notes; the committee "
        "selects some, and their applicants are invited to full programmes later.",
    )
    endorsement_stage = SelectField(
        "Government endorsement letters are due",
        choices=options(
            (stage.value, label)
            for stage, label in sorted(
                Stage.labels().items(), key=lambda item: item[0] != Stage.FULL_PROPOSAL
            )
        ),
        default=Stage.FULL_PROPOSAL.value,
        description="With the concept note applies only to a concept-note-first call.",
    )
    envelope = StringField("Envelope (USD)", validators=[DataRequired("Give the envelope.")])
    min_budget = StringField("Smallest programme budget (USD)", default="500000.00")
    max_budget = StringField("Largest programme budget (USD)", default="3000000.00")
    min_duration_months = IntegerField(
        "Shortest duration (months)", default=12, validators=[NumberRange(1, 120)]
    )
    max_duration_months = IntegerField(
        "Longest duration (months)", default=36, validators=[NumberRange(1, 120)]
    )
    decision_rule = SelectField(
        "Committee decision rule",
        choices=options((rule.value, label) for rule, label in DecisionRule.labels().items()),
    )
    quorum = IntegerField(
        "Quorum (votes needed)",
        validators=[Optional(), NumberRange(1, 100)],
        description="Leave blank for the default: a majority of the members entitled to vote.",
    )
    submit = SubmitField("Save the call")

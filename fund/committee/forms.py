"""Forms of the committee pages. The round or proposal acted on is in the URL; hidden fields
carry what the user saw (the round's fingerprint, the proposal's version)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, TextAreaField
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from fund.accounts.sensitive import SensitiveForm
from fund.committee.decisions import DECISION_LABELS
from fund.committee.models import REJECT_NEEDS_COMMENT, Choice, needs_comment
from fund.committee.workflow import RETURN_SUMMARY_NEEDED
from fund.forms import DateField, IntegerField, int_or_zero, long_text, options
from fund.proposals.forms import text_area


class VoteForm(SensitiveForm):
    # The member's vote as the page showed it (`operations.vote_fingerprint`).
    seen = HiddenField()
    choice = RadioField(
        _l("Approve, reject or abstain"),
        choices=options(Choice.labels().items()),
        validators=[
            InputRequired(_l("Choose approve, reject or abstain.")),
            AnyOf(Choice.labels()),
        ],
        validate_choice=False,
    )
    comment = text_area(
        _l("Comment"), 5000, _l("Required when you vote to reject. The other members see it.")
    )
    conditions = text_area(
        _l("Conditions"),
        5000,
        _l(
            "Optional: what an approval should be subject to. The applicant sees the conditions "
            "of votes to approve, without your name."
        ),
    )

    def validate_comment(self, field) -> None:
        if needs_comment(self.choice.data, field.data):
            raise ValidationError(_l(REJECT_NEEDS_COMMENT))


class ConflictForm(SensitiveForm):
    reason = TextAreaField(
        _l("The conflict of interest"),
        validators=[DataRequired(_l("Say what the conflict of interest is.")), Length(max=2000)],
    )


class CloseForm(SensitiveForm):
    fingerprint = HiddenField(validators=[DataRequired()])
    summary = long_text(_l("Committee's summary or conditions"))
    # A concept note the committee approved: selected for development, or approved into the
    # pipeline at a place (fund.committee.decisions checks both against the tally and the
    # pipeline; a proposal's closing ignores them).
    decision = RadioField(
        _l("The committee's decision"),
        choices=options(DECISION_LABELS.items()),
        validators=[Optional(), AnyOf(DECISION_LABELS, message=_l("Choose one of the decisions."))],
        validate_choice=False,
    )
    rank = IntegerField(
        _l("Place in the pipeline"),
        validators=[
            Optional(),
            NumberRange(min=1, message=_l("The place is a whole number from 1 (first).")),
        ],
    )


class DeadlineForm(FlaskForm):
    deadline = DateField(_l("Deadline"), validators=[Optional()])


class OpenRoundForm(FlaskForm):
    version = IntegerField(validators=[DataRequired()])
    deadline = DateField(_l("Deadline"), validators=[Optional()])


class ReturnForm(FlaskForm):
    version = IntegerField(validators=[DataRequired()])
    summary = long_text(
        _l("Committee's summary"),
        _l(RETURN_SUMMARY_NEEDED),
    )


# Seats ------------------------------------------------------------------------------------------
# The choices are the view's (the committee's entities and members as they are now); a choice
# that is not among them is the field's error, as is none.


class SeatForm(SensitiveForm):
    organization = SelectField(
        _l("Entity"), coerce=int_or_zero, validators=[DataRequired(_l("Choose the entity."))]
    )
    member = SelectField(
        _l("Member"), coerce=int_or_zero, validators=[DataRequired(_l("Choose the member."))]
    )


class HandOverForm(SensitiveForm):
    member = SelectField(
        _l("New member"),
        coerce=int_or_zero,
        validators=[DataRequired(_l("Choose the new member."))],
    )


class AlternateForm(SensitiveForm):
    alternate = SelectField(
        _l("Alternate"), coerce=int_or_zero, validators=[DataRequired(_l("Choose the alternate."))]
    )


class ChairForm(SensitiveForm):
    seat = SelectField(_l("Chair"), coerce=int_or_zero)


class SeatActionForm(SensitiveForm):
    """Retiring a seat, removing an alternate: nothing to fill in."""

"""Forms of the committee's meetings. The meeting and item acted on are in the URL; a hidden
field carries the meeting's version the page showed."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from fund.committee.models import ItemKind, ItemOutcome
from fund.forms import (
    DateField,
    IntegerField,
    MultiCheckboxField,
    StringField,
    optional_choice,
    optional_line,
    options,
)


class MeetingForm(FlaskForm):
    version = HiddenField()
    title = StringField(
        _l("Title"),
        validators=[DataRequired(_l("Give the meeting a title.")), Length(max=200)],
        description=_l("For example “12th meeting of the committee”."),
    )
    held_on = DateField(
        _l("Date"),
        validators=[InputRequired(_l("Give the date of the meeting (year, month and day)."))],
    )
    place = optional_line(_l("Place"), 200, description=_l("Optional: a city or “online”."))
    # The choices (the members and alternates of the seats) are the view's.
    present = MultiCheckboxField(_l("Members and alternates present"), coerce=int)
    chaired_by = optional_choice(
        _l("Chaired by"), _l("If none is chosen: the committee's chair, when present.")
    )
    also_present = TextAreaField(
        _l("Also present"),
        validators=[Length(max=2000)],
        description=_l("Optional: the secretariat, observers, guests."),
    )
    minutes = TextAreaField(_l("Minutes"), validators=[Length(max=50000)], render_kw={"rows": 12})


class AddItemForm(FlaskForm):
    version = HiddenField()
    kind = SelectField(
        _l("Item"),
        choices=options((kind, _l(label)) for kind, label in ItemKind.labels().items()),
        validators=[DataRequired(_l("Choose what the item is."))],
    )
    proposal = optional_line(
        _l("Reference"),
        20,
        description=_l(
            "For a proposal or concept note forwarded to the committee and submitted by the day "
            "of the meeting: its reference, such as P-00042."
        ),
    )
    title = optional_line(
        _l("Title"), 300, description=_l("For the pipeline's ranking or any other business.")
    )


class ItemForm(FlaskForm):
    version = HiddenField()
    position = IntegerField(
        _l("Position on the agenda"),
        validators=[
            InputRequired(_l("Give the item's position, 1 for the first.")),
            NumberRange(min=1, max=1000, message=_l("Give a position from 1 to 1000.")),
        ],
    )
    title = optional_line(_l("Title"), 300)
    outcome = SelectField(
        _l("Decision"),
        choices=options(
            [
                ("", _l("Not decided yet")),
                *((o, _l(label)) for o, label in ItemOutcome.labels().items()),
            ]
        ),
    )
    round = optional_choice(
        _l("Voting round"), _l("The round that carries the decision on the proposal, if any.")
    )
    rank = IntegerField(
        _l("Place in the pipeline"),
        validators=[Optional()],
        description=_l(
            "For a concept note approved into the pipeline: its place, 1 for the first."
        ),
    )
    decision = TextAreaField(_l("What the committee decided"), validators=[Length(max=10000)])
    conditions = TextAreaField(
        _l("Conditions"),
        validators=[Length(max=10000)],
        description=_l("What the decision is subject to, one per line."),
    )


class VersionForm(FlaskForm):
    """Removing an item: the version shown, nothing else."""

    version = HiddenField()

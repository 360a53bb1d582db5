"""Forms of the committee's meetings. The meeting and item acted on are in the URL; a hidden
field carries the meeting's version the page showed."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from fund.accounts.forms import MultiCheckboxField
from fund.committee.models import ItemKind, ItemOutcome
from fund.forms import DateField, IntegerField, StringField, int_or_zero, options


class MeetingForm(FlaskForm):
    version = HiddenField()
    title = StringField(
        "Title",
        validators=[DataRequired("Give the meeting a title."), Length(max=200)],
        description="For example “12th meeting of the committee”.",
    )
    held_on = DateField(
        "Date",
        validators=[InputRequired("Give the date of the meeting (year, month and day).")],
    )
    place = StringField(
        "Place",
        validators=[Optional(), Length(max=200)],
        description="Optional: a city or “online”.",
    )
    # The choices (the members and alternates of the seats) are the view's.
    present = MultiCheckboxField("Members and alternates present", coerce=int)
    chaired_by = SelectField(
        "Chaired by",
        coerce=int_or_zero,
        description="If none is chosen: the committee's chair, when present.",
    )
    also_present = TextAreaField(
        "Also present",
        validators=[Length(max=2000)],
        description="Optional: the secretariat, observers, guests.",
    )
    minutes = TextAreaField("Minutes", validators=[Length(max=50000)], render_kw={"rows": 12})


class AddItemForm(FlaskForm):
    version = HiddenField()
    kind = SelectField(
        "Item",
        choices=options(ItemKind.labels().items()),
        validators=[DataRequired("Choose what the item is.")],
    )
    proposal = StringField(
        "Reference",
        validators=[Optional(), Length(max=20)],
        description="For a proposal or concept note: its reference, such as P-00042.",
    )
    title = StringField(
        "Title",
        validators=[Optional(), Length(max=300)],
        description="For the pipeline's ranking or any other business.",
    )


class ItemForm(FlaskForm):
    version = HiddenField()
    position = IntegerField(
        "Position on the agenda",
        validators=[
            InputRequired("Give the item's position, 1 for the first."),
            NumberRange(min=1, max=1000, message="Give a position from 1 to 1000."),
        ],
    )
    title = StringField("Title", validators=[Optional(), Length(max=300)])
    outcome = SelectField(
        "Decision",
        choices=options([("", "Not decided yet"), *ItemOutcome.labels().items()]),
    )
    round = SelectField(
        "Voting round",
        coerce=int_or_zero,
        description="The round that carries the decision on the proposal, if any.",
    )
    rank = IntegerField(
        "Place in the pipeline",
        validators=[Optional()],
        description="For a concept note approved into the pipeline: its place, 1 for the first.",
    )
    decision = TextAreaField("What the committee decided", validators=[Length(max=10000)])
    conditions = TextAreaField(
        "Conditions",
        validators=[Length(max=10000)],
        description="What the decision is subject to, one per line.",
    )


class VersionForm(FlaskForm):
    """Removing an item: the version shown, nothing else."""

    version = HiddenField()

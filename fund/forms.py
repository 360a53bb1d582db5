"""Small helpers and fields shared by the forms of every domain."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

import wtforms
from flask_babel import gettext, lazy_gettext
from markupsafe import escape
from wtforms import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, StopValidation
from wtforms.widgets import CheckboxInput, ListWidget, Select

from fund.labels import N_
from fund.query_args import DATE_RANGE_MESSAGE, FIRST_DAY, LAST_DAY
from fund.routing import MAX_ID


def options(pairs: Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


# The most characters of free text a form takes: a comment, a note, a reason, a description.
LONG_TEXT = 5000


def long_text(label: Any, required: Any = None, **kwargs: Any) -> wtforms.TextAreaField:
    """A field of free text of at most LONG_TEXT characters; `required`: the sentence asking
    for it, when it must be given."""
    validators = [] if required is None else [DataRequired(required)]
    return wtforms.TextAreaField(label, validators=[*validators, Length(max=LONG_TEXT)], **kwargs)


def int_or_zero(value: Any) -> int:
    """Coerce a select's value; blank means "not chosen" (0) rather than an error."""
    if value in (None, ""):
        return 0
    return int(value)


class MultiCheckboxField(wtforms.SelectMultipleField):
    """A choice of several values shown as a list of checkboxes, one a value."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class QuickSelect(Select):
    """WTForms' select widget, rendering plain options (no extra attributes) with one format
    string instead of the generic attribute builder: the same HTML, several times faster for
    the proposal form's long lists (193 countries twice, organizations, objectives and
    categories on every budget row)."""

    @classmethod
    def render_option(cls, choice: Any, **kwargs: Any) -> str:
        if kwargs or choice.render_kw:
            return super().render_option(choice, **kwargs)
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        # A plain string: Select.__call__ joins the options and marks the whole as safe.
        selected = "selected " if choice.selected else ""
        label = escape(choice.label or choice.value)
        return f'<option {selected}value="{escape(value)}">{label}</option>'


class IntegerField(wtforms.IntegerField):
    """A whole number that a database integer holds (at most MAX_ID either side of zero).

    Anything longer is refused at the field, before a range check compares it (Python cannot
    turn a number of 400 digits into the float that check uses): the range's message if the
    field has one, else a plain one; nothing else is added to it."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self._too_large = False
        super().process_formdata(valuelist)  # int(): at most 4300 digits, else "not valid"
        if self.data is not None and abs(self.data) > MAX_ID:
            self._too_large = True
            self.data = None
            raise ValueError(self._range_message())

    def _range_message(self) -> str:
        for validator in self.validators:
            if isinstance(validator, NumberRange):
                if validator.message:
                    return validator.message
                return gettext(
                    "Number must be between %(min)s and %(max)s.",
                    min=validator.min,
                    max=validator.max,
                )
        return gettext("This number is too large.")

    def pre_validate(self, form: Any) -> None:
        if getattr(self, "_too_large", False):
            raise StopValidation()  # the message is already there


# What every date field says of a value it cannot read as a date.
DATE_MESSAGE = lazy_gettext("Enter a date as YYYY-MM-DD, for example 2026-03-31.")


class DateField(wtforms.DateField):
    """A date within FIRST_DAY..LAST_DAY: far enough for any grant, and a day more or less
    is still a date every database stores (a filter up to a day reads "before the next").
    A value it cannot read as a date (31/03/2026, 2027-02-30) is refused with DATE_MESSAGE."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("invalid_value_message", DATE_MESSAGE)
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:  # the error as text, in the request's language
            raise ValueError(str(error.args[0]) if error.args else "") from None

    def pre_validate(self, form: Any) -> None:
        if self.data is not None and not FIRST_DAY <= self.data <= LAST_DAY:
            raise StopValidation(gettext(DATE_RANGE_MESSAGE))


class DateRange:
    """A form's `date_from` and `date_to` (a mixin): the end is never before the start."""

    def validate_date_to(self, field: wtforms.Field) -> None:
        start = self.date_from.data  # type: ignore[attr-defined]
        if field.data and start and field.data < start:
            raise wtforms.ValidationError(
                gettext("The end date must not be before the start date.")
            )


# What a single line of text never holds: C0 controls (line feed, carriage return, tab and the
# rest), DEL, C1 controls, and the Unicode line and paragraph separators.
NOT_ON_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CHARACTER_NAMES = {"\n": N_("a line break"), "\r": N_("a line break"), "\t": N_("a tab")}


def single_line_problem(text: str | None) -> str | None:
    """Why `text` is not a single line of text, or None if it is."""
    found = NOT_ON_ONE_LINE.search(text or "")
    if found is None:
        return None
    character = found.group()
    known = _CHARACTER_NAMES.get(character)
    name = (
        gettext(known)
        if known
        else gettext(
            "an invisible character (U+%(code)s %(name)s)",
            code=format(ord(character), "04X"),
            name=unicodedata.name(character, "control character").lower(),
        )
    )
    return gettext("Keep this on one line: remove %(character)s.", character=name)


class SingleLine:
    """A field holding one line of text (titles, names, acronyms, references, emails,
    amounts): line breaks, tabs and other control characters are a field error. Such text
    goes into page titles, lists, CSV cells and email subjects, where a hidden line break
    would split them. Multi-line text uses TextAreaField, which keeps its line breaks."""

    def pre_validate(self, form: Any) -> None:
        problem = single_line_problem(self.data if isinstance(self.data, str) else None)
        if problem:
            raise StopValidation(problem)
        super().pre_validate(form)  # type: ignore[misc]


class StringField(SingleLine, wtforms.StringField):
    """A single-line text input."""


class EmailField(SingleLine, wtforms.EmailField):
    """A single-line email address input."""


def optional_line(label: Any, max_length: int, **kwargs: Any) -> StringField:
    """A single line of text of at most `max_length` characters, which may be left blank."""
    return StringField(label, validators=[Optional(), Length(max=max_length)], **kwargs)


def optional_choice(label: Any, description: Any) -> wtforms.SelectField:
    """A select of a record by its id that may be left unchosen (0); `description` says what
    choosing none means or what the choice is for. The view gives the choices."""
    return wtforms.SelectField(label, coerce=int_or_zero, description=description)


def chosen(field: Any, unknown: str, *, missing: str | None = None) -> bool:
    """Whether a select sent without WTForms' own choice check (`validate_choice=False`) holds
    one of its options ((value, label) pairs or SelectChoice); otherwise `unknown` goes to its
    errors. A blank choice is allowed, unless `missing` says why it is not (then that goes to
    its errors). Called from a form's `validate`, after the fields' own checks."""
    if not field.data:
        if missing is None:
            return True
        field.errors.append(missing)
        return False
    values = {c.value if isinstance(c, SelectChoice) else c[0] for c in field.choices or ()}
    if field.data not in values:
        field.errors.append(unknown)
        return False
    return True

"""Shared form helpers."""

from __future__ import annotations

from wtforms import Form, SelectChoice, SelectField, SelectMultipleField
from wtforms.widgets import Select

from fund.forms import QuickSelect, chosen, int_or_zero, options

CHOICES = options([("", "Choose…"), ("1", "ILO"), ("a&b", 'Say "hi" <b>'), ("x", "")])


class Both(Form):
    plain = SelectField(choices=CHOICES, widget=Select())
    quick = SelectField(choices=CHOICES, widget=QuickSelect())
    plain_many = SelectMultipleField(choices=CHOICES, widget=Select(multiple=True))
    quick_many = SelectMultipleField(choices=CHOICES, widget=QuickSelect(multiple=True))


def test_quick_select_renders_exactly_what_wtforms_renders():
    form = Both(
        data={"plain": "a&b", "quick": "a&b", "plain_many": ["1", "x"], "quick_many": ["1", "x"]}
    )
    assert 'selected value="a&amp;b"' in str(form.quick())
    assert str(form.quick()) == str(form.plain()).replace("plain", "quick")
    rendered = str(form.quick_many(size=5))
    expected = str(form.plain_many(size=5)).replace("plain_many", "quick_many")
    assert rendered == expected
    assert "&lt;b&gt;" in rendered and "<b>" not in rendered


def test_options_with_attributes_fall_back_on_the_generic_rendering():
    class WithAttributes(Form):
        quick = SelectField(
            choices=[
                SelectChoice("1", "One", render_kw={"disabled": True}),
                SelectChoice("2", "Two"),
            ],
            widget=QuickSelect(),
        )

    assert '<option disabled value="1">One</option>' in str(WithAttributes().quick())


class Pick(Form):
    pick = SelectField(
        choices=options([(0, "Choose…"), (1, "ILO"), (2, "IOM")]),
        coerce=int_or_zero,
        validate_choice=False,
    )


def test_chosen_accepts_an_option_and_names_what_is_wrong_otherwise():
    def check(value, **missing):
        form = Pick(data={"pick": value})
        assert form.validate()  # as a form's own validate() calls it: after its fields' checks
        return chosen(form.pick, "Choose one from the list.", **missing), form.pick.errors

    assert check(2) == (True, [])
    assert check(7) == (False, ["Choose one from the list."])
    assert check(0) == (True, [])  # a blank choice is allowed unless it is missing
    assert check(0, missing="Choose one.") == (False, ["Choose one."])
    assert check(7, missing="Choose one.") == (False, ["Choose one from the list."])


def test_every_date_field_says_how_to_write_a_date(app):
    """A date the field cannot read gets the fund's one sentence, with the format and an
    example, on every form (not the library's "Not a valid date value.")."""
    from werkzeug.datastructures import MultiDict

    from fund.forms import DATE_MESSAGE, DateField

    class Dated(Form):
        day = DateField()

    with app.test_request_context():
        form = Dated(MultiDict({"day": "31/03/2026"}))
        assert not form.validate()
        assert form.day.errors == [str(DATE_MESSAGE)]  # text, which a page may join
        assert "YYYY-MM-DD" in str(DATE_MESSAGE)
        form = Dated(MultiDict({"day": "2027-02-30"}))  # as asked, but no such day
        assert not form.validate()
        assert [str(e) for e in form.day.errors] == [str(DATE_MESSAGE)]

"""Forms of the proposal pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, TextAreaField
from wtforms.validators import DataRequired, Length


class ActionForm(FlaskForm):
    """Fire one workflow action; `version` is the proposal version the user saw."""

    comment = TextAreaField("Comment", validators=[Length(max=5000)])
    version = IntegerField(validators=[DataRequired()])
    trigger = HiddenField(validators=[DataRequired()])

"""Forms for signing in, changing a password, and administering users and organizations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    SubmitField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from fund.accounts.models import OrganizationKind, Role
from fund.accounts.sensitive import SensitiveForm
from fund.forms import EmailField, StringField, options
from fund.i18n import LANGUAGES


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        validators=[DataRequired(_l("Enter your email address.")), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password."))],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Sign in"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password",
        validators=[DataRequired("Enter your current password.")],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        "New password",
        validators=[DataRequired("Enter a new password.")],
        render_kw={"autocomplete": "new-password"},
    )
    confirm_password = PasswordField(
        "Repeat the new password",
        validators=[
            DataRequired("Repeat the new password."),
            EqualTo("new_password", "The two new passwords do not match."),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField("Change password")


ROLE_CHOICES = options((role.value, label) for role, label in Role.labels().items())


class UserForm(SensitiveForm):
    email = EmailField(
        "Email address",
        validators=[
            DataRequired("Enter an email address."),
            Email("Enter a valid email address.", check_deliverability=False),
            Length(max=254),
        ],
    )
    name = StringField("Full name", validators=[DataRequired("Enter a name."), Length(max=200)])
    organization_id = SelectField("Organization", coerce=int)
    roles = MultiCheckboxField("Roles", choices=ROLE_CHOICES)
    password = PasswordField(
        "Initial password",
        validators=[Optional()],
        description="At least 12 characters. Give it to the person through a safe channel.",
        render_kw={"autocomplete": "new-password"},
    )
    active = BooleanField("Active (may sign in)", default=True)
    submit = SubmitField("Save user")


KIND_CHOICES = options(
    [
        (OrganizationKind.UN_ENTITY.value, "UN entity"),
        (OrganizationKind.MEMBER_STATE.value, "Member state"),
        (OrganizationKind.OTHER.value, "Other (e.g. a donor)"),
    ]
)


class OrganizationForm(SensitiveForm):
    name = StringField("Name", validators=[DataRequired("Enter a name."), Length(max=200)])
    acronym = StringField("Acronym", validators=[Optional(), Length(max=30)])
    kind = SelectField("Kind", choices=KIND_CHOICES)
    country_iso2 = SelectField(
        "Country (member states only)",
        validators=[Optional()],
        description="The member state whose government this organization is.",
    )
    iati_org_id = StringField(
        "IATI organisation identifier",
        validators=[
            Optional(),
            Length(max=60),
            Regexp(
                r"^[A-Z]{2}(-[A-Za-z0-9]+)+$",
                message="Use the org-id.guide form, e.g. XM-DAC-41114.",
            ),
        ],
        description="Leave blank when unknown, e.g. XM-DAC-47066 for IOM.",
    )
    committee_member = BooleanField("Sits on the committee")
    active = BooleanField("Active", default=True)
    submit = SubmitField("Save organization")


class UnlockForm(SensitiveForm):
    """An administrator clears a user's failed sign-ins."""

    submit = SubmitField("Unlock the account")


class LanguageForm(FlaskForm):
    language = SelectField(
        _l("Language of the fund's pages"),
        choices=options([("", _l("The language my browser asks for")), *LANGUAGES.items()]),
    )
    submit = SubmitField(_l("Save the language"))

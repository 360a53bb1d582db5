"""Forms for signing in, changing a password, and administering users and organizations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    PasswordField,
    SelectField,
    SubmitField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)

from fund.accounts.models import OrganizationKind, Role
from fund.accounts.sensitive import SensitiveForm
from fund.accounts.tokens import DEFAULT_DAYS, MAX_DAYS, NAME_LENGTH, SCOPES
from fund.forms import EmailField, IntegerField, MultiCheckboxField, StringField, options
from fund.i18n import LANGUAGES


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
        _l("Current password"),
        validators=[DataRequired(_l("Enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Enter a new password."))],
        render_kw={"autocomplete": "new-password"},
    )
    confirm_password = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(_l("Repeat the new password.")),
            EqualTo("new_password", _l("The two new passwords do not match.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Change password"))


ROLE_CHOICES = options((role.value, _l(label)) for role, label in Role.labels().items())


class UserForm(SensitiveForm):
    email = EmailField(
        _l("Email address"),
        validators=[
            DataRequired(_l("Enter an email address.")),
            Email(_l("Enter a valid email address."), check_deliverability=False),
            Length(max=254),
        ],
    )
    name = StringField(
        _l("Full name"), validators=[DataRequired(_l("Enter a name.")), Length(max=200)]
    )
    organization_id = SelectField(_l("Organization"), coerce=int)
    roles = MultiCheckboxField(_l("Roles"), choices=ROLE_CHOICES)
    password = PasswordField(
        _l("Initial password"),
        validators=[Optional()],
        # Its hint states the configured minimum (`templates/admin/user_form.html`).
        render_kw={"autocomplete": "new-password"},
    )
    active = BooleanField(_l("Active (may sign in)"), default=True)
    submit = SubmitField(_l("Save user"))


KIND_CHOICES = options(
    [
        (OrganizationKind.UN_ENTITY.value, _l("UN entity")),
        (OrganizationKind.MEMBER_STATE.value, _l("Member state")),
        (OrganizationKind.OTHER.value, _l("Other (e.g. a donor)")),
    ]
)


class OrganizationForm(SensitiveForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter a name.")), Length(max=200)])
    acronym = StringField(_l("Acronym"), validators=[Optional(), Length(max=30)])
    kind = SelectField(_l("Kind"), choices=KIND_CHOICES)
    country_iso2 = SelectField(
        _l("Country (member states only)"),
        validators=[Optional()],
        description=_l("The member state whose government this organization is."),
    )
    iati_org_id = StringField(
        _l("IATI organisation identifier"),
        validators=[
            Optional(),
            Length(max=60),
            Regexp(
                r"^[A-Z]{2}(-[A-Za-z0-9]+)+$",
                message=_l("Use the org-id.guide form, e.g. XM-DAC-41114."),
            ),
        ],
        description=_l("Leave blank when unknown, e.g. XM-DAC-47066 for IOM."),
    )
    committee_member = BooleanField(_l("Sits on the committee"))
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save organization"))


class UnlockForm(SensitiveForm):
    """An administrator clears a user's failed sign-ins."""

    submit = SubmitField(_l("Unlock the account"))


class LanguageForm(FlaskForm):
    language = SelectField(
        _l("Language of the fund's pages"),
        choices=options([("", _l("The language my browser asks for")), *LANGUAGES.items()]),
    )
    submit = SubmitField(_l("Save the language"))


class ApiTokenForm(SensitiveForm):
    """A new personal API token: its name, how long it lasts, what it may read."""

    name = StringField(
        _l("Token name"),
        validators=[
            DataRequired(_l("Give the token a name, to recognise it later.")),
            Length(max=NAME_LENGTH),
        ],
        description=_l("Where you will use it, e.g. “monthly report script”."),
    )
    days = IntegerField(
        _l("Days before it expires"),
        default=DEFAULT_DAYS,
        validators=[
            InputRequired(_l("Give a number of days.")),
            NumberRange(1, MAX_DAYS, _l("A token lasts from 1 to 366 days.")),
        ],
    )
    scopes = MultiCheckboxField(
        _l("What it may read"),
        choices=options((name, _l(label)) for name, label in SCOPES.items()),
        default=list(SCOPES),
        validators=[DataRequired(_l("Choose at least one of the scopes listed."))],
        description=_l("Never more than your account may see on the pages."),
    )
    submit = SubmitField(_l("Create the token"))


class RevokeTokenForm(FlaskForm):
    submit = SubmitField(_l("Revoke"))

"""Sensitive forms ask for the password on the form itself when the sign-in is stale.

A form of a sensitive action (a vote, a conflict of interest, closing a round, money, a call,
users and organizations) derives from `SensitiveForm`. When the password was last given more
than the action's limit ago (`fund.access.recent_login_required`, default
SENSITIVE_ACTION_MAX_AGE_SECONDS), the form shows a password field (`needs_password`); a post
without the right password fails validation like any other mistake, so the page comes back
with everything typed kept and a message at the field. The right password refreshes the
sign-in and the action is carried out in the same post.

A password given here counts like a sign-in: a wrong one towards the account's lockout and the
address's throttle (those counts are committed at once, before the view changes anything).
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField

from fund.access import (
    UNCONFIRMED,
    login_is_recent,
    mark_signed_in,
    sensitive_max_age,
    sensitive_minutes,
)
from fund.accounts import operations, throttle
from fund.accounts.limits import AttemptLimit
from fund.extensions import db, utcnow
from fund.labels import N_
from fund.sentences import MINUTES, Counted, Sentence, said

MISSING_MESSAGE = N_(
    "Enter your password: you signed in more than %(minutes)s ago, so this action "
    "needs it again. Nothing else you typed is lost."
)
WRONG_MESSAGE = N_("Your password is not correct. Nothing was done; what you typed is kept.")


class SensitiveForm(FlaskForm):
    """A form whose action needs a recent sign-in; see the module's description."""

    confirm_with_password = PasswordField(_l("Your password"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Unique on a page that holds several sensitive forms.
        self.confirm_with_password.id = f"{self._prefix}{type(self).__name__.lower()}-password"

    @property
    def needs_password(self) -> bool:
        """Whether the password must be given with this form (the sign-in is stale)."""
        return not login_is_recent(sensitive_max_age())

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        confirmed = self._confirm_password()
        return confirmed and valid

    def _confirm_password(self) -> bool:
        if not self.needs_password:
            return True
        field = self.confirm_with_password
        password = field.data or ""
        # The value is never shown again in the page.
        field.data = ""
        field.raw_data = []
        if not password:
            field.errors = [
                *field.errors,
                said(Sentence(MISSING_MESSAGE, minutes=Counted(MINUTES, sensitive_minutes()))),
            ]
            return False
        now, address, policy = utcnow(), throttle.client_address(), throttle.policy_from_config()
        lockout = AttemptLimit.account_lockout(current_app.config)
        owed = db.session.info.pop(UNCONFIRMED, None)
        try:
            throttle.check(address, now=now, policy=policy)
            operations.authenticate(current_user.email, password, now=now, policy=lockout)
        except throttle.Throttled as throttled:
            field.errors = [*field.errors, throttled.said()]
        except operations.LoginRefused as refused:
            throttle.record(address, succeeded=False, now=now, policy=policy)
            db.session.commit()  # keep the failure counts
            wrong = refused.reason in ("invalid", "locked")
            message = gettext(WRONG_MESSAGE) if wrong else refused.said()
            field.errors = [*field.errors, message]
        else:
            throttle.record(address, succeeded=True, now=now, policy=policy)
            db.session.commit()
            mark_signed_in(now)
            return True
        if owed:
            db.session.info[UNCONFIRMED] = True
        return False

"""One-time keys of the forms that create something (a contribution, a draft, a payment...).

Each rendering of such a form carries a key in a hidden field (`form_key`), signed with the
application's secret and bound to the signed-in user and to the form it was issued for. The
first request that sends the key stores it, in the same transaction as what it creates and with
what that was and where it is shown; the key is the table's primary key, so the database itself
lets only one request use it. A repeat of the key (the button pressed twice, the page sent
again, the same form sent by two tabs at once) creates nothing and is sent to what the first one
created. A key issued to another user or for another form is refused; a form re-rendered with
a message keeps its key, so correcting it and sending it again is still one action.

A view handling such a form:

    once = idempotency.once("contribution", current_user)  # a repeat stops here
    ...validate...
    once.claim()                                           # before the first change
    contribution = operations.record_contribution(...)
    once.done(url_for(...), _("Contribution %(code)s", code=contribution.code))
    db.session.commit()

and its template puts `{{ form_key("contribution") }}` inside the <form>.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask, current_app, flash, redirect, request
from flask_babel import gettext
from itsdangerous import BadData, URLSafeSerializer
from markupsafe import Markup, escape
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from fund.extensions import UTCDateTime, db, utcnow
from fund.labels import N_

FIELD = "form_key"
_SALT = "fund.form-key"


class FormKey(db.Model):
    """A form key that has been used, with what its request created."""

    __tablename__ = "form_keys"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    form: Mapped[str] = mapped_column(String(120))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime)
    result_url: Mapped[str | None] = mapped_column(String(500))
    result: Mapped[str | None] = mapped_column(String(300))


class FormKeyRefused(Exception):
    """The form's key was not issued to this user for this form."""


class AlreadySent(Exception):
    """The form's key was used before: nothing is done again."""

    def __init__(self, used: FormKey) -> None:
        super().__init__(used.result or "")
        self.result = used.result
        self.url = used.result_url


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=_SALT)


def _nonce(token: str, form: str, user: Any) -> str | None:
    """The key's one-time part, if `token` was issued to `user` for `form`."""
    try:
        user_id, name, nonce = _serializer().loads(token)
    except (BadData, TypeError, ValueError):
        return None
    if user_id != getattr(user, "id", None) or name != form or not isinstance(nonce, str):
        return None
    return nonce


def issue(form: str, user: Any) -> str:
    """A key for one rendering of `form` to `user`. When the request sent this form with a
    valid key (the form is shown again with a message), that key is kept."""
    posted = request.form.get(FIELD) if request.method == "POST" else None
    if posted and _nonce(posted, form, user) is not None:
        return posted
    return _serializer().dumps([user.id, form, secrets.token_urlsafe(18)])


def field(form: str, user: Any) -> Markup:
    """The hidden input carrying the key (a template global: `form_key(name)`)."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(
        FIELD, escape(issue(form, user))
    )


def _used(nonce: str) -> FormKey | None:
    return db.session.scalar(select(FormKey).where(FormKey.key == nonce))


@dataclass
class Once:
    """The key of one request sending `form`; `nonce` is None when the request carried no key
    (a client other than the fund's pages): it is then not protected against repeats."""

    form: str
    user: Any
    nonce: str | None
    _row: FormKey | None = None

    def claim(self) -> None:
        """Store the key in the caller's transaction, before anything is created. A request
        that sent the same key at the same moment waits here until the first one ends: if it
        committed, this raises AlreadySent (after rolling back); if it failed, this one goes
        on."""
        if self.nonce is None:
            return
        row = FormKey(key=self.nonce, form=self.form, user_id=self.user.id, used_at=utcnow())
        db.session.add(row)
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            used = _used(self.nonce)
            if used is None:  # pragma: no cover - the row that conflicted is committed
                raise
            raise AlreadySent(used) from None
        self._row = row

    def done(self, url: str, result: str) -> None:
        """Keep what the request created and where it is shown, for the repeats."""
        if self._row is not None:
            self._row.result_url = url
            self._row.result = result[:300]


def once(form: str, user: Any, *, protect: bool = True) -> Once:
    """The key sent with this request of `form`. Raises FormKeyRefused if it is not `user`'s
    key for `form`, AlreadySent if it was used before. With `protect=False` (a page that
    edits what exists rather than creating) and outside a POST, it does nothing."""
    token = request.form.get(FIELD, "") if protect and request.method == "POST" else ""
    if not token:
        return Once(form, user, None)
    nonce = _nonce(token, form, user)
    if nonce is None:
        raise FormKeyRefused
    used = _used(nonce)
    if used is not None:
        raise AlreadySent(used)
    return Once(form, user, nonce)


REFUSED_TITLE = N_("Form not recognised")
REFUSED_MESSAGE = N_(
    "This form was not issued to you for this action, so nothing was done. "
    "Go back, reload the page and send the form again."
)


def init_app(app: Flask) -> None:
    from flask_login import current_user

    app.add_template_global(lambda form: field(form, current_user), "form_key")

    @app.errorhandler(AlreadySent)
    def already_sent(sent: AlreadySent):
        db.session.rollback()
        flash(
            gettext(
                "This form had already been sent: %(what)s was recorded then. Nothing was "
                "recorded again.",
                what=sent.result or gettext("What it created"),
            ),
            "info",
        )
        return redirect(sent.url or request.path)

    @app.errorhandler(FormKeyRefused)
    def refused(_error: FormKeyRefused):
        from flask import render_template

        db.session.rollback()
        return render_template(
            "errors/error.html",
            code=400,
            title=gettext(REFUSED_TITLE),
            message=gettext(REFUSED_MESSAGE),
        ), 400

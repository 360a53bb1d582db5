"""Sign in, sign out, unlock a locked account with the emailed link, change one's password."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from fund.access import (
    mark_signed_in,
    public,
    recent_login_required,
    signed_in,
    start_session,
)
from fund.accounts import operations, throttle, tokens
from fund.accounts.forms import (
    ApiTokenForm,
    ChangePasswordForm,
    LanguageForm,
    LoginForm,
    RevokeTokenForm,
)
from fund.accounts.limits import AttemptLimit
from fund.accounts.models import User
from fund.extensions import db, login_manager, utcnow
from fund.refusals import show_on_form

bp = Blueprint("accounts", __name__)

login_manager.login_view = "accounts.login"
login_manager.login_message = "Please sign in to see this page."
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    ident, _, version = user_id.partition(":")
    if not ident.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(ident))
    if user is None or user.session_version != int(version) or not user.active:
        return None
    return user


def _safe_next(target: str | None) -> str:
    """Only local paths: an open redirect would help phishing."""
    if not target:
        return url_for("core.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("core.index")
    return target


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    form = LoginForm()
    if form.validate_on_submit():
        now, address, address_policy = (
            utcnow(),
            throttle.client_address(),
            throttle.policy_from_config(),
        )
        try:
            throttle.check(address, now=now, policy=address_policy)
        except throttle.Throttled as throttled:
            form.form_errors.append(throttled.said())
            response = current_app.make_response(
                (render_template("accounts/login.html", form=form), 429)
            )
            response.headers["Retry-After"] = str(throttled.retry_after)
            return response
        lockout = AttemptLimit.account_lockout(current_app.config)
        try:
            user = operations.authenticate(
                form.email.data, form.password.data, now=now, policy=lockout
            )
        except operations.LoginRefused as refused:
            throttle.record(address, succeeded=False, now=now, policy=address_policy)
            db.session.commit()  # keep the failure counts
            form.form_errors.append(refused.said())
            return render_template("accounts/login.html", form=form), 401
        throttle.record(address, succeeded=True, now=now, policy=address_policy)
        db.session.commit()
        target = _safe_next(request.args.get("next"))
        session.clear()  # a fresh session at sign-in: nothing from before survives
        login_user(user)
        start_session(now)
        flash(_("Signed in as %(name)s.", name=user.name), "success")
        return redirect(target)
    return render_template("accounts/login.html", form=form)


@bp.route("/account/unlock/<token>")
@public
def unlock(token: str):
    """The link emailed to the owner of a locked account: it unlocks the account, once."""
    user = operations.unlock_with_token(token, now=utcnow())
    if user is None:
        db.session.rollback()
        return render_template("accounts/unlock.html", unlocked=False), 400
    email = user.email
    db.session.commit()
    return render_template("accounts/unlock.html", unlocked=True, email=email)


@bp.route("/logout", methods=["POST"])
@public
def logout():
    logout_user()
    session.clear()
    flash(_("You are signed out."), "success")
    return redirect(url_for("accounts.login"))


@bp.route("/account", methods=["GET", "POST"])
@signed_in
def account():
    """The signed-in user's account: who they are, the language of their pages, their
    password."""
    form = LanguageForm(language=current_user.language or "")
    if form.validate_on_submit():
        try:
            operations.set_language(current_user, form.language.data or None, now=utcnow())
        except operations.AccountError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Your language is saved."), "success")
            return redirect(url_for("accounts.account"))
    status = 400 if form.is_submitted() else 200
    return _account_page(form=form, status=status)


def _account_page(
    *,
    form: LanguageForm | None = None,
    token_form: ApiTokenForm | None = None,
    new_token: str | None = None,
    status: int = 200,
):
    """The account page: the language form, the password link, the API tokens (a new token
    shown once, on the page that made it)."""
    return render_template(
        "accounts/account.html",
        form=form or LanguageForm(formdata=None, language=current_user.language or ""),
        token_form=token_form or ApiTokenForm(formdata=None),
        revoke_form=RevokeTokenForm(formdata=None),
        tokens=tokens.tokens_of(current_user),
        scope_labels=tokens.SCOPES,
        new_token=new_token,
        now=utcnow(),
    ), status


@bp.route("/account/tokens", methods=["POST"])
@signed_in
@recent_login_required()
def create_token():
    """A new personal API token, shown once on the page answered (never kept in a cookie)."""
    form = ApiTokenForm()
    if form.validate_on_submit():
        try:
            made = tokens.create_token(
                current_user,
                form.name.data,
                now=utcnow(),
                days=form.days.data,
                scopes=frozenset(form.scopes.data),
            )
        except tokens.TokenRefused as refused:
            db.session.rollback()
            show_on_form(form, refused, default="name")
        else:
            db.session.commit()
            return _account_page(new_token=made.token)
    return _account_page(token_form=form, status=400)


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@signed_in
def revoke_token(token_id: int):
    if not RevokeTokenForm().validate_on_submit():
        return _account_page(status=400)
    try:
        tokens.revoke_token(current_user, token_id, now=utcnow())
    except tokens.TokenRefused as refused:
        db.session.rollback()
        if not refused.stale:
            abort(404)
        flash(refused.said(), "info")
    else:
        db.session.commit()
        flash(_("The token is revoked: it no longer opens the API."), "success")
    return redirect(url_for("accounts.account"))


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            operations.change_password(
                current_user,
                form.current_password.data,
                form.new_password.data,
                min_length=current_app.config["PASSWORD_MIN_LENGTH"],
                now=utcnow(),
            )
        except operations.AccountError as error:
            db.session.rollback()
            show_on_form(form, error, default="new_password")
        else:
            db.session.commit()
            login_user(current_user._get_current_object())  # stay signed in on the new version
            mark_signed_in()  # the current password was just given
            flash(_("Your password has been changed. Other sessions were signed out."), "success")
            return redirect(url_for("core.index"))
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/password.html", form=form), status

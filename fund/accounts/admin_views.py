"""Administration of users and organizations (administrators only)."""

from __future__ import annotations

import contextlib

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from fund import idempotency, web
from fund.access import recent_login_required, roles_required
from fund.accounts import operations
from fund.accounts.forms import OrganizationForm, UnlockForm, UserForm
from fund.accounts.limits import AttemptLimit
from fund.accounts.models import Organization, Role, User
from fund.extensions import db, utcnow
from fund.forms import options
from fund.reference.models import Country
from fund.refusals import show_on_form

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _organization_choices():
    orgs = db.session.scalars(select(Organization).order_by(Organization.name))
    return options([(0, _("— none —"))] + [(o.id, o.display_name) for o in orgs])


@bp.route("/users")
@roles_required(Role.ADMIN)
def users():
    """Every account, with its status: active, locked until a time (`locked_until`, the rule
    sign-in and Home's locked accounts read), or deactivated."""
    rows = db.session.scalars(select(User).order_by(User.name)).all()
    lockout, now = AttemptLimit.account_lockout(current_app.config), utcnow()
    locked = {u.id: until for u in rows if (until := operations.locked_until(u, lockout, now))}
    return render_template("admin/users.html", users=rows, locked=locked)


class _Shown(Exception):
    """The form's problems are already at their fields."""


def _refuse_every_problem(form: UserForm, organization: Organization | None, roles: set[str]):
    """Put every problem of a new user's values at its field at once; _Shown when any."""
    problems = operations.new_user_problems(
        email=form.email.data or "",
        password=form.password.data or "",
        roles=roles,
        organization=organization,
        min_length=current_app.config["PASSWORD_MIN_LENGTH"],
    )
    if not form.password.data:
        problems.append(operations.AccountError(_("Set an initial password."), "password"))
    for problem in problems:
        if (message := show_on_form(form, problem, default="password")) is not None:
            form.form_errors.append(message)
    if problems:
        raise _Shown


def _user_form_page(user: User | None):
    form = UserForm(obj=user)
    form.organization_id.choices = _organization_choices()
    if user is not None and not form.is_submitted():
        form.roles.data = sorted(user.roles)
        form.organization_id.data = user.organization_id or 0
    once = idempotency.once("user", current_user, protect=user is None)
    if form.validate_on_submit():
        organization = db.session.get(Organization, form.organization_id.data or 0)
        roles = set(form.roles.data or [])
        try:
            if user is None:
                _refuse_every_problem(form, organization, roles)
                once.claim()
                user = operations.create_user(
                    current_user,
                    email=form.email.data,
                    name=form.name.data,
                    password=form.password.data,
                    roles=roles,
                    organization=organization,
                    min_length=current_app.config["PASSWORD_MIN_LENGTH"],
                    now=utcnow(),
                )
                if not form.active.data:
                    user.active = False
                message = _("User %(email)s created.", email=user.email)
                once.done(url_for("admin.users"), _("The user %(email)s", email=user.email))
            else:
                operations.update_user(
                    current_user,
                    user,
                    name=form.name.data,
                    roles=roles,
                    organization=organization,
                    active=form.active.data,
                    now=utcnow(),
                )
                message = _("User %(email)s saved.", email=user.email)
        except _Shown:
            db.session.rollback()
        except operations.AccountError as error:
            db.session.rollback()
            if (message := show_on_form(form, error)) is not None:
                form.form_errors.append(message)
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("admin.users"))
    elif user is None and form.is_submitted():
        # The fields' own checks refused something: the other problems are told at once too.
        with contextlib.suppress(_Shown):
            _refuse_every_problem(
                form,
                db.session.get(Organization, form.organization_id.data or 0),
                set(form.roles.data or []),
            )
    status = 400 if form.is_submitted() else 200
    lockout = AttemptLimit.account_lockout(current_app.config)
    return render_template(
        "admin/user_form.html",
        form=form,
        user=user,
        unlock_form=UnlockForm(formdata=None) if user is not None else None,
        locked_until=operations.locked_until(user, lockout, utcnow()) if user else None,
    ), status


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
@recent_login_required()  # roles and activation decide who may do what
def new_user():
    return _user_form_page(None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
@recent_login_required()  # roles and activation decide who may do what
def edit_user(user_id: int):
    user = db.get_or_404(User, user_id)
    return _user_form_page(user)


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
@roles_required(Role.ADMIN)
@recent_login_required()
def unlock_user(user_id: int):
    """Clear an account's failed sign-ins, so a locked account can sign in again (audited)."""
    user = db.get_or_404(User, user_id)
    form = UnlockForm()
    if not form.validate_on_submit():
        problems = form.confirm_with_password.errors or [_(web.UNREADABLE_MESSAGE)]
        flash(_("The account was not unlocked. %(problem)s", problem=problems[0]), "error")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    email = user.email
    if operations.unlock(current_user, user, now=utcnow()):
        db.session.commit()
        flash(_("%(email)s is unlocked: the account can sign in again.", email=email), "success")
    else:
        flash(_("Nothing changed: %(email)s had no failed sign-ins to clear.", email=email), "info")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.route("/organizations")
@roles_required(Role.ADMIN)
def organizations():
    rows = db.session.scalars(select(Organization).order_by(Organization.kind, Organization.name))
    return render_template("admin/organizations.html", organizations=rows.all())


def _organization_form_page(organization: Organization | None):
    form = OrganizationForm(obj=organization)
    countries = db.session.execute(select(Country.iso2, Country.name).order_by(Country.name))
    form.country_iso2.choices = options(
        [("", _("— not a member state —"))] + [tuple(c) for c in countries]
    )
    once = idempotency.once("organization", current_user, protect=organization is None)

    return web.save_page(
        form,
        lambda: operations.save_organization(
            current_user,
            organization,
            name=form.name.data,
            acronym=form.acronym.data,
            kind=form.kind.data,
            country_iso2=form.country_iso2.data or None,
            iati_org_id=form.iati_org_id.data,
            committee_member=form.committee_member.data,
            active=form.active.data,
            now=utcnow(),
        ),
        once=once,
        back=url_for("admin.organizations"),
        what=lambda saved: _("organization %(name)s", name=saved.name),
        refusals=operations.AccountError,
        render=lambda: render_template(
            "admin/organization_form.html", form=form, organization=organization
        ),
    )


@bp.route("/organizations/new", methods=["GET", "POST"], endpoint="new_organization")
@bp.route("/organizations/<int:organization_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
@recent_login_required()  # committee membership decides who may be given the committee role
def edit_organization(organization_id: int | None = None):
    """The organization form: a new organization (`admin.new_organization`), or the
    organization `organization_id`."""
    if organization_id is None:
        return _organization_form_page(None)
    return _organization_form_page(db.get_or_404(Organization, organization_id))

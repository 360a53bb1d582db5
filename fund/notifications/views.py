"""A signed-in user's notifications and delivery preferences."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from fund.access import signed_in
from fund.extensions import db, utcnow
from fund.notifications import operations, queries
from fund.notifications.forms import ButtonForm, preferences_form
from fund.notifications.models import KINDS, Delivery, Notification
from fund.query_args import page_arg

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


def _back():
    """Back to the list as the user saw it (filter and page come in the form's address)."""
    unread = request.args.get("unread") == "1"
    page = page_arg()
    values = {"unread": "1"} if unread else {}
    if page > 1:
        values["page"] = page
    return redirect(url_for("notifications.index", **values))


@bp.route("/")
@signed_in
def index():
    unread_only = request.args.get("unread") == "1"
    page = queries.notifications_of(
        current_user.id,
        unread_only=unread_only,
        page=page_arg(),
    )
    return render_template(
        "notifications/index.html",
        page=page,
        unread_only=unread_only,
        button=ButtonForm(),
        unlinked=_unlinked(page.rows),
    )


def _unlinked(rows) -> set[int]:
    """The notifications whose page the user may no longer open: a decision record of a round
    on a proposal they have since been recused from. Their titles are shown without a link."""
    from fund.committee.queries import records_closed_to

    records = {
        n.id: n.subject_id
        for n in rows
        if n.subject_type == "voting_round"
        and n.subject_id is not None
        and n.link.startswith("/committee/rounds/")
    }
    closed = records_closed_to(current_user, set(records.values()))
    return {notification for notification, round_id in records.items() if round_id in closed}


@bp.route("/<int:notification_id>/read", methods=["POST"])
@signed_in
def mark_read(notification_id: int):
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    operations.mark_read(current_user.id, notification_id, utcnow())
    db.session.commit()
    return _back()


@bp.route("/read-all", methods=["POST"])
@signed_in
def mark_all_read():
    if not ButtonForm().validate_on_submit():
        abort(400)
    count = operations.mark_read(current_user.id, None, utcnow())
    db.session.commit()
    if count:
        flash(
            ngettext(
                "%(num)s notification marked as read.",
                "%(num)s notifications marked as read.",
                count,
            ),
            "success",
        )
    else:
        flash(_("Nothing was unread."), "info")
    return redirect(url_for("notifications.index"))


def _kinds_for(user):
    """The kinds that concern the user's roles: (optional ones, mandatory ones)."""
    mine = [kind for kind in KINDS.values() if kind.audience & user.roles]
    return [k for k in mine if not k.mandatory], [k for k in mine if k.mandatory]


@bp.route("/preferences", methods=["GET", "POST"])
@signed_in
def preferences():
    optional, mandatory = _kinds_for(current_user)
    current = operations.preferences_of(current_user)
    if request.method == "POST":
        form = preferences_form(optional)
        if form.validate_on_submit():
            try:
                changed = operations.set_preferences(current_user, form.choices())
            except operations.PreferenceRefused as refused:
                db.session.rollback()
                form.form_errors.append(refused.said())
            else:
                db.session.commit()
                flash(
                    _("Your choices are saved.") if changed else _("Nothing changed."),
                    "success" if changed else "info",
                )
                return redirect(url_for("notifications.preferences"))
        status = 400
    else:
        form = preferences_form(optional, {k.code: current[k.code].value for k in optional})
        status = 200
    return render_template(
        "notifications/preferences.html",
        form=form,
        mandatory=mandatory,
        labels=Delivery.labels(),
        deliveries=list(Delivery),
    ), status

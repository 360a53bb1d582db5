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


# The pages of a proposal a notification about it links to, each opened by `can_view`.
_PROPOSAL_PAGES = ("/committee/proposals/{id}", "/proposals/{id}", "/concept-notes/{id}")


def _unlinked(rows) -> set[int]:
    """The notifications whose page the user may no longer open, their titles shown without a
    link: a decision record of a round on a proposal they have since been recused from; a page
    of a proposal they may no longer see (a committee member's, once it was returned for
    revision or withdrawn: `can_view`); a report planned away since (a revision or a closure
    removed it). A fixed number of statements."""
    from fund.committee.queries import records_closed_to
    from fund.proposals.queries import visible_ids
    from fund.reporting.queries import existing_reports

    def about(kind: str, pages: tuple[str, ...] | None = None) -> dict[int, int]:
        """The notifications about a `kind` of record (linking to one of its `pages`): their
        record's id by the notification's."""
        return {
            n.id: n.subject_id
            for n in rows
            if n.subject_type == kind
            and n.subject_id is not None
            and n.link
            and (pages is None or _path(n.link) in {p.format(id=n.subject_id) for p in pages})
        }

    records = about("voting_round", ("/committee/rounds/{id}",))
    proposals = about("proposal", _PROPOSAL_PAGES)
    reports = about("programme_report")
    closed = records_closed_to(current_user, set(records.values()))
    seen = visible_ids(current_user, set(proposals.values()))
    kept = existing_reports(set(reports.values()))
    return (
        {n for n, round_id in records.items() if round_id in closed}
        | {n for n, proposal_id in proposals.items() if proposal_id not in seen}
        | {n for n, report_id in reports.items() if report_id not in kept}
    )


def _path(link: str) -> str:
    return link.split("?")[0].split("#")[0]


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

"""Pages of the pipeline: the ranked list (the secretariat and the committee; the secretariat
records the committee's new order and what the public booklet lists) and the balance view for
selection. The booklet itself (PDF) is served by `fund.reports.views`."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from fund.access import roles_required
from fund.accounts.models import COMMITTEE_READERS, Role
from fund.coverage.simulator import note_candidates
from fund.extensions import db
from fund.pipeline import operations, queries
from fund.pipeline.balance import balance_view
from fund.pipeline.forms import BalanceForm, PublicForm, RerankForm
from fund.proposals.models import state_label

bp = Blueprint("pipeline", __name__, url_prefix="/pipeline")

STALE = operations.STALE


def _render_index(form: RerankForm | None = None, status: int = 200):
    pipeline = queries.ranked_pipeline(queries.config_rate(current_app.config))
    can_record = current_user.has_role(Role.SECRETARIAT)
    if form is None and can_record:
        form = RerankForm()
        form.set_decisions(operations.decision_choices())
    return render_template(
        "pipeline/index.html",
        pipeline=pipeline,
        form=form,
        public_form=PublicForm() if can_record else None,
        can_record=can_record,
    ), status


@bp.route("/")
@roles_required(*COMMITTEE_READERS)
def index():
    return _render_index()


@bp.route("/rerank", methods=["POST"])
@roles_required(Role.SECRETARIAT)
def rerank():
    form = RerankForm()
    form.set_decisions(operations.decision_choices())
    current = [note.id for note in queries.pipeline_notes()]
    if not form.validate_on_submit():
        return _render_index(form, 400)
    shown = form.shown(request.form)
    if shown != current:
        form.form_errors.append(_(STALE))
        return _render_index(form, 409)
    order = form.order(request.form, current)
    if order is None:
        return _render_index(form, 400)
    try:
        operations.rerank(
            current_user,
            form.decision.data,
            order,
            comment=form.comment.data or "",
            shown=shown,
        )
    except operations.PipelineRefused as refused:
        db.session.rollback()
        form.form_errors.append(refused.said())
        return _render_index(form, refused.status)
    db.session.commit()
    flash(_("The committee's new order of the pipeline is recorded."), "success")
    return redirect(url_for("pipeline.index"))


@bp.route("/<int:proposal_id>/public", methods=["POST"])
@roles_required(Role.SECRETARIAT)
def set_public(proposal_id: int):
    form = PublicForm()
    if not form.validate_on_submit():
        flash(_("The request could not be read. Try again."), "error")
        return _render_index(status=400)
    try:
        changed = operations.set_public(current_user, proposal_id, bool(form.public.data))
    except operations.PipelineRefused as refused:
        db.session.rollback()
        flash(refused.said(), "error")
        return _render_index(status=400)
    db.session.commit()
    if changed:
        flash(
            _("Listed in the public booklet.")
            if form.public.data
            else _("Taken out of the public booklet."),
            "success",
        )
    return redirect(url_for("pipeline.index", _anchor=f"entry-{proposal_id}"))


@bp.route("/balance")
@roles_required(*COMMITTEE_READERS)
def balance():
    candidates = note_candidates()
    form = BalanceForm.offering(request.args, candidates)
    view = balance_view(form.picked(), candidates=candidates)
    return render_template(
        "pipeline/balance.html", view=view, state_label=state_label, **form.page()
    )

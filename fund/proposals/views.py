"""The proposal page (with its timeline and actions) and the workflow page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from fund.access import public, roles_required
from fund.accounts.models import Role
from fund.audit.queries import timeline
from fund.extensions import db
from fund.proposals import operations
from fund.proposals.access import can_view
from fund.proposals.forms import ActionForm
from fund.proposals.models import Proposal
from workflows import PROPOSAL_WORKFLOW, TransitionRefused

bp = Blueprint("proposals", __name__)

PROPOSAL_ROLES = (Role.APPLICANT, Role.SECRETARIAT, Role.COMMITTEE)


def _visible_proposal(proposal_id: int) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None:
        abort(404)
    if not can_view(current_user, proposal):
        abort(403)
    return proposal


def _render(proposal: Proposal, form: ActionForm | None = None, error=None, status=200):
    return render_template(
        "proposals/detail.html",
        proposal=proposal,
        actions=operations.allowed_actions(proposal, current_user),
        events=timeline("proposal", proposal.id),
        form=form or ActionForm(version=proposal.version),
        error=error,
        workflow=PROPOSAL_WORKFLOW,
    ), status


def _stale(proposal_id: int, form: ActionForm):
    proposal = _visible_proposal(proposal_id)
    message = (
        "This proposal changed since you opened it (someone else acted on it). "
        "Review its current state below, then try again."
    )
    return _render(
        proposal, ActionForm(version=proposal.version, comment=form.comment.data), message, 409
    )


@bp.route("/proposals/<int:proposal_id>")
@roles_required(*PROPOSAL_ROLES)
def detail(proposal_id: int):
    return _render(_visible_proposal(proposal_id))


@bp.route("/proposals/<int:proposal_id>/actions", methods=["POST"])
@roles_required(*PROPOSAL_ROLES)
def act(proposal_id: int):
    proposal = _visible_proposal(proposal_id)
    form = ActionForm()
    if not form.validate_on_submit():
        return _render(proposal, form, "The action could not be read. Please try again.", 400)
    if form.version.data != proposal.version:
        return _stale(proposal_id, form)
    try:
        operations.fire(proposal, form.trigger.data, current_user, comment=form.comment.data)
        db.session.commit()
    except TransitionRefused as refused:
        db.session.rollback()
        return _render(_visible_proposal(proposal_id), form, refused, 400)
    except StaleDataError:  # another request changed it between our read and our write
        db.session.rollback()
        return _stale(proposal_id, form)
    flash(f"Done: the proposal is now “{proposal.status_label}”.", "success")
    return redirect(url_for("proposals.detail", proposal_id=proposal.id))


@bp.route("/workflow")
@public
def workflow():
    return render_template(
        "proposals/workflow.html", workflow=PROPOSAL_WORKFLOW, mermaid=operations.ENGINE.mermaid()
    )

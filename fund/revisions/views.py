"""The revisions' pages: the secretariat's list of revisions to decide, a programme's
revisions (where its staff start one) and a revision's page, where the staff fill, submit or
withdraw it and the secretariat approves, returns, rejects or forwards it to the committee.
Those buttons carry a one-time key (`fund.idempotency`): sent twice, they act once.

Who may use them: the secretariat, and the applicants of the programme's organizations (any
other applicant is told the revision does not exist); the committee reads a revision forwarded
to it.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from fund import idempotency, web
from fund.access import roles_required
from fund.accounts.models import PROPOSAL_READERS, Role
from fund.extensions import db, utcnow
from fund.labels import N_
from fund.proposals.models import Proposal
from fund.refusals import place
from fund.revisions import operations, page, rules
from fund.revisions.models import Revision
from fund.revisions.operations import RevisionRefused
from fund.revisions.workflow import (
    ENGINE,
    may_see,
    may_see_revision,
    missing_content,
    request_deadline,
    revises,
    too_late,
)
from fund.sentences import said
from workflows.revision import (
    REVISION_COMMITTEE,
)
from workflows.voting_round import ROUND_OPEN

bp = Blueprint("revisions", __name__, url_prefix="/revisions")

STAFF = roles_required(Role.APPLICANT, Role.SECRETARIAT)


def _decision(decision: str) -> tuple[str, str] | None:
    """The trigger a decision's button fires, and what the page then says."""
    return {
        "approve": ("approve", _("The revision is approved and applied to the programme.")),
        "return": ("return_for_changes", _("The revision is returned with your comments.")),
        "reject": ("reject", _("The revision is rejected.")),
        "forward": (
            "forward",
            _("The revision is forwarded to the committee: a voting round is open."),
        ),
    }.get(decision)


def _revision(revision_id: int) -> Revision:
    revision = db.session.get(Revision, revision_id)
    if revision is None or not may_see_revision(current_user, revision):
        abort(404)
    return revision


@bp.get("/")
@roles_required(Role.SECRETARIAT)
def index():
    rows = db.session.scalars(
        select(Revision).order_by(Revision.submitted_at.desc().nulls_last(), Revision.id.desc())
    ).all()
    return render_template(
        "revisions/index.html",
        to_decide=[r for r in rows if r.awaits_secretariat],
        committee=[r for r in rows if r.status == REVISION_COMMITTEE],
        others=[r for r in rows if not r.awaits_secretariat and r.status != REVISION_COMMITTEE][
            :100
        ],
        proposals={
            p.id: p
            for p in db.session.scalars(
                select(Proposal).where(Proposal.id.in_({r.proposal_id for r in rows}))
            )
        },
    )


@bp.get("/programme/<int:proposal_id>")
@STAFF
def programme(proposal_id: int):
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or not may_see(current_user, proposal_id):
        abort(404)
    revisions = db.session.scalars(
        select(Revision).where(Revision.proposal_id == proposal_id).order_by(Revision.number)
    ).all()
    can_request = operations.refusal_to_start(current_user, proposal) is None
    return render_template(
        "revisions/programme.html",
        proposal=proposal,
        revisions=revisions,
        can_request=can_request,
        too_late=_too_late(proposal) if can_request else None,
        deadline=request_deadline(proposal) if can_request else None,
        limits=rules.limits(current_app.config),
    )


def _too_late(proposal: Proposal) -> str | None:
    """Why a revision can no longer be requested, in the page's language; None if it can."""
    problem = too_late(proposal, utcnow().date())
    return None if problem is None else said(problem)


@bp.post("/programme/<int:proposal_id>/new")
@roles_required(Role.APPLICANT)
def new(proposal_id: int):
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or not may_see(current_user, proposal_id):
        abort(404)
    try:
        revision = operations.start(current_user, proposal_id)
        db.session.commit()
    except RevisionRefused as error:
        db.session.rollback()
        flash(error.said(), "error")
        return redirect(url_for("revisions.programme", proposal_id=proposal_id))
    flash(_("The revision is started: fill it in, save it, then submit it."), "success")
    return redirect(url_for("revisions.revision", revision_id=revision.id))


def _preview(revision: Revision, proposal: Proposal) -> str | None:
    """Who would approve the revision as it stands, in the page's language."""
    routing = page.preview(revision, proposal)
    return None if routing is None else said(routing.sentence)


def _render(content: page.RevisionPage, message: str | None = None, status: int = 200):
    revision, proposal = content.revision, content.proposal
    rounds = page.rounds(revision)
    actions = {rule.trigger for rule in ENGINE.allowed(revision, current_user)}
    return (
        render_template(
            "revisions/revision.html",
            page=content,
            revision=revision,
            proposal=proposal,
            choices=page.choices(),
            editable=operations.refusal_to_edit(current_user, revision) is None,
            actions=actions,
            missing=missing_content(revision),
            # The guard `before_end_date`'s rule: past the last day to request a revision, the
            # page says why instead of offering the submission.
            too_late=_too_late(proposal) if "submit" in actions else None,
            compared=page.compared(revision, proposal) if revision.version_number is None else [],
            # The programme's revisions page is its staff's and the secretariat's (a committee
            # member reading a forwarded revision is not offered it).
            sees_all=may_see(current_user, proposal.id),
            preview=_preview(revision, proposal) if revision.settled_approver is None else None,
            decided_by=page.decided_by(revision) if revision.settled_approver else None,
            history=page.history(revision),
            actions_done=page.ACTIONS_DONE,
            rounds=rounds,
            can_open_round=revision.status == REVISION_COMMITTEE
            and current_user.has_role(Role.SECRETARIAT)
            and all(r.status != ROUND_OPEN for r in rounds),
            message=message,
        ),
        status,
    )


def _refused(content: page.RevisionPage, error: RevisionRefused):
    """The revision's page again after a refusal, as every page shows one (`refusals.place`):
    at the field it names, else above the form."""
    return _render(content, place(content.errors, error), error.status)


@bp.route("/<int:revision_id>", methods=["GET", "POST"])
@roles_required(*PROPOSAL_READERS)
def revision(revision_id: int):
    """The revision; a POST saves it (the programme's staff, while a draft or returned). Bad
    input is shown again as typed, with its errors, and nothing is saved."""
    found = _revision(revision_id)
    content = page.load(found)
    if request.method == "GET":
        return _render(content)
    if not revises(current_user, found.proposal_id):
        abort(403)
    values = page.read(content, request.form)
    if content.errors:
        return _render(content, _("Correct the values marked below."), 400)
    try:
        operations.save(current_user, found.id, values)
        db.session.commit()
    except RevisionRefused as error:
        db.session.rollback()
        typed, rows = content.values, content.rows
        content = page.load(_revision(revision_id))
        content.values, content.rows = typed, rows
        return _refused(content, error)
    flash(_("The revision is saved."), "success")
    return redirect(url_for("revisions.revision", revision_id=revision_id))


BUTTONS = web.WorkflowButtons(
    endpoint="revisions.revision",
    id_name="revision_id",
    find=_revision,
    fire=operations.fire,
    once=idempotency.once,
    refusals=RevisionRefused,
    reload=lambda revision_id: page.load(_revision(revision_id)),
    refused=_refused,
)


@bp.post("/<int:revision_id>/submit")
@roles_required(Role.APPLICANT)
def submit(revision_id: int):
    return BUTTONS.press(
        revision_id,
        "submit",
        _("The revision is submitted to the secretariat."),
        "revision_submit",
        N_("The revision's submission"),
    )


@bp.post("/<int:revision_id>/withdraw")
@roles_required(Role.APPLICANT)
def withdraw(revision_id: int):
    return BUTTONS.press(
        revision_id,
        "withdraw",
        _("The revision is withdrawn."),
        "revision_withdrawal",
        N_("The revision's withdrawal"),
    )


@bp.post("/<int:revision_id>/decide")
@roles_required(Role.SECRETARIAT)
def decide(revision_id: int):
    chosen = _decision(request.form.get("decision") or "")
    if chosen is None:
        abort(400)
    return BUTTONS.press(
        revision_id, *chosen, "revision_decision", N_("The decision on the revision")
    )


@bp.post("/<int:revision_id>/round")
@roles_required(Role.SECRETARIAT)
def new_round(revision_id: int):
    found = _revision(revision_id)
    try:
        operations.open_new_round(current_user, found.id)
        db.session.commit()
    except RevisionRefused as error:
        db.session.rollback()
        return _refused(page.load(_revision(revision_id)), error)
    flash(_("A new voting round about the revision is open."), "success")
    return redirect(url_for("revisions.revision", revision_id=revision_id))

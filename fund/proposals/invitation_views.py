"""From a concept note to a full programme: the secretariat's invitation (with its deadline)
and the applicant's start of the full programme (`fund.proposals.invitations`)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from wtforms.validators import DataRequired, Optional

from fund.access import roles_required
from fund.accounts.models import Role
from fund.days import written
from fund.extensions import db, utcnow
from fund.forms import DateField, IntegerField
from fund.labels import N_
from fund.proposals import invitations
from fund.proposals.concept_note_page import visible_note
from fund.proposals.forms import text_area
from fund.proposals.models import Proposal, proposal_reference
from fund.proposals.ranking import ranked_ids
from fund.proposals.results_versions import FRAMEWORK_KEY
from fund.proposals.snapshots import SNAPSHOT_LABELS
from fund.refusals import answer
from fund.web import UNREADABLE_MESSAGE
from workflows import NOTE_INVITABLE_STATES, TransitionRefused
from workflows.concept_note import NOTE_INVITED_STATE, NOTE_PIPELINE_STATE

bp = Blueprint("invitations", __name__, url_prefix="/concept-notes")

# The parts the full proposal starts with, named as the concept note named them where it did.
PREFILLED_LABELS = {
    "summary": N_("Summary: the change sought"),
    "rationale": N_("Rationale: the problem"),
}


class InvitationForm(FlaskForm):
    version = IntegerField(validators=[DataRequired()])
    deadline = DateField(
        _l("Deadline of the full proposal"),
        validators=[Optional()],
        description=_l(
            "The full proposal is due by the end of this day (UTC): a date after today."
        ),
    )
    message = text_area(
        _l("Message to the applicant"),
        5000,
        _l(
            "Optional: what the full programme should address. The applicant reads it with the "
            "invitation."
        ),
    )


class StartForm(FlaskForm):
    """Starting the full programme: nothing to fill in."""


# A workflow's refusal because the note is no longer where the page showed it.
MOVED_ON = N_(
    "This concept note changed since you opened the page: it is no longer waiting for this "
    "step. Review it below."
)


def _refusal(form: FlaskForm, refused: Exception) -> tuple[Any, int]:
    """The refusal on its field (or the page's message) and the answer's status."""
    db.session.rollback()
    return answer(form, refused, invitations.STALE_MESSAGE, moved_on=MOVED_ON)


# The secretariat's invitation ---------------------------------------------------------------


def _render_invitation(note: Proposal, form: InvitationForm, message=None, status: int = 200):
    order = ranked_ids() if note.status == NOTE_PIPELINE_STATE else []
    today = utcnow().date()
    return render_template(
        "proposals/invitation.html",
        note=note,
        form=form,
        message=message,
        invitable=note.status in NOTE_INVITABLE_STATES,
        # An invitation not yet taken up: its deadline is extended, or once passed, renewed.
        open_invitation=note.status == NOTE_INVITED_STATE,
        expired=invitations.invitation_expired(note, today),
        place=order.index(note.id) + 1 if note.id in order else None,
        pipeline_size=len(order),
        # The notes the committee placed before it: the applicants are told that invitations
        # follow the pipeline's order, so inviting this one first is said before it is done.
        ahead=[proposal_reference(i) for i in order[: order.index(note.id)]]
        if note.id in order
        else [],
        today=today,
    ), status


DONE = {
    "invited": _l("%(ref)s is invited to a full programme, due by %(due)s. The applicant is told."),
    "extended": _l(
        "The invitation is extended: %(ref)s's full proposal is due by %(due)s. The applicant is "
        "told."
    ),
    "reinvited": _l(
        "%(ref)s is invited again: the full proposal is due by %(due)s. The applicant is told."
    ),
}


@bp.route("/<int:note_id>/invitation", methods=["GET", "POST"])
@roles_required(Role.SECRETARIAT)
def invite(note_id: int):
    """Invite a selected or pipeline concept note; an invited one gets a new deadline (extended
    while open, invited again once passed)."""
    note = visible_note(note_id)
    form = InvitationForm(version=note.version)
    if not form.is_submitted():
        return _render_invitation(note, form)
    if not form.validate():
        message = UNREADABLE_MESSAGE if "csrf_token" in form.errors or form.version.errors else None
        return _render_invitation(note, form, message, 400)
    try:
        done = invitations.invite(
            note.id,
            current_user,
            form.deadline.data,
            comment=form.message.data or "",
            expected_version=form.version.data,
        )
        reference, due = note.reference, form.deadline.data
        db.session.commit()
    except (
        invitations.InvitationRefused,
        TransitionRefused,
        StaleDataError,
        IntegrityError,
    ) as refused:
        message, status = _refusal(form, refused)
        return _render_invitation(visible_note(note_id), form, message, status)
    flash(str(DONE[done]) % {"ref": reference, "due": written(due)}, "success")
    return redirect(url_for("concept_notes.detail", note_id=note_id))


# The applicant's start of the full programme --------------------------------------------------


def _render_start(note: Proposal, form: StartForm, message=None, status: int = 200):
    return render_template(
        "proposals/full_proposal_start.html",
        note=note,
        form=form,
        message=message,
        prefilled=_prefilled(note),
        not_invited=invitations.NOT_INVITED,
        expired=invitations.expired_sentence(note),
        # Invited, and the deadline not passed: the rule `start_full_programme` keeps.
        can_start=note.status == NOTE_INVITED_STATE
        and not invitations.invitation_expired(note, utcnow().date()),
    ), status


def _prefilled(note: Proposal) -> list[str]:
    """What the full proposal takes from the note: the results framework only when the note
    outlines one (its outcomes are loaded with it), the endorsement letters when it carries
    them (`invitations.carried_letters`)."""
    found = [
        PREFILLED_LABELS.get(key, SNAPSHOT_LABELS[key])
        for key in invitations.PREFILLED
        if key != FRAMEWORK_KEY or note.outcomes
    ]
    if invitations.carried_letters(note):
        found.append(N_("The governments' endorsement letters"))
    return found


def _to_existing(proposal_id: int):
    flash(_("The full programme of this concept note is already started: here it is."), "info")
    return redirect(url_for("proposals.detail", proposal_id=proposal_id))


@bp.route("/<int:note_id>/full-proposal", methods=["GET", "POST"])
@roles_required(Role.APPLICANT)
def full_proposal(note_id: int):
    note = visible_note(note_id)
    if note.organization_id != current_user.organization_id:
        abort(404)
    existing = invitations.full_proposal_of(note.id)
    if existing is not None:
        return _to_existing(existing.id)
    form = StartForm()
    if not form.is_submitted():
        return _render_start(note, form)
    if not form.validate():
        return _render_start(note, form, UNREADABLE_MESSAGE, 400)
    try:
        full = invitations.start_full_proposal(note.id, current_user)
        full_id = full.id
        db.session.commit()
    except invitations.AlreadyStarted as started:
        db.session.rollback()
        return _to_existing(started.proposal_id)
    except IntegrityError:
        db.session.rollback()  # a second click lost the race to the first
        existing = invitations.full_proposal_of(note_id)
        if existing is not None:
            return _to_existing(existing.id)
        return _render_start(visible_note(note_id), form, _(invitations.STALE_MESSAGE), 409)
    except (invitations.InvitationRefused, TransitionRefused, StaleDataError) as refused:
        message, status = _refusal(form, refused)
        return _render_start(visible_note(note_id), form, message, status)
    if note.invited_until:
        started = _(
            "The full programme is started: a draft filled in from the concept note. Complete "
            "its budget and everything a full proposal needs, then submit it by %(date)s.",
            date=written(note.invited_until),
        )
    else:
        started = _(
            "The full programme is started: a draft filled in from the concept note. Complete "
            "its budget and everything a full proposal needs, then submit it."
        )
    flash(started, "success")
    return redirect(url_for("proposals.edit", proposal_id=full_id))

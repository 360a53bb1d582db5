"""Concept note pages: the concept note (all its parts, its actions and timeline) and its form.

A concept note is made by the "new" page of a concept-note-first call (`proposals.new`); its
attachments use the proposal's routes. The proposal's pages send a concept note here.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from fund.access import roles_required
from fund.accounts.models import Role
from fund.calls.models import Stage
from fund.extensions import db
from fund.proposals import concept_note_forms, operations
from fund.proposals.concept_note_page import (
    ACTIONS_ELSEWHERE,
    STALE_MESSAGE,
    VIEWER_ROLES,
    render_note,
    visible_note,
)
from fund.proposals.concept_notes import save_concept_note
from fund.proposals.editing import principle_titles
from fund.proposals.forms import ActionForm
from workflows import TransitionRefused

bp = Blueprint("concept_notes", __name__, url_prefix="/concept-notes")


@bp.route("/<int:note_id>")
@roles_required(*VIEWER_ROLES)
def detail(note_id: int):
    return render_note(visible_note(note_id))


@bp.route("/<int:note_id>/edit", methods=["GET", "POST"])
@roles_required(Role.APPLICANT)
def edit(note_id: int):
    note = visible_note(note_id)
    try:
        operations.check_editable(note, current_user)
    except operations.EditRefused as refused:
        flash(str(refused), "error")
        return redirect(url_for("concept_notes.detail", note_id=note.id))
    form = concept_note_forms.ConceptNoteForm()
    titles = principle_titles()
    if request.method == "GET":
        concept_note_forms.fill_form(form, note)
    else:
        concept_note_forms.ensure_principle_rows(form, titles)
    concept_note_forms.set_choices(form)
    status, message = 200, None
    if form.is_submitted():
        status = 400
        if not form.validate():
            message = "Some of what you typed cannot be saved yet; see the marked fields."
        elif form.version.data != str(note.version):
            status, message = 409, STALE_MESSAGE
        else:
            try:
                save_concept_note(note, current_user, concept_note_forms.values_from_form(form))
                db.session.commit()
            except StaleDataError:
                db.session.rollback()
                status, message = 409, STALE_MESSAGE
            except operations.EditRefused as refused:
                db.session.rollback()
                message = str(refused)
            else:
                flash("Draft saved.", "success")
                return redirect(url_for("concept_notes.detail", note_id=note.id))
    return render_template(
        "proposals/concept_note_edit.html",
        form=form,
        note=note,
        principle_titles=titles,
        message=message,
        letters_now=note.call.endorsement_stage == Stage.CONCEPT_NOTE,
    ), status


def _stale(note_id: int, form: ActionForm):
    note = visible_note(note_id)
    return render_note(
        note, ActionForm(version=note.version, comment=form.comment.data), STALE_MESSAGE, 409
    )


@bp.route("/<int:note_id>/actions", methods=["POST"])
@roles_required(*VIEWER_ROLES)
def act(note_id: int):
    note = visible_note(note_id)
    form = ActionForm()
    if not form.validate_on_submit():
        return render_note(note, form, "The action could not be read. Please try again.", 400)
    if form.version.data != note.version:
        return _stale(note_id, form)
    if form.trigger.data in ACTIONS_ELSEWHERE:
        return render_note(note, form, "This step is taken on its own page.", 400)
    try:
        operations.fire(note, form.trigger.data, current_user, comment=form.comment.data)
        db.session.commit()
    except TransitionRefused as refused:
        db.session.rollback()
        return render_note(visible_note(note_id), form, refused, 400)
    except StaleDataError:
        db.session.rollback()
        return _stale(note_id, form)
    flash(f"Done: the concept note is now “{note.status_label}”.", "success")
    return redirect(url_for("concept_notes.detail", note_id=note.id))

"""Concept note pages: the concept note (all its parts, its actions and timeline) and its form.

A concept note is made by the "new" page of a concept-note-first call (`proposals.new`); its
attachments use the proposal's routes. The proposal's pages send a concept note here.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from fund.access import roles_required
from fund.accounts.models import PROPOSAL_READERS, Role
from fund.calls.models import Stage
from fund.proposals import concept_note_forms, draft_pages
from fund.proposals.concept_note_page import (
    ACTIONS_ELSEWHERE,
    STALE_MESSAGE,
    render_note,
    visible_note,
)
from fund.proposals.concept_notes import save_concept_note

bp = Blueprint("concept_notes", __name__, url_prefix="/concept-notes")


@bp.route("/<int:note_id>")
@roles_required(*PROPOSAL_READERS)
def detail(note_id: int):
    return render_note(visible_note(note_id))


@bp.route("/<int:note_id>/edit", methods=["GET", "POST"])
@roles_required(Role.APPLICANT)
def edit(note_id: int):
    note = visible_note(note_id)
    if refused := draft_pages.edit_refusal(note):
        return refused
    form = concept_note_forms.ConceptNoteForm()
    titles = draft_pages.prepare_form(
        form, lambda: concept_note_forms.fill_form(form, note), concept_note_forms.set_choices
    )
    saved, status, message = draft_pages.save_form(
        form,
        note,
        lambda: save_concept_note(note, current_user, concept_note_forms.values_from_form(form)),
    )
    if saved:
        return redirect(url_for("concept_notes.detail", note_id=note.id))
    return render_template(
        "proposals/concept_note_edit.html",
        form=form,
        note=note,
        principle_titles=titles,
        message=message,
        letters_now=note.call.endorsement_stage == Stage.CONCEPT_NOTE,
    ), status


@bp.route("/<int:note_id>/actions", methods=["POST"])
@roles_required(*PROPOSAL_READERS)
def act(note_id: int):
    return draft_pages.act(
        note_id, visible_note, render_note, stale=STALE_MESSAGE, elsewhere=ACTIONS_ELSEWHERE
    )

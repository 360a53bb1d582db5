"""The concept note's page: what it shows to each viewer, for the concept note's routes and for
the proposal's attachment routes when they refuse a change to a concept note."""

from __future__ import annotations

from flask import current_app, render_template
from flask_login import current_user

from fund.auditlog.queries import timeline
from fund.calls.models import Stage
from fund.extensions import utcnow
from fund.proposals import draft_pages, operations, queries
from fund.proposals.access import seen_by
from fund.proposals.checks import submission_problems, submission_state
from fund.proposals.draft_pages import stale_message
from fund.proposals.forms import ActionForm, upload_form
from fund.proposals.invitations import expired_sentence, invitation_expired
from fund.proposals.models import MARKER_LABELS, AttachmentKind, Proposal, Scope
from fund.proposals.page import PAGE
from fund.proposals.results_queries import results_section
from fund.proposals.snapshots import unchanged_since
from workflows.concept_note import CONCEPT_NOTE_WORKFLOW

STALE_MESSAGE = stale_message("concept note")
# Steps taken on their own pages, where the records they need are kept.
ACTIONS_ELSEWHERE = frozenset(
    {"select_for_development", "place_in_pipeline", "decline", "invite", "convert"}
)


def visible_note(note_id: int) -> Proposal:
    """The concept note, or 404 for anyone who may not see it (its existence is not revealed),
    and for a full proposal."""
    return seen_by(current_user, queries.load_proposal(note_id), concept_note=True)


def _rules():
    return operations.rules_from_config(current_app.config)


def render_note(note: Proposal, form: ActionForm | None = None, error=None, status: int = 200):
    """The concept note's page (also shown by the proposal's attachment routes on a refusal)."""
    editable = draft_pages.editable(note)
    events = timeline("proposal", note.id)
    actions = [
        rule
        for rule in operations.allowed_actions(note, current_user)
        if rule.trigger not in ACTIONS_ELSEWHERE
    ]
    letters_now = note.call.endorsement_stage == Stage.CONCEPT_NOTE
    return render_template(
        "proposals/concept_note.html",
        note=note,
        actions=actions,
        related=draft_pages.related_pages(note),
        events=events,
        revision_request=draft_pages.revision_request(note, events),
        sees_committee_notes=PAGE.reads_committee_notes(current_user, note),
        unchanged=unchanged_since(note) if editable else None,
        form=form or ActionForm(version=note.version),
        error=error,
        workflow=CONCEPT_NOTE_WORKFLOW,
        editable=editable,
        problems=submission_problems(note, _rules()) if editable else [],
        window=submission_state(note, utcnow().date()) if editable else None,
        # Its invitation past its deadline: to its applicants the words of the page that starts
        # the programme; to the others (the secretariat extends it), that it has passed.
        invitation_passed=invitation_expired(note, utcnow().date()),
        passed_said=expired_sentence(note)
        if current_user.organization_id == note.organization_id
        else None,
        versions=queries.versions(note.id),
        scope_labels=Scope.labels(),
        marker_labels=MARKER_LABELS,
        kind_labels=AttachmentKind.labels(),
        letters_now=letters_now,
        upload_form=upload_form(note) if editable else None,
        results=results_section(note),
    ), status

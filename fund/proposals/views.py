"""Proposal pages: list, create, edit, attachments, versions, the proposal page with its
timeline and actions, and the workflow page."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from fund import idempotency, web
from fund.access import access_of, public, roles_required
from fund.accounts.models import PROPOSAL_READERS, Role
from fund.auditlog.queries import timeline
from fund.days import written
from fund.extensions import db, utcnow
from fund.forms import options
from fund.labels import N_
from fund.proposals import (
    attachments,
    draft_pages,
    editing,
    editor_page,
    invitation_page,
    list_page,
    operations,
    queries,
)
from fund.proposals.access import can_view, seen_by
from fund.proposals.budget import Line, by_year, programme_years, summarise
from fund.proposals.checks import submission_problems, submission_state
from fund.proposals.concept_note_page import render_note
from fund.proposals.conversion import changes_since_concept_note, compare_totals, snapshot_budget
from fund.proposals.draft_pages import page_url, stale_message
from fund.proposals.forms import ActionForm, NewProposalForm, ProposalForm, upload_form
from fund.proposals.models import (
    MARKER_LABELS,
    Attachment,
    AttachmentKind,
    Proposal,
    ProposalVersion,
    Scope,
)
from fund.proposals.page import PAGE
from fund.proposals.presentation import VersionText, reference_names, shown_changes
from fund.proposals.results_check import results_warnings
from fund.proposals.results_queries import results_section
from fund.proposals.snapshots import SNAPSHOT_LABELS, diff_snapshots, unchanged_since
from fund.query_args import id_arg
from fund.sentences import LONG_LIST_SEPARATOR, listed
from workflows import FUNDING_STATES, PROPOSAL_WORKFLOW
from workflows.proposal import GUARD_CONDITIONS

bp = Blueprint("proposals", __name__)

STALE_MESSAGE = stale_message("proposal")
# A call offered to a new proposal, by whether it takes concept notes first.
CALL_CHOICE = {
    False: N_("%(title)s (closes %(day)s)"),
    True: N_("%(title)s (concept notes first, closes %(day)s)"),
}


def _visible_proposal(proposal_id: int) -> Proposal:
    """The proposal, or 404 for anyone who may not see it (its existence is not revealed)."""
    return seen_by(current_user, queries.load_proposal(proposal_id))


def _rules():
    return operations.rules_from_config(current_app.config)


def _budget_summary(proposal: Proposal):
    return summarise(
        (
            Line(b.organization_id, b.objective_number, b.category_code, b.amount, b.year)
            for b in proposal.budget_lines
        ),
        _rules().indirect_rate,
    )


# Steps taken on their own pages, where the records they need are kept.
ACTIONS_ELSEWHERE = frozenset({"approve", "reject", "fund", "close"})


def _related_pages(proposal: Proposal) -> list[tuple[str, str]]:
    """Links to the pages where the next steps of this proposal happen (funding its own)."""
    funding = url_for("finance.proposal", proposal_id=proposal.id), N_("Funding and disbursements")
    own = current_user.has_role(Role.SECRETARIAT) and proposal.status in FUNDING_STATES
    return draft_pages.related_pages(proposal, [funding] if own else [])


def _render(proposal: Proposal, form: ActionForm | None = None, error=None, status=200):
    if proposal.is_concept_note:
        return render_note(proposal, form, error, status)
    editable = draft_pages.editable(proposal)
    summary = _budget_summary(proposal)
    events = timeline("proposal", proposal.id)
    actions = [
        rule
        for rule in operations.allowed_actions(proposal, current_user)
        if rule.trigger not in ACTIONS_ELSEWHERE
    ]
    return render_template(
        "proposals/detail.html",
        proposal=proposal,
        actions=actions,
        related=_related_pages(proposal),
        events=events,
        revision_request=draft_pages.revision_request(proposal, events),
        sees_committee_notes=PAGE.reads_committee_notes(current_user, proposal),
        unchanged=unchanged_since(proposal, _rules().indirect_rate) if editable else None,
        form=form or ActionForm(version=proposal.version),
        error=error,
        workflow=PROPOSAL_WORKFLOW,
        editable=editable,
        problems=submission_problems(
            proposal, operations.rules_from_config(current_app.config, utcnow().date())
        )
        if editable
        else [],
        warnings=results_warnings(proposal) if editable else [],
        window=submission_state(proposal, utcnow().date()) if editable else None,
        budget=summary,
        budget_by_year=by_year(summary, programme_years(proposal.duration_months)),
        page_sections=PAGE.sections(current_user, proposal),
        names=queries.organization_names(set(summary.by_organization)),
        versions=queries.versions(proposal.id),
        scope_labels=Scope.labels(),
        marker_labels=MARKER_LABELS,
        kind_labels=AttachmentKind.labels(),
        upload_form=upload_form(proposal) if editable else None,
        results=results_section(proposal),
        # A full proposal made from a concept note: the note and the budget against its total.
        origin=invitation_page.origin(
            current_user, proposal, summary.grand_total if proposal.budget_lines else None
        ),
    ), status


@bp.route("/proposals")
@roles_required(*PROPOSAL_READERS)
def index():
    """The proposals the user may see: filters, order, full-text search, export."""
    return list_page.render()


@bp.route("/proposals/new", methods=["GET", "POST"])
@roles_required(Role.APPLICANT)
def new():
    form = NewProposalForm()
    calls = queries.open_calls(utcnow().date())
    form.call_id.choices = options(
        (c.id, _(CALL_CHOICE[c.takes_concept_notes], title=c.title, day=written(c.closes_on)))
        for c in calls
    )
    if request.method == "GET" and (chosen := id_arg("call")):
        form.call_id.data = chosen
    if current_user.organization_id is None:
        abort(403)
    once = idempotency.once("proposal", current_user)
    if form.validate_on_submit():
        once.claim()
        # A concept-note-first call takes concept notes: its "new" makes one.
        proposal = operations.create_draft(
            current_user, call_id=form.call_id.data, title=form.title.data
        )
        edit_url = (
            url_for("concept_notes.edit", note_id=proposal.id)
            if proposal.is_concept_note
            else url_for("proposals.edit", proposal_id=proposal.id)
        )
        made = (
            N_("The concept note “%(title)s” (%(reference)s)")
            if proposal.is_concept_note
            else N_("The draft “%(title)s” (%(reference)s)")
        )
        once.done(edit_url, _(made, title=proposal.title, reference=proposal.reference))
        db.session.commit()
        if proposal.is_concept_note:
            created = _(
                "Concept note created. Fill it in at your own pace: save as often as you like."
            )
        else:
            created = _("Draft created. Fill it in at your own pace: save as often as you like.")
        flash(created, "success")
        return redirect(edit_url)
    status = 400 if form.is_submitted() else 200
    return render_template("proposals/new.html", form=form, calls=calls), status


@bp.route("/proposals/<int:proposal_id>/edit", methods=["GET", "POST"])
@roles_required(Role.APPLICANT)
def edit(proposal_id: int):
    proposal = _visible_proposal(proposal_id)
    if proposal.is_concept_note:
        return redirect(url_for("concept_notes.edit", note_id=proposal.id))
    if refused := draft_pages.edit_refusal(proposal):
        return refused
    form = ProposalForm()
    rows = request.args.get("rows", type=int)
    titles = draft_pages.prepare_form(
        form, lambda: editing.fill_form(form, proposal, blank_rows=rows), editing.set_choices
    )
    saved, status, message = draft_pages.save_form(
        form,
        proposal,
        lambda: operations.save_draft(proposal, current_user, editing.values_from_form(form)),
    )
    if saved:
        if form.add_rows.data:
            # The saved lines come back, with the blank rows there were and more.
            blank = editing.blank_budget_rows(form) + editing.EXTRA_BUDGET_ROWS
            return redirect(
                url_for("proposals.edit", proposal_id=proposal.id, rows=blank, _anchor="budget")
            )
        # Back to the editor, at the section whose Save was pressed.
        anchor = editor_page.saved_anchor()
        return redirect(url_for("proposals.edit", proposal_id=proposal.id, _anchor=anchor))
    if (
        form.is_submitted()
        and form.add_rows.data
        and editing.blank_budget_rows(form) < editing.MAX_BLANK_BUDGET_ROWS
    ):
        editing.add_budget_rows(form)  # nothing was saved; what was typed stays, with more rows
    # Refused, the fields hold what was typed: the script totals them, not the saved lines.
    return editor_page.render_editor(
        proposal, form, titles, message=message, status=status, typed=form.is_submitted()
    )


def _from_editor(proposal: Proposal) -> bool:
    """Whether an attachment's form came from the editor (and the draft is still editable)."""
    return request.form.get("back") == "editor" and draft_pages.editable(proposal)


def _attachments_url(proposal: Proposal, from_editor: bool) -> str:
    if from_editor:
        return url_for("proposals.edit", proposal_id=proposal.id, _anchor="attachments")
    return page_url(proposal, _anchor="attachments")


def _attachment_refused(
    proposal_id: int, from_editor: bool, error: str, upload=None, field: str | None = None
):
    """The page the attachment's form came from, with the reason nothing changed (400); in the
    editor the reason links to the upload form's `field` (the file when none is named)."""
    proposal = _visible_proposal(proposal_id)
    if not (from_editor and draft_pages.editable(proposal)):
        return _render(proposal, error=error, status=400)
    form = ProposalForm(formdata=None)
    editing.fill_form(form, proposal)
    editing.set_choices(form)
    titles = editing.principle_titles()
    return editor_page.render_editor(
        proposal,
        form,
        titles,
        status=400,
        upload=upload,
        upload_error=error,
        upload_field=f"upload-{field or 'file'}",
    )


@bp.route("/proposals/<int:proposal_id>/attachments", methods=["POST"])
@roles_required(Role.APPLICANT)
def upload(proposal_id: int):
    proposal = _visible_proposal(proposal_id)
    form = upload_form(proposal)
    once = idempotency.once(f"attachment.{proposal_id}", current_user)
    from_editor = _from_editor(proposal)
    if not form.validate_on_submit():
        errors = [str(e) for field in form for e in field.errors]  # lazy messages made text
        wrong = [f.short_name for f in (form.kind, form.country_iso2, form.file) if f.errors]
        return _attachment_refused(
            proposal_id,
            from_editor,
            listed(errors, LONG_LIST_SEPARATOR) or _("Choose a file."),
            upload=form,
            field=wrong[0] if wrong else None,
        )
    file = form.file.data
    try:
        once.claim()
        attachments.add_attachment(
            proposal,
            current_user,
            filename=file.filename or "",
            data=file.read(current_app.config["UPLOAD_MAX_BYTES"] + 1),
            kind=form.kind.data,
            country_iso2=form.country_iso2.data or None,
            allowed_types=current_app.config["UPLOAD_ALLOWED_TYPES"],
            max_bytes=current_app.config["UPLOAD_MAX_BYTES"],
            now=utcnow(),
        )
        once.done(
            _attachments_url(proposal, from_editor),
            _("The attachment %(filename)s", filename=file.filename),
        )
        db.session.commit()
    except attachments.UploadRefused as refused:
        db.session.rollback()
        return _attachment_refused(proposal_id, from_editor, refused.said(), field=refused.field)
    flash(_("%(file)s attached.", file=file.filename), "success")
    return redirect(_attachments_url(proposal, from_editor))


def _attachment(proposal: Proposal, attachment_id: int) -> Attachment:
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.proposal_id != proposal.id:
        abort(404)
    return attachment


@bp.route("/proposals/<int:proposal_id>/attachments/<int:attachment_id>")
@roles_required(*PROPOSAL_READERS)
def download(proposal_id: int, attachment_id: int):
    attachment = _attachment(_visible_proposal(proposal_id), attachment_id)
    return web.send_stored(attachment)


@bp.route("/proposals/<int:proposal_id>/attachments/<int:attachment_id>/delete", methods=["POST"])
@roles_required(Role.APPLICANT)
def remove_attachment(proposal_id: int, attachment_id: int):
    proposal = _visible_proposal(proposal_id)
    attachment = _attachment(proposal, attachment_id)
    from_editor = _from_editor(proposal)
    try:
        attachments.remove_attachment(proposal, attachment, current_user, utcnow())
        db.session.commit()
    except attachments.UploadRefused as refused:
        db.session.rollback()
        return _attachment_refused(proposal_id, from_editor, refused.said())
    flash(_("%(file)s removed.", file=attachment.filename), "success")
    return redirect(_attachments_url(proposal, from_editor))


@bp.route("/proposals/<int:proposal_id>/versions/<int:number>")
@roles_required(*PROPOSAL_READERS)
def version(proposal_id: int, number: int):
    proposal = _visible_proposal(proposal_id)
    stored = db.session.scalar(
        db.select(ProposalVersion).where(
            ProposalVersion.proposal_id == proposal.id, ProposalVersion.number == number
        )
    )
    if stored is None:
        abort(404)
    previous = db.session.scalar(
        db.select(ProposalVersion).where(
            ProposalVersion.proposal_id == proposal.id, ProposalVersion.number == number - 1
        )
    )
    names = reference_names()
    changes = (
        shown_changes(
            diff_snapshots(previous.snapshot, stored.snapshot),
            previous.snapshot,
            stored.snapshot,
            names,
        )
        if previous
        else None
    )
    text = VersionText(stored.snapshot, names)
    if proposal.is_concept_note:
        return render_template(
            "proposals/concept_note_version.html",
            note=proposal,
            version=stored,
            snap=stored.snapshot,
            changes=changes,
            text=text,
            labels=SNAPSHOT_LABELS,
        )
    # A full proposal made from a concept note: what changed since the note, and the budget
    # against its indicative total.
    note = proposal.concept_note
    return render_template(
        "proposals/version.html",
        concept_note=note,
        since_note=changes_since_concept_note(note, stored.snapshot) if note else None,
        comparison=compare_totals(note, snapshot_budget(stored.snapshot)) if note else None,
        proposal=proposal,
        version=stored,
        snap=stored.snapshot,
        changes=changes,
        text=text,
        budget=text.budget(),
        attachment_rows=text.attachments(proposal.attachments),
        may_download=_may_download(proposal),
        labels=SNAPSHOT_LABELS,
        other_parts=sorted(set(stored.snapshot) - set(SNAPSHOT_LABELS)),
    )


def _may_download(proposal: Proposal) -> bool:
    """Whether the viewer may download the proposal's attachments (the download route's rule)."""
    access = access_of(current_app, "proposals.download")
    return (
        access is not None
        and (access.public or not access.roles or current_user.has_role(*access.roles))
        and can_view(current_user, proposal)
    )


@bp.route("/proposals/<int:proposal_id>")
@roles_required(*PROPOSAL_READERS)
def detail(proposal_id: int):
    proposal = _visible_proposal(proposal_id)
    if proposal.is_concept_note:
        return redirect(page_url(proposal))
    return _render(proposal)


@bp.route("/proposals/<int:proposal_id>/actions", methods=["POST"])
@roles_required(*PROPOSAL_READERS)
def act(proposal_id: int):
    return draft_pages.act(proposal_id, _visible_proposal, _render, stale=STALE_MESSAGE)


@bp.route("/proposals/<int:proposal_id>/withdraw", methods=["GET", "POST"])
@roles_required(Role.APPLICANT)
def withdraw(proposal_id: int):
    """The confirmation step of a withdrawal: the reason, then the withdrawal itself (the
    workflow action); a reason left blank is asked for again at its field."""
    proposal = _visible_proposal(proposal_id)
    if not any(r.trigger == "withdraw" for r in operations.allowed_actions(proposal, current_user)):
        if proposal.is_concept_note:
            flash(_("This concept note cannot be withdrawn now."), "error")
        else:
            flash(_("This proposal cannot be withdrawn now."), "error")
        return redirect(page_url(proposal))
    reason = request.form.get("comment", "")
    missing = request.method == "POST" and not reason.strip()
    if request.method == "POST" and not missing:
        return draft_pages.act(proposal_id, _visible_proposal, _render, stale=STALE_MESSAGE)
    return render_template(
        "proposals/withdraw.html",
        proposal=proposal,
        noun=draft_pages.noun(proposal),
        reason=reason,
        missing=missing,
        form=ActionForm(version=proposal.version),
    ), (400 if missing else 200)


# Who sees the workflow's technical view (the actions' and guards' code names, the diagram's
# source that `flask fund diagram` prints for the README): those who run and maintain the
# workflow. Everybody else reads it in words only.
WORKFLOW_TECHNICAL_ROLES = (Role.SECRETARIAT, Role.ADMIN)


@bp.route("/workflow")
@public
def workflow():
    technical = current_user.is_authenticated and current_user.has_role(*WORKFLOW_TECHNICAL_ROLES)
    return render_template(
        "proposals/workflow.html",
        workflow=PROPOSAL_WORKFLOW,
        conditions=GUARD_CONDITIONS,
        # Each state with the states its steps lead to, in the table's order: the diagram read
        # as a list.
        following={
            state: list(
                dict.fromkeys(r.dest for r in PROPOSAL_WORKFLOW.rules if state in r.sources)
            )
            for state in PROPOSAL_WORKFLOW.states
        },
        technical=technical,
        mermaid=operations.ENGINE.mermaid() if technical else None,
    )

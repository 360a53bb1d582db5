"""What the pages of a proposal and of a concept note share: the page's address, who may edit
it, the links to the next steps, the request for revision, the edit form's save and the
workflow actions."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm.exc import StaleDataError

from fund.accounts.models import Role
from fund.extensions import db
from fund.labels import N_
from fund.proposals import invitation_page, operations
from fund.proposals.editing import ensure_principle_rows, principle_titles
from fund.proposals.forms import ActionForm, DraftForm
from fund.proposals.models import Proposal
from fund.proposals.page import PAGE
from workflows import REVIEW_STATE, SCREENING_STATES, TransitionRefused
from workflows.proposal import RETURNED_STATE

UNREADABLE_FORM = _l("Some of what you typed cannot be saved yet; see the marked fields.")
UNREADABLE_ACTION = _l("The action could not be read. Please try again.")
# What a proposal's page says of an action sent from it after someone else acted on the proposal.
STALE_ACTION = _l(
    "This proposal changed since you opened the page (someone else acted on it). "
    "Review its current state below, then try again."
)

# Renders the page of a proposal or concept note: (row, action form, error, status).
Render = Callable[[Proposal, ActionForm | None, Any, int], Any]


def noun(proposal: Proposal) -> str:
    return "concept note" if proposal.is_concept_note else "proposal"


# What a page says when the proposal or concept note changed meanwhile, by its noun.
STALE_MESSAGES = {
    "proposal": _l(
        "This proposal changed since you opened it (someone else saved or acted on it). Nothing "
        "of yours was saved; your input is kept below. Review it, then try again."
    ),
    "concept note": _l(
        "This concept note changed since you opened it (someone else saved or acted on it). "
        "Nothing of yours was saved; your input is kept below. Review it, then try again."
    ),
}


def stale_message(what: str) -> str:
    """What a page says when the proposal or concept note (`what`) changed meanwhile."""
    return STALE_MESSAGES.get(what) or (
        f"This {what} changed since you opened it (someone else saved or acted on "
        "it). Nothing of yours was saved; your input is kept below. Review it, then try again."
    )


def page_url(proposal: Proposal, **values) -> str:
    """The page of a proposal, or of a concept note."""
    if proposal.is_concept_note:
        return url_for("concept_notes.detail", note_id=proposal.id, **values)
    return url_for("proposals.detail", proposal_id=proposal.id, **values)


def editable(proposal: Proposal) -> bool:
    """Whether the viewer may edit the draft now: an applicant whom the edit's own rule
    (`operations.refusal_to_edit`) lets edit it."""
    return (
        current_user.has_role(Role.APPLICANT)
        and operations.refusal_to_edit(proposal, current_user) is None
    )


def related_pages(
    proposal: Proposal, own: Collection[tuple[str, str]] = ()
) -> list[tuple[str, str]]:
    """Links to the pages where the next steps happen: the results framework's editor (for
    whoever may edit the draft), screening, the committee's review, the kind's `own` links,
    then those the later steps' packages add (the invitation, the committee's decision:
    `fund.proposals.page`)."""
    links = []
    user = current_user
    if editable(proposal):
        links.append(
            (url_for("results_editor.edit", proposal_id=proposal.id), N_("Results framework"))
        )
    if user.has_role(Role.SECRETARIAT) and proposal.status in SCREENING_STATES:
        links.append(
            (url_for("screening.checklist", proposal_id=proposal.id), N_("Screening checklist"))
        )
    if proposal.status == REVIEW_STATE and user.has_role(Role.SECRETARIAT, Role.COMMITTEE):
        links.append((url_for("committee.review", proposal_id=proposal.id), N_("Committee review")))
    return links + list(own) + invitation_page.links(user, proposal) + PAGE.links(user, proposal)


def revision_request(proposal: Proposal, events):
    """The event that returned the draft for revision, while that request is unanswered."""
    if proposal.status != RETURNED_STATE:
        return None
    returns = [e for e in events if e.action == "return_for_revision"]
    return returns[-1] if returns else None


def edit_refusal(proposal: Proposal):
    """A redirect to the page, with the reason, when the viewer may not edit the draft now."""
    try:
        operations.check_editable(proposal, current_user)
    except operations.EditRefused as refused:
        flash(refused.said(), "error")
        return redirect(page_url(proposal))
    return None


def prepare_form(
    form: DraftForm, fill: Callable[[], None], set_choices: Callable[[Any], None]
) -> dict[str, str]:
    """The stored draft in the form on a GET (`fill`), what was posted otherwise, with a row
    per guiding principle and the selects' choices; returns the principles' titles."""
    titles = principle_titles()
    if request.method == "GET":
        fill()
    else:
        ensure_principle_rows(form, titles)
    set_choices(form)
    return titles


def save_form(
    form: FlaskForm, proposal: Proposal, save: Callable[[], Any]
) -> tuple[bool, int, str | None]:
    """Check a posted edit form and `save` it: (saved, status, message). Nothing posted is
    (False, 200, None); a draft changed by someone else since the form was opened is 409."""
    if not form.is_submitted():
        return False, 200, None
    if not form.validate():
        return False, 400, UNREADABLE_FORM
    if form.version.data != str(proposal.version):
        return False, 409, stale_message(noun(proposal))
    try:
        save()
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return False, 409, stale_message(noun(proposal))
    except operations.EditRefused as refused:
        db.session.rollback()
        return False, 400, refused.said()
    flash(_("Draft saved."), "success")
    return True, 302, None


def act(
    proposal_id: int,
    load: Callable[[int], Proposal],
    render: Render,
    *,
    stale: str,
    elsewhere: Collection[str] = (),
):
    """Fire the posted workflow action on the proposal or concept note `load` finds, and go
    back to its page; refused, the page again with the reason (409 and `stale` when it changed
    since it was shown)."""
    proposal = load(proposal_id)
    form = ActionForm()
    if not form.validate_on_submit():
        return render(proposal, form, UNREADABLE_ACTION, 400)
    if form.version.data != proposal.version:
        return _stale(proposal_id, load, render, form, stale)
    if form.trigger.data in elsewhere:
        return render(proposal, form, _("This step is taken on its own page."), 400)
    try:
        operations.fire(proposal, form.trigger.data, current_user, comment=form.comment.data)
        db.session.commit()
    except TransitionRefused as refused:
        db.session.rollback()
        return render(load(proposal_id), form, refused, 400)
    except StaleDataError:  # another request changed it between our read and our write
        db.session.rollback()
        return _stale(proposal_id, load, render, form, stale)
    status = _(proposal.status_label)
    if proposal.is_concept_note:
        done = _("Done: the concept note is now “%(status)s”.", status=status)
    else:
        done = _("Done: the proposal is now “%(status)s”.", status=status)
    step = proposal.next_step
    flash(f"{done} {_(step)}" if step else done, "success")
    return redirect(page_url(proposal))


def _stale(
    proposal_id: int,
    load: Callable[[int], Proposal],
    render: Render,
    form: ActionForm,
    message: str,
):
    proposal = load(proposal_id)
    form = ActionForm(version=proposal.version, comment=form.comment.data)
    return render(proposal, form, message, 409)

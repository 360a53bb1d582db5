"""The results framework's editor: the applicant's page for the outcomes, outputs and indicators
of a draft proposal or concept note (its own blueprint)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from fund.access import roles_required
from fund.accounts.models import Role
from fund.extensions import db
from fund.proposals import draft_pages
from fund.proposals.access import seen_by
from fund.proposals.models import Proposal
from fund.proposals.operations import EditRefused
from fund.proposals.results import ResultIndicator, ResultOutcome
from fund.proposals.results_choices import load_choices, set_choices
from fund.proposals.results_editing import StaleFramework, save_framework
from fund.proposals.results_forms import (
    ResultsForm,
    add_row,
    error_list,
    stored_data,
)
from fund.web import submit, unreadable

bp = Blueprint("results_editor", __name__)

# The proposal with what the editor reads: its organizations, countries, objectives and the
# framework (a fixed number of statements whatever its size).
_EDITOR = (
    selectinload(Proposal.participants),
    selectinload(Proposal.countries),
    selectinload(Proposal.secondary_objectives),
    selectinload(Proposal.outcomes).options(
        selectinload(ResultOutcome.objectives),
        selectinload(ResultOutcome.sdg_targets),
        selectinload(ResultOutcome.outputs),
        selectinload(ResultOutcome.indicators).selectinload(ResultIndicator.targets),
    ),
)


def _load(proposal_id: int) -> Proposal:
    """The draft, or 404 for anyone who may not see it (its existence is not revealed)."""
    return seen_by(
        current_user,
        db.session.scalar(select(Proposal).where(Proposal.id == proposal_id).options(*_EDITOR)),
    )


@bp.route("/proposals/<int:proposal_id>/results", methods=["GET", "POST"])
@roles_required(Role.APPLICANT)
def edit(proposal_id: int):
    proposal = _load(proposal_id)
    if refused := draft_pages.edit_refusal(proposal):
        return refused
    choices = load_choices(proposal)
    if request.method == "GET":
        form = ResultsForm(data=stored_data(proposal, choices.years))
        add_row(form, request.args.get("add"), choices.years)
    else:
        form = ResultsForm()
    set_choices(form, choices)
    noun = draft_pages.noun(proposal)

    def page(message: str | None = None, status: int = 200):
        if status != 200 and (added := form.added()):
            # Nothing was saved; what was typed stays, with the row asked for.
            add_row(form, added, choices.years)
            set_choices(form, choices)
        return render_template(
            "proposals/results_edit.html",
            form=form,
            proposal=proposal,
            noun=noun,
            back=draft_pages.page_url(proposal),
            errors=error_list(form),
            message=message,
            choices=choices,
        ), status

    if not form.is_submitted():
        return page()

    def refusal(error: Exception) -> tuple[str, int]:
        if isinstance(error, (StaleFramework, StaleDataError)):
            return draft_pages.stale_message(noun), 409
        return error.said(), 400

    def done(_counts):
        flash(_("Results framework saved."), "success")
        if added := _saved_row(form):
            add, anchor = added
            return redirect(
                url_for("results_editor.edit", proposal_id=proposal.id, add=add, _anchor=anchor)
            )
        return redirect(draft_pages.page_url(proposal))

    return submit(
        form,
        lambda: save_framework(proposal, form.values(), current_user, form.version.data),
        done,
        refusals=(EditRefused, StaleFramework, StaleDataError),
        again=page,
        refusal=refusal,
        unread=lambda f: unreadable(f) or draft_pages.UNREADABLE_FORM,
    )


def _saved_row(form: ResultsForm) -> tuple[str, str] | None:
    """After a "Save and add" button: the row to add on the saved framework (its outcomes
    numbered as saved, blank ones gone) and where the page opens."""
    added = form.added()
    if added is None:
        return None
    kind, _, number = added.partition("-")
    kept = [n for n, row in enumerate(form.outcomes, start=1) if not row.form.dropped()]
    if kind == "outcome" or int(number) not in kept:
        return "outcome", f"outcome-{len(kept) + 1}"
    saved = kept.index(int(number)) + 1
    return f"{kind}-{saved}", f"outcome-{saved}-{kind}s"

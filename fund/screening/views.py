"""The secretariat's screening pages: the queue, a proposal's checklist, a call's criteria."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from fund import idempotency, web
from fund.access import roles_required
from fund.accounts.models import Role
from fund.calls.models import Call, Stage
from fund.extensions import db
from fund.forms import options
from fund.labels import N_
from fund.listing import Export, choice_arg, export_arg, export_response, sort_arg, text_arg
from fund.proposals import operations as proposal_operations
from fund.proposals.draft_pages import STALE_ACTION, UNREADABLE_ACTION
from fund.proposals.list_page import PROPOSAL_HEADER
from fund.proposals.models import Proposal, ProposalKind, state_label
from fund.query_args import id_arg, page_arg
from fund.screening import guards, operations, queries
from fund.screening.forms import (
    ActionForm,
    ChecklistForm,
    CriterionForm,
    CriterionSwitchForm,
    DefaultCriterionForm,
    VersionForm,
    checklist_form,
)
from fund.screening.models import CheckResult, ScreeningCriterion
from workflows import SCREENING_STATES, TransitionRefused
from workflows.proposal import SCREENING_STATE

bp = Blueprint("screening", __name__, url_prefix="/screening")

RESULT_CHOICES = [(r.value, r.label) for r in CheckResult]


def _proposal(proposal_id: int) -> Proposal:
    return db.get_or_404(Proposal, proposal_id)


def _named(proposal: Proposal) -> dict[str, str]:
    """The placeholders of a sentence about the proposal: its reference and its title."""
    return {"reference": proposal.reference, "title": proposal.title}


# The queue ------------------------------------------------------------------------------


def _page_number() -> int:
    """The `page` query parameter (1 when missing or unreadable)."""
    return page_arg()


def _filters() -> queries.QueueFilters:
    """The queue's filters in the query string (a value not offered is no filter)."""
    return queries.QueueFilters(
        kind=choice_arg("kind", ProposalKind.labels()),
        call_id=id_arg("call"),
        status=choice_arg("status", SCREENING_STATES),
        q=text_arg("q"),
    )


def _sorting():
    return sort_arg(queries.SORT_COLUMNS, *queries.DEFAULT_SORT)


QUEUE_EXPORT = Export(
    name="screening-queue",
    title="Screening queue",
    header=(
        *PROPOSAL_HEADER,
        "Submitted (UTC)",
        "Submission",
        "Status",
        "Waiting (days)",
    ),
    cells=lambda r: (
        r.reference,
        r.kind_label,
        r.title,
        r.organization,
        r.call_title,
        r.submitted_at,
        r.submission_number,
        r.status_label,
        r.waiting_days,
    ),
)


def _render_queue(error=None, status: int = 200):
    filters, sorting = _filters(), _sorting()
    return render_template(
        "screening/queue.html",
        queue=queries.screening_queue(
            page=_page_number(),
            per_page=queries.QUEUE_PAGE_SIZE,
            filters=filters,
            sorting=sorting,
        ),
        calls=queries.calls_with_criteria(),
        kind=filters.kind,
        filters=filters,
        sorting=sorting,
        view_args={**filters.args(), **sorting.args()},
        states={s: state_label(ProposalKind.PROPOSAL.value, s) for s in SCREENING_STATES},
        kind_labels=ProposalKind.labels(),
        error=error,
    ), status


@bp.route("/")
@roles_required(Role.SECRETARIAT)
def queue():
    """The queue, filtered and sorted as asked; or its rows as CSV or XLSX (every page)."""
    if fmt := export_arg():
        return export_response(fmt, QUEUE_EXPORT, queries.queue_export(_filters(), _sorting()))
    return _render_queue()


def _fire(proposal: Proposal, form, run, again, done):
    """A form that fires a transition of the proposal, with the version its page showed:
    `run()` fires it. `again(problem, status)` shows the page again with the unreadable
    form's sentence, the workflow's refusal, or STALE_ACTION (409) when the page was shown
    before the proposal changed or someone else's change came first."""
    return web.submit(
        form,
        run,
        done,
        refusals=(TransitionRefused, StaleDataError),
        again=again,
        lost_race=STALE_ACTION,
        unread=lambda form: UNREADABLE_ACTION,
        check=web.changed_since_shown(form, proposal, again, STALE_ACTION),
    )


@bp.route("/<int:proposal_id>/start", methods=["POST"])
@roles_required(Role.SECRETARIAT)
def start(proposal_id: int):
    proposal = _proposal(proposal_id)

    def run():
        proposal_operations.fire(proposal, "start_screening", current_user)
        operations.ensure_criteria(proposal.call)

    def done(fired):
        if proposal.is_concept_note:
            started = _(
                "Screening of concept note %(reference)s “%(title)s” started.", **_named(proposal)
            )
        else:
            started = _("Screening of %(reference)s “%(title)s” started.", **_named(proposal))
        flash(started, "success")
        return redirect(url_for("screening.checklist", proposal_id=proposal.id))

    return _fire(proposal, VersionForm(), run, _render_queue, done)


# The checklist --------------------------------------------------------------------------


def _render_checklist(
    proposal: Proposal,
    form: ChecklistForm | None = None,
    *,
    action: ActionForm | None = None,
    action_error: TransitionRefused | str | None = None,
    message: str | None = None,
    status: int = 200,
):
    sheet = queries.checklist(proposal)
    if form is None:
        form = checklist_form(
            [item.criterion for item in sheet.items],
            initial={item.criterion.id: (item.result, item.note) for item in sheet.items},
            version=proposal.version,
        )
    return render_template(
        "screening/checklist.html",
        proposal=proposal,
        sheet=sheet,
        form=form,
        action=action,
        action_error=action_error,
        action_problems=_problems(proposal, action_error),
        message=message,
        result_choices=RESULT_CHOICES,
        editable=proposal.status == SCREENING_STATE,
    ), status


# The screening gates, each saying what is missing in the page's language.
_GATES = {
    "screening_recorded": guards.recorded_problems,
    "screening_passed": guards.passed_problems,
}


def _problems(proposal: Proposal, refused: TransitionRefused | str | None) -> list[str] | None:
    """What a screening gate that refused an action found, in the page's language; None when
    the refusal is not one of the screening gates' (its own sentences are shown)."""
    if not isinstance(refused, TransitionRefused) or refused.reason != "guard":
        return None
    gates = [_GATES.get(name) for name in refused.failed_guards]
    if not gates or None in gates:
        return None
    return [problem for gate in gates for problem in gate(proposal, _)] or None


@bp.route("/<int:proposal_id>", methods=["GET", "POST"])
@roles_required(Role.SECRETARIAT)
def checklist(proposal_id: int):
    proposal = _proposal(proposal_id)
    criteria = operations.criteria_for(proposal)
    db.session.commit()  # the call's default criteria, created on first use
    criteria = [c for c in criteria if c.active]
    if request.method != "POST":
        return _render_checklist(proposal)

    form = checklist_form(criteria)
    if not form.validate_on_submit():
        return _render_checklist(proposal, form, status=400)
    if form.version.data != proposal.version:
        return _render_checklist(proposal, form, message=STALE_ACTION, status=409)
    for criterion in criteria:
        result, note = form.result_field(criterion), form.note_field(criterion)
        if not result.data and (note.data or "").strip():
            result.errors.append(_("Choose pass, fail or not applicable."))
    if any(form.result_field(c).errors for c in criteria):
        return _render_checklist(proposal, form, status=400)
    try:
        changed = operations.record_checks(proposal, current_user, form.results())
        db.session.commit()
    except operations.ScreeningError as error:
        db.session.rollback()
        for criterion_id, problem in error.errors.items():
            form[f"note_{criterion_id}"].errors.append(_(problem))
        if not error.errors:
            form.form_errors.append(error.said())
        return _render_checklist(_proposal(proposal_id), form, status=400)
    if changed:
        saved = ngettext(
            "Saved %(num)s check for submission %(submission)s.",
            "Saved %(num)s checks for submission %(submission)s.",
            len(changed),
            submission=proposal.submission_number,
        )
        flash(saved, "success")
    else:
        flash(_("Nothing changed: the checks were already recorded as shown."), "info")
    return redirect(url_for("screening.checklist", proposal_id=proposal.id))


def _done_message(proposal: Proposal, trigger: str) -> str:
    body = _(current_app.config["DECISION_BODY_NAME"])
    named = _named(proposal)
    if proposal.is_concept_note:
        return {
            "forward_to_committee": _(
                "Concept note %(reference)s “%(title)s” was forwarded to the %(body)s.",
                body=body,
                **named,
            ),
            "return_for_revision": _(
                "Concept note %(reference)s “%(title)s” was returned to the applicant for "
                "revision.",
                **named,
            ),
            "declare_ineligible": _(
                "Concept note %(reference)s “%(title)s” was declared ineligible.", **named
            ),
        }[trigger]
    return {
        "forward_to_committee": _(
            "%(reference)s “%(title)s” was forwarded to the %(body)s.", body=body, **named
        ),
        "return_for_revision": _(
            "%(reference)s “%(title)s” was returned to the applicant for revision.", **named
        ),
        "declare_ineligible": _("%(reference)s “%(title)s” was declared ineligible.", **named),
    }[trigger]


@bp.route("/<int:proposal_id>/actions", methods=["POST"])
@roles_required(Role.SECRETARIAT)
def act(proposal_id: int):
    proposal = _proposal(proposal_id)
    form = ActionForm()
    trigger = form.trigger.data

    def again(problem, status: int):
        shown = _proposal(proposal_id)
        if status == 409:
            return _render_checklist(shown, action=form, message=problem, status=status)
        return _render_checklist(shown, action=form, action_error=problem, status=status)

    def done(fired):
        flash(_done_message(proposal, trigger), "success")
        return redirect(url_for("screening.queue"))

    return _fire(
        proposal,
        form,
        lambda: proposal_operations.fire(
            proposal, trigger, current_user, comment=form.comment.data
        ),
        again,
        done,
    )


# A call's criteria ----------------------------------------------------------------------


def _render_criteria(call: Call, form: CriterionForm, error: str | None = None, status=200):
    criteria = operations.ensure_criteria(call, stage=operations.ALL_STAGES)
    stages = operations.call_stages(call)
    return render_template(
        "screening/criteria.html",
        call=call,
        criteria=criteria,
        by_stage=[(stage, [c for c in criteria if c.stage == stage]) for stage in stages],
        stage_labels=STAGE_LABELS,
        counts=queries.check_counts(call.id),
        missing=operations.missing_defaults(call),
        form=_with_stages(form, stages),
        error=error,
    ), status


STAGE_LABELS = {
    Stage.CONCEPT_NOTE.value: N_("Concept notes"),
    Stage.FULL_PROPOSAL.value: N_("Full proposals"),
}


def _with_stages(form: CriterionForm, stages: tuple[str, ...]) -> CriterionForm:
    form.stage.choices = options((stage, _(STAGE_LABELS[stage])) for stage in stages)
    if not form.stage.data:
        form.stage.data = stages[-1]
    return form


def _switch_done(operation: str, label: str) -> str:
    return {
        "activate": _("Criterion “%(label)s” is active again: it must be checked.", label=label),
        "deactivate": _(
            "Criterion “%(label)s” is inactive: it is no longer required.", label=label
        ),
        "remove": _("Criterion “%(label)s” was removed.", label=label),
    }[operation]


@bp.route("/calls/<int:call_id>/criteria", methods=["GET", "POST"])
@roles_required(Role.SECRETARIAT)
def criteria(call_id: int):
    call = db.get_or_404(Call, call_id)
    operations.ensure_criteria(call)
    db.session.commit()
    form = CriterionForm()
    if not form.is_submitted():
        return _render_criteria(call, form)

    done = url_for("screening.criteria", call_id=call.id)
    switch = CriterionSwitchForm()
    if switch.criterion_id.raw_data:  # a button on one criterion
        form = CriterionForm(formdata=None)
        if not switch.validate_on_submit():
            return _render_criteria(call, form, _("The action could not be read."), 400)
        criterion = db.session.get(ScreeningCriterion, switch.criterion_id.data)
        if criterion is None or criterion.call_id != call.id:
            abort(404)
        label, operation = criterion.label, switch.operation.data
        try:
            if operation == "remove":
                operations.remove_criterion(criterion, current_user)
            else:
                operations.set_criterion_active(criterion, operation == "activate", current_user)
            db.session.commit()
        except operations.ScreeningError as error:
            db.session.rollback()
            return _render_criteria(call, form, error.said(), 400)
        flash(_switch_done(operation, label), "success")
        return redirect(done)

    default = DefaultCriterionForm()
    if default.default_code.raw_data:  # one of the fund's default criteria the call lacks
        return _add_default(call, default, done)

    once = idempotency.once(f"criterion.{call.id}", current_user)
    _with_stages(form, operations.call_stages(call))
    if not form.validate_on_submit():
        return _render_criteria(call, form, status=400)
    try:
        once.claim()
        criterion = operations.add_criterion(
            call, form.label.data, current_user, stage=form.stage.data
        )
        once.done(done, _("The criterion “%(label)s”", label=criterion.label))
        db.session.commit()
    except operations.ScreeningError as error:
        db.session.rollback()
        form.label.errors.append(error.said())
        return _render_criteria(call, form, status=400)
    flash(_("Criterion “%(label)s” added.", label=criterion.label), "success")
    return redirect(done)


def _add_default(call: Call, default: DefaultCriterionForm, done: str):
    form = CriterionForm(formdata=None)
    if not default.validate_on_submit():
        return _render_criteria(call, form, _("The action could not be read."), 400)
    try:
        criterion = operations.add_default_criterion(call, default.default_code.data, current_user)
        db.session.commit()
    except (operations.ScreeningError, IntegrityError) as error:
        db.session.rollback()
        message = (
            error.said()
            if isinstance(error, operations.ScreeningError)
            else _("Someone else added this criterion at the same moment.")
        )
        return _render_criteria(call, form, message, 400)
    flash(_("Criterion “%(label)s” added.", label=criterion.label), "success")
    return redirect(done)

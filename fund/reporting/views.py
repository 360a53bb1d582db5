"""The reports' pages: the secretariat's list (overdue first, then those submitted to review),
a programme's schedule, and a report's page, where the programme's staff fill and submit it
(each organization its own expenditure lines; the lead organization submits a financial report),
attach files to a narrative report, and the secretariat accepts or returns it with a comment, or
moves its due date. Every form carries a one-time key (`fund.idempotency`): sent twice, it does
one thing.

Who may use them: the secretariat, and the applicants of the programme's organization or of one
of its participating organizations (any other applicant is told the report does not exist); the
administrative agent and the committee read the reports (the agent the list too), and download
their attachments.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from fund import idempotency, web
from fund.access import roles_required
from fund.accounts.models import MONEY_READERS, REPORT_READERS, Role
from fund.extensions import db, utcnow
from fund.labels import N_
from fund.proposals.models import Proposal
from fund.refusals import place
from fund.reporting import attachments, operations, page, queries
from fund.reporting.models import ProgrammeReport, ReportAttachment
from fund.reporting.operations import ReportRefused
from fund.reporting.workflow import (
    ENGINE,
    missing_content,
    period_begun,
    reads_reports,
    reporting_organization,
    reports_for,
)
from fund.sentences import said
from workflows.report import REPORT_EDITABLE_STATES, REPORT_SUBMITTED

bp = Blueprint("reporting", __name__, url_prefix="/programme-reports")

STAFF = roles_required(Role.APPLICANT, Role.SECRETARIAT, Role.ADMINISTRATIVE_AGENT, Role.COMMITTEE)
LISTS = roles_required(*MONEY_READERS)
# The applicants' list: their own organization's programmes and reports.
OWN_LISTS = roles_required(*REPORT_READERS)
DECISION = N_("The decision on the report")
# The report's form sent by its "Submit the report" button, refused before anything changed.
NOT_SAVED = N_("Nothing was saved and the report is not submitted: correct what is marked below.")


def _may_see(proposal_id: int) -> bool:
    return reads_reports(current_user, proposal_id)


def _report(report_id: int) -> ProgrammeReport:
    report = db.session.get(ProgrammeReport, report_id)
    if report is None or not _may_see(report.proposal_id):
        abort(404)
    return report


@bp.get("/")
@OWN_LISTS
def index():
    today = utcnow().date()
    if not (
        current_user.has_role(Role.SECRETARIAT) or current_user.has_role(Role.ADMINISTRATIVE_AGENT)
    ):
        return _own_programmes(today)
    rows = queries.secretariat_list(today)
    return render_template(
        "reporting/index.html",
        overdue=[r for r in rows if r.overdue],
        submitted=[r for r in rows if r.status == REPORT_SUBMITTED],
        others=[r for r in rows if not r.overdue and r.status != REPORT_SUBMITTED],
    )


def _own_programmes(today: date):
    """An applicant's funded programmes (their organization owns them or has a share of
    them), with the reports they still owe."""
    organization_id = current_user.organization_id
    if organization_id is None:
        programmes, rows = [], []
    else:
        programmes = queries.organization_programmes(organization_id)
        rows = queries.organization_list(organization_id, today)
    return render_template("reporting/own.html", programmes=programmes, rows=rows)


@bp.get("/programme/<int:proposal_id>")
@STAFF
def programme(proposal_id: int):
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or not _may_see(proposal_id):
        abort(404)
    rows = queries.programme_schedule(proposal_id, utcnow().date())
    return render_template("reporting/programme.html", proposal=proposal, rows=rows)


def _render(
    content: page.ReportPage,
    message: str | None = None,
    status: int = 200,
    not_saved: bool = False,
):
    report = content.report
    today = utcnow().date()
    proposal = db.session.get(Proposal, report.proposal_id)
    # Offered to whom the workflow lets fire it: its roles, and for a submission who submits
    # (a financial report: the lead organization's staff). What the report still lacks is
    # said beside the button, not by hiding it.
    actions = {rule.trigger for rule in ENGINE.allowed(report, current_user)}
    if "submit" in actions and reporting_organization(report, current_user, {}):
        actions.discard("submit")
    return (
        render_template(
            "reporting/report.html",
            page=content,
            report=report,
            proposal=proposal,
            lead_name=content.organization_name(proposal.leading_organization_id),
            status=queries.display_status(report.status, report.due_on, today),
            status_labels=queries.STATUS_LABELS,
            editable=report.status in REPORT_EDITABLE_STATES
            and reports_for(current_user, report.proposal_id),
            actions=actions,
            due_date_movable=operations.due_date_movable(report),
            missing=missing_content(report, _),
            not_yet=[said(problem) for problem in period_begun(report)],
            message=message,
            not_saved=not_saved,
        ),
        status,
    )


def _refused(content: page.ReportPage, error: ReportRefused, field: str | None = None):
    """The report's page again after a refusal, as every page shows one (`refusals.place`):
    at the field it names (or `field`), else above the form."""
    return _render(content, place(content.errors, error, field), error.status)


def _typed(content: page.ReportPage) -> tuple[Callable[[], object], str]:
    """The content the form holds, read onto the page (what cannot be read is marked at its
    field), and the saving of it; with the sentence to show when something is marked."""
    found = content.report
    if found.is_narrative:
        actuals, narratives, risks = page.read_narrative(content, request.form)
        return (
            lambda: operations.save_narrative(current_user, found.id, actuals, narratives, risks),
            _("Correct the values marked below."),
        )
    lines = page.read_financial(content, request.form)
    return (
        lambda: operations.save_financial(current_user, found.id, lines),
        _("Correct the amounts marked below."),
    )


def _chosen_file():
    """The file the report's form sends (its "Attach the file" button, or any of its buttons
    with a file chosen), None without one."""
    file = request.files.get(attachments.FIELD)
    return file if file is not None and file.filename else None


def _mark_file(content: page.ReportPage, file, attaching: bool) -> None:
    """With other errors on the form, the file's own refusal (none chosen for "Attach the
    file", or a file a report does not take) marked at its field too, so that every refusal is
    shown at once; nothing is attached."""
    if not attaching:
        return
    try:
        if file is None:
            raise ReportRefused(_("Choose a file to attach."), attachments.FIELD)
        limit = current_app.config["UPLOAD_MAX_BYTES"]
        attachments.check_file(
            file.filename,
            file.read(limit + 1),
            current_app.config["UPLOAD_ALLOWED_TYPES"],
            limit,
        )
    except ReportRefused as error:
        place(content.errors, error, attachments.FIELD)


def _attach(report_id: int, file) -> ReportAttachment:
    """Attach the file sent to the report (refused at the file field: `ReportRefused`)."""
    if file is None:
        raise ReportRefused(_("Choose a file to attach."), attachments.FIELD)
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    return attachments.add_attachment(
        current_user,
        report_id,
        filename=file.filename,
        data=file.read(limit + 1),
        allowed_types=current_app.config["UPLOAD_ALLOWED_TYPES"],
        max_bytes=limit,
    )


def _as_typed(report_id: int, typed: page.ReportPage) -> page.ReportPage:
    """The report's page read again (after a rollback, or a commit), its fields as typed."""
    content = page.load(_report(report_id), current_user)
    content.values = typed.values
    return content


@bp.route("/<int:report_id>", methods=["GET", "POST"])
@STAFF
def report(report_id: int):
    """The report; a POST saves its content (the programme's staff, while it is due or
    returned), and attaches the file it sends with it ("Attach the file": `action=attach`),
    in one transaction. Bad input, or a file refused, is shown again as typed, with its
    errors, and nothing is saved or attached."""
    if request.method == "POST" and request.form.get("action") == "submit":
        # "Submit the report" sends this form here, so that a refused submission leaves the
        # person on the report's own address (a reload shows the page, not a 405).
        if not current_user.has_role(Role.APPLICANT):
            abort(403)
        return _submit(report_id)
    found = _report(report_id)
    content = page.load(found, current_user)
    if request.method == "GET":
        return _render(content)
    if not reports_for(current_user, found.proposal_id):
        abort(403)
    once = idempotency.once(f"report.{report_id}", current_user)
    save, correct = _typed(content)
    file = _chosen_file()
    attaching = file is not None or request.form.get("action") == "attach"
    if content.errors:
        _mark_file(content, file, attaching)
        return _render(content, correct, 400, not_saved=True)
    try:
        once.claim()
        save()
        attached = _attach(found.id, file) if attaching else None
        back = url_for(
            "reporting.report", report_id=report_id, _anchor="attachments" if attached else None
        )
        once.done(back, _("The report's content"))
        db.session.commit()
    except ReportRefused as error:
        db.session.rollback()
        shown = _as_typed(report_id, content)
        return _render(shown, place(shown.errors, error), error.status, not_saved=True)
    flash(_("The report is saved."), "success")
    if attached is not None:
        flash(_("%(filename)s attached.", filename=attached.filename), "success")
    return redirect(back)


BUTTONS = web.WorkflowButtons(
    endpoint="reporting.report",
    id_name="report_id",
    find=_report,
    fire=operations.fire,
    once=idempotency.once,
    refusals=ReportRefused,
    reload=lambda report_id: page.load(_report(report_id), current_user),
    refused=_refused,
)


SUBMITTED = N_("The report is submitted to the secretariat.")
SUBMISSION = N_("The report's submission")


@bp.post("/<int:report_id>/submit")
@roles_required(Role.APPLICANT)
def submit(report_id: int):
    """Submit the report (the report's own page does it too: `report`, its form sent with
    `action=submit`)."""
    return _submit(report_id)


def _submit(report_id: int):
    """Submit the report. Sent by the report's own form (its "Submit the report" button), it
    saves what the form holds, then submits, in one transaction: what cannot be read or saved
    is shown again as typed with its reasons, and nothing is saved or submitted; a report the
    workflow refuses to submit (something is missing) keeps what was saved, and the page says
    why it is not submitted, the fields as typed."""
    found = _report(report_id)
    content = page.load(found, current_user)
    if not page.holds_content(content, request.form):
        return BUTTONS.press(report_id, "submit", _(SUBMITTED), "report", SUBMISSION)
    if not reports_for(current_user, found.proposal_id):
        abort(403)
    once = idempotency.once(f"report.{report_id}", current_user)
    back = url_for("reporting.report", report_id=report_id)
    save, _correct = _typed(content)
    file = _chosen_file()
    if content.errors:
        _mark_file(content, file, file is not None)
        return _render(content, _(NOT_SAVED), 400, not_saved=True)
    try:
        once.claim()
        save()
        if file is not None:  # chosen, then "Submit the report" pressed: attached as well
            _attach(found.id, file)
    except ReportRefused as error:
        db.session.rollback()
        shown = _as_typed(report_id, content)
        message = place(shown.errors, error) or _(NOT_SAVED)
        return _render(shown, message, error.status, not_saved=True)
    try:
        operations.fire(current_user, found.id, "submit")
    except ReportRefused as refusal:
        # What was typed is kept: only the submission is refused.
        once.done(back, _("The report's content"))
        db.session.commit()
        said = _(
            "Your changes are saved, but the report is not submitted. %(reasons)s",
            reasons=refusal.said(),
        )
        return _render(_as_typed(report_id, content), said, refusal.status)
    once.done(back, _(SUBMISSION))
    db.session.commit()
    flash(_(SUBMITTED), "success")
    return redirect(back)


@bp.post("/<int:report_id>/decide")
@roles_required(Role.SECRETARIAT)
def decide(report_id: int):
    decision = request.form.get("decision")
    if decision == "accept":
        return BUTTONS.press(
            report_id, "accept", _("The report is accepted."), "report_decision", DECISION
        )
    if decision == "return":
        return BUTTONS.press(
            report_id,
            "return_for_changes",
            _("The report is returned."),
            "report_decision",
            DECISION,
        )
    abort(400)


@bp.post("/<int:report_id>/due-date")
@roles_required(Role.SECRETARIAT)
def due_date(report_id: int):
    found = _report(report_id)
    once = idempotency.once(f"report_due_date.{report_id}", current_user)
    typed = (request.form.get("due_on") or "").strip()[:20]
    reason = (request.form.get("reason") or "")[:2000]
    try:
        try:
            due_on = date.fromisoformat(typed)
        except ValueError:
            raise ReportRefused(
                _("“%(typed)s” is not a date: use YYYY-MM-DD.", typed=typed), "due_on"
            ) from None
        once.claim()
        operations.set_due_date(current_user, found.id, due_on, reason)
        once.done(url_for("reporting.report", report_id=report_id), _("The new due date"))
        db.session.commit()
    except ReportRefused as error:
        db.session.rollback()
        content = page.load(_report(report_id), current_user)
        content.values |= {"due_on": typed, "reason": reason}
        return _refused(content, error, "due_on")
    flash(_("The due date is changed."), "success")
    return redirect(url_for("reporting.report", report_id=report_id))


# Attachments (narrative reports) ----------------------------------------------------------------


def _attachments_page(report_id: int, error: ReportRefused):
    return _refused(page.load(_report(report_id), current_user), error, attachments.FIELD)


def _change_attachments(
    report_id: int,
    once: idempotency.Once,
    change: Callable[[], ReportAttachment],
    replayed: str,
    done: Callable[[str], str],
):
    """Make `change` (which claims `once`) to a report's attachments and commit it, back to
    the report's attachments; a refusal shows the report with the sentence at the file field.
    `replayed` names the change, with the attachment's `{filename}`; `done(filename)` says it
    was made."""
    back = url_for("reporting.report", report_id=report_id, _anchor="attachments")
    try:
        attachment = change()
        once.done(back, _(replayed, filename=attachment.filename))
        db.session.commit()
    except ReportRefused as error:
        db.session.rollback()
        return _attachments_page(report_id, error)
    flash(done(attachment.filename), "success")
    return redirect(back)


@bp.post("/<int:report_id>/attachments")
@roles_required(Role.APPLICANT)
def upload(report_id: int):
    """Attach a file to a narrative report (the programme's staff, while it is due or
    returned), for a client other than the report's page: the page attaches through the
    report's own form (`report`), so what was typed is saved with the file."""
    found = _report(report_id)
    once = idempotency.once(f"report_attachment.{report_id}", current_user)
    file = _chosen_file()

    def add() -> ReportAttachment:
        if file is None:
            raise ReportRefused(_("Choose a file to attach."), attachments.FIELD)
        once.claim()
        return _attach(found.id, file)

    return _change_attachments(
        report_id,
        once,
        add,
        N_("The attachment %(filename)s"),
        lambda filename: _("%(filename)s attached.", filename=filename),
    )


@bp.get("/<int:report_id>/attachments/<int:attachment_id>")
@STAFF
def download(report_id: int, attachment_id: int):
    """A report's attachment, for whoever reads the report."""
    found = _report(report_id)
    attachment = db.session.get(ReportAttachment, attachment_id)
    if attachment is None or attachment.report_id != found.id:
        abort(404)
    return web.send_stored(attachment)


@bp.post("/<int:report_id>/attachments/<int:attachment_id>/delete")
@roles_required(Role.APPLICANT)
def remove_attachment(report_id: int, attachment_id: int):
    """Remove an attachment (the programme's staff, while the report is due or returned)."""
    found = _report(report_id)
    once = idempotency.once(f"report_attachment_removal.{attachment_id}", current_user)

    def remove() -> ReportAttachment:
        once.claim()
        return attachments.remove_attachment(current_user, found.id, attachment_id)

    return _change_attachments(
        report_id,
        once,
        remove,
        N_("The removal of %(filename)s"),
        lambda filename: _("%(filename)s removed.", filename=filename),
    )

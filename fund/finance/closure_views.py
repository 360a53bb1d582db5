"""Pages of a programme's closure: the close page (the secretariat: each organization's final
expenditure, the final reports' status, the reason), a closed programme's money (final
expenditure, refunds due and received by organization and by pool) and the administrative
agent's list of refunds due, where each refund received is recorded."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from fund import idempotency, web
from fund.access import recent_login_required, roles_required
from fund.accounts.models import MONEY_READERS, Role
from fund.extensions import db, utcnow
from fund.finance import closure, closure_queries
from fund.finance.closure_forms import RefundForm, close_form_for, refund_prefix
from fund.finance.operations import FinanceError
from fund.i18n import money
from fund.money import typed_amount
from fund.proposals.models import Proposal
from workflows import TransitionRefused
from workflows.proposal import CLOSED_STATE, FUNDED_STATE

bp = Blueprint("closure", __name__, url_prefix="/finance")

STALE_MESSAGE = _l(
    "This programme changed since you opened the page (someone else acted on it). "
    "Review its current state below, then try again."
)


def _proposal(proposal_id: int) -> Proposal:
    return db.get_or_404(Proposal, proposal_id)


# Closing ----------------------------------------------------------------------------------


def _render_close(proposal: Proposal, page, form, error=None, status: int = 200):
    return render_template(
        "finance/close.html",
        proposal=proposal,
        page=page,
        blockers=closure.close_blockers(current_user, proposal) if page else [],
        form=form,
        error=error,
        today=utcnow().date(),
        expenditure_field=closure.expenditure_field,
    ), status


@bp.route("/proposals/<int:proposal_id>/close", methods=["GET", "POST"])
@roles_required(Role.SECRETARIAT)
@recent_login_required()
def close(proposal_id: int):
    """The close page of a funded programme; a closed one's page is its closure."""
    proposal = _proposal(proposal_id)
    if proposal.status == CLOSED_STATE:
        return redirect(url_for("closure.programme", proposal_id=proposal_id))
    page = closure_queries.close_page(proposal_id) if proposal.status == FUNDED_STATE else None
    shares = page.shares if page else []
    form = close_form_for(
        shares,
        lambda closed_on, reason: closure.close_problems(current_user, proposal, reason, closed_on),
    )
    if page is None:
        if form.is_submitted():
            abort(404)
        return _render_close(proposal, None, form)
    if not form.is_submitted():
        for share in shares:
            # As the page's language writes it, so that the form sent back as it is reads.
            form[closure.expenditure_field(share.organization_id)].data = typed_amount(
                share.reported
            )
        return _render_close(proposal, page, form)

    def again(error, status: int):
        fresh = _proposal(proposal_id)
        return _render_close(fresh, closure_queries.close_page(proposal_id), form, error, status)

    def run() -> str:
        done = closure.close_programme(
            current_user,
            proposal,
            form.final_expenditure,
            form.reason.data,
            form.closed_on.data,
        )
        released = money(done.released)
        return _(
            "%(reference)s is closed; %(amount)s unpaid went back to the pools.",
            reference=proposal.reference,
            amount=released,
        )

    return web.submit(
        form,
        run,
        web.told(url_for("closure.programme", proposal_id=proposal_id)),
        refusals=(TransitionRefused, FinanceError, StaleDataError),
        again=again,
        lost_race=STALE_MESSAGE,
        unread=lambda form: web.unreadable(form),
        check=_unchanged_since_shown(form, proposal, page, again),
    )


def _unchanged_since_shown(form, proposal: Proposal, page, again):
    """The page again (409) when the programme changed since the form was shown, or the open
    transfer requests that closing cancels are no longer those it listed (its hidden
    `cancels`)."""
    version = web.changed_since_shown(form, proposal, again, STALE_MESSAGE)

    def check():
        if (answer := version()) is not None:
            return answer
        shown = request.form.get("cancels")
        listed = ",".join(r.code for r in page.open_requests)
        return again(STALE_MESSAGE, 409) if shown is not None and shown != listed else None

    return check


# A closed programme -------------------------------------------------------------------------


@bp.route("/proposals/<int:proposal_id>/closure")
@roles_required(*MONEY_READERS)
def programme(proposal_id: int):
    proposal = _proposal(proposal_id)
    closed = closure_queries.closed_programme(proposal_id)
    if closed is None and proposal.status != CLOSED_STATE:
        abort(404)
    return render_template("finance/closure.html", proposal=proposal, closed=closed)


# Refunds ----------------------------------------------------------------------------------


def _render_refunds(forms: dict | None = None, error: str | None = None, status: int = 200):
    due = closure_queries.refunds_due()
    forms = forms or {}
    for row in due:
        key = (row.proposal_id, row.organization_id)
        if key not in forms:
            forms[key] = RefundForm(
                formdata=None, prefix=refund_prefix(row.proposal_id, row.organization_id)
            )
    return render_template(
        "finance/refunds.html",
        due=due,
        forms=forms,
        latest=closure_queries.latest_refunds(),
        can_record=current_user.has_role(Role.ADMINISTRATIVE_AGENT),
        error=error,
        today=utcnow().date(),
    ), status


@bp.route("/refunds")
@roles_required(*MONEY_READERS)
def refunds():
    """The refunds due (recorded by the administrative agent, read by the secretariat) and the
    latest refunds received."""
    return _render_refunds()


@bp.route("/refunds/<int:proposal_id>/organizations/<int:organization_id>", methods=["POST"])
@roles_required(Role.ADMINISTRATIVE_AGENT)
@recent_login_required()
def record_refund(proposal_id: int, organization_id: int):
    """The administrative agent records a refund received (the firewall: the secretariat
    records no money)."""
    proposal = _proposal(proposal_id)
    due = {(row.proposal_id, row.organization_id) for row in closure_queries.refunds_due()}
    if (proposal_id, organization_id) not in due:
        abort(404)
    form = RefundForm(prefix=refund_prefix(proposal_id, organization_id))
    once = idempotency.once(f"refund.{proposal_id}.{organization_id}", current_user)

    def run() -> str:
        once.claim()
        refund = closure.record_refund(
            current_user,
            proposal,
            organization_id,
            form.received_on.data,
            form.parsed_amount,
            form.reference.data or "",
        )
        amount = money(refund.amount)
        once.done(url_for("closure.refunds"), _("The refund of %(amount)s", amount=amount))
        organization = refund.organization
        return _(
            "Refund of %(amount)s from %(organization)s (%(reference)s) recorded.",
            amount=amount,
            organization=organization.label,
            reference=proposal.reference,
        )

    def again(error, status: int):
        return _render_refunds({(proposal_id, organization_id): form}, error, status)

    return web.submit(
        form,
        run,
        web.told(url_for("closure.refunds")),
        refusals=(FinanceError,),
        again=again,
        lost_race=STALE_MESSAGE,
        unread=lambda form: None if any(f.errors for f in form) else web.UNREADABLE_MESSAGE,
    )

"""Pages of the transfer requests: the secretariat requests a tranche for a funded programme's
organization (and cancels an open request); the administrative agent's list of open requests,
the oldest first, each with the form that records its transfer (`finance.disburse`)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from fund import idempotency, web
from fund.access import recent_login_required, roles_required
from fund.accounts.models import Role
from fund.extensions import db, utcnow
from fund.finance import tranche, transfers
from fund.finance.forms import DisbursementForm, disbursement_prefix
from fund.finance.models import Allocation
from fund.finance.operations import FinanceError
from fund.finance.queries import lists
from fund.finance.transfer_forms import CancelRequestForm, TransferRequestForm
from fund.finance.transfer_models import TransferRequest
from fund.finance.transfer_schedule import next_tranches
from fund.i18n import money
from fund.proposals.models import Proposal
from fund.refusals import show_on_form

bp = Blueprint("transfers", __name__, url_prefix="/finance")


def _funded(proposal_id: int):
    """The programme and its allocation (404 without one)."""
    proposal = db.get_or_404(Proposal, proposal_id)
    allocation = lists.allocation_for(proposal.id)
    if allocation is None:
        abort(404)
    return proposal, allocation


def _choices(form: TransferRequestForm, allocation) -> None:
    """The organizations a request may be for, as the request's rules say: something of the
    share still to transfer, and no request of theirs open (the page lists the open ones)."""
    waiting = transfers.organizations_with_open_requests(allocation.id)
    form.organization_id.choices = [(0, _("Choose the organization"))] + [
        (
            share.organization_id,
            _(
                "%(organization)s: %(amount)s still to transfer",
                organization=share.organization.display_name,
                amount=money(share.to_pay),
            ),
        )
        for share in allocation.shares
        if share.to_pay > 0 and share.organization_id not in waiting
    ]


def _render(proposal, allocation, form, *, refusal=None, status=200):
    requests = transfers.requests_for(allocation.id)
    return render_template(
        "finance/transfer_request.html",
        proposal=proposal,
        allocation=allocation,
        form=form,
        refusal=refusal,
        show_override=refusal is not None or bool(form.override_reason.data),
        required_share=tranche.required_share(current_app.config),
        transfer_requests=requests,
        cancel_form=CancelRequestForm(formdata=None),
        tranches={
            organization_id: found.number
            for organization_id, found in next_tranches(
                allocation.id, [share.organization_id for share in allocation.shares]
            ).items()
        },
    ), status


@bp.route("/proposals/<int:proposal_id>/transfer-requests", methods=["GET", "POST"])
@roles_required(Role.SECRETARIAT)
@recent_login_required()
def request_transfer(proposal_id: int):
    """The request form; a refusal by the tranche conditions names each failing one, and
    the form then asks for the reason to override them."""
    proposal, allocation = _funded(proposal_id)
    form = TransferRequestForm()
    _choices(form, allocation)
    if not form.is_submitted():
        return _render(proposal, allocation, form)
    once = idempotency.once(f"transfer-request.{proposal_id}", current_user)
    refused: list[transfers.TrancheRefused] = []

    def run():
        once.claim()
        request = transfers.request_transfer(
            current_user,
            allocation,
            form.organization_id.data,
            form.parsed_amount,
            form.override_reason.data,
        )
        once.done(
            url_for("transfers.request_transfer", proposal_id=proposal_id),
            _("Transfer request %(reference)s", reference=request.code),
        )
        return request

    def done(request: TransferRequest):
        organization = request.organization
        flash(
            _(
                "Transfer request %(reference)s recorded: %(amount)s to %(organization)s "
                "(tranche %(tranche)s). The administrative agent records the transfer.",
                reference=request.code,
                amount=money(request.amount),
                organization=organization.label,
                tranche=request.tranche,
            ),
            "success",
        )
        return redirect(url_for("finance.proposal", proposal_id=proposal_id))

    def refusal(error: FinanceError):
        if isinstance(error, transfers.TrancheRefused):
            refused.append(error)
            return None, 400
        return show_on_form(form, error), 400

    def again(message, status):
        if message is not None:
            form.form_errors.append(message)
        fresh, allocation_now = _funded(proposal_id)
        _choices(form, allocation_now)
        return _render(
            fresh, allocation_now, form, refusal=refused[0] if refused else None, status=status
        )

    return web.submit(
        form,
        run,
        done,
        refusals=(FinanceError,),
        again=again,
        refusal=refusal,
    )


@bp.route("/transfer-requests/<int:request_id>/cancel", methods=["POST"])
@roles_required(Role.SECRETARIAT)
@recent_login_required()
def cancel(request_id: int):
    request = db.get_or_404(TransferRequest, request_id)
    allocation_id = request.allocation_id
    proposal_id = db.session.get(Allocation, allocation_id).proposal_id
    form = CancelRequestForm()
    if form.validate_on_submit():
        try:
            transfers.cancel_request(current_user, request, form.reason.data)
            db.session.commit()
        except FinanceError as error:
            db.session.rollback()
            flash(error.said(), "error")
        else:
            flash(_("Transfer request %(code)s cancelled.", code=request.code), "success")
            return redirect(url_for("transfers.request_transfer", proposal_id=proposal_id))
    else:
        for message in form.reason.errors or [web.UNREADABLE_MESSAGE]:
            flash(str(message), "error")
    proposal, allocation = _funded(proposal_id)
    request_form = TransferRequestForm(formdata=None)
    _choices(request_form, allocation)
    return _render(proposal, allocation, request_form, status=400)


def _record_form(
    request: TransferRequest, form: DisbursementForm | None = None
) -> DisbursementForm:
    """The form recording a request's transfer (or `form`, as sent): its fields named as
    `finance.disburse` reads them (by organization), their ids the request's own (an
    organization may have open requests on several programmes)."""
    if form is None:
        form = DisbursementForm(formdata=None, prefix=disbursement_prefix(request.organization_id))
    for field in form:
        field.id = f"tr{request.id}-{field.short_name}"
        field.label.field_id = field.id
    return form


@bp.route("/transfers")
@roles_required(Role.ADMINISTRATIVE_AGENT)
def agent_list():
    """The open requests, the oldest first, each with the form recording its transfer."""
    return agent_list_page()


def agent_list_page(
    typed: tuple[int, int, DisbursementForm] | None = None,
    status: int = 200,
    error: Any = None,
) -> tuple[str, int]:
    """The list of open requests; `typed` (proposal id, organization id, form) is a form sent
    from it and refused, shown again as typed with its errors (and `error`, what a refusal
    says that no field holds) in its request's place."""
    if typed is not None and error is not None:
        typed[2].form_errors.append(str(error))
    rows = transfers.open_requests()
    forms = {}
    placed = False
    for request, proposal in rows:
        sent = typed is not None and typed[:2] == (proposal.id, request.organization_id)
        placed = placed or sent
        forms[request.id] = _record_form(request, typed[2] if sent else None)
    # A refusal whose request is no longer on the list (paid meanwhile) is said above it.
    unplaced = None if placed or error is None else str(error)
    page = render_template(
        "finance/transfers.html", rows=rows, forms=forms, today=utcnow().date(), error=unplaced
    )
    return page, status

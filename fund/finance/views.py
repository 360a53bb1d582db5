"""Pages of the finance domain (secretariat): the balance and pipeline, contributions and their
voids, and a proposal's allocation (fund, disburse; closing: `fund.finance.closure_views`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask import request as http_request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from fund import i18n, idempotency, web
from fund.access import recent_login_required, roles_required, sensitive_post
from fund.accounts.models import MONEY_READERS, Role
from fund.extensions import db, utcnow
from fund.finance import (
    contribution_list,
    donors,
    funding,
    operations,
    transfer_schedule,
    transfers,
)
from fund.finance.deposit_references import RepeatedReference
from fund.finance.forms import (
    ContributionForm,
    DisbursementForm,
    FundForm,
    VoidForm,
    disbursement_prefix,
)
from fund.finance.models import Contribution
from fund.finance.queries import lists
from fund.finance.queries.balance import balance as fund_balance
from fund.finance.queries.pipeline import pipeline_page
from fund.finance.transfer_views import agent_list_page
from fund.i18n import labelled
from fund.listing import Export, choice_arg, export_arg, export_response, sort_arg
from fund.proposals.draft_pages import STALE_ACTION, UNREADABLE_ACTION
from fund.proposals.models import Proposal
from fund.proposals.models import proposal_reference as reference
from fund.proposals.operations import rules_from_config
from fund.proposals.queries import organization_names
from fund.query_args import page_arg
from fund.refusals import show_on_form
from workflows import FUNDED_STATES, PROPOSAL_WORKFLOW, TransitionRefused
from workflows.proposal import FUNDED_STATE, PIPELINE_STATE

bp = Blueprint("finance", __name__, url_prefix="/finance")


def _rate():
    return rules_from_config(current_app.config).indirect_rate


# The balance ------------------------------------------------------------------------------

ALLOCATIONS_EXPORT = Export(
    name="allocations",
    title="Allocations",
    header=(
        "Proposal",
        "Title",
        "Lead organization",
        "Status",
        "Allocated on",
        "Allocated (USD)",
        "Disbursed (USD)",
        "Given back at closure (USD)",
        "Still to pay (USD)",
    ),
    cells=lambda a: (
        reference(a.proposal_id),
        a.title,
        a.organization,
        a.status_label,
        a.allocated_on,
        a.amount,
        a.disbursed,
        a.released,
        a.remaining,
    ),
)


def _page_number(name: str) -> int:
    """A page number from the query string (1 when missing or unreadable)."""
    return page_arg(name)


@bp.route("/")
@roles_required(*MONEY_READERS)
def balance():
    """The balance, then the pipeline and the allocations a page at a time
    (`pipeline_page`, `allocations_page`); every total is over the whole list. The
    allocations sort, filter by status and export as CSV or XLSX (`allocations_...`)."""
    prefix = lists.ALLOCATION_PREFIX
    sorting = sort_arg(lists.ALLOCATION_SORT, *lists.ALLOCATION_DEFAULT_SORT, prefix=prefix)
    status = choice_arg(f"{prefix}status", FUNDED_STATES)
    if fmt := export_arg(f"{prefix}export"):
        return export_response(fmt, ALLOCATIONS_EXPORT, lists.allocations_view(sorting, status))
    money = fund_balance()
    pipeline = pipeline_page(
        _rate(),
        money.available_by_pool(),
        _page_number("pipeline_page"),
        lists.PAGE_SIZE,
    )
    allocations = lists.allocations_page(
        _page_number("allocations_page"), lists.PAGE_SIZE, sorting=sorting, status=status
    )
    pipeline_at = pipeline.page if pipeline.page > 1 else None
    kept = {f"{prefix}status": status or None}
    return render_template(
        "finance/balance.html",
        balance=money,
        pipeline=pipeline,
        allocations=allocations,
        pages={
            "pipeline_page": pipeline_at,
            "allocations_page": allocations.page if allocations.page > 1 else None,
            **kept,
            **sorting.args(),
        },
        allocation_sorting=sorting,
        allocation_status=status,
        allocation_states={s: PROPOSAL_WORKFLOW.state_label(s) for s in FUNDED_STATES},
        # The headers' links keep the filter and the pipeline's page; a new order starts at
        # the first page. The export keeps the filter and the order.
        allocation_filter_args={**kept, "pipeline_page": pipeline_at},
        allocation_export_args={**kept, **sorting.args()},
        fee_rate=operations.configured_fee_rate(),
        can_record=current_user.has_role(Role.ADMINISTRATIVE_AGENT),
    )


# Contributions ----------------------------------------------------------------------------


def _contribution_choices(form: ContributionForm) -> dict[str, str]:
    titles = lists.area_titles()
    form.donor_id.choices = [(0, _("Choose the donor"))] + [
        (o.id, o.display_name) for o in lists.donors()
    ]
    form.earmark.choices = [("", _("None: unearmarked, it can fund any proposal"))] + [
        (code, labelled(code, title)) for code, title in sorted(titles.items())
    ]
    return titles


def _render_contributions(
    form: ContributionForm,
    titles: dict[str, str],
    status: int = 200,
    repeated: RepeatedReference | None = None,
):
    return render_template(
        "finance/contributions.html",
        form=form,
        repeated=repeated,
        earlier_address=contribution_list.earlier_address,
        titles=titles,
        fee_rate=operations.configured_fee_rate(),
        general=funding.GENERAL_LABEL,
        can_record=current_user.has_role(Role.ADMINISTRATIVE_AGENT),
        **contribution_list.context(titles),
    ), status


@bp.route("/contributions", methods=["GET", "POST"])
@roles_required(*MONEY_READERS)
@recent_login_required()
def contributions():
    """The deposits: recorded by the administrative agent, read by the secretariat."""
    form = ContributionForm()
    titles = _contribution_choices(form)
    if not form.is_submitted():
        if fmt := export_arg():
            return contribution_list.export(fmt, titles)
        return _render_contributions(form, titles)
    if not current_user.has_role(Role.ADMINISTRATIVE_AGENT):
        abort(403)  # the firewall: the secretariat records no money
    once = idempotency.once("contribution", current_user)
    if not form.validate():
        return _render_contributions(form, titles, 400)
    try:
        once.claim()
        contribution = operations.record_contribution(
            current_user,
            donors.donor_of(current_user, form, utcnow()),
            form.received_on.data,
            form.gross_amount,
            form.earmark.data or None,
            form.reference.data or "",
            form.note.data or "",
            repeated_reference=form.repeated_reference.data,
        )
        recorded = _("Contribution %(code)s", code=contribution.code)
        once.done(url_for("finance.contributions"), recorded)
        db.session.commit()
    except operations.FinanceError as error:
        db.session.rollback()
        if (message := show_on_form(form, error)) is not None:
            form.form_errors.append(message)
        repeated = error if isinstance(error, RepeatedReference) else None
        return _render_contributions(form, titles, 400, repeated)
    flash(
        _(
            "Contribution %(code)s recorded: %(gross)s gross, %(fee)s fee, %(net)s net to the "
            "%(pool)s pool.",
            code=contribution.code,
            gross=i18n.money(contribution.gross),
            fee=i18n.money(contribution.fee),
            net=i18n.money(contribution.net),
            pool=funding.pool_name(contribution.pool_code),
        ),
        "success",
    )
    return redirect(url_for("finance.contributions"))


@bp.route("/contributions/<int:contribution_id>/void", methods=["GET", "POST"])
@roles_required(*MONEY_READERS)
@recent_login_required()
def void(contribution_id: int):
    contribution = db.get_or_404(Contribution, contribution_id)
    form = VoidForm()
    error = None
    if form.is_submitted() and not current_user.has_role(Role.ADMINISTRATIVE_AGENT):
        abort(403)  # the firewall: the secretariat records no money
    if form.is_submitted() and contribution.void is None and form.validate():
        try:
            operations.void_contribution(current_user, contribution, form.reason.data)
            db.session.commit()
        except operations.FinanceError as refused:
            db.session.rollback()
            error = refused.said()
        else:
            flash(_("Contribution %(code)s was voided.", code=contribution.code), "success")
            return redirect(url_for("finance.contributions"))
    status = 400 if form.is_submitted() else 200
    contribution = db.session.get(Contribution, contribution_id)
    return render_template(
        "finance/void.html",
        contribution=contribution,
        form=form,
        error=error,
        pool=funding.pool_name(contribution.pool_code, lists.area_titles()),
        can_record=current_user.has_role(Role.ADMINISTRATIVE_AGENT),
    ), status


# A proposal's allocation ------------------------------------------------------------------


def _proposal(proposal_id: int) -> Proposal:
    return db.get_or_404(Proposal, proposal_id)


def _render_proposal(
    proposal: Proposal,
    *,
    fund_form: FundForm | None = None,
    disbursement: tuple[int, DisbursementForm] | None = None,
    error: TransitionRefused | str | None = None,
    status: int = 200,
):
    plan = funding.funding_plan(proposal, _rate()) if proposal.status == PIPELINE_STATE else None
    allocation = lists.allocation_for(proposal.id)
    forms: dict[int, DisbursementForm] = {}
    if allocation is not None and proposal.status == FUNDED_STATE:
        for share in allocation.shares:
            forms[share.organization_id] = DisbursementForm(
                formdata=None, prefix=disbursement_prefix(share.organization_id)
            )
    if disbursement is not None:
        forms[disbursement[0]] = disbursement[1]
    shares = plan.shares if plan is not None else {}
    return render_template(
        "finance/proposal.html",
        proposal=proposal,
        plan=plan,
        planned_shares=shares,
        names=organization_names(set(shares)),
        allocation=allocation,
        disbursements=lists.disbursements(allocation.id) if allocation else [],
        schedule=transfer_schedule.schedule_view(allocation.id) if allocation else [],
        schedule_notes=transfer_schedule.paid_before_revisions(proposal.id) if allocation else {},
        disbursement_forms=forms,
        transfer_requests=transfers.requests_for(allocation.id) if allocation else [],
        fund_form=fund_form or FundForm(formdata=None),
        error=error,
        today=utcnow().date(),
    ), status


@bp.route("/proposals/<int:proposal_id>")
@roles_required(*MONEY_READERS)
def proposal(proposal_id: int):
    return _render_proposal(_proposal(proposal_id))


def _proposal_action(
    rule: str, role: str = Role.SECRETARIAT
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A form of the proposal's finance page (fund, pay, close), posted to `rule`: by the
    secretariat only (the transfer: the administrative agent), and a sensitive action."""
    return sensitive_post(bp, rule, role)


def _act(
    proposal: Proposal,
    form,
    shown: dict[str, Any],
    run: Callable[[], str],
    *,
    refusals: tuple[type[Exception], ...],
    unread: Callable[[Any], str | None] = lambda form: UNREADABLE_ACTION,
    check_version: bool = True,
    back: Callable[[Any, int], Any] | None = None,
):
    """Send one form of the proposal's page (`shown`: how `_render_proposal` shows it) and
    `run()` its operation, which returns the sentence to flash. A refusal, or a page shown
    before the proposal changed, shows the page again with the form as typed. A form sent
    from another page gives `back`: how that page shows it again (given what to say above
    the form, if anything, and the status); once done, the proposal's page shows the result."""
    proposal_id = proposal.id

    def again(error: Any, status: int):
        if back is not None:
            return back(error, status)
        return _render_proposal(_proposal(proposal_id), error=error, status=status, **shown)

    def done(message: str):
        flash(message, "success")
        return redirect(url_for("finance.proposal", proposal_id=proposal_id))

    return web.submit(
        form,
        run,
        done,
        refusals=refusals,
        again=again,
        lost_race=STALE_ACTION,
        unread=unread,
        check=web.changed_since_shown(form, proposal, again, STALE_ACTION)
        if check_version
        else None,
    )


@_proposal_action("/proposals/<int:proposal_id>/fund")
def fund(proposal_id: int):
    proposal = _proposal(proposal_id)
    form = FundForm()
    once = idempotency.once(f"fund.{proposal_id}", current_user)

    def run() -> str:
        once.claim()
        allocation = operations.fund_proposal(
            current_user, proposal, form.allocated_on.data, form.comment.data
        )
        once.done(
            url_for("finance.proposal", proposal_id=proposal.id),
            _("The allocation of %(amount)s", amount=i18n.money(allocation.amount)),
        )
        return _(
            "%(reference)s is funded: %(amount)s allocated.",
            reference=proposal.reference,
            amount=i18n.money(allocation.amount),
        )

    return _act(
        proposal,
        form,
        {"fund_form": form},
        run,
        refusals=(TransitionRefused, operations.FinanceError, StaleDataError),
        unread=lambda form: None if form.allocated_on.errors else UNREADABLE_ACTION,
    )


@_proposal_action(
    "/proposals/<int:proposal_id>/organizations/<int:organization_id>/disburse",
    Role.ADMINISTRATIVE_AGENT,
)
def disburse(proposal_id: int, organization_id: int):
    """The administrative agent records the transfer of the organization's open request."""
    proposal = _proposal(proposal_id)
    form = DisbursementForm(prefix=disbursement_prefix(organization_id))
    once = idempotency.once(f"disburse.{proposal_id}.{organization_id}", current_user)
    allocation = lists.allocation_for(proposal.id)
    if allocation is None or organization_id not in {s.organization_id for s in allocation.shares}:
        abort(404)
    named = http_request.form.get("request", "")
    named_request = int(named) if named.isascii() and named.isdigit() else None

    def run() -> str:
        once.claim()
        request = transfers.request_to_record(
            allocation.id, organization_id, named_request, form.parsed_amount
        )
        disbursement = operations.record_disbursement(
            current_user,
            allocation,
            organization_id,
            form.paid_on.data,
            form.parsed_amount,
            form.reference.data or "",
            request=request,
        )
        paid = i18n.money(disbursement.amount)
        once.done(
            url_for("finance.proposal", proposal_id=proposal.id),
            _("The payment of %(amount)s", amount=paid),
        )
        organization = disbursement.organization
        return _(
            "Payment of %(amount)s to %(organization)s recorded.",
            amount=paid,
            organization=organization.label,
        )

    def on_the_list(error: Any, status: int):
        """The agent's list of requests again, this form as typed in its request's place."""
        return agent_list_page((proposal_id, organization_id, form), status, error)

    from_list = http_request.form.get("back") == "transfers"
    return _act(
        proposal,
        form,
        {"disbursement": (organization_id, form)},
        run,
        refusals=(operations.FinanceError,),
        unread=lambda form: None if any(f.errors for f in form) else UNREADABLE_ACTION,
        check_version=False,
        back=on_the_list if from_list else None,
    )

"""The administrative agent's pages: pledges (and a pledge's schedule against its deposits),
deposits in a currency, interest, direct costs, and the funding status. The agent records;
the secretariat reads the lists and the status (the firewall between the roles)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from fund import idempotency, web
from fund.access import recent_login_required, roles_required, sensitive_post
from fund.accounts.models import MONEY_READERS, Organization, Role
from fund.extensions import db, utcnow
from fund.finance import agent, contribution_list, donors, funding, operations
from fund.finance.agent_forms import (
    DepositForm,
    DirectCostForm,
    InterestForm,
    PledgeForm,
)
from fund.finance.agent_models import DirectCost, InterestEntry, Pledge
from fund.finance.currencies import BASE_CURRENCY
from fund.finance.deposit_references import RepeatedReference, repeated_reference
from fund.finance.models import Contribution
from fund.finance.operations import FinanceError
from fund.finance.queries import lists
from fund.finance.status import funding_status
from fund.i18n import labelled, money
from fund.money import typed_amount
from fund.query_args import BadQueryValue, id_arg
from fund.sentences import listed

bp = Blueprint("agent", __name__, url_prefix="/finance")

AGENT = Role.ADMINISTRATIVE_AGENT


def _records(rule: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A form recording money, posted to `rule`: the administrative agent's only, sensitive."""
    return sensitive_post(bp, rule, AGENT)


def _can_record() -> bool:
    return current_user.has_role(AGENT)


def _donor_choices(form) -> None:
    form.donor_id.choices = [(0, _("Choose the donor"))] + [
        (o.id, o.display_name) for o in lists.donors()
    ]


def _record(
    form, kind: str, back: str, run: Callable[[], tuple[str, str]], render: Callable[[], Any]
):
    """Send a recording form: once for a form sent twice, then back to `back` with the
    sentence `run()` returns with the record's name ("Pledge PL-3": a form sent again says it
    was recorded then); a refusal shows the page again with the message at its field."""
    once = idempotency.once(kind, current_user)

    def save() -> str:
        once.claim()
        message, recorded = run()
        once.done(back, recorded)
        return message

    return web.form_page(form, save, web.told(back), refusals=(FinanceError,), render=render)


# Pledges ----------------------------------------------------------------------------------


def _pledges_page(form: PledgeForm):
    pledges = list(
        db.session.scalars(
            select(Pledge)
            .options(selectinload(Pledge.donor), selectinload(Pledge.instalments))
            .order_by(Pledge.pledged_on.desc(), Pledge.id.desc())
        )
    )
    return render_template(
        "finance/pledges.html",
        form=form,
        can_record=_can_record(),
        pledges=pledges,
        progress=agent.pledge_progress(pledges),
    )


@bp.route("/pledges")
@roles_required(*MONEY_READERS)
def pledges():
    form = PledgeForm(formdata=None)
    _donor_choices(form)
    return _pledges_page(form)


@_records("/pledges")
def record_pledge():
    form = PledgeForm()
    _donor_choices(form)

    def run() -> tuple[str, str]:
        pledge = agent.record_pledge(
            current_user,
            db.session.get(Organization, form.donor_id.data),
            form.pledged_on.data,
            form.currency.data,
            form.parsed_amount,
            form.schedule,
            form.note.data or "",
        )
        pledged = money(pledge.amount, pledge.currency)
        return ngettext(
            "Pledge %(code)s recorded: %(amount)s in %(num)s expected payment.",
            "Pledge %(code)s recorded: %(amount)s in %(num)s expected payments.",
            len(pledge.instalments),
            code=pledge.code,
            amount=pledged,
        ), _("Pledge %(code)s", code=pledge.code)

    return _record(form, "pledge", url_for("agent.pledges"), run, lambda: _pledges_page(form))


@bp.route("/pledges/<int:pledge_id>")
@roles_required(*MONEY_READERS)
def pledge(pledge_id: int):
    found = db.get_or_404(Pledge, pledge_id)
    deposits = list(
        db.session.scalars(
            select(Contribution)
            .where(Contribution.pledge_id == found.id)
            .order_by(Contribution.received_on, Contribution.id)
        )
    )
    return render_template(
        "finance/pledge.html",
        pledge=found,
        progress=agent.pledge_progress([found])[found.id],
        deposits=deposits,
        can_record=_can_record(),
    )


# Deposits in a currency -------------------------------------------------------------------


def _deposit_choices(form: DepositForm) -> dict[str, str]:
    _donor_choices(form)
    titles = lists.area_titles()
    form.earmark.choices = [("", _("None: unearmarked, it can fund any proposal"))] + [
        (code, labelled(code, title)) for code, title in sorted(titles.items())
    ]
    pledges = db.session.scalars(
        select(Pledge).options(selectinload(Pledge.donor)).order_by(Pledge.id)
    )
    form.pledge_id.choices = [(0, _("None"))] + [
        (p.id, labelled(p.code, listed((p.donor.display_name, money(p.amount, p.currency)))))
        for p in pledges
    ]
    return titles


def _from_pledge(form: DepositForm) -> None:
    """A deposit paying the pledge `?pledge=<id>` (the pledge page's link), filled in from it:
    its donor, its currency, the pledge, and the next expected payment's amount and date (never
    a date to come: a deposit is recorded when received). A rate is for the agent to type
    unless the currency is USD. An unreadable or unknown pledge leaves the form blank."""
    try:
        pledge_id = id_arg("pledge")
    except BadQueryValue:
        return
    pledge = db.session.get(Pledge, pledge_id) if pledge_id else None
    if pledge is None:
        return
    form.donor_id.data = pledge.donor_id
    form.currency.data = pledge.currency
    form.pledge_id.data = pledge.id
    if pledge.currency != BASE_CURRENCY:
        form.exchange_rate.data = ""
    deposited = agent.pledge_progress([pledge])[pledge.id].deposited
    if expected := agent.next_expected(pledge, deposited):
        due_on, amount = expected
        form.amount.data = typed_amount(amount)
        form.received_on.data = min(due_on, utcnow().date())


def _keep_pledge_donor(form: DepositForm) -> None:
    """The donor of the pledge the form pays stays among the choices when no longer active:
    money pledged before still arrives (Home lists its pledge while a payment is late)."""
    if form.pledge_id.data not in {value for value, _label in form.pledge_id.choices[1:]}:
        return
    pledge = db.session.get(Pledge, form.pledge_id.data)
    if pledge.donor_id not in {value for value, _label in form.donor_id.choices}:
        form.donor_id.choices.append((pledge.donor_id, pledge.donor.display_name))


@bp.route("/deposits/new", methods=["GET", "POST"])
@roles_required(AGENT)
@recent_login_required()
def deposit():
    form = DepositForm()
    _deposit_choices(form)
    if request.method == "GET":
        _from_pledge(form)
    _keep_pledge_donor(form)
    repeated: list[RepeatedReference] = []

    def run() -> tuple[str, str]:
        with repeated_reference(repeated):
            contribution = agent.record_deposit(
                current_user,
                donors.donor_of(current_user, form, utcnow()),
                form.received_on.data,
                form.parsed_currency,
                form.parsed_amount,
                form.parsed_rate,
                form.earmark.data or None,
                db.session.get(Pledge, form.pledge_id.data) if form.pledge_id.data else None,
                form.reference.data or "",
                form.note.data or "",
                repeated_reference=form.repeated_reference.data,
            )
        rate = agent.rate_text(contribution.exchange_rate)
        received = money(contribution.currency_amount, contribution.currency)
        return _(
            "Deposit %(code)s recorded: %(amount)s at %(rate)s, %(gross)s gross, %(net)s net to "
            "the %(pool)s pool.",
            code=contribution.code,
            amount=received,
            rate=rate,
            gross=money(contribution.gross),
            net=money(contribution.net),
            pool=funding.pool_name(contribution.pool_code),
        ), _("Deposit %(code)s", code=contribution.code)

    def render():
        return render_template(
            "finance/deposit.html",
            form=form,
            fee_rate=operations.configured_fee_rate(),
            repeated=repeated[0] if repeated else None,
            earlier_address=contribution_list.earlier_address,
        )

    return _record(form, "deposit", url_for("finance.contributions"), run, render)


# Interest and direct costs ----------------------------------------------------------------


@dataclass(frozen=True)
class Ledger:
    """One of the agent's ledgers of dated amounts: its page's template (which extends
    `finance/_ledger.html`), the endpoint and form key that record one more entry, the id of its
    table, and the entry's date column and text attribute (also its form's field names)."""

    template: str
    record_endpoint: str
    form_name: str
    table_id: str
    day: Any  # a date column of the entry's model
    text: str

    def page(self, form):
        """The entries, the latest first, under the form that records one more."""
        model = self.day.class_
        rows = db.session.scalars(select(model).order_by(self.day.desc(), model.id.desc())).all()
        return render_template(
            self.template,
            form=form,
            can_record=_can_record(),
            rows=rows,
            record_endpoint=self.record_endpoint,
            form_name=self.form_name,
            table_id=self.table_id,
            day=self.day.key,
            text=self.text,
        )


INTEREST = Ledger(
    template="finance/interest.html",
    record_endpoint="agent.record_interest",
    form_name="interest",
    table_id="interest",
    day=InterestEntry.earned_on,
    text="reference",
)
DIRECT_COSTS = Ledger(
    template="finance/direct_costs.html",
    record_endpoint="agent.record_direct_cost",
    form_name="direct_cost",
    table_id="direct-costs",
    day=DirectCost.charged_on,
    text="description",
)


@bp.route("/interest")
@roles_required(*MONEY_READERS)
def interest():
    return INTEREST.page(InterestForm(formdata=None))


@_records("/interest")
def record_interest():
    form = InterestForm()

    def run() -> tuple[str, str]:
        entry = agent.record_interest(
            current_user, form.earned_on.data, form.parsed_amount, form.reference.data or ""
        )
        return _(
            "Interest of %(amount)s recorded in the unearmarked pool.",
            amount=money(entry.amount),
        ), _("The interest of %(amount)s", amount=money(entry.amount))

    return _record(
        form, INTEREST.form_name, url_for("agent.interest"), run, lambda: INTEREST.page(form)
    )


@bp.route("/direct-costs")
@roles_required(*MONEY_READERS)
def direct_costs():
    return DIRECT_COSTS.page(DirectCostForm(formdata=None))


@_records("/direct-costs")
def record_direct_cost():
    form = DirectCostForm()

    def run() -> tuple[str, str]:
        cost = agent.record_direct_cost(
            current_user, form.charged_on.data, form.parsed_amount, form.description.data
        )
        return _(
            "Direct cost of %(amount)s charged to the unearmarked pool.",
            amount=money(cost.amount),
        ), _("The direct cost of %(amount)s", amount=money(cost.amount))

    return _record(
        form,
        DIRECT_COSTS.form_name,
        url_for("agent.direct_costs"),
        run,
        lambda: DIRECT_COSTS.page(form),
    )


# The funding status -----------------------------------------------------------------------


@bp.route("/status")
@roles_required(*MONEY_READERS)
def status():
    return render_template("finance/status.html", status=funding_status())

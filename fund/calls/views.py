"""Calls for proposals: the list (everyone signed in) and the call form (secretariat)."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from fund import idempotency, web
from fund.access import recent_login_required, roles_required, signed_in
from fund.accounts.models import Role
from fund.calls.forms import CallForm
from fund.calls.models import Call, DecisionRule
from fund.calls.operations import CallRefused, CallValues, save_call
from fund.extensions import db, utcnow
from fund.money import AmountError, parse_amount, typed_amount

bp = Blueprint("calls", __name__, url_prefix="/calls")


@bp.route("/")
@signed_in
def index():
    calls = db.session.scalars(select(Call).order_by(Call.opens_on.desc())).all()
    return render_template(
        "calls/index.html", calls=calls, today=utcnow().date(), rules=DecisionRule.labels()
    )


def _values(form: CallForm) -> CallValues | None:
    amounts = {}
    for name in ("envelope", "min_budget", "max_budget"):
        value = getattr(form, name).data
        if isinstance(value, Decimal):  # a field left out of the request keeps the stored amount
            value = format(value, "f")
        try:
            amounts[name] = parse_amount(value)
        except AmountError as error:
            getattr(form, name).errors.append(error.said())
    if len(amounts) < 3:
        return None
    return CallValues(
        title=form.title.data.strip(),
        description=(form.description.data or "").strip(),
        opens_on=form.opens_on.data,
        closes_on=form.closes_on.data,
        min_duration_months=form.min_duration_months.data,
        max_duration_months=form.max_duration_months.data,
        decision_rule=form.decision_rule.data,
        quorum=form.quorum.data,
        stage=form.stage.data,
        endorsement_stage=form.endorsement_stage.data,
        **amounts,
    )


def _form_page(call: Call | None):
    form = CallForm(obj=call)
    if call is not None and not form.is_submitted():
        for name in ("envelope", "min_budget", "max_budget"):
            getattr(form, name).data = typed_amount(getattr(call, name))
    once = idempotency.once("call", current_user, protect=call is None)
    values: list[CallValues] = []

    def amounts_read() -> bool:
        """The amounts are read once the fields validate; a bad one is shown at its field."""
        read = _values(form)
        values.extend([read] if read is not None else [])
        return read is not None

    def save() -> Call:
        """Save the call; a refusal says why in the page's language."""
        try:
            return save_call(current_user, call, values[0])
        except CallRefused as refused:
            raise refused.translated() from refused

    return web.save_page(
        form,
        save,
        once=once,
        back=url_for("calls.index"),
        what=lambda saved: _("call “%(title)s”", title=saved.title),
        refusals=CallRefused,
        render=lambda: render_template("calls/form.html", form=form, call=call),
        field="title",
        ready=amounts_read,
    )


@bp.route("/new", methods=["GET", "POST"], endpoint="new")
@bp.route("/<int:call_id>", methods=["GET", "POST"])
@roles_required(Role.SECRETARIAT)
@recent_login_required()
def edit(call_id: int | None = None):
    """The call form: a new call (`calls.new`), or the call `call_id`."""
    return _form_page(None if call_id is None else db.get_or_404(Call, call_id))

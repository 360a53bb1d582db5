"""Calls for proposals: the list (everyone signed in) and the call form (secretariat)."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from fund import idempotency
from fund.access import recent_login_required, roles_required, signed_in
from fund.accounts.models import Role
from fund.calls.forms import CallForm
from fund.calls.models import DECISION_RULE_LABELS, Call
from fund.calls.operations import CallRefused, CallValues, save_call
from fund.extensions import db, utcnow
from fund.money import AmountError, parse_amount
from fund.refusals import show_on_form

bp = Blueprint("calls", __name__, url_prefix="/calls")


@bp.route("/")
@signed_in
def index():
    calls = db.session.scalars(select(Call).order_by(Call.opens_on.desc())).all()
    return render_template(
        "calls/index.html", calls=calls, today=utcnow().date(), rules=DECISION_RULE_LABELS
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
            getattr(form, name).errors.append(str(error))
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
            getattr(form, name).data = format(getattr(call, name), "f")
    once = idempotency.once("call", current_user, protect=call is None)
    if form.validate_on_submit() and (values := _values(form)) is not None:
        try:
            once.claim()
            call = save_call(current_user, call, values)
        except CallRefused as refused:
            db.session.rollback()
            show_on_form(form, refused, default="title")
        else:
            once.done(url_for("calls.index"), f"The call “{call.title}”")
            db.session.commit()
            flash(f"Call “{call.title}” saved.", "success")
            return redirect(url_for("calls.index"))
    status = 400 if form.is_submitted() else 200
    return render_template("calls/form.html", form=form, call=call), status


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.SECRETARIAT)
@recent_login_required()
def new():
    return _form_page(None)


@bp.route("/<int:call_id>", methods=["GET", "POST"])
@roles_required(Role.SECRETARIAT)
@recent_login_required()
def edit(call_id: int):
    return _form_page(db.session.get(Call, call_id) or abort(404))

"""Pages of the coverage domain: the dashboard and its chart, the targets, the simulator."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm

from fund.access import public, roles_required
from fund.accounts.models import COMMITTEE_READERS, Role
from fund.coverage import operations, queries
from fund.coverage import simulator as coverage_simulator
from fund.coverage.charts import WIDTH, chart_height, chart_summary, objectives_chart
from fund.coverage.forms import FilterForm, SimulatorForm, targets_form
from fund.coverage.model import PERCENT_EXAMPLE, percent_share
from fund.days import SHORT_DAY, written
from fund.extensions import db
from fund.i18n import labelled
from fund.results.coverage import ResultsCoverage, funded_money, results_coverage

bp = Blueprint("coverage", __name__, url_prefix="/coverage")

# Who sees the pipeline (approved and under-review money), the pipeline_only flag and the
# simulator; everyone else, signed in or not, sees the funded part only.


def _sees_pipeline() -> bool:
    return bool(current_user.is_authenticated and current_user.has_role(*COMMITTEE_READERS))


def _filter_form() -> FilterForm:
    form = FilterForm(formdata=request.args)
    form.set_calls(queries.call_choices())
    form.validate()
    return form


def _describe(form: FilterForm, filters: queries.CoverageFilters) -> str:
    titles = {c.value: c.label for c in form.call.choices}
    title = titles.get(filters.call_id) if filters.call_id else None
    return filters.describe(title, lambda day: written(day, SHORT_DAY), say=_)


@bp.route("/")
@public
def dashboard():
    form = _filter_form()
    filters = form.filters()
    full = _sees_pipeline()
    coverage = queries.coverage(filters, include_pipeline=full)
    return render_template(
        "coverage/dashboard.html",
        coverage=coverage,
        results=_results(coverage),
        form=form,
        full=full,
        described=_describe(form, filters),
        summary=chart_summary(coverage, say=_),
        chart_args=filters.as_args(),
        chart_size=(WIDTH, chart_height(len(coverage.objectives))),
        can_edit_targets=full and current_user.has_role(Role.SECRETARIAT),
    ), (400 if form.errors else 200)


def _results(coverage: queries.Coverage) -> ResultsCoverage:
    """The results coverage beside the money: of every funded programme, its flag
    `money_without_results` read against the whole fund's funded money (the filters choose the
    money shown, not the results)."""
    funded = coverage if not coverage.filters.active else queries.coverage(include_pipeline=False)
    return results_coverage(funded_money(funded))


@bp.route("/chart.svg")
@public
def chart():
    form = _filter_form()
    if form.errors:
        # The dashboard links the chart with valid filters only: say what is wrong, no figure.
        problems = " ".join(
            labelled(form[name].label.text, " ".join(messages))
            for name, messages in form.errors.items()
        )
        return Response(problems, status=400, mimetype="text/plain")
    filters = form.filters()
    coverage = queries.coverage(filters, include_pipeline=_sees_pipeline())
    response = Response(objectives_chart(coverage, _describe(form, filters), say=_))
    response.mimetype = "image/svg+xml"
    # The figures depend on who asks: never shared by a cache.
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Vary"] = "Cookie"
    return response


# Targets ---------------------------------------------------------------------------------------


class ResetForm(FlaskForm):
    """The "restore equal shares" button (a CSRF token and nothing else)."""


def _render_targets(form, reset_form, dimension_errors=None, status: int = 200):
    coverage = queries.coverage(include_pipeline=True)
    return render_template(
        "coverage/targets.html",
        form=form,
        reset_form=reset_form,
        coverage=coverage,
        funded_share={
            "objective": {row.key: row.share for row in coverage.objectives},
            "area": {row.key: row.share for row in coverage.areas},
        },
        dimension_errors=dimension_errors or {},
        equal_share=percent_share(PERCENT_EXAMPLE),  # 4.3478%, as the page writes a share
    ), status


@bp.route("/targets", methods=["GET", "POST"])
@roles_required(Role.SECRETARIAT)
def targets():
    objectives, areas = queries.target_dimensions()
    reset_form = ResetForm()
    if request.method != "POST":
        form = targets_form(objectives, areas, operations.current_targets())
        return _render_targets(form, reset_form)

    if "reset" in request.form:
        form = targets_form(objectives, areas, operations.current_targets())
        if not reset_form.validate_on_submit():
            return _render_targets(
                form, reset_form, {"form": _("The request could not be read. Try again.")}, 400
            )
        removed = operations.reset_targets(current_user)
        db.session.commit()
        flash(
            _("Targets restored to equal shares.") if removed else _("Targets were already equal."),
            "success" if removed else "info",
        )
        return redirect(url_for("coverage.targets"))

    form = targets_form(objectives, areas)
    if not form.validate_on_submit():
        return _render_targets(form, reset_form, status=400)
    try:
        changes = operations.set_targets(current_user, form.shares())
        db.session.commit()
    except operations.TargetError as error:
        db.session.rollback()
        for (dimension, key), message in error.field_errors.items():
            form.field_for(dimension, key).errors.append(message)
        return _render_targets(form, reset_form, error.dimension_errors, 400)
    if changes:
        flash(
            ngettext(
                "Saved %(num)s target. The dashboard's flags use them from now on.",
                "Saved %(num)s targets. The dashboard's flags use them from now on.",
                len(changes),
            ),
            "success",
        )
    else:
        flash(_("Nothing changed: the targets were already as shown."), "info")
    return redirect(url_for("coverage.targets"))


# Simulator -------------------------------------------------------------------------------------


@bp.route("/simulator")
@roles_required(*COMMITTEE_READERS)
def simulator():
    candidates = coverage_simulator.simulation_candidates()
    form = SimulatorForm.offering(request.args, candidates)
    simulation = coverage_simulator.simulate(form.picked(), candidates=candidates)
    return render_template("coverage/simulator.html", simulation=simulation, **form.page())

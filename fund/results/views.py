"""The results reference pages: the fund's results framework (the secretariat edits it, the
committee reads it), and the Migration Governance Indicators the secretariat keeps (the
indicators by policy domain, each country's assessments and their scores)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from fund import idempotency, web
from fund.access import roles_required
from fund.accounts.models import COMMITTEE_READERS, Role
from fund.extensions import db
from fund.labels import N_
from fund.query_args import page_arg
from fund.reference.results import FundIndicator, FundOutcome, MgiAssessment, MgiIndicator
from fund.reference.translations import CountryName
from fund.results import operations
from fund.results import reference_queries as queries
from fund.results.forms import (
    AssessmentForm,
    FundIndicatorForm,
    FundOutcomeForm,
    MgiIndicatorForm,
    scores_form,
)
from fund.results.operations import ResultsRefused

bp = Blueprint("results", __name__, url_prefix="/results")

SECRETARIAT = roles_required(Role.SECRETARIAT)


def _found(model: type, row_id: int) -> Any:
    return db.get_or_404(model, row_id)


def _text(field) -> str:
    return (field.data or "").strip()


def _refused_page(render, form: FlaskForm, error: ResultsRefused):
    """The page again after a button was refused: rolled back, the sentence above its form."""
    db.session.rollback()
    form.form_errors.append(error.said())
    return render(form), 400


def _button(run, done: str, message: str, again):
    """A button (remove): CSRF checked by the application; run, commit, say so and go `done`;
    refused: the page again with the reason (`again(error)`)."""
    try:
        run()
        db.session.commit()
    except ResultsRefused as error:
        return again(error)
    flash(message, "success")
    return redirect(done)


@dataclass(frozen=True)
class _Coded:
    """The pages of a reference row with a unique code (a fund-level outcome, an MGI
    indicator), a row of `model`: `kind` names its form for `fund.idempotency.once`, `noun`
    names it in the messages (marked, with its `code`), `listing` is the endpoint of its
    list, `form(row, formdata)` makes its form (formdata None: the stored row's); its page is
    `template`, given the form, the row as `row_name` and the number of programme rows naming
    it as `uses_name`; `removed` is the message once one is removed (its `code`)."""

    kind: str
    noun: str
    listing: str
    model: type
    form: Callable[..., FlaskForm]
    template: str
    row_name: str
    uses_name: str
    removed: str

    def render(self, form: FlaskForm, row: Any):
        return render_template(
            self.template, form=form, **{self.row_name: row, self.uses_name: operations.uses(row)}
        )

    def edit(self, row_id: int | None, save: Callable[[Any, Any], Any]):
        """Its page, of the row `row_id` (404 if there is none) or of a new row (None); its
        form sent: `save(form, row)` (a new row made once however often the form is sent),
        then back to the list saying "<noun> “<code>” saved."; a code another row has is
        refused at the code's field."""
        row = None if row_id is None else _found(self.model, row_id)
        form = self.form(row)
        return web.save_page(
            form,
            lambda: save(form, row),
            once=idempotency.once(self.kind, current_user, protect=row is None),
            back=url_for(self.listing),
            what=lambda saved: _(self.noun, code=saved.code),
            refusals=ResultsRefused,
            render=lambda: self.render(form, row),
            field="code",
        )

    def remove(self, row_id: int, remove: Callable[[Any, Any], None]):
        """Its remove button: `remove(actor, row)`, then back to the list saying "<Noun>
        “<code>” removed."; refused, its page again with the reason above the stored row."""
        row = _found(self.model, row_id)
        return _button(
            lambda: remove(current_user, row),
            url_for(self.listing),
            _(self.removed, code=row.code),
            lambda error: _refused_page(
                lambda form: self.render(form, row), self.form(row, None), error
            ),
        )


# The fund's results framework --------------------------------------------------------------


@bp.route("/")
@roles_required(*COMMITTEE_READERS)
def framework():
    return render_template(
        "results/framework.html",
        rows=queries.framework(),
        can_edit=current_user.has_role(Role.SECRETARIAT),
    )


def _outcome_values(form: FundOutcomeForm) -> operations.OutcomeValues:
    return operations.OutcomeValues(
        code=_text(form.code),
        title=_text(form.title),
        thematic_area_code=form.thematic_area_code.data or None,
        active=bool(form.active.data),
    )


def _outcome_form(outcome: FundOutcome | None, formdata: Any = "request") -> FundOutcomeForm:
    kwargs = {} if formdata == "request" else {"formdata": formdata}
    return FundOutcomeForm(obj=outcome, **kwargs).with_areas(queries.thematic_areas())


_OUTCOMES = _Coded(
    "fund_outcome",
    N_("fund-level outcome “%(code)s”"),
    "results.framework",
    FundOutcome,
    _outcome_form,
    "results/outcome.html",
    row_name="outcome",
    uses_name="mapped",
    removed=N_("Fund-level outcome “%(code)s” removed."),
)


@bp.route("/outcomes/new", methods=["GET", "POST"], endpoint="new_outcome")
@bp.route("/outcomes/<int:outcome_id>", methods=["GET", "POST"])
@SECRETARIAT
def edit_outcome(outcome_id: int | None = None):
    """A new fund-level outcome (`results.new_outcome`), or the outcome `outcome_id` with its
    indicators."""
    return _OUTCOMES.edit(
        outcome_id,
        lambda form, outcome: operations.save_fund_outcome(
            current_user, outcome, _outcome_values(form)
        ),
    )


@bp.route("/outcomes/<int:outcome_id>/remove", methods=["POST"])
@SECRETARIAT
def remove_outcome(outcome_id: int):
    return _OUTCOMES.remove(outcome_id, operations.remove_fund_outcome)


def _indicator_page(outcome: FundOutcome, indicator: FundIndicator | None):
    form = FundIndicatorForm(obj=indicator)
    return web.save_page(
        form,
        lambda: operations.save_fund_indicator(
            current_user, outcome, indicator, _text(form.text), _text(form.unit)
        ),
        once=idempotency.once(f"fund_indicator.{outcome.id}", current_user, protect=not indicator),
        back=url_for("results.edit_outcome", outcome_id=outcome.id),
        what=lambda saved: _("indicator of “%(code)s”", code=outcome.code),
        refusals=ResultsRefused,
        render=lambda: render_template(
            "results/indicator.html", form=form, outcome=outcome, indicator=indicator
        ),
        field="text",
    )


@bp.route("/outcomes/<int:outcome_id>/indicators/new", methods=["GET", "POST"])
@SECRETARIAT
def new_indicator(outcome_id: int):
    return _indicator_page(_found(FundOutcome, outcome_id), None)


@bp.route("/indicators/<int:indicator_id>", methods=["GET", "POST"])
@SECRETARIAT
def edit_indicator(indicator_id: int):
    indicator = _found(FundIndicator, indicator_id)
    return _indicator_page(_found(FundOutcome, indicator.fund_outcome_id), indicator)


@bp.route("/indicators/<int:indicator_id>/remove", methods=["POST"])
@SECRETARIAT
def remove_indicator(indicator_id: int):
    indicator = _found(FundIndicator, indicator_id)
    outcome = _found(FundOutcome, indicator.fund_outcome_id)
    done = url_for("results.edit_outcome", outcome_id=outcome.id)

    def again(error: ResultsRefused):
        db.session.rollback()
        flash(error.said(), "error")
        return redirect(done)

    return _button(
        lambda: operations.remove_fund_indicator(current_user, indicator),
        done,
        _("Indicator of “%(code)s” removed.", code=outcome.code),
        again,
    )


# MGI indicators ----------------------------------------------------------------------------


@bp.route("/mgi/")
@SECRETARIAT
def mgi_indicators():
    return render_template("results/mgi_indicators.html", page=queries.mgi_indicators(page_arg()))


def _mgi_form(indicator: MgiIndicator | None, formdata: Any = "request") -> MgiIndicatorForm:
    kwargs = {} if formdata == "request" else {"formdata": formdata}
    form = MgiIndicatorForm(obj=indicator, **kwargs).with_choices(
        queries.domains(), queries.objectives()
    )
    if indicator is not None and (formdata is None or not form.is_submitted()):
        form.objectives.data = [o.number for o in indicator.objectives]
    return form


def _save_mgi(form: MgiIndicatorForm, indicator: MgiIndicator | None) -> MgiIndicator:
    return operations.save_mgi_indicator(
        current_user,
        indicator,
        code=_text(form.code),
        text=_text(form.text),
        domain_code=form.domain_code.data or "",
        objectives=form.objectives.data or (),
    )


_MGI_INDICATORS = _Coded(
    "mgi_indicator",
    N_("MGI indicator “%(code)s”"),
    "results.mgi_indicators",
    MgiIndicator,
    _mgi_form,
    "results/mgi_indicator.html",
    row_name="indicator",
    uses_name="baselines",
    removed=N_("MGI indicator “%(code)s” removed."),
)


@bp.route("/mgi/new", methods=["GET", "POST"], endpoint="new_mgi_indicator")
@bp.route("/mgi/<int:indicator_id>", methods=["GET", "POST"])
@SECRETARIAT
def edit_mgi_indicator(indicator_id: int | None = None):
    """A new MGI indicator (`results.new_mgi_indicator`), or the indicator `indicator_id`."""
    return _MGI_INDICATORS.edit(indicator_id, _save_mgi)


@bp.route("/mgi/<int:indicator_id>/remove", methods=["POST"])
@SECRETARIAT
def remove_mgi_indicator(indicator_id: int):
    return _MGI_INDICATORS.remove(indicator_id, operations.remove_mgi_indicator)


# MGI assessments ---------------------------------------------------------------------------


def _country_arg(countries: list[tuple[str, str]]) -> str | None:
    """The `country` of the address when it is one of the list (else every country)."""
    wanted = (request.args.get("country") or "").strip().upper()
    return wanted if any(iso2 == wanted for iso2, _ in countries) else None


@bp.route("/mgi/assessments", methods=["GET", "POST"])
@SECRETARIAT
def assessments():
    """The countries' MGI assessments (of one country with ?country=XX) and the form that
    records a new one."""
    countries = queries.countries()
    country = _country_arg(countries)
    form = AssessmentForm().with_countries(countries)
    if country and not form.is_submitted():
        form.country.data = country

    def render():
        return render_template(
            "results/assessments.html",
            form=form,
            page=queries.assessments(page_arg(), country),
            countries=countries,
            country=country,
        )

    return web.save_page(
        form,
        lambda: operations.add_assessment(
            current_user, form.country.data or "", form.year.data, _text(form.link)
        ),
        once=idempotency.once("mgi_assessment", current_user),
        back=url_for("results.assessments", country=country),
        what=lambda saved: _assessment_title(saved),
        refusals=ResultsRefused,
        render=render,
        field="year",
    )


def _assessment(assessment_id: int) -> MgiAssessment:
    return queries.assessment(assessment_id) or abort(404)


def _assessment_title(assessment: MgiAssessment) -> str:
    """ "MGI assessment of Mexico (2024)", the country named in the page's language."""
    country = CountryName(assessment.country.iso2, assessment.country.name).in_language()
    return _("MGI assessment of %(country)s (%(year)s)", country=country, year=assessment.year)


def _render_scores(form, assessment: MgiAssessment):
    return render_template(
        "results/assessment.html",
        form=form,
        assessment=assessment,
        baselines=operations.uses(assessment),  # kept while baselines name it
    )


@bp.route("/mgi/assessments/<int:assessment_id>", methods=["GET", "POST"])
@SECRETARIAT
def assessment(assessment_id: int):
    """One assessment: its link and the score of each MGI indicator, on one form."""
    found = _assessment(assessment_id)
    indicators = queries.indicators_to_score()
    initial = None
    if request.method != "POST":
        initial = {row.indicator_id: row.score for row in found.scores}
    form = scores_form(indicators, found.link, initial)
    title = _assessment_title(found)

    def save() -> MgiAssessment:
        operations.record_scores(current_user, found, _text(form.link), form.scores())
        return found

    return web.save_page(
        form,
        save,
        once=idempotency.once("mgi_scores", current_user, protect=False),
        back=url_for("results.assessment", assessment_id=found.id),
        what=lambda saved: title,
        refusals=ResultsRefused,
        render=lambda: _render_scores(form, found),
    )


@bp.route("/mgi/assessments/<int:assessment_id>/remove", methods=["POST"])
@SECRETARIAT
def remove_assessment(assessment_id: int):
    found = _assessment(assessment_id)
    country, year, iso2 = found.country.name, found.year, found.country_iso2

    def again(error: ResultsRefused):
        db.session.rollback()
        again_found = _assessment(assessment_id)
        initial = {row.indicator_id: row.score for row in again_found.scores}
        form = scores_form(queries.indicators_to_score(), again_found.link, initial)
        form.form_errors.append(error.said())
        return _render_scores(form, again_found), 400

    return _button(
        lambda: operations.remove_assessment(current_user, found),
        url_for("results.assessments", country=iso2),
        _("MGI assessment of %(country)s (%(year)s) removed.", country=country, year=year),
        again,
    )

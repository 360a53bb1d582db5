"""The secretariat's reports page, the public open-data page and files, and the PDFs: the
proposal document, the fund allocation report, the decision record of a voting round, the
record of a committee meeting and the pipeline booklet (the secretariat's and the public one)."""

from __future__ import annotations

import base64
import io
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

from flask import Blueprint, Response, abort, current_app, render_template, request, send_file
from flask_babel import gettext as _
from flask_login import current_user

from fund import xlsx
from fund.access import public, roles_required
from fund.accounts.models import COMMITTEE_READERS, PROPOSAL_READERS, Role
from fund.committee.meetings import get_meeting
from fund.committee.queries import get_round
from fund.coverage.charts import chart_summary, objectives_chart
from fund.coverage.queries import FLAG_LABELS, CallChoice, CoverageFilters, call_choices
from fund.days import in_words, moment_text, written
from fund.errors import page
from fund.extensions import db, utcnow
from fund.labels import N_
from fund.proposals import presentation
from fund.proposals.access import seen_by
from fund.proposals.models import Proposal, ProposalVersion
from fund.proposals.results_versions import FRAMEWORK_KEY, framework_names
from fund.query_args import check_day
from fund.reports import queries, spreadsheets
from fund.reports.allocation_data import AllocationReport, build_allocation_report
from fund.reports.allocation_pdf import render_allocation_report
from fund.reports.allocation_sections import TRACE_NOTE, cover_facts, key_figures, sections
from fund.reports.decision_pdf import decision_record, render_decision_record
from fund.reports.iati import Export, SchemaMissing
from fund.reports.meeting_pdf import meeting_record, render_meeting_record
from fund.reports.open_data import OPEN_DATA_LABELS, current_exports
from fund.reports.pipeline_pdf import build_booklet, render_booklet
from fund.reports.proposal_pdf import render_proposal_version
from fund.results.coverage import FLAG_LABELS as RESULTS_FLAG_LABELS
from fund.sentences import said_marked

bp = Blueprint("reports", __name__)

OPEN_DATA_FILES = {
    "iati": ("iati-activities.xml", "application/xml"),
    "360giving": ("360giving-grants.json", "application/json"),
}


@dataclass
class ExcludedProgramme:
    proposal_id: int
    ref: str
    title: str
    formats: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def excluded_programmes(exports: Mapping[str, Export]) -> list[ExcludedProgramme]:
    """The programmes left out of any export, once each, with the files and the reasons (in
    the page's language)."""
    found: dict[int, ExcludedProgramme] = {}
    for kind, export in exports.items():
        for e in export.excluded:
            row = found.setdefault(e.proposal_id, ExcludedProgramme(e.proposal_id, e.ref, e.title))
            row.formats.append(OPEN_DATA_LABELS[kind])
            said = [said_marked(r) for r in e.reasons]
            row.reasons.extend(r for r in said if r not in row.reasons)
    return [found[k] for k in sorted(found)]


def _fund_code() -> str:
    return queries.publisher_from_config(current_app.config).fund_code


def _unavailable(error: SchemaMissing):
    current_app.logger.error("open data cannot be validated: %s", error)
    return page(
        503,
        N_("Open data unavailable"),
        N_("The open-data files cannot be produced right now. Please try again later."),
    )


@dataclass
class AllocationRequest:
    """The allocation report's choices as read from the query string, with what is wrong."""

    values: dict[str, str]  # as typed, to fill the form again
    filters: CoverageFilters = field(default_factory=CoverageFilters)
    as_of: date | None = None
    errors: dict[str, str] = field(default_factory=dict)


def read_allocation_request(
    args: Mapping[str, str], calls: list[CallChoice], today: date
) -> AllocationRequest:
    """`call`, `from`, `to` and `as_of` (YYYY-MM-DD), each optional."""
    names = ("call", "from", "to", "as_of")
    chosen = AllocationRequest({n: (args.get(n) or "").strip() for n in names})
    days: dict[str, date | None] = {}
    for name in ("from", "to", "as_of"):
        text = chosen.values[name]
        try:
            days[name] = date.fromisoformat(text) if text else None
        except ValueError:
            days[name] = None
            chosen.errors[name] = _("Give a date as YYYY-MM-DD.")
            continue
        try:
            days[name] = check_day(days[name]) if days[name] else None
        except ValueError as error:
            days[name] = None
            chosen.errors[name] = _(str(error))
    call_id = None
    if chosen.values["call"] not in ("", "0"):
        known = {str(c.id): c.id for c in calls}
        call_id = known.get(chosen.values["call"])
        if call_id is None:
            chosen.errors["call"] = _("Choose a call from the list.")
    if days["from"] and days["to"] and days["to"] < days["from"]:
        chosen.errors["to"] = _("The end of the period must not be before its start.")
    if days["as_of"] and days["as_of"] > today:
        chosen.errors["as_of"] = _("The as-of date cannot be in the future.")
    chosen.filters = CoverageFilters(call_id, days["from"], days["to"])
    chosen.as_of = days["as_of"]
    return chosen


def _reports_page(allocation: AllocationRequest | None = None, status: int = 200):
    try:
        exports: dict[str, Export] | None = current_exports(current_app.config).exports
        schema_error = None
    except SchemaMissing as error:
        exports, schema_error = None, str(error)
    return render_template(
        "reports/index.html",
        exports=exports,
        excluded=excluded_programmes(exports) if exports else [],
        schema_error=schema_error,
        tables=spreadsheets.TABLE_TITLES,
        generated_at=min(e.generated_at for e in exports.values()) if exports else utcnow(),
        calls=call_choices(),
        allocation=allocation or AllocationRequest({}),
        moment_text=moment_text,
    ), status


@bp.route("/reports/")
@roles_required(Role.SECRETARIAT)
def index():
    return _reports_page()


def _requested_report() -> tuple[AllocationRequest, AllocationReport | None]:
    """The allocation report the query string asks for (None when the request has errors,
    which the reports page shows), with the request read."""
    now = utcnow()
    chosen = read_allocation_request(request.args, call_choices(), now.date())
    if chosen.errors:
        return chosen, None
    report = build_allocation_report(
        current_app.config, filters=chosen.filters, as_of=chosen.as_of, generated_at=now
    )
    return chosen, report


@bp.route("/reports/allocation.pdf")
@roles_required(Role.SECRETARIAT)
def allocation_pdf():
    chosen, report = _requested_report()
    if report is None:
        return _reports_page(chosen, 400)
    name = f"allocation-report-{report.day:%Y%m%d}"
    if chosen.filters.call_id:
        name += f"-call-{chosen.filters.call_id}"
    return _pdf(render_allocation_report(report), name)


@bp.route("/reports/allocation")
@roles_required(Role.SECRETARIAT)
def allocation_page():
    """The allocation report as a web page: the PDF's content from the same figures, for
    reading on screen and with a screen reader."""
    chosen, report = _requested_report()
    if report is None:
        return _reports_page(chosen, 400)
    svg = objectives_chart(report.coverage, report.scope, say=_).encode()
    chart = {
        "src": "data:image/svg+xml;base64," + base64.b64encode(svg).decode(),
        "alt": _(
            "Bar chart of the money funded, approved and under review per GCM objective, "
            "with target marks and flags; the figures are in the table below."
        ),
        "summary": chart_summary(report.coverage, say=_),
    }
    return render_template(
        "reports/allocation.html",
        report=report,
        day=in_words(report.day),
        sections=sections(report),
        figures=key_figures(report),
        facts=cover_facts(report),
        trace=_(TRACE_NOTE),
        charts={"objectives": chart},
        flag_codes={_(label): code for code, label in (FLAG_LABELS | RESULTS_FLAG_LABELS).items()},
        args={name: value for name, value in chosen.values.items() if value},
    )


@bp.route("/committee/rounds/<int:round_id>.pdf")
@roles_required(*PROPOSAL_READERS)
def decision_pdf(round_id: int):
    round_ = get_round(round_id)
    record = decision_record(round_, current_user, current_app.config) if round_ else None
    if record is None:
        abort(404)
    return _pdf(
        render_decision_record(record, generated_at=utcnow()),
        f"{record.reference}-round-{record.round.number}-decision",
    )


@bp.route("/committee/meetings/<int:meeting_id>.pdf")
@roles_required(*COMMITTEE_READERS)
def meeting_pdf(meeting_id: int):
    meeting = get_meeting(meeting_id)
    if meeting is None:
        abort(404)
    record = meeting_record(meeting, current_app.config)
    return _pdf(
        render_meeting_record(record, generated_at=utcnow()),
        f"meeting-{meeting.held_on:%Y%m%d}-{meeting.id}",
    )


@bp.route("/pipeline/booklet.pdf")
@roles_required(*COMMITTEE_READERS)
def pipeline_booklet():
    now = utcnow()
    content = render_booklet(build_booklet(current_app.config), generated_at=now)
    return _pdf(content, f"pipeline-{now:%Y%m%d}")


@bp.route("/open-data/pipeline.pdf")
@public
def public_pipeline_booklet():
    now = utcnow()
    content = render_booklet(build_booklet(current_app.config, public=True), generated_at=now)
    return _pdf(content, f"pipeline-public-{now:%Y%m%d}")


@bp.route("/reports/workbook.xlsx")
@roles_required(Role.SECRETARIAT)
def xlsx_export():
    config = current_app.config
    return _download(
        lambda out: spreadsheets.write_workbook(config, out),
        f"{_fund_code()}-fund-data-{utcnow():%Y%m%d}.xlsx",
        xlsx.MIMETYPE,
    )


@bp.route("/reports/tables/<name>.csv")
@roles_required(Role.SECRETARIAT)
def csv_export(name: str):
    if name not in spreadsheets.TABLE_NAMES:
        abort(404)
    table = spreadsheets.build_table(name, current_app.config)
    return _download(
        lambda out: spreadsheets.write_csv(table, out),
        f"{_fund_code()}-{name}-{utcnow():%Y%m%d}.csv",
        "text/csv",  # the response adds "; charset=utf-8" to a text type
    )


def _pdf(content: bytes, name: str) -> Response:
    """The PDF `content` as the download `<the fund's code>-<name>.pdf`."""
    return _download(content, f"{_fund_code()}-{name}.pdf", "application/pdf")


# A download larger than this (bytes) is kept in a temporary file while it is written.
IN_MEMORY = 8 * 2**20


def _download(
    content: bytes | Callable[[IO[bytes]], Any], filename: str, mimetype: str
) -> Response:
    """`content`, or what the function `content` writes to a file, as the download
    `filename`; a large file is written to disk, never held in memory."""
    if isinstance(content, bytes):
        file: IO[bytes] = io.BytesIO(content)
    else:
        file = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY)  # noqa: SIM115 (sent, then closed)
        content(file)
        file.seek(0)
    response = send_file(file, mimetype=mimetype, as_attachment=True, download_name=filename)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/open-data")
@public
def open_data():
    try:
        exports: dict[str, Export] | None = current_exports(current_app.config).exports
    except SchemaMissing as error:
        current_app.logger.error("open data cannot be validated: %s", error)
        exports = None
    return render_template(
        "reports/open_data.html",
        exports=exports,
        publisher=queries.publisher_from_config(current_app.config),
        moment_at=_moment_at,
    )


def _moment_at(moment: datetime) -> str:
    """A UTC moment in words, in the request's language: "4 December 2026 at 17:07 UTC"."""
    return _("%(day)s at %(time)s UTC", day=written(moment), time=f"{moment:%H:%M}")


def _open_data_file(kind: str):
    try:
        cached = current_exports(current_app.config, (kind,))
    except SchemaMissing as error:
        return _unavailable(error)
    export = cached.exports[kind]
    if export.empty:
        return page(
            404,
            N_("Nothing published yet"),
            N_("No funded programme can be published yet. The open-data page explains more."),
        )
    filename, mimetype = OPEN_DATA_FILES[kind]
    # Clients and proxies must ask again each time (no-cache) and may send back the entity tag,
    # which changes with the records: an unchanged file costs a 304, a changed one is never
    # served from a stale copy. Only the tag decides: Last-Modified has whole seconds only.
    tag = cached.entity_tag(kind)
    if request.if_none_match.contains_weak(tag):
        response = Response(status=304)
    else:
        response = Response(export.content, mimetype=mimetype)
        response.headers["Content-Disposition"] = f"inline; filename={_fund_code()}-{filename}"
    response.last_modified = export.generated_at
    response.set_etag(tag, weak=True)
    response.cache_control.no_cache = True
    response.cache_control.public = True
    return response


@bp.route("/open-data/iati.xml")
@public
def open_data_iati():
    return _open_data_file("iati")


@bp.route("/open-data/360giving.json")
@public
def open_data_360giving():
    return _open_data_file("360giving")


@bp.route("/proposals/<int:proposal_id>/versions/<int:number>.pdf")
@roles_required(*PROPOSAL_READERS)
def proposal_pdf(proposal_id: int, number: int):
    proposal = seen_by(current_user, db.session.get(Proposal, proposal_id))
    version = db.session.scalar(
        db.select(ProposalVersion).where(
            ProposalVersion.proposal_id == proposal.id, ProposalVersion.number == number
        )
    )
    if version is None:
        abort(404)
    reference = proposal.reference
    content = render_proposal_version(
        reference=reference,
        number=version.number,
        snapshot=version.snapshot,
        call_title=proposal.call.title,
        submitted_at=version.submitted_at,
        submitted_by=version.submitted_by.name if version.submitted_by else None,
        names=presentation.reference_names(),
        fund_name=current_app.config["FUND_NAME"],
        generated_at=utcnow(),
        framework_names=framework_names(version.snapshot.get(FRAMEWORK_KEY)),
    )
    return _pdf(content, f"{reference}-version-{version.number}")

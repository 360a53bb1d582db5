"""The secretariat's audit log: filters and CSV export."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms.validators import Optional, ValidationError
from wtforms.widgets import TextInput

from fund.access import roles_required
from fund.accounts.models import AUDIT_READERS
from fund.audit import queries as trail
from fund.audit.models import GENESIS_HASH
from fund.audit.operations import compute_hash
from fund.auditlog import details, queries, subjects, words
from fund.extensions import utcnow
from fund.forms import DateField, DateRange, optional_line
from fund.listing import Export, csv_lines, export_arg, export_response, sort_arg
from fund.query_args import page_arg
from fund.routing import MAX_ID

bp = Blueprint("audit", __name__, url_prefix="/audit")

ACTOR_LENGTH = 254  # an email address at its longest
FILTER_NAMES = ("action", "subject_type", "subject_id", "actor", "date_from", "date_to", "q")
CSV_COLUMNS = (
    "id",
    "occurred_at",
    "actor_id",
    "actor_name",
    "actor_organization",
    "action",
    "subject_type",
    "subject_id",
    "from_state",
    "to_state",
    "comment",
    "details",
    "prev_hash",
    "hash",
)


def _date_field(label: Any) -> DateField:
    # A text input, not type="date": the browser would blank a mistyped value, and the person
    # must see what they typed next to the message.
    return DateField(
        label,
        validators=[Optional()],
        widget=TextInput(),
        render_kw={"placeholder": _l("YYYY-MM-DD"), "inputmode": "numeric"},
    )


class AuditFilterForm(DateRange, FlaskForm):
    action = optional_line(
        _l("Action"),
        60,
        description=_l("The code under an action in the list, e.g. contribution_recorded."),
    )
    subject_type = optional_line(
        _l("Subject type"), 40, description=_l("As recorded, e.g. proposal or programme_report.")
    )
    subject_id = optional_line(_l("Subject id"), 40)
    # A name or an email (part of one); a number is a user id, as older links give it.
    actor = optional_line(
        _l("Actor"),
        ACTOR_LENGTH,
        description=_l("A person's name or email address, or part of one."),
    )
    date_from = _date_field(_l("From (UTC)"))
    date_to = _date_field(_l("To (UTC)"))
    q = optional_line(_l("Comment or actor name"), 200)

    def validate_actor(self, field: Any) -> None:
        typed = (field.data or "").strip()
        if typed.isdecimal() and not (typed.isascii() and 1 <= int(typed) <= MAX_ID):
            raise ValidationError(_l("Enter a user id (a whole number)."))

    def filters(self) -> queries.EventFilters:
        def text(value: str | None) -> str | None:
            return value.strip() or None if value else None

        actor = text(self.actor.data)
        by_id = actor is not None and actor.isdecimal()
        return queries.EventFilters(
            action=text(self.action.data),
            subject_type=text(self.subject_type.data),
            subject_id=text(self.subject_id.data),
            actor=int(actor) if by_id else None,
            actor_match=None if by_id else actor,
            date_from=self.date_from.data,
            date_to=self.date_to.data,
            q=text(self.q.data),
        )


def _filter_form() -> AuditFilterForm:
    return AuditFilterForm(formdata=request.args, meta={"csrf": False})


def _filter_args() -> dict[str, str]:
    """The filters as typed, for links that must keep them (pages, CSV)."""
    return {name: request.args[name] for name in FILTER_NAMES if request.args.get(name)}


def _export_cells(row: Any) -> list[Any]:
    values = row._asdict()
    values["occurred_at"] = row.occurred_at.isoformat(timespec="microseconds")
    values["details"] = json.dumps(row.details or {}, sort_keys=True, ensure_ascii=False)
    return [values[name] for name in CSV_COLUMNS]


VIEW_EXPORT = Export(name="audit", title="Audit log", header=CSV_COLUMNS, cells=_export_cells)


@bp.route("/")
@roles_required(*AUDIT_READERS)
def log():
    """The log, filtered and sorted as asked; with `export`, the events of the view (every
    page, in its order) as CSV or XLSX once the filters are correct."""
    form = _filter_form()
    valid = form.validate()
    sorting = sort_arg(queries.SORT_COLUMNS, *queries.DEFAULT_SORT)
    if (fmt := export_arg()) and valid:
        rows = queries.iter_events_sorted(form.filters(), sorting)
        return export_response(fmt, VIEW_EXPORT, rows)
    number = page_arg()
    page = queries.search_events(form.filters(), number, sorting=sorting) if valid else None
    named = subjects.named_subjects(page.rows if page else (), current_user)
    return render_template(
        "audit/log.html",
        form=form,
        page=page,
        head=trail.head(),
        event_count=trail.count_events(),
        filter_args=_filter_args(),
        sorting=sorting,
        view_args={**_filter_args(), **sorting.args()},
        summarise=queries.summarise_details,
        subject_of=lambda row: subjects.subject_of(named, row),
        **WORDS,
    ), (200 if valid else 400)


WORDS = {
    "action_words": words.action_words,
    "subject_words": words.subject_words,
    "state_words": words.state_words,
}


@bp.route("/<int:event_id>")
@roles_required(*AUDIT_READERS)
def event(event_id: int):
    """One event in full: every recorded value, each change before and after side by side,
    and its link in the chain (the previous event's hash, its own, whether they still agree)."""
    row = queries.one_event(event_id)
    if row is None:
        abort(404)
    previous = queries.hash_of(event_id - 1) if event_id > 1 else GENESIS_HASH
    named = subjects.named_subjects([row], current_user)
    return render_template(
        "audit/event.html",
        e=row,
        subject=subjects.subject_of(named, row),
        full=details.full_details(row.details),
        follows=previous is not None and previous == row.prev_hash,
        unaltered=compute_hash(row.prev_hash, row) == row.hash,  # type: ignore[arg-type]
        newer=event_id < trail.count_events(),
        **WORDS,
    )


def _csv_lines(filters: queries.EventFilters) -> Iterator[str]:
    return csv_lines(CSV_COLUMNS, map(_export_cells, queries.iter_events_for_export(filters)))


@bp.route("/export.csv")
@roles_required(*AUDIT_READERS)
def export_csv():
    form = _filter_form()
    if not form.validate():
        return redirect(url_for("audit.log", **_filter_args()))
    filename = f"audit-{utcnow():%Y%m%d}.csv"
    return Response(
        stream_with_context(_csv_lines(form.filters())),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )

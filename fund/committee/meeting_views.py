"""The committee's meetings: the list, a meeting's page (attendance, agenda, decisions,
minutes) and the secretariat's forms to record them. Committee members read them; the
secretariat writes them. The record's PDF is `fund.reports.views.meeting_pdf`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from fund.access import roles_required
from fund.accounts.models import COMMITTEE_READERS, Role
from fund.committee import meetings
from fund.committee.decisions import pipeline_size
from fund.committee.meeting_forms import AddItemForm, ItemForm, MeetingForm, VersionForm
from fund.committee.models import ItemKind, ItemOutcome, Meeting
from fund.committee.rounds import outcome_label
from fund.committee.visibility import record_access
from fund.extensions import db
from fund.labels import N_
from fund.pagination import PER_PAGE, Paging
from fund.query_args import page_arg
from fund.refusals import answer
from fund.web import UNREADABLE_MESSAGE, submit

bp = Blueprint("meetings", __name__, url_prefix="/committee/meetings")

CONCURRENT_MESSAGE = N_(
    "Someone else changed this meeting at the same moment. Nothing of yours was saved; your "
    "input is kept below. Review the meeting, then try again."
)


def _common() -> dict[str, Any]:
    return {
        "is_secretariat": current_user.has_role(Role.SECRETARIAT),
        "kind_labels": ItemKind.labels(),
        "outcome_labels": ItemOutcome.labels(),
        "round_outcome_label": outcome_label,
    }


def _meeting_or_404(meeting_id: int) -> Meeting:
    meeting = meetings.get_meeting(meeting_id)
    if meeting is None:
        abort(404)
    return meeting


def _version(form: Any) -> int | None:
    """The version the form was sent from (None when unreadable: nothing to compare)."""
    try:
        return int(form.version.data)
    except (TypeError, ValueError):
        return None


# The list -------------------------------------------------------------------------------------


@bp.route("/")
@roles_required(*COMMITTEE_READERS)
def index():
    rows, total, page = meetings.meetings(page_arg("page"), PER_PAGE)
    paging = Paging(total, page, PER_PAGE)
    return render_template(
        "committee/meetings.html",
        rows=rows,
        paging=paging,
        page_url=lambda n: url_for("meetings.index", **({"page": n} if n > 1 else {})),
        **_common(),
    )


# Creating and changing a meeting ------------------------------------------------------------


def _meeting_form(form: MeetingForm, meeting: Meeting | None = None) -> MeetingForm:
    people = meetings.seat_people(meeting)
    form.present.choices = [(p.user.id, p.label) for p in people]
    chairs = {p.user.id: p.user.name for p in people}
    form.chaired_by.choices = [(0, _("Not recorded")), *sorted(chairs.items(), key=lambda c: c[1])]
    return form


def _input(form: MeetingForm) -> meetings.MeetingInput:
    return meetings.MeetingInput(
        title=form.title.data or "",
        held_on=form.held_on.data,
        place=form.place.data or "",
        present=set(form.present.data or []),
        chaired_by_id=form.chaired_by.data or None,
        also_present=form.also_present.data or "",
        minutes=form.minutes.data or "",
    )


def _render_form(form: MeetingForm, meeting: Meeting | None, error: str | None, status: int):
    return render_template(
        "committee/meeting_form.html",
        form=form,
        meeting=meeting,
        seats_now=meetings.seats_now(),
        error=error,
        **_common(),
    ), status


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.SECRETARIAT)
def new():
    form = _meeting_form(MeetingForm())
    if request.method == "GET":
        return _render_form(form, None, None, 200)
    return submit(
        form,
        lambda: meetings.create_meeting(current_user, _input(form)).id,
        lambda meeting_id: _to_meeting(
            meeting_id, _("The meeting is recorded. Add its agenda items below."), "success"
        ),
        refusals=(meetings.MeetingRefused, IntegrityError),
        again=lambda message, status: _render_form(form, None, message, status),
        lost_race=CONCURRENT_MESSAGE,
    )


def _to_meeting(meeting_id: int, message: str, category: str, anchor: str | None = None):
    flash(message, category)
    return redirect(url_for("meetings.detail", meeting_id=meeting_id, _anchor=anchor))


@bp.route("/<int:meeting_id>/edit", methods=["GET", "POST"])
@roles_required(Role.SECRETARIAT)
def edit(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    if request.method == "GET":
        form = _meeting_form(
            MeetingForm(
                formdata=None,
                data={
                    "version": meeting.version,
                    "title": meeting.title,
                    "held_on": meeting.held_on,
                    "place": meeting.place,
                    "present": [a.user_id for a in meeting.attendees],
                    "chaired_by": meeting.chaired_by_id or 0,
                    "also_present": meeting.also_present,
                    "minutes": meeting.minutes,
                },
            ),
            meeting,
        )
        return _render_form(form, meeting, None, 200)
    form = _meeting_form(MeetingForm(), meeting)
    return submit(
        form,
        lambda: meetings.update_meeting(
            current_user, meeting_id, _input(form), expected_version=_version(form)
        ),
        lambda changed: _to_meeting(
            meeting_id,
            _("The meeting is saved.") if changed else _("Nothing changed."),
            "success" if changed else "info",
        ),
        refusals=(meetings.MeetingRefused, IntegrityError, StaleDataError),
        again=lambda message, status: _render_form(
            form, _meeting_or_404(meeting_id), message, status
        ),
        lost_race=CONCURRENT_MESSAGE,
    )


# A meeting's page -----------------------------------------------------------------------------


def _render_detail(
    meeting: Meeting,
    *,
    add_form: AddItemForm | None = None,
    error: str | None = None,
    status: int = 200,
):
    represented, needed, met = meetings.quorum_of(meeting)
    records = {}
    for item in meeting.items:
        if item.round is not None and item.proposal is not None:
            records[item.id] = record_access(current_user, item.round, item.proposal)[0]
    return render_template(
        "committee/meeting_detail.html",
        meeting=meeting,
        members=meetings.members_present(meeting),
        alternates=meetings.alternates_present(meeting),
        quorum=(represented, needed, met),
        records=records,
        add_form=add_form or AddItemForm(formdata=None, data={"version": meeting.version}),
        error=error,
        **_common(),
    ), status


@bp.route("/<int:meeting_id>")
@roles_required(*COMMITTEE_READERS)
def detail(meeting_id: int):
    return _render_detail(_meeting_or_404(meeting_id))


@bp.route("/<int:meeting_id>/items", methods=["POST"])
@roles_required(Role.SECRETARIAT)
def add_item(meeting_id: int):
    _meeting_or_404(meeting_id)
    form = AddItemForm()
    return submit(
        form,
        lambda: meetings.add_item(
            current_user,
            meeting_id,
            form.kind.data,
            reference=form.proposal.data or "",
            title=form.title.data or "",
            expected_version=_version(form),
        ),
        lambda _added: _to_meeting(
            meeting_id,
            _("The item is on the agenda. Record the decision when it is taken."),
            "success",
            "agenda-title",
        ),
        refusals=(meetings.MeetingRefused, IntegrityError, StaleDataError),
        again=lambda message, status: _render_detail(
            _meeting_or_404(meeting_id), add_form=form, error=message, status=status
        ),
        lost_race=CONCURRENT_MESSAGE,
    )


def _item_or_404(meeting: Meeting, item_id: int):
    item = next((i for i in meeting.items if i.id == item_id), None)
    if item is None:
        abort(404)
    return item


def _item_form(form: ItemForm, item) -> ItemForm:
    form.round.choices = [(0, _("None"))] + [
        (
            r.id,
            _(
                "Round %(number)s: %(outcome)s",
                number=r.number,
                outcome=_(outcome_label(r.outcome)),
            ),
        )
        for r in meetings.rounds_for(item)
    ]
    form.outcome.choices = [("", _("Not decided yet"))] + [
        (o, _(ItemOutcome(o).label)) for o in meetings.outcomes_for(item)
    ]
    return form


def _render_item(meeting: Meeting, item, form: ItemForm, error: str | None, status: int):
    return render_template(
        "committee/meeting_item.html",
        meeting=meeting,
        item=item,
        form=form,
        remove_form=VersionForm(formdata=None, data={"version": meeting.version}),
        on_note=item.proposal is not None and item.proposal.is_concept_note,
        pipeline_size=pipeline_size(),
        error=error,
        **_common(),
    ), status


@bp.route("/<int:meeting_id>/items/<int:item_id>", methods=["GET", "POST"])
@roles_required(Role.SECRETARIAT)
def item(meeting_id: int, item_id: int):
    meeting = _meeting_or_404(meeting_id)
    found = _item_or_404(meeting, item_id)
    if request.method == "GET":
        form = ItemForm(
            formdata=None,
            data={
                "version": meeting.version,
                "position": found.position,
                "title": found.title,
                "outcome": found.outcome or "",
                "round": found.round_id or 0,
                "rank": found.round.pipeline_place if found.round else None,
                "decision": found.decision,
                "conditions": found.conditions,
            },
        )
        return _render_item(meeting, found, _item_form(form, found), None, 200)
    form = _item_form(ItemForm(), found)

    def again(message: str | None, status: int):
        meeting = _meeting_or_404(meeting_id)
        return _render_item(meeting, _item_or_404(meeting, item_id), form, message, status)

    return submit(
        form,
        lambda: meetings.update_item(
            current_user,
            meeting_id,
            item_id,
            position=form.position.data,
            title=form.title.data or "",
            outcome=form.outcome.data or None,
            decision=form.decision.data or "",
            conditions=form.conditions.data or "",
            round_id=form.round.data or None,
            rank=form.rank.data,
            expected_version=_version(form),
        ),
        lambda changed: _to_meeting(
            meeting_id,
            _("The decision is recorded.") if changed else _("Nothing changed."),
            "success" if changed else "info",
            f"item-{item_id}",
        ),
        refusals=(meetings.MeetingRefused, IntegrityError, StaleDataError),
        again=again,
        lost_race=CONCURRENT_MESSAGE,
    )


@bp.route("/<int:meeting_id>/items/<int:item_id>/remove", methods=["POST"])
@roles_required(Role.SECRETARIAT)
def remove_item(meeting_id: int, item_id: int):
    meeting = _meeting_or_404(meeting_id)
    found = _item_or_404(meeting, item_id)
    form = VersionForm()
    if not form.validate_on_submit():
        edit_form = _item_form(ItemForm(formdata=None, data={"version": meeting.version}), found)
        return _render_item(meeting, found, edit_form, _(UNREADABLE_MESSAGE), 400)
    try:
        meetings.remove_item(current_user, meeting_id, item_id, expected_version=_version(form))
        db.session.commit()
    except (meetings.MeetingRefused, IntegrityError, StaleDataError) as refused:
        db.session.rollback()
        message, status = answer(form, refused, CONCURRENT_MESSAGE)
        meeting = _meeting_or_404(meeting_id)
        found = _item_or_404(meeting, item_id)
        edit_form = _item_form(ItemForm(formdata=None, data={"version": meeting.version}), found)
        return _render_item(meeting, found, edit_form, message, status)
    flash(_("The item is removed from the agenda."), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting_id, _anchor="agenda-title"))

"""The committee's seats: who holds each, their alternates and the chair. Everyone on the
committee, the secretariat and the administrator read the page; the secretariat and the
administrator change it (a sensitive action: it decides who votes)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from fund import web
from fund.access import roles_required, sensitive_post
from fund.accounts.models import SEAT_MANAGERS, SEAT_READERS, Organization, Role, User
from fund.accounts.queries import active_holders_of
from fund.committee import seats
from fund.committee.forms import AlternateForm, ChairForm, HandOverForm, SeatActionForm, SeatForm
from fund.committee.models import Seat
from fund.committee.seating import (
    can_vote,
    current_seats,
    pending_members,
    seated_at_opening,
    seats_that_vote,
)
from fund.extensions import db
from fund.i18n import labelled
from fund.labels import N_

bp = Blueprint("seats", __name__, url_prefix="/committee/seats")

CONCURRENT_MESSAGE = N_(
    "Someone else changed the seats at the same moment. Nothing of yours was saved; your "
    "choice is kept below. Review the seats, then try again."
)


def _change(rule: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A form that changes the seats, posted to `rule`: by the secretariat or the administrator
    only, and a sensitive action (it decides who votes)."""
    return sensitive_post(bp, rule, *SEAT_MANAGERS)


# Choices --------------------------------------------------------------------------------------


def _entities() -> list[tuple[int, str]]:
    """The committee's entities (seed/un_entities.csv: committee = yes), those with a seat
    marked as such."""
    taken = {seat.organization_id for seat in current_seats()}
    rows = db.session.scalars(
        select(Organization)
        .where(Organization.committee_member.is_(True), Organization.active.is_(True))
        .order_by(Organization.acronym, Organization.name)
    )
    return [(o.id, o.label + (" " + _("(has a seat)") if o.id in taken else "")) for o in rows]


def _people() -> list[tuple[int, str]]:
    """Active people with the committee role, each with the seat they hold or stand in for."""
    where: dict[int, str] = {}
    for seat in current_seats():
        where[seat.member_id] = _("holds the seat of %(entity)s", entity=seat.entity)
        for alternate in seat.alternates:
            where[alternate.user_id] = _("alternate for %(entity)s", entity=seat.entity)
    people = db.session.scalars(
        active_holders_of(Role.COMMITTEE).order_by(User.name, User.id)
    ).unique()
    choices = []
    for person in people:
        organization = person.organization.acronym if person.organization else None
        label = person.name + (f", {organization}" if organization else "")
        if person.id in where:
            label += f" ({where[person.id]})"
        choices.append((person.id, label))
    return choices


def _with_choices(form: Any) -> Any:
    pick = [(0, _("Choose…"))]
    if "organization" in form:
        form.organization.choices = pick + _entities()
    for name in ("member", "alternate"):
        if name in form:
            form[name].choices = pick + _people()
    if "seat" in form:
        form.seat.choices = [(0, _("Nobody"))] + [
            (s.id, labelled(s.entity, s.member.name)) for s in current_seats()
        ]
    return form


# The page ---------------------------------------------------------------------------------------


def _render(*, failed: dict[str, Any] | None = None, error: str | None = None, status: int = 200):
    manages = current_user.has_role(*SEAT_MANAGERS)
    shown = current_seats()
    chair = next((s for s in shown if s.chair), None)
    pending = pending_members()
    seated = seated_at_opening(pending)
    return render_template(
        "committee/seats.html",
        seats=shown,
        counted={s.id for s in seats_that_vote(shown)},
        pending=seated,
        waiting=[u for u in pending if u not in seated],
        can_vote=can_vote,
        manages=manages,
        new_form=_with_choices(SeatForm(formdata=None)),
        hand_over_form=_with_choices(HandOverForm(formdata=None)),
        alternate_form=_with_choices(AlternateForm(formdata=None)),
        chair_form=_with_choices(ChairForm(formdata=None, data={"seat": chair.id if chair else 0})),
        action_form=SeatActionForm(formdata=None),
        failed=failed or {},
        error=error,
    ), status


@bp.route("/")
@roles_required(*SEAT_READERS)
def index():
    return _render()


def _again(action: str, key: int, form: Any, message: str | None, status: int):
    """The page again, with the problem at its field and what was chosen kept."""
    return _render(
        failed={"action": action, "key": key, "form": _with_choices(form)},
        error=message,
        status=status,
    )


def _held(seat: Seat) -> str:
    return _("%(name)s holds the seat of %(entity)s.", name=seat.member.name, entity=seat.entity)


def _submit(action: str, key: int, form: Any, run: Callable[[], tuple[str, str]]):
    """Send a form of the page: `run()` changes the seats and returns the sentence to flash
    with its category ("info" when nothing changed); then back to the page."""

    def done(said: tuple[str, str]):
        flash(*said)
        return redirect(url_for("seats.index"))

    return web.submit(
        form,
        run,
        done,
        refusals=(seats.SeatRefused, IntegrityError),
        again=lambda message, status: _again(action, key, form, message, status),
        lost_race=CONCURRENT_MESSAGE,
    )


@_change("/")
def create():
    form = _with_choices(SeatForm())

    def run():
        seat = seats.assign_seat(current_user, form.organization.data, form.member.data)
        return _held(seat), "success"

    return _submit("new", 0, form, run)


@_change("/<int:seat_id>/member")
def hand_over(seat_id: int):
    db.get_or_404(Seat, seat_id)
    form = _with_choices(HandOverForm())

    def run():
        if not seats.hand_over(current_user, seat_id, form.member.data):
            return _("Nothing changed: that person already holds the seat."), "info"
        seat = db.session.get(Seat, seat_id)
        return _held(seat), "success"

    return _submit("hand_over", seat_id, form, run)


@_change("/<int:seat_id>/alternates")
def name_alternate(seat_id: int):
    db.get_or_404(Seat, seat_id)
    form = _with_choices(AlternateForm())

    def run():
        alternate = seats.name_alternate(current_user, seat_id, form.alternate.data)
        seat = db.session.get(Seat, seat_id)
        said = _(
            "%(name)s is an alternate for the seat of %(entity)s.",
            name=alternate.user.name,
            entity=seat.entity,
        )
        return said, "success"

    return _submit("alternate", seat_id, form, run)


@_change("/<int:seat_id>/alternates/<int:user_id>/remove")
def remove_alternate(seat_id: int, user_id: int):
    seat = db.get_or_404(Seat, seat_id)

    def run():
        person = db.session.get(User, user_id)
        seats.remove_alternate(current_user, seat_id, user_id)
        if person is None:
            return _("The person is no longer an alternate for %(entity)s.", entity=seat.entity), (
                "success"
            )
        said = _(
            "%(name)s is no longer an alternate for %(entity)s.",
            name=person.name,
            entity=seat.entity,
        )
        return said, "success"

    return _submit(f"remove-{user_id}", seat_id, SeatActionForm(), run)


@_change("/<int:seat_id>/retire")
def retire(seat_id: int):
    db.get_or_404(Seat, seat_id)

    def run():
        seat = seats.retire_seat(current_user, seat_id)
        return _(
            "The seat of %(entity)s is retired: it sits in no new round.", entity=seat.entity
        ), "success"

    return _submit("retire", seat_id, SeatActionForm(), run)


@_change("/chair")
def chair():
    form = _with_choices(ChairForm())

    def run():
        if not seats.set_chair(current_user, form.seat.data or None):
            return _("Nothing changed: the chair was already as chosen."), "info"
        chair_seat = next((s for s in current_seats() if s.chair), None)
        if chair_seat is None:
            return _("The committee has no chair."), "success"
        said = _(
            "%(name)s (%(entity)s) chairs the committee.",
            name=chair_seat.member.name,
            entity=chair_seat.entity,
        )
        return said, "success"

    return _submit("chair", 0, form, run)

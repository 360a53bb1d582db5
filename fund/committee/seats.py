"""Changes of the committee's seats: assigning a seat, handing it to another member, retiring
it, naming and removing alternates, and choosing the chair. The secretariat and the
administrator make them; every change is audited. Callers commit.

The database keeps the rules a race could break: a person holds one seat at a time, stands in
for one seat at a time, and there is one chair (partial unique indexes of `committee_seats` and
`committee_seat_alternates`). The checks below say the same in a sentence first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from fund.accounts.models import SEAT_MANAGERS, Organization, Role, User
from fund.audit.operations import record
from fund.committee.models import Seat, SeatAlternate, SeatTerm
from fund.committee.seating import seated_at_opening
from fund.extensions import db, utcnow
from fund.labels import N_
from fund.refusals import Refused

SUBJECT = "committee_seat"


class SeatRefused(Refused):
    """A change of the seats that was refused; nothing was changed."""


def _require_manager(actor: User) -> None:
    if not actor.has_role(*SEAT_MANAGERS):
        raise SeatRefused(N_("Only the secretariat or an administrator can change the seats."))


def _seat(seat_id: int) -> Seat:
    seat = db.session.get(Seat, seat_id)
    if seat is None or seat.ended_at is not None:
        raise SeatRefused(N_("There is no such seat (it may have been retired)."))
    return seat


def _entity(seat: Seat | None) -> str:
    return seat.entity if seat is not None else ""


def _person(user_id: int | None, field: str) -> User:
    """A person who may sit on the committee: active, with the committee role."""
    person = db.session.get(User, user_id) if user_id else None
    if person is None:
        raise SeatRefused(N_("Choose a person."), field)
    if not person.active:
        raise SeatRefused(N_("%(name)s's account is deactivated."), field, name=person.name)
    if not person.has_role(Role.COMMITTEE):
        raise SeatRefused(
            N_(
                "%(name)s does not have the committee role: an administrator gives it on "
                "the user's page first."
            ),
            field,
            name=person.name,
        )
    return person


def _free(person: User, field: str, *, seat: Seat | None = None) -> None:
    """The person holds no seat and stands in for none (other than `seat`'s own roles, which
    the caller checks)."""
    held = db.session.scalar(
        select(Seat).where(Seat.member_id == person.id, Seat.ended_at.is_(None))
    )
    if held is not None and held is not seat:
        raise SeatRefused(
            N_("%(name)s already holds the seat of %(entity)s."),
            field,
            name=person.name,
            entity=held.entity,
        )
    standing_in = db.session.scalar(
        select(SeatAlternate).where(
            SeatAlternate.user_id == person.id, SeatAlternate.ended_at.is_(None)
        )
    )
    if standing_in is not None:
        other = db.session.get(Seat, standing_in.seat_id)
        raise SeatRefused(
            N_(
                "%(name)s is an alternate for the seat of %(entity)s: remove them as "
                "alternate first."
            ),
            field,
            name=person.name,
            entity=_entity(other),
        )


def _organization(organization_id: int | None) -> Organization:
    found = db.session.get(Organization, organization_id) if organization_id else None
    if found is None or not found.active:
        raise SeatRefused(N_("Choose the entity the seat represents."), "organization")
    taken = db.session.scalar(
        select(Seat).where(Seat.organization_id == found.id, Seat.ended_at.is_(None))
    )
    if taken is not None:
        raise SeatRefused(
            N_("%(entity)s already has a seat, held by %(name)s."),
            "organization",
            entity=found.label,
            name=taken.member.name,
        )
    return found


def _new_seat(organization_id: int | None, member_id: int, now: datetime) -> Seat:
    seat = Seat(organization_id=organization_id, member_id=member_id, chair=False, started_at=now)
    db.session.add(seat)
    db.session.flush()
    db.session.add(SeatTerm(seat_id=seat.id, member_id=member_id, started_at=now))
    db.session.flush()
    return seat


def _end_term(seat: Seat, now: datetime) -> None:
    term = db.session.scalar(
        select(SeatTerm).where(SeatTerm.seat_id == seat.id, SeatTerm.ended_at.is_(None))
    )
    if term is not None:
        term.ended_at = now


def _details(seat: Seat, **more: Any) -> dict[str, Any]:
    return {
        "seat": seat.id,
        "organization": seat.organization_id,
        "member": seat.member_id,
        "chair": seat.chair,
        **more,
    }


def _record_alternates_changed(
    action: str, seat: Seat, actor: User, now: datetime, **details: Any
) -> None:
    """Once the seat's alternates changed: written, read again from the database when next
    used, and audited with the seat's details."""
    db.session.flush()
    db.session.expire(seat, ["alternates"])
    record(action, SUBJECT, seat.id, actor, details=_details(seat, **details), now=now)


def seat_pending_members(now: datetime | None = None) -> list[Seat]:
    """Give the committee members whom no seat names a seat for their own organization, one
    per entity that holds none (`fund.committee.seating.seated_at_opening`); a round's opening
    calls it. Audited with no actor."""
    now = now or utcnow()
    made = []
    for person in seated_at_opening():
        seat = _new_seat(person.organization_id, person.id, now)
        record(
            "committee_seat_assigned",
            SUBJECT,
            seat.id,
            None,
            comment="A committee member without a seat sits for their own organization.",
            details=_details(seat, automatic=True),
            now=now,
        )
        made.append(seat)
    return made


def assign_seat(
    actor: User, organization_id: int | None, member_id: int | None, *, now: datetime | None = None
) -> Seat:
    """A new seat for an entity, held by a committee member."""
    _require_manager(actor)
    now = now or utcnow()
    organization = _organization(organization_id)
    person = _person(member_id, "member")
    _free(person, "member")
    seat = _new_seat(organization.id, person.id, now)
    record("committee_seat_assigned", SUBJECT, seat.id, actor, details=_details(seat), now=now)
    return seat


def hand_over(
    actor: User, seat_id: int, member_id: int | None, *, now: datetime | None = None
) -> bool:
    """Another committee member holds the seat from now on (the rounds already open ask the
    seat's people when they vote). True if it changed."""
    _require_manager(actor)
    now = now or utcnow()
    seat = _seat(seat_id)
    person = _person(member_id, "member")
    if person.id == seat.member_id:
        return False
    if any(a.user_id == person.id for a in seat.alternates):
        raise SeatRefused(
            N_("%(name)s is an alternate for this seat: remove them as alternate first."),
            "member",
            name=person.name,
        )
    _free(person, "member")
    before = seat.member_id
    _end_term(seat, now)
    db.session.flush()  # the seat's one current term holds between the two changes
    seat.member_id = person.id
    db.session.add(SeatTerm(seat_id=seat.id, member_id=person.id, started_at=now))
    db.session.flush()
    db.session.expire(seat, ["member"])
    record(
        "committee_seat_handed_over",
        SUBJECT,
        seat.id,
        actor,
        details=_details(seat, before=before, after=person.id),
        now=now,
    )
    return True


def retire_seat(actor: User, seat_id: int, *, now: datetime | None = None) -> Seat:
    """The seat sits in no new round; in the rounds open now it stops counting unless its vote
    was cast. Its alternates are released; a chair's seat leaves the committee without chair."""
    _require_manager(actor)
    now = now or utcnow()
    seat = _seat(seat_id)
    for alternate in seat.alternates:
        db.session.get(SeatAlternate, alternate.id).ended_at = now
    was_chair = seat.chair
    _end_term(seat, now)
    seat.chair = False
    seat.ended_at = now
    _record_alternates_changed("committee_seat_retired", seat, actor, now, was_chair=was_chair)
    return seat


def name_alternate(
    actor: User, seat_id: int, user_id: int | None, *, now: datetime | None = None
) -> SeatAlternate:
    """`user_id` votes for the seat when its member does not."""
    _require_manager(actor)
    now = now or utcnow()
    seat = _seat(seat_id)
    person = _person(user_id, "alternate")
    if person.id == seat.member_id:
        raise SeatRefused(N_("%(name)s holds this seat."), "alternate", name=person.name)
    _free(person, "alternate")
    alternate = SeatAlternate(seat_id=seat.id, user_id=person.id, started_at=now)
    db.session.add(alternate)
    _record_alternates_changed("committee_alternate_named", seat, actor, now, alternate=person.id)
    return alternate


def remove_alternate(
    actor: User, seat_id: int, user_id: int, *, now: datetime | None = None
) -> None:
    _require_manager(actor)
    now = now or utcnow()
    seat = _seat(seat_id)
    alternate = db.session.scalar(
        select(SeatAlternate).where(
            SeatAlternate.seat_id == seat.id,
            SeatAlternate.user_id == user_id,
            SeatAlternate.ended_at.is_(None),
        )
    )
    if alternate is None:
        raise SeatRefused(N_("That person is not an alternate for this seat (any more)."))
    alternate.ended_at = now
    _record_alternates_changed("committee_alternate_removed", seat, actor, now, alternate=user_id)


def set_chair(actor: User, seat_id: int | None, *, now: datetime | None = None) -> bool:
    """The member of `seat_id` chairs the committee (None: nobody). True if it changed."""
    _require_manager(actor)
    now = now or utcnow()
    seat = _seat(seat_id) if seat_id else None
    current = db.session.scalar(select(Seat).where(Seat.chair.is_(True), Seat.ended_at.is_(None)))
    if current is seat:
        return False
    if current is not None:
        current.chair = False
        db.session.flush()  # the one chair's index holds between the two changes
    if seat is not None:
        seat.chair = True
        db.session.flush()
    record(
        "committee_chair_set",
        SUBJECT,
        seat.id if seat is not None else (current.id if current else 0),
        actor,
        details={
            "before": current.id if current else None,
            "after": seat.id if seat else None,
            "member": seat.member_id if seat else None,
        },
        now=now,
    )
    return True

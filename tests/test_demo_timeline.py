"""The demo set's history is dated as it would have happened (fund/demo/timeline.py): the clock
a step runs on, the demo's calendar on any day of the year, and the loaded demo's records, in
the order of time and none later than the day it is loaded."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from fund.accounts.models import User
from fund.audit.models import AuditEvent
from fund.calls.models import Call
from fund.committee.models import VotingRound
from fund.demo.timeline import Calendar, Timeline
from fund.extensions import dated, db, utcnow
from fund.finance.closure_models import Refund
from fund.finance.closure_queries import refunds_due
from fund.notifications.models import Notification
from fund.proposals.models import Proposal
from fund.reporting.models import ProgrammeReport
from fund.reporting.schedule import Settings, settings_from

DEFAULTS = settings_from({})


def test_dated_sets_the_clock_back_within_its_block_only():
    moment = datetime(2024, 5, 6, 9, 0, tzinfo=UTC)
    with dated(moment):
        inside = utcnow()
        assert inside.tzinfo is UTC
        assert moment <= inside < moment + timedelta(seconds=5)
    assert utcnow() - datetime.now(UTC) < timedelta(seconds=1)
    assert utcnow() > moment + timedelta(days=365)


def test_dated_refuses_a_moment_to_come():
    with pytest.raises(ValueError, match="later than now"), dated(utcnow() + timedelta(days=1)):
        pass


def test_a_timeline_takes_its_steps_in_the_order_of_their_days(ctx):
    today = utcnow().date()
    timeline, taken = Timeline(today), []
    for days, name in ((3, "third"), (10, "first"), (3, "fourth"), (5, "second")):
        day = today - timedelta(days=days)
        timeline.on(day, lambda name=name: taken.append((name, utcnow())))
    with pytest.raises(ValueError, match="after today"):
        timeline.on(today + timedelta(days=1), lambda: None)
    timeline.run()
    assert [name for name, _ in taken] == ["first", "second", "third", "fourth"]
    moments = [moment for _, moment in taken]
    assert moments == sorted(moments)
    assert [m.date() for m in moments] == [today - timedelta(days=d) for d in (10, 5, 3, 3)]
    # The day's next step, a minute later.
    assert timedelta(seconds=59) < moments[3] - moments[2] < timedelta(seconds=61)


def test_what_a_step_adds_is_dated_on_its_day_even_unflushed(app):
    from fund.accounts.models import Organization

    with app.app_context():
        today = utcnow().date()
        timeline = Timeline(today)
        timeline.on(
            today - timedelta(days=5),
            lambda: db.session.add(Organization(name="Dated donor", kind="other")),
        )
        timeline.run()
        db.session.commit()
        made = db.session.scalar(select(Organization).where(Organization.name == "Dated donor"))
        assert made.created_at.date() == today - timedelta(days=5)


@pytest.mark.parametrize(
    "settings",
    [DEFAULTS, Settings((1, 31), (2, 28), 3, (4, 30)), Settings((6, 30), (6, 30), 3, (6, 30))],
)
def test_the_demo_calendar_holds_one_reported_year_on_every_day(settings):
    """Whatever the day the demo is loaded: the funded programme's first year is reported
    (its reports due and its reporting weeks over), its next year's reports are not due yet,
    and the programme closed early began before it closed."""
    narrative = settings.annual_narrative_due
    day = date(2026, 1, 1)
    while day <= date(2028, 12, 31):
        calendar = Calendar.counted_back(day, settings)
        first_due = date(calendar.year + 1, *narrative)
        assert first_due < day, day
        assert calendar.year_end + timedelta(days=90) < day, day
        assert date(calendar.year + 2, *narrative) >= day or (
            date(calendar.year + 1, 12, 31) + timedelta(days=90) >= day
        ), day
        assert calendar.start.year == calendar.year
        assert calendar.next_start < calendar.ago(20), day
        day += timedelta(days=1)


def submitted_days() -> list[date]:
    moments = db.session.scalars(
        select(Proposal.submitted_at).where(Proposal.submitted_at.is_not(None))
    )
    return [moment.date() for moment in moments]


def test_the_demo_history_is_in_the_order_of_time_and_none_of_it_to_come(
    app, backend, prepared_demo
):
    prepared_demo.data(backend)
    with app.app_context():
        today = utcnow().date()
        moments = db.session.scalars(select(AuditEvent.occurred_at).order_by(AuditEvent.id)).all()
        assert len(moments) > 100
        assert moments == sorted(moments)
        assert moments[-1] <= utcnow()
        assert moments[0].date() < today - timedelta(days=365)
        # The accounts were made before the history they take part in.
        made = db.session.scalars(select(User.created_at).where(User.email.like("%@demo.fund")))
        assert max(made) < moments[0]
        # The full-proposal call opened the day it was made, before the first submission.
        call = db.session.scalar(select(Call).where(Call.stage == "full_proposal"))
        assert call.opens_on == call.created_at.date() < min(submitted_days())
        submitted = submitted_days()
        assert max(submitted) <= today
        funded = db.session.scalar(select(Proposal).where(Proposal.status == "funded"))
        reports = db.session.scalars(
            select(ProgrammeReport)
            .where(ProgrammeReport.proposal_id == funded.id)
            .order_by(ProgrammeReport.due_on)
        ).all()
        # Every report is due after its period; the first year's narrative report is overdue,
        # its financial report accepted, and nothing of a later year is due yet.
        assert all(r.due_on > r.period_end for r in reports)
        # A report is submitted once its period has begun, never before.
        sent = [r for r in reports if r.submitted_at is not None]
        assert sent and all(r.submitted_at.date() >= r.period_start for r in sent)
        assert funded.planned_start < funded.submitted_at.date() + timedelta(days=365)
        past_due = [(r.kind, r.status) for r in reports if r.due_on < today]
        assert ("annual_narrative", "due") in past_due
        assert ("annual_financial", "accepted") in past_due
        assert len({r.year for r in reports if r.due_on < today}) == 1
        closed = db.session.scalar(select(Proposal).where(Proposal.status == "closed"))
        closed_on = db.session.scalar(
            select(AuditEvent.occurred_at).where(
                AuditEvent.subject_type == "proposal",
                AuditEvent.subject_id == str(closed.id),
                AuditEvent.to_state == "closed",
            )
        )
        assert closed.planned_start < closed_on.date() < today
        # Half its lead organization's refund came in after the closure; the rest is owed.
        (owed,) = refunds_due()
        (received,) = db.session.scalars(select(Refund)).all()
        assert owed.proposal_id == closed.id and owed.refunded == received.amount > 0
        assert abs(owed.outstanding - received.amount) <= Decimal("0.01")
        assert closed_on.date() < received.received_on < today
        # What people were told more than two weeks ago they have read (by the next day);
        # what came since waits, unless acting on it read it (a vote cast reads its request).
        notes = db.session.scalars(select(Notification)).all()
        old = [n for n in notes if n.created_at.date() < today - timedelta(days=14)]
        recent = [n for n in notes if n.created_at.date() > today - timedelta(days=14)]
        assert old and all(n.read_at is not None for n in old)
        assert recent and any(n.read_at is None for n in recent)
        # Each round has its deadline: those still open end after today, the others closed
        # before theirs.
        rounds = db.session.scalars(select(VotingRound)).all()
        assert rounds and all(r.deadline is not None for r in rounds)
        assert all(r.deadline.date() > today for r in rounds if r.status == "open")
        assert all(r.closed_at < r.deadline for r in rounds if r.status == "closed")

"""A programme's last day is one rule (`fund.days.last_day`): the version page's planned end,
the open data's planned end, the reporting schedule and a revision's end date all name the
same day, the day before the same date `months` later."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from types import SimpleNamespace

from fund.days import add_months, last_day
from fund.proposals.presentation import ReferenceNames, VersionText
from fund.reporting.schedule import programme_dates
from fund.reports.queries import FundedProgramme

START, MONTHS, LAST = date(2027, 1, 15), 24, date(2029, 1, 14)


def test_a_period_of_whole_months_ends_the_day_before_the_same_date_later():
    assert last_day(START, MONTHS) == LAST
    assert last_day(date(2027, 1, 1), 12) == date(2027, 12, 31)
    # From the 31st, a shorter month's last day is the same date later.
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert last_day(date(2027, 1, 31), 1) == date(2027, 2, 27)


def _programme() -> FundedProgramme:
    return FundedProgramme(
        proposal_id=1,
        title="T",
        summary="",
        status="funded",
        scope=None,
        call_id=1,
        call_title="C",
        planned_start=START,
        duration_months=MONTHS,
        lead=None,
        participants=(),
        countries=(),
        primary_objective=None,
        secondary_objectives=(),
        objective_costs=(),
        allocation=None,
        updated_at=datetime(2027, 1, 1, tzinfo=UTC),
    )


def test_every_page_and_file_names_the_same_last_day(app):
    proposal = SimpleNamespace(planned_start=START, duration_months=MONTHS)
    assert programme_dates(proposal, date(2026, 12, 1)) == (START, LAST)
    assert _programme().planned_end == LAST
    assert replace(_programme(), duration_months=None).planned_end is None
    names = ReferenceNames({}, {}, {}, {}, {})
    snapshot = {"planned_start": START.isoformat(), "duration_months": MONTHS}
    with app.test_request_context():
        assert VersionText(snapshot, names).planned_end() == "14 January 2029"


def test_a_version_writes_one_month_in_the_singular(app):
    names = ReferenceNames({}, {}, {}, {}, {})
    with app.test_request_context():
        text = VersionText({}, names)
        assert text.items("duration_months", 1) == ["1 month"]
        assert text.items("duration_months", 18) == ["18 months"]
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert VersionText({}, names).items("duration_months", 1) == ["1 mois"]

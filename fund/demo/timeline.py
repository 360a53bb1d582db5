"""The demo set's days: its history is written step by step, each step on its day and in the
order of the days, so that every record (the audit trail first) is dated as it would have been.

The days are counted back from the day the demo is loaded. The funded programme began in the
last calendar year whose annual reports are due (`REPORT_ANNUAL_NARRATIVE_DUE`, 31 March by
default): that year's financial report is accepted and its narrative report overdue, and the
next year's reports are not due yet, whatever the day the demo is loaded. The programme closed
early began the next January; the proposals still on their way are weeks old.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from fund.extensions import dated, db
from fund.reporting.schedule import Settings

# When the first step of a day is taken; the day's next steps follow a minute apart.
WORKDAY_STARTS = time(9, 0)
# The fund was set up so many days before its funded programme's first day.
SET_UP_DAYS = 300
# A year's reports are written over the next weeks: its last step comes so many days after it.
REPORTING_DAYS = 90


@dataclass(frozen=True)
class Calendar:
    """The demo's days: `today`, and `year`, the calendar year the funded programme began."""

    today: date
    year: int

    @classmethod
    def counted_back(cls, today: date, settings: Settings) -> Calendar:
        """The calendar whose funded programme began in the latest year that is reported: its
        narrative report due and its reporting weeks over before `today`."""
        year = today.year - 1
        while not _reported(year, today, settings):
            year -= 1
        return cls(today, year)

    @property
    def start(self) -> date:
        """The funded programme's first day."""
        return date(self.year, 3, 1)

    @property
    def set_up(self) -> date:
        """The day the fund's accounts and calls were set up, before its first contribution."""
        return self.start - timedelta(days=SET_UP_DAYS)

    @property
    def next_start(self) -> date:
        """The first day of the programme the secretariat closed early."""
        return date(self.year + 1, 1, 15)

    @property
    def year_end(self) -> date:
        """The last day of the funded programme's first year."""
        return date(self.year, 12, 31)

    def ago(self, days: int) -> date:
        return self.today - timedelta(days=days)


def _reported(year: int, today: date, settings: Settings) -> bool:
    month, day = settings.annual_narrative_due
    due = date(year + 1, month, day)
    return max(due, date(year, 12, 31) + timedelta(days=REPORTING_DAYS)) < today


@dataclass
class Timeline:
    """Steps to take on given days: `run` takes them in the order of their days (those of one
    day in the order they were added), each with the clock set to its day (`fund.extensions.
    dated`)."""

    today: date
    steps: list[tuple[date, int, Callable[[], object]]] = field(default_factory=list)

    def on(self, day: date, step: Callable[[], object]) -> None:
        if day > self.today:
            raise ValueError(f"A demo step on {day.isoformat()}, after today")
        self.steps.append((day, len(self.steps), step))

    def run(self) -> None:
        ordered = sorted(self.steps, key=lambda s: (s[0], s[1]))
        self.steps = []
        minute, last_day = 0, None
        for day, _, step in ordered:
            minute = minute + 1 if day == last_day else 0
            last_day = day
            moment = datetime.combine(day, WORKDAY_STARTS, UTC) + timedelta(minutes=minute)
            with dated(min(moment, datetime.now(UTC))):
                step()
                db.session.flush()  # the rows' default times are taken on the step's day

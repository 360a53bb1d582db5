"""The reporting schedule a programme gets when it is funded, from the settings in config.py
(`REPORT_*`).

For each calendar year of the programme before the year it ends: an annual narrative and an
annual financial report on that year (the part of it the programme ran), due on the set days of
the next year (31 March and 30 April by default). Then a final narrative report on the whole
programme, due the set number of months after the end date (3), and a final financial report on
the last year, due on the set day of the year after the end (30 April).

The programme runs from its planned start (the funding date when it has none) for its duration
in months (12 when it has none).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from config import setting
from fund.days import add_months, last_day
from fund.proposals.models import Proposal
from fund.reporting.models import ProgrammeReport, ReportKind

DEFAULT_DURATION_MONTHS = 12


@dataclass(frozen=True)
class Settings:
    annual_narrative_due: tuple[int, int]  # (month, day) of the year after the period
    annual_financial_due: tuple[int, int]
    final_narrative_months: int
    final_financial_due: tuple[int, int]


def _month_day(config: Mapping[str, Any], name: str) -> tuple[int, int]:
    """The setting `name`, a day of the year as MM-DD, as (month, day)."""
    text = setting(config, name)
    try:
        month, day = (int(part) for part in str(text).split("-"))
        date(2001, month, day)  # a day every year has (no 29 February)
    except ValueError as error:
        raise ValueError(f"{name} must be a day of the year as MM-DD, not {text!r}.") from error
    return month, day


def settings_from(config: Mapping[str, Any]) -> Settings:
    months = int(setting(config, "REPORT_FINAL_NARRATIVE_MONTHS"))
    if months < 0:
        raise ValueError("REPORT_FINAL_NARRATIVE_MONTHS cannot be negative.")
    return Settings(
        annual_narrative_due=_month_day(config, "REPORT_ANNUAL_NARRATIVE_DUE"),
        annual_financial_due=_month_day(config, "REPORT_ANNUAL_FINANCIAL_DUE"),
        final_narrative_months=months,
        final_financial_due=_month_day(config, "REPORT_FINAL_FINANCIAL_DUE"),
    )


@dataclass(frozen=True)
class Planned:
    """One report of the schedule."""

    kind: str
    period_start: date
    period_end: date
    year: int
    due_on: date

    def report(self, proposal_id: int) -> ProgrammeReport:
        """A new report of the programme `proposal_id` for this period."""
        return ProgrammeReport(proposal_id=proposal_id, **asdict(self))


def programme_months(proposal: Proposal) -> int:
    """The programme's duration in months as its schedule and its revisions count it: its own,
    else DEFAULT_DURATION_MONTHS."""
    return proposal.duration_months or DEFAULT_DURATION_MONTHS


def programme_dates(proposal: Proposal, funded_on: date) -> tuple[date, date]:
    """The programme's first and last days: from its planned start (else the funding date)
    for its duration (`programme_months`)."""
    start = proposal.planned_start or funded_on
    return start, last_day(start, programme_months(proposal))


def plan(start: date, end: date, settings: Settings) -> list[Planned]:
    """The reports of a programme running from `start` to `end` (both included), by due date."""
    planned: list[Planned] = []
    for year in range(start.year, end.year):
        first, last = max(start, date(year, 1, 1)), date(year, 12, 31)
        for kind, (month, day) in (
            (ReportKind.ANNUAL_NARRATIVE, settings.annual_narrative_due),
            (ReportKind.ANNUAL_FINANCIAL, settings.annual_financial_due),
        ):
            planned.append(Planned(kind.value, first, last, year, date(year + 1, month, day)))
    month, day = settings.final_financial_due
    planned.append(
        Planned(
            ReportKind.FINAL_NARRATIVE.value,
            start,
            end,
            end.year,
            add_months(end, settings.final_narrative_months),
        )
    )
    planned.append(
        Planned(
            ReportKind.FINAL_FINANCIAL.value,
            max(start, date(end.year, 1, 1)),
            end,
            end.year,
            date(end.year + 1, month, day),
        )
    )
    return sorted(planned, key=lambda report: (report.due_on, report.kind))

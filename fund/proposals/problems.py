"""A problem that stops a submission (`Problem`), the fund's rules the checks apply (`Rules`),
and the checks of the programme's dates: its planned start on the day of submission, and the
calendar years it runs in (`fund.proposals.checks` lists them all)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date
from decimal import Decimal
from typing import Any

from fund.days import add_months, last_day
from fund.labels import N_
from fund.proposals.models import Proposal
from fund.sentences import MONTHS, Counted, OnDay, Sentence, said


@dataclass(frozen=True)
class Problem:
    """`message` is in English, with its `values` filled in (`%(name)s`); `translated` is the
    same in the reader's language."""

    criterion: str  # the screening criterion it concerns, or "required"
    field: str  # the id of the form field or section to fix it in
    message: str
    values: Mapping[str, Any] | None = dataclass_field(default=None, compare=False)
    # The message as marked for translation, before its values are filled in.
    text: str = dataclass_field(default="", init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", self.message)
        if self.values:
            object.__setattr__(self, "message", self.message % self.values)

    @property
    def sentence(self) -> Sentence:
        """The problem as a `Sentence`: its English `message`, in the reader's language where
        it is shown (`said`)."""
        return Sentence(self.text, **(self.values or {}))

    @property
    def translated(self) -> str:
        return said(self.sentence)


@dataclass(frozen=True)
class Rules:
    """The fund's configurable rules that the checks apply."""

    indirect_rate: Decimal
    gender_minimum: int
    # The day (UTC) submission is judged on, and how many months after it a planned start may
    # be; without a day (screening, after submission) the planned start is not judged.
    today: date | None = None
    start_horizon_months: int = 36


def planned_start_problems(proposal: Proposal, rules: Rules) -> list[Problem]:
    """The planned start, on the day of submission: not past, nor further ahead than the set
    number of months."""
    start, today = proposal.planned_start, rules.today
    if start is None or today is None:
        return []
    if start < today:
        return [
            Problem(
                "required",
                "planned_start",
                N_("The planned start (%(start)s) has passed: choose today or a later day."),
                {"start": OnDay(start)},
            )
        ]
    latest = add_months(today, rules.start_horizon_months)
    if start > latest:
        return [
            Problem(
                "required",
                "planned_start",
                N_(
                    "The planned start (%(start)s) is more than %(months)s ahead: choose a day "
                    "no later than %(latest)s."
                ),
                {
                    "start": OnDay(start),
                    "months": Counted(MONTHS, rules.start_horizon_months),
                    "latest": OnDay(latest),
                },
            )
        ]
    return []


def calendar_years(proposal: Proposal) -> range | None:
    """The calendar years the programme runs in, from its planned start over its duration (None
    while either is missing)."""
    start, months = proposal.planned_start, proposal.duration_months
    if start is None or not months or not 0 < months <= 1200:
        return None
    return range(start.year, last_day(start, months).year + 1)

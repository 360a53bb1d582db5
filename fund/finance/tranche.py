"""The tranche conditions: what a transfer must meet to be released.

`CONDITIONS` is the table: each condition's name (kept with the request), its label (shown on
the pages), its guard function and whether it holds for an organization's first tranche too. A
guard takes the request's `TrancheFacts` and the settings and returns the failing condition's
sentences, one per problem (none: it passes). Every tranche stays within what the transfer
schedule plans up to it; tranche 1 (no transfer yet to that organization) has no other
condition.

The facts that come from the programme's reports are read through `REPORT_READERS`, which
`fund.reporting` fills from its `init_app` (reports sit above finance in the layers).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from fund.i18n import Money, Share, kept
from fund.labels import N_
from fund.money import ZERO
from fund.sentences import OnDay, Sentence, Within


@dataclass(frozen=True)
class PendingReport:
    """A report of the programme not yet accepted, as the refusal names it."""

    year: int
    kind_label: str  # "Annual financial report"
    due_on: date
    status_label: str  # as displayed: "Overdue", "Returned", ...

    def sentence(self) -> str:
        return Sentence(
            N_("The %(year)s %(report)s is not accepted (due %(due)s, %(status)s)."),
            year=self.year,
            report=Within(self.kind_label),
            due=OnDay(self.due_on),
            status=Within(self.status_label),
        )


class ReportReaders:
    """What the tranche conditions read of the programme's reports, registered by
    `fund.reporting.init_app`: `pending_reports(proposal_id, before_year, today)` (the reports
    of years before `before_year` not accepted) and `reported_spent(allocation_id,
    organization_id)` (the organization's expenditure in the accepted financial reports)."""

    def __init__(self) -> None:
        self._readers: dict[str, Callable[..., Any]] = {}

    def register(self, **readers: Callable[..., Any]) -> None:
        self._readers.update(readers)

    def __getattr__(self, name: str) -> Callable[..., Any]:
        try:
            return self.__dict__["_readers"][name]
        except KeyError:
            raise RuntimeError(f"the report reader {name!r} is not registered") from None


REPORT_READERS = ReportReaders()


@dataclass(frozen=True)
class TrancheSettings:
    reports_accepted: bool
    min_expenditure_share: Decimal

    @classmethod
    def from_config(cls, config: Any) -> TrancheSettings:
        return cls(
            reports_accepted=bool(config["TRANCHE_REPORTS_ACCEPTED"]),
            min_expenditure_share=Decimal(config["TRANCHE_MIN_EXPENDITURE_SHARE"]),
        )


@dataclass(frozen=True)
class TrancheFacts:
    """What the conditions look at, for one request."""

    proposal_id: int
    allocation_id: int
    organization_id: int
    organization: str  # its acronym, or its name
    transferred: Decimal  # to that organization so far
    request_date: date
    number: int = 1  # the tranche requested (`fund.finance.transfer_schedule.next_tranche`)
    first: bool = True  # nothing was transferred to the organization yet
    amount: Decimal = ZERO  # requested
    planned: Decimal | None = None  # what the schedule plans up to that tranche (None: no plan)


def percent(share: Decimal) -> Share:
    """A share as a whole percentage, rounded down (69.9% is "69%", never "70%")."""
    return Share((share * 100).quantize(Decimal(1), rounding=ROUND_FLOOR))


def stated_required(share: Decimal) -> Share:
    """The required share as set, with the decimals it has ("70%", "75.5%"): the check
    compares with the setting itself, so the page and the refusal state all of it (rounded
    down, 75.5% read "75% is required" beside 75.4% spent)."""
    return Share((share * 100).normalize())


def required_share(config: Any) -> Share:
    """The share of what it was transferred that an organization reports spent before a later
    tranche, as the refusals and the request page write it (`stated_required`)."""
    return stated_required(TrancheSettings.from_config(config).min_expenditure_share)


# The guards ---------------------------------------------------------------------------------


def within_schedule(facts: TrancheFacts, settings: TrancheSettings) -> list[str]:
    """What the organization will have been transferred stays within what its transfer schedule
    plans up to this tranche: a first request cannot take the whole share."""
    if facts.planned is None or facts.transferred + facts.amount <= facts.planned:
        return []
    return [
        Sentence(
            N_(
                "The request would take %(organization)s to %(total)s transferred, beyond the "
                "%(planned)s its transfer schedule plans up to tranche %(number)s."
            ),
            organization=facts.organization,
            total=Money(facts.transferred + facts.amount),
            planned=Money(facts.planned),
            number=facts.number,
        )
    ]


def previous_reports_accepted(facts: TrancheFacts, settings: TrancheSettings) -> list[str]:
    """Every narrative and financial report of the programme on a year before the request's
    is accepted."""
    if not settings.reports_accepted:
        return []
    pending = REPORT_READERS.pending_reports(
        facts.proposal_id, facts.request_date.year, facts.request_date
    )
    return [report.sentence() for report in pending]


def expenditure_reported(facts: TrancheFacts, settings: TrancheSettings) -> list[str]:
    """The organization's expenditure in the accepted financial reports is at least the
    required share of what it was transferred."""
    required = settings.min_expenditure_share
    if facts.transferred <= 0 or required <= 0:
        return []
    spent = REPORT_READERS.reported_spent(facts.allocation_id, facts.organization_id)
    if spent >= facts.transferred * required:
        return []
    return [
        Sentence(
            N_(
                "%(organization)s reported %(spent)s spent, %(share)s of the %(transferred)s "
                "transferred; %(required)s is required."
            ),
            organization=facts.organization,
            spent=Money(spent),
            share=percent(spent / facts.transferred),
            transferred=Money(facts.transferred),
            required=stated_required(required),
        )
    ]


@dataclass(frozen=True)
class Condition:
    name: str
    label: str
    check: Callable[[TrancheFacts, TrancheSettings], list[str]]
    first_tranche: bool = False  # whether it holds for an organization's first tranche too


CONDITIONS: tuple[Condition, ...] = (
    Condition(
        "reports_accepted",
        N_("The previous narrative and financial reports are accepted"),
        previous_reports_accepted,
    ),
    Condition(
        "expenditure_share",
        N_("The organization reported spending enough of what it was transferred"),
        expenditure_reported,
    ),
    Condition(
        "within_schedule",
        N_("The amount stays within the transfer schedule up to this tranche"),
        within_schedule,
        first_tranche=True,
    ),
)


def evaluate(facts: TrancheFacts, settings: TrancheSettings) -> list[dict[str, Any]]:
    """Each condition with its result, as a request keeps it: name, label, passed, problems."""
    results = []
    for condition in CONDITIONS:
        if facts.first and not condition.first_tranche:
            continue
        problems = condition.check(facts, settings)
        results.append(
            {
                "name": condition.name,
                "label": condition.label,
                "passed": not problems,
                "problems": problems,
            }
        )
    return results


def kept_results(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The results as a request stores them: each problem kept as a sentence (`kept`), to be
    said later in each reader's language (`said_kept`)."""
    return [result | {"problems": [kept(p) for p in result["problems"]]} for result in results]


def problems_of(results: list[dict[str, Any]]) -> list[str]:
    """The sentences of the failing conditions, in the table's order."""
    return [problem for result in results for problem in result["problems"]]

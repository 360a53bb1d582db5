"""Reading the screening: the secretariat's queue and one proposal's checklist."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import Select, and_, case, func, select, true, union_all

from fund.accounts.models import Organization
from fund.calls.models import Call
from fund.extensions import db, utcnow
from fund.fulltext import matching
from fund.labels import N_
from fund.listing import ASCENDING, DESCENDING, Sorting, column
from fund.pagination import Page, paging
from fund.proposals.checks import Rules
from fund.proposals.models import Proposal, ProposalKind, proposal_reference, state_label
from fund.proposals.operations import rules_from_config
from fund.screening.guards import criteria_of, current_checks
from fund.screening.models import PASSING, ScreeningCheck, ScreeningCriterion
from fund.screening.operations import suggestion
from fund.screening.results_check import findings as automatic_findings
from fund.sentences import Sentence
from workflows import SCREENING_STATES
from workflows.proposal import SUBMITTED_STATE


@dataclass(frozen=True)
class QueueRow:
    id: int
    kind: str
    title: str
    status: str
    version: int
    submitted_at: datetime | None
    submission_number: int
    organization: str
    call_id: int
    call_title: str
    waiting_days: int | None
    content_language: str = "en"  # the language its title is written in

    @property
    def reference(self) -> str:
        return proposal_reference(self.id)

    @property
    def status_label(self) -> str:
        return state_label(self.kind, self.status)

    @property
    def kind_label(self) -> str:
        return ProposalKind(self.kind).label

    @property
    def is_concept_note(self) -> bool:
        return self.kind == ProposalKind.CONCEPT_NOTE


QUEUE_PAGE_SIZE = 50


@dataclass
class QueuePage(Page[QueueRow]):
    """One page of the queue, with the counts of the whole queue (SQL COUNT): `count`
    proposals in the queue, of which `waiting` submitted and not yet in screening."""

    waiting: int = 0

    @property
    def in_screening(self) -> int:
        return self.count - self.waiting


@dataclass(frozen=True)
class QueueFilters:
    """What the queue is narrowed to: a kind of row, a call, a state of the queue, words of
    the title or summary (full-text search)."""

    kind: str = ""
    call_id: int | None = None
    status: str = ""
    q: str = ""

    def args(self) -> dict[str, object]:
        return {
            "kind": self.kind or None,
            "call": self.call_id,
            "status": self.status or None,
            "q": self.q or None,
        }


_ORGANIZATION = Organization.label
# The columns the queue sorts by; the default: the longest waiting (oldest submission) first.
SORT_COLUMNS = {
    "reference": column(N_("Reference"), Proposal.id),
    "kind": column(N_("Kind"), Proposal.kind),
    "title": column(N_("Title"), func.lower(Proposal.title)),
    "organization": column(N_("Organization"), func.lower(_ORGANIZATION)),
    "call": column(N_("Call"), func.lower(Call.title)),
    "submitted": column(
        N_("Submitted (UTC)"),
        case((Proposal.submitted_at.is_(None), 1), else_=0),
        Proposal.submitted_at,
    ),
    "status": column(N_("Status"), case((Proposal.status == SUBMITTED_STATE, 0), else_=1)),
    "waiting": column(N_("Waiting (days)"), Proposal.submitted_at, first=DESCENDING),
}
DEFAULT_SORT = ("submitted", ASCENDING)


def _queue_states(filters: QueueFilters) -> tuple[str, ...]:
    return (filters.status,) if filters.status else SCREENING_STATES


def _queue_condition(filters: QueueFilters, *, states: bool = True) -> Any:
    condition = Proposal.status.in_(_queue_states(filters)) if states else true()
    if filters.kind:
        condition = and_(condition, Proposal.kind == filters.kind)
    if filters.call_id:
        condition = and_(condition, Proposal.call_id == filters.call_id)
    if (words := matching(Proposal.id, Proposal.search_text, filters.q)) is not None:
        condition = and_(condition, words)
    return condition


def _queue_rows(condition: Any, sorting: Sorting | None) -> Select:
    if sorting is None or sorting.key == "waiting":
        # Waiting longest first is the oldest submission first.
        descending = sorting is not None and not sorting.descending
        order = (*SORT_COLUMNS["submitted"].expressions, Proposal.id)
        ordering = [e.desc() if descending else e.asc() for e in order]
    else:
        ordering = sorting.order_by(Proposal.id)
    return (
        select(
            Proposal.id,
            Proposal.kind,
            Proposal.title,
            Proposal.status,
            Proposal.version,
            Proposal.submitted_at,
            Proposal.submission_number,
            _ORGANIZATION.label("organization"),
            Call.id.label("call_id"),
            Call.title.label("call_title"),
            Proposal.content_language,
        )
        .join(Organization, Organization.id == Proposal.organization_id)
        .join(Call, Call.id == Proposal.call_id)
        .where(condition)
        .order_by(*ordering)
    )


def _queue_row(row: Any, now: datetime) -> QueueRow:
    return QueueRow(
        **row._asdict(),
        waiting_days=(now - row.submitted_at).days if row.submitted_at else None,
    )


def screening_queue(
    now: datetime | None = None,
    page: int = 1,
    per_page: int = QUEUE_PAGE_SIZE,
    kind: str = "",
    filters: QueueFilters | None = None,
    sorting: Sorting | None = None,
) -> QueuePage:
    """One page of the proposals and concept notes (or those the `filters` keep) waiting for
    or in screening, in `sorting`'s order (by default the longest waiting, oldest submission,
    first). Two queries: the counts, then the page (LIMIT/OFFSET on the (status, ...) index).
    A page past the end shows the last page."""
    now = now or utcnow()
    filters = filters or QueueFilters(kind=kind)
    in_queue = _queue_condition(filters)
    counts = db.session.execute(
        select(
            func.count(),
            func.count().filter(Proposal.status == SUBMITTED_STATE),
        ).where(in_queue)
    ).one()
    total, waiting = counts[0] or 0, counts[1] or 0
    at = paging(total, page, per_page)
    if _oldest_first(sorting):
        in_queue = Proposal.id.in_(_first_in_order(filters, at.offset + per_page))
    query = _queue_rows(in_queue, sorting).limit(per_page).offset(at.offset)
    rows = [_queue_row(row, now) for row in db.session.execute(query)]
    return QueuePage(total, at.page, per_page, rows=rows, waiting=waiting)


def _oldest_first(sorting: Sorting | None) -> bool:
    """Whether `sorting` is the queue's default order: the oldest submission first (sorted by
    submission, or by waiting time longest first), rows without one last, then by id."""
    if sorting is None:
        return True
    if sorting.key == "submitted":
        return not sorting.descending
    return sorting.key == "waiting" and sorting.descending


def _first_in_order(filters: QueueFilters, wanted: int) -> Select:
    """The ids among which the first `wanted` rows of the queue in its default order are (the
    oldest submission first, rows without one last): the first `wanted` of each state, with a
    submission date and without, each read in order from the index on (status, submitted_at,
    id). The page is then sorted from those alone, not from the whole queue (thousands during
    a call's last days)."""
    others = _queue_condition(filters, states=False)
    walks = []
    for state in _queue_states(filters):
        dated = (
            select(Proposal.id)
            .where(Proposal.status == state, Proposal.submitted_at.is_not(None), others)
            .order_by(Proposal.submitted_at, Proposal.id)
            .limit(wanted)
            .subquery()
        )
        undated = (
            select(Proposal.id)
            .where(Proposal.status == state, Proposal.submitted_at.is_(None), others)
            .order_by(Proposal.id)
            .limit(wanted)
            .subquery()
        )
        walks += [select(dated.c.id), select(undated.c.id)]
    return union_all(*walks)


def queue_export(filters: QueueFilters, sorting: Sorting | None) -> list[QueueRow]:
    """Every row of the queue as filtered and sorted (all pages), for an export: one query."""
    now = utcnow()
    query = _queue_rows(_queue_condition(filters), sorting)
    return [_queue_row(row, now) for row in db.session.execute(query)]


def calls_with_criteria() -> list[tuple[int, str, int, int]]:
    """Every call with its number of active criteria and of criteria (id, title, active, made),
    newest first: a call with none made takes the fund's defaults on first use
    (`fund.screening.operations.ensure_criteria`), one whose criteria are all inactive does
    not."""
    active = func.count(ScreeningCriterion.id).filter(ScreeningCriterion.active.is_(True))
    query = (
        select(
            Call.id,
            Call.title,
            active.label("active"),
            func.count(ScreeningCriterion.id).label("made"),
        )
        .outerjoin(ScreeningCriterion, ScreeningCriterion.call_id == Call.id)
        .group_by(Call.id, Call.title, Call.opens_on)
        .order_by(Call.opens_on.desc(), Call.id.desc())
    )
    return [tuple(row) for row in db.session.execute(query)]


@dataclass(frozen=True)
class ChecklistItem:
    criterion: ScreeningCriterion
    check: ScreeningCheck | None
    # The system's findings by automatic criterion, read on first use (a page that shows only
    # recorded checks, like the committee's, never asks for them).
    findings: Callable[[], dict[str, list[Sentence]]] = field(repr=False, compare=False)

    @property
    def finding(self) -> list[Sentence] | None:
        """What the system found for an automatic criterion: None if it checks nothing here,
        an empty list if it found no problem."""
        if not self.criterion.automatic:
            return None
        return self.findings().get(self.criterion.automatic)

    @property
    def suggested(self) -> tuple[str, str] | None:
        if self.check is not None:
            return None
        finding = self.finding
        return suggestion(finding) if finding is not None else None

    @property
    def result(self) -> str | None:
        """What the form shows: the recorded result, else the system's suggestion."""
        if self.check is not None:
            return self.check.result
        return self.suggested[0] if self.suggested else None

    @property
    def note(self) -> str:
        if self.check is not None:
            return self.check.note or ""
        return self.suggested[1] if self.suggested else ""


@dataclass(frozen=True)
class Checklist:
    submission: int
    items: list[ChecklistItem]

    @property
    def recorded(self) -> int:
        return sum(1 for item in self.items if item.check is not None)

    @property
    def passing(self) -> bool:
        """True when every criterion is recorded with a finding that passes (`PASSING`)."""
        return bool(self.items) and all(
            item.check is not None and item.check.result in PASSING for item in self.items
        )


def checklist(proposal: Proposal, rules: Rules | None = None) -> Checklist:
    """The call's active criteria with the checks of the current submission; where nothing is
    recorded yet, an automatic criterion is pre-filled with the system's finding."""
    rules = rules or rules_from_config(current_app.config)
    checks = current_checks(proposal)
    found: dict[str, list[Sentence]] = {}

    def findings() -> dict[str, list[Sentence]]:
        if not found:
            found.update(automatic_findings(proposal, rules))
        return found

    items = [
        ChecklistItem(criterion, checks.get(criterion.id), findings)
        for criterion in criteria_of(proposal)
    ]
    return Checklist(submission=proposal.submission_number, items=items)


def check_counts(call_id: int) -> dict[int, int]:
    """Number of recorded checks per criterion of the call (criteria without checks omitted)."""
    query = (
        select(ScreeningCheck.criterion_id, func.count())
        .join(ScreeningCriterion, ScreeningCriterion.id == ScreeningCheck.criterion_id)
        .where(ScreeningCriterion.call_id == call_id)
        .group_by(ScreeningCheck.criterion_id)
    )
    return {row[0]: row[1] for row in db.session.execute(query)}

"""What the task dashboards are made of: an item that waits, a task (items of one kind,
counted; its words in `WORDS`), a role's section, and the one statement each task reads
(`oldest`: the oldest rows that wait and, by a window count before the LIMIT, how many wait in
all)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import Select, func, select

from fund.accounts.models import Organization
from fund.days import in_words
from fund.extensions import db
from fund.finance.models import Allocation
from fund.i18n import takes_singular
from fund.labels import N_
from fund.proposals.models import Proposal, proposal_reference
from fund.reporting.models import ProgrammeReport, ReportKind, is_overdue
from workflows.report import REPORT_RETURNED

SHOWN = 3  # the oldest items each task lists by name

# Each task's words, by its key: one thing that waits, and several (translated by `task`).
WORDS: dict[str, tuple[str, str]] = {
    # Applicants
    "drafts": (N_("draft to finish"), N_("drafts to finish")),
    "returned": (N_("proposal returned for revision"), N_("proposals returned for revision")),
    "reports_due": (N_("report due"), N_("reports due")),
    "revisions_open": (N_("revision to finish"), N_("revisions to finish")),
    "programmes": (N_("funded programme"), N_("funded programmes")),
    # The secretariat
    "to_screen": (N_("to screen"), N_("to screen")),
    "rounds_to_close": (N_("voting round to close"), N_("voting rounds to close")),
    "approved_to_fund": (N_("approved programme to fund"), N_("approved programmes to fund")),
    "tranches_to_request": (N_("tranche to request"), N_("tranches to request")),
    "reports_to_review": (N_("report to review"), N_("reports to review")),
    "reports_overdue": (N_("report overdue"), N_("reports overdue")),
    "revisions_to_decide": (N_("revision to decide"), N_("revisions to decide")),
    # The committee
    "votes_awaited": (N_("vote awaited"), N_("votes awaited")),
    "meetings": (N_("meeting ahead"), N_("meetings ahead")),
    # The administrative agent
    "transfers_to_pay": (N_("transfer request to pay"), N_("transfer requests to pay")),
    "deposits_to_record": (
        N_("pledge with a deposit to record"),
        N_("pledges with deposits to record"),
    ),
    "refunds_to_receive": (N_("refund to receive"), N_("refunds to receive")),
    # Admins
    "locked_accounts": (N_("account locked"), N_("accounts locked")),
    "failed_emails": (N_("email not delivered"), N_("emails not delivered")),
}


def day(value: date | datetime | None) -> str:
    """A date in words, in the request's language: 4 March 2026, 4 mars 2026."""
    if value is None:
        return ""
    return in_words(value if type(value) is date else value.date())


@dataclass(frozen=True)
class Item:
    """One thing that waits: its name, where it is done, and why it is late or when."""

    label: str
    url: str
    note: str = ""
    late: bool = False


@dataclass(frozen=True)
class Task:
    """Things of one kind that wait, counted: `count` of them, the oldest `items`."""

    key: str
    count: int
    one: str  # "draft to complete"
    many: str  # "drafts to complete"
    url: str  # the list that holds them all
    link: str  # the words of that link
    items: list[Item] = field(default_factory=list)
    waits: bool = True  # things to do (not: things one holds, such as one's programmes)

    @property
    def words(self) -> str:
        """`one` or `many`, as the page's language counts `count`: French says "0 révision à
        terminer" as it says 1, English "0 revisions to finish"."""
        return self.one if takes_singular(self.count) else self.many

    @property
    def title(self) -> str:
        return f"{self.count} {self.words}"

    @property
    def more(self) -> int:
        return self.count - len(self.items)


@dataclass(frozen=True)
class Section:
    """The tasks of one role, and the sentence shown when nothing waits."""

    role: str
    heading: str
    tasks: list[Task]
    empty: str

    @property
    def waiting(self) -> int:
        return sum(task.count for task in self.tasks if task.waits)

    @property
    def held(self) -> list[Task]:
        """The tasks that list what one holds rather than what waits, when they list any."""
        return [task for task in self.tasks if not task.waits and task.count]

    @property
    def ordered(self) -> list[Task]:
        """The tasks with something waiting first, each group in its own order."""
        shown = [task for task in self.tasks if task.waits or task.count]
        return sorted(shown, key=lambda task: task.count == 0)


def task(key: str, count: int, url: str, link: str, items: list[Item]) -> Task:
    """The task `key` in its `WORDS` (translated): `count` things wait, `items` the oldest, all
    of them in the list at `url` (its link's words: `link`, translated by the caller)."""
    one, many = WORDS[key]
    return Task(key, count, _(one), _(many), url, link, items)


def oldest(statement: Select, *order: Any) -> tuple[list[Any], int]:
    """The first `SHOWN` rows of `statement` in `order` and the number of all its rows: one
    statement (a window count over every row, before the LIMIT)."""
    rows = db.session.execute(
        statement.add_columns(func.count().over().label("waiting")).order_by(*order).limit(SHOWN)
    ).all()
    return [tuple(row)[:-1] for row in rows], (rows[0][-1] if rows else 0)


def proposal_label(proposal_id: int, title: str) -> str:
    return f"{proposal_reference(proposal_id)} · {title}"


def dated(words_on: str, words: str, value: date | datetime | None) -> str:
    """`words_on` (a message with the placeholder `day`) with the day of `value` when there is
    one, else `words`, translated: "approved 4 March 2026", "approved"."""
    return _(words_on, day=day(value)) if value else _(words)


def proposal_item(
    proposal_id: int, title: str, endpoint: str, note: str, late: bool = False
) -> Item:
    """A proposal that waits, by its reference and title, linking to its page at `endpoint`."""
    url = url_for(endpoint, proposal_id=proposal_id)
    return Item(proposal_label(proposal_id, title), url, note, late)


def tranche_label(proposal_id: int, number: int, organization: str) -> str:
    """A tranche of a programme to one of its organizations (by its label): P-00042 · tranche 2
    to IOM."""
    return _(
        "%(reference)s · tranche %(number)s to %(organization)s",
        reference=proposal_reference(proposal_id),
        number=number,
        organization=organization,
    )


def tranche_rows(tranche: Any, *columns: Any) -> Select:
    """`columns` of `tranche` (a planned tranche or a transfer request: an allocation's money
    to one organization), then the label of its organization and the id of its programme, as
    `tranche_label` names it."""
    return (
        select(*columns, Organization.label, Allocation.proposal_id)
        .join(Organization, Organization.id == tranche.organization_id)
        .join(Allocation, Allocation.id == tranche.allocation_id)
    )


def report_item(row: Any, today: date) -> Item:
    report_id, kind, due_on, status, proposal_id = row
    kind_label = _(ReportKind(kind).label)
    late = is_overdue(status, due_on, today)  # a report submitted late waits for review
    if status == REPORT_RETURNED:
        when = (
            _("overdue since %(day)s, returned for changes", day=day(due_on))
            if late
            else _("due %(day)s, returned for changes", day=day(due_on))
        )
    else:
        when = (
            _("overdue since %(day)s", day=day(due_on))
            if late
            else _("due %(day)s", day=day(due_on))
        )
    return Item(
        f"{proposal_reference(proposal_id)} · {kind_label}",
        url_for("reporting.report", report_id=report_id),
        when,
        late,
    )


def reports_task(where: Any, order: tuple, today: date, key: str) -> Task:
    """The programme reports `where` holds, the first by `order` listed (`report_item`), with
    the link to all programme reports."""
    rows, count = oldest(
        select(
            ProgrammeReport.id,
            ProgrammeReport.kind,
            ProgrammeReport.due_on,
            ProgrammeReport.status,
            Proposal.id,
        )
        .join(Proposal, Proposal.id == ProgrammeReport.proposal_id)
        .where(where),
        *order,
    )
    return task(
        key,
        count,
        url_for("reporting.index"),
        _("All programme reports"),
        [report_item(row, today) for row in rows],
    )


def revision_item(revision_id: int, number: int, proposal_id: int, when: str) -> Item:
    return Item(
        _(
            "%(reference)s · revision %(number)s",
            reference=proposal_reference(proposal_id),
            number=number,
        ),
        url_for("revisions.revision", revision_id=revision_id),
        when,
    )

"""What waits for each person on Home: per role they hold, the tasks with their counts, the
oldest few items of each (direct links) and a link to the list that holds them all.

Each task is one SQL statement, whatever the data: the rows that wait, the oldest first,
limited to `SHOWN`, with the number of them all counted by a window over every row before the
LIMIT. A person's dashboard is therefore a fixed number of statements (one per task of each
of their roles)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import and_, func, select
from sqlalchemy.orm import joinedload

from fund.accounts.limits import AttemptLimit
from fund.accounts.models import Organization, Role, User
from fund.accounts.operations import locked_at
from fund.committee.models import Meeting, deadline_near, deadline_passed
from fund.committee.queries import member_rounds
from fund.core.secretariat_tasks import secretariat_section
from fund.core.tasks import (
    SHOWN,
    Item,
    Section,
    Task,
    day,
    oldest,
    proposal_item,
    reports_task,
    revision_item,
    task,
    tranche_label,
    tranche_rows,
)
from fund.extensions import db
from fund.finance.agent import next_expected_on
from fund.finance.agent_models import Pledge, PledgeInstalment
from fund.finance.closure_models import ClosureShare, ProgrammeClosure
from fund.finance.models import NOT_VOIDED, Contribution, ContributionVoid
from fund.finance.transfer_models import OPEN, TransferRequest
from fund.i18n import money
from fund.money import from_cents, sql_cents
from fund.notifications.models import OutboxMessage
from fund.notifications.queries import OutboxState
from fund.proposals.checks import submission_state
from fund.proposals.models import Proposal, ProposalKind, proposal_reference
from fund.proposals.queries import sees_only_own
from fund.reporting.models import ProgrammeReport
from fund.reporting.queries import reports_for_organization, works_on_programme
from fund.revisions.models import Revision
from fund.sentences import day_count, said
from workflows.proposal import DRAFT_STATE, FUNDED_STATE, RETURNED_STATE
from workflows.report import REPORT_EDITABLE_STATES
from workflows.revision import REVISION_EDITABLE_STATES, REVISION_OPEN_STATES, REVISION_RETURNED

REPORTS_AHEAD = timedelta(days=30)  # an applicant sees a report due within this many days

# Applicants ----------------------------------------------------------------------------------


def _own_proposals(
    organization_id: int,
    status: str,
    key: str,
    link: str,
    today: date,
    *,
    sees_others: bool = False,
) -> Task:
    """The organization's proposals in `status`, each with when it was last saved, or, once its
    dates no longer let it be submitted, why (`submission_state`, as its page says it); its link
    lists them, filtered to the organization when the list would show others' too
    (`sees_others`: the person is also of the secretariat or the committee)."""
    rows, count = oldest(
        select(Proposal.id, Proposal.title, Proposal.kind, Proposal.updated_at).where(
            Proposal.organization_id == organization_id, Proposal.status == status
        ),
        Proposal.updated_at,
        Proposal.id,
    )
    shown = db.session.scalars(
        select(Proposal)
        .where(Proposal.id.in_([row[0] for row in rows]))
        .options(joinedload(Proposal.call), joinedload(Proposal.concept_note))
    )
    windows = {proposal.id: submission_state(proposal, today) for proposal in shown}
    items = []
    for pid, title, kind, updated in rows:
        window = windows[pid]
        saved = _(
            "%(kind)s, last saved %(day)s", kind=_(ProposalKind(kind).label), day=day(updated)
        )
        note = said(window.refusal) if window.refusal is not None else saved
        items.append(proposal_item(pid, title, "proposals.detail", note, window.passed))
    own = {"organization": organization_id} if sees_others else {}
    return task(key, count, url_for("proposals.index", status=status, **own), link, items)


def _reports_due(organization_id: int, today: date) -> Task:
    return reports_task(
        and_(
            ProgrammeReport.status.in_(sorted(REPORT_EDITABLE_STATES)),
            ProgrammeReport.due_on <= today + REPORTS_AHEAD,
            reports_for_organization(organization_id),
        ),
        (ProgrammeReport.due_on, ProgrammeReport.id),
        today,
        "reports_due",
    )


def _own_revisions(organization_id: int) -> Task:
    rows, count = oldest(
        select(Revision.id, Revision.number, Revision.status, Revision.saved_at, Proposal.id)
        .join(Proposal, Proposal.id == Revision.proposal_id)
        .where(
            works_on_programme(organization_id),
            Revision.status.in_(sorted(REVISION_EDITABLE_STATES)),
        ),
        Revision.saved_at,
        Revision.id,
    )
    items = [
        revision_item(
            rid,
            number,
            pid,
            _("returned for changes, last saved %(day)s", day=day(saved))
            if status == REVISION_RETURNED
            else _("draft, last saved %(day)s", day=day(saved)),
        )
        for rid, number, status, saved, pid in rows
    ]
    return task("revisions_open", count, url_for("reporting.index"), _("Your programmes"), items)


def _programme_note(next_due: date | None, revisions: int, today: date) -> tuple[str, bool]:
    """What is due next for a funded programme: its next report, and its revisions open."""
    notes = []
    late = bool(next_due and next_due < today)
    if next_due:
        notes.append(
            _("report overdue since %(day)s", day=day(next_due))
            if late
            else _("next report due %(day)s", day=day(next_due))
        )
    else:
        notes.append(_("no report due"))
    if revisions:
        notes.append(_("a revision open"))
    return "; ".join(notes), late


def _own_programmes(organization_id: int, today: date) -> Task:
    """The funded programmes the organization leads or takes part in (a share of the
    allocation), the next report due first, each with what is due next."""
    next_due = (
        select(func.min(ProgrammeReport.due_on))
        .where(
            ProgrammeReport.proposal_id == Proposal.id,
            ProgrammeReport.status.in_(sorted(REPORT_EDITABLE_STATES)),
        )
        .scalar_subquery()
    )
    revisions = (
        select(func.count(Revision.id))
        .where(
            Revision.proposal_id == Proposal.id,
            Revision.status.in_(sorted(REVISION_OPEN_STATES)),
        )
        .scalar_subquery()
    )
    rows, count = oldest(
        select(
            Proposal.id, Proposal.title, next_due.label("next_due"), revisions.label("open")
        ).where(Proposal.status == FUNDED_STATE, reports_for_organization(organization_id)),
        next_due.is_(None),
        next_due,
        Proposal.id,
    )
    items = []
    for pid, title, due, open_revisions in rows:
        note, late = _programme_note(due, open_revisions, today)
        # The programme's page of reports and revisions: it opens for each of its organizations.
        items.append(proposal_item(pid, title, "reporting.programme", note, late))
    found = task("programmes", count, url_for("reporting.index"), _("Your programmes"), items)
    return replace(found, waits=False)


def applicant_section(user: User, today: date) -> Section:
    organization_id = user.organization_id
    tasks = []
    if organization_id:
        # The list shows only the organization's proposals unless the person sees more.
        others = not sees_only_own(user)
        tasks = [
            _own_proposals(
                organization_id, DRAFT_STATE, "drafts", _("All drafts"), today, sees_others=others
            ),
            _own_proposals(
                organization_id,
                RETURNED_STATE,
                "returned",
                _("All proposals"),
                today,
                sees_others=others,
            ),
            _reports_due(organization_id, today),
            _own_revisions(organization_id),
            _own_programmes(organization_id, today),
        ]
    return Section(
        Role.APPLICANT,
        _("Your proposals and programmes"),
        tasks,
        _(
            "Nothing waits for you: no draft, no proposal returned, no report due in the next "
            "%(days)s and no revision open.",
            days=day_count(REPORTS_AHEAD.days),
        ),
    )


# The committee --------------------------------------------------------------------------------


def _votes_awaited(user: User, now: datetime) -> Task:
    page = member_rounds(user, "awaiting", 1, per_page=SHOWN)
    items = []
    for row in page.rows:
        deadline = row.round.deadline
        if deadline is None:
            note = _("no deadline set")
        elif deadline_passed(deadline, now):  # the vote guard's rule: votes no longer accepted
            note = _("deadline passed %(day)s", day=day(deadline))
        else:
            note = _("vote by %(day)s", day=day(deadline))
        soon = deadline_near(deadline, now)
        items.append(
            proposal_item(row.proposal.id, row.proposal.title, "committee.review", note, soon)
        )
    return task("votes_awaited", page.count, url_for("committee.index"), _("Your votes"), items)


def _next_meetings(today: date) -> Task:
    rows, count = oldest(
        select(Meeting.id, Meeting.title, Meeting.held_on, Meeting.place).where(
            Meeting.held_on >= today
        ),
        Meeting.held_on,
        Meeting.id,
    )
    items = [
        Item(
            title,
            url_for("meetings.detail", meeting_id=mid),
            day(held) + (f", {place}" if place else ""),
        )
        for mid, title, held, place in rows
    ]
    return task("meetings", count, url_for("meetings.index"), _("All meetings"), items)


def committee_section(user: User, now: datetime, today: date) -> Section:
    return Section(
        Role.COMMITTEE,
        _("Your work on the %(body)s", body=_(current_app.config["DECISION_BODY_NAME"])),
        [_votes_awaited(user, now), _next_meetings(today)],
        _("No vote waits for you and no meeting is planned."),
    )


# The administrative agent --------------------------------------------------------------------


def _transfers_to_pay() -> Task:
    rows, count = oldest(
        tranche_rows(
            TransferRequest,
            TransferRequest.id,
            TransferRequest.amount,
            TransferRequest.tranche,
            TransferRequest.requested_at,
        ).where(TransferRequest.status == OPEN),
        TransferRequest.requested_at,
        TransferRequest.id,
    )
    items = [
        Item(
            tranche_label(pid, tranche, organization),
            url_for("transfers.agent_list", _anchor=f"request-{rid}"),
            _("%(amount)s, requested %(day)s", amount=money(amount), day=day(requested)),
        )
        for rid, amount, tranche, requested, organization, pid in rows
    ]
    all_open = url_for("transfers.agent_list")
    return task("transfers_to_pay", count, all_open, _("All open requests"), items)


def _deposits_to_record(today: date) -> Task:
    """Pledges whose expected payments due by today come to more than their deposits (in the
    pledge's currency, voided deposits left out), the longest late first: by the first payment
    the deposits do not cover."""
    expected = (
        select(func.coalesce(func.sum(sql_cents(PledgeInstalment.amount)), 0))
        .where(PledgeInstalment.pledge_id == Pledge.id, PledgeInstalment.due_on <= today)
        .scalar_subquery()
    )
    deposited = (
        select(func.coalesce(func.sum(sql_cents(Contribution.currency_amount)), 0))
        .outerjoin(ContributionVoid)
        .where(Contribution.pledge_id == Pledge.id, NOT_VOIDED)
        .scalar_subquery()
    )
    # The first payment the deposits do not cover (as the pledge page's deposit form fills in).
    first_due = next_expected_on(Pledge.id, deposited)
    rows, count = oldest(
        select(
            Pledge.id,
            Pledge.currency,
            (expected - deposited).label("missing"),
            first_due.label("first_due"),
            Organization.label,
        )
        .join(Organization, Organization.id == Pledge.donor_id)
        .where(expected > deposited),
        first_due,
        Pledge.id,
    )
    items = [
        Item(
            _("Pledge of %(donor)s", donor=donor),
            url_for("agent.pledge", pledge_id=pid),
            _(
                "%(amount)s expected by today, first due %(day)s",
                amount=money(from_cents(missing), currency),
                day=day(due),
            ),
            True,
        )
        for pid, currency, missing, due, donor in rows
    ]
    return task("deposits_to_record", count, url_for("agent.pledges"), _("All pledges"), items)


def _refunds_to_receive() -> Task:
    """The refunds participating organizations still owe for closed programmes, the earliest
    closure first."""
    rows, count = oldest(
        select(
            ProgrammeClosure.proposal_id,
            ClosureShare.organization_id,
            Organization.label,
            ClosureShare.outstanding_cents().label("owed"),
            ProgrammeClosure.closed_on,
        )
        .join(ClosureShare, ClosureShare.allocation_id == ProgrammeClosure.allocation_id)
        .join(Organization, Organization.id == ClosureShare.organization_id)
        .where(ClosureShare.owing()),
        ProgrammeClosure.closed_on,
        ProgrammeClosure.proposal_id,
        Organization.id,
    )
    items = [
        Item(
            _(
                "%(reference)s · refund from %(organization)s",
                reference=proposal_reference(pid),
                organization=organization,
            ),
            url_for("closure.refunds", _anchor=f"due-{pid}-{organization_id}"),
            _(
                "%(amount)s still due, closed %(day)s",
                amount=money(from_cents(owed)),
                day=day(closed_on),
            ),
        )
        for pid, organization_id, organization, owed, closed_on in rows
    ]
    return task("refunds_to_receive", count, url_for("closure.refunds"), _("All refunds"), items)


def agent_section(today: date) -> Section:
    return Section(
        Role.ADMINISTRATIVE_AGENT,
        _("The administrative agent's work"),
        [_transfers_to_pay(), _deposits_to_record(today), _refunds_to_receive()],
        _(
            "No transfer request waits, every payment expected by today is recorded and no "
            "refund is owed."
        ),
    )


# Admins --------------------------------------------------------------------------------------


def _locked_accounts(now: datetime) -> Task:
    policy = AttemptLimit.account_lockout(current_app.config)
    window = policy.window
    rows, count = oldest(
        # An active account: a deactivated one cannot sign in anyway (the users list says so).
        select(User.id, User.name, User.email, User.failed_login_window_start).where(
            locked_at(policy, now), User.active.is_(True)
        ),
        User.failed_login_window_start,
        User.id,
    )
    items = [
        Item(
            f"{name} ({email})",
            url_for("admin.edit_user", user_id=uid),
            _("locked until %(time)s UTC", time=(start + window).strftime("%H:%M")),
            True,
        )
        for uid, name, email, start in rows
    ]
    return task("locked_accounts", count, url_for("admin.users"), _("All users"), items)


def _failed_emails() -> Task:
    rows, count = oldest(
        select(
            OutboxMessage.id,
            OutboxMessage.to_email,
            OutboxMessage.subject,
            OutboxMessage.created_at,
        ).where(OutboxState.GIVEN_UP.condition),
        OutboxMessage.created_at,
        OutboxMessage.id,
    )
    items = [
        Item(
            _("%(subject)s to %(email)s", subject=subject, email=to),
            url_for("core.failed_emails_page", _anchor=f"email-{mid}"),
            _("written %(day)s", day=day(created)),
            True,
        )
        for mid, to, subject, created in rows
    ]
    all_failed = url_for("core.failed_emails_page")
    return task("failed_emails", count, all_failed, _("All emails not delivered"), items)


def admin_section(now: datetime) -> Section:
    return Section(
        Role.ADMIN,
        _("Administration"),
        [_locked_accounts(now), _failed_emails()],
        _("No account is locked and every email was delivered or is still being tried."),
    )


# The dashboard -------------------------------------------------------------------------------

BUILDERS: dict[str, Callable[[User, datetime], Section]] = {
    Role.APPLICANT: lambda user, now: applicant_section(user, now.date()),
    Role.SECRETARIAT: lambda user, now: secretariat_section(now, now.date()),
    Role.COMMITTEE: lambda user, now: committee_section(user, now, now.date()),
    Role.ADMINISTRATIVE_AGENT: lambda user, now: agent_section(now.date()),
    Role.ADMIN: lambda user, now: admin_section(now),
}


def dashboard(user: User, now: datetime) -> list[Section]:
    """The sections of the roles `user` holds, in the order of BUILDERS."""
    return [build(user, now) for role, build in BUILDERS.items() if user.has_role(role)]

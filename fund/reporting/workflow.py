"""The report workflow (`workflows/report.py`) in the application: its guard registry, its
engine, who reports for a programme (and who submits its financial reports: the lead
organization's staff), who reads its reports, and what a complete report holds.

The guards are registered by `fund.reporting.init_app`, and `create_app` refuses to start
unless every guard the table names is there (`ENGINE.check_guards()`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import select

from fund.accounts.models import Organization, Role, User
from fund.extensions import db, utcnow
from fund.finance.models import Allocation, AllocationShare
from fund.i18n import Money
from fund.labels import N_
from fund.money import read_amount
from fund.proposals.models import Proposal, proposal_participants
from fund.proposals.results import ResultIndicator, ResultOutcome
from fund.reporting.models import ProgrammeReport
from fund.sentences import OnDay, Sentence, Translate, english, said, together
from workflows import Engine, GuardRegistry
from workflows.report import REPORT_WORKFLOW

GUARDS = GuardRegistry()
ENGINE = Engine(REPORT_WORKFLOW, GUARDS)


def reporting_organizations(proposal_id: int) -> set[int]:
    """The organizations that report for a programme: the one that owns it and the
    participating organizations it was allocated to (their allocation shares)."""
    owner = db.session.scalar(select(Proposal.organization_id).where(Proposal.id == proposal_id))
    shares = db.session.scalars(
        select(AllocationShare.organization_id)
        .join(Allocation, Allocation.id == AllocationShare.allocation_id)
        .where(Allocation.proposal_id == proposal_id)
    )
    return {owner, *shares} - {None}


def programme_organizations(proposal_id: int) -> set[int]:
    """The organizations whose staff work on the funded programme: those that report for it
    (`reporting_organizations`), its lead and its participating organizations. They request
    its revisions and hear of their decisions; in SQL, `queries.works_on_programme`."""
    lead = db.session.scalar(
        select(Proposal.lead_organization_id).where(Proposal.id == proposal_id)
    )
    participants = db.session.scalars(
        select(proposal_participants.c.organization_id).where(
            proposal_participants.c.proposal_id == proposal_id
        )
    )
    return {lead, *participants, *reporting_organizations(proposal_id)} - {None}


def applicant_of(user: User, organizations: Callable[[int], set[int]], proposal_id: int) -> bool:
    """`user` is an applicant of one of `organizations(proposal_id)` (asked only for an
    applicant with an organization)."""
    return (
        user.is_authenticated
        and user.has_role(Role.APPLICANT)
        and user.organization_id is not None
        and user.organization_id in organizations(proposal_id)
    )


def reports_for(user: User, proposal_id: int) -> bool:
    """`user` is an applicant of an organization that reports for the programme."""
    return applicant_of(user, reporting_organizations, proposal_id)


def lead_organization(proposal_id: int) -> int | None:
    """The lead organization (`Proposal.leading_organization_id`) of the programme
    `proposal_id`, read alone."""
    return db.session.scalar(
        select(Proposal.leading_organization_id).where(Proposal.id == proposal_id)
    )


# Who reads a programme's reports without writing them: the secretariat (which decides on
# them), the administrative agent (the money reported spent) and the committee.
READING_ROLES = (Role.SECRETARIAT, Role.ADMINISTRATIVE_AGENT, Role.COMMITTEE)


def reads_reports(user: User, proposal_id: int) -> bool:
    """`user` may read the programme's reports (and download their attachments)."""
    if not user.is_authenticated:
        return False
    return any(user.has_role(role) for role in READING_ROLES) or reports_for(user, proposal_id)


def missing_content(report: ProgrammeReport, translate: Translate = english) -> list[str]:
    """What the report still lacks to be submitted or accepted (`missing_sentences`): in
    English, or in the page's language with `translate` (`flask_babel.gettext`)."""
    return [str(s) if translate is english else said(s) for s in missing_sentences(report)]


def missing_sentences(report: ProgrammeReport) -> list[Sentence]:
    """What the report still lacks to be submitted or accepted: a narrative report an actual
    for every indicator and a narrative for every outcome of the programme's framework; a
    financial report one expenditure line at least (a zero is an answer) of every
    participating organization that was transferred money (the administrative agent needs the
    expenditure of each)."""
    if report.is_financial:
        if not report.expenditures:
            return [Sentence(N_("Enter the expenditure of the period."))]
        silent = _silent_organizations(report)
        if not silent:
            return []
        return [
            Sentence(
                N_(
                    "Every organization that was transferred money enters its expenditure (a "
                    "zero is an answer); nothing is entered yet for %(organizations)s."
                ),
                organizations=together(silent),
            )
        ]
    outcomes = db.session.scalars(
        select(ResultOutcome.id).where(ResultOutcome.proposal_id == report.proposal_id)
    ).all()
    indicators = db.session.scalars(
        select(ResultIndicator.id).where(ResultIndicator.outcome_id.in_(outcomes))
    ).all()
    problems = []
    if missing := len(set(indicators) - {actual.indicator_id for actual in report.actuals}):
        problems.append(
            Sentence(N_("Enter the actual of every indicator (%(count)s missing)."), count=missing)
        )
    if missing := len(set(outcomes) - {text.outcome_id for text in report.narratives}):
        problems.append(
            Sentence(N_("Write the narrative of every outcome (%(count)s missing)."), count=missing)
        )
    if not outcomes and not report.risks.strip():
        problems.append(Sentence(N_("Describe the progress and the risks of the period.")))
    return problems


def _silent_organizations(report: ProgrammeReport) -> list[Sentence]:
    """The participating organizations that were transferred money and have no line in the
    financial report, each with what it was transferred ("ILO (USD 123,050.00 transferred)"),
    in the order of their acronyms."""
    entered = {line.organization_id for line in report.expenditures}
    rows = db.session.execute(
        select(Organization, AllocationShare.disbursed)
        .join(AllocationShare, AllocationShare.organization_id == Organization.id)
        .join(Allocation, Allocation.id == AllocationShare.allocation_id)
        .where(Allocation.proposal_id == report.proposal_id, AllocationShare.disbursed > 0)
        .order_by(Organization.acronym, Organization.id)
    ).all()
    return [
        Sentence(
            N_("%(organization)s (%(amount)s transferred)"),
            organization=organization.label,
            amount=Money(read_amount(disbursed)),
        )
        for organization, disbursed in rows
        if organization.id not in entered
    ]


def reporting_organization(report: ProgrammeReport, actor: Any, context: Mapping[str, Any]):
    """The actor is staff of an organization that reports for the programme; a financial
    report, which gathers every participating organization's expenditure, is submitted by the
    lead organization's staff."""
    if not reports_for(actor, report.proposal_id):
        return [N_("Only the staff of the programme's organizations submit its reports.")]
    lead = lead_organization(report.proposal_id)
    if report.is_financial and actor.organization_id != lead:
        named = db.session.get(Organization, lead) if lead is not None else None
        if named is None:
            return [Sentence(N_("Only the lead organization's staff submit a financial report."))]
        return [
            Sentence(
                N_("Only the staff of the lead organization (%(name)s) submit a financial report."),
                name=named.label,
            )
        ]
    return []


def period_begun(report: ProgrammeReport, actor: Any = None, context: Any = None):
    """The report's period has begun (on the day of `context["now"]`, else today, UTC): a
    report tells what a period did, so it is never submitted before the period's first day."""
    now = (context or {}).get("now") or utcnow()
    if now.date() >= report.period_start:
        return []
    return [
        Sentence(
            N_("The report can be submitted from %(day)s, the first day of its period."),
            day=OnDay(report.period_start),
        )
    ]


def report_complete(report: ProgrammeReport, actor: Any, context: Mapping[str, Any]):
    return missing_sentences(report)


REPORT_GUARDS = {
    "reporting_organization": reporting_organization,
    "period_begun": period_begun,
    "report_complete": report_complete,
}

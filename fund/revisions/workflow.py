"""The revision workflow (`workflows/revision.py`) in the application: its guard registry, its
engine, who revises a programme, the programme's current end date and the 30-day rule.

The guards are registered by `fund.revisions.init_app`, and `create_app` refuses to start unless
every guard the table names is there (`ENGINE.check_guards()`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from fund.accounts.models import Organization, OrganizationKind, Role, User
from fund.days import DAY
from fund.extensions import db, utcnow
from fund.labels import N_
from fund.proposals.models import Proposal
from fund.reporting.replan import programme_dates
from fund.reporting.workflow import applicant_of, programme_organizations
from fund.revisions.models import Approver, Revision
from fund.sentences import DAYS, Counted, Listed, OnDay, Sentence
from workflows import Engine, GuardRegistry
from workflows.revision import (
    REVISION_APPROVED,
    REVISION_COMMITTEE,
    REVISION_REJECTED,
    REVISION_WORKFLOW,
)

GUARDS = GuardRegistry()
ENGINE = Engine(REVISION_WORKFLOW, GUARDS)


def revises(user: User, proposal_id: int) -> bool:
    """`user` is an applicant of an organization that may revise the programme: one whose staff
    work on it (`programme_organizations`)."""
    return applicant_of(user, programme_organizations, proposal_id)


def may_see(user: User, proposal_id: int) -> bool:
    return user.is_authenticated and (user.has_role(Role.SECRETARIAT) or revises(user, proposal_id))


def may_see_revision(user: User, revision: Revision) -> bool:
    """The programme's staff and the secretariat; the committee once the revision was
    forwarded to it (its members vote on it)."""
    if may_see(user, revision.proposal_id):
        return True
    forwarded = revision.approver == Approver.COMMITTEE and revision.status in (
        REVISION_COMMITTEE,
        REVISION_APPROVED,
        REVISION_REJECTED,
    )
    return forwarded and user.is_authenticated and user.has_role(Role.COMMITTEE)


def programme_end(proposal: Proposal) -> tuple[date, date]:
    """The programme's first and last days (as its reporting schedule counts them)."""
    return programme_dates(proposal)


def min_days() -> int:
    return int(current_app.config["REVISION_MIN_DAYS_BEFORE_END"])


def request_deadline(proposal: Proposal) -> tuple[int, date, date]:
    """The number of days before the programme's end a revision is requested, the end date and
    the last day to request one."""
    _, end = programme_end(proposal)
    days = min_days()
    return days, end, end - timedelta(days=days)


def too_late(proposal: Proposal, today: date) -> Sentence | None:
    """Why a revision can no longer be requested (less than the set number of days before the
    programme's end), or None."""
    days, end, last = request_deadline(proposal)
    if today > last:
        return Sentence(
            N_(
                "A revision is requested at least %(days)s before the programme's end date "
                "(%(end)s): the last day to request one was %(last)s."
            ),
            days=Counted(DAYS, days),
            end=OnDay(end, DAY),
            last=OnDay(last, DAY),
        )
    return None


def missing_content(revision: Revision) -> list[str]:
    problems = []
    if not revision.kinds:
        problems.append(
            N_(
                "Say what the revision changes: the end date, the budget, the scope or the "
                "participating organizations."
            )
        )
    if not revision.justification.strip():
        problems.append(N_("Give the justification of the revision."))
    if revision.changes_budget and not revision.budget_lines:
        problems.append(N_("Enter the new budget lines."))
    if revision.changes_participants and not revision.participants:
        problems.append(N_("Choose the participating organizations."))
    if revision.changes_participants and revision.participants:
        problems += _participants_against_budget(revision)
    return problems


def _participants_against_budget(revision: Revision) -> list[str]:
    """A change of participating organizations agrees with the budget the programme would
    have (the revision's lines when it changes the budget, else the programme's): every
    organization taking part has budget lines and none leaves with any, as a proposal's
    submission wants; a joint programme keeps two UN entities. Otherwise the pages and open
    data would list participants whose budget, share and tranches say otherwise."""
    if revision.changes_budget:
        lines = revision.budget_lines
    else:
        lines = db.session.get(Proposal, revision.proposal_id).budget_lines
    with_lines = {line.organization_id for line in lines}
    taking_part = {o.id: o for o in revision.participants}
    problems: list[str] = []
    without = sorted(o.label for i, o in taking_part.items() if i not in with_lines)
    if without:
        problems.append(
            Sentence(
                N_(
                    "%(names)s would take part with no budget lines: change the budget too, "
                    "giving each its lines."
                ),
                names=Listed(without),
            )
        )
    leaving = sorted(with_lines - set(taking_part))
    if leaving:
        names = [
            label
            for (label,) in db.session.execute(
                select(Organization.label)
                .where(Organization.id.in_(leaving))
                .order_by(Organization.label)
            )
        ]
        problems.append(
            Sentence(
                N_(
                    "%(names)s would leave the programme with budget lines: change the budget "
                    "too, moving its lines to the organizations that stay."
                ),
                names=Listed(names),
            )
        )
    if sum(1 for o in taking_part.values() if o.kind == OrganizationKind.UN_ENTITY) < 2:
        problems.append(N_("A joint programme needs at least two participating UN organizations."))
    return problems


# Guards ---------------------------------------------------------------------------------------


# Who requests a programme's revisions (`revises`): the workflow's guard and the start of one.
NOT_REVISING = N_("Only the staff of the programme's organizations request its revisions.")


def revising_organization(revision: Revision, actor: Any, context: Mapping[str, Any]):
    if revises(actor, revision.proposal_id):
        return []
    return [NOT_REVISING]


def revision_complete(revision: Revision, actor: Any, context: Mapping[str, Any]):
    return missing_content(revision)


def before_end_date(revision: Revision, actor: Any, context: Mapping[str, Any]):
    proposal = db.session.get(Proposal, revision.proposal_id)
    today = (context.get("now") or utcnow()).date()
    problem = too_late(proposal, today)
    return [problem] if problem else []


def minor_revision(revision: Revision, actor: Any, context: Mapping[str, Any]):
    if revision.approver == Approver.COMMITTEE:
        return [N_("This revision goes to the committee: forward it.")]
    return []


def committee_revision(revision: Revision, actor: Any, context: Mapping[str, Any]):
    if revision.approver != Approver.COMMITTEE:
        return [N_("The secretariat decides this revision: nothing in it needs the committee.")]
    return []


def round_outcome(revision: Revision, actor: Any, context: Mapping[str, Any]):
    """Fired only on a closed round about the revision (the receiver of `round_closed`)."""
    if context.get("round_id") is None:
        return [N_("The committee decides this revision in a voting round.")]
    return []


REVISION_GUARDS = {
    "revising_organization": revising_organization,
    "revision_complete": revision_complete,
    "before_end_date": before_end_date,
    "minor_revision": minor_revision,
    "committee_revision": committee_revision,
    "round_outcome": round_outcome,
}

"""Who is told, and how each one wants to hear.

- the applicant's organization hears about its proposals (its active applicants, the person
  who acted included: a submission receipt is worth having);
- the secretariat and the committee never hear about their own action;
- a committee member recused on a proposal hears nothing about it: who is entitled to vote is
  the committee's rule, asked of `fund.committee.queries` (the open round's members without a
  recusal, or before the round exists those its opening will leave without one);
- a kind marked mandatory (see `models.KINDS`) is always emailed at once, whatever the user
  chose.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from fund.accounts.models import Role, User
from fund.accounts.queries import active_holders_of, active_users_with_role
from fund.committee.queries import entitled_to_vote
from fund.extensions import db
from fund.notifications.models import KINDS, Delivery, NotificationPreference
from fund.proposals.models import Proposal
from fund.reporting.workflow import reporting_organizations

APPLICANT, SECRETARIAT, COMMITTEE = "applicant", "secretariat", "committee"


@dataclass
class Recipients:
    """People to tell, each with the audience they are told as (first one wins)."""

    audience: dict[int, str] = field(default_factory=dict)
    users: dict[int, User] = field(default_factory=dict)

    def add(self, users: Iterable[User], audience: str, *, exclude: User | None = None) -> None:
        for user in users:
            if exclude is not None and user.id == exclude.id:
                continue
            if user.id not in self.users:
                self.users[user.id] = user
                self.audience[user.id] = audience


def applicants_of(organization_id: int) -> list[User]:
    return list(
        db.session.scalars(
            active_holders_of(Role.APPLICANT)
            .where(User.organization_id == organization_id)
            .order_by(User.id)
        )
    )


def add_programme_staff(
    recipients: Recipients,
    proposal_id: int,
    known: dict[int, list[User]] | None = None,
    organizations: Callable[[int], set[int]] = reporting_organizations,
) -> None:
    """Add the staff (active applicants) of the funded programme's `organizations` (by default
    those that report for it), as applicants; `known` keeps each organization's staff once
    read, for a caller telling several programmes."""
    known = {} if known is None else known
    for organization_id in sorted(organizations(proposal_id)):
        if organization_id not in known:
            known[organization_id] = applicants_of(organization_id)
        recipients.add(known[organization_id], APPLICANT)


def secretariat(session: Session | None = None) -> list[User]:
    return active_users_with_role(Role.SECRETARIAT, session)


def committee_for(proposal: Proposal) -> list[User]:
    """The committee members to tell about `proposal`: those entitled to vote on it, by the
    committee's own rule (`fund.committee.queries.entitled_to_vote`)."""
    return entitled_to_vote(proposal)


def delivery_for(
    user_ids: Iterable[int], kind: str, session: Session | None = None
) -> dict[int, Delivery]:
    """How each user gets `kind`: their choice, immediately by default, always immediately
    when the kind is mandatory."""
    ids = list(user_ids)
    result = dict.fromkeys(ids, Delivery.IMMEDIATE)
    if KINDS[kind].mandatory or not ids:
        return result
    rows = (session or db.session).execute(
        select(NotificationPreference.user_id, NotificationPreference.delivery).where(
            NotificationPreference.kind == kind, NotificationPreference.user_id.in_(ids)
        )
    )
    for user_id, delivery in rows:
        result[user_id] = Delivery(delivery)
    return result

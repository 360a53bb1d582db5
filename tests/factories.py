"""Proposals in any state of their life, reached the way the fund's people reach it.

`advance` takes a draft to a state through the operations the applicant, the secretariat and
the committee use: the applicant submits (or withdraws); the secretariat starts the screening,
records the checklist and forwards the proposal (a voting round opens), returns it or declares
it ineligible; the committee's members vote and the secretariat closes the round, which
approves or rejects the proposal; the secretariat funds it (a donor's contribution pays what
the pools lack) and closes it. So every proposal a test holds is one the application could
hold: approved ones keep their approval time and total, funded ones their allocation.

The people acting are those of the test when it has them (the first active secretariat user,
the committee members entitled to vote); the steps create one only when nobody could act.
The messages the steps write wait in the outbox, as when the demo set is loaded.

Everything runs in the caller's application context; the caller commits. A test whose subject
is a state the application cannot reach (a record from before a rule, a data migration)
writes that state itself and says so.
"""

from __future__ import annotations

import hashlib
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from flask import current_app
from sqlalchemy import select

from fund.accounts.models import Organization, Role, User, UserRole
from fund.calls.models import Call
from fund.committee import operations as committee_operations
from fund.committee.models import VotingRound
from fund.committee.rounds import (
    committee_members,
    entitled_members,
    open_round_of,
    organization_conflicts,
)
from fund.extensions import dated, db, utcnow
from fund.finance import funding
from fund.finance import operations as finance_operations
from fund.finance.models import GENERAL_POOL, Allocation
from fund.notifications.outbox import keep_in_outbox
from fund.proposals import operations as proposal_operations
from fund.proposals.models import (
    Attachment,
    BudgetLine,
    Proposal,
    ProposalContact,
    ProposalPrinciple,
    ProposalVersion,
)
from fund.reference.models import Country, GcmObjective
from fund.reporting.models import ProgrammeReport
from fund.screening import operations as screening_operations
from tests.helpers import new_organization, new_user, organization, user
from tests.results_factories import add_framework

MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# The steps from a draft to each state (a state's path is its predecessor's plus one step).
PATHS: dict[str, tuple[str, ...]] = {
    "draft": (),
    "submitted": ("submit",),
    "screening": ("submit", "start_screening"),
    "returned": ("submit", "start_screening", "return_for_revision"),
    "ineligible": ("submit", "start_screening", "checks", "declare_ineligible"),
    "committee_review": ("submit", "start_screening", "checks", "forward_to_committee"),
    "approved": ("submit", "start_screening", "checks", "forward_to_committee", "approve"),
    "rejected": ("submit", "start_screening", "checks", "forward_to_committee", "reject"),
    "funded": ("submit", "start_screening", "checks", "forward_to_committee", "approve", "fund"),
    "closed": (
        *("submit", "start_screening", "checks", "forward_to_committee", "approve", "fund"),
        "close",
    ),
    "withdrawn": ("withdraw",),
}
# What the secretariat writes when a step needs a comment.
COMMENTS = {
    "return_for_revision": "Please revise the budget.",
    "declare_ineligible": "The programme lies outside the call's scope.",
}
# Set by the steps, never given: a proposal gets them from the workflow.
WORKFLOW_FIELDS = frozenset(
    {"status", "submission_number", "approved_at", "approved_total", "approved_rate"}
)


# The open call and a complete draft -----------------------------------------------------------


def new_open_call(**values: Any) -> Call:
    """A call open from 60 days ago to 10 days ahead with the fund's default limits."""
    today = utcnow().date()
    values.setdefault("title", "Open call")
    values.setdefault("opens_on", today - timedelta(days=60))
    values.setdefault("closes_on", today + timedelta(days=10))
    values.setdefault("envelope", Decimal("10000000.00"))
    call = Call(**values)
    db.session.add(call)
    db.session.flush()
    return call


def fill_complete(proposal: Proposal) -> None:
    """Give a draft everything a submission needs, and a results framework screening passes: a
    joint ILO-IOM programme in Chile."""
    with db.session.no_autoflush:
        ilo, iom = organization("ILO"), organization("IOM")
        chile = db.session.get(Country, "CL")
        proposal.rationale = proposal.rationale or "Migrant workers lack protection."
        proposal.scope = "national"
        proposal.countries = [chile]
        proposal.endorsers = [chile]
        proposal.planned_start = utcnow().date() + timedelta(days=60)
        proposal.duration_months = 24
        proposal.lead_organization = ilo
        proposal.participants = [ilo, iom]
        proposal.primary_objective_number = 6
        proposal.secondary_objectives = [db.session.get(GcmObjective, 18)]
        proposal.gender_marker = 2
        proposal.human_rights_marker = 2
        proposal.principles = [
            ProposalPrinciple(
                principle_code="gender_responsive", explanation="Women workers first."
            ),
            ProposalPrinciple(
                principle_code="human_rights", explanation="Rights-based recruitment."
            ),
        ]
        proposal.contacts = [ProposalContact(name="Focal Point", email="focal@ilo.org")]
        proposal.budget_lines = [
            BudgetLine(
                organization_id=ilo.id,
                objective_number=6,
                category_code=1,
                amount=Decimal("600000.00"),
            ),
            BudgetLine(
                organization_id=iom.id,
                objective_number=18,
                category_code=4,
                amount=Decimal("400000.00"),
            ),
        ]
        proposal.attachments = [endorsement_letter(chile)]
    add_framework(proposal)  # an outcome for objective 6, its indicator with baseline and target


def endorsement_letter(country: Country) -> Attachment:
    """The government's letter endorsing the programme (a minimal PDF)."""
    return Attachment(
        kind="endorsement_letter",
        country_iso2=country.iso2,
        filename=f"endorsement-{country.name.lower().replace(' ', '-')}.pdf",
        media_type="application/pdf",
        size=len(MINIMAL_PDF),
        sha256=hashlib.sha256(MINIMAL_PDF).hexdigest(),
        content=MINIMAL_PDF,
    )


def shape(
    proposal: Proposal,
    lines: list[tuple[str, int, str]] | None = None,
    countries: list[str] | None = None,
) -> None:
    """Give a complete draft other budget lines [(acronym, objective, amount)] and countries:
    the organizations of the lines take part (the first one leads), the first line's objective
    is the primary one and the others secondary; each country endorses it with its letter, and
    without countries the programme is global."""
    if lines is not None:
        acronyms = list(dict.fromkeys(acronym for acronym, _, _ in lines))
        proposal.participants = [organization(acronym) for acronym in acronyms]
        proposal.lead_organization = proposal.participants[0]
        objectives = list(dict.fromkeys(objective for _, objective, _ in lines))
        proposal.primary_objective_number = objectives[0]
        proposal.secondary_objectives = [db.session.get(GcmObjective, n) for n in objectives[1:]]
        proposal.budget_lines = budget_lines(lines)
    if countries is not None:
        found = [db.session.get(Country, iso2) for iso2 in countries]
        proposal.scope = {0: "global", 1: "national"}.get(len(found), "multi_country")
        proposal.countries = found
        proposal.endorsers = found or [db.session.get(Country, "CL")]
        proposal.attachments = [endorsement_letter(c) for c in proposal.endorsers]


def budget_lines(lines: list[tuple[str, int, str]]) -> list[BudgetLine]:
    """Budget lines [(acronym, objective, amount)], each in category 1."""
    return [
        BudgetLine(
            organization_id=organization(acronym).id,
            objective_number=objective,
            category_code=1,
            amount=Decimal(amount),
        )
        for acronym, objective, amount in lines
    ]


def new_proposal(
    author: User,
    call_id: int,
    status: str = "draft",
    *,
    complete: bool = True,
    title: str = "Safe labour migration corridors",
    summary: str = "Decent work for migrant workers.",
    lines: list[tuple[str, int, str]] | None = None,
    countries: list[str] | None = None,
    submitted_at: datetime | None = None,
    decided_at: datetime | None = None,
    allocated_on: date | None = None,
    **values: Any,
) -> Proposal:
    """A proposal of `author`'s organization, complete unless `complete` is false (`lines` and
    `countries` reshape it: see `shape`), with `values` set on the draft, then taken to
    `status` by `advance`."""
    given = WORKFLOW_FIELDS & set(values)
    if given:
        raise TypeError(f"{', '.join(sorted(given))}: set by the workflow, never given")
    proposal = proposal_operations.create_draft(
        user(author), call_id=call_id, title=title, summary=summary
    )
    if complete:
        fill_complete(proposal)
    if lines is not None or countries is not None:
        shape(proposal, lines, countries)
    for key, value in values.items():
        setattr(proposal, key, value)
    if complete and "primary_objective_number" in values:
        # The budget's other objectives stay among the proposal's (submission checks it).
        others = {line.objective_number for line in proposal.budget_lines}
        others.discard(proposal.primary_objective_number)
        proposal.secondary_objectives = [db.session.get(GcmObjective, n) for n in sorted(others)]
    db.session.flush()
    advance(
        proposal,
        status,
        author,
        submitted_at=submitted_at,
        decided_at=decided_at,
        allocated_on=allocated_on,
    )
    return proposal


# The people who act ---------------------------------------------------------------------------


def acting_secretariat() -> User:
    """The first active secretariat user, or a new one if there is none."""
    found = db.session.scalar(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.SECRETARIAT, User.active.is_(True))
        .order_by(User.id)
        .limit(1)
    )
    return found or new_user(("secretariat",), None, name="Test Secretariat")


def committee_people() -> SimpleNamespace:
    """An ILO applicant, the secretariat and four committee members (IOM, UNHCR, UNICEF, UNDP),
    flushed. On an ILO-led proposal with IOM taking part the IOM member is recused
    automatically and the three others are entitled to vote: the default quorum is 2."""
    return SimpleNamespace(
        author=new_user(("applicant",), "ILO", name="Ana Author"),
        secretariat=new_user(("secretariat",), None, name="Sara Secretariat"),
        iom=new_user(("committee",), "IOM", name="Ibrahim IOM"),
        unhcr=new_user(("committee",), "UNHCR", name="Ursula UNHCR"),
        unicef=new_user(("committee",), "UNICEF", name="Chen UNICEF"),
        undp=new_user(("committee",), "UNDP", name="Dina UNDP"),
    )


def ensure_a_voter(proposal: Proposal) -> None:
    """Before forwarding: a new committee member (of no organization) when no active member
    could vote on the proposal, all of them being recused by their organization."""
    conflicts = organization_conflicts(proposal)
    if not any(m.organization_id not in conflicts for m in committee_members()):
        new_user(("committee",), None, name="Test Committee Member")


def donor() -> Organization:
    found = organization("TDONOR")
    return found or new_organization(name="Test Donor", acronym="TDONOR", kind="other")


# The steps ------------------------------------------------------------------------------------


def submit(proposal: Proposal, author: User, now: datetime | None = None) -> None:
    proposal_operations.fire(proposal, "submit", user(author), now=now)


def submitted_on(proposal_id: int, when: datetime) -> None:
    """Date the proposal's submissions (each version's and its own) `when`, as if it had been
    submitted then: a meeting's agenda takes only what was submitted by the meeting's day."""
    db.session.get(Proposal, proposal_id).submitted_at = when
    versions = select(ProposalVersion).where(ProposalVersion.proposal_id == proposal_id)
    for version in db.session.scalars(versions):
        version.submitted_at = when
    db.session.flush()


def record_checks(
    proposal: Proposal, secretariat: User, result: str = "pass", now: datetime | None = None
) -> None:
    """The secretariat records the same result for every criterion of the call."""
    criteria = screening_operations.ensure_criteria(proposal.call)
    note = "" if result == "pass" else "Not met."
    screening_operations.record_checks(
        proposal, user(secretariat), {c.id: (result, note) for c in criteria}, now=now
    )


def take_to_committee(
    proposal: Proposal,
    author: User,
    secretariat: User,
    now: datetime | None = None,
    comment: str | None = None,
) -> VotingRound:
    """Submit, screen (every criterion passes) and forward, with the secretariat's `comment`
    for the committee if given: the round that opens."""
    submit(proposal, author, now)
    proposal_operations.fire(proposal, "start_screening", user(secretariat), now=now)
    record_checks(proposal, secretariat, now=now)
    proposal_operations.fire(
        proposal, "forward_to_committee", user(secretariat), comment=comment, now=now
    )
    return open_round_of(proposal.id)


def decide(
    proposal: Proposal,
    secretariat: User,
    choice: str = "approve",
    now: datetime | None = None,
) -> VotingRound:
    """Every member entitled to vote in the open round votes `choice`; the secretariat closes
    the round, which approves or rejects the proposal. Returns the closed round."""
    round_ = open_round_of(proposal.id)
    comment = "Not for this fund." if choice == "reject" else ""
    for member in entitled_members(round_):
        committee_operations.cast_vote(round_.id, member.user, choice, comment, now=now)
    committee_operations.close_round(round_.id, user(secretariat), now=now)
    wanted = {"approve": "approved", "reject": "rejected"}[choice]
    if proposal.status != wanted:
        raise AssertionError(f"round {round_.number} closed {round_.outcome}, not {wanted}")
    return round_


def fund(
    proposal: Proposal,
    secretariat: User,
    allocated_on: date | None = None,
    now: datetime | None = None,
) -> Allocation:
    """The secretariat funds the approved proposal from the pools; what they lack comes first
    from a donor's contribution (without fee) to the pool that pays first."""
    rate = proposal_operations.rules_from_config(current_app.config).indirect_rate
    plan = funding.funding_plan(proposal, rate)
    if plan.shortfall > 0:
        pool = plan.pools[0][0]
        finance_operations.record_contribution(
            user(secretariat),
            donor(),
            allocated_on or (now or utcnow()).date(),
            plan.shortfall,
            None if pool == GENERAL_POOL else pool,
            fee_rate=Decimal("0"),
            now=now,
        )
    return finance_operations.fund_proposal(
        user(secretariat), proposal, allocated_on=allocated_on, now=now
    )


def advance(
    proposal: Proposal,
    status: str,
    author: User,
    *,
    submitted_at: datetime | None = None,
    decided_at: datetime | None = None,
    allocated_on: date | None = None,
) -> None:
    """Take a draft of `author` to `status` by the steps of PATHS: submitted at `submitted_at`,
    the committee's decision at `decided_at`, funds allocated on `allocated_on` (each now if
    not given). The messages the steps write stay in the outbox."""
    if status not in PATHS:
        raise ValueError(f"no path to the state {status!r}")
    if decided_at is None and allocated_on is not None and allocated_on < utcnow().date():
        # Funds are allocated once approved: a past allocation follows a decision that day.
        decided_at = datetime.combine(allocated_on, time(9), UTC)
    steps = PATHS[status]
    secretariat = acting_secretariat() if set(steps) - {"submit", "withdraw"} else None
    for step in steps:
        if step == "submit":
            submit(proposal, author, submitted_at)
        elif step == "withdraw":
            proposal_operations.fire(
                proposal, "withdraw", user(author), comment="No longer needed."
            )
        elif step == "checks":
            record_checks(proposal, secretariat, "fail" if status == "ineligible" else "pass")
        elif step in COMMENTS:
            proposal_operations.fire(proposal, step, secretariat, comment=COMMENTS[step])
        elif step == "forward_to_committee":
            if "approve" in steps or "reject" in steps:
                ensure_a_voter(proposal)
            proposal_operations.fire(proposal, step, secretariat)
        elif step in ("approve", "reject"):
            decide(proposal, secretariat, step, decided_at)
        elif step == "fund":
            fund(proposal, secretariat, allocated_on)
        elif step == "close":
            finance_operations.close_proposal(
                secretariat, proposal, "The programme ended before it was paid in full."
            )
        else:
            proposal_operations.fire(proposal, step, secretariat)
    keep_in_outbox(db.session)


# A funded programme and its people ------------------------------------------------------------

# (key, roles, organization, values) of the programme's people, in the order they are made.
PROGRAMME_PEOPLE = (
    ("ilo", ("applicant",), "ILO", {"name": "Ilo Staff"}),
    ("iom", ("applicant",), "IOM", {"name": "Iom Staff"}),
    ("undp", ("applicant",), "UNDP", {"name": "Undp"}),
    ("secretariat", ("secretariat",), None, {}),
    ("committee", ("committee",), "UNHCR", {}),
)


# A complete draft plans its start 60 days after the day it is made (`fill_complete`): a
# programme made so many days ago began yesterday.
BEGUN_DAYS = 61


def made_begun() -> AbstractContextManager[None]:
    """Within the block, the clock is set BEGUN_DAYS back (`fund.extensions.dated`): a
    programme made and funded there began yesterday, so its first reports' period has begun and
    they can be submitted today."""
    return dated(utcnow() - timedelta(days=BEGUN_DAYS))


def in_period(report: ProgrammeReport) -> datetime:
    """A moment the report can be submitted at: now, or 09:00 UTC on its period's first day
    when that is later (a report is submitted once its period has begun)."""
    return max(utcnow(), datetime.combine(report.period_start, time(9), UTC))


def funded_programme(
    transfer_to_ilo: Decimal | None = None, *, begun: bool = False
) -> dict[str, Any]:
    """A funded ILO-IOM programme (24 months from 60 days from now, USD 1,000,000 of direct
    costs: ILO 600,000 in category 1, IOM 400,000 in category 4) and its people, made in this
    order and committed (for a module's PreparedDatabase): the open call, the people of
    PROGRAMME_PEOPLE, the funded proposal, then `transfer_to_ilo` transferred to ILO today by
    the secretariat, if given. `begun`: the call, the people and the programme made
    BEGUN_DAYS ago (`made_begun`), so the programme began yesterday and its first reports can
    be submitted. Returns the proposal's id ("proposal") and the people by key, detached."""
    with made_begun() if begun else nullcontext():
        call_id = new_open_call().id
        ids = {
            key: new_user(roles, acronym, **values).id
            for key, roles, acronym, values in PROGRAMME_PEOPLE
        }
        db.session.commit()
        funded = new_proposal(db.session.get(User, ids["ilo"]), call_id, "funded").id
        db.session.commit()
    if transfer_to_ilo is not None:
        allocation = db.session.scalar(select(Allocation).where(Allocation.proposal_id == funded))
        finance_operations.record_disbursement(
            user(ids["secretariat"]),
            allocation,
            organization("ILO").id,
            utcnow().date(),
            transfer_to_ilo,
        )
        db.session.commit()
    db.session.expunge_all()
    people = {key: db.session.get(User, user_id) for key, user_id in ids.items()}
    for row in people.values():
        db.session.expunge(row)
    return {"proposal": funded, **people}

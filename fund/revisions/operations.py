"""Changes to the revisions of funded programmes: a draft started and saved by the programme's
staff, and the revision workflow's transitions (submit, withdraw; the secretariat's approve,
return, reject and forward; the committee's outcome). Each takes the actor, writes its audit
event and never commits.

Lock order: the programme's row, then the revision's (as the committee: the proposal first).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from fund.accounts.models import Organization, OrganizationKind, User
from fund.audit.operations import add_recorded, record
from fund.days import last_day
from fund.extensions import db, utcnow
from fund.i18n import kept
from fund.labels import N_
from fund.locking import locked, locked_or_refused
from fund.proposals.budget import Line, programme_years
from fund.proposals.models import Proposal
from fund.reference.queries import category_titles
from fund.refusals import Refused, workflow_refusal
from fund.reporting.schedule import programme_months
from fund.revisions import rules
from fund.revisions.apply import apply_revision
from fund.revisions.models import Approver, Revision, RevisionBudgetLine
from fund.revisions.workflow import (
    ENGINE,
    NOT_REVISING,
    programme_end,
    revises,
    too_late,
)
from fund.sentences import MONTHS, Counted, OnDay, Sentence
from fund.signals import revision_transitioned, round_opened
from workflows import TransitionRefused
from workflows.proposal import FUNDED_STATE
from workflows.revision import (
    REVISION_COMMITTEE,
    REVISION_EDITABLE_STATES,
    REVISION_OPEN_STATES,
    REVISION_WORKFLOW,
)

SUBJECT = "revision"
_ACTIONS = {
    "submit": "revision_submitted",
    "withdraw": "revision_withdrawn",
    "approve": "revision_approved",
    "return_for_changes": "revision_returned",
    "reject": "revision_rejected",
    "forward": "revision_forwarded",
    "committee_approve": "revision_approved",
    "committee_reject": "revision_rejected",
}


class RevisionRefused(Refused):
    """A change to a revision that was refused; nothing was changed."""


@dataclass(frozen=True)
class LineValues(Line):
    """A new budget line as the staff typed it: the budget's line with its description."""

    description: str = ""

    def columns(self) -> dict[str, Any]:
        """The columns of a budget line with these values (the description cut to the
        column's 300 characters)."""
        return asdict(self) | {"description": self.description[:300]}


@dataclass
class RevisionValues:
    """What the staff typed, read by the page: each kind of change chosen or not."""

    justification: str = ""
    extension: bool = False
    new_end_date: date | None = None
    budget: bool = False
    lines: list[LineValues] = field(default_factory=list)
    scope: bool = False
    new_summary: str = ""
    participants: bool = False
    participant_ids: list[int] = field(default_factory=list)


def _proposal(proposal_id: int) -> Proposal:
    return locked_or_refused(
        Proposal, proposal_id, RevisionRefused, N_("There is no such programme.")
    )


def _revision(revision_id: int) -> tuple[Revision, Proposal]:
    """The revision and its programme, both locked (the programme first)."""
    proposal_id = db.session.scalar(select(Revision.proposal_id).where(Revision.id == revision_id))
    if proposal_id is None:
        raise RevisionRefused(N_("There is no such revision."))
    proposal = _proposal(proposal_id)
    revision = locked(Revision, revision_id)
    return revision, proposal  # type: ignore[return-value]


def open_revision_of(proposal_id: int) -> Revision | None:
    return db.session.scalar(
        select(Revision).where(
            Revision.proposal_id == proposal_id, Revision.status.in_(REVISION_OPEN_STATES)
        )
    )


def no_revision_open(proposal: Proposal, actor: Any, context: Any) -> list[Sentence]:
    """The proposal workflow's guard of `close`: no revision of the programme is open. One
    decided after the closing would change a closed programme (draw money into an allocation
    nobody pays any more, plan reports after its end); it is decided or withdrawn first."""
    current = open_revision_of(proposal.id)
    if current is None:
        return []
    return [
        Sentence(
            N_(
                "Revision %(number)s of this programme is still open (%(status)s): it is decided "
                "or withdrawn before the programme closes."
            ),
            number=current.number,
            status=Sentence(REVISION_WORKFLOW.state_labels[current.status]),
        )
    ]


# Drafts ---------------------------------------------------------------------------------------


def refusal_to_start(actor: User, proposal: Proposal) -> RevisionRefused | None:
    """Why `actor` may not start a revision of the programme whatever the day (None: they
    may): only the staff of its organizations, only of a funded programme, with no revision
    open. The programme's revisions page offers to start one by the same rule; the days left
    before the programme's end are `too_late`'s."""
    if not revises(actor, proposal.id):
        return RevisionRefused(NOT_REVISING)
    if proposal.status != FUNDED_STATE:
        return RevisionRefused(N_("Only a funded programme can be revised."))
    if (current := open_revision_of(proposal.id)) is not None:
        return RevisionRefused(
            N_("Revision %(number)s of this programme is still open: finish it first."),
            stale=True,
            number=current.number,
        )
    return None


def start(actor: User, proposal_id: int, now: datetime | None = None) -> Revision:
    """The programme's staff start a revision (a draft); refused unless the programme is
    funded, has no revision open, and ends in more than the set number of days."""
    now = now or utcnow()
    proposal = _proposal(proposal_id)
    if (refused := refusal_to_start(actor, proposal)) is not None:
        raise refused
    if problem := too_late(proposal, now.date()):
        raise RevisionRefused(problem)
    number = (
        db.session.scalar(
            select(func.max(Revision.number)).where(Revision.proposal_id == proposal_id)
        )
        or 0
    ) + 1
    revision = Revision(
        proposal_id=proposal_id,
        number=number,
        organization_id=actor.organization_id,
        requested_by_id=actor.id,
        created_at=now,
        saved_at=now,
        justification="",
        comment="",
    )
    return add_recorded(
        revision,
        "revision_started",
        SUBJECT,
        actor,
        to_state=REVISION_WORKFLOW.initial,
        details={"proposal": proposal_id, "number": number},
        now=now,
    )


def max_extension_months() -> int:
    """How many months beyond its current end a revision may move a programme's end date."""
    return int(current_app.config["REVISION_MAX_EXTENSION_MONTHS"])


# An extension's new end date, missing or not read as a date: its page and `_check_end_date`.
NEW_END_DATE_NEEDED = N_("Give the new end date as YYYY-MM-DD.")


def _check_end_date(proposal: Proposal, new_end: date | None) -> int:
    """The programme's duration in months that ends on `new_end`; refused unless `new_end` is
    later than the current end, at most the set number of months later, and the last day of a
    month of the programme."""
    if new_end is None:
        raise RevisionRefused(NEW_END_DATE_NEEDED, "new_end_date")
    start_on, end = programme_end(proposal)
    if new_end <= end:
        raise RevisionRefused(
            N_("A no-cost extension moves the end date later than %(date)s."),
            "new_end_date",
            date=end,
        )
    months = programme_months(proposal)
    most = max_extension_months()
    if new_end > (latest := last_day(start_on, months + most)):
        raise RevisionRefused(
            N_(
                "A no-cost extension moves the end date by at most %(months)s: choose a date "
                "no later than %(date)s."
            ),
            "new_end_date",
            months=Counted(MONTHS, most),
            date=OnDay(latest),
        )
    while last_day(start_on, months) < new_end and months < 1200:
        months += 1
    if last_day(start_on, months) != new_end:
        before, after = last_day(start_on, months - 1), last_day(start_on, months)
        choices = [d for d in (before, after) if d > end]
        if len(choices) == 1:
            raise RevisionRefused(
                N_(
                    "The programme runs in whole months from its start (%(start)s): choose an "
                    "end date such as %(first)s."
                ),
                "new_end_date",
                start=start_on,
                first=choices[0],
            )
        raise RevisionRefused(
            N_(
                "The programme runs in whole months from its start (%(start)s): choose an "
                "end date such as %(first)s or %(second)s."
            ),
            "new_end_date",
            start=start_on,
            first=choices[0],
            second=choices[1],
        )
    return months


def revised_years(proposal: Proposal, values: RevisionValues) -> int:
    """How many programme years the programme spans with the revision's end date (its current
    one without an extension); refused as `_check_end_date` refuses a new end date."""
    months = programme_months(proposal)
    if values.extension:
        months = _check_end_date(proposal, values.new_end_date)
    return programme_years(months)


# What a budget line in a year outside the programme's is told.
OUTSIDE_YEARS = N_(
    "The programme's years are 1 to %(years)s with the revised dates: choose one of them."
)


def _organizations(ids: list[int]) -> list[Organization]:
    rows = db.session.scalars(select(Organization).where(Organization.id.in_(ids))).all()
    if len(rows) != len(set(ids)) or any(o.kind != OrganizationKind.UN_ENTITY for o in rows):
        raise RevisionRefused(N_("Choose participating UN organizations only."), "participants")
    return sorted(rows, key=lambda o: o.label)


def refusal_to_edit(actor: User, revision: Revision) -> RevisionRefused | None:
    """Why `actor` may not change the revision (None: they may): only while it is a draft or
    returned, only the staff of the programme's organizations. Its page offers the form by the
    same rule."""
    if revision.status not in REVISION_EDITABLE_STATES:
        return RevisionRefused(
            N_("The revision is “%(status)s”: it can no longer be changed."),
            stale=True,
            status=Sentence(revision.status_label),
        )
    if not revises(actor, revision.proposal_id):
        return RevisionRefused(
            N_("Only the staff of the programme's organizations edit revisions.")
        )
    return None


def save(
    actor: User, revision_id: int, values: RevisionValues, now: datetime | None = None
) -> Revision:
    """The staff save the draft (or a returned revision); audited. Each change chosen is
    checked: a later end date on a month's end, a new summary, participating UN organizations
    keeping the lead, budget lines for participating organizations."""
    now = now or utcnow()
    revision, proposal = _revision(revision_id)
    if (refused := refusal_to_edit(actor, revision)) is not None:
        raise refused
    months = _check_end_date(proposal, values.new_end_date) if values.extension else None
    summary = values.new_summary.strip()
    if values.scope and not summary:
        raise RevisionRefused(N_("Write the programme's summary as revised."), "new_summary")
    participants = _organizations(values.participant_ids) if values.participants else []
    if values.participants:
        if not participants:
            raise RevisionRefused(N_("Choose the participating organizations."), "participants")
        if proposal.lead_organization_id not in {o.id for o in participants}:
            raise RevisionRefused(
                N_("The lead UN entity stays among the participating organizations."),
                "participants",
            )
    if values.budget:
        allowed = {o.id for o in (participants or proposal.participants)}
        allowed.add(proposal.lead_organization_id)
        if not values.lines:
            raise RevisionRefused(N_("Enter the new budget lines."), "budget")
        if any(line.organization_id not in allowed for line in values.lines):
            raise RevisionRefused(
                N_("Each budget line is for a participating organization."), "budget"
            )
        years = programme_years(months or programme_months(proposal))
        if any(not 1 <= line.year <= years for line in values.lines):
            raise RevisionRefused(OUTSIDE_YEARS, "budget", years=years)
    revision.justification = values.justification.strip()
    revision.new_end_date = values.new_end_date if values.extension else None
    revision.new_duration_months = months
    revision.new_summary = summary if values.scope else None
    revision.changes_participants = values.participants
    revision.participants = participants
    revision.changes_budget = values.budget
    revision.budget_lines = [
        RevisionBudgetLine(position=position, **line.columns())
        for position, line in enumerate(values.lines if values.budget else [], start=1)
    ]
    revision.saved_at = now
    db.session.flush()
    record(
        "revision_saved",
        SUBJECT,
        revision.id,
        actor,
        details={"proposal": revision.proposal_id, "number": revision.number} | requested(revision),
        now=now,
    )
    return revision


def requested(revision: Revision) -> dict[str, Any]:
    """What the revision asks, as plain values (for the audit trail)."""
    return {
        "new_end_date": revision.new_end_date,
        "new_summary": revision.new_summary,
        "participants": [o.acronym for o in revision.participants]
        if revision.changes_participants
        else None,
        "budget_lines": [
            f"{line.organization_id}/{line.objective_number}/{line.category_code}/"
            f"y{line.year}: {line.amount}"
            for line in revision.budget_lines
        ]
        if revision.changes_budget
        else None,
    }


# Routing --------------------------------------------------------------------------------------


def _by_category(lines: Any) -> dict[int, Decimal]:
    totals: dict[int, Decimal] = {}
    for line in lines:
        totals[line.category_code] = totals.get(line.category_code, Decimal("0")) + line.amount
    return totals


def change_of(revision: Revision, proposal: Proposal) -> rules.Change:
    """The revision's change against the programme as it is now, in the rule table's figures."""
    months = None
    if revision.new_duration_months is not None:
        months = revision.new_duration_months - programme_months(proposal)
    names = frozenset(o.label for o in proposal.participants)
    return rules.Change(
        months_moved=months,
        categories_before=_by_category(proposal.budget_lines),
        categories_after=_by_category(revision.budget_lines) if revision.changes_budget else None,
        participants_before=names,
        participants_after=frozenset(o.label for o in revision.participants)
        if revision.changes_participants
        else None,
        category_names=category_titles(),
    )


def routing(revision: Revision, proposal: Proposal) -> rules.Routing:
    return rules.route(change_of(revision, proposal), current_app.config)


# Transitions ----------------------------------------------------------------------------------


def fire(
    actor: User | None,
    revision_id: int,
    trigger: str,
    comment: str | None = None,
    now: datetime | None = None,
    *,
    context: dict[str, Any] | None = None,
) -> Revision:
    """A transition of the revision workflow; audited. Submitting writes the routing and its
    reasons; the secretariat's approval (or the committee's) applies the revision to the
    programme; forwarding opens a voting round about it."""
    now = now or utcnow()
    revision, proposal = _revision(revision_id)
    comment = (comment or "").strip() or None
    details: dict[str, Any] = {"proposal": proposal.id, "number": revision.number}
    if trigger == "submit":
        found = routing(revision, proposal)
        revision.approver = found.approver
        revision.reasons = list(found.reasons)
        revision.reasons_kept = [kept(reason) for reason in found.reasons]
    try:
        source, dest = ENGINE.fire(
            revision, trigger, actor, comment=comment, context={"now": now, **(context or {})}
        )
    except TransitionRefused as refused:
        raise workflow_refusal(refused, RevisionRefused) from refused
    if trigger == "submit":
        revision.submitted_at = now
        details |= {"approver": revision.approver, "reasons": revision.reasons}
    elif trigger != "withdraw":
        revision.decided_at, revision.decided_by_id = now, getattr(actor, "id", None)
        revision.comment = comment or ""
    details |= context or {}
    db.session.flush()
    record(
        _ACTIONS[trigger],
        SUBJECT,
        revision.id,
        actor,
        from_state=source,
        to_state=dest,
        comment=comment,
        details=details,
        now=now,
    )
    round_ = None
    if trigger in ("approve", "committee_approve"):
        apply_revision(revision, proposal, actor, now)
    elif trigger == "forward":
        round_ = _open_round(proposal, revision, actor, now)
    revision_transitioned.send(
        revision, proposal=proposal, trigger=trigger, to_state=dest, actor=actor, comment=comment
    )
    if round_ is not None:
        round_opened.send(round_, proposal=proposal, actor=actor, revision=revision)
    return revision


def _open_round(proposal: Proposal, revision: Revision, actor: User | None, now: datetime) -> Any:
    from fund.committee.operations import open_round

    current = {organization.id for organization in proposal.participants}
    joining = {
        organization.id: Sentence(
            N_("%(organization)s would join the programme through revision %(number)s."),
            organization=organization.label,
            number=revision.number,
        )
        for organization in (revision.participants if revision.changes_participants else [])
        if organization.id not in current
    }
    return open_round(proposal, actor, revision_id=revision.id, now=now, joining=joining)


def open_new_round(actor: User, revision_id: int, now: datetime | None = None) -> Any:
    """The secretariat opens a new voting round about a revision with the committee (after a
    round without quorum)."""
    from fund.committee.models import RoundStatus, VotingRound

    now = now or utcnow()
    revision, proposal = _revision(revision_id)
    if not actor.has_role("secretariat"):
        raise RevisionRefused(N_("Only the secretariat opens a voting round."))
    if revision.status != REVISION_COMMITTEE:
        raise RevisionRefused(N_("The revision is not with the committee."), stale=True)
    open_round_id = db.session.scalar(
        select(VotingRound.id).where(
            VotingRound.revision_id == revision.id, VotingRound.status == RoundStatus.OPEN
        )
    )
    if open_round_id is not None:
        raise RevisionRefused(N_("A voting round about this revision is still open."), stale=True)
    round_ = _open_round(proposal, revision, actor, now)
    round_opened.send(round_, proposal=proposal, actor=actor, revision=revision)
    return round_


# Not a transition: a round about the revision closed without quorum, the revision still with
# the committee (`revision_transitioned` says it with this trigger, its state unchanged).
NO_QUORUM = "no_quorum"


def on_round_closed(sender: Any, *, outcome: str, actor: Any = None, **_: Any) -> None:
    """Receiver of `round_closed`: a round about a revision approves or rejects it (a round
    closed without quorum leaves it with the committee, for a new round)."""
    revision_id = getattr(sender, "revision_id", None)
    if revision_id is None:
        return
    if outcome == "no_quorum":  # still with the committee: its people hear it
        revision, proposal = _revision(revision_id)
        revision_transitioned.send(
            revision,
            proposal=proposal,
            trigger=NO_QUORUM,
            to_state=revision.status,
            actor=actor,
            comment=None,
            voting_round=sender,
        )
        return
    if outcome not in ("approved", "rejected"):
        return
    trigger = "committee_approve" if outcome == "approved" else "committee_reject"
    fire(
        actor,
        revision_id,
        trigger,
        sender.summary or None,
        sender.closed_at,
        context={"round_id": sender.id, "round": sender.number},
    )


__all__ = ["Approver", "RevisionRefused", "fire", "open_new_round", "save", "start"]

"""What an approved revision changes: the programme takes the new values (duration, budget
lines, summary, participating organizations) and gets a new version, whose "What changed"
(`fund/proposals/snapshots.py`) is the revision's diff; the kept coverage totals follow the
budget lines at flush time (`fund/coverage/totals.py`, connected by `fund.caches`); the reports
not yet submitted are planned again for the new dates (`fund/reporting/schedule.py`); the
transfer schedule's tranches not yet transferred are planned again (`plan_transfer_schedule`);
the open data read the programme's dates, so the IATI activity's end date follows by itself.

A higher total (which only the committee approves) is allocated from the pools available to
the programme when they hold it (`fund.finance.reshare.top_up`), else the allocation stays and
the approval says why. A reallocation within the allocated total
moves the participating organizations' shares with their budgets (`fund.finance.reshare`),
unless an organization would get less than it was already transferred (the approval says so).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import select

from fund.accounts.models import Organization
from fund.audit.operations import record
from fund.days import DAY, in_english
from fund.extensions import db
from fund.finance.funding import proposal_budget
from fund.finance.models import Allocation
from fund.finance.reshare import Committed, reshare, top_up
from fund.finance.transfer_schedule import (
    direct_by_year,
    paid_in_full,
    paid_in_full_sentence,
    partly_paid,
    partly_paid_sentence,
    plan_transfer_schedule,
)
from fund.i18n import Money, kept
from fund.labels import N_
from fund.money import configured_indirect_rate
from fund.proposals.budget import Line, summarise
from fund.proposals.models import BudgetLine, Proposal, ProposalVersion
from fund.proposals.snapshots import diff_snapshots, latest_version, snapshot
from fund.reporting.replan import replan
from fund.revisions.models import Revision
from fund.revisions.workflow import programme_end
from fund.sentences import Counted, Listed, Np_, OnDay, Sentence


def programme_rate(proposal: Proposal) -> Decimal:
    """The indirect support rate the programme was approved at (else the configured one)."""
    if proposal.approved_rate:
        return Decimal(proposal.approved_rate)
    return configured_indirect_rate(current_app.config)


def budget_total(proposal: Proposal) -> Decimal:
    lines = (
        Line(b.organization_id, b.objective_number, b.category_code, b.amount)
        for b in proposal.budget_lines
    )
    return summarise(lines, programme_rate(proposal)).grand_total


def _new_values(revision: Revision, proposal: Proposal) -> None:
    if revision.new_duration_months is not None:
        proposal.duration_months = revision.new_duration_months
    if revision.new_summary is not None:
        proposal.summary = revision.new_summary
    if revision.changes_participants:
        proposal.participants = list(revision.participants)
    if revision.changes_budget:
        proposal.budget_lines = [BudgetLine(**line.line_values()) for line in revision.budget_lines]


def replan_reports(proposal: Proposal, before: tuple[date, date]) -> list[Sentence]:
    """Plan the programme's reports again for its new dates (they were `before`):
    `fund.reporting.replan.replan`. Returns what changed, a line each."""
    return replan(proposal.id, before, programme_end(proposal))


def replan_transfers(proposal: Proposal, actor: Any, now: datetime) -> Sentence:
    """Plan the tranches not yet transferred again, from the programme's budget by year and its
    start (`fund.finance.transfer_schedule.plan_transfer_schedule`)."""
    allocation = db.session.scalar(select(Allocation).where(Allocation.proposal_id == proposal.id))
    if allocation is None:
        return Sentence(N_("no allocation, no transfer schedule"))
    start, _ = programme_end(proposal)
    tranches = plan_transfer_schedule(allocation, start=start, now=now, actor=actor)
    return Counted(
        Np_("planned again (%(num)s tranche)", "planned again (%(num)s tranches)"), len(tranches)
    )


def _below(organization: str, new: Decimal, spoken_for: Committed) -> Sentence:
    """Why `organization`'s new share is not written: below what it was transferred, or below
    that and its open transfer request."""
    if spoken_for.request is None:
        return Sentence(
            N_("%(organization)s would get %(new)s, below the %(paid)s already transferred"),
            organization=organization,
            new=Money(new),
            paid=Money(spoken_for.transferred),
        )
    return Sentence(
        N_(
            "%(organization)s would get %(new)s, below the %(paid)s already transferred and the "
            "%(requested)s of its open transfer request %(request)s (cancel the request first)"
        ),
        organization=organization,
        new=Money(new),
        paid=Money(spoken_for.transferred),
        requested=Money(spoken_for.requested),
        request=spoken_for.request,
    )


def _shares_follow(allocation: Allocation, proposal: Proposal, rate: Decimal) -> dict[str, Any]:
    """The participating organizations' shares follow the budget when its total is the
    allocated one; what the approval says of them."""
    _, by_organization = proposal_budget(proposal, rate)
    result = reshare(allocation, by_organization)
    ids = set(result.changed) | set(result.below_transferred)
    names = dict(
        db.session.execute(
            select(Organization.id, Organization.label).where(Organization.id.in_(ids))
        ).all()
    )
    if not result.written:
        problems = Listed(
            (
                _below(names[o], new, spoken_for)
                for o, (new, spoken_for) in sorted(result.below_transferred.items())
            ),
            "; ",
        )
        return {
            "shares": Sentence(
                N_("The allocation's shares are unchanged: %(problems)s."), problems=problems
            )
        }
    if not result.changed:
        return {}
    return {
        "shares": {
            names[o]: {"before": format(before, "f"), "after": format(after, "f")}
            for o, (before, after) in sorted(result.changed.items())
        }
    }


def _paid_before(number: int, applied: dict[str, Any]) -> dict[str, list[Any]]:
    """What the revision's page says of each organization paid in full or in part before the
    revision moved its budget between years (one query: their names)."""
    entries = applied.get("paid_in_full", []) + applied.get("partly_paid", [])
    if not entries:
        return {}
    labels = dict(
        db.session.execute(
            select(Organization.id, Organization.label).where(
                Organization.id.in_([p["organization_id"] for p in entries])
            )
        ).all()
    )

    def line(entry: dict[str, Any], sentence: Sentence) -> Any:
        return kept(
            Sentence(
                N_("%(organization)s: %(said)s"),
                organization=labels[entry["organization_id"]],
                said=sentence,
            )
        )

    said: dict[str, list[Any]] = {}
    if applied.get("paid_in_full"):
        said["paid_in_full"] = [
            line(p, paid_in_full_sentence(number, p["years"])) for p in applied["paid_in_full"]
        ]
    if applied.get("partly_paid"):
        said["partly_paid"] = [
            line(p, partly_paid_sentence(number, p["transferred"], p["years"]))
            for p in applied["partly_paid"]
        ]
    return said


def apply_revision(revision: Revision, proposal: Proposal, actor: Any, now: datetime) -> None:
    """The approved revision changes the programme; audited (`revision_applied`)."""
    last = latest_version(proposal)
    rate = programme_rate(proposal)
    before = last.snapshot if last is not None else snapshot(proposal, rate)
    total_before = budget_total(proposal)
    dates_before = programme_end(proposal)
    by_year_before = direct_by_year(proposal.id)
    _new_values(revision, proposal)
    db.session.flush()
    db.session.expire(proposal, ["budget_lines", "participants"])
    after = snapshot(proposal, rate)
    proposal.submission_number += 1
    db.session.add(
        ProposalVersion(
            proposal_id=proposal.id,
            number=proposal.submission_number,
            submitted_at=now,
            submitted_by_id=revision.requested_by_id,
            snapshot=after,
        )
    )
    revision.version_number = proposal.submission_number
    applied: dict[str, Any] = {
        "version": proposal.submission_number,
        "changed": [change.label for change in diff_snapshots(before, after)],
    }
    total_after = budget_total(proposal)
    end_after = programme_end(proposal)[1]
    if end_after != dates_before[1]:
        applied["end_date"] = {
            "before": in_english(dates_before[1]),
            "after": in_english(end_after),
        }
    allocation = db.session.scalar(select(Allocation).where(Allocation.proposal_id == proposal.id))
    allocated = allocation.amount if allocation is not None else None
    if allocation is not None and total_after == allocated:
        applied |= _shares_follow(allocation, proposal, rate)
    if total_after != total_before:
        applied["total"] = {"before": format(total_before, "f"), "after": format(total_after, "f")}
    if allocated is not None and total_after > allocated:
        _, applied["allocation"] = top_up(allocation, proposal, rate)
    applied["reports"] = replan_reports(proposal, dates_before)
    applied["transfer_schedule"] = replan_transfers(proposal, actor, now)
    if allocation is not None and revision.changes_budget:
        by_year_after = direct_by_year(proposal.id)
        for key, find in (("paid_in_full", paid_in_full), ("partly_paid", partly_paid)):
            paid = find(allocation.id, by_year_before, by_year_after)
            if paid:
                applied[key] = paid
    # The page says the same lines in its reader's language (the audit trail keeps English).
    said = {key: kept(value) for key, value in applied.items() if isinstance(value, Sentence)}
    said["reports"] = [kept(line) for line in applied["reports"]]
    said |= _paid_before(revision.number, applied)
    if end_after != dates_before[1]:
        said["end_date"] = kept(
            Sentence(
                N_("End date: %(before)s before, %(after)s now."),
                before=OnDay(dates_before[1], DAY),
                after=OnDay(end_after, DAY),
            )
        )
    revision.applied = applied | {"said": said}
    db.session.flush()
    record(
        "revision_applied",
        "proposal",
        proposal.id,
        actor,
        details={"revision": revision.id, "number": revision.number, **applied},
        now=now,
    )

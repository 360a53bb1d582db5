"""The operations for a personal API token: what its user may read on the pages, through the
pages' own rules (`fund.proposals.access.can_view` and the list's visibility, the committee's
`fund.committee.visibility` for rounds, votes and recusals), within the token's scopes."""

from __future__ import annotations

from typing import Any

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from fund.accounts.models import (
    AUDIT_READERS,
    COMMITTEE_READERS,
    MONEY_READERS,
    PROPOSAL_READERS,
    Role,
)
from fund.api.registry import Param, operation, paged_body
from fund.api.schemas import maybe_amount
from fund.audit.models import AuditEvent
from fund.auditlog.queries import EventFilters, filtered
from fund.committee import visibility
from fund.committee.record import approval_conditions
from fund.committee.visibility import RoundView
from fund.extensions import db
from fund.finance.queries.balance import balance
from fund.finance.status import funding_status
from fund.listing import SEARCH_LIMIT, search_words
from fund.money import amount_text
from fund.pipeline.queries import iso_utc
from fund.proposals.access import seen_by
from fund.proposals.models import Proposal, ProposalKind
from fund.proposals.queries import STATUS_CHOICES, ProposalFilters, filtered_for, load_proposal
from fund.screening.queries import checklist


def _visible_proposal(user, proposal_id: int) -> Proposal:
    """The proposal, or 404 for whoever may not see it (as its page answers)."""
    return seen_by(user, load_proposal(proposal_id))


def _attributes(row: Any, names: str) -> dict[str, Any]:
    """The row's attributes of these names (separated by spaces), as they are."""
    return {name: getattr(row, name) for name in names.split()}


def _summary(row: Proposal) -> dict[str, Any]:
    return _attributes(row, "id reference kind title status call_id") | {
        "organization": row.organization.label,
        "submitted_at": iso_utc(row.submitted_at),
        "updated_at": iso_utc(row.updated_at),
    }


@operation(
    "/proposals",
    summary="Proposals and concept notes",
    tag="proposals",
    schema="ProposalPage",
    params=(
        Param("status", "A state of the workflow.", kind="enum", choices=tuple(STATUS_CHOICES)),
        Param(
            "kind",
            "Proposals or concept notes.",
            kind="enum",
            choices=tuple(k.value for k in ProposalKind),
        ),
        Param("call", "A call's id.", kind="integer"),
        Param("q", "Words of the title or summary.", max_length=SEARCH_LIMIT),
    ),
    roles=PROPOSAL_READERS,
    scope="proposals",
    paged=True,
)
def proposals(*, user, status, kind, call, q, cursor, limit) -> dict[str, Any]:
    """The proposals and concept notes the token's user finds in the proposals list (their
    organization's, the secretariat every one, the committee those it reviews), by id."""
    filters = ProposalFilters(
        status=status or "", kind=kind or "", call_id=call, q=search_words(q or "")
    )
    query = filtered_for(user, filters)
    if cursor is not None:
        query = query.where(Proposal.id > cursor)
    rows = db.session.scalars(
        query.options(joinedload(Proposal.organization)).order_by(Proposal.id).limit(limit + 1)
    ).all()
    return paged_body(list(rows), limit, _summary)


@operation(
    "/proposals/<int:proposal_id>",
    summary="One proposal",
    tag="proposals",
    schema="Proposal",
    roles=PROPOSAL_READERS,
    scope="proposals",
)
def proposal(*, user, proposal_id: int) -> dict[str, Any]:
    """A proposal or concept note its page shows the token's user (404 for anyone else)."""
    row = _visible_proposal(user, proposal_id)
    return _summary(row) | {
        "summary": row.summary,
        "lead_organization": row.lead_organization.label if row.lead_organization else None,
        "content_language": row.content_language,
        "planned_start": row.planned_start.isoformat() if row.planned_start else None,
        "duration_months": row.duration_months,
        "primary_objective": row.primary_objective_number,
        "secondary_objectives": sorted(o.number for o in row.secondary_objectives),
        "countries": [country.iso2 for country in row.countries],
        "participants": [o.label for o in row.participants],
        "approved_total": maybe_amount(row.approved_total),
    }


@operation(
    "/proposals/<int:proposal_id>/screening",
    summary="A proposal's eligibility screening",
    tag="proposals",
    schema="Screening",
    roles=(Role.SECRETARIAT,),
    scope="proposals",
)
def screening(*, user, proposal_id: int) -> dict[str, Any]:
    """The screening checklist of the proposal's current submission: each criterion, its
    recorded result and note, or the system's suggestion where nothing is recorded."""
    row = _visible_proposal(user, proposal_id)
    sheet = checklist(row)
    return {
        "proposal_id": row.id,
        "submission": sheet.submission,
        "passing": sheet.passing,
        "items": [
            {
                "code": item.criterion.code,
                "criterion": item.criterion.label,
                "automatic": bool(item.criterion.automatic),
                "recorded": item.check is not None,
                "result": item.result,
                "note": item.note,
            }
            for item in sheet.items
        ],
    }


def _round(view: RoundView, *, full: bool = True) -> dict[str, Any]:
    """A round as `view`'s viewer sees it: the tally and the others' votes only when they may
    see them (never a recused member), their own seat's vote always."""
    round_ = view.round
    shown = full and view.sees_votes
    votes = list(round_.votes) if shown else [v for v in (view.my_vote,) if v is not None]
    tally = view.tally
    closed = round_.closed_at is not None
    return _attributes(round_, "id proposal_id number status") | {
        "opened_at": iso_utc(round_.opened_at),
        "deadline": iso_utc(round_.deadline),
        "closed_at": iso_utc(round_.closed_at),
        "outcome": round_.outcome if closed else None,
        "recused": view.is_recused,
        "recusal_reason": view.recusal_reason,
        "sees_votes": shown,
        "tally": _attributes(
            tally, "rule approve reject abstain entitled quorum_needed quorum_met outcome"
        )
        if shown
        else None,
        "votes": [
            {
                "member": vote.member.name,
                "choice": vote.choice,
                "comment": vote.comment or "",
                "conditions": vote.conditions or "",
            }
            for vote in sorted(votes, key=lambda v: v.id)
        ],
    }


@operation(
    "/proposals/<int:proposal_id>/rounds",
    summary="A proposal's voting rounds",
    tag="committee",
    schema="RoundList",
    roles=COMMITTEE_READERS,
    scope="committee",
)
def rounds(*, user, proposal_id: int) -> dict[str, Any]:
    """The voting rounds on a proposal the committee reviews, each as the review page shows
    it to the token's user: a member with a conflict of interest (recused) sees that they are
    recused, never the others' votes or the tally."""
    row = _visible_proposal(user, proposal_id)
    found = visibility.rounds_of(row.id)
    if not visibility.reviewed_by_committee(row, found):
        abort(404)  # never before the committee, as its review page answers
    conflict = visibility.conflict_in_rounds(user, row, found)
    views = [
        visibility.round_view(
            round_,
            user,
            row,
            visible_before_own_vote=visibility.votes_visible_before_own_vote(),
            conflict=conflict,
        )
        for round_ in found
    ]
    return {"proposal_id": row.id, "rounds": [_round(view) for view in views]}


@operation(
    "/rounds/<int:round_id>",
    summary="A round's decision record",
    tag="committee",
    schema="DecisionRecord",
    roles=PROPOSAL_READERS,
    scope="committee",
)
def decision_record(*, user, round_id: int) -> dict[str, Any]:
    """The decision record of a round, to whoever its page shows it: the secretariat in full;
    a committee member without a conflict once the round is closed; the applicant the outcome,
    summary and conditions of a closed round of their proposal. 404 for anyone else (a recused
    member included)."""
    found = visibility.opened_record(user, round_id)
    proposal, view, full = found.proposal, found.view, found.full
    round_ = view.round
    return {
        "round": _round(view, full=full),
        "proposal": {"id": proposal.id, "reference": proposal.reference, "title": proposal.title},
        "full": full,
        "summary": round_.summary or "",
        "conditions": approval_conditions(round_),
    }


@operation(
    "/finance",
    summary="The fund's money by pool and the funding status",
    tag="finance",
    schema="Finance",
    roles=MONEY_READERS,
    scope="finance",
)
def finance(*, user) -> dict[str, Any]:
    """Each pool's net contributions, allocations and money available, and the funding
    status with each participating organization's line (the finance pages' figures)."""
    found = balance()
    return {
        "pools": [
            {
                "code": pool.code,
                "received_net": amount_text(pool.net),
                "interest_less_direct_costs": amount_text(pool.interest_less_costs),
                "allocated": amount_text(pool.allocated),
                "available": amount_text(pool.available),
            }
            for pool in found.pools
        ],
        "status": funding_status().to_dict(),
    }


@operation(
    "/audit/events",
    summary="The audit trail",
    tag="audit",
    schema="AuditEventPage",
    params=(
        Param("action", "Only events of this action, e.g. proposal_transitioned.", max_length=60),
        Param("subject_type", "Only events about this kind of record.", max_length=40),
    ),
    roles=AUDIT_READERS,
    scope="audit",
    paged=True,
)
def audit_events(*, user, action, subject_type, cursor, limit) -> dict[str, Any]:
    """The audit trail's events, the newest first (the cursor pages towards older ones)."""
    query = filtered(select(AuditEvent), EventFilters(action=action, subject_type=subject_type))
    if cursor is not None:
        query = query.where(AuditEvent.id < cursor)
    rows = db.session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit + 1)).all()
    return paged_body(
        list(rows),
        limit,
        lambda event: (
            _attributes(event, "id action subject_type subject_id from_state to_state comment")
            | {
                "occurred_at": iso_utc(event.occurred_at),
                "actor": event.actor_name,
                "details": event.details if isinstance(event.details, dict) else None,
            }
        ),
    )

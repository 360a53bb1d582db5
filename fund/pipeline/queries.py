"""The ranked pipeline: one list of the concept notes the committee approved into the pipeline
(in the committee's order) and then the approved full programmes awaiting funding (in the
finance pipeline's order: by approval), each with the booklet's fields, the running total
against the money available in the pools, and who decided what and when.

Read in a fixed number of statements whatever the size: the rows with their parts (one
statement each), the finance pipeline (`fund.finance.queries.pipeline`: the programmes'
budget totals and the pools' money), the committee's rounds and the meeting items that carry
the decisions, the audit events that recorded them, and the latest ranking.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from fund.audit.models import AuditEvent
from fund.committee.models import Meeting, MeetingItem, RoundStatus, VotingRound
from fund.committee.record import deciding_items
from fund.committee.rounds import decision_sentence
from fund.extensions import db, utcnow
from fund.finance.queries import pipeline as finance_pipeline
from fund.i18n import from_kept
from fund.labels import N_
from fund.money import ZERO, configured_indirect_rate
from fund.proposals import status_rules
from fund.proposals.models import Proposal, ProposalKind
from fund.sentences import Sentence

CONCEPT_NOTE = ProposalKind.CONCEPT_NOTE.value
PROPOSAL = ProposalKind.PROPOSAL.value
# The audit events of a ranking, and of the public flag.
RERANKED = "pipeline_reranked"
PUBLIC_SET = "pipeline_public_set"
# The transitions that put a row in the pipeline, by kind.
_ENTERING = {CONCEPT_NOTE: "place_in_pipeline", PROPOSAL: "approve"}


@dataclass(frozen=True)
class Decision:
    """Who decided what and when: the committee's decision (its round, the meeting that took
    it), and who recorded it."""

    what: str
    decided_at: datetime | None
    round_number: int | None = None
    meeting: str = ""  # the title of the meeting whose item carries the decision
    meeting_on: date | None = None  # and the day it was held
    recorded_by: str = ""
    summary: str = ""  # the committee's summary, given when its round was closed
    conditions: str = ""  # the conditions the meeting's item attached to the decision


@dataclass(frozen=True)
class Ranking:
    """The latest change of the concept notes' order: on which decision, by whom, when."""

    at: datetime
    by: str
    decision: str
    comment: str


@dataclass(frozen=True)
class Entry:
    """One line of the ranked pipeline, with the booklet's fields."""

    rank: int
    id: int
    reference: str
    kind: str
    title: str
    summary: str
    problem: str
    applicant: str
    lead: str
    status_label: str
    amount: Decimal  # the indicative total of a concept note, the budget total of a programme
    duration_months: int | None
    objectives: tuple[tuple[int, str], ...]  # (number, label), the primary one first
    countries: tuple[tuple[str, str], ...]  # (ISO 3166 alpha-2, name)
    organizations: tuple[str, ...]  # the participating UN entities
    national_partners: tuple[tuple[str, str], ...]  # (name, type)
    running_total: Decimal
    within_available: bool
    public: bool
    decision: Decision | None
    fundable: bool | None = None  # a programme: could be funded now from its own pools
    content_language: str = "en"  # the language its title and summary are written in

    @property
    def is_concept_note(self) -> bool:
        return self.kind == CONCEPT_NOTE

    @property
    def kind_label(self) -> str:
        return N_("Concept note") if self.is_concept_note else N_("Full programme")

    @property
    def decided_at(self) -> datetime | None:
        return self.decision.decided_at if self.decision else None


@dataclass
class RankedPipeline:
    """The ranked pipeline (see the module), with the pools' money and its totals."""

    entries: list[Entry]
    available: Decimal
    available_by_pool: dict[str, Decimal]
    as_of: datetime
    ranking: Ranking | None
    public_only: bool = False
    concept_notes: int = 0
    programmes: int = 0
    notes_total: Decimal = ZERO
    programmes_total: Decimal = ZERO
    hidden: int = 0  # left out of the public version
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return self.entries[-1].running_total if self.entries else ZERO

    @property
    def within_available(self) -> int:
        return sum(1 for e in self.entries if e.within_available)


def iso_utc(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC, to the second: 2026-12-05T10:30:00Z."""
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _rows() -> list[Proposal]:
    """The concept notes in the pipeline and the approved programmes with every part the
    booklet shows (one statement for the rows, one for each list of parts)."""
    return list(
        db.session.scalars(
            select(Proposal)
            .where(or_(status_rules.note_in_pipeline(), status_rules.in_pipeline()))
            .options(
                joinedload(Proposal.organization),
                joinedload(Proposal.lead_organization),
                joinedload(Proposal.primary_objective),
                selectinload(Proposal.secondary_objectives),
                selectinload(Proposal.participants),
                selectinload(Proposal.countries),
                selectinload(Proposal.national_partners),
                selectinload(Proposal.indicative_totals),
            )
        ).unique()
    )


def _latest_rounds(ids: list[int]) -> dict[int, VotingRound]:
    """Each row's latest closed round (the decision that put it where it is)."""
    found: dict[int, VotingRound] = {}
    if not ids:
        return found
    for round_ in db.session.scalars(
        select(VotingRound)
        .where(VotingRound.proposal_id.in_(ids), VotingRound.status == RoundStatus.CLOSED)
        .order_by(VotingRound.proposal_id, VotingRound.number)
    ):
        found[round_.proposal_id] = round_
    return found


def _entering_events(rows: list[Proposal]) -> dict[int, AuditEvent]:
    """The audit event of each row's entry into the pipeline (the latest, if several)."""
    found: dict[int, AuditEvent] = {}
    if not rows:
        return found
    kinds = {str(row.id): row.kind for row in rows}
    for event in db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.subject_type == "proposal",
            AuditEvent.subject_id.in_(list(kinds)),
            AuditEvent.action.in_(list(_ENTERING.values())),
        )
        .order_by(AuditEvent.id)
    ):
        if _ENTERING.get(kinds.get(event.subject_id, "")) == event.action:
            found[int(event.subject_id)] = event
    return found


def latest_ranking() -> Ranking | None:
    """The latest change of the concept notes' order (one statement)."""
    event = db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.action == RERANKED)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    if event is None:
        return None
    details = event.details or {}
    return Ranking(
        at=event.occurred_at,
        by=event.actor_name,
        decision=from_kept(details["decision_said"])
        if "decision_said" in details
        else str(details.get("decision_text", "")),
        comment=event.comment or "",
    )


def _decision(
    row: Proposal,
    round_: VotingRound | None,
    meeting: tuple[MeetingItem, Meeting] | None,
    event: AuditEvent | None,
    *,
    public: bool = False,
) -> Decision | None:
    """Who decided the row and what; in the public list (`public`, ranked among the public rows
    alone) without the place in the committee's whole pipeline."""
    if round_ is None and event is None and row.approved_at is None:
        return None
    if round_ is not None:
        what = decision_sentence(round_, place=not public)
        decided_at = round_.closed_at
    else:
        what = Sentence(N_("Approved into the pipeline") if row.is_concept_note else N_("Approved"))
        decided_at = event.occurred_at if event is not None else row.approved_at
    held, held_on, conditions = "", None, ""
    if meeting is not None:
        item, held_at = meeting
        held, held_on, conditions = held_at.title, held_at.held_on, item.conditions or ""
    return Decision(
        what=what,
        decided_at=decided_at,
        round_number=round_.number if round_ is not None else None,
        meeting=held,
        meeting_on=held_on,
        recorded_by=event.actor_name if event is not None else "",
        summary=(round_.summary or "") if round_ is not None else "",
        conditions=conditions,
    )


def _objectives(row: Proposal) -> tuple[tuple[int, str], ...]:
    found = []
    if row.primary_objective is not None:
        found.append((row.primary_objective.number, row.primary_objective.short_label))
    for objective in row.secondary_objectives:
        if objective.number != row.primary_objective_number:
            found.append((objective.number, objective.short_label))
    return tuple(found)


def _order_key(row: Proposal) -> tuple[Any, ...]:
    return (row.pipeline_rank is None, row.pipeline_rank or 0, row.id)


def ranked_pipeline(rate: Decimal, *, public_only: bool = False) -> RankedPipeline:
    """The ranked pipeline (see the module); `public_only`: only what the committee made
    public, ranked 1..n among themselves, without the pools' money."""
    rows = _rows()
    ledger = finance_pipeline(rate)
    by_id = {row.id: row for row in rows}
    notes = sorted((r for r in rows if r.is_concept_note), key=_order_key)
    programmes = [
        (by_id[line.proposal_id], line) for line in ledger.rows if line.proposal_id in by_id
    ]
    ids = [row.id for row in rows]
    rounds = _latest_rounds(ids)
    meetings = deciding_items(r.id for r in rounds.values())
    events = _entering_events(rows)
    result = RankedPipeline(
        entries=[],
        available=ledger.available,
        available_by_pool=dict(ledger.available_by_pool),
        as_of=utcnow(),
        ranking=latest_ranking(),
        public_only=public_only,
    )
    ordered: list[tuple[Proposal, Decimal, bool | None]] = [
        (row, row.indicative_total, None) for row in notes
    ] + [(row, line.total, line.fundable) for row, line in programmes]
    running = ZERO
    for row, amount, fundable in ordered:
        if public_only and not row.pipeline_public:
            result.hidden += 1
            continue
        running += amount
        round_ = rounds.get(row.id)
        if row.is_concept_note:
            result.concept_notes += 1
            result.notes_total += amount
        else:
            result.programmes += 1
            result.programmes_total += amount
        result.entries.append(
            Entry(
                rank=len(result.entries) + 1,
                id=row.id,
                reference=row.reference,
                kind=row.kind,
                title=row.title,
                summary=row.summary,
                content_language=row.content_language,
                problem=row.rationale,
                applicant=row.organization.label,
                lead=row.lead_organization.label if row.lead_organization else "",
                status_label=row.status_label,
                amount=amount,
                duration_months=row.duration_months,
                objectives=_objectives(row),
                countries=tuple((c.iso2, c.name) for c in row.countries),
                organizations=tuple(o.label for o in row.participants),
                national_partners=tuple((p.name, p.type_label) for p in row.national_partners),
                running_total=running,
                within_available=running <= ledger.available,
                public=row.pipeline_public,
                decision=_decision(
                    row,
                    round_,
                    meetings.get(round_.id) if round_ is not None else None,
                    events.get(row.id),
                    public=public_only,
                ),
                fundable=fundable,
            )
        )
    return result


def as_json(pipeline: RankedPipeline) -> dict[str, Any]:
    """The pipeline as `flask fund pipeline --format json` prints it (the public one without
    the pools' money)."""
    return {
        "as_of": iso_utc(pipeline.as_of),
        **({} if pipeline.public_only else {"available": format(pipeline.available, "f")}),
        "entries": [
            {
                "reference": e.reference,
                "title": e.title,
                "kind": e.kind,
                "rank": e.rank,
                "indicative_total": format(e.amount, "f"),
                "objectives": [number for number, _ in e.objectives],
                "countries": [code for code, _ in e.countries],
                "organizations": list(e.organizations),
                "national_partners": [
                    {"name": name, "type": kind} for name, kind in e.national_partners
                ],
                "decided_at": iso_utc(e.decided_at),
            }
            for e in pipeline.entries
        ],
    }


def pipeline_notes() -> list[Proposal]:
    """The concept notes in the pipeline, in the committee's order (for the ranking form)."""
    return sorted(
        db.session.scalars(select(Proposal).where(status_rules.note_in_pipeline())),
        key=_order_key,
    )


def config_rate(config: Mapping[str, Any]) -> Decimal:
    return configured_indirect_rate(config)

"""Changes to the pipeline: the concept notes' order moves only through a decision of the
committee (`rerank`), and what the public booklet lists (`set_public`). Both audited; callers
commit.

The decision a new order rests on is a closed voting round that approved a concept note into
the pipeline (it gave the note its place), or a meeting's decision: an item on the pipeline's
ranking the committee agreed to or approved, or a concept note it approved into the pipeline.
It is named as `round:<id>` or `item:<id>`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select

from fund.accounts.models import Role, User
from fund.audit.operations import record
from fund.committee.decisions import lock_pipeline_order
from fund.committee.models import (
    ItemKind,
    ItemOutcome,
    Meeting,
    MeetingItem,
    Outcome,
    RoundStatus,
    VotingRound,
)
from fund.committee.rounds import decision_sentence
from fund.days import SHORT_DAY
from fund.extensions import db, utcnow
from fund.i18n import kept
from fund.labels import N_
from fund.pipeline.queries import PUBLIC_SET, RERANKED
from fund.proposals import ranking, status_rules
from fund.proposals.models import Proposal, proposal_reference
from fund.refusals import Refused
from fund.sentences import OnDay, Sentence, Within


class PipelineRefused(Refused):
    """A change the pipeline's rules refuse, with the message the page shows (`stale` when
    the order changed since the page was shown)."""


STALE = N_("The pipeline changed since the page was shown: look at the order again.")


# A meeting's decisions a new order may rest on, by the item's kind.
_MEETING_OUTCOMES = {
    ItemKind.PIPELINE.value: (ItemOutcome.AGREED.value, ItemOutcome.APPROVED.value),
    ItemKind.PROPOSAL.value: (ItemOutcome.PIPELINE.value,),
}


@dataclass(frozen=True)
class DecisionChoice:
    """A decision a new order may rest on: its value in forms and its description."""

    value: str
    label: str


def _round_label(round_: VotingRound, proposal: Proposal) -> Sentence:
    return Sentence(
        N_("Voting round %(number)s on %(reference)s “%(title)s”: %(decision)s (%(closed)s)"),
        number=round_.number,
        reference=proposal.reference,
        title=proposal.title,
        decision=decision_sentence(round_),
        closed=OnDay(round_.closed_at.date(), SHORT_DAY) if round_.closed_at else "",
    )


def _item_label(item: MeetingItem, meeting: Meeting) -> Sentence:
    what: str = item.title
    if not what and item.proposal is not None:
        what = f"{item.proposal.reference} “{item.proposal.title}”"
    outcome = ItemOutcome.labels().get(item.outcome or "", N_("Not decided"))
    return Sentence(
        N_("Meeting “%(meeting)s” of %(day)s, item %(position)s: %(what)s (%(outcome)s)"),
        meeting=meeting.title,
        day=OnDay(meeting.held_on, SHORT_DAY),
        position=item.position,
        what=what or Sentence(N_("the pipeline")),
        outcome=Within(outcome),
    )


def decision_choices(limit: int = 50) -> list[DecisionChoice]:
    """The decisions a new order may rest on, the latest first (two statements)."""
    rounds = db.session.execute(
        select(VotingRound, Proposal)
        .join(Proposal, Proposal.id == VotingRound.proposal_id)
        .where(VotingRound.status == RoundStatus.CLOSED, VotingRound.outcome == Outcome.PIPELINE)
        .order_by(VotingRound.closed_at.desc(), VotingRound.id.desc())
        .limit(limit)
    ).all()
    items = db.session.execute(
        select(MeetingItem, Meeting)
        .join(Meeting, Meeting.id == MeetingItem.meeting_id)
        .where(_meeting_decision())
        .order_by(Meeting.held_on.desc(), MeetingItem.position)
        .limit(limit)
    ).all()
    choices = [DecisionChoice(f"item:{i.id}", _item_label(i, m)) for i, m in items]
    choices += [DecisionChoice(f"round:{r.id}", _round_label(r, p)) for r, p in rounds]
    return choices


def _meeting_decision():
    return or_(
        *(
            and_(MeetingItem.kind == kind, MeetingItem.outcome.in_(outcomes))
            for kind, outcomes in _MEETING_OUTCOMES.items()
        )
    )


def resolve_decision(value: str | None) -> tuple[dict[str, object], str]:
    """The decision named `round:<id>` or `item:<id>`, as the audit event's details and its
    description; refused unless it is one a new order may rest on."""
    kind, _, raw = (value or "").partition(":")
    if not raw.isdigit():
        raise PipelineRefused(N_("Name the committee's decision the new order rests on."))
    if kind == "round":
        round_ = db.session.get(VotingRound, int(raw))
        if round_ is None or round_.status != RoundStatus.CLOSED:
            raise PipelineRefused(
                N_("That voting round is not a closed decision of the committee.")
            )
        if round_.outcome != Outcome.PIPELINE:
            raise PipelineRefused(
                N_("That voting round did not approve a concept note into the pipeline.")
            )
        proposal = db.session.get(Proposal, round_.proposal_id)
        return {"round": round_.id}, _round_label(round_, proposal)
    if kind == "item":
        item = db.session.get(MeetingItem, int(raw))
        if item is None or item.outcome not in _MEETING_OUTCOMES.get(item.kind, ()):
            raise PipelineRefused(
                N_("That meeting item is not a decision of the committee on the pipeline.")
            )
        meeting = db.session.get(Meeting, item.meeting_id)
        return {"meeting": meeting.id, "item": item.id}, _item_label(item, meeting)
    raise PipelineRefused(N_("Name the committee's decision the new order rests on."))


def _secretariat(actor: User) -> None:
    if not actor.has_role(Role.SECRETARIAT):
        raise PipelineRefused(N_("Only the secretariat records the committee's decisions."))


def rerank(
    actor: User,
    decision: str | None,
    order: Sequence[int],
    *,
    comment: str = "",
    shown: Sequence[int] | None = None,
    now: datetime | None = None,
) -> list[int]:
    """Give the concept notes in the pipeline the order `order` (their ids, first to last), on
    the committee's `decision`; returns the order before. Every note in the pipeline must be
    named once and nothing else, and `shown` (the order the page showed, first to last), when
    given, must be the order the pipeline has: a page shown before the pipeline changed, or
    before another order was recorded, is refused. The
    order is written in one statement (`fund.proposals.ranking.write_order`); the database's
    unique index keeps one note per place."""
    _secretariat(actor)
    details, described = resolve_decision(decision)
    lock_pipeline_order()  # the committee's placing of a note waits, and is waited for
    current = db.session.execute(
        select(Proposal.id, Proposal.pipeline_rank)
        .where(status_rules.note_in_pipeline())
        .order_by(Proposal.pipeline_rank.is_(None), Proposal.pipeline_rank, Proposal.id)
        .with_for_update()
    ).all()
    before = [row.id for row in current]
    order = list(order)
    if len(set(order)) != len(order) or set(order) != set(before):
        raise PipelineRefused(STALE, stale=True)
    if shown is not None and list(shown) != before:
        raise PipelineRefused(STALE, stale=True)
    if order == before and all(row.pipeline_rank is not None for row in current):
        raise PipelineRefused(N_("The order is the one the pipeline has: nothing to record."))
    ranking.write_order(order)
    record(
        RERANKED,
        "pipeline",
        "concept_notes",
        actor,
        comment=comment.strip() or None,
        details={
            "decision": details,
            "decision_text": described,
            "decision_said": kept(described),  # said in the reader's language (`from_kept`)
            "before": [proposal_reference(i) for i in before],
            "after": [proposal_reference(i) for i in order],
        },
        now=now or utcnow(),
    )
    return before


def set_public(
    actor: User,
    proposal_id: int,
    public: bool,
    *,
    comment: str = "",
    now: datetime | None = None,
) -> bool:
    """List a row of the pipeline in the public booklet, or take it out; returns whether
    anything changed."""
    _secretariat(actor)
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None:
        raise PipelineRefused(N_("No such proposal or concept note."))
    if not status_rules.in_the_pipeline(proposal.kind, proposal.status):
        raise PipelineRefused(
            N_("%(reference)s is not in the pipeline."), reference=proposal.reference
        )
    if proposal.pipeline_public == public:
        return False
    proposal.pipeline_public = public
    db.session.flush()
    record(
        PUBLIC_SET,
        "proposal",
        proposal.id,
        actor,
        from_state="public" if not public else "internal",
        to_state="public" if public else "internal",
        comment=comment.strip() or None,
        details={"public": public},
        now=now or utcnow(),
    )
    return True

"""The committee's order of the concept notes in the pipeline (`Proposal.pipeline_rank`).

The stored rank is a key (lower comes first), unique among the concept notes in the pipeline by
a partial unique index; a note's place 1..n is its position in that order. A new order is
written in one UPDATE that gives every note a fresh key above every key in use, so no two rows
share a key at any moment of the statement (SQLite and PostgreSQL check a unique index row by
row). Who may change the order, and on which decision, is `fund.pipeline.operations.rerank`;
the committee's approval into the pipeline places a note with `place_at`.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import case, func, select, update

from fund.extensions import db

from .models import Proposal
from .status_rules import note_in_pipeline


def ranked_ids() -> list[int]:
    """The concept notes in the pipeline, in the committee's order (unranked ones last, by id)."""
    return list(
        db.session.scalars(
            select(Proposal.id)
            .where(note_in_pipeline())
            .order_by(Proposal.pipeline_rank.is_(None), Proposal.pipeline_rank, Proposal.id)
        )
    )


def write_order(ids: Sequence[int]) -> int:
    """Give the notes `ids` the keys of that order, in one statement; returns the rows written.

    The keys start above the highest key of any row, read by the statement itself."""
    if not ids:
        return 0
    if len(set(ids)) != len(ids):
        raise ValueError("a concept note appears twice in the order")
    db.session.flush()
    base = select(func.coalesce(func.max(Proposal.pipeline_rank), 0)).scalar_subquery()
    position = case({pid: n for n, pid in enumerate(ids, start=1)}, value=Proposal.id)
    result = db.session.execute(
        update(Proposal)
        .where(Proposal.id.in_(list(ids)))
        .values(pipeline_rank=base + position)
        .execution_options(synchronize_session=False)
    )
    for proposal in db.session.identity_map.values():
        if isinstance(proposal, Proposal) and proposal.id in ids:
            db.session.expire(proposal, ["pipeline_rank"])
    return result.rowcount


def place_at(proposal_id: int, place: int | None = None) -> list[int]:
    """Put a concept note at `place` (1..n, None: last) of the pipeline's order, the others
    keeping theirs; returns the new order. The note may enter the pipeline in the same
    transaction (before or after this call)."""
    order = [pid for pid in ranked_ids() if pid != proposal_id]
    if place is None or place > len(order):
        order.append(proposal_id)
    else:
        order.insert(max(place, 1) - 1, proposal_id)
    write_order(order)
    return order


def clear_rank(proposal_id: int) -> None:
    """A note leaving the pipeline gives its place up."""
    db.session.execute(
        update(Proposal)
        .where(Proposal.id == proposal_id)
        .values(pipeline_rank=None)
        .execution_options(synchronize_session=False)
    )

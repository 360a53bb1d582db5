"""The named groups of states as conditions on rows of `proposals`: full programmes only.

The groups (FUNDED_STATES, COUNTED_STATES, PIPELINE_STATE, REVIEW_STATE) are named beside the
proposal's transition table in workflows/proposal.py. A concept note follows its own table and
shares some state names with the proposal (`committee_review` above all), so every query of
money, coverage, open data or reports that means full programmes reads its group here, where
the kind condition is added once: a concept note under the committee's review is never counted
in the coverage's review column, the finance pipeline, the open data or the reports.

Concept notes count in one place: approved into the pipeline, their indicative totals make the
coverage's concept-note column (`note_in_pipeline`, `counts_in_coverage`).

Each function takes the status to test: the row's current status by default, or another
expression (the state as of a past date, `fund.finance.queries.as_of`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, or_
from sqlalchemy.sql.elements import ColumnElement

from fund.proposals.models import Proposal, ProposalKind
from workflows import (
    COUNTED_STATES,
    FUNDED_STATES,
    NOTE_CANDIDATE_STATES,
    NOTE_PIPELINE_STATE,
    PIPELINE_STATE,
    REVIEW_STATE,
)

PROGRAMME = ProposalKind.PROPOSAL.value
CONCEPT_NOTE = ProposalKind.CONCEPT_NOTE.value


def is_programme() -> ColumnElement[bool]:
    """The row is a full programme proposal (not a concept note)."""
    return Proposal.kind == PROGRAMME


def _of_kind_in(
    kind: ColumnElement[bool], states: Iterable[str], status: Any
) -> ColumnElement[bool]:
    """A row of `kind` whose status (or `status`) is one of `states`."""
    status = Proposal.status if status is None else status
    states = tuple(states)
    test = status == states[0] if len(states) == 1 else status.in_(states)
    return and_(kind, test)


def keyed_in(states: Iterable[str]) -> ColumnElement[bool]:
    """Rows of either kind in one of `states`: for the keys of values kept between requests
    (how many such rows, their ids, their latest change), where a few rows more only make a
    key change a little more often, and the index on (status, updated_at, id) answers alone,
    without reading each row for its kind."""
    return Proposal.status.in_(tuple(states))


def programme_in(states: Iterable[str], status: Any = None) -> ColumnElement[bool]:
    """A full programme whose status (or `status`) is one of `states`."""
    return _of_kind_in(is_programme(), states, status)


def funded(status: Any = None) -> ColumnElement[bool]:
    """Money allocated: funded or closed programmes."""
    return programme_in(FUNDED_STATES, status)


def counted(status: Any = None) -> ColumnElement[bool]:
    """What coverage counts: funded, approved (pipeline) and under committee review."""
    return programme_in(COUNTED_STATES, status)


def in_pipeline(status: Any = None) -> ColumnElement[bool]:
    """Approved by the committee, awaiting money."""
    return programme_in((PIPELINE_STATE,), status)


def in_review(status: Any = None) -> ColumnElement[bool]:
    """Before the committee."""
    return programme_in((REVIEW_STATE,), status)


def is_concept_note() -> ColumnElement[bool]:
    return Proposal.kind == CONCEPT_NOTE


def note_in(states: Iterable[str], status: Any = None) -> ColumnElement[bool]:
    """A concept note whose status (or `status`) is one of `states`."""
    return _of_kind_in(is_concept_note(), states, status)


def note_in_pipeline(status: Any = None) -> ColumnElement[bool]:
    """A concept note the committee approved into the pipeline (ranked, awaiting its
    invitation to a full programme)."""
    return note_in((NOTE_PIPELINE_STATE,), status)


def note_candidate() -> ColumnElement[bool]:
    """A concept note the balance view may select: before the committee or just decided."""
    return note_in(NOTE_CANDIDATE_STATES)


def counted_in_coverage(status: Any = None) -> ColumnElement[bool]:
    """Every row coverage counts: the programmes of `counted()` and the concept notes in the
    pipeline."""
    return or_(counted(status), note_in_pipeline(status))


def in_the_pipeline(kind: str | None, status: str | None) -> bool:
    """`or_(in_pipeline(), note_in_pipeline())` for one row held in Python: a programme
    approved and awaiting money, or a concept note the committee approved into the pipeline."""
    if kind == CONCEPT_NOTE:
        return status == NOTE_PIPELINE_STATE
    return (kind or PROGRAMME) == PROGRAMME and status == PIPELINE_STATE


def counts_in_coverage(kind: str | None, status: str | None) -> bool:
    """`counted_in_coverage()` for one row held in Python (a kind, None before its first
    flush: the default, a programme; and a status)."""
    if kind == CONCEPT_NOTE:
        return status == NOTE_PIPELINE_STATE
    return (kind or PROGRAMME) == PROGRAMME and status in COUNTED_STATES

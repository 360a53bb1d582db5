"""The Python forms of the status rules (for one row held in memory) say what their SQL forms
select, for each kind and every state of both workflows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import literal, or_, select
from sqlalchemy.sql import visitors

from fund.extensions import db
from fund.proposals import status_rules
from fund.proposals.models import Proposal, ProposalKind
from workflows.concept_note import CONCEPT_NOTE_WORKFLOW
from workflows.proposal import PROPOSAL_WORKFLOW

STATES = sorted({*PROPOSAL_WORKFLOW.states, *CONCEPT_NOTE_WORKFLOW.states})
KINDS = [kind.value for kind in ProposalKind]
PAIRS: dict[str, tuple[Callable[[str, str], bool], Callable[[], Any]]] = {
    "in the pipeline": (
        status_rules.in_the_pipeline,
        lambda: or_(status_rules.in_pipeline(), status_rules.note_in_pipeline()),
    ),
    "counted in coverage": (status_rules.counts_in_coverage, status_rules.counted_in_coverage),
}


def _on_row(condition: Any, kind: str, status: str) -> Any:
    """`condition` with the proposal's kind and status replaced by these values."""
    values = {"kind": kind, "status": status}

    def replace(element: Any) -> Any:
        if getattr(element, "table", None) is Proposal.__table__ and element.key in values:
            return literal(values[element.key])
        return None

    return visitors.replacement_traverse(condition, {}, replace)


@pytest.mark.parametrize("name", PAIRS)
def test_each_python_rule_says_what_its_sql_selects(app, name) -> None:
    in_python, in_sql = PAIRS[name]
    with app.app_context():
        for kind in KINDS:
            for state in STATES:
                probe = select(literal(1)).where(_on_row(in_sql(), kind, state))
                selected = db.session.scalar(probe) is not None
                assert selected == in_python(kind, state), (kind, state)

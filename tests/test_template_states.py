"""Templates compare a status with the state's name beside its workflow table
(`workflow_states.proposal.FUNDED`), never with the word: a renamed state is one change, and a
misspelt name is caught here (a template would read it as undefined, never equal)."""

from __future__ import annotations

import re
from pathlib import Path

from fund.templating import WORKFLOW_STATES
from workflows import PROPOSAL_WORKFLOW
from workflows.concept_note import CONCEPT_NOTE_WORKFLOW
from workflows.report import REPORT_WORKFLOW
from workflows.revision import REVISION_WORKFLOW
from workflows.voting_round import VOTING_ROUND_WORKFLOW

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
NAMED = re.compile(r"workflow_states\.(\w+)\.(\w+)")
# A status (or a transition's state) compared with a quoted word.
QUOTED = re.compile(r"""(?:status|_state)\s*(?:==|!=)\s*['"]""")


def _states(namespace) -> set[str]:
    return set(vars(namespace).values())


def test_every_state_of_each_workflow_has_its_name():
    proposal = _states(WORKFLOW_STATES.proposal)
    assert proposal == set(PROPOSAL_WORKFLOW.states)
    note = _states(WORKFLOW_STATES.concept_note)
    assert note | (proposal & set(CONCEPT_NOTE_WORKFLOW.states)) == set(
        CONCEPT_NOTE_WORKFLOW.states
    )
    assert _states(WORKFLOW_STATES.round) == set(VOTING_ROUND_WORKFLOW.states)
    assert _states(WORKFLOW_STATES.report) == set(REPORT_WORKFLOW.states)
    assert _states(WORKFLOW_STATES.revision) == set(REVISION_WORKFLOW.states)


def test_templates_name_states_that_exist_and_never_quote_them():
    misspelt, quoted = [], []
    for path in sorted(TEMPLATES.glob("**/*.html")):
        text = path.read_text(encoding="utf-8")
        for workflow, name in NAMED.findall(text):
            if not hasattr(getattr(WORKFLOW_STATES, workflow, None), name):
                misspelt.append(f"{path.relative_to(TEMPLATES)}: {workflow}.{name}")
        quoted += [
            f"{path.relative_to(TEMPLATES)}:{text.count(chr(10), 0, found.start()) + 1}"
            for found in QUOTED.finditer(text)
        ]
    assert not misspelt
    assert not quoted

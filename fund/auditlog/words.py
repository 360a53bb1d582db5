"""The audit log in words: an event's action, subject and states as people read them, the
recorded codes kept beside them for filtering and for the auditors.

An action is recorded as a code ("contribution_recorded", "submit"): it reads as the words it is
made of ("Contribution recorded", "Submit"). A subject reads as its kind and id ("Programme
report 3"; the page names a proposal by its reference, P-00042). A state is the label its workflow
gives it ("Approved (pipeline)"), else its words."""

from __future__ import annotations

from workflows.concept_note import CONCEPT_NOTE_WORKFLOW
from workflows.core import Workflow
from workflows.proposal import PROPOSAL_WORKFLOW
from workflows.report import REPORT_WORKFLOW
from workflows.revision import REVISION_WORKFLOW
from workflows.voting_round import VOTING_ROUND_WORKFLOW

# The workflows whose states a subject's events record, first match wins (a concept note is a
# proposal of another kind: its states not in the proposal's table are read from its own).
STATE_TABLES: dict[str, tuple[Workflow, ...]] = {
    "proposal": (PROPOSAL_WORKFLOW, CONCEPT_NOTE_WORKFLOW),
    "voting_round": (VOTING_ROUND_WORKFLOW,),
    "programme_report": (REPORT_WORKFLOW,),
    "revision": (REVISION_WORKFLOW,),
}


def words(code: str | None) -> str:
    """A recorded code as words: "proposal_results_saved" -> "Proposal results saved"."""
    text = " ".join((code or "").replace(".", " ").replace("_", " ").split())
    return text[:1].upper() + text[1:]


def action_words(code: str | None) -> str:
    return words(code) or "—"


def subject_words(subject_type: str | None, subject_id: str | None) -> str:
    """A subject by its kind and id (the page names a proposal by its reference)."""
    return " ".join(part for part in (words(subject_type), subject_id or "") if part)


def state_words(subject_type: str | None, state: str | None) -> str:
    """A state by its workflow's label (the subject's tables in turn), else its words."""
    if not state:
        return "—"
    for workflow in STATE_TABLES.get(subject_type or "", ()):
        if state in workflow.state_labels:
            return workflow.state_labels[state]
    return words(state)

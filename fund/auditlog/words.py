"""The audit log in words: an event's action, subject and states as people read them, the
recorded codes kept beside them for filtering and for the auditors.

An action is recorded as a code ("contribution_recorded", "submit"): it reads as its label in
the page's language (`ACTION_LABELS`), else as the words it is made of ("Contribution
recorded"). A subject reads as its kind and id ("Programme report 3"; the page names a proposal
by its reference, P-00042). A state is the label its workflow gives it ("Approved (pipeline)"),
else its words."""

from __future__ import annotations

from flask_babel import gettext

from fund.labels import N_
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


# The actions a page names in words (the audit log, a proposal's timeline), each marked for
# translation; any other action reads as the words of its code, in English.
ACTION_LABELS = {
    "create": N_("Create"),
    "submit": N_("Submit"),
    "start_screening": N_("Start screening"),
    "return_for_revision": N_("Return for revision"),
    "declare_ineligible": N_("Declare ineligible"),
    "forward_to_committee": N_("Forward to committee"),
    "approve": N_("Approve"),
    "reject": N_("Reject"),
    "fund": N_("Fund"),
    "close": N_("Close"),
    "withdraw": N_("Withdraw"),
    "select_for_development": N_("Select for development"),
    "place_in_pipeline": N_("Place in pipeline"),
    "decline": N_("Decline"),
    "invite": N_("Invite"),
    "convert": N_("Convert"),
    "draft_saved": N_("Draft saved"),
    "attachment_added": N_("Attachment added"),
    "attachment_removed": N_("Attachment removed"),
    "proposal_results_saved": N_("Proposal results saved"),
    "screening_recorded": N_("Screening recorded"),
    "invitation_extended": N_("Invitation extended"),
    "invitation_reinvited": N_("Invitation reinvited"),
    "transfer_requested": N_("Transfer requested"),
    "revision_submitted": N_("Revision submitted"),
    # The rest of a funded programme's timeline.
    "transfer_schedule_planned": N_("Transfer schedule planned"),
    "report_schedule_made": N_("Report schedule made"),
    "tranche_conditions_overridden": N_("Tranche conditions overridden"),
    "transfer_request_cancelled": N_("Transfer request cancelled"),
    "disbursement_recorded": N_("Disbursement recorded"),
    "revision_applied": N_("Revision applied"),
    "programme_closure_recorded": N_("Programme closure recorded"),
    "refund_recorded": N_("Refund recorded"),
}


def words(code: str | None) -> str:
    """A recorded code as words: "proposal_results_saved" -> "Proposal results saved"."""
    text = " ".join((code or "").replace(".", " ").replace("_", " ").split())
    return text[:1].upper() + text[1:]


def action_words(code: str | None) -> str:
    """`{{ code|action }}`: an action as people read it, in the page's language if labelled."""
    label = ACTION_LABELS.get(code or "")
    return gettext(label) if label else words(code) or "—"


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

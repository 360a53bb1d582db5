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
    # Every other audited action.
    "account_locked": N_("Account locked"),
    "account_unlocked": N_("Account unlocked"),
    "api_token_created": N_("API token created"),
    "api_token_revoked": N_("API token revoked"),
    "call_created": N_("Call created"),
    "call_updated": N_("Call changed"),
    "committee_alternate_named": N_("Alternate named"),
    "committee_alternate_removed": N_("Alternate removed"),
    "committee_chair_set": N_("Chair set"),
    "committee_conflict_declared": N_("Conflict of interest declared"),
    "committee_deadline_set": N_("Round deadline set"),
    "committee_meeting_changed": N_("Meeting changed"),
    "committee_meeting_created": N_("Meeting created"),
    "committee_meeting_item_added": N_("Agenda item added"),
    "committee_meeting_item_changed": N_("Agenda item changed"),
    "committee_meeting_item_removed": N_("Agenda item removed"),
    "committee_round_closed": N_("Voting round closed"),
    "committee_round_opened": N_("Voting round opened"),
    "committee_seat_assigned": N_("Seat assigned"),
    "committee_seat_handed_over": N_("Seat handed over"),
    "committee_seat_retired": N_("Seat retired"),
    "committee_vote_cast": N_("Vote cast"),
    "committee_vote_changed": N_("Vote changed"),
    "committee_vote_removed": N_("Vote removed"),
    "contribution_recorded": N_("Contribution recorded"),
    "contribution_voided": N_("Contribution voided"),
    "coverage.targets_reset": N_("Coverage targets reset"),
    "coverage.targets_set": N_("Coverage targets set"),
    "direct_cost_recorded": N_("Direct cost recorded"),
    "fund_indicator_added": N_("Fund-level indicator added"),
    "fund_indicator_changed": N_("Fund-level indicator changed"),
    "fund_indicator_removed": N_("Fund-level indicator removed"),
    "fund_outcome_added": N_("Fund-level outcome added"),
    "fund_outcome_changed": N_("Fund-level outcome changed"),
    "fund_outcome_removed": N_("Fund-level outcome removed"),
    "interest_recorded": N_("Interest recorded"),
    "mgi_assessment_added": N_("MGI assessment added"),
    "mgi_assessment_removed": N_("MGI assessment removed"),
    "mgi_indicator_added": N_("MGI indicator added"),
    "mgi_indicator_changed": N_("MGI indicator changed"),
    "mgi_indicator_removed": N_("MGI indicator removed"),
    "mgi_scores_recorded": N_("MGI scores recorded"),
    "organization_created": N_("Organization created"),
    "organization_updated": N_("Organization changed"),
    "password_changed": N_("Password changed"),
    "pipeline_public_set": N_("Pipeline listing changed"),
    "pipeline_reranked": N_("Pipeline reordered"),
    "pledge_recorded": N_("Pledge recorded"),
    "report_accepted": N_("Report accepted"),
    "report_attachment_added": N_("Report attachment added"),
    "report_attachment_removed": N_("Report attachment removed"),
    "report_due_date_changed": N_("Report due date changed"),
    "report_returned": N_("Report returned"),
    "report_saved": N_("Report saved"),
    "report_submitted": N_("Report submitted"),
    "revision_approved": N_("Revision approved"),
    "revision_forwarded": N_("Revision forwarded to the committee"),
    "revision_rejected": N_("Revision rejected"),
    "revision_returned": N_("Revision returned"),
    "revision_saved": N_("Revision saved"),
    "revision_started": N_("Revision started"),
    "revision_withdrawn": N_("Revision withdrawn"),
    "screening_criterion_activated": N_("Screening criterion switched on"),
    "screening_criterion_added": N_("Screening criterion added"),
    "screening_criterion_deactivated": N_("Screening criterion switched off"),
    "screening_criterion_removed": N_("Screening criterion removed"),
    "user_created": N_("User created"),
    "user_language_changed": N_("Language changed"),
    "user_updated": N_("User changed"),
}


# The kinds of record an audited action is about, as the audit log names them.
SUBJECT_LABELS = {
    "api_token": N_("API token"),
    "call": N_("Call"),
    "committee_meeting": N_("Committee meeting"),
    "committee_seat": N_("Committee seat"),
    "contribution": N_("Contribution"),
    "coverage_targets": N_("Coverage targets"),
    "direct_cost": N_("Direct cost"),
    "fund_indicator": N_("Fund-level indicator"),
    "fund_outcome": N_("Fund-level outcome"),
    "interest": N_("Interest"),
    "mgi_assessment": N_("MGI assessment"),
    "mgi_indicator": N_("MGI indicator"),
    "organization": N_("Organization"),
    "outbox_message": N_("Email message"),
    "pipeline": N_("Pipeline"),
    "pledge": N_("Pledge"),
    "programme_report": N_("Programme report"),
    "proposal": N_("Proposal"),
    "revision": N_("Revision"),
    "transfer_request": N_("Transfer request"),
    "user": N_("User"),
    "voting_round": N_("Voting round"),
}


# Subjects named by a code rather than a record's id, as the log names them whole.
NAMED_SUBJECTS = {
    ("pipeline", "concept_notes"): N_("The pipeline of concept notes"),
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
    """A subject by its kind, in the page's language, and its id (the page names a proposal
    by its reference); a subject named by a code (`NAMED_SUBJECTS`), by its name alone."""
    named = NAMED_SUBJECTS.get((subject_type or "", subject_id or ""))
    if named is not None:
        return gettext(named)
    label = SUBJECT_LABELS.get(subject_type or "")
    kind = gettext(label) if label else words(subject_type)
    return " ".join(part for part in (kind, subject_id or "") if part)


def state_words(subject_type: str | None, state: str | None) -> str:
    """A state by its workflow's label (the subject's tables in turn), else its words."""
    if not state:
        return "—"
    for workflow in STATE_TABLES.get(subject_type or "", ()):
        if state in workflow.state_labels:
            return workflow.state_labels[state]
    return words(state)

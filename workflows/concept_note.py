"""The life cycle of a concept note, from draft to the invitation to a full programme.

A concept note is the short first stage of a concept-note-first call. States that mean the same
as the proposal's keep its names (draft, submitted, screening, returned, ineligible,
committee_review, withdrawn). The committee's three outcomes are `selected` (selected for
development: invited now), `pipeline` (approved into the pipeline, ranked) and `not_approved`.
A selected or pipeline concept note is `invited` to a full programme, and `converted` once its
full proposal exists.
"""

from __future__ import annotations

from .core import N_, Rule, Workflow
from .proposal import (
    APPLICANT,
    DRAFT_STATE,
    INTAKE_LABELS,
    INTAKE_NEXT_STEPS,
    INTAKE_STATES,
    REVIEW_STATE,
    SECRETARIAT,
    WITHDRAWN_STATE,
    intake_rules,
    withdraw_rule,
)

# Each state of the table that is not the proposal's, named once (the intake's states and the
# withdrawal are the proposal's: workflows/proposal.py).
NOTE_SELECTED_STATE = "selected"  # selected for development: invited now
NOTE_PIPELINE_STATE = "pipeline"  # approved into the pipeline: ranked, counted in coverage
NOTE_NOT_APPROVED_STATE = "not_approved"
NOTE_INVITED_STATE = "invited"
NOTE_CONVERTED_STATE = "converted"

CONCEPT_NOTE_WORKFLOW = Workflow(
    name="concept note",
    states=(
        *INTAKE_STATES,
        NOTE_SELECTED_STATE,
        NOTE_PIPELINE_STATE,
        NOTE_NOT_APPROVED_STATE,
        WITHDRAWN_STATE,
        NOTE_INVITED_STATE,
        NOTE_CONVERTED_STATE,
    ),
    initial=DRAFT_STATE,
    state_labels={
        **INTAKE_LABELS,
        NOTE_SELECTED_STATE: N_("Selected for development"),
        NOTE_PIPELINE_STATE: N_("Approved into the pipeline"),
        NOTE_NOT_APPROVED_STATE: N_("Not approved"),
        WITHDRAWN_STATE: N_("Withdrawn"),
        NOTE_INVITED_STATE: N_("Invited to a full programme"),
        NOTE_CONVERTED_STATE: N_("Converted to a full programme"),
    },
    next_steps={
        **INTAKE_NEXT_STEPS,
        NOTE_SELECTED_STATE: N_(
            "Next, the secretariat invites the applicant to develop a full programme."
        ),
        NOTE_PIPELINE_STATE: N_(
            "Next, it waits in the pipeline, ranked, until the secretariat invites the applicant "
            "to develop a full programme."
        ),
        NOTE_INVITED_STATE: N_(
            "Next, the applicant starts the full programme from the concept note."
        ),
    },
    rules=(
        *intake_rules("concept note", "concept_note_complete"),
        Rule(
            "select_for_development",
            (REVIEW_STATE,),
            NOTE_SELECTED_STATE,
            SECRETARIAT,
            guards=("committee_selected",),
            label=N_("Record the committee's selection for development"),
        ),
        Rule(
            "place_in_pipeline",
            (REVIEW_STATE,),
            NOTE_PIPELINE_STATE,
            SECRETARIAT,
            guards=("committee_placed_in_pipeline",),
            label=N_("Record the committee's approval into the pipeline"),
        ),
        Rule(
            "decline",
            (REVIEW_STATE,),
            NOTE_NOT_APPROVED_STATE,
            SECRETARIAT,
            guards=("committee_not_approved",),
            label=N_("Record the committee's decision not to approve"),
        ),
        Rule(
            "invite",
            (NOTE_SELECTED_STATE, NOTE_PIPELINE_STATE),
            NOTE_INVITED_STATE,
            SECRETARIAT,
            guards=("invitation_recorded",),
            label=N_("Invite the applicant to a full programme"),
        ),
        Rule(
            "convert",
            (NOTE_INVITED_STATE,),
            NOTE_CONVERTED_STATE,
            APPLICANT,
            guards=("own_organization", "full_proposal_created"),
            label=N_("Start the full programme from the concept note"),
        ),
        withdraw_rule("concept note", NOTE_SELECTED_STATE, NOTE_PIPELINE_STATE, NOTE_INVITED_STATE),
    ),
)

CONCEPT_NOTE_GUARD_NAMES: frozenset[str] = frozenset(
    name for rule in CONCEPT_NOTE_WORKFLOW.rules for name in rule.guards
)

# The committee's outcomes on a concept note, by the trigger that records each.
COMMITTEE_OUTCOMES: tuple[str, ...] = ("select_for_development", "place_in_pipeline", "decline")

# Named groups of states of a concept note (as workflows/proposal.py names the proposal's).
# Before or just after the committee's decision: the notes the balance view may select.
NOTE_CANDIDATE_STATES: tuple[str, ...] = (REVIEW_STATE, NOTE_SELECTED_STATE, NOTE_PIPELINE_STATE)
# Selected for development or in the pipeline: the applicant may be invited to a full proposal.
NOTE_INVITABLE_STATES: tuple[str, ...] = (NOTE_SELECTED_STATE, NOTE_PIPELINE_STATE)
# Forwarded to the committee: in its review, or decided by it (and what followed a selection).
NOTE_COMMITTEE_STATES: tuple[str, ...] = (
    *NOTE_CANDIDATE_STATES,
    NOTE_NOT_APPROVED_STATE,
    NOTE_INVITED_STATE,
    NOTE_CONVERTED_STATE,
)

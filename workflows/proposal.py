"""The life cycle of a funding proposal, from draft to closure."""

from __future__ import annotations

from .core import N_, Rule, Workflow

APPLICANT = frozenset({"applicant"})
SECRETARIAT = frozenset({"secretariat"})

# Each state of the table, named once: the code compares a status with these names, never with
# the word itself. The intake's states (the first six) and the withdrawal are a concept note's
# too; the committee's review is `REVIEW_STATE` and its approval `PIPELINE_STATE` (below).
DRAFT_STATE = "draft"
SUBMITTED_STATE = "submitted"
SCREENING_STATE = "screening"
RETURNED_STATE = "returned"
INELIGIBLE_STATE = "ineligible"
REVIEW_STATE = "committee_review"  # before the committee
PIPELINE_STATE = "approved"  # approved by the committee, awaiting money
REJECTED_STATE = "rejected"
FUNDED_STATE = "funded"
CLOSED_STATE = "closed"
WITHDRAWN_STATE = "withdrawn"

# What a proposal and a concept note share: the states and steps from the draft to the
# committee, and the withdrawal (workflows/concept_note.py builds its table on them).
INTAKE_STATES: tuple[str, ...] = (
    DRAFT_STATE,
    SUBMITTED_STATE,
    SCREENING_STATE,
    RETURNED_STATE,
    INELIGIBLE_STATE,
    REVIEW_STATE,
)
INTAKE_LABELS: dict[str, str] = {
    DRAFT_STATE: N_("Draft"),
    SUBMITTED_STATE: N_("Submitted"),
    SCREENING_STATE: N_("In screening"),
    RETURNED_STATE: N_("Returned for revision"),
    INELIGIBLE_STATE: N_("Ineligible"),
    REVIEW_STATE: N_("Committee review"),
}

# What happens next in each state of the intake, said to whoever just moved the proposal (or
# concept note) there.
INTAKE_NEXT_STEPS: dict[str, str] = {
    SUBMITTED_STATE: N_(
        "Next, the secretariat screens it for eligibility; you are told when it is forwarded to "
        "the committee, returned for revision or declared ineligible."
    ),
    SCREENING_STATE: N_(
        "Next, the secretariat forwards it to the committee, returns it to the applicant for "
        "revision or declares it ineligible."
    ),
    RETURNED_STATE: N_(
        "Next, the applicant revises it, as the secretariat's comment asks, and submits it again."
    ),
    REVIEW_STATE: N_(
        "Next, the committee reviews it and votes; the secretariat records the committee's "
        "decision."
    ),
}


# The labels of the steps that name their object, for each noun, written out whole so that they
# are translated as sentences.
NOUN_LABELS: dict[str, dict[str, str]] = {
    "proposal": {
        "submit": N_("Submit the proposal to the secretariat"),
        "return_for_revision": N_("Return the proposal to the applicant for revision"),
        "declare_ineligible": N_("Declare the proposal ineligible"),
        "forward_to_committee": N_("Forward the proposal to the committee"),
        "withdraw": N_("Withdraw the proposal"),
    },
    "concept note": {
        "submit": N_("Submit the concept note to the secretariat"),
        "return_for_revision": N_("Return the concept note to the applicant for revision"),
        "declare_ineligible": N_("Declare the concept note ineligible"),
        "forward_to_committee": N_("Forward the concept note to the committee"),
        "withdraw": N_("Withdraw the concept note"),
    },
}


def _noun_label(noun: str, trigger: str, default: str) -> str:
    return NOUN_LABELS.get(noun, {}).get(trigger, default)


def intake_rules(noun: str, complete_guard: str) -> tuple[Rule, ...]:
    """The steps from the draft to the committee, for a `noun` whose completeness the guard
    `complete_guard` checks."""
    return (
        Rule(
            "submit",
            (DRAFT_STATE, RETURNED_STATE),
            SUBMITTED_STATE,
            APPLICANT,
            guards=(
                "own_organization",
                "call_open",
                complete_guard,
                "revised_since_last_version",
            ),
            label=_noun_label(noun, "submit", f"Submit the {noun} to the secretariat"),
        ),
        Rule(
            "start_screening",
            (SUBMITTED_STATE,),
            SCREENING_STATE,
            SECRETARIAT,
            label=N_("Start the eligibility screening"),
        ),
        Rule(
            "return_for_revision",
            (SCREENING_STATE, REVIEW_STATE),
            RETURNED_STATE,
            SECRETARIAT,
            comment_required=True,
            label=_noun_label(
                noun, "return_for_revision", f"Return the {noun} to the applicant for revision"
            ),
        ),
        Rule(
            "declare_ineligible",
            (SCREENING_STATE,),
            INELIGIBLE_STATE,
            SECRETARIAT,
            guards=("screening_recorded",),
            comment_required=True,
            label=_noun_label(noun, "declare_ineligible", f"Declare the {noun} ineligible"),
        ),
        Rule(
            "forward_to_committee",
            (SCREENING_STATE,),
            REVIEW_STATE,
            SECRETARIAT,
            guards=("screening_passed",),
            label=_noun_label(noun, "forward_to_committee", f"Forward the {noun} to the committee"),
        ),
    )


def withdraw_rule(noun: str, *later: str) -> Rule:
    """The applicant withdraws the `noun` before the committee, or from the `later` states."""
    return Rule(
        "withdraw",
        (DRAFT_STATE, SUBMITTED_STATE, SCREENING_STATE, RETURNED_STATE, REVIEW_STATE, *later),
        WITHDRAWN_STATE,
        APPLICANT,
        guards=("own_organization",),
        comment_required=True,
        label=_noun_label(noun, "withdraw", f"Withdraw the {noun}"),
    )


PROPOSAL_WORKFLOW = Workflow(
    name="proposal",
    states=(
        *INTAKE_STATES,
        PIPELINE_STATE,
        REJECTED_STATE,
        FUNDED_STATE,
        CLOSED_STATE,
        WITHDRAWN_STATE,
    ),
    initial=DRAFT_STATE,
    state_labels={
        **INTAKE_LABELS,
        PIPELINE_STATE: N_("Approved (pipeline)"),
        REJECTED_STATE: N_("Rejected"),
        FUNDED_STATE: N_("Funded"),
        CLOSED_STATE: N_("Closed"),
        WITHDRAWN_STATE: N_("Withdrawn"),
    },
    next_steps={
        **INTAKE_NEXT_STEPS,
        PIPELINE_STATE: N_("Next, the secretariat funds it from the pools as contributions allow."),
        FUNDED_STATE: N_(
            "Next, the secretariat requests its tranches and the administrative agent transfers "
            "them; the programme reports on the dates of its reporting schedule."
        ),
    },
    rules=(
        *intake_rules("proposal", "submission_complete"),
        Rule(
            "approve",
            (REVIEW_STATE,),
            PIPELINE_STATE,
            SECRETARIAT,
            guards=("committee_approved",),
            label=N_("Record the committee's approval (pipeline)"),
        ),
        Rule(
            "reject",
            (REVIEW_STATE,),
            REJECTED_STATE,
            SECRETARIAT,
            guards=("committee_rejected",),
            label=N_("Record the committee's rejection"),
        ),
        Rule(
            "fund",
            (PIPELINE_STATE,),
            FUNDED_STATE,
            SECRETARIAT,
            guards=("funds_available",),
            label=N_("Fund the approved proposal"),
        ),
        Rule(
            "close",
            (FUNDED_STATE,),
            CLOSED_STATE,
            SECRETARIAT,
            guards=(
                "fully_disbursed_or_reason",
                "final_reports_accepted_or_reason",
                "no_revision_open",
            ),
            label=N_("Close the funded project"),
        ),
        withdraw_rule("proposal", PIPELINE_STATE),
    ),
)

# Each guard of the proposal's table as the condition it checks, in words for the public
# workflow page (the guards' names are the code's; the pages show these sentences).
GUARD_CONDITIONS: dict[str, str] = {
    "own_organization": N_("The person acting belongs to the applicant organization."),
    "call_open": N_(
        "The call is open for submissions (a full proposal invited from a concept note: its "
        "invitation's deadline has not passed; a proposal returned for revision goes in again "
        "whatever the dates)."
    ),
    "submission_complete": N_("Every required part of the proposal is filled in."),
    "revised_since_last_version": N_(
        "A proposal submitted before has been revised since its last version."
    ),
    "screening_recorded": N_("The eligibility screening is recorded for every criterion."),
    "screening_passed": N_("The proposal meets every eligibility criterion of the screening."),
    "committee_approved": N_(
        "The committee's latest voting round, on the current version, approved the proposal."
    ),
    "committee_rejected": N_(
        "The committee's latest voting round, on the current version, rejected the proposal."
    ),
    "funds_available": N_("The fund has enough money available to cover the proposal's budget."),
    "fully_disbursed_or_reason": N_(
        "The allocation is fully paid out, or the secretariat gives the reason for closing."
    ),
    "final_reports_accepted_or_reason": N_(
        "The final reports are accepted, or the secretariat gives the reason for closing."
    ),
    "no_revision_open": N_("No revision of the programme is still open."),
}


PROPOSAL_GUARD_NAMES: frozenset[str] = frozenset(
    name for rule in PROPOSAL_WORKFLOW.rules for name in rule.guards
)

# Named groups of states, beside the table they come from: every module counts with these.
# Tuples, in a fixed order: they go into SQL statements that are built once and cached.
FUNDED_STATES: tuple[str, ...] = (FUNDED_STATE, CLOSED_STATE)  # money allocated
COUNTED_STATES: tuple[str, ...] = (*FUNDED_STATES, PIPELINE_STATE, REVIEW_STATE)  # in coverage
EDITABLE_STATES: tuple[str, ...] = (DRAFT_STATE, RETURNED_STATE)  # the applicant may edit
SCREENING_STATES: tuple[str, ...] = (SUBMITTED_STATE, SCREENING_STATE)  # the screening queue
FUNDING_STATES: tuple[str, ...] = (PIPELINE_STATE, *FUNDED_STATES)  # with a funding page
# Forwarded to the committee: in its review, or decided by it (and what followed an approval).
COMMITTEE_STATES: tuple[str, ...] = (REVIEW_STATE, PIPELINE_STATE, REJECTED_STATE, *FUNDED_STATES)

"""The life cycle of a funding proposal, from draft to closure."""

from __future__ import annotations

from .core import Rule, Workflow

_APPLICANT = frozenset({"applicant"})
_SECRETARIAT = frozenset({"secretariat"})

PROPOSAL_WORKFLOW = Workflow(
    name="proposal",
    states=(
        "draft",
        "submitted",
        "screening",
        "returned",
        "ineligible",
        "committee_review",
        "approved",
        "rejected",
        "funded",
        "closed",
        "withdrawn",
    ),
    initial="draft",
    state_labels={
        "draft": "Draft",
        "submitted": "Submitted",
        "screening": "In screening",
        "returned": "Returned for revision",
        "ineligible": "Ineligible",
        "committee_review": "Committee review",
        "approved": "Approved (pipeline)",
        "rejected": "Rejected",
        "funded": "Funded",
        "closed": "Closed",
        "withdrawn": "Withdrawn",
    },
    rules=(
        Rule(
            "submit",
            ("draft", "returned"),
            "submitted",
            _APPLICANT,
            guards=(
                "own_organization",
                "call_open",
                "submission_complete",
                "revised_since_last_version",
            ),
            label="Submit the proposal to the secretariat",
        ),
        Rule(
            "start_screening",
            ("submitted",),
            "screening",
            _SECRETARIAT,
            label="Start the eligibility screening",
        ),
        Rule(
            "return_for_revision",
            ("screening", "committee_review"),
            "returned",
            _SECRETARIAT,
            comment_required=True,
            label="Return the proposal to the applicant for revision",
        ),
        Rule(
            "declare_ineligible",
            ("screening",),
            "ineligible",
            _SECRETARIAT,
            guards=("screening_recorded",),
            comment_required=True,
            label="Declare the proposal ineligible",
        ),
        Rule(
            "forward_to_committee",
            ("screening",),
            "committee_review",
            _SECRETARIAT,
            guards=("screening_passed",),
            label="Forward the proposal to the committee",
        ),
        Rule(
            "approve",
            ("committee_review",),
            "approved",
            _SECRETARIAT,
            guards=("committee_approved",),
            label="Record the committee's approval (pipeline)",
        ),
        Rule(
            "reject",
            ("committee_review",),
            "rejected",
            _SECRETARIAT,
            guards=("committee_rejected",),
            label="Record the committee's rejection",
        ),
        Rule(
            "fund",
            ("approved",),
            "funded",
            _SECRETARIAT,
            guards=("funds_available",),
            label="Fund the approved proposal",
        ),
        Rule(
            "close",
            ("funded",),
            "closed",
            _SECRETARIAT,
            guards=("fully_disbursed_or_reason",),
            label="Close the funded project",
        ),
        Rule(
            "withdraw",
            ("draft", "submitted", "screening", "returned", "committee_review", "approved"),
            "withdrawn",
            _APPLICANT,
            guards=("own_organization",),
            comment_required=True,
            label="Withdraw the proposal",
        ),
    ),
)

PROPOSAL_GUARD_NAMES: frozenset[str] = frozenset(
    name for rule in PROPOSAL_WORKFLOW.rules for name in rule.guards
)

# Named groups of states, beside the table they come from: every module counts with these.
# Tuples, in a fixed order: they go into SQL statements that are built once and cached.
FUNDED_STATES: tuple[str, ...] = ("funded", "closed")  # money allocated
PIPELINE_STATE = "approved"  # approved by the committee, awaiting money
REVIEW_STATE = "committee_review"  # before the committee
COUNTED_STATES: tuple[str, ...] = (*FUNDED_STATES, PIPELINE_STATE, REVIEW_STATE)  # in coverage
EDITABLE_STATES: tuple[str, ...] = ("draft", "returned")  # the applicant may edit

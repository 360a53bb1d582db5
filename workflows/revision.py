"""The life cycle of a revision of a funded programme (a no-cost extension, a budget
reallocation, a change of scope or of participating organizations).

The programme's staff write a draft and submit it; the routing rules (`fund/revisions/rules.py`)
decide at submission whether the secretariat decides it alone (a minor revision: approve, return
with comments, reject) or forwards it to the committee, whose voting round's outcome approves or
rejects it. A returned revision is edited and submitted again; a revision not yet decided may be
withdrawn by its staff.
"""

from __future__ import annotations

from .core import N_, Rule, Workflow

_APPLICANT = frozenset({"applicant"})
_SECRETARIAT = frozenset({"secretariat"})

REVISION_DRAFT = "draft"
REVISION_SUBMITTED = "submitted"
REVISION_RETURNED = "returned"
REVISION_COMMITTEE = "committee"
REVISION_APPROVED = "approved"
REVISION_REJECTED = "rejected"
REVISION_WITHDRAWN = "withdrawn"
# The states in which the programme's staff edit the revision.
REVISION_EDITABLE_STATES = frozenset({REVISION_DRAFT, REVISION_RETURNED})
# The states of a revision still to be decided (one per programme at a time).
REVISION_OPEN_STATES = frozenset(
    {REVISION_DRAFT, REVISION_SUBMITTED, REVISION_RETURNED, REVISION_COMMITTEE}
)

REVISION_WORKFLOW = Workflow(
    name="programme revision",
    states=(
        REVISION_DRAFT,
        REVISION_SUBMITTED,
        REVISION_RETURNED,
        REVISION_COMMITTEE,
        REVISION_APPROVED,
        REVISION_REJECTED,
        REVISION_WITHDRAWN,
    ),
    initial=REVISION_DRAFT,
    state_labels={
        REVISION_DRAFT: N_("Draft"),
        REVISION_SUBMITTED: N_("Submitted to the secretariat"),
        REVISION_RETURNED: N_("Returned for changes"),
        REVISION_COMMITTEE: N_("With the committee"),
        REVISION_APPROVED: N_("Approved"),
        REVISION_REJECTED: N_("Rejected"),
        REVISION_WITHDRAWN: N_("Withdrawn"),
    },
    rules=(
        Rule(
            "submit",
            (REVISION_DRAFT, REVISION_RETURNED),
            REVISION_SUBMITTED,
            _APPLICANT,
            guards=("revising_organization", "revision_complete", "before_end_date"),
            label=N_("Submit the revision"),
        ),
        Rule(
            "withdraw",
            (REVISION_DRAFT, REVISION_SUBMITTED, REVISION_RETURNED),
            REVISION_WITHDRAWN,
            _APPLICANT,
            guards=("revising_organization",),
            label=N_("Withdraw the revision"),
        ),
        Rule(
            "approve",
            (REVISION_SUBMITTED,),
            REVISION_APPROVED,
            _SECRETARIAT,
            guards=("minor_revision",),
            label=N_("Approve the revision"),
        ),
        Rule(
            "return_for_changes",
            (REVISION_SUBMITTED,),
            REVISION_RETURNED,
            _SECRETARIAT,
            comment_required=True,
            label=N_("Return the revision with comments"),
        ),
        Rule(
            "reject",
            (REVISION_SUBMITTED,),
            REVISION_REJECTED,
            _SECRETARIAT,
            guards=("minor_revision",),
            comment_required=True,
            label=N_("Reject the revision"),
        ),
        Rule(
            "forward",
            (REVISION_SUBMITTED,),
            REVISION_COMMITTEE,
            _SECRETARIAT,
            guards=("committee_revision",),
            label=N_("Forward the revision to the committee"),
        ),
        # The committee's voting round closed (fired by the receiver of `round_closed`, with
        # the actor who closed the round).
        Rule(
            "committee_approve",
            (REVISION_COMMITTEE,),
            REVISION_APPROVED,
            _SECRETARIAT,
            guards=("round_outcome",),
            label=N_("The committee approved the revision"),
        ),
        Rule(
            "committee_reject",
            (REVISION_COMMITTEE,),
            REVISION_REJECTED,
            _SECRETARIAT,
            guards=("round_outcome",),
            label=N_("The committee rejected the revision"),
        ),
    ),
)

REVISION_GUARD_NAMES: frozenset[str] = frozenset(
    name for rule in REVISION_WORKFLOW.rules for name in rule.guards
)

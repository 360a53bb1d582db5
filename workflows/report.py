"""The life cycle of a programme's report after funding (narrative or financial, annual or
final).

A report is scheduled `due` when the programme is funded (a new row, not a transition). The
programme's staff submit it; the secretariat accepts it or returns it with a comment, and a
returned report is submitted again. "Overdue" is not a state: it is how a report still `due` (or
`returned`) shows once its due date has passed, derived from the date whenever it is read, so
moving the due date never has to change a status.
"""

from __future__ import annotations

from .core import N_, Rule, Workflow

_APPLICANT = frozenset({"applicant"})
_SECRETARIAT = frozenset({"secretariat"})

REPORT_DUE = "due"
REPORT_SUBMITTED = "submitted"
REPORT_ACCEPTED = "accepted"
REPORT_RETURNED = "returned"
# The states in which the programme's staff edit the report's content.
REPORT_EDITABLE_STATES = frozenset({REPORT_DUE, REPORT_RETURNED})

REPORT_WORKFLOW = Workflow(
    name="programme report",
    states=(REPORT_DUE, REPORT_SUBMITTED, REPORT_ACCEPTED, REPORT_RETURNED),
    initial=REPORT_DUE,
    state_labels={
        REPORT_DUE: N_("Due (overdue once its date has passed)"),
        REPORT_SUBMITTED: N_("Submitted"),
        REPORT_ACCEPTED: N_("Accepted"),
        REPORT_RETURNED: N_("Returned for changes"),
    },
    rules=(
        Rule(
            "submit",
            (REPORT_DUE, REPORT_RETURNED),
            REPORT_SUBMITTED,
            _APPLICANT,
            guards=("reporting_organization", "period_begun", "report_complete"),
            label=N_("Submit the report"),
        ),
        Rule(
            "accept",
            (REPORT_SUBMITTED,),
            REPORT_ACCEPTED,
            _SECRETARIAT,
            guards=("report_complete",),
            label=N_("Accept the report"),
        ),
        Rule(
            "return_for_changes",
            (REPORT_SUBMITTED,),
            REPORT_RETURNED,
            _SECRETARIAT,
            comment_required=True,
            label=N_("Return the report with comments"),
        ),
    ),
)

REPORT_GUARD_NAMES: frozenset[str] = frozenset(
    name for rule in REPORT_WORKFLOW.rules for name in rule.guards
)

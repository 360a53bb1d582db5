"""The screening's automatic findings: the submission checks grouped by criterion, and for a
full proposal its results framework (the criterion `results_framework`, whose rule is
`fund.proposals.results_check`: the applicant's editor shows the same finding before
submission). Each finding is a `Sentence`: English where it is stored and tested, in the
reader's language where it is shown."""

from __future__ import annotations

from fund.proposals.checks import Rules, criterion_results
from fund.proposals.models import Proposal
from fund.proposals.results_check import results_framework_problems
from fund.sentences import Sentence

RESULTS_CRITERION = "results_framework"

__all__ = ["RESULTS_CRITERION", "findings", "results_framework_problems"]


def findings(proposal: Proposal, rules: Rules) -> dict[str, list[Sentence]]:
    """What the system finds for each automatic criterion of the proposal's kind (an empty list:
    the criterion passes): the submission checks, and for a full proposal its results
    framework."""
    found = criterion_results(proposal, rules)
    if not proposal.is_concept_note:
        found[RESULTS_CRITERION] = results_framework_problems(proposal)
    return found

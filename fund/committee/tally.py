"""Counting a committee round: quorum and the call's decision rule. Pure functions, no database.

The rules, applied only when the quorum is met:

- consensus: approved when nobody votes to reject (and at least one member votes to approve);
- majority: approved when more members vote to approve than to reject (a tie is no approval);
- two_thirds: approved when the approvals are at least two thirds of the approve and reject
  votes together (and there is at least one).

Abstentions count toward the quorum, never toward the outcome. A round where every vote is an
abstention approves nothing: approval always needs at least one vote to approve. When the quorum
is met and the rule does not approve, the outcome is a rejection. Without quorum there is no
outcome.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

APPROVE, REJECT, ABSTAIN = "approve", "reject", "abstain"
CHOICES = (APPROVE, REJECT, ABSTAIN)
RULES = ("consensus", "majority", "two_thirds")
APPROVED, REJECTED = "approved", "rejected"

RULE_NAMES = {
    "consensus": "Consensus",
    "majority": "Simple majority",
    "two_thirds": "Two-thirds majority",
}


@dataclass(frozen=True)
class Tally:
    rule: str
    entitled: int
    approve: int
    reject: int
    abstain: int
    cast: int
    quorum_needed: int
    quorum_met: bool
    outcome: str | None  # "approved", "rejected", or None without quorum
    explanation: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def rule_approves(rule: str, approve: int, reject: int) -> bool:
    """Whether `rule` approves with these votes, assuming the quorum is met."""
    if rule == "consensus":
        return reject == 0 and approve > 0
    if rule == "majority":
        return approve > reject
    if rule == "two_thirds":
        # Integers only: approve / (approve + reject) >= 2/3.
        return approve > 0 and 3 * approve >= 2 * (approve + reject)
    raise ValueError(f"unknown decision rule {rule!r}")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _reason(rule: str, approve: int, reject: int) -> str:
    approved = rule_approves(rule, approve, reject)
    if rule == "consensus":
        if reject:
            return f"{_plural(reject, 'member')} voted to reject, so there is no consensus"
        if not approve:
            return "nobody voted to reject, but nobody voted to approve either"
        return "nobody voted to reject"
    if rule == "majority":
        if approved:
            return f"{approve} to approve against {reject} to reject is a majority"
        if approve == reject:
            return f"{approve} to approve against {reject} to reject is a tie, not a majority"
        return f"{approve} to approve against {reject} to reject is no majority"
    decided = approve + reject
    if not decided:
        return "nobody voted to approve or reject"
    needed = -(-2 * decided // 3)  # ceil(2/3 of the decided votes)
    verdict = "reaches" if approved else "falls short of"
    return (
        f"{approve} of {decided} votes to approve or reject {verdict} two thirds ({needed} needed)"
    )


def tally(rule: str, quorum_needed: int, entitled_count: int, votes: Iterable[str]) -> Tally:
    """Count `votes` (the choices of the members entitled to vote) under `rule`.

    `quorum_needed` is how many votes, abstentions included, make the decision valid;
    `entitled_count` is how many members may vote (recused members are not counted).
    """
    if rule not in RULES:
        raise ValueError(f"unknown decision rule {rule!r}")
    counts = Counter(votes)
    unknown = set(counts) - set(CHOICES)
    if unknown:
        raise ValueError(f"unknown vote choice(s): {', '.join(sorted(unknown))}")
    approve, reject, abstain = counts[APPROVE], counts[REJECT], counts[ABSTAIN]
    cast = approve + reject + abstain
    if cast > entitled_count:
        raise ValueError(f"{cast} votes counted for {entitled_count} entitled members")
    quorum_met = cast >= quorum_needed
    votes_text = (
        f"{_plural(cast, 'vote')} of {entitled_count} entitled "
        f"({approve} approve, {reject} reject, {abstain} abstain); quorum {quorum_needed}"
    )
    if not quorum_met:
        missing = quorum_needed - cast
        outcome = None
        if quorum_needed > entitled_count:
            why = f"fewer members are entitled to vote than the quorum of {quorum_needed}"
        else:
            why = f"{_plural(missing, 'more vote')} needed"
        explanation = f"{votes_text}: not met ({why}). No decision without quorum."
    else:
        approved = rule_approves(rule, approve, reject)
        outcome = APPROVED if approved else REJECTED
        explanation = (
            f"{votes_text}: met. {RULE_NAMES[rule]}: {_reason(rule, approve, reject)}, "
            f"so it is {outcome}."
        )
    return Tally(
        rule=rule,
        entitled=entitled_count,
        approve=approve,
        reject=reject,
        abstain=abstain,
        cast=cast,
        quorum_needed=quorum_needed,
        quorum_met=quorum_met,
        outcome=outcome,
        explanation=explanation,
    )

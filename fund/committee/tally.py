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
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from fund.sentences import N_, Counted, Np_, Sentence

APPROVE, REJECT, ABSTAIN = "approve", "reject", "abstain"
CHOICES = (APPROVE, REJECT, ABSTAIN)
RULES = ("consensus", "majority", "two_thirds")
APPROVED, REJECTED = "approved", "rejected"

RULE_NAMES = {
    "consensus": N_("Consensus"),
    "majority": N_("Simple majority"),
    "two_thirds": N_("Two-thirds majority"),
}
# The tally in words once the quorum is met, by its outcome.
EXPLAINED = {
    APPROVED: N_("%(votes)s: met. %(rule)s: %(reason)s, so it is approved."),
    REJECTED: N_("%(votes)s: met. %(rule)s: %(reason)s, so it is rejected."),
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
    explanation: Sentence  # English; said in the reader's language on a page

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def kept(cls, stored: dict[str, Any]) -> Tally:
        """A closed round's tally as it was kept (`as_dict`, English), its explanation made a
        sentence again from its counts, to be said in the reader's language. What else the
        round kept with it (`fund.committee.voting_seats.kept_tally`) is not the tally's."""
        found = cls(**{f.name: stored[f.name] for f in fields(cls)})
        if found.rule not in RULES:
            return found
        explanation = _explanation(
            found.rule,
            found.quorum_needed,
            found.entitled,
            found.approve,
            found.reject,
            found.abstain,
        )
        return replace(found, explanation=explanation)


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


def _reason(rule: str, approve: int, reject: int) -> Sentence:
    """Why the votes approve or reject under `rule`, the quorum met."""
    approved = rule_approves(rule, approve, reject)
    if rule == "consensus":
        if reject:
            return Counted(
                Np_(
                    "%(num)s member voted to reject, which rules out a consensus",
                    "%(num)s members voted to reject, which rules out a consensus",
                ),
                reject,
            )
        if not approve:
            return Sentence(N_("nobody voted to reject, but nobody voted to approve either"))
        return Sentence(N_("nobody voted to reject"))
    counts = {"approve": approve, "reject": reject}
    if rule == "majority":
        if approved:
            template = N_("%(approve)s to approve against %(reject)s to reject is a majority")
        elif approve == reject:
            template = N_(
                "%(approve)s to approve against %(reject)s to reject is a tie, not a majority"
            )
        else:
            template = N_("%(approve)s to approve against %(reject)s to reject is no majority")
        return Sentence(template, **counts)
    decided = approve + reject
    if not decided:
        return Sentence(N_("nobody voted to approve or reject"))
    needed = -(-2 * decided // 3)  # ceil(2/3 of the decided votes)
    template = (
        N_(
            "%(approve)s of %(decided)s votes to approve or reject reaches two thirds "
            "(%(needed)s needed)"
        )
        if approved
        else N_(
            "%(approve)s of %(decided)s votes to approve or reject falls short of two thirds "
            "(%(needed)s needed)"
        )
    )
    return Sentence(template, **counts, decided=decided, needed=needed)


def _explanation(
    rule: str, quorum_needed: int, entitled: int, approve: int, reject: int, abstain: int
) -> Sentence:
    """The tally in words: the votes, the quorum, and the rule's verdict once it is met."""
    cast = approve + reject + abstain
    votes_text = Sentence(
        N_(
            "%(votes)s of %(entitled)s entitled (%(approve)s approve, %(reject)s reject, "
            "%(abstain)s abstain); quorum %(quorum)s"
        ),
        votes=Counted(Np_("%(num)s vote", "%(num)s votes"), cast),
        entitled=entitled,
        approve=approve,
        reject=reject,
        abstain=abstain,
        quorum=quorum_needed,
    )
    if cast < quorum_needed:
        if quorum_needed > entitled:
            why: Sentence = Sentence(
                N_("fewer members are entitled to vote than the quorum of %(quorum)s"),
                quorum=quorum_needed,
            )
        else:
            why = Counted(
                Np_("%(num)s more vote needed", "%(num)s more votes needed"), quorum_needed - cast
            )
        return Sentence(
            N_("%(votes)s: not met (%(why)s). No decision without quorum."),
            votes=votes_text,
            why=why,
        )
    outcome = APPROVED if rule_approves(rule, approve, reject) else REJECTED
    return Sentence(
        EXPLAINED[outcome],
        votes=votes_text,
        rule=Sentence(RULE_NAMES[rule]),
        reason=_reason(rule, approve, reject),
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
    outcome = None
    if quorum_met:
        outcome = APPROVED if rule_approves(rule, approve, reject) else REJECTED
    explanation = _explanation(rule, quorum_needed, entitled_count, approve, reject, abstain)
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

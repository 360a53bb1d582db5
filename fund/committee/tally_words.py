"""A round's tally in words, in the reader's language. `fund.committee.tally` writes the same
sentence in English with the tally (a closed round keeps it); the pages write it again from the
counts, translated."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext

from fund.committee.tally import APPROVED, RULES, Tally, rule_approves


def explanation(t: Tally) -> str:
    """The tally's explanation, as `fund.committee.tally.tally` gives it, translated."""
    if t.rule not in RULES:
        return t.explanation
    votes = _(
        "%(votes)s of %(entitled)s entitled (%(approve)s approve, %(reject)s reject, "
        "%(abstain)s abstain); quorum %(quorum)s",
        votes=ngettext("%(num)s vote", "%(num)s votes", t.cast),
        entitled=t.entitled,
        approve=t.approve,
        reject=t.reject,
        abstain=t.abstain,
        quorum=t.quorum_needed,
    )
    if not t.quorum_met:
        if t.quorum_needed > t.entitled:
            why = _(
                "fewer members are entitled to vote than the quorum of %(quorum)s",
                quorum=t.quorum_needed,
            )
        else:
            missing = t.quorum_needed - t.cast
            why = ngettext("%(num)s more vote needed", "%(num)s more votes needed", missing)
        return _("%(votes)s: not met (%(why)s). No decision without quorum.", votes=votes, why=why)
    words = {"votes": votes, "rule": _rule_name(t.rule), "reason": _reason(t)}
    if t.outcome == APPROVED:
        return _("%(votes)s: met. %(rule)s: %(reason)s, so it is approved.", **words)
    return _("%(votes)s: met. %(rule)s: %(reason)s, so it is rejected.", **words)


def _rule_name(rule: str) -> str:
    if rule == "consensus":
        return _("Consensus")
    if rule == "majority":
        return _("Simple majority")
    return _("Two-thirds majority")


def _reason(t: Tally) -> str:
    approve, reject = t.approve, t.reject
    approved = rule_approves(t.rule, approve, reject)
    if t.rule == "consensus":
        if reject:
            return ngettext(
                "%(num)s member voted to reject, so there is no consensus",
                "%(num)s members voted to reject, so there is no consensus",
                reject,
            )
        if not approve:
            return _("nobody voted to reject, but nobody voted to approve either")
        return _("nobody voted to reject")
    counts = {"approve": approve, "reject": reject}
    if t.rule == "majority":
        if approved:
            return _("%(approve)s to approve against %(reject)s to reject is a majority", **counts)
        if approve == reject:
            return _(
                "%(approve)s to approve against %(reject)s to reject is a tie, not a majority",
                **counts,
            )
        return _("%(approve)s to approve against %(reject)s to reject is no majority", **counts)
    decided = approve + reject
    if not decided:
        return _("nobody voted to approve or reject")
    needed = -(-2 * decided // 3)  # ceil(2/3 of the decided votes)
    if approved:
        return _(
            "%(approve)s of %(decided)s votes to approve or reject reaches two thirds "
            "(%(needed)s needed)",
            approve=approve,
            decided=decided,
            needed=needed,
        )
    return _(
        "%(approve)s of %(decided)s votes to approve or reject falls short of two thirds "
        "(%(needed)s needed)",
        approve=approve,
        decided=decided,
        needed=needed,
    )

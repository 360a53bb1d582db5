"""A full proposal made from a concept note, against that note: what changed since the concept
note (part by part, as the versions page compares two versions), and the full budget against
the concept note's indicative total.

A difference of more than INDICATIVE_TOTAL_TOLERANCE (a share of the indicative total, 0.20 by
default) either way is flagged for the committee: exactly the tolerance is not flagged, a cent
more is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from fund.i18n import money, percent_digits
from fund.proposals.invitations import PREFILLED
from fund.proposals.models import Proposal
from fund.proposals.presentation import ShownChange, reference_names, shown_changes
from fund.proposals.snapshots import concept_note_snapshot, diff_snapshots, latest_version

HUNDRED = Decimal(100)


def tolerance() -> Decimal:
    """The share of the indicative total a full budget may differ by unflagged."""
    return Decimal(str(current_app.config["INDICATIVE_TOTAL_TOLERANCE"]))


def rounded_percent(share: Decimal) -> Decimal:
    """A share's percentage for people: two decimals, half up, no more than needed (20,
    20.01)."""
    return (share * HUNDRED).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).normalize()


@dataclass(frozen=True)
class TotalComparison:
    """The full budget (all costs) against the concept note's indicative total."""

    indicative: Decimal
    budget: Decimal | None  # None: the full budget has no lines yet
    tolerance: Decimal

    @property
    def difference(self) -> Decimal | None:
        return None if self.budget is None else self.budget - self.indicative

    @property
    def share(self) -> Decimal | None:
        """The difference as a share of the indicative total (exact)."""
        if self.difference is None or not self.indicative:
            return None
        return abs(self.difference) / self.indicative

    @property
    def flagged(self) -> bool:
        """More than the tolerance either way."""
        return self.share is not None and self.share > self.tolerance

    @property
    def text(self) -> str:
        """The comparison in words, with both figures."""
        indicative = money(self.indicative)
        if self.budget is None:
            return _(
                "The full budget has no lines yet; the concept note's indicative total is "
                "%(indicative)s.",
                indicative=indicative,
            )
        if self.difference == 0 or self.share is None:
            return _(
                "The full budget equals the concept note's indicative total, %(indicative)s.",
                indicative=indicative,
            )
        digits = rounded_percent(self.share)
        if self.flagged and digits <= self.tolerance * HUNDRED:
            digits = (self.share * HUNDRED).normalize()  # more than the limit, exactly
        figures = {
            "budget": money(self.budget),
            "share": percent_digits(digits),
            "indicative": indicative,
            "limit": percent_digits(rounded_percent(self.tolerance)),
        }
        above = self.difference > 0  # type: ignore[operator]
        if self.flagged and above:
            return _(
                "The full budget, %(budget)s, is %(share)s above the concept note's indicative "
                "total, %(indicative)s: a difference of more than %(limit)s.",
                **figures,
            )
        if self.flagged:
            return _(
                "The full budget, %(budget)s, is %(share)s below the concept note's indicative "
                "total, %(indicative)s: a difference of more than %(limit)s.",
                **figures,
            )
        if above:
            return _(
                "The full budget, %(budget)s, is %(share)s above the concept note's indicative "
                "total, %(indicative)s, within %(limit)s.",
                **figures,
            )
        return _(
            "The full budget, %(budget)s, is %(share)s below the concept note's indicative "
            "total, %(indicative)s, within %(limit)s.",
            **figures,
        )


def compare_totals(note: Proposal, budget_total: Decimal | None) -> TotalComparison:
    """The full budget `budget_total` (None without lines) against the note's indicative
    total, with the configured tolerance."""
    return TotalComparison(note.indicative_total, budget_total, tolerance())


def snapshot_budget(snapshot: Mapping[str, Any]) -> Decimal | None:
    """The total budget a version stores (None when it has no budget lines)."""
    if not snapshot.get("budget_lines") or snapshot.get("budget_total") in (None, ""):
        return None
    return Decimal(str(snapshot["budget_total"]))


def concept_note_content(note: Proposal) -> dict[str, Any]:
    """The concept note as submitted last (its content now, if never submitted)."""
    version = latest_version(note)
    return version.snapshot if version is not None else concept_note_snapshot(note)


def changes_since_concept_note(note: Proposal, snapshot: Mapping[str, Any]) -> list[ShownChange]:
    """The parts the full proposal took from the concept note that differ in `snapshot` (a
    version of the full proposal), in words, the concept note's value before."""
    before = concept_note_content(note)
    old = {key: before.get(key) for key in PREFILLED}
    new = {key: snapshot.get(key) for key in PREFILLED}
    return shown_changes(diff_snapshots(old, new), before, snapshot, reference_names())

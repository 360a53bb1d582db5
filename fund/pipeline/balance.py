"""The balance view for selection: for a set of candidate concept notes, what selecting them
would do to coverage by objective, thematic area, M49 region and organization, so that the
committee sees the geographic and thematic balance before deciding.

It is the coverage simulator (`fund.coverage.simulator.simulate`) with concept notes as its
candidates: each picked note counts as funded by its indicative totals, apportioned to its
objectives, areas, regions and organizations by the rules of the coverage's concept-note column
(`fund.coverage.programme_money.note_lines`). A picked note already in the pipeline moves from
that column to the funded one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from fund.coverage.model import ZERO, CoverageRow
from fund.coverage.simulator import (
    Candidate,
    Change,
    ObjectiveChange,
    Simulation,
    note_candidates,
    simulate,
)


@dataclass(frozen=True)
class RowChange(Change):
    """One thematic area, region or organization before and after the selection."""

    key: str


def _changes(before: Sequence[CoverageRow], after: Sequence[CoverageRow]) -> list[RowChange]:
    """The rows of both lists by key (a row only in one counts zero in the other), in the order
    of `after` and then of `before`."""
    old = {row.key: row for row in before}
    new = {row.key: row for row in after}
    keys = list(dict.fromkeys([*new, *old]))
    changes = []
    for key in keys:
        was, now = old.get(key), new.get(key)
        shown = new[key] if key in new else old[key]  # each key is in one of them
        changes.append(
            RowChange(
                key=key,
                label=shown.label,
                funded_now=was.funded if was else ZERO,
                funded_after=now.funded if now else ZERO,
                share_now=was.share if was else Decimal("0.000000"),
                share_after=now.share if now else Decimal("0.000000"),
                target=shown.target,
                flag_now=was.flag if was else None,
                flag_after=now.flag if now else None,
            )
        )
    return changes


@dataclass(frozen=True)
class BalanceView:
    simulation: Simulation
    objectives: list[ObjectiveChange]
    areas: list[RowChange]
    regions: list[RowChange]
    organizations: list[RowChange]

    @property
    def candidates(self) -> list[Candidate]:
        return self.simulation.candidates

    @property
    def picked(self) -> list[Candidate]:
        return self.simulation.picked


def balance_view(
    picked_ids: Iterable[int], candidates: list[Candidate] | None = None
) -> BalanceView:
    """Coverage now and if the picked concept notes were funded by their indicative totals
    (ids that are not candidates are ignored); a fixed number of statements."""
    if candidates is None:
        candidates = note_candidates()
    simulation = simulate(picked_ids, candidates=candidates)
    before, after = simulation.before, simulation.after
    organizations = [
        change
        for change in _changes(before.organizations, after.organizations)
        if change.funded_now or change.funded_after
    ]
    organizations.sort(key=lambda c: (-c.change, -c.funded_after, c.label))
    return BalanceView(
        simulation=simulation,
        objectives=simulation.changes,
        areas=_changes(before.areas, after.areas),
        regions=_changes(before.regions, after.regions),
        organizations=organizations,
    )

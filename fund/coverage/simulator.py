"""The coverage simulator and the committee's coverage effect: coverage now and if chosen
proposals were funded. The pipeline's balance view simulates concept notes the same way, by
their indicative totals (`note_candidates`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from fund.accounts.models import Organization
from fund.calls.models import Call
from fund.coverage.model import (
    FLAG_LABELS,
    SIMULATION_STATUSES,
    Coverage,
    CoverageFilters,
    CoverageSettings,
    _settings,
)
from fund.coverage.programme_money import programme_totals
from fund.coverage.queries import coverage_pair
from fund.coverage.sources import _lines
from fund.extensions import db, record_from_row
from fund.finance.models import Pool
from fund.money import CENT, from_cents, sql_cents, total_of
from fund.proposals import status_rules
from fund.proposals.models import IndicativeTotal, Proposal, proposal_reference
from workflows.concept_note import NOTE_PIPELINE_STATE


@dataclass(frozen=True)
class Candidate:
    """A proposal (or a concept note, by its indicative total) the simulator may pretend to
    fund."""

    id: int
    title: str
    status: str
    organization: str
    call_title: str
    primary_objective_number: int | None
    total: Decimal
    kind: str = "proposal"

    @property
    def reference(self) -> str:
        return proposal_reference(self.id)


def _candidates(totals: Any, total: Any, where: Any, *order_by: Any) -> list[Candidate]:
    """The rows of `where` in `order_by`, each with its organization, its call and `total`
    (a column of the subquery `totals`, joined by `proposal_id`; in cents) (1 query)."""
    rows = db.session.execute(
        select(
            Proposal.id,
            Proposal.title,
            Proposal.status,
            Proposal.kind,
            Proposal.primary_objective_number,
            Organization.label.label("organization"),
            Call.title.label("call_title"),
            total.label("cents"),
        )
        .join(Organization, Organization.id == Proposal.organization_id)
        .join(Call, Call.id == Proposal.call_id)
        .outerjoin(totals, totals.c.proposal_id == Proposal.id)
        .where(where)
        .order_by(*order_by)
    ).all()
    return [record_from_row(Candidate, row, total=from_cents(row.cents or 0)) for row in rows]


def simulation_candidates(settings: CoverageSettings | None = None) -> list[Candidate]:
    """Approved and under-review proposals with their budget totals, approved first (1 query)."""
    settings = _settings(settings)
    lines = _lines(CoverageFilters(), True, ()).subquery("lines")
    totals = programme_totals(lines, settings.indirect_rate, "bucket", "simulated")
    return _candidates(
        totals,
        totals.c.total,
        status_rules.programme_in(SIMULATION_STATUSES),
        Proposal.status,
        Proposal.id,
    )


def note_candidates() -> list[Candidate]:
    """Concept notes before the committee, selected for development or in the pipeline, with
    their indicative totals, in the pipeline's order first, then by reference (1 query)."""
    totals = (
        select(
            IndicativeTotal.proposal_id,
            func.sum(sql_cents(IndicativeTotal.amount)).label("cents"),
        )
        .group_by(IndicativeTotal.proposal_id)
        .subquery("indicative")
    )
    return _candidates(
        totals,
        totals.c.cents,
        status_rules.note_candidate(),
        Proposal.pipeline_rank.is_(None) | (Proposal.status != NOTE_PIPELINE_STATE),
        Proposal.pipeline_rank,
        Proposal.id,
    )


def available_balance() -> Decimal:
    """Money available to allocate: the sum of every pool's `available` (1 query)."""
    value = db.session.scalar(select(func.coalesce(func.sum(Pool.available), 0)))
    return Decimal(str(value or 0)).quantize(CENT)


@dataclass(frozen=True, kw_only=True)
class Change:
    """A row of coverage (an objective, a thematic area, a region, an organization) before and
    after funding some candidates."""

    label: str
    funded_now: Decimal
    funded_after: Decimal
    share_now: Decimal
    share_after: Decimal
    target: Decimal | None
    flag_now: str | None
    flag_after: str | None

    @property
    def change(self) -> Decimal:
        return self.funded_after - self.funded_now

    @property
    def flag_now_label(self) -> str:
        return FLAG_LABELS[self.flag_now] if self.flag_now else ""

    @property
    def flag_after_label(self) -> str:
        return FLAG_LABELS[self.flag_after] if self.flag_after else ""


@dataclass(frozen=True)
class ObjectiveChange(Change):
    """One objective before and after funding some proposals."""

    number: int


# The name the committee review page uses.
EffectRow = ObjectiveChange


def _changes(before: Coverage, after: Coverage) -> list[ObjectiveChange]:
    after_by_key = {row.key: row for row in after.objectives}
    return [
        ObjectiveChange(
            number=int(row.key),
            label=row.label,
            funded_now=row.funded,
            funded_after=after_by_key[row.key].funded,
            share_now=row.share,
            share_after=after_by_key[row.key].share,
            target=row.target,
            flag_now=row.flag,
            flag_after=after_by_key[row.key].flag,
        )
        for row in before.objectives
    ]


@dataclass(frozen=True)
class Simulation:
    """Coverage before and after funding the picked candidates, and the balance left."""

    candidates: list[Candidate]
    picked: list[Candidate]
    before: Coverage
    after: Coverage
    changes: list[ObjectiveChange]
    balance_before: Decimal

    picked_total = total_of("picked", "total")

    @property
    def balance_after(self) -> Decimal:
        return self.balance_before - self.picked_total

    @property
    def exceeds_balance(self) -> bool:
        return self.picked_total > self.balance_before


def simulate(
    picked_ids: Iterable[int],
    *,
    candidates: list[Candidate] | None = None,
    settings: CoverageSettings | None = None,
) -> Simulation:
    """Coverage and balance now and if the picked approved/under-review proposals were funded
    (ids that are not candidates are ignored); a fixed number of queries."""
    settings = _settings(settings)
    if candidates is None:
        candidates = simulation_candidates(settings)
    wanted = set(picked_ids)
    picked = [c for c in candidates if c.id in wanted]
    before, after = coverage_pair([c.id for c in picked], settings)
    return Simulation(
        candidates=candidates,
        picked=picked,
        before=before,
        after=after,
        changes=_changes(before, after),
        balance_before=available_balance(),
    )


def coverage_effect(
    proposal_id: int, settings: CoverageSettings | None = None
) -> list[ObjectiveChange]:
    """For each of the 23 objectives: funded money, share and flag now, and if this proposal
    were funded (for the committee's review page). A proposal already funded changes nothing."""
    before, after = coverage_pair([proposal_id], settings, objectives_only=True)
    return _changes(before, after)

"""The figures the fund keeps, derived from its records, because recomputing them for every page
costs too much: one list of them, one check, one rebuild.

- the coverage totals (`fund/coverage/totals.py`), from the budget lines of the proposals in a
  counted state; kept at flush time; read by the coverage dashboard, the simulator and the
  committee review page;
- the approved proposals' totals (`Proposal.approved_total`, `fund/proposals/approval.py`),
  from the budget lines at the indirect support rate of the approval; kept by
  `fire(..., "approve")`, cleared at flush time when a line changes; read by the finance page's
  pipeline;
- the money paid out of each pool (`AllocationSource.disbursed`, `fund/finance/models.py`),
  from the payments attributed to the allocation's pools in draw order; kept by
  `record_disbursement`; read by the finance balance.

Each figure's code stays in its package, with the measurements that justify keeping it in its
docstring (bench/RESULTS.md, "Caches: with and without"), and at most one fallback, where it is
read: unless the coverage totals are built for the configured rate, `coverage()` aggregates the
budget lines; a proposal without a total kept at the configured rate is summed from its lines by
the pipeline's ledger; the money paid out is always kept. This package sits above all three in
the layers and nothing below imports it: it connects the flush-time upkeep to `db.session`
(`init_app`), compares every figure with a full recomputation (`verify`), recomputes them
(`rebuild`), and builds the ones never built (`ensure_built`, for `flask fund seed` and bulk
loads).

The running balances the database itself checks (a pool's `available >= 0`, a share's
`disbursed <= amount`) are records of their own, not kept figures, and are not listed here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import Flask, current_app
from flask_babel import lazy_ngettext
from sqlalchemy import event

from fund.coverage import totals as coverage_totals
from fund.extensions import db, utcnow
from fund.finance.operations import rebuild_paid_out
from fund.finance.queries.balance import paid_out_differences
from fund.labels import N_
from fund.money import configured_indirect_rate
from fund.proposals import approval


@dataclass(frozen=True)
class Cache:
    """A kept figure: how to compare it with a full recomputation (a list of differences,
    empty when equal), how to recompute it (returns what was done, for the operator), whether
    it is built, and the listeners on `db.session` that keep it up to date."""

    name: str
    differences: Callable[[], list[str]]
    rebuild: Callable[[], Any]
    built: Callable[[], bool] = lambda: True
    listeners: tuple[tuple[str, Callable[..., Any]], ...] = ()


def configured_rate() -> Decimal:
    """The indirect support rate the kept totals must be computed with."""
    return configured_indirect_rate(current_app.config)


# What each rebuild did, a line each: lazy translations, written in the language of the command
# that prints them (`fund.cli_language.say`).


def _rebuild_coverage_totals() -> Any:
    rate = configured_rate()
    rows = coverage_totals.rebuild(db.session.connection(), rate)
    return lazy_ngettext(
        "Coverage totals built: %(num)s row (indirect support rate %(rate)s).",
        "Coverage totals built: %(num)s rows (indirect support rate %(rate)s).",
        rows,
        rate=rate,
    )


def _refresh_approved_totals() -> Any:
    kept = approval.refresh(configured_rate())
    return lazy_ngettext(
        "Totals of the %(num)s approved proposal in the pipeline recomputed.",
        "Totals of the %(num)s approved proposals in the pipeline recomputed.",
        kept,
    )


def _rebuild_paid_out() -> Any:
    sources = rebuild_paid_out()
    return lazy_ngettext(
        "Money paid out of the %(num)s allocation source attributed again.",
        "Money paid out of the %(num)s allocation sources attributed again.",
        sources,
    )


CACHES: tuple[Cache, ...] = (
    Cache(
        N_("coverage totals"),
        differences=lambda: coverage_totals.differences(db.session.connection(), configured_rate()),
        rebuild=_rebuild_coverage_totals,
        built=lambda: coverage_totals.built(db.session.connection(), configured_rate()),
        listeners=(
            ("before_flush", coverage_totals.before_flush),
            ("after_flush", coverage_totals.after_flush),
        ),
    ),
    Cache(
        N_("approved proposals' totals"),
        differences=lambda: approval.differences(configured_rate()),
        rebuild=_refresh_approved_totals,
        listeners=(("before_flush", approval.clear_totals_of_changed_budgets),),
    ),
    Cache(
        N_("money paid out per pool"),
        differences=lambda: paid_out_differences(utcnow().date()),
        rebuild=_rebuild_paid_out,
    ),
)


def init_app(app: Flask) -> None:
    """Connect the upkeep of the kept figures to `db.session`, once however many applications
    are created (the listeners do not depend on the application: they read the one they run
    in)."""
    for cache in CACHES:
        for name, listener in cache.listeners:
            if not event.contains(db.session, name, listener):
                event.listen(db.session, name, listener)


def verify() -> dict[str, list[str]]:
    """Each kept figure's differences from a full recomputation (empty lists when all equal);
    reads only."""
    return {cache.name: cache.differences() for cache in CACHES}


def rebuild() -> list[Any]:
    """Recompute every kept figure; the caller commits. Returns what was done, a line each."""
    return [cache.rebuild() for cache in CACHES]


def ensure_built() -> list[Any]:
    """Build the kept figures that were never built for the configured settings (a new
    database, a bulk load, a change of the indirect support rate); the caller commits."""
    return [cache.rebuild() for cache in CACHES if not cache.built()]

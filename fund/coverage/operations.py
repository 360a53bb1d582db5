"""Changing the coverage targets. Never commits: the caller's transaction holds the change and
its audit event together."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from fund.audit.operations import record
from fund.coverage.model import ShareError, checked_share, target_share
from fund.coverage.queries import TARGET_TOLERANCE, effective_targets
from fund.extensions import db, utcnow
from fund.finance.models import CoverageTarget
from fund.i18n import percent_as_set
from fund.reference.models import GcmObjective, ThematicArea
from fund.refusals import Refused
from fund.sentences import listed

DIMENSIONS = ("objective", "area")


class TargetError(Refused):
    """Targets refused (`fund.refusals.Refused`): a sentence per (dimension, key) field and per
    whole dimension, already in the page's language."""

    def __init__(
        self, field_errors: dict[tuple[str, str], str], dimension_errors: dict[str, str]
    ) -> None:
        super().__init__("; ".join(map(str, [*dimension_errors.values(), *field_errors.values()])))
        self.field_errors = dict(field_errors)
        self.dimension_errors = dict(dimension_errors)


@dataclass(frozen=True)
class TargetChange:
    dimension: str
    key: str
    old: Decimal
    new: Decimal


def _keys() -> dict[str, list[str]]:
    numbers = list(db.session.scalars(select(GcmObjective.number).order_by(GcmObjective.number)))
    codes = list(db.session.scalars(select(ThematicArea.code).order_by(ThematicArea.code)))
    return {"objective": [str(n) for n in numbers], "area": codes}


def current_targets() -> dict[str, dict[str, Decimal]]:
    """The target shares in force, rounded to the six decimals they are stored with."""
    keys = _keys()
    objectives, areas = effective_targets([int(k) for k in keys["objective"]], keys["area"])
    fractions = {"objective": {str(n): f for n, f in objectives.items()}, "area": areas}
    return {
        dimension: {key: target_share(share) for key, share in shares.items()}
        for dimension, shares in fractions.items()
    }


def _validate(
    shares: Mapping[str, Mapping[str, Decimal]], keys: dict[str, list[str]]
) -> dict[str, dict[str, Decimal]]:
    field_errors: dict[tuple[str, str], str] = {}
    dimension_errors: dict[str, str] = {}
    clean: dict[str, dict[str, Decimal]] = {}
    for dimension in DIMENSIONS:
        given = shares.get(dimension, {})
        unknown = sorted(set(given) - set(keys[dimension]))
        if unknown:
            dimension_errors[dimension] = (
                _("Unknown objective: %(keys)s.", keys=listed(unknown))
                if dimension == "objective"
                else _("Unknown thematic area: %(keys)s.", keys=listed(unknown))
            )
            continue
        clean[dimension] = {}
        for key in keys[dimension]:
            try:  # the rule and the words of the page's field (`checked_share`)
                clean[dimension][key] = checked_share(given.get(key))
            except ShareError as refused:
                field_errors[(dimension, key)] = refused.said()
        if len(clean[dimension]) == len(keys[dimension]):
            total = sum(clean[dimension].values(), Decimal(0))
            if abs(total - 1) > TARGET_TOLERANCE:
                added = percent_as_set(total)  # "101,5 %" in French
                dimension_errors[dimension] = (
                    _(
                        "The targets of the objectives must add up to 100%%; they add up to "
                        "%(total)s.",
                        total=added,
                    )
                    if dimension == "objective"
                    else _(
                        "The targets of the thematic areas must add up to 100%%; they add up to "
                        "%(total)s.",
                        total=added,
                    )
                )
    if field_errors or dimension_errors:
        raise TargetError(field_errors, dimension_errors)
    return clean


def set_targets(
    actor,
    shares: Mapping[str, Mapping[str, Decimal]],
    *,
    now: datetime | None = None,
) -> list[TargetChange]:
    """Replace the target shares of every objective and every thematic area.

    `shares` maps "objective" and "area" to {key: share between 0 and 1}; every key of a
    dimension must be given, each share checked by the rule the page's field uses
    (`fund.coverage.model.checked_share`, refused in the same words), and the shares of each
    dimension must add up to 1 (within TARGET_TOLERANCE, so that equal thirds or 23rds typed
    with four decimals of a percent pass).
    Only changed shares are written; one audit event lists them. Returns the changes.
    """
    keys = _keys()
    clean = _validate(shares, keys)
    current = current_targets()
    stored = {(row.dimension, row.key): row for row in db.session.scalars(select(CoverageTarget))}
    now = now or utcnow()
    changes: list[TargetChange] = []
    for dimension in DIMENSIONS:
        for key, share in clean[dimension].items():
            old = current[dimension][key]
            if share == old:
                continue
            changes.append(TargetChange(dimension, key, old, share))
            row = stored.get((dimension, key))
            if row is None:
                row = CoverageTarget(dimension=dimension, key=key)
                db.session.add(row)
            row.share = share
            row.updated_by_id = getattr(actor, "id", None)
            row.updated_at = now
    if changes:
        db.session.flush()
        record(
            "coverage.targets_set",
            "coverage_targets",
            ",".join(sorted({c.dimension for c in changes})),
            actor,
            details={
                "changes": [
                    {"dimension": c.dimension, "key": c.key, "from": c.old, "to": c.new}
                    for c in changes
                ]
            },
            now=now,
        )
    return changes


def reset_targets(actor, *, now: datetime | None = None) -> int:
    """Back to equal shares: remove every stored target (audited). Returns how many."""
    count = db.session.scalar(select(func.count()).select_from(CoverageTarget)) or 0
    if count:
        db.session.execute(delete(CoverageTarget))
        record(
            "coverage.targets_reset",
            "coverage_targets",
            "objective,area",
            actor,
            details={"removed": count},
            now=now,
        )
    return count

"""The coverage report's vocabulary: what is counted (filters, settings), the rows and totals it
gives, and the pure rules of shares and flags. No queries."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from fund.labels import N_
from fund.money import ZERO, TypedDecimal, configured_indirect_rate
from fund.sentences import Translate, Unreadable, english
from workflows import FUNDED_STATES, NOTE_PIPELINE_STATE, PIPELINE_STATE, REVIEW_STATE

# The states each bucket counts (named in workflows, beside the transition table).
FUNDED_STATUSES = FUNDED_STATES
PIPELINE_STATUS = PIPELINE_STATE
REVIEW_STATUS = REVIEW_STATE

SIMULATION_STATUSES = (PIPELINE_STATUS, REVIEW_STATUS)
# Concept notes approved into the pipeline, by the status their kept totals carry.
NOTE_PIPELINE_STATUS = "note:" + NOTE_PIPELINE_STATE

FUNDED, PIPELINE, REVIEW, NOTES = "funded", "pipeline", "review", "notes"
BUCKETS = (FUNDED, PIPELINE, REVIEW, NOTES)

UNCOVERED = "uncovered"
PIPELINE_ONLY = "pipeline_only"
UNDER_TARGET = "under_target"
CONCENTRATED = "concentrated"
FLAG_LABELS = {
    UNCOVERED: N_("Uncovered"),
    PIPELINE_ONLY: N_("Pipeline only"),
    UNDER_TARGET: N_("Under target"),
    CONCENTRATED: N_("Concentrated"),
}
# The colour a flag is drawn in on the dashboard's charts and in the PDF tables, always beside
# its words (the colour only repeats them). The stylesheet's `.flag-*` classes use the same.
FLAG_COLOURS = {
    UNCOVERED: "#b3261e",
    PIPELINE_ONLY: "#b3261e",
    UNDER_TARGET: "#7a4b00",
    CONCENTRATED: "#6a1b9a",
}

NOT_SCORED = "none"
MARKER_TITLES = {
    "0": N_("Not expected to contribute"),
    "1": N_("Contributes in a limited way"),
    "2": N_("Significant objective"),
    "3": N_("Principal objective"),
}
NO_MARKER = N_("No marker given")
TARGET_TOLERANCE = Decimal("0.0001")  # targets of a dimension must add up to 1 within this

SHARE_PLACES = Decimal("0.000001")  # a share as stored and shown: six decimals, a percent's four
# An equal share of the 23 objectives (100 / 23) to a percent's four decimals: the example the
# sentences about a typed target share give, and the targets page's equal share.
PERCENT_EXAMPLE = Decimal("4.3478")


# Inputs --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageFilters:
    """Restrict the programmes counted: to one call, to a period (inclusive dates)."""

    call_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None

    @property
    def active(self) -> bool:
        return bool(self.call_id or self.date_from or self.date_to)

    def as_args(self) -> dict[str, str]:
        """The filters as query-string arguments (for links to the chart and the simulator)."""
        args = {}
        if self.call_id:
            args["call"] = str(self.call_id)
        if self.date_from:
            args["date_from"] = self.date_from.isoformat()
        if self.date_to:
            args["date_to"] = self.date_to.isoformat()
        return args

    def describe(
        self, call_title: str | None, day: Callable[[date], str], say: Translate = english
    ) -> str:
        """The filters in words: the call (by its title, "All calls" without one) and the
        period, each date written by `day`, each phrase by `say(text, **values)` (a page
        gives the translation's, `flask_babel.gettext`)."""
        call = say(N_("Call: %(title)s"), title=call_title) if call_title else say(N_("All calls"))
        parts = [call]
        if self.date_from and self.date_to:
            start, end = day(self.date_from), day(self.date_to)
            parts.append(say(N_("%(start)s to %(end)s"), start=start, end=end))
        elif self.date_from:
            parts.append(say(N_("from %(day)s"), day=day(self.date_from)))
        elif self.date_to:
            parts.append(say(N_("up to %(day)s"), day=day(self.date_to)))
        else:
            parts.append(say(N_("all dates")))
        return " · ".join(parts)


@dataclass(frozen=True)
class CoverageSettings:
    """The rates and thresholds coverage counts with (from the configuration)."""

    indirect_rate: Decimal
    under_target_fraction: Decimal
    concentrated_multiple: Decimal

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> CoverageSettings:
        return cls(
            indirect_rate=configured_indirect_rate(config),
            under_target_fraction=Decimal(str(config["COVERAGE_UNDER_TARGET_FRACTION"])),
            concentrated_multiple=Decimal(str(config["COVERAGE_CONCENTRATED_MULTIPLE"])),
        )


def _settings(settings: CoverageSettings | None) -> CoverageSettings:
    if settings is not None:
        return settings
    from flask import current_app

    return CoverageSettings.from_config(current_app.config)


# Results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageRow:
    """One objective, thematic area, region, marker score or organization.

    Amounts are USD with cents; `pipeline`/`review`/`notes` (and their programme counts) are
    None when the viewer may only see funded money; `notes` is the indicative money of the
    concept notes in the pipeline. `share` is of the funded total (0..1, six decimals);
    `target` likewise, None where the dimension has no target.
    """

    key: str
    label: str
    title: str
    funded: Decimal
    pipeline: Decimal | None
    review: Decimal | None
    programmes: int
    pipeline_programmes: int | None
    review_programmes: int | None
    share: Decimal
    target: Decimal | None
    flag: str | None
    areas: tuple[str, ...] = ()  # objectives: the thematic areas they lie in
    objectives: tuple[int, ...] = ()  # thematic areas: their objectives
    notes: Decimal | None = None  # concept notes in the pipeline (indicative)
    notes_programmes: int | None = None

    @property
    def flag_label(self) -> str:
        return FLAG_LABELS[self.flag] if self.flag else ""

    def at_target(self, funded_total: Decimal) -> Decimal | None:
        """The funded money the row would have at its target share of `funded_total` (not
        rounded); None without a target."""
        return None if self.target is None else self.target * funded_total

    @property
    def pending(self) -> Decimal:
        """Money not funded yet: approved, under review, or indicated by concept notes in the
        pipeline."""
        return (self.pipeline or ZERO) + (self.review or ZERO) + (self.notes or ZERO)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["areas"] = list(self.areas)
        data["objectives"] = list(self.objectives)
        return {key: _jsonable(value) for key, value in data.items()}


@dataclass(frozen=True)
class CoverageTotals:
    """The money and the programme counts of the whole selection."""

    funded: Decimal
    funded_direct: Decimal
    funded_indirect: Decimal
    pipeline: Decimal | None
    review: Decimal | None
    programmes: int
    pipeline_programmes: int | None
    review_programmes: int | None
    notes: Decimal | None = None  # concept notes in the pipeline (indicative)
    notes_programmes: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {key: _jsonable(value) for key, value in asdict(self).items()}


@dataclass(frozen=True)
class AreaGroup:
    """A thematic area's row with the rows of the objectives that lie in it."""

    area: CoverageRow
    objectives: list[CoverageRow]


@dataclass(frozen=True)
class Coverage:
    """The coverage of a selection: its totals and its rows along every dimension."""

    filters: CoverageFilters
    settings: CoverageSettings
    include_pipeline: bool
    simulated: tuple[int, ...]
    totals: CoverageTotals
    objectives: list[CoverageRow]
    areas: list[CoverageRow]
    regions: list[CoverageRow]
    gender_markers: list[CoverageRow]
    human_rights_markers: list[CoverageRow]
    organizations: list[CoverageRow]

    def objective(self, number: int) -> CoverageRow:
        return next(row for row in self.objectives if row.key == str(number))

    def objectives_by_area(self) -> list[AreaGroup]:
        """The objectives under each thematic area (an objective in two areas appears twice)."""
        by_number = {row.key: row for row in self.objectives}
        return [
            AreaGroup(area, [by_number[str(n)] for n in area.objectives if str(n) in by_number])
            for area in self.areas
        ]

    def flagged(self, flag: str) -> list[CoverageRow]:
        return [row for row in self.objectives if row.flag == flag]

    def to_dict(self) -> dict[str, Any]:
        return {
            "filters": {
                "call_id": self.filters.call_id,
                "date_from": _jsonable(self.filters.date_from),
                "date_to": _jsonable(self.filters.date_to),
            },
            "settings": {key: _jsonable(v) for key, v in asdict(self.settings).items()},
            "include_pipeline": self.include_pipeline,
            "simulated": list(self.simulated),
            "totals": self.totals.to_dict(),
            "objectives": [row.to_dict() for row in self.objectives],
            "areas": [row.to_dict() for row in self.areas],
            "regions": [row.to_dict() for row in self.regions],
            "gender_markers": [row.to_dict() for row in self.gender_markers],
            "human_rights_markers": [row.to_dict() for row in self.human_rights_markers],
            "organizations": [row.to_dict() for row in self.organizations],
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return value


# Pure rules ----------------------------------------------------------------------------------


def flag_for(
    funded: Decimal,
    pending: Decimal,
    total: Decimal,
    target: Fraction | Decimal | None,
    *,
    under_target_fraction: Decimal,
    concentrated_multiple: Decimal,
) -> str | None:
    """The most severe flag of a row with `funded` money out of a funded `total`, `pending`
    money approved, under review or indicated by concept notes in the pipeline, and a target
    share; compared exactly (no rounding)."""
    if target is None:
        return None
    target = Fraction(target)
    if funded <= 0:
        if target == 0:
            return None  # nothing wanted, nothing given: no gap
        return PIPELINE_ONLY if pending > 0 else UNCOVERED
    funded_f, total_f = Fraction(funded), Fraction(total)
    if funded_f < Fraction(under_target_fraction) * target * total_f:
        return UNDER_TARGET
    if funded_f > Fraction(concentrated_multiple) * target * total_f:
        return CONCENTRATED
    return None


def _share(part: Decimal, total: Decimal) -> Decimal:
    if total <= 0:
        return Decimal("0.000000")
    return (part / total).quantize(SHARE_PLACES)


def target_share(target: Fraction) -> Decimal:
    """A target share as it is stored, shown and typed again: to six decimals
    (`SHARE_PLACES`)."""
    return (Decimal(target.numerator) / Decimal(target.denominator)).quantize(SHARE_PLACES)


# The rule of one target share, the targets page's field and `set_targets` alike ----------------


class ShareError(Unreadable):
    """A target share refused: `str()` says why in English, `said()` in the page's language,
    the same words whoever asked (the page's field, the operation)."""


def checked_share(share: Decimal | None) -> Decimal:
    """A target share (0.043478 for 4.3478%) as it is stored, to six decimals (a percent's
    four); refused (`ShareError`) when none is given, when it is not between 0 and 1 (a
    negative one, even a typed "-0", is not), or when it has more decimals than are kept."""
    example = TypedDecimal(PERCENT_EXAMPLE)  # "4.3478", said "4,3478" on a French page
    if share is None:
        raise ShareError(N_("Give a target share in percent, e.g. %(example)s."), example=example)
    if not share.is_finite() or share.is_signed() or share > 1:
        raise ShareError(N_("A share must be between 0% and 100%."))
    if share != share.quantize(SHARE_PLACES):
        raise ShareError(N_("Use at most four decimals, e.g. %(example)s."), example=example)
    return share.quantize(SHARE_PLACES)


def percent_share(percent: Decimal) -> Decimal:
    """A typed percentage as the share it stands for, every digit kept: 4.3478 -> 0.043478
    (dividing by 100 would round a long one to the context's 28 digits, and let its extra
    decimals pass)."""
    sign, digits, exponent = percent.as_tuple()
    return Decimal((sign, digits, int(exponent) - 2))

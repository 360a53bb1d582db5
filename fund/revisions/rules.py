"""Who approves a revision: the rule table.

Each row of `RULES` names a measure of the change (a function of `Change` in `MEASURES`), the
setting that holds its limit (or a fixed limit) and the sentence that gives the reason. A revision
whose measure is above the limit of any row goes to the committee, with one reason per row that
triggered; otherwise the secretariat decides it alone. The limits are read from the settings
(`REVISION_COMMITTEE_EXTENSION_MONTHS`, `REVISION_CATEGORY_CHANGE_SHARE` in config.py); "above"
is strict: an extension of exactly 6 months, or a category moving exactly 20% of the budget, is
the secretariat's.

Each reason is a `Sentence`: English where it is recorded (the revision keeps the reasons, the
audit trail names them), and said in a page's language (`fund.sentences.said`), its months by
that language's plural rules, its amounts and shares as it writes them. The revision keeps each
reason as a sentence too (`kept`), so that its page says the reasons in the reader's language
after submission as before it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from config import setting
from fund.i18n import Money, Share
from fund.labels import N_
from fund.sentences import LONG_LIST_SEPARATOR, MONTHS, Counted, Listed, Sentence

SECRETARIAT = "secretariat"
COMMITTEE = "committee"


@dataclass(frozen=True)
class Change:
    """What a revision changes, as figures: the end date moved (in months, None when the end
    date stays), the direct costs per UNSDG category before and after (None when the budget
    stays), and the participating organizations before and after (None when they stay)."""

    months_moved: int | None = None
    categories_before: Mapping[int, Decimal] = field(default_factory=dict)
    categories_after: Mapping[int, Decimal] | None = None
    participants_before: frozenset[str] = frozenset()
    participants_after: frozenset[str] | None = None
    category_names: Mapping[int, str] = field(default_factory=dict)

    @property
    def total_before(self) -> Decimal:
        return sum(self.categories_before.values(), Decimal("0"))

    @property
    def total_after(self) -> Decimal:
        if self.categories_after is None:
            return self.total_before
        return sum(self.categories_after.values(), Decimal("0"))


@dataclass(frozen=True)
class Measured:
    """A measure's value, and what to say of it (e.g. the category that moved most)."""

    value: Decimal
    detail: str = ""


def end_date_moved(change: Change) -> Measured:
    return Measured(Decimal(change.months_moved or 0))


def largest_category_change(change: Change) -> Measured:
    """The largest share of the programme's budget (its direct costs before the revision) moved
    into or out of one UNSDG category."""
    if change.categories_after is None or change.total_before <= 0:
        return Measured(Decimal("0"))
    codes = set(change.categories_before) | set(change.categories_after)
    moved = {
        code: abs(
            change.categories_after.get(code, Decimal("0"))
            - change.categories_before.get(code, Decimal("0"))
        )
        / change.total_before
        for code in codes
    }
    code = max(sorted(moved), key=lambda c: moved[c])
    return Measured(moved[code], f"{code}. {change.category_names.get(code, 'category')}")


def total_increase(change: Change) -> Measured:
    return Measured(max(change.total_after - change.total_before, Decimal("0")))


def participants_changed(change: Change) -> Measured:
    after = change.participants_after
    if after is None or after == change.participants_before:
        return Measured(Decimal("0"))
    added = sorted(after - change.participants_before)
    left = sorted(change.participants_before - after)

    parts = []
    if added:
        parts.append(Sentence(N_("joining %(names)s"), names=Listed(added)))
    if left:
        parts.append(Sentence(N_("leaving %(names)s"), names=Listed(left)))
    return Measured(Decimal(1), Listed(parts, LONG_LIST_SEPARATOR))


MEASURES: dict[str, Callable[[Change], Measured]] = {
    "end_date_moved": end_date_moved,
    "largest_category_change": largest_category_change,
    "total_increase": total_increase,
    "participants_changed": participants_changed,
}


def _months(value: Decimal) -> Counted:
    """A number of months: "7 months"; in Arabic "7 أشهر", "12 شهرًا"."""
    return Counted(MONTHS, int(value))


def stated_share(value: Decimal) -> Decimal:
    """A share of the budget as the rules state it, to a tenth of a per cent: 0.2055 is
    0.206 (20.6%). The reasons and the request page's limit write it so."""
    return value.quantize(Decimal("0.001"))


def _share(value: Decimal) -> Share:
    """A share of the budget as stated (`stated_share`), with no trailing zero: "20%",
    "20.5%"."""
    return Share((stated_share(value) * 100).normalize())


def _as_set(value: Decimal) -> Decimal:
    return value


def _usd(value: Decimal) -> Money:
    return Money(value)


def _plain(value: Decimal) -> str:
    return str(value)


@dataclass(frozen=True)
class RoutingRule:
    """A row of the table: the committee decides when `measure` is above the limit."""

    key: str
    measure: str
    reason: str  # with %(value)s, %(limit)s and %(detail)s
    setting: str | None = None  # the setting holding the limit
    limit: Decimal = Decimal("0")  # the limit when no setting holds it
    show: Callable[[Decimal], str] = _plain
    stated: Callable[[Decimal], Decimal] = _as_set  # the limit as `show` states it

    def says(self, measured: Measured, limit: Decimal) -> Sentence:
        """The reason, for `measured` against `limit`."""
        return Sentence(
            self.reason,
            value=self.show(measured.value),
            limit=self.show(limit),
            detail=measured.detail,
        )


RULES: tuple[RoutingRule, ...] = (
    RoutingRule(
        "end_date",
        "end_date_moved",
        N_("the end date moves %(value)s (more than %(limit)s)"),
        setting="REVISION_COMMITTEE_EXTENSION_MONTHS",
        show=_months,
    ),
    RoutingRule(
        "budget_category",
        "largest_category_change",
        N_(
            "the budget category “%(detail)s” changes by %(value)s of the programme's budget "
            "(more than %(limit)s)"
        ),
        setting="REVISION_CATEGORY_CHANGE_SHARE",
        show=_share,
        stated=stated_share,
    ),
    RoutingRule(
        "higher_total",
        "total_increase",
        N_("the total budget rises by %(value)s"),
        show=_usd,
    ),
    RoutingRule(
        "participants",
        "participants_changed",
        N_("the participating organizations change (%(detail)s)"),
    ),
)


@dataclass(frozen=True)
class Routing:
    """Who approves, and each reason that sent the revision to the committee."""

    approver: str
    reasons: tuple[Sentence, ...]

    @property
    def sentence(self) -> Sentence:
        """Who approves and why: English as it is, said in a page's language."""
        return routing_sentence(self.approver, self.reasons)


def routing_sentence(approver: str, reasons: Sequence[str]) -> Sentence:
    """Who approves a revision and why (each reason a sentence, or as an older revision kept
    it, in English)."""
    if approver == COMMITTEE:
        return Sentence(
            N_("Goes to the committee: %(reasons)s."),
            reasons=Listed(reasons, LONG_LIST_SEPARATOR),
        )
    return Sentence(N_("The secretariat decides: no change needs the committee."))


def limit_of(rule: RoutingRule, config: Mapping[str, Any]) -> Decimal:
    if rule.setting is None:
        return rule.limit
    return Decimal(str(setting(config, rule.setting)))


def limits(config: Mapping[str, Any]) -> dict[str, Decimal]:
    """Each rule's limit under the settings in `config`, by the rule's key, as its reason
    states it (a share to a tenth of a per cent): the request page says them."""
    return {rule.key: rule.stated(limit_of(rule, config)) for rule in RULES}


def route(change: Change, config: Mapping[str, Any]) -> Routing:
    """Who approves the change under the table and the settings in `config`."""
    reasons = []
    for rule in RULES:
        measured = MEASURES[rule.measure](change)
        limit = limit_of(rule, config)
        if measured.value > limit:
            reasons.append(rule.says(measured, limit))
    return Routing(COMMITTEE if reasons else SECRETARIAT, tuple(reasons))

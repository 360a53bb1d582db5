"""Who approves a revision: the rule table.

Each row of `RULES` names a measure of the change (a function of `Change` in `MEASURES`), the
setting that holds its limit (or a fixed limit) and the sentence that gives the reason. A revision
whose measure is above the limit of any row goes to the committee, with one reason per row that
triggered; otherwise the secretariat decides it alone. The limits are read from the settings
(`REVISION_COMMITTEE_EXTENSION_MONTHS`, `REVISION_CATEGORY_CHANGE_SHARE` in config.py); "above"
is strict: an extension of exactly 6 months, or a category moving exactly 20% of the budget, is
the secretariat's.

The reasons are recorded in English (the revision keeps them, the audit trail names them); a page
shows the routing in its own language with `Routing.sentence_in(gettext)`: the sentences are
marked for translation where they are declared (`N_`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from fund.i18n import money, percent
from fund.labels import N_
from fund.money import format_usd
from fund.sentences import LIST_SEPARATOR, LONG_LIST_SEPARATOR, Translate, english

# A function that gives a sentence in a language: the English of the sentence given, or its
# translation (`flask_babel.gettext`), its named placeholders filled with `values`.
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
    """A measure's value, and what to say of it (e.g. the category that moved most); `say`
    gives that in a language (the English `detail` when it is None)."""

    value: Decimal
    detail: str = ""
    say: Callable[[Translate], str] | None = field(default=None, compare=False, repr=False)

    def detail_in(self, translate: Translate) -> str:
        return self.detail if self.say is None else self.say(translate)


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

    def say(translate: Translate) -> str:
        parts = []
        if added:
            parts.append(translate(N_("joining %(names)s"), names=_names(added, translate)))
        if left:
            parts.append(translate(N_("leaving %(names)s"), names=_names(left, translate)))
        return translate(LONG_LIST_SEPARATOR).join(parts)

    return Measured(Decimal(1), say(english), say)


MEASURES: dict[str, Callable[[Change], Measured]] = {
    "end_date_moved": end_date_moved,
    "largest_category_change": largest_category_change,
    "total_increase": total_increase,
    "participants_changed": participants_changed,
}


def _names(names: list[str], translate: Translate) -> str:
    """Organizations listed as the language of `translate` separates a list."""
    return translate(LIST_SEPARATOR).join(names)


def _months(value: Decimal, translate: Translate = english) -> str:
    months = N_("%(count)s month") if value == 1 else N_("%(count)s months")
    return translate(months, count=f"{value:f}")


def _share(value: Decimal, translate: Translate = english) -> str:
    """A share in English as the records keep it ("20%"), else in the page's language."""
    if translate is english:
        return f"{(value * 100).quantize(Decimal('0.1')).normalize():f}%"
    return percent(value)


def _usd(value: Decimal, translate: Translate = english) -> str:
    """An amount in English as the records keep it, else in the page's language."""
    return format_usd(value) if translate is english else money(value)


def _plain(value: Decimal, translate: Translate = english) -> str:
    return str(value)


@dataclass(frozen=True)
class RoutingRule:
    """A row of the table: the committee decides when `measure` is above the limit."""

    key: str
    measure: str
    reason: str  # with %(value)s, %(limit)s and %(detail)s
    setting: str | None = None  # the setting holding the limit
    limit: Decimal = Decimal("0")  # the limit when no setting holds it
    show: Callable[[Decimal, Translate], str] = _plain

    def says(self, measured: Measured, limit: Decimal, translate: Translate = english) -> str:
        """The reason, in the language of `translate`."""
        return translate(
            self.reason,
            value=self.show(measured.value, translate),
            limit=self.show(limit, translate),
            detail=measured.detail_in(translate),
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

DEFAULT_LIMITS = {
    "REVISION_COMMITTEE_EXTENSION_MONTHS": Decimal("6"),
    "REVISION_CATEGORY_CHANGE_SHARE": Decimal("0.20"),
}


@dataclass(frozen=True)
class Routing:
    """Who approves, and each reason that sent the revision to the committee."""

    approver: str
    reasons: tuple[str, ...]
    # Each rule that triggered, with its measure and its limit (to say the reasons again in
    # another language).
    found: tuple[tuple[RoutingRule, Measured, Decimal], ...] = field(
        default=(), compare=False, repr=False
    )

    @property
    def sentence(self) -> str:
        return self.sentence_in(english)

    def sentence_in(self, translate: Translate) -> str:
        """Who approves and why, in the language of `translate`."""
        if self.approver == COMMITTEE:
            reasons = (
                [rule.says(measured, limit, translate) for rule, measured, limit in self.found]
                if self.found
                else list(self.reasons)
            )
            return translate(
                N_("Goes to the committee: %(reasons)s."),
                reasons=translate(LONG_LIST_SEPARATOR).join(reasons),
            )
        return translate(N_("The secretariat decides: no change needs the committee."))


def limit_of(rule: RoutingRule, config: Mapping[str, Any]) -> Decimal:
    if rule.setting is None:
        return rule.limit
    return Decimal(str(config.get(rule.setting, DEFAULT_LIMITS[rule.setting])))


def route(change: Change, config: Mapping[str, Any]) -> Routing:
    """Who approves the change under the table and the settings in `config`."""
    found = []
    for rule in RULES:
        measured = MEASURES[rule.measure](change)
        limit = limit_of(rule, config)
        if measured.value > limit:
            found.append((rule, measured, limit))
    reasons = tuple(rule.says(measured, limit) for rule, measured, limit in found)
    return Routing(COMMITTEE if reasons else SECRETARIAT, reasons, tuple(found))

"""Guards of the proposal workflow owned by the fund's finances.

`fund` passes only when the money available to the proposal (the earmarks of the thematic
areas of its primary objective, then the unearmarked money) covers its total, and only through
`fund.finance.operations.fund_proposal`, which records the allocation: the plan it made under
lock comes in the context as FUNDING_PLAN. `close` passes when the proposal's allocation is
recorded and every share is paid out in full, or the secretariat gives the reason (the trimmed
comment).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask_babel import format_date, gettext

from fund.labels import N_
from fund.money import format_usd

FUNDING_PLAN = "funding_plan"


class Sentence(str):
    """A sentence of the fund marked for translation (`N_`), with the values of its
    placeholders: the English sentence itself (what is stored, logged and compared), which a
    page shows in the reader's language (`said`)."""

    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, **values: Any) -> Sentence:
        made = super().__new__(cls, template % values if values else template)
        made.template = template
        made.values = values
        return made

    def __str__(self) -> str:
        # str() keeps the sentence: the workflow engine takes each guard's problems by str().
        return self


class Within(Sentence):
    """A label of the fund written within a sentence, its first letter in lower case: "Annual
    financial report" in "The 2026 annual financial report is not accepted"."""

    def __new__(cls, label: str) -> Within:
        made = str.__new__(cls, _first_lower(label))
        made.template = label
        made.values = {}
        return made


class OnDay(Sentence):
    """A day written within a sentence, "31 March 2026", in the reader's language on a page."""

    day: date

    def __new__(cls, day: date) -> OnDay:
        english = f"{day.day} {day:%B %Y}"
        made = str.__new__(cls, english)
        made.template = english
        made.values = {}
        made.day = day
        return made


def _first_lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def said(text: str) -> str:
    """`{{ problem|said }}`: a `Sentence` in the page's language (and the sentences among its
    values); any other text as it is."""
    if isinstance(text, Within):
        return _first_lower(gettext(text.template))
    if isinstance(text, OnDay):
        return format_date(text.day, "d MMMM y")
    if isinstance(text, Sentence):
        return gettext(text.template, **{name: said(v) for name, v in text.values.items()})
    return text


def funds_available(proposal, actor, context: Mapping[str, Any]) -> list[str]:
    from fund.finance import funding

    plan = context.get(FUNDING_PLAN)
    if plan is not None and plan.proposal_id == proposal.id:
        return plan.problems()
    plan = funding.funding_plan(proposal, context["rules"].indirect_rate)
    return [
        *plan.problems(),
        Sentence(
            N_(
                "Fund the proposal from its finance page (%(page)s), which records the "
                "allocation to each participating organization."
            ),
            page=f"/finance/proposals/{proposal.id}",
        ),
    ]


def fully_disbursed_or_reason(proposal, actor, context: Mapping[str, Any]) -> list[str]:
    from fund.finance.queries import lists

    if not lists.has_allocation(proposal.id):
        # Only `fund_proposal` makes a proposal funded, always with its allocation: a funded
        # proposal without one is an inconsistency to investigate, not a project to close.
        return [
            Sentence(
                N_(
                    "No allocation is recorded for this proposal, so its payments cannot be "
                    "checked; ask the system administrator to investigate before closing it."
                )
            )
        ]
    if context.get("comment"):
        return []
    remaining = lists.remaining_by_organization(proposal.id)
    if not remaining:
        return []
    owed = ", ".join(f"{name} {format_usd(amount)}" for name, amount in remaining)
    return [
        Sentence(
            N_(
                "The allocation is not fully disbursed (still to pay: %(owed)s): record the "
                "remaining disbursements or give the reason for closing."
            ),
            owed=owed,
        )
    ]

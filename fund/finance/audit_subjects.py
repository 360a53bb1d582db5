"""How the audit log names finance's subjects (registered in `fund.auditlog`'s
`SUBJECT_NAMERS` by `fund.finance.init_app`): a pledge or a deposit by its code and donor,
interest earned or a direct cost by its day, with its reference or description."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select

from fund.accounts.models import Organization
from fund.auditlog.subjects import SubjectNamer, as_text, no_value
from fund.days import in_words
from fund.finance.agent_models import DirectCost, InterestEntry, Pledge, pledge_code
from fund.finance.models import Contribution, contribution_code


def _by_code(model: Any, code: Callable[[int], str], page: tuple[str, str] | None) -> SubjectNamer:
    return SubjectNamer(
        lambda ids: (
            select(model.id, as_text(Organization.label), no_value(), no_value())
            .select_from(model)
            .join(Organization, Organization.id == model.donor_id)
            .where(model.id.in_(ids))
        ),
        lambda subject_id, donor, *_: (code(subject_id), donor),
        page=page,
    )


def _by_day(model: Any, day: Any, said: Any) -> SubjectNamer:
    """An entry of the agent's pages by its day, with what it says (its reference, its
    description) beside it."""
    return SubjectNamer(
        lambda ids: select(model.id, as_text(day), as_text(said), no_value()).where(
            model.id.in_(ids)
        ),
        lambda _, on, words, __: (in_words(date.fromisoformat(on[:10])), words or None),
    )


NAMERS = {
    "pledge": _by_code(Pledge, pledge_code, ("agent.pledge", "pledge_id")),
    "contribution": _by_code(Contribution, contribution_code, None),
    "interest": _by_day(InterestEntry, InterestEntry.earned_on, InterestEntry.reference),
    "direct_cost": _by_day(DirectCost, DirectCost.charged_on, DirectCost.description),
}

"""The results coverage's counts of all funded programmes, kept by each process between
requests while the records they come from are unchanged.

The counts (`fund.results.coverage._counts`: one statement grouping every indicator of the
funded programmes by objective, area, region, organization and fund outcome) grow with the
indicators: about 8 ms at 2,000 proposals and 90 ms at 20,000 on SQLite. The coverage dashboard
and the allocation report read them for every request, though they change only when a
programme is funded or closed, a framework changes or an actual is recorded. So each process
keeps the counts it last made under the key of the records (`state_key`, one statement of
aggregates) and makes them again when that key changes. The key is read from the database at
every request, so no process, and no node, ever serves counts older than the records.

The key is made of the records the counts read, and of nothing else: a vote, a draft saved or
any other change elsewhere keeps it (the audit trail's head was part of it once, and under load
every vote made the next dashboard request count everything again: 250 ms median instead of
28). Its parts, each with a value that moves when a row is added or removed, or when what the
counts read of it changes in place (the rest of a funded programme's framework changes only by
a revision, which stamps the programme):
- the rows in a funded state (how many, the sum of their ids, their latest `updated_at`: a
  framework is frozen while its programme is funded, and a revision stamps the programme;
  counted over both kinds, which the index on status, `updated_at` and id answers alone);
- the outcomes (how many, the highest id, the sums of their programmes and fund outcomes) and
  their objectives (how many, a sum of outcome x objective);
- the indicators (how many, the highest id, the sums of their outcomes, baselines and end
  targets);
- their targets (how many, the sum of their values) and their actuals (how many, the sum of
  their values, when the latest was recorded);
- which objectives lie in which thematic area (how many, the sum of the objectives' numbers);
- the off-track threshold.
Only the counts of every funded programme are kept: a call's, a period's or an earlier day's
are made at each request, as before.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, true

from fund.extensions import db
from fund.kept import KeptByKey
from fund.proposals import status_rules
from fund.proposals.models import Proposal
from fund.proposals.results import (
    IndicatorActual,
    IndicatorTarget,
    ResultIndicator,
    ResultOutcome,
    result_outcome_objectives,
)
from fund.reference.models import objective_thematic_area

_KEPT: KeptByKey[dict] = KeptByKey(4)


def _side_by_side(parts: list[Any]) -> Any:
    """The one-row subqueries joined into one row (each table read once)."""
    joined = parts[0]
    for part in parts[1:]:
        joined = joined.join(part, true())
    return joined


def state_key(threshold: Decimal) -> tuple:
    """What the counts of every funded programme are made from, in one statement."""

    parts: list[Any] = []

    def scalars(*columns: Any, where: Any = None) -> list[Any]:
        """The aggregates of one table, read in one pass (a subquery of one row)."""
        query = select(*(column.label(f"v{n}") for n, column in enumerate(columns)))
        if where is not None:
            query = query.where(where)
        part = query.subquery(f"part{len(parts)}")
        parts.append(part)
        return list(part.c)

    funded = status_rules.keyed_in(status_rules.FUNDED_STATES)
    links, areas = result_outcome_objectives.c, objective_thematic_area.c
    row = db.session.execute(
        select(
            *scalars(
                func.count(Proposal.id),
                func.sum(Proposal.id),
                func.max(Proposal.updated_at),
                where=funded,
            ),
            *scalars(
                func.count(ResultOutcome.id),
                func.max(ResultOutcome.id),
                func.sum(ResultOutcome.proposal_id),
                func.sum(func.coalesce(ResultOutcome.fund_outcome_id, 0)),
            ),
            *scalars(
                func.count(links.outcome_id), func.sum(links.outcome_id * links.objective_number)
            ),
            *scalars(
                func.count(ResultIndicator.id),
                func.max(ResultIndicator.id),
                func.sum(ResultIndicator.outcome_id),
                func.sum(ResultIndicator.baseline_value),
                func.sum(ResultIndicator.end_target),
            ),
            *scalars(func.count(IndicatorTarget.indicator_id), func.sum(IndicatorTarget.value)),
            *scalars(
                func.count(IndicatorActual.indicator_id),
                func.sum(IndicatorActual.value),
                func.max(IndicatorActual.recorded_at),
            ),
            *scalars(func.count(areas.objective_number), func.sum(areas.objective_number)),
        ).select_from(_side_by_side(parts))
    ).one()
    connection = db.session.connection()
    return (
        connection.engine.url.render_as_string(hide_password=True),
        str(threshold),
        *(str(value) for value in row),
    )


def kept_counts(threshold: Decimal, make: Callable[[], dict]) -> dict:
    """The counts of every funded programme: kept from an earlier request of this process
    while `state_key` is unchanged, else `make()` (and kept)."""
    return _KEPT.get(state_key(threshold), make)

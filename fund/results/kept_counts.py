"""The results coverage's counts of all funded programmes, kept by each process between
requests while the records they come from are unchanged.

The counts (`fund.results.coverage._counts`: one statement grouping every indicator of the
funded programmes by objective, area, region, organization and fund outcome) grow with the
indicators: about 8 ms at 2,000 proposals and 90 ms at 20,000 on SQLite. The coverage dashboard
and the allocation report read them for every request, though they change only when a
programme is funded or closed, a framework changes or an actual is recorded. So each process
keeps the counts it last made under the key of the records (`state_key`, one statement of
index-backed aggregates) and makes them again when that key changes. The key is read from the
database at every request, so no process, and no node, ever serves counts older than the
records.

The key: the audit trail's head (every change made through the application records an event),
the funded programmes (how many, the sum of their ids, their latest `updated_at`: a framework
is frozen while its programme is funded, and a revision stamps the programme; counted over
every row in a funded state, which the index on status, `updated_at` and id answers alone),
the actuals (how many, the sum of their values, when the latest was recorded), the indicators
(how many, the highest id, the sums of their baselines and end targets), their targets (how
many, the sum of their values), the outcomes' objectives (how many), which objectives lie in
which thematic area (how many) and the off-track threshold. Only the counts of every funded
programme are kept: a call's, a period's or an earlier day's are made at each request, as
before.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from fund.audit.models import AuditEvent
from fund.extensions import db
from fund.kept import KeptByKey
from fund.proposals import status_rules
from fund.proposals.models import Proposal
from fund.proposals.results import (
    IndicatorActual,
    IndicatorTarget,
    ResultIndicator,
    result_outcome_objectives,
)
from fund.reference.models import objective_thematic_area

_KEPT: KeptByKey[dict] = KeptByKey(4)


def state_key(threshold: Decimal) -> tuple:
    """What the counts of every funded programme are made from, in one statement."""

    def scalars(*columns: Any, where: Any = None) -> list[Any]:
        query = select(*columns)
        if where is not None:
            query = query.where(where)
        return [query.with_only_columns(column).scalar_subquery() for column in columns]

    funded = status_rules.keyed_in(status_rules.FUNDED_STATES)
    row = db.session.execute(
        select(
            *scalars(func.max(AuditEvent.id)),
            *scalars(
                func.count(Proposal.id),
                func.sum(Proposal.id),
                func.max(Proposal.updated_at),
                where=funded,
            ),
            *scalars(
                func.count(IndicatorActual.indicator_id),
                func.sum(IndicatorActual.value),
                func.max(IndicatorActual.recorded_at),
            ),
            *scalars(
                func.count(ResultIndicator.id),
                func.max(ResultIndicator.id),
                func.sum(ResultIndicator.baseline_value),
                func.sum(ResultIndicator.end_target),
            ),
            *scalars(func.count(IndicatorTarget.indicator_id), func.sum(IndicatorTarget.value)),
            *scalars(func.count(result_outcome_objectives.c.outcome_id)),
            *scalars(func.count(objective_thematic_area.c.objective_number)),
        )
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

"""Saving a programme's results framework as the applicant typed it: the outcomes, their
outputs and indicators replace the stored ones in the caller's transaction (callers commit)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from fund.accounts.models import Organization, User
from fund.audit.operations import record
from fund.extensions import db, utcnow
from fund.labels import N_
from fund.proposals.models import Proposal
from fund.proposals.operations import EditRefused, check_editable, many
from fund.proposals.results import (
    BaselineSource,
    IndicatorTarget,
    ResultIndicator,
    ResultOutcome,
    ResultOutput,
)
from fund.reference.models import GcmObjective
from fund.reference.results import FundOutcome, MgiAssessment, MgiIndicator, SdgTarget


class StaleFramework(Exception):
    """The proposal changed since the form was opened (its version is not the one expected)."""


@dataclass
class IndicatorValues:
    """An indicator as typed, already parsed; None or empty means not given yet. `output` is
    the position (from 0) of the output it measures among its outcome's outputs, None for the
    outcome itself."""

    definition: str = ""
    unit: str = ""
    output: int | None = None
    baseline_value: Decimal | None = None
    baseline_year: int | None = None
    baseline_source: str | None = None
    baseline_link: str = ""
    mgi_indicator_id: int | None = None
    mgi_assessment_id: int | None = None
    targets: dict[int, Decimal] = field(default_factory=dict)
    end_target: Decimal | None = None
    by_sex: bool = False
    by_age: bool = False
    by_migration_status: bool = False
    means_of_verification: str = ""
    responsible_organization_id: int | None = None


@dataclass
class OutcomeValues:
    """An outcome as typed: its mappings, its outputs' titles and its indicators."""

    title: str = ""
    fund_outcome_id: int | None = None
    objective_numbers: list[int] = field(default_factory=list)
    sdg_codes: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    indicators: list[IndicatorValues] = field(default_factory=list)


def _one(model: type, key: Any) -> Any:
    """The row of `model` with this key (None without a key); refused when it does not exist."""
    if not key:
        return None
    row = db.session.get(model, key)
    if row is None:
        raise EditRefused(N_("Some of the chosen items do not exist."))
    return row


def _indicator(values: IndicatorValues, outputs: list[ResultOutput], position: int):
    source = values.baseline_source or None
    if source is not None and source not in BaselineSource.labels():
        raise EditRefused(N_("Choose the source of the baseline from the list."))
    if values.output is not None and not 0 <= values.output < len(outputs):
        raise EditRefused(N_("An indicator measures an output its outcome does not have."))
    mgi = source == BaselineSource.MGI
    return ResultIndicator(
        position=position,
        definition=values.definition.strip(),
        unit=values.unit.strip(),
        output=outputs[values.output] if values.output is not None else None,
        baseline_value=values.baseline_value,
        baseline_year=values.baseline_year,
        baseline_source=source,
        baseline_link=values.baseline_link.strip(),
        # The MGI references belong to an MGI baseline only (the table's check says so too).
        mgi_indicator=_one(MgiIndicator, values.mgi_indicator_id) if mgi else None,
        mgi_assessment=_one(MgiAssessment, values.mgi_assessment_id) if mgi else None,
        targets=[IndicatorTarget(year=y, value=v) for y, v in sorted(values.targets.items())],
        end_target=values.end_target,
        by_sex=values.by_sex,
        by_age=values.by_age,
        by_migration_status=values.by_migration_status,
        means_of_verification=values.means_of_verification.strip(),
        responsible_organization=_one(Organization, values.responsible_organization_id),
    )


def _outcome(values: OutcomeValues, position: int) -> ResultOutcome:
    outputs = [
        ResultOutput(title=title.strip(), position=number)
        for number, title in enumerate(values.outputs, start=1)
    ]
    return ResultOutcome(
        position=position,
        title=values.title.strip(),
        fund_outcome=_one(FundOutcome, values.fund_outcome_id),
        objectives=many(GcmObjective, values.objective_numbers),
        sdg_targets=many(SdgTarget, values.sdg_codes),
        outputs=outputs,
        indicators=[
            _indicator(indicator, outputs, number)
            for number, indicator in enumerate(values.indicators, start=1)
        ],
    )


def framework_rows(outcomes: list[OutcomeValues]) -> list[ResultOutcome]:
    """The rows of a results framework made from `outcomes`, numbered in their order (not yet
    a proposal's). Refused (EditRefused) when a chosen item does not exist."""
    return [_outcome(values, number) for number, values in enumerate(outcomes, start=1)]


def _check_fund_outcomes(proposal: Proposal, outcomes: list[OutcomeValues]) -> None:
    """A fund outcome no longer in use may stay where it is chosen, not be chosen anew."""
    kept = {o.fund_outcome_id for o in proposal.outcomes}
    wanted = {o.fund_outcome_id for o in outcomes if o.fund_outcome_id} - kept
    if wanted and db.session.scalar(
        select(FundOutcome.id).where(FundOutcome.id.in_(wanted), ~FundOutcome.active).limit(1)
    ):
        raise EditRefused(N_("Choose an outcome of the fund's framework that is in use."))


def save_framework(
    proposal: Proposal,
    outcomes: list[OutcomeValues],
    actor: User,
    expected_version: int | str | None,
    *,
    now: datetime | None = None,
) -> dict[str, int]:
    """Replace the results framework of a draft (proposal or concept note) by `outcomes`, gaps
    allowed; the proposal's version moves as when its form is saved. Refused (EditRefused) when
    the draft may not be edited or a chosen item does not exist, StaleFramework when the
    proposal is no longer at `expected_version`. Returns the counts recorded in the audit."""
    now = now or utcnow()
    check_editable(proposal, actor)
    if str(expected_version) != str(proposal.version):
        raise StaleFramework()
    _check_fund_outcomes(proposal, outcomes)
    proposal.outcomes = framework_rows(outcomes)
    proposal.updated_at = now  # the version counter moves with this UPDATE
    db.session.flush()
    counts = {
        "outcomes": len(outcomes),
        "outputs": sum(len(o.outputs) for o in outcomes),
        "indicators": sum(len(o.indicators) for o in outcomes),
    }
    record("proposal_results_saved", "proposal", proposal.id, actor, details=counts, now=now)
    return counts

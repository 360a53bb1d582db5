"""Recording the eligibility screening and managing each call's criteria. Callers commit."""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from fund.accounts.models import Role, User
from fund.audit.operations import add_recorded, record
from fund.calls.models import Call, Stage
from fund.extensions import db, utcnow
from fund.labels import N_
from fund.proposals.checks import Rules
from fund.proposals.models import Proposal
from fund.refusals import Refused
from fund.screening.guards import criteria_of
from fund.screening.models import CheckResult, ScreeningCheck, ScreeningCriterion
from fund.screening.results_check import findings as automatic_findings
from fund.sentences import Sentence, said
from workflows.proposal import SCREENING_STATE

CRITERIA_FILE = "screening_criteria.csv"
_RESULTS = frozenset(r.value for r in CheckResult)


class ScreeningError(Refused):
    """A screening edit that was refused (`fund.refusals.Refused`); `errors` maps a criterion id
    to its problem."""

    def __init__(
        self, message: str, errors: Mapping[int, str] | None = None, **values: Any
    ) -> None:
        super().__init__(message, **values)
        self.errors = dict(errors or {})


def _criteria_of(call_id: int, stages: tuple[str, ...] | None = None) -> list[ScreeningCriterion]:
    query = select(ScreeningCriterion).where(ScreeningCriterion.call_id == call_id)
    if stages is not None:
        query = query.where(ScreeningCriterion.stage.in_(stages))
    return list(
        db.session.scalars(
            query.order_by(
                ScreeningCriterion.stage, ScreeningCriterion.position, ScreeningCriterion.id
            )
        )
    )


def default_criteria(seed_dir: Path | str | None = None) -> list[dict[str, str]]:
    """The fund's default criteria (code, label, automatic, stage) from the seed CSV; a row
    without a stage is a full proposal's criterion."""
    directory = Path(seed_dir if seed_dir is not None else current_app.config["SEED_DIR"])
    with (directory / CRITERIA_FILE).open(newline="", encoding="utf-8") as handle:
        return [
            {
                "code": row["code"].strip(),
                "label": row["label"].strip(),
                "automatic": (row.get("automatic") or "").strip(),
                "stage": (row.get("stage") or "").strip() or Stage.FULL_PROPOSAL.value,
            }
            for row in csv.DictReader(handle)
            if (row.get("code") or "").strip()
        ]


def call_stages(call: Call) -> tuple[str, ...]:
    """The stages whose proposals a call screens: full proposals always (a concept-note-first
    call invites full proposals later), and concept notes in a concept-note-first call."""
    if call.takes_concept_notes:
        return (Stage.CONCEPT_NOTE.value, Stage.FULL_PROPOSAL.value)
    return (Stage.FULL_PROPOSAL.value,)


ALL_STAGES = "all"


def ensure_criteria(
    call: Call, seed_dir: Path | str | None = None, stage: str = Stage.FULL_PROPOSAL.value
) -> list[ScreeningCriterion]:
    """The call's criteria of `stage` (by default the full proposals'; ALL_STAGES: those of
    every stage the call screens, concept notes first), each stage's created from the
    defaults the first time it is needed (idempotent)."""
    stages = call_stages(call)
    have = set(
        db.session.scalars(
            select(ScreeningCriterion.stage).where(ScreeningCriterion.call_id == call.id).distinct()
        )
    )
    missing = [s for s in stages if s not in have]
    if missing:
        defaults = default_criteria(seed_dir)
        for wanted in missing:
            rows = [row for row in defaults if row["stage"] == wanted]
            for position, row in enumerate(rows, start=1):
                db.session.add(
                    ScreeningCriterion(
                        call_id=call.id,
                        code=row["code"],
                        label=row["label"],
                        position=position,
                        automatic=row["automatic"] or None,
                        active=True,
                        stage=wanted,
                    )
                )
        db.session.flush()
    return _criteria_of(call.id, stages if stage == ALL_STAGES else (stage,))


def criteria_for(proposal: Proposal) -> list[ScreeningCriterion]:
    """Every criterion (active or not) of the proposal's call for its stage, made on first use."""
    return ensure_criteria(proposal.call, stage=proposal.stage)


def suggestion(problems: list[str]) -> tuple[str, str]:
    """The (result, note) the system suggests from the problems it found for a criterion: the
    note in the language of the person it is suggested to (the page's; it is their draft), in
    English where there is no page."""
    if problems:
        return CheckResult.FAIL.value, " ".join(said(problem) for problem in problems)
    return CheckResult.PASS.value, ""


def prefill(proposal: Proposal, rules: Rules) -> dict[int, tuple[str, str]]:
    """The system's findings for the call's active automatic criteria: pass, or fail + why."""
    findings = automatic_findings(proposal, rules)
    return {
        criterion.id: suggestion(findings[criterion.automatic])
        for criterion in criteria_of(proposal)
        if criterion.automatic and criterion.automatic in findings
    }


def _require_secretariat(actor: User) -> None:
    if not actor.has_role(Role.SECRETARIAT):
        raise ScreeningError(N_("Only the secretariat screens proposals and edits their criteria."))


def record_checks(
    proposal: Proposal,
    actor: User,
    results: Mapping[int, tuple[str, str]],
    now: datetime | None = None,
) -> list[ScreeningCheck]:
    """Record (or correct) the checks of the proposal's current submission.

    `results` maps a criterion id to (result, note); a fail needs a note. Nothing is written
    when anything is refused. Returns the checks that changed (an audit event lists them).
    """
    _require_secretariat(actor)
    if proposal.status != SCREENING_STATE:
        if proposal.is_concept_note:
            message = N_(
                "Checks can be recorded only while the concept note is in screening; it is "
                "“%(status)s”."
            )
        else:
            message = N_(
                "Checks can be recorded only while the proposal is in screening; it is "
                "“%(status)s”."
            )
        raise ScreeningError(message, status=Sentence(proposal.status_label))
    now = now or utcnow()
    criteria = {c.id: c for c in criteria_of(proposal)}
    errors: dict[int, str] = {}
    cleaned: dict[int, tuple[str, str]] = {}
    for criterion_id, (result, note) in results.items():
        note = (note or "").strip()
        if criterion_id not in criteria:
            raise ScreeningError(
                N_("A criterion is not an active criterion of this call for this stage.")
            )
        if result not in _RESULTS:
            errors[criterion_id] = N_("Choose pass, fail or not applicable.")
        elif result == CheckResult.FAIL and not note:
            errors[criterion_id] = N_("Say why it fails: a fail needs a note.")
        else:
            cleaned[criterion_id] = (result, note)
    if errors:
        raise ScreeningError(N_("Some checks could not be saved."), errors)

    version = proposal.submission_number
    existing = {
        check.criterion_id: check
        for check in db.session.scalars(
            select(ScreeningCheck).where(
                ScreeningCheck.proposal_id == proposal.id,
                ScreeningCheck.version_number == version,
            )
        )
    }
    changed: list[ScreeningCheck] = []
    for criterion_id, (result, note) in cleaned.items():
        check = existing.get(criterion_id)
        if check is not None and (check.result, check.note) == (result, note):
            continue
        if check is None:
            check = ScreeningCheck(
                proposal_id=proposal.id, version_number=version, criterion_id=criterion_id
            )
            db.session.add(check)
        check.result, check.note = result, note
        check.checked_by_id, check.checked_at = actor.id, now
        changed.append(check)
    if not changed:
        return []
    db.session.flush()
    record(
        "screening_recorded",
        "proposal",
        proposal.id,
        actor,
        details={
            "submission": version,
            "results": {
                criteria[c.criterion_id].code: {"result": c.result, "note": c.note} for c in changed
            },
        },
        now=now,
    )
    return changed


def _code_for(call_id: int, label: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:32] or "criterion"
    taken = set(
        db.session.scalars(
            select(ScreeningCriterion.code).where(ScreeningCriterion.call_id == call_id)
        )
    )
    code, n = base, 1
    while code in taken:
        n += 1
        code = f"{base}_{n}"
    return code


def _criterion_details(criterion: ScreeningCriterion) -> dict[str, object]:
    """What the audit trail names of a criterion added, switched on or off, or removed."""
    return {"criterion": criterion.id, "code": criterion.code, "label": criterion.label}


def _append_criterion(
    call: Call,
    actor: User,
    stage: str,
    *,
    code: str,
    label: str,
    automatic: str | None = None,
    details: dict[str, object] | None = None,
    now: datetime | None = None,
) -> ScreeningCriterion:
    """A new active criterion at the end of the call's checklist of `stage`, audited
    (`screening_criterion_added`, with `details`)."""
    position = db.session.scalar(
        select(func.max(ScreeningCriterion.position)).where(
            ScreeningCriterion.call_id == call.id, ScreeningCriterion.stage == stage
        )
    )
    criterion = ScreeningCriterion(
        call_id=call.id,
        code=code,
        label=label,
        position=(position or 0) + 1,
        automatic=automatic,
        active=True,
        stage=stage,
    )
    staged = {"stage": stage} if stage != Stage.FULL_PROPOSAL else {}
    return add_recorded(
        criterion,
        "screening_criterion_added",
        "call",
        actor,
        subject_id=call.id,
        details=lambda added: _criterion_details(added) | (details or {}) | staged,
        now=now,
    )


def add_criterion(
    call: Call,
    label: str,
    actor: User,
    now: datetime | None = None,
    stage: str = Stage.FULL_PROPOSAL.value,
) -> ScreeningCriterion:
    """Add a criterion the secretariat checks by hand, at the end of the call's checklist of
    `stage`."""
    _require_secretariat(actor)
    label = (label or "").strip()
    if not label:
        raise ScreeningError(N_("Describe the criterion."))
    if stage not in call_stages(call):
        raise ScreeningError(N_("This call does not take concept notes."))
    criteria = ensure_criteria(call, stage=stage)
    if any(c.label.casefold() == label.casefold() for c in criteria):
        raise ScreeningError(N_("This call already has a criterion with that description."))
    return _append_criterion(
        call, actor, stage, code=_code_for(call.id, label), label=label, now=now
    )


def missing_defaults(call: Call) -> list[dict[str, str]]:
    """The fund's default criteria of the stages the call screens that the call lacks (by
    code): a default added to the fund after the call's checklist was made, for instance."""
    have = set(
        db.session.scalars(
            select(ScreeningCriterion.code).where(ScreeningCriterion.call_id == call.id)
        )
    )
    stages = call_stages(call)
    return [row for row in default_criteria() if row["stage"] in stages and row["code"] not in have]


def add_default_criterion(
    call: Call, code: str, actor: User, now: datetime | None = None
) -> ScreeningCriterion:
    """Add one of the fund's default criteria the call lacks (with its automatic check), at the
    end of its stage's checklist. The call's unique codes refuse a second one."""
    _require_secretariat(actor)
    ensure_criteria(call, stage=ALL_STAGES)
    row = next((r for r in missing_defaults(call) if r["code"] == code), None)
    if row is None:
        raise ScreeningError(
            N_("This call already has that criterion, or the fund has no such one.")
        )
    return _append_criterion(
        call,
        actor,
        row["stage"],
        code=row["code"],
        label=row["label"],
        automatic=row["automatic"] or None,
        details={"default": True},
        now=now,
    )


def set_criterion_active(
    criterion: ScreeningCriterion, active: bool, actor: User, now: datetime | None = None
) -> bool:
    """Switch a criterion on or off; an inactive one is no longer required. True if changed."""
    _require_secretariat(actor)
    if criterion.active == active:
        return False
    criterion.active = active
    db.session.flush()
    record(
        "screening_criterion_activated" if active else "screening_criterion_deactivated",
        "call",
        criterion.call_id,
        actor,
        details=_criterion_details(criterion),
        now=now,
    )
    return True


def check_count(criterion: ScreeningCriterion) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(ScreeningCheck)
        .where(ScreeningCheck.criterion_id == criterion.id)
    )


def remove_criterion(
    criterion: ScreeningCriterion, actor: User, now: datetime | None = None
) -> None:
    """Delete a criterion that was never used; one with recorded checks can only be deactivated."""
    _require_secretariat(actor)
    if check_count(criterion):
        raise ScreeningError(
            N_("This criterion has recorded checks and cannot be removed; deactivate it instead.")
        )
    others = db.session.scalar(
        select(func.count())
        .select_from(ScreeningCriterion)
        .where(
            ScreeningCriterion.call_id == criterion.call_id,
            ScreeningCriterion.stage == criterion.stage,
            ScreeningCriterion.id != criterion.id,
        )
    )
    if not others:
        raise ScreeningError(
            N_("A call keeps at least one criterion of each stage; deactivate it instead.")
        )
    details = _criterion_details(criterion)
    call_id = criterion.call_id
    db.session.delete(criterion)
    db.session.flush()
    record("screening_criterion_removed", "call", call_id, actor, details=details, now=now)

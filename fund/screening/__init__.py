"""Eligibility screening by the secretariat: a checklist per call, recorded per submission."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the screening guards of the proposal and concept note workflows (the same
    predicates: each reads the criteria of the row's own stage)."""
    from fund.proposals.guards import CONCEPT_NOTE_GUARDS, GUARDS
    from fund.screening import guards

    for registry in (GUARDS, CONCEPT_NOTE_GUARDS):
        registry.register(
            screening_recorded=guards.screening_recorded,
            screening_passed=guards.screening_passed,
        )

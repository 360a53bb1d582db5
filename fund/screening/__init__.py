"""Eligibility screening by the secretariat: a checklist per call, recorded per submission."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the screening guards of the proposal workflow."""
    from fund.proposals.guards import GUARDS
    from fund.screening import guards

    GUARDS.register(
        screening_recorded=guards.screening_recorded,
        screening_passed=guards.screening_passed,
    )

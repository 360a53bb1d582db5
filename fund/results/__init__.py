"""Results: the fund's results framework and the MGI reference the secretariat keeps (their
pages), results coverage by objective, thematic area, region and organization, with its flags,
and `flask fund results`."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register how the audit log names the results reference's records. Idempotent, as the
    other packages' `init_app`."""
    from fund.auditlog.subjects import SUBJECT_NAMERS
    from fund.results import audit_subjects

    SUBJECT_NAMERS.register(**audit_subjects.NAMERS)

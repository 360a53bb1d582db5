"""The fund's money: contributions, pools, allocations and disbursements."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the finance guards of the proposal workflow and the transfer schedule on the
    proposal page."""
    from fund.finance import closure, guards
    from fund.finance.schedule_page import programme_schedule
    from fund.proposals.guards import GUARDS
    from fund.proposals.page import PAGE

    GUARDS.register(
        funds_available=guards.funds_available,
        fully_disbursed_or_reason=guards.fully_disbursed_or_reason,
        final_reports_accepted_or_reason=closure.final_reports_accepted_or_reason,
    )
    PAGE.add_section(programme_schedule)

    # The audit log names the pledges and deposits by their codes.
    from fund.auditlog.subjects import SUBJECT_NAMERS
    from fund.finance import audit_subjects

    SUBJECT_NAMERS.register(**audit_subjects.NAMERS)

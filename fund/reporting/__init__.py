"""The programmes' reports after funding: the reporting schedule made at funding, the
narrative and financial reports the participating organizations submit, the secretariat's
acceptance or return, and the reads others need (`queries.reports_accepted_through`)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the report workflow's guards (and check them all there), make a programme's
    reporting schedule when it is funded (`proposal_transitioned`) and link a funded
    programme's page to its reports. Idempotent: blinker keeps one connection per receiver,
    and the page one provider, however many applications are created."""
    from fund.reporting import operations, workflow
    from fund.signals import proposal_transitioned

    workflow.GUARDS.register(**workflow.REPORT_GUARDS)
    workflow.ENGINE.check_guards()
    proposal_transitioned.connect(operations.on_proposal_transitioned, weak=False)

    # The funded programme's page links to its reports.
    from fund.proposals.page import PAGE
    from fund.reporting.page import programme_link

    PAGE.add_links(programme_link)

    # The tranche conditions of transfer requests read the reports.
    from fund.finance.tranche import REPORT_READERS
    from fund.reporting import tranche_facts

    REPORT_READERS.register(
        pending_reports=tranche_facts.pending_reports, reported_spent=tranche_facts.reported_spent
    )

    # The funding status counts the accepted financial reports' expenditure.
    from fund.finance.status import register_expenditure
    from fund.reporting.expenditure import accepted_expenditure

    register_expenditure(accepted_expenditure)

    # A programme's closure reads its accepted expenditure and its final reports, and plans
    # its reports again when it closes before its planned end.
    from fund.finance.closure import REPORTS
    from fund.reporting import closure_reads, replan

    REPORTS.provide(
        closure_reads.accepted_expenditure, closure_reads.final_reports, replan.after_closure
    )

    # The audit log names the programme reports by their kinds' labels.
    from fund.auditlog.subjects import SUBJECT_NAMERS
    from fund.reporting import audit_subjects

    SUBJECT_NAMERS.register(**audit_subjects.NAMERS)

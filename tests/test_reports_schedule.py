"""The reporting schedule: made from the settings when a programme is funded (once), its due
dates moved by the secretariat (audited), and `flask fund reports-due`."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from fund.audit.models import AuditEvent
from fund.extensions import db, utcnow
from fund.proposals.models import Proposal
from fund.reporting import operations, queries, schedule
from fund.reporting.models import ProgrammeReport
from tests.helpers import user

DEFAULTS = schedule.Settings(
    annual_narrative_due=(3, 31),
    annual_financial_due=(4, 30),
    final_narrative_months=3,
    final_financial_due=(4, 30),
)


def test_the_plan_of_a_programme_over_three_calendar_years():
    planned = schedule.plan(date(2026, 7, 1), date(2028, 6, 30), DEFAULTS)
    assert [(p.kind, p.period_start, p.period_end, p.year, p.due_on) for p in planned] == [
        ("annual_narrative", date(2026, 7, 1), date(2026, 12, 31), 2026, date(2027, 3, 31)),
        ("annual_financial", date(2026, 7, 1), date(2026, 12, 31), 2026, date(2027, 4, 30)),
        ("annual_narrative", date(2027, 1, 1), date(2027, 12, 31), 2027, date(2028, 3, 31)),
        ("annual_financial", date(2027, 1, 1), date(2027, 12, 31), 2027, date(2028, 4, 30)),
        ("final_narrative", date(2026, 7, 1), date(2028, 6, 30), 2028, date(2028, 9, 30)),
        ("final_financial", date(2028, 1, 1), date(2028, 6, 30), 2028, date(2029, 4, 30)),
    ]


def test_a_programme_within_one_year_owes_its_final_reports_only():
    planned = schedule.plan(date(2026, 2, 1), date(2026, 11, 30), DEFAULTS)
    assert [(p.kind, p.due_on) for p in planned] == [
        ("final_narrative", date(2027, 2, 28)),
        ("final_financial", date(2027, 4, 30)),
    ]


def test_the_settings_are_read_and_checked():
    read = schedule.settings_from(
        {
            "REPORT_ANNUAL_NARRATIVE_DUE": "02-28",
            "REPORT_ANNUAL_FINANCIAL_DUE": "05-31",
            "REPORT_FINAL_NARRATIVE_MONTHS": 6,
            "REPORT_FINAL_FINANCIAL_DUE": "06-30",
        }
    )
    assert read == schedule.Settings((2, 28), (5, 31), 6, (6, 30))
    with pytest.raises(ValueError, match="MM-DD"):
        schedule.settings_from({"REPORT_ANNUAL_NARRATIVE_DUE": "02-29"})
    assert schedule.settings_from({}) == DEFAULTS


def _reports(proposal_id: int) -> list[ProgrammeReport]:
    return db.session.scalars(
        select(ProgrammeReport)
        .where(ProgrammeReport.proposal_id == proposal_id)
        .order_by(ProgrammeReport.due_on, ProgrammeReport.kind)
    ).all()


def test_funding_makes_the_schedule_once(app, applicant, make_proposal):
    funded = make_proposal(applicant, status="funded")
    with app.app_context():
        proposal = db.session.get(Proposal, funded)
        start = proposal.planned_start
        reports = _reports(funded)
        end = date(start.year + 2, start.month, start.day) - timedelta(days=1)
        assert [(r.kind, r.period_start, r.period_end, r.due_on, r.status) for r in reports] == [
            (p.kind, p.period_start, p.period_end, p.due_on, "due")
            for p in schedule.plan(start, end, DEFAULTS)
        ]
        assert db.session.scalar(
            select(AuditEvent.id).where(
                AuditEvent.action == "report_schedule_made", AuditEvent.subject_id == str(funded)
            )
        )
        # Made once: asking again writes nothing.
        assert operations.make_schedule(proposal, utcnow().date()) == []
        assert len(_reports(funded)) == len(reports)


def test_a_programme_not_funded_has_no_schedule(app, applicant, make_proposal):
    approved = make_proposal(applicant, status="approved")
    with app.app_context():
        assert _reports(approved) == []


def test_the_schedule_follows_the_settings(app, applicant, make_proposal):
    app.config["REPORT_ANNUAL_NARRATIVE_DUE"] = "01-31"
    app.config["REPORT_FINAL_NARRATIVE_MONTHS"] = 1
    funded = make_proposal(applicant, status="funded")
    with app.app_context():
        reports = _reports(funded)
        annual = [r for r in reports if r.kind == "annual_narrative"]
        assert annual and all((r.due_on.month, r.due_on.day) == (1, 31) for r in annual)
        final = next(r for r in reports if r.kind == "final_narrative")
        assert final.due_on.month == (final.period_end.month % 12) + 1


def test_the_secretariat_moves_a_due_date_with_a_reason_audited(
    app, applicant, make_proposal, create_user
):
    funded = make_proposal(applicant, status="funded")
    staff = create_user(roles=("secretariat",), organization_acronym=None)
    with app.app_context():
        report = _reports(funded)[0]
        new_date = report.due_on + timedelta(days=30)
        with pytest.raises(operations.ReportRefused, match="reason"):
            operations.set_due_date(user(staff), report.id, new_date, "  ")
        with pytest.raises(operations.ReportRefused, match="Only the secretariat"):
            operations.set_due_date(user(applicant), report.id, new_date, "Why not")
        with pytest.raises(operations.ReportRefused, match="after its period ends"):
            operations.set_due_date(
                user(staff), report.id, report.period_end - timedelta(days=1), "Early"
            )
        old = report.due_on
        operations.set_due_date(user(staff), report.id, new_date, "Elections in the country")
        db.session.commit()
        assert db.session.get(ProgrammeReport, report.id).due_on == new_date
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "report_due_date_changed")
        )
        assert event.comment == "Elections in the country"
        assert event.details["from"] == old.isoformat()
        assert event.details["to"] == new_date.isoformat()


def test_overdue_is_derived_from_the_due_date():
    today = date(2027, 4, 1)
    assert queries.display_status("due", date(2027, 3, 31), today) == "overdue"
    assert queries.display_status("due", date(2027, 4, 1), today) == "due"
    assert queries.display_status("submitted", date(2027, 3, 31), today) == "submitted"
    # Returned for changes after its due date, the programme still owes it: overdue too.
    assert queries.display_status("returned", date(2027, 3, 31), today) == "overdue_returned"
    assert queries.display_status("returned", date(2027, 4, 1), today) == "returned"


def test_reports_due_command(app, applicant, make_proposal):
    funded = make_proposal(applicant, status="funded")
    with app.app_context():
        first = _reports(funded)[0]
        first.due_on = utcnow().date() - timedelta(days=1)
        db.session.commit()
        reference = db.session.get(Proposal, funded).reference
        expected = {
            "programme": reference,
            "kind": first.kind,
            "period": first.period,
            "due": first.due_on.isoformat(),
            "status": "overdue",
        }
    runner = app.test_cli_runner()
    result = runner.invoke(args=["fund", "reports-due", "--format", "json"])
    assert result.exit_code == 0, result.output
    reports = json.loads(result.output)["reports"]
    assert reports[0] == expected
    assert {row["status"] for row in reports[1:]} == {"due"}
    text = runner.invoke(args=["fund", "reports-due", "--format", "text"])
    assert text.exit_code == 0 and reference in text.output and "overdue" in text.output

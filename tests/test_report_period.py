"""A report tells what its period did: it is submitted from its period's first day (UTC), never
before, whatever it holds; until then its staff fill it and save it, and its page says from which
day it can be submitted instead of offering to submit it.

The programme: made by `make_proposal` and funded today, it starts in 60 days
(tests/factories.py `fill_complete`), so none of its reports' periods has begun."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from html import unescape

import pytest
from sqlalchemy import select

from fund.days import in_words
from fund.extensions import db
from fund.proposals.results import ResultIndicator, ResultOutcome
from fund.reporting import operations
from fund.reporting.models import ProgrammeReport
from tests.helpers import client_for, first_report, form_keys, user


def _filled_narrative(proposal_id: int, author) -> ProgrammeReport:
    """The programme's first annual narrative report with everything a submission needs."""
    report = first_report(proposal_id, "annual_narrative")
    outcomes = db.session.scalars(
        select(ResultOutcome.id).where(ResultOutcome.proposal_id == proposal_id)
    ).all()
    indicators = db.session.scalars(
        select(ResultIndicator.id).where(ResultIndicator.outcome_id.in_(outcomes))
    ).all()
    operations.save_narrative(
        user(author),
        report.id,
        dict.fromkeys(indicators, Decimal("42")),
        dict.fromkeys(outcomes, "Progress as planned."),
        "Elections may delay the work.",
    )
    db.session.commit()
    return report


def test_a_report_is_submitted_from_the_first_day_of_its_period(app, author, make_proposal):
    proposal_id = make_proposal(author, status="funded")
    with app.app_context():
        report = _filled_narrative(proposal_id, author)
        first_day = datetime.combine(report.period_start, time(0), UTC)
        for now in (None, first_day - timedelta(seconds=1)):  # today; the day before
            with pytest.raises(operations.ReportRefused) as refused:
                operations.fire(user(author), report.id, "submit", now=now)
            db.session.rollback()
            assert str(refused.value) == (
                "The report can be submitted from "
                f"{in_words(report.period_start)}, the first day of its period."
            )
            assert db.session.get(ProgrammeReport, report.id).status == "due"
        operations.fire(user(author), report.id, "submit", now=first_day)
        db.session.commit()
        assert db.session.get(ProgrammeReport, report.id).status == "submitted"


def test_the_page_says_when_the_report_can_be_submitted(app, author, make_proposal):
    proposal_id = make_proposal(author, status="funded")
    with app.app_context():
        report = _filled_narrative(proposal_id, author)
        report_id, first_day = report.id, in_words(report.period_start)
    path = f"/programme-reports/{report_id}"
    staff = client_for(app, author)
    page = unescape(staff.get(path).get_data(as_text=True))
    assert f"The report can be submitted from {first_day}, the first day of its period." in page
    assert "Until then, you can fill the report and save it." in page
    assert "Submit the report</button>" not in page
    # Sent anyway (an old page, another tab): saved, not submitted, and said why.
    form = {**form_keys(staff, path, path), "risks": "Floods in the north.", "action": "submit"}
    sent = staff.post(path, data=form)
    said = unescape(sent.get_data(as_text=True))
    assert sent.status_code == 400
    assert "Your changes are saved, but the report is not submitted." in said
    assert f"The report can be submitted from {first_day}" in said
    with app.app_context():
        report = db.session.get(ProgrammeReport, report_id)
        assert (report.status, report.risks) == ("due", "Floods in the north.")

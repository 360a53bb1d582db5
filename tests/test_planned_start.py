"""The planned start at submission: not past (UTC) nor more than `PLANNED_START_HORIZON_MONTHS`
ahead, named in the readiness panel with a link to its field while a draft may hold it; and the
results framework's yearly targets within the programme's calendar years."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from fund.days import add_months
from fund.extensions import db, utcnow
from fund.proposals.checks import submission_problems
from fund.proposals.models import Proposal
from fund.proposals.operations import rules_from_config
from tests.factories import submit
from tests.helpers import edit_form, login
from workflows import TransitionRefused

SECTIONS_DONE = "(9 of 9 complete)"


def _problems(app, proposal_id: int, today: date | None, field: str = "planned_start") -> list:
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        found = submission_problems(proposal, rules_from_config(app.config, today))
        return [problem for problem in found if problem.field == field]


def test_a_planned_start_in_the_past_or_too_far_ahead_is_named_at_its_field(
    app, applicant, make_proposal
):
    today = utcnow().date()
    past = make_proposal(applicant, planned_start=date(2020, 1, 1))
    far = make_proposal(applicant, planned_start=date(2099, 1, 1))
    edge = make_proposal(applicant, planned_start=add_months(today, 36))
    assert [(p.field, p.message) for p in _problems(app, past, today)] == [
        (
            "planned_start",
            "The planned start (1 January 2020) has passed: choose today or a later day.",
        )
    ]
    latest = add_months(today, 36)
    assert [(p.field, p.message) for p in _problems(app, far, today)] == [
        (
            "planned_start",
            "The planned start (1 January 2099) is more than 36 months ahead: choose a day no "
            f"later than {latest.day} {latest:%B %Y}.",
        )
    ]
    assert _problems(app, edge, today) == []
    # Screening (no day given) does not judge it; the horizon is a setting.
    assert _problems(app, past, None) == []
    app.config["PLANNED_START_HORIZON_MONTHS"] = 12 * 80
    try:
        assert _problems(app, far, today) == []
    finally:
        app.config["PLANNED_START_HORIZON_MONTHS"] = 36
    with app.app_context():
        proposal = db.session.get(Proposal, far)
        with pytest.raises(TransitionRefused) as refused:
            submit(proposal, applicant)
        assert list(refused.value.problems)[:1] == [
            "The planned start (1 January 2099) is more than 36 months ahead: choose a day no "
            f"later than {latest.day} {latest:%B %Y}."
        ]
        db.session.rollback()
        assert db.session.get(Proposal, far).status == "draft"


def test_the_editor_saves_the_date_but_is_not_ready_to_submit(client, applicant, make_proposal):
    proposal_id = make_proposal(applicant)
    login(client, applicant.email)
    page = client.get(f"/proposals/{proposal_id}/edit").get_data(as_text=True)
    assert SECTIONS_DONE in page
    form = edit_form(client, proposal_id) | {"planned_start": "2099-01-01"}
    assert client.post(f"/proposals/{proposal_id}/edit", data=form).status_code == 302
    page = client.get(f"/proposals/{proposal_id}/edit").get_data(as_text=True)
    assert SECTIONS_DONE not in page
    missing = page[page.index('id="submit-missing"') :]
    missing = missing[: missing.index("</ul>")]
    assert '<a href="#planned_start">The planned start (1 January 2099) is more than' in missing
    detail = client.get(f"/proposals/{proposal_id}").get_data(as_text=True)
    assert "The planned start (1 January 2099) is more than 36 months ahead" in detail


def test_targets_left_outside_the_programmes_years_are_named(app, applicant, make_proposal):
    today = utcnow().date()
    start = today + timedelta(days=60)
    proposal_id = make_proposal(applicant, planned_start=start, duration_months=12)
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        years = [t.year for t in proposal.outcomes[0].indicators[0].targets]
        assert years, "the complete proposal has yearly targets"
        # The start moved on five years: every target is now outside the programme's years.
        proposal.planned_start = start.replace(year=start.year + 5)
        db.session.commit()
    found = _problems(app, proposal_id, today, "results")
    first = start.year + 5
    last = (add_months(start.replace(year=first), 12) - timedelta(days=1)).year
    assert [p.message for p in found] == [
        f"Indicator 1.1 has a target for {year}, outside the programme's years ({first} to "
        f"{last}): clear it or give it to one of them."
        for year in years
    ]

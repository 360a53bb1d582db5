"""A revision's dates: a no-cost extension moves the end date at most the set number of months
(`REVISION_MAX_EXTENSION_MONTHS`), and each budget line of a reallocation falls in one of the
programme's years under the revised dates; each refused at its field, nothing saved."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from fund.days import add_months
from fund.extensions import db
from fund.proposals.models import Proposal
from fund.revisions import operations
from fund.revisions.models import Revision
from fund.revisions.operations import LineValues, RevisionRefused, RevisionValues
from fund.revisions.workflow import programme_end
from tests.conftest import PreparedDatabase, engine_of
from tests.factories import funded_programme
from tests.helpers import csrf_token, login, org_id, user

D = Decimal


@pytest.fixture(scope="module")
def prepared_programme(request) -> PreparedDatabase:
    return PreparedDatabase(request, funded_programme)


@pytest.fixture
def programme(request, prepared_programme):
    """A funded ILO-IOM programme of 24 months (two programme years); its people."""
    return dict(prepared_programme.data(engine_of(request)))


def _month_end(proposal_id: int, months: int):
    start, _ = programme_end(db.session.get(Proposal, proposal_id))
    return add_months(start, months) - timedelta(days=1)


def test_an_extension_goes_at_most_the_set_months_beyond_the_end(app, programme):
    with app.app_context():
        revision = operations.start(user(programme["ilo"]), programme["proposal"])
        db.session.commit()
        too_far = RevisionValues(
            justification="x", extension=True, new_end_date=_month_end(programme["proposal"], 49)
        )
        with pytest.raises(RevisionRefused, match="at most 24 months") as refused:
            operations.save(user(programme["ilo"]), revision.id, too_far)
        assert refused.value.field == "new_end_date"
        latest = _month_end(programme["proposal"], 48)
        assert f"no later than {latest.day} {latest:%B %Y}" in str(refused.value)
        db.session.rollback()
        app.config["REVISION_MAX_EXTENSION_MONTHS"] = 30
        try:
            operations.save(user(programme["ilo"]), revision.id, too_far)
        finally:
            app.config["REVISION_MAX_EXTENSION_MONTHS"] = 24
        db.session.commit()
        assert db.session.get(Revision, revision.id).new_duration_months == 49


def test_a_budget_line_in_a_year_outside_the_revised_programme_is_refused(app, programme):
    with app.app_context():
        revision = operations.start(user(programme["ilo"]), programme["proposal"])
        db.session.commit()
        line = LineValues(org_id("ILO"), 6, 1, D("600000"), year=3)
        values = RevisionValues(justification="x", budget=True, lines=[line])
        with pytest.raises(RevisionRefused, match="years are 1 to 2") as refused:
            operations.save(user(programme["ilo"]), revision.id, values)
        assert refused.value.field == "budget"
        db.session.rollback()
        # With the end date moved into a third year, year 3 belongs to the programme.
        values.extension, values.new_end_date = True, _month_end(programme["proposal"], 30)
        operations.save(user(programme["ilo"]), revision.id, values)
        db.session.commit()
        assert [line.year for line in db.session.get(Revision, revision.id).budget_lines] == [3]


def test_the_page_refuses_a_far_end_date_and_a_year_99_at_their_fields(app, client, programme):
    with app.app_context():
        revision = operations.start(user(programme["ilo"]), programme["proposal"])
        db.session.commit()
        revision_id = revision.id
    login(client, programme["ilo"].email)
    url = f"/revisions/{revision_id}"
    form = {
        "csrf_token": csrf_token(client, url),
        "rows": "3",
        "justification": "Typed words.",
        "kind": ["extension"],
        "new_end_date": "2099-12-31",
    }
    answer = client.post(url, data=form)
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert "moves the end date by at most 24 months" in page
    assert 'value="2099-12-31"' in page and "Typed words." in page
    ilo = str(programme["ilo"].organization_id)
    form |= {"kind": ["budget"], "line-0-organization": ilo, "line-0-objective": "6"}
    form |= {"line-0-category": "1", "line-0-year": "99", "line-0-amount": "10"}
    form |= {"line-1-organization": ilo, "line-1-objective": "6", "line-1-category": "4"}
    form |= {"line-1-year": "0", "line-1-amount": "5"}
    answer = client.post(url, data=form)
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert (
        'id="line-0-year-error">The programme&#39;s years are 1 to 2 with the revised dates' in page
    )
    assert 'id="line-1-year-error">The programme year is a whole number' in page
    assert 'value="99"' in page
    with app.app_context():
        saved = db.session.get(Revision, revision_id)
        assert (saved.justification, saved.new_end_date, saved.budget_lines) == ("", None, [])

"""The results framework editor's error summary names each yearly target by the year it is
for, so two bad targets give two different lines that say which year to correct."""

from __future__ import annotations

from fund.extensions import db
from fund.proposals.models import Proposal
from tests.helpers import client_for
from tests.results_factories import add_framework
from tests.test_results_editor import _framework, _path, draft  # noqa: F401 - the fixture


def test_each_bad_target_is_named_by_its_year_in_the_summary(app, author, draft):  # noqa: F811
    owner = client_for(app, author)
    with app.app_context():
        add_framework(db.session.get(Proposal, draft))
        db.session.commit()
        data = _framework(
            owner,
            draft,
            outcomes__0__indicators__0__targets__0__value="ten",
            outcomes__0__indicators__0__targets__1__value="1e400",
        )
    response = owner.post(_path(draft), data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    for year in (2027, 2028):
        assert f"Outcome 1, indicator 1, target for {year}: Enter the target as a number" in page
    assert "target target" not in page
    for typed in ("ten", "1e400"):
        assert f'value="{typed}"' in page

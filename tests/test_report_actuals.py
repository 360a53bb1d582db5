"""The actuals a programme's lead organization types on a narrative report: a value its
indicator's unit does not allow (an MGI score is 0, 1 or 2), too many digits, or more decimals
than are kept are refused at the field, named by their indicator in the summary, with what was
typed kept and nothing saved; the label says the unit once.

The programme (tests.test_programme_reports.programme): funded, ILO leading with IOM taking
part."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from fund.extensions import db
from fund.proposals.results import ResultIndicator, ResultOutcome
from fund.reporting.models import ReportActual
from tests.helpers import csrf_token, first_report, login
from tests.test_programme_reports import (  # noqa: F401 - the fixtures
    prepared_programme,
    programme,
)

MGI = "Migrant workers' labour rights in law (MGI score: 0 absent, 1 partial, 2 complete)"


@pytest.fixture
def mgi_report(app, programme):  # noqa: F811 - the fixture imported above
    """The first narrative report's path, the field of an indicator scored as the MGI, the
    report's year and the lead organization's staff member who fills it."""
    with app.app_context():
        report = first_report(programme["proposal"], "annual_narrative")
        outcome = db.session.scalars(
            select(ResultOutcome).where(ResultOutcome.proposal_id == programme["proposal"])
        ).first()
        indicator = ResultIndicator(definition=MGI, unit="MGI score")
        outcome.indicators.append(indicator)
        db.session.commit()
        path, field = f"/programme-reports/{report.id}", f"actual-{indicator.id}"
        return path, field, report.year, programme["ilo"].email


def _post(client, path: str, field: str, typed: str):
    return client.post(path, data={"csrf_token": csrf_token(client, path), field: typed})


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("-1", "“-1” is not an MGI score: enter 0 (absent), 1 (partial) or 2 (complete)."),
        ("3", "“3” is not an MGI score: enter 0 (absent), 1 (partial) or 2 (complete)."),
        ("1.5", "“1.5” is not an MGI score: enter 0 (absent), 1 (partial) or 2 (complete)."),
        (
            "99999999999999999999",
            "“99999999999999999999” is too large: a value has at most 12 digits before the point.",
        ),
        ("20.123456", "“20.123456” has too many decimals: a value has at most 4."),
        ("abc", "“abc” is not a number: use digits, e.g. 1250.5."),
    ],
)
def test_a_bad_actual_is_refused_named_by_its_indicator(app, client, mgi_report, typed, said):
    path, field, _, staff = mgi_report
    login(client, staff)
    response = _post(client, path, field, typed)
    assert response.status_code == 400, typed
    page = response.get_data(as_text=True).replace("&#39;", "'")
    summary = page[page.index('class="error-summary"') :]
    summary = summary[: summary.index("</div>")]
    assert f'<a href="#{field}">{MGI}: {said}</a>' in summary
    assert f'value="{typed}"' in page  # kept as typed
    with app.app_context():
        assert not db.session.scalars(select(ReportActual)).all()


def test_the_scores_and_the_values_kept_exactly_are_saved(app, client, mgi_report):
    path, field, _, staff = mgi_report
    login(client, staff)
    for typed in ("0", "1", "2", "2.0000"):
        assert _post(client, path, field, typed).status_code == 302, typed
        with app.app_context():
            (actual,) = db.session.scalars(select(ReportActual)).all()
            assert actual.value == Decimal(typed)


def test_the_label_says_the_unit_once(app, client, mgi_report):
    path, field, year, staff = mgi_report
    login(client, staff)
    page = client.get(path).get_data(as_text=True).replace("&#39;", "'")
    assert f'<label for="{field}">{MGI}: actual in {year}</label>' in page


def test_an_mgi_scores_hint_names_the_three_scores(app, client, mgi_report):
    """An MGI score is 0, 1 or 2: its hint says so, not "a number, e.g. 12.5", which it
    refuses; another indicator's hint still asks for a number."""
    path, field, _, staff = mgi_report
    login(client, staff)
    page = client.get(path).get_data(as_text=True)
    hint = re.search(rf'<p class="hint" id="{field}-hint">(.*?)</p>', page, re.S)
    assert hint and "An MGI score: 0 (absent), 1 (partial) or 2 (complete)." in hint.group(1)
    assert "A number" not in hint.group(1)
    assert "A number, e.g." in page


def test_the_spanish_report_page_tells_its_due_date_from_its_status(app, client, mgi_report):
    """The due date's label is "Fecha límite", not "Pendiente", the status "due"; a count of
    missing values reads right with one ("faltan 1" is wrong)."""
    from flask_babel import force_locale

    from fund.sentences import N_, Sentence, said

    path, _field, _year, staff = mgi_report
    login(client, staff)
    client.get("/?lang=es")
    page = client.get(path).get_data(as_text=True)
    assert "<dt>Fecha límite</dt>" in page and "<dt>Pendiente</dt>" not in page
    with app.test_request_context(), force_locale("es"):
        for message in (
            "Enter the actual of every indicator (%(count)s missing).",
            "Write the narrative of every outcome (%(count)s missing).",
        ):
            assert "faltan 1" not in said(Sentence(N_(message), count=1))

"""The demo set's results: frameworks on the demo programmes (every full proposal that reached
screening meets the results criterion), one budgeted objective of the funded programme without
an indicator, indicators without baseline, actuals on and off track, demo MGI entries clearly
labelled, and the demo's IATI file valid with its results; loading twice adds nothing."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from lxml import etree
from sqlalchemy import func, select

from fund.extensions import db
from fund.proposals.models import BudgetLine, Proposal
from fund.proposals.results import IndicatorActual, ResultIndicator, ResultOutcome
from fund.reference.results import MgiAssessment, MgiIndicator
from fund.screening.results_check import results_framework_problems

SCHEMA = (
    Path(__file__).resolve().parent.parent
    / "fund/reports/schemas/iati-2.03/iati-activities-schema.xsd"
)
SCREENED = {"screening", "returned", "ineligible", "committee_review", "approved", "funded"}


def _result_rows() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (ResultOutcome, ResultIndicator, IndicatorActual, MgiIndicator, MgiAssessment)
    )


def test_demo_programmes_have_results_that_show_every_flag(app, runner, client, prepared_demo):
    result = prepared_demo.data("sqlite")  # `flask fund seed --demo`, run once per worker
    assert result.exit_code == 0, result.output
    with app.app_context():
        rows = _result_rows()
        proposals = db.session.scalars(select(Proposal)).all()
        full = [p for p in proposals if not p.is_concept_note]
        for proposal in full:
            if proposal.status in SCREENED:
                assert results_framework_problems(proposal) == [], proposal.title
        notes = [p for p in proposals if p.is_concept_note and p.status == "pipeline"]
        assert notes and all(note.outcomes for note in notes)

        (funded,) = [p for p in full if p.status == "funded"]
        budgeted = set(
            db.session.scalars(
                select(BudgetLine.objective_number).where(BudgetLine.proposal_id == funded.id)
            )
        )
        mapped = {o.number for outcome in funded.outcomes for o in outcome.objectives}
        assert budgeted - mapped == {22}  # funded money without results

        counted = [p for p in full if p.status in ("funded", "approved", "committee_review")]
        indicators = [i for p in counted for o in p.outcomes for i in o.indicators]
        assert any(not i.has_baseline for i in indicators)

        shares = []
        for outcome in funded.outcomes:
            for indicator in outcome.indicators:
                targets = {t.year: t.value for t in indicator.targets}
                shares += [a.value / targets[a.year] for a in indicator.actuals]
        assert len(shares) == 2
        assert min(shares) < Decimal("0.5") <= max(shares)  # one off track, one on track

        mgi = db.session.scalars(select(MgiIndicator)).all()
        assert mgi and all(i.code.startswith("DEMO-") for i in mgi)
        assert all(i.text.startswith("Demo entry: ") for i in mgi)
        assessments = db.session.scalars(select(MgiAssessment)).all()
        assert {a.link for a in assessments} == {
            "https://www.migrationdataportal.org/overviews/mgi"
        }
        assert any(score.is_gap for a in assessments for score in a.scores)
        from_mgi = [i for i in indicators if i.baseline_source == "mgi"]
        assert from_mgi
        for indicator in from_mgi:
            assert indicator.mgi_indicator is not None
            assert indicator.mgi_assessment.year == indicator.baseline_year

    response = client.get("/open-data/iati.xml")
    assert response.status_code == 200
    document = etree.fromstring(response.data)
    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    assert schema.validate(document), schema.error_log
    # The funded programme's outcome (2) and outputs (1), then the closed programme's outcome.
    assert [r.get("type") for r in document.iter("result")] == ["2", "1", "1", "2"]
    assert document.xpath("//result/indicator/period/actual/@value") == ["30", "300"]

    again = runner.invoke(args=["fund", "seed", "--demo"])
    assert again.exit_code == 0, again.output
    with app.app_context():
        assert _result_rows() == rows

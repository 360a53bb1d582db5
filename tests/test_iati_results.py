"""Results in the IATI export: each funded programme's outcomes (type 2) and outputs with
indicators of their own (type 1), each indicator with its measure, baseline and a period per
year with its target and actual; valid against the IATI 2.03 schema, read in a fixed number of
statements, and a new actual gives new files."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select

from fund.days import last_day
from fund.extensions import db
from fund.proposals.models import Proposal
from fund.proposals.results import IndicatorActual
from fund.reference.results import MgiAssessment, MgiScore
from fund.reports import queries
from fund.reports.iati_results import indicator_measure, number_text
from tests.helpers import count_statements
from tests.results_factories import add_indicator, add_outcome, mgi_gap

SCHEMA = (
    Path(__file__).resolve().parent.parent
    / "fund"
    / "reports"
    / "schemas"
    / "iati-2.03"
    / "iati-activities-schema.xsd"
)
D = Decimal


@dataclass
class Programmes:
    framed: int  # funded, with two outcomes (see _frame)
    bare: int  # funded, with no results framework


def _frame(proposal: Proposal) -> None:
    """Outcome 1 (objective 6, FO4, SDG 8.8 and 10.7.1): a percentage with yearly targets and an
    actual, a count sought lower than its baseline with an MGI baseline and only an end
    target, and an output with an indicator of its own. Outcome 2: no indicator of its own,
    one output with one."""
    proposal.outcomes.clear()
    db.session.flush()
    fair = add_outcome(proposal, "Migrant workers are recruited fairly")
    add_indicator(
        fair,
        "Share of migrant workers who paid no recruitment fee",
        unit="%",
        baseline=D("20"),
        baseline_year=2025,
        targets={2027: D("40.5"), 2028: D("60")},
        end_target=D("60"),
        actuals={2027: D("35.25")},
    )
    cost = add_indicator(
        fair,
        "Recruitment cost in months of wages",
        unit="months",
        baseline=D("3"),
        baseline_year=2023,
        source="mgi",
        targets={},
        end_target=D("1"),
    )
    gap = db.session.scalars(select(MgiScore)).first() or mgi_gap("CL", "MGI-1.1", year=2023)
    cost.mgi_indicator = gap.indicator
    cost.mgi_assessment = db.session.get(MgiAssessment, gap.assessment_id)
    cost.baseline_link = "https://example.org/mgi/cl-2023"
    cost.by_sex = cost.by_migration_status = True
    cost.means_of_verification = "Labour force survey."
    add_indicator(
        fair,
        "Recruitment agencies certified",
        unit="agencies",
        baseline=None,
        targets={2027: D("10")},
        end_target=D("25"),
        output=fair.outputs[0],
    )
    helpline = add_outcome(
        proposal,
        "Workers know their rights",
        fund_outcome_code=None,
        sdg=(),
        outputs=("Helpline opened",),
    )
    add_indicator(
        helpline,
        "Calls answered",
        unit="calls",
        baseline=None,
        targets={2027: D("1000")},
        end_target=None,
        output=helpline.outputs[0],
    )


@pytest.fixture
def programmes(app, create_user, make_proposal) -> Programmes:
    author = create_user(roles=("applicant",), organization_acronym="ILO")
    framed = make_proposal(author, status="funded", title="Framed", allocated_on=date(2026, 1, 5))
    bare = make_proposal(author, status="funded", title="Bare", allocated_on=date(2026, 1, 5))
    with app.app_context():
        _frame(db.session.get(Proposal, framed))
        unframed = db.session.get(Proposal, bare)
        unframed.outcomes.clear()
        db.session.commit()
    return Programmes(framed, bare)


def _activity(content: bytes, proposal_id: int) -> etree._Element:
    root = etree.fromstring(content)
    (found,) = root.xpath(f"iati-activity[iati-identifier='XM-DAC-41114-MIG00-P{proposal_id:05d}']")
    return found


def _period(element: etree._Element) -> tuple[str, str, str | None, str | None]:
    target, actual = element.find("target"), element.find("actual")
    return (
        element.find("period-start").get("iso-date"),
        element.find("period-end").get("iso-date"),
        None if target is None else target.get("value"),
        None if actual is None else actual.get("value"),
    )


def test_results_are_published_valid_with_their_indicators(app, backend, client, programmes):
    response = client.get("/open-data/iati.xml")
    assert response.status_code == 200
    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    assert schema.validate(etree.fromstring(response.data)), schema.error_log

    activity = _activity(response.data, programmes.framed)
    results = activity.findall("result")
    assert [(r.get("type"), r.findtext("title/narrative")) for r in results] == [
        ("2", "Migrant workers are recruited fairly"),
        ("1", "Recruitment agencies trained"),
        # The second outcome has no indicator of its own: only its output is published.
        ("1", "Helpline opened"),
    ]
    # Results follow the transactions, the last elements the activity has here.
    assert activity[-4].tag == "transaction" and activity[-3].tag == "result"

    outcome = results[0]
    assert [child.tag for child in outcome] == [
        "title",
        "description",
        "reference",
        "indicator",
        "indicator",
    ]
    assert outcome.findtext("description/narrative") == (
        "Contributes to the fund's outcome FO4: Pathways for regular migration and decent work "
        "are expanded, and the development effects of human mobility are enhanced. "
        "GCM objectives: 6. SDG targets: 8.8, 10.7.1."
    )
    reference = outcome.find("reference")
    assert (reference.get("code"), reference.get("vocabulary")) == ("FO4", "99")

    share, cost = outcome.findall("indicator")
    assert (share.get("measure"), share.get("ascending")) == ("2", "1")
    assert share.findtext("title/narrative") == (
        "Share of migrant workers who paid no recruitment fee"
    )
    assert [child.tag for child in share] == [
        "title",
        "description",
        "baseline",
        "period",
        "period",
    ]
    assert share.findtext("description/narrative") == "Unit: %. End target: 60%."
    baseline = share.find("baseline")
    assert dict(baseline.attrib) == {"year": "2025", "iso-date": "2025-01-01", "value": "20"}
    assert baseline.findtext("comment/narrative") == "Source: National statistic."
    assert [_period(p) for p in share.findall("period")] == [
        ("2027-01-01", "2027-12-31", "40.5", "35.25"),
        ("2028-01-01", "2028-12-31", "60", None),
    ]

    # Sought lower than its baseline: descending. Its only target is its end target, over the
    # programme's planned period.
    assert (cost.get("measure"), cost.get("ascending")) == ("1", "0")
    assert cost.findtext("description/narrative") == (
        "Unit: months. End target: 1 months. Disaggregated by sex, migration status. "
        "Means of verification: Labour force survey."
    )
    assert cost.find("baseline").get("value") == "3"
    assert cost.find("baseline/comment/narrative").text == (
        "Source: Migration Governance Indicator (MGI) of the country: MGI-1.1, assessment of "
        "2023 (CL). https://example.org/mgi/cl-2023"
    )
    with app.app_context():
        framed = db.session.get(Proposal, programmes.framed)
        start = framed.planned_start
        end = last_day(start, framed.duration_months)
    assert [_period(p) for p in cost.findall("period")] == [
        (start.isoformat(), end.isoformat(), "1", None)
    ]

    agencies = results[1].find("indicator")
    assert results[1].findtext("description/narrative") == (
        "An output of the outcome: Migrant workers are recruited fairly"
    )
    assert agencies.find("baseline") is None  # no baseline recorded: none published
    assert [_period(p) for p in agencies.findall("period")] == [
        ("2027-01-01", "2027-12-31", "10", None)
    ]

    assert _activity(response.data, programmes.bare).find("result") is None


def test_results_are_read_in_a_fixed_number_of_statements(
    app, create_user, make_proposal, programmes
):
    before = count_statements(app, queries.funded_programmes)
    author = create_user(roles=("applicant",), organization_acronym="ILO")
    for n in range(3):
        added = make_proposal(
            author, status="funded", title=f"More {n}", allocated_on=date(2026, 1, 5)
        )
        with app.app_context():
            _frame(db.session.get(Proposal, added))
            db.session.commit()
    with app.app_context():
        found = {p.proposal_id: p for p in queries.funded_programmes()}
        assert sum(len(p.results) for p in found.values()) == 8  # 2 outcomes x 4 programmes
        assert found[programmes.bare].results == ()
    assert count_statements(app, queries.funded_programmes) == before


def test_a_new_actual_changes_the_files(app, client, programmes, tmp_path):
    app.config["OPEN_DATA_CACHE_DIR"] = str(tmp_path / "open-data-cache")
    first = _activity(client.get("/open-data/iati.xml").data, programmes.framed)
    assert first.xpath("result/indicator/period/actual/@value") == ["35.25"]
    with app.app_context():
        indicator = db.session.get(Proposal, programmes.framed).outcomes[0].indicators[0]
        db.session.add(IndicatorActual(indicator_id=indicator.id, year=2028, value=D("61")))
        db.session.commit()
        recorded = db.session.get(IndicatorActual, (indicator.id, 2028)).recorded_at
    again = _activity(client.get("/open-data/iati.xml").data, programmes.framed)
    assert again.xpath("result/indicator/period/actual/@value") == ["35.25", "61"]
    assert again.get("last-updated-datetime") == recorded.isoformat(timespec="seconds")


@pytest.mark.parametrize(
    ("unit", "measure"),
    [("%", "2"), ("Percentage of workers", "2"), ("per cent", "2"), ("people", "1"), ("", "1")],
)
def test_the_measure_follows_the_unit(unit, measure):
    assert indicator_measure(unit) == measure


def test_values_are_plain_decimal_numbers():
    assert [number_text(D(v)) for v in ("20.0000", "12.5000", "0.0000", "1E+3", "-0.50", "7")] == [
        "20",
        "12.5",
        "0",
        "1000",
        "-0.5",
        "7",
    ]

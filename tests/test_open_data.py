"""Open data: IATI 2.03 XML and a 360Giving 1.4 JSON package of the funded programmes,
valid against the official schemas, with exact amounts; unpublishable programmes are listed
with their reasons and left out."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from lxml import etree
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from sqlalchemy import event, select

from fund.accounts.models import User
from fund.days import add_months, last_day
from fund.extensions import db, utcnow
from fund.finance import operations as finance_operations
from fund.finance.models import Allocation, AllocationShare, AllocationSource, Disbursement
from fund.proposals.models import Proposal
from fund.reports import giving360, iati, open_data, queries
from fund.reports.giving360 import dumps
from fund.reports.iati import split_percentages
from tests.conftest import PreparedDatabase, engine_of
from tests.factories import acting_secretariat, new_open_call, new_proposal
from tests.helpers import count_statements, new_user
from tests.helpers import organization as org
from tests.test_closure import final_reports_accepted

# The official schemas as the fund ships them; the tests read only the project's own files.
SCHEMAS = Path(__file__).resolve().parent.parent / "fund" / "reports" / "schemas"
RECORDED = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
IATI_NS_XML = "{http://www.w3.org/XML/1998/namespace}lang"


def fund_programme(
    proposal_id: int,
    amount: str,
    shares: dict[str, str],
    disbursements: list[tuple[str, date, str]] = (),
    allocated_on: date = date(2026, 1, 5),
) -> None:
    """Record an allocation with its shares and tranches directly in the tables (inside an
    application context; the caller commits)."""
    allocation = Allocation(
        proposal_id=proposal_id,
        amount=Decimal(amount),
        allocated_on=allocated_on,
        recorded_at=RECORDED,
    )
    paid: dict[str, Decimal] = {}
    for acronym, _, value in disbursements:
        paid[acronym] = paid.get(acronym, Decimal("0.00")) + Decimal(value)
    allocation.shares = [
        AllocationShare(
            organization_id=org(acronym).id,
            amount=Decimal(value),
            disbursed=paid.get(acronym, Decimal("0.00")),
        )
        for acronym, value in shares.items()
    ]
    allocation.sources = [  # from unearmarked money, paid out as the shares are
        AllocationSource(
            pool_code="GENERAL",
            amount=Decimal(amount),
            disbursed=sum(paid.values(), Decimal("0.00")),
        )
    ]
    db.session.add(allocation)
    db.session.flush()
    for acronym, paid_on, value in disbursements:
        db.session.add(
            Disbursement(
                allocation_id=allocation.id,
                organization_id=org(acronym).id,
                paid_on=paid_on,
                amount=Decimal(value),
                reference=f"TR-{acronym}-{paid_on:%Y%m%d}",
                recorded_at=RECORDED,
            )
        )


@dataclass
class Portfolio:
    national: int  # funded, Chile, ILO (no IATI id) + IOM, one tranche paid
    closed: int  # closed, Côte d'Ivoire + Türkiye, IOM + UNICEF, fully paid in three tranches
    global_: int  # funded, global without countries, UNDP + OHCHR
    incomplete: int  # funded but no start date and no allocation: cannot be published
    pipeline: int  # approved, not funded: never published


def _pay(proposal: Proposal, acronym: str, paid_on: date, amount: str) -> None:
    allocation = db.session.scalar(select(Allocation).where(Allocation.proposal_id == proposal.id))
    finance_operations.record_disbursement(
        acting_secretariat(),
        allocation,
        org(acronym).id,
        paid_on,
        Decimal(amount),
        f"TR-{acronym}-{paid_on:%Y%m%d}",
    )


def _portfolio() -> Portfolio:
    """The programmes, funded on 5 January 2026 through the workflow: the budgets give
    allocations of USD 1,070,000.00 (national), 2,000,000.01 (closed: IOM 1,200,000.00 and
    UNICEF 800,000.01) and 999,999.99 (global: UNDP 600,000.00 and OHCHR 399,999.99)."""
    author = new_user(("applicant",), "ILO")
    call = new_open_call().id
    funded_on = date(2026, 1, 5)
    national = new_proposal(
        author, call, "funded", title="Fair recruitment in Chile", allocated_on=funded_on
    )
    closed = new_proposal(
        author,
        call,
        "funded",
        title="Côte d'Ivoire — Türkiye corridor",
        lines=[("IOM", 6, "1121495.33"), ("UNICEF", 18, "747663.56")],
        countries=["CI", "TR"],
        allocated_on=funded_on,
    )
    global_ = new_proposal(
        author,
        call,
        "funded",
        title="Global data on missing migrants",
        lines=[("UNDP", 6, "560747.66"), ("OHCHR", 18, "373831.77")],
        countries=[],
        allocated_on=funded_on,
    )
    incomplete = new_proposal(author, call, "approved", title="Unfinished record")
    pipeline = new_proposal(author, call, "approved", title="Waiting for money")
    _pay(national, "ILO", date(2026, 2, 1), "321000.00")
    _pay(closed, "IOM", date(2026, 2, 1), "600000.00")
    _pay(closed, "UNICEF", date(2026, 2, 1), "800000.01")
    _pay(closed, "IOM", date(2026, 8, 1), "600000.00")
    final_reports_accepted(closed.id)  # the other guard of `close` (tests/test_closure.py)
    finance_operations.close_proposal(acting_secretariat(), closed)  # paid in full
    # Funded without an allocation and without a start date: a record from outside the
    # workflow (funding always allocates; submission needs the date), which publishing must
    # name and leave out.
    incomplete.status = "funded"
    incomplete.planned_start = None
    db.session.commit()
    return Portfolio(national.id, closed.id, global_.id, incomplete.id, pipeline.id)


@pytest.fixture(scope="module")
def prepared(request) -> PreparedDatabase:
    """The portfolio, made once per engine: each test reads a copy."""
    return PreparedDatabase(request, _portfolio)


@pytest.fixture
def portfolio(request, prepared) -> Portfolio:
    return prepared.data(engine_of(request))


def iati_id(proposal_id: int) -> str:
    return f"XM-DAC-41114-MIG00-P{proposal_id:05d}"


def xml_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "iati-2.03" / "iati-activities-schema.xsd")))


def package_validator() -> Draft202012Validator:
    folder = SCHEMAS / "360giving-1.4"
    grant = json.loads((folder / "360-giving-schema.json").read_text("utf-8"))
    package = json.loads((folder / "360-giving-package-schema.json").read_text("utf-8"))
    # Offline: the grant schema's public URL is served from the local copy.
    registry = Registry().with_resource(grant["$id"], DRAFT202012.create_resource(grant))
    # Formats asserted: the schema's date-or-date-time choices need it.
    return Draft202012Validator(
        package, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def activities(content: bytes) -> dict[str, etree._Element]:
    root = etree.fromstring(content)
    return {a.findtext("iati-identifier"): a for a in root.findall("iati-activity")}


def decimals(elements, attribute: str | None = None) -> list[Decimal]:
    return [Decimal(e.get(attribute) if attribute else e.text) for e in elements]


# IATI ------------------------------------------------------------------------------------


def test_iati_file_validates_and_publishes_only_publishable_funded_programmes(
    app, backend, client, portfolio
):
    response = client.get("/open-data/iati.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    document = etree.fromstring(response.data)
    schema = xml_schema()
    assert schema.validate(document), schema.error_log
    assert document.tag == "iati-activities" and document.get("version") == "2.03"
    assert set(activities(response.data)) == {
        iati_id(portfolio.national),
        iati_id(portfolio.closed),
        iati_id(portfolio.global_),
    }


def test_iati_activity_content(app, client, portfolio):
    found = activities(client.get("/open-data/iati.xml").data)
    national = found[iati_id(portfolio.national)]
    closed = found[iati_id(portfolio.closed)]
    global_ = found[iati_id(portfolio.global_)]

    reporting = national.find("reporting-org")
    assert (reporting.get("ref"), reporting.get("type")) == ("XM-DAC-41114", "40")
    assert national.get("default-currency") == "USD" and national.get(IATI_NS_XML) == "en"
    assert national.find("title/narrative").text == "Fair recruitment in Chile"
    assert national.find("description/narrative").text == "Decent work for migrant workers."
    assert national.find("activity-status").get("code") == "2"
    assert closed.find("activity-status").get("code") == "4"

    roles = [
        (o.get("role"), o.get("ref"), o.findtext("narrative"))
        for o in national.findall("participating-org")
    ]
    assert roles == [
        ("1", "XM-DAC-41114", "Migration Multi-Partner Trust Fund"),
        ("2", None, "International Labour Organization"),  # ILO's identifier is unknown
        ("4", None, "International Labour Organization"),
        ("4", "XM-DAC-47066", "International Organization for Migration"),
    ]

    with app.app_context():
        start = db.session.get(Proposal, portfolio.national).planned_start
    dates = {d.get("type"): d.get("iso-date") for d in national.findall("activity-date")}
    assert dates["1"] == start.isoformat()
    assert dates["3"] == last_day(start, 24).isoformat()

    assert [c.get("code") for c in national.findall("recipient-country")] == ["CL"]
    countries = closed.findall("recipient-country")
    assert [c.get("code") for c in countries] == ["CI", "TR"]
    assert sum(decimals(countries, "percentage")) == 100
    assert global_.find("recipient-country") is None
    region = global_.find("recipient-region")
    assert (region.get("code"), region.get("vocabulary"), region.get("percentage")) == (
        "001",
        "2",
        "100",
    )

    fund_sectors = national.findall("sector[@vocabulary='98']")
    # Budget: objective 6 has 600,000 of 1,000,000 direct costs, objective 18 has 400,000.
    assert [(s.get("code"), Decimal(s.get("percentage"))) for s in fund_sectors] == [
        ("6", Decimal(60)),
        ("18", Decimal(40)),
    ]
    assert fund_sectors[0].findtext("narrative").startswith("GCM objective 6: ")
    sdg = national.findall("sector[@vocabulary='8']")
    assert [(s.get("code"), s.get("percentage")) for s in sdg] == [("10.7", "100")]

    assert national.find("activity-scope").get("code") == "4"
    assert global_.find("activity-scope").get("code") == "1"


def test_text_with_a_character_xml_cannot_hold_is_published(app, client, portfolio):
    """A control character pasted into a programme's summary (a text area) made the public
    IATI file and the open-data page answer 500: it is published as U+FFFD, the rest as
    typed, and the file still validates."""
    with app.app_context():
        proposal = db.session.get(Proposal, portfolio.national)
        proposal.summary = "Decent work\x1b[0m for migrant\x0b workers & <families>."
        db.session.commit()
    response = client.get("/open-data/iati.xml")
    assert response.status_code == 200
    document = etree.fromstring(response.data)
    assert xml_schema().validate(document), xml_schema().error_log
    national = activities(response.data)[iati_id(portfolio.national)]
    assert (
        national.find("description/narrative").text
        == "Decent work\ufffd[0m for migrant\ufffd workers & <families>."
    )
    assert client.get("/open-data").status_code == 200


def test_iati_amounts_are_exact_and_transactions_add_up(app, client, portfolio):
    found = activities(client.get("/open-data/iati.xml").data)
    closed = found[iati_id(portfolio.closed)]
    with app.app_context():
        closed_start = db.session.get(Proposal, portfolio.closed).planned_start
    # Its budget lines are all in year 1: the first year's budget is the whole allocation,
    # valued on the first day of its period.
    budget = closed.find("budget/value")
    assert (budget.text, budget.get("currency"), budget.get("value-date")) == (
        "2000000.01",
        "USD",
        closed_start.isoformat(),
    )
    commitments = closed.xpath("transaction[transaction-type/@code='2']/value")
    assert [c.text for c in commitments] == ["2000000.01"]
    disbursements = closed.xpath("transaction[transaction-type/@code='3']")
    assert [d.findtext("value") for d in disbursements] == ["600000.00", "800000.01", "600000.00"]
    # A closed programme was paid in full: its tranches add up to the allocation exactly.
    assert sum(decimals(d.find("value") for d in disbursements)) == sum(decimals(commitments))
    receivers = [
        (d.find("receiver-org").get("ref"), d.find("provider-org").get("ref"))
        for d in disbursements
    ]
    assert receivers == [
        ("XM-DAC-47066", "XM-DAC-41114"),
        ("XM-DAC-41122", "XM-DAC-41114"),
        ("XM-DAC-47066", "XM-DAC-41114"),
    ]

    national = found[iati_id(portfolio.national)]
    tranche = national.xpath("transaction[transaction-type/@code='3']")[0]
    assert tranche.find("receiver-org").get("ref") is None  # ILO: unknown, never guessed
    assert tranche.find("receiver-org/narrative").text == "International Labour Organization"
    with app.app_context():
        paid = db.session.scalars(
            select(Disbursement.amount)
            .join(Allocation, Allocation.id == Disbursement.allocation_id)
            .where(Allocation.proposal_id == portfolio.national)
        ).all()
    assert decimals([tranche.find("value")]) == paid


def _budgets(activity) -> list[tuple[str, str, str, str]]:
    """(period start, period end, value date, value) of each budget of an activity."""
    return [
        (
            b.find("period-start").get("iso-date"),
            b.find("period-end").get("iso-date"),
            b.find("value").get("value-date"),
            b.findtext("value"),
        )
        for b in activity.findall("budget")
    ]


def test_iati_budget_is_one_per_programme_year_adding_up_to_the_allocation(app, client, portfolio):
    """IATI allows no budget period longer than a year: one budget per programme year (the
    last ending on the planned end), the allocation apportioned by each year's direct costs,
    the years adding up exactly to the allocation the single budget gave."""
    with app.app_context():
        proposal = db.session.get(Proposal, portfolio.national)
        proposal.duration_months = 27  # two years and a quarter: three programme years
        for line in proposal.budget_lines:  # ILO 600,000.00 in year 1, IOM 400,000.00 in year 3
            line.year = 1 if line.amount == Decimal("600000.00") else 3
        start = proposal.planned_start
        proposal = db.session.get(Proposal, portfolio.closed)
        for line in proposal.budget_lines:  # IOM 1,121,495.33 in year 1, UNICEF in year 2
            line.year = 1 if line.amount == Decimal("1121495.33") else 2
        closed_start = proposal.planned_start
        db.session.commit()
    response = client.get("/open-data/iati.xml")
    assert xml_schema().validate(etree.fromstring(response.data)), xml_schema().error_log
    found = activities(response.data)

    national = found[iati_id(portfolio.national)]
    periods = [
        (start, last_day(start, 12)),
        (add_months(start, 12), last_day(start, 24)),
        (add_months(start, 24), last_day(start, 27)),
    ]
    assert _budgets(national) == [
        (first.isoformat(), last.isoformat(), first.isoformat(), value)
        for (first, last), value in zip(periods, ["642000.00", "0.00", "428000.00"], strict=True)
    ]
    planned_end = national.xpath("activity-date[@type='3']/@iso-date")[0]
    assert _budgets(national)[-1][1] == planned_end
    assert all(b.get("type") == "1" and b.get("status") == "2" for b in national.iter("budget"))

    closed = found[iati_id(portfolio.closed)]
    budgets = _budgets(closed)
    assert [(b[0], b[1]) for b in budgets] == [
        (closed_start.isoformat(), last_day(closed_start, 12).isoformat()),
        (add_months(closed_start, 12).isoformat(), last_day(closed_start, 24).isoformat()),
    ]
    # 2,000,000.01 apportioned 1,121,495.33 to 747,663.56, to the cent, nothing lost.
    assert [b[3] for b in budgets] == ["1200000.00", "800000.01"]

    # The sum is unchanged: the allocation, as the single budget and the commitment give it.
    for activity, allocation in ((national, "1070000.00"), (closed, "2000000.01")):
        commitment = activity.xpath("transaction[transaction-type/@code='2']/value")[0].text
        assert commitment == allocation
        assert sum(decimals(activity.findall("budget/value"))) == Decimal(allocation)


def test_iati_activity_gives_its_actual_start_and_end(app, client, portfolio):
    """An activity gives its actual start on the day of its first transfer, and a closed one
    its actual end on the day of its closure, besides the planned dates."""
    from fund.finance import closure

    def dates() -> dict[str, dict[str, str]]:
        found = activities(client.get("/open-data/iati.xml").data)
        return {
            name: {
                d.get("type"): d.get("iso-date")
                for d in found[iati_id(proposal_id)].findall("activity-date")
            }
            for name, proposal_id in (
                ("national", portfolio.national),
                ("closed", portfolio.closed),
                ("global", portfolio.global_),
            )
        }

    with app.app_context():
        starts = {
            p: db.session.get(Proposal, p).planned_start
            for p in (portfolio.national, portfolio.closed)
        }
    planned = {
        name: {"1": starts[p].isoformat(), "3": last_day(starts[p], 24).isoformat()}
        for name, p in (("national", portfolio.national), ("closed", portfolio.closed))
    }
    before = dates()
    assert before["national"] == planned["national"] | {"2": "2026-02-01"}  # its one transfer
    # The first of its three transfers (closed before closures were recorded: no closure day).
    assert before["closed"] == planned["closed"] | {"2": "2026-02-01"}
    assert set(before["global"]) == {"1", "3"}  # nothing transferred yet

    with app.app_context():
        closure.close_programme(
            acting_secretariat(),
            db.session.get(Proposal, portfolio.national),
            {org("ILO").id: Decimal("300000.00"), org("IOM").id: Decimal("0.00")},
            "Ended early.",
            closed_on=date(2026, 11, 17),
        )
        db.session.commit()
    response = client.get("/open-data/iati.xml")
    assert xml_schema().validate(etree.fromstring(response.data)), xml_schema().error_log
    after = dates()
    assert after["national"] == planned["national"] | {"2": "2026-02-01", "4": "2026-11-17"}
    national = activities(response.data)[iati_id(portfolio.national)]
    assert [d.get("type") for d in national.findall("activity-date")] == ["1", "2", "3", "4"]


def test_global_programme_value_has_no_float_rounding(app, client, portfolio):
    found = activities(client.get("/open-data/iati.xml").data)
    value = found[iati_id(portfolio.global_)].find("transaction/value")
    assert value.text == "999999.99"


# 360Giving -------------------------------------------------------------------------------


def test_360giving_package_validates_and_matches_the_iati_grants(app, backend, client, portfolio):
    response = client.get("/open-data/360giving.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    package = json.loads(response.data, parse_float=Decimal)
    errors = sorted(package_validator().iter_errors(package), key=str)
    assert errors == []
    ids = [g["id"] for g in package["grants"]]
    assert ids == [
        f"360G-MIG00-P{portfolio.national:05d}",
        f"360G-MIG00-P{portfolio.closed:05d}",
        f"360G-MIG00-P{portfolio.global_:05d}",
    ]
    iati_ids = set(activities(client.get("/open-data/iati.xml").data))
    assert {g["relatedActivity"][0] for g in package["grants"]} == iati_ids


def test_360giving_amounts_round_trip_exactly(app, client, portfolio):
    text = client.get("/open-data/360giving.json").get_data(as_text=True)
    grants = {g["id"]: g for g in json.loads(text, parse_float=Decimal)["grants"]}
    closed = grants[f"360G-MIG00-P{portfolio.closed:05d}"]
    assert closed["amountAwarded"] == Decimal("2000000.01")
    assert isinstance(closed["amountAwarded"], Decimal)
    assert closed["amountDisbursed"] == Decimal("2000000.01")
    assert '"amountAwarded": 2000000.01' in text
    with app.app_context():
        allocations = dict(
            db.session.execute(select(Allocation.proposal_id, Allocation.amount)).all()
        )
    for proposal_id in (portfolio.national, portfolio.closed, portfolio.global_):
        awarded = grants[f"360G-MIG00-P{proposal_id:05d}"]["amountAwarded"]
        assert awarded == allocations[proposal_id]
    assert grants[f"360G-MIG00-P{portfolio.global_:05d}"]["amountDisbursed"] == 0


def test_360giving_grant_content(app, client, portfolio):
    grants = {
        g["id"]: g
        for g in json.loads(client.get("/open-data/360giving.json").data, parse_float=Decimal)[
            "grants"
        ]
    }
    national = grants[f"360G-MIG00-P{portfolio.national:05d}"]
    with app.app_context():
        ilo_id = org("ILO").id
        start = db.session.get(Proposal, portfolio.national).planned_start
    assert national["currency"] == "USD"
    assert national["awardDate"] == "2026-01-05"
    assert national["recipientOrganization"] == [
        {"id": f"360G-MIG00-ORG-{ilo_id}", "name": "International Labour Organization"},
        {"id": "XM-DAC-47066", "name": "International Organization for Migration"},
    ]
    assert national["fundingOrganization"][0]["id"] == "XM-DAC-41114"
    assert national["plannedDates"] == [
        {
            "startDate": start.isoformat(),
            "endDate": last_day(start, 24).isoformat(),
            "duration": 24,
        }
    ]
    assert national["beneficiaryLocation"] == [{"name": "Chile", "countryCode": "CL"}]
    objectives = [
        (c["vocabulary"], c["code"]) for c in national["classifications"] if c["code"] != "10.7"
    ]
    assert objectives == [("GCM objective", "6"), ("GCM objective", "18")]
    assert "beneficiaryLocation" not in grants[f"360G-MIG00-P{portfolio.global_:05d}"]


def test_decimal_json_writer_is_exact_and_refuses_floats():
    value = {"a": Decimal("12345678901234.56"), "b": [Decimal("0.10"), 3, "x\u00e9", None, True]}
    text = dumps(value)
    assert json.loads(text, parse_float=Decimal) == value
    assert "12345678901234.56" in text and "0.10" in text
    with pytest.raises(TypeError):
        dumps({"a": 0.1})
    with pytest.raises(ValueError):
        dumps({"a": Decimal("NaN")})


# Programmes that cannot be published -----------------------------------------------------


def test_unpublishable_programme_is_reported_with_reasons_and_left_out(
    app, client, login_as, portfolio
):
    assert iati_id(portfolio.incomplete).encode() not in client.get("/open-data/iati.xml").data
    assert (
        f"P{portfolio.incomplete:05d}".encode() not in client.get("/open-data/360giving.json").data
    )
    public_page = client.get("/open-data").get_data(as_text=True)
    assert "1 funded programme is not in the files yet" in public_page

    login_as("secretariat")
    page = client.get("/reports/").get_data(as_text=True)
    assert f"P-{portfolio.incomplete:05d}</a> Unfinished record" in page
    assert "It has no planned start date." in page
    assert "It has no allocation recorded." in page
    assert "IATI, 360Giving" in page
    assert "Waiting for money" not in page  # not funded: not a candidate at all
    french = client.get("/reports/?lang=fr").get_data(as_text=True)  # the reasons in French
    assert "Il n&#39;a pas de date de début prévue." in french
    assert "Aucune allocation n&#39;est enregistrée pour lui." in french
    assert "<li>It has" not in french


def test_reasons_cover_missing_records(app, portfolio):
    with app.app_context():
        p = db.session.get(Proposal, portfolio.national)
        p.summary = ""
        p.participants = []
        p.lead_organization = None
        p.countries = []
        p.duration_months = None
        share = db.session.scalar(
            select(AllocationShare)
            .join(Allocation)
            .where(Allocation.proposal_id == portfolio.national)
            .limit(1)
        )
        share.amount += Decimal("0.01")
        db.session.commit()
        programme = next(
            p for p in queries.funded_programmes() if p.proposal_id == portfolio.national
        )
        problems = queries.publication_problems(programme)
    assert problems == [
        "it has no summary to publish as its description",
        "it has no participating organization",
        "it has no duration",
        "it names no recipient country (only a global programme may have none)",
        "its allocation shares add up to USD 1,070,000.01, not the allocation of USD 1,070,000.00",
    ]


def test_a_record_failing_the_schema_is_left_out_not_published(app, portfolio, monkeypatch):
    """The schema is a gate: an activity the XSD refuses never reaches the file."""
    original = iati.activity_xml

    def broken(publisher, programme):
        element = etree.fromstring(original(publisher, programme))
        if programme.proposal_id == portfolio.global_:
            element.remove(element.find("activity-status"))
        return etree.tostring(element, encoding="unicode")

    monkeypatch.setattr(iati, "activity_xml", broken)
    with app.app_context():
        programmes = queries.funded_programmes()
        publisher = queries.publisher_from_config(app.config)
        export = iati.build_iati(programmes, publisher, RECORDED, app.config)
    assert iati_id(portfolio.global_) not in set(activities(export.content))
    left_out = {e.ref: e.reasons for e in export.excluded}
    assert "fails the IATI 2.03 schema" in left_out[f"P{portfolio.global_:05d}"][0]
    assert xml_schema().validate(etree.fromstring(export.content))


def test_a_grant_failing_the_schema_is_left_out(app, portfolio, monkeypatch):
    original = giving360.grant

    def broken(publisher, programme):
        record = original(publisher, programme)
        if programme.proposal_id == portfolio.closed:
            record["currency"] = "US Dollar"
        return record

    monkeypatch.setattr(giving360, "grant", broken)
    with app.app_context():
        export = giving360.build_360giving(
            queries.funded_programmes(),
            queries.publisher_from_config(app.config),
            RECORDED,
            app.config,
        )
    grants = json.loads(export.content, parse_float=Decimal)["grants"]
    assert f"360G-MIG00-P{portfolio.closed:05d}" not in {g["id"] for g in grants}
    left_out = {e.ref: e.reasons for e in export.excluded}
    assert (
        "fails the 360Giving 1.4 schema: grants/0/currency"
        in left_out[f"P{portfolio.closed:05d}"][0]
    )


def test_nothing_publishable_gives_a_clear_answer(app, client, runner, tmp_path):
    assert client.get("/open-data/iati.xml").status_code == 404
    assert client.get("/open-data/360giving.json").status_code == 404
    assert "No funded programme has been published yet." in client.get("/open-data").get_data(
        as_text=True
    )
    out = tmp_path / "iati.xml"
    result = runner.invoke(args=["fund", "export", "iati", "--out", str(out)])
    assert result.exit_code != 0
    assert "No funded programme can be published" in result.output
    assert not out.exists()


# Command line ----------------------------------------------------------------------------


def test_cli_exports_open_data_and_lists_what_it_left_out(app, runner, portfolio, tmp_path):
    xml_out, json_out = tmp_path / "iati.xml", tmp_path / "grants.json"
    result = runner.invoke(args=["fund", "export", "iati", "--out", str(xml_out)])
    assert result.exit_code == 0, result.output
    assert "IATI: 3 programmes written" in result.output
    assert f"Left out P-{portfolio.incomplete:05d} “Unfinished record”" in result.output
    assert "no planned start date" in result.output
    assert xml_schema().validate(etree.parse(str(xml_out)))

    result = runner.invoke(args=["fund", "export", "360giving", "--out", str(json_out)])
    assert result.exit_code == 0, result.output
    assert "360Giving: 3 programmes written" in result.output
    package = json.loads(json_out.read_text("utf-8"), parse_float=Decimal)
    assert list(package_validator().iter_errors(package)) == []


# Pages -----------------------------------------------------------------------------------


def test_open_data_page_is_public_and_links_the_files(client, portfolio):
    page = client.get("/open-data")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'href="/open-data/iati.xml"' in text
    assert 'href="/open-data/360giving.json"' in text
    assert "IATI XML</a>: 3 programmes" in text
    assert "CC BY 4.0" in text
    assert "computed" in text and "UTC" in text


def test_open_data_page_links_the_api_s_documentation(client):
    """The open-data page says that the figures can be read through the JSON API, and where
    the API's OpenAPI document is."""
    from tests.test_api import API_DOCUMENTATION

    text = client.get("/open-data").get_data(as_text=True).replace("&#39;", "'")
    assert "through the fund's read-only API, without a token." in text
    assert API_DOCUMENTATION in text


@pytest.mark.parametrize(
    ("roles", "expected"), [(("applicant",), 403), (("committee",), 403), (("secretariat",), 200)]
)
def test_reports_page_is_for_the_secretariat(client, login_as, roles, expected):
    login_as(*roles)
    assert client.get("/reports/").status_code == expected


def test_reports_page_asks_anonymous_visitors_to_sign_in(client):
    response = client.get("/reports/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_reports_page_links_every_output(client, login_as):
    login_as("secretariat")
    text = client.get("/reports/").get_data(as_text=True)
    for href in (
        "/reports/workbook.xlsx",
        "/reports/tables/proposals.csv",
        "/reports/tables/budget_lines.csv",
        "/reports/tables/allocations.csv",
        "/reports/tables/disbursements.csv",
        "/reports/tables/contributions.csv",
        "/open-data/iati.xml",
        "/open-data/360giving.json",
    ):
        assert f'href="{href}"' in text


# Rules -----------------------------------------------------------------------------------


@given(st.lists(st.integers(min_value=1, max_value=10**12), min_size=1, max_size=23))
def test_percentages_always_add_up_to_100(weights):
    shares = split_percentages({i: Decimal(w) / 100 for i, w in enumerate(weights)})
    assert sum(shares.values()) == 100
    assert all(s == s.quantize(Decimal("0.01")) and s >= 0 for s in shares.values())


def test_percentages_follow_the_weights():
    assert split_percentages({"a": Decimal(1), "b": Decimal(1), "c": Decimal(1)}) == {
        "a": Decimal("33.34"),
        "b": Decimal("33.33"),
        "c": Decimal("33.33"),
    }
    assert split_percentages({"a": Decimal(3), "b": Decimal(1), "z": Decimal(0)}) == {
        "a": Decimal("75.00"),
        "b": Decimal("25.00"),
    }


def test_add_months_keeps_the_day_or_the_month_end():
    assert add_months(date(2026, 3, 15), 24) == date(2028, 3, 15)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


def test_funded_programmes_are_read_in_a_fixed_number_of_queries(
    app, create_user, make_proposal, portfolio
):
    before = count_statements(app, queries.funded_programmes)
    author = create_user(roles=("applicant",), organization_acronym="ILO")
    for n in range(4):
        proposal_id = make_proposal(
            author, status="funded", title=f"More {n}", allocated_on=date(2026, 1, 5)
        )
        with app.app_context():
            _pay(db.session.get(Proposal, proposal_id), "IOM", date(2026, 3, 1), "1000.00")
            db.session.commit()
    assert count_statements(app, queries.funded_programmes) == before


# SHA-256 of the official files (IATI Activity Standard 2.03, 360Giving Standard 1.4): the
# shipped copies must be these, byte for byte.
OFFICIAL_SCHEMA_SHA256 = {
    "iati-2.03/iati-activities-schema.xsd": (
        "62c91a66c82ee26864d5e6c3f4bd6358de14d3aec69bc649db85da9f9a0792bc"
    ),
    "iati-2.03/iati-common.xsd": "322692e4ea1f4434b154855f381eb4bd972aaa2e1349dfaf9578b775ad6c9c6b",
    "iati-2.03/xml.xsd": "61960fb3131e38022caad5360e2f33a3382578ab3c80cd58bd74320ede61b20c",
    "iati-2.03/LICENSE": "2b962e0f5993967689792e993e6cb61b37c3ebc057093db034eafc4bfc595d95",
    "360giving-1.4/360-giving-package-schema.json": (
        "6e308c2b38b0d9e86a2ef7c64b4d6b992f9e425045a12cdc3d9ca51b9b75d4db"
    ),
    "360giving-1.4/360-giving-schema.json": (
        "cf2e13414e35ab916ac9edb71d6df126a9e7956a1e537535dab897c35cc6b7c5"
    ),
    "360giving-1.4/LICENSE.md": "c701444d81234a1dfdf4c3289a11429548473b47e6bc36735db938ae18837141",
}


def test_shipped_schemas_are_the_official_ones():
    for name, official in OFFICIAL_SCHEMA_SHA256.items():
        assert hashlib.sha256((SCHEMAS / name).read_bytes()).hexdigest() == official, name


def test_the_application_validates_against_the_shipped_schemas(app):
    assert iati.schema_dir(app.config).resolve() == SCHEMAS


# The stored files --------------------------------------------------------------------------


@pytest.fixture
def cache_folder(app, tmp_path) -> Path:
    """The open-data files of this test are stored in a folder of its own."""
    folder = tmp_path / "open-data-cache"
    app.config["OPEN_DATA_CACHE_DIR"] = str(folder)
    return folder


@pytest.fixture
def builds(monkeypatch) -> list[tuple[str, ...]]:
    """The formats built from the records, one entry per build."""
    found: list[tuple[str, ...]] = []
    original = open_data.open_data_exports

    def counted(config, now, kinds=("iati", "360giving")):
        found.append(tuple(kinds))
        return original(config, now, kinds)

    monkeypatch.setattr(open_data, "open_data_exports", counted)
    return found


def _statements(app, action: Callable[[], object]) -> int:
    statements = []

    def count(*_args):
        statements.append(1)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def _entries(folder: Path) -> list[str]:
    return sorted(path.name.split("-")[0] for path in folder.glob("*.export"))


def test_unchanged_records_serve_the_stored_files(
    app, backend, client, portfolio, cache_folder, builds
):
    first = client.get("/open-data/iati.xml")
    assert first.status_code == 200 and builds == [("iati",)]
    assert _entries(cache_folder) == ["iati"]

    responses = []
    statements = _statements(app, lambda: responses.append(client.get("/open-data/iati.xml")))
    assert responses[0].data == first.data  # the same bytes, generation time included
    assert builds == [("iati",)]  # nothing built again
    assert statements == 2  # the key of the records: two statements whatever their number

    page = client.get("/open-data")  # both formats: only the missing one is built
    assert "IATI XML</a>: 3 programmes" in page.get_data(as_text=True)
    assert builds == [("iati",), ("360giving",)]
    grants = client.get("/open-data/360giving.json").data
    assert client.get("/open-data").status_code == 200
    assert client.get("/open-data/360giving.json").data == grants
    assert builds == [("iati",), ("360giving",)]
    assert _entries(cache_folder) == ["360giving", "iati"]


def test_a_new_disbursement_changes_the_files(
    app, backend, client, create_user, portfolio, cache_folder, builds
):
    from fund.finance import operations

    secretariat = create_user(roles=("secretariat",), organization_acronym="IOM")
    xml = client.get("/open-data/iati.xml").data
    grants = json.loads(client.get("/open-data/360giving.json").data, parse_float=Decimal)
    national = f"360G-MIG00-P{portfolio.national:05d}"
    assert {g["id"]: g["amountDisbursed"] for g in grants["grants"]}[national] == Decimal(
        "321000.00"
    )
    with app.app_context():  # through the application: an audit event is recorded
        allocation = db.session.scalar(
            select(Allocation).where(Allocation.proposal_id == portfolio.national)
        )
        operations.record_disbursement(
            db.session.get(User, secretariat.id),
            allocation,
            org("IOM").id,
            date(2026, 3, 1),
            Decimal("100000.00"),
            "T-2",
        )
        db.session.commit()

    changed = client.get("/open-data/iati.xml").data
    assert changed != xml
    tranches = activities(changed)[iati_id(portfolio.national)].xpath(
        "transaction[transaction-type/@code='3']/value"
    )
    assert [t.text for t in tranches] == ["321000.00", "100000.00"]
    grants = json.loads(client.get("/open-data/360giving.json").data, parse_float=Decimal)
    assert {g["id"]: g["amountDisbursed"] for g in grants["grants"]}[national] == Decimal(
        "421000.00"
    )
    assert builds == [("iati",), ("360giving",), ("iati",), ("360giving",)]
    assert _entries(cache_folder) == ["360giving", "iati"]  # the superseded ones are gone


def test_a_new_allocation_changes_the_files(
    app, client, create_user, make_proposal, portfolio, cache_folder
):
    before = activities(client.get("/open-data/iati.xml").data)
    assert len(before) == 3
    author = create_user(roles=("applicant",), organization_acronym="ILO")
    added = make_proposal(author, status="approved", title="Newly funded")
    with app.app_context():  # funded straight in the tables, outside the workflow: no event
        db.session.get(Proposal, added).status = "funded"
        fund_programme(added, "1070000.00", {"ILO": "642000.00", "IOM": "428000.00"})
        db.session.commit()
    after = activities(client.get("/open-data/iati.xml").data)
    assert set(after) == set(before) | {iati_id(added)}
    assert after[iati_id(added)].findtext("title/narrative") == "Newly funded"


def test_a_renamed_organization_changes_the_files(app, client, portfolio, cache_folder):
    def receivers() -> set[str]:
        found = activities(client.get("/open-data/iati.xml").data)
        return {n.text for n in found[iati_id(portfolio.closed)].iter("narrative")}

    assert "International Organization for Migration" in receivers()
    with app.app_context():  # an edit straight in the table, no audit event
        org("IOM").name = "IOM, UN Migration"
        db.session.commit()
    names = receivers()
    assert "IOM, UN Migration" in names
    assert "International Organization for Migration" not in names


def test_a_closed_programme_changes_the_files(app, client, portfolio, cache_folder):
    def status() -> str:
        found = activities(client.get("/open-data/iati.xml").data)
        return found[iati_id(portfolio.national)].find("activity-status").get("code")

    assert status() == "2"
    with app.app_context():
        finance_operations.close_proposal(
            acting_secretariat(), db.session.get(Proposal, portfolio.national), "Ended early."
        )
        db.session.commit()
    assert status() == "4"


def test_publisher_settings_change_the_files(app, client, portfolio, cache_folder):
    assert iati_id(portfolio.national) in activities(client.get("/open-data/iati.xml").data)
    app.config["FUND_CODE"] = "MIG99"
    found = activities(client.get("/open-data/iati.xml").data)
    assert f"XM-DAC-41114-MIG99-P{portfolio.national:05d}" in found


def test_open_data_files_answer_conditional_requests(app, client, portfolio, cache_folder):
    first = client.get("/open-data/iati.xml")
    tag = first.headers["ETag"]
    assert tag.startswith('W/"iati-') and "no-cache" in first.headers["Cache-Control"]
    assert first.headers["Last-Modified"]
    again = client.get("/open-data/iati.xml", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.data == b""
    with app.app_context():
        org("UNDP").name = "United Nations Development Programme (renamed)"
        db.session.commit()
    changed = client.get("/open-data/iati.xml", headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag


def test_a_damaged_stored_file_is_built_again(app, client, portfolio, cache_folder, builds):
    good = client.get("/open-data/iati.xml").data
    (entry,) = cache_folder.glob("iati-*.export")
    entry.write_bytes(b"not what was stored\n<iati-activities/>")
    again = client.get("/open-data/iati.xml")
    assert again.status_code == 200
    assert activities(again.data).keys() == activities(good).keys()
    assert builds == [("iati",), ("iati",)]


def test_iati_text_keeps_every_character(app, client, portfolio):
    title = 'Fish & "chips" <a> \u2014 l\u2019\u00e9t\u00e9\r\nsecond line\ttab'
    with app.app_context():
        db.session.get(Proposal, portfolio.national).title = title
        db.session.commit()
    content = client.get("/open-data/iati.xml").data
    assert xml_schema().validate(etree.fromstring(content))
    assert activities(content)[iati_id(portfolio.national)].findtext("title/narrative") == title


def test_files_are_served_when_they_cannot_be_kept(app, client, portfolio, tmp_path, builds):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    app.config["OPEN_DATA_CACHE_DIR"] = str(blocker / "open-data-cache")
    for _ in range(2):
        response = client.get("/open-data/iati.xml")
        assert response.status_code == 200
        assert xml_schema().validate(etree.fromstring(response.data))
    assert builds == [("iati",), ("iati",)]  # built each time, never refused


def test_a_reason_kept_in_the_cache_is_said_in_each_readers_language(app, tmp_path):
    """The open-data cache keeps each reason as a sentence with its values: the reports page
    says it in French with French amounts, not in the English it was found in."""
    from datetime import UTC, datetime

    from flask_babel import force_locale

    from fund.i18n import Money
    from fund.reports import cache
    from fund.reports.iati import Exclusion, Export
    from fund.sentences import Sentence, said_marked

    reason = Sentence(
        "its allocation shares add up to %(shares)s, not the allocation of %(amount)s",
        shares=Money(Decimal("10.01")),
        amount=Money(Decimal("10.00")),
    )
    plain = "it has no duration"
    export = Export(content=b"<x/>", generated_at=datetime.now(UTC), published=[1])
    export.excluded = [Exclusion(7, "A programme", (reason, plain))]
    path = tmp_path / "iati.cache"
    cache._write(path, export)
    (found,) = cache._read(path).excluded
    assert found.reasons == (str(reason), plain)  # the English of the records
    with app.test_request_context(), force_locale("fr"):
        said = [said_marked(r) for r in found.reasons]
    assert said == [
        "la somme de ses parts d'allocation est de 10,01\u00a0$US, et non l'allocation de "
        "10,00\u00a0$US",
        "il n'a pas de durée",
    ]


def test_an_entry_of_an_earlier_layout_is_not_read(tmp_path):
    """Another version's node may share the cache folder: an entry whose reasons were plain
    strings (layout 1) is built again rather than read."""
    from fund.reports import cache

    path = tmp_path / "iati.cache"
    header = {"format": 1, "generated_at": "2026-12-01T00:00:00+00:00", "published": [1]}
    header["excluded"] = [
        {"proposal_id": 7, "title": "A programme", "reasons": ["it has no duration"]}
    ]
    path.write_bytes(json.dumps(header).encode() + b"\n<x/>")
    assert cache._read(path) is None


def test_a_build_within_a_build_does_not_wait_for_itself(app, cache_folder):
    """A kept file whose build reads another kept file (a programme's page reading what the
    IATI file publishes) builds both under the one lock its thread holds."""
    import threading

    from fund.reports.cache import cached_exports
    from fund.reports.iati import Export

    def inner(_missing):
        return {"inner": Export(b"inner", utcnow())}

    def outer(_missing):
        cached_exports(app.config, ("inner",), inner, code="inner")
        return {"outer": Export(b"outer", utcnow())}

    done: list[bytes] = []

    def build() -> None:
        with app.app_context():
            done.append(cached_exports(app.config, ("outer",), outer).exports["outer"].content)

    worker = threading.Thread(target=build, daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert done == [b"outer"]

    def not_again(_missing):
        raise AssertionError("the inner file was kept: it is not built again")

    with app.app_context():
        kept = cached_exports(app.config, ("inner",), not_again, code="inner")
    assert kept.exports["inner"].content == b"inner"

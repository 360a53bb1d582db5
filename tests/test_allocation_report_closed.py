"""The allocation report and the coverage of a closed programme: every table counts it at what it
kept, as the key figures, the regions and the public map do.

The programme of tests/test_closure.py: allocated 1,070,000.00 in Chile (ILO and IOM); ILO was
paid 642,000.00, IOM nothing. Closure gives back the 428,000.00 never transferred (IOM's whole
share) and ILO refunds 200,000.00: the programme kept 442,000.00, all of it ILO's.
"""

from __future__ import annotations

from decimal import Decimal

from fund import caches
from fund.extensions import db, utcnow
from fund.proposals.models import Proposal
from tests.helpers import org_id
from tests.test_closure import agent, close, programme, refund, treasurer  # noqa: F401

D = Decimal
KEPT = D("442000.00")


def closed(app, treasurer, agent, programme) -> None:  # noqa: F811
    with app.app_context():
        caches.rebuild()
        db.session.commit()
    close(app, treasurer, programme, "IOM withdrew.", ILO="342000.00", IOM="0.00")
    refund(app, agent, programme, "ILO", "200000.00")


def report_tables(app) -> tuple:
    """The report, and its tables by caption."""
    from fund.reports.allocation_data import build_allocation_report
    from fund.reports.allocation_sections import sections

    with app.test_request_context():
        report = build_allocation_report(app.config, generated_at=utcnow())
        tables = {
            part.table.caption: part.table
            for section in sections(report)
            for part in section.parts
            if part.table is not None
        }
        notes = [
            note for section in sections(report) for part in section.parts for note in part.notes
        ]
    return report, tables, notes


def test_the_country_table_counts_what_a_closed_programme_kept(
    app,
    treasurer,  # noqa: F811
    agent,  # noqa: F811
    programme,  # noqa: F811
) -> None:
    closed(app, treasurer, agent, programme)
    report, tables, _notes = report_tables(app)
    assert [(row.iso2, row.funded) for row in report.countries] == [("CL", KEPT)]
    assert sum(row.funded for row in report.countries) == report.coverage.totals.funded == KEPT
    assert sum(row.funded for row in report.coverage.regions) == KEPT
    table = tables["Funded money by country"]
    assert table.rows == [("Chile (CL)", "Americas", 1, "442,000.00")]
    assert table.total[-1] == "442,000.00"


def test_the_programmes_list_reconciles_with_the_key_figures(
    app,
    treasurer,  # noqa: F811
    agent,  # noqa: F811
    programme,  # noqa: F811
) -> None:
    """The list gives each programme's allocation, what was disbursed and what it kept: the
    kept column adds up to the key figure of the money allocated to programmes. A short table
    apart gives the closed programmes' allocation, what closure gave back, the refunds and
    what they kept."""
    closed(app, treasurer, agent, programme)
    report, tables, notes = report_tables(app)
    table = tables["The funded programmes"]
    assert table.header[-3:] == ("Allocated", "Disbursed", "Kept")
    (row,) = table.rows
    assert row[-3:] == ("1,070,000.00", "642,000.00", "442,000.00")
    assert table.total[-3:] == row[-3:]
    closures = tables["Closed programmes that gave money back"]
    assert closures.header[-4:] == ("Allocated", "Given back at closure", "Refunded", "Kept")
    (row,) = closures.rows
    assert row[-4:] == ("1,070,000.00", "428,000.00", "200,000.00", "442,000.00")
    assert closures.total[-4:] == row[-4:]
    assert report.balance.total.allocated == report.programmes_kept == KEPT
    assert any("The kept column adds up to the money allocated" in note for note in notes)


def test_the_programmes_list_has_no_closure_table_without_closures(app, programme) -> None:  # noqa: F811
    """No programme closed: the list alone, its kept column equal to what was allocated."""
    _report, tables, _notes = report_tables(app)
    (row,) = tables["The funded programmes"].rows
    assert row[-3] == row[-1]
    assert "Closed programmes that gave money back" not in tables


def test_the_programmes_list_names_the_lead_organization(
    app,
    treasurer,  # noqa: F811
    agent,  # noqa: F811
    programme,  # noqa: F811
) -> None:
    """Submitted by ILO, led by IOM: the list names IOM, under a heading that says so, as the
    public pages do."""
    with app.app_context():
        db.session.get(Proposal, programme).lead_organization_id = org_id("IOM")
        db.session.commit()
    _report, tables, _notes = report_tables(app)
    table = tables["The funded programmes"]
    assert table.header[2] == "Lead org."
    (row,) = table.rows
    assert row[2] == "IOM"


def test_an_organization_counts_only_the_programmes_that_give_it_money(
    app,
    client,
    treasurer,  # noqa: F811
    agent,  # noqa: F811
    programme,  # noqa: F811
) -> None:
    """IOM kept nothing of the closed programme: its row counts no programme, on the
    dashboard (kept totals and full recomputation alike) and in the report."""
    from fund.coverage.queries import coverage

    closed(app, treasurer, agent, programme)
    with app.app_context():
        for use_totals in (True, False):
            found = coverage(include_pipeline=False, use_totals=use_totals)
            counted = {row.label: (row.funded, row.programmes) for row in found.organizations}
            assert counted.get("ILO") == (KEPT, 1), use_totals
            assert counted.get("IOM", (D("0"), 0)) == (D("0"), 0), use_totals
        assert caches.verify()["coverage totals"] == []
    _report, tables, _notes = report_tables(app)
    rows = tables["Funded money by participating organization"].rows
    assert [row[-1] for row in rows if row[0].startswith("IOM")] in ([], [0])
    assert [row[-1] for row in rows if row[0].startswith("ILO")] == [1]


def test_the_funds_money_adds_up_with_interest_and_direct_costs(
    app,
    treasurer,  # noqa: F811
    agent,  # noqa: F811
    programme,  # noqa: F811
):
    """The fund's money table names what interest less direct costs added to the unearmarked
    pool, so that net contributions, plus it, less what was allocated, is what is available."""
    from datetime import timedelta

    from fund.finance import agent as agent_operations
    from fund.money import parse_amount
    from tests.helpers import user

    closed(app, treasurer, agent, programme)
    with app.app_context():
        day = utcnow().date() - timedelta(days=1)
        agent_operations.record_interest(user(agent.id), day, D("1234.56"), "INT-1")
        agent_operations.record_direct_cost(user(agent.id), day, D("200.00"), "Audit")
        db.session.commit()
    _report, tables, _notes = report_tables(app)
    rows = {label: parse_amount(value) for label, value in tables["The fund's money"].rows}
    assert rows["Interest less direct costs"] == D("1034.56")
    assert (
        rows["Net contributions"]
        + rows["Interest less direct costs"]
        - rows["Allocated to programmes"]
        == rows["Available to allocate"]
    )

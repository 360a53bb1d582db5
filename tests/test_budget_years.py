"""Budget lines by programme year: the editor's Year column, the submission check of a year
after the programme's end, totals unchanged, versions and what changed, the budget by year on
the proposal page, its version and its PDF, and the migration."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from fund.extensions import db
from fund.finance.models import Allocation
from fund.proposals.budget import Line, by_year, indirect_costs, programme_years, summarise
from fund.proposals.checks import submission_problems
from fund.proposals.models import BudgetLine, Proposal
from fund.proposals.operations import rules_from_config
from fund.proposals.snapshots import diff_snapshots, same_part, snapshot
from tests.helpers import edit_form_from, login, org_id, pdf_text

D = Decimal
RATE = D("0.07")


# The years of a programme ----------------------------------------------------------------


def test_a_programme_spans_its_duration_in_whole_years_at_least_one():
    assert [programme_years(m) for m in (None, 0, 1, 12, 13, 24, 30, 36, 120)] == [
        1,
        1,
        1,
        1,
        2,
        2,
        3,
        3,
        10,
    ]


lines = st.lists(
    st.tuples(
        st.integers(1, 3),  # organization
        st.integers(1, 23),  # objective
        st.integers(1, 7),  # category
        st.decimals(min_value=D("0.00"), max_value=D("999999.99"), places=2),
        st.integers(1, 10),  # year
    ),
    max_size=12,
)


@settings(max_examples=100, deadline=None)
@given(lines)
def test_years_change_no_total(rows) -> None:
    with_years = summarise([Line(o, n, c, a, y) for o, n, c, a, y in rows], RATE)
    without = summarise([Line(o, n, c, a) for o, n, c, a, _ in rows], RATE)
    assert with_years.by_organization == without.by_organization
    assert with_years.by_objective == without.by_objective
    assert with_years.indirect_by_objective == without.indirect_by_objective
    assert with_years.by_category == without.by_category
    assert with_years.grand_total == without.grand_total
    table = by_year(with_years, 2)
    assert table.grand_total == with_years.grand_total
    assert table.totals == {o: b.total for o, b in with_years.by_organization.items()}
    for org, cells in table.cells.items():
        direct = with_years.direct_by_year[org]
        assert cells == {y: d + indirect_costs(d, RATE) for y, d in direct.items()}
        # each year rounded on its own: within half a cent a year of the organization's total
        assert abs(sum(cells.values()) - table.totals[org]) <= D("0.005") * (len(cells) + 1)
    assert {1, 2} <= set(table.years)
    for year in table.years:
        assert table.year_totals[year] == sum(c.get(year, D("0")) for c in table.cells.values())


# The editor ----------------------------------------------------------------------------------


def _row(app, year: str, amount: str = "1000.00") -> dict[str, str]:
    return {
        "budget-0-organization_id": str(org_id("ILO", app)),
        "budget-0-objective_number": "6",
        "budget-0-category_code": "1",
        "budget-0-year": year,
        "budget-0-amount": amount,
        "budget-0-description": "Training",
    }


def test_the_editor_offers_the_programme_years_and_saves_each_line_s_year(
    app, client, applicant, make_proposal
) -> None:
    proposal_id = make_proposal(applicant)  # 24 months
    login(client, applicant.email)
    page = client.get(f"/proposals/{proposal_id}/edit").get_data(as_text=True)
    assert '<th scope="col">Year</th>' in page
    assert 'name="budget-0-year"' in page
    assert ">Year 2<" in page and ">Year 3" not in page
    form = edit_form_from(page) | _row(app, "2") | {"save": "Save draft"}
    response = client.post(f"/proposals/{proposal_id}/edit", data=form)
    assert response.status_code == 302
    with app.app_context():
        years = [line.year for line in db.session.get(Proposal, proposal_id).budget_lines]
        assert years == [2, 1]
    page = client.get(f"/proposals/{proposal_id}/edit").get_data(as_text=True)
    assert '<option selected value="2">Year 2</option>' in page


def test_a_year_out_of_range_is_refused_at_its_field_and_nothing_is_saved(
    app, client, applicant, make_proposal
) -> None:
    proposal_id = make_proposal(applicant)
    login(client, applicant.email)
    page = client.get(f"/proposals/{proposal_id}/edit").get_data(as_text=True)
    for year in ("11", "0", "abc"):
        form = edit_form_from(page) | _row(app, year, "1234.00") | {"save": "Save draft"}
        response = client.post(f"/proposals/{proposal_id}/edit", data=form)
        assert response.status_code == 400, year
        shown = response.get_data(as_text=True)
        assert 'href="#budget-0-year"' in shown, year
        assert 'value="1234.00"' in shown  # what was typed stays
    with app.app_context():
        lines = db.session.get(Proposal, proposal_id).budget_lines
        assert [line.amount for line in lines] == [D("600000.00"), D("400000.00")]


def test_a_huge_duration_typed_offers_no_more_than_the_longest_programme_s_years(
    app, client, applicant, make_proposal
) -> None:
    """A duration of 120,000 months is refused at its field; the page offers the ten years a
    programme may last, not a year for each twelve months typed (with 2^31 months typed, the
    page never finished)."""
    proposal_id = make_proposal(applicant)
    login(client, applicant.email)
    page = client.get(f"/proposals/{proposal_id}/edit").get_data(as_text=True)
    form = edit_form_from(page) | {"duration_months": "120000", "save": "Save draft"}
    response = client.post(f"/proposals/{proposal_id}/edit", data=form)
    assert response.status_code == 400
    shown = response.get_data(as_text=True)
    assert 'href="#duration_months"' in shown
    assert ">Year 10<" in shown and ">Year 11<" not in shown


def test_a_line_after_the_programme_s_end_is_kept_on_the_draft_but_not_submitted(
    app, client, applicant, make_proposal
) -> None:
    proposal_id = make_proposal(applicant)  # 24 months: years 1 and 2
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        proposal.budget_lines[1].year = 3
        db.session.commit()
        problems = submission_problems(proposal, rules_from_config(app.config))
        assert [(p.field, p.message) for p in problems] == [
            (
                "budget-1-year",
                "Budget row 2 is in year 3, after the programme's end (its duration spans 2 "
                "years): choose a year from 1 to 2.",
            )
        ]
    login(client, applicant.email)
    page = client.get(f"/proposals/{proposal_id}").get_data(as_text=True)
    assert f'href="/proposals/{proposal_id}/edit#budget-1-year"' in page
    edit = client.get(f"/proposals/{proposal_id}/edit").get_data(as_text=True)
    assert '<option selected value="3">Year 3 (after the end)</option>' in edit
    with app.app_context():  # a longer programme takes the line
        proposal = db.session.get(Proposal, proposal_id)
        proposal.duration_months = 25
        assert submission_problems(proposal, rules_from_config(app.config)) == []


# Versions -------------------------------------------------------------------------------------


def test_a_version_keeps_each_line_s_year_and_what_changed_shows_it(ctx, author, open_call):
    from tests.factories import new_proposal

    proposal = new_proposal(author, open_call)
    before = snapshot(proposal)
    assert [line["year"] for line in before["budget_lines"]] == [1, 1]
    proposal.budget_lines[1].year = 2
    db.session.flush()
    after = snapshot(proposal)
    changes = diff_snapshots(before, after)
    assert [c.key for c in changes] == ["budget_lines"]
    # a version stored before lines had years is in year 1: no change
    older = [{k: v for k, v in line.items() if k != "year"} for line in before["budget_lines"]]
    assert same_part("budget_lines", older, before["budget_lines"])
    assert not same_part("budget_lines", older, after["budget_lines"])
    assert before["budget_total"] == after["budget_total"]


def test_the_proposal_page_its_version_and_its_pdf_show_the_budget_by_year(
    app, client, applicant, make_proposal
) -> None:
    from tests.factories import submit

    proposal_id = make_proposal(applicant)
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        proposal.budget_lines = [
            *proposal.budget_lines,
            BudgetLine(
                organization_id=org_id("ILO"),
                objective_number=6,
                category_code=2,
                amount=D("100000.00"),
                year=2,
            ),
        ]
        db.session.flush()
        submit(proposal, applicant)
        db.session.commit()
    login(client, applicant.email)
    for url in (f"/proposals/{proposal_id}", f"/proposals/{proposal_id}/versions/1"):
        page = client.get(url).get_data(as_text=True)
        assert "By programme year" in page, url
        assert '<th scope="col" class="num">Year 2</th>' in page, url
        # ILO: 600,000 in year 1 (642,000 with indirect costs), 100,000 in year 2 (107,000)
        assert "USD 642,000.00" in page and "USD 107,000.00" in page, url
        assert "USD 749,000.00" in page, url  # ILO's total
    response = client.get(f"/proposals/{proposal_id}/versions/1.pdf")
    assert response.status_code == 200
    _, document = pdf_text(response.data)
    assert "By programme year" in document
    assert "Year 2 (USD)" in document


# The migration -------------------------------------------------------------------------------


@pytest.mark.usefixtures("backend")
def test_the_migration_puts_existing_lines_in_year_1_and_refuses_year_0(
    app, author, make_proposal
) -> None:
    """Lines written before have year 1, and a programme funded before has its schedule: one
    tranche per organization, its share, at funding."""
    from flask_migrate import downgrade, upgrade

    from fund.finance.transfer_schedule import scheduled_tranches

    proposal_id = make_proposal(author)
    funded_id = make_proposal(author, status="funded", title="Funded before")
    directory = str(Path(__file__).resolve().parent.parent / "migrations")
    with app.app_context():
        db.session.remove()
        downgrade(directory=directory, revision="a9d4c1e7b320")
        inspector = db.inspect(db.engine)
        assert "year" not in {c["name"] for c in inspector.get_columns("budget_lines")}
        assert "planned_tranches" not in inspector.get_table_names()
        upgrade(directory=directory)
        db.session.remove()
        years = db.session.scalars(
            select(BudgetLine.year).where(BudgetLine.proposal_id == proposal_id)
        ).all()
        assert years == [1, 1]
        allocation = db.session.scalar(
            select(Allocation).where(Allocation.proposal_id == funded_id)
        )
        assert [
            (t.organization, t.number, t.planned_on, t.amount)
            for t in scheduled_tranches(allocation.id)
        ] == [
            (s.organization.acronym, 1, allocation.allocated_on, s.amount)
            for s in allocation.shares
        ]
        with pytest.raises(IntegrityError):
            db.session.execute(
                text("UPDATE budget_lines SET year = 0 WHERE proposal_id = :p"),
                {"p": proposal_id},
            )
        db.session.rollback()


def test_the_budget_lines_table_gives_each_line_s_year(
    app, client, login_as, author, make_proposal
):
    from tests.test_exports import read_csv

    proposal_id = make_proposal(author)
    login_as("secretariat", organization_acronym="IOM")
    with app.app_context():
        db.session.get(Proposal, proposal_id).budget_lines[1].year = 2
        db.session.commit()
    lines = read_csv(client.get("/reports/tables/budget_lines.csv").data)
    assert [(r["Amount (USD)"], r["Programme year"]) for r in lines] == [
        ("600000.00", "1"),
        ("400000.00", "2"),
    ]

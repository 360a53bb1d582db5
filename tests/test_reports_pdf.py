"""The fund allocation report and the committee's decision record as PDFs: the figures equal
the coverage dashboard and the balance page, an as-of date leaves later events out, every page
is numbered and carries the audit trail's head, and each PDF is shown only to those who may
see it."""

from __future__ import annotations

import io
import re
import unicodedata
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from reportlab import rl_config
from reportlab.pdfbase.pdfmetrics import stringWidth
from sqlalchemy import event, select

from fund.accounts.models import User
from fund.audit.queries import head
from fund.calls.models import Call
from fund.committee import meetings as committee_meetings
from fund.committee import operations as committee
from fund.committee.models import VotingRound
from fund.coverage.queries import CoverageFilters, coverage
from fund.extensions import db
from fund.finance import operations as finance_operations
from fund.finance import queries as finance
from fund.finance.models import Allocation
from fund.proposals import operations as proposal_operations
from fund.proposals.models import Proposal
from fund.reference.models import Country, GcmObjective
from fund.reports.allocation_data import build_allocation_report
from fund.reports.allocation_pdf import render_allocation_report
from fund.reports.pdf.styles import REGULAR, register_fonts
from fund.reports.pdf.tables import wrap_text
from tests.conftest import PreparedDatabase, detached, engine_of
from tests.factories import (
    budget_lines,
    committee_people,
    fill_complete,
    new_proposal,
    take_to_committee,
)
from tests.helpers import coverage_row, login, new_organization, pdf_text, user
from tests.helpers import organization as org

D = Decimal
AS_OF = date(2025, 3, 1)
GENERATED = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2025, month, day, hour, 0, tzinfo=UTC)


def _draft(author: User, call_id: int, title: str, when: datetime, **shape) -> Proposal:
    """A complete ILO-led draft (ILO and IOM taking part); `lines` are (acronym, objective,
    amount), `country` its only country and endorser."""
    proposal = proposal_operations.create_draft(
        user(author), call_id=call_id, title=title, summary=f"Summary of {title}.", now=when
    )
    fill_complete(proposal)
    country = db.session.get(Country, shape.get("country", "CL"))
    proposal.countries, proposal.endorsers = [country], [country]
    proposal.attachments[0].country_iso2 = country.iso2
    lines = shape.get("lines")
    if lines:
        proposal.primary_objective_number = lines[0][1]
        proposal.secondary_objectives = [db.session.get(GcmObjective, lines[-1][1])]
        proposal.budget_lines = budget_lines(lines)
    proposal.gender_marker = shape.get("gender", 2)
    db.session.flush()
    return proposal


def _to_committee(proposal: Proposal, people: SimpleNamespace, when: datetime) -> int:
    """Submit, screen and forward: the committee's round opens. Returns the round's id."""
    return take_to_committee(proposal, people.author, people.secretariat, now=when).id


def _approve(round_id: int, people: SimpleNamespace, when: datetime, summary: str) -> None:
    committee.close_round(round_id, user(people.secretariat), summary=summary, now=when)


def _vote(round_id: int, member: User, choice: str, when: datetime, comment="", conditions=""):
    committee.cast_vote(round_id, user(member), choice, comment, conditions, now=when)


def _pay(proposal: Proposal, acronym: str, amount: str, paid: datetime, people) -> None:
    allocation = db.session.scalar(select(Allocation).where(Allocation.proposal_id == proposal.id))
    finance_operations.record_disbursement(
        user(people.secretariat), allocation, org(acronym).id, paid.date(), D(amount), now=paid
    )


def _people() -> SimpleNamespace:
    """An ILO applicant, the secretariat, four committee members and two donors. The
    programmes are ILO-led with IOM taking part: the IOM member is recused from every round."""
    return SimpleNamespace(
        **vars(committee_people()),
        kdn=new_organization(name="Kingdom of Donors", acronym="KDN", kind="other"),
        afd=new_organization(name="Agence française de développement", acronym="AFD", kind="other"),
    )


def _history() -> SimpleNamespace:
    """A year of the fund, every step through the real operations at its own date.

    A (Chile, call 1): approved 25 Jan, funded 1 Feb, paid ILO 300,000 on 10 Feb and IOM
    100,000 on 25 Mar. B (Senegal, call 2): approved 10 Feb, funded 15 Mar, paid 50,000 on
    25 Mar. C (Mexico, call 1): approved 18 Feb, not funded (pipeline). D (Morocco, call 1):
    under committee review since 25 Feb. Contributions: KDN 5,000,000 on 15 Jan; 10.00 on
    16 Jan voided the next day; 20.00 on 1 Feb voided on 1 Apr; AFD 1,000,000 earmarked TA4 on
    20 Mar.
    """
    people = _people()
    calls = [
        Call(
            title=title,
            opens_on=date(2025, 1, 1),
            closes_on=date(2025, 12, 31),
            envelope=D("20000000.00"),
        )
        for title in ("Call 2025: labour mobility", "Call 2025: Sahel")
    ]
    db.session.add_all(calls)
    db.session.flush()
    secretariat, kdn, afd = people.secretariat, people.kdn, people.afd
    a = _draft(people.author, calls[0].id, "Fair recruitment in Chile", at(1, 10))
    b = _draft(
        people.author,
        calls[1].id,
        "Migrant workers in Saint-Louis, Sénégal",
        at(1, 10),
        country="SN",
        lines=[("ILO", 2, "450000.00"), ("IOM", 23, "150000.00")],
        gender=3,
    )
    c = _draft(
        people.author,
        calls[0].id,
        "Consular protection in Mexico",
        at(1, 10),
        country="MX",
        lines=[("ILO", 5, "300000.00"), ("IOM", 5, "200000.00")],
    )
    d = _draft(
        people.author,
        calls[0].id,
        "Access to services in Morocco",
        at(1, 10),
        country="MA",
        lines=[("IOM", 15, "500000.00"), ("ILO", 15, "200000.00")],
    )
    finance_operations.record_contribution(
        secretariat, kdn, date(2025, 1, 15), D("5000000.00"), now=at(1, 15)
    )
    typo = finance_operations.record_contribution(
        secretariat, kdn, date(2025, 1, 16), D("10.00"), now=at(1, 16)
    )
    finance_operations.void_contribution(secretariat, typo, "Typed twice", now=at(1, 17))
    rounds = {p: _to_committee(p, people, at(1, 20)) for p in (a, b, c)}
    _vote(rounds[a], people.unhcr, "approve", at(1, 23), "Strong design.", "Quarterly reporting.")
    _vote(rounds[a], people.unicef, "abstain", at(1, 23), "Outside my remit.")
    _vote(rounds[a], people.undp, "approve", at(1, 24, 15))
    _approve(rounds[a], people, at(1, 25), "Approved with quarterly reporting.")
    finance_operations.fund_proposal(secretariat, a, date(2025, 2, 1), now=at(2, 1))
    late_void = finance_operations.record_contribution(
        secretariat, kdn, date(2025, 2, 1), D("20.00"), now=at(2, 1, 11)
    )
    for member in (people.unhcr, people.unicef):
        _vote(rounds[b], member, "approve", at(2, 5))
    _approve(rounds[b], people, at(2, 10), "Approved.")
    _pay(a, "ILO", "300000.00", at(2, 10, 12), people)
    for member in (people.unhcr, people.undp):
        _vote(rounds[c], member, "approve", at(2, 17))
    _approve(rounds[c], people, at(2, 18), "Approved.")
    _to_committee(d, people, at(2, 25))
    finance_operations.fund_proposal(secretariat, b, date(2025, 3, 15), now=at(3, 15))
    finance_operations.record_contribution(
        secretariat, afd, date(2025, 3, 20), D("1000000.00"), "TA4", now=at(3, 20)
    )
    _pay(a, "IOM", "100000.00", at(3, 25), people)
    _pay(b, "ILO", "50000.00", at(3, 25), people)
    finance_operations.void_contribution(secretariat, late_void, "Test deposit", now=at(4, 1))
    db.session.commit()
    assert [p.status for p in (a, b, c, d)] == [
        "funded",
        "funded",
        "approved",
        "committee_review",
    ]
    history = SimpleNamespace(
        calls=[call.id for call in calls],
        a=a.id,
        b=b.id,
        c=c.id,
        d=d.id,
        round_a=rounds[a],
        round_b=rounds[b],
    )
    people = SimpleNamespace(**{name: detached(row) for name, row in vars(people).items()})
    return SimpleNamespace(people=people, history=history)


@pytest.fixture(scope="module")
def prepared(request) -> PreparedDatabase:
    """The year of the fund, made once per engine: the tests read it, each on a copy."""
    return PreparedDatabase(request, _history)


@pytest.fixture
def people(request, prepared) -> SimpleNamespace:
    return prepared.data(engine_of(request)).people


@pytest.fixture
def history(request, prepared) -> SimpleNamespace:
    return prepared.data(engine_of(request)).history


def client_of(app, person: User):
    client = app.test_client()
    assert login(client, person.email).status_code == 302
    return client


def lines_of(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def after_contents(lines: list[str]) -> list[str]:
    """The lines after the report's contents (whose last entry is the last section's title),
    or all of them in a document without contents."""
    if "Contents" not in lines:
        return lines
    return lines[lines.index("How the figures are counted", lines.index("Contents")) + 1 :]


def between(text: str, start: str, end: str | None = None) -> list[str]:
    """The lines of `text` from the first line equal to `start` up to the next equal to `end`,
    after the contents."""
    lines = after_contents(lines_of(text))
    first = lines.index(start)
    last = lines.index(end, first) if end else len(lines)
    return lines[first:last]


def has_row(lines: list[str], first_cell: str, values: list[str]) -> bool:
    """A table row: a line starting with `first_cell`, its other cells right after it (a cell
    that wraps takes a few lines, so the values may start up to four lines later)."""
    for i, line in enumerate(lines):
        if line.startswith(first_cell):
            for skip in range(1, 9):
                if lines[i + skip : i + skip + len(values)] == values:
                    return True
    return False


def m(value: Decimal | None) -> str:
    return f"{value:,.2f}"


def pct(share: Decimal) -> str:
    return f"{share * 100:.2f}%"


def coverage_values(row, targets: bool = True) -> list[str]:
    values = [m(row.funded), pct(row.share)]
    if targets:
        values.append(pct(row.target))
    return [*values, m(row.pipeline), m(row.review), str(row.programmes)]


# The allocation report -------------------------------------------------------------------


def test_report_figures_equal_the_dashboard_and_the_balance(app, people, history):
    response = client_of(app, people.secretariat).get("/reports/allocation.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "allocation-report" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"
    _, text = pdf_text(response.data)
    with app.app_context():
        money = finance.balance()
        pipeline = finance.pipeline(D("0.07"), money.available_by_pool())
        covered = coverage(include_pipeline=True)
        allocations = finance.allocations()
    t, c = money.total, covered.totals
    # The fixture's own arithmetic, so that equal figures are not equal by accident.
    assert (t.gross, t.fees, t.net) == (D("6000000.00"), D("60000.00"), D("5940000.00"))
    assert (t.allocated, t.disbursed) == (D("1712000.00"), D("450000.00"))
    assert (c.funded, c.pipeline, c.review) == (D("1712000.00"), D("535000.00"), D("749000.00"))

    summary = between(
        text,
        "The fund's money (whole fund)",
        "By pool (unearmarked money and earmarks per thematic area)",
    )
    for label, value in [
        ("Contributions received (gross)", t.gross),
        ("Administrative Agent fee", t.fees),
        ("Net contributions", t.net),
        ("Allocated to programmes", t.allocated),
        ("Transferred, net of refunds", t.disbursed),
        ("Allocated, not yet disbursed", t.committed),
        ("Available to allocate", t.available),
        ("Pipeline: approved, awaiting funding (1)", pipeline.total),
        ("Of the pipeline, fundable now from the pools", pipeline.fundable_total),
        ("Funded programmes (2)", c.funded),
        ("of which direct costs", c.funded_direct),
        ("of which indirect support costs", c.funded_indirect),
        ("Allocations recorded for these programmes (2)", t.allocated),
        ("Transferred on these allocations", t.disbursed),
        ("Approved, awaiting funding (1)", c.pipeline),
        ("Under Executive Committee review (1)", c.review),
    ]:
        assert has_row(summary, label, [m(value)]), label
    pools = between(
        text, "By pool (unearmarked money and earmarks per thematic area)", "Contributions by donor"
    )
    for pool in [*money.pools, money.total]:
        values = [
            m(pool.net),
            m(pool.interest_less_costs),
            m(pool.allocated),
            m(pool.disbursed),
            m(pool.available),
        ]
        assert has_row(pools, pool.label.replace("All money", "All pools"), values), pool.label
    donors = between(text, "Contributions by donor", "Allocations by thematic area")
    assert has_row(
        donors, "KDN: Kingdom of Donors", ["1", "5,000,000.00", "50,000.00", "4,950,000.00"]
    )
    assert has_row(
        donors,
        "AFD: Agence française de",
        ["1", "1,000,000.00", "10,000.00", "990,000.00"],
    )
    assert has_row(donors, "All donors", [str(t.contributions), m(t.gross), m(t.fees), m(t.net)])
    assert "Typed twice" in " ".join(donors) and "Test deposit" in " ".join(donors)

    areas = between(text, "Allocations by thematic area", "Allocations by GCM objective")
    for row in covered.areas:
        assert has_row(areas, f"{row.key}: ", coverage_values(row)), row.key
    objectives = between(text, "Allocations by GCM objective", "Coverage gaps")
    for row in covered.objectives:
        if row.funded or row.pending:
            assert has_row(objectives, row.label.split(" ")[0], coverage_values(row)), row.label
    assert has_row(objectives, "Total", [m(c.funded), "100.00%", m(c.pipeline), m(c.review)])
    gaps = between(text, "Coverage gaps", "Allocations by region")
    flagged = [(f"Objective {r.key}.", r) for r in covered.objectives if r.flag] + [
        (f"Thematic area {r.key}:", r) for r in covered.areas if r.flag
    ]
    assert {r.flag for _, r in flagged} >= {"uncovered", "pipeline_only", "concentrated"}
    for where, row in flagged:
        assert has_row(gaps, where, [row.flag_label]), where
    why = " ".join(gaps)
    assert "Nothing funded, approved or under review, for a target of 4.35%." in why
    # Objective 5: only C's budget, approved and awaiting money.
    assert "Nothing funded yet; USD 535,000.00 approved, awaiting funding. Target 4.35%." in why
    regions = between(text, "Allocations by region", "Allocations by participating organization")
    for row in covered.regions:
        if row.funded or row.pending:
            assert has_row(regions, row.label, coverage_values(row)), row.label
    assert has_row(regions, "Chile (CL)", ["Americas", "1", "1,070,000.00"])
    assert has_row(regions, "Senegal (SN)", ["Africa", "1", "642,000.00"])
    organizations = between(
        text, "Allocations by participating organization", "Gender and human rights markers"
    )
    for row in covered.organizations:
        assert has_row(organizations, f"{row.label}:", coverage_values(row, targets=False)), (
            row.label
        )
    markers = between(
        text, "Gender and human rights markers", "Pipeline: approved, awaiting funding"
    )
    human_rights = markers[markers.index("Human rights marker") :]
    gender = markers[: markers.index("Human rights marker")]
    for rows, lines in (
        (covered.gender_markers, gender),
        (covered.human_rights_markers, human_rights),
    ):
        for row in rows:
            assert has_row(lines, f"{row.label}: {row.title}", coverage_values(row, targets=False))
    queue = between(
        text,
        "Pipeline: approved, awaiting funding",
        f"List of the funded programmes ({len(allocations)})",
    )
    for row in pipeline.rows:
        assert has_row(queue, f"P-{row.proposal_id:05d}", []) and m(row.total) in queue
    assert [line for line in queue if line.startswith("P-")] == [f"P-{history.c:05d}"]
    funded = between(
        text, f"List of the funded programmes ({len(allocations)})", "How the figures are counted"
    )
    for a in allocations:
        assert has_row(
            funded,
            f"P-{a.proposal_id:05d}",
            [a.allocated_on.isoformat(), m(a.amount), m(a.disbursed)],
        )
    assert has_row(funded, "Total", [m(t.allocated), m(t.disbursed)])


def test_as_of_leaves_later_events_out(app, people, history):
    response = client_of(app, people.secretariat).get(f"/reports/allocation.pdf?as_of={AS_OF}")
    assert response.status_code == 200
    assert "allocation-report-20250301" in response.headers["Content-Disposition"]
    _, text = pdf_text(response.data)
    assert "1 March 2025 (end of the day, UTC)" in text
    summary = between(text, "The fund's money (whole fund)", "Contributions by donor")
    # Left out: AFD's 1,000,000 (20 Mar), the IOM tranche (25 Mar), B's allocation (15 Mar) and
    # its tranche; kept: the 20.00 deposit voided only on 1 Apr. B was approved, not funded.
    for label, value in [
        ("Contributions received (gross)", "5,000,020.00"),
        ("Administrative Agent fee", "50,000.20"),
        ("Net contributions", "4,950,019.80"),
        ("Allocated to programmes", "1,070,000.00"),
        ("Transferred, net of refunds", "300,000.00"),
        ("Available to allocate", "3,880,019.80"),
        ("Pipeline: approved, awaiting funding (2)", "1,177,000.00"),
        ("Funded programmes (1)", "1,070,000.00"),
        ("Approved, awaiting funding (2)", "1,177,000.00"),
        ("Under Executive Committee review (1)", "749,000.00"),
    ]:
        assert has_row(summary, label, [value]), label
    assert "Agence française" not in text and "Test deposit" not in text
    assert "Left out: 1 contribution voided as entered by mistake (" in text.replace("\n", " ")
    queue = between(
        text, "Pipeline: approved, awaiting funding", "List of the funded programmes (1)"
    )
    assert [line for line in queue if line.startswith("P-")] == [
        f"P-{history.b:05d}",
        f"P-{history.c:05d}",
    ]
    assert "2025-02-10" in queue and "2025-02-18" in queue
    funded = between(text, "List of the funded programmes (1)", "How the figures are counted")
    assert has_row(funded, f"P-{history.a:05d}", ["2025-02-01", "1,070,000.00", "300,000.00"])
    assert f"P-{history.b:05d}" not in funded
    # The same figures as the query functions give for that day.
    with app.app_context():
        money = finance.balance(AS_OF).total
        covered = coverage(include_pipeline=True, as_of=AS_OF).totals
    assert (m(money.gross), m(money.disbursed), m(money.available)) == (
        "5,000,020.00",
        "300,000.00",
        "3,880,019.80",
    )
    assert (m(covered.funded), m(covered.pipeline), m(covered.review)) == (
        "1,070,000.00",
        "1,177,000.00",
        "749,000.00",
    )


def test_the_query_functions_give_the_state_of_a_past_day(app, backend, people, history):
    rate = D("0.07")
    with app.app_context():
        money = finance.balance(AS_OF)
        assert money.available_by_pool() == {
            "GENERAL": D("3880019.80"),
            **{f"TA{n}": D("0.00") for n in range(1, 6)},
        }
        assert [v.reason for v in money.voided] == ["Typed twice"]
        assert [v.reason for v in finance.voided_contributions()] == ["Test deposit", "Typed twice"]
        assert sorted(c.gross for c in finance.contributions(AS_OF)) == [
            D("10.00"),
            D("20.00"),
            D("5000000.00"),
        ]
        assert [(a.proposal_id, a.disbursed) for a in finance.allocations(AS_OF)] == [
            (history.a, D("300000.00"))
        ]
        queue = finance.pipeline(rate, as_of=AS_OF)
        assert [r.proposal_id for r in queue.rows] == [history.b, history.c]
        assert queue.available == D("3880019.80")
        # The day A, B and C went to the committee (D still a draft): all under review.
        early = coverage(include_pipeline=True, as_of=date(2025, 1, 21)).totals
        assert (early.funded, early.pipeline, early.review) == (
            D("0.00"),
            D("0.00"),
            D("2247000.00"),
        )
        assert early.review_programmes == 3
        before = coverage(include_pipeline=True, as_of=date(2024, 12, 31)).totals
        assert (before.funded, before.review) == (D("0.00"), D("0.00"))
        assert finance.balance(date(2024, 12, 31)).total.gross == D("0.00")
        # A period and an as-of date together: B's allocation (15 Mar) is not known on 1 Mar,
        # so B counts by its submission date (20 Jan), outside a March period.
        march = coverage(
            CoverageFilters(date_from=date(2025, 3, 1)), include_pipeline=True, as_of=AS_OF
        ).totals
        assert (march.funded, march.pipeline, march.review) == (D("0.00"), D("0.00"), D("0.00"))
        now = coverage(CoverageFilters(date_from=date(2025, 3, 1)), include_pipeline=True).totals
        assert now.funded == D("642000.00")


def test_call_and_period_choose_the_programmes_as_on_the_dashboard(app, people, history):
    client = client_of(app, people.secretariat)
    first_call = history.calls[0]
    _, text = pdf_text(client.get(f"/reports/allocation.pdf?call={first_call}").data)
    with app.app_context():
        covered = coverage(CoverageFilters(call_id=first_call), include_pipeline=True).totals
    assert "Call: Call 2025: labour mobility · all dates" in text
    summary = between(
        text,
        "The fund's money (whole fund)",
        "By pool (unearmarked money and earmarks per thematic area)",
    )
    assert has_row(summary, "Contributions received (gross)", ["6,000,000.00"])  # whole fund
    assert has_row(summary, "Funded programmes (1)", [m(covered.funded)])
    assert has_row(summary, "Under Executive Committee review (1)", [m(covered.review)])
    assert covered.funded == D("1070000.00")
    assert f"P-{history.b:05d}" not in text

    _, text = pdf_text(client.get("/reports/allocation.pdf?from=2025-03-01&to=2025-03-31").data)
    with app.app_context():
        march = coverage(
            CoverageFilters(date_from=date(2025, 3, 1), date_to=date(2025, 3, 31)),
            include_pipeline=True,
        ).totals
    assert "All calls · 1 March 2025 to 31 March 2025" in text
    summary = between(
        text,
        "The fund's money (whole fund)",
        "By pool (unearmarked money and earmarks per thematic area)",
    )
    assert march.funded == D("642000.00") and march.pipeline == D("0.00")
    assert has_row(summary, "Funded programmes (1)", [m(march.funded)])
    assert has_row(summary, "Approved, awaiting funding (0)", ["0.00"])
    assert "No approved proposal awaits funding." in text


def test_every_page_is_numbered_and_carries_the_audit_head(app, people, history):
    data = client_of(app, people.secretariat).get("/reports/allocation.pdf").data
    reader, _ = pdf_text(data)
    with app.app_context():
        event_id, digest = head()
    pages = len(reader.pages)
    assert pages >= 5
    for number, page in enumerate(reader.pages, start=1):
        text = unicodedata.normalize("NFKC", page.extract_text())
        assert f"Page {number} of {pages}" in text
        assert f"Audit trail head #{event_id} {digest}" in text
        assert "Allocation report as of" in text and "generated" in text
    faces = {
        str(font["/BaseFont"]).split("+")[-1]
        for page in reader.pages
        for font in page["/Resources"].get("/Font", {}).values()
    }
    assert faces <= {"DejaVuSans", "DejaVuSans-Bold"}


def test_the_same_records_give_the_same_bytes(app, people, history, monkeypatch):
    monkeypatch.setattr(rl_config, "invariant", 1)
    with app.app_context():
        first, second = (
            render_allocation_report(
                build_allocation_report(app.config, as_of=AS_OF, generated_at=GENERATED)
            )
            for _ in range(2)
        )
    assert first == second
    _, text = pdf_text(first)
    assert "5 January 2026, 09:30 UTC" in text


def test_the_number_of_queries_does_not_grow_with_the_programmes(app, people, history):
    def count_queries() -> int:
        statements: list[str] = []

        def seen(conn, cursor, statement, *args):
            statements.append(statement)

        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", seen)
            try:
                build_allocation_report(app.config, generated_at=GENERATED)
            finally:
                event.remove(db.engine, "before_cursor_execute", seen)
        return len(statements)

    before = count_queries()
    with app.app_context():
        for n in range(5):  # funded in May 2025, while the call was open
            new_proposal(
                people.author,
                history.calls[0],
                "funded",
                title=f"Extra programme {n}",
                countries=["PE"],
                submitted_at=at(5, 1),
                decided_at=at(5, 1),
                allocated_on=date(2025, 5, 1),
            )
        db.session.commit()
    assert count_queries() == before


@pytest.mark.parametrize(
    ("roles", "expected"),
    [(("applicant",), 403), (("committee",), 403), (("secretariat",), 200)],
)
def test_the_report_is_for_the_secretariat(app, client, login_as, roles, expected):
    login_as(*roles, organization_acronym="UNDP")
    assert client.get("/reports/allocation.pdf").status_code == expected


def test_anonymous_visitors_are_asked_to_sign_in(client):
    assert client.get("/reports/allocation.pdf").status_code == 302


def test_the_reports_page_offers_the_report_and_explains_wrong_choices(app, people, history):
    client = client_of(app, people.secretariat)
    page = client.get("/reports/").get_data(as_text=True)
    assert 'action="/reports/allocation.pdf"' in page
    assert "Call 2025: labour mobility" in page and 'name="as_of"' in page
    refused = client.get(
        "/reports/allocation.pdf?call=999&from=2025-03-02&to=2025-03-01&as_of=2999-01-01"
    )
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    for message in (
        "Choose a call from the list.",
        "The end of the period must not be before its start.",
        "The as-of date cannot be in the future.",
    ):
        assert message in page
    assert 'value="2999-01-01"' in page
    bad = client.get("/reports/allocation.pdf?as_of=1%20March")
    assert bad.status_code == 400 and "Give a date as YYYY-MM-DD." in bad.get_data(as_text=True)


def test_cli_writes_the_report(app, runner, people, history, tmp_path):
    out = tmp_path / "report.pdf"
    result = runner.invoke(
        args=["fund", "report", "allocation", "--out", str(out), "--as-of", AS_OF.isoformat()]
    )
    assert result.exit_code == 0, result.output
    assert "1 funded programme, written to" in result.output  # the singular for one
    _, text = pdf_text(out.read_bytes())
    assert has_row(lines_of(text), "Contributions received (gross)", ["5,000,020.00"])
    result = runner.invoke(
        args=["fund", "report", "allocation", "--out", str(out), "--call", str(history.calls[1])]
    )
    assert result.exit_code == 0, result.output
    _, text = pdf_text(out.read_bytes())
    assert "Call: Call 2025: Sahel" in text and has_row(
        lines_of(text), "Funded programmes (1)", ["642,000.00"]
    )
    for args in (
        ["--as-of", "2999-01-01"],
        ["--call", "999"],
        ["--from", "2025-03-02", "--to", "2025-03-01"],
    ):
        result = runner.invoke(args=["fund", "report", "allocation", "--out", str(out), *args])
        assert result.exit_code != 0, args


def test_table_cells_wrap_even_a_long_word_inside_their_column():
    register_fonts()  # measured in the PDFs' font, whichever test ran before
    text = "bench.committee.unhcr@example.org and Saint-Louis, Sénégal"
    lines = wrap_text(text, REGULAR, 8, 50).split("\n")
    assert len(lines) > 2
    assert all(stringWidth(line, REGULAR, 8) <= 50 for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


# The decision record ---------------------------------------------------------------------


def test_decision_record_matches_the_votes(app, people, history):
    client = client_of(app, people.secretariat)
    response = client.get(f"/committee/rounds/{history.round_a}.pdf")
    assert response.status_code == 200
    assert f"P-{history.a:05d}-round-1-decision.pdf" in response.headers["Content-Disposition"]
    reader, text = pdf_text(response.data)
    lines = lines_of(text)
    assert f"Decision record: P-{history.a:05d}, round 1" in text
    assert "Executive Committee · Approved" in text
    assert has_row(lines, "Opened", ["20 January 2025, 10:00 UTC by Sara Secretariat"])
    assert has_row(lines, "Closed", ["25 January 2025, 10:00 UTC by Sara Secretariat"])
    assert "Consensus (quorum met and no vote to reject)" in text
    assert "a majority of the members entitled to vote: 2 needed, 3 cast, met" in text
    assert "Approved with quarterly reporting." in text
    assert has_row(
        lines,
        "Approve",
        [
            "Reject",
            "Abstain",
            "Votes cast",
            "Entitled",
            "Quorum needed",
            "2",
            "0",
            "1",
            "3",
            "3",
            "2",
        ],
    )
    with app.app_context():
        round_ = db.session.get(VotingRound, history.round_a)
        votes = [
            (v.member.name, v.choice, v.comment, v.conditions, v.cast_at) for v in round_.votes
        ]
        explanation = committee.round_tally(round_).explanation
    assert len(votes) == 3
    for name, choice, comment, conditions, cast_at in votes:
        organization = name.split(" ")[1]
        expected = [organization, choice.capitalize()]
        assert has_row(lines, name, expected), name
        for part in (comment, conditions):
            if part:
                assert part in text
        assert f"{cast_at.day} {cast_at:%B %Y, %H:%M UTC}" in " ".join(lines)
    assert explanation.split(":")[0] in text
    assert has_row(
        lines,
        "Ibrahim IOM",
        ["IOM", "Automatic", "IOM is a participating organization of this", "proposal."],
    )
    assert "Recusals (1)" in text and "Members entitled to vote (3)" in text
    assert f"Page 1 of {len(reader.pages)}" in text
    with app.app_context():
        assert f"Audit trail head #{head()[0]}" in text


def test_decision_pdf_follows_the_record_page(app, people, history, create_user):
    stranger = create_user(roles=("applicant",), organization_acronym="UNDP")
    with app.app_context():
        open_round = db.session.scalar(
            select(VotingRound.id).where(VotingRound.proposal_id == history.d)
        )
    for person, round_id, expected in [
        (people.secretariat, history.round_a, 200),
        (people.unhcr, history.round_a, 200),  # a member without conflict, round closed
        (people.iom, history.round_a, 404),  # recused
        (people.author, history.round_a, 200),  # the applicant: outcome and conditions only
        (stranger, history.round_a, 404),
        (people.unhcr, open_round, 404),  # not closed yet
        (people.secretariat, open_round, 200),
        (people.secretariat, 999, 404),
    ]:
        client = client_of(app, person)
        page = client.get(f"/committee/rounds/{round_id}")
        pdf = client.get(f"/committee/rounds/{round_id}.pdf")
        assert (page.status_code, pdf.status_code) == (expected, expected), (person.name, round_id)
        if expected != 200:
            continue
        assert f"/committee/rounds/{round_id}.pdf" in page.get_data(as_text=True)
        _, text = pdf_text(pdf.data)
        if person is people.author:
            assert "Quarterly reporting." in text and "Approved with quarterly reporting." in text
            assert "Ursula UNHCR" not in text and "Strong design." not in text
            assert "not shown to the applicant" in text
        elif round_id == open_round:
            assert "This round is still open" in text
        else:
            assert "Ursula UNHCR" in text and "Strong design." in text
    assert app.test_client().get(f"/committee/rounds/{history.round_a}.pdf").status_code == 302


def test_cli_writes_the_decision_record(app, runner, people, history, tmp_path):
    out = tmp_path / "round.pdf"
    reference = f"P-{history.b:05d}"
    result = runner.invoke(
        args=[
            *("fund", "report", "decision", "--proposal", reference),
            *("--round", "1", "--out", str(out)),
        ]
    )
    assert result.exit_code == 0, result.output
    _, text = pdf_text(out.read_bytes())
    assert f"Decision record: P-{history.b:05d}, round 1" in text
    assert "Ursula UNHCR" in text and "Chen UNICEF" in text and "Dina UNDP" in text
    result = runner.invoke(
        args=[
            *("fund", "report", "decision", "--proposal", reference),
            *("--round", "999", "--out", str(out)),
        ]
    )
    assert result.exit_code != 0


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", ("Relevé de décision : P-{a:05d}, tour 1", "Page 1 sur", "Voix exprimées")),
        ("es", ("Acta de decisión: P-{a:05d}, ronda 1", "Página 1 de", "Votos emitidos")),
        ("ar", ("سجل القرار", "الصفحة", "النتيجة")),
    ],
)
def test_the_decision_record_is_written_in_the_requesters_language(
    app, people, history, language, expected
):
    client = client_of(app, people.secretariat)
    response = client.get(f"/committee/rounds/{history.round_a}.pdf?lang={language}")
    assert response.status_code == 200
    _reader, text = pdf_text(response.data)  # Arabic read back in reading order
    for phrase in expected:
        phrase = phrase.format(a=history.a)
        assert phrase in text, (language, phrase)
    assert "Decision record" not in text and "Votes cast" not in text
    if language == "fr":  # the quorum's line as the page says it: a space before each colon
        assert "voter : voix requises :" in " ".join(text.split()), text


def test_every_heading_of_an_arabic_decision_record_starts_at_the_right(app, people, history):
    """Each heading of the decision record in Arabic is set at the right, as its title and its
    other headings are: "القرار" (the decision) stood alone at the left."""
    from flask_babel import force_locale
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.platypus import KeepTogether, Paragraph

    from fund.reports.decision_pdf import _story, full_record

    def flowables(blocks):
        for block in blocks:
            if isinstance(block, KeepTogether):
                yield from flowables(block._content)
            else:
                yield block

    with app.test_request_context(), force_locale("ar"):
        record = full_record(db.session.get(VotingRound, history.round_a), app.config)
        story = list(flowables(_story(record, GENERATED)))
    headings = [b for b in story if isinstance(b, Paragraph) and b.style.name.startswith("h2")]
    assert len(headings) >= 4
    for heading in headings:
        heading.wrap(400, 1000)
        assert heading.style.alignment == TA_RIGHT, heading.getPlainText()


def test_every_table_of_an_arabic_decision_record_is_mirrored(app, people, history):
    """The tally, the votes and the recusals read from the right in Arabic, as the facts do:
    each table's first column (the member) at the right."""
    from flask_babel import force_locale, gettext
    from reportlab.platypus import KeepTogether, Table

    from fund.reports.decision_pdf import _story, full_record
    from fund.reports.pdf.styles import display_text

    def tables(blocks):
        for block in blocks:
            if isinstance(block, KeepTogether):
                yield from tables(block._content)
            elif isinstance(block, Table) and block._cellvalues and len(block._cellvalues[0]) > 2:
                yield block

    def headers(language):
        with app.test_request_context(), force_locale(language):
            record = full_record(db.session.get(VotingRound, history.round_a), app.config)
            return [[str(c) for c in t._cellvalues[0]] for t in tables(_story(record, GENERATED))]

    english, arabic = headers("en"), headers("ar")
    assert len(english) == len(arabic) >= 2
    assert any(h[0] == "Member" for h in english)
    with app.test_request_context(), force_locale("ar"):
        for en, ar in zip(english, arabic, strict=True):
            # A header broken over lines is compared by its words.
            for drawn, english_header in ((ar[-1], en[0]), (ar[0], en[-1])):
                expected = display_text(gettext(english_header))
                assert sorted(drawn.split()) == sorted(expected.split()), (en, ar)


@pytest.mark.parametrize("language", ["en", "fr", "es", "ar"])
def test_the_footer_s_audit_head_keeps_clear_of_the_page_number(app, people, history, language):
    """The audit trail's head (a long hash) at the footer's left ends at least 3 mm before the
    page number at its right, in every language: in Spanish the two met ("…a84a6Página 1")."""
    from pypdf import PdfReader

    client = client_of(app, people.secretariat)
    response = client.get(f"/committee/rounds/{history.round_a}.pdf?lang={language}")
    assert response.status_code == 200
    register_fonts()
    drawn = []

    def keep(text, _cm, tm, _font, size):
        if text.strip():
            drawn.append((tm[5], tm[4], size, text.strip()))

    reader = PdfReader(io.BytesIO(response.data))
    reader.pages[0].extract_text(visitor_text=keep)
    (line,) = {y for y, _, _, text in drawn if re.search(r"[0-9a-f]{64}", text)}
    pieces: dict[tuple[float, float], list[str]] = {}  # right-to-left text comes in pieces
    for y, x, size, text in drawn:
        if y == line:
            pieces.setdefault((x, size), []).append(text)
    footer = sorted((x, size, " ".join(texts)) for (x, size), texts in pieces.items())
    assert len(footer) == 2, footer
    (left_x, left_size, left), (page_x, _, page) = footer
    assert re.search(r"[0-9a-f]{64}", left) and re.search(r"\b1\b", page), footer
    left_end = left_x + stringWidth(left, REGULAR, left_size)
    assert page_x - left_end >= 3 * 72 / 25.4, (left_end, page_x, footer)


@pytest.mark.parametrize(
    ("language", "proposal", "meeting", "pipeline"),
    [
        (
            "fr",
            ("Proposition P-{a:05d} · version 1", "Géographie", "Année 1 (USD)"),
            ("Compte rendu de la réunion : Budget meeting", "Ordre du jour et décisions (0)"),
            ("La réserve de projets", "La liste classée"),
        ),
        (
            "es",
            ("Propuesta P-{a:05d} · versión 1", "Geografía", "Año 1 (USD)"),
            ("Registro de la reunión: Budget meeting", "Orden del día y decisiones (0)"),
            ("La cartera de proyectos", "La lista clasificada"),
        ),
        (
            "ar",
            ("النطاق الجغرافي", "الصفحة"),
            ("سجل الاجتماع", "جدول الأعمال والقرارات"),
            ("القائمة المرتبة", "الصفحة"),
        ),
    ],
)
def test_the_proposal_document_meeting_record_and_booklet_follow_the_requesters_language(
    app, people, history, language, proposal, meeting, pipeline
):
    with app.app_context():
        meeting_id = committee_meetings.create_meeting(
            user(people.secretariat),
            committee_meetings.MeetingInput(title="Budget meeting", held_on=date(2025, 4, 2)),
        ).id
        db.session.commit()
    client = client_of(app, people.secretariat)
    documents = (
        (f"/proposals/{history.a}/versions/1.pdf", proposal, ("Geography", "Year 1 (USD)")),
        (f"/committee/meetings/{meeting_id}.pdf", meeting, ("Record of the meeting", "Agenda")),
        ("/pipeline/booklet.pdf", pipeline, ("The ranked list", "Each concept note")),
    )
    for url, expected, english in documents:
        response = client.get(f"{url}?lang={language}")
        assert response.status_code == 200, url
        _reader, text = pdf_text(response.data)  # Arabic read back in reading order
        for phrase in expected:
            phrase = phrase.format(a=history.a)
            assert phrase in text, (language, url, phrase)
        for phrase in english:
            assert phrase not in text, (language, url, phrase)


@pytest.mark.parametrize(
    ("pipeline", "review", "notes", "said"),
    [
        ("0", "0", "250000", "USD 250,000.00 indicated by concept notes in the pipeline"),
        ("100", "0", "200", "USD 100.00 approved, awaiting funding and USD 200.00 indicated"),
        (
            "1",
            "2",
            "3",
            "USD 1.00 approved, awaiting funding, USD 2.00 under Executive Committee review "
            "and USD 3.00 indicated by concept notes in the pipeline",
        ),
    ],
)
def test_a_gap_in_the_pipeline_only_says_all_the_money_waiting(app, pipeline, review, notes, said):
    """A row flagged "pipeline only" because of concept notes in the pipeline says so: not
    "Nothing funded yet; ." with nothing where the money waiting should be."""
    from types import SimpleNamespace

    from fund.coverage.model import PIPELINE_ONLY
    from fund.reports.allocation_gaps import gap_text

    row = coverage_row(
        "7",
        "7. Vulnerabilities",
        pipeline=D(pipeline),
        review=D(review),
        flag=PIPELINE_ONLY,
        notes=D(notes),
    )
    report = SimpleNamespace(
        coverage=SimpleNamespace(settings=None), decision_body="Executive Committee"
    )
    with app.test_request_context():
        text = gap_text(report, row)
    assert text.startswith("Nothing funded yet; ") and said in text
    assert text.endswith(". Target 4.35%.") and "; ." not in text


def test_a_coverage_table_says_where_the_money_of_concept_notes_is(app):
    """The tables have no column for the money concept notes in the pipeline indicate: where
    a row has some, a note says so (a row may be "pipeline only" by it alone)."""
    from types import SimpleNamespace

    from fund.coverage.model import PIPELINE_ONLY
    from fund.reports.allocation_coverage import coverage_part

    def row(notes: str):
        flag = PIPELINE_ONLY if notes != "0" else "uncovered"
        return coverage_row("21", "21. Return", flag=flag, notes=D(notes))

    report = SimpleNamespace(coverage=SimpleNamespace(totals=SimpleNamespace(funded=D("0"))))
    with app.test_request_context():
        waiting = coverage_part(report, [row("325000")], "Objective", "Caption", chart=False)
        none = coverage_part(report, [row("0")], "Objective", "Caption", chart=False)
    assert any("concept notes in the pipeline indicate" in n for n in waiting.notes)
    assert not any("concept notes" in n for n in none.notes)


def test_the_reports_objective_rows_are_named_in_the_pages_language(app):
    """As on the coverage dashboard: "1. Données" in French, in the tables and the gaps."""
    from types import SimpleNamespace

    from flask_babel import force_locale

    from fund.coverage.model import UNCOVERED
    from fund.reports.allocation_gaps import gaps_parts
    from fund.reports.report_parts import row_label

    objective = coverage_row(
        "1",
        "1. Data",
        title="Collect and utilize accurate and disaggregated data",
        flag=UNCOVERED,
    )
    region = SimpleNamespace(key="1", label="Africa", title="Africa")
    settings = SimpleNamespace(under_target_fraction=D("0.5"), concentrated_multiple=D("3"))
    report = SimpleNamespace(
        coverage=SimpleNamespace(areas=[], objectives=[objective], settings=settings),
        decision_body="Executive Committee",
    )
    with app.test_request_context():
        assert row_label(objective) == "1. Data"
        with force_locale("fr"):
            assert row_label(objective) == "1. Données"
            assert row_label(region) == "Africa"
            (part,) = gaps_parts(report)
    assert part.table.rows[0][0] == "Objectif 1. Données"


def test_a_row_flagged_by_a_concept_note_alone_is_explained_as_the_flag_counts_it(app):
    """A row whose only money is a concept note's in the pipeline is "pipeline only" (the flag
    counts the notes' indicative money); the report's why and its definition of the flags say
    so, as the dashboard's legend does."""
    from types import SimpleNamespace

    from fund.coverage.model import PIPELINE_ONLY
    from fund.reports.allocation_gaps import gaps_parts

    objective = coverage_row("7", "7. Vulnerabilities", notes=D("250000"), flag=PIPELINE_ONLY)
    settings = SimpleNamespace(under_target_fraction=D("0.5"), concentrated_multiple=D("3"))
    report = SimpleNamespace(
        coverage=SimpleNamespace(areas=[], objectives=[objective], settings=settings),
        decision_body="Executive Committee",
    )
    with app.test_request_context():
        (part,) = gaps_parts(report)
    why = part.table.rows[0][2]
    assert "USD 250,000.00 indicated by concept notes in the pipeline" in why
    (explained,) = part.notes
    assert (
        "pipeline only (nothing funded yet, but money approved, under review or indicated by "
        "a concept note in the pipeline)" in explained
    )


def test_the_results_by_objective_name_each_objective_in_the_pages_language(app):
    from types import SimpleNamespace

    from flask_babel import force_locale

    from fund.reports.allocation_results import results_table

    row = SimpleNamespace(
        key="20",
        label="20. Remittances",
        title="",
        indicators=0,
        programmes_with_indicators=0,
        with_baseline_and_target=0,
        on_track_share=None,
        flag_labels=(),
    )
    with app.test_request_context(), force_locale("fr"):
        table = results_table([row], "Objectif", "Légende", {"20": ""})
    assert table.rows[0][0].startswith("20. ") and "Remittances" not in table.rows[0][0]

"""Filling, submitting, accepting and returning a programme's reports: who may, what a complete
report holds, accepted actuals becoming the indicators' actuals, the expenditure never above
what was transferred (in the operation, in the database, and under a race), the pages and
their bad input, the reminders and the overdue notice."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, func, insert, select
from sqlalchemy.exc import IntegrityError

from fund.audit.models import AuditEvent
from fund.extensions import db, utcnow
from fund.finance.models import Allocation
from fund.notifications.models import Notification, OutboxMessage
from fund.notifications.report_reminders import remind_reports
from fund.proposals.models import proposal_reference
from fund.proposals.results import IndicatorActual, ResultIndicator, ResultOutcome
from fund.reporting import operations, queries
from fund.reporting.models import ProgrammeReport, ReportExpenditure
from fund.results.coverage import results_coverage
from tests.conftest import PreparedDatabase, engine_of
from tests.factories import funded_programme, in_period
from tests.helpers import client_for, csrf_token, first_report, login, org_id, user
from tests.test_finance_race import run_together

D = Decimal
# The report pages (narrative, with its attachments; financial), a programme's schedule, the
# secretariat's list.
EXPECTED_STATEMENTS = [13, 10, 5, 4]


def _programme() -> dict:
    """The funded programme, begun yesterday (its first reports can be submitted), and its
    people, then USD 100,000.00 transferred to ILO."""
    return funded_programme(transfer_to_ilo=D("100000"), begun=True)


@pytest.fixture(scope="module")
def prepared_programme(request) -> PreparedDatabase:
    """`_programme` made once per engine; each test starts from a copy."""
    return PreparedDatabase(request, _programme)


@pytest.fixture
def programme(request, prepared_programme):
    """A funded ILO-IOM programme with USD 100,000.00 transferred to ILO; its people."""
    return dict(prepared_programme.data(engine_of(request)))


def _framework(proposal_id: int) -> tuple[list[int], list[int]]:
    outcomes = db.session.scalars(
        select(ResultOutcome.id).where(ResultOutcome.proposal_id == proposal_id)
    ).all()
    indicators = db.session.scalars(
        select(ResultIndicator.id).where(ResultIndicator.outcome_id.in_(outcomes))
    ).all()
    return list(outcomes), list(indicators)


def _fill_narrative(people, proposal_id, report_id, value=None):
    value = D("42") if value is None else value
    outcomes, indicators = _framework(proposal_id)
    operations.save_narrative(
        user(people["ilo"]),
        report_id,
        dict.fromkeys(indicators, value),
        dict.fromkeys(outcomes, "Progress as planned."),
        "Elections may delay the work.",
    )


# The workflow ---------------------------------------------------------------------------------


def test_a_narrative_report_submitted_then_accepted_feeds_the_actuals(app, backend, programme):
    with app.app_context():
        report = first_report(programme["proposal"], "annual_narrative")
        with pytest.raises(operations.ReportRefused, match="actual of every indicator"):
            operations.fire(user(programme["ilo"]), report.id, "submit")
        db.session.rollback()
        _fill_narrative(programme, programme["proposal"], report.id)
        operations.fire(user(programme["iom"]), report.id, "submit")  # a participating org
        db.session.commit()
        assert db.session.get(ProgrammeReport, report.id).status == "submitted"
        with pytest.raises(operations.ReportRefused, match="no longer be changed"):
            _fill_narrative(programme, programme["proposal"], report.id)
        db.session.rollback()
        operations.fire(user(programme["secretariat"]), report.id, "accept", "Thank you.")
        db.session.commit()
        report = db.session.get(ProgrammeReport, report.id)
        assert (report.status, report.comment) == ("accepted", "Thank you.")
        assert report.decided_by_id == programme["secretariat"].id
        _, indicators = _framework(programme["proposal"])
        actuals = db.session.scalars(
            select(IndicatorActual).where(IndicatorActual.indicator_id.in_(indicators))
        ).all()
        assert {(a.indicator_id, a.year, a.value) for a in actuals} == {
            (i, report.year, D("42")) for i in indicators
        }
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.subject_type == "programme_report")
        ).all()
        assert actions == ["report_saved", "report_submitted", "report_accepted"]


def test_a_later_accepted_report_replaces_the_actual_of_its_year(app, programme):
    with app.app_context():
        report = first_report(programme["proposal"], "annual_narrative")
        _, indicators = _framework(programme["proposal"])
        db.session.add(IndicatorActual(indicator_id=indicators[0], year=report.year, value=1))
        _fill_narrative(programme, programme["proposal"], report.id, D("7.5"))
        operations.fire(user(programme["ilo"]), report.id, "submit")
        operations.fire(user(programme["secretariat"]), report.id, "accept")
        db.session.commit()
        assert db.session.get(IndicatorActual, (indicators[0], report.year)).value == D("7.5")


def test_a_returned_report_needs_a_comment_and_is_submitted_again(app, programme):
    with app.app_context():
        report = first_report(programme["proposal"], "annual_narrative")
        _fill_narrative(programme, programme["proposal"], report.id)
        operations.fire(user(programme["ilo"]), report.id, "submit")
        with pytest.raises(operations.ReportRefused, match="comment is required"):
            operations.fire(user(programme["secretariat"]), report.id, "return_for_changes")
        operations.fire(
            user(programme["secretariat"]), report.id, "return_for_changes", "Explain the delay."
        )
        db.session.commit()
        assert db.session.get(ProgrammeReport, report.id).status == "returned"
        _fill_narrative(programme, programme["proposal"], report.id, D("43"))
        operations.fire(user(programme["ilo"]), report.id, "submit")
        db.session.commit()
        assert db.session.get(ProgrammeReport, report.id).status == "submitted"


def test_only_the_programmes_staff_submit_and_only_the_secretariat_decides(app, programme):
    with app.app_context():
        report = first_report(programme["proposal"], "annual_narrative")
        _fill_narrative(programme, programme["proposal"], report.id)
        with pytest.raises(operations.ReportRefused, match="Only the staff"):
            operations.fire(user(programme["undp"]), report.id, "submit")
        with pytest.raises(operations.ReportRefused, match="Only the staff"):
            _fill_narrative({"ilo": programme["undp"]}, programme["proposal"], report.id)
        with pytest.raises(operations.ReportRefused, match="may not do this"):
            operations.fire(user(programme["secretariat"]), report.id, "submit")
        operations.fire(user(programme["ilo"]), report.id, "submit")
        with pytest.raises(operations.ReportRefused, match="may not do this"):
            operations.fire(user(programme["ilo"]), report.id, "accept")


def test_reports_accepted_through_a_year(app, programme):
    with app.app_context():
        narrative = first_report(programme["proposal"], "annual_narrative")
        financial = first_report(programme["proposal"], "annual_financial")
        year = narrative.year
        assert not queries.reports_accepted_through(programme["proposal"], year)
        assert queries.reports_accepted_through(programme["proposal"], year - 1)
        _fill_narrative(programme, programme["proposal"], narrative.id)
        operations.save_financial(user(programme["ilo"]), financial.id, {(org_id("ILO"), 1): D(0)})
        for report in (narrative, financial):
            operations.fire(user(programme["ilo"]), report.id, "submit")
            operations.fire(user(programme["secretariat"]), report.id, "accept")
        db.session.commit()
        assert queries.reports_accepted_through(programme["proposal"], year)
        assert not queries.reports_accepted_through(programme["proposal"], year + 5)


# Expenditure ----------------------------------------------------------------------------------


def test_expenditure_never_above_what_was_transferred(app, backend, programme):
    with app.app_context():
        ilo, iom = org_id("ILO"), org_id("IOM")
        reports = db.session.scalars(
            select(ProgrammeReport)
            .where(
                ProgrammeReport.proposal_id == programme["proposal"],
                ProgrammeReport.kind.in_(("annual_financial", "final_financial")),
            )
            .order_by(ProgrammeReport.due_on)
        ).all()
        first, second = reports[0].id, reports[1].id
        operations.save_financial(
            user(programme["ilo"]), first, {(ilo, 1): D("60000.00"), (ilo, 8): D("5000.00")}
        )
        db.session.commit()
        # 65,000 + 35,000.01 would be above the 100,000 transferred to ILO.
        with pytest.raises(operations.ReportRefused, match="exceed what was transferred"):
            operations.save_financial(user(programme["ilo"]), second, {(ilo, 2): D("35000.01")})
        db.session.rollback()
        # Nothing was transferred to IOM yet (IOM's staff fill IOM's lines).
        with pytest.raises(operations.ReportRefused, match="exceed what was transferred"):
            operations.save_financial(user(programme["iom"]), second, {(iom, 1): D("0.01")})
        db.session.rollback()
        with pytest.raises(operations.ReportRefused, match="never below zero"):
            operations.save_financial(user(programme["ilo"]), second, {(ilo, 1): D("-1")})
        db.session.rollback()
        operations.save_financial(user(programme["ilo"]), second, {(ilo, 2): D("35000.00")})
        db.session.commit()
        total = db.session.scalar(
            select(func.sum(ReportExpenditure.amount)).where(
                ReportExpenditure.organization_id == ilo
            )
        )
        assert D(total).quantize(D("0.01")) == D("100000.00")


def test_the_database_refuses_expenditure_above_what_was_transferred(app, backend, programme):
    """The triggers refuse what the operation would have refused, whoever writes the row."""
    with app.app_context():
        ilo = org_id("ILO")
        report = first_report(programme["proposal"], "annual_financial")
        allocation_id = db.session.scalar(
            select(Allocation.id).where(Allocation.proposal_id == programme["proposal"])
        )
        row = {"report_id": report.id, "allocation_id": allocation_id, "organization_id": ilo}
        db.session.execute(
            insert(ReportExpenditure), [{**row, "category_code": 1, "amount": 99999}]
        )
        db.session.commit()
        with pytest.raises(IntegrityError):
            db.session.execute(
                insert(ReportExpenditure), [{**row, "category_code": 2, "amount": D("1.01")}]
            )
            db.session.flush()
        db.session.rollback()
        with pytest.raises(IntegrityError):
            db.session.execute(ReportExpenditure.__table__.update().values(amount=D("100000.01")))
        db.session.rollback()
        with pytest.raises(IntegrityError):
            db.session.execute(
                insert(ReportExpenditure), [{**row, "category_code": 3, "amount": D("-1")}]
            )
        db.session.rollback()


def test_two_reports_saved_at_once_never_exceed_the_transfer(app, backend, programme):
    """Two financial reports of ILO saved at the same moment, each within the transfer alone,
    together above it: one is saved, the other refused (the shares' row locks), on both
    engines."""
    with app.app_context():
        ilo = org_id("ILO")
        ids = db.session.scalars(
            select(ProgrammeReport.id)
            .where(
                ProgrammeReport.proposal_id == programme["proposal"],
                ProgrammeReport.kind.in_(("annual_financial", "final_financial")),
            )
            .order_by(ProgrammeReport.due_on)
        ).all()[:2]

    def saver(report_id):
        return lambda: operations.save_financial(
            user(programme["ilo"]), report_id, {(ilo, 1): D("60000.00")}
        )

    results = run_together(app, [saver(i) for i in ids])
    refused = [r for r in results if isinstance(r, operations.ReportRefused)]
    assert len(refused) == 1, results
    with app.app_context():
        total = db.session.scalar(select(func.sum(ReportExpenditure.amount)))
        assert D(total) == D("60000.00")


# Reminders ------------------------------------------------------------------------------------


def test_reminders_30_7_and_1_days_before_and_an_overdue_notice(app, programme):
    with app.app_context():
        report = first_report(programme["proposal"], "annual_narrative")
        due = report.due_on
        others = select(ProgrammeReport).where(ProgrammeReport.id != report.id)
        for other in db.session.scalars(others):
            other.due_on = due + timedelta(days=400)
        db.session.commit()

        def at(days_before: int) -> int:
            now = utcnow().replace(year=due.year, month=due.month, day=due.day) - timedelta(
                days=days_before
            )
            written = remind_reports(now)
            db.session.commit()
            return written

        assert at(45) == 0
        assert at(30) == 2  # ILO and IOM staff
        assert at(29) == 0  # once per step
        assert at(7) == 2
        assert at(1) == 2
        assert at(-1) == 3  # overdue: ILO, IOM and the secretariat
        assert at(-2) == 0
        kinds = db.session.scalars(select(Notification.kind).order_by(Notification.id)).all()
        assert kinds.count("report_due") == 6 and kinds.count("report_overdue") == 3
        assert db.session.scalar(select(func.count(OutboxMessage.id))) >= 1
        # Submitted reports are not reminded of.
        _fill_narrative(programme, programme["proposal"], report.id)
        operations.fire(user(programme["ilo"]), report.id, "submit")
        db.session.commit()
        assert at(-3) == 0


# Pages ----------------------------------------------------------------------------------------


def test_a_nul_character_in_a_report_form_is_refused_and_saves_nothing(app, client, programme):
    """The application refuses NUL in any form before a view runs (fund/security.py)."""
    with app.app_context():
        report = first_report(programme["proposal"], "annual_financial")
        path = f"/programme-reports/{report.id}"
        field = f"e-{org_id('ILO')}-1"
    login(client, programme["ilo"].email)
    token = csrf_token(client, path)
    saved = client.post(path, data={"csrf_token": token, field: "10.00", "note": "a\x00b"})
    assert saved.status_code == 400 and "NUL character" in saved.get_data(as_text=True)
    french = client.post(f"{path}?lang=fr", data={"csrf_token": token, "note": "a\x00b"})
    assert french.status_code == 400
    assert "caractère NUL" in french.get_data(as_text=True), french.get_data(as_text=True)[-900:]
    assert "NUL character" not in french.get_data(as_text=True)
    client.get("/?lang=en")
    sent = client.post(f"{path}/submit", data={"csrf_token": token, "comment": "a\x00b"})
    assert sent.status_code == 400
    with app.app_context():
        report = db.session.get(ProgrammeReport, report.id)
        assert report.status == "due" and not report.expenditures


def test_the_pages_fill_submit_and_accept(app, client, programme):
    with app.app_context():
        report = first_report(programme["proposal"], "annual_financial")
        path = f"/programme-reports/{report.id}"
        field = f"e-{org_id('ILO')}-1"
    login(client, programme["ilo"].email)
    page = client.get(path)
    assert page.status_code == 200 and "Expenditure of the period" in page.get_data(as_text=True)
    bad = client.post(path, data={"csrf_token": csrf_token(client, path), field: "12,34.5"})
    assert bad.status_code == 400
    assert "12,34.5" in bad.get_data(as_text=True)  # kept as typed
    over = client.post(path, data={"csrf_token": csrf_token(client, path), field: "100000.01"})
    assert over.status_code == 400 and "100000.01" in over.get_data(as_text=True)
    saved = client.post(path, data={"csrf_token": csrf_token(client, path), field: "1,250.50"})
    assert saved.status_code == 302
    sent = client.post(f"{path}/submit", data={"csrf_token": csrf_token(client, path)})
    assert sent.status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, path)})
    login(client, programme["secretariat"].email)
    listing = client.get("/programme-reports/").get_data(as_text=True)
    assert "Submitted to review" in listing and "Annual financial report" in listing
    refused = client.post(
        f"{path}/decide", data={"csrf_token": csrf_token(client, path), "decision": "return"}
    )
    assert refused.status_code == 400
    accepted = client.post(
        f"{path}/decide", data={"csrf_token": csrf_token(client, path), "decision": "accept"}
    )
    assert accepted.status_code == 302
    with app.app_context():
        report = db.session.get(ProgrammeReport, report.id)
        assert report.status == "accepted"
        assert report.expenditures[0].amount == D("1250.50")


def test_an_actual_is_read_as_typed_or_refused_never_misread(app, client, programme):
    """ "12,5" (a decimal comma) is refused with what was typed kept and nothing saved, never
    read as 125; digits grouped by thousands and a minus sign are read."""
    from fund.reporting.models import ReportActual

    with app.app_context():
        report = first_report(programme["proposal"], "annual_narrative")
        path = f"/programme-reports/{report.id}"
        _, indicators = _framework(programme["proposal"])
    field = f"actual-{indicators[0]}"
    login(client, programme["ilo"].email)
    bad = client.post(path, data={"csrf_token": csrf_token(client, path), field: "12,5"})
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "“12,5” is not a number: use digits, e.g. 1250.5." in text
    assert 'value="12,5"' in text  # kept as typed
    with app.app_context():
        assert not db.session.scalars(select(ReportActual)).all()
    for typed, read in (("1,250.5", D("1250.5")), ("-2.5", D("-2.5")), ("7", D("7"))):
        saved = client.post(path, data={"csrf_token": csrf_token(client, path), field: typed})
        assert saved.status_code == 302, typed
        with app.app_context():
            (actual,) = db.session.scalars(select(ReportActual)).all()
            assert (actual.indicator_id, actual.value) == (indicators[0], read)


def _statements(app, client, path: str) -> int:
    with app.app_context():
        engine = db.engine
    counted: list[str] = []

    def count(conn, cursor, statement, *args):
        counted.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(counted)


def test_the_pages_read_a_fixed_number_of_statements(app, client, programme, make_proposal):
    """The report's page, the programme's schedule and the secretariat's list read the same
    number of statements however many outcomes, indicators, organizations or programmes."""
    with app.app_context():
        narrative = first_report(programme["proposal"], "annual_narrative").id
        financial = first_report(programme["proposal"], "annual_financial").id
    paths = [
        f"/programme-reports/{narrative}",
        f"/programme-reports/{financial}",
        f"/programme-reports/programme/{programme['proposal']}",
        "/programme-reports/",
    ]
    login(client, programme["secretariat"].email)
    before = [_statements(app, client, path) for path in paths]
    make_proposal(programme["ilo"], status="funded", title="Another programme")
    with app.app_context():
        outcome = db.session.get(ResultOutcome, _framework(programme["proposal"])[0][0])
        for number in range(3):
            db.session.add(
                ResultOutcome(
                    proposal_id=programme["proposal"],
                    title=f"Outcome {number}",
                    position=number + 1,
                    indicators=[ResultIndicator(definition=f"Indicator {number}", unit="%")],
                )
            )
        outcome.indicators.append(ResultIndicator(definition="One more", unit="people"))
        db.session.commit()
    after = [_statements(app, client, path) for path in paths]
    assert after == before
    assert before == EXPECTED_STATEMENTS


def test_other_applicants_do_not_see_the_reports(app, client, programme):
    with app.app_context():
        report = first_report(programme["proposal"], "annual_narrative")
    login(client, programme["undp"].email)
    assert client.get(f"/programme-reports/{report.id}").status_code == 404
    assert client.get(f"/programme-reports/programme/{programme['proposal']}").status_code == 404
    # Their own list holds only their organization's programmes: none here.
    listing = client.get("/programme-reports/").get_data(as_text=True)
    assert "Your organization has no funded programme yet." in listing
    assert f"/programme-reports/{report.id}" not in listing


def test_a_participating_organizations_staff_find_their_programme_and_its_reports(
    app, client, programme
):
    """IOM takes part in ILO's programme (an allocation share, no proposal of its own): its
    staff reach the programme's reports and revisions from Programme reports."""
    with app.app_context():
        narrative = first_report(programme["proposal"], "annual_narrative")
        reference = proposal_reference(programme["proposal"])
    login(client, programme["iom"].email)
    home = client.get("/").get_data(as_text=True)
    assert 'href="/programme-reports/"' in home
    listing = client.get("/programme-reports/").get_data(as_text=True)
    assert reference in listing
    assert f"/programme-reports/{narrative.id}" in listing
    assert f"/programme-reports/programme/{programme['proposal']}" in listing
    assert f"/revisions/programme/{programme['proposal']}" in listing
    assert client.get(f"/revisions/programme/{programme['proposal']}").status_code == 200


def test_a_financial_report_offers_its_submission_only_to_the_lead_organizations_staff(
    app, programme
):
    """IOM's staff may fill the ILO-led programme's financial report, not submit it: the page
    offers the button to whom the workflow lets submit, ILO's staff."""
    with app.app_context():
        financial = first_report(programme["proposal"], "annual_financial")
    path = f"/programme-reports/{financial.id}"
    button = 'name="action" value="submit"'
    iom = client_for(app, programme["iom"]).get(path).get_data(as_text=True)
    assert "ILO, the lead organization, submits the report" in iom
    assert button not in iom
    assert button in client_for(app, programme["ilo"]).get(path).get_data(as_text=True)


def test_the_reminder_command(app, runner, programme):
    with app.app_context():
        report = first_report(programme["proposal"], "annual_narrative")
        report.due_on = utcnow().date() - timedelta(days=1)
        db.session.commit()
    result = runner.invoke(args=["fund", "mail", "remind-reports"])
    assert result.exit_code == 0, result.output
    assert "Report reminders written: 3." in result.output
    again = runner.invoke(args=["fund", "mail", "remind-reports"])
    assert "Report reminders written: 0." in again.output


def test_accepted_actuals_feed_the_results_coverage(app, programme):
    """Results coverage reads the actuals an accepted narrative report wrote (the factory's
    indicator: target 40 in 2027, the programme's first year)."""
    with app.app_context():
        report = first_report(programme["proposal"], "annual_narrative")
        before = results_coverage(programme_ids=[programme["proposal"]]).objective(6)
        assert before.reported == 0 and before.on_track_share is None
        _fill_narrative(programme, programme["proposal"], report.id, D("42"))
        operations.fire(user(programme["ilo"]), report.id, "submit")
        db.session.commit()
        # Submitted is not accepted: nothing reaches the coverage yet.
        assert results_coverage(programme_ids=[programme["proposal"]]).objective(6).reported == 0
        operations.fire(user(programme["secretariat"]), report.id, "accept")
        db.session.commit()
        after = results_coverage(programme_ids=[programme["proposal"]]).objective(6)
        assert after.reported == 1 and after.on_track_share == 1
        assert "off_track" not in after.flags


def test_the_programme_page_links_to_its_reports(app, client, programme):
    login(client, programme["ilo"].email)
    page = client.get(f"/proposals/{programme['proposal']}").get_data(as_text=True)
    assert f"/programme-reports/programme/{programme['proposal']}" in page
    schedule = client.get(f"/programme-reports/programme/{programme['proposal']}")
    assert schedule.status_code == 200
    assert "Annual narrative report" in schedule.get_data(as_text=True)


def test_a_programmes_pages_link_to_its_page_only_for_those_who_may_open_it(
    app, programme, create_user
):
    """The pages of a programme's reports, revisions and finances name the programme; its
    title links to the programme's page only for a reader who may open that page. IOM's
    staff (a participating organization) and the administrative agent may not: the title
    takes them to the programme's public page instead, never to a 404. ILO's staff and the
    committee keep the link to the programme's page."""
    agent = create_user(roles=("administrative_agent",), organization_acronym=None)
    pid = programme["proposal"]
    with app.app_context():
        report = first_report(pid, "annual_narrative")
    schedule, revisions = f"/programme-reports/programme/{pid}", f"/revisions/programme/{pid}"
    pages = {
        programme["ilo"].email: ([schedule, revisions, f"/programme-reports/{report.id}"], 1),
        programme["committee"].email: ([schedule], 1),
        programme["iom"].email: ([schedule, revisions, f"/programme-reports/{report.id}"], 0),
        agent.email: ([schedule, f"/finance/proposals/{pid}"], 0),
    }
    for email, (paths, links_to_programme) in pages.items():
        client = app.test_client()
        login(client, email)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (email, path)
            links = re.findall(r'href="(/proposals/\d+)"', response.get_data(as_text=True))
            for link in set(links):
                assert client.get(link).status_code == 200, (email, path, link)
            if path != f"/programme-reports/{report.id}":
                assert len(set(links)) == links_to_programme, (email, path, links)
                public = f'href="/portfolio/programmes/{pid}"' in response.get_data(as_text=True)
                assert public == (not links_to_programme), (email, path)
    assert app.test_client().get(f"/portfolio/programmes/{pid}").status_code == 200


def test_a_report_returned_after_its_due_date_is_overdue_on_every_page(app, programme):
    """Overdue is one rule: a report the programme still owes (due, or returned for changes)
    after its due date. The secretariat's list shows it under "Overdue", as its Home counts it
    and the overdue notices say it."""
    with app.app_context():
        report = first_report(programme["proposal"], "annual_narrative")
        _fill_narrative(programme, programme["proposal"], report.id)
        operations.fire(user(programme["ilo"]), report.id, "submit")
        operations.fire(
            user(programme["secretariat"]), report.id, "return_for_changes", "Explain the delay."
        )
        db.session.get(ProgrammeReport, report.id).due_on = utcnow().date() - timedelta(days=2)
        db.session.commit()
        report_id = report.id
    with app.app_context():
        client = client_for(app, user(programme["secretariat"]))
    listed = client.get("/programme-reports/").get_data(as_text=True)
    overdue = listed[listed.index('id="overdue"') : listed.index('id="submitted"')]
    assert f"/programme-reports/{report_id}" in overdue
    assert "Overdue, returned for changes" in overdue
    home = client.get("/").get_data(as_text=True)
    assert 'data-task="reports_overdue"' in home and f"/programme-reports/{report_id}" in home
    page = client.get(f"/programme-reports/{report_id}").get_data(as_text=True)
    assert "Overdue, returned for changes" in page
    # Sent again, it waits for the secretariat: no longer overdue, wherever it is listed.
    with app.app_context():
        _fill_narrative(programme, programme["proposal"], report_id, D("43"))
        operations.fire(user(programme["ilo"]), report_id, "submit")
        db.session.commit()
    home = client.get("/").get_data(as_text=True)
    review = home[home.index('data-task="reports_to_review"') :]
    review = review[: review.index("</ul>")]
    assert f"/programme-reports/{report_id}" in review
    assert "overdue" not in review and "late" not in review
    listed = client.get("/programme-reports/").get_data(as_text=True)
    assert f"/programme-reports/{report_id}" not in listed[: listed.index('id="submitted"')]


def test_reports_due_says_a_report_returned_after_its_due_date_is_overdue(app, programme):
    with app.app_context():
        report = first_report(programme["proposal"], "annual_narrative")
        _fill_narrative(programme, programme["proposal"], report.id)
        operations.fire(user(programme["ilo"]), report.id, "submit")
        operations.fire(user(programme["secretariat"]), report.id, "return_for_changes", "Why?")
        db.session.get(ProgrammeReport, report.id).due_on = utcnow().date() - timedelta(days=2)
        db.session.commit()
        period = db.session.get(ProgrammeReport, report.id).period
    runner = app.test_cli_runner()
    result = runner.invoke(args=["fund", "reports-due", "--format", "json"])
    assert result.exit_code == 0, result.output
    shown = [r for r in json.loads(result.output)["reports"] if r["period"] == period]
    assert {r["kind"]: r["status"] for r in shown}["annual_narrative"] == "overdue_returned"
    text = runner.invoke(args=["fund", "reports-due", "--format", "text"]).output
    assert "overdue, returned for changes" in text


def test_reports_due_says_a_status_as_the_pages_do_in_the_commands_language(app, programme):
    """A report's status in `flask fund reports-due` is the pages' label, read in its context
    (a submitted report is "soumis" in French, where a proposal is "soumise")."""
    with app.app_context():
        report = first_report(programme["proposal"], "annual_narrative")
        _fill_narrative(programme, programme["proposal"], report.id)
        operations.fire(user(programme["ilo"]), report.id, "submit", now=in_period(report))
        db.session.commit()
        due = db.session.get(ProgrammeReport, report.id).due_on.isoformat()
    text = (
        app.test_cli_runner()
        .invoke(args=["fund", "reports-due", "--format", "text"], env={"FUND_LANGUAGE": "fr"})
        .output
    )
    (line,) = [row for row in text.splitlines() if due in row and "descriptif annuel" in row]
    assert line.endswith("soumis"), line


def test_an_accepted_reports_due_date_does_not_move(app, programme):
    """The report's page offers to move a due date until the report is accepted; the operation
    keeps the same rule, so a form sent anyway changes nothing."""
    with app.app_context():
        report = first_report(programme["proposal"], "annual_narrative")
        _fill_narrative(programme, programme["proposal"], report.id)
        operations.fire(user(programme["ilo"]), report.id, "submit")
        operations.fire(user(programme["secretariat"]), report.id, "accept")
        db.session.commit()
        report_id, due_on = report.id, report.due_on
        with pytest.raises(operations.ReportRefused, match="accepted"):
            operations.set_due_date(
                user(programme["secretariat"]), report_id, due_on + timedelta(days=30), "Late"
            )
        db.session.rollback()
        assert db.session.get(ProgrammeReport, report_id).due_on == due_on
    with app.app_context():
        client = client_for(app, user(programme["secretariat"]))
    page = client.get(f"/programme-reports/{report_id}").get_data(as_text=True)
    assert "/due-date" not in page

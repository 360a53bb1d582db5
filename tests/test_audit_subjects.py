"""The audit log names every subject the demo's history records as the other pages name it (a
voting round by its proposal's reference and number, a meeting by its title and day, a seat by
its entity, a pledge or a deposit by its code and donor, a report or a revision by its own name
and programme), linked to its page where the reader may open it, in a fixed number of queries."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from fund.audit.models import AuditEvent
from fund.extensions import db
from fund.reporting.models import ReportKind
from tests.browser_support import DEMO_PASSWORD, demo_history_app
from tests.helpers import counted_get, login

KINDS = (
    "voting_round",
    "committee_meeting",
    "committee_seat",
    "pledge",
    "contribution",
    "programme_report",
    "revision",
)


@pytest.fixture(scope="module")
def demo_app(demo_history_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    return demo_history_app(demo_history_template, tmp_path_factory.mktemp("audit-subjects"))


def _subject_cells(page: str) -> list[str]:
    rows = page[page.index("<tbody>") : page.index("</tbody>")]
    label = r'data-label="(?:Subject|Objeto|الموضوع)"'
    cells = re.findall(rf"<td {label}>((?:(?!</td>).)*)</td>", rows, re.S)
    return [" ".join(cell.split()) for cell in cells]


def _first_event(app: Flask, kind: str) -> AuditEvent:
    with app.app_context():
        return db.session.scalars(
            select(AuditEvent).where(AuditEvent.subject_type == kind).order_by(AuditEvent.id)
        ).first()


def _cell(client, kind: str, subject_id: str, lang: str = "en") -> str:
    response = client.get(f"/audit/?subject_type={kind}&subject_id={subject_id}&lang={lang}")
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    return _subject_cells(page)[0]


def test_each_subject_is_named_as_its_page_names_it_and_linked_for_the_secretariat(
    demo_app: Flask,
):
    client = demo_app.test_client()
    assert login(client, "secretariat@demo.fund", DEMO_PASSWORD).status_code == 302
    from fund.committee.models import Meeting, Seat, VotingRound
    from fund.finance.agent_models import Pledge
    from fund.finance.models import Contribution
    from fund.reporting.models import ProgrammeReport
    from fund.revisions.models import Revision

    with demo_app.app_context():
        round_ = db.session.get(VotingRound, int(_first_event(demo_app, "voting_round").subject_id))
        meeting = db.session.get(
            Meeting, int(_first_event(demo_app, "committee_meeting").subject_id)
        )
        seat = db.session.get(Seat, int(_first_event(demo_app, "committee_seat").subject_id))
        pledge = db.session.get(Pledge, int(_first_event(demo_app, "pledge").subject_id))
        deposit = db.session.get(
            Contribution, int(_first_event(demo_app, "contribution").subject_id)
        )
        report = db.session.get(
            ProgrammeReport, int(_first_event(demo_app, "programme_report").subject_id)
        )
        revision = db.session.get(Revision, int(_first_event(demo_app, "revision").subject_id))
        expected = {
            "voting_round": (
                round_.id,
                f"P-{round_.proposal_id:05d}, round {round_.number}",
                f"/committee/rounds/{round_.id}",
            ),
            "committee_meeting": (
                meeting.id,
                f"{meeting.title}, {meeting.held_on.day} {meeting.held_on:%B %Y}",
                f"/committee/meetings/{meeting.id}",
            ),
            "committee_seat": (seat.id, f"{seat.entity} seat", None),
            "pledge": (
                pledge.id,
                f"PL-{pledge.id} {pledge.donor.label}",
                f"/finance/pledges/{pledge.id}",
            ),
            "contribution": (deposit.id, f"C-{deposit.id} {deposit.donor.label}", None),
            "programme_report": (
                report.id,
                f"{ReportKind(report.kind).label}: P-{report.proposal_id:05d} {report.year}",
                f"/programme-reports/{report.id}",
            ),
            "revision": (
                revision.id,
                f"Revision {revision.number} of P-{revision.proposal_id:05d}",
                f"/revisions/{revision.id}",
            ),
        }
    for kind, (subject_id, words, url) in expected.items():
        cell = _cell(client, kind, str(subject_id))
        assert re.sub(r"<[^>]+>", "", cell).endswith(words), (kind, cell)
        if url:
            assert f'href="{url}"' in cell, (kind, cell)
            assert client.get(url).status_code == 200, url
        else:
            assert "href=" not in cell, (kind, cell)


def test_an_administrator_is_sent_to_none_of_these_pages(demo_app: Flask):
    client = demo_app.test_client()
    assert login(client, "admin@demo.fund", DEMO_PASSWORD).status_code == 302
    for kind in KINDS:
        event = _first_event(demo_app, kind)
        cell = _cell(client, kind, event.subject_id)
        bare = f"{kind.replace('_', ' ').capitalize()} {event.subject_id}"
        assert re.sub(r"<[^>]+>", "", cell) != bare, cell
        assert "href=" not in cell, (kind, cell)


def test_the_round_reads_in_arabic_with_its_reference_kept_whole(demo_app: Flask):
    client = demo_app.test_client()
    assert login(client, "secretariat@demo.fund", DEMO_PASSWORD).status_code == 302
    event = _first_event(demo_app, "voting_round")
    cell = _cell(client, "voting_round", event.subject_id, "ar")
    assert '<span class="ref">P-' in cell and "Voting round" not in cell


def test_the_log_names_every_kind_in_the_same_number_of_queries(demo_app: Flask):
    client = demo_app.test_client()
    assert login(client, "secretariat@demo.fund", DEMO_PASSWORD).status_code == 302
    with demo_app.app_context():
        engine = db.engine
    _, one = counted_get(client, engine, "/audit/?subject_type=revision&subject_id=1")
    for kind in KINDS:
        response, queries = counted_get(client, engine, f"/audit/?subject_type={kind}")
        assert response.status_code == 200
        assert queries == one, kind
    # The whole history's pages, fifty events of many kinds each.
    counts = {counted_get(client, engine, f"/audit/?page={page}")[1] for page in (1, 2, 3, 4)}
    assert len(counts) == 1


def test_the_agents_entries_the_calls_tokens_and_results_reference_are_named(demo_app: Flask):
    """Interest, a direct cost, a call, an API token, a fund-level outcome, an MGI indicator
    and a country's MGI assessment: each by its own words, never "Call 3"."""
    from dataclasses import fields, replace

    from fund.accounts.models import User
    from fund.accounts.tokens import create_token
    from fund.calls.models import Call
    from fund.calls.operations import CallValues, save_call
    from fund.extensions import utcnow
    from fund.finance.agent_models import DirectCost, InterestEntry
    from fund.reference.results import MigofDomain
    from fund.results import operations as results

    with demo_app.app_context():
        secretariat = db.session.scalar(select(User).where(User.email == "secretariat@demo.fund"))
        call = db.session.scalars(select(Call).order_by(Call.id)).first()
        values = CallValues(**{f.name: getattr(call, f.name) for f in fields(CallValues)})
        save_call(secretariat, call, replace(values, title=f"{call.title} (renamed)"))
        token = create_token(secretariat, "Reporting dashboard", now=utcnow()).row
        outcome = results.save_fund_outcome(
            secretariat,
            None,
            results.OutcomeValues(
                code="FO9", title="Safer routes", thematic_area_code=None, active=True
            ),
        )
        domain = db.session.scalars(select(MigofDomain)).first()
        indicator = results.save_mgi_indicator(
            secretariat,
            None,
            code="9.9.9",
            text="Hotlines for migrants exist",
            domain_code=domain.code,
            objectives=[1],
        )
        assessment = results.add_assessment(secretariat, "CL", 2019, "")
        db.session.commit()
        interest = db.session.scalars(select(InterestEntry)).first()
        cost = db.session.scalars(select(DirectCost)).first()
        expected = {
            "interest": (
                interest.id,
                f"{interest.earned_on.day} {interest.earned_on:%B %Y}"
                + (f" {interest.reference}" if interest.reference else ""),
                None,
            ),
            "direct_cost": (
                cost.id,
                f"{cost.charged_on.day} {cost.charged_on:%B %Y} {cost.description[:77]}",
                None,
            ),
            "call": (call.id, f"{call.title}", f"/calls/{call.id}"),
            "api_token": (token.id, "Reporting dashboard secretariat@demo.fund", None),
            "fund_outcome": (outcome.id, "FO9 Safer routes", f"/results/outcomes/{outcome.id}"),
            "mgi_indicator": (
                indicator.id,
                "9.9.9 Hotlines for migrants exist",
                f"/results/mgi/{indicator.id}",
            ),
            "mgi_assessment": (
                assessment.id,
                "Chile, 2019",
                f"/results/mgi/assessments/{assessment.id}",
            ),
        }
    client = demo_app.test_client()
    assert login(client, "secretariat@demo.fund", DEMO_PASSWORD).status_code == 302
    for kind, (subject_id, words, url) in expected.items():
        cell = _cell(client, kind, str(subject_id))
        text = re.sub(r"<[^>]+>", "", cell)
        assert text.startswith(SUBJECT_WORDS[kind]), (kind, cell)
        assert words in text and text != f"{SUBJECT_WORDS[kind]} {subject_id}", (kind, cell)
        if url:
            assert f'href="{url}"' in cell, (kind, cell)
            assert client.get(url).status_code == 200, url
        else:
            assert "href=" not in cell, (kind, cell)
    spanish = _cell(client, "mgi_assessment", str(expected["mgi_assessment"][0]), "es")
    spanish = re.sub(r"<[^>]+>", "", spanish)
    assert "Chile, 2019" in spanish and "Evaluación" in spanish, spanish


SUBJECT_WORDS = {
    "interest": "Interest",
    "direct_cost": "Direct cost",
    "call": "Call",
    "api_token": "API token",
    "fund_outcome": "Fund-level outcome",
    "mgi_indicator": "MGI indicator",
    "mgi_assessment": "MGI assessment",
}

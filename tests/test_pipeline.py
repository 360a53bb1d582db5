"""The ranked pipeline: concept notes the committee approved into the pipeline (its order,
changed only on its decision, unique in the database) then approved programmes awaiting funds;
the coverage's concept-note column; the balance view for selection (its figures checked by
hand); `flask fund pipeline --format json`; the booklet, the secretariat's and the public one.

Concept notes reach the pipeline through the real workflow: written, submitted, screened and
forwarded, voted on, and closed by the secretariat with the committee's place.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.exc import IntegrityError

from fund import caches
from fund.committee.models import ItemKind, ItemOutcome, Meeting, MeetingItem, VotingRound
from fund.coverage import queries as coverage_queries
from fund.coverage import simulator
from fund.extensions import db, utcnow
from fund.pipeline import operations as pipeline_operations
from fund.pipeline.balance import balance_view
from fund.pipeline.queries import ranked_pipeline
from fund.proposals import operations, ranking
from fund.proposals.models import (
    Proposal,
)
from fund.reference.models import Country, GcmObjective
from fund.sentences import said as said_sentence
from tests.concept_note_factories import advance_note, decide_note, new_concept_note
from tests.factories import acting_secretariat
from tests.helpers import audit_events, client_for, csrf_token, organization, pdf_text, user

D = Decimal
RATE = D("0.07")
TWO = {"ILO": "300000", "IOM": "200000"}  # a joint programme within the call's limits

# Set-up ---------------------------------------------------------------------------------------


@pytest.fixture
def people(create_user) -> dict[str, Any]:
    return {
        "author": create_user(roles=("applicant",), organization_acronym="ILO"),
        "secretariat": create_user(roles=("secretariat",), organization_acronym="UNFPA"),
        "committee": create_user(roles=("committee",), organization_acronym="UNHCR"),
    }


def new_note(
    author,
    call_id: int,
    title: str,
    amounts: dict[str, str],
    objectives: tuple[int, ...] = (6, 18),
    countries: tuple[str, ...] = ("CL",),
    *,
    status: str = "draft",
    place: int | None = None,
) -> Proposal:
    """A complete concept note of the author's organization (tests/concept_note_factories.py)
    reshaped: `amounts` per participating UN entity (the first one leads), the first objective
    primary, in `countries`; then taken to `status` by the workflow's steps (a pipeline note
    at `place`, by default last)."""
    note = new_concept_note(
        author, call_id, title=title, indicative={k: D(v) for k, v in amounts.items()}
    )
    with db.session.no_autoflush:
        entities = [organization(acronym) for acronym in amounts]
        found = [db.session.get(Country, code) for code in countries]
        note.scope = {0: "global", 1: "national"}.get(len(found), "multi_country")
        note.countries = found
        note.endorsers = found
        note.lead_organization = entities[0]
        note.participants = entities
        note.primary_objective_number = objectives[0]
        note.secondary_objectives = [db.session.get(GcmObjective, n) for n in objectives[1:]]
    db.session.flush()
    advance_note(note, status, author, place=place)
    return note


def note_in_pipeline(people, call_id: int, title: str, place: int | None = None, **shape) -> int:
    """A concept note taken to the pipeline at `place` (last if not given); returns its id."""
    note = new_note(people["author"], call_id, title, status="pipeline", place=place, **shape)
    return note.id


def order() -> list[int]:
    return ranking.ranked_ids()


# Ranks: the database keeps one note per place; one statement writes an order -----------------


def test_the_committee_places_notes_and_the_order_is_unique(app, backend, people, two_stage_call):
    with app.app_context():
        a = note_in_pipeline(people, two_stage_call, "A", amounts=TWO)
        b = note_in_pipeline(people, two_stage_call, "B", amounts=TWO)
        c = note_in_pipeline(people, two_stage_call, "C", place=1, amounts=TWO)
        db.session.commit()
        assert order() == [c, a, b]
        keys = dict(db.session.execute(select(Proposal.id, Proposal.pipeline_rank)).all())
        # Outside the application's writes: two notes given one key, which the database refuses.
        with pytest.raises(IntegrityError):
            db.session.execute(
                update(Proposal).where(Proposal.id == a).values(pipeline_rank=keys[b])
            )
            db.session.flush()
        db.session.rollback()


def test_a_new_order_is_one_statement(app, backend, people, two_stage_call):
    with app.app_context():
        ids = [note_in_pipeline(people, two_stage_call, f"Note {n}", amounts=TWO) for n in range(4)]
        db.session.commit()
        wanted = [ids[3], ids[1], ids[0], ids[2]]  # a cycle of places: no spare key in between
        statements: list[str] = []

        def seen(_conn, _cursor, statement, *_args) -> None:
            if statement.lstrip().upper().startswith("UPDATE"):
                statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", seen)
        try:
            assert ranking.write_order(wanted) == 4
        finally:
            event.remove(db.engine, "before_cursor_execute", seen)
        db.session.commit()
        assert len(statements) == 1
        assert order() == wanted


# Re-ranking only on a decision of the committee ---------------------------------------------------


def _pipeline_round(note_id: int) -> int:
    return db.session.scalar(
        select(VotingRound.id).where(
            VotingRound.proposal_id == note_id, VotingRound.status == "closed"
        )
    )


def test_rerank_needs_a_decision_and_is_audited(app, backend, people, two_stage_call):
    with app.app_context():
        a = note_in_pipeline(people, two_stage_call, "A", amounts=TWO)
        b = note_in_pipeline(people, two_stage_call, "B", amounts=TWO)
        db.session.commit()
        secretariat = user(people["secretariat"])
        for decision in (None, "", "round:999999", "item:1", f"round:{a}x", "vote:1"):
            with pytest.raises(pipeline_operations.PipelineRefused):
                pipeline_operations.rerank(secretariat, decision, [b, a])
        with pytest.raises(pipeline_operations.PipelineRefused):  # only the secretariat
            pipeline_operations.rerank(
                user(people["committee"]), f"round:{_pipeline_round(b)}", [b, a]
            )
        with pytest.raises(pipeline_operations.PipelineRefused):  # not the pipeline's notes
            pipeline_operations.rerank(secretariat, f"round:{_pipeline_round(b)}", [b])
        db.session.rollback()
        assert order() == [a, b]
        pipeline_operations.rerank(
            secretariat, f"round:{_pipeline_round(b)}", [b, a], comment="B is ready first."
        )
        db.session.commit()
        assert order() == [b, a]
    [event_] = audit_events(app, "pipeline_reranked")
    assert event_.details["before"] == [f"P-{a:05d}", f"P-{b:05d}"]
    assert event_.details["after"] == [f"P-{b:05d}", f"P-{a:05d}"]
    assert event_.details["decision"] == {"round": event_.details["decision"]["round"]}
    assert "Voting round 1" in event_.details["decision_text"]
    assert event_.comment == "B is ready first."
    # The audit log names the pipeline in words, not by the code it is recorded under.
    log = client_for(app, people["secretariat"]).get("/audit/").get_data(as_text=True)
    assert "The pipeline of concept notes" in log and "concept_notes" not in log


def test_the_pipelines_decisions_are_said_in_the_pages_language(app, people, two_stage_call):
    """Each note's decision and the decision the latest order rests on are English where they
    are recorded (the audit trail) and in the reader's language on the page and the booklet."""
    import html

    with app.app_context():
        a = note_in_pipeline(people, two_stage_call, "A", amounts=TWO)
        b = note_in_pipeline(people, two_stage_call, "B", amounts=TWO)
        db.session.commit()
        pipeline_operations.rerank(
            user(people["secretariat"]), f"round:{_pipeline_round(b)}", [b, a]
        )
        db.session.commit()
    [event_] = audit_events(app, "pipeline_reranked")
    assert event_.details["decision_text"].startswith("Voting round 1 on ")
    secretariat = client_for(app, people["secretariat"])
    page = html.unescape(secretariat.get("/pipeline/?lang=fr").get_data(as_text=True))
    ranking = page.split('id="latest-ranking"', 1)[1].split("</p>", 1)[0]
    assert "Tour de scrutin 1 sur " in ranking and "Voting round" not in ranking, ranking
    assert "Approuvée dans la réserve de projets" in page
    assert "Approved into the pipeline" not in page and "at place" not in page
    _, booklet = pdf_text(secretariat.get("/pipeline/booklet.pdf").data)
    booklet = " ".join(booklet.split())
    assert "sur la décision : Tour de scrutin 1 sur " in booklet
    assert "Approuvée dans la réserve de projets, à la place 2" in booklet
    assert "Approved into the pipeline" not in booklet and "Voting round" not in booklet


def test_the_committees_summary_is_not_called_conditions(app, people, two_stage_call):
    """A round closed with the committee's summary shows it as the summary, on the page and in
    the booklet; "Conditions" names only the conditions a meeting's item attached."""
    with app.app_context():
        note = new_note(
            people["author"], two_stage_call, "Summarised note", TWO, status="committee_review"
        )
        decide_note(
            note, acting_secretariat(), "pipeline", summary="Keep the budget within the call."
        )
        db.session.commit()
        note_id = note.id
        entry = next(e for e in ranked_pipeline(RATE).entries if e.id == note_id)
        assert entry.decision.summary == "Keep the budget within the call."
        assert entry.decision.conditions == ""
    page = client_for(app, people["secretariat"]).get("/pipeline/").get_data(as_text=True)
    row = page.split(f'id="entry-{note_id}"')[1].split("</tr>")[0]
    words = re.sub(r"<[^>]+>", "", row)  # the summary is set apart in its own direction
    assert "Committee's summary: Keep the budget within the call." in words, row
    assert "Conditions" not in row, row
    booklet = client_for(app, people["secretariat"]).get("/pipeline/booklet.pdf")
    _, text = pdf_text(booklet.data)
    assert "Committee's summary: Keep the budget within the call." in text, text
    assert "Conditions" not in text, text
    # Listed publicly, the note's decision reads without the committee's summary, which only
    # the secretariat, the committee and the applicant read, nor the round or meeting.
    with app.app_context():
        pipeline_operations.set_public(acting_secretariat(), note_id, True)
        db.session.commit()
    _, public = pdf_text(app.test_client().get("/open-data/pipeline.pdf").data)
    public = " ".join(public.split())
    assert "Summarised note" in public and "Approved into the pipeline" in public, public
    assert "Keep the budget" not in public and "summary:" not in public, public
    assert "voting round" not in public.lower(), public


def test_a_meetings_decision_on_the_pipeline_reranks(app, people, two_stage_call):
    with app.app_context():
        a = note_in_pipeline(people, two_stage_call, "A", amounts=TWO)
        b = note_in_pipeline(people, two_stage_call, "B", amounts=TWO)
        now = utcnow()
        meeting = Meeting(
            title="Second meeting", held_on=now.date(), created_at=now, updated_at=now
        )
        meeting.items = [
            MeetingItem(position=1, kind=ItemKind.PIPELINE.value, title="The pipeline's order"),
            MeetingItem(
                position=2,
                kind=ItemKind.PIPELINE.value,
                title="Deferred",
                outcome=ItemOutcome.DEFERRED.value,
            ),
        ]
        db.session.add(meeting)
        db.session.commit()
        undecided, deferred = (item.id for item in meeting.items)
        secretariat = user(people["secretariat"])
        for item in (undecided, deferred):
            with pytest.raises(pipeline_operations.PipelineRefused):
                pipeline_operations.rerank(secretariat, f"item:{item}", [b, a])
        db.session.get(MeetingItem, undecided).outcome = ItemOutcome.AGREED.value
        db.session.commit()
        assert f"item:{undecided}" in {c.value for c in pipeline_operations.decision_choices()}
        label = {c.value: c.label for c in pipeline_operations.decision_choices()}[
            f"item:{undecided}"
        ]
        day = now.date()
        assert label == (
            f"Meeting “Second meeting” of {day.day} {day:%b %Y}, "
            "item 1: The pipeline's order (agreed)"
        )
        with app.test_request_context("/?lang=fr"):  # as the page's list of decisions says it
            said = said_sentence(label)
        assert said.startswith(f"Réunion « Second meeting » du {day.day} "), said
        assert said.endswith("point 1\u00a0: The pipeline's order (adopté)"), said
        pipeline_operations.rerank(secretariat, f"item:{undecided}", [b, a])
        db.session.commit()
        assert order() == [b, a]


def _three_notes_in_pipeline(app, people, call_id) -> tuple[int, int, int, str]:
    """Notes A, B and C in the pipeline, in that order, and the decision of C's round as the
    page's form names it."""
    with app.app_context():
        a = note_in_pipeline(people, call_id, "A", amounts=TWO)
        b = note_in_pipeline(people, call_id, "B", amounts=TWO)
        c = note_in_pipeline(people, call_id, "C", amounts=TWO)
        db.session.commit()
        return a, b, c, f"round:{_pipeline_round(c)}"


def test_the_secretariat_reranks_on_the_page(app, client, people, two_stage_call):
    a, b, c, decision = _three_notes_in_pipeline(app, people, two_stage_call)
    secretariat = client_for(app, people["secretariat"])
    page = secretariat.get("/pipeline/").get_data(as_text=True)
    assert f'name="place-{a}"' in page and decision in page
    token = csrf_token(secretariat, "/pipeline/")
    shown = re.search(r'name="shown" value="([0-9,]+)"', page).group(1)
    assert shown == f"{a},{b},{c}"
    form = {"csrf_token": token, "shown": shown}
    form |= {f"place-{a}": "3", f"place-{b}": "2", f"place-{c}": "1"}
    refused = secretariat.post("/pipeline/rerank", data=form)
    assert refused.status_code == 400 and "decision" in refused.get_data(as_text=True)
    bad = secretariat.post(
        "/pipeline/rerank", data=form | {"decision": decision, f"place-{a}": "x"}
    )
    assert bad.status_code == 400 and "whole number" in bad.get_data(as_text=True)
    done = secretariat.post("/pipeline/rerank", data=form | {"decision": decision})
    assert done.status_code == 302
    with app.app_context():
        assert order() == [c, b, a]
    # A page shown before the pipeline changed names other notes: refused, nothing changes.
    with app.app_context():
        d = note_in_pipeline(people, two_stage_call, "D", amounts=TWO)
        db.session.commit()
    stale = secretariat.post("/pipeline/rerank", data=form | {"decision": decision})
    assert stale.status_code == 409
    with app.app_context():
        assert order() == [c, b, a, d]
    committee = client_for(app, people["committee"])
    theirs = form | {"decision": decision, "csrf_token": csrf_token(committee, "/pipeline/")}
    assert committee.post("/pipeline/rerank", data=theirs).status_code == 403
    listed = committee.get("/pipeline/").get_data(as_text=True)
    assert "Record the" not in listed and f"P-{c:05d}" in listed


def test_a_page_shown_before_another_order_was_recorded_is_refused(app, people, two_stage_call):
    """Two tabs show the same order; the first records a new order; the second, shown
    before, lists the same notes in the old order: refused as stale, what was typed kept,
    the order the first recorded unchanged."""
    a, b, c, decision = _three_notes_in_pipeline(app, people, two_stage_call)
    secretariat = client_for(app, people["secretariat"])
    page = secretariat.get("/pipeline/").get_data(as_text=True)
    shown = re.search(r'name="shown" value="([0-9,]+)"', page).group(1)
    form = {"csrf_token": csrf_token(secretariat, "/pipeline/"), "shown": shown}
    form |= {"decision": decision}
    first = form | {f"place-{a}": "3", f"place-{b}": "2", f"place-{c}": "1"}
    assert secretariat.post("/pipeline/rerank", data=first).status_code == 302
    with app.app_context():
        assert order() == [c, b, a]
    second = form | {f"place-{a}": "2", f"place-{b}": "1", f"place-{c}": "3"}
    stale = secretariat.post("/pipeline/rerank", data=second)
    text = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "The pipeline changed since the page was shown" in text
    assert f'name="place-{b}" value="1"' in text and f'name="place-{c}" value="3"' in text
    with app.app_context():
        assert order() == [c, b, a]
        secretariat_user = user(people["secretariat"])
        with pytest.raises(pipeline_operations.PipelineRefused):
            pipeline_operations.rerank(secretariat_user, decision, [b, a, c], shown=[a, b, c])
        db.session.rollback()
        assert order() == [c, b, a]


# The ranked list, its JSON and its booklet --------------------------------------------------------


@pytest.fixture
def world(app, people, two_stage_call, make_proposal) -> dict[str, int]:
    """Two concept notes in the pipeline (second placed first), one selected, one under review;
    an approved programme and a funded one; the pools hold what the funded one left."""
    with app.app_context():
        first = note_in_pipeline(
            people,
            two_stage_call,
            "Fair recruitment in the Andes",
            amounts={"ILO": "600000", "IOM": "400000"},
            objectives=(6, 18),
            countries=("CL", "PE"),
        )
        placed_first = note_in_pipeline(
            people,
            two_stage_call,
            "Safe returns in the Sahel",
            place=1,
            amounts={"IOM": "250000.50", "UNDP": "250000"},
            objectives=(21,),
            countries=("ML",),
        )
        selected = new_note(people["author"], two_stage_call, "Selected", TWO, status="selected")
        review = new_note(
            people["author"],
            two_stage_call,
            "Under review",
            {"UNDP": "300000", "UNICEF": "200000"},
            status="committee_review",
        )
        db.session.commit()
        ids = {
            "first": first,
            "placed_first": placed_first,
            "selected": selected.id,
            "review": review.id,
        }
    ids["approved"] = make_proposal(people["author"], status="approved", title="Approved one")
    ids["funded"] = make_proposal(people["author"], status="funded", title="Funded one")
    return ids


def test_the_ranked_list(app, backend, world):
    with app.app_context():
        pipeline = ranked_pipeline(RATE)
        entries = pipeline.entries
        assert [e.id for e in entries] == [world["placed_first"], world["first"], world["approved"]]
        assert [e.rank for e in entries] == [1, 2, 3]
        assert [e.kind for e in entries] == ["concept_note", "concept_note", "proposal"]
        sahel, andes, programme = entries
        assert sahel.amount == D("500000.50") and andes.amount == D("1000000.00")
        assert programme.amount == D("1070000.00")  # 1,000,000 direct + 7% indirect
        assert [e.running_total for e in entries] == [
            D("500000.50"),
            D("1500000.50"),
            D("2570000.50"),
        ]
        assert pipeline.available == D("0.00")  # the funded programme took the donor's money
        assert not any(e.within_available for e in entries)
        assert andes.objectives == (
            (6, "Recruitment and decent work"),
            (18, andes.objectives[1][1]),
        )
        assert [code for code, _ in andes.countries] == ["CL", "PE"]
        assert andes.organizations == ("ILO", "IOM")
        assert andes.national_partners[0] == ("Ministry of Labour", "Line ministry")
        assert andes.decision.what == "Approved into the pipeline, at place 1"
        assert andes.decision.round_number == 1 and andes.decision.recorded_by
        assert programme.decision.what == "Approved"
        assert programme.fundable is False


def test_flask_fund_pipeline_json(app, runner, world):
    result = runner.invoke(args=["fund", "pipeline", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    entries = data["entries"]
    assert [e["rank"] for e in entries] == [1, 2, 3]
    assert [e["kind"] for e in entries] == ["concept_note", "concept_note", "proposal"]
    sahel, andes, programme = entries
    assert sahel == {
        "reference": f"P-{world['placed_first']:05d}",
        "title": "Safe returns in the Sahel",
        "kind": "concept_note",
        "rank": 1,
        "indicative_total": "500000.50",
        "objectives": [21],
        "countries": ["ML"],
        "organizations": ["IOM", "UNDP"],
        "national_partners": [
            {"name": "Ministry of Labour", "type": "Line ministry"},
            {"name": "Municipality of Santiago", "type": "Local government"},
            {"name": "Migrant Workers' Union", "type": "Civil-society organization"},
        ],
        "decided_at": sahel["decided_at"],
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", sahel["decided_at"])
    decided = datetime.fromisoformat(sahel["decided_at"].replace("Z", "+00:00"))
    assert decided.tzinfo == UTC and abs((utcnow() - decided).total_seconds()) < 600
    assert andes["objectives"] == [6, 18] and andes["organizations"] == ["ILO", "IOM"]
    assert programme["indicative_total"] == "1070000.00" and programme["national_partners"] == []
    text_output = runner.invoke(args=["fund", "pipeline"])
    assert text_output.exit_code == 0 and "Safe returns in the Sahel" in text_output.output
    assert ": 2 concept notes, 1 programme; USD " in text_output.output


def test_the_public_flag_and_the_public_version(app, backend, runner, people, world):
    with app.app_context():
        secretariat = user(people["secretariat"])
        assert pipeline_operations.set_public(secretariat, world["first"], True)
        assert not pipeline_operations.set_public(secretariat, world["first"], True)
        with pytest.raises(pipeline_operations.PipelineRefused):
            pipeline_operations.set_public(secretariat, world["review"], True)
        with pytest.raises(pipeline_operations.PipelineRefused):
            pipeline_operations.set_public(user(people["committee"]), world["first"], False)
        db.session.commit()
    [event_] = audit_events(app, "pipeline_public_set", world["first"])
    assert (event_.from_state, event_.to_state) == ("internal", "public")
    data = json.loads(
        runner.invoke(args=["fund", "pipeline", "--format", "json", "--public"]).output
    )
    assert [(e["reference"], e["rank"]) for e in data["entries"]] == [
        (f"P-{world['first']:05d}", 1)
    ]


def test_the_public_list_states_no_place_of_the_committees_whole_pipeline(
    app, backend, people, world
):
    """The public list ranks the public rows among themselves: a decision there says it was
    approved into the pipeline, not at which place of the whole pipeline (which the full list
    and the decision record keep)."""
    with app.app_context():
        pipeline_operations.set_public(user(people["secretariat"]), world["first"], True)
        db.session.commit()
        full = {e.id: e for e in ranked_pipeline(RATE).entries}
        public = {e.id: e for e in ranked_pipeline(RATE, public_only=True).entries}
    assert ", at place " in str(full[world["first"]].decision.what)
    assert str(public[world["first"]].decision.what) == "Approved into the pipeline"
    assert public[world["first"]].rank == 1


def test_the_public_pipeline_command_says_nothing_of_the_pools_money(
    app, backend, runner, people, world
):
    """`--public` lists what the public booklet and the API list, and as they do, without the
    pools' money: no amount available, no running total set against it."""
    with app.app_context():
        pipeline_operations.set_public(user(people["secretariat"]), world["first"], True)
        db.session.commit()
    full = runner.invoke(args=["fund", "pipeline"]).output
    assert " available." in full and "running " in full
    public = runner.invoke(args=["fund", "pipeline", "--public"])
    assert public.exit_code == 0, public.output
    assert f"P-{world['first']:05d}" in public.output
    assert "available" not in public.output and "running " not in public.output
    data = json.loads(
        runner.invoke(args=["fund", "pipeline", "--format", "json", "--public"]).output
    )
    assert "available" not in data
    assert "available" in json.loads(
        runner.invoke(args=["fund", "pipeline", "--format", "json"]).output
    )


def test_the_page_lists_flags_and_links_the_booklets(app, people, world):
    secretariat = client_for(app, people["secretariat"])
    page = secretariat.get("/pipeline/").get_data(as_text=True)
    for key in ("placed_first", "first", "approved"):
        assert f'id="entry-{world[key]}"' in page
    assert f'id="entry-{world["selected"]}"' not in page
    assert "Safe returns in the Sahel" in page and "Ministry of Labour" in page
    assert "/pipeline/booklet.pdf" in page and "/open-data/pipeline.pdf" in page
    token = csrf_token(secretariat, "/pipeline/")
    listed = secretariat.post(
        f"/pipeline/{world['approved']}/public", data={"csrf_token": token, "public": "y"}
    )
    assert listed.status_code == 302
    refused = secretariat.post(
        f"/pipeline/{world['review']}/public", data={"csrf_token": token, "public": "y"}
    )
    assert refused.status_code == 400
    public = app.test_client().get("/open-data/pipeline.pdf")
    assert public.status_code == 200
    _, public_text = pdf_text(public.data)
    assert "Approved one" in public_text and "Safe returns" not in public_text


def test_the_booklet(app, runner, world, tmp_path):
    out = tmp_path / "booklet.pdf"
    result = runner.invoke(args=["fund", "report", "pipeline", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert ": 2 concept notes and 1 programme, written to" in result.output
    reader, content = pdf_text(out.read_bytes())
    as_of = re.search(r"as of (\d{1,2} \w+ \d{4})", content).group(1)
    for page in reader.pages:
        assert f"as of {as_of}" in page.extract_text()
    # The section's heading is never left alone at the foot of a page.
    section = next(
        p.extract_text() for p in reader.pages if "Each concept note" in p.extract_text()
    )
    assert "1. " in section.split("Each concept note and programme", 1)[1]
    for words in (
        "Safe returns in the Sahel",
        "Fair recruitment in the Andes",
        "Approved one",
        "Indicative total",
        "Ministry of Labour",
        "Chile, Peru",
        "24 months",
        "Approved into the pipeline, at place 1",
        "beyond the money available",
    ):
        assert words in content, words
    public_out = tmp_path / "public.pdf"
    result = runner.invoke(
        args=["fund", "report", "pipeline", "--public", "--out", str(public_out)]
    )
    assert result.exit_code == 0
    assert ": 0 concept notes and 0 programmes, written to" in result.output
    _, public_text = pdf_text(public_out.read_bytes())
    assert "public version" in public_text and "Safe returns" not in public_text


def test_the_booklet_writes_one_month_and_one_line_in_the_singular(app, runner, world, tmp_path):
    with app.app_context():
        db.session.get(Proposal, world["placed_first"]).duration_months = 1
        db.session.commit()
    out = tmp_path / "booklet.pdf"
    result = runner.invoke(args=["fund", "report", "pipeline", "--out", str(out)])
    assert result.exit_code == 0, result.output
    _, content = pdf_text(out.read_bytes())
    assert "1 month" in content and "1 months" not in content
    assert re.search(r"covers the first \d+ of 3 lines", " ".join(content.split()))


def test_the_booklet_names_an_applicant_that_leads_once(app, runner, world, tmp_path):
    """An applicant that leads its own note is named once; another lead is named after it."""
    for lang, led in (("en", "led by"), ("es", "bajo la dirección de")):
        out = tmp_path / f"booklet-{lang}.pdf"
        result = runner.invoke(
            args=["fund", "report", "pipeline", "--out", str(out)], env={"FUND_LANGUAGE": lang}
        )
        assert result.exit_code == 0, result.output
        _, content = pdf_text(out.read_bytes())
        content = " ".join(content.split())
        assert f"ILO, {led} ILO" not in content, content
        assert f"ILO, {led} IOM" in content, content


# Coverage: the concept-note pipeline column -------------------------------------------------------


def test_coverage_counts_the_pipeline_notes(app, backend, people, two_stage_call):
    """Nothing funded: a note in the pipeline shows in the concept-note column, by hand, and
    its objectives are flagged pipeline only; the kept totals agree with a recomputation."""
    with app.app_context():
        caches.rebuild()
        db.session.commit()
        note = note_in_pipeline(
            people,
            two_stage_call,
            "Counted",
            amounts={"ILO": "300000.01", "IOM": "200000"},
            objectives=(7, 6),
            countries=("CL", "MA"),
        )
        db.session.commit()
        kept = coverage_queries.coverage()
        assert kept.to_dict() == coverage_queries.coverage(use_totals=False).to_dict()
        assert all(not problems for problems in caches.verify().values())
        assert kept.totals.notes == D("500000.01") and kept.totals.notes_programmes == 1
        assert kept.objective(7).notes == D("250000.01")
        assert kept.objective(6).notes == D("250000.00")
        assert kept.objective(7).flag == coverage_queries.PIPELINE_ONLY
        assert kept.objective(1).flag == coverage_queries.UNCOVERED
        public = coverage_queries.coverage(include_pipeline=False)
        assert public.totals.notes is None and public.objective(7).flag == "uncovered"
        # Withdrawn (or invited: the full programme then counts instead), the note leaves it.
        operations.fire(
            db.session.get(Proposal, note),
            "withdraw",
            user(people["author"]),
            comment="Another donor funds it.",
        )
        db.session.commit()
        assert coverage_queries.coverage().totals.notes == D("0.00")
        assert all(not problems for problems in caches.verify().values())


# The balance view ---------------------------------------------------------------------------------


def test_the_balance_views_figures_by_hand(app, backend, people, two_stage_call):
    """Note A: ILO 300,000.01 and IOM 200,000.00 over objectives 7 (primary; thematic areas
    TA1 and TA2) and 6 (TA4), in Chile (Americas, M49 019) and Morocco (Africa, 002). Each
    organization's amount is split equally over the two objectives, the odd cent to the
    primary: objective 7 gets 150,000.01 + 100,000.00 = 250,000.01, objective 6 250,000.00.
    Objective 7's money is split equally over TA1 and TA2, the odd cent to TA1: 125,000.01
    and 125,000.00; TA4 gets objective 6's 250,000.00. The note's 500,000.01 is split over its
    two regions, the odd cent to the lower code: Africa 250,000.01, the Americas 250,000.00.
    Note B is a candidate left unpicked; nothing is funded before."""
    with app.app_context():
        a = new_note(
            people["author"],
            two_stage_call,
            "A",
            {"ILO": "300000.01", "IOM": "200000"},
            objectives=(7, 6),
            countries=("CL", "MA"),
            status="committee_review",
        )
        b = note_in_pipeline(
            people,
            two_stage_call,
            "B",
            amounts={"UNDP": "300000", "UNICEF": "200000"},
            objectives=(2,),
        )
        db.session.commit()
        candidates = simulator.note_candidates()
        assert [c.id for c in candidates] == [b, a.id]  # the pipeline's order first
        assert candidates[1].total == D("500000.01")
        view = balance_view([a.id])
        assert [c.id for c in view.picked] == [a.id]
        assert view.simulation.picked_total == D("500000.01")

        def after(rows) -> dict[str, D]:
            return {row.key: row.funded_after for row in rows if row.funded_after}

        assert {r.number: r.funded_after for r in view.objectives if r.funded_after} == {
            7: D("250000.01"),
            6: D("250000.00"),
        }
        assert after(view.areas) == {
            "TA1": D("125000.01"),
            "TA2": D("125000.00"),
            "TA4": D("250000.00"),
        }
        assert after(view.regions) == {"002": D("250000.01"), "019": D("250000.00")}
        names = {row.label: row.funded_after for row in view.organizations}
        assert names == {"ILO": D("300000.01"), "IOM": D("200000.00")}
        assert all(row.funded_now == 0 for row in view.areas)
        # Picking B too, which is in the pipeline: it moves from the concept-note column.
        both = balance_view([a.id, b])
        assert both.simulation.after.totals.funded == D("1000000.01")
        assert both.simulation.after.totals.notes == D("0.00")
        assert both.simulation.before.totals.notes == D("500000.00")
        # The kept totals and a recomputation agree on the simulation.
        fast = coverage_queries.coverage(simulate_funded=[a.id, b]).to_dict()
        assert (
            fast == coverage_queries.coverage(simulate_funded=[a.id, b], use_totals=False).to_dict()
        )


def test_the_balance_page_works_without_javascript(app, people, two_stage_call):
    with app.app_context():
        a = new_note(
            people["author"],
            two_stage_call,
            "A",
            {"ILO": "300000.01", "IOM": "200000"},
            objectives=(7, 6),
            countries=("CL", "MA"),
            status="committee_review",
        )
        db.session.commit()
        note_id = a.id
    committee = client_for(app, people["committee"])
    empty = committee.get("/pipeline/balance")
    assert empty.status_code == 200 and f'value="{note_id}"' in empty.get_data(as_text=True)
    page = committee.get(f"/pipeline/balance?pick={note_id}&pick=nonsense&pick=999999")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "checked" in html
    assert 'data-key="balance-regions-002"' in html and "+250,000.01" in html
    assert "2 picked concept notes are" in html  # the two values that are not candidates
    assert client_for(app, people["author"]).get("/pipeline/balance").status_code == 403

"""Full-text search over proposals' titles and summaries: SQLite FTS5 and PostgreSQL tsvector
find the same proposals for the same words (fund/fulltext.py), whatever is typed."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select, text

from fund.extensions import db
from fund.fulltext import MAX_TERMS, matching, normalise, terms
from fund.proposals.models import Proposal
from tests.conftest import new_open_call, new_proposal
from tests.helpers import PASSWORD, login, new_user

# Titles and summaries with what splits or folds words differently on each engine: accents,
# capitals outside ASCII, hyphens, apostrophes, dotted numbers, underscores, ligatures.
DOCUMENTS = [
    ("Étude des migrations", "Travailleurs ÉMIGRÉS et leurs familles"),
    ("Safe labour migration corridors", "Decent work for migrant workers; e-mail helpdesk."),
    ("Return and reintegration", "SDG 10.7 and target 10.c: remittances via mobile money"),
    ("Kinderschutz an der Grenze", "Straße, Übergänge und ﬁnanzielle Hilfe"),
    ("Data for evidence", "national_statistics l\u2019enfant «quoted» MGI-2026 datasets"),
    ("Climate mobility", "Disaster displacement, slow-onset events and planned relocation"),
]
# What people type, with what each must find (by the documents' positions).
QUERIES = {
    "migra": {0, 1},
    "MIGRATION": {0, 1},
    "etude": {0},
    "émigrés": {0},
    "EMIGRES familles": {0},
    "e-mail": {1},
    "10.7": {2},
    "10 c": {2},
    "strasse": {3},
    "finanz": {3},
    "national_statistics": {4},
    "statistics national": {4},
    "enfant": {4},
    '"quoted"': {4},
    "mgi 2026": {4},
    "work*": {1},
    "migrant OR climate": set(),
    "climate -mobility": {5},
    "nothing-like-this": set(),
}
# Input that is query syntax on one engine or the other: never an error, at worst no match.
HOSTILE = [
    '"',
    "'",
    "*",
    ":*",
    "&",
    "|",
    "!",
    "(",
    ")",
    "NEAR(a b)",
    "title:migration",
    "^migration",
    "a AND",
    "OR",
    "NOT",
    "\\",
    "'; DROP TABLE proposals; --",
    "\x00",
    "%",
    "_",
    "x" * 500,
    " ".join(f"w{i}" for i in range(50)),
    "😀 migration",
]


@pytest.fixture
def documents(app):
    with app.app_context():
        author = new_user()
        call = new_open_call()
        ids = [
            new_proposal(author, call.id, complete=False, title=title, summary=summary).id
            for title, summary in DOCUMENTS
        ]
        db.session.commit()
        return ids


def _found(query: str, ids: list[int]) -> set[int]:
    condition = matching(Proposal.id, Proposal.search_text, query)
    statement = select(Proposal.id)
    if condition is not None:
        statement = statement.where(condition)
    found = set(db.session.scalars(statement))
    return {ids.index(i) for i in found if i in ids}


def test_normalise_folds_case_and_accents_and_keeps_letters_and_digits():
    assert normalise("ÉTUDE Ärger, e-mail; 10.7 ﬁnance Straße \uff12\uff10\uff12\uff16") == (
        "etude arger e mail 10 7 finance strasse 2026"
    )
    assert normalise(None, "", "a_b") == "a b"
    assert terms('"OR" AND (migr*) :*') == ["or", "and", "migr"]
    assert terms("   ") == [] and terms(None) == []
    assert len(terms(" ".join(f"w{i}" for i in range(50)))) == MAX_TERMS


def test_the_same_words_find_the_same_proposals_on_both_engines(app, backend, documents):
    with app.app_context():
        for query, expected in QUERIES.items():
            assert _found(query, documents) == expected, query


def test_hostile_input_never_fails_and_matches_at_most_what_its_words_match(
    app, backend, documents
):
    with app.app_context():
        for query in HOSTILE:
            found = _found(query, documents)
            assert found <= set(range(len(DOCUMENTS))), query


def test_the_index_follows_edits_and_deletions(app, backend, documents):
    with app.app_context():
        proposal = db.session.get(Proposal, documents[5])
        proposal.title = "Anticipatory action"
        proposal.summary = "Early warning for pastoralists"
        db.session.commit()
        assert _found("climate", documents) == set()
        assert _found("pastoral", documents) == {5}
        db.session.delete(db.session.get(Proposal, documents[4]))
        db.session.commit()
        assert _found("enfant", documents) == set()


def test_the_search_index_and_its_triggers_exist_at_head(app, backend):
    """A later migration that rebuilds `proposals` on SQLite must create the triggers again."""
    with app.app_context(), db.engine.connect() as connection:
        if backend == "sqlite":
            names = set(
                connection.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
            )
            assert {
                "proposals_search_insert",
                "proposals_search_delete",
                "proposals_search_update",
            } <= names
            assert connection.scalar(
                text("SELECT count(*) FROM sqlite_master WHERE name = 'proposals_search'")
            )
        else:
            indexes = {i["name"] for i in inspect(connection).get_indexes("proposals")}
            assert "ix_proposals_search" in indexes
            plan = "\n".join(
                connection.scalars(
                    text(
                        "EXPLAIN SELECT id FROM proposals WHERE "
                        "to_tsvector('simple'::regconfig, search_text) "
                        "@@ to_tsquery('simple'::regconfig, 'x:*')"
                    )
                )
            )
            assert "ix_proposals_search" in plan or "Seq Scan" in plan


def test_the_list_searches_titles_and_summaries(app, backend, documents):
    client = app.test_client()
    with app.app_context():
        secretariat = new_user(("secretariat",), "FMU")
        db.session.commit()
        email = secretariat.email
    assert login(client, email, PASSWORD).status_code == 302
    page = client.get("/proposals?q=remittances").get_data(as_text=True)
    assert "Return and reintegration" in page
    assert "Climate mobility" not in page
    assert "1 proposal matching “remittances”" in page
    for query in HOSTILE:
        assert client.get("/proposals", query_string={"q": query}).status_code in (200, 400), query

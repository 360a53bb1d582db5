"""The committee's lists page by page: the meeting and the member's lists are cut into pages in
SQL, with counts for the whole list, links between pages that work without JavaScript, and the
recusal rules unchanged on every page."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest

from fund.committee import operations, queries
from fund.extensions import db, utcnow
from fund.proposals.models import Proposal
from tests.conftest import PreparedDatabase, csrf_token, engine_of
from tests.factories import committee_people, new_open_call, new_proposal
from tests.helpers import client_for, counted_get, user
from tests.test_committee import detached_people

PER_PAGE = 2
DASH = "\u2013"  # the en dash between the first and the last row of a page


@pytest.fixture(autouse=True)
def small_pages(monkeypatch):
    """Two rows a page, so that a handful of proposals fill several pages."""
    monkeypatch.setattr(queries, "PER_PAGE", PER_PAGE)


def _open_round(app, proposal_id: int) -> int:
    with app.app_context():
        return operations.open_round_of(proposal_id).id


def _sections(page: str) -> list[int]:
    """The proposals of a meeting page, in order."""
    return [int(n) for n in re.findall(r'<section class="actions" id="p-(\d+)"', page)]


def _awaiting(page: str) -> list[int]:
    """The proposals listed under "Awaiting my vote" on the member's page, in order."""
    section = page.split('id="awaiting-title"', 1)[1].split("</section>", 1)[0]
    return [int(n) for n in re.findall(r"/committee/proposals/(\d+)", section)]


def _pager(page: str, label: str) -> str:
    found = re.search(rf'<nav class="pager" aria-label="{label}">(.*?)</nav>', page, re.S)
    return found.group(1) if found else ""


def _meeting() -> SimpleNamespace:
    """Five proposals under review. Four have an open round: one whose deadline has passed,
    one closing in 3 days, one in 5, one without a deadline. The fifth's round closed without
    quorum and no new round is open. The meeting's order is the same."""
    people = committee_people()
    call = new_open_call().id
    ids = [
        new_proposal(people.author, call, "committee_review", title=f"Proposal {n}").id
        for n in range(1, 6)
    ]
    in_5, passed, none, in_3, without = ids
    for proposal_id, days in ((in_5, 5), (passed, -1), (in_3, 3)):
        # Directly: the form accepts no date in the past.
        operations.open_round_of(proposal_id).deadline = utcnow() + timedelta(days=days)
    operations.close_round(operations.open_round_of(without).id, people.secretariat)
    meeting = SimpleNamespace(ids=ids, order=[passed, in_3, in_5, none, without], without=without)
    return SimpleNamespace(people=detached_people(people), meeting=meeting)


@pytest.fixture(scope="module")
def prepared_meeting(request) -> PreparedDatabase:
    """The meeting, made once per engine: each test reads a copy."""
    return PreparedDatabase(request, _meeting)


@pytest.fixture
def meeting(request, prepared_meeting) -> SimpleNamespace:
    return prepared_meeting.data(engine_of(request)).meeting


@pytest.fixture
def people(request, app) -> SimpleNamespace:
    """The people of the meeting when the test has one, else new ones."""
    if "meeting" in request.fixturenames:
        return request.getfixturevalue("prepared_meeting").data(engine_of(request)).people
    with app.app_context():
        return detached_people(committee_people())


# The meeting -------------------------------------------------------------------------------------


def test_the_meeting_is_split_over_pages_closest_deadline_first(app, backend, people, meeting):
    client = client_for(app, people.secretariat)
    pages = [client.get(f"/committee/meeting?page={n}") for n in (1, 2, 3)]
    assert [r.status_code for r in pages] == [200, 200, 200]
    texts = [r.get_data(as_text=True) for r in pages]
    assert [_sections(t) for t in texts] == [
        meeting.order[0:2],
        meeting.order[2:4],
        meeting.order[4:5],
    ]
    # The figures count all five, whatever the page.
    for number, text in enumerate(texts, start=1):
        assert (
            "5 proposals under review: 4 with an open round (1 past the deadline), 1 without one."
            in text
        )
        assert f"page {number} of 3" in text
    assert f"Showing 1{DASH}2 of 5 proposals" in texts[0]
    assert f"Showing 5{DASH}5 of 5 proposals" in texts[2]
    # The proposal whose round closed without quorum can have its second round opened.
    assert "Open round 2" in texts[2]


def test_the_meeting_pager_links_work_without_javascript(app, people, meeting):
    client = client_for(app, people.secretariat)
    first = _pager(
        client.get("/committee/meeting").get_data(as_text=True),
        "Pages of the proposals under review",
    )
    assert 'rel="prev"' not in first
    assert '<a rel="next" href="/committee/meeting?page=2">Next page' in first
    assert re.search(r'href="/committee/meeting" aria-current="page">', first)
    assert first.count('aria-current="page"') == 1

    middle = _pager(
        client.get("/committee/meeting?page=2").get_data(as_text=True),
        "Pages of the proposals under review",
    )
    assert '<a rel="prev" href="/committee/meeting">' in middle
    assert '<a rel="next" href="/committee/meeting?page=3">Next page' in middle
    assert 'href="/committee/meeting?page=2" aria-current="page"' in middle

    last = _pager(
        client.get("/committee/meeting?page=3").get_data(as_text=True),
        "Pages of the proposals under review",
    )
    assert '<a rel="prev" href="/committee/meeting?page=2">' in last
    assert 'rel="next"' not in last


@pytest.mark.parametrize(("asked", "shown"), [("99", 3), ("0", 1), ("-4", 1), ("two", 1), ("", 1)])
def test_a_page_out_of_range_or_unreadable_shows_a_real_page(app, people, meeting, asked, shown):
    client = client_for(app, people.secretariat)
    response = client.get(f"/committee/meeting?page={asked}")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert f"page {shown} of 3" in text
    assert _sections(text) == meeting.order[(shown - 1) * PER_PAGE : shown * PER_PAGE]


def test_a_meeting_of_one_page_has_no_pager(app, people, make_proposal):
    only = make_proposal(people.author, status="committee_review", title="The only one")
    text = client_for(app, people.unhcr).get("/committee/meeting").get_data(as_text=True)
    assert _sections(text) == [only]
    assert "1 proposal under review: 1 with an open round." in text
    assert '<nav class="pager"' not in text and "Showing" not in text


def test_no_proposal_under_review(app, people):
    text = client_for(app, people.unhcr).get("/committee/meeting").get_data(as_text=True)
    assert "No proposal is under review" in text
    assert '<nav class="pager"' not in text


def test_recused_members_see_no_tally_on_any_page(app, people, meeting):
    app.config["COMMITTEE_VOTES_VISIBLE_BEFORE_OWN_VOTE"] = True
    declared = meeting.order[2]  # on page 2
    with app.app_context():
        for proposal_id in meeting.order[1:4]:  # (the deadline of the first has passed)
            operations.cast_vote(
                _open_round(app, proposal_id), user(people.unicef), "approve", "Secret note."
            )
        operations.declare_conflict(
            _open_round(app, declared), user(people.unhcr), "I advised the applicant."
        )
        db.session.commit()

    iom = client_for(app, people.iom)  # recused from every proposal (IOM participates)
    unhcr = client_for(app, people.unhcr)  # recused from one, by declaration
    for number in (1, 2, 3):
        page = iom.get(f"/committee/meeting?page={number}").get_data(as_text=True)
        assert page.count("you are recused") == len(_sections(page))
        assert " approve, " not in page and "Secret note." not in page

    seen = {}
    for number in (1, 2, 3):
        page = unhcr.get(f"/committee/meeting?page={number}").get_data(as_text=True)
        rows = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("<tr>")[1:]
        for proposal_id, row in zip(_sections(page), rows, strict=True):
            seen[proposal_id] = row
    assert set(seen) == set(meeting.ids)
    assert "you are recused" in seen[declared] and " approve, " not in seen[declared]
    assert "0 approve, 0 reject, 0 abstain" in seen[meeting.order[0]]
    for proposal_id in (meeting.order[1], meeting.order[3]):
        assert "1 approve, 0 reject, 0 abstain" in seen[proposal_id]
    for proposal_id in set(meeting.ids) - {declared}:
        assert "you are recused" not in seen[proposal_id]


# The member's page -----------------------------------------------------------------------------


def test_the_members_lists_are_split_over_pages(app, backend, people, meeting):
    unicef = client_for(app, people.unicef)
    first = unicef.get("/committee/").get_data(as_text=True)
    # Four open rounds await the vote, closest deadline first; the closed round is not there.
    assert "4 open rounds await your vote" in first
    assert f"Showing 1{DASH}2 of 4 rounds · page 1 of 2" in first
    assert _awaiting(first) == meeting.order[0:2]
    second = unicef.get("/committee/?awaiting_page=2").get_data(as_text=True)
    assert _awaiting(second) == meeting.order[2:4]
    beyond = unicef.get("/committee/?awaiting_page=7").get_data(as_text=True)
    assert _awaiting(beyond) == meeting.order[2:4]
    assert "page 2 of 2" in beyond
    # A page of an empty list: nothing, and no error.
    empty = unicef.get("/committee/?recused_page=3&voted_page=2")
    assert empty.status_code == 200
    text = empty.get_data(as_text=True)
    assert 'id="recused-title"' not in text and "You have not voted yet." in text

    with app.app_context():
        for proposal_id in meeting.order[1:4]:  # (the deadline of the first has passed)
            operations.cast_vote(_open_round(app, proposal_id), user(people.unicef), "abstain")
        db.session.commit()
    page = unicef.get("/committee/?voted_page=2").get_data(as_text=True)
    assert "1 open round awaits your vote" in page
    assert _awaiting(page) == meeting.order[0:1]
    assert "(passed)" in page.split('id="awaiting-title"', 1)[1].split("</section>", 1)[0]
    assert "You have cast 3 votes, the latest first." in page
    assert f"Showing 3{DASH}3 of 3 votes · page 2 of 2" in page
    voted = page.split('id="voted-title"', 1)[1]
    # The latest first: the first vote cast is alone on the second page.
    assert re.findall(r"/committee/proposals/(\d+)", voted) == [str(meeting.order[1])]
    pager = _pager(page, "Pages of your votes")
    assert '<a rel="prev" href="/committee/#voted-title">' in pager
    assert 'href="/committee/?voted_page=2#voted-title" aria-current="page"' in pager


def test_the_member_page_links_keep_the_other_lists_pages(app, people, meeting):
    iom = client_for(app, people.iom)
    page = iom.get("/committee/?recused_page=2").get_data(as_text=True)
    assert "You are recused from 4 open rounds" in page
    assert f"Showing 3{DASH}4 of 4 rounds · page 2 of 2" in page
    recused = page.split('id="recused-title"', 1)[1].split("</section>", 1)[0]
    assert [int(n) for n in re.findall(r"P-(\d{5})", recused)] == meeting.order[2:4]
    assert "Nothing awaits your vote." in page

    with app.app_context():
        for proposal_id in meeting.order[1:4]:
            operations.cast_vote(_open_round(app, proposal_id), user(people.undp), "approve")
        db.session.commit()
    undp = client_for(app, people.undp)
    page = undp.get("/committee/?voted_page=2").get_data(as_text=True)
    assert "1 open round awaits your vote" in page
    assert _pager(page, "Pages of the rounds awaiting your vote") == ""  # one page: no pager
    votes_pager = _pager(page, "Pages of your votes")
    assert '<a rel="prev" href="/committee/#voted-title">' in votes_pager


def test_the_statements_depend_neither_on_the_data_nor_on_the_page_size(
    app, people, make_proposal, monkeypatch
):
    """The meeting and the member's page send as many statements with more proposals, and
    with more rows on a page: nothing is queried row by row."""

    def statements(client, path: str) -> int:
        with app.app_context():
            engine = db.engine
        response, counted = counted_get(client, engine, path)
        assert response.status_code == 200
        return counted

    def measure() -> dict[str, int]:
        return {
            f"{role} {path}": statements(clients[role], path)
            for role in ("iom", "unicef", "secretariat")
            for path in ("/committee/", "/committee/meeting", "/committee/meeting?page=2")
        }

    clients = {
        name: client_for(app, getattr(people, name)) for name in ("iom", "unicef", "secretariat")
    }

    def add(count: int) -> None:
        for n in range(count):
            proposal_id = make_proposal(people.author, status="committee_review", title=f"More {n}")
            with app.app_context():
                operations.cast_vote(_open_round(app, proposal_id), user(people.unicef), "approve")
                db.session.commit()
            make_proposal(people.author, status="committee_review", title=f"Awaiting {n}")

    add(2)  # 4 proposals under review: two pages of every list
    few = measure()
    add(4)  # 12
    assert measure() == few
    monkeypatch.setattr(queries, "PER_PAGE", 5)  # 5 rows on each page
    assert measure() == few


# The secretariat's actions come back to the proposal's page --------------------------------


def test_actions_come_back_to_the_page_of_the_proposal(app, people, meeting):
    client = client_for(app, people.secretariat)
    token = csrf_token(client, "/committee/meeting?page=3")
    # Opening the second round of the last proposal: it stays last (no deadline), on page 3.
    with app.app_context():
        version = db.session.get(Proposal, meeting.without).version
    response = client.post(
        f"/committee/proposals/{meeting.without}/rounds?page=3",
        data={"csrf_token": token, "version": version, "deadline": ""},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/committee/meeting?page=3#p-{meeting.without}"

    # A deadline tomorrow moves it to the first page, where the redirect goes.
    round_id = _open_round(app, meeting.without)
    tomorrow = (utcnow() + timedelta(days=1)).date().isoformat()
    response = client.post(
        f"/committee/rounds/{round_id}/deadline?page=3",
        data={"csrf_token": token, "deadline": tomorrow},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/committee/meeting#p-{meeting.without}"

    # Returned for revision, the proposal leaves the meeting: back to the page it was sent from.
    last = meeting.order[3]
    with app.app_context():
        version = db.session.get(Proposal, last).version
    response = client.post(
        f"/committee/proposals/{last}/return?page=2",
        data={"csrf_token": token, "version": version, "summary": "Clarify the budget."},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/committee/meeting?page=2"


def test_a_refused_action_shows_the_page_of_its_proposal(app, people, meeting):
    client = client_for(app, people.secretariat)
    token = csrf_token(client, "/committee/meeting")
    target = meeting.order[3]  # on page 2
    with app.app_context():
        version = db.session.get(Proposal, target).version
    response = client.post(
        f"/committee/proposals/{target}/return",  # sent from page 1
        data={"csrf_token": token, "version": version, "summary": " "},
    )
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "page 2 of 3" in text
    assert target in _sections(text)
    assert f'href="#return-summary-{target}"' in text  # the error summary links to the field
    assert f'id="return-summary-{target}-error"' in text
    with app.app_context():
        assert db.session.get(Proposal, target).status == "committee_review"


def test_meeting_page_of(app, backend, people, meeting):
    with app.app_context():
        assert [queries.meeting_page_of(p) for p in meeting.order] == [1, 1, 2, 2, 3]
        assert queries.meeting_page_of(meeting.order[4], per_page=4) == 2
        assert queries.meeting_page_of(10**6) is None


def test_a_proposal_without_a_round_links_to_its_meeting_page(app, people, meeting, make_proposal):
    """A proposal put in committee review without a round (as after a data migration): it comes
    last in the meeting, and its review page links to the meeting's page that shows it."""
    bare = make_proposal(people.author, status="screening", title="No round yet")
    with app.app_context():
        # Forwarding always opens a round: this state comes only from outside the workflow.
        db.session.get(Proposal, bare).status = "committee_review"
        db.session.commit()
    client = client_for(app, people.secretariat)
    last = client.get("/committee/meeting?page=3").get_data(as_text=True)
    assert _sections(last) == [meeting.without, bare]
    assert "6 proposals under review: 4 with an open round (1 past the deadline), 2 without" in last
    section = last.split(f'id="p-{bare}"', 1)[1]
    assert "No voting round yet." in section and "Open round 1" in section
    review = client.get(f"/committee/proposals/{bare}").get_data(as_text=True)
    assert f'href="/committee/meeting?page=3#p-{bare}">meeting view</a>' in review


def test_the_meeting_writes_a_reference_and_its_title_with_the_languages_colon(
    app, people, meeting
):
    client = client_for(app, people.secretariat)
    french = client.get("/committee/meeting?lang=fr").get_data(as_text=True)
    assert re.search(r"P-\d{5}\u00a0: ", french) and not re.search(r"P-\d{5}: ", french)


def test_a_quorum_of_one_vote_is_written_in_the_singular(app, people, make_proposal, open_call):
    with app.app_context():
        from fund.calls.models import Call

        db.session.get(Call, open_call).quorum = 1
        db.session.commit()
    proposal_id = make_proposal(people.author, status="committee_review", call_id=open_call)
    round_id = _open_round(app, proposal_id)
    secretariat = client_for(app, people.secretariat)
    review = secretariat.get(f"/committee/proposals/{proposal_id}").get_data(as_text=True)
    assert "1 vote (set by the call)" in review
    record = secretariat.get(f"/committee/rounds/{round_id}").get_data(as_text=True)
    assert "1 vote, set by the call" in record


def test_an_english_title_in_arabic_quotes_keeps_them_at_its_ends(
    app, people, make_proposal, open_call
):
    """On an Arabic page an English title's closing quotation mark went to the start of its last
    line ("”and forced labour"): the title is set apart in its own direction, inside the quotes,
    on the decision record as on the other pages that quote it."""
    proposal_id = make_proposal(people.author, status="committee_review", call_id=open_call)
    round_id = _open_round(app, proposal_id)
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        title, language = proposal.title, proposal.content_language
    assert language == "en"
    record = client_for(app, people.secretariat).get(f"/committee/rounds/{round_id}?lang=ar")
    page = record.get_data(as_text=True)
    assert 'dir="rtl"' in page
    assert f'«<span lang="en" dir="auto">{title}</span>»' in page  # the language's own quotes
    assert f"“{title}”" not in page

"""What a recused member sees of a round (only that they are recused), links that every viewer
may follow, the secretariat's note for the committee on the review page, and the decision
record on the command line by the proposal's reference and the round's number."""

from __future__ import annotations

import html
import re
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from fund.committee import operations
from fund.committee.models import VotingRound
from fund.extensions import db
from fund.notifications.models import Notification
from fund.proposals.models import Proposal
from tests.factories import take_to_committee
from tests.helpers import client_for, internal_links, pdf_text, user
from tests.test_committee import _round, _vote
from tests.test_committee import people as people
from tests.test_committee import prepared_review as prepared_review
from tests.test_committee import under_review as under_review

IOM_REASON = "IOM is a participating organization of this proposal"
NOTE = "Budget checked twice; the host government asks for a decision before June."


def _section(page: str, proposal_id: int) -> str:
    """The meeting's section of one proposal."""
    return page.split(f'<section class="actions" id="p-{proposal_id}"', 1)[1].split(
        "</section>", 1
    )[0]


def _round_parts(review: str) -> str:
    """The review page less the proposal itself (version, screening, budget, coverage): what
    it shows of the round."""
    before = review.split('id="version-title"', 1)[0]
    after = review.split('id="tally-title"', 1)[1]
    return before + after


def _row(page: str, proposal_id: int) -> str:
    """The meeting table's row of one proposal."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    for row in body.split("<tr>")[1:]:
        if f'href="#p-{proposal_id}"' in row:
            return row
    raise AssertionError(f"no row of proposal {proposal_id}")


# What a recused member sees ------------------------------------------------------------------


def _assert_no_turnout(html: str) -> None:
    """No count of votes or members, no quorum figure or status, no tally."""
    for shown in ("entitled", "voted;", "not met", "<strong>met</strong>", " approve, "):
        assert shown not in html, shown
    assert not re.search(r"quorum:? \d|\d+ of \d+", html, re.IGNORECASE), re.search(
        r".{40}(quorum:? \d|\d+ of \d+).{40}", html, re.IGNORECASE | re.S
    )


def test_a_recused_member_sees_nothing_of_the_round_but_the_recusal(
    app, backend, people, under_review
):
    """One of three entitled members voted: the IOM member, recused automatically, sees that
    they are recused and why on the meeting and review pages, and no count, quorum or tally;
    the entitled members still see the turnout."""
    round_id = _round(app, under_review).id
    _vote(app, people.unhcr, round_id, "approve", comment="Comment for the members.")
    recused = client_for(app, people.iom)

    meeting = recused.get("/committee/meeting").get_data(as_text=True)
    row, section = _row(meeting, under_review), _section(meeting, under_review)
    assert "you are recused" in row
    assert f"You are recused from this proposal ({IOM_REASON})." in section
    for page in (row, section):
        _assert_no_turnout(page)
        assert "Recused</dt>" not in page

    review = recused.get(f"/committee/proposals/{under_review}").get_data(as_text=True)
    assert f"You are recused from this proposal ({IOM_REASON})." in review
    _assert_no_turnout(_round_parts(review))
    assert "Quorum</dt>" not in review
    assert "Comment for the members." not in review and "Ursula UNHCR" not in review

    _assert_no_turnout(recused.get("/committee/").get_data(as_text=True))

    # The members entitled to vote see the turnout as before.
    member = client_for(app, people.undp)
    meeting = member.get("/committee/meeting").get_data(as_text=True)
    assert "1 of 3 entitled members voted; quorum 2:" in _row(meeting, under_review)
    assert "You are recused" not in meeting
    review = member.get(f"/committee/proposals/{under_review}").get_data(as_text=True)
    assert "1 of 3 entitled members voted" in review


def test_a_recusal_s_reason_is_recorded_in_english_and_shown_in_the_readers_language(
    app, backend, people, under_review
):
    """The automatic recusal's reason stays English where it is recorded (the member's row,
    the audit trail); the review page, the meeting and the committee's home say it in French;
    the decision record's PDF too."""
    from fund.audit.models import AuditEvent
    from fund.committee.models import RoundMember

    round_id = _round(app, under_review).id
    with app.app_context():
        member = db.session.scalar(
            select(RoundMember).where(
                RoundMember.round_id == round_id, RoundMember.user_id == people.iom.id
            )
        )
        assert member.recusal_reason == f"{IOM_REASON}."
        opened = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "committee_round_opened")
        ).all()[-1]
        assert f"{IOM_REASON}." in str(opened.details)
    french = "IOM est une organisation participante de cette proposition"
    recused = client_for(app, people.iom)
    review = recused.get(f"/committee/proposals/{under_review}?lang=fr").get_data(as_text=True)
    assert french in review and IOM_REASON not in review
    # French puts a (no-break) space before the colon.
    assert f"automatiquement\u00a0: {french}" in html.unescape(review), review[-3000:]
    meeting = recused.get("/committee/meeting").get_data(as_text=True)
    assert french in _section(meeting, under_review)
    home = recused.get("/committee/").get_data(as_text=True)
    assert IOM_REASON not in home


def test_a_member_recused_by_declaration_sees_only_the_recusal(app, backend, people, under_review):
    round_id = _round(app, under_review).id
    _vote(app, people.unicef, round_id, "abstain", comment="Not my field.")
    with app.app_context():
        operations.declare_conflict(round_id, user(people.undp), "I sat on the design board.")
        db.session.commit()
    client = client_for(app, people.undp)
    meeting = client.get("/committee/meeting").get_data(as_text=True)
    section = _section(meeting, under_review)
    assert "You are recused from this proposal (I sat on the design board)." in section
    _assert_no_turnout(section)
    _assert_no_turnout(_row(meeting, under_review))
    review = client.get(f"/committee/proposals/{under_review}").get_data(as_text=True)
    assert "You are recused from this proposal (I sat on the design board)." in review
    assert "Not my field." not in review
    _assert_no_turnout(_round_parts(review))


def test_recused_members_are_told_nothing_of_the_round(app, backend, people, under_review):
    """No notification of the forwarding or of the closing reaches a recused member, and the
    decision record and its PDF stay closed to them."""
    round_id = _round(app, under_review).id
    for voter in (people.unhcr, people.unicef):
        _vote(app, voter, round_id, "approve", comment="Sound design.")
    with app.app_context():
        operations.close_round(round_id, user(people.secretariat))
        db.session.commit()
        kinds = {
            user.id: set(
                db.session.scalars(select(Notification.kind).where(Notification.user_id == user.id))
            )
            for user in (people.iom, people.unhcr)
        }
    assert kinds[people.iom.id] == set()
    assert {"forwarded_to_committee", "round_closed"} <= kinds[people.unhcr.id]
    client = client_for(app, people.iom)
    assert client.get(f"/committee/rounds/{round_id}").status_code == 404
    assert client.get(f"/committee/rounds/{round_id}.pdf").status_code == 404
    notifications = client.get("/notifications/").get_data(as_text=True)
    assert "Sound design." not in notifications and f"/committee/rounds/{round_id}" not in (
        notifications
    )


# No dead links -------------------------------------------------------------------------------


def _crawl(client, starts: list[str], expand) -> tuple[dict[str, int], dict[str, str]]:
    """GET every start page and every internal link found on the pages `expand` accepts,
    following redirects to their target. Returns the status of every address fetched and the
    page each was found on."""
    statuses: dict[str, int] = {}
    found_on: dict[str, str] = {}
    queue = list(starts)
    while queue:
        url = queue.pop(0)
        if url in statuses:
            continue
        response = client.get(url)
        statuses[url] = response.status_code
        body = response.get_data()  # read whole: a streamed export ends in its own context
        if response.status_code in (301, 302, 303, 307, 308):
            target = urlsplit(response.headers["Location"])
            queue.append(target.path + (f"?{target.query}" if target.query else ""))
            continue
        if response.mimetype == "text/html" and expand(url):
            for link in internal_links(body.decode()):
                found_on.setdefault(link, url)
                queue.append(link)
    return statuses, found_on


@pytest.fixture
def history(app, people, make_proposal):
    """Proposal A: round 1 closed without quorum (only UNHCR voted); in round 2 UNHCR
    declares a conflict, UNICEF and UNDP approve, and the round closes: A is approved.
    Proposal B: under review, its round open, UNICEF has voted. IOM takes part in both."""
    a = make_proposal(people.author, status="committee_review", title="Proposal A")
    b = make_proposal(people.author, status="committee_review", title="Proposal B")
    a1 = _round(app, a).id
    _vote(app, people.unhcr, a1, "approve", comment="First look.")
    with app.app_context():
        operations.close_round(a1, user(people.secretariat))
        a2 = operations.open_new_round(a, user(people.secretariat)).id
        operations.declare_conflict(
            a2, user(people.unhcr), "My agency hired the lead's consultant."
        )
        db.session.commit()
    for voter in (people.unicef, people.undp):
        _vote(app, voter, a2, "approve")
    with app.app_context():
        operations.close_round(a2, user(people.secretariat), summary="Approved.")
        db.session.commit()
        assert db.session.get(Proposal, a).status == "approved"
    _vote(app, people.unicef, _round(app, b).id, "approve")
    return SimpleNamespace(a=a, b=b, a1=a1, a2=a2, b1=_round(app, b).id)


@pytest.mark.parametrize(
    "who",
    [
        "secretariat",
        "unicef",  # voted in every round
        "undp",  # has not voted on B yet
        "iom",  # recused automatically from both
        "unhcr",  # voted on A's first round, then declared a conflict on A
        "author",  # the applicant
    ],
)
def test_every_link_on_the_proposal_and_committee_pages_opens(app, people, history, who):
    user = getattr(people, who)
    client = client_for(app, user)
    proposals = [f"/proposals/{history.a}", f"/proposals/{history.b}"]
    committee = [
        "/committee/",
        "/committee/meeting",
        f"/committee/proposals/{history.a}",
        f"/committee/proposals/{history.b}",
    ]
    starts = [*proposals, "/notifications/"] + (committee if who != "author" else [])

    def expand(url: str) -> bool:
        path = urlsplit(url).path
        return path.startswith(("/committee", "/notifications/")) or any(
            path == p or path.startswith(p + "/") for p in proposals
        )

    result, found_on = _crawl(client, starts, expand)
    broken = {
        url: (status, found_on.get(url, "start"))
        for url, status in result.items()
        if status in (401, 403, 404) or status >= 500
    }
    assert broken == {}, f"links that do not open for {who}: {broken}"
    # The crawl reached the committee's pages and, where allowed, the decision records.
    assert f"/committee/rounds/{history.a2}" in result or who in ("iom", "unhcr")
    if who in ("iom", "unhcr"):
        assert f"/committee/rounds/{history.a2}" not in result
        assert f"/committee/rounds/{history.a1}" not in result


def test_the_proposal_page_links_the_decision_only_for_those_who_may_open_it(
    app, backend, people, history
):
    record = f'href="/committee/rounds/{history.a2}"'
    for who, linked in (
        ("secretariat", True),
        ("unicef", True),
        ("author", True),
        ("iom", False),
        ("unhcr", False),
    ):
        client = client_for(app, getattr(people, who))
        page = client.get(f"/proposals/{history.a}")
        assert page.status_code == 200
        assert (record in page.get_data(as_text=True)) is linked, who
        assert (client.get(f"/committee/rounds/{history.a2}").status_code == 200) is linked, who


def test_a_vote_on_a_proposal_one_is_now_recused_from_has_no_dead_link(app, people, history):
    client = client_for(app, people.unhcr)
    index = client.get("/committee/").get_data(as_text=True)
    voted = index.split('id="voted-title"', 1)[1].split("</section>", 1)[0]
    assert f"P-{history.a:05d}" in voted and "(you are now recused)" in voted
    assert f"/committee/rounds/{history.a1}" not in voted
    # A member without a conflict still opens the record of their vote.
    unicef = client_for(app, people.unicef).get("/committee/").get_data(as_text=True)
    assert f'href="/committee/rounds/{history.a2}"' in unicef


def test_a_notification_of_a_round_one_is_now_recused_from_links_nowhere(app, people, history):
    """UNHCR was told that A's first round closed; since recused from A, the notification
    stays, without its link to the record."""
    client = client_for(app, people.unhcr)
    page = client.get("/notifications/").get_data(as_text=True)
    assert f"P-{history.a:05d}: voting round 1 closed" in page
    assert f"/committee/rounds/{history.a1}" not in page
    # UNICEF, without a conflict, still follows the same notification to the record.
    unicef = client_for(app, people.unicef).get("/notifications/").get_data(as_text=True)
    assert f'href="/committee/rounds/{history.a1}"' in unicef


# The secretariat's note for the committee ----------------------------------------------------


def _forward_with_note(app, people, make_proposal, note: str) -> int:
    proposal_id = make_proposal(people.author)
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        take_to_committee(proposal, people.author, people.secretariat, comment=note)
        db.session.commit()
    return proposal_id


def test_the_note_for_the_committee_is_on_the_review_page(app, backend, people, make_proposal):
    proposal_id = _forward_with_note(app, people, make_proposal, NOTE)
    url = f"/committee/proposals/{proposal_id}"
    for who in ("unhcr", "secretariat"):
        page = client_for(app, getattr(people, who)).get(url).get_data(as_text=True)
        assert "The secretariat's note for the committee" in page, who
        assert NOTE in page and "Sara Secretariat" in page, who
        # Where the members vote: before the vote form.
        if who == "unhcr":
            assert page.index(NOTE) < page.index("Cast my vote")
    recused = client_for(app, people.iom).get(url).get_data(as_text=True)
    assert NOTE not in recused and "note for the committee" not in recused
    # The proposal's timeline shows it to the members, not to the applicant or the recused.
    detail = f"/proposals/{proposal_id}"
    assert NOTE in client_for(app, people.unicef).get(detail).get_data(as_text=True)
    assert NOTE in client_for(app, people.secretariat).get(detail).get_data(as_text=True)
    for who in ("author", "iom"):
        page = client_for(app, getattr(people, who)).get(detail).get_data(as_text=True)
        assert "Forward to committee" in page and NOTE not in page, who


def test_without_a_note_the_review_page_has_no_note_section(app, people, under_review):
    page = client_for(app, people.unhcr).get(f"/committee/proposals/{under_review}")
    assert page.status_code == 200
    assert "note for the committee" not in page.get_data(as_text=True)


def test_notes_of_each_forwarding_latest_first(app, people, make_proposal):
    proposal_id = _forward_with_note(app, people, make_proposal, "First forwarding.")
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        secretariat = user(people.secretariat)
        operations.return_for_revision(proposal_id, secretariat, "Clarify the budget.")
        proposal.rationale = "Migrant workers lack protection; the budget is clarified."
        proposal.budget_lines[0].description = "Clarified."
        take_to_committee(proposal, people.author, people.secretariat, comment="Budget clarified.")
        db.session.commit()
    page = client_for(app, people.unhcr).get(f"/committee/proposals/{proposal_id}")
    text = page.get_data(as_text=True)
    assert "notes for the committee" in text
    assert text.index("Budget clarified.") < text.index("First forwarding.")


# The decision record on the command line -----------------------------------------------------


def _decision(runner, reference: str, number: str, out):
    return runner.invoke(
        args=[
            *("fund", "report", "decision"),
            *("--proposal", reference),
            *("--round", number),
            *("--out", str(out)),
        ]
    )


def test_the_cli_takes_the_reference_and_the_round_number(
    app, backend, runner, people, make_proposal, tmp_path
):
    """Round ids and round numbers differ: the record written is the one the pages call
    "P-nnnnn, round 1", never the round whose database id is 1."""
    first = make_proposal(people.author, status="committee_review", title="First proposal")
    second = make_proposal(people.author, status="committee_review", title="Second proposal")
    with app.app_context():
        round_ids = {
            p: db.session.scalar(select(VotingRound.id).where(VotingRound.proposal_id == p))
            for p in (first, second)
        }
    assert round_ids[second] != 1
    out = tmp_path / "record.pdf"
    reference = f"P-{second:05d}"
    result = _decision(runner, reference, "1", out)
    assert result.exit_code == 0, result.output
    assert f"Decision record of {reference}, round 1" in result.output
    _, text = pdf_text(out.read_bytes())
    assert f"Decision record: {reference}, round 1" in text
    assert "Second proposal" in text and "First proposal" not in text
    # The reference is read as the pages write it, in either case and with or without zeros.
    for written in (f"p-{second:05d}", f"P-{second}"):
        again = _decision(runner, written, "1", out)
        assert again.exit_code == 0, again.output


@pytest.mark.parametrize(
    ("proposal", "number", "message"),
    [
        ("P-99999", "1", "there is no proposal P-99999"),
        ("{ref}", "2", "{ref} has no round 2 (its rounds: 1)"),
        ("8", "1", "'8' is not a proposal reference such as P-00008"),
        ("{ref}", "0", "0 is not in the range"),
    ],
)
def test_the_cli_refuses_an_unknown_proposal_or_round(
    app, runner, people, under_review, tmp_path, proposal, number, message
):
    ref = f"P-{under_review:05d}"
    out = tmp_path / "record.pdf"
    result = _decision(runner, proposal.format(ref=ref), number, out)
    assert result.exit_code != 0
    assert message.format(ref=ref) in result.output
    assert not out.exists()


def test_the_cli_needs_the_proposal(app, runner, people, under_review, tmp_path):
    out = tmp_path / "record.pdf"
    result = runner.invoke(args=["fund", "report", "decision", "--round", "1", "--out", str(out)])
    assert result.exit_code != 0 and "--proposal" in result.output
    assert not out.exists()

"""Recusals leaving a round with few seats that can vote: the secretariat is warned before it
closes the round, and the decision record says how many seats were recused. The quorum rule is
unchanged (it counts the seats entitled to vote)."""

from __future__ import annotations

import html

from fund.committee import operations
from fund.extensions import db
from tests.helpers import client_for, pdf_text, user
from tests.test_committee import _close, _round, _vote
from tests.test_committee import people as people
from tests.test_committee import prepared_review as prepared_review
from tests.test_committee import under_review as under_review
from tests.test_committee_recusal_pages import _section
from tests.test_committee_seats import _deactivate

WARNING = "Only 1 of 4 seats can vote in this round: 3 recused."
SEATS = "4 in the round: 1 entitled to vote, 3 recused"


def _two_declared(app, people, round_id: int) -> None:
    """UNDP and UNICEF declare a conflict; IOM was recused automatically: UNHCR alone votes."""
    with app.app_context():
        operations.declare_conflict(round_id, user(people.undp), "My spouse works on it.")
        operations.declare_conflict(round_id, user(people.unicef), "Former employer.")
        db.session.commit()


def _pages(app, person, proposal_id: int, round_id: int) -> dict[str, str]:
    client = client_for(app, person)
    return {
        "review": client.get(f"/committee/proposals/{proposal_id}").get_data(as_text=True),
        "meeting": _section(client.get("/committee/meeting").get_data(as_text=True), proposal_id),
        "record": client.get(f"/committee/rounds/{round_id}").get_data(as_text=True),
    }


def test_the_secretariat_is_warned_when_recusals_leave_too_few_seats_to_vote(
    app, people, under_review
):
    round_id = _round(app, under_review).id
    for name, page in _pages(app, people.secretariat, under_review, round_id).items():
        assert "few-seats" not in page, name  # one seat recused, three can vote
    _two_declared(app, people, round_id)
    for name, page in _pages(app, people.secretariat, under_review, round_id).items():
        assert WARNING in html.unescape(page), name
        assert "at least 2 seats to vote on a decision" in page, name
    # A member of the round is not warned: the count of recusals is the secretariat's to weigh.
    member = client_for(app, people.unhcr).get("/committee/meeting").get_data(as_text=True)
    assert "few-seats" not in member


def test_the_warning_agrees_with_one_seat_in_spanish_french_and_arabic(app, people, under_review):
    """One seat of four can vote: the warning says the count as a label, so no language has to
    make "1" agree with a plural verb ("Solo 1 de 4 puestos pueden votar")."""
    round_id = _round(app, under_review).id
    _two_declared(app, people, round_id)
    client = client_for(app, people.secretariat)
    for lang, said in (
        ("es", "Puestos que pueden votar en esta ronda: 1 de 4 (recusados: 3)."),
        ("fr", "Sièges pouvant voter dans ce tour\u00a0: 1 sur 4 (récusés\u00a0: 3)."),
        ("ar", "المقاعد التي يمكنها التصويت في هذه الجولة: 1 من أصل 4"),
    ):
        page = html.unescape(client.get(f"/committee/meeting?lang={lang}").get_data(as_text=True))
        assert said in page, lang
        assert "Solo 1 de 4 puestos pueden" not in page


def test_the_minimum_is_a_setting(app, people, under_review):
    round_id = _round(app, under_review).id
    _two_declared(app, people, round_id)
    app.config["COMMITTEE_MINIMUM_VOTING_SEATS"] = 1
    try:
        for name, page in _pages(app, people.secretariat, under_review, round_id).items():
            assert "few-seats" not in page, name
    finally:
        app.config["COMMITTEE_MINIMUM_VOTING_SEATS"] = 2


def test_the_decision_record_says_how_many_seats_were_recused(app, people, under_review):
    round_id = _round(app, under_review).id
    _two_declared(app, people, round_id)
    _vote(app, people.unhcr, round_id, "reject", comment="Not ready.")
    # The quorum rule is unchanged: one seat entitled, its vote meets the quorum.
    assert _close(app, people, round_id) == "rejected"
    client = client_for(app, people.secretariat)
    record = html.unescape(client.get(f"/committee/rounds/{round_id}").get_data(as_text=True))
    assert SEATS in record
    assert "few-seats" not in record  # the round is closed: nothing left to warn about
    _reader, text = pdf_text(client.get(f"/committee/rounds/{round_id}.pdf").data)
    assert SEATS in " ".join(text.split())


def test_the_decision_record_names_its_round_in_the_audit_trail_as_the_log_does(
    app, people, under_review
):
    """The record sends its reader to the audit trail under the round's name there ("P-00001,
    round 1"), not under its database number; in Spanish and French one seat recused is not
    written with a plural."""
    round_ = _round(app, under_review)
    round_id, number = round_.id, round_.number
    _vote(app, people.unhcr, round_id, "approve")
    _vote(app, people.unicef, round_id, "approve")
    _vote(app, people.undp, round_id, "approve")
    _close(app, people, round_id)
    client = client_for(app, people.secretariat)
    _reader, text = pdf_text(client.get(f"/committee/rounds/{round_id}.pdf").data)
    text = " ".join(text.split())
    assert f"also in the audit trail, under P-{under_review:05d}, round {number}." in text, text[
        -400:
    ]
    assert "(voting round" not in text
    for lang, wrong in (("es", "1 recusados"), ("fr", "1 récusés")):
        _reader, said = pdf_text(client.get(f"/committee/rounds/{round_id}.pdf?lang={lang}").data)
        said = " ".join(said.split())
        assert wrong not in said and ": 1" in said, (lang, said[:600])


def test_a_seat_nobody_can_vote_for_is_not_counted_as_one_that_can_vote(
    app, people, under_review, create_user
):
    """UNICEF's and UNDP's members leave with no alternate: their seats stop counting toward the
    quorum, and the record's seat count and the warning say what the tally counts."""
    admin = create_user(roles=("admin",), organization_acronym=None)
    round_id = _round(app, under_review).id
    _deactivate(app, admin.id, people.unicef)
    _deactivate(app, admin.id, people.undp)
    pages = _pages(app, people.secretariat, under_review, round_id)
    for name, page in pages.items():
        page = html.unescape(page)
        assert "Only 1 of 4 seats can vote in this round: 1 recused, 2 with nobody" in page, name
    record = html.unescape(pages["record"])
    seats = "4 in the round: 1 entitled to vote, 1 recused, 2 with nobody left who can vote"
    assert seats in record
    assert '<td class="num" data-label="Entitled">1</td>' in record  # the tally says the same
    _vote(app, people.unhcr, round_id, "approve")
    assert _close(app, people, round_id) == "approved"
    client = client_for(app, people.secretariat)
    record = html.unescape(client.get(f"/committee/rounds/{round_id}").get_data(as_text=True))
    assert seats in record
    _reader, text = pdf_text(client.get(f"/committee/rounds/{round_id}.pdf").data)
    assert seats in " ".join(text.split())


def test_the_record_lists_as_entitled_the_seats_its_count_says_can_vote(
    app, people, under_review, create_user
):
    """While the round is open, the record's list of members entitled to vote, on its page and
    in its PDF, holds the seats its seat count and its tally count; the seats nobody can vote for
    any more are named apart."""
    admin = create_user(roles=("admin",), organization_acronym=None)
    round_id = _round(app, under_review).id
    _deactivate(app, admin.id, people.unicef)
    _deactivate(app, admin.id, people.undp)
    client = client_for(app, people.secretariat)
    record = html.unescape(client.get(f"/committee/rounds/{round_id}").get_data(as_text=True))
    _reader, text = pdf_text(client.get(f"/committee/rounds/{round_id}.pdf").data)
    for said in (record, " ".join(text.split())):
        assert "Members entitled to vote (1)" in said
        assert "Not counted toward the quorum, as nobody can vote for their seat any more:" in said


def test_a_closed_record_lists_as_entitled_the_seats_its_count_kept(
    app, people, under_review, create_user
):
    """Once the round is closed, its record still lists as entitled to vote the seats its kept
    count says could vote, on the page and in the PDF; the seats nobody could vote for when it
    closed are named apart."""
    admin = create_user(roles=("admin",), organization_acronym=None)
    round_id = _round(app, under_review).id
    _deactivate(app, admin.id, people.unicef)
    _deactivate(app, admin.id, people.undp)
    _vote(app, people.unhcr, round_id, "approve")
    assert _close(app, people, round_id) == "approved"
    client = client_for(app, people.secretariat)
    record = html.unescape(client.get(f"/committee/rounds/{round_id}").get_data(as_text=True))
    _reader, text = pdf_text(client.get(f"/committee/rounds/{round_id}.pdf").data)
    for said in (record, " ".join(text.split())):
        assert "Members entitled to vote (1)" in said
        assert (
            "Not counted toward the quorum, as nobody could vote for their seat when the round "
            "closed:" in said
        )
        assert "as nobody can vote for their seat any more" not in said

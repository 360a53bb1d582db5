"""fund.web: the success sentence of an operation, shown on the page it sends to (`told`), and
the check of a form shown at an older version of its row (`changed_since_shown`)."""

from __future__ import annotations

from flask import get_flashed_messages

from fund import web


def test_told_flashes_the_sentence_and_sends_to_the_page(app):
    with app.test_request_context("/"):
        answer = web.told("/finance/refunds")("Refund of USD 10.00 recorded.")
        assert answer.status_code == 302
        assert answer.location == "/finance/refunds"
        assert get_flashed_messages(with_categories=True) == [
            ("success", "Refund of USD 10.00 recorded.")
        ]


def test_changed_since_shown_answers_409_only_for_a_form_of_another_version():
    from types import SimpleNamespace

    def again(message, status):
        return message, status

    row = SimpleNamespace(version=3)
    shown = SimpleNamespace(version=SimpleNamespace(data=3))
    check = web.changed_since_shown(shown, row, again, "Changed meanwhile.")
    assert check() is None
    row.version = 4  # someone else's change came first
    assert check() == ("Changed meanwhile.", 409)

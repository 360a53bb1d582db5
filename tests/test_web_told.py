"""fund.web.told: the success sentence of an operation, shown on the page it sends to."""

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

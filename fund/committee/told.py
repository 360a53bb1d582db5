"""The sentences the committee's pages tell after an action (flashed on the next page), in the
reader's language."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from fund.committee.models import Choice, Outcome


def vote(what: str, choice: str) -> tuple[str, str]:
    """A vote `what` ("cast", "changed", "unchanged") to `choice`, and its flash category."""
    label = _(Choice(choice).label).lower()
    if what == "unchanged":
        return _("Nothing changed: your vote was already as shown."), "info"
    if what == "changed":
        return _("Your vote is changed to %(choice)s.", choice=label), "success"
    return _(
        "Your vote to %(choice)s is recorded. You can change it until the round closes.",
        choice=label,
    ), "success"


def conflict(vote_removed: bool) -> str:
    if vote_removed:
        return _(
            "Your conflict of interest is recorded: you are recused from this proposal and "
            "your vote was removed."
        )
    return _("Your conflict of interest is recorded: you are recused from this proposal.")


def closed(number: int, outcome: str, place: int | None, proposal: Any) -> tuple[str, str]:
    """Round `number` of `proposal` closed with `outcome` (at `place` in the pipeline)."""
    words = {"number": number, "reference": proposal.reference}
    if outcome == Outcome.NO_QUORUM:
        return _(
            "Round %(number)s on %(reference)s closed without quorum. "
            "Open a new round when the committee can meet it.",
            **words,
        ), "warning"
    status = _(proposal.status_label)
    if place:
        return _(
            "Round %(number)s closed: %(reference)s is “%(status)s” at place %(place)s.",
            status=status,
            place=place,
            **words,
        ), "success"
    return _(
        "Round %(number)s closed: %(reference)s is “%(status)s”.", status=status, **words
    ), "success"

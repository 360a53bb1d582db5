"""What every page that changes something does the same way: read the form sent, run one
operation and commit, or roll back and show the page again with the refusal and what was typed.

A view keeps what is its own (who may use it, which operation, what the page shows after a
refusal, what it tells the person after success) and hands the sequence to `submit`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fund.extensions import db

UNREADABLE_MESSAGE = "The form could not be read (it may have expired). Please try again."


def unreadable(form: Any) -> str | None:
    """The page's message for a form that did not validate: the sentence for an expired form
    when its CSRF token failed, else None (each problem is shown at its field)."""
    return UNREADABLE_MESSAGE if "csrf_token" in form.errors else None


def concurrent_message(changed: str, kept: str, review: str) -> str:
    """The sentence for an action that lost a race with someone else's (a unique index or a
    version check refused it): `changed` what the other person did, `kept` what of the
    person's input the page keeps, `review` what to look at before trying again."""
    return (
        f"Someone else {changed} at the same moment. Nothing of yours was saved; your {kept} "
        f"is kept below. Review {review}, then try again."
    )


def submit(
    form: Any,
    run: Callable[[], Any],
    *,
    refusals: type[Exception] | tuple[type[Exception], ...],
    invalid: Callable[[], Any],
    refused: Callable[[Any], Any],
    done: Callable[[Any], Any],
    check: Callable[[], Any] | None = None,
) -> Any:
    """The answer to a form sent: `invalid()` when it does not validate; `check()` when it
    gives an answer (e.g. the page was shown before the row changed); else `run()` then the
    commit, and `done(result)`. When `run` or the commit raises one of `refusals`, the session
    is rolled back (nothing of the action stays) and the answer is `refused(error)`."""
    if not form.validate_on_submit():
        return invalid()
    if check is not None and (answer := check()) is not None:
        return answer
    try:
        result = run()
        db.session.commit()
    except refusals as error:
        db.session.rollback()
        return refused(error)
    return done(result)

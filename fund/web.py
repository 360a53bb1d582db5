"""What every page that changes something does the same way: read the form sent, run one
operation and commit, or roll back and show the page again with the refusal and what was typed.

A view keeps what is its own (who may use it, which operation, what the page shows after a
refusal, what it tells the person after success) and hands the sequence to `submit`.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from flask import Response, flash, redirect, request, send_file, url_for
from flask_babel import gettext
from flask_login import current_user

from fund.extensions import db
from fund.labels import N_
from fund.refusals import answer, show_on_form

# Shown translated (`unreadable`, or `gettext(UNREADABLE_MESSAGE)` where a page shows it).
UNREADABLE_MESSAGE = N_("The form could not be read (it may have expired). Please try again.")


def unreadable(form: Any) -> str | None:
    """The page's message for a form that did not validate: the sentence for an expired form
    when its CSRF token failed, else None (each problem is shown at its field)."""
    return gettext(UNREADABLE_MESSAGE) if "csrf_token" in form.errors else None


@dataclass(frozen=True)
class WorkflowButtons:
    """The workflow buttons of one kind of record's page (a report, a revision: submit,
    decide, withdraw...), each a form with a comment of at most 5,000 characters.

    `find(id)` reads the record (or aborts: 404, 403); `fire(actor, id, trigger, comment)` runs
    the operation; `endpoint` with `id_name` is the record's page, where the person is sent
    and told what was done (a repeat of the form is sent there too, told what was recorded
    then), under the form's one-time key `once(key, user)`. Refused (`refusals`): rolled back,
    and the page's content read again (`reload(id)`, with `values["comment"]` the comment as
    typed) is shown with the refusal by `refused(content, refusal)`."""

    endpoint: str
    id_name: str
    find: Callable[[int], Any]
    fire: Callable[[Any, int, str, str], Any]
    once: Callable[[str, Any], Any]
    refusals: type[Exception]
    reload: Callable[[int], Any]
    refused: Callable[[Any, Any], Any]

    def press(self, record_id: int, trigger: str, done: str, form: str, what: str) -> Any:
        """`trigger` fired from the form named `form`; `done`: what the person is told (already
        translated); `what`: what a repeat of the form is told was recorded (marked `N_`)."""
        found = self.find(record_id)
        once = self.once(f"{form}.{record_id}", current_user)
        back = url_for(self.endpoint, **{self.id_name: record_id})
        comment = (request.form.get("comment") or "")[:5000]
        try:
            once.claim()
            self.fire(current_user, found.id, trigger, comment)
            once.done(back, gettext(what))
            db.session.commit()
        except self.refusals as error:
            db.session.rollback()
            content = self.reload(record_id)
            content.values["comment"] = comment
            return self.refused(content, error)
        flash(done, "success")
        return redirect(back)


def told(url: str) -> Callable[[str], Response]:
    """The `done` of an operation that returns the sentence to tell: shown as a success on the
    page at `url`, where the person is sent."""

    def done(message: str) -> Response:
        flash(message, "success")
        return redirect(url)

    return done


def submit(
    form: Any,
    run: Callable[[], Any],
    done: Callable[[Any], Any],
    *,
    refusals: type[Exception] | tuple[type[Exception], ...],
    again: Callable[[Any, int], Any],
    lost_race: Any = None,
    refusal: Callable[[Any], tuple[Any, int]] | None = None,
    unread: Callable[[Any], Any] = unreadable,
    check: Callable[[], Any] | None = None,
) -> Any:
    """The answer to a form sent. When it does not validate, the page again:
    `again(unread(form), 400)`. When `check()` gives an answer (e.g. the page was shown before
    the row changed), that answer. Else `run()`, the commit, and `done(result)`; when `run` or
    the commit raises one of `refusals`, the session is rolled back (nothing of the action
    stays) and the page is shown again with `again(*refusal(error))`: the message (after
    putting the refusal at its field) and the status; by default, as every page answers a
    refusal (`fund.refusals.answer`, with the page's sentence for a race it lost, which a page
    then must give)."""
    if refusal is None:
        if lost_race is None:
            raise TypeError("submit: give the page's sentence for a lost race, or its refusal")
        refusal = partial(answer, form, lost_race=lost_race)
    if not form.validate_on_submit():
        return again(unread(form), 400)
    if check is not None and (checked := check()) is not None:
        return checked
    try:
        result = run()
        db.session.commit()
    except refusals as error:
        db.session.rollback()
        return again(*refusal(error))
    return done(result)


def changed_since_shown(
    form: Any, row: Any, again: Callable[[Any, int], Any], message: str
) -> Callable[[], Any]:
    """A `check` for `submit`: the page again with `message` (409) when the form was shown at
    another version of `row` (the form's hidden `version` field) than the one stored now."""

    def check() -> Any:
        return again(message, 409) if form.version.data != row.version else None

    return check


def form_page(
    form: Any,
    run: Callable[[], Any],
    done: Callable[[Any], Any],
    *,
    refusals: type[Exception] | tuple[type[Exception], ...],
    render: Callable[[], Any],
    field: str | None = None,
    ready: Callable[[], bool] | None = None,
) -> Any:
    """A page whose form saves one thing: shown on GET; sent, validated and saved by `run()`
    (then `done(result)`). Anything wrong is shown on the form, with the page's status 400:
    each problem at its field, a refusal at its field (or at `field`), else above the form.
    `ready()`, after the fields validate, says whether what they hold can be saved (False: the
    page again, its problems put at their fields)."""

    def again(message: str | None, _status: int) -> tuple[Any, int]:
        if message is not None:
            form.form_errors.append(message)
        return render(), 400 if form.is_submitted() else 200

    return submit(
        form,
        run,
        done,
        refusals=refusals,
        again=again,
        refusal=lambda error: (show_on_form(form, error, field), 400),
        unread=lambda _form: None,
        check=ready and (lambda: None if ready() else again(None, 400)),
    )


def save_page(
    form: Any, save: Callable[[], Any], *, once: Any, back: str, what: Callable[[Any], str], **page
) -> Any:
    """A `form_page` (`page`: its other arguments) that creates or changes one thing
    (`save()`), once for a form sent twice (`once`: `fund.idempotency.once`), then goes
    `back` to its list saying "<what> saved." (`what(saved)`, e.g. "call “Water”")."""

    def run() -> Any:
        once.claim()
        saved = save()
        once.done(back, gettext("The %(what)s", what=what(saved)))
        return saved

    def done(saved: Any):
        said = gettext("%(what)s saved.", what=what(saved))
        flash(said[:1].upper() + said[1:], "success")
        return redirect(back)

    return form_page(form, run, done, **page)


def send_stored(stored: Any) -> Response:
    """A file kept in the database (its `content`, `media_type` and `filename`) as a download:
    never shown in the browser's page nor run there, never cached."""
    response = send_file(
        io.BytesIO(stored.content),
        mimetype=stored.media_type,
        as_attachment=True,
        download_name=stored.filename,
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response

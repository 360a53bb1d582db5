"""The email outbox for administrators: every email the fund wrote, the newest first, whether
it was sent, is still being tried or was given up on, and what each one said (its text)."""

from __future__ import annotations

from flask import Blueprint, render_template

from fund.access import roles_required
from fund.accounts.models import Role
from fund.extensions import db
from fund.labels import N_
from fund.notifications.models import OutboxMessage
from fund.notifications.queries import MAX_EMAIL, OutboxState, outbox_page
from fund.query_args import BadQueryValue, one_value, page_arg
from fund.sentences import Sentence

bp = Blueprint("outbox", __name__, url_prefix="/admin/outbox")


def read_filters() -> tuple[OutboxState | None, str]:
    """The state and the part of the recipient's address asked for; BadQueryValue for a state
    that is none of the choices or an address longer than any."""
    state = None
    if text := one_value("state"):
        try:
            state = OutboxState(text)
        except ValueError:
            raise BadQueryValue("state", N_("Choose a state from the list.")) from None
    to = one_value("to")
    if len(to) > MAX_EMAIL:
        raise BadQueryValue(
            "to",
            Sentence(N_("An email address is at most %(num)s characters."), num=MAX_EMAIL),
        )
    return state, to


@bp.route("")
@roles_required(Role.ADMIN)
def index():
    """The outbox, the newest first, by state and by part of the recipient's address."""
    state, to = read_filters()
    page = outbox_page(state, to, page=page_arg())
    filter_args = {"state": state.value if state else None, "to": to or None}
    return render_template(
        "notifications/outbox.html",
        page=page,
        state=state,
        to=to,
        states=OutboxState,
        state_of=OutboxState.of,
        filter_args={k: v for k, v in filter_args.items() if v},
    )


@bp.route("/<int:message_id>")
@roles_required(Role.ADMIN)
def message(message_id: int):
    """One email: to whom, its subject, where it stands, and its text (never its HTML)."""
    found = db.get_or_404(OutboxMessage, message_id)
    return render_template(
        "notifications/outbox_message.html", message=found, state=OutboxState.of(found)
    )

"""Who is told of a funded programme's transfer requests, refunds due and revisions.

- a transfer the secretariat requests waits for the administrative agent: the agents are told
  (the one who requested it excepted, if they hold both roles);
- a programme closed with refunds due: the agents are told, to record each when it arrives;
- a submitted revision waits for the secretariat: the secretariat is told;
- a revision decided (approved, rejected, returned, or forwarded to the committee) is told to
  the staff of the programme's organizations (those that may revise it:
  `fund.reporting.workflow.programme_organizations`).
Receivers run inside the sender's transaction and never commit.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from fund.accounts.models import Role, User
from fund.accounts.queries import active_users_with_role
from fund.i18n import money
from fund.notifications.outbox import tell
from fund.notifications.recipients import SECRETARIAT, Recipients, add_programme_staff
from fund.notifications.recipients import secretariat as secretariat_users
from fund.notifications.render import path_for
from fund.proposals.models import Proposal
from fund.reporting.workflow import programme_organizations
from fund.sentences import listed
from fund.signals import revision_transitioned, transfer_requested

AGENT = "administrative_agent"

# A revision's triggers its organizations hear of, with what the message says happened.
DECIDED = {
    "approve": _l("was approved by the secretariat"),
    "committee_approve": _l("was approved by the committee"),
    "reject": _l("was rejected by the secretariat"),
    "committee_reject": _l("was rejected by the committee"),
    "return_for_changes": _l("was returned for changes"),
    "forward": _l("went to the committee"),
    # Not a decision: a round about it closed without quorum (still with the committee).
    "no_quorum": _l("got no committee decision (no quorum): it stays with the committee"),
}


def agents_except(actor: User | None) -> Recipients:
    """The administrative agents, who move the money, the one who acted excepted (a person may
    hold both roles)."""
    recipients = Recipients()
    recipients.add(active_users_with_role(Role.ADMINISTRATIVE_AGENT), AGENT, exclude=actor)
    return recipients


def on_transfer_requested(request: Any, *, proposal: Proposal, actor: User | None) -> None:
    name = request.organization.label
    tell(
        "transfer_requested",
        agents_except(actor),
        proposal,
        subject=("transfer_request", request.id),
        title=_l(
            "%(ref)s: transfer of %(amount)s to %(organization)s requested",
            ref=proposal.reference,
            amount=LazyString(money, request.amount),  # in each recipient's language
            organization=name,
        ),
        link=path_for("transfers.agent_list"),
        context={"request": request, "paid_to": name},
        dedupe_key=f"transfer_requested:{request.id}",
    )


def tell_refunds_due(
    proposal: Proposal,
    refunds_due: list[tuple[str, Decimal]],
    closed_on: date | None,
    actor: User | None,
) -> None:
    """The programme was closed with `refunds_due` ((organization, amount), each above zero):
    the administrative agents are told, the one who closed it excepted."""
    if not refunds_due:
        return
    tell(
        "refund_due",
        agents_except(actor),
        proposal,
        title=_l(
            "%(ref)s closed: refunds due from %(organizations)s",
            ref=proposal.reference,
            organizations=LazyString(listed, [name for name, _ in refunds_due]),
        ),
        link=path_for("closure.refunds"),
        context={"refunds_due": refunds_due, "closed_on": closed_on},
        dedupe_key=f"refund_due:{proposal.id}",
    )


def on_revision_transitioned(
    revision: Any,
    *,
    proposal: Proposal,
    trigger: str,
    to_state: str,
    actor: User | None,
    comment: str | None,
    voting_round: Any = None,
) -> None:
    recipients = Recipients()
    if trigger == "submit":
        kind, happened = "revision_submitted", _l("was submitted")
        recipients.add(secretariat_users(), SECRETARIAT, exclude=actor)
    elif trigger in DECIDED:
        kind, happened = "revision_decided", DECIDED[trigger]
        # Whoever may change and submit it again: the staff of every organization working on it.
        add_programme_staff(recipients, proposal.id, organizations=programme_organizations)
    else:
        return
    tell(
        kind,
        recipients,
        proposal,
        subject=("revision", revision.id),
        title=_l(
            "%(ref)s: revision %(number)s %(happened)s",
            ref=proposal.reference,
            number=revision.number,
            happened=happened,
        ),
        link=path_for("revisions.revision", revision_id=revision.id),
        context={"revision": revision, "happened": happened, "comment": comment},
        dedupe_key=f"{kind}:{revision.id}:{trigger}:"
        + (
            f"round {voting_round.id}"
            if voting_round is not None
            else str(revision.decided_at or revision.submitted_at)
        ),
    )


RECEIVERS = (
    (transfer_requested, on_transfer_requested),
    (revision_transitioned, on_revision_transitioned),
)

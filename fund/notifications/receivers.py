"""The receivers of the domain signals (`fund/signals.py`): who is told what of each change.

They run inside the sender's transaction, write notifications and outbox messages and never
commit; `fund.notifications.init_app` connects them (`RECEIVERS`). A member who votes or
declares a conflict has answered: their notifications asking for that vote (the forward, the
deadline reminders) are marked read.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select, update

from fund.accounts.models import User
from fund.committee.queries import entitled_in_round
from fund.committee.rounds import entitled_members, round_tally
from fund.committee.seating import every_seat_voted
from fund.extensions import db, utcnow
from fund.labels import N_
from fund.notifications.after_funding import tell_refunds_due
from fund.notifications.models import Notification
from fund.notifications.outbox import queued_email, tell
from fund.notifications.recipients import (
    APPLICANT,
    COMMITTEE,
    SECRETARIAT,
    Recipients,
    add_programme_staff,
    applicants_of,
    committee_for,
    secretariat,
)
from fund.notifications.render import (
    absolute,
    first_path,
    in_language_of,
    mail_environment,
    path_for,
    proposal_page,
)
from fund.proposals.models import Proposal
from fund.signals import (
    account_locked,
    conflict_declared,
    disbursement_recorded,
    proposal_transitioned,
    round_closed,
    round_opened,
    vote_cast,
)
from workflows.report import REPORT_ACCEPTED, REPORT_SUBMITTED

# What a notification about a voting round names as its subject.
SUBJECT_ROUND = "voting_round"

# A proposal's transitions ---------------------------------------------------------------


def on_proposal_transitioned(proposal: Proposal, **kwargs: Any) -> None:
    handler = _TRANSITION_HANDLERS.get(kwargs["trigger"])
    if handler is None or not isinstance(proposal, Proposal):
        return
    handler(proposal, kwargs.get("actor"), kwargs.get("comment"), kwargs.get("event"))


def _on_submit(proposal: Proposal, actor: User | None, comment: str | None, event: Any) -> None:
    recipients = Recipients()
    recipients.add(applicants_of(proposal.organization_id), APPLICANT)
    recipients.add(secretariat(), SECRETARIAT, exclude=actor)
    tell(
        "submission_received",
        recipients,
        proposal,
        title=_l("%(ref)s submitted: %(title)s", ref=proposal.reference, title=proposal.title),
        context={"submission": proposal.submission_number},
    )


def _tell_applicants(kind: str, proposal: Proposal, **notice: Any) -> None:
    """The users of the proposal's organization are told (`tell`)."""
    recipients = Recipients()
    recipients.add(applicants_of(proposal.organization_id), APPLICANT)
    tell(kind, recipients, proposal, **notice)


def _tell_group(
    kind: str,
    users: Iterable[User],
    audience: str,
    actor: User | None,
    proposal: Proposal,
    **notice: Any,
) -> None:
    """`users` are told as `audience` (`tell`), the actor who made the change excepted."""
    recipients = Recipients()
    recipients.add(users, audience, exclude=actor)
    tell(kind, recipients, proposal, **notice)


def _to_applicants(kind: str, title: str, dedupe_key: str | None = None, **extra: Any):
    def handler(proposal: Proposal, actor: User | None, comment: str | None, event: Any) -> None:
        _tell_applicants(
            kind,
            proposal,
            title=_l(title, ref=proposal.reference, title=proposal.title),
            context={"comment": comment, **extra},
            dedupe_key=dedupe_key.format(id=proposal.id) if dedupe_key else None,
        )

    return handler


def _on_forward(proposal: Proposal, actor: User | None, comment: str | None, event: Any) -> None:
    """The entitled members are asked to review and vote; the applicant organization hears
    that its proposal passed screening and is with the committee (not the secretariat's note,
    which is for the committee)."""
    ref = proposal.reference
    _tell_group(
        "forwarded_to_committee",
        committee_for(proposal),
        COMMITTEE,
        actor,
        proposal,
        title=_l("%(ref)s for committee review: %(title)s", ref=ref, title=proposal.title),
        link=proposal_page(proposal.id, committee=True),
        context={"comment": comment},
    )
    _tell_applicants(
        "proposal_with_committee",
        proposal,
        title=_l("%(ref)s forwarded to the committee: %(title)s", ref=ref, title=proposal.title),
    )


def on_round_opened(voting_round: Any, **kwargs: Any) -> None:
    """A new round on a proposal already with the committee: the members entitled to vote in
    it are asked to vote, as the forward asks for the first round's votes (the same kind, so
    voting marks it read and the same preference applies)."""
    proposal, revision = kwargs["proposal"], kwargs.get("revision")
    ref = proposal.reference
    if revision is not None:  # a round about a revision of the funded programme
        title = _l(
            "%(ref)s: voting round %(number)s on revision %(revision)s is open: %(title)s",
            ref=ref,
            number=voting_round.number,
            revision=revision.number,
            title=proposal.title,
        )
    else:
        title = _l(
            "%(ref)s: voting round %(number)s is open: %(title)s",
            ref=ref,
            number=voting_round.number,
            title=proposal.title,
        )
    _tell_group(
        "forwarded_to_committee",
        entitled_in_round(voting_round),
        COMMITTEE,
        kwargs.get("actor"),
        proposal,
        title=title,
        link=proposal_page(proposal.id, committee=True),
        context={"round_number": voting_round.number, "comment": None, "revision": revision},
        dedupe_key=f"round_opened:{voting_round.id}",
    )


def _on_closed(proposal: Proposal, actor: User | None, comment: str | None, event: Any) -> None:
    """The project is closed; what was left unpaid (per organization) is in the event. With
    its closure recorded (`fund.finance.closure`), also the day, each organization's refund
    due, and the reports still to submit (planned again up to the day of closure)."""
    from fund.finance.closure_queries import closed_programme
    from fund.reporting.queries import programme_schedule

    unpaid = dict(((getattr(event, "details", None) or {}).get("not_disbursed")) or {})
    closure = closed_programme(proposal.id)
    schedule = programme_schedule(proposal.id, utcnow().date())
    owed = [r for r in schedule if r.status not in (REPORT_SUBMITTED, REPORT_ACCEPTED)]
    closed_on = closure.closed_on if closure else None
    refunds_due = [(s.name, s.due) for s in closure.shares if s.due > 0] if closure else []
    # The staff of the organizations that report for the programme (the one that owns it and
    # those with a share): they owe its reports and refunds, and its reports' page, which
    # the email opens, is theirs.
    recipients = Recipients()
    add_programme_staff(recipients, proposal.id)
    tell(
        "project_closed",
        recipients,
        proposal,
        title=_l("%(ref)s closed: %(title)s", ref=proposal.reference, title=proposal.title),
        link=path_for("reporting.programme", proposal_id=proposal.id),
        context={
            "comment": comment,
            "not_disbursed": [
                (name, Decimal(str(amount))) for name, amount in sorted(unpaid.items())
            ],
            "closed_on": closed_on,
            "refunds_due": refunds_due,
            "reports_owed": owed,
        },
        dedupe_key=f"closed:{proposal.id}",
    )
    tell_refunds_due(proposal, refunds_due, closed_on, actor)


def _on_funded(proposal: Proposal, actor: User | None, comment: str | None, event: Any) -> None:
    """The amount allocated: `fund_proposal` announces the transition once the allocation is
    written; a transition announced without one has its amount in the event."""
    from fund.finance.models import Allocation

    amount = db.session.scalar(
        select(Allocation.amount).where(Allocation.proposal_id == proposal.id)
    )
    if amount is None and event is not None and (event.details or {}).get("amount"):
        amount = Decimal(str(event.details["amount"]))
    _to_applicants(
        "proposal_funded",
        N_("%(ref)s funded: %(title)s"),
        dedupe_key="funded:{id}",
        amount=amount,
    )(proposal, actor, comment, event)


def _on_placed_in_pipeline(
    note: Proposal, actor: User | None, comment: str | None, event: Any
) -> None:
    """The concept note is in the pipeline at the place the committee gave it."""
    place = ((getattr(event, "details", None) or {}).get("place")) or None
    _to_applicants(
        "proposal_decision",
        N_("%(ref)s approved into the pipeline by the committee: %(title)s"),
        dedupe_key="decision:{id}:pipeline",
        outcome="pipeline",
        place=place,
    )(note, actor, comment, event)


def _on_invited(note: Proposal, actor: User | None, comment: str | None, event: Any) -> None:
    """The applicant is invited to develop the concept note into a full programme by the
    deadline; the link opens the page where the full proposal is started."""
    _tell_applicants(
        "invited_to_full_programme",
        note,
        title=_l(
            "%(ref)s invited to a full programme: %(title)s", ref=note.reference, title=note.title
        ),
        link=first_path(
            ("invitations.full_proposal", {"note_id": note.id}),
            ("proposals.detail", {"proposal_id": note.id}),
        ),
        context={"comment": comment, "deadline": note.invited_until},
        dedupe_key=f"invited:{note.id}:{note.invited_until}",  # a new deadline is told again
    )


_TRANSITION_HANDLERS = {
    "submit": _on_submit,
    "return_for_revision": _to_applicants(
        "returned_for_revision", N_("%(ref)s returned for revision: %(title)s")
    ),
    "declare_ineligible": _to_applicants("declared_ineligible", N_("%(ref)s declared ineligible")),
    "forward_to_committee": _on_forward,
    # The committee's decision is told here alone, once the proposal is decided; the key makes
    # the applicant hear it once even if the transition were announced twice.
    "approve": _to_applicants(
        "proposal_decision",
        N_("%(ref)s approved by the committee: %(title)s"),
        dedupe_key="decision:{id}:approved",
        outcome="approved",
    ),
    "reject": _to_applicants(
        "proposal_decision",
        N_("%(ref)s not approved by the committee: %(title)s"),
        dedupe_key="decision:{id}:rejected",
        outcome="rejected",
    ),
    "fund": _on_funded,
    "close": _on_closed,
    # A concept note's three outcomes, told as the proposal's decision is, and its invitation.
    "select_for_development": _to_applicants(
        "proposal_decision",
        N_("%(ref)s selected for development by the committee: %(title)s"),
        dedupe_key="decision:{id}:selected",
        outcome="selected",
    ),
    "place_in_pipeline": _on_placed_in_pipeline,
    "decline": _to_applicants(
        "proposal_decision",
        N_("%(ref)s not approved by the committee: %(title)s"),
        dedupe_key="decision:{id}:not_approved",
        outcome="not_approved",
    ),
    "invite": _on_invited,
}

# What the applicant is told of a round's outcome when the round closes: only that there was
# no quorum. An approval or rejection is told by the `approve`/`reject` transition that
# follows, "returned" by the return for revision (with the committee's message); "cancelled"
# follows the applicant's own withdrawal.
_NO_QUORUM_TITLE = N_("%(ref)s: no committee decision yet (no quorum)")


# A round's outcome in words, as a message says it (translated in the recipient's language).
_OUTCOME_WORDS = {
    "approved": N_("approved"),
    "rejected": N_("rejected"),
    "no_quorum": N_("no quorum"),
    "returned": N_("returned"),
    "cancelled": N_("cancelled"),
    "selected": N_("selected for development"),
    "pipeline": N_("approved into the pipeline"),
    "not_approved": N_("not approved"),
}


def _outcome_words(outcome: str) -> str:
    return _OUTCOME_WORDS.get(outcome) or outcome.replace("_", " ")


def _outcome_said(outcome: str) -> LazyString:
    """The outcome's words in the language of the message they are written in."""
    return LazyString(lambda: gettext(_outcome_words(outcome)))


def on_round_closed(voting_round: Any, **kwargs: Any) -> None:
    outcome = str(kwargs.get("outcome") or voting_round.outcome or "")
    actor = kwargs.get("actor")
    proposal = db.session.get(Proposal, voting_round.proposal_id)
    if proposal is None:
        return
    ref = proposal.reference
    context = {
        "voting_round": voting_round,
        "outcome": outcome,
        "outcome_words": _outcome_said(outcome),
        "summary": voting_round.summary or "",
        "comment": voting_round.summary or None,
    }
    # A round about a revision decides the revision, never the proposal: its people hear of a
    # round without quorum as the revision's news (`fund.notifications.after_funding`).
    if outcome == "no_quorum" and voting_round.revision_id is None:
        _tell_applicants(
            "proposal_decision",
            proposal,
            title=_l(_NO_QUORUM_TITLE, ref=ref),
            context=context,
            dedupe_key=f"decision:{proposal.id}:{outcome}:{voting_round.id}",
        )
    others = Recipients()
    others.add(entitled_in_round(voting_round), COMMITTEE, exclude=actor)
    others.add(secretariat(), SECRETARIAT, exclude=actor)
    tell(
        "round_closed",
        others,
        proposal,
        subject=(SUBJECT_ROUND, voting_round.id),
        title=_l(
            "%(ref)s: voting round %(number)s closed (%(outcome)s)",
            ref=ref,
            number=voting_round.number,
            outcome=_outcome_said(outcome),
        ),
        link=first_path(
            ("committee.record", {"round_id": voting_round.id}),
            ("proposals.detail", {"proposal_id": proposal.id}),
        ),
        context=context,
        dedupe_key=f"round_closed:{voting_round.id}",
    )


def on_disbursement_recorded(allocation: Any, **kwargs: Any) -> None:
    disbursement = kwargs["disbursement"]
    proposal = db.session.get(Proposal, allocation.proposal_id)
    if proposal is None:
        return
    paid_to = disbursement.organization
    _tell_applicants(
        "disbursement_recorded",
        proposal,
        title=_l(
            "%(ref)s: disbursement to %(organization)s",
            ref=proposal.reference,
            organization=paid_to.label if paid_to else _l("a participating organization"),
        ),
        context={"allocation": allocation, "disbursement": disbursement, "paid_to": paid_to},
    )


# A member's vote --------------------------------------------------------------------------


def _awaited_read(voting_round: Any, member: User, now: datetime) -> int:
    """The member's unread notifications asking for their vote on the round's proposal (the
    forward and the deadline reminders) are read: they answered them."""
    query = (
        update(Notification)
        .where(
            Notification.user_id == member.id,
            Notification.read_at.is_(None),
            (
                (Notification.kind == "forwarded_to_committee")
                & (Notification.subject_type == "proposal")
                & (Notification.subject_id == voting_round.proposal_id)
            )
            | (
                (Notification.kind == "vote_deadline")
                & (Notification.subject_type == SUBJECT_ROUND)
                & (Notification.subject_id == voting_round.id)
            ),
        )
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    return db.session.execute(query).rowcount


def _tell_if_everyone_voted(voting_round: Any, actor: User | None) -> None:
    """Tell the secretariat, once per round, when every member entitled to vote in the open
    round has voted: the committee's rule (`every_seat_voted`), which Home reads too."""
    entitled = entitled_members(voting_round)
    if not every_seat_voted(voting_round, entitled):
        return
    counted = round_tally(voting_round, entitled)
    proposal = db.session.get(Proposal, voting_round.proposal_id)
    if proposal is None:
        return
    _tell_group(
        "votes_complete",
        secretariat(),
        SECRETARIAT,
        actor,
        proposal,
        subject=(SUBJECT_ROUND, voting_round.id),
        title=_l(
            "%(ref)s: every member has voted in round %(number)s",
            ref=proposal.reference,
            number=voting_round.number,
        ),
        link=proposal_page(proposal.id, committee=True),
        context={"voting_round": voting_round, "tally": counted},
        dedupe_key=f"votes_complete:{voting_round.id}",
    )


def on_vote_cast(voting_round: Any, **kwargs: Any) -> None:
    member = kwargs["member"]
    _awaited_read(voting_round, member, utcnow())
    if kwargs.get("change") == "cast":  # a changed vote changes nobody's count
        _tell_if_everyone_voted(voting_round, member)


def on_conflict_declared(voting_round: Any, **kwargs: Any) -> None:
    """A member who declares a conflict answered the call to vote too; the others may now all
    have voted."""
    member = kwargs["member"]
    _awaited_read(voting_round, member, utcnow())
    _tell_if_everyone_voted(voting_round, member)


# A locked account -----------------------------------------------------------------------


def on_account_locked(user: User, **kwargs: Any) -> None:
    """Email the owner the news of the lockout and a link that unlocks it (written to the
    outbox: sent after the commit)."""
    from fund.accounts.operations import UNLOCK_LINK_MAX_AGE, unlock_token

    now = kwargs["now"]
    values = {
        "recipient": user,
        "fund_name": current_app.config["FUND_NAME"],
        "mandatory": True,
        "attempts": kwargs["attempts"],
        "until": kwargs["until"],
        "link_hours": int(UNLOCK_LINK_MAX_AGE.total_seconds() // 3600),
        "unlock_url": absolute(path_for("accounts.unlock", token=unlock_token(user))),
        "password_url": absolute(path_for("accounts.change_password")),
    }
    env = mail_environment(current_app)
    with in_language_of(user):
        subject = gettext("%(fund)s: your account is locked", fund=current_app.config["FUND_NAME"])
        # What the plain-text email alone says (its links written out).
        values["unlock_sentence"] = ngettext(
            "If it was you, open this link to unlock the account now (it works once, for "
            "%(num)s hour):",
            "If it was you, open this link to unlock the account now (it works once, for "
            "%(num)s hours):",
            values["link_hours"],
        )
        values["not_you_sentence"] = gettext(
            "If it was not you, someone may be guessing your password: once signed in, change "
            "it (%(url)s) and tell the fund secretariat.",
            url=values["password_url"],
        )
        text_body = env.get_template("mail/account_locked.txt").render(values)
        html_body = env.get_template("mail/account_locked.html").render(title=subject, **values)
    db.session.add(queued_email(user, "account_locked", subject, text_body, html_body, now))


# What `fund.notifications.init_app` connects: each signal with its receiver.
RECEIVERS = (
    (proposal_transitioned, on_proposal_transitioned),
    (round_closed, on_round_closed),
    (round_opened, on_round_opened),
    (disbursement_recorded, on_disbursement_recorded),
    (vote_cast, on_vote_cast),
    (conflict_declared, on_conflict_declared),
    (account_locked, on_account_locked),
)

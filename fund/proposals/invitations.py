"""From a concept note to a full programme: the invitation and the full proposal made from it.

The secretariat invites a concept note the committee selected for development, or one of the
pipeline when money is available, with a deadline (a date after today; the full proposal is due
by the end of that day). The concept note moves to `invited` (a note of the pipeline gives up its
place) and its applicant is told. The applicant then starts the full programme: a draft full
proposal of the same call, filled in from the concept note (`PREFILLED`) and linked to it
(`Proposal.concept_note_id`, unique: one full proposal per concept note, however many clicks),
and the concept note moves to `converted`. The full proposal is submitted until the invitation's
deadline, whatever the call's own closing date (`fund.proposals.guards.call_open`).

Callers commit.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from fund.accounts.models import Role, User
from fund.audit.operations import record
from fund.calls.models import Stage
from fund.extensions import db, utcnow
from fund.labels import N_
from fund.locking import locked, stale
from fund.proposals.guards import invitation_deadline_problem
from fund.proposals.models import (
    Attachment,
    AttachmentKind,
    NationalPartner,
    Proposal,
    ProposalKind,
    ProposalPrinciple,
)
from fund.proposals.operations import fire
from fund.proposals.ranking import clear_rank, ranked_ids
from fund.proposals.results import (
    IndicatorTarget,
    ResultIndicator,
    ResultOutcome,
    ResultOutput,
)
from fund.refusals import Refused
from fund.sentences import Sentence
from fund.signals import proposal_transitioned
from workflows.concept_note import NOTE_INVITED_STATE, NOTE_PIPELINE_STATE

# What the full proposal takes from the concept note (the concept note's problem is the
# proposal's rationale, the change it seeks the proposal's summary).
PREFILLED = (
    "title",
    "summary",
    "rationale",
    "lead_organization",
    "participants",
    "scope",
    "countries",
    "endorsers",
    "duration_months",
    "primary_objective",
    "secondary_objectives",
    "gender_marker",
    "human_rights_marker",
    "principles",
    "national_partners",
    "results_framework",
)

STALE_MESSAGE = N_(
    "This concept note changed since you opened the page (someone else acted on it). Nothing "
    "was saved; review it below, then try again."
)

# A full programme starts only from a concept note invited to one: its page says so, and
# `start_full_programme` refuses with it.
NOT_INVITED = N_(
    "This concept note is “%(status)s”: a full programme is started only from a concept note "
    "the secretariat invited to one."
)


def expired_sentence(note: Proposal) -> Sentence:
    """What the applicant is told once the invitation's deadline has passed: on the page that
    starts the full programme, and by `start_full_programme`'s refusal."""
    return Sentence(
        N_("The invitation's deadline, %(day)s, has passed. Ask the secretariat about it."),
        day=note.invited_until,
    )


class InvitationRefused(Refused):
    """An invitation or a start of the full programme that was refused; nothing was changed.
    `stale`: the page acted on no longer shows the concept note as it is."""


class AlreadyStarted(Exception):
    """The full proposal of this concept note exists already (a second click)."""

    def __init__(self, proposal_id: int) -> None:
        super().__init__(f"the full proposal {proposal_id} exists already")
        self.proposal_id = proposal_id


def _locked_note(note_id: int) -> Proposal:
    note = locked(Proposal, note_id)
    if note is None or not note.is_concept_note:
        raise InvitationRefused(N_("There is no such concept note."))
    return note


def full_proposal_of(note_id: int) -> Proposal | None:
    """The full proposal made from the concept note, if any."""
    return db.session.scalar(select(Proposal).where(Proposal.concept_note_id == note_id))


def _checked(
    note: Proposal, deadline: date | None, expected_version: int | None, today: date
) -> date:
    """The deadline, once the page the form came from shows the note as it is and the date is
    after today; refused (on its field) otherwise."""
    if stale(note, expected_version):
        raise InvitationRefused(STALE_MESSAGE, stale=True)
    problem = invitation_deadline_problem(deadline, today)
    if problem is not None:
        raise InvitationRefused(problem, field="deadline")
    return deadline


def invite(
    note_id: int,
    actor: User,
    deadline: date | None,
    *,
    comment: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> str:
    """The secretariat invites a selected or pipeline concept note to a full programme, due by
    the end of `deadline` (after today): `invited`. A note invited already, its full programme
    not started, gets the new deadline: a later one while the invitation is open (`extended`),
    or once its deadline has passed a date after today (`reinvited`); it stays invited, the
    change is audited and the applicant is told as of the first invitation. Refused (on its
    field) otherwise; the workflow refuses a concept note in any other state and anyone but
    the secretariat. Returns which of the three it was."""
    note = _locked_note(note_id)
    now = now or utcnow()  # after the lock: later than anything it waited for
    deadline = _checked(note, deadline, expected_version, now.date())
    comment = (comment or "").strip()
    if note.status == NOTE_INVITED_STATE:
        return _new_deadline(note, actor, deadline, comment or None, now)
    details: dict[str, object] = {"deadline": deadline.isoformat()}
    if note.status == NOTE_PIPELINE_STATE:
        order = ranked_ids()
        if note.id in order:
            details["place"] = order.index(note.id) + 1
    note.invited_until = deadline
    fire(note, "invite", actor, comment=comment or None, details=details, now=now)
    if "place" in details:
        clear_rank(note.id)  # a note leaving the pipeline gives its place up
        db.session.expire(note, ["pipeline_rank"])
    return "invited"


def invitation_expired(note: Proposal, today: date) -> bool:
    """Whether the note's invitation has passed its deadline (the full programme not started)."""
    return (
        note.status == NOTE_INVITED_STATE
        and note.invited_until is not None
        and today > note.invited_until
    )


def _new_deadline(
    note: Proposal, actor: User, deadline: date, comment: str | None, now: datetime
) -> str:
    if not actor.has_role(Role.SECRETARIAT):
        raise InvitationRefused(N_("Only the secretariat sets an invitation's deadline."))
    previous = note.invited_until
    expired = invitation_expired(note, now.date())
    if previous is not None and not expired and deadline <= previous:
        raise InvitationRefused(
            N_("The invitation is due by %(day)s: an extension is a later date."),
            field="deadline",
            day=previous,
        )
    change = "reinvited" if expired else "extended"
    note.invited_until = deadline
    db.session.flush()
    event = record(
        f"invitation_{change}",
        "proposal",
        note.id,
        actor,
        from_state=note.status,
        to_state=note.status,
        comment=comment,
        details={
            "deadline": deadline.isoformat(),
            "previous": previous.isoformat() if previous else None,
        },
        now=now,
    )
    # The applicant hears the new deadline as they heard the first invitation.
    proposal_transitioned.send(
        note,
        trigger="invite",
        from_state=note.status,
        to_state=note.status,
        actor=actor,
        comment=comment,
        event=event,
    )
    return change


def _copy(note: Proposal, actor: User) -> Proposal:
    """A draft full proposal of the note's call and organization, filled in from the note."""
    full = Proposal(
        kind=ProposalKind.PROPOSAL.value,
        call_id=note.call_id,
        organization_id=note.organization_id,
        created_by_id=actor.id,
        concept_note_id=note.id,
        title=note.title,
        content_language=note.content_language,
        summary=note.summary,
        rationale=note.rationale,
        lead_organization=note.lead_organization,
        scope=note.scope,
        duration_months=note.duration_months,
        primary_objective_number=note.primary_objective_number,
        gender_marker=note.gender_marker,
        human_rights_marker=note.human_rights_marker,
    )
    full.participants = list(note.participants)
    full.countries = list(note.countries)
    full.endorsers = list(note.endorsers)
    full.secondary_objectives = list(note.secondary_objectives)
    full.principles = [
        ProposalPrinciple(principle_code=p.principle_code, explanation=p.explanation)
        for p in note.principles
    ]
    full.national_partners = [
        NationalPartner(name=p.name, partner_type=p.partner_type) for p in note.national_partners
    ]
    full.outcomes = [_copy_outcome(o) for o in note.outcomes]
    full.attachments = [
        Attachment(kind=a.kind, country_iso2=a.country_iso2, **a.file_values())
        for a in carried_letters(note)
    ]
    return full


def carried_letters(note: Proposal) -> list[Attachment]:
    """The endorsement letters the full proposal takes from the note: all of them when the call
    wants the letters with the concept note (the governments endorsed the programme then), none
    otherwise. The start page lists them with the rest it takes."""
    if note.call.endorsement_stage != Stage.CONCEPT_NOTE.value:
        return []
    return [a for a in note.attachments if a.kind == AttachmentKind.ENDORSEMENT_LETTER]


def _copy_outcome(outcome: ResultOutcome) -> ResultOutcome:
    """A copy of an outcome of the note's outline framework: its mappings, outputs and
    indicators (with their baselines and targets; nothing reported on them yet)."""
    outputs = {o.id: ResultOutput(position=o.position, title=o.title) for o in outcome.outputs}
    return ResultOutcome(
        position=outcome.position,
        title=outcome.title,
        fund_outcome_id=outcome.fund_outcome_id,
        objectives=list(outcome.objectives),
        sdg_targets=list(outcome.sdg_targets),
        outputs=list(outputs.values()),
        indicators=[
            ResultIndicator(
                output=outputs.get(i.output_id) if i.output_id else None,
                position=i.position,
                definition=i.definition,
                unit=i.unit,
                baseline_value=i.baseline_value,
                baseline_year=i.baseline_year,
                baseline_source=i.baseline_source,
                baseline_link=i.baseline_link,
                mgi_indicator_id=i.mgi_indicator_id,
                mgi_assessment_id=i.mgi_assessment_id,
                end_target=i.end_target,
                by_sex=i.by_sex,
                by_age=i.by_age,
                by_migration_status=i.by_migration_status,
                means_of_verification=i.means_of_verification,
                responsible_organization_id=i.responsible_organization_id,
                targets=[IndicatorTarget(year=t.year, value=t.value) for t in i.targets],
            )
            for i in outcome.indicators
        ],
    )


def start_full_proposal(note_id: int, actor: User, *, now: datetime | None = None) -> Proposal:
    """The applicant starts the full programme of an invited concept note: the draft full
    proposal, filled in from the note and linked to it, and the note moves to `converted`.

    Raises AlreadyStarted when the full proposal exists (a second click waits for the first
    on the note's row lock, then finds it); the unique `concept_note_id` refuses a second one
    in any case. InvitationRefused for a note not invited, another organization's, or past
    its deadline."""
    note = _locked_note(note_id)
    now = now or utcnow()
    existing = full_proposal_of(note.id)
    if existing is not None:
        raise AlreadyStarted(existing.id)
    if actor.organization_id != note.organization_id:
        raise InvitationRefused(N_("Only people of the concept note's organization can start it."))
    if note.status != NOTE_INVITED_STATE:
        raise InvitationRefused(
            NOT_INVITED,
            stale=True,
            status=Sentence(note.status_label),
        )
    if note.invited_until is not None and invitation_expired(note, now.date()):
        raise InvitationRefused(expired_sentence(note))
    full = _copy(note, actor)
    db.session.add(full)
    db.session.flush()  # the unique concept_note_id refuses a second full proposal here
    record(
        "create",
        "proposal",
        full.id,
        actor,
        to_state=full.status,
        details={"title": full.title, "call": full.call_id, "concept_note": note.id},
        now=now,
    )
    fire(note, "convert", actor, details={"proposal": full.id}, now=now)
    return full

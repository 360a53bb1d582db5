"""Concept notes in any state of their life, reached the way the fund's people reach it.

`new_concept_note` makes a complete concept note (a joint ILO-IOM programme in Chile, with its
national partners and an indicative total of USD 1,200,000) with the operation the "new" page
uses; `advance_note` takes it to a state by the steps of NOTE_PATHS: the applicant submits, the
secretariat screens it (every concept-note criterion passes) and forwards it (a round opens),
the committee's members vote and the secretariat closes the round with the committee's
decision, invites the note, and the applicant starts the full programme.

Everything runs in the caller's application context; the caller commits.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from fund.accounts.models import User
from fund.calls.models import Call
from fund.committee import operations as committee_operations
from fund.committee.models import VotingRound
from fund.committee.rounds import entitled_members, open_round_of
from fund.extensions import db, utcnow
from fund.notifications.outbox import keep_in_outbox
from fund.proposals import invitations
from fund.proposals import operations as proposal_operations
from fund.proposals.models import (
    IndicativeTotal,
    NationalPartner,
    Proposal,
    ProposalPrinciple,
)
from fund.reference.models import Country, GcmObjective
from fund.screening import operations as screening_operations
from tests.factories import acting_secretariat, ensure_a_voter, new_open_call
from tests.helpers import organization, user

INDICATIVE = {"ILO": Decimal("700000.00"), "IOM": Decimal("500000.00")}

# The steps from a draft to each state.
NOTE_PATHS: dict[str, tuple[str, ...]] = {
    "draft": (),
    "submitted": ("submit",),
    "committee_review": ("submit", "screen", "forward"),
    "selected": ("submit", "screen", "forward", "selected"),
    "pipeline": ("submit", "screen", "forward", "pipeline"),
    "not_approved": ("submit", "screen", "forward", "not_approved"),
    "invited": ("submit", "screen", "forward", "selected", "invite"),
    "converted": ("submit", "screen", "forward", "selected", "invite", "convert"),
}


def two_stage_call(**values) -> int:
    """An open concept-note-first call (endorsement letters due with the full proposal)."""
    values.setdefault("title", "First call: concept notes")
    call = new_open_call(stage="concept_note_first", **values)
    return call.id


def closed_two_stage_call() -> Call:
    """A concept-note-first call that closed yesterday, after thirty days open."""
    today = utcnow().date()
    return new_open_call(
        title="Closed two-stage",
        stage="concept_note_first",
        opens_on=today - timedelta(days=30),
        closes_on=today - timedelta(days=1),
    )


def fill_concept_note(note: Proposal, indicative: dict[str, Decimal] | None = None) -> None:
    """Everything a concept note's submission needs: a joint ILO-IOM programme in Chile."""
    with db.session.no_autoflush:
        ilo, iom = organization("ILO"), organization("IOM")
        chile = db.session.get(Country, "CL")
        note.rationale = "Recruitment fees trap migrant workers in debt."
        note.summary = "Workers recruited fairly, with no fees, through public services."
        note.scope = "national"
        note.countries = [chile]
        note.endorsers = [chile]
        note.lead_organization = ilo
        note.participants = [ilo, iom]
        note.duration_months = 24
        note.primary_objective_number = 6
        note.secondary_objectives = [db.session.get(GcmObjective, 18)]
        note.gender_marker = 2
        note.human_rights_marker = 2
        note.principles = [
            ProposalPrinciple(principle_code="gender_responsive", explanation="Women first."),
            ProposalPrinciple(principle_code="human_rights", explanation="Rights-based."),
        ]
        note.national_partners = [
            NationalPartner(name="Ministry of Labour", partner_type="line_ministry"),
            NationalPartner(name="Municipality of Santiago", partner_type="local_government"),
            NationalPartner(name="Migrant Workers' Union", partner_type="civil_society"),
        ]
        note.indicative_totals = [
            IndicativeTotal(organization=organization(acronym), amount=amount)
            for acronym, amount in (indicative or INDICATIVE).items()
        ]


def new_concept_note(
    author: User,
    call_id: int,
    status: str = "draft",
    *,
    title: str = "Fair recruitment corridors",
    indicative: dict[str, Decimal] | None = None,
    place: int | None = None,
) -> Proposal:
    """A complete concept note of `author`'s organization taken to `status` (a pipeline note
    at `place`, by default last)."""
    note = proposal_operations.create_draft(
        user(author), call_id=call_id, title=title, kind="concept_note"
    )
    fill_concept_note(note, indicative)
    db.session.flush()
    advance_note(note, status, author, place=place)
    return note


def screen(note: Proposal, secretariat: User) -> None:
    """The secretariat starts the screening and every concept-note criterion passes."""
    proposal_operations.fire(note, "start_screening", user(secretariat))
    criteria = screening_operations.criteria_for(note)
    screening_operations.record_checks(
        note, user(secretariat), {c.id: ("pass", "") for c in criteria}
    )


def vote_all(note: Proposal, choice: str = "approve") -> VotingRound:
    """Every member entitled to vote in the note's open round votes `choice`."""
    round_ = open_round_of(note.id)
    comment = "Not for this fund." if choice == "reject" else ""
    for member in entitled_members(round_):
        committee_operations.cast_vote(round_.id, member.user, choice, comment)
    return round_


def decide_note(
    note: Proposal,
    secretariat: User,
    outcome: str,
    *,
    place: int | None = None,
    summary: str = "",
) -> VotingRound:
    """The members vote (approve, or reject for `not_approved`) and the secretariat closes the
    round with the decision `selected` or `pipeline` (at `place`, by default last)."""
    round_ = vote_all(note, "reject" if outcome == "not_approved" else "approve")
    if outcome == "pipeline" and place is None:
        from fund.committee.decisions import pipeline_size

        place = pipeline_size() + 1
    committee_operations.close_round(
        round_.id,
        user(secretariat),
        summary=summary,
        decision=None if outcome == "not_approved" else outcome,
        place=place,
    )
    if note.status != outcome:
        raise AssertionError(f"round {round_.number} closed {round_.outcome}, not {outcome}")
    return round_


def invite(note: Proposal, secretariat: User, deadline: date | None = None) -> None:
    invitations.invite(note.id, user(secretariat), deadline or utcnow().date() + timedelta(days=60))


def advance_note(note: Proposal, status: str, author: User, *, place: int | None = None) -> None:
    """Take a concept note of `author` to `status` by the steps of NOTE_PATHS."""
    steps = NOTE_PATHS[status]
    secretariat = acting_secretariat() if set(steps) - {"submit"} else None
    for step in steps:
        if step == "submit":
            proposal_operations.fire(note, "submit", user(author))
        elif step == "screen":
            screen(note, secretariat)
        elif step == "forward":
            ensure_a_voter(note)
            proposal_operations.fire(note, "forward_to_committee", user(secretariat))
        elif step in ("selected", "pipeline", "not_approved"):
            decide_note(note, secretariat, step, place=place)
        elif step == "invite":
            invite(note, secretariat)
        elif step == "convert":
            invitations.start_full_proposal(note.id, user(author))
    keep_in_outbox(db.session)

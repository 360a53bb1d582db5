"""The demo set: organizations, users in every role, an open call, donor contributions and
proposals taken to their states through the real workflow (so fully audited), with their
results frameworks and demo MGI entries (`fund.demo.frameworks`). Not for
production; idempotent like the reference data (matched on natural keys)."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

from flask import current_app
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas
from sqlalchemy import select

from fund.accounts.models import Organization, User
from fund.accounts.passwords import hash_password
from fund.calls.models import Call
from fund.committee import meetings, rounds, seats
from fund.committee import operations as committee
from fund.committee.models import ItemKind, Meeting, Outcome, RoundStatus, Seat, VotingRound
from fund.demo.agent import add_demo_agent_records, demo_recorder
from fund.demo.budget_years import spread_budget_years
from fund.demo.closure import close_demo_programme
from fund.demo.frameworks import add_actuals, add_framework, load_demo_mgi
from fund.demo.reports import add_demo_reports
from fund.demo.revisions import add_demo_revision
from fund.demo.transfers import add_demo_transfers
from fund.extensions import db, utcnow
from fund.finance import operations as finance
from fund.finance.models import Contribution
from fund.finance.transfers import request_transfer
from fund.pipeline import operations as pipeline_operations
from fund.proposals import attachments, concept_notes
from fund.proposals import operations as proposal_operations
from fund.proposals.models import Proposal, proposal_reference
from fund.reference.models import Country
from fund.screening import operations as screening
from fund.seed import SeedReport, add_missing, existing_by_key


def load_demo(
    seed_dir: Path, report: SeedReport | None = None, today: date | None = None
) -> SeedReport:
    """The demo set: organizations, one or more users per role, an open call."""
    report = report or SeedReport()
    demo = tomllib.loads((seed_dir / "demo.toml").read_text(encoding="utf-8"))
    today = today or utcnow().date()

    by_name = existing_by_key(Organization, "name")
    added = add_missing(by_name, demo.get("organizations", []), "name", _organization)
    report.count("organizations", added)
    db.session.flush()
    lookup = {o.acronym: o for o in by_name.values() if o.acronym} | by_name

    password = demo["password"]
    report.demo_password = password
    users = existing_by_key(User, "email")
    for item in demo.get("users", []):
        report.demo_accounts.append((item["email"], ", ".join(item["roles"]), item["organization"]))
        if item["email"] in users:
            continue
        user = User(
            email=item["email"],
            name=item["name"],
            password_hash=hash_password(password),
            organization=lookup[item["organization"]],
            password_changed_at=utcnow(),
        )
        user.set_roles(set(item["roles"]))
        db.session.add(user)
        report.count("users")

    calls = existing_by_key(Call, "title")
    added = add_missing(calls, demo.get("calls", []), "title", lambda item: _call(item, today))
    report.count("calls", added)
    db.session.flush()
    return report


def _organization(item: Mapping[str, Any]) -> Organization:
    return Organization(
        name=item["name"],
        acronym=item.get("acronym"),
        kind=item["kind"],
        country_iso2=item.get("country"),
    )


def _call(item: Mapping[str, Any], today: date) -> Call:
    """A demo call, open from and until days from `today`."""
    return Call(
        title=item["title"],
        description=item.get("description", ""),
        opens_on=today + timedelta(days=item["opens_in_days"]),
        closes_on=today + timedelta(days=item["closes_in_days"]),
        envelope=Decimal(item["envelope"]),
        min_budget=Decimal(item["min_budget"]),
        max_budget=Decimal(item["max_budget"]),
        min_duration_months=item["min_duration_months"],
        max_duration_months=item["max_duration_months"],
        decision_rule=item["decision_rule"],
        stage=item.get("stage", "full_proposal"),
        endorsement_stage=item.get("endorsement_stage", "full_proposal"),
    )


def _demo_letter(country: str, title: str) -> bytes:
    """A small, valid one-page PDF standing in for an endorsement letter."""
    buffer = BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    page.setTitle(f"Endorsement letter: {country}")
    page.drawString(72, 770, f"Government of {country}")
    page.drawString(72, 740, "Endorsement of the joint programme:")
    page.drawString(72, 722, title[:90])
    page.drawString(72, 690, "(Demo document.)")
    page.save()
    return buffer.getvalue()


def load_demo_proposals(seed_dir: Path, report: SeedReport, today: date | None = None) -> None:
    """Demo proposals, taken to their state through the real workflow (so fully audited)."""
    data = tomllib.loads((seed_dir / "demo_proposals.toml").read_text(encoding="utf-8"))
    today = today or utcnow().date()
    existing = set(db.session.scalars(select(Proposal.title)))
    call = db.session.scalar(select(Call).order_by(Call.id))
    secretariat = db.session.scalar(
        select(User).join(User.role_rows).where(User.role_rows.any(role="secretariat"))
    )
    if call is None or secretariat is None:
        return
    by_acronym = {o.acronym: o.id for o in db.session.scalars(select(Organization)) if o.acronym}
    countries = {c.iso2: c.name for c in db.session.scalars(select(Country))}
    demo = tomllib.loads((seed_dir / "demo.toml").read_text(encoding="utf-8"))
    _demo_seats(demo, secretariat)
    load_demo_mgi(demo, today)
    for item in data.get("proposals", []):
        if item["title"] in existing:
            continue
        author = db.session.scalar(select(User).where(User.email == item["applicant"]))
        proposal = proposal_operations.create_draft(author, call_id=call.id, title=item["title"])
        start = item.get("start_in_days")
        values = proposal_operations.DraftValues(
            title=item["title"],
            summary=item.get("summary", ""),
            rationale=item.get("rationale", ""),
            lead_organization_id=by_acronym[item["lead"]],
            participant_ids=[by_acronym[a] for a in item["participants"]],
            scope=item["scope"],
            country_codes=item["countries"],
            endorser_codes=item["endorsers"],
            planned_start=today + timedelta(days=start) if start is not None else None,
            duration_months=item.get("duration_months"),
            primary_objective_number=item.get("primary_objective"),
            secondary_objective_numbers=item.get("secondary_objectives", []),
            gender_marker=item.get("gender_marker"),
            human_rights_marker=item.get("human_rights_marker"),
            principles=item.get("principles", {}),
            contacts=[tuple(c) for c in item.get("contacts", [])],
            budget=[
                (by_acronym[org], objective, category, Decimal(amount), text)
                for org, objective, category, amount, text in item["budget"]
            ],
        )
        proposal_operations.save_draft(proposal, author, values)
        spread_budget_years(proposal)
        add_framework(proposal, item.get("outcomes", []), by_acronym, today)
        if item["state"] != "draft":
            for iso2 in item["endorsers"]:
                attachments.add_attachment(
                    proposal,
                    author,
                    filename=f"endorsement-{iso2.lower()}.pdf",
                    data=_demo_letter(countries[iso2], item["title"]),
                    kind="endorsement_letter",
                    country_iso2=iso2,
                    allowed_types=("pdf",),
                    max_bytes=10 * 1024 * 1024,
                )
        _advance(proposal, item, author, secretariat)
        if item["state"] == "funded":
            add_actuals(proposal, item.get("outcomes", []), today)
            add_demo_revision(proposal, author, secretariat, today)
            add_demo_reports(proposal, author, secretariat, today)
            add_demo_transfers(proposal, secretariat)
        if item["state"] == "closed":
            close_demo_programme(proposal, secretariat, demo_recorder(), today)
        report.count("proposals")
    db.session.flush()
    _demo_meeting(demo, secretariat, today)
    _demo_concept_notes(seed_dir, report, secretariat, today)


_NOTE_STEPS = {
    "submitted": 1,
    "committee_review": 2,
    "selected": 3,
    "pipeline": 3,
    "not_approved": 3,
}


def _demo_concept_notes(seed_dir: Path, report: SeedReport, secretariat: User, today: date) -> None:
    """The concept notes of the two-stage call, each taken to its state by the real steps:
    submitted, screened and forwarded, voted on, and the round closed with the committee's
    decision (its place in the pipeline)."""
    path = seed_dir / "demo_concept_notes.toml"
    call = db.session.scalar(select(Call).where(Call.stage == "concept_note_first"))
    if call is None or not path.exists():
        return
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    existing = set(db.session.scalars(select(Proposal.title)))
    author = db.session.scalar(select(User).where(User.email == "applicant@demo.fund"))
    by_acronym = {o.acronym: o.id for o in db.session.scalars(select(Organization)) if o.acronym}
    for item in data.get("concept_notes", []):
        if item["title"] in existing:
            continue
        note = proposal_operations.create_draft(
            author, call_id=call.id, title=item["title"], kind="concept_note"
        )
        indicative = {by_acronym[a]: Decimal(v) for a, v in item["indicative"].items()}
        concept_notes.save_concept_note(
            note,
            author,
            concept_notes.ConceptNoteValues(
                title=item["title"],
                problem=item["problem"],
                change_sought=item["change"],
                lead_organization_id=by_acronym[item["lead"]],
                participant_ids=list(indicative),
                scope=item["scope"],
                country_codes=item["countries"],
                duration_months=item["duration_months"],
                primary_objective_number=item["primary_objective"],
                secondary_objective_numbers=item.get("secondary_objectives", []),
                gender_marker=item["gender_marker"],
                human_rights_marker=item["human_rights_marker"],
                principles=item.get("principles", {}),
                partners=[tuple(p) for p in item.get("partners", [])],
                indicative=indicative,
            ),
        )
        add_framework(note, item.get("outcomes", []), by_acronym, today)
        _advance_note(note, item, author, secretariat)
        report.count("concept notes")
    db.session.flush()


def _advance_note(note: Proposal, item: dict[str, Any], author: User, secretariat: User) -> None:
    target = item["state"]
    steps = _NOTE_STEPS.get(target, 0)
    if steps >= 1:
        proposal_operations.fire(note, "submit", author)
    if steps >= 2:
        proposal_operations.fire(note, "start_screening", secretariat)
        criteria = screening.criteria_for(note)
        screening.record_checks(note, secretariat, {c.id: ("pass", "") for c in criteria})
        proposal_operations.fire(note, "forward_to_committee", secretariat)
    if steps >= 3:
        round_ = rounds.open_round_of(note.id)
        choice = "reject" if target == "not_approved" else "approve"
        comment = (
            "Not for this fund: the change sought is not described." if choice == "reject" else ""
        )
        for member in rounds.entitled_members(round_):
            committee.cast_vote(round_.id, member.user, choice, comment)
        committee.close_round(
            round_.id,
            secretariat,
            summary=item.get("summary", ""),
            decision=None if target == "not_approved" else target,
            place=item.get("place"),
        )
        if target == "pipeline" and item.get("public"):
            pipeline_operations.set_public(secretariat, note.id, True)


def _demo_seats(demo: dict[str, Any], secretariat: User) -> None:
    """The committee's seats, chair and alternates (before any round opens; once)."""
    if db.session.scalar(select(Seat.id).limit(1)) is not None:
        return
    people = {u.email: u.id for u in db.session.scalars(select(User))}
    organizations = {o.acronym: o.id for o in db.session.scalars(select(Organization))}
    for item in demo.get("seats", []):
        seat = seats.assign_seat(
            secretariat, organizations[item["organization"]], people[item["member"]]
        )
        for email in item.get("alternates", []):
            seats.name_alternate(secretariat, seat.id, people[email])
        if item.get("chair"):
            seats.set_chair(secretariat, seat.id)


_ITEM_OUTCOMES = {Outcome.APPROVED.value: "approved", Outcome.REJECTED.value: "not_approved"}


def _demo_meeting(demo: dict[str, Any], secretariat: User, today: date) -> None:
    """One meeting with its agenda: the proposals that reached the committee, each with the
    decision of its latest round, the pipeline and any other business (once)."""
    item = demo.get("meeting")
    if not item or db.session.scalar(select(Meeting.id).limit(1)) is not None:
        return
    people = {u.email: u.id for u in db.session.scalars(select(User))}
    meeting = meetings.create_meeting(
        secretariat,
        meetings.MeetingInput(
            title=item["title"],
            held_on=today - timedelta(days=item.get("days_ago", 0)),
            place=item.get("place", ""),
            present={people[email] for email in item.get("present", [])},
            also_present=item.get("also_present", ""),
            minutes=item.get("minutes", ""),
        ),
    )
    latest = db.session.scalars(
        select(VotingRound).order_by(VotingRound.proposal_id, VotingRound.number.desc())
    ).all()
    rounds_by_proposal: dict[int, VotingRound] = {}
    for round_ in latest:
        rounds_by_proposal.setdefault(round_.proposal_id, round_)
    for proposal_id, round_ in rounds_by_proposal.items():
        added = meetings.add_item(
            secretariat, meeting.id, ItemKind.PROPOSAL, reference=proposal_reference(proposal_id)
        )
        closed = round_.status == RoundStatus.CLOSED
        meetings.update_item(
            secretariat,
            meeting.id,
            added.id,
            position=added.position,
            title="",
            outcome=_ITEM_OUTCOMES.get(round_.outcome or "") if closed else "deferred",
            decision=(
                round_.summary or "Decided in its voting round."
                if closed
                else "Discussed; the members vote in the round by its deadline."
            ),
            conditions="",
            round_id=round_.id,
        )
    for title, text, outcome in (
        ("Pipeline ranking", item.get("pipeline", ""), "agreed"),
        (item.get("other_business", ""), item.get("other_decision", ""), "noted"),
    ):
        if not title:
            continue
        kind = ItemKind.PIPELINE if outcome == "agreed" else ItemKind.OTHER
        added = meetings.add_item(secretariat, meeting.id, kind, title=title)
        meetings.update_item(
            secretariat,
            meeting.id,
            added.id,
            position=added.position,
            title=title,
            outcome=outcome,
            decision=text,
            conditions="",
            round_id=None,
        )


def _advance(proposal, item: dict[str, Any], author: User, secretariat: User) -> None:
    target = item["state"]
    if target == "draft":
        return
    proposal_operations.fire(proposal, "submit", author)
    if target == "submitted":
        return
    proposal_operations.fire(proposal, "start_screening", secretariat)
    if target == "screening":
        return
    if target == "returned":
        proposal_operations.fire(
            proposal, "return_for_revision", secretariat, comment=item["return_comment"]
        )
        return
    criteria = screening.ensure_criteria(proposal.call)
    results = screening.prefill(proposal, proposal_operations.rules_from_config(current_app.config))
    for criterion in criteria:
        results.setdefault(criterion.id, ("pass", ""))
        if criterion.code == item.get("ineligible_fail"):
            results[criterion.id] = ("fail", item["ineligible_reason"])
    screening.record_checks(proposal, secretariat, results)
    if target in ("committee_review", "approved", "funded", "closed"):
        proposal_operations.fire(proposal, "forward_to_committee", secretariat)
    if target in ("approved", "funded", "closed"):
        _decide(proposal, secretariat)
    if target in ("funded", "closed"):
        _fund(proposal, item, secretariat)
    elif target == "ineligible":
        proposal_operations.fire(
            proposal, "declare_ineligible", secretariat, comment=item["ineligible_reason"]
        )


def _decide(proposal, secretariat: User) -> None:
    """Every entitled member approves, then the secretariat closes the round."""
    round_ = rounds.open_round_of(proposal.id)
    for member in rounds.entitled_members(round_):
        committee.cast_vote(round_.id, member.user, "approve")
    committee.close_round(round_.id, secretariat, summary="Approved by the committee.")


def _fund(proposal, item: dict[str, Any], secretariat: User) -> None:
    """Allocate the money and pay the lead organization a first tranche: requested by the
    secretariat, recorded by the administrative agent."""
    allocation = finance.fund_proposal(secretariat, proposal, utcnow().date())
    share = next(s for s in allocation.shares if s.organization_id == proposal.lead_organization_id)
    tranche = (share.amount * Decimal(item.get("first_tranche", "0.5"))).quantize(Decimal("0.01"))
    request = request_transfer(secretariat, allocation, share.organization_id, tranche)
    finance.record_disbursement(
        demo_recorder() or secretariat,
        allocation,
        share.organization_id,
        utcnow().date(),
        tranche,
        "T1",
        request=request,
    )


def load_demo_contributions(seed_dir: Path, report: SeedReport) -> None:
    """Donor contributions of the demo set (skipped once any contribution exists), recorded
    by the administrative agent, with its pledge, interest and direct cost."""
    if db.session.scalar(select(Contribution.id).limit(1)) is not None:
        return
    demo = tomllib.loads((seed_dir / "demo.toml").read_text(encoding="utf-8"))
    recorder = demo_recorder()
    by_name = existing_by_key(Organization, "name")
    for item in demo.get("contributions", []):
        finance.record_contribution(
            recorder,
            by_name[item["donor"]],
            utcnow().date() - timedelta(days=item["days_ago"]),
            Decimal(item["gross"]),
            item.get("earmark"),
            reference=item.get("reference", ""),
        )
        report.count("contributions")
    db.session.flush()
    add_demo_agent_records(utcnow().date())

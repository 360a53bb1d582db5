"""The demo set: organizations, users in every role, an open call, donor contributions and
proposals taken to their states through the real workflow (so fully audited), with their
results frameworks and demo MGI entries (`fund.demo.frameworks`). Its history is written on
the days it would have happened, up to two years back (`fund.demo.timeline`). Not for
production; idempotent like the reference data (matched on natural keys)."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

from flask import current_app
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas
from sqlalchemy import func, select

from fund.accounts.models import Organization, User
from fund.accounts.passwords import hash_password
from fund.calls.models import Call
from fund.committee import operations as committee
from fund.committee import rounds
from fund.demo.agent import add_demo_agent_records, demo_recorder
from fund.demo.budget_years import spread_budget_years
from fund.demo.closure import close_demo_programme, refund_demo_programme
from fund.demo.frameworks import add_actuals, add_framework, load_demo_mgi
from fund.demo.meeting import add_demo_meeting, add_demo_seats, open_for_votes, vote_all
from fund.demo.reports import (
    accept_demo_financial_report,
    add_demo_evidence,
    submit_demo_financial_report,
)
from fund.demo.revisions import add_demo_revision
from fund.demo.timeline import Calendar, Timeline
from fund.demo.transfers import (
    record_requested,
    request_first_tranches,
    request_lead_second_tranche,
)
from fund.extensions import db, utcnow
from fund.finance import operations as finance
from fund.finance.models import Contribution
from fund.finance.transfers import request_transfer
from fund.notifications.models import Notification
from fund.pipeline import operations as pipeline_operations
from fund.proposals import attachments, concept_notes
from fund.proposals import operations as proposal_operations
from fund.proposals.models import Proposal
from fund.reference.models import Country
from fund.reporting import schedule
from fund.screening import operations as screening
from fund.seed import SeedReport, add_missing, existing_by_key
from workflows.concept_note import NOTE_NOT_APPROVED_STATE, NOTE_PIPELINE_STATE, NOTE_SELECTED_STATE
from workflows.proposal import (
    CLOSED_STATE,
    DRAFT_STATE,
    FUNDED_STATE,
    FUNDED_STATES,
    INELIGIBLE_STATE,
    PIPELINE_STATE,
    RETURNED_STATE,
    REVIEW_STATE,
    SUBMITTED_STATE,
)


def load_demo(
    seed_dir: Path, report: SeedReport | None = None, today: date | None = None
) -> SeedReport:
    """The demo set: organizations, one or more users per role, the calls; made on the day
    the fund was set up, before its history (`Calendar.set_up`)."""
    report = report or SeedReport()
    today = today or utcnow().date()
    calendar = Calendar.counted_back(today, schedule.settings_from(current_app.config))
    timeline = Timeline(today)
    timeline.on(calendar.set_up, lambda: _accounts_and_calls(seed_dir, report, today))
    timeline.run()
    return report


def _accounts_and_calls(seed_dir: Path, report: SeedReport, today: date) -> None:
    demo = tomllib.loads((seed_dir / "demo.toml").read_text(encoding="utf-8"))

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


def _organization(item: Mapping[str, Any]) -> Organization:
    return Organization(
        name=item["name"],
        acronym=item.get("acronym"),
        kind=item["kind"],
        country_iso2=item.get("country"),
    )


def _call(item: Mapping[str, Any], today: date) -> Call:
    """A demo call, open until days from `today`; from days from `today`, or from the day it
    is made (`opens_when_made`: the day the fund was set up)."""
    opens = utcnow().date() if item.get("opens_when_made") else None
    return Call(
        title=item["title"],
        description=item.get("description", ""),
        opens_on=opens or today + timedelta(days=item["opens_in_days"]),
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


# The days of each proposal's steps, by the state the demo leaves it in: days before today.
# Each proposal is made on its day, so the references follow the days (the oldest is P-00001).
RECENT_DAYS = {
    PIPELINE_STATE: {
        "made": 150,
        "submit": 140,
        "screen": 130,
        "forward": 25,
        "vote": 12,
        "decide": 7,
    },
    INELIGIBLE_STATE: {"made": 120, "submit": 110, "screen": 100, "declare": 95},
    RETURNED_STATE: {"made": 100, "submit": 80, "screen": 70, "return": 60},
    REVIEW_STATE: {"made": 90, "submit": 45, "screen": 40, "forward": 12},
    SUBMITTED_STATE: {"made": 60, "submit": 6},
    DRAFT_STATE: {"made": 50},
}
# The funded programme's steps and the closed one's, in days from their first day.
FUNDED_DAYS = {
    "made": -200,
    "submit": -190,
    "screen": -185,
    "forward": -175,
    "vote": -160,
    "decide": -155,
    "fund": -120,
}
CLOSED_DAYS = {key: day + 30 for key, day in FUNDED_DAYS.items()}
CLOSED_ON, REFUNDED_ON = 20, 10  # days before today
TRANSFERS_REQUESTED = 12  # the lead organization's second tranche: days before today


def load_demo_history(seed_dir: Path, report: SeedReport, today: date | None = None) -> None:
    """The demo's history, each step on its day (`fund.demo.timeline`): the donors'
    contributions and the administrative agent's records, the committee's seats, the proposals
    taken to their states through the real workflow (so fully audited), a meeting of the
    committee and the concept notes of the two-stage call. What exists is skipped."""
    today = today or utcnow().date()
    calendar = Calendar.counted_back(today, schedule.settings_from(current_app.config))
    timeline = Timeline(today)
    demo = tomllib.loads((seed_dir / "demo.toml").read_text(encoding="utf-8"))
    _contributions(demo, calendar, timeline, report)
    add_demo_agent_records(timeline, today)
    secretariat = db.session.scalar(
        select(User).join(User.role_rows).where(User.role_rows.any(role="secretariat"))
    )
    call = db.session.scalar(select(Call).where(Call.stage == "full_proposal").order_by(Call.id))
    if call is not None and secretariat is not None:
        timeline.on(calendar.start - timedelta(days=260), lambda: add_demo_seats(demo, secretariat))
        timeline.on(
            calendar.start - timedelta(days=260), lambda: load_demo_mgi(demo, utcnow().date())
        )
        _proposals(seed_dir, report, calendar, timeline, call, secretariat)
        held = calendar.ago(demo.get("meeting", {}).get("days_ago", 0))
        timeline.on(held, lambda: add_demo_meeting(demo, secretariat, held))
        _demo_concept_notes(seed_dir, report, secretariat, timeline)
    told_before = db.session.scalar(select(func.max(Notification.id))) or 0
    timeline.run()
    _read_what_is_old(today, told_before)
    db.session.flush()


# What the demo's people were told more than this many days before the demo is loaded, they
# read the day after: their unread count is what came lately, not two years of history.
READ_AFTER_DAYS = 14


def _read_what_is_old(today: date, told_before: int) -> None:
    """The notifications this load wrote (ids above `told_before`: loading again leaves what
    people were told since alone) dated before `READ_AFTER_DAYS`, read the next day."""
    before = datetime.combine(today - timedelta(days=READ_AFTER_DAYS), time(), tzinfo=UTC)
    for note in db.session.scalars(
        select(Notification).where(
            Notification.id > told_before,
            Notification.read_at.is_(None),
            Notification.created_at < before,
        )
    ):
        note.read_at = note.created_at + timedelta(days=1)


def _contributions(
    demo: dict[str, Any], calendar: Calendar, timeline: Timeline, report: SeedReport
) -> None:
    """Donor contributions (skipped once any contribution exists), recorded by the
    administrative agent on the day received, before the first programme is funded."""
    if db.session.scalar(select(Contribution.id).limit(1)) is not None:
        return
    by_name = existing_by_key(Organization, "name")
    for item in demo.get("contributions", []):
        received = calendar.start - timedelta(days=item["days_before_start"])

        def record(item: dict[str, Any] = item, received: date = received) -> None:
            finance.record_contribution(
                demo_recorder(),
                by_name[item["donor"]],
                received,
                Decimal(item["gross"]),
                item.get("earmark"),
                reference=item.get("reference", ""),
            )
            report.count("contributions")

        timeline.on(received, record)


def _proposals(
    seed_dir: Path,
    report: SeedReport,
    calendar: Calendar,
    timeline: Timeline,
    call: Call,
    secretariat: User,
) -> None:
    """The demo proposals, each step of each on its day."""
    data = tomllib.loads((seed_dir / "demo_proposals.toml").read_text(encoding="utf-8"))
    existing = set(db.session.scalars(select(Proposal.title)))
    by_acronym = {o.acronym: o.id for o in db.session.scalars(select(Organization)) if o.acronym}
    countries = {c.iso2: c.name for c in db.session.scalars(select(Country))}
    for item in data.get("proposals", []):
        if item["title"] in existing:
            continue
        author = db.session.scalar(select(User).where(User.email == item["applicant"]))
        state = item["state"]
        if state in FUNDED_STATES:
            first = calendar.start if state == FUNDED_STATE else calendar.next_start
            offsets = FUNDED_DAYS if state == FUNDED_STATE else CLOSED_DAYS
            days = {key: first + timedelta(days=n) for key, n in offsets.items()}
        else:
            first = None
            days = {key: calendar.ago(n) for key, n in RECENT_DAYS[state].items()}
        made: list[Proposal] = []

        def make(item=item, author=author, first=first, made=made) -> None:
            made.append(_draft(item, author, call, by_acronym, countries, first, calendar.today))
            report.count("proposals")

        timeline.on(days["made"], make)
        _advance(timeline, days, made, item, author, secretariat)
        if state == FUNDED_STATE:
            _after_funding(timeline, calendar, made, item, author, secretariat)
        if state == CLOSED_STATE:
            timeline.on(
                calendar.ago(CLOSED_ON),
                lambda made=made: close_demo_programme(made[0], secretariat, utcnow().date()),
            )
            timeline.on(
                calendar.ago(REFUNDED_ON),
                lambda made=made: refund_demo_programme(made[0], demo_recorder(), utcnow().date()),
            )


def _draft(
    item: dict[str, Any],
    author: User,
    call: Call,
    by_acronym: dict[str, int],
    countries: dict[str, str],
    start: date | None,
    today: date,
) -> Proposal:
    """A demo proposal as its applicant saves it: its draft, results framework and letters;
    planned to start on `start`, else `start_in_days` after the day the demo is loaded."""
    proposal = proposal_operations.create_draft(author, call_id=call.id, title=item["title"])
    if start is None and item.get("start_in_days") is not None:
        start = today + timedelta(days=item["start_in_days"])
    values = proposal_operations.DraftValues(
        title=item["title"],
        summary=item.get("summary", ""),
        rationale=item.get("rationale", ""),
        lead_organization_id=by_acronym[item["lead"]],
        participant_ids=[by_acronym[a] for a in item["participants"]],
        scope=item["scope"],
        country_codes=item["countries"],
        endorser_codes=item["endorsers"],
        planned_start=start,
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
    add_framework(proposal, item.get("outcomes", []), by_acronym, utcnow().date())
    if item["state"] != DRAFT_STATE:
        for iso2 in item["endorsers"]:
            attachments.add_attachment(
                proposal,
                author,
                filename=f"endorsement-{iso2.lower()}.pdf",
                data=_demo_letter(countries[iso2], item["title"]),
                kind="endorsement_letter",
                country_iso2=iso2,
                allowed_types=("pdf",),
                max_bytes=current_app.config["UPLOAD_MAX_BYTES"],
            )
    return proposal


def _after_funding(
    timeline: Timeline,
    calendar: Calendar,
    made: list[Proposal],
    item: dict[str, Any],
    author: User,
    secretariat: User,
) -> None:
    """The funded programme's first tranches, its first year (a no-cost extension, its first
    year's actuals and financial report, evidence for its narrative report) and, lately, the
    lead organization's second tranche requested (the administrative agent has it to
    transfer)."""
    end, funded = calendar.year_end, calendar.start + timedelta(days=FUNDED_DAYS["fund"])
    timeline.on(funded + timedelta(days=14), lambda: request_first_tranches(made[0], secretariat))
    timeline.on(
        funded + timedelta(days=21),
        lambda: record_requested(made[0], demo_recorder() or secretariat),
    )
    timeline.on(
        calendar.start + timedelta(days=180),
        lambda: add_demo_revision(made[0], author, secretariat),
    )
    timeline.on(
        end + timedelta(days=30),
        lambda: add_actuals(made[0], item.get("outcomes", []), utcnow().date()),
    )
    timeline.on(end + timedelta(days=30), lambda: submit_demo_financial_report(made[0]))
    timeline.on(
        end + timedelta(days=45), lambda: accept_demo_financial_report(made[0], secretariat)
    )
    timeline.on(end + timedelta(days=70), lambda: add_demo_evidence(made[0], author))
    timeline.on(
        calendar.ago(TRANSFERS_REQUESTED),
        lambda: request_lead_second_tranche(made[0], secretariat),
    )


def _advance(
    timeline: Timeline,
    days: dict[str, date],
    made: list[Proposal],
    item: dict[str, Any],
    author: User,
    secretariat: User,
) -> None:
    """The workflow's steps that take a proposal to the demo's state, each on its day."""
    target = item["state"]
    if "submit" in days:
        timeline.on(days["submit"], lambda: proposal_operations.fire(made[0], "submit", author))
    if "screen" in days:
        timeline.on(
            days["screen"],
            lambda: proposal_operations.fire(made[0], "start_screening", secretariat),
        )
    if "return" in days:
        timeline.on(
            days["return"],
            lambda: proposal_operations.fire(
                made[0], "return_for_revision", secretariat, comment=item["return_comment"]
            ),
        )
    if "declare" in days:

        def declare() -> None:
            _screen(made[0], item, secretariat)
            proposal_operations.fire(
                made[0], "declare_ineligible", secretariat, comment=item["ineligible_reason"]
            )

        timeline.on(days["declare"], declare)
    if "forward" in days:

        def forward() -> None:
            _screen(made[0], item, secretariat)
            proposal_operations.fire(made[0], "forward_to_committee", secretariat)
            open_for_votes(made[0].id, secretariat)

        timeline.on(days["forward"], forward)
    if "vote" in days:
        timeline.on(days["vote"], lambda: vote_all(made[0].id, "approve"))
    if "decide" in days:
        timeline.on(
            days["decide"],
            lambda: committee.close_round(
                rounds.open_round_of(made[0].id).id,
                secretariat,
                summary="Approved by the committee.",
            ),
        )
    if target in FUNDED_STATES:
        timeline.on(days["fund"], lambda: _fund(made[0], item, secretariat))


def _screen(proposal: Proposal, item: dict[str, Any], secretariat: User) -> None:
    """The secretariat's checks: every criterion passed but the one the demo fails."""
    criteria = screening.ensure_criteria(proposal.call)
    results = screening.prefill(proposal, proposal_operations.rules_from_config(current_app.config))
    for criterion in criteria:
        results.setdefault(criterion.id, ("pass", ""))
        if criterion.code == item.get("ineligible_fail"):
            results[criterion.id] = ("fail", item["ineligible_reason"])
    screening.record_checks(proposal, secretariat, results)


def _fund(proposal: Proposal, item: dict[str, Any], secretariat: User) -> None:
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


# The concept notes' steps, in days before today; each state takes the steps up to its own.
NOTE_DAYS = {"made": 45, "submit": 30, "forward": 6, "vote": 4, "decide": 3}
_NOTE_STEPS = {
    SUBMITTED_STATE: ("submit",),
    REVIEW_STATE: ("submit", "forward"),
    NOTE_SELECTED_STATE: ("submit", "forward", "vote", "decide"),
    NOTE_PIPELINE_STATE: ("submit", "forward", "vote", "decide"),
    NOTE_NOT_APPROVED_STATE: ("submit", "forward", "vote", "decide"),
}


def _demo_concept_notes(
    seed_dir: Path, report: SeedReport, secretariat: User, timeline: Timeline
) -> None:
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
        made: list[Proposal] = []

        def make(item=item, made=made) -> None:
            made.append(_concept_note(item, author, call, by_acronym))
            report.count("concept notes")

        days = {key: timeline.today - timedelta(days=n) for key, n in NOTE_DAYS.items()}
        timeline.on(days["made"], make)
        for step in _NOTE_STEPS.get(item["state"], ()):
            timeline.on(
                days[step],
                lambda step=step, item=item, made=made: _note_step(
                    made[0], step, item, author, secretariat
                ),
            )


def _concept_note(
    item: dict[str, Any], author: User, call: Call, by_acronym: dict[str, int]
) -> Proposal:
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
    add_framework(note, item.get("outcomes", []), by_acronym, utcnow().date())
    return note


def _note_step(
    note: Proposal, step: str, item: dict[str, Any], author: User, secretariat: User
) -> None:
    target = item["state"]
    if step == "submit":
        proposal_operations.fire(note, "submit", author)
    elif step == "forward":
        proposal_operations.fire(note, "start_screening", secretariat)
        criteria = screening.criteria_for(note)
        screening.record_checks(note, secretariat, {c.id: ("pass", "") for c in criteria})
        proposal_operations.fire(note, "forward_to_committee", secretariat)
        open_for_votes(note.id, secretariat)
    elif step == "vote":
        rejected = target == NOTE_NOT_APPROVED_STATE
        comment = "Not for this fund: the change sought is not described." if rejected else ""
        vote_all(note.id, "reject" if rejected else "approve", comment)
    elif step == "decide":
        committee.close_round(
            rounds.open_round_of(note.id).id,
            secretariat,
            summary=item.get("summary", ""),
            decision=None if target == NOTE_NOT_APPROVED_STATE else target,
            place=item.get("place"),
        )
        if target == NOTE_PIPELINE_STATE and item.get("public"):
            pipeline_operations.set_public(secretariat, note.id, True)

"""Fill a database with realistic data at scale.

    python -m bench.generate --proposals 20000 [--database-url URL] [--seed 7] [--workload N]

Proposals in every state, about ten budget lines each over objectives and categories,
participants, countries, voting rounds with votes, contributions, allocations, disbursements,
a small results framework for about half the funded programmes (outcomes, outputs, indicators
with targets, some with a baseline or an actual) and a valid hash-chained audit trail. Rows
are inserted in batches with SQLAlchemy Core.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from flask_migrate import upgrade
from sqlalchemy import func, insert, select, text

from fund import caches, create_app
from fund.accounts.models import Organization, User, UserRole
from fund.accounts.passwords import hash_password
from fund.audit.models import GENESIS_HASH, AuditEvent
from fund.audit.operations import compute_hash
from fund.calls.models import Call
from fund.committee.models import RoundMember, Seat, SeatTerm, Vote, VotingRound
from fund.extensions import db
from fund.finance.models import (
    GENERAL_POOL,
    Allocation,
    AllocationShare,
    AllocationSource,
    Contribution,
    Disbursement,
    Pool,
)
from fund.fulltext import normalise
from fund.proposals.budget import indirect_costs
from fund.proposals.models import (
    BudgetLine,
    Proposal,
    ProposalVersion,
    proposal_countries,
    proposal_participants,
)
from fund.proposals.results import (
    IndicatorActual,
    IndicatorTarget,
    ResultIndicator,
    ResultOutcome,
    ResultOutput,
    result_outcome_objectives,
    result_outcome_sdg_targets,
)
from fund.reference.models import Country
from fund.reference.results import FundOutcome, SdgTarget
from fund.seed import load_reference

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench password 2026"  # noqa: S105 - a benchmark database, never production
BATCH = 5000

# Share of proposals per state (sums to 1): most are old and decided.
STATE_MIX = [
    ("draft", 0.10),
    ("submitted", 0.05),
    ("screening", 0.05),
    ("returned", 0.05),
    ("ineligible", 0.05),
    ("committee_review", 0.10),
    ("approved", 0.10),
    ("rejected", 0.10),
    ("funded", 0.25),
    ("closed", 0.10),
    ("withdrawn", 0.05),
]
THEMES = ["labour mobility", "migration data", "border management", "inclusion", "reintegration"]
# The states a proposal stays in once its life is over: what a fund's history is made of.
HISTORY = {"ineligible", "rejected", "closed", "withdrawn"}
REVIEWED = {"committee_review", "approved", "rejected", "funded", "closed"}
FUNDED = {"funded", "closed"}


def _insert(table, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(table), rows[start : start + BATCH])


class AuditWriter:
    """Appends a valid chain of events without the ORM, continuing from the current head."""

    def __init__(self) -> None:
        head = db.session.execute(
            select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
        ).first()
        self.next_id, self.prev = (head.id + 1, head.hash) if head else (1, GENESIS_HASH)
        self.rows: list[dict[str, Any]] = []

    def add(self, when: datetime, actor, action: str, subject_id: int, src, dst) -> None:
        event = SimpleNamespace(
            id=self.next_id,
            occurred_at=when,
            actor_id=actor.id,
            actor_name=actor.name,
            actor_org_id=actor.organization_id,
            action=action,
            subject_type="proposal",
            subject_id=str(subject_id),
            from_state=src,
            to_state=dst,
            comment=None,
            details={},
        )
        digest = compute_hash(self.prev, event)
        self.rows.append({**vars(event), "prev_hash": self.prev, "hash": digest})
        self.prev, self.next_id = digest, self.next_id + 1

    def flush(self) -> None:
        _insert(AuditEvent.__table__, self.rows)
        self.rows = []


def _people(rng: random.Random) -> dict[str, list[Any]]:
    """Applicants for many organizations, the committee and the secretariat."""
    secret = hash_password(PASSWORD)
    orgs = db.session.scalars(select(Organization).where(Organization.kind == "un_entity")).all()
    existing = set(db.session.scalars(select(User.email)))
    people: dict[str, list[Any]] = {"applicant": [], "committee": [], "secretariat": []}
    specs = [(f"bench.applicant.{o.acronym.lower()}@bench.fund", o, "applicant") for o in orgs]
    specs += [
        (f"bench.committee.{o.acronym.lower()}@bench.fund", o, "committee")
        for o in orgs
        if o.committee_member
    ]
    specs += [(f"bench.secretariat.{n}@bench.fund", orgs[0], "secretariat") for n in (1, 2)]
    for email, org, role in specs:
        if email not in existing:
            user = User(email=email, name=email.split("@")[0], password_hash=secret)
            user.organization = org
            user.role_rows = [UserRole(role=role)]
            db.session.add(user)
    db.session.flush()
    for user in db.session.scalars(select(User).where(User.email.like("bench.%"))):
        people[next(iter(user.roles))].append(user)
    return people


def more_applicants(wanted: int) -> int:
    """Add applicant accounts until there are `wanted` (a second, third... colleague of each
    organization with proposals in turn: `bench.applicant.<org>.2@bench.fund`), for a load
    test with more simulated applicants than organizations. Returns how many were added."""
    have = db.session.scalar(
        select(func.count(User.id)).where(User.email.like("bench.applicant.%"))
    )
    with_proposals = db.session.scalars(
        select(Organization)
        .where(
            Organization.kind == "un_entity",
            select(Proposal.id).where(Proposal.organization_id == Organization.id).exists(),
        )
        .order_by(Organization.acronym)
    ).all()
    if have >= wanted or not with_proposals:
        return 0
    secret = hash_password(PASSWORD)
    existing = set(db.session.scalars(select(User.email)))
    added, colleague = 0, 2
    while have + added < wanted:
        for org in with_proposals:
            email = f"bench.applicant.{org.acronym.lower()}.{colleague}@bench.fund"
            if email in existing:
                continue
            user = User(email=email, name=email.split("@")[0], password_hash=secret)
            user.organization = org
            user.role_rows = [UserRole(role="applicant")]
            db.session.add(user)
            added += 1
            if have + added >= wanted:
                break
        colleague += 1
    db.session.commit()
    return added


def _seats(committee: list[Any], since: datetime) -> dict[int, int]:
    """A seat of their own for each committee member (as a round's opening gives one): the
    seat of each member by user id. Seats already there (a second run) are kept."""
    found = dict(db.session.execute(select(Seat.member_id, Seat.id)).all())
    for member in committee:
        if member.id in found:
            continue
        seat = Seat(
            organization_id=member.organization_id,
            member_id=member.id,
            chair=False,
            started_at=since,
        )
        db.session.add(seat)
        db.session.flush()
        db.session.add(SeatTerm(seat_id=seat.id, member_id=member.id, started_at=since))
        found[member.id] = seat.id
    db.session.flush()
    return found


CENT = Decimal("0.01")


def _next_id(model) -> int:
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def _frameworks(
    rng: random.Random, programmes: list[tuple[int, list[int], date, list[int]]]
) -> int:
    """A small results framework for each of `programmes` (id, objectives, planned start,
    participating organizations), written in bulk: one or two outcomes, each with an output,
    an indicator of its own (a baseline and yearly targets; an actual for the first year now
    and then, on track or not) and one of its output (no baseline every other time). Returns
    the number of indicators."""
    fund_outcomes = db.session.scalars(select(FundOutcome.id)).all()
    sdg_codes = db.session.scalars(select(SdgTarget.code)).all()
    outcome_id, output_id, indicator_id = (
        _next_id(m) for m in (ResultOutcome, ResultOutput, ResultIndicator)
    )
    rows: dict[Any, list[dict[str, Any]]] = {
        table: []
        for table in (
            ResultOutcome.__table__,
            result_outcome_objectives,
            result_outcome_sdg_targets,
            ResultOutput.__table__,
            ResultIndicator.__table__,
            IndicatorTarget.__table__,
            IndicatorActual.__table__,
        )
    }
    recorded = datetime.now(UTC)
    for pid, objectives, start, organizations in programmes:
        for position in range(1, rng.randint(1, 2) + 1):
            rows[ResultOutcome.__table__].append(
                {
                    "id": outcome_id,
                    "proposal_id": pid,
                    "position": position,
                    "title": f"Outcome {position} of programme {pid}",
                    "fund_outcome_id": rng.choice(fund_outcomes) if fund_outcomes else None,
                }
            )
            # The first outcome is for the primary objective, as screening asks.
            mapped = {objectives[0]} if position == 1 else set(rng.sample(objectives, 1))
            rows[result_outcome_objectives] += [
                {"outcome_id": outcome_id, "objective_number": n} for n in sorted(mapped)
            ]
            rows[result_outcome_sdg_targets] += [
                {"outcome_id": outcome_id, "sdg_code": code}
                for code in rng.sample(sdg_codes, min(2, len(sdg_codes)))
            ]
            rows[ResultOutput.__table__].append(
                {"id": output_id, "outcome_id": outcome_id, "position": 1, "title": "Output 1"}
            )
            for number, output in ((1, None), (2, output_id)):
                with_baseline = output is None or rng.random() < 0.5
                baseline = Decimal(rng.randint(0, 40))
                target = baseline + rng.randint(10, 50)
                rows[ResultIndicator.__table__].append(
                    {
                        "id": indicator_id,
                        "outcome_id": outcome_id,
                        "output_id": output,
                        "position": number,
                        "definition": f"Indicator {number} of outcome {outcome_id}",
                        "unit": "%" if output is None else "people",
                        "baseline_value": baseline if with_baseline else None,
                        "baseline_year": start.year - 1 if with_baseline else None,
                        "baseline_source": "national_statistic" if with_baseline else None,
                        "baseline_link": "",
                        "end_target": target,
                        "by_sex": rng.random() < 0.5,
                        "by_age": False,
                        "by_migration_status": rng.random() < 0.3,
                        "means_of_verification": "",
                        "responsible_organization_id": rng.choice(organizations),
                    }
                )
                rows[IndicatorTarget.__table__] += [
                    {"indicator_id": indicator_id, "year": start.year, "value": target / 2},
                    {"indicator_id": indicator_id, "year": start.year + 1, "value": target},
                ]
                if rng.random() < 0.3:
                    rows[IndicatorActual.__table__].append(
                        {
                            "indicator_id": indicator_id,
                            "year": start.year,
                            "value": (target * rng.randint(20, 120) / 200).quantize(CENT),
                            "recorded_at": recorded,
                        }
                    )
                indicator_id += 1
            outcome_id += 1
            output_id += 1
    for table, table_rows in rows.items():
        _insert(table, table_rows)
    return len(rows[ResultIndicator.__table__])


def draw_states(rng: random.Random, proposals: int, workload: int | None = None) -> list[str]:
    """Each proposal's state, the oldest first. Without `workload`, every proposal is drawn
    from `STATE_MIX`, so the proposals in progress (drafts, screening, committee review, the
    pipeline, funded programmes) grow with the data. With it, only the latest `workload`
    proposals are drawn from `STATE_MIX`; the ones before them are history, drawn from the
    states of `HISTORY` in their `STATE_MIX` proportions: the fund's work in progress stays
    the same while its history grows."""
    current = proposals if workload is None else min(proposals, workload)
    states = rng.choices([s for s, _ in STATE_MIX], [w for _, w in STATE_MIX], k=current)
    if current >= len(STATE_MIX):  # every state at least once, even in small databases
        states[: len(STATE_MIX)] = [s for s, _ in STATE_MIX]
    if current == proposals:
        return states
    past = [(s, w) for s, w in STATE_MIX if s in HISTORY]
    history = rng.choices([s for s, _ in past], [w for _, w in past], k=proposals - current)
    return history + states


def generate(proposals: int, seed: int = 7, workload: int | None = None) -> dict[str, int]:
    rng = random.Random(seed)
    load_reference(Path(ROOT / "seed"))
    people = _people(rng)
    entities = db.session.scalars(
        select(Organization).where(Organization.kind == "un_entity")
    ).all()
    countries = db.session.scalars(select(Country.iso2)).all()
    today = date.today()  # noqa: DTZ011 - only to spread generated dates
    calls = []
    for n in range(3):
        call = Call(
            title=f"Bench call {n + 1}",
            opens_on=today - timedelta(days=900 - 300 * n),
            closes_on=today + timedelta(days=30 + 300 * n),
            envelope=Decimal("500000000.00"),
            min_budget=Decimal("100000.00"),
            max_budget=Decimal("5000000.00"),
        )
        db.session.add(call)
        calls.append(call)
    db.session.flush()

    first_id = (db.session.scalar(select(func.max(Proposal.id))) or 0) + 1
    audit = AuditWriter()
    states = draw_states(rng, proposals, workload)
    proposal_rows, participant_rows, country_rows, line_rows = [], [], [], []
    version_rows, round_rows, member_rows, vote_rows = [], [], [], []
    allocation_rows, share_rows, source_rows, disbursement_rows = [], [], [], []
    totals: dict[int, Decimal] = {}
    base = datetime.now(UTC) - timedelta(days=800)
    round_id = (db.session.scalar(select(func.max(VotingRound.id))) or 0) + 1
    allocation_id = (db.session.scalar(select(func.max(Allocation.id))) or 0) + 1
    committee = people["committee"]
    secretariat = people["secretariat"][0]
    seat_of = _seats(committee, base)
    allocated_total = Decimal("0.00")
    framed: list[tuple[int, list[int], date, list[int]]] = []
    # The frameworks draw from their own generator: the rest of the data stays as it was.
    framework_rng = random.Random(seed + 1)
    for offset, status in enumerate(states):
        pid = first_id + offset
        applicant = rng.choice(people["applicant"])
        partners = [applicant.organization, *rng.sample(entities, rng.randint(1, 3))]
        partners = list({o.id: o for o in partners}.values())
        objectives = rng.sample(range(1, 24), rng.randint(1, 4))
        created = base + timedelta(minutes=offset * 50 // max(1, proposals // 800))
        submitted = status != "draft"
        proposal_rows.append(
            {
                "id": pid,
                "call_id": rng.choice(calls).id,
                "organization_id": applicant.organization_id,
                "title": (title := f"Joint programme {pid}: {rng.choice(THEMES)}"),
                "summary": "Generated for benchmarks.",
                # Written in bulk: the words of the full-text search as the model writes them.
                "search_text": normalise(title, "Generated for benchmarks."),
                "rationale": "Generated for benchmarks.",
                "status": status,
                "version": 1,
                "created_by_id": applicant.id,
                "created_at": created,
                "updated_at": created,
                "submitted_at": created + timedelta(days=1) if submitted else None,
                "lead_organization_id": partners[0].id,
                "scope": "national",
                "planned_start": today + timedelta(days=rng.randint(-400, 200)),
                "duration_months": rng.randint(12, 36),
                "primary_objective_number": objectives[0],
                "gender_marker": rng.choice([2, 2, 3]),
                "human_rights_marker": rng.randint(0, 3),
                "submission_number": 1 if submitted else 0,
                "approved_at": None,
                "approved_total": None,
                "approved_rate": None,
            }
        )
        participant_rows += [{"proposal_id": pid, "organization_id": o.id} for o in partners]
        country_rows += [
            {"proposal_id": pid, "country_iso2": c}
            for c in rng.sample(countries, rng.randint(1, 3))
        ]
        direct: dict[int, Decimal] = {}
        for _ in range(10):
            org = rng.choice(partners)
            amount = Decimal(rng.randint(5_000, 150_000)).quantize(Decimal("0.01"))
            direct[org.id] = direct.get(org.id, Decimal("0.00")) + amount
            line_rows.append(
                {
                    "proposal_id": pid,
                    "organization_id": org.id,
                    "objective_number": rng.choice(objectives),
                    "category_code": rng.randint(1, 7),
                    "amount": amount,
                    "description": "",
                }
            )
        shares = {o: d + indirect_costs(d, Decimal("0.07")) for o, d in direct.items()}
        totals[pid] = sum(shares.values(), Decimal("0.00"))
        audit.add(created, applicant, "create", pid, None, "draft")
        if submitted:
            version_rows.append(
                {
                    "proposal_id": pid,
                    "number": 1,
                    "submitted_at": created + timedelta(days=1),
                    "submitted_by_id": applicant.id,
                    "snapshot": {"title": proposal_rows[-1]["title"]},
                }
            )
            audit.add(created + timedelta(days=1), applicant, "submit", pid, "draft", "submitted")
        if status in REVIEWED:
            opened = created + timedelta(days=20)
            closed = status != "committee_review"
            outcome = {"rejected": "rejected"}.get(status, "approved") if closed else None
            if outcome == "approved":  # kept as `fire(..., "approve")` keeps it
                approved_at = opened + timedelta(days=14)
                proposal_rows[-1].update(
                    approved_at=approved_at, approved_total=totals[pid], approved_rate="0.07"
                )
                audit.add(approved_at, secretariat, "approve", pid, "committee_review", "approved")
            round_rows.append(
                {
                    "id": round_id,
                    "proposal_id": pid,
                    "number": 1,
                    "version_number": 1,
                    "decision_rule": "consensus",
                    "quorum_setting": None,
                    "status": "closed" if closed else "open",
                    "deadline": None,
                    "opened_at": opened,
                    "opened_by_id": secretariat.id,
                    "closed_at": opened + timedelta(days=14) if closed else None,
                    "closed_by_id": secretariat.id if closed else None,
                    "outcome": outcome,
                    "summary": "",
                    "tally": None,
                }
            )
            partner_ids = {o.id for o in partners}
            for member in committee:
                recused = member.organization_id in partner_ids
                member_rows.append(
                    {
                        "round_id": round_id,
                        "user_id": member.id,
                        "seat_id": seat_of[member.id],
                        "organization_id": member.organization_id,
                        "recusal": "automatic" if recused else None,
                        "recusal_reason": "Organization takes part" if recused else "",
                        "recused_at": opened if recused else None,
                    }
                )
                if not recused and (closed or rng.random() < 0.5):
                    choice = "reject" if outcome == "rejected" and rng.random() < 0.5 else "approve"
                    vote_rows.append(
                        {
                            "round_id": round_id,
                            "member_id": member.id,
                            "seat_id": seat_of[member.id],
                            "choice": choice,
                            "comment": "Generated." if choice == "reject" else "",
                            "conditions": "",
                            "cast_at": opened + timedelta(days=3),
                            "changed_at": None,
                        }
                    )
            round_id += 1
        if status in FUNDED and framework_rng.random() < 0.5:
            start = proposal_rows[-1]["planned_start"]
            framed.append((pid, objectives, start, [o.id for o in partners]))
        if status in FUNDED:
            allocation_rows.append(
                {
                    "id": allocation_id,
                    "proposal_id": pid,
                    "amount": totals[pid],
                    "allocated_on": (created + timedelta(days=60)).date(),
                    "allocated_by_id": secretariat.id,
                    "recorded_at": created + timedelta(days=60),
                }
            )
            allocated_total += totals[pid]
            paid_total = Decimal("0.00")
            for org_id, amount in shares.items():
                paid = amount if status == "closed" else (amount / 2).quantize(Decimal("0.01"))
                paid_total += paid
                share_rows.append(
                    {
                        "allocation_id": allocation_id,
                        "organization_id": org_id,
                        "amount": amount,
                        "disbursed": paid,
                    }
                )
                disbursement_rows.append(
                    {
                        "allocation_id": allocation_id,
                        "organization_id": org_id,
                        "paid_on": (created + timedelta(days=70)).date(),
                        "amount": paid,
                        "reference": f"T-{allocation_id}-{org_id}",
                        "recorded_by_id": secretariat.id,
                        "recorded_at": created + timedelta(days=70),
                    }
                )
            source_rows.append(  # one pool: it pays all that was paid
                {
                    "allocation_id": allocation_id,
                    "pool_code": GENERAL_POOL,
                    "amount": totals[pid],
                    "disbursed": paid_total,
                }
            )
            allocation_id += 1

    _insert(Proposal.__table__, proposal_rows)
    _insert(proposal_participants, participant_rows)
    _insert(proposal_countries, country_rows)
    _insert(BudgetLine.__table__, line_rows)
    _insert(ProposalVersion.__table__, version_rows)
    _insert(VotingRound.__table__, round_rows)
    _insert(RoundMember.__table__, member_rows)
    _insert(Vote.__table__, vote_rows)
    indicators = _frameworks(framework_rng, framed)
    donor = entities[0]
    gross = (allocated_total * Decimal("1.2") / Decimal("0.99")).quantize(Decimal("0.01"))
    fee = (gross * Decimal("0.01")).quantize(Decimal("0.01"))
    db.session.add(
        Contribution(
            donor_id=donor.id,
            received_on=today - timedelta(days=850),
            gross=gross,
            fee_rate=Decimal("0.0100"),
            fee=fee,
            net=gross - fee,
            pool_code=GENERAL_POOL,
            reference="BENCH",
            recorded_by_id=secretariat.id,
            recorded_at=base,
        )
    )
    pool = db.session.get(Pool, GENERAL_POOL)
    pool.received_net += gross - fee
    pool.available += gross - fee - allocated_total
    db.session.flush()
    _insert(Allocation.__table__, allocation_rows)
    _insert(AllocationSource.__table__, source_rows)
    _insert(AllocationShare.__table__, share_rows)
    _insert(Disbursement.__table__, disbursement_rows)
    audit.flush()
    # Bulk inserts bypass the ORM and its flush-time upkeep: the kept figures the rows above do
    # not carry (the coverage totals) are built, as `flask fund seed` builds them.
    caches.ensure_built()
    if db.engine.dialect.name == "postgresql":
        for table in (
            "proposals",
            "voting_rounds",
            "allocations",
            "result_outcomes",
            "result_outputs",
            "result_indicators",
        ):
            db.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT MAX(id) FROM {table}))"
                )
            )
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # What autovacuum would do within a minute of the bulk load: plans from real statistics.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))
    return {
        "proposals": len(proposal_rows),
        "budget_lines": len(line_rows),
        "votes": len(vote_rows),
        "allocations": len(allocation_rows),
        "disbursements": len(disbursement_rows),
        "result_indicators": indicators,
        "audit_events": audit.next_id - 1,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--proposals", type=int, default=2000)
    parser.add_argument("--database-url", default=None, help="default: DATABASE_URL or SQLite")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--workload",
        type=int,
        default=None,
        help="keep only the latest N proposals in progress; the others are history "
        "(default: every proposal drawn from the same mix of states)",
    )
    args = parser.parse_args()
    overrides = {"SQLALCHEMY_DATABASE_URI": args.database_url} if args.database_url else {}
    app = create_app("development", overrides)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
        started = time.perf_counter()
        counts = generate(args.proposals, args.seed, args.workload)
        elapsed = time.perf_counter() - started
    print(", ".join(f"{n:,} {k}" for k, n in counts.items()) + f" in {elapsed:.1f} s")


if __name__ == "__main__":
    main()

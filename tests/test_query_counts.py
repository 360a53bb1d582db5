"""Each main page sends the same number of SQL statements whatever the amount of data.

The database is filled twice with `bench.generate` (SMALL proposals, then LARGE in all, in every
state, with rounds, votes, allocations and audit events); each page is requested at both sizes,
signed in as the role that uses it, and the statements it sends are counted. A count that grows
with the data is an N+1: a query per row of a list.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy import event, func, select

from bench.generate import PASSWORD, generate
from fund.accounts.models import Organization, User
from fund.accounts.tokens import create_token
from fund.calls.models import Call
from fund.committee.models import VotingRound
from fund.extensions import db, utcnow
from fund.notifications.models import Notification
from fund.proposals.models import IndicativeTotal, NationalPartner, Proposal
from fund.reference.models import Country, GcmObjective
from tests.conftest import _make_app, login

SMALL, LARGE = 12, 48  # proposals; 12 or more puts at least one in every state
NOTIFICATIONS = {SMALL: 3, LARGE: 30}
EMAILS = {SMALL: 3, LARGE: 40}  # more than a page of the outbox at the larger size

# (name, role, path); {funded} and {review} are filled in at each size.
PAGES = [
    ("proposal list", "secretariat", "/proposals"),
    ("proposal list, filtered", "secretariat", "/proposals?status=funded"),
    ("proposal list, applicant", "applicant", "/proposals"),
    ("proposal list, committee", "committee", "/proposals"),
    ("proposal page", "secretariat", "/proposals/{funded}"),
    ("committee meeting", "committee", "/committee/meeting"),
    ("committee meeting, secretariat", "secretariat", "/committee/meeting"),
    ("committee review page", "committee", "/committee/proposals/{review}"),
    ("committee member's page", "committee", "/committee/"),
    ("screening queue", "secretariat", "/screening/"),
    ("finance balance", "secretariat", "/finance/"),
    ("coverage dashboard", "secretariat", "/coverage/"),
    ("coverage dashboard, public", "anonymous", "/coverage/"),
    ("pipeline", "secretariat", "/pipeline/"),
    ("pipeline, committee", "committee", "/pipeline/"),
    ("pipeline balance view", "committee", "/pipeline/balance?pick={note}&pick={other_note}"),
    ("pipeline booklet", "secretariat", "/pipeline/booklet.pdf"),
    ("pipeline booklet, public", "anonymous", "/open-data/pipeline.pdf"),
    ("public programmes", "anonymous", "/portfolio"),
    ("public programmes, filtered", "anonymous", "/portfolio?objective=1&status=funded"),
    ("public programme page", "anonymous", "/portfolio/programmes/{funded}"),
    ("where the money goes", "anonymous", "/portfolio/map?objective=1"),
    ("contributions, public", "anonymous", "/portfolio/contributions"),
    ("audit log", "secretariat", "/audit/"),
    ("notifications", "secretariat", "/notifications/"),
    ("email outbox", "admin", "/admin/outbox"),
    ("email outbox, filtered", "admin", "/admin/outbox?state=given-up&to=bench"),
    # Lists sorted, filtered and searched, and their exports (every row, one query).
    ("proposal list, searched and sorted", "secretariat", "/proposals?q=joint&sort=organization"),
    ("proposal list, by objective", "applicant", "/proposals?objective=1&sort=status&dir=desc"),
    ("proposal list, exported", "secretariat", "/proposals?q=joint&sort=title&export=csv"),
    ("proposal list, exported, xlsx", "committee", "/proposals?export=xlsx"),
    ("screening queue, sorted", "secretariat", "/screening/?sort=organization&q=joint"),
    ("screening queue, exported", "secretariat", "/screening/?sort=title&export=xlsx"),
    ("audit log, sorted", "secretariat", "/audit/?sort=actor&dir=desc"),
    ("contributions, sorted", "secretariat", "/finance/contributions?sort=gross"),
    ("contributions, exported", "secretariat", "/finance/contributions?export=xlsx"),
    ("allocations, sorted", "secretariat", "/finance/?allocations_sort=disbursed"),
    ("allocations, exported", "secretariat", "/finance/?allocations_export=csv"),
    ("committee member's votes, sorted", "committee", "/committee/?voted_sort=title"),
    ("committee member's votes, exported", "committee", "/committee/?voted_export=csv"),
    # The JSON API, with the role's personal API token (none for the anonymous visitor).
    ("API proposals", "secretariat", "/api/v1/proposals"),
    ("API proposals, applicant, filtered", "applicant", "/api/v1/proposals?status=funded"),
    ("API proposal", "secretariat", "/api/v1/proposals/{funded}"),
    ("API rounds", "committee", "/api/v1/proposals/{review}/rounds"),
    ("API audit events", "secretariat", "/api/v1/audit/events?limit=20"),
    ("API finance", "secretariat", "/api/v1/finance"),
    ("API programmes", "anonymous", "/api/v1/programmes"),
    ("API programme", "anonymous", "/api/v1/programmes/{funded}"),
    ("API coverage", "anonymous", "/api/v1/coverage"),
    ("API contributions", "anonymous", "/api/v1/contributions"),
    ("API pipeline", "anonymous", "/api/v1/pipeline"),
    ("API objectives", "anonymous", "/api/v1/objectives"),
]


def _bench_user(role: str) -> User:
    """The bench user of `role`; for applicants, the one whose organization has most proposals."""
    if role != "applicant":
        return db.session.scalars(
            select(User).where(User.email.like(f"bench.{role}.%")).order_by(User.email)
        ).first()
    busiest = db.session.scalar(
        select(Proposal.organization_id)
        .group_by(Proposal.organization_id)
        .order_by(func.count().desc(), Proposal.organization_id)
        .limit(1)
    )
    return db.session.scalars(
        select(User).where(User.email.like("bench.applicant.%"), User.organization_id == busiest)
    ).first()


def _latest(status: str, round_status: str) -> int:
    """The newest proposal in `status` with a round in `round_status`."""
    return db.session.scalar(
        select(Proposal.id)
        .join(VotingRound, VotingRound.proposal_id == Proposal.id)
        .where(Proposal.status == status, VotingRound.status == round_status)
        .order_by(Proposal.id.desc())
        .limit(1)
    )


def _with_framework(proposal_id: int) -> None:
    """Give the proposal a results framework if the generated data gave it none, so that its
    page shows one at every size (the generator frames about half the funded programmes)."""
    from tests.results_factories import add_framework

    proposal = db.session.get(Proposal, proposal_id)
    if not proposal.outcomes:
        add_framework(proposal)
        db.session.commit()


def _with_framework_in_review(proposal_id: int) -> None:
    """Give the proposal under review a results framework in the version its round decides on,
    and an MGI assessment of its first country with a gap on its primary objective, so that its
    review page shows both at every size (the generator's versions hold no framework)."""
    from fund.proposals.models import ProposalVersion
    from fund.proposals.results_versions import FRAMEWORK_KEY, framework_snapshot
    from fund.reference.results import MgiAssessment
    from tests.results_factories import add_framework, mgi_gap

    proposal = db.session.get(Proposal, proposal_id)
    if not proposal.outcomes:
        add_framework(proposal)
    round_ = db.session.scalars(
        select(VotingRound)
        .where(VotingRound.proposal_id == proposal_id)
        .order_by(VotingRound.number.desc())
    ).first()
    version = db.session.scalars(
        select(ProposalVersion).where(
            ProposalVersion.proposal_id == proposal_id,
            ProposalVersion.number == round_.version_number,
        )
    ).one()
    version.snapshot = {**version.snapshot, FRAMEWORK_KEY: framework_snapshot(proposal.outcomes)}
    country = proposal.countries[0].iso2
    if not db.session.scalars(
        select(MgiAssessment).where(MgiAssessment.country_iso2 == country)
    ).first():
        mgi_gap(country, f"MGI-{country}", objectives=(proposal.primary_objective_number,))
    db.session.commit()


def _add_pipeline_notes(count: int) -> None:
    """`count` concept notes approved into the pipeline, ranked, each with its parts (two
    organizations' indicative totals, objectives, countries, national partners); written as
    `bench.generate` writes its rows, the workflow's steps aside, which these pages do not
    read. The kept coverage totals follow them at flush time."""
    entities = db.session.scalars(
        select(Organization).where(Organization.kind == "un_entity").order_by(Organization.id)
    ).all()
    countries = db.session.scalars(select(Country).order_by(Country.iso2).limit(40)).all()
    call = db.session.scalars(select(Call).order_by(Call.id)).first()
    top = db.session.scalar(select(func.max(Proposal.pipeline_rank))) or 0
    for n in range(count):
        first, second = entities[n % len(entities)], entities[(n + 1) % len(entities)]
        note = Proposal(
            call_id=call.id,
            kind="concept_note",
            status="pipeline",
            organization_id=first.id,
            lead_organization_id=first.id,
            title=f"Pipeline concept note {top + n + 1}",
            summary="The change sought.",
            rationale="The problem.",
            duration_months=24,
            primary_objective_number=n % 23 + 1,
            pipeline_rank=top + n + 1,
            pipeline_public=n % 2 == 0,
        )
        note.participants = [first, second]
        note.countries = [countries[n % len(countries)], countries[(n + 7) % len(countries)]]
        note.secondary_objectives = [db.session.get(GcmObjective, (n + 5) % 23 + 1)]
        note.national_partners = [
            NationalPartner(name=f"Ministry {n}", partner_type="line_ministry"),
            NationalPartner(name=f"Association {n}", partner_type="civil_society"),
        ]
        note.indicative_totals = [
            IndicativeTotal(organization_id=first.id, amount=Decimal("400000.00") + n),
            IndicativeTotal(organization_id=second.id, amount=Decimal("250000.50")),
        ]
        db.session.add(note)
    db.session.flush()


def _notes() -> dict[str, int]:
    ids = db.session.scalars(
        select(Proposal.id).where(Proposal.kind == "concept_note").order_by(Proposal.id)
    ).all()
    return {"note": ids[0], "other_note": ids[-1]}


def _add_notifications(user_id: int, count: int) -> None:
    now = utcnow()
    for n in range(count):
        db.session.add(
            Notification(
                user_id=user_id,
                kind="submission_received",
                subject_type="proposal",
                subject_id=n + 1,
                title=f"Notification {n}",
                body="Generated for the query counts.",
                link="/proposals",
                created_at=now - timedelta(minutes=n),
                read_at=now if n % 2 else None,
            )
        )


def _bench_admin() -> User:
    """The bench's administrator, made the first time (the generator makes none)."""
    from fund.accounts.passwords import hash_password

    email = "admin.counts@bench.fund"  # not "bench.%": the generator reads those by role
    found = db.session.scalar(select(User).where(User.email == email))
    if found is None:
        found = User(
            email=email,
            name="Bench administrator",
            password_hash=hash_password(PASSWORD),
            password_changed_at=utcnow(),
        )
        found.set_roles({"admin"})
        db.session.add(found)
        db.session.flush()
    return found


def _add_emails(count: int) -> None:
    """`count` emails in the outbox, in each state in turn, kept there (not delivered)."""
    from fund.notifications.models import OutboxMessage
    from fund.notifications.outbox import keep_in_outbox

    now = utcnow()
    rows = [
        OutboxMessage(
            kind="submission_received",
            to_email=f"bench.reader.{n}@bench.fund",
            subject=f"Email {n}",
            text_body="Generated for the query counts.",
            html_body="<p>Generated for the query counts.</p>",
            created_at=now - timedelta(minutes=n),
            attempts=n % 3,
            next_attempt_at=now,
            sent_at=now if n % 3 == 0 else None,
        )
        for n in range(count)
    ]
    db.session.add_all(rows)
    db.session.flush()
    for n, row in enumerate(rows):
        if n % 3 == 2:  # given up on (a null next attempt is written as the default at first)
            row.next_attempt_at, row.last_error = None, "given up after 2 attempts: refused"
        elif n % 3 == 0:
            row.next_attempt_at = None
    keep_in_outbox(db.session)


def _measure(app: Flask, engine, size: int) -> dict[str, tuple[int, int]]:
    """(status, statements) of every page at the current size."""
    with app.app_context():
        users = {role: _bench_user(role) for role in ("secretariat", "committee", "applicant")}
        _add_notifications(users["secretariat"].id, NOTIFICATIONS[size])
        users["admin"] = _bench_admin()
        _add_emails(EMAILS[size])
        db.session.commit()
        ids = {"funded": _latest("funded", "closed"), "review": _latest("committee_review", "open")}
        _with_framework(ids["funded"])
        _with_framework_in_review(ids["review"])
        ids |= _notes()
        emails = {role: user.email for role, user in users.items()}
        tokens = {
            role: {"Authorization": f"Bearer {create_token(user, 'counts', now=utcnow()).token}"}
            for role, user in users.items()
        }
        db.session.commit()
        db.session.remove()
    clients = {"anonymous": app.test_client()}
    for role, email in emails.items():
        clients[role] = app.test_client()
        response = login(clients[role], email, PASSWORD)
        assert response.status_code == 302, f"{role} could not sign in"

    counted = [0]

    def count(*_args) -> None:
        counted[0] += 1

    found = {}
    event.listen(engine, "before_cursor_execute", count)
    try:
        for name, role, path in PAGES:
            url = path.format(**ids)
            headers = tokens.get(role, {}) if url.startswith("/api/") else {}
            clients[role].get(url, headers=headers)  # once untimed: first-use work
            counted[0] = 0
            response = clients[role].get(url, headers=headers)
            found[name] = (response.status_code, counted[0])

    finally:
        event.remove(engine, "before_cursor_execute", count)
    return found


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def counts(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, dict[int, tuple[int, int]]]]:
    """{page: {size: (status, statements)}} on one engine, at SMALL then LARGE proposals."""
    made = _make_app(request, request.param, tmp_path_factory.mktemp("query_counts"))
    app = next(made)
    try:
        with app.app_context():
            engine = db.engine
        result: dict[str, dict[int, tuple[int, int]]] = {name: {} for name, _, _ in PAGES}
        for size, more in ((SMALL, SMALL), (LARGE, LARGE - SMALL)):
            with app.app_context():
                generate(more, seed=size)
                _add_pipeline_notes(more // 4)
                db.session.commit()
                db.session.remove()
            for name, measured in _measure(app, engine, size).items():
                result[name][size] = measured
        yield result
    finally:
        made.close()


@pytest.mark.parametrize("page", [name for name, _, _ in PAGES])
def test_query_count_does_not_grow_with_the_data(counts, page):
    small, large = counts[page][SMALL], counts[page][LARGE]
    assert small[0] == large[0] == 200, f"{page}: HTTP {small[0]} then {large[0]}"
    assert small[1] == large[1], (
        f"{page}: {small[1]} SQL statements with {SMALL} proposals, "
        f"{large[1]} with {LARGE}: a query per row somewhere"
    )


# The most statements these pages may send, at any size: each reads its rounds' people (members,
# the seats' members and alternates, voters) in one statement, and the member's page finds the
# proposals it may not link to in one. More is a statement added to the page: look at it first.
# The results framework costs each page that loads the proposal one statement (its outcomes;
# none here), and the proposal page six (its outcomes, their objectives, SDG targets, outputs and
# indicators, the indicators' targets: it has one here) and one more (the latest MGI
# assessments of its countries); a funded proposal's page one more for its transfer schedule
# (its shares, each with its tranches: 32 -> 33). The review page's proposal has a framework
# too (35 -> 49): the five statements of its outcomes' parts, seven for the names of the codes
# its version's framework stores (fund outcomes, objectives, SDG targets, MGI indicators,
# countries, organizations, MGI assessments, as the version's page reads them) and two for the
# MGI gaps (the latest assessments of its countries, their scores on its objectives). The
# proposal page names its budget lines' categories and objectives in words: one statement reads
# every reference name a page shows (33 -> 34); its transfer schedule one more for the notes of
# payments made before a revision moved the budget between years, as the finance page gives them
# (34 -> 35). The member's page reads the member's seats first,
# once for its two lists of open rounds: given as values, they let the planner start from the
# open rounds instead of every place the seats ever held (9 -> 10).
AT_MOST = {
    # The objectives, then their thematic areas (not a statement per objective).
    "API objectives": 2,
    "proposal page": 35,
    "committee meeting": 17,
    "committee meeting, secretariat": 16,
    "committee review page": 49,
    "committee member's page": 10,
}


@pytest.mark.parametrize("page", sorted(AT_MOST))
def test_query_count_at_most(counts, page):
    statements = max(counts[page][SMALL][1], counts[page][LARGE][1])
    assert statements <= AT_MOST[page], (
        f"{page}: {statements} SQL statements, at most {AT_MOST[page]} expected"
    )


# The proposal page reads its results framework (outcomes, their objectives, SDG targets,
# outputs, indicators and the indicators' targets) in a fixed number of statements, and the MGI
# gaps of its countries in two, the names of categories and objectives in one: a bigger
# framework sends no more.
FRAMEWORK_AT_MOST = {"draft": 27, "submitted": 28}


def _framework_of(proposal: Proposal, outcomes: int, indicators: int, gap) -> None:
    """`outcomes` outcomes of `indicators` indicators each, half of them from the MGI baseline
    `gap` (a score of Chile's assessment), each with two outputs and two yearly targets."""
    from fund.proposals.results import IndicatorTarget, ResultIndicator
    from fund.reference.results import MgiAssessment
    from tests.results_factories import add_outcome

    proposal.outcomes = []
    assessment = db.session.get(MgiAssessment, gap.assessment_id)
    for n in range(outcomes):
        outcome = add_outcome(
            proposal, f"Outcome {n}", objectives=(6, n % 23 + 1), outputs=("First", "Second")
        )
        outcome.indicators = [
            ResultIndicator(
                definition=f"Indicator {n}.{m}",
                unit="%",
                position=m,
                output=outcome.outputs[m % 2],
                baseline_value=Decimal("20"),
                baseline_year=2023,
                baseline_source="mgi" if m % 2 else "national_statistic",
                mgi_indicator=gap.indicator if m % 2 else None,
                mgi_assessment=assessment if m % 2 else None,
                end_target=Decimal("60"),
                responsible_organization=proposal.lead_organization,
                targets=[
                    IndicatorTarget(year=2027, value=Decimal("40")),
                    IndicatorTarget(year=2028, value=Decimal("60")),
                ],
            )
            for m in range(indicators)
        ]
    db.session.flush()


@pytest.mark.parametrize("state", sorted(FRAMEWORK_AT_MOST))
def test_the_proposal_page_reads_its_framework_in_fixed_statements(
    app: Flask, backend: str, open_call: int, author, state: str
) -> None:
    from tests.factories import new_proposal, submit
    from tests.helpers import client_for, counted_get
    from tests.results_factories import mgi_gap

    sizes = {"none": (0, 0), "small": (1, 1), "large": (5, 4)}
    ids = {}
    with app.app_context():
        gap = mgi_gap("CL", "MGI-1.1", objectives=(6,), year=2023)
        mgi_gap("CL", "MGI-2.1", objectives=(6,), year=2023, score="absent")
        for name, (outcomes, indicators) in sizes.items():
            proposal = new_proposal(author, open_call, title=f"Framework {name}")
            _framework_of(proposal, outcomes, indicators, gap)
            if state == "submitted":
                submit(proposal, author)
            ids[name] = proposal.id
        db.session.commit()
        engine = db.engine
    client = client_for(app, author)
    found = {}
    for name, proposal_id in ids.items():
        response, found[name] = counted_get(client, engine, f"/proposals/{proposal_id}")
        assert response.status_code == 200
        assert (f"Outcome {sizes[name][0] - 1}" in response.get_data(as_text=True)) == (
            name != "none"
        )
    assert found["small"] == found["large"], found
    assert found["none"] <= found["small"] <= FRAMEWORK_AT_MOST[state], found

"""Who gets what on every route: the authorization matrix.

Every rule of the application's URL map is requested by seven personas and the answer is
compared with the EXPECTED table below. A route missing from the table fails the test, so a
new route cannot ship without someone deciding who may use it.

Routes that accept GET are requested with GET; POST-only routes are posted with a valid CSRF
token (and, where it tells the personas apart, the plausible content of POST_DATA), so the
request reaches the view and the answer is the view's own decision.

Expected answers:

    200, 400, 403, 404, 409, ...  that status
    LOGIN                         302 to the sign-in page (an anonymous GET)
    REDIRECT                      302 anywhere else (the view did its work and moved on)

The world (a call, proposals in every state the routes need, an open round and a closed one,
a contribution, an allocation, attachments, a notification) is built once with the operations
of each domain; every persona starts from it as built (the database file is put back before
each), so what one persona's POST changes cannot change what another persona gets. Within a
persona, GETs come first and the POSTs that change later answers (LAST) at the end.

The JSON API's routes (`api.*`) are requested with the persona's personal API token in the
Authorization header (none for the anonymous visitor), as `BEARER` answers 401 for a protected
one; each protected one is also requested with the persona's session cookie alone, which must
answer 401: the cookie never opens the API.

Personas: the anonymous visitor; an applicant of ILO, the organization that owns every proposal;
an applicant of UNDP; the secretariat; a committee member of UNHCR; a committee member of IOM,
which takes part in every proposal (recused automatically); the administrator; the
administrative agent.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from fund.accounts.models import Organization, User
from fund.accounts.tokens import ApiToken, create_token
from fund.committee import meetings
from fund.committee.models import Seat, VotingRound
from fund.committee.rounds import open_round_of
from fund.extensions import db, utcnow
from fund.finance import agent as agent_operations
from fund.finance import operations as finance_operations
from fund.finance.models import Allocation
from fund.finance.transfers import request_transfer
from fund.notifications.models import Notification, OutboxMessage
from fund.proposals.models import Attachment, Proposal
from fund.reference.results import FundIndicator, FundOutcome
from fund.reporting import attachments as report_attachments
from fund.reporting.models import ProgrammeReport
from fund.revisions import operations as revision_operations
from tests.concept_note_factories import new_concept_note as advance_concept_note
from tests.factories import new_open_call
from tests.helpers import csrf_token, login, org_id, user
from tests.results_factories import mgi_gap
from tests.test_concept_notes import new_concept_note, to_committee

LOGIN = "login"
REDIRECT = "redirect"

PERSONAS = (
    "anonymous",
    "owner",  # applicant of the organization that owns the proposals (ILO)
    "other_applicant",  # applicant of another organization (UNDP)
    "secretariat",
    "committee",  # committee member with no stake in the proposals (UNHCR)
    "recused",  # committee member of a participating organization (IOM): recused automatically
    "admin",
    "agent",  # the administrative agent (the MPTF Office)
)
ROLES = {
    "owner": (("applicant",), "ILO"),
    "other_applicant": (("applicant",), "UNDP"),
    "secretariat": (("secretariat",), None),
    "committee": (("committee",), "UNHCR"),
    "recused": (("committee",), "IOM"),
    "admin": (("admin",), None),
    "agent": (("administrative_agent",), None),
}


def _all(value, **exceptions):
    """The same answer for every persona, but for the named ones."""
    return {persona: exceptions.get(persona, value) for persona in PERSONAS}


def _signed_in(value, **exceptions):
    """`value` for every signed-in persona; the anonymous visitor is sent to sign in."""
    return _all(value, anonymous=LOGIN, **exceptions)


def _only(allowed: dict[str, object], refused=403):
    """Signed-in personas not named get `refused`; the anonymous visitor is sent to sign in."""
    return {
        persona: allowed.get(persona, LOGIN if persona == "anonymous" else refused)
        for persona in PERSONAS
    }


def _post_only(allowed: dict[str, object], refused=403):
    """A POST: the anonymous visitor gets 401, signed-in personas not named `refused`."""
    return {
        persona: allowed.get(persona, 401 if persona == "anonymous" else refused)
        for persona in PERSONAS
    }


def _bearer(allowed: dict[str, object], refused=403):
    """A JSON API operation: without a token 401, personas not named `refused`."""
    return {
        persona: 401 if persona == "anonymous" else allowed.get(persona, refused)
        for persona in PERSONAS
    }


# The world --------------------------------------------------------------------------------


@dataclass
class World:
    """Ids of the rows the URLs need, by name, and the personas' users."""

    ids: dict[str, int]
    users: dict[str, User]
    tokens: dict[str, str]  # each persona's personal API token (every scope)


@pytest.fixture
def world(app: Flask, create_user, create_organization, make_proposal, open_call) -> World:
    users = {
        persona: create_user(roles=roles, organization_acronym=acronym, name=persona)
        for persona, (roles, acronym) in ROLES.items()
    }
    donor = create_organization(name="Kingdom of Donors", acronym="KDN", kind="other")
    with app.app_context():
        contribution = finance_operations.record_contribution(
            user(users["secretariat"]),
            db.session.get(Organization, donor.id),
            utcnow().date(),
            Decimal("5000000.00"),
            None,
        )
        db.session.commit()
        contribution_id = contribution.id
        # A donor's pledge in euros (part E).
        pledge_id = agent_operations.record_pledge(
            user(users["secretariat"]),
            db.session.get(Organization, donor.id),
            utcnow().date(),
            "EUR",
            Decimal("1000.00"),
            [(utcnow().date(), Decimal("1000.00"))],
        ).id
        db.session.commit()
    owner = users["owner"]
    draft = make_proposal(owner, title="Draft of the owner")
    submitted = make_proposal(owner, status="submitted", title="Submitted proposal")
    review = make_proposal(
        owner, status="committee_review", title="Proposal under committee review"
    )
    approved = make_proposal(owner, status="approved", title="Approved proposal")
    funded = make_proposal(owner, status="funded", title="Funded proposal")  # the KDN money
    with app.app_context():
        # Concept notes of the owner in a concept-note-first call: a draft, and one under the
        # committee's review (a round is open on it; the IOM member is recused).
        two_stage = new_open_call(title="Concept notes first", stage="concept_note_first")
        note = new_concept_note(owner, two_stage.id, title="Concept note of the owner")
        note_review = new_concept_note(owner, two_stage.id, title="Concept note under review")
        to_committee(note_review, owner, users["secretariat"])
        # After the committee's decision: one in the pipeline, one invited to a full
        # programme, one whose full programme is started.
        later = {
            f"note_{status}": advance_concept_note(
                owner, two_stage.id, status, title=f"Concept note {status}"
            ).id
            for status in ("pipeline", "invited", "converted")
        }
        db.session.commit()
        notes = {"note": note.id, "note_review": note_review.id, **later}
    with app.app_context():
        open_round = open_round_of(review).id
        closed_round = db.session.scalar(
            select(VotingRound.id).where(VotingRound.proposal_id == approved)
        )
        ids = {
            "call": open_call,
            "draft": draft,
            "submitted": submitted,
            "review": review,
            "approved": approved,
            "funded": funded,
            "open_round": open_round,
            "closed_round": closed_round,
            "contribution": contribution_id,
            "pledge": pledge_id,
            "draft_attachment": db.session.scalar(
                select(Attachment.id).where(Attachment.proposal_id == draft)
            ),
            "review_attachment": db.session.scalar(
                select(Attachment.id).where(Attachment.proposal_id == review)
            ),
            "owner_notification": db.session.scalar(
                select(Notification.id)
                .where(Notification.user_id == users["owner"].id)
                .order_by(Notification.id)
                .limit(1)
            ),
            # An email of the outbox (the submissions' receipts and the news that followed).
            "outbox_message": db.session.scalar(
                select(OutboxMessage.id).order_by(OutboxMessage.id).limit(1)
            ),
            "owner": users["owner"].id,
            "ILO": org_id("ILO"),
            "version": 1,
            # The committee member's seat (theirs from the round's opening).
            "seat": db.session.scalar(
                select(Seat.id).where(Seat.member_id == users["committee"].id)
            ),
        }
        # A meeting with one item of any other business.
        meeting = meetings.create_meeting(
            user(users["secretariat"]),
            meetings.MeetingInput(title="Meeting of the world", held_on=utcnow().date()),
        )
        item = meetings.add_item(
            user(users["secretariat"]), meeting.id, "other", title="Any other business"
        )
        db.session.commit()
        ids |= {"meeting": meeting.id, "item": item.id}
        # The results reference: FO4 (the proposals' outcomes map to it) with an indicator,
        # and an MGI indicator scored in an assessment of Chile.
        fo4 = db.session.scalar(select(FundOutcome).where(FundOutcome.code == "FO4"))
        fo4.indicators.append(FundIndicator(text="Share of migrants in decent work", unit="%"))
        score = mgi_gap()
        db.session.commit()
        ids |= {
            "fund_outcome": fo4.id,
            "fund_indicator": fo4.indicators[-1].id,
            "mgi_indicator": score.indicator_id,
            "mgi_assessment": score.assessment_id,
        }
        assert db.session.get(Proposal, review).status == "committee_review"
        assert db.session.get(Proposal, approved).status == "approved"
        assert db.session.get(Proposal, funded).status == "funded"
        # The funded programme's first report (its schedule is made at funding).
        ids["report"] = db.session.scalar(
            select(ProgrammeReport.id)
            .where(ProgrammeReport.proposal_id == funded)
            .order_by(ProgrammeReport.due_on, ProgrammeReport.id)
            .limit(1)
        )
        # Part G: a file attached to that report (an annual narrative report).
        ids["report_attachment"] = report_attachments.add_attachment(
            user(users["owner"]),
            ids["report"],
            filename="evidence.pdf",
            data=b"%PDF-1.7\n%%EOF\n",
            allowed_types=("pdf",),
            max_bytes=1000,
        ).id
        db.session.commit()
        allocation = db.session.scalar(select(Allocation).where(Allocation.proposal_id == funded))
        assert allocation is not None
        # An open transfer request of the funded programme (part B).
        ids["transfer_request"] = request_transfer(
            db.session.get(User, users["secretariat"].id),
            allocation,
            allocation.shares[0].organization_id,
            Decimal("1000.00"),
        ).id
        db.session.commit()
        # A draft revision of the funded programme, started by its owner (part C).
        ids["revision"] = revision_operations.start(
            db.session.get(User, users["owner"].id), funded
        ).id
        db.session.commit()
        assert db.session.get(VotingRound, closed_round).status == "closed"
    ids |= notes
    missing = [name for name, value in ids.items() if value is None]
    assert not missing, f"the world lacks {missing}"
    with app.app_context():
        tokens = {
            persona: create_token(user(person), "matrix", now=utcnow()).token
            for persona, person in users.items()
        }
        db.session.commit()
        ids["secretariat_token"] = db.session.scalar(
            select(ApiToken.id).where(ApiToken.user_id == users["secretariat"].id)
        )
    return World(ids, users, tokens)


# Requests ---------------------------------------------------------------------------------

# The row each URL parameter names unless URL_ARGS says otherwise (a world name, or a literal).
DEFAULT_ARGS = {
    "proposal_id": "draft",
    "attachment_id": "draft_attachment",
    "round_id": "open_round",
    "call_id": "call",
    "contribution_id": "contribution",
    "notification_id": "owner_notification",
    "user_id": "owner",
    "organization_id": "ILO",
    "number": "version",
    "name": "proposals",
    "filename": "css/fund.css",
    "token": "not-a-genuine-unlock-link",
    "note_id": "note",
    "meeting_id": "meeting",
    "item_id": "item",
    "seat_id": "seat",
    "outcome_id": "fund_outcome",
    "indicator_id": "fund_indicator",
    "assessment_id": "mgi_assessment",
    "report_id": "report",
    "pledge_id": "pledge",
    "request_id": "transfer_request",
    "revision_id": "revision",
    "token_id": "secretariat_token",
    "message_id": "outbox_message",
    "event_id": 1,  # the world's first audit event
}

# Keys of EXPECTED are endpoints, or "endpoint@variant" for the same route on other rows.
URL_ARGS: dict[str, dict[str, str]] = {
    "proposals.detail@review": {"proposal_id": "review"},
    "proposals.detail@note": {"proposal_id": "note"},
    "concept_notes.detail@review": {"note_id": "note_review"},
    "concept_notes.edit@review": {"note_id": "note_review"},
    "concept_notes.act@review": {"note_id": "note_review"},
    "invitations.invite@pipeline": {"note_id": "note_pipeline"},
    "invitations.full_proposal@invited": {"note_id": "note_invited"},
    "invitations.invite@invited": {"note_id": "note_invited"},
    "invitations.full_proposal@converted": {"note_id": "note_converted"},
    "proposals.edit@review": {"proposal_id": "review"},
    "results_editor.edit@review": {"proposal_id": "review"},
    "results.edit_mgi_indicator": {"indicator_id": "mgi_indicator"},
    "results.remove_mgi_indicator": {"indicator_id": "mgi_indicator"},
    "results_editor.edit@note": {"proposal_id": "note"},
    "proposals.download@review": {"proposal_id": "review", "attachment_id": "review_attachment"},
    "proposals.download@mismatch": {"proposal_id": "draft", "attachment_id": "review_attachment"},
    "proposals.remove_attachment@review": {
        "proposal_id": "review",
        "attachment_id": "review_attachment",
    },
    "proposals.version": {"proposal_id": "review"},
    "proposals.act@review": {"proposal_id": "review"},
    "reports.proposal_pdf": {"proposal_id": "review"},
    "screening.checklist": {"proposal_id": "submitted"},
    "screening.start": {"proposal_id": "submitted"},
    "screening.act": {"proposal_id": "submitted"},
    "committee.review": {"proposal_id": "review"},
    "committee.review@draft": {"proposal_id": "draft"},
    "committee.record": {"round_id": "closed_round"},
    "committee.record@open": {"round_id": "open_round"},
    "reports.decision_pdf": {"round_id": "closed_round"},
    "reports.decision_pdf@open": {"round_id": "open_round"},
    "committee.open_round": {"proposal_id": "review"},
    "committee.return_for_revision": {"proposal_id": "review"},
    "finance.proposal": {"proposal_id": "approved"},
    "finance.fund": {"proposal_id": "approved"},
    "finance.disburse": {"proposal_id": "funded"},
    # Closure and refunds (part D): the world's funded programme, not closed.
    "closure.close": {"proposal_id": "funded"},
    "closure.programme": {"proposal_id": "funded"},
    "closure.record_refund": {"proposal_id": "funded"},
    "transfers.request_transfer": {"proposal_id": "funded"},
    "pipeline.set_public@approved": {"proposal_id": "approved"},
    "reporting.programme": {"proposal_id": "funded"},
    "reporting.download": {"attachment_id": "report_attachment"},
    "reporting.remove_attachment": {"attachment_id": "report_attachment"},
    "revisions.programme": {"proposal_id": "funded"},
    "revisions.new": {"proposal_id": "funded"},
    "api.proposal@review": {"proposal_id": "review"},
    "api.programme": {"proposal_id": "funded"},
    "api.programme@draft": {"proposal_id": "draft"},
    "api.screening": {"proposal_id": "submitted"},
    "api.rounds": {"proposal_id": "review"},
    "api.rounds@approved": {"proposal_id": "approved"},
    "api.rounds@draft": {"proposal_id": "draft"},
    "api.decision_record": {"round_id": "closed_round"},
    "api.decision_record@open": {"round_id": "open_round"},
    "accounts.revoke_token": {"token_id": "secretariat_token"},
    "portfolio.programme": {"proposal_id": "funded"},
}

# Content posted with the token, where it lets the view tell the personas apart.
POST_DATA: dict[str, dict[str, str]] = {
    "committee.vote": {"choice": "approve", "comment": "Sound programme."},
    "committee.declare_conflict": {"reason": "I advised the applicant."},
}

# POSTs that change what later requests of the same persona would see go last, in this order.
LAST = (
    "proposals.remove_attachment",
    "reporting.remove_attachment",
    "meetings.remove_item",
    "seats.retire",
    "committee.declare_conflict",
    "committee.close_round",
    "accounts.logout",
)


def _endpoint(key: str) -> str:
    return key.partition("@")[0]


def _path(app: Flask, key: str, world: World) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == _endpoint(key))
    chosen = DEFAULT_ARGS | URL_ARGS.get(key, {})
    values = {}
    for name in rule.arguments:
        value = chosen[name]
        values[name] = world.ids.get(value, value) if isinstance(value, str) else value
    return app.url_map.bind("localhost").build(rule.endpoint, values)


def _method(app: Flask, endpoint: str) -> str:
    methods = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == endpoint:
            methods |= set(rule.methods or ())
    return "GET" if "GET" in methods else "POST"


def _keys(app: Flask) -> list[str]:
    """Every endpoint and variant to request, GETs first, then POSTs, LAST at the end."""
    keys = sorted({r.endpoint for r in app.url_map.iter_rules()} | set(EXPECTED))
    keys = [k for k in keys if _endpoint(k) in app.view_functions or _endpoint(k) == "static"]

    def order(key: str) -> tuple[int, int, str]:
        endpoint = _endpoint(key)
        last = LAST.index(endpoint) if endpoint in LAST else -1
        return (_method(app, endpoint) == "POST", last, key)

    return sorted(keys, key=order)


def _answer(response) -> object:
    if response.status_code == 302:
        location = response.headers["Location"]
        return LOGIN if location.startswith("/login") else REDIRECT
    return response.status_code


def _request(
    app: Flask, client: FlaskClient, key: str, world: World, token: str | None, persona: str
):
    path = _path(app, key, world)
    endpoint = _endpoint(key)
    if endpoint.startswith("api."):
        bearer = world.tokens.get(persona)
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        return path, "GET", client.get(path, headers=headers)
    if _method(app, endpoint) == "GET":
        return path, "GET", client.get(path)
    data = {"csrf_token": token or ""} | POST_DATA.get(endpoint, {})
    return path, "POST", client.post(path, data=data)


# The table --------------------------------------------------------------------------------

# What the proposal pages answer, by who may see the proposal (fund.proposals.access.can_view):
# a draft only its organization's applicants and the secretariat; from committee review on,
# the committee too (a recused member included: recusal bars the vote, not the reading).
# The administrator and the administrative agent hold none of the proposal roles.
_NO_PROPOSAL_ROLE = {"admin": 403, "agent": 403}
_DRAFT_PAGE = _only({"owner": 200, "secretariat": 200}, refused=404) | _NO_PROPOSAL_ROLE
_REVIEWED_PAGE = (
    _only({"owner": 200, "secretariat": 200, "committee": 200, "recused": 200}, refused=404)
    | _NO_PROPOSAL_ROLE
)
_ADMIN = _only({"admin": 200})
_SECRETARIAT = _only({"secretariat": 200})
_COMMITTEE_PAGES = _only({"secretariat": 200, "committee": 200, "recused": 200})
_REPORT_READERS = _only(
    {
        "owner": 200,
        "other_applicant": 404,
        "secretariat": 200,
        "committee": 200,
        "recused": 200,
        "agent": 200,
    }
)

EXPECTED: dict[str, dict[str, object]] = {
    # Public pages and files
    "core.index": _all(200),
    "core.healthz": _all(200),
    "core.readyz": _all(200),
    "core.failed_emails_page": _ADMIN,
    "reference.objectives": _all(200),
    "reference.principles": _all(200),
    "proposals.workflow": _all(200),
    "coverage.dashboard": _all(200),
    "coverage.chart": _all(200),
    "reports.open_data": _all(200),
    "reports.open_data_iati": _all(200),  # the funded proposal is published
    "reports.open_data_360giving": _all(200),
    "reports.public_pipeline_booklet": _all(200),  # what the committee made public
    "portfolio.index": _all(200),
    "portfolio.map_page": _all(200),
    "portfolio.contributions": _all(200),
    "portfolio.programme": _all(200),  # funded: public
    "portfolio.programme@draft": _all(404),  # not public, whoever asks
    "static": _all(200),
    # Accounts
    "accounts.login": _all(REDIRECT, anonymous=200),  # a signed-in user goes home
    "accounts.logout": _all(LOGIN),
    "accounts.unlock": _all(400),  # the emailed link; anyone may follow it, a forged one fails
    "accounts.change_password": _signed_in(200),
    "accounts.account": _signed_in(200),
    # Personal API tokens: one's own. The empty form is refused; only the secretariat member
    # revokes the token (theirs) the URL names, the others are told it does not exist.
    "accounts.create_token": _all(400, anonymous=401),
    "accounts.revoke_token": _all(404, anonymous=401, secretariat=REDIRECT),
    # Administration
    "admin.users": _ADMIN,
    "admin.new_user": _ADMIN,
    "admin.edit_user": _ADMIN,
    "admin.unlock_user": _post_only({"admin": REDIRECT}),
    "admin.organizations": _ADMIN,
    "admin.new_organization": _ADMIN,
    "admin.edit_organization": _ADMIN,
    # The email outbox and one email of it (administrators only: an email's text may hold a
    # person's link, such as the one that unlocks an account).
    "outbox.index": _ADMIN,
    "outbox.message": _ADMIN,
    "audit.log": _only({"secretariat": 200, "admin": 200}),
    "audit.export_csv": _only({"secretariat": 200, "admin": 200}),
    "audit.event": _only({"secretariat": 200, "admin": 200}),
    # Calls: the list for everyone signed in, the form for the secretariat
    "calls.index": _signed_in(200),
    "calls.new": _SECRETARIAT,
    "calls.edit": _SECRETARIAT,
    # Proposals
    "proposals.index": _only(
        {"owner": 200, "other_applicant": 200, "secretariat": 200, "committee": 200, "recused": 200}
    ),
    "proposals.new": _only({"owner": 200, "other_applicant": 200}),
    "proposals.detail": _DRAFT_PAGE,
    "proposals.detail@review": _REVIEWED_PAGE,
    "proposals.edit": _only({"owner": 200, "other_applicant": 404}),
    # A submitted proposal cannot be edited: its owner is sent back to it with the reason.
    "proposals.edit@review": _only({"owner": REDIRECT, "other_applicant": 404}),
    # The withdrawal's confirmation: the owner's applicants, while the workflow allows it.
    "proposals.withdraw": _only({"owner": 200, "other_applicant": 404}),
    # The results framework's editor: as the edit page (a concept note's too).
    "results_editor.edit": _only({"owner": 200, "other_applicant": 404}),
    "results_editor.edit@review": _only({"owner": REDIRECT, "other_applicant": 404}),
    "results_editor.edit@note": _only({"owner": 200, "other_applicant": 404}),
    # The results reference: the fund's framework is read by the committee too; the rest, and
    # every change, is the secretariat's. FO4 stays (programme outcomes map to it: 400).
    "results.framework": _COMMITTEE_PAGES,
    "results.new_outcome": _SECRETARIAT,
    "results.edit_outcome": _SECRETARIAT,
    "results.remove_outcome": _post_only({"secretariat": 400}),
    "results.new_indicator": _SECRETARIAT,
    "results.edit_indicator": _SECRETARIAT,
    "results.remove_indicator": _post_only({"secretariat": REDIRECT}),
    "results.mgi_indicators": _SECRETARIAT,
    "results.new_mgi_indicator": _SECRETARIAT,
    "results.edit_mgi_indicator": _SECRETARIAT,
    "results.remove_mgi_indicator": _post_only({"secretariat": REDIRECT}),
    "results.assessments": _SECRETARIAT,
    "results.assessment": _SECRETARIAT,
    "results.remove_assessment": _post_only({"secretariat": REDIRECT}),
    "proposals.download": _DRAFT_PAGE,
    "proposals.download@review": _REVIEWED_PAGE,
    # An attachment asked for under another proposal is not found, whoever asks.
    "proposals.download@mismatch": _DRAFT_PAGE | {"owner": 404, "secretariat": 404},
    "proposals.version": _REVIEWED_PAGE,
    "reports.proposal_pdf": _REVIEWED_PAGE,
    # POSTs with the token only: the view refuses the incomplete form (400), after hiding the
    # proposal (404) from whoever may not see it.
    "proposals.act": _post_only({"owner": 400, "secretariat": 400}, refused=404)
    | _NO_PROPOSAL_ROLE,
    "proposals.act@review": _post_only(
        {"owner": 400, "secretariat": 400, "committee": 400, "recused": 400}, refused=404
    )
    | _NO_PROPOSAL_ROLE,
    "proposals.upload": _post_only({"owner": 400, "other_applicant": 404}),
    # The draft's owner removes the attachment; a submitted proposal's attachments stay.
    "proposals.remove_attachment": _post_only({"owner": REDIRECT, "other_applicant": 404}),
    "proposals.remove_attachment@review": _post_only({"owner": 400, "other_applicant": 404}),
    # Concept notes are seen as proposals are: a draft by its organization and the secretariat,
    # from the committee's review on by the committee too. The proposal's page sends one to its
    # own page; the form is the draft's organization's; a submitted one sends its owner back.
    "proposals.detail@note": _only({"owner": REDIRECT, "secretariat": REDIRECT}, refused=404)
    | _NO_PROPOSAL_ROLE,
    "concept_notes.detail": _DRAFT_PAGE,
    "concept_notes.detail@review": _REVIEWED_PAGE,
    "concept_notes.edit": _only({"owner": 200, "other_applicant": 404}),
    "concept_notes.edit@review": _only({"owner": REDIRECT, "other_applicant": 404}),
    # POSTs with the token only: the incomplete form is refused (400) once the note is found.
    "concept_notes.act": _post_only({"owner": 400, "secretariat": 400}, refused=404)
    | _NO_PROPOSAL_ROLE,
    "concept_notes.act@review": _post_only(
        {"owner": 400, "secretariat": 400, "committee": 400, "recused": 400}, refused=404
    )
    | _NO_PROPOSAL_ROLE,
    # From a concept note to a full programme: the secretariat invites (a draft's page says it
    # cannot be invited); the owner's applicants start the full programme (a page saying the
    # draft is not invited; once started, the full proposal).
    "invitations.invite": _SECRETARIAT,
    "invitations.invite@pipeline": _SECRETARIAT,
    # An invited note's page gives its invitation a new deadline (extended, or invited again).
    "invitations.invite@invited": _SECRETARIAT,
    "invitations.full_proposal": _only({"owner": 200, "other_applicant": 404}),
    "invitations.full_proposal@invited": _only({"owner": 200, "other_applicant": 404}),
    "invitations.full_proposal@converted": _only({"owner": REDIRECT, "other_applicant": 404}),
    # Screening (secretariat)
    "screening.queue": _SECRETARIAT,
    "screening.checklist": _SECRETARIAT,
    "screening.criteria": _SECRETARIAT,
    "screening.start": _post_only({"secretariat": 400}),
    "screening.act": _post_only({"secretariat": 400}),
    # Committee
    "committee.index": _COMMITTEE_PAGES,
    "committee.meeting": _COMMITTEE_PAGES,
    "committee.review": _COMMITTEE_PAGES,  # the recused member sees why they cannot vote
    "committee.review@draft": _only({"secretariat": 404, "committee": 404, "recused": 404}),
    # A closed round's record: the secretariat, members without a conflict, and the applicant
    # (outcome, summary and conditions); not the recused member, not another applicant.
    "committee.record": _only({"owner": 200, "secretariat": 200, "committee": 200}, refused=404)
    | _NO_PROPOSAL_ROLE,
    # An open round's record so far: the secretariat only.
    "committee.record@open": _only({"secretariat": 200}, refused=404) | _NO_PROPOSAL_ROLE,
    # The vote (choice "approve"): cast by the member, refused to the recused member.
    "committee.vote": _post_only({"committee": REDIRECT, "recused": 400}),
    # Declaring a conflict: recorded for the member; the recused member is recused already.
    "committee.declare_conflict": _post_only({"committee": REDIRECT, "recused": 400}),
    "committee.close_round": _post_only({"secretariat": 400}),  # no fingerprint: refused
    "committee.set_deadline": _post_only({"secretariat": REDIRECT}),  # no date: none, unchanged
    "committee.open_round": _post_only({"secretariat": 400}),
    "committee.return_for_revision": _post_only({"secretariat": 400}),  # no summary: refused
    # The committee's meetings: the members and the secretariat read them, the secretariat
    # writes them.
    "meetings.index": _COMMITTEE_PAGES,
    "meetings.detail": _COMMITTEE_PAGES,
    "reports.meeting_pdf": _COMMITTEE_PAGES,
    "meetings.new": _SECRETARIAT,
    "meetings.edit": _SECRETARIAT,
    "meetings.item": _SECRETARIAT,
    "meetings.add_item": _post_only({"secretariat": 400}),  # no kind: refused
    "meetings.remove_item": _post_only({"secretariat": REDIRECT}),
    # The seats: read by the committee, the secretariat and the administrator; changed by the
    # secretariat and the administrator (nothing chosen: refused; the owner is no alternate;
    # retiring needs no choice).
    "seats.index": _only({"secretariat": 200, "committee": 200, "recused": 200, "admin": 200}),
    "seats.create": _post_only({"secretariat": 400, "admin": 400}),
    "seats.hand_over": _post_only({"secretariat": 400, "admin": 400}),
    "seats.name_alternate": _post_only({"secretariat": 400, "admin": 400}),
    "seats.remove_alternate": _post_only({"secretariat": 400, "admin": 400}),
    "seats.chair": _post_only({"secretariat": 400, "admin": 400}),
    "seats.retire": _post_only({"secretariat": REDIRECT, "admin": REDIRECT}),
    # Finance (secretariat)
    # The balance and the contributions: read by the secretariat, recorded (and voided)
    # by the administrative agent (part E).
    "finance.balance": _only({"secretariat": 200, "agent": 200}),
    "finance.contributions": _only({"secretariat": 200, "agent": 200}),
    "finance.void": _only({"secretariat": 200, "agent": 200}),
    "finance.proposal": _only({"secretariat": 200, "agent": 200}),
    "finance.fund": _post_only({"secretariat": 400}),
    "finance.disburse": _post_only({"agent": 400}),
    # Closure and refunds (part D): the secretariat closes a funded programme (its close page);
    # a closed programme's closure is read by the secretariat and the administrative agent (the
    # world's programme is not closed: not found); the refunds due are read by both and recorded
    # by the agent only (none is due on the world's programme: not found).
    "closure.close": _SECRETARIAT,
    "closure.programme": _only({"secretariat": 404, "agent": 404}),
    "closure.refunds": _only({"secretariat": 200, "agent": 200}),
    "closure.record_refund": _post_only({"agent": 404}),
    # Transfer requests (part B): the secretariat requests a funded programme's transfers and
    # cancels an open one (no reason: refused); the administrative agent lists the open
    # requests and records their transfers (finance.disburse above, the form incomplete: 400).
    "transfers.request_transfer": _SECRETARIAT,
    "transfers.cancel": _post_only({"secretariat": 400}),
    "transfers.agent_list": _only({"agent": 200}),
    # The administrative agent's records (part E): the agent records pledges, deposits,
    # interest and direct costs (an empty form: refused at its fields); the secretariat reads
    # the lists, a pledge and the funding status.
    "agent.pledges": _only({"secretariat": 200, "agent": 200}),
    "agent.pledge": _only({"secretariat": 200, "agent": 200}),
    "agent.record_pledge": _post_only({"agent": 400}),
    "agent.deposit": _only({"agent": 200}),
    "agent.interest": _only({"secretariat": 200, "agent": 200}),
    "agent.record_interest": _post_only({"agent": 400}),
    "agent.direct_costs": _only({"secretariat": 200, "agent": 200}),
    "agent.record_direct_cost": _post_only({"agent": 400}),
    "agent.status": _only({"secretariat": 200, "agent": 200}),
    # Programme reports (part G): the secretariat, and the staff of the programme's
    # organizations (the owner, ILO); another applicant is told the report does not exist. The
    # committee and the administrative agent read the reports and download their attachments;
    # the list of reports due is the secretariat's and the agent's. The world's report is
    # empty, so submitting it is refused; an upload without a file is refused; its attachment
    # is removed by the owner while the report is due.
    # Applicants: their own organization's programmes and reports (none for UNDP's).
    "reporting.index": _only(
        {"secretariat": 200, "agent": 200, "owner": 200, "other_applicant": 200}
    ),
    "reporting.programme": _REPORT_READERS,
    "reporting.report": _REPORT_READERS,
    "reporting.download": _REPORT_READERS,
    "reporting.upload": _post_only({"owner": 400, "other_applicant": 404}),
    "reporting.remove_attachment": _post_only({"owner": REDIRECT, "other_applicant": 404}),
    "reporting.submit": _post_only({"owner": 400, "other_applicant": 404}),
    "reporting.decide": _post_only({"secretariat": 400}),
    "reporting.due_date": _post_only({"secretariat": 400}),
    # Revisions (part C): the secretariat, and the staff of the programme's organizations (the
    # owner, ILO); another applicant is told the revision does not exist. The world's revision
    # is an empty draft: submitting it is refused, starting another is refused (one open at a
    # time: back to the programme's revisions), withdrawing it is done; the secretariat's
    # decision without a choice is refused, and so is a round about a draft. The committee
    # reads a revision once it is forwarded to it: not this draft.
    "revisions.index": _SECRETARIAT,
    "revisions.programme": _only({"owner": 200, "secretariat": 200, "other_applicant": 404}),
    "revisions.revision": _only(
        {"owner": 200, "secretariat": 200, "other_applicant": 404, "committee": 404, "recused": 404}
    ),
    "revisions.new": _post_only({"owner": REDIRECT, "other_applicant": 404}),
    "revisions.submit": _post_only({"owner": 400, "other_applicant": 404}),
    "revisions.withdraw": _post_only({"owner": REDIRECT, "other_applicant": 404}),
    "revisions.decide": _post_only({"secretariat": 400}),
    "revisions.new_round": _post_only({"secretariat": 409}),
    # Coverage: the dashboard is public (above); the simulator for the committee and the
    # secretariat, the targets for the secretariat.
    "coverage.simulator": _COMMITTEE_PAGES,
    "coverage.targets": _SECRETARIAT,
    # The pipeline: read by the committee and the secretariat (the booklet too); its order and
    # the public flag recorded by the secretariat (the order without a decision: refused; the
    # draft is not in the pipeline: refused; the approved proposal is, not yet public: nothing
    # to change).
    "pipeline.index": _COMMITTEE_PAGES,
    "pipeline.balance": _COMMITTEE_PAGES,
    "reports.pipeline_booklet": _COMMITTEE_PAGES,
    "pipeline.rerank": _post_only({"secretariat": 400}),
    "pipeline.set_public": _post_only({"secretariat": 400}),
    "pipeline.set_public@approved": _post_only({"secretariat": REDIRECT}),
    # Reports (secretariat)
    "reports.index": _SECRETARIAT,
    "reports.xlsx_export": _SECRETARIAT,
    "reports.csv_export": _SECRETARIAT,
    "reports.allocation_pdf": _SECRETARIAT,
    "reports.allocation_page": _SECRETARIAT,
    # The decision record as a PDF: the same readers as the page.
    "reports.decision_pdf": _only({"owner": 200, "secretariat": 200, "committee": 200}, refused=404)
    | _NO_PROPOSAL_ROLE,
    "reports.decision_pdf@open": _only({"secretariat": 200}, refused=404) | _NO_PROPOSAL_ROLE,
    # The JSON API: the public operations for anyone; the others with a personal API token
    # (none: 401), through the pages' rules: the proposals as their pages (404 for whoever may
    # not see one), screening for the secretariat, a proposal's rounds as the review page
    # (the recused member sees that they are recused, not the votes: RECUSED_SEES below), the
    # decision record as its page (not the recused member), finance as the balance page, the
    # audit trail as the audit log.
    "api.openapi_document": _all(200),
    "api.objectives": _all(200),
    "api.coverage_of_objectives": _all(200),
    "api.public_pipeline": _all(200),
    "api.contributions": _all(200),
    "api.programmes": _all(200),
    "api.programme": _all(200),  # the funded programme is public
    "api.programme@draft": _all(404),  # a draft is not
    "api.proposals": _bearer(
        {"owner": 200, "other_applicant": 200, "secretariat": 200, "committee": 200, "recused": 200}
    ),
    "api.proposal": _bearer(_DRAFT_PAGE),
    "api.proposal@review": _bearer(_REVIEWED_PAGE),
    "api.screening": _bearer({"secretariat": 200}),
    "api.rounds": _bearer(_COMMITTEE_PAGES),
    "api.rounds@approved": _bearer(_COMMITTEE_PAGES),
    "api.rounds@draft": _bearer({"secretariat": 404, "committee": 404, "recused": 404}),
    "api.decision_record": _bearer(
        {"owner": 200, "secretariat": 200, "committee": 200}, refused=404
    )
    | {"admin": 403, "agent": 403},
    "api.decision_record@open": _bearer({"secretariat": 200}, refused=404)
    | {"admin": 403, "agent": 403},
    "api.finance": _bearer({"secretariat": 200, "agent": 200}),
    "api.audit_events": _bearer({"secretariat": 200, "admin": 200}),
    # Notifications: one's own only
    "notifications.index": _signed_in(200),
    "notifications.preferences": _signed_in(200),
    "notifications.mark_all_read": _all(REDIRECT, anonymous=401),
    "notifications.mark_read": _all(404, anonymous=401, owner=REDIRECT),
}


# The tests --------------------------------------------------------------------------------


def test_every_route_has_an_entry(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - {_endpoint(key) for key in EXPECTED})
    assert not missing, (
        "routes without an entry in EXPECTED of tests/test_authorization_matrix.py (decide "
        f"who may use them and add them): {', '.join(missing)}"
    )


def test_the_table_names_only_routes_that_exist(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    stale = sorted(key for key in EXPECTED if _endpoint(key) not in endpoints)
    assert not stale, f"EXPECTED names routes the application no longer has: {stale}"
    unknown = sorted(key for key in URL_ARGS | POST_DATA if _endpoint(key) not in endpoints)
    assert not unknown, f"URL_ARGS or POST_DATA name routes that do not exist: {unknown}"
    for key, row in EXPECTED.items():
        assert set(row) == set(PERSONAS), f"{key}: an answer for each persona, no more"


# Which of the world's proposals each persona finds in the proposals list (by title).
TITLES = {
    "draft": "Draft of the owner",
    "submitted": "Submitted proposal",
    "review": "Proposal under committee review",
    "approved": "Approved proposal",
    "funded": "Funded proposal",
}
LISTED = {
    "owner": set(TITLES),
    "other_applicant": set(),
    "secretariat": set(TITLES),
    "committee": {"review", "approved", "funded"},
    "recused": {"review", "approved", "funded"},
}


def _round_secrets(persona: str, key: str, body: dict) -> list[str]:
    """What a persona must not read in a proposal's rounds: the recused member (a conflict of
    interest) never the tally nor another seat's vote; a member without a conflict the votes
    of a closed round."""
    problems = []
    for round_ in body["rounds"]:
        if persona == "recused" and (
            not round_["recused"] or round_["tally"] is not None or round_["votes"]
        ):
            problems.append(f"recused         {key}: round {round_['number']} shows {round_}")
        if persona == "committee" and round_["status"] == "closed" and not round_["votes"]:
            problems.append(f"committee       {key}: the closed round's votes are missing")
    if key == "api.rounds@approved" and not body["rounds"]:
        problems.append(f"{persona:15} {key}: the approved proposal's round is missing")
    return problems


def _database_file(app: Flask) -> Path:
    return Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))


def test_every_route_answers_every_persona_as_expected(app, world, tmp_path):
    # Each persona starts from the world as built: the database file is put back before each.
    pristine = tmp_path / "world.sqlite3"
    with app.app_context():
        db.engine.dispose()
    shutil.copy(_database_file(app), pristine)
    wrong, tried = [], 0
    for persona in PERSONAS:
        with app.app_context():
            db.engine.dispose()
        shutil.copy(pristine, _database_file(app))
        client = app.test_client()
        if persona != "anonymous":
            assert login(client, world.users[persona].email).status_code == 302, persona
        token = csrf_token(client, "/login" if persona == "anonymous" else "/account/password")
        for key in _keys(app):
            if key not in EXPECTED:
                continue  # reported by test_every_route_has_an_entry
            path, method, response = _request(app, client, key, world, token, persona)
            tried += 1
            got, expected = _answer(response), EXPECTED[key][persona]
            if got != expected:
                wrong.append(f"{persona:15} {key:36} {method} {path}: {got}, expected {expected}")
            if key in ("proposals.index", "api.proposals") and got == 200:
                page = response.get_data(as_text=True)
                listed = {name for name, title in TITLES.items() if title in page}
                if listed != LISTED[persona]:
                    wrong.append(
                        f"{persona:15} {key} lists {sorted(listed)}, not {sorted(LISTED[persona])}"
                    )
            if key.startswith("api.rounds") and got == 200:
                wrong += _round_secrets(persona, key, response.get_json())
            if (
                key.startswith("api.")
                and persona != "anonymous"
                and EXPECTED[key]["anonymous"] == 401
            ):
                cookie_only = client.get(path)  # signed in on the pages, no token
                if cookie_only.status_code != 401:
                    wrong.append(
                        f"{persona:15} {key}: the session cookie alone gave "
                        f"{cookie_only.status_code}"
                    )
    assert tried == len(EXPECTED) * len(PERSONAS)
    assert not wrong, "answers differ from the matrix:\n" + "\n".join(wrong)


# The one rule behind every page's 404 ------------------------------------------------------


def test_seen_by_answers_404_unless_the_person_may_see_that_kind_of_proposal(
    app: Flask, create_user, make_proposal, author
) -> None:
    from werkzeug.exceptions import NotFound

    from fund.proposals.access import seen_by

    other = create_user(roles=("applicant",), organization_acronym="IOM")
    secretariat = create_user(roles=("secretariat",), organization_acronym=None)
    proposal_id = make_proposal(author, status="draft")
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        assert seen_by(user(author), proposal) is proposal
        assert seen_by(user(secretariat), proposal, concept_note=False) is proposal
        for person, found, kind in (
            (author, None, None),  # none with this id
            (other, proposal, None),  # another organization's draft
            (author, proposal, True),  # a full proposal asked for as a concept note
        ):
            with pytest.raises(NotFound):
                seen_by(user(person), found, concept_note=kind)

"""Single-line fields (titles, names, acronyms, references, emails) refuse line breaks, tabs
and other control characters with a message at the field; multi-line fields keep their line
breaks; and an email about a record whose name holds a line break is still sent, with a
subject of one line."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
import wtforms
from sqlalchemy import func, select
from wtforms.fields.core import UnboundField

import fund
from fund.accounts.models import Organization
from fund.calls.models import Call
from fund.extensions import db
from fund.forms import SingleLine, single_line_problem
from fund.notifications.mail import Email, build_message, header_text
from fund.proposals.models import Proposal
from tests.conftest import csrf_token
from tests.test_notifications import smtp  # noqa: F401 - the SMTP server fixture

MULTI_LINE = (wtforms.TextAreaField, wtforms.PasswordField, wtforms.HiddenField)
# The proposal editor's selects, sent blank as a browser sends them for a draft not filled in.
BLANK_SELECTS = (
    "lead_organization_id",
    "scope",
    "primary_objective_number",
    "gender_marker",
    "human_rights_marker",
)
BUDGET_SELECTS = ("organization_id", "objective_number", "category_code")
BREAKS = ["\r\n", "\n", "\r", "\t", "\x0b", "\x1b", "\x85", "\u2028", "\u2029"]


def _form_classes() -> list[type]:
    for module in pkgutil.walk_packages(fund.__path__, "fund."):
        importlib.import_module(module.name)
    found, pending = [], [wtforms.Form]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return [cls for cls in found if cls.__module__.startswith("fund.")]


def test_every_single_line_field_of_every_form_refuses_control_characters():
    checked = []
    for form in _form_classes():
        for name in dir(form):
            unbound = getattr(form, name, None)
            if not isinstance(unbound, UnboundField):
                continue
            kind = unbound.field_class
            if issubclass(kind, wtforms.StringField) and not issubclass(kind, MULTI_LINE):
                assert issubclass(kind, SingleLine), f"{form.__qualname__}.{name}"
                checked.append(f"{form.__qualname__}.{name}")
    # The fields the fund's records are named by are among them.
    for field in (
        "NewProposalForm.title",
        "ProposalForm.title",
        "ContactRowForm.email",
        "BudgetRowForm.description",
        "CallForm.title",
        "OrganizationForm.name",
        "OrganizationForm.acronym",
        "UserForm.name",
        "UserForm.email",
        "ContributionForm.reference",
    ):
        assert field in checked, field


@pytest.mark.parametrize("character", BREAKS)
def test_the_message_names_what_to_remove(character):
    problem = single_line_problem(f"Safe{character}corridors")
    assert problem is not None and problem.startswith("Keep this on one line: remove ")
    assert single_line_problem("Safe corridors: Ñandú, عربي, 😀") is None


@pytest.mark.parametrize("title", ["Safe\r\nBcc: someone@example.org", "Safe\tcorridors"])
def test_a_title_with_a_line_break_is_a_field_error(
    app, backend, client, login_as, open_call, title
):
    login_as("applicant")
    token = csrf_token(client, "/proposals/new")
    response = client.post(
        "/proposals/new", data={"csrf_token": token, "call_id": open_call, "title": title}
    )
    assert response.status_code == 400
    assert "Keep this on one line: remove a " in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Proposal)) == 0


def test_names_acronyms_and_call_titles_refuse_line_breaks(app, backend, client, login_as):
    login_as("admin", "secretariat", organization_acronym=None)
    token = csrf_token(client, "/admin/organizations/new")
    for data in (
        {"name": "New\nAgency", "acronym": "NA"},
        {"name": "New Agency", "acronym": "N\u2028A"},
    ):
        response = client.post(
            "/admin/organizations/new",
            data=data | {"kind": "un_entity", "active": "y", "csrf_token": token},
        )
        assert response.status_code == 400
        assert "Keep this on one line" in response.get_data(as_text=True)
    response = client.post(
        "/calls/new",
        data={
            "csrf_token": token,
            "title": "Second\r\ncall",
            "opens_on": "2027-01-01",
            "closes_on": "2027-03-01",
            "envelope": "1000000.00",
            "decision_rule": "consensus",
            "min_duration_months": "12",
            "max_duration_months": "36",
        },
    )
    assert response.status_code == 400
    assert "Keep this on one line: remove a line break." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Organization).where(Organization.acronym == "NA")) is None
        assert db.session.scalar(select(func.count()).select_from(Call)) == 0


def test_multi_line_fields_keep_their_line_breaks(app, backend, client, login_as, make_proposal):
    author = login_as("applicant")
    proposal_id = make_proposal(author, complete=False)
    path = f"/proposals/{proposal_id}/edit"
    token = csrf_token(client, path)
    with app.app_context():
        version = db.session.get(Proposal, proposal_id).version
    response = client.post(
        path,
        data={
            "csrf_token": token,
            "version": version,
            "title": "Safe corridors",
            "summary": "First paragraph.\r\n\r\nSecond\tparagraph.",
            **dict.fromkeys(BLANK_SELECTS, ""),
            **{f"budget-{n}-{name}": "" for n in range(5) for name in BUDGET_SELECTS},
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        assert proposal.summary == "First paragraph.\r\n\r\nSecond\tparagraph."


# Email headers ------------------------------------------------------------------------------


def test_a_header_value_with_line_breaks_becomes_one_line():
    assert header_text("Safe\r\nBcc: x@example.org\t\u2028 corridors\x00") == (
        "Safe Bcc: x@example.org corridors"
    )
    message = build_message(
        Email("ana@example.org\r\n", "P-00001 “Safe\r\nBcc: x@example.org”", "text", "<p>h</p>"),
        "Fund <fund@example.org>",
    )
    assert message["Subject"] == "P-00001 “Safe Bcc: x@example.org”"
    assert message["To"] == "ana@example.org"
    assert message["Bcc"] is None


def test_an_email_about_a_proposal_whose_title_holds_a_line_break_is_sent(
    app,
    backend,
    create_user,
    make_proposal,
    smtp,  # noqa: F811
):
    """A title stored before single-line fields were checked (or written by another program)
    does not stop the emails about its proposal."""
    from fund.proposals import operations as proposal_operations

    author = create_user(roles=("applicant",), organization_acronym="ILO")
    proposal_id = make_proposal(author, title="Safe\r\nlabour\u2028migration")
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        proposal_operations.fire(proposal, "submit", proposal.created_by)
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["fund", "mail", "send-pending"])
    assert result.exit_code == 0, result.output
    received = smtp.to(author.email)
    assert received, result.output
    subject = received[0]["Subject"]
    assert "\n" not in subject and "\r" not in subject and "\u2028" not in subject
    assert "Safe labour migration" in subject

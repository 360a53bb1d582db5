"""Administration of users and organizations: admins only, every change audited."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from fund.accounts.models import Organization, User
from fund.audit.models import AuditEvent
from fund.extensions import db
from tests.helpers import csrf_token, login, org_id

ADMIN_PAGES = [
    "/admin/users",
    "/admin/users/new",
    "/admin/organizations",
    "/admin/organizations/new",
]


@pytest.mark.parametrize("path", ADMIN_PAGES)
@pytest.mark.parametrize("role", ["applicant", "secretariat", "committee"])
def test_admin_pages_are_refused_to_other_roles(client, login_as, path, role):
    login_as(role, organization_acronym="IOM")
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_send_anonymous_visitors_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_admin_pages_are_refused_to_other_roles_on_post(client, login_as):
    login_as("secretariat", organization_acronym="IOM")
    token = csrf_token(client, "/")
    response = client.post(
        "/admin/users/new",
        data={"email": "x@y.org", "name": "X", "csrf_token": token, "organization_id": 0},
    )
    assert response.status_code == 403


def _new_user(client, app, acronym: str, **values):
    """The admin's new-user form sent with `values` (email, name, roles, password...) for a
    person of the organization `acronym`."""
    token = csrf_token(client, "/admin/users/new")
    data = {"organization_id": org_id(acronym, app), "csrf_token": token} | values
    return client.post("/admin/users/new", data=data)


def test_admin_creates_a_user_and_the_user_can_sign_in(app, client, login_as):
    login_as("admin", organization_acronym=None)
    response = _new_user(
        client,
        app,
        "UNDP",
        email="New.Person@UNDP.org",
        name="New Person",
        roles=["applicant"],
        password="initial password 2026",
        active="y",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "new.person@undp.org"))
        assert user.roles == {"applicant"} and user.organization.acronym == "UNDP"
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user_created"))
        assert event.details["roles"] == ["applicant"]
    assert (
        login(app.test_client(), "new.person@undp.org", "initial password 2026").status_code == 302
    )


def test_bad_user_form_keeps_input_and_changes_nothing(app, client, login_as):
    login_as("admin", organization_acronym=None)
    with app.app_context():
        before = db.session.scalar(select(db.func.count()).select_from(User))
    response = _new_user(
        client,
        app,
        "UNDP",
        email="member@example.org",
        name="Would-be member",
        roles=["applicant"],
        password="short",
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Use at least 12 characters" in page
    assert 'value="Would-be member"' in page
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(User)) == before


def test_the_initial_passwords_hint_states_the_minimum_the_form_applies(
    app, client, login_as, monkeypatch
):
    """The hint and the refusal read one setting, `PASSWORD_MIN_LENGTH`."""
    login_as("admin", organization_acronym=None)
    assert "At least 12 characters." in client.get("/admin/users/new").get_data(as_text=True)
    monkeypatch.setitem(app.config, "PASSWORD_MIN_LENGTH", 16)
    page = client.get("/admin/users/new").get_data(as_text=True)
    assert "At least 16 characters." in page and "At least 12 characters." not in page
    refused = _new_user(
        client,
        app,
        "UNDP",
        email="member16@example.org",
        name="Sixteen",
        roles=["applicant"],
        password="thirteen char",
    )
    assert refused.status_code == 400
    assert "Use at least 16 characters" in refused.get_data(as_text=True)


def test_committee_member_must_belong_to_a_committee_entity(app, client, login_as):
    login_as("admin", organization_acronym=None)
    response = _new_user(
        client,
        app,
        "WHO",
        email="who@who.int",
        name="W",
        roles=["committee"],
        password="long enough password",
    )
    assert response.status_code == 400
    assert "committee member must belong" in response.get_data(as_text=True)


def test_admin_deactivates_a_user_and_changes_roles(app, client, login_as, create_user):
    login_as("admin", organization_acronym=None)
    target = create_user(roles=("applicant",))
    target_client = app.test_client()
    assert login(target_client, target.email).status_code == 302
    token = csrf_token(client, f"/admin/users/{target.id}")
    response = client.post(
        f"/admin/users/{target.id}",
        data={
            "email": target.email,
            "name": target.name,
            "organization_id": org_id("IOM", app),
            "roles": ["applicant", "secretariat"],
            "csrf_token": token,
        },  # "active" unticked
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        user = db.session.get(User, target.id)
        assert user.active is False
        assert user.roles == {"applicant", "secretariat"}
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user_updated"))
        assert event.details["active"] == [True, False]
        assert event.details["roles"] == [["applicant"], ["applicant", "secretariat"]]
    assert target_client.get("/account/password").status_code == 302  # signed out


def test_admin_cannot_lock_themself_out(app, client, login_as):
    me = login_as("admin", organization_acronym=None)
    token = csrf_token(client, f"/admin/users/{me.id}")
    response = client.post(
        f"/admin/users/{me.id}",
        data={
            "email": me.email,
            "name": me.name,
            "organization_id": 0,
            "roles": ["admin"],
            "csrf_token": token,
        },
    )
    assert response.status_code == 400
    assert "cannot remove your own administrator role" in response.get_data(as_text=True)


def test_admin_creates_and_edits_an_organization(app, client, login_as):
    login_as("admin", organization_acronym=None)
    token = csrf_token(client, "/admin/organizations/new")
    response = client.post(
        "/admin/organizations/new",
        data={
            "name": "Government of Ghana",
            "kind": "member_state",
            "country_iso2": "GH",
            "active": "y",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        ghana = db.session.scalar(select(Organization).where(Organization.country_iso2 == "GH"))
        assert ghana.kind == "member_state"
        ghana_id = ghana.id
    response = client.post(
        f"/admin/organizations/{ghana_id}",
        data={
            "name": "Government of the Republic of Ghana",
            "kind": "member_state",
            "country_iso2": "GH",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    with app.app_context():
        ghana = db.session.get(Organization, ghana_id)
        assert ghana.name == "Government of the Republic of Ghana" and ghana.active is False
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.subject_type == "organization")
        ).all()
        assert actions == ["organization_created", "organization_updated"]


def test_an_organization_with_committee_members_stays_on_the_committee(
    app, client, login_as, create_user
):
    """A committee member belongs to one of the committee's organizations: unticking "Sits on
    the committee" is refused while the organization has committee members (an inactive one
    too), with what was typed kept; without them it leaves the committee."""
    login_as("admin", organization_acronym=None)
    member = create_user(roles=("committee",), organization_acronym="UNHCR", active=False)
    token = csrf_token(client, "/admin/organizations/new")
    with app.app_context():
        unhcr = db.session.scalar(select(Organization).where(Organization.acronym == "UNHCR"))
        unhcr_id, name = unhcr.id, unhcr.name
        assert unhcr.committee_member
    form = {"name": name + " (renamed)", "acronym": "UNHCR", "kind": "un_entity", "active": "y"}
    refused = client.post(f"/admin/organizations/{unhcr_id}", data=form | {"csrf_token": token})
    assert refused.status_code == 400
    page = html.unescape(refused.get_data(as_text=True))
    assert "UNHCR has 1 committee member: take the committee role from them" in page
    assert f'value="{name} (renamed)"' in page
    with app.app_context():
        unhcr = db.session.get(Organization, unhcr_id)
        assert unhcr.committee_member and unhcr.name == name
        db.session.get(User, member.id).set_roles({"applicant"})
        db.session.commit()
    done = client.post(f"/admin/organizations/{unhcr_id}", data=form | {"csrf_token": token})
    assert done.status_code == 302
    with app.app_context():
        assert not db.session.get(Organization, unhcr_id).committee_member


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "Nowhere", "kind": "member_state"}, "Choose the country"),
        ({"name": "Donor", "kind": "other", "committee_member": "y"}, "Only a UN entity"),
        ({"name": "United Nations Development Programme", "kind": "un_entity"}, "already has"),
        ({"name": "X", "kind": "un_entity", "iati_org_id": "not an id"}, "org-id.guide"),
    ],
)
def test_bad_organization_form(app, client, login_as, data, message):
    login_as("admin", organization_acronym=None)
    token = csrf_token(client, "/admin/organizations/new")
    with app.app_context():
        before = db.session.scalar(select(db.func.count()).select_from(Organization))
    response = client.post("/admin/organizations/new", data=data | {"csrf_token": token})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Organization)) == before


def test_a_new_user_form_tells_every_problem_at_once(app, client, login_as):
    me = login_as("admin", organization_acronym=None)
    for email in (me.email, "not an address"):
        token = csrf_token(client, "/admin/users/new")
        response = client.post(
            "/admin/users/new",
            data={
                "email": email,
                "name": "Twice",
                "organization_id": org_id("UNDP", app),
                "roles": ["applicant"],
                "password": "short",
                "csrf_token": token,
            },
        )
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert "Use at least 12 characters" in page, email
        assert ("already exists" if email == me.email else "valid email address") in page
        assert 'value="Twice"' in page

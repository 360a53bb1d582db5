"""The people who hold a role: active users only, of that role only, by id."""

from __future__ import annotations

from sqlalchemy import select

from fund.accounts.models import Role, User
from fund.accounts.queries import active_holders_of, active_users_with_role
from fund.extensions import db
from tests.helpers import new_user


def test_the_active_users_with_a_role_leave_out_the_inactive_and_other_roles(app):
    with app.app_context():
        existing = set(db.session.scalars(select(User.id)))
        second = new_user(("secretariat", "committee"), None)
        first = new_user(("secretariat",), None)
        new_user(("secretariat",), None, active=False)
        new_user(("committee",), None)
        new_user(("applicant",))
        db.session.commit()

        found = [u.id for u in active_users_with_role(Role.SECRETARIAT) if u.id not in existing]
        assert found == sorted([first.id, second.id])
        everyone = [u.id for u in active_users_with_role(Role.SECRETARIAT)]
        assert everyone == sorted(everyone)


def test_the_holders_of_a_role_may_be_narrowed_and_ordered(app):
    with app.app_context():
        zoe = new_user(("committee",), "ILO", name="Zoe")
        ada = new_user(("committee",), "ILO", name="Ada")
        elsewhere = new_user(("committee",), None, name="Bea")
        inactive = new_user(("committee",), "ILO", name="Cy", active=False)
        db.session.commit()
        created = [zoe.id, ada.id, elsewhere.id, inactive.id]

        found = db.session.scalars(
            active_holders_of(Role.COMMITTEE)
            .where(User.organization_id == zoe.organization_id, User.id.in_(created))
            .order_by(User.name)
        ).all()
        assert [u.id for u in found] == [ada.id, zoe.id]
